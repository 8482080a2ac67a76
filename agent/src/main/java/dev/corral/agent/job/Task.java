package dev.corral.agent.job;

import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.sched.Constraint;
import dev.corral.agent.sched.ResourceAsk;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A task as the agent runs it.
 *
 * @param config        the driver's {@code config {}} block (strings, numbers, booleans, lists, maps)
 * @param killTimeout   {@code kill_timeout} (default 5s; capped by {@code max_kill_timeout})
 * @param killSignal    {@code kill_signal}, empty for the driver default (SIGINT)
 * @param restart       the task's own {@code restart} block, or null to use the group's
 * @param lifecycle     null for a main task
 * @param artifacts     {@code artifact} blocks as written (source, destination, mode, options, headers)
 * @param volumeMounts  {@code volume_mount} blocks, in file order
 */
public record Task(String name, String driver, Map<String, Object> config, Map<String, String> env, String user,
                   ResourceAsk resources, Duration killTimeout, String killSignal, Duration shutdownDelay,
                   Lifecycle lifecycle, boolean leader, LogsConfig logs, RestartPolicy restart,
                   Map<String, String> meta, List<Constraint> constraints, List<Map<String, Object>> artifacts,
                   List<VolumeMount> volumeMounts) {

    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);

    public Task {
        config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        user = user == null ? "" : user;
        resources = resources == null ? ResourceAsk.DEFAULT : resources;
        killTimeout = killTimeout == null ? DEFAULT_KILL_TIMEOUT : killTimeout;
        killSignal = killSignal == null ? "" : killSignal;
        shutdownDelay = shutdownDelay == null ? Duration.ZERO : shutdownDelay;
        logs = logs == null ? LogsConfig.DEFAULT : logs;
        meta = meta == null ? Map.of() : Map.copyOf(meta);
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        volumeMounts = volumeMounts == null ? List.of() : List.copyOf(volumeMounts);
    }

    /** A task without volume mounts. */
    public Task(String name, String driver, Map<String, Object> config, Map<String, String> env, String user,
                ResourceAsk resources, Duration killTimeout, String killSignal, Duration shutdownDelay,
                Lifecycle lifecycle, boolean leader, LogsConfig logs, RestartPolicy restart,
                Map<String, String> meta, List<Constraint> constraints, List<Map<String, Object>> artifacts) {
        this(name, driver, config, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle, leader, logs,
                restart, meta, constraints, artifacts, List.of());
    }

    /** A plain main task running {@code command args...} with the exec driver and default settings. */
    public static Task exec(String name, String command, List<String> args) {
        return new Task(name, "exec", Map.of("command", command, "args", args), Map.of(), "", ResourceAsk.DEFAULT,
                null, null, null, null, false, null, null, null, null, null);
    }

    public boolean isPrestart() {
        return lifecycle != null && "prestart".equals(lifecycle.hook());
    }

    public boolean isPoststart() {
        return lifecycle != null && "poststart".equals(lifecycle.hook());
    }

    public boolean isPoststop() {
        return lifecycle != null && "poststop".equals(lifecycle.hook());
    }

    public boolean isSidecar() {
        return lifecycle != null && lifecycle.sidecar();
    }

    /** A main task: no lifecycle hook. */
    public boolean isMain() {
        return lifecycle == null || lifecycle.hook() == null || lifecycle.hook().isEmpty();
    }

    public Task withConfig(Map<String, Object> c) {
        return new Task(name, driver, c, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withResources(ResourceAsk r) {
        return new Task(name, driver, config, env, user, r, killTimeout, killSignal, shutdownDelay, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withDriver(String d) {
        return new Task(name, d, config, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withEnv(Map<String, String> e) {
        return new Task(name, driver, config, e, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withLifecycle(Lifecycle l) {
        return new Task(name, driver, config, env, user, resources, killTimeout, killSignal, shutdownDelay, l, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withLeader(boolean l) {
        return new Task(name, driver, config, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle, l,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withKill(Duration timeout, String signal) {
        return new Task(name, driver, config, env, user, resources, timeout, signal, shutdownDelay, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withShutdownDelay(Duration d) {
        return new Task(name, driver, config, env, user, resources, killTimeout, killSignal, d, lifecycle, leader,
                logs, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withLogs(LogsConfig l) {
        return new Task(name, driver, config, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle,
                leader, l, restart, meta, constraints, artifacts, volumeMounts);
    }

    public Task withVolumeMounts(List<VolumeMount> m) {
        return new Task(name, driver, config, env, user, resources, killTimeout, killSignal, shutdownDelay, lifecycle,
                leader, logs, restart, meta, constraints, artifacts, m);
    }

    public Task withUser(String u) {
        return new Task(name, driver, config, env, u, resources, killTimeout, killSignal, shutdownDelay, lifecycle,
                leader, logs, restart, meta, constraints, artifacts, volumeMounts);
    }
}
