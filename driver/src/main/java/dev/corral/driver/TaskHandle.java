package dev.corral.driver;

import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.SandboxStatus;
import dev.corral.driver.linux.TaskCgroup;
import dev.corral.driver.linux.UserResolver.ResolvedUser;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * One started (or recovered) task. The launch facts are immutable; the exit completes once. Mutable
 * fields are guarded by this handle's own monitor ({@code synchronized (this)}), so tasks never
 * contend with each other; {@link TaskStore} is just a concurrent map of handles.
 */
public final class TaskHandle {
    private final TaskHandleRecord record;
    private final TaskCgroup cgroup;
    private final Path stateDir;
    private final CompletableFuture<ExitResult> exit = new CompletableFuture<>();

    /** pidfd of the sandbox process, -1 once closed or when it was already gone. Guarded by {@code this}. */
    private int pidfd;
    /** When the exit was recorded. Guarded by {@code this}. */
    private Instant completedAt;
    /** The exit, null while running. Guarded by {@code this}. */
    private ExitResult exitResult;
    /** The previous stats sample, for CPU percentages. Guarded by {@code this}. */
    private StatsSample lastSample;
    /** User and capabilities of the task, known at start, recomputed after recovery. Guarded by {@code this}. */
    private LaunchIdentity identity;

    record StatsSample(long nanoTime, long userNanos, long systemNanos, long totalNanos) {
    }

    /** The task's credentials, reused by ExecTask. */
    record LaunchIdentity(ResolvedUser user, List<String> caps, Map<String, String> env) {
    }

    TaskHandle(TaskHandleRecord record, TaskCgroup cgroup, Path stateDir, int pidfd, LaunchIdentity identity) {
        this.record = record;
        this.cgroup = cgroup;
        this.stateDir = stateDir;
        this.pidfd = pidfd;
        this.identity = identity;
    }

    public String id() {
        return record.taskId();
    }

    public TaskConfig config() {
        return record.taskConfig();
    }

    /** The plain-data record to persist for {@link ExecDriver#recoverTask}. */
    public TaskHandleRecord record() {
        return record;
    }

    /** Host pid of the task's sandbox process. */
    public long sandboxPid() {
        return record.sandboxPid();
    }

    public Instant startedAt() {
        return record.startedAt();
    }

    /** Completes once with the task's exit. */
    public CompletableFuture<ExitResult> exit() {
        return exit;
    }

    public synchronized boolean running() {
        return exitResult == null;
    }

    /** InspectTask's view. */
    public synchronized TaskStatus status() {
        return new TaskStatus(id(), config().name(), exitResult == null ? TaskState.RUNNING : TaskState.EXITED,
                startedAt(), Optional.ofNullable(completedAt), Optional.ofNullable(exitResult),
                Map.of("pid", Long.toString(sandboxPid())));
    }

    TaskCgroup cgroup() {
        return cgroup;
    }

    Path stateDir() {
        return stateDir;
    }

    /** The sandbox's status file as it is now. */
    Optional<SandboxStatus> sandboxStatus() {
        return SandboxStatus.read(record.statusFile());
    }

    /** Host pid of the sandbox's PID-1 process (in the task's namespaces), from the status file. */
    OptionalLong initPid() {
        return sandboxStatus().map(SandboxStatus::initPid).orElse(OptionalLong.empty());
    }

    /** Records the exit (first call wins), closes the pidfd and completes {@link #exit()}. */
    void exited(ExitResult result, Instant at) {
        synchronized (this) {
            if (exitResult != null) {
                return;
            }
            exitResult = result;
            completedAt = at;
            closePidfd();
        }
        exit.complete(result);
    }

    /**
     * Sends {@code signal} to the sandbox process, which forwards it to the task's process group.
     * Uses the pidfd, so a reused pid can never be hit.
     *
     * @return false when the sandbox has already exited
     */
    synchronized boolean signalSandbox(int signal) {
        if (pidfd < 0) {
            return false;
        }
        return LinuxSyscalls.pidfdSendSignal(pidfd, signal);
    }

    synchronized void closePidfd() {
        if (pidfd >= 0) {
            LinuxSyscalls.close(pidfd);
            pidfd = -1;
        }
    }

    synchronized LaunchIdentity identity() {
        return identity;
    }

    synchronized void identity(LaunchIdentity id) {
        this.identity = id;
    }

    /** Stores {@code now} and returns the previous sample (or null). */
    synchronized StatsSample swapSample(StatsSample now) {
        StatsSample prev = lastSample;
        lastSample = now;
        return prev;
    }
}
