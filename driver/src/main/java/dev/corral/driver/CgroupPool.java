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
 * Task cgroups made ahead of their tasks, where the kernel can rename a cgroup (v1): a start renames
 * one to the task's name and writes its limits instead of making six directories, the largest share
 * of the driver's own work on a start (0.4 ms of 1.2 here, bench/). Each is named {@code
 * pool-<jvm pid>-<n>} under the driver's cgroup parent, so a pool left by a JVM that died is
 * recognised and removed.
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
    /** Made and empty. Guarded by {@code this}. */
    private final ArrayDeque<TaskCgroup> ready = new ArrayDeque<>();
    /** Being made. Guarded by {@code this}. */
    private int making;
    /** Guarded by {@code this}. */
    private boolean closed;

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
     * The task's cgroup with its limits written: a pooled one renamed to {@code name}, or one made
     * now when none is ready.
     *
     * @throws TaskCgroup.CgroupException the cgroup could not be made or its limits written (nothing is left)
     */
    TaskCgroup take(String name, Resources resources) {
        TaskCgroup pooled;
        synchronized (this) {
            pooled = ready.pollFirst();
        }
        if (pooled != null) {
            TaskCgroup renamed;
            try {
                renamed = pooled.renameTo(name);
            } catch (TaskCgroup.CgroupException e) {
                LOG.warn("could not use a pooled cgroup ({}); making one", e.getMessage());
                destroyQuietly(pooled);
                renamed = null;
            }
            if (renamed != null) {
                try {
                    renamed.writeLimits(resources);
                    return renamed;
                } catch (TaskCgroup.CgroupException e) {
                    destroyQuietly(renamed);
                    throw e;
                }
            }
        }
        TaskCgroup cgroup = layout.forTask(parent, name);
        try {
            cgroup.create(resources, pidsLimit);
            return cgroup;
        } catch (TaskCgroup.CgroupException e) {
            destroyQuietly(cgroup);
            throw e;
        }
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
                    synchronized (this) {
                        if (!closed) {
                            ready.addLast(c);
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
        List<TaskCgroup> left;
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
        left.forEach(CgroupPool::destroyQuietly);
    }
}
