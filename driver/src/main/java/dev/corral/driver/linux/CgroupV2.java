package dev.corral.driver.linux;

import dev.corral.driver.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A task cgroup on the unified (v2) hierarchy: {@code <mount>/<parent>/<name>}. Controllers missing on
 * the host are skipped (the fingerprint reports them); {@code max} is read as "no limit".
 */
public final class CgroupV2 implements TaskCgroup {
    private final Path parentDir;
    private final Path dir;
    /** Controllers enabled for the task directory; filled by {@link #create}. Guarded by {@code this}. */
    private final Set<String> enabled = new LinkedHashSet<>();

    /**
     * @param parentDir {@code <mount>/<parent>}; its parent is taken as the hierarchy root
     * @param name      the task cgroup's directory name
     */
    public CgroupV2(Path parentDir, String name) {
        this.parentDir = parentDir;
        this.dir = parentDir.resolve(name);
    }

    static String readOrEmpty(Path file) {
        return CgroupFiles.readOrEmpty(file);
    }

    @Override
    public List<Path> paths() {
        return List.of(dir);
    }

    @Override
    public synchronized void createDirs(int pidsLimit) {
        mkdir(parentDir);
        // Controllers reach a cgroup only through every ancestor's subtree_control.
        enableControllers(parentDir.getParent());
        enabled.addAll(enableControllers(parentDir));
        mkdir(dir);
        if (enabled.contains("pids")) {
            CgroupFiles.write(dir.resolve("pids.max"), pidsLimit > 0 ? Integer.toString(pidsLimit) : "max");
        }
    }

    @Override
    public synchronized void writeLimits(Resources r) {
        if (enabled.contains("memory")) {
            CgroupFiles.write(dir.resolve("memory.max"), r.hardMemoryBytes() > 0 ? Long.toString(r.hardMemoryBytes()) : "max");
            if (r.softMemoryBytes() > 0) {
                CgroupFiles.write(dir.resolve("memory.low"), Long.toString(r.softMemoryBytes()));
            }
        }
        if (enabled.contains("cpu")) {
            CgroupFiles.write(dir.resolve("cpu.weight"), Long.toString(TaskCgroup.cpuWeight(r.cpuShares())));
        }
        if (enabled.contains("cpuset") && !r.reservedCores().isEmpty()) {
            CgroupFiles.write(dir.resolve("cpuset.cpus"),
                    r.reservedCores().stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
    }

    /** Enables each needed controller that {@code cg} has for its children; returns those enabled. */
    private static Set<String> enableControllers(Path cg) {
        Set<String> available = Set.of(CgroupFiles.readOrEmpty(cg.resolve("cgroup.controllers")).split("\\s+"));
        Set<String> done = new LinkedHashSet<>();
        for (String c : CgroupLayout.V2_REQUIRED) {
            if (available.contains(c)) {
                // One write per controller: a single failing one must not block the others.
                CgroupFiles.write(cg.resolve("cgroup.subtree_control"), "+" + c);
                done.add(c);
            }
        }
        return done;
    }

    private static void mkdir(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new CgroupException("cannot create cgroup " + p + ": " + e, e);
        }
    }

    /** Controllers enabled by {@link #create} (for tests and the fingerprint). */
    public synchronized Set<String> enabledControllers() {
        return Set.copyOf(enabled);
    }

    @Override
    public Set<Long> pids() {
        return CgroupFiles.procsRecursive(dir, "cgroup.procs");
    }

    @Override
    public boolean killAll(long timeoutMillis) {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        do {
            Path kill = dir.resolve("cgroup.kill");
            if (Files.exists(kill)) {
                // Linux 5.14+: the kernel kills the whole subtree atomically, forks included.
                CgroupFiles.write(kill, "1");
            } else {
                freezeKillThaw();
            }
            if (pids().isEmpty()) {
                return true;
            }
            pause();
        } while (System.nanoTime() < deadline);
        return pids().isEmpty();
    }

    /** Without cgroup.kill (Linux < 5.14): freeze, SIGKILL each listed process, thaw. */
    void freezeKillThaw() {
        Path freeze = dir.resolve("cgroup.freeze");
        boolean canFreeze = Files.exists(freeze);
        if (canFreeze) {
            CgroupFiles.write(freeze, "1");
            awaitFrozen();
        }
        try {
            for (long pid : pids()) {
                LinuxSyscalls.kill(pid, 9);
            }
        } finally {
            if (canFreeze) {
                // SIGKILL is delivered to frozen tasks only once they thaw.
                CgroupFiles.write(freeze, "0");
            }
        }
    }

    /** Freezing is asynchronous: wait (briefly) until cgroup.events says "frozen 1", so nothing forks while we list. */
    private void awaitFrozen() {
        Path events = dir.resolve("cgroup.events");
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (Files.exists(events) && CgroupFiles.readKeyed(events).getOrDefault("frozen", 1L) != 1L
                && System.nanoTime() < deadline) {
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted while killing a cgroup", e);
        }
    }

    @Override
    public boolean oomKilled() {
        Map<String, Long> events = CgroupFiles.readKeyed(dir.resolve("memory.events"));
        return events.getOrDefault("oom_kill", 0L) > 0 || events.getOrDefault("oom_group_kill", 0L) > 0;
    }

    @Override
    public CgroupStats stats() {
        Map<String, Long> cpu = CgroupFiles.readKeyed(dir.resolve("cpu.stat"));
        Map<String, Long> mem = CgroupFiles.readKeyed(dir.resolve("memory.stat"));
        long usage = CgroupFiles.readLong(dir.resolve("memory.current"));
        long peak = CgroupFiles.readLong(dir.resolve("memory.peak"));
        long swap = CgroupFiles.readLong(dir.resolve("memory.swap.current"));
        List<String> measuredMemory = new ArrayList<>();
        if (mem.containsKey("file")) {
            measuredMemory.add("Cache");
        }
        if (swap >= 0) {
            measuredMemory.add("Swap");
        }
        if (usage >= 0) {
            measuredMemory.add("Usage");
        }
        if (peak >= 0) {
            measuredMemory.add("Max Usage");
        }
        if (mem.containsKey("anon")) {
            measuredMemory.add("RSS");
        }
        List<String> measuredCpu = cpu.isEmpty() ? List.of()
                : List.of("System Mode", "User Mode", "Throttled Periods", "Throttled Time", "Percent");
        return new CgroupStats(us(cpu.get("user_usec")), us(cpu.get("system_usec")), us(cpu.get("usage_usec")),
                cpu.getOrDefault("nr_throttled", 0L), us(cpu.get("throttled_usec")), mem.getOrDefault("anon", -1L),
                mem.getOrDefault("file", -1L), swap, usage, peak, mem.getOrDefault("kernel", -1L),
                measuredMemory, measuredCpu);
    }

    private static long us(Long micros) {
        return micros == null ? -1 : micros * 1000;
    }

    @Override
    public void destroy() {
        CgroupFiles.removeTree(dir, 5000);
    }
}
