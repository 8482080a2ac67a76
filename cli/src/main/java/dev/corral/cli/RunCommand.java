package dev.corral.cli;

import dev.corral.agent.artifact.ArtifactConfig;
import dev.corral.agent.artifact.ArtifactException;
import dev.corral.agent.artifact.ArtifactFetcher;
import dev.corral.agent.logs.LogReader;
import dev.corral.agent.node.HostVolume;
import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.Fingerprint;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandle;
import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobParser;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.TaskEnv;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.JobType;
import dev.corral.jobspec.model.LifecycleHook;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral run FILE}: runs every task of a job file on this machine with an in-process
 * driver, no agent and no state store. Output and task events stream to the terminal. A batch
 * job ends with the exit code of its first failing task (0 when all succeed); a service job runs
 * until Ctrl-C, then its tasks are stopped with their {@code kill_signal} and {@code kill_timeout}.
 * Restart policies are the agent's job: here a task that exits is reported and not restarted.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a job file's tasks locally in isolation (no agent), streaming their output.")
public final class RunCommand implements java.util.concurrent.Callable<Integer> {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /** How often a running task's log files are read for new output. */
    private static final Duration LOG_POLL = Duration.ofMillis(50);

    @Parameters(index = "0", paramLabel = "FILE", description = "Nomad job file (HCL2 or JSON).")
    Path file;

    @Option(names = {"-var", "--var"}, paramLabel = "KEY=VALUE", description = "Set an input variable.")
    List<String> vars = new ArrayList<>();

    @Option(names = {"-var-file", "--var-file"}, paramLabel = "FILE", description = "Read input variables from a file.")
    List<Path> varFiles = new ArrayList<>();

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where alloc dirs and driver state go (default: a fresh dir under /var/lib/corral/run).")
    Path dataDir;

    @Option(names = "--keep", description = "Keep the alloc directories (logs, local/) after the run.")
    boolean keep;

    @Option(names = "--no-pivot-root", description = "Use chroot instead of pivot_root (ramdisk roots).")
    boolean noPivotRoot;

    @Option(names = "--cgroup-parent", paramLabel = "NAME",
            description = "Parent cgroup of the tasks under each hierarchy (the driver's cgroup_parent; default corral).")
    String cgroupParent;

    @Option(names = {"-q", "--quiet"}, description = "Print only the tasks' output, no events.")
    boolean quiet;

    @Option(names = {"-host-volume", "--host-volume"}, paramLabel = "NAME=PATH",
            description = "A host volume that a group volume { type = \"host\", source = NAME } mounts, as the agent's "
                    + "client host_volume block offers it (read-write; the job's read_only flags still apply). Repeatable.")
    List<String> hostVolumeFlags = new ArrayList<>();

    /** The {@code --host-volume} flags by name. */
    private Map<String, HostVolume> hostVolumes;

    private final PrintStream out = System.out;
    private ArtifactFetcher fetcher;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        TerminalLogProvider.select();
        Job job;
        try {
            job = parse();
        } catch (JobSpecException e) {
            for (Diagnostic d : e.diagnostics()) {
                err.println("Error: " + d);
            }
            return 1;
        }
        List<String> unsupported = new ArrayList<>();
        for (TaskGroup g : job.groups()) {
            for (Task t : g.tasks()) {
                if (!t.driver().equals(ExecDriver.NAME)) {
                    unsupported.add(g.name() + "." + t.name() + " (driver \"" + t.driver() + "\")");
                }
            }
        }
        if (!unsupported.isEmpty()) {
            err.println("Error: corral run supports only driver \"exec\"; not runnable here: " + String.join(", ", unsupported));
            return 1;
        }
        try {
            hostVolumes = parseHostVolumes(hostVolumeFlags);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        List<String> unmountable = new ArrayList<>();
        for (TaskGroup g : job.groups()) {
            for (Task t : g.tasks()) {
                try {
                    LocalTask.mounts(g, t, hostVolumes);
                } catch (IllegalArgumentException e) {
                    unmountable.add(g.name() + "." + t.name() + ": " + e.getMessage());
                }
            }
        }
        if (!unmountable.isEmpty()) {
            unmountable.forEach(u -> err.println("Error: " + u));
            err.println("    give each host volume the job uses with --host-volume NAME=PATH");
            return 1;
        }

        Path root = dataDir != null ? dataDir : defaultDataDir();
        boolean ownRoot = dataDir == null;
        // The default driver state dir is shared by runs: the sandbox binary is extracted once, and
        // each task's state lives (and is removed) under its own unique name.
        ExecDriverConfig.Builder config = ExecDriverConfig.builder()
                .stateDir(dataDir != null ? root.resolve("driver") : root.getParent().resolve("driver"))
                .noPivotRoot(noPivotRoot)
                // One start per task, then exit: spare sandboxes spawned ahead of need would go unused.
                .spareSandboxes(0);
        if (cgroupParent != null) {
            config.cgroupParent(cgroupParent);
        }
        ExecDriver driver = new ExecDriver(config.build());
        Fingerprint fp = driver.fingerprint();
        if (!fp.healthy()) {
            err.println("Error: the exec driver is not usable on this machine: " + fp.description());
            err.println("    * Constraint \"missing drivers\" filtered 1 nodes");
            deleteQuietly(root, ownRoot);
            return 1;
        }

        List<LocalTask> tasks = new ArrayList<>();
        int exit = 0;
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            interrupted.set(true);
            synchronized (tasks) {
                for (LocalTask t : tasks) {
                    t.stop(driver);
                }
            }
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "corral-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (TaskGroup group : job.groups()) {
                for (int index = 0; index < group.count() && !interrupted.get(); index++) {
                    String allocId = UUID.randomUUID().toString();
                    Path allocRoot = root.resolve("alloc").resolve(allocId);
                    String allocName = job.id() + "." + group.name() + "[" + index + "]";
                    // Prestart tasks that are not sidecars finish before the main tasks start, as in Nomad.
                    List<Task> prestart = group.tasks().stream().filter(RunCommand::isBlockingPrestart).toList();
                    List<Task> main = group.tasks().stream()
                            .filter(t -> !isBlockingPrestart(t) && !isPoststop(t)).toList();
                    List<Task> poststop = group.tasks().stream().filter(RunCommand::isPoststop).toList();
                    for (Task t : prestart) {
                        exit = firstFailure(exit, runAndWait(driver, job, group, t, allocId, allocName, index, allocRoot, tasks));
                    }
                    if (exit != 0) {
                        continue;
                    }
                    List<LocalTask> started = new ArrayList<>();
                    for (Task t : main) {
                        if (interrupted.get()) {
                            break;
                        }
                        started.add(start(driver, job, group, t, allocId, allocName, index, allocRoot, tasks));
                    }
                    for (LocalTask t : started) {
                        exit = firstFailure(exit, t.awaitExit(this));
                    }
                    for (Task t : poststop) {
                        exit = firstFailure(exit, runAndWait(driver, job, group, t, allocId, allocName, index, allocRoot, tasks));
                    }
                }
            }
            if (job.type() != JobType.BATCH && job.type() != JobType.SYSBATCH && !interrupted.get() && !quiet) {
                err.println("==> all tasks of service job \"" + job.id() + "\" exited; corral run does not restart them (the agent does)");
            }
        } catch (DriverException | RunFailure e) {
            if (quiet || e instanceof RunFailure) {
                err.println("Error: " + e.getMessage()); // otherwise the Driver Failure event said it
            }
            exit = 1;
        } finally {
            if (fetcher != null) {
                fetcher.close();
            }
            synchronized (tasks) {
                for (LocalTask t : tasks) {
                    t.destroy(driver);
                }
            }
            if (keep) {
                err.println("==> kept " + root.resolve("alloc"));
            } else {
                deleteQuietly(root.resolve("alloc"), true);
                deleteQuietly(root, ownRoot);
            }
            finished.countDown();
            if (!interrupted.get()) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        return interrupted.get() ? 130 : exit;
    }

    private Job parse() {
        Map<String, String> v = new LinkedHashMap<>();
        for (String kv : vars) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new JobSpecException(Diagnostic.error(dev.corral.jobspec.SourcePos.NONE, "-var",
                        "-var \"" + kv + "\" must be KEY=VALUE"));
            }
            v.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (!Files.exists(file)) {
            throw new JobSpecException(Diagnostic.error(dev.corral.jobspec.SourcePos.NONE, file.toString(),
                    "job file " + file + " does not exist"));
        }
        JobParser.Result r = JobParser.parse(file, new JobParser.Options(v, varFiles, System.getenv()));
        for (Diagnostic w : r.warnings()) {
            err.println("Warning: " + w);
        }
        return r.job();
    }

    private int runAndWait(ExecDriver driver, Job job, TaskGroup group, Task task, String allocId, String allocName,
                           int index, Path allocRoot, List<LocalTask> tasks) throws InterruptedException {
        return start(driver, job, group, task, allocId, allocName, index, allocRoot, tasks).awaitExit(this);
    }

    private LocalTask start(ExecDriver driver, Job job, TaskGroup group, Task task, String allocId, String allocName,
                            int index, Path allocRoot, List<LocalTask> tasks) {
        String label = allocName + " " + task.name();
        event(label, "Received", "Task received by client");
        TaskDirectory dirs = TaskDirectory.create(allocRoot, task.name(), driver.config().chrootEnv());
        event(label, "Task Setup", "Building Task Directory");
        TaskEnv env = LocalTask.taskEnv(job, group, task, allocId, index);
        if (!task.artifacts().isEmpty()) {
            try {
                artifacts().fetchAll(LocalTask.artifacts(task, env), dirs.taskDir(), null,
                        ev -> ev.taskEventType().ifPresent(type -> event(label, type, ev.displayMessage())));
            } catch (ArtifactException e) {
                throw new RunFailure(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunFailure("interrupted while downloading artifacts");
            }
        }
        TaskHandle handle;
        try {
            handle = driver.startTask(LocalTask.taskConfig(job, group, task, allocId, env, dirs, hostVolumes));
        } catch (IllegalArgumentException e) {
            event(label, "Failed Validation", "failed to parse config: " + e.getMessage());
            throw new RunFailure("failed to parse config: " + e.getMessage());
        } catch (DriverException e) {
            event(label, "Driver Failure", e.getMessage());
            throw e;
        }
        event(label, "Started", "Task started by client");
        LocalTask lt = new LocalTask(label, task, handle, dirs, out);
        synchronized (tasks) {
            tasks.add(lt);
        }
        lt.streamLogs();
        return lt;
    }

    /** One fetcher per run, created on first use: most jobs have no artifacts. */
    private ArtifactFetcher artifacts() {
        if (fetcher == null) {
            try {
                fetcher = new ArtifactFetcher(ArtifactConfig.defaults());
            } catch (IOException e) {
                throw new RunFailure("cannot set up artifact downloads: " + e.getMessage());
            }
        }
        return fetcher;
    }

    /** A failure before the task could start that is not the driver's (artifacts). */
    /** {@code --host-volume NAME=PATH} values: unique names, absolute paths that exist. */
    static Map<String, HostVolume> parseHostVolumes(List<String> flags) {
        Map<String, HostVolume> out = new LinkedHashMap<>();
        for (String f : flags) {
            int eq = f.indexOf('=');
            String name = eq < 0 ? "" : f.substring(0, eq).trim();
            String path = eq < 0 ? "" : f.substring(eq + 1);
            if (name.isEmpty() || path.isEmpty()) {
                throw new IllegalArgumentException("--host-volume \"" + f + "\": expected NAME=PATH, e.g. data=/srv/data");
            }
            Path p = Path.of(path);
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("--host-volume " + name + ": path must be absolute, got \"" + path + "\"");
            }
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("--host-volume " + name + ": " + path + " does not exist");
            }
            if (out.put(name, new HostVolume(name, p.normalize(), false)) != null) {
                throw new IllegalArgumentException("--host-volume " + name + " is given twice");
            }
        }
        return out;
    }

    static final class RunFailure extends RuntimeException {
        RunFailure(String message) {
            super(message);
        }
    }

    void event(String label, String type, String message) {
        if (!quiet) {
            err.printf("==> %s %s: %-11s %s%n", LocalTime.now().format(CLOCK), label, type, message);
        }
    }

    private static boolean isBlockingPrestart(Task t) {
        return t.lifecycle() != null && t.lifecycle().hook() == LifecycleHook.PRESTART && !t.lifecycle().sidecar();
    }

    private static boolean isPoststop(Task t) {
        return t.lifecycle() != null && t.lifecycle().hook() == LifecycleHook.POSTSTOP;
    }

    private static int firstFailure(int sofar, int code) {
        return sofar != 0 ? sofar : code;
    }

    private static Path defaultDataDir() throws IOException {
        Path base = Path.of("/var/lib/corral/run");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "run-");
    }

    private static void deleteQuietly(Path dir, boolean really) {
        if (!really || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            System.err.println("Warning: could not remove " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Reads one stream's rotated log files and copies them to the terminal until {@code exit}
     * completes and everything written before it has been copied. Between reads it waits on the
     * exit itself, so the final drain starts as soon as the task ends rather than at the next poll.
     */
    static Thread follow(LogReader reader, PrintStream to, Future<?> exit) {
        return Thread.ofVirtual().name("log-follow").start(() -> {
            LogReader.Position pos = reader.position(LogReader.Origin.START, 0);
            try {
                while (true) {
                    // Read after the exit was seen: the sandbox has written its last byte by then.
                    boolean last = exit.isDone();
                    LogReader.Chunk c = reader.read(pos, 64 * 1024);
                    pos = c.next();
                    if (c.data().length > 0) {
                        to.write(c.data(), 0, c.data().length);
                        to.flush();
                    } else if (last) {
                        return;
                    } else {
                        awaitQuietly(exit, LOG_POLL);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Waits up to {@code d} for {@code f} to complete, however it completes. */
    private static void awaitQuietly(Future<?> f, Duration d) throws InterruptedException {
        try {
            f.get(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
            // done (either way) or not yet: the caller reads the logs again
        }
    }

    /** The terminal line for a task's exit, as Nomad's {@code Terminated} event shows it. */
    static String describe(ExitResult r) {
        return switch (r) {
            case ExitResult.Exited e -> "Exit Code: " + e.code() + (e.oomKilled() ? ", Exit Message: \"OOM Killed\"" : "");
            case ExitResult.Signaled s -> "Exit Code: " + s.exitCode() + ", Signal: " + s.signal()
                    + (s.oomKilled() ? ", Exit Message: \"OOM Killed\"" : "");
            case ExitResult.SandboxFailed f -> "Exit Code: " + f.exitCode() + ", Exit Message: \"" + f.error()
                    + " (sandbox step " + f.step() + ")\"";
        };
    }
}
