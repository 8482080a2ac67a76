package dev.corral.driver;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Nomad's isolated fork/exec ({@code exec}) task driver as a Java library. The agent, the CLI and the
 * Nomad plugin all call it; it knows nothing of HTTP, gRPC or HCL.
 *
 * <p>Each task runs under its own resident {@code corral-sandbox run} process (private mount, PID,
 * IPC and UTS namespaces, a root made of the task directory plus read-only {@code chroot_env} binds,
 * a cgroup with the task's limits, a non-root user, trimmed capabilities). The sandbox outlives this
 * JVM: persist {@link TaskHandle#record()} and call {@link #recoverTask} after a restart.
 *
 * <p>The driver holds no per-task state beyond its {@link TaskStore}; every method is thread-safe.
 */
public final class ExecDriver {
    /** Plugin name. */
    public static final String NAME = "exec";
    /** How often the agent should call {@link #fingerprint()}. */
    public static final Duration FINGERPRINT_PERIOD = Duration.ofSeconds(30);
    /** Default {@code kill_timeout}. */
    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@code kill_signal}. */
    public static final String DEFAULT_KILL_SIGNAL = "SIGINT";

    private final ExecDriverConfig config;
    private final TaskStore store = new TaskStore();

    /**
     * @throws DriverException.InvalidDriverConfigException when {@code config.validate()} fails
     */
    public ExecDriver(ExecDriverConfig config) {
        this.config = config.validate();
    }

    public ExecDriverConfig config() {
        return config;
    }

    /** What the driver supports (signals, exec, chroot isolation, ...). */
    public DriverCapabilities capabilities() {
        return DriverCapabilities.EXEC;
    }

    /**
     * Health and node attributes. Healthy only on Linux, as root, with a usable cgroup layout and a
     * working sandbox binary; otherwise the description says what is missing.
     */
    public Fingerprint fingerprint() {
        throw new UnsupportedOperationException("fingerprint: not implemented yet");
    }

    /**
     * Starts a task and returns once its command has been exec'd inside the sandbox (or failed to).
     *
     * @throws DriverException.TaskAlreadyStartedException a task with this id is already tracked
     * @throws DriverException.InvalidTaskConfigException  a config field is invalid (the message names it)
     * @throws DriverException.CommandNotFoundException    the command is not in the task root (the message says where it looked)
     * @throws DriverException.UserException               the user cannot be resolved or is denied
     * @throws DriverException.CapabilityNotAllowedException cap_add outside allow_caps
     * @throws DriverException.TaskLaunchException         cgroups, the sandbox binary or the kernel failed
     */
    public TaskHandle startTask(TaskConfig task) {
        throw new UnsupportedOperationException("startTask: not implemented yet");
    }

    /**
     * The task's exit, completing once (already completed if the task has exited).
     *
     * @throws DriverException.TaskNotFoundException unknown id
     */
    public CompletableFuture<ExitResult> waitTask(String taskId) {
        throw new UnsupportedOperationException("waitTask: not implemented yet");
    }

    /**
     * Stops a task: sends {@code signal} (default SIGINT) to the task, waits up to {@code timeout}
     * (capped by {@code max_kill_timeout}), then SIGKILLs every process in its cgroup. Returns once
     * the task has exited. A task that already exited is left as is.
     *
     * @param signal a signal name such as {@code SIGTERM}; null or empty means SIGINT
     * @throws DriverException.InvalidTaskConfigException unknown signal name
     */
    public void stopTask(String taskId, Duration timeout, String signal) {
        throw new UnsupportedOperationException("stopTask: not implemented yet");
    }

    /**
     * Forgets a task and removes its cgroups and status file. With {@code force} a running task is
     * killed first (every process in its cgroup); without it a running task is refused.
     *
     * @throws DriverException.TaskRunningException running and not forced
     */
    public void destroyTask(String taskId, boolean force) {
        throw new UnsupportedOperationException("destroyTask: not implemented yet");
    }

    /** @throws DriverException.TaskNotFoundException unknown id */
    public TaskStatus inspectTask(String taskId) {
        throw new UnsupportedOperationException("inspectTask: not implemented yet");
    }

    /**
     * Sends a signal to the task's process group (through the sandbox, which forwards it), so a shell
     * without handlers gets it too. An unknown name becomes SIGINT, as in Nomad.
     */
    public void signalTask(String taskId, String signal) {
        throw new UnsupportedOperationException("signalTask: not implemented yet");
    }

    /**
     * Reattaches to a task started by an earlier driver instance (maybe in a JVM that was killed).
     * If the sandbox still runs it is watched again; if it ended meanwhile its exit is read from the
     * status file. Recovering an id that is already tracked is a no-op returning the tracked handle.
     *
     * @throws DriverException.TaskRecoveryException the record is unusable
     */
    public TaskHandle recoverTask(TaskHandleRecord record) {
        throw new UnsupportedOperationException("recoverTask: not implemented yet");
    }

    /** One stats sample from the task's cgroup; CPU percentages are relative to the previous call. */
    public TaskResourceUsage taskStats(String taskId) {
        throw new UnsupportedOperationException("taskStats: not implemented yet");
    }

    /**
     * Runs a command inside the running task (its namespaces, root, cgroup and user), for script
     * checks; stdout and stderr merged, last 4 KiB kept; killed at {@code timeout}.
     *
     * @throws DriverException.InvalidTaskConfigException empty command: {@code error cmd must have at least one value}
     */
    public ExecResult execTask(String taskId, List<String> command, Duration timeout) {
        throw new UnsupportedOperationException("execTask: not implemented yet");
    }

    /** The tracked handle of a task, if any. */
    public Optional<TaskHandle> handle(String taskId) {
        return store.get(taskId);
    }

    /** Every tracked task. */
    public Collection<TaskHandle> tasks() {
        return store.all();
    }
}
