package dev.corral.jobspec.model;

import java.time.Duration;

/**
 * Where Nomad would move a failed allocation. Parsed and reported; the standalone agent has one node.
 *
 * @param attempts      attempts within {@code interval} (ignored when unlimited)
 * @param interval      window for {@code attempts}
 * @param delay         initial delay
 * @param delayFunction {@code constant}, {@code exponential} or {@code fibonacci}
 * @param maxDelay      upper bound of the delay
 * @param unlimited     reschedule without limit
 */
public record ReschedulePolicy(int attempts, Duration interval, Duration delay, String delayFunction, Duration maxDelay,
                               boolean unlimited) {

    /** Service default: 30s exponential up to 1h, unlimited. */
    public static final ReschedulePolicy SERVICE_DEFAULT =
            new ReschedulePolicy(0, Duration.ZERO, Duration.ofSeconds(30), "exponential", Duration.ofHours(1), true);

    /** Batch default: 1 attempt in 24h, 5s constant delay. */
    public static final ReschedulePolicy BATCH_DEFAULT =
            new ReschedulePolicy(1, Duration.ofHours(24), Duration.ofSeconds(5), "constant", Duration.ZERO, false);

    /** The default for a job type; null for system and sysbatch jobs, which are not rescheduled. */
    public static ReschedulePolicy defaultFor(JobType type) {
        return switch (type) {
            case SERVICE -> SERVICE_DEFAULT;
            case BATCH -> BATCH_DEFAULT;
            case SYSTEM, SYSBATCH -> null;
        };
    }
}
