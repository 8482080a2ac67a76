package dev.corral.agent.job;

import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.sched.Constraint;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A task group as the agent schedules it.
 *
 * @param restart        the group's {@code restart} block, or null for the job type's default
 * @param shutdownDelay  group {@code shutdown_delay}
 * @param diskMb         {@code ephemeral_disk.size} (default 300)
 * @param reschedule     the group's {@code reschedule} block, or null for the job type's default
 * @param volumes        {@code volume} requests by name
 */
public record TaskGroup(String name, int count, List<Constraint> constraints, RestartPolicy restart,
                        Duration shutdownDelay, long diskMb, Map<String, String> meta, List<Task> tasks,
                        ReschedulePolicy reschedule, Map<String, Volume> volumes) {
    public TaskGroup {
        volumes = volumes == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(volumes));
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
        shutdownDelay = shutdownDelay == null ? Duration.ZERO : shutdownDelay;
        diskMb = diskMb <= 0 ? 300 : diskMb;
        meta = meta == null ? Map.of() : Map.copyOf(meta);
        tasks = List.copyOf(tasks);
    }

    /** A group without volumes. */
    public TaskGroup(String name, int count, List<Constraint> constraints, RestartPolicy restart, Duration shutdownDelay,
                     long diskMb, Map<String, String> meta, List<Task> tasks, ReschedulePolicy reschedule) {
        this(name, count, constraints, restart, shutdownDelay, diskMb, meta, tasks, reschedule, Map.of());
    }

    public static TaskGroup of(String name, int count, List<Task> tasks) {
        return new TaskGroup(name, count, List.of(), null, null, 300, Map.of(), tasks, null);
    }

    public TaskGroup withCount(int c) {
        return new TaskGroup(name, c, constraints, restart, shutdownDelay, diskMb, meta, tasks, reschedule, volumes);
    }

    public TaskGroup withRestart(RestartPolicy r) {
        return new TaskGroup(name, count, constraints, r, shutdownDelay, diskMb, meta, tasks, reschedule, volumes);
    }

    public TaskGroup withTasks(List<Task> t) {
        return new TaskGroup(name, count, constraints, restart, shutdownDelay, diskMb, meta, t, reschedule, volumes);
    }

    public TaskGroup withShutdownDelay(Duration d) {
        return new TaskGroup(name, count, constraints, restart, d, diskMb, meta, tasks, reschedule, volumes);
    }

    public TaskGroup withConstraints(List<Constraint> c) {
        return new TaskGroup(name, count, c, restart, shutdownDelay, diskMb, meta, tasks, reschedule, volumes);
    }

    public TaskGroup withReschedule(ReschedulePolicy r) {
        return new TaskGroup(name, count, constraints, restart, shutdownDelay, diskMb, meta, tasks, r, volumes);
    }

    public TaskGroup withVolumes(Map<String, Volume> v) {
        return new TaskGroup(name, count, constraints, restart, shutdownDelay, diskMb, meta, tasks, reschedule, v);
    }

    /** The reschedule policy: the group's own, else the job type's default (null: never). */
    public ReschedulePolicy rescheduleFor(String jobType) {
        return reschedule != null ? reschedule : ReschedulePolicy.defaultFor(jobType);
    }

    /** The restart policy for {@code task}: its own, else the group's, else the job type's default. */
    public RestartPolicy restartFor(Task task, String jobType) {
        if (task.restart() != null) {
            return task.restart();
        }
        return restart != null ? restart : RestartPolicy.defaultFor(jobType);
    }
}
