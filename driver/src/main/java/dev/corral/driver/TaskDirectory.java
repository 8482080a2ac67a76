package dev.corral.driver;

import java.nio.file.Path;

/**
 * Host paths of one task's directories in Nomad's layout:
 * <pre>
 * &lt;allocRoot&gt;/alloc/{data,logs,tmp}
 * &lt;allocRoot&gt;/&lt;task&gt;/{local,secrets,private,tmp,alloc}  + empty mount points for chroot_env and dev, proc, sys
 * </pre>
 * Build it with {@link #create}; the agent calls that once per task, before StartTask.
 *
 * @param allocRoot {@code <alloc_dir>/<alloc_id>}
 * @param allocDir  {@code <allocRoot>/alloc}, shared by the group's tasks
 * @param taskDir   {@code <allocRoot>/<task>}, the task's root
 */
public record TaskDirectory(Path allocRoot, Path allocDir, Path taskDir) {

    public Path logsDir() {
        return allocDir.resolve("logs");
    }

    public Path dataDir() {
        return allocDir.resolve("data");
    }

    public Path localDir() {
        return taskDir.resolve("local");
    }

    public Path secretsDir() {
        return taskDir.resolve("secrets");
    }

    public Path privateDir() {
        return taskDir.resolve("private");
    }

    public Path tmpDir() {
        return taskDir.resolve("tmp");
    }

    /**
     * Creates (idempotently) the alloc and task directories with Nomad's modes (0777, tmp 01777) and
     * an empty mount point for each {@code chroot_env} destination whose source exists on the host.
     *
     * @param allocRoot {@code <alloc_dir>/<alloc_id>}
     * @param taskName  the task's name
     * @param chrootEnv host path -> task path
     * @throws DriverException.TaskLaunchException naming the path that could not be created
     */
    public static TaskDirectory create(Path allocRoot, String taskName, java.util.Map<String, String> chrootEnv) {
        return dev.corral.driver.linux.TaskDirBuilder.build(allocRoot, taskName, chrootEnv);
    }
}
