package dev.corral.driver;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What InspectTask returns.
 *
 * @param driverAttributes {@code pid} = host pid of the sandbox process
 */
public record TaskStatus(
        String id,
        String name,
        TaskState state,
        Instant startedAt,
        Optional<Instant> completedAt,
        Optional<ExitResult> exitResult,
        Map<String, String> driverAttributes) {

    public TaskStatus {
        driverAttributes = Map.copyOf(driverAttributes);
    }
}
