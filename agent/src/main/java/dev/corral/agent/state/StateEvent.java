package dev.corral.agent.state;

/**
 * One committed change, for an event stream (Nomad's {@code /v1/event/stream} shape).
 *
 * @param topic    {@code Job}, {@code Evaluation}, {@code Allocation} or {@code Node}
 * @param type     e.g. {@code JobRegistered}, {@code JobDeregistered}, {@code EvaluationUpdated},
 *                 {@code AllocationUpdated}, {@code NodeRegistration}
 * @param key      the object's id
 * @param index    the store index of the transaction that made the change
 * @param payload  the record after the change ({@link JobRecord}, {@link EvalRecord}, {@link AllocRecord},
 *                 or the node JSON string); null for deletions
 */
public record StateEvent(String topic, String type, String key, String namespace, long index, Object payload) {}
