package dev.corral.driver.linux;

import dev.corral.driver.DriverException.TaskLaunchException;
import dev.corral.driver.TaskDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/** Creates Nomad's alloc/task directory layout on the host (no mounts: those happen inside the sandbox). */
public final class TaskDirBuilder {

    private TaskDirBuilder() {
    }

    /** See {@link TaskDirectory#create}. */
    public static TaskDirectory build(Path allocRoot, String taskName, Map<String, String> chrootEnv) {
        if (taskName.isEmpty() || taskName.contains("/") || taskName.equals(".") || taskName.equals("..")
                || taskName.equals("alloc")) {
            throw new TaskLaunchException("task name \"" + taskName
                    + "\" cannot be used as a directory name (it must not be empty, \"alloc\", or contain \"/\")");
        }
        Path allocDir = allocRoot.resolve("alloc");
        Path taskDir = allocRoot.resolve(taskName);
        mkdir(allocRoot, "rwxr-xr-x");
        for (Path p : List.of(allocDir, allocDir.resolve("data"), allocDir.resolve("logs"), allocDir.resolve("tmp"),
                taskDir, taskDir.resolve("local"), taskDir.resolve("secrets"), taskDir.resolve("private"),
                taskDir.resolve("alloc"))) {
            mkdir(p, "rwxrwxrwx");
        }
        mkdir(taskDir.resolve("tmp"), "rwxrwxrwx");
        chmodSticky(taskDir.resolve("tmp"));
        for (String mountPoint : List.of("dev", "proc", "sys")) {
            mkdir(taskDir.resolve(mountPoint), "rwxr-xr-x");
        }
        chrootEnv.forEach((host, inTask) -> {
            Path src = Path.of(host);
            if (!Files.exists(src)) {
                return; // Nomad skips missing sources silently; so does the sandbox.
            }
            Path dst = taskDir.resolve(inTask.substring(1));
            if (Files.isDirectory(src)) {
                mkdirs(dst);
            } else {
                mkdirs(dst.getParent());
                try {
                    if (!Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createFile(dst);
                    }
                } catch (IOException e) {
                    throw new TaskLaunchException("Couldn't create mount point " + dst + " for chroot_env entry "
                            + host + ": " + e.getMessage(), e);
                }
            }
        });
        return new TaskDirectory(allocRoot, allocDir, taskDir);
    }

    private static void mkdir(Path p, String perms) {
        try {
            Files.createDirectories(p);
            // chmod after create: the umask would otherwise cut the 0777 Nomad wants.
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (IOException e) {
            throw new TaskLaunchException("Couldn't create directory " + p + ": " + e.getMessage(), e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new TaskLaunchException("Couldn't create destination directory " + p + ": " + e.getMessage(), e);
        }
    }

    private static void chmodSticky(Path p) {
        try {
            // NIO has no sticky bit; "unix:mode" does.
            Files.setAttribute(p, "unix:mode", 01777);
        } catch (IOException | UnsupportedOperationException e) {
            throw new TaskLaunchException("Couldn't set mode 01777 on " + p + ": " + e.getMessage(), e);
        }
    }
}
