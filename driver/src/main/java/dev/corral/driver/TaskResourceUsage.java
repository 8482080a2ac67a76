package dev.corral.driver;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One stats sample of a task, read from its cgroup (and /proc for per-process values).
 *
 * @param timestamp when it was read
 * @param cpu       task CPU usage
 * @param memory    task memory usage
 * @param processes per host pid usage
 */
public record TaskResourceUsage(Instant timestamp, CpuUsage cpu, MemoryUsage memory, Map<Long, ProcessUsage> processes) {
    public TaskResourceUsage {
        processes = Map.copyOf(processes);
    }

    /**
     * CPU usage. Percentages are of one core over the time since the previous sample (0 on the first).
     *
     * @param userNanos        cumulative user-mode CPU time
     * @param systemNanos      cumulative kernel-mode CPU time
     * @param totalNanos       cumulative total CPU time
     * @param userPercent      user-mode percent since the previous sample
     * @param systemPercent    kernel-mode percent since the previous sample
     * @param percent          total percent since the previous sample
     * @param throttledPeriods periods throttled by a CPU quota
     * @param throttledNanos   time throttled
     * @param measured         which of these the host really measures (Nomad's Measured list)
     */
    public record CpuUsage(long userNanos, long systemNanos, long totalNanos, double userPercent,
            double systemPercent, double percent, long throttledPeriods, long throttledNanos, List<String> measured) {
        public CpuUsage {
            measured = List.copyOf(measured);
        }
    }

    /**
     * Memory usage in bytes.
     *
     * @param measured which of these the host really measures (Nomad's Measured list)
     */
    public record MemoryUsage(long rss, long cache, long swap, long usage, long maxUsage, long kernelUsage,
            List<String> measured) {
        public MemoryUsage {
            measured = List.copyOf(measured);
        }
    }

    /**
     * One process of the task, from /proc.
     *
     * @param rssBytes  resident set size
     * @param userNanos cumulative user CPU time
     * @param systemNanos cumulative system CPU time
     */
    public record ProcessUsage(long rssBytes, long userNanos, long systemNanos) {
    }
}
