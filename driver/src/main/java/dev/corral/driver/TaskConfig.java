package dev.corral.driver;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the driver needs to start one task. Plain data: it is persisted inside
 * {@link TaskHandleRecord} and handed back on recovery.
 *
 * @param id         unique per start: {@code <allocId>/<task>/<8 hex>} (see {@link #newId})
 * @param name       task name (log file names, {@code NOMAD_TASK_NAME})
 * @param allocId    allocation id
 * @param jobName    job name
 * @param groupName  task group name
 * @param allocDir   host path of the alloc's shared {@code alloc/} directory (mounted at {@code /alloc})
 * @param taskDir    host path of the task directory (becomes {@code /} of the task); see {@link TaskDirectory}
 * @param env        the full task environment (already interpolated)
 * @param user       {@code user}: name, uid, name:group or uid:gid; {@code ""} means {@code nobody}
 * @param resources  allocated resources
 * @param driverConfig the task's {@code config {}} block
 * @param logs       where stdout/stderr go
 * @param mounts     extra bind mounts, in job-spec order
 */
public record TaskConfig(
        String id,
        String name,
        String allocId,
        String jobName,
        String groupName,
        Path allocDir,
        Path taskDir,
        Map<String, String> env,
        String user,
        Resources resources,
        ExecTaskConfig driverConfig,
        LogConfig logs,
        List<MountConfig> mounts) {

    public TaskConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(taskDir, "taskDir");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(driverConfig, "driverConfig");
        allocId = allocId == null ? "" : allocId;
        jobName = jobName == null ? "" : jobName;
        groupName = groupName == null ? "" : groupName;
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env == null ? Map.of() : env));
        user = user == null ? "" : user;
        logs = logs == null ? LogConfig.DEFAULT : logs;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
    }

    /** A fresh task id {@code <allocId>/<task>/<8 random hex>}, as Nomad makes one per start. */
    public static String newId(String allocId, String taskName) {
        return allocId + "/" + taskName + "/" + String.format("%08x", new java.security.SecureRandom().nextInt());
    }

    /** A copy with another environment. */
    public TaskConfig withEnv(Map<String, String> newEnv) {
        return new TaskConfig(id, name, allocId, jobName, groupName, allocDir, taskDir, newEnv, user, resources,
                driverConfig, logs, mounts);
    }
}
