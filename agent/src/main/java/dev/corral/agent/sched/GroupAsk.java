package dev.corral.agent.sched;

import dev.corral.agent.job.Volume;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one allocation of a task group needs from the node.
 *
 * @param jobConstraints    the job's constraints
 * @param groupConstraints  the group's and its tasks' constraints (Nomad checks them together)
 * @param drivers           every driver the group's tasks use
 * @param tasks             task name to its resources
 * @param diskMb            {@code ephemeral_disk.size}
 * @param distinctHosts     a {@code distinct_hosts} constraint applies at job ({@code JOB}) or group ({@code GROUP}) level
 * @param volumes           the group's {@code volume} requests
 */
public record GroupAsk(String namespace, String jobId, String group, List<Constraint> jobConstraints,
                       List<Constraint> groupConstraints, Set<String> drivers, Map<String, ResourceAsk> tasks,
                       long diskMb, DistinctHosts distinctHosts, List<Volume> volumes) {

    public enum DistinctHosts { NONE, JOB, GROUP }

    public GroupAsk {
        jobConstraints = List.copyOf(jobConstraints);
        groupConstraints = List.copyOf(groupConstraints);
        drivers = Set.copyOf(drivers);
        tasks = Map.copyOf(tasks);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** A group that asks for no volumes. */
    public GroupAsk(String namespace, String jobId, String group, List<Constraint> jobConstraints,
                    List<Constraint> groupConstraints, Set<String> drivers, Map<String, ResourceAsk> tasks, long diskMb,
                    DistinctHosts distinctHosts) {
        this(namespace, jobId, group, jobConstraints, groupConstraints, drivers, tasks, diskMb, distinctHosts, List.of());
    }
}
