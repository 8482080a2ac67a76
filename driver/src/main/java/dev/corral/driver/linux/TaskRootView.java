package dev.corral.driver.linux;

import dev.corral.driver.MountConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The task's root filesystem as the task will see it, seen from the host before the sandbox builds
 * it: maps a path inside the task to the host path behind it (job mounts, then {@code chroot_env}
 * entries, then {@code /alloc}, then the task directory), following symlinks inside the task root.
 */
public final class TaskRootView {
    private static final int MAX_SYMLINKS = 40;

    private final Path taskDir;
    private final Path allocDir;
    private final Map<String, String> chrootEnv;
    private final List<MountConfig> mounts;
    /** Whether each chroot_env source exists, asked once per view (a start resolves a few paths). */
    private final Map<String, Boolean> sourceExists = new HashMap<>();

    public TaskRootView(Path taskDir, Path allocDir, Map<String, String> chrootEnv, List<MountConfig> mounts) {
        this.taskDir = taskDir;
        this.allocDir = allocDir;
        this.chrootEnv = chrootEnv;
        this.mounts = mounts;
    }

    public Path taskDir() {
        return taskDir;
    }

    /** The host path behind an absolute task path, without following symlinks. */
    public Path hostPathOf(String taskPath) {
        Path p = Path.of("/").resolve(taskPath).normalize();
        for (MountConfig m : mounts) {
            Path mp = Path.of(m.taskPath()).normalize();
            if (p.startsWith(mp)) {
                return m.hostPath().resolve(mp.relativize(p).toString());
            }
        }
        Path best = null;
        String bestSrc = null;
        for (var e : chrootEnv.entrySet()) {
            Path dst = Path.of(e.getValue()).normalize();
            if (p.startsWith(dst) && sourceExists.computeIfAbsent(e.getKey(), k -> Files.exists(Path.of(k)))
                    && (best == null || dst.getNameCount() > best.getNameCount())) {
                best = dst;
                bestSrc = e.getKey();
            }
        }
        if (best != null) {
            return Path.of(bestSrc).resolve(best.relativize(p).toString());
        }
        Path alloc = Path.of("/alloc");
        if (allocDir != null && p.startsWith(alloc)) {
            return allocDir.resolve(alloc.relativize(p).toString());
        }
        return taskDir.resolve(Path.of("/").relativize(p).toString());
    }

    /** True when a mount or chroot_env destination lies below {@code p}: the sandbox creates it as a directory. */
    private boolean isMountAncestor(Path p) {
        return mounts.stream().anyMatch(m -> Path.of(m.taskPath()).normalize().startsWith(p))
                || chrootEnv.values().stream().anyMatch(d -> Path.of(d).normalize().startsWith(p));
    }

    /** True when the host path belongs to the task directory (not to a read-only host source). */
    public boolean isInTaskDir(Path hostPath) {
        return hostPath.normalize().startsWith(taskDir);
    }

    /**
     * Resolves {@code taskPath} component by component, following symlinks as the task would (absolute
     * targets restart at the task root).
     *
     * @return the final task path and its host path, or empty when a component does not exist or
     *     symlinks loop
     */
    public Optional<Resolved> resolve(String taskPath) {
        List<String> todo = new ArrayList<>(List.of(Path.of("/").resolve(taskPath).normalize().toString().split("/")));
        Path current = Path.of("/");
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                current = current.getParent() == null ? current : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            Path host = hostPathOf(next.toString());
            int mode = lstatMode(host); // one statx per component, no exception when missing
            if (mode >= 0 && (mode & LinuxSyscalls.S_IFMT) == LinuxSyscalls.S_IFLNK) {
                if (++hops > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                String target;
                try {
                    target = Files.readSymbolicLink(host).toString();
                } catch (IOException e) {
                    return Optional.empty();
                }
                List<String> rest = new ArrayList<>(List.of(target.split("/")));
                rest.addAll(todo);
                todo = rest;
                if (target.startsWith("/")) {
                    current = Path.of("/");
                }
                continue;
            }
            if (mode < 0 && !isMountAncestor(next)) {
                return Optional.empty();
            }
            current = next;
        }
        Path host = hostPathOf(current.toString());
        PosixFileAttributes attrs = null;
        try {
            attrs = Files.readAttributes(host, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            // a directory the sandbox creates for a mount below it, or gone meanwhile
        }
        return Optional.of(new Resolved(current.toString(), host, attrs));
    }

    /** The lstat mode bits of a host path; -1 when missing or not reachable (as Files.exists said before). */
    private static int lstatMode(Path host) {
        try {
            return LinuxSyscalls.lstatMode(host);
        } catch (LinuxSyscalls.ErrnoException e) {
            return -1;
        }
    }

    /**
     * A resolved path: as the task sees it, on the host, and the host file's attributes as read
     * while resolving (never a symlink: those were followed), or null when it does not exist
     * (a directory the sandbox creates for a mount below it).
     */
    public record Resolved(String taskPath, Path hostPath, PosixFileAttributes attributes) {
        public boolean isRegularFile() {
            return attributes != null && attributes.isRegularFile();
        }
    }
}
