package dev.corral.agent.runner;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.restart.RestartTracker;
import dev.corral.agent.restart.RestartTracker.Decision;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.RestartCounter;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.TaskEvent;
import dev.corral.agent.state.TaskStateRecord;
import dev.corral.driver.ExitResult;
import dev.corral.driver.MountConfig;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.jobspec.TaskEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task of an allocation through Nomad's task lifecycle: validate, build the task dir,
 * fetch artifacts, build the env, start through the driver, wait, apply the restart policy, and
 * kill on request. Every state change is committed to the store before the next step; the driver
 * handle is committed right after the start so a restarted agent can reattach.
 */
final class TaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);
    /** Handle version marking "a start is in flight": no handle was returned yet. */
    static final int INTENT_VERSION = -1;

    private final AllocRunner alloc;
    private final RunnerContext ctx;
    private final TaskEvents events;
    private final Task task;
    private final RestartTracker tracker;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** Guards the fields below. */
    private final Object lock = new Object();
    private TaskDriver.Started started;
    private boolean killRequested;
    /** Completes when the last StopTask call returned; destroy waits for it so the two never race. */
    private CompletableFuture<Void> stopping = CompletableFuture.completedFuture(null);
    /** A kill is being recorded (its event is persisted before {@link #killRequested} is set). */
    private boolean killing;
    /** The event that came with the kill request (kept for diagnostics). */
    private TaskEvent killEvent;
    private boolean killIssued;
    private boolean restartRequested;
    private boolean restartIssued;
    private boolean launched;
    private CompletableFuture<Void> wakeup = new CompletableFuture<>();
    /** Set when the agent shuts down: the runner stops acting and leaves the task running. */
    private volatile boolean detached;

    /** Thrown to unwind a runner whose agent is shutting down. */
    static final class Detached extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Detached() {
            super("agent shutting down", null, false, false);
        }
    }

    TaskRunner(AllocRunner alloc, RunnerContext ctx, Task task, Job job, TaskGroup group) {
        this.alloc = alloc;
        this.ctx = ctx;
        this.events = ctx.events();
        this.task = task;
        RestartTracker.Hook hook = task.isPrestart() ? RestartTracker.Hook.PRESTART
                : task.isPoststart() ? RestartTracker.Hook.POSTSTART
                : task.isPoststop() ? RestartTracker.Hook.POSTSTOP : RestartTracker.Hook.NONE;
        this.tracker = new RestartTracker(group.restartFor(task, job.type()), job.type(), hook, task.isSidecar(),
                ctx.clockMs(), ctx.random());
        ctx.store().restartCounter(alloc.id(), task.name()).ifPresent(c -> tracker.restore(c.count(), c.windowStartMs()));
    }

    Task task() {
        return task;
    }

    String name() {
        return task.name();
    }

    CompletableFuture<Void> done() {
        return done;
    }

    boolean launched() {
        synchronized (lock) {
            return launched;
        }
    }

    /** Starts the run loop on its own virtual thread (once). */
    void launch() {
        synchronized (lock) {
            if (launched) {
                return;
            }
            launched = true;
        }
        Thread.ofVirtual().name("task-" + alloc.shortId() + "-" + task.name()).start(this::runGuarded);
    }

    /**
     * Kills the task: {@code event} (Killing, Sibling Task Failed, ...) is recorded first. A task
     * that never launched is marked dead at once.
     */
    void kill(TaskEvent event) {
        boolean notLaunched;
        synchronized (lock) {
            if (killRequested || killing) {
                return;
            }
            killing = true;
            notLaunched = !launched;
            if (notLaunched) {
                launched = true;
            }
        }
        // Record the reason first, so it precedes everything the run loop does because of the kill.
        TaskStateRecord s = alloc.taskState(task.name());
        if (!"dead".equals(s.state())) {
            List<TaskEvent> evs = new ArrayList<>();
            if (event != null) {
                evs.add(event);
            }
            if (notLaunched) {
                evs.add(events.killed(""));
                alloc.persist(task.name(), st -> apply(st, "dead", evs), t -> {});
            } else if (!evs.isEmpty()) {
                alloc.persist(task.name(), st -> "dead".equals(st.state()) ? st : apply(st, null, evs), t -> {});
            }
        }
        synchronized (lock) {
            killRequested = true;
            killEvent = event;
            wake();
        }
        if (notLaunched) {
            done.complete(null);
        }
    }

    /** User-requested restart ({@code alloc restart}). */
    void restart(String reason) {
        synchronized (lock) {
            if (started == null || killRequested) {
                return;
            }
            restartRequested = true;
            wake();
        }
        alloc.persist(task.name(), st -> apply(st, null, List.of(events.restartSignaled(reason))), t -> {});
    }

    /**
     * Sends {@code signal} to the running task.
     *
     * @throws IllegalStateException when the task is not running
     */
    void signal(String signal, String reason) {
        TaskDriver.Started s;
        synchronized (lock) {
            s = started;
        }
        if (s == null || s.exit().isDone()) {
            throw new IllegalStateException("Task not running");
        }
        alloc.persist(task.name(), st -> apply(st, null, List.of(events.signaling(signal, reason))), t -> {});
        try {
            driver().signal(s.taskId(), signal);
        } catch (dev.corral.driver.DriverException.TaskNotFoundException exited) {
            // The task ended between the check above and the signal: the caller asked too late, not an agent fault.
            throw new IllegalStateException("Task not running", exited);
        }
    }

    /** Host pid of the task's sandbox, if it runs. */
    Optional<Long> pid() {
        synchronized (lock) {
            return started == null || started.exit().isDone() ? Optional.empty() : Optional.of(started.pid());
        }
    }

    /** The agent is shutting down: stop acting on the task (it keeps running) and end the loop. */
    void detach() {
        detached = true;
        synchronized (lock) {
            wake();
        }
    }

    private void checkDetached() {
        if (detached) {
            throw new Detached();
        }
    }

    private void wake() {
        wakeup.complete(null);
        wakeup = new CompletableFuture<>();
    }

    private TaskDriver driver() {
        return ctx.driver(task.driver()).orElseThrow(() -> new IllegalStateException(
                "no driver \"" + task.driver() + "\" on this agent"));
    }

    private boolean killRequested() {
        synchronized (lock) {
            return killRequested;
        }
    }

    private void runGuarded() {
        try {
            run();
        } catch (Detached d) {
            LOG.debug("task runner {} of alloc {} detached", task.name(), alloc.id());
        } catch (RuntimeException | Error e) {
            if (detached) {
                return;
            }
            LOG.error("task runner {} of alloc {} failed", task.name(), alloc.id(), e);
            try {
                alloc.persist(task.name(), st -> apply(st, "dead", List.of(events.setupFailure(
                        "task runner failed: " + e.getMessage(), true))), t -> {});
            } catch (RuntimeException again) {
                LOG.error("cannot record the failure of task {}", task.name(), again);
            }
        } finally {
            done.complete(null);
        }
    }

    private void run() {
        TaskStateRecord initial = alloc.taskState(task.name());
        if ("dead".equals(initial.state())) {
            return;
        }
        TaskDriver.Started current = recover(initial);
        if (current == null && initial.events().isEmpty()) {
            alloc.persist(task.name(), st -> apply(st, "pending", List.of(events.received())), t -> {});
        }
        if (current == null) {
            waitPendingRestart(initial);
        }
        while (true) {
            if (current == null) {
                if (killRequested()) {
                    finishKilledBeforeStart();
                    return;
                }
                StartResult r = startOnce();
                if (r.error != null) {
                    Decision d = tracker.startFailed(r.error, r.recoverable).next();
                    if (!afterDecision(d, List.of(), null)) {
                        return;
                    }
                    continue;
                }
                current = r.started;
            }
            ExitResult exit = waitForExit(current);
            TaskEvent terminated = events.terminated(exit);
            CompletableFuture<Void> stop;
            synchronized (lock) {
                stop = stopping;
            }
            try {
                stop.get(ctx.maxKillTimeout().toMillis() + 20_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("StopTask of {} did not return: {}", current.taskId(), e.toString());
            }
            try {
                driver().destroy(current.taskId());
            } catch (RuntimeException e) {
                LOG.warn("destroying task {} failed: {}", current.taskId(), e.getMessage());
            }
            Decision d;
            synchronized (lock) {
                started = null;
                if (killIssued) {
                    d = tracker.killed().next();
                } else if (restartIssued) {
                    restartIssued = false;
                    d = tracker.restartTriggered(false).next();
                } else {
                    d = tracker.exited(exit).next();
                }
            }
            current = null;
            if (!afterDecision(d, List.of(terminated), t -> t.deleteHandle(alloc.id(), task.name()))) {
                return;
            }
        }
    }

    /** Applies a restart decision; true when the loop should start the task again. */
    private boolean afterDecision(Decision d, List<TaskEvent> before, Consumer<StateStore.Txn> extra) {
        List<TaskEvent> evs = new ArrayList<>(before);
        RestartCounter counter = new RestartCounter(alloc.id(), task.name(), tracker.count(), tracker.windowStartMs());
        Consumer<StateStore.Txn> ops = t -> {
            if (extra != null) {
                extra.accept(t);
            }
            t.putRestartCounter(counter);
        };
        switch (d.state()) {
            case KILLED -> {
                evs.add(events.killed(""));
                alloc.persist(task.name(), st -> apply(st, "dead", evs), ops);
                return false;
            }
            case TERMINATED -> {
                alloc.persist(task.name(), st -> apply(st, "dead", evs), ops);
                return false;
            }
            case NOT_RESTARTING -> {
                evs.add(events.notRestarting(d.reason()));
                alloc.persist(task.name(), st -> apply(st, "dead", evs), ops);
                return false;
            }
            case RESTARTING -> {
                evs.add(events.restarting(d.delay(), d.reason()));
                alloc.persist(task.name(), st -> apply(st, "pending", evs), ops);
                return sleepUnlessKilled(d.delay());
            }
        }
        return false;
    }

    /** After an agent restart during a restart delay, wait for what is left of it. */
    private void waitPendingRestart(TaskStateRecord st) {
        if (st.events().isEmpty()) {
            return;
        }
        TaskEvent last = st.events().getLast();
        if (!TaskEvents.RESTARTING.equals(last.type())) {
            return;
        }
        long delayNs = Long.parseLong(last.details().getOrDefault("start_delay", "0"));
        long leftNs = last.timeNs() + delayNs - ctx.clockMs().getAsLong() * 1_000_000L;
        if (leftNs > 0) {
            sleepUnlessKilled(Duration.ofNanos(leftNs));
        }
    }

    /** Sleeps; returns false if a kill arrived meanwhile. */
    private boolean sleepUnlessKilled(Duration d) {
        CompletableFuture<Void> w;
        synchronized (lock) {
            if (killRequested) {
                return true; // the loop top sees the kill and finishes
            }
            w = wakeup;
        }
        try {
            w.get(Math.max(0, d.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException expected) {
            // delay elapsed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        checkDetached();
        return true;
    }

    private void finishKilledBeforeStart() {
        alloc.persist(task.name(), st -> apply(st, "dead", List.of(events.killed(""))),
                t -> t.deleteHandle(alloc.id(), task.name()));
    }

    private record StartResult(TaskDriver.Started started, Exception error, boolean recoverable) {}

    /** Reattaches to a task that was running (or starting) when the agent stopped. */
    private TaskDriver.Started recover(TaskStateRecord st) {
        Optional<HandleRecord> h = ctx.store().handle(alloc.id(), task.name());
        if (h.isEmpty()) {
            return null;
        }
        if (h.get().version() == INTENT_VERSION) {
            // The agent died between asking the driver to start and recording the handle.
            int reaped = OrphanReaper.reap(alloc.id(), task.name());
            LOG.info("task {} of alloc {} was mid-start when the agent stopped; killed {} leftover processes",
                    task.name(), alloc.id(), reaped);
            alloc.persist(task.name(), s -> apply(s, "pending", List.of(events.driverMessage(
                    "agent restarted while the task was starting; leftovers cleaned, starting again"))),
                    t -> t.deleteHandle(alloc.id(), task.name()));
            return null;
        }
        try {
            TaskDriver.Started s = driver().recover(h.get().version(), h.get().json());
            synchronized (lock) {
                started = s;
            }
            LOG.info("reattached to task {} of alloc {} (pid {})", task.name(), alloc.id(), s.pid());
            return s;
        } catch (TaskDriver.StartException | RuntimeException e) {
            LOG.warn("cannot reattach to task {} of alloc {}: {}", task.name(), alloc.id(), e.getMessage());
            alloc.persist(task.name(), s -> apply(s, "pending", List.of(events.driverMessage(
                    "failed to reattach to task: " + e.getMessage()))), t -> t.deleteHandle(alloc.id(), task.name()));
            return null;
        }
    }

    private StartResult startOnce() {
        // validate hook
        String user = task.user();
        if (!user.isEmpty() && ctx.userDenylist().contains(user.contains(":") ? user.substring(0, user.indexOf(':')) : user)) {
            String msg = "running as user \"" + user + "\" is disallowed";
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.hookFailed("validate", msg))), t -> {});
            return new StartResult(null, new IllegalArgumentException(msg), false);
        }
        Optional<TaskDriver> drv = ctx.driver(task.driver());
        if (drv.isEmpty()) {
            String msg = "failed to start task: driver \"" + task.driver() + "\" is not available on this node";
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.driverFailure(msg))), t -> {});
            return new StartResult(null, new IllegalStateException(msg), false);
        }
        // task_dir hook: once per allocation lifetime
        Path allocRoot = alloc.allocRoot();
        Path taskDir = allocRoot.resolve(task.name());
        TaskDirectory dir;
        try {
            if (!Files.isDirectory(taskDir.resolve("local"))) {
                alloc.persist(task.name(), st -> apply(st, null, List.of(events.setup("Building Task Directory"))), t -> {});
            }
            dir = TaskDirectory.create(allocRoot, task.name(), ctx.chrootEnv());
        } catch (RuntimeException e) {
            String msg = e.getMessage();
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.hookFailed("task_dir", msg))), t -> {});
            return new StartResult(null, e, false);
        }
        TaskEnv env = TaskConfigMapper.taskEnv(alloc.job(), alloc.group(), task, alloc.record(), ctx.node().get(),
                ctx.hostEnv(), ctx.envDenylist(), ctx.parentCgroup());
        // artifacts hook
        if (!task.artifacts().isEmpty()) {
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.downloadingArtifacts())), t -> {});
            try {
                ctx.artifacts().fetch(task, dir.taskDir(), env);
            } catch (RunnerContext.ArtifactException e) {
                alloc.persist(task.name(), st -> apply(st, null, List.of(events.artifactFailed(e.getMessage()))), t -> {});
                return new StartResult(null, e, e.recoverable());
            }
        }
        // volumes hook: host volumes the node offers, as bind mounts
        List<MountConfig> mounts;
        try {
            mounts = TaskConfigMapper.mounts(alloc.group().volumes(), task, ctx.node().get().hostVolumes());
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.hookFailed("volumes", msg))), t -> {});
            return new StartResult(null, e, false);
        }
        TaskConfig cfg;
        try {
            cfg = TaskConfigMapper.taskConfig(task, alloc.id(), alloc.job().name(), alloc.group().name(), dir, env,
                    TaskConfigMapper.resources(alloc.record(), task), mounts);
        } catch (IllegalArgumentException e) {
            String msg = "failed to parse config: " + e.getMessage();
            alloc.persist(task.name(), st -> apply(st, null, List.of(new TaskEvent(TaskEvents.FAILED_VALIDATION,
                    ctx.clockMs().getAsLong() * 1_000_000L, msg, msg, Map.of("validation_error", msg), false))), t -> {});
            return new StartResult(null, e, false);
        }
        synchronized (lock) {
            if (killRequested) {
                return new StartResult(null, new IllegalStateException("killed before start"), false);
            }
        }
        ctx.store().update(t -> t.putHandle(new HandleRecord(alloc.id(), task.name(), INTENT_VERSION, cfg.id())));
        TaskDriver.Started s;
        try {
            s = drv.get().start(cfg);
        } catch (TaskDriver.StartException e) {
            alloc.persist(task.name(), st -> apply(st, null, List.of(events.driverFailure(e.getMessage()))),
                    t -> t.deleteHandle(alloc.id(), task.name()));
            return new StartResult(null, e, e.recoverable());
        }
        synchronized (lock) {
            started = s;
        }
        HandleRecord rec = new HandleRecord(alloc.id(), task.name(), s.handleVersion(), s.handleJson());
        alloc.persist(task.name(), st -> apply(st, "running", List.of(events.started())), t -> t.putHandle(rec));
        return new StartResult(s, null, false);
    }

    /** Waits for the task's exit, carrying out kill and restart requests meanwhile. */
    private ExitResult waitForExit(TaskDriver.Started s) {
        while (true) {
            boolean doKill = false;
            boolean doRestart = false;
            CompletableFuture<Void> w;
            synchronized (lock) {
                if (killRequested && !killIssued) {
                    killIssued = true;
                    doKill = true;
                } else if (restartRequested && !restartIssued && !killIssued) {
                    restartRequested = false;
                    restartIssued = true;
                    doRestart = true;
                }
                w = wakeup;
            }
            if (doKill) {
                if (task.shutdownDelay().isPositive()) {
                    alloc.persist(task.name(), st -> apply(st, null,
                            List.of(events.waitingShutdownDelay(task.shutdownDelay()))), t -> {});
                    sleepQuietly(task.shutdownDelay());
                }
                stopInDriver(s);
            } else if (doRestart) {
                stopInDriver(s);
            }
            try {
                CompletableFuture.anyOf(s.exit(), w).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for task " + task.name(), e);
            } catch (ExecutionException e) {
                return new ExitResult.SandboxFailed("wait", 0, "error waiting on process: " + e.getCause().getMessage(), 1);
            }
            checkDetached();
            if (s.exit().isDone()) {
                return s.exit().join();
            }
        }
    }

    private void stopInDriver(TaskDriver.Started s) {
        Duration timeout = task.killTimeout().compareTo(ctx.maxKillTimeout()) > 0 ? ctx.maxKillTimeout() : task.killTimeout();
        String signal = task.killSignal().isEmpty() ? "SIGINT" : task.killSignal();
        // StopTask can block for the whole timeout; do it beside the waiter so the exit is seen at once.
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        synchronized (lock) {
            stopping = stopped;
        }
        Thread.ofVirtual().name("kill-" + alloc.shortId() + "-" + task.name()).start(() -> {
            try {
                driver().stop(s.taskId(), timeout, signal);
            } catch (RuntimeException e) {
                LOG.warn("stopping task {} failed: {}", s.taskId(), e.getMessage());
            } finally {
                stopped.complete(null);
            }
        });
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Nomad's UpdateState: append events (failing ones mark the task failed, Restarting counts a
     * restart) and move to {@code newState} (null keeps it), stamping start and finish times.
     */
    TaskStateRecord apply(TaskStateRecord st, String newState, List<TaskEvent> evs) {
        long now = ctx.clockMs().getAsLong();
        TaskStateRecord s = st;
        for (TaskEvent e : evs) {
            s = s.withEvent(e);
            if (TaskEvents.RESTARTING.equals(e.type())) {
                s = s.withRestart(now);
            }
        }
        if (newState != null && !newState.equals(s.state())) {
            if (newState.equals("running")) {
                s = s.withState("running").withStarted(now);
            } else if (newState.equals("dead")) {
                s = s.withState("dead");
                if (s.finishedAtMs() == 0) {
                    s = s.withFinished(now);
                }
            } else {
                s = s.withState(newState);
            }
        }
        return s;
    }
}
