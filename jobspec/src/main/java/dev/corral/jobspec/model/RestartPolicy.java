package dev.corral.jobspec.model;

import java.time.Duration;

/**
 * How often a failed task is restarted in place.
 *
 * @param attempts        restarts allowed within {@code interval}
 * @param interval        the window attempts are counted in
 * @param delay           wait before each restart
 * @param mode            what happens when attempts run out
 * @param renderTemplates re-render templates on restart
 */
public record RestartPolicy(int attempts, Duration interval, Duration delay, RestartMode mode, boolean renderTemplates) {

    /** Nomad's default for service and system jobs: 2 attempts in 30m, 15s delay, fail. */
    public static final RestartPolicy SERVICE_DEFAULT =
            new RestartPolicy(2, Duration.ofMinutes(30), Duration.ofSeconds(15), RestartMode.FAIL, false);

    /** Nomad's default for batch and sysbatch jobs: 3 attempts in 24h, 15s delay, fail. */
    public static final RestartPolicy BATCH_DEFAULT =
            new RestartPolicy(3, Duration.ofHours(24), Duration.ofSeconds(15), RestartMode.FAIL, false);

    /** The default for a job type. */
    public static RestartPolicy defaultFor(JobType type) {
        return type == JobType.BATCH || type == JobType.SYSBATCH ? BATCH_DEFAULT : SERVICE_DEFAULT;
    }
}
