package dev.corral.agent.state;

import java.util.List;

/** Nomad's job status rule, applied inside the transaction that changed a job's allocations or evaluations. */
public final class JobStatus {
    private JobStatus() {}

    /**
     * {@code running} if any allocation is non-terminal; else {@code pending} if an evaluation is
     * not terminal; else {@code dead} if there were allocations or evaluations (or the job is
     * stopped); else {@code pending}. System jobs are {@code running} until stopped.
     */
    public static String compute(JobRecord job, List<AllocRecord> allocs, List<EvalRecord> evals) {
        if ("system".equals(job.type())) {
            return job.stop() ? "dead" : "running";
        }
        for (AllocRecord a : allocs) {
            if (!a.terminal()) {
                return "running";
            }
        }
        for (EvalRecord e : evals) {
            if (e.status().equals("pending") || e.status().equals("blocked")) {
                return "pending";
            }
        }
        if (job.stop() || !allocs.isEmpty() || !evals.isEmpty()) {
            return "dead";
        }
        return "pending";
    }

    /** Recomputes and stores the job's status when it changed. */
    public static void refresh(StateStore.Txn t, StateStore store, String namespace, String jobId) {
        store.job(namespace, jobId).ifPresent(job -> {
            String s = compute(job, store.allocsForJob(namespace, jobId), store.evalsForJob(namespace, jobId));
            if (!s.equals(job.status())) {
                t.putJob(job.withStatus(s), false);
            }
        });
    }
}
