package dev.corral.agent.state;

import java.util.Map;

/**
 * Why placement of a task group failed (or how it succeeded), shaped like Nomad's AllocMetric.
 *
 * @param constraintFiltered  reason (e.g. {@code missing drivers}, {@code ${attr.kernel.name} = linux}) to node count
 * @param dimensionExhausted  dimension ({@code cpu}, {@code memory}, {@code cores}) to node count
 * @param coalescedFailures   how many further allocations of the group failed the same way
 */
public record AllocMetric(int nodesEvaluated, int nodesFiltered, Map<String, Integer> nodesAvailable,
                          Map<String, Integer> constraintFiltered, int nodesExhausted,
                          Map<String, Integer> dimensionExhausted, int coalescedFailures) {

    public AllocMetric {
        nodesAvailable = Map.copyOf(nodesAvailable);
        constraintFiltered = Map.copyOf(constraintFiltered);
        dimensionExhausted = Map.copyOf(dimensionExhausted);
    }

    public AllocMetric withCoalescedFailures(int n) {
        return new AllocMetric(nodesEvaluated, nodesFiltered, nodesAvailable, constraintFiltered, nodesExhausted,
                dimensionExhausted, n);
    }
}
