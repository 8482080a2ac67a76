package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One task: a command run by a driver.
 *
 * @param name          the task label
 * @param driver        driver name, e.g. {@code exec}
 * @param config        the driver's {@code config} block, generic; see {@link ExecConfig#of}
 * @param env           environment variables; values may hold runtime references like {@code ${NOMAD_TASK_DIR}}
 * @param resources     cpu/cores/memory, Nomad defaults applied
 * @param artifacts     files to fetch before the task starts
 * @param user          user to run as; empty means the driver default ({@code nobody} for exec)
 * @param killTimeout   time between the kill signal and SIGKILL, default 5s
 * @param killSignal    signal sent to stop the task, default {@code SIGINT}
 * @param logs          log rotation, default 10 files of 10 MiB
 * @param meta          user metadata
 * @param restart       restart policy (group policy merged with the task's {@code restart} block)
 * @param lifecycle     lifecycle hook, or null for a main task
 * @param leader        when this task exits, the other tasks of the group are stopped
 * @param shutdownDelay delay before the kill signal, default 0
 * @param volumeMounts  group volumes mounted into the task
 * @param constraints   task-level constraints
 * @param affinities    parsed, not acted on
 * @param pos           where the task block starts
 */
public record Task(String name, String driver, DriverConfig config, Map<String, String> env, Resources resources,
                   List<Artifact> artifacts, String user, Duration killTimeout, String killSignal, LogConfig logs,
                   Map<String, String> meta, RestartPolicy restart, Lifecycle lifecycle, boolean leader,
                   Duration shutdownDelay, List<VolumeMount> volumeMounts, List<Constraint> constraints,
                   List<Affinity> affinities, SourcePos pos) {

    public Task {
        env = Maps.copy(env);
        artifacts = List.copyOf(artifacts);
        meta = Maps.copy(meta);
        volumeMounts = List.copyOf(volumeMounts);
        constraints = List.copyOf(constraints);
        affinities = List.copyOf(affinities);
    }
}
