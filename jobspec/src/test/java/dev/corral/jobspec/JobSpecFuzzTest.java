package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.jobspec.hcl.ParserFuzzTest;
import dev.corral.jobspec.json.JobJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the whole pipeline (parse, evaluate, decode, validate; and the JSON reader):
 * generated job files and mutations of the corpus. Only {@link JobSpecException} may escape,
 * every diagnostic has a position or field path, and no input takes a second. Replay a failure
 * with {@code -Dcorral.fuzz.seed=<seed printed in the failure>}; change the volume with
 * {@code -Dcorral.fuzz.iterations=N}.
 */
class JobSpecFuzzTest {

    static final String[] ATTRS = {
        "count = %s", "driver = %s", "user = %s", "kill_timeout = %s", "kill_signal = %s", "leader = %s", "type = %s",
        "priority = %s", "datacenters = %s", "region = %s", "shutdown_delay = %s", "command = %s", "args = %s",
        "meta = %s", "env = %s", "cpu = %s", "memory = %s", "cores = %s", "memory_max = %s", "max_files = %s",
        "max_file_size = %s", "mode = %s", "attempts = %s", "interval = %s", "delay = %s", "source = %s",
        "destination = %s", "hook = %s", "sidecar = %s", "size = %s", "attribute = %s", "operator = %s", "value = %s",
        "pid_mode = %s", "work_dir = %s", "static = %s", "to = %s", "volume = %s", "for_each = %s", "iterator = %s",
        "labels = %s"};
    static final String[] BLOCKS = {"group", "task", "config", "resources", "logs", "restart", "reschedule", "artifact",
        "lifecycle", "network", "port", "ephemeral_disk", "constraint", "affinity", "volume", "volume_mount", "env", "meta",
        "template", "service", "locals", "variable", "dns", "options", "dynamic", "content"};
    static final String[] VALUES = {"1", "-1", "0", "1e3", "3.5", "\"x\"", "\"\"", "\"30s\"", "\"1h\"", "\"bogus\"", "true",
        "null", "[]", "[\"a\", 1]", "{}", "{ a = \"b\" }", "var.x", "local.y", "NOMAD_ALLOC_ID", "\"${NOMAD_TASK_DIR}\"",
        "\"${attr.kernel.name}\"", "upper(\"a\")", "length([1,2])", "[for v in [1,2] : v * 2]", "\"SIGTERM\"", "\"exec\"",
        "\"raw_exec\"", "\"prestart\"", "\"fail\"", "\"delay\"", "\"host\"", "\"/bin/true\"", "\"../../x\"",
        "range(100000000)", "format(\"%d\", 5)", "1 / 0", "\"%{ for x in [1] }${x}%{ endfor }\"", "<<EOT\nx\nEOT\n",
        "try(nope, 2)", "file(\"nope\")", "jsondecode(\"{\")", "\"${\"", "12345678901234567890"};

    @Test
    void generatedAndMutatedJobs_onlyEverFailWithPositionedJobSpecExceptions() throws IOException {
        long seed = Long.getLong("corral.fuzz.seed", 0xC0FFEEL);
        int iterations = Integer.getInteger("corral.fuzz.iterations", 100_000);
        List<String> hcl = new ArrayList<>();
        List<String> json = new ArrayList<>();
        try (Stream<Path> s = Stream.concat(Files.list(CorpusTest.CORPUS.resolve("valid")), Files.list(CorpusTest.CORPUS.resolve("invalid")))) {
            for (Path p : s.sorted().toList()) {
                if (p.toString().endsWith(".nomad.hcl")) {
                    hcl.add(Files.readString(p));
                } else if (p.toString().endsWith(".json")) {
                    json.add(Files.readString(p));
                }
            }
        }
        // Class loading and JIT of the first calls are not the input's cost: warm up before timing.
        JobJson.read("warmup.json", Files.readString(CorpusTest.CORPUS.resolve("valid/01-minimal-batch.json")));
        JobParser.parseHcl("warmup.hcl", Files.readString(CorpusTest.CORPUS.resolve("valid/01-minimal-batch.nomad.hcl")), null,
                JobParser.Options.none());
        SplittableRandom rnd = new SplittableRandom(seed);
        int ok = 0;
        int failed = 0;
        for (int i = 0; i < iterations; i++) {
            int kind = rnd.nextInt(10);
            String input = switch (kind) {
                case 0, 1, 2 -> generate(rnd);
                case 3 -> ParserFuzzTest.mutate(json.get(rnd.nextInt(json.size())), rnd);
                default -> ParserFuzzTest.mutate(hcl.get(rnd.nextInt(hcl.size())), rnd);
            };
            long t0 = System.nanoTime();
            try {
                if (kind == 3) {
                    JobJson.read("fuzz.json", input);
                } else {
                    JobParser.parseHcl("fuzz.hcl", input, null,
                            new JobParser.Options(Map.of(), List.of(), Map.of("NOMAD_VAR_x", "1")));
                }
                ok++;
            } catch (JobSpecException e) {
                failed++;
                for (Diagnostic d : e.diagnostics()) {
                    if (!d.pos().isKnown() && d.path().isEmpty()) {
                        throw new AssertionError("seed " + seed + " iteration " + i + ": diagnostic without position: " + d
                                + "\ninput:\n" + input);
                    }
                }
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                throw new AssertionError("seed " + seed + " iteration " + i + ": " + e + "\ninput:\n" + input, e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms >= 1000) {
                throw new AssertionError("seed " + seed + " iteration " + i + " took " + ms + " ms\ninput:\n" + input);
            }
        }
        assertThat(ok).as("seed %d: some inputs must be accepted", seed).isPositive();
        assertThat(failed).as("seed %d: some inputs must be rejected", seed).isPositive();
    }

    /** A job-shaped file of random blocks and attributes, mostly plausible, sometimes not. */
    static String generate(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        if (rnd.nextInt(4) == 0) {
            sb.append("variable \"x\" {\n  default = ").append(pick(VALUES, rnd)).append("\n}\n");
        }
        if (rnd.nextInt(4) == 0) {
            sb.append("locals {\n  y = ").append(pick(VALUES, rnd)).append("\n}\n");
        }
        sb.append("job \"j\" {\n");
        body(sb, rnd, 1);
        sb.append("  group \"g\" {\n");
        body(sb, rnd, 2);
        sb.append("    task \"t\" {\n      driver = ").append(rnd.nextInt(5) == 0 ? pick(VALUES, rnd) : "\"exec\"").append('\n');
        sb.append("      config {\n        command = ").append(rnd.nextInt(5) == 0 ? pick(VALUES, rnd) : "\"/bin/true\"").append('\n');
        body(sb, rnd, 4);
        sb.append("      }\n");
        body(sb, rnd, 3);
        sb.append("    }\n  }\n}\n");
        return sb.toString();
    }

    private static void body(StringBuilder sb, SplittableRandom rnd, int depth) {
        String indent = "  ".repeat(depth + 1);
        int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(3) == 0 && depth < 5) {
                String b = pick(BLOCKS, rnd);
                sb.append(indent).append(b);
                if (b.equals("dynamic")) {
                    sb.append(" \"").append(pick(BLOCKS, rnd)).append('"');
                } else if (b.equals("group") || b.equals("task") || b.equals("port") || b.equals("volume") || b.equals("variable")
                        || rnd.nextInt(8) == 0) {
                    sb.append(" \"l").append(rnd.nextInt(3)).append('"');
                }
                sb.append(" {\n");
                body(sb, rnd, depth + 1);
                sb.append(indent).append("}\n");
            } else {
                sb.append(indent).append(String.format(pick(ATTRS, rnd), pick(VALUES, rnd))).append('\n');
            }
        }
    }

    private static String pick(String[] a, SplittableRandom rnd) {
        return a[rnd.nextInt(a.length)];
    }
}
