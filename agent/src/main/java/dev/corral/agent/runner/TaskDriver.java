package dev.corral.agent.runner;

import dev.corral.agent.node.DriverInfo;
import dev.corral.driver.ExitResult;
import dev.corral.driver.TaskConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What the task runner needs from a task driver. {@link ExecTaskDriver} adapts the exec driver;
 * the handle is plain versioned JSON the agent persists before acknowledging a start.
 */
public interface TaskDriver {
    /** A running (or, after recovery, possibly already finished) task. */
    record Started(String taskId, int handleVersion, String handleJson, long pid, CompletableFuture<ExitResult> exit) {}

    /** The driver failed to start a task; {@code recoverable} decides whether the restart policy applies. */
    final class StartException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean recoverable;

        public StartException(String message, boolean recoverable, Throwable cause) {
            super(message, cause);
            this.recoverable = recoverable;
        }

        public boolean recoverable() {
            return recoverable;
        }
    }

    String name();

    /** Releases what the driver holds for future starts (running tasks are not touched). */
    default void close() {
    }

    /** Health and attributes (attributes without the {@code driver.} prefix handling: full names like {@code driver.exec}). */
    DriverInfo fingerprint();

    Started start(TaskConfig config) throws StartException;

    /** Reattaches from a persisted handle; the exit completes at once if the task ended meanwhile. */
    Started recover(int handleVersion, String handleJson) throws StartException;

    /** Signal, wait up to {@code timeout}, then kill everything; returns once the task is gone. */
    void stop(String taskId, Duration timeout, String signal);

    /** Forget the task and free its resources (cgroups, status files). */
    void destroy(String taskId);

    void signal(String taskId, String signal);
}
