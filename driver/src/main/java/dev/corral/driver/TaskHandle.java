package dev.corral.driver;

import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.ProcStat;
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

    /**
     * Host pid of the task's resident sandbox process: its init (PID 1 of the task), this driver's
     * child. Records written before {@code --exit-after-start} hold the {@code run} process instead.
     */
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
     * Host pid of the sandbox's init (B) while it runs: from the status file, checked by its name so a
     * reused pid is never taken for it.
     */
    OptionalLong liveInitPid() {
        OptionalLong init = initPid();
        if (init.isEmpty() || init.getAsLong() <= 0) {
            return OptionalLong.empty();
        }
        return isInit(init.getAsLong()) ? init : OptionalLong.empty();
    }

    private static boolean isInit(long pid) {
        try {
            String comm = new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid), "comm"))).trim();
            return comm.equals(INIT_COMM) && ProcStat.read(pid).filter(s -> s.state() != 'Z').isPresent();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** What the sandbox names its init process (CONTRACT.md), as /proc/<pid>/comm shows it. */
    static final String INIT_COMM = "corral-init";

    /**
     * Sends {@code signal} to the sandbox, which forwards it to the task's process group: to the
     * recorded process through its pidfd (a reused pid can never be hit), or, if that process is gone
     * while the task lives on (an old record's {@code run} process), to the sandbox's init directly.
     *
     * @return false when neither is running any more
     */
    synchronized boolean signalSandbox(int signal) {
        if (pidfd >= 0 && LinuxSyscalls.pidfdSendSignal(pidfd, signal)) {
            return true;
        }
        if (exitResult != null) {
            return false;
        }
        OptionalLong init = liveInitPid();
        if (init.isEmpty()) {
            return false;
        }
        int fd;
        try {
            fd = LinuxSyscalls.pidfdOpen(init.getAsLong());
        } catch (LinuxSyscalls.ErrnoException e) {
            return false;
        }
        try {
            // Checked again with the pidfd held: the pid cannot be recycled under us any more.
            return isInit(init.getAsLong()) && LinuxSyscalls.pidfdSendSignal(fd, signal);
        } finally {
            LinuxSyscalls.close(fd);
        }
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
