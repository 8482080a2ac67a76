package dev.corral.agent.state;

/**
 * One registered job, at its current version. The job specification itself is the jobspec
 * module's JSON form, kept verbatim so a newer jobspec never loses fields on a round trip.
 *
 * @param status        {@code pending}, {@code running} or {@code dead} (Nomad's job status)
 * @param stop          true once the job was stopped (it stays listed until purged)
 * @param submitTimeNs  wall-clock submit time, Unix nanoseconds
 * @param specJson      the job as JSON (jobspec model)
 */
public record JobRecord(String namespace, String id, String name, String type, int priority,
                        long version, boolean stop, String status, long submitTimeNs,
                        long createIndex, long modifyIndex, long jobModifyIndex, String specJson) {

    public JobRecord withStatus(String newStatus) {
        return new JobRecord(namespace, id, name, type, priority, version, stop, newStatus, submitTimeNs,
                createIndex, modifyIndex, jobModifyIndex, specJson);
    }

    public JobRecord withStop(boolean newStop) {
        return new JobRecord(namespace, id, name, type, priority, version, newStop, status, submitTimeNs,
                createIndex, modifyIndex, jobModifyIndex, specJson);
    }

    JobRecord withIndexes(long create, long modify, long jobModify) {
        return new JobRecord(namespace, id, name, type, priority, version, stop, status, submitTimeNs,
                create, modify, jobModify, specJson);
    }
}
