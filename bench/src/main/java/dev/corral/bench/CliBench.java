package dev.corral.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 2: {@code bin/corral run} of a {@code /bin/true} batch job, wall time including the JVM
 * start, next to the JVM start alone ({@code bin/corral --version}, and {@code java -jar corral.jar
 * --version} without the launcher's AOT cache). Timed by {@code corral-bench-floor spawn}.
 */
final class CliBench {
    private static final String JOB = """
            job "bench-true" {
              type = "batch"
              group "g" {
                task "t" {
                  driver = "exec"
                  config {
                    command = "/bin/true"
                  }
                  resources {
                    cpu    = 100
                    memory = 64
                  }
                }
              }
            }
            """;

    private final Bench bench;

    CliBench(Bench bench) {
        this.bench = bench;
    }

    Map<String, Object> run() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        Path repo = bench.opt.repoDir();
        Path launcher = repo.resolve("bin/corral");
        Path jar = repo.resolve("cli/target/corral.jar");
        Path stamp = repo.resolve("cli/target/corral.jar.commit");
        String head = head(repo);
        if (!Files.isExecutable(launcher) || !Files.exists(jar) || !Files.exists(stamp)
                || !Files.readString(stamp).strip().equals(head)) {
            // bin/corral would rebuild the whole project inside the timed loop.
            bench.note("cli scenario skipped: " + jar + " is missing or not built from HEAD (bench/run.sh builds it)");
            m.put("skipped", "corral.jar not built from HEAD");
            return m;
        }
        Path dir = Files.createDirectories(bench.work.resolve("cli"));
        Path job = dir.resolve("true.nomad.hcl");
        Files.writeString(job, JOB);
        Path cache = Files.createDirectories(dir.resolve("cache"));
        String java = ProcessHandle.current().info().command().orElse("java");
        int n = bench.opt.cliRuns();
        int warm = Math.max(1, Math.min(3, n));
        // Each launcher command trains its own AOT cache on its first run, built in the background
        // once that run has exited: prime it and wait, so no timed run goes without it.
        List<String> run = List.of(launcher.toString(), "run", "-q", job.toString());
        List<String> version = List.of(launcher.toString(), "--version");
        prime(cache, "run", run);
        prime(cache, "help", version); // bin/corral's cache for usage and --version
        Stats runStats = time("corral run", n, warm, cache, run);
        Stats versionStats = time("corral --version", n, warm, cache, version);
        Stats plain = time("java -jar corral.jar --version", n, warm, cache, List.of(java, "-jar", jar.toString(), "--version"));
        Stats jvm = time("java -version", n, warm, cache, List.of(java, "-Xshare:auto", "-version"));
        m.put("job", "batch job, one exec task: command = \"/bin/true\"");
        m.put("corral_run", runStats.toJson(true));
        m.put("corral_version", versionStats.toJson(false));
        m.put("java_jar_version_no_cds", plain.toJson(false));
        m.put("java_version", jvm.toJson(false));
        m.put("jvm_and_cli_start_share_of_run", Math.round(versionStats.percentile(50) * 1000.0 / runStats.percentile(50)) / 1000.0);
        m.put("note", "bin/corral uses a JDK AOT cache per command (-XX:AOTCache, trained by the command's first run) and C1 only; XDG_CACHE_HOME points at a fresh dir, and each command's cache is built before its warm-ups");
        return m;
    }

    /** Runs {@code cmd} once (untimed) and waits up to 2 minutes for the AOT cache it trains ({@code cli-<name>-*.aot}). */
    private void prime(Path cache, String name, List<String> cmd) throws IOException {
        List<String> env = new ArrayList<>(List.of("env", "XDG_CACHE_HOME=" + cache));
        env.addAll(cmd);
        Proc.run(env);
        Path dir = cache.resolve("corral");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try (var files = Files.list(dir)) {
                if (files.anyMatch(f -> f.getFileName().toString().startsWith("cli-" + name + "-")
                        && f.getFileName().toString().endsWith(".aot"))) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // not created yet
            }
            try {
                Thread.sleep(100); // a background shell job writes it; there is nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        bench.note("cli scenario: no AOT cache " + name + " after 2 minutes; timed without it");
    }

    private Stats time(String name, int n, int warm, Path cache, List<String> cmd) {
        List<String> timed = new ArrayList<>(List.of(bench.floorBin.toString(), "spawn", "-n", Integer.toString(n), "-w",
                Integer.toString(warm), "--", "env", "XDG_CACHE_HOME=" + cache));
        timed.addAll(cmd);
        String out = Proc.run(timed);
        long[] ns = out.lines().mapToLong(l -> Long.parseLong(l.trim().split(" ")[0])).toArray();
        return Stats.of(name, ns);
    }

    private static String head(Path repo) {
        try {
            return Proc.run(List.of("git", "-C", repo.toString(), "rev-parse", "HEAD")).strip();
        } catch (RuntimeException e) {
            return "none";
        }
    }
}
