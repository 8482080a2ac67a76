package dev.corral.driver;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One started task. Immutable launch facts plus the exit, which completes once; the mutable fields
 * ({@code completedAt}, {@code exitResult}) are guarded by {@code this}'s monitor.
 */
public final class TaskHandle {
    private final TaskHandleRecord record;
    private final CompletableFuture<ExitResult> exit = new CompletableFuture<>();

    /** Guarded by {@code this}. */
    private Instant completedAt;
    /** Guarded by {@code this}. */
    private ExitResult exitResult;

    TaskHandle(TaskHandleRecord record) {
        this.record = record;
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

    /** Records the exit (first call wins) and completes {@link #exit()}. */
    void exited(ExitResult result, Instant at) {
        synchronized (this) {
            if (exitResult != null) {
                return;
            }
            exitResult = result;
            completedAt = at;
        }
        exit.complete(result);
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
}
