package dev.corral.agent.job;

import dev.corral.agent.sched.Constraint;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job as the agent schedules and runs it: plain data, stored as JSON with each job version.
 *
 * @param type  {@code service} (default), {@code batch}, {@code system} or {@code sysbatch}
 */
public record Job(String namespace, String id, String name, String type, int priority, List<String> datacenters,
                  Map<String, String> meta, List<Constraint> constraints, List<TaskGroup> groups) {
    public Job {
        namespace = namespace == null || namespace.isEmpty() ? "default" : namespace;
        name = name == null || name.isEmpty() ? id : name;
        type = type == null || type.isEmpty() ? "service" : type;
        priority = priority == 0 ? 50 : priority;
        datacenters = datacenters == null || datacenters.isEmpty() ? List.of("*") : List.copyOf(datacenters);
        meta = meta == null ? Map.of() : Map.copyOf(meta);
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
        groups = List.copyOf(groups);
    }

    public static Job of(String id, String type, List<TaskGroup> groups) {
        return new Job("default", id, id, type, 50, List.of("*"), Map.of(), List.of(), groups);
    }

    public Optional<TaskGroup> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    public Job withGroups(List<TaskGroup> g) {
        return new Job(namespace, id, name, type, priority, datacenters, meta, constraints, g);
    }

    public Job withConstraints(List<Constraint> c) {
        return new Job(namespace, id, name, type, priority, datacenters, meta, c, groups);
    }
}
