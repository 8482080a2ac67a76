package dev.corral.agent.state;

/** Nomad's job status rule, applied inside the transaction that changed a job's allocations or evaluations. */
public final class JobStatus {
    private JobStatus() {}

    /**
     * Recomputes and stores the job's status when it changed: {@code running} if any allocation is
     * non-terminal; else {@code pending} if an evaluation is pending or blocked; else {@code dead} if
     * the job is stopped or has allocations or evaluations; else {@code pending}. System jobs are
     * {@code running} until stopped. Counts in SQL instead of loading every record.
     */
    public static void refresh(StateStore.Txn t, StateStore store, String namespace, String jobId) {
        store.job(namespace, jobId).ifPresent(job -> {
            String s;
            if ("system".equals(job.type())) {
                s = job.stop() ? "dead" : "running";
            } else if (store.liveAllocCount(namespace, jobId) > 0) {
                s = "running";
            } else {
                int[] c = store.allocAndOpenEvalCounts(namespace, jobId);
                s = c[1] > 0 ? "pending" : (job.stop() || c[0] > 0 || c[2] > 0) ? "dead" : "pending";
            }
            if (!s.equals(job.status())) {
                t.putJob(job.withStatus(s), false);
            }
        });
    }
}
