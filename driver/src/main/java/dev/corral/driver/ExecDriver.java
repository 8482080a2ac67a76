package dev.corral.driver;

import dev.corral.driver.DriverException.InvalidTaskConfigException;
import dev.corral.driver.DriverException.TaskAlreadyStartedException;
import dev.corral.driver.DriverException.TaskLaunchException;
import dev.corral.driver.DriverException.TaskNotFoundException;
import dev.corral.driver.DriverException.TaskRecoveryException;
import dev.corral.driver.DriverException.TaskRunningException;
import dev.corral.driver.TaskHandle.LaunchIdentity;
import dev.corral.driver.linux.Capabilities;
import dev.corral.driver.linux.CgroupLayout;
import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.ProcStat;
import dev.corral.driver.linux.Pty;
import dev.corral.driver.linux.SandboxBinary;
import dev.corral.driver.linux.SandboxCommandLine;
import dev.corral.driver.linux.SandboxStatus;
import dev.corral.driver.linux.TaskCgroup;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nomad's isolated fork/exec ({@code exec}) task driver as a Java library. The agent, the CLI and the
 * Nomad plugin all call it; it knows nothing of HTTP, gRPC or HCL.
 *
 * <p>Each task runs under its own resident {@code corral-sandbox run} process (private mount, PID,
 * IPC and UTS namespaces, a root made of the task directory plus read-only {@code chroot_env} binds,
 * a cgroup with the task's limits, a non-root user, trimmed capabilities). The sandbox outlives this
 * JVM: persist {@link TaskHandle#record()} and call {@link #recoverTask} after a restart.
 *
 * <p>The driver holds no per-task state beyond its {@link TaskStore}; every method is thread-safe.
 * Blocking methods ({@code stopTask}, {@code destroyTask}, {@code execTask}) may be called from
 * virtual threads.
 */
public final class ExecDriver implements AutoCloseable {
    /** Plugin name. */
    public static final String NAME = "exec";
    /** How often the agent should call {@link #fingerprint()}. */
    public static final Duration FINGERPRINT_PERIOD = Duration.ofSeconds(30);
    /** Default {@code kill_timeout}. */
    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(5);
    /** Default {@code kill_signal}. */
    public static final String DEFAULT_KILL_SIGNAL = "SIGINT";

    private static final Logger LOG = LoggerFactory.getLogger(ExecDriver.class);
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(15);
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final ExecDriverConfig config;
    private final CgroupLayout cgroups;
    private final Capabilities capabilities;
    private final TaskLauncher launcher;
    /** Waits for every watched init's exit on one thread. */
    private final ExitWatcher exits = new ExitWatcher();
    private final TaskStore store = new TaskStore();
    /** Ids whose StartTask or RecoverTask is in progress, so a second one is refused. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();
    /** The sandbox binary, located on first use. Guarded by {@code this}. */
    private Path sandboxBinary;

    /**
     * @throws DriverException.InvalidDriverConfigException when {@code config.validate()} fails
     */
    public ExecDriver(ExecDriverConfig config) {
        this(config, CgroupLayout.detect());
    }

    ExecDriver(ExecDriverConfig config, CgroupLayout cgroups) {
        this.config = config.validate();
        this.cgroups = cgroups;
        this.capabilities = Capabilities.ofRunningKernel();
        this.launcher = new TaskLauncher(this.config, cgroups, capabilities, this::sandboxBinary);
    }

    public ExecDriverConfig config() {
        return config;
    }

    /** What the driver supports (signals, exec, chroot isolation, ...). */
    public DriverCapabilities capabilities() {
        return DriverCapabilities.EXEC;
    }

    /**
     * Health and node attributes. Healthy only on Linux, as root, with the cgroup controllers the
     * driver needs and a sandbox binary that runs; otherwise the description says what is missing.
     */
    public Fingerprint fingerprint() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return new Fingerprint(HealthState.UNDETECTED, "exec driver unsupported on client OS", Map.of());
        }
        if (LinuxSyscalls.geteuid() != 0) {
            return new Fingerprint(HealthState.UNDETECTED, "Driver must run as root", Map.of());
        }
        if (cgroups.mode() == CgroupLayout.Mode.NONE) {
            return new Fingerprint(HealthState.UNHEALTHY, "Failed to discover cgroup mount point", Map.of());
        }
        List<String> missing = cgroups.missingControllers();
        if (!missing.isEmpty()) {
            return new Fingerprint(HealthState.UNHEALTHY, "cgroup controllers missing (" + cgroups.label() + "): "
                    + String.join(", ", missing) + "; mount them or enable them in cgroup.subtree_control", Map.of());
        }
        Optional<String> version;
        try {
            version = SandboxBinary.version(sandboxBinary());
        } catch (TaskLaunchException e) {
            return new Fingerprint(HealthState.UNHEALTHY, e.getMessage(), Map.of());
        }
        if (version.isEmpty()) {
            return new Fingerprint(HealthState.UNHEALTHY,
                    "the sandbox binary " + sandboxBinary() + " does not run (\"version\" failed)", Map.of());
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("driver.exec", "1");
        attrs.put("driver.exec.cgroup", cgroups.label());
        attrs.put("driver.exec.sandbox", version.get());
        attrs.put("driver.exec.rootfs", config.rootfs().configName());
        attrs.put("driver.exec.capabilities", String.join(",",
                capabilities.compute(config.allowCaps(), List.of(), List.of())).toLowerCase(java.util.Locale.ROOT));
        return new Fingerprint(HealthState.HEALTHY, "Healthy", attrs);
    }

    /**
     * Calls {@code sink} with a fingerprint now and then every {@code period} (Nomad: 30 s) on a
     * virtual thread, until the returned handle is closed.
     */
    public AutoCloseable fingerprintEvery(Duration period, Consumer<Fingerprint> sink) {
        return every(Duration.ZERO, period, "corral-fingerprint", () -> {
            sink.accept(fingerprint());
            return true;
        });
    }

    /**
     * Calls {@code sink} with a stats sample of the task every {@code interval} (Nomad:
     * {@code stats_collection_interval}, 1 s), until the task exits or the returned handle is closed.
     *
     * @throws DriverException.TaskNotFoundException unknown id
     */
    public AutoCloseable streamTaskStats(String taskId, Duration interval, Consumer<TaskResourceUsage> sink) {
        TaskHandle h = get(taskId);
        return every(interval, interval, "corral-stats-" + taskId, () -> {
            if (!h.running()) {
                return false;
            }
            sink.accept(taskStats(taskId));
            return true;
        });
    }

    /** Runs {@code step} after {@code first}, then every {@code period}, while it returns true and is not closed. */
    private static AutoCloseable every(Duration first, Duration period, String name, java.util.function.BooleanSupplier step) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("the period must be positive, got " + period);
        }
        Thread t = Thread.ofVirtual().name(name).start(() -> {
            try {
                Thread.sleep(first);
                while (step.getAsBoolean()) {
                    Thread.sleep(period);
                }
            } catch (InterruptedException e) {
                // closed
            } catch (RuntimeException e) {
                LOG.warn("{} stopped: {}", name, e.toString());
            }
        });
        return t::interrupt;
    }

    private synchronized Path sandboxBinary() {
        if (sandboxBinary == null) {
            sandboxBinary = SandboxBinary.locate(config.sandboxBinary(), config.stateDir());
        }
        return sandboxBinary;
    }

    /**
     * Starts a task and returns once its command has been exec'd inside the sandbox.
     *
     * @throws DriverException.TaskAlreadyStartedException a task with this id is already tracked
     * @throws DriverException.InvalidTaskConfigException  a config field is invalid (the message names it)
     * @throws DriverException.CommandNotFoundException    the command is not in the task root (the message says where it looked)
     * @throws DriverException.UserException               the user cannot be resolved or is denied
     * @throws DriverException.CapabilityNotAllowedException cap_add outside allow_caps
     * @throws DriverException.TaskLaunchException         cgroups, the sandbox binary or the kernel failed
     */
    public TaskHandle startTask(TaskConfig task) {
        if (store.get(task.id()).isPresent() || !starting.add(task.id())) {
            throw new TaskAlreadyStartedException(task.id());
        }
        try {
            if (store.get(task.id()).isPresent()) {
                throw new TaskAlreadyStartedException(task.id());
            }
            TaskLauncher.Launched launched = launcher.launch(task);
            TaskHandle handle = launched.handle();
            store.putIfAbsent(handle);
            watchFd(handle, launched.initPidfd());
            return handle;
        } finally {
            starting.remove(task.id());
        }
    }

    /**
     * Reads the final status and completes the handle's exit. If the {@code run} process died but
     * the sandbox's init still runs the task (someone SIGKILLed it), keeps watching the init instead.
     */
    private void finish(TaskHandle handle, Optional<LinuxSyscalls.ChildExit> sandboxExit) {
        Optional<SandboxStatus> status = handle.sandboxStatus();
        if (status.map(SandboxStatus::running).orElse(false)) {
            OptionalLong init = handle.liveInitPid();
            if (init.isPresent() && watch(handle, init.getAsLong())) {
                return;
            }
            status = handle.sandboxStatus(); // it may have ended while we looked
        }
        ExitResult result;
        OptionalInt code = sandboxExit.map(x -> OptionalInt.of(x.code())).orElse(OptionalInt.empty());
        try {
            boolean oom = handle.cgroup().oomKilled();
            boolean recorded = status.map(s -> s.exited() || s.failed()).orElse(false);
            if (!recorded && sandboxExit.isPresent() && sandboxExit.get().signal() > 0) {
                // The init was killed (only SIGKILL can do that): the task's PID namespace died with it.
                int sig = sandboxExit.get().signal();
                result = new ExitResult.SandboxFailed("init", 0, "the sandbox init (pid " + handle.sandboxPid()
                        + ") was killed by signal " + sig, 128 + sig);
            } else {
                result = ExitResults.from(status, code, oom, handle.record().statusFile());
            }
        } catch (RuntimeException e) {
            result = new ExitResult.SandboxFailed("wait", 0, "cannot read the task's exit: " + e.getMessage(),
                    code.orElse(125));
        }
        Instant at = status.flatMap(s -> s.finishedNs().isPresent()
                ? Optional.of(Instant.EPOCH.plusNanos(s.finishedNs().getAsLong())) : Optional.empty()).orElse(Instant.now());
        handle.exited(result, at);
    }

    /**
     * Waits (pidfd + poll on a platform thread) for {@code pid} to exit, then finishes the handle.
     *
     * @return false when the process is already gone
     */
    private boolean watch(TaskHandle handle, long pid) {
        int fd;
        try {
            fd = LinuxSyscalls.pidfdOpen(pid);
        } catch (LinuxSyscalls.ErrnoException e) {
            return false;
        }
        watchFd(handle, fd);
        return true;
    }

    /** Waits for the process behind {@code fd} (which this call now owns) to exit, then finishes the handle. */
    private void watchFd(TaskHandle handle, int fd) {
        exits.watch(fd, handle::running, exit -> finish(handle, exit));
    }

    /**
     * The task's exit, completing once (already completed if the task has exited).
     *
     * @throws DriverException.TaskNotFoundException unknown id
     */
    public CompletableFuture<ExitResult> waitTask(String taskId) {
        return get(taskId).exit();
    }

    private TaskHandle get(String taskId) {
        return store.get(taskId).orElseThrow(() -> new TaskNotFoundException(taskId));
    }

    /**
     * Stops a task: sends {@code signal} (default SIGINT) to the task, waits up to {@code timeout}
     * (capped by {@code max_kill_timeout}), then SIGKILLs every process in its cgroup. Returns once
     * the task has exited and nothing is left in its cgroup. A task that already exited is only swept.
     *
     * @param signal a signal name such as {@code SIGTERM}; null or empty means SIGINT
     * @throws DriverException unknown signal name: {@code error unknown signal given for shutdown: <s>}
     */
    public void stopTask(String taskId, Duration timeout, String signal) {
        TaskHandle h = get(taskId);
        Signal sig = signal == null || signal.isBlank() ? Signal.SIGINT
                : Signal.byName(signal).orElseThrow(() -> new DriverException("error unknown signal given for shutdown: " + signal));
        Duration grace = timeout == null || timeout.isNegative() ? Duration.ZERO : timeout;
        if (grace.compareTo(config.maxKillTimeout()) > 0) {
            grace = config.maxKillTimeout();
        }
        if (h.running() && !grace.isZero()) {
            h.signalSandbox(sig.number());
            if (awaitExit(h, grace)) {
                sweep(h);
                return;
            }
        }
        killTask(h);
    }

    private static boolean awaitExit(TaskHandle h, Duration d) {
        try {
            h.exit().get(d.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted while waiting for task " + h.id() + " to exit", e);
        }
    }

    /** SIGKILL every process of the task, then make sure the sandbox itself ends. */
    private void killTask(TaskHandle h) {
        h.cgroup().killAll(5000);
        if (awaitExit(h, REAP_TIMEOUT)) {
            sweep(h);
            return;
        }
        // The task is gone but the sandbox lingers: its PID 1 dies last and takes its namespace with it.
        OptionalLong init = h.initPid();
        if (init.isPresent() && init.getAsLong() > 0) {
            LinuxSyscalls.kill(init.getAsLong(), 9);
        }
        h.signalSandbox(9);
        if (!awaitExit(h, REAP_TIMEOUT)) {
            throw new TaskLaunchException("process failed to exit after " + REAP_TIMEOUT.toSeconds() * 2
                    + " seconds (task " + h.id() + ", sandbox pid " + h.sandboxPid() + ")");
        }
        sweep(h);
    }

    /** After the exit: kill anything left in the cgroup (host PID mode leaves orphans). */
    private static void sweep(TaskHandle h) {
        if (!h.cgroup().pids().isEmpty()) {
            h.cgroup().killAll(5000);
        }
    }

    /**
     * Forgets a task and removes its cgroups and state files. With {@code force} a running task is
     * killed first (every process in its cgroup); without it a running task is refused.
     *
     * @throws DriverException.TaskRunningException running and not forced
     * @throws DriverException.TaskNotFoundException unknown id
     */
    public void destroyTask(String taskId, boolean force) {
        TaskHandle h = get(taskId);
        if (h.running()) {
            if (!force) {
                throw new TaskRunningException(taskId);
            }
            killTask(h);
        }
        sweep(h);
        h.closePidfd();
        h.cgroup().destroy();
        deleteTree(h.stateDir(), "task state");
        store.remove(taskId);
    }

    /** Removes {@code dir} and everything below it; a missing one is fine. {@code what} names it in the error. */
    static void deleteTree(Path dir, String what) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new TaskLaunchException("cannot remove " + what + " " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @throws DriverException.TaskNotFoundException unknown id */
    public TaskStatus inspectTask(String taskId) {
        return get(taskId).status();
    }

    /**
     * Sends a signal to the task's process group (through the sandbox, which forwards it), so a shell
     * without handlers gets it too. An unknown name becomes SIGINT, as in Nomad.
     *
     * @throws DriverException when the task is not running
     */
    public void signalTask(String taskId, String signal) {
        TaskHandle h = get(taskId);
        Signal sig = Signal.byName(signal).orElseGet(() -> {
            LOG.warn("unknown signal \"{}\" for task {}: sending SIGINT", signal, taskId);
            return Signal.SIGINT;
        });
        if (!h.running() || !h.signalSandbox(sig.number())) {
            throw new DriverException("cannot send " + sig + " to task \"" + taskId + "\": it is not running");
        }
    }

    /**
     * Reattaches to a task started by an earlier driver instance (maybe in a JVM that was killed).
     * If the sandbox still runs it is watched again (pidfd); if it ended meanwhile its exit is read
     * from the status file. Recovering an id that is already tracked returns the tracked handle.
     *
     * @throws DriverException.TaskRecoveryException the record is unusable
     */
    public TaskHandle recoverTask(TaskHandleRecord record) {
        if (record == null) {
            throw new TaskRecoveryException("handle cannot be nil");
        }
        if (record.version() < 1 || record.version() > TaskHandleRecord.CURRENT_VERSION) {
            throw new TaskRecoveryException("failed to decode task state from handle: unsupported version " + record.version());
        }
        Optional<TaskHandle> existing = store.get(record.taskId());
        if (existing.isPresent()) {
            return existing.get();
        }
        if (!starting.add(record.taskId())) {
            throw new TaskAlreadyStartedException(record.taskId());
        }
        try {
            TaskCgroup cgroup;
            try {
                cgroup = cgroups.reattach(record.cgroupPaths());
            } catch (RuntimeException e) {
                throw new TaskRecoveryException("failed to reattach to the task's cgroups " + record.cgroupPaths() + ": " + e.getMessage(), e);
            }
            int pidfd = TaskLauncher.openPidfd(record.sandboxPid());
            // A pidfd names one process for good; checking its start time after opening rules out pid reuse.
            if (pidfd >= 0 && !ProcStat.isAlive(record.sandboxPid(), record.sandboxStartTicks())) {
                LinuxSyscalls.close(pidfd);
                pidfd = -1;
            }
            TaskHandle handle = new TaskHandle(record, cgroup, record.statusFile().getParent(), pidfd, null);
            store.putIfAbsent(handle);
            if (pidfd < 0) {
                finish(handle, Optional.empty());
            } else {
                // Watch through a copy of the verified pidfd: reopening by pid could race with pid reuse.
                watchFd(handle, LinuxSyscalls.dup(pidfd));
            }
            return handle;
        } finally {
            starting.remove(record.taskId());
        }
    }

    /** One stats sample from the task's cgroup; CPU percentages are relative to the previous call. */
    public TaskResourceUsage taskStats(String taskId) {
        TaskHandle h = get(taskId);
        TaskCgroup.CgroupStats s = h.cgroup().stats();
        long now = System.nanoTime();
        TaskHandle.StatsSample prev = h.swapSample(
                new TaskHandle.StatsSample(now, s.cpuUserNanos(), s.cpuSystemNanos(), s.cpuTotalNanos()));
        double userPct = 0;
        double sysPct = 0;
        double totalPct = 0;
        if (prev != null && now > prev.nanoTime()) {
            double wall = now - prev.nanoTime();
            userPct = Math.max(0, s.cpuUserNanos() - prev.userNanos()) * 100.0 / wall;
            sysPct = Math.max(0, s.cpuSystemNanos() - prev.systemNanos()) * 100.0 / wall;
            totalPct = Math.max(0, s.cpuTotalNanos() - prev.totalNanos()) * 100.0 / wall;
        }
        Map<Long, TaskResourceUsage.ProcessUsage> procs = new HashMap<>();
        long pageSize = 4096;
        long nsPerTick = 1_000_000_000L / ProcStat.CLOCK_TICKS_PER_SECOND;
        for (long pid : h.cgroup().pids()) {
            ProcStat.read(pid).ifPresent(p -> procs.put(pid, new TaskResourceUsage.ProcessUsage(
                    p.rssPages() * pageSize, p.utimeTicks() * nsPerTick, p.stimeTicks() * nsPerTick)));
        }
        return new TaskResourceUsage(Instant.now(),
                new TaskResourceUsage.CpuUsage(s.cpuUserNanos(), s.cpuSystemNanos(), s.cpuTotalNanos(), userPct, sysPct,
                        totalPct, s.throttledPeriods(), s.throttledNanos(), s.measuredCpu()),
                new TaskResourceUsage.MemoryUsage(s.memoryRss(), s.memoryCache(), s.memorySwap(), s.memoryUsage(),
                        s.memoryMaxUsage(), s.memoryKernel(), s.measuredMemory()),
                procs);
    }

    /**
     * Runs a command inside the running task (its namespaces, root, cgroup, user and capabilities),
     * for script checks; stdout and stderr merged, last 4 KiB kept; killed at {@code timeout}.
     *
     * @throws DriverException {@code error cmd must have at least one value}, or the task is not running
     */
    public ExecResult execTask(String taskId, List<String> command, Duration timeout) {
        ProcessBuilder pb = enterCommand(taskId, command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new TaskLaunchException("cannot run the sandbox to exec in task " + taskId + ": " + e.getMessage(), e);
        }
        TailBuffer out = new TailBuffer(ExecResult.MAX_OUTPUT_BYTES);
        Thread reader = Thread.ofVirtual().start(() -> out.drain(p.getInputStream()));
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                LinuxSyscalls.killEnterTree(p);
                p.waitFor();
            }
            reader.join(Duration.ofSeconds(5));
            return new ExecResult(done ? p.exitValue() : 137, out.bytes(), !done);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LinuxSyscalls.killEnterTree(p);
            throw new DriverException("interrupted while running a command in task " + taskId, e);
        }
    }

    /**
     * Starts a command inside the running task for {@code alloc exec}: the task's namespaces, root,
     * cgroup, user and capabilities, the task's environment, cwd {@code /}, with streamed
     * stdin/stdout/stderr and, when {@code tty} is given, a pseudo-terminal of that size.
     *
     * @throws DriverException {@code error cmd must have at least one value}, or the task is not running
     */
    public ExecSession execTaskStreaming(String taskId, List<String> command, Optional<ExecSession.TerminalSize> tty) {
        ProcessBuilder pb = enterCommand(taskId, command);
        Pty pty = null;
        try {
            if (tty.isPresent()) {
                pty = Pty.open(tty.get().columns(), tty.get().rows());
                File slave = pty.slavePath().toFile();
                pb.redirectInput(ProcessBuilder.Redirect.from(slave)).redirectOutput(ProcessBuilder.Redirect.appendTo(slave))
                        .redirectError(ProcessBuilder.Redirect.appendTo(slave));
            }
            return new ExecSession(pb.start(), pty);
        } catch (IOException e) {
            if (pty != null) {
                pty.close();
            }
            throw new TaskLaunchException("cannot run the sandbox to exec in task " + taskId + ": " + e.getMessage(), e);
        }
    }

    /** {@code corral-sandbox enter} for a command inside the task, with the task's identity and env. */
    private ProcessBuilder enterCommand(String taskId, List<String> command) {
        if (command == null || command.isEmpty()) {
            throw new DriverException("error cmd must have at least one value");
        }
        TaskHandle h = get(taskId);
        OptionalLong init = h.initPid();
        if (!h.running() || init.isEmpty()) {
            throw new DriverException("cannot exec in task \"" + taskId + "\": it is not running");
        }
        LaunchIdentity id = identityOf(h);
        SandboxCommandLine cl = SandboxCommandLine.enter().pid(init.getAsLong()).uid(id.user().uid())
                .gid(id.user().gid()).groups(id.user().groups()).caps(id.caps()).seccomp(config.seccomp());
        h.cgroup().paths().forEach(cl::cgroup);
        cl.cwd("/");
        ProcessBuilder pb = new ProcessBuilder(cl.commandLine(sandboxBinary(), command));
        pb.environment().clear();
        pb.environment().putAll(id.env());
        pb.environment().putIfAbsent("PATH", DEFAULT_PATH);
        return pb;
    }

    private LaunchIdentity identityOf(TaskHandle h) {
        LaunchIdentity id = h.identity();
        if (id == null) {
            id = launcher.identity(h.config());
            h.identity(id);
        }
        return id;
    }

    /**
     * Writes a file inside the running task, e.g. an updated secret or template into
     * {@code /secrets} (a tmpfs that exists only inside the task, seeded at start from the host's
     * {@code <task dir>/secrets}). The path is resolved inside the task's root: a symlink the task
     * planted, even an absolute one, can never point the write at a host file.
     *
     * @param pathInTask absolute path inside the task, e.g. {@code /secrets/vault_token}
     * @param mode       permission bits of a new file, e.g. {@code 0600}
     * @throws DriverException when the task is not running or the write fails
     */
    public void writeTaskFile(String taskId, String pathInTask, byte[] content, int mode) {
        Path root = taskRoot(taskId);
        try {
            LinuxSyscalls.writeInRoot(root, pathInTask, content, mode);
        } catch (LinuxSyscalls.ErrnoException e) {
            throw new DriverException("cannot write " + pathInTask + " in task \"" + taskId + "\": " + e.getMessage(), e);
        }
    }

    /**
     * The running task's root as the host sees it, {@code /proc/<init pid>/root}, for reading. Do not
     * write through it: symlinks below it resolve against the host's root; use {@link #writeTaskFile}.
     *
     * @throws DriverException when the task is not running
     */
    public Path taskRoot(String taskId) {
        TaskHandle h = get(taskId);
        OptionalLong init = h.liveInitPid();
        if (!h.running() || init.isEmpty()) {
            throw new DriverException("task \"" + taskId + "\" is not running: its root is gone");
        }
        return Path.of("/proc", Long.toString(init.getAsLong()), "root");
    }

    /**
     * Kills and removes every task this driver's cgroup parent holds that is not tracked (recovered
     * or started) by this instance: tasks whose StartTask was cut short by an agent crash before
     * their record was persisted. Call it once after recovering every persisted task, and only
     * when this instance owns its {@code cgroup_parent} (give the agent and the plugin different
     * parents if both run on one host).
     *
     * @return the cgroup names of the orphans removed
     */
    public List<String> reapOrphans() {
        launcher.sweepLeftovers();
        Set<String> known = new java.util.HashSet<>();
        for (TaskHandle h : store.all()) {
            known.add(TaskLauncher.cgroupName(h.id()));
        }
        List<String> reaped = new java.util.ArrayList<>();
        for (String name : cgroups.taskCgroupNames(config.cgroupParent())) {
            if (CgroupPool.isPoolName(name) || known.contains(name) || starting.stream().anyMatch(id -> TaskLauncher.cgroupName(id).equals(name))) {
                continue;
            }
            TaskCgroup orphan = cgroups.forTask(config.cgroupParent(), name);
            if (!orphan.killAll(10_000)) {
                LOG.warn("orphan cgroup {} still has processes after SIGKILL", name);
                continue;
            }
            orphan.destroy();
            Path state = config.stateDir().resolve("tasks").resolve(name);
            awaitInitGone(state);
            deleteTree(state, "task state");
            reaped.add(name);
        }
        return reaped;
    }

    /**
     * The orphan's init (outside the task cgroup) records the task's end in {@code state} once the
     * task is killed: wait (at most 5 s) until it has exited, so that the state dir is deleted after
     * that write, not under it.
     */
    private static void awaitInitGone(Path state) {
        OptionalLong init = SandboxStatus.read(state.resolve("status")).map(SandboxStatus::initPid)
                .orElse(OptionalLong.empty());
        if (init.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcStat.read(init.getAsLong()).filter(p -> p.state() != 'Z').isPresent() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Whether a cgroup name under the driver's cgroup parent is one of its pooled cgroups (empty,
     * made ahead of a task: {@code pool-<jvm pid>-<n>}), not a task's.
     */
    public static boolean isPooledCgroup(String name) {
        return CgroupPool.isPoolName(name);
    }

    /**
     * How this driver's starts went so far: {@code fromSpare} were handed to a sandbox prepared ahead,
     * {@code spawned} spawned theirs at the start (no spare was ready, or the task does not fit one:
     * host PID or IPC namespace, a very large environment).
     */
    public record StartCounts(long fromSpare, long spawned) {
    }

    /** See {@link StartCounts}. */
    /** Spare sandboxes prepared and waiting (for tests). */
    int readySpares() {
        return launcher.readySpares();
    }

    public StartCounts startCounts() {
        long[] c = launcher.startCounts();
        return new StartCounts(c[0], c[1]);
    }

    /** The tracked handle of a task, if any. */
    public Optional<TaskHandle> handle(String taskId) {
        return store.get(taskId);
    }

    /** Every tracked task. */
    public Collection<TaskHandle> tasks() {
        return store.all();
    }

    /**
     * Lets the spare sandbox process go (it exits by itself; see {@code SandboxStarter}). Running tasks
     * are not touched, and the driver still works: later starts just spawn their sandbox directly.
     */
    @Override
    public void close() {
        launcher.close();
        exits.close();
    }
}
