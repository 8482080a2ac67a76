package dev.corral.driver;

import dev.corral.driver.linux.CgroupLayout;
import dev.corral.driver.linux.TaskCgroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task cgroups made ahead of their tasks, where the kernel can rename a cgroup (v1): a start takes
 * one instead of making six directories, the largest share of the driver's own work on a start
 * (0.4 ms of 1.2 here, bench/). Each is named {@code pool-<jvm pid>-<n>} under the driver's cgroup
 * parent, so a pool left by a JVM that died is recognised and removed.
 * <p>
 * Off the start's path as well: a pooled cgroup gets the limits of the last task taken ahead (a
 * task with the same resources writes nothing), and it takes its task's name only once the task
 * runs ({@link Taken#named}); the sandbox joins it by open file, which a rename does not change.
 */
final class CgroupPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupPool.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Pattern NAME = Pattern.compile("pool-(\\d+)-\\d+");

    private final CgroupLayout layout;
    private final String parent;
    private final int size;
    /** Every task of the driver gets it: written when a pooled cgroup is made. */
    private final int pidsLimit;
    /** Made and empty, with the limits written into each (null: none yet). Guarded by {@code this}. */
    private final ArrayDeque<Pooled> ready = new ArrayDeque<>();
    /** The resources of the last task taken: what cgroups made from now on get written ahead. */
    private volatile Resources lastResources;
    /** Being made. Guarded by {@code this}. */
    private int making;
    /** Guarded by {@code this}. */
    private boolean closed;

    private record Pooled(TaskCgroup cgroup, Resources limits) {
    }

    /**
     * A task's cgroup with its limits written. {@code cgroup} is what the sandbox joins; a pooled
     * one still has its pool name until {@link #named} renames it (once the task runs).
     */
    static final class Taken {
        private final TaskCgroup cgroup;
        private final String name;

        private Taken(TaskCgroup cgroup, String name) {
            this.cgroup = cgroup;
            this.name = name;
        }

        /** The cgroup as it is now (under its pool name when pooled and not yet named). */
        TaskCgroup cgroup() {
            return cgroup;
        }

        /** Whether it still has to take the task's name. */
        boolean pooled() {
            return name != null;
        }

        /**
         * The cgroup under the task's name: renames a pooled one (the task in it stays in it).
         *
         * @throws TaskCgroup.CgroupException the rename failed (the cgroup keeps its pool name)
         */
        TaskCgroup named() {
            return name == null ? cgroup : cgroup.renameTo(name);
        }
    }

    /** @param size cgroups kept ready; 0, or a layout whose cgroups cannot be renamed, disables the pool */
    CgroupPool(CgroupLayout layout, String parent, int pidsLimit, int size) {
        this.layout = layout;
        this.parent = parent;
        this.pidsLimit = pidsLimit;
        this.size = layout.mode() == CgroupLayout.Mode.V1 || layout.mode() == CgroupLayout.Mode.HYBRID ? size : 0;
        if (this.size > 0) {
            sweep();
        }
    }

    /** Whether the name is one of a pool's (not a task's cgroup). */
    static boolean isPoolName(String name) {
        return NAME.matcher(name).matches();
    }

    /**
     * The task's cgroup with its limits written: a pooled one (still under its pool name: see
     * {@link Taken#named}), or one made now under the task's name when none is ready or a cgroup of
     * that name exists already (a task started again after the driver lost it).
     *
     * @throws TaskCgroup.CgroupException the cgroup could not be made or its limits written (nothing is left)
     */
    Taken take(String name, Resources resources) {
        lastResources = resources;
        Pooled pooled;
        synchronized (this) {
            pooled = ready.pollFirst();
        }
        if (pooled != null && exists(name)) {
            synchronized (this) {
                ready.addFirst(pooled); // its rename would fail: the leftover is reused as before
            }
            pooled = null;
        }
        if (pooled != null) {
            try {
                if (!resources.equals(pooled.limits())) {
                    pooled.cgroup().writeLimits(resources, pooled.limits());
                }
                return new Taken(pooled.cgroup(), name);
            } catch (TaskCgroup.CgroupException e) {
                destroyQuietly(pooled.cgroup());
                throw e;
            }
        }
        TaskCgroup cgroup = layout.forTask(parent, name);
        try {
            cgroup.create(resources, pidsLimit);
            return new Taken(cgroup, null);
        } catch (TaskCgroup.CgroupException e) {
            destroyQuietly(cgroup);
            throw e;
        }
    }

    /** Whether a cgroup of that name is there (asked of one controller: a leftover is in all of them). */
    private boolean exists(String name) {
        List<Path> dirs = layout.forTask(parent, name).paths();
        return !dirs.isEmpty() && Files.exists(dirs.getFirst());
    }

    /** Makes cgroups in the background until {@code size} are ready or being made. */
    void refill() {
        int more;
        synchronized (this) {
            more = closed ? 0 : size - ready.size() - making;
            making += Math.max(0, more);
        }
        if (more <= 0) {
            return;
        }
        int n = more;
        Thread.ofVirtual().name("corral-cgroup-pool").start(() -> {
            for (int i = 0; i < n; i++) {
                TaskCgroup c = layout.forTask(parent, "pool-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
                boolean kept = false;
                try {
                    c.createDirs(pidsLimit);
                    Resources limits = lastResources;
                    if (limits != null) {
                        c.writeLimits(limits, null);
                    }
                    synchronized (this) {
                        if (!closed) {
                            ready.addLast(new Pooled(c, limits));
                            kept = true;
                        }
                    }
                } catch (TaskCgroup.CgroupException e) {
                    LOG.warn("could not make a pooled cgroup: {}", e.getMessage());
                } finally {
                    synchronized (this) {
                        making--;
                        notifyAll();
                    }
                    if (!kept) {
                        destroyQuietly(c);
                    }
                }
            }
        });
    }

    /** Removes the cgroups of pools whose JVM is gone (at start, and with the orphans after a recovery). */
    void sweep() {
        if (size == 0) {
            return;
        }
        for (Path dir : layout.forTask(parent, "x").paths()) {
            Path parentDir = dir.getParent();
            if (!Files.isDirectory(parentDir)) {
                continue;
            }
            List<String> stale = new ArrayList<>();
            try (var entries = Files.newDirectoryStream(parentDir)) {
                for (Path e : entries) {
                    Matcher m = NAME.matcher(e.getFileName().toString());
                    if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                        stale.add(e.getFileName().toString());
                    }
                }
            } catch (java.io.IOException | NumberFormatException e) {
                LOG.warn("could not sweep pooled cgroups under {}: {}", parentDir, e.getMessage());
            }
            stale.forEach(name -> destroyQuietly(layout.forTask(parent, name)));
        }
    }

    private static void destroyQuietly(TaskCgroup c) {
        try {
            c.destroy();
        } catch (TaskCgroup.CgroupException e) {
            LOG.warn("could not remove cgroup {}: {}", c.paths(), e.getMessage());
        }
    }

    /** Removes the pooled cgroups, waiting (at most 5 s) for the ones being made. */
    @Override
    public void close() {
        List<Pooled> left;
        synchronized (this) {
            closed = true;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (making > 0 && System.nanoTime() < deadline) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            left = new ArrayList<>(ready);
            ready.clear();
        }
        left.forEach(p -> destroyQuietly(p.cgroup()));
    }
}
