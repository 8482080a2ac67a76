package dev.corral.driver.linux;

import dev.corral.driver.DriverException.TaskLaunchException;
import dev.corral.driver.TaskDirectory;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Creates Nomad's alloc/task directory layout on the host (no mounts: those happen inside the
 * sandbox). Tasks can write into their task directory and into the shared {@code alloc/}, so any
 * entry there may be a symlink a task planted: every directory is created or checked one component
 * at a time and chmod-ed through an {@code O_NOFOLLOW} descriptor, and mount-point files are
 * created with {@code O_EXCL|O_NOFOLLOW}; a planted link fails the build instead of redirecting it.
 */
public final class TaskDirBuilder {
    private static final int DIR_MODE = 0777;
    private static final int STICKY_DIR_MODE = 01777;
    private static final int MOUNT_POINT_MODE = 0755;

    private TaskDirBuilder() {
    }

    /** See {@link TaskDirectory#create}. */
    public static TaskDirectory build(Path allocRoot, String taskName, Map<String, String> chrootEnv) {
        if (taskName.isEmpty() || taskName.contains("/") || taskName.equals(".") || taskName.equals("..")
                || taskName.equals("alloc")) {
            throw new TaskLaunchException("task name \"" + taskName
                    + "\" cannot be used as a directory name (it must not be empty, \"alloc\", or contain \"/\")");
        }
        try {
            // The alloc root is the agent's: tasks never see it, so plain creation is safe here.
            Files.createDirectories(allocRoot);
        } catch (IOException e) {
            throw new TaskLaunchException("Couldn't create directory " + allocRoot + ": " + e.getMessage(), e);
        }
        Path allocDir = ensureDir(allocRoot, "alloc", DIR_MODE);
        for (String d : List.of("data", "logs", "tmp")) {
            ensureDir(allocDir, d, DIR_MODE);
        }
        Path taskDir = ensureDir(allocRoot, taskName, DIR_MODE);
        for (String d : List.of("local", "secrets", "private")) {
            ensureDir(taskDir, d, DIR_MODE);
        }
        ensureDir(taskDir, "tmp", STICKY_DIR_MODE);
        // The mount points of chroot_env, /dev, /proc and /sys are made by the sandbox in a tmpfs
        // below the task's root (no inode on the host), or in the task dir where it cannot.
        return new TaskDirectory(allocRoot, allocDir, taskDir);
    }

    /**
     * {@code parent/name} as a real directory: mkdir (which never follows a link at the last
     * component), then open it O_NOFOLLOW and fchmod it to {@code mode} (-1: leave the mode).
     */
    private static Path ensureDir(Path parent, String name, int mode) {
        Path p = parent.resolve(name);
        boolean created = false;
        try {
            Files.createDirectory(p);
            created = true;
        } catch (FileAlreadyExistsException e) {
            // checked below
        } catch (IOException e) {
            throw new TaskLaunchException("Couldn't create directory " + p + ": " + e.getMessage(), e);
        }
        try {
            LinuxSyscalls.checkDirNoFollow(p, mode >= 0 ? mode : created ? MOUNT_POINT_MODE : -1);
        } catch (LinuxSyscalls.ErrnoException e) {
            // With O_DIRECTORY the kernel reports a link as ENOTDIR rather than ELOOP.
            String what = e.errno() == LinuxSyscalls.ELOOP || Files.isSymbolicLink(p) ? "it is a symbolic link (left by a task?)"
                    : e.errno() == LinuxSyscalls.ENOTDIR ? "it is not a directory" : e.getMessage();
            throw new TaskLaunchException("Couldn't use " + p + " as a directory of the task layout: " + what
                    + "; remove it and start the task again");
        }
        return p;
    }
}
