package dev.corral.agent.state;

import java.util.Map;

/**
 * One evaluation: the scheduler's answer to a job change.
 *
 * @param triggeredBy      {@code job-register}, {@code job-deregister}, {@code alloc-failure}, {@code node-update}...
 * @param status           {@code pending}, {@code complete}, {@code failed}, {@code blocked}
 * @param failedTgAllocs   task group name to the metric explaining why it could not be placed
 */
public record EvalRecord(String id, String namespace, String jobId, long jobModifyIndex, String type, int priority,
                         String triggeredBy, String status, String statusDescription,
                         Map<String, AllocMetric> failedTgAllocs, long createTimeNs, long modifyTimeNs,
                         long createIndex, long modifyIndex) {

    public EvalRecord {
        failedTgAllocs = failedTgAllocs == null ? Map.of() : Map.copyOf(failedTgAllocs);
    }

    public EvalRecord withStatus(String newStatus, String description, Map<String, AllocMetric> failed, long nowNs) {
        return new EvalRecord(id, namespace, jobId, jobModifyIndex, type, priority, triggeredBy, newStatus,
                description, failed, createTimeNs, nowNs, createIndex, modifyIndex);
    }

    EvalRecord withIndexes(long create, long modify) {
        return new EvalRecord(id, namespace, jobId, jobModifyIndex, type, priority, triggeredBy, status,
                statusDescription, failedTgAllocs, createTimeNs, modifyTimeNs, create, modify);
    }
}
