package dev.corral.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The Corral benchmark harness (issue 9): runs each scenario with Corral and, in the same run, the
 * baselines available on the machine, and writes {@code <out>/<date>-<host>.json} plus a Markdown
 * summary and an SVG chart. {@code --help} lists the options; {@code --quick} uses tiny counts.
 */
public final class Bench {
    /** Every scenario, in the order they run. */
    static final List<String> SCENARIOS = List.of("latency", "cli", "http", "overhead", "density", "recovery", "throughput");

    /** Counts and switches; {@link #quick()} gives the tiny counts the JUnit test uses. */
    record Options(int runs, int warmup, int rounds, int overheadTasks, int densityTasks, int densityParallelism,
            int recoveryTasks, int throughputSeconds, int throughputWorkers, int cliRuns, Path outDir, Path repoDir,
            Set<String> scenarios, boolean peers, String label) {

        static Options defaults(Path repoDir) {
            return new Options(1000, 100, 5, 200, 1000, 8, 500, 60, 4, 20, repoDir.resolve("bench/results"), repoDir,
                    new LinkedHashSet<>(SCENARIOS), true, "");
        }

        Options quick() {
            return new Options(5, 2, 1, 4, 10, 4, 5, 2, 2, 1, outDir, repoDir, scenarios, peers, label);
        }
    }

    final Options opt;
    final Path work;
    final String cgroupParent;
    final Path floorBin;
    final Path stampBin;
    final Map<String, Object> results = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Bench(Options opt) throws IOException {
        this.opt = opt;
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        // On the data disk (ext4 here), not a tmpfs: the per-task disk numbers must be real.
        this.work = Files.createDirectories(Path.of("/var/tmp/corral-bench-" + id));
        this.cgroupParent = "corral-bench-" + id;
        Path bin = Files.createDirectories(work.resolve("bin"));
        this.floorBin = extract("corral-bench-floor", bin);
        this.stampBin = extract("corral-bench-stamp", bin);
    }

    private static Path extract(String name, Path dir) throws IOException {
        try (InputStream in = Bench.class.getResourceAsStream("linux-x86_64/" + name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the classpath: build the bench module with Maven (it runs gcc)");
            }
            Path out = dir.resolve(name);
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
            return out;
        }
    }

    /** Runs the selected scenarios; returns the result tree (also kept in {@link #results}). */
    Map<String, Object> run() throws Exception {
        ZonedDateTime start = ZonedDateTime.now(ZoneOffset.UTC);
        results.put("started_at", start.toString());
        results.put("machine", Machine.describe());
        results.put("options", Map.of("runs", opt.runs, "warmup", opt.warmup, "rounds", opt.rounds,
                "overhead_tasks", opt.overheadTasks, "density_tasks", opt.densityTasks,
                "density_parallelism", opt.densityParallelism, "recovery_tasks", opt.recoveryTasks,
                "throughput_seconds", opt.throughputSeconds, "throughput_workers", opt.throughputWorkers,
                "cli_runs", opt.cliRuns));
        Machine.LoadSampler load = Machine.LoadSampler.start();
        Map<String, Object> scenarios = new LinkedHashMap<>();
        results.put("scenarios", scenarios);
        try (DriverBench driver = new DriverBench(this)) {
            for (String s : SCENARIOS) {
                if (!opt.scenarios.contains(s)) {
                    continue;
                }
                log("scenario " + s);
                long t0 = System.nanoTime();
                Object r = switch (s) {
                    case "latency" -> new LatencyBench(this, driver).run();
                    case "cli" -> new CliBench(this).run();
                    case "http" -> new HttpBench(this, driver.sleepMarker).run();
                    case "overhead" -> driver.overhead();
                    case "density" -> driver.density();
                    case "recovery" -> driver.recovery();
                    case "throughput" -> driver.throughput();
                    default -> throw new IllegalArgumentException(s);
                };
                scenarios.put(s, r);
                log("scenario " + s + " done in " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
            }
        } finally {
            results.put("load", load.stop());
            results.put("finished_at", ZonedDateTime.now(ZoneOffset.UTC).toString());
            results.put("notes", notes);
            cleanup();
        }
        results.put("targets", Targets.evaluate(results));
        return results;
    }

    /** Writes {@code <date>-<host>[-label].json}, {@code .md} and {@code .svg}; returns the JSON path. */
    Path write() throws IOException {
        Files.createDirectories(opt.outDir);
        String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        String base = LocalDate.now(ZoneOffset.UTC) + "-" + host + (opt.label.isEmpty() ? "" : "-" + opt.label);
        Path json = opt.outDir.resolve(base + ".json");
        Path svg = opt.outDir.resolve(base + ".svg");
        Path md = opt.outDir.resolve(base + ".md");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
        Files.writeString(svg, Report.svg(results));
        Files.writeString(md, Report.markdown(results, svg.getFileName().toString(), json.getFileName().toString()));
        return json;
    }

    void note(String s) {
        log("note: " + s);
        notes.add(s);
    }

    static void log(String s) {
        System.err.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + s);
    }

    private void cleanup() {
        List<String> mounts = Proc.mountsUnder(work);
        if (!mounts.isEmpty()) {
            note("not removing " + work + ": mounts left under it: " + mounts);
            return;
        }
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            note("could not remove " + work + ": " + e.getMessage());
        }
        for (Path c : Machine.cgroupMounts()) {
            Path p = c.resolve(cgroupParent);
            if (Files.isDirectory(p)) {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    note("could not remove cgroup " + p + ": " + e.getMessage());
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("corral.repo", ".")).toAbsolutePath().normalize();
        Options o = Options.defaults(repo);
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--quick" -> quick = true;
                case "--no-peers" -> o = with(o, "peers", false);
                case "--help", "-h" -> {
                    System.out.println("""
                            usage: bench [--quick] [--runs N] [--warmup N] [--rounds N] [--overhead-tasks N]
                                         [--density-tasks N] [--density-parallelism N] [--recovery-tasks N]
                                         [--throughput-seconds S] [--throughput-workers N] [--cli-runs N]
                                         [--scenarios a,b,...] [--no-peers] [--out DIR] [--label TEXT]
                            scenarios: """ + String.join(",", SCENARIOS));
                    return;
                }
                default -> {
                    if (v == null || !a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown or incomplete option " + a + " (try --help)");
                    }
                    o = with(o, a.substring(2), v);
                    i++;
                }
            }
        }
        if (quick) {
            o = o.quick();
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            System.err.println("bench: must run as root (namespaces, cgroups, mounts)");
            System.exit(2);
        }
        Bench b = new Bench(o);
        b.run();
        Path json = b.write();
        System.out.println(json);
        System.out.println(Report.targetsText(b.results));
    }

    /** Returns a copy of {@code o} with one option changed (numbers, paths, lists). */
    static Options with(Options o, String key, Object v) {
        String s = String.valueOf(v);
        return switch (key) {
            case "runs" -> new Options(Integer.parseInt(s), o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "warmup" -> new Options(o.runs, Integer.parseInt(s), o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "rounds" -> new Options(o.runs, o.warmup, Integer.parseInt(s), o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "overhead-tasks" -> new Options(o.runs, o.warmup, o.rounds, Integer.parseInt(s), o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "density-tasks" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, Integer.parseInt(s), o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "density-parallelism" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, Integer.parseInt(s), o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "recovery-tasks" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, Integer.parseInt(s), o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "throughput-seconds" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, Integer.parseInt(s), o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "throughput-workers" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, Integer.parseInt(s), o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "cli-runs" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, Integer.parseInt(s), o.outDir, o.repoDir, o.scenarios, o.peers, o.label);
            case "out" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, Path.of(s).toAbsolutePath(), o.repoDir, o.scenarios, o.peers, o.label);
            case "label" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, o.peers, s);
            case "peers" -> new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, o.scenarios, Boolean.parseBoolean(s), o.label);
            case "scenarios" -> {
                Set<String> set = new LinkedHashSet<>(List.of(s.split(",")));
                for (String x : set) {
                    if (!SCENARIOS.contains(x)) {
                        throw new IllegalArgumentException("unknown scenario " + x + "; known: " + SCENARIOS);
                    }
                }
                yield new Options(o.runs, o.warmup, o.rounds, o.overheadTasks, o.densityTasks, o.densityParallelism, o.recoveryTasks, o.throughputSeconds, o.throughputWorkers, o.cliRuns, o.outDir, o.repoDir, set, o.peers, o.label);
            }
            default -> throw new IllegalArgumentException("unknown option --" + key + " (try --help)");
        };
    }
}
