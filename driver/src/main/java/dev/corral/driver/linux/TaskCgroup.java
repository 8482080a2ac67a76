package dev.corral.driver.linux;

import dev.corral.driver.Resources;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One task's cgroup, on v1 (one directory per controller) or v2 (one directory). The sandbox's own
 * processes stay outside it; only the task's processes are in it.
 */
public interface TaskCgroup {

    /** Every directory of this cgroup: what the sandbox joins ({@code --cgroup}) and what is persisted. */
    List<Path> paths();

    /**
     * Creates the cgroup and writes the limits: memory hard/soft, CPU shares or weight, cpuset for
     * reserved cores, pids limit (0 = none).
     *
     * @throws CgroupException naming the file that could not be written
     */
    default void create(Resources resources, int pidsLimit) {
        createDirs(pidsLimit);
        writeLimits(resources);
    }

    /**
     * Creates the directories, with what they need to accept a task (a v1 cpuset's cpus and mems)
     * and the limits every task of the driver gets (pids limit, v1 swappiness 0).
     */
    void createDirs(int pidsLimit);

    /** Writes the task's own limits (memory, CPU, reserved cores) into existing directories. */
    void writeLimits(Resources resources);

    /**
     * {@link #writeLimits(Resources)} over the limits {@code previous} written before (null: none),
     * in an order the kernel accepts from there (v1 refuses a memory limit above memory+swap's).
     */
    default void writeLimits(Resources resources, Resources previous) {
        writeLimits(resources);
    }

    /**
     * This cgroup under another name in the same parent, its directories renamed (so a cgroup
     * made ahead of its task takes the task's name without the cost of making one: bench/).
     *
     * @throws UnsupportedOperationException where the kernel cannot rename cgroups (v2)
     * @throws CgroupException a rename failed (the ones done before are undone)
     */
    default TaskCgroup renameTo(String name) {
        throw new UnsupportedOperationException("cgroups cannot be renamed here");
    }

    /** Whether {@link #renameTo} works here. */
    default boolean renamable() {
        return false;
    }

    /** Host pids of every process in the cgroup (and its descendants). */
    Set<Long> pids();

    /**
     * SIGKILLs every process in the cgroup so none can fork away (freeze, kill each, thaw; or
     * {@code cgroup.kill} on v2), and returns once the cgroup is empty or {@code timeoutMillis} passed.
     *
     * @return true when the cgroup is empty
     */
    boolean killAll(long timeoutMillis);

    /** True when the kernel's OOM killer killed a process of this cgroup. */
    boolean oomKilled();

    /** Cumulative usage counters. */
    CgroupStats stats();

    /** Removes the cgroup directories (they must be empty of processes); missing ones are fine. */
    void destroy();

    /** An I/O failure on a cgroup file, naming it. */
    final class CgroupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CgroupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Counters read from the cgroup (bytes and nanoseconds; -1 where the host has no such counter).
     *
     * @param measuredMemory names of the memory fields really measured (Nomad's Measured)
     * @param measuredCpu    names of the CPU fields really measured
     */
    record CgroupStats(long cpuUserNanos, long cpuSystemNanos, long cpuTotalNanos, long throttledPeriods,
            long throttledNanos, long memoryRss, long memoryCache, long memorySwap, long memoryUsage,
            long memoryMaxUsage, long memoryKernel, List<String> measuredMemory, List<String> measuredCpu) {
    }

    /** Nomad's v2 weight formula: 1 + ((shares - 2) * 9999) / 262142, clamped to [1, 10000]. */
    static long cpuWeight(long shares) {
        long w = 1 + ((Math.max(shares, 2) - 2) * 9999) / 262142;
        return Math.min(Math.max(w, 1), 10000);
    }
}
