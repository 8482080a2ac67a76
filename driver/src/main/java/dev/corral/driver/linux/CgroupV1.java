package dev.corral.driver.linux;

import dev.corral.driver.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A task cgroup on the legacy (v1) hierarchies: one directory {@code <mount>/<parent>/<name>} per
 * controller (co-mounted controllers share one). Used on v1 and hybrid hosts.
 */
public final class CgroupV1 implements TaskCgroup {
    /** controller -> this task's directory in that controller's hierarchy. */
    private final Map<String, Path> dirs;

    private CgroupV1(Map<String, Path> dirs) {
        this.dirs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dirs));
    }

    static CgroupV1 forTask(Map<String, Path> mounts, String parent, String name) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String c : CgroupLayout.V1_REQUIRED) {
            Path mount = mounts.get(c);
            if (mount != null) {
                dirs.put(c, mount.resolve(parent).resolve(name));
            }
        }
        return new CgroupV1(dirs);
    }

    static CgroupV1 reattach(Map<String, Path> mounts, List<Path> paths) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (Path p : paths) {
            mounts.forEach((controller, mount) -> {
                if (p.startsWith(mount) && CgroupLayout.V1_REQUIRED.contains(controller)) {
                    dirs.put(controller, p);
                }
            });
        }
        return new CgroupV1(dirs);
    }

    @Override
    public List<Path> paths() {
        return List.copyOf(new LinkedHashSet<>(dirs.values()));
    }

    @Override
    public void createDirs(int pidsLimit) {
        for (Path d : paths()) {
            if (!Files.isDirectory(d.getParent())) {
                mkdir(d.getParent()); // made once: asking first spares an exception per cgroup made
            }
            if (controllerOf(d).contains("cpuset")) {
                // A v1 cpuset cgroup starts with empty cpus/mems and refuses tasks until both are set.
                inheritCpuset(d.getParent());
            }
            mkdir(d);
        }
        Path cpuset = dirs.get("cpuset");
        if (cpuset != null) {
            inheritCpuset(cpuset);
        }
        Path mem = dirs.get("memory");
        if (mem != null) {
            Path swappiness = mem.resolve("memory.swappiness");
            if (Files.exists(swappiness)) {
                CgroupFiles.write(swappiness, "0");
            }
        }
        Path pids = dirs.get("pids");
        if (pids != null) {
            CgroupFiles.write(pids.resolve("pids.max"), pidsLimit > 0 ? Integer.toString(pidsLimit) : "max");
        }
    }

    /** Whether the memory controller has memsw (swap accounting): asked once, it does not change. */
    private static volatile Boolean memsw;

    @Override
    public boolean renamable() {
        return true;
    }

    /** v1 allows rename(2) of a cgroup directory within its parent. */
    @Override
    public TaskCgroup renameTo(String name) {
        Map<String, Path> renamed = new LinkedHashMap<>();
        List<Path[]> done = new ArrayList<>();
        try {
            for (Path d : paths()) {
                Path to = d.resolveSibling(name);
                Files.move(d, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                done.add(new Path[] {d, to});
            }
        } catch (IOException e) {
            for (Path[] m : done.reversed()) {
                try {
                    Files.move(m[1], m[0], java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException ignored) {
                    // left under the new name: the caller destroys both
                }
            }
            throw new CgroupException("cannot rename cgroup to " + name + ": " + e, e);
        }
        dirs.forEach((controller, d) -> renamed.put(controller, d.resolveSibling(name)));
        return new CgroupV1(renamed);
    }

    @Override
    public void writeLimits(Resources r) {
        writeLimits(r, null);
    }

    @Override
    public void writeLimits(Resources r, Resources previous) {
        Path mem = dirs.get("memory");
        if (mem != null) {
            Path memswFile = mem.resolve("memory.memsw.limit_in_bytes");
            Boolean hasMemsw = memsw;
            if (hasMemsw == null) {
                memsw = hasMemsw = Files.exists(memswFile);
            }
            // With swap accounting, cap memory+swap too, or the task swaps instead of hitting its
            // limit. The kernel keeps memory <= memory+swap at every write: raising both from limits
            // written before, memory+swap goes first.
            boolean memswFirst = hasMemsw && previous != null && r.hardMemoryBytes() > previous.hardMemoryBytes();
            if (memswFirst) {
                CgroupFiles.write(memswFile, Long.toString(r.hardMemoryBytes()));
            }
            CgroupFiles.write(mem.resolve("memory.limit_in_bytes"), Long.toString(r.hardMemoryBytes()));
            if (r.softMemoryBytes() > 0 || previous != null && previous.softMemoryBytes() > 0) {
                CgroupFiles.write(mem.resolve("memory.soft_limit_in_bytes"),
                        r.softMemoryBytes() > 0 ? Long.toString(r.softMemoryBytes()) : "-1");
            }
            if (hasMemsw && !memswFirst) {
                CgroupFiles.write(memswFile, Long.toString(r.hardMemoryBytes()));
            }
        }
        Path cpu = dirs.get("cpu");
        if (cpu != null) {
            CgroupFiles.write(cpu.resolve("cpu.shares"), Long.toString(Math.max(2, r.cpuShares())));
        }
        Path cpuset = dirs.get("cpuset");
        if (cpuset != null) {
            if (!r.reservedCores().isEmpty()) {
                CgroupFiles.write(cpuset.resolve("cpuset.cpus"),
                        r.reservedCores().stream().map(String::valueOf).collect(Collectors.joining(",")));
            } else if (previous != null && !previous.reservedCores().isEmpty()) {
                CgroupFiles.write(cpuset.resolve("cpuset.cpus"), CgroupFiles.read(cpuset.getParent().resolve("cpuset.cpus")));
            }
        }
    }

    private Set<String> controllerOf(Path d) {
        return dirs.entrySet().stream().filter(e -> e.getValue().equals(d)).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    private static void inheritCpuset(Path d) {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            if (CgroupFiles.readOrEmpty(d.resolve(f)).isEmpty()) {
                CgroupFiles.write(d.resolve(f), CgroupFiles.read(d.getParent().resolve(f)));
            }
        }
    }

    private static void mkdir(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new CgroupException("cannot create cgroup " + p + ": " + e, e);
        }
    }

    @Override
    public Set<Long> pids() {
        Set<Long> all = new LinkedHashSet<>();
        for (Path d : paths()) {
            all.addAll(CgroupFiles.procsRecursive(d, "cgroup.procs"));
        }
        return all;
    }

    @Override
    public boolean killAll(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        Path freezer = dirs.get("freezer");
        do {
            boolean frozen = freezer != null && Files.isDirectory(freezer) && freeze(freezer, deadline);
            try {
                // Frozen, nothing can fork between listing and killing.
                for (long pid : pids()) {
                    LinuxSyscalls.kill(pid, 9);
                }
            } finally {
                if (frozen) {
                    // SIGKILL reaches a frozen task only once it thaws.
                    CgroupFiles.write(freezer.resolve("freezer.state"), "THAWED");
                }
            }
            if (pids().isEmpty()) {
                return true;
            }
            pause();
        } while (System.nanoTime() < deadline);
        return pids().isEmpty();
    }

    private static boolean freeze(Path freezer, long deadline) {
        Path state = freezer.resolve("freezer.state");
        CgroupFiles.write(state, "FROZEN");
        while (!CgroupFiles.readOrEmpty(state).equals("FROZEN")) {
            if (System.nanoTime() > deadline) {
                return true; // still FREEZING: kill anyway, thaw after
            }
            pause();
        }
        return true;
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
        Path mem = dirs.get("memory");
        if (mem == null) {
            return false;
        }
        Map<String, Long> oom = CgroupFiles.readKeyed(mem.resolve("memory.oom_control"));
        return oom.getOrDefault("oom_kill", 0L) > 0;
    }

    @Override
    public CgroupStats stats() {
        Path cpuacct = dirs.get("cpuacct");
        Path cpu = dirs.get("cpu");
        Path mem = dirs.get("memory");
        Map<String, Long> acct = cpuacct == null ? Map.of() : CgroupFiles.readKeyed(cpuacct.resolve("cpuacct.stat"));
        long nsPerTick = 1_000_000_000L / ProcStat.CLOCK_TICKS_PER_SECOND;
        long user = acct.containsKey("user") ? acct.get("user") * nsPerTick : -1;
        long system = acct.containsKey("system") ? acct.get("system") * nsPerTick : -1;
        long total = cpuacct == null ? -1 : CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage"));
        Map<String, Long> cpuStat = cpu == null ? Map.of() : CgroupFiles.readKeyed(cpu.resolve("cpu.stat"));
        Map<String, Long> memStat = mem == null ? Map.of() : CgroupFiles.readKeyed(mem.resolve("memory.stat"));
        long usage = mem == null ? -1 : CgroupFiles.readLong(mem.resolve("memory.usage_in_bytes"));
        long max = mem == null ? -1 : CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"));
        long kernel = mem == null ? -1 : CgroupFiles.readLong(mem.resolve("memory.kmem.usage_in_bytes"));
        List<String> measuredMemory = new ArrayList<>();
        if (mem != null) {
            measuredMemory.addAll(List.of("RSS", "Cache", "Swap", "Usage", "Max Usage", "Kernel Usage"));
        }
        List<String> measuredCpu = cpuacct == null ? List.of()
                : List.of("System Mode", "User Mode", "Throttled Periods", "Throttled Time", "Percent");
        return new CgroupStats(user, system, total, cpuStat.getOrDefault("nr_throttled", 0L),
                cpuStat.getOrDefault("throttled_time", 0L), memStat.getOrDefault("total_rss", memStat.getOrDefault("rss", -1L)),
                memStat.getOrDefault("total_cache", memStat.getOrDefault("cache", -1L)),
                memStat.getOrDefault("total_swap", memStat.getOrDefault("swap", 0L)), usage, max, kernel,
                measuredMemory, measuredCpu);
    }

    @Override
    public void destroy() {
        for (Path d : paths()) {
            CgroupFiles.removeTree(d, 5000);
        }
    }
}
