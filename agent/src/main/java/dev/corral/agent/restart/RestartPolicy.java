package dev.corral.agent.restart;

import java.time.Duration;
import java.util.Locale;

/**
 * A task group's {@code restart} block with Nomad's defaults per job type.
 *
 * @param attempts restarts allowed within {@code interval}
 * @param interval the window in which {@code attempts} are counted
 * @param delay    wait before a restart (plus up to 25% jitter)
 * @param mode     what to do once attempts are exhausted
 */
public record RestartPolicy(int attempts, Duration interval, Duration delay, Mode mode) {

    /** {@code mode}: {@code fail} stops restarting; {@code delay} waits for the interval to end. */
    public enum Mode {
        FAIL, DELAY;

        public String nomadName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException with Nomad's wording for other values */
        public static Mode parse(String s) {
            return switch (s) {
                case "fail" -> FAIL;
                case "delay" -> DELAY;
                default -> throw new IllegalArgumentException("Unsupported restart mode: \"" + s + "\"");
            };
        }
    }

    /** Nomad's defaults: service/system 2 in 30m, batch/sysbatch 3 in 24h; both 15s delay, mode fail. */
    public static RestartPolicy defaultFor(String jobType) {
        return switch (jobType) {
            case "batch", "sysbatch" -> new RestartPolicy(3, Duration.ofHours(24), Duration.ofSeconds(15), Mode.FAIL);
            default -> new RestartPolicy(2, Duration.ofMinutes(30), Duration.ofSeconds(15), Mode.FAIL);
        };
    }
}
