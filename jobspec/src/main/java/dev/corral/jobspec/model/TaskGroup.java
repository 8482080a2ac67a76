package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A set of tasks placed together on one node.
 *
 * @param name          the group label
 * @param count         instances to run, default 1
 * @param constraints   placement constraints
 * @param affinities    parsed, not acted on
 * @param restart       the group's restart policy (job-type defaults merged with the {@code restart} block)
 * @param reschedule    reschedule policy; parsed, not acted on by the standalone agent; null for system jobs
 * @param network       the group network, or null when the group has no {@code network} block
 * @param ephemeralDisk default 300 MiB, not sticky, no migration
 * @param meta          user metadata
 * @param volumes       {@code volume} requests by name
 * @param shutdownDelay delay between deregistration and kill, or null when unset
 * @param tasks         the tasks, in file order
 * @param pos           where the group block starts
 */
public record TaskGroup(String name, int count, List<Constraint> constraints, List<Affinity> affinities,
                        RestartPolicy restart, ReschedulePolicy reschedule, Network network, EphemeralDisk ephemeralDisk,
                        Map<String, String> meta, Map<String, VolumeRequest> volumes, Duration shutdownDelay,
                        List<Task> tasks, SourcePos pos) {

    public TaskGroup {
        constraints = List.copyOf(constraints);
        affinities = List.copyOf(affinities);
        meta = Maps.copy(meta);
        volumes = Maps.copy(volumes);
        tasks = List.copyOf(tasks);
    }

    /** The task with this name, or null. */
    public Task task(String taskName) {
        return tasks.stream().filter(t -> t.name().equals(taskName)).findFirst().orElse(null);
    }
}
