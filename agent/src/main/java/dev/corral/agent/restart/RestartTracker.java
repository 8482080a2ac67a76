package dev.corral.agent.restart;

import dev.corral.driver.ExitResult;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Decides, after each task exit or start failure, whether and when the task restarts, following
 * Nomad's restart tracker: restart on success only for service/system tasks (and prestart
 * sidecars), count failures within the interval window, then fail or delay by mode, and add up to
 * 25% jitter to the delay. Not thread-safe: one task runner owns it.
 */
public final class RestartTracker {
    /** Jitter added to a restart delay, as a fraction of the delay. */
    public static final double JITTER = 0.25;

    public static final String REASON_NO_RESTARTS_ALLOWED = "Policy allows no restarts";
    public static final String REASON_UNRECOVERABLE = "Error was unrecoverable";
    public static final String REASON_WITHIN_POLICY = "Restart within policy";
    public static final String REASON_DELAY = "Exceeded allowed attempts, applying a delay";
    public static final String REASON_SUCCESS = "Restart unnecessary as task terminated successfully";

    /** What the task should do next. */
    public enum State {
        /** Restart after {@link Decision#delay()}. */
        RESTARTING,
        /** Do not restart; the task failed ({@code Not Restarting} event). */
        NOT_RESTARTING,
        /** Do not restart; the task is done successfully. */
        TERMINATED,
        /** Killed on purpose; never restarted. */
        KILLED
    }

    /** The tracker's answer. */
    public record Decision(State state, Duration delay, String reason) {}

    /** The lifecycle hook of a task, for the restart-on-success rule. */
    public enum Hook { NONE, PRESTART, POSTSTART, POSTSTOP }

    private RestartPolicy policy;
    private final boolean onSuccess;
    private final LongSupplier clockMs;
    private final RandomGenerator random;

    private int count;
    private long windowStartMs;

    private ExitResult exitResult;
    private Throwable startError;
    private boolean startErrorRecoverable;
    private boolean restartTriggered;
    private boolean failureTriggered;
    private boolean killed;

    /**
     * @param jobType  service, system, batch or sysbatch
     * @param hook     the task's lifecycle hook
     * @param sidecar  the task's {@code lifecycle.sidecar}
     * @param clockMs  wall clock in Unix ms (injectable for tests)
     * @param random   jitter source (injectable for tests)
     */
    public RestartTracker(RestartPolicy policy, String jobType, Hook hook, boolean sidecar, LongSupplier clockMs,
                          RandomGenerator random) {
        this.policy = policy;
        boolean success = !("batch".equals(jobType) || "sysbatch".equals(jobType));
        if (hook == Hook.PRESTART) {
            success = sidecar;
        }
        if (hook == Hook.POSTSTOP) {
            success = false;
        }
        this.onSuccess = success;
        this.clockMs = clockMs;
        this.random = random;
        this.windowStartMs = clockMs.getAsLong();
    }

    /** Restores the persisted window, so a recovered task keeps counting where it left off. */
    public void restore(int restoredCount, long restoredWindowStartMs) {
        this.count = restoredCount;
        this.windowStartMs = restoredWindowStartMs;
    }

    public void setPolicy(RestartPolicy policy) {
        this.policy = policy;
    }

    public RestartPolicy policy() {
        return policy;
    }

    /** Failures counted in the current window (persist with {@link #windowStartMs()}). */
    public int count() {
        return count;
    }

    public long windowStartMs() {
        return windowStartMs;
    }

    /** The task exited with {@code result}. */
    public RestartTracker exited(ExitResult result) {
        this.exitResult = result;
        return this;
    }

    /** The task failed to start; unrecoverable errors never restart. */
    public RestartTracker startFailed(Throwable error, boolean recoverable) {
        this.startError = error;
        this.startErrorRecoverable = recoverable;
        return this;
    }

    /** A restart was requested by a user ({@code failure=false}) or by a failing check ({@code failure=true}). */
    public RestartTracker restartTriggered(boolean failure) {
        if (failure) {
            this.failureTriggered = true;
        } else {
            this.restartTriggered = true;
        }
        return this;
    }

    /** The task was killed on purpose. */
    public RestartTracker killed() {
        this.killed = true;
        return this;
    }

    /** Computes the decision for the inputs set since the last call, and clears them. */
    public Decision next() {
        try {
            return decide();
        } finally {
            exitResult = null;
            startError = null;
            restartTriggered = false;
            failureTriggered = false;
            killed = false;
        }
    }

    private Decision decide() {
        if (restartTriggered) {
            return new Decision(State.RESTARTING, Duration.ZERO, "");
        }
        if (killed) {
            return new Decision(State.KILLED, Duration.ZERO, "");
        }
        if (policy.attempts() == 0) {
            if (!onSuccess && exitResult != null && exitResult.successful()) {
                return new Decision(State.TERMINATED, Duration.ZERO, REASON_NO_RESTARTS_ALLOWED);
            }
            return new Decision(State.NOT_RESTARTING, Duration.ZERO, REASON_NO_RESTARTS_ALLOWED);
        }
        long now = clockMs.getAsLong();
        if (now > windowStartMs + policy.interval().toMillis()) {
            count = 0;
            windowStartMs = now;
        }
        if (!failureTriggered) {
            if (startError != null) {
                if (!startErrorRecoverable) {
                    return new Decision(State.NOT_RESTARTING, Duration.ZERO, REASON_UNRECOVERABLE);
                }
            } else if (exitResult != null && exitResult.successful() && !onSuccess) {
                return new Decision(State.TERMINATED, Duration.ZERO, REASON_SUCCESS);
            }
        }
        count++;
        if (count > policy.attempts()) {
            if (policy.mode() == RestartPolicy.Mode.FAIL) {
                return new Decision(State.NOT_RESTARTING, Duration.ZERO,
                        "Exceeded allowed attempts " + policy.attempts() + " in interval "
                                + GoDuration.format(policy.interval()) + " and mode is \"fail\"");
            }
            long untilWindowEnd = windowStartMs + policy.interval().toMillis() - now;
            return new Decision(State.RESTARTING, Duration.ofMillis(Math.max(0, untilWindowEnd)), REASON_DELAY);
        }
        return new Decision(State.RESTARTING, jittered(), REASON_WITHIN_POLICY);
    }

    private Duration jittered() {
        long d = Math.max(1, policy.delay().toNanos());
        long j = (long) (random.nextLong(d) * JITTER);
        return Duration.ofNanos(d + j);
    }
}
