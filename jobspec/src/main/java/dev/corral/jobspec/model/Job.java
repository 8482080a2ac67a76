package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;
import java.util.List;
import java.util.Map;

/**
 * A job: the unit a user submits. Defaults are Nomad's and are already applied.
 *
 * @param id          the job's label ({@code job "<id>"}), also its name unless {@code name} is set
 * @param name        display name; defaults to the id
 * @param type        scheduler type; default {@link JobType#SERVICE}
 * @param region      default {@code global}
 * @param namespace   default {@code default}
 * @param datacenters default {@code ["*"]}
 * @param nodePool    default {@code default}
 * @param priority    1..100, default 50
 * @param meta        user metadata (values may hold runtime references)
 * @param constraints placement constraints on node attributes
 * @param affinities  parsed, not acted on by the standalone agent
 * @param groups      task groups, in file order
 * @param pos         where the job block starts
 */
public record Job(String id, String name, JobType type, String region, String namespace, List<String> datacenters,
                  String nodePool, int priority, Map<String, String> meta, List<Constraint> constraints,
                  List<Affinity> affinities, List<TaskGroup> groups, SourcePos pos) {

    public Job {
        datacenters = List.copyOf(datacenters);
        meta = Maps.copy(meta);
        constraints = List.copyOf(constraints);
        affinities = List.copyOf(affinities);
        groups = List.copyOf(groups);
    }

    /** The group with this name, or null. */
    public TaskGroup group(String groupName) {
        return groups.stream().filter(g -> g.name().equals(groupName)).findFirst().orElse(null);
    }
}
