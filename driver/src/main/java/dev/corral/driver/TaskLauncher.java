package dev.corral.driver;

import dev.corral.driver.DriverException.InvalidTaskConfigException;
import dev.corral.driver.DriverException.TaskLaunchException;
import dev.corral.driver.TaskHandle.LaunchIdentity;
import dev.corral.driver.linux.Capabilities;
import dev.corral.driver.linux.CgroupLayout;
import dev.corral.driver.linux.CommandLookup;
import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.ProcStat;
import dev.corral.driver.linux.SandboxCommandLine;
import dev.corral.driver.linux.SandboxStatus;
import dev.corral.driver.linux.TaskCgroup;
import dev.corral.driver.linux.TaskRootView;
import dev.corral.driver.linux.UserResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * StartTask's work, as a list of named steps: {@link #plan} decides everything that can be refused
 * without touching the host (modes, capabilities, command, user); {@link #launch} creates the
 * cgroup, starts {@code corral-sandbox run} and waits until the command was exec'd.
 */
final class TaskLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(TaskLauncher.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ExecDriverConfig config;
    private final CgroupLayout cgroups;
    private final Capabilities capabilities;
    private final Supplier<Path> sandboxBinary;
    private final SandboxStarter starter;
    private final CgroupPool cgroupPool;

    TaskLauncher(ExecDriverConfig config, CgroupLayout cgroups, Capabilities capabilities, Supplier<Path> sandboxBinary) {
        this.config = config;
        this.cgroups = cgroups;
        this.capabilities = capabilities;
        this.sandboxBinary = sandboxBinary;
        this.starter = new SandboxStarter(sandboxBinary, this::spareArgs, config.stateDir().resolve("spares"),
                config.spareSandboxes());
        this.cgroupPool = new CgroupPool(cgroups, config.cgroupParent(), config.pidsLimit(),
                config.spareSandboxes());
    }

    /**
     * A spare's argv: what every task's run line starts with (chroot_env, rootfs, pivot mode), so
     * that the spare can mount it before the task is known.
     */
    private List<String> spareArgs(Path dir) {
        SandboxCommandLine cl = SandboxCommandLine.spare().spareDir(dir);
        config.chrootEnv().forEach(cl::roBind);
        return cl.rootfs(config.rootfs()).noPivotRoot(config.noPivotRoot()).build(List.of());
    }

    /** Lets the spare sandbox go; later starts spawn theirs directly. */
    /** Starts so far: {handed to a spare sandbox, spawned at their start}. */
    long[] startCounts() {
        return starter.counts();
    }

    /** Spare sandboxes prepared and waiting. */
    int readySpares() {
        return starter.ready();
    }

    /** Removes what spares and pooled cgroups of a JVM that died left behind. */
    void sweepLeftovers() {
        cgroupPool.sweep();
    }

    void close() {
        starter.close();
        cgroupPool.close();
    }

    /**
     * A started sandbox: the handle to track and a pidfd of the sandbox's init (this JVM's child,
     * which the caller must reap: {@code LinuxSyscalls.reap}), owned by the caller.
     */
    record Launched(TaskHandle handle, int initPidfd) {
    }

    /** User, capabilities and environment of an already running task (after recovery, for exec). */
    LaunchIdentity identity(TaskConfig t) {
        List<String> caps = capabilities.compute(config.allowCaps(), t.driverConfig().capAdd(), t.driverConfig().capDrop());
        return identity(t, new TaskRootView(t.taskDir(), t.allocDir(), config.chrootEnv(), t.mounts()), caps);
    }

    /** Everything decided before anything is created: validated modes, caps, command, user, env. */
    record LaunchPlan(NamespaceMode pidMode, NamespaceMode ipcMode, String workDir,
            TaskRootView.Resolved command, LaunchIdentity identity) {
    }

    /** What is known once a task's configuration is checked, before anything is created or looked up. */
    record Checked(NamespaceMode pidMode, NamespaceMode ipcMode, String workDir) {
    }

    /** The configuration's own checks (modes, work dir, resources, mounts): no lookup in the task's root. */
    Checked check(TaskConfig task) {
        ExecTaskConfig c = task.driverConfig();
        if (c.command().isBlank()) {
            throw new InvalidTaskConfigException(
                    "config.command is required: set command = \"/path/to/binary\" in the task's config block");
        }
        NamespaceMode pidMode = mode("pid_mode", c.pidMode(), config.defaultPidMode());
        NamespaceMode ipcMode = mode("ipc_mode", c.ipcMode(), config.defaultIpcMode());
        if (!c.workDir().isEmpty() && !c.workDir().startsWith("/")) {
            throw new InvalidTaskConfigException("work_dir must be absolute but got relative path \"" + c.workDir() + "\"");
        }
        Resources r = task.resources();
        if (r.cpuShares() < 2) {
            throw new InvalidTaskConfigException(
                    "resources.Cpu.CpuShares must be equal to or greater than 2: " + r.cpuShares());
        }
        if (r.memoryMiB() < 1) {
            throw new InvalidTaskConfigException("resources.memory must be at least 1 MiB, got " + r.memoryMiB());
        }
        if (r.memoryMaxMiB() != 0 && r.memoryMaxMiB() < r.memoryMiB()) {
            throw new InvalidTaskConfigException("resources.memory_max (" + r.memoryMaxMiB()
                    + " MiB) must be 0 or at least resources.memory (" + r.memoryMiB() + " MiB)");
        }
        for (MountConfig m : task.mounts()) {
            // a read-only mount goes out as --ro-bind, which the sandbox skips when SRC is missing and,
            // with rootfs = "overlay", turns into a writable copy-on-write layer: neither is read-only
            if (m.readOnly() && !Files.exists(m.hostPath())) {
                throw new InvalidTaskConfigException("mount source " + m.hostPath() + " (for " + m.taskPath()
                        + ") does not exist on the host");
            }
            if (m.readOnly() && config.rootfs() == RootfsMode.OVERLAY && Files.isDirectory(m.hostPath())) {
                throw new InvalidTaskConfigException("read-only mount of " + m.hostPath() + " at " + m.taskPath()
                        + " is not possible with rootfs = \"overlay\" (it would become a writable copy-on-write layer);"
                        + " use rootfs = \"readonly\", the default");
            }
        }
        return new Checked(pidMode, ipcMode, c.workDir().isEmpty() ? "/" : c.workDir());
    }

    /** The checked task's capabilities, command (looked up in its root) and user: the lookups of a start. */
    LaunchPlan plan(TaskConfig task, Checked checked) {
        ExecTaskConfig c = task.driverConfig();
        List<String> caps = capabilities.compute(config.allowCaps(), c.capAdd(), c.capDrop());
        TaskRootView view = new TaskRootView(task.taskDir(), task.allocDir(), config.chrootEnv(), task.mounts());
        TaskRootView.Resolved command = CommandLookup.find(view, c.command());
        return new LaunchPlan(checked.pidMode(), checked.ipcMode(), checked.workDir(), command, identity(task, view, caps));
    }

    private LaunchIdentity identity(TaskConfig task, TaskRootView view, List<String> caps) {
        String passwd = readInTask(view, "/etc/passwd");
        String group = readInTask(view, "/etc/group");
        UserResolver users = lastUsers;
        if (users == null || users.passwdText() != passwd || users.groupText() != group) {
            lastUsers = users = new UserResolver(passwd, group); // parsed again only when a file changed
        }
        UserResolver.ResolvedUser user = users.resolve(task.user(), config.userDenylist());
        Map<String, String> env = new LinkedHashMap<>(task.env());
        env.put("USER", user.name());
        env.put("LOGNAME", user.name());
        env.putIfAbsent("HOME", user.home());
        return new LaunchIdentity(user, caps, env);
    }

    /** A file read once and kept while its identity, size and mtime stay the same. */
    private record CachedFile(Object key, long size, java.nio.file.attribute.FileTime mtime, String text) {
    }

    /** /etc/passwd and /etc/group as tasks see them: the same few host files for almost every task. */
    /** The resolver of the files last read (the same String instances while they are unchanged). */
    private volatile UserResolver lastUsers;
    private final Map<Path, CachedFile> taskFiles = new java.util.concurrent.ConcurrentHashMap<>();

    private String readInTask(TaskRootView view, String path) {
        return view.resolve(path).map(r -> {
            Path host = r.hostPath();
            try {
                var attrs = r.attributes(); // read while resolving: never a symlink
                if (attrs == null || !attrs.isRegularFile()) {
                    return "";
                }
                CachedFile c = taskFiles.get(host);
                if (c != null && attrs.fileKey() != null && c.key().equals(attrs.fileKey()) && c.size() == attrs.size()
                        && c.mtime().equals(attrs.lastModifiedTime())) {
                    return c.text();
                }
                String text = Files.readString(host);
                if (attrs.fileKey() != null && taskFiles.size() < 1024) {
                    taskFiles.put(host, new CachedFile(attrs.fileKey(), attrs.size(), attrs.lastModifiedTime(), text));
                }
                return text;
            } catch (java.nio.file.NoSuchFileException e) {
                return "";
            } catch (IOException e) {
                throw new TaskLaunchException("cannot read the task's " + path + " (" + host + "): " + e.getMessage(), e);
            }
        }).orElse("");
    }

    private static NamespaceMode mode(String field, String value, NamespaceMode dflt) {
        if (value.isEmpty()) {
            return dflt;
        }
        try {
            return NamespaceMode.parse(field, value);
        } catch (IllegalArgumentException e) {
            throw new InvalidTaskConfigException(e.getMessage());
        }
    }

    /**
     * Starts a task. With a spare ready, as a staged start (sandbox/CONTRACT.md): the spare is woken
     * first and gets the task's root part as soon as the state dir and cgroup exist; it opens the
     * task's state, cgroups and outputs while this thread looks up the command and user in the task
     * dir, which the spare swaps into its root only once the rest came. A lookup that fails
     * withdraws the start.
     */
    Launched launch(TaskConfig task) {
        Checked checked = check(task);
        String name = cgroupName(task.id());
        Path taskState = config.stateDir().resolve("tasks").resolve(name);
        Path statusFile = taskState.resolve("status");
        Path sandboxLog = taskState.resolve("sandbox.log");
        boolean spareFits = checked.pidMode() == NamespaceMode.PRIVATE && checked.ipcMode() == NamespaceMode.PRIVATE
                && SandboxStarter.envFits(task.env(), IDENTITY_ENV_ROOM) && starter.onSparesMount(task.taskDir());
        SandboxStarter.Spare staged = spareFits ? starter.stage() : null;
        TaskCgroup cgroup = null;
        CgroupPool.Taken taken;
        LaunchPlan plan;
        byte[] stream;
        try {
            prepareStateDir(taskState, statusFile);
            try {
                taken = cgroupPool.take(name, task.resources());
            } catch (TaskCgroup.CgroupException e) {
                throw new TaskLaunchException("failed to create the task's cgroup: " + e.getMessage(), e);
            }
            cgroup = taken.cgroup();
            SandboxCommandLine cl = rootCommandLine(task, checked, cgroup, statusFile).sandboxLog(sandboxLog).exitAfterStart(true);
            if (staged != null && !starter.stageRoot(staged, cl.rootPart())) {
                staged = null; // gone meanwhile: a plain start below
            }
            plan = plan(task, checked);
            withIdentity(cl, plan);
            List<String> argv = prepend(plan.command().taskPath(), task.driverConfig().args());
            spareFits &= SandboxStarter.envFits(plan.identity().env());
            if (staged != null && !spareFits) {
                SandboxStarter.withdraw(staged); // its init could not show the environment: a plain run
                staged = null;
                prepareStateDir(taskState, statusFile);
            }
            stream = staged != null ? cl.identityPart(plan.identity().env(), argv) : cl.stream(plan.identity().env(), argv);
        } catch (RuntimeException e) {
            if (staged != null) {
                SandboxStarter.withdraw(staged);
                starter.refill();
            }
            if (cgroup != null) {
                destroyQuietly(cgroup);
                cgroupPool.refill();
            }
            deleteStateQuietly(taskState);
            throw e instanceof IllegalArgumentException ? new InvalidTaskConfigException(e.getMessage()) : e;
        }
        SandboxStarter.Started started;
        if (staged != null) {
            started = starter.finish(staged, stream);
        } else {
            try {
                started = starter.start(stream, spareFits);
            } catch (IOException e) {
                destroyQuietly(cgroup);
                throw new TaskLaunchException("failed to start the sandbox " + sandboxBinary.get() + ": " + e.getMessage(), e);
            }
        }
        Process process = started.process();
        Optional<SandboxStatus> status = awaitRecorded(process, statusFile);
        starter.refill();
        cgroupPool.refill();
        long pid = status.map(SandboxStatus::initPid).orElse(java.util.OptionalLong.empty()).orElse(0L);
        SandboxStarter.Spare spare = started.spare();
        int pidfd;
        if (spare != null) {
            // the spare's init ran the task: its pidfd is ours now (it is recorded even when the start failed early)
            pid = spare.initPid();
            pidfd = spare.initPidfd();
        } else {
            // the init is our child (--exit-after-start), so its pid cannot be reused before we reap it
            pidfd = pid > 0 ? openPidfd(pid) : -1;
        }
        if (status.isEmpty() || status.get().failed() || !status.get().execOk() || pidfd < 0
                || status.get().initPid().orElse(pid) != pid) {
            reapInit(pid, pidfd);
            if (spare != null) {
                SandboxStarter.deleteSpareDir(spare.dir());
            }
            cgroup.killAll(5000);
            destroyQuietly(cgroup);
            throw new TaskLaunchException(launchFailure(status, process, sandboxLog));
        }
        if (taken.pooled()) {
            // the task's name once it runs, not on its start's path (bench/); the task stays in it
            try {
                cgroup = taken.named();
            } catch (TaskCgroup.CgroupException e) {
                LinuxSyscalls.pidfdSendSignal(pidfd, 9);
                reapInit(pid, pidfd);
                if (spare != null) {
                    SandboxStarter.deleteSpareDir(spare.dir());
                }
                cgroup.killAll(5000);
                destroyQuietly(cgroup);
                throw new TaskLaunchException("the task's cgroup could not take its name " + name + ": " + e.getMessage(), e);
            }
        }
        long startTicks = ProcStat.read(pid).map(ProcStat::startTicks).orElse(0L);
        Instant startedAt = status.get().startedNs().isPresent()
                ? Instant.EPOCH.plusNanos(status.get().startedNs().getAsLong()) : Instant.now();
        TaskHandleRecord record = new TaskHandleRecord(TaskHandleRecord.CURRENT_VERSION, task, pid, startTicks,
                statusFile, cgroup.paths(), startedAt);
        return new Launched(new TaskHandle(record, cgroup, taskState, pidfd, plan.identity()), LinuxSyscalls.dup(pidfd));
    }

    /** Bytes of environment a task's user adds (USER, LOGNAME, HOME): room kept when a spare is chosen before. */
    private static final int IDENTITY_ENV_ROOM = 1024;

    /** The sandbox's flags but the task's identity (a staged start's root part). */
    private SandboxCommandLine rootCommandLine(TaskConfig task, Checked checked, TaskCgroup cgroup, Path statusFile) {
        SandboxCommandLine cl = SandboxCommandLine.run().taskDir(task.taskDir());
        if (task.allocDir() != null) {
            cl.allocDir(task.allocDir());
        }
        config.chrootEnv().forEach(cl::roBind);
        for (MountConfig m : task.mounts()) {
            if (m.readOnly()) {
                cl.roBind(m.hostPath().toString(), m.taskPath());
            } else {
                cl.bind(m.hostPath().toString(), m.taskPath());
            }
        }
        cl.rootfs(config.rootfs()).hostname(hostname(task.name())).pidMode(checked.pidMode()).ipcMode(checked.ipcMode())
                .noPivotRoot(config.noPivotRoot()).seccomp(config.seccomp());
        cgroup.paths().forEach(cl::cgroup);
        switch (task.logs()) {
            case LogConfig.RotatedFiles r -> {
                if (task.allocDir() != null) {
                    cl.logFiles(task.allocDir().resolve("logs"), task.name(), r.maxFiles(), r.maxFileBytes());
                }
            }
            case LogConfig.Fifos f -> cl.outputs(f.stdout(), f.stderr());
        }
        return cl.statusFile(statusFile);
    }

    /** The task's identity flags: user, groups, capabilities, work dir, OOM score. */
    private void withIdentity(SandboxCommandLine cl, LaunchPlan plan) {
        UserResolver.ResolvedUser user = plan.identity().user();
        cl.uid(user.uid()).gid(user.gid()).groups(user.groups()).caps(plan.identity().caps()).cwd(plan.workDir())
                .oomScoreAdj(0);
    }

    private static void deleteStateQuietly(Path taskState) {
        try {
            ExecDriver.deleteTree(taskState, "state dir of a task that did not start");
        } catch (RuntimeException e) {
            LOG.warn("could not remove {}: {}", taskState, e.getMessage());
        }
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static final java.util.regex.Pattern LEADING_DOTS = java.util.regex.Pattern.compile("^\\.+");
    private static final java.util.regex.Pattern NOT_HOSTNAME = java.util.regex.Pattern.compile("[^A-Za-z0-9-]");
    private static final java.util.regex.Pattern LEADING_DASHES = java.util.regex.Pattern.compile("^-+");

    /** A cgroup and state-dir name from a task id: {@code <alloc>.<task>.<hex>}, only safe characters. */
    static String cgroupName(String taskId) {
        StringBuilder b = new StringBuilder();
        for (char ch : taskId.toCharArray()) {
            b.append(Character.isLetterOrDigit(ch) && ch < 128 || ch == '-' || ch == '_' ? ch : '.');
        }
        String s = LEADING_DOTS.matcher(b).replaceFirst("");
        return s.isEmpty() ? "task" : s;
    }

    private static String hostname(String taskName) {
        String h = LEADING_DASHES.matcher(NOT_HOSTNAME.matcher(taskName).replaceAll("-")).replaceFirst("");
        if (h.length() > 63) {
            h = h.substring(0, 63);
        }
        return h.isEmpty() ? "corral-task" : h;
    }

    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /** The task's state dir, 0700: one mkdir on a first start (the common case), emptied of a status else. */
    private static void prepareStateDir(Path taskState, Path statusFile) {
        try {
            try {
                Files.createDirectory(taskState, OWNER_ONLY);
            } catch (java.nio.file.NoSuchFileException e) {
                Files.createDirectories(taskState.getParent());
                Files.createDirectory(taskState, OWNER_ONLY);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                Files.setPosixFilePermissions(taskState, PosixFilePermissions.fromString("rwx------"));
                Files.deleteIfExists(statusFile);
            }
        } catch (IOException e) {
            throw new TaskLaunchException("cannot prepare the task state directory " + taskState + ": " + e.getMessage(), e);
        }
    }


    static int openPidfd(long pid) {
        try {
            return LinuxSyscalls.pidfdOpen(pid);
        } catch (LinuxSyscalls.ErrnoException e) {
            return -1; // already exited and reaped: nothing left to signal
        }
    }

    /**
     * Waits for the {@code run} process to exit: with {@code --exit-after-start} it does so once the
     * start (running or failed) is in the status file, which is then read. An event, not polling:
     * the status file was polled before, at 0.1 to 1 ms intervals.
     */
    private static Optional<SandboxStatus> awaitRecorded(Process process, Path statusFile) {
        try {
            if (!awaitExit(process)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            return SandboxStatus.read(statusFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new TaskLaunchException("interrupted while starting the task", e);
        }
    }

    /**
     * On a platform thread, poll(2) on the process's pidfd: it wakes this thread at the exit itself,
     * where Process.waitFor also waits for the JDK's reaper thread to wake up and reap (1-2 ms more
     * under load here). A virtual thread parks in waitFor instead of pinning its carrier in poll.
     */
    private static boolean awaitExit(Process process) throws InterruptedException {
        int fd = Thread.currentThread().isVirtual() ? -1 : openPidfd(process.pid());
        if (fd < 0) {
            return process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!LinuxSyscalls.pollExit(fd, 1000)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
            }
            return true;
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    /**
     * An init that exits by itself (after a failed start, or a spare let go): reap it within 10 s, or
     * kill it first, and close its pidfd (which this call owns). Nothing to do for pidfd -1.
     */
    static void reapInit(long pid, int pidfd) {
        if (pidfd < 0) {
            return;
        }
        try {
            if (!LinuxSyscalls.pollExit(pidfd, 10_000)) {
                LinuxSyscalls.kill(pid, 9);
                LinuxSyscalls.pollExit(pidfd, 10_000);
            }
            LinuxSyscalls.reap(pidfd);
        } finally {
            LinuxSyscalls.close(pidfd);
        }
    }

    private static String launchFailure(Optional<SandboxStatus> status, Process process, Path sandboxLog) {
        String log = tail(sandboxLog);
        if (status.isPresent()) {
            SandboxStatus s = status.get();
            return "failed to launch command with the sandbox: step " + s.failedStep() + " failed"
                    + (s.errno() != 0 ? " (errno " + s.errno() + ")" : "") + ": " + s.error()
                    + (log.isEmpty() ? "" : "; sandbox output: " + log);
        }
        String code = process.isAlive() ? "did not report within " + START_TIMEOUT.toSeconds() + " s"
                : "exited with code " + process.exitValue() + " without writing its status file";
        return "failed to launch command with the sandbox: it " + code + (log.isEmpty() ? "" : "; sandbox output: " + log);
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "";
        }
    }

    private static void destroyQuietly(TaskCgroup cgroup) {
        try {
            cgroup.destroy();
        } catch (TaskCgroup.CgroupException e) {
            LOG.warn("could not remove cgroup {} after a failed start: {}", cgroup.paths(), e.getMessage());
        }
    }

}
