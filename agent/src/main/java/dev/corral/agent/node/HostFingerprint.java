package dev.corral.agent.node;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the host's attributes the way Nomad's client fingerprinters name them ({@code cpu.*},
 * {@code memory.totalbytes}, {@code kernel.*}, {@code os.*}, {@code unique.*}). The file system
 * root is injectable so tests can use a fake {@code /proc} and {@code /sys}.
 */
public final class HostFingerprint {
    private final Path root;

    /** Facts used both as attributes and as resources. */
    public record Host(Map<String, String> attributes, long cpuMhzPerCore, List<Integer> cores, long memoryBytes) {
        public Host {
            attributes = Map.copyOf(attributes);
            cores = List.copyOf(cores);
        }

        public long totalCpuMhz() {
            return cpuMhzPerCore * cores.size();
        }
    }

    public HostFingerprint(Path root) {
        this.root = root;
    }

    /** The real host. */
    public static HostFingerprint system() {
        return new HostFingerprint(Path.of("/"));
    }

    private Optional<String> read(String path) {
        try {
            return Optional.of(Files.readString(root.resolve(path.substring(1))).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * @param dataDir the alloc dir's file system, for {@code unique.storage.*}
     */
    public Host fingerprint(Path dataDir) {
        Map<String, String> a = new LinkedHashMap<>();
        List<Integer> cores = read("/sys/devices/system/cpu/online").map(HostFingerprint::parseCpuList)
                .filter(l -> !l.isEmpty())
                .orElseGet(() -> range(Runtime.getRuntime().availableProcessors()));
        long mhz = cpuMhz();
        String model = cpuInfoValue("model name").orElse("unknown");
        a.put("cpu.arch", arch());
        a.put("cpu.modelname", model);
        a.put("cpu.numcores", Integer.toString(cores.size()));
        a.put("cpu.frequency", Long.toString(mhz));
        a.put("cpu.totalcompute", Long.toString(mhz * cores.size()));
        a.put("cpu.usablecompute", Long.toString(mhz * cores.size()));
        a.put("cpu.reservablecores", formatCpuList(cores));
        long memBytes = read("/proc/meminfo").flatMap(HostFingerprint::memTotalBytes).orElse(0L);
        a.put("memory.totalbytes", Long.toString(memBytes));
        a.put("kernel.name", "linux");
        read("/proc/sys/kernel/osrelease").ifPresent(v -> {
            a.put("kernel.version", v.contains("-") ? v.substring(0, v.indexOf('-')) : v);
            a.put("kernel.release", v);
        });
        a.put("kernel.arch", arch());
        Map<String, String> osRelease = read("/etc/os-release").map(HostFingerprint::parseOsRelease).orElse(Map.of());
        a.put("os.name", osRelease.getOrDefault("ID", "linux"));
        if (osRelease.containsKey("VERSION_ID")) {
            a.put("os.version", osRelease.get("VERSION_ID"));
        }
        read("/proc/sys/kernel/hostname").ifPresent(h -> a.put("unique.hostname", h));
        if (dataDir != null) {
            try {
                FileStore fs = Files.getFileStore(Files.exists(dataDir) ? dataDir : dataDir.getParent());
                a.put("unique.storage.volume", fs.name());
                a.put("unique.storage.bytestotal", Long.toString(fs.getTotalSpace()));
                a.put("unique.storage.bytesfree", Long.toString(fs.getUsableSpace()));
            } catch (IOException | NullPointerException e) {
                // The data dir may not exist yet on first start; storage attributes then come on the next refresh.
            }
        }
        return new Host(a, mhz, cores, memBytes);
    }

    private long cpuMhz() {
        // The max frequency from cpufreq is stable; /proc/cpuinfo shows the current (scaled) one.
        Optional<Long> sysfs = read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
                .flatMap(HostFingerprint::parseLong).map(khz -> khz / 1000);
        if (sysfs.isPresent() && sysfs.get() > 0) {
            return sysfs.get();
        }
        return read("/proc/cpuinfo").map(info -> info.lines()
                .filter(l -> l.startsWith("cpu MHz"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .mapToDouble(Double::parseDouble).max().orElse(0)).map(d -> (long) Math.floor(d)).orElse(0L);
    }

    private Optional<String> cpuInfoValue(String key) {
        return read("/proc/cpuinfo").flatMap(info -> info.lines()
                .filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst());
    }

    private static String arch() {
        String a = System.getProperty("os.arch", "unknown");
        return switch (a) {
            case "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> a;
        };
    }

    private static Optional<Long> parseLong(String s) {
        try {
            return Optional.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> memTotalBytes(String meminfo) {
        return meminfo.lines().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> l.replaceAll("[^0-9]", "")).flatMap(HostFingerprint::parseLong).map(kb -> kb * 1024);
    }

    static Map<String, String> parseOsRelease(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        text.lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                m.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
            }
        });
        return m;
    }

    /** Parses kernel cpu list notation, e.g. {@code 0-3,6,8-9}. */
    public static List<Integer> parseCpuList(String s) {
        List<Integer> out = new ArrayList<>();
        for (String part : s.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int dash = part.indexOf('-');
            if (dash < 0) {
                out.add(Integer.parseInt(part.trim()));
            } else {
                int from = Integer.parseInt(part.substring(0, dash).trim());
                int to = Integer.parseInt(part.substring(dash + 1).trim());
                for (int i = from; i <= to; i++) {
                    out.add(i);
                }
            }
        }
        return out;
    }

    /** The inverse of {@link #parseCpuList}: {@code [0,1,2,3,6]} becomes {@code 0-3,6}. */
    public static String formatCpuList(List<Integer> cpus) {
        StringBuilder sb = new StringBuilder();
        List<Integer> sorted = cpus.stream().sorted().distinct().toList();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(sorted.get(i));
            if (j > i) {
                sb.append('-').append(sorted.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
