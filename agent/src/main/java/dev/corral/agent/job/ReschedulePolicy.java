package dev.corral.agent.job;

import java.time.Duration;

/**
 * A group's {@code reschedule} block: when a failed allocation is replaced.
 *
 * @param attempts      replacements allowed within {@code interval} (ignored when {@code unlimited})
 * @param delayFunction {@code constant}, {@code exponential} or {@code fibonacci}
 */
public record ReschedulePolicy(int attempts, Duration interval, Duration delay, String delayFunction,
                               Duration maxDelay, boolean unlimited) {
    public static final ReschedulePolicy SERVICE_DEFAULT =
            new ReschedulePolicy(0, Duration.ZERO, Duration.ofSeconds(30), "exponential", Duration.ofHours(1), true);
    public static final ReschedulePolicy BATCH_DEFAULT =
            new ReschedulePolicy(1, Duration.ofHours(24), Duration.ofSeconds(5), "constant", Duration.ZERO, false);

    /** Nomad's default per job type; null for system and sysbatch (never rescheduled). */
    public static ReschedulePolicy defaultFor(String jobType) {
        return switch (jobType) {
            case "service" -> SERVICE_DEFAULT;
            case "batch" -> BATCH_DEFAULT;
            default -> null;
        };
    }

    /** The wait before replacement number {@code previous + 1}. */
    public Duration delayFor(int previous) {
        Duration d = switch (delayFunction) {
            case "exponential" -> delay.multipliedBy(1L << Math.min(previous, 30));
            case "fibonacci" -> {
                long a = 1;
                long b = 1;
                for (int i = 0; i < previous; i++) {
                    long n = a + b;
                    a = b;
                    b = n;
                }
                yield delay.multipliedBy(a);
            }
            default -> delay;
        };
        return maxDelay.isPositive() && d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }
}
