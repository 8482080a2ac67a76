package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.corral.jobspec.json.JobJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden-file corpus under {@code src/test/resources/corpus}: every valid job's Nomad JSON
 * (and warnings), every invalid job's full error list. Regenerate after a reviewed change with
 * {@code -Dcorral.corpus.update=true}, then read the diff.
 */
class CorpusTest {

    static final Path CORPUS = Path.of("src/test/resources/corpus");
    static final boolean UPDATE = Boolean.getBoolean("corral.corpus.update");
    static final Map<String, String> ENV = Map.of("NOMAD_VAR_region_name", "eu-central", "NOMAD_VAR_undeclared", "ignored",
            "HOME", "/root");

    static List<Path> cases(String dir) {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            return s.filter(p -> p.toString().endsWith(".nomad.hcl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.substring(0, n.length() - ".nomad.hcl".length());
    }

    static JobParser.Options options(Path job) throws IOException {
        Path dir = job.getParent();
        Map<String, String> vars = new LinkedHashMap<>();
        Path varsFile = dir.resolve(stem(job) + ".vars");
        if (Files.exists(varsFile)) {
            for (String line : Files.readAllLines(varsFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    vars.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        List<Path> varFiles = new ArrayList<>();
        Path vf = dir.resolve(stem(job) + ".varfile.hcl");
        if (Files.exists(vf)) {
            varFiles.add(vf);
        }
        return new JobParser.Options(vars, varFiles, ENV);
    }

    static JobParser.Result parse(Path job) throws IOException {
        return JobParser.parseHcl(job.getFileName().toString(), Files.readString(job), job.getParent(), options(job));
    }

    static void golden(Path file, String actual) throws IOException {
        if (UPDATE) {
            if (actual.isEmpty()) {
                Files.deleteIfExists(file);
            } else {
                Files.writeString(file, actual);
            }
            return;
        }
        String expected = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        assertThat(actual).as("golden file %s", file).isEqualTo(expected);
    }

    @Test
    void corpus_isLargeEnough() {
        assertThat(cases("valid")).hasSizeGreaterThanOrEqualTo(40);
        assertThat(cases("invalid")).hasSizeGreaterThanOrEqualTo(25);
    }

    @TestFactory
    Stream<DynamicTest> validJobs_matchTheirGoldenJsonAndRoundTrip() {
        return cases("valid").stream().map(job -> DynamicTest.dynamicTest(stem(job), () -> {
            JobParser.Result r;
            try {
                r = parse(job);
            } catch (JobSpecException e) {
                fail("valid corpus file failed: " + e.getMessage());
                return;
            }
            String json = JobJson.write(r.job());
            golden(job.resolveSibling(stem(job) + ".json"), json);
            StringBuilder w = new StringBuilder();
            r.warnings().forEach(d -> w.append(d).append('\n'));
            golden(job.resolveSibling(stem(job) + ".warnings"), w.toString());
            // HCL -> JSON -> model -> JSON is stable.
            JobParser.Result back = JobJson.read(stem(job) + ".json", json);
            assertThat(JobJson.write(back.job())).isEqualTo(json);
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidJobs_reportTheirGoldenErrors() {
        return cases("invalid").stream().map(job -> DynamicTest.dynamicTest(stem(job), () -> {
            try {
                parse(job);
                fail("invalid corpus file parsed without error: " + job);
            } catch (JobSpecException e) {
                StringBuilder sb = new StringBuilder();
                for (Diagnostic d : e.diagnostics()) {
                    assertThat(d.pos().isKnown() || !d.path().isEmpty()).as("every error has a position: %s", d).isTrue();
                    sb.append(d).append('\n');
                }
                golden(job.resolveSibling(stem(job) + ".errors"), sb.toString());
            }
        }));
    }
}
