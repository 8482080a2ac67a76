package dev.corral.agent.state;

import dev.corral.agent.job.Job;

/**
 * One registered job at one version.
 *
 * @param status        {@code pending}, {@code running} or {@code dead} (Nomad's job status)
 * @param stop          true once the job was stopped (it stays listed until purged)
 * @param submitTimeNs  wall-clock submit time, Unix nanoseconds
 * @param job           the job specification
 */
public record JobRecord(String namespace, String id, long version, boolean stop, String status, long submitTimeNs,
                        long createIndex, long modifyIndex, long jobModifyIndex, Job job) {

    public String name() {
        return job.name();
    }

    public String type() {
        return job.type();
    }

    public int priority() {
        return job.priority();
    }

    public JobRecord withStatus(String newStatus) {
        return new JobRecord(namespace, id, version, stop, newStatus, submitTimeNs, createIndex, modifyIndex,
                jobModifyIndex, job);
    }

    public JobRecord withStop(boolean newStop) {
        return new JobRecord(namespace, id, version, newStop, status, submitTimeNs, createIndex, modifyIndex,
                jobModifyIndex, job);
    }

    JobRecord withIndexes(long create, long modify, long jobModify) {
        return new JobRecord(namespace, id, version, stop, status, submitTimeNs, create, modify, jobModify, job);
    }
}
