package dev.corral.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The machine description stored with every result, and a load sampler for the run. */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", read("/proc/sys/kernel/hostname").strip());
        m.put("kernel", read("/proc/sys/kernel/osrelease").strip());
        m.put("os", osRelease());
        m.put("cpu_model", cpuinfo("model name").orElse("unknown"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_kb", meminfo("MemTotal"));
        m.put("java", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        m.put("cgroup", Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) ? "v1 (hybrid)" : "v2");
        m.put("loadavg_at_start", read("/proc/loadavg").strip());
        Map<String, String> tools = new LinkedHashMap<>();
        for (List<String> cmd : List.of(List.of("bwrap", "--version"), List.of("crun", "--version"),
                List.of("unshare", "--version"), List.of("gcc", "--version"))) {
            tools.put(cmd.getFirst(), version(cmd));
        }
        m.put("tools", tools);
        return m;
    }

    static String version(List<String> cmd) {
        try {
            return Proc.run(java.time.Duration.ofSeconds(20), cmd).lines().findFirst().orElse("").strip();
        } catch (RuntimeException e) {
            return "not installed";
        }
    }

    static boolean installed(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String osRelease() {
        return read("/etc/os-release").lines().filter(l -> l.startsWith("PRETTY_NAME="))
                .map(l -> l.substring(12).replace("\"", "")).findFirst().orElse("unknown");
    }

    private static Optional<String> cpuinfo(String key) {
        return read("/proc/cpuinfo").lines().filter(l -> l.startsWith(key))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst();
    }

    static long meminfo(String key) {
        return read("/proc/meminfo").lines().filter(l -> l.startsWith(key + ":"))
                .map(l -> Long.parseLong(l.split("\\s+")[1])).findFirst().orElse(-1L);
    }

    static String read(String p) {
        try {
            return Files.readString(Path.of(p));
        } catch (IOException e) {
            return "";
        }
    }

    /** Every mounted cgroup hierarchy directory (v1 controllers and the unified one). */
    static List<Path> cgroupMounts() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).forEach(out::add);
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Samples the load average and CPU idle share every 2 s while the benchmark runs. */
    static final class LoadSampler {
        private final List<Double> load1 = new ArrayList<>();
        private final long[] cpuStart = cpuTicks();
        private final Thread thread;
        private volatile boolean stop;

        private LoadSampler() {
            thread = Thread.ofPlatform().daemon().name("bench-load").start(() -> {
                while (!stop) {
                    synchronized (load1) {
                        load1.add(Double.parseDouble(read("/proc/loadavg").split(" ")[0]));
                    }
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        static LoadSampler start() {
            return new LoadSampler();
        }

        Map<String, Object> stop() {
            stop = true;
            thread.interrupt();
            long[] end = cpuTicks();
            Map<String, Object> m = new LinkedHashMap<>();
            synchronized (load1) {
                m.put("loadavg1_min", load1.stream().mapToDouble(d -> d).min().orElse(0));
                m.put("loadavg1_mean", Math.round(load1.stream().mapToDouble(d -> d).average().orElse(0) * 100) / 100.0);
                m.put("loadavg1_max", load1.stream().mapToDouble(d -> d).max().orElse(0));
            }
            long total = end[0] - cpuStart[0];
            m.put("cpu_idle_percent", total == 0 ? 0 : Math.round((end[1] - cpuStart[1]) * 1000.0 / total) / 10.0);
            m.put("loadavg_at_end", read("/proc/loadavg").strip());
            return m;
        }

        /** {total, idle} jiffies from the first line of /proc/stat. */
        private static long[] cpuTicks() {
            String[] f = read("/proc/stat").lines().findFirst().orElse("cpu 0 0 0 0").trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            return new long[] {total, idle};
        }
    }
}
