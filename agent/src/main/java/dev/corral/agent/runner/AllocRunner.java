package dev.corral.agent.runner;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.JobStatus;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.TaskEvent;
import dev.corral.agent.state.TaskStateRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one allocation: its task runners in lifecycle order (prestart, main + poststart, poststop),
 * the group's coordination rules (a failed task kills its siblings, a dead leader kills the group,
 * sidecars stop when the main tasks are done), and the stop path (group {@code shutdown_delay},
 * then kill leader, other tasks, sidecars, then run poststop tasks). Owns the allocation's client
 * status, recomputed and committed with every task state change.
 */
public final class AllocRunner {
    private static final Logger LOG = LoggerFactory.getLogger(AllocRunner.class);

    private final RunnerContext ctx;
    private final TaskEvents events;
    private final Job job;
    private final TaskGroup group;
    private final Map<String, TaskRunner> runners = new LinkedHashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** Guards the fields below; {@link #changed} is signalled on every state change. */
    private final Object lock = new Object();
    private AllocRecord alloc;
    private final Map<String, TaskStateRecord> states = new LinkedHashMap<>();
    private boolean stopRequested;
    private boolean started;
    private volatile boolean detached;

    public AllocRunner(RunnerContext ctx, AllocRecord alloc, Job job) {
        this.ctx = ctx;
        this.events = ctx.events();
        this.alloc = alloc;
        this.job = job;
        this.group = job.group(alloc.taskGroup()).orElseThrow(() -> new IllegalArgumentException(
                "job " + job.id() + " has no group \"" + alloc.taskGroup() + "\" for allocation " + alloc.id()));
        Map<String, TaskStateRecord> stored = ctx.store().taskStates(alloc.id());
        for (Task t : group.tasks()) {
            states.put(t.name(), stored.getOrDefault(t.name(), TaskStateRecord.pending()));
        }
        for (Task t : group.tasks()) {
            runners.put(t.name(), new TaskRunner(this, ctx, t, job, group));
        }
    }

    public String id() {
        return alloc.id();
    }

    String shortId() {
        return alloc.shortId();
    }

    public AllocRecord record() {
        synchronized (lock) {
            return alloc;
        }
    }

    Job job() {
        return job;
    }

    TaskGroup group() {
        return group;
    }

    public Path allocRoot() {
        return ctx.allocRoot().resolve(alloc.id());
    }

    /** Completes when every task is dead and the allocation reached a terminal client status. */
    public CompletableFuture<Void> done() {
        return done;
    }

    public TaskStateRecord taskState(String task) {
        synchronized (lock) {
            return states.get(task);
        }
    }

    public Map<String, TaskStateRecord> taskStates() {
        synchronized (lock) {
            return Map.copyOf(states);
        }
    }

    /** Host pids of the running tasks' sandboxes, by task name. */
    public Map<String, Long> pids() {
        Map<String, Long> out = new LinkedHashMap<>();
        runners.forEach((n, r) -> r.pid().ifPresent(p -> out.put(n, p)));
        return out;
    }

    /** Starts (or, after an agent restart, resumes) the allocation on a virtual thread. */
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
        }
        Thread.ofVirtual().name("alloc-" + alloc.shortId()).start(() -> {
            try {
                run();
            } catch (TaskRunner.Detached d) {
                LOG.debug("alloc runner {} detached", alloc.id());
            } catch (RuntimeException | Error e) {
                if (detached) {
                    return;
                }
                LOG.error("alloc runner {} failed", alloc.id(), e);
                killAll(t -> true, events.setupFailure("alloc runner failed: " + e.getMessage(), true));
            } finally {
                done.complete(null);
            }
        });
    }

    /**
     * The agent is shutting down: the runners stop acting and write nothing more; the tasks keep
     * running and the next agent reattaches to them.
     */
    public void detach() {
        detached = true;
        runners.values().forEach(TaskRunner::detach);
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** The scheduler stopped this allocation (job stop, update, alloc stop). */
    public void stop() {
        synchronized (lock) {
            if (stopRequested) {
                return;
            }
            stopRequested = true;
            lock.notifyAll();
        }
    }

    /** An in-place update from the scheduler (new job version without task changes, desired status). */
    public void update(AllocRecord newer) {
        synchronized (lock) {
            alloc = new AllocRecord(alloc.id(), alloc.namespace(), alloc.evalId(), alloc.name(), alloc.nodeId(),
                    alloc.nodeName(), alloc.jobId(), newer.jobVersion(), alloc.taskGroup(), alloc.index(),
                    newer.desiredStatus(), newer.desiredDescription(), alloc.clientStatus(), alloc.clientDescription(),
                    alloc.taskResources(), alloc.diskMb(), alloc.previousAllocation(), newer.nextAllocation(),
                    alloc.createTimeNs(), alloc.modifyTimeNs(), alloc.createIndex(), alloc.modifyIndex());
        }
        if (newer.serverTerminal()) {
            stop();
        }
    }

    /** Signals a running task (all running tasks when {@code task} is null). */
    public void signal(String task, String signal) {
        List<TaskRunner> targets = task == null ? List.copyOf(runners.values()) : List.of(runner(task));
        boolean any = false;
        for (TaskRunner r : targets) {
            if (r.pid().isPresent()) {
                r.signal(signal, "");
                any = true;
            }
        }
        if (!any) {
            throw new IllegalStateException(task == null ? "no running task in allocation " + alloc.id()
                    : "Task not running");
        }
    }

    /** Restarts a running task, or every running task when {@code task} is null. */
    public void restart(String task) {
        if (task != null) {
            runner(task).restart("User requested task to restart");
            return;
        }
        for (TaskRunner r : runners.values()) {
            if (r.pid().isPresent()) {
                r.restart("User requested running tasks to restart");
            }
        }
    }

    private TaskRunner runner(String task) {
        TaskRunner r = runners.get(task);
        if (r == null) {
            throw new IllegalArgumentException("Failed to find task \"" + task + "\" in allocation " + alloc.id());
        }
        return r;
    }

    /**
     * Applies a task state change and commits it together with the allocation's recomputed client
     * status, the job's status, and {@code extra} (handle and counter writes).
     */
    void persist(String task, UnaryOperator<TaskStateRecord> update, Consumer<StateStore.Txn> extra) {
        AllocRecord changed = null;
        if (detached) {
            throw new TaskRunner.Detached();
        }
        synchronized (lock) {
            TaskStateRecord next = update.apply(states.get(task));
            Map<String, TaskStateRecord> after = new LinkedHashMap<>(states);
            after.put(task, next);
            String[] cs = clientStatus(after);
            long now = ctx.clockMs().getAsLong() * 1_000_000L;
            String beforeStatus = alloc.clientStatus();
            AllocRecord stored = ctx.store().write(t -> {
                // Read the stored record: the scheduler owns the desired fields, we own the client ones.
                Optional<AllocRecord> cur = ctx.store().alloc(alloc.id());
                if (cur.isEmpty()) {
                    return null; // collected or purged meanwhile: nothing to record
                }
                extra.accept(t);
                AllocRecord base = cur.get();
                AllocRecord a = t.putAlloc(cs[0].equals(base.clientStatus()) ? base : base.withClient(cs[0], cs[1], now));
                t.putTaskState(a.id(), task, next);
                if (!a.clientStatus().equals(base.clientStatus())) {
                    // The job's status only depends on whether its allocations are terminal.
                    JobStatus.refresh(t, ctx.store(), a.namespace(), a.jobId());
                }
                return a;
            });
            states.put(task, next);
            if (stored != null) {
                alloc = stored;
                if (!cs[0].equals(beforeStatus)) {
                    changed = stored;
                }
            }
            lock.notifyAll();
        }
        if (changed != null) {
            ctx.onAllocUpdate().accept(changed);
        }
    }

    /** Nomad's client status from task states: failed, else pending, else running, else complete. */
    static String[] clientStatus(Map<String, TaskStateRecord> states) {
        boolean pending = false;
        boolean running = false;
        boolean dead = false;
        boolean failed = false;
        for (TaskStateRecord s : states.values()) {
            switch (s.state()) {
                case "running" -> running = true;
                case "pending" -> pending = true;
                case "dead" -> {
                    if (s.failed()) {
                        failed = true;
                    } else {
                        dead = true;
                    }
                }
                default -> { }
            }
        }
        if (failed) {
            return new String[] {"failed", "Failed tasks"};
        } else if (pending) {
            return new String[] {"pending", "No tasks have started"};
        } else if (running) {
            return new String[] {"running", "Tasks are running"};
        } else if (dead) {
            return new String[] {"complete", "All tasks have completed"};
        }
        return new String[] {"pending", ""};
    }

    // ---- coordination ----------------------------------------------------------------------

    private void run() {
        if (record().serverTerminal()) {
            stop();
        }
        List<TaskRunner> prestart = select(t -> t.isPrestart());
        List<TaskRunner> main = select(Task::isMain);
        List<TaskRunner> poststart = select(Task::isPoststart);
        List<TaskRunner> poststop = select(Task::isPoststop);

        // 1. prestart: non-sidecars must complete successfully, sidecars must be running.
        prestart.forEach(TaskRunner::launch);
        boolean ok = awaitCondition(() -> {
            for (TaskRunner r : prestart) {
                TaskStateRecord s = states.get(r.name());
                if (r.task().isSidecar() ? !s.state().equals("running") && !s.state().equals("dead")
                        : !s.state().equals("dead")) {
                    return false;
                }
            }
            return true;
        });
        boolean prestartFailed = prestart.stream().anyMatch(r -> taskState(r.name()).failed());
        if (ok && !prestartFailed) {
            // 2. main tasks, then poststart once they all run.
            main.forEach(TaskRunner::launch);
            awaitCondition(() -> main.stream().allMatch(r -> !states.get(r.name()).state().equals("pending")));
            if (!isStopRequested()) {
                poststart.forEach(TaskRunner::launch);
            }
        }
        // 3. watch the group until everything but poststop is dead.
        boolean killed = false;
        while (true) {
            Optional<Runnable> action;
            synchronized (lock) {
                action = nextAction(killed);
                if (detached) {
                    throw new TaskRunner.Detached();
                }
                if (action.isEmpty() && !allDeadExcept(poststop)) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    continue;
                }
            }
            if (action.isPresent()) {
                killed = true;
                action.get().run();
                continue;
            }
            break;
        }
        // 4. poststop tasks run once everything else is dead (also after a stop).
        poststop.forEach(TaskRunner::launch);
        for (TaskRunner r : runners.values()) {
            r.done().join();
        }
        if (detached) {
            throw new TaskRunner.Detached();
        }
    }

    private boolean isStopRequested() {
        synchronized (lock) {
            return stopRequested;
        }
    }

    /** Waits (under the lock) until {@code cond} holds, a task fails, or a stop arrives; true if {@code cond} holds. */
    private boolean awaitCondition(java.util.function.BooleanSupplier cond) {
        synchronized (lock) {
            while (true) {
                if (detached) {
                    throw new TaskRunner.Detached();
                }
                if (cond.getAsBoolean()) {
                    return true;
                }
                if (stopRequested || states.values().stream().anyMatch(TaskStateRecord::failed)) {
                    return false;
                }
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** Decides (under the lock) whether the group must be killed now, and how. */
    private Optional<Runnable> nextAction(boolean alreadyKilling) {
        if (alreadyKilling) {
            return Optional.empty();
        }
        if (stopRequested) {
            return Optional.of(this::stopTasks);
        }
        for (TaskRunner r : runners.values()) {
            TaskStateRecord s = states.get(r.name());
            if (s.failed() && !r.task().isPoststop()) {
                TaskEvent e = events.siblingFailed(r.name());
                return Optional.of(() -> killAll(x -> !x.task().isPoststop(), e));
            }
        }
        for (TaskRunner r : runners.values()) {
            if (r.task().leader() && states.get(r.name()).state().equals("dead")) {
                return Optional.of(() -> killAll(x -> !x.task().isPoststop(), events.leaderDead()));
            }
        }
        boolean anyLive = false;
        boolean liveNonSidecar = false;
        for (TaskRunner r : runners.values()) {
            if (r.task().isPoststop()) {
                continue;
            }
            String st = states.get(r.name()).state();
            boolean live = !st.equals("dead") && (r.launched() || r.task().isPoststart());
            if (live) {
                anyLive = true;
                if (!r.task().isSidecar()) {
                    liveNonSidecar = true;
                }
            }
        }
        if (anyLive && !liveNonSidecar) {
            return Optional.of(() -> killAll(x -> !x.task().isPoststop(), events.mainDead()));
        }
        return Optional.empty();
    }

    private boolean allDeadExcept(List<TaskRunner> poststop) {
        for (TaskRunner r : runners.values()) {
            if (!poststop.contains(r) && !states.get(r.name()).state().equals("dead")) {
                return false;
            }
        }
        return true;
    }

    /** Kills every selected task with {@code event}, concurrently, and waits for them. */
    private void killAll(Predicate<TaskRunner> which, TaskEvent event) {
        List<TaskRunner> targets = runners.values().stream().filter(which).toList();
        for (TaskRunner r : targets) {
            r.kill(event);
        }
        for (TaskRunner r : targets) {
            r.done().join();
        }
    }

    /** The stop path: group shutdown_delay, then leader, other tasks, sidecars, each with a Killing event. */
    private void stopTasks() {
        if (group.shutdownDelay().isPositive()) {
            sleep(group.shutdownDelay());
        }
        List<TaskRunner> live = runners.values().stream().filter(r -> !r.task().isPoststop()).toList();
        List<TaskRunner> leaders = live.stream().filter(r -> r.task().leader()).toList();
        List<TaskRunner> others = live.stream().filter(r -> !r.task().leader() && !r.task().isSidecar()).toList();
        List<TaskRunner> sidecars = live.stream().filter(r -> !r.task().leader() && r.task().isSidecar()).toList();
        for (List<TaskRunner> wave : List.of(leaders, others, sidecars)) {
            for (TaskRunner r : wave) {
                r.kill(events.killing(r.task().killTimeout(), ctx.maxKillTimeout()));
            }
            for (TaskRunner r : wave) {
                r.done().join();
            }
        }
    }

    private List<TaskRunner> select(Predicate<Task> p) {
        List<TaskRunner> out = new ArrayList<>();
        for (TaskRunner r : runners.values()) {
            if (p.test(r.task())) {
                out.add(r);
            }
        }
        return out;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
