package dev.corral.agent.sched;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.node.Node;
import dev.corral.agent.state.AllocMetric;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.EvalRecord;
import dev.corral.agent.state.JobRecord;
import dev.corral.agent.state.JobStatus;
import dev.corral.agent.state.StateStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The single-node scheduler: brings a job's allocations to the job's desired state in one
 * transaction per evaluation. Stops allocations of stopped jobs, of removed indexes and of
 * changed groups (destructive update), updates unchanged ones in place, places missing indexes
 * (recording why placement failed), and replaces failed allocations per the reschedule policy.
 */
public final class Scheduler {
    public static final String ALLOC_NOT_NEEDED = "alloc not needed due to job update";
    public static final String ALLOC_UPDATING = "alloc is being updated due to job update";
    public static final String ALLOC_RESCHEDULED = "alloc was rescheduled because it failed";

    /** What one evaluation did. */
    public record Outcome(EvalRecord eval, List<AllocRecord> placed, List<AllocRecord> stopped,
                          List<AllocRecord> updated, Optional<Long> followUpAtMs) {}

    private final StateStore store;
    private final Supplier<Node> node;
    private final LongSupplier clockMs;
    private final Supplier<String> ids;

    public Scheduler(StateStore store, Supplier<Node> node, LongSupplier clockMs, Supplier<String> ids) {
        this.store = store;
        this.node = node;
        this.clockMs = clockMs;
        this.ids = ids;
    }

    /** Processes a pending or blocked evaluation; a finished one is returned unchanged. */
    public Outcome process(String evalId) {
        return store.write(t -> {
            EvalRecord eval = store.eval(evalId).orElseThrow(() -> new IllegalArgumentException("eval not found: " + evalId));
            if (!eval.status().equals("pending") && !eval.status().equals("blocked")) {
                return new Outcome(eval, List.of(), List.of(), List.of(), Optional.empty());
            }
            return reconcile(t, eval);
        });
    }

    private Outcome reconcile(StateStore.Txn t, EvalRecord eval) {
        long nowMs = clockMs.getAsLong();
        long nowNs = nowMs * 1_000_000L;
        Optional<JobRecord> jobRec = store.job(eval.namespace(), eval.jobId());
        List<AllocRecord> all = store.allocsForJob(eval.namespace(), eval.jobId());
        List<AllocRecord> placed = new ArrayList<>();
        List<AllocRecord> stopped = new ArrayList<>();
        List<AllocRecord> updated = new ArrayList<>();
        Map<String, AllocMetric> failed = new LinkedHashMap<>();
        Long followUp = null;

        if (jobRec.isEmpty() || jobRec.get().stop()) {
            for (AllocRecord a : all) {
                if (!a.terminal()) {
                    stopped.add(t.putAlloc(a.withDesired("stop", ALLOC_NOT_NEEDED, nowNs)));
                }
            }
        } else {
            JobRecord jr = jobRec.get();
            Job job = jr.job();
            Node n = node.get();
            Set<String> groupNames = new HashSet<>();
            for (TaskGroup g : job.groups()) {
                groupNames.add(g.name());
            }
            // Allocations of groups that no longer exist.
            for (AllocRecord a : all) {
                if (!a.terminal() && !groupNames.contains(a.taskGroup())) {
                    stopped.add(t.putAlloc(a.withDesired("stop", ALLOC_NOT_NEEDED, nowNs)));
                }
            }
            for (TaskGroup declared : job.groups()) {
                // System and sysbatch groups run once per node; this agent is the only node.
                TaskGroup g = job.type().equals("system") || job.type().equals("sysbatch") ? declared.withCount(1) : declared;
                Map<Integer, AllocRecord> occupied = new HashMap<>();
                List<AllocRecord> toReplace = new ArrayList<>();
                for (AllocRecord a : all) {
                    if (!a.taskGroup().equals(g.name()) || a.serverTerminal() || a.nextAllocation() != null) {
                        continue;
                    }
                    if (a.index() >= g.count()) {
                        if (!a.clientTerminal()) {
                            stopped.add(t.putAlloc(a.withDesired("stop", ALLOC_NOT_NEEDED, nowNs)));
                        }
                        continue;
                    }
                    if (a.clientTerminal()) {
                        // complete: done for batch; failed: reschedule if the policy allows.
                        if (a.clientStatus().equals("failed")) {
                            Optional<Long> at = Reschedule.nextAttemptMs(declared.rescheduleFor(job.type()), a, store, nowMs);
                            if (at.isPresent() && at.get() <= nowMs) {
                                toReplace.add(a);
                                continue;
                            }
                            if (at.isPresent()) {
                                followUp = followUp == null ? at.get() : Math.min(followUp, at.get());
                            }
                        } else if (!job.type().equals("batch") && !job.type().equals("sysbatch")) {
                            // A finished service allocation does not hold its index.
                            continue;
                        }
                        occupied.putIfAbsent(a.index(), a);
                        continue;
                    }
                    if (a.jobVersion() != jr.version()) {
                        TaskGroup old = store.jobVersion(a.namespace(), a.jobId(), a.jobVersion())
                                .flatMap(v -> v.job().group(g.name())).orElse(null);
                        if (old != null && sameTasks(old, declared) && job.constraints().equals(
                                store.jobVersion(a.namespace(), a.jobId(), a.jobVersion()).get().job().constraints())) {
                            updated.add(t.putAlloc(a.withJobVersion(jr.version(), nowNs)));
                            occupied.put(a.index(), a);
                        } else {
                            stopped.add(t.putAlloc(a.withDesired("stop", ALLOC_UPDATING, nowNs)));
                        }
                        continue;
                    }
                    if (occupied.containsKey(a.index())) {
                        // Never two live allocations for one name.
                        stopped.add(t.putAlloc(a.withDesired("stop", ALLOC_NOT_NEEDED, nowNs)));
                        continue;
                    }
                    occupied.put(a.index(), a);
                }
                GroupAsk ask = ask(job, g);
                TreeSet<Integer> missing = new TreeSet<>();
                for (int i = 0; i < g.count(); i++) {
                    if (!occupied.containsKey(i)) {
                        missing.add(i);
                    }
                }
                Map<Integer, AllocRecord> replacing = new HashMap<>();
                for (AllocRecord a : toReplace) {
                    replacing.put(a.index(), a);
                    missing.add(a.index());
                }
                placeEach(n, job, ask, missing, liveOnNode(placed), (idx, p) -> {
                    AllocRecord prev = replacing.get(idx);
                    AllocRecord a = t.putAlloc(new AllocRecord(ids.get(), job.namespace(), eval.id(),
                            job.id() + "." + g.name() + "[" + idx + "]", n.id(), n.name(), job.id(), jr.version(),
                            g.name(), idx, "run", "", "pending", "", p.resources(), g.diskMb(),
                            prev == null ? null : prev.id(), null, nowNs, nowNs, 0, 0));
                    placed.add(a);
                    if (prev != null) {
                        t.putAlloc(prev.withNextAllocation(a.id(), nowNs));
                    }
                    return a;
                }).ifPresent(m -> failed.put(g.name(), m));
            }
        }
        EvalRecord done;
        if (eval.status().equals("blocked") && !failed.isEmpty()) {
            // Still cannot place everything: stay blocked (and write nothing if nothing changed).
            done = placed.isEmpty() && stopped.isEmpty() && updated.isEmpty() && failed.equals(eval.failedTgAllocs())
                    ? eval : t.putEval(eval.withStatus("blocked", eval.statusDescription(), failed, nowNs));
        } else {
            done = t.putEval(eval.withStatus("complete", "", failed, nowNs));
            if (!failed.isEmpty()) {
                // Nomad keeps a blocked evaluation that retries when resources or drivers change.
                t.putEval(new EvalRecord(ids.get(), eval.namespace(), eval.jobId(), eval.jobModifyIndex(), eval.type(),
                        eval.priority(), "queued-allocs", "blocked", "created to place remaining allocations",
                        failed, nowNs, nowNs, 0, 0));
            }
        }
        if (!eval.status().equals("blocked")) {
            // A newer evaluation supersedes the job's older blocked ones.
            for (EvalRecord other : store.evalsForJob(eval.namespace(), eval.jobId())) {
                if (other.status().equals("blocked") && other.createIndex() < t.index()
                        && !other.id().equals(eval.id())) {
                    t.putEval(other.withStatus("cancelled", "superseded by evaluation " + eval.id(), other.failedTgAllocs(),
                            nowNs));
                }
            }
        }
        JobStatus.refresh(t, store, eval.namespace(), eval.jobId());
        return new Outcome(done, placed, stopped, updated, Optional.ofNullable(followUp));
    }

    /**
     * What {@code job plan} shows under "Scheduler dry-run": for each group of {@code job} that could
     * not be fully placed on this node, the failure metric (coalesced as an evaluation would record
     * it). Reads the store, writes nothing. Allocations of this job that the new version would keep
     * (same tasks, index below the new count) keep their resources; the ones it would stop or
     * replace free theirs, as in Nomad's plan.
     */
    public Map<String, AllocMetric> planFailures(Job job) {
        Node n = node.get();
        Optional<JobRecord> current = store.job(job.namespace(), job.id());
        Map<String, Integer> kept = new HashMap<>();
        List<AllocRecord> live = new ArrayList<>();
        for (AllocRecord a : store.allocs()) {
            if (a.terminal()) {
                continue;
            }
            if (!a.namespace().equals(job.namespace()) || !a.jobId().equals(job.id())) {
                live.add(a);
                continue;
            }
            Optional<TaskGroup> now = job.group(a.taskGroup());
            Optional<TaskGroup> then = store.jobVersion(a.namespace(), a.jobId(), a.jobVersion())
                    .flatMap(v -> v.job().group(a.taskGroup()));
            if (now.isPresent() && then.isPresent() && current.isPresent() && sameTasks(then.get(), now.get())
                    && a.index() < groupCount(job, now.get())
                    && job.constraints().equals(current.get().job().constraints())) {
                live.add(a);
                kept.merge(a.taskGroup(), 1, Integer::sum);
            }
        }
        Map<String, AllocMetric> failed = new LinkedHashMap<>();
        for (TaskGroup g : job.groups()) {
            int toPlace = Math.max(0, groupCount(job, g) - kept.getOrDefault(g.name(), 0));
            List<Integer> indexes = java.util.stream.IntStream.range(0, toPlace).boxed().toList();
            placeEach(n, job, ask(job, g), indexes, live, (i, p) -> new AllocRecord("plan-" + g.name() + "-" + i,
                    job.namespace(), "", job.id() + "." + g.name() + "[" + i + "]", n.id(), n.name(), job.id(), 0,
                    g.name(), i, "run", "", "pending", "", p.resources(), g.diskMb(), null, null, 0, 0, 0, 0))
                    .ifPresent(m -> failed.put(g.name(), m));
        }
        return failed;
    }

    /**
     * Places one allocation of {@code ask} per index, in order; each placed one ({@code record} makes
     * it) holds its resources against the next. Returns the first failure's metric with the others
     * coalesced into it, as an evaluation records it, or empty when all fit.
     */
    private static Optional<AllocMetric> placeEach(Node n, Job job, GroupAsk ask, Iterable<Integer> indexes,
            List<AllocRecord> live, java.util.function.BiFunction<Integer, Placement.Placed, AllocRecord> record) {
        AllocMetric failure = null;
        int failures = 0;
        for (int idx : indexes) {
            Placement.Result r = datacenterOk(job, n) ? Placement.place(n, ask, live)
                    : new Placement.Failed(new AllocMetric(0, 0, Map.of(), Map.of(), 0, Map.of(), 0));
            if (r instanceof Placement.Placed p) {
                live.add(record.apply(idx, p));
            } else {
                failures++;
                if (failure == null) {
                    failure = r.metric();
                }
            }
        }
        return failure == null ? Optional.empty() : Optional.of(failure.withCoalescedFailures(failures - 1));
    }

    private static int groupCount(Job job, TaskGroup g) {
        return job.type().equals("system") || job.type().equals("sysbatch") ? 1 : g.count();
    }

    private List<AllocRecord> liveOnNode(List<AllocRecord> placedNow) {
        List<AllocRecord> live = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (AllocRecord a : placedNow) {
            live.add(a);
            seen.add(a.id());
        }
        for (AllocRecord a : store.allocs()) {
            if (!seen.contains(a.id()) && !a.terminal()) {
                live.add(a);
            }
        }
        return live;
    }

    private static boolean datacenterOk(Job job, Node n) {
        for (String dc : job.datacenters()) {
            String re = java.util.regex.Pattern.quote(dc).replace("*", "\\E.*\\Q");
            if (n.datacenter().matches(re)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameTasks(TaskGroup a, TaskGroup b) {
        return a.tasks().equals(b.tasks()) && a.constraints().equals(b.constraints())
                && java.util.Objects.equals(a.restart(), b.restart()) && a.diskMb() == b.diskMb()
                && a.meta().equals(b.meta()) && a.shutdownDelay().equals(b.shutdownDelay());
    }

    /** The scheduler's view of what one allocation of {@code g} needs. */
    public static GroupAsk ask(Job job, TaskGroup g) {
        List<Constraint> jobCs = new ArrayList<>();
        GroupAsk.DistinctHosts dh = GroupAsk.DistinctHosts.NONE;
        for (Constraint c : job.constraints()) {
            if (c.operand().equals("distinct_hosts")) {
                if (!c.rTarget().equals("false")) {
                    dh = GroupAsk.DistinctHosts.JOB;
                }
            } else {
                jobCs.add(c);
            }
        }
        List<Constraint> groupCs = new ArrayList<>();
        List<Constraint> candidates = new ArrayList<>(g.constraints());
        Set<String> drivers = new HashSet<>();
        Map<String, ResourceAsk> tasks = new LinkedHashMap<>();
        for (Task task : g.tasks()) {
            candidates.addAll(task.constraints());
            drivers.add(task.driver());
            tasks.put(task.name(), task.resources());
        }
        for (Constraint c : candidates) {
            if (c.operand().equals("distinct_hosts")) {
                if (!c.rTarget().equals("false") && dh == GroupAsk.DistinctHosts.NONE) {
                    dh = GroupAsk.DistinctHosts.GROUP;
                }
            } else {
                groupCs.add(c);
            }
        }
        return new GroupAsk(job.namespace(), job.id(), g.name(), jobCs, groupCs, drivers, tasks, g.diskMb(), dh,
                List.copyOf(g.volumes().values()));
    }

    /** Nomad's reschedule rule for failed allocations. */
    static final class Reschedule {
        private Reschedule() {}

        /** When the failed allocation may be replaced; empty when the policy forbids it. */
        static Optional<Long> nextAttemptMs(dev.corral.agent.job.ReschedulePolicy policy, AllocRecord failed,
                                            StateStore store, long nowMs) {
            if (policy == null) {
                return Optional.empty();
            }
            long failedAtMs = failed.modifyTimeNs() / 1_000_000L;
            int previous = 0;
            long windowStart = nowMs - policy.interval().toMillis();
            AllocRecord cur = failed;
            while (cur.previousAllocation() != null) {
                Optional<AllocRecord> p = store.alloc(cur.previousAllocation());
                if (p.isEmpty()) {
                    break;
                }
                cur = p.get();
                if (policy.unlimited() || cur.modifyTimeNs() / 1_000_000L >= windowStart) {
                    previous++;
                }
            }
            if (!policy.unlimited() && previous >= policy.attempts()) {
                return Optional.empty();
            }
            return Optional.of(failedAtMs + policy.delayFor(previous).toMillis());
        }
    }
}
