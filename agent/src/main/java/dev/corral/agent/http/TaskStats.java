package dev.corral.agent.http;

import dev.corral.agent.http.NomadJson.AllocResourceUsage;
import dev.corral.agent.http.NomadJson.CpuStats;
import dev.corral.agent.http.NomadJson.MemoryStats;
import dev.corral.agent.http.NomadJson.ResourceUsage;
import dev.corral.agent.http.NomadJson.TaskResourceUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Resource usage of a task's process tree read from {@code /proc}: RSS summed over the tree, CPU
 * time from utime/stime, and the CPU percentage since the previous request for the same task.
 */
final class TaskStats {
    /** Linux reports process CPU times in clock ticks of 1/100 s on every mainstream kernel config. */
    private static final double TICKS_PER_SECOND = 100;

    private record Sample(long nanoTime, double cpuSeconds, double userSeconds, double systemSeconds) {}

    private final Map<String, Sample> previous = new ConcurrentHashMap<>();

    AllocResourceUsage allocation(String allocId, Map<String, Long> pids, double mhzPerCore) {
        long now = System.currentTimeMillis() * 1_000_000L;
        Map<String, TaskResourceUsage> tasks = new LinkedHashMap<>();
        long rssSum = 0;
        double pctSum = 0;
        double ticksSum = 0;
        for (var e : pids.entrySet()) {
            ResourceUsage u = task(allocId + "/" + e.getKey(), e.getValue(), mhzPerCore);
            tasks.put(e.getKey(), new TaskResourceUsage(u, now, Map.of()));
            rssSum += u.memoryStats().rss();
            pctSum += u.cpuStats().percent();
            ticksSum += u.cpuStats().totalTicks();
        }
        ResourceUsage total = new ResourceUsage(
                new MemoryStats(rssSum, 0, 0, rssSum, 0, 0, 0, List.of("RSS")),
                new CpuStats(0, 0, ticksSum, 0, 0, pctSum, List.of("Percent", "Total Ticks")), List.of());
        return new AllocResourceUsage(total, tasks, now);
    }

    private ResourceUsage task(String key, long rootPid, double mhzPerCore) {
        long rss = 0;
        double user = 0;
        double system = 0;
        List<Long> tree = Stream.concat(Stream.of(rootPid), ProcessHandle.of(rootPid).stream()
                .flatMap(ProcessHandle::descendants).map(ProcessHandle::pid)).toList();
        for (long pid : tree) {
            rss += rssBytes(pid);
            double[] t = cpuSeconds(pid);
            user += t[0];
            system += t[1];
        }
        long nowNanos = System.nanoTime();
        Sample cur = new Sample(nowNanos, user + system, user, system);
        Sample prev = previous.put(key, cur);
        double percent = 0;
        double userPct = 0;
        double sysPct = 0;
        if (prev != null && nowNanos > prev.nanoTime()) {
            double wall = (nowNanos - prev.nanoTime()) / 1e9;
            percent = Math.max(0, (cur.cpuSeconds() - prev.cpuSeconds()) / wall * 100);
            userPct = Math.max(0, (cur.userSeconds() - prev.userSeconds()) / wall * 100);
            sysPct = Math.max(0, (cur.systemSeconds() - prev.systemSeconds()) / wall * 100);
        }
        return new ResourceUsage(new MemoryStats(rss, 0, 0, rss, 0, 0, 0, List.of("RSS")),
                new CpuStats(sysPct, userPct, percent / 100 * mhzPerCore, 0, 0, percent,
                        List.of("System Mode", "User Mode", "Percent", "Total Ticks")), List.of());
    }

    private static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended between listing and reading: it uses nothing
        }
        return 0;
    }

    /** utime and stime in seconds, from {@code /proc/<pid>/stat} (fields 14 and 15). */
    private static double[] cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may contain spaces and parentheses: fields start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] {Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND};
        } catch (IOException | RuntimeException e) {
            return new double[] {0, 0};
        }
    }
}
