package dev.corral.driver;

import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.SandboxCommandLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts sandboxes ahead of need, so that a task's start spawns no process and builds as little of
 * its root as possible (bench/, issue 9).
 * <ul>
 * <li>A <b>spare</b> ({@code corral-sandbox spare}, sandbox/CONTRACT.md) is a sandbox whose init already
 * lives in its new namespaces with the task-independent part of the root mounted (chroot_env,
 * /proc, /sys, /dev, /secrets, /private) on an overlay whose upper dir later takes the task dir's
 * place. It serves every task with private PID and IPC namespaces. Spawning one is several
 * milliseconds of CPU, done in the background once a start is on record.</li>
 * <li>Other tasks (host PID or IPC namespace), and every task when spares are off, get a plain
 * {@code corral-sandbox run @-} spawned at their start.</li>
 * </ul>
 * Either way a start only writes the task's environment and arguments to the sandbox's stdin
 * ({@code SandboxCommandLine.stream}), and the returned process exits once the start is on record.
 * A spare the driver never uses reads EOF when its stdin closes (at {@link #close}, or when the JVM
 * dies), removes its directory and exits.
 */
final class SandboxStarter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxStarter.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /**
     * Bytes of environment a spare's init can show as its task's: a spare is spawned with one
     * placeholder variable of this size, which its init overwrites in place (sandbox/CONTRACT.md).
     * Nomad's variables take 2 to 6 KiB; a task with more starts through a plain run.
     */
    static final int ENV_CAPACITY = 16 * 1024;
    private static final String ENV_PLACEHOLDER = "CORRAL_ENV_AREA";

    /** Whether the task's environment fits a spare's init ({@link #ENV_CAPACITY}). */
    static boolean envFits(java.util.Map<String, String> env) {
        return envFits(env, 0);
    }

    /** Whether the environment fits with {@code room} bytes to spare (for variables still to come). */
    static boolean envFits(java.util.Map<String, String> env, int room) {
        long bytes = room;
        for (var e : env.entrySet()) {
            bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + 1 + e.getValue().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return bytes <= ENV_CAPACITY;
    }

    /**
     * A prepared sandbox: {@code process} is its A (alive until the start is on record), {@code
     * initPid} its init, this JVM's child (through CLONE_PARENT), which this JVM must reap, and
     * {@code initPidfd} a pidfd of it owned by whoever holds the spare.
     */
    record Spare(Process process, long initPid, int initPidfd, Path dir) {
    }

    /** A started sandbox: the process to wait for, and the spare it was (null for a plain run). */
    record Started(Process process, Spare spare) {
    }

    private final Supplier<Path> binary;
    /** The spare's argv after the binary, for a spare dir. */
    private final Function<Path, List<String>> spareArgs;
    /** Where spare dirs are made: on the task dirs' filesystem, or spares only save the namespaces. */
    private final Path sparesDir;
    /**
     * Spares kept (default 2, so that a start right after another, while the previous start's spare
     * may still be preparing, finds one ready).
     */
    private final int count;
    /** The spares, oldest first: being prepared or waiting on their stdin. Guarded by {@code this}. */
    private final ArrayDeque<CompletableFuture<Spare>> spares = new ArrayDeque<>();
    /** Set by {@link #close}: no more spares. Guarded by {@code this}. */
    private boolean closed;
    /**
     * One platform thread, kept (reading a spare's first line blocks in native code): starting a
     * thread per refill cost 0.1 to 0.3 ms right when the task just started wanted the CPU (bench/).
     */
    private final java.util.concurrent.ExecutorService preparer = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("corral-sandbox-spare").factory());
    private final java.util.concurrent.atomic.LongAdder fromSpare = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder spawned = new java.util.concurrent.atomic.LongAdder();

    /** The mount the spares dir is on, once known; -1 before. */
    private volatile long sparesMount = -1;

    /**
     * Whether {@code taskDir} can take a spare's prepared root: a spare swaps that root with the
     * task dir by a rename, which needs the spares dir and the task dir's parent on one mount, and
     * having entered the root ahead of the task it cannot build another (sandbox/CONTRACT.md).
     */
    boolean onSparesMount(Path taskDir) {
        if (count == 0 || taskDir.getParent() == null) {
            return false;
        }
        try {
            long mount = sparesMount;
            if (mount < 0) {
                Files.createDirectories(sparesDir);
                sparesMount = mount = LinuxSyscalls.mountId(sparesDir);
            }
            return mount == LinuxSyscalls.mountId(taskDir.getParent());
        } catch (IOException | RuntimeException e) {
            return false; // a plain run builds the root wherever the task dir is, and says what is wrong
        }
    }

    /** Starts so far: handed to a spare, and spawned at their start (no spare fitted or was ready). */
    long[] counts() {
        return new long[] {fromSpare.sum(), spawned.sum()};
    }

    SandboxStarter(Supplier<Path> binary, Function<Path, List<String>> spareArgs, Path sparesDir, int count) {
        this.binary = binary;
        this.spareArgs = spareArgs;
        this.sparesDir = sparesDir;
        this.count = count;
        if (count > 0) {
            sweep(sparesDir);
        }
    }

    /**
     * Hands {@code stream} to a spare when {@code spareFits} and one is ready, else to a {@code run @-}
     * spawned now. Call {@link #refill} once the start is on record: preparing spares competes for
     * the CPU with it.
     *
     * @throws IOException the sandbox could not be spawned or did not take its arguments
     */
    Started start(byte[] stream, boolean spareFits) throws IOException {
        for (Spare spare = spareFits ? nextReady() : null; spare != null; spare = nextReady()) {
            if (hand(spare.process(), stream)) {
                fromSpare.increment();
                return new Started(spare.process(), spare);
            }
            discard(spare);
        }
        spawned.increment();
        Process p = spawn(List.of("run", "@-"), java.util.Map.of(), false);
        if (!hand(p, stream)) {
            throw new IOException("the sandbox " + binary.get() + " exited before it read its arguments (exit code "
                    + exitCode(p) + ")");
        }
        return new Started(p, null);
    }

    private static final byte[] ROOT_PART_HEAD = SandboxCommandLine.rootPartHead();

    /**
     * Begins a staged start (sandbox/CONTRACT.md, spare) on a ready spare: writes the root part's
     * first entry alone, which wakes the spare (70 us on an idle CPU of this VM) while the caller
     * makes the task's state dir and cgroup; {@link #stageRoot} then sends the root part, and
     * {@link #finish} or {@link #withdraw} ends it. Null when no spare is ready (the caller starts
     * the task with {@link #start}).
     */
    Spare stage() {
        for (Spare spare = nextReady(); spare != null; spare = nextReady()) {
            try {
                OutputStream in = spare.process().getOutputStream();
                in.write(ROOT_PART_HEAD);
                in.flush();
                return spare;
            } catch (IOException e) {
                discard(spare); // EPIPE: it died while waiting; nothing of the task happened yet
            }
        }
        return null;
    }

    /**
     * The root part ({@link SandboxCommandLine#rootPart}, whose first entry {@link #stage} sent):
     * the spare opens the task's state, cgroups and outputs while the caller looks up its command and
     * user in the task dir, which the spare swaps into its root only once {@link #finish} came.
     *
     * @return false when the spare is gone (it was let go, and the caller starts the task otherwise)
     */
    boolean stageRoot(Spare spare, byte[] rootPart) {
        try {
            OutputStream in = spare.process().getOutputStream();
            in.write(rootPart, ROOT_PART_HEAD.length, rootPart.length - ROOT_PART_HEAD.length);
            in.flush();
            return true;
        } catch (IOException e) {
            discard(spare);
            return false;
        }
    }

    /**
     * The rest of a staged start: the task's environment, identity and command; closes the spare's
     * stdin. A spare that failed building the root (it exited: EPIPE) has the failure on record,
     * which the caller reads as for any start.
     */
    Started finish(Spare spare, byte[] rest) {
        try (OutputStream in = spare.process().getOutputStream()) {
            in.write(rest);
        } catch (IOException e) {
            // the start failed in the sandbox, which recorded why
        }
        fromSpare.increment();
        return new Started(spare.process(), spare);
    }

    /**
     * Withdraws a staged start (the task could not be started: command not found...): the spare
     * records that, exits, is reaped and its dir removed. The task dir stays whole.
     */
    static void withdraw(Spare spare) {
        try {
            spare.process().getOutputStream().close();
        } catch (IOException e) {
            spare.process().destroyForcibly();
        }
        TaskLauncher.reapInit(spare.initPid(), spare.initPidfd());
        deleteSpareDir(spare.dir());
    }

    /** The next spare prepared and still alive, else null (a dead one is let go on the way). */
    private Spare nextReady() {
        for (CompletableFuture<Spare> next = take(); next != null; next = take()) {
            Spare spare = ready(next);
            if (spare != null) {
                return spare;
            }
        }
        return null;
    }

    /**
     * A spare already prepared, else null. Never one still preparing: under load one may take long,
     * and spawning a plain run now is bounded.
     */
    private synchronized CompletableFuture<Spare> take() {
        for (CompletableFuture<Spare> f : spares) {
            if (f.isDone()) {
                spares.remove(f);
                return f;
            }
        }
        return null;
    }

    /** Spares prepared and waiting (for tests and metrics). */
    synchronized int ready() {
        return (int) spares.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
    }

    /** The spare once prepared; null when it failed (then logged) or has died since. */
    private static Spare ready(CompletableFuture<Spare> f) {
        try {
            Spare s = f.get();
            return s.process().isAlive() && !LinuxSyscalls.pollExit(s.initPidfd(), 0) ? s : deadSpare(s);
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException.TaskLaunchException("interrupted while starting the sandbox", e);
        }
    }

    private static Spare deadSpare(Spare s) {
        LOG.warn("spare sandbox {} (init {}) died while waiting; using another", s.process().pid(), s.initPid());
        discard(s);
        return null;
    }

    /** Writes the stream and closes stdin; false when the process did not take it (it exited). */
    private static boolean hand(Process p, byte[] stream) {
        try (OutputStream in = p.getOutputStream()) {
            in.write(stream);
            return true;
        } catch (IOException e) {
            // EPIPE: it closed its stdin, so it is exiting (a spare killed meanwhile, or a failure)
            try {
                if (!p.waitFor(1, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
            return false;
        }
    }

    private static String exitCode(Process p) {
        try {
            return p.waitFor(1, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "none yet";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Prepares spares in the background (one after the other) until there are {@code count}. */
    void refill() {
        List<CompletableFuture<Spare>> more = new ArrayList<>();
        synchronized (this) {
            while (!closed && spares.size() < count) {
                CompletableFuture<Spare> f = new CompletableFuture<>();
                spares.addLast(f);
                more.add(f);
            }
        }
        if (more.isEmpty()) {
            return;
        }
        try {
            preparer.execute(() -> {
                for (CompletableFuture<Spare> f : more) {
                    try {
                        f.complete(spawnSpare());
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("could not prepare a spare sandbox (the next start spawns its own): {}", e.getMessage());
                        f.completeExceptionally(e);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            more.forEach(f -> f.completeExceptionally(closing)); // closed meanwhile
        }
    }

    /** Spawns a spare and waits until it is prepared: it prints its init's pid then. */
    private Spare spawnSpare() throws IOException {
        Path dir = sparesDir.resolve(ProcessHandle.current().pid() + "." + SEQUENCE.incrementAndGet());
        if (!Files.isDirectory(sparesDir)) {
            Files.createDirectories(sparesDir); // it exists but for the first spare: no exception thrown per spare
        }
        // the area the init later overwrites with its task's environment: ENV_CAPACITY bytes in all
        Process p = spawn(spareArgs.apply(dir),
                java.util.Map.of(ENV_PLACEHOLDER, "x".repeat(ENV_CAPACITY - ENV_PLACEHOLDER.length() - 2)), true);
        String line;
        try {
            // only the first line: the init holds the pipe's write end until its task comes
            line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
        long pid;
        try {
            pid = Long.parseLong(line == null ? "" : line.strip());
        } catch (NumberFormatException e) {
            String why = failure(p);
            deleteSpareDir(dir);
            throw new IOException("the spare sandbox did not start: " + why);
        }
        int pidfd;
        try {
            pidfd = LinuxSyscalls.pidfdOpen(pid); // our child: the pid cannot be reused before we reap it
        } catch (LinuxSyscalls.ErrnoException e) {
            p.destroyForcibly();
            throw new IOException("the spare sandbox's init " + pid + " is gone: " + e.getMessage(), e);
        }
        return new Spare(p, pid, pidfd, dir);
    }

    private static String failure(Process p) {
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "it printed no pid within 5 s";
            }
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return "exit code " + p.exitValue() + (err.isEmpty() ? "" : ": " + err);
        } catch (IOException e) {
            return "exit code " + p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * A sandbox process with {@code env} only. A {@code run @-} gets none and its output goes nowhere
     * until {@code --sandbox-log} (always in the stream) sends it to the task's file; a spare prints
     * its init's pid on stdout and its failures on stderr (both pipes).
     */
    private Process spawn(List<String> args, java.util.Map<String, String> env, boolean pipes) throws IOException {
        List<String> cmd = new ArrayList<>(args.size() + 1);
        cmd.add(binary.get().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (!pipes) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Lets a spare go: closing its stdin makes its init remove the spare dir and exit, and this JVM
     * reaps it (its parent), on a daemon thread since that may take a moment.
     */
    static void release(Spare s) {
        try {
            s.process().getOutputStream().close();
        } catch (IOException e) {
            s.process().destroyForcibly();
        }
        reapLater(s);
    }

    private static void discard(Spare s) {
        s.process().destroyForcibly();
        LinuxSyscalls.pidfdSendSignal(s.initPidfd(), 9);
        reapLater(s);
    }

    private static void reapLater(Spare s) {
        Thread.ofPlatform().daemon().name("corral-sandbox-spare-reaper").start(() -> {
            TaskLauncher.reapInit(s.initPid(), s.initPidfd());
            deleteSpareDir(s.dir()); // nothing left when the init cleaned up; a killed one leaves it
        });
    }

    /**
     * Removes a spare dir whose init is gone: its mount point, work dir and (empty) upper dir. An
     * upper dir that is not empty holds a task's files (a start interrupted between its two
     * renames): left in place, with a warning naming it.
     */
    static void deleteSpareDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("root"));
            ExecDriver.deleteTree(dir.resolve("work"), "spare sandbox work dir");
            Files.deleteIfExists(dir.resolve("upper"));
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            LOG.warn("left spare sandbox dir {} in place: {} is not empty", dir, e.getFile());
        } catch (NoSuchFileException e) {
            // removed meanwhile
        } catch (IOException | DriverException.TaskLaunchException e) {
            LOG.warn("could not remove spare sandbox dir {}: {}", dir, e.getMessage());
        }
    }

    /** Removes spare dirs left by a JVM that is gone (named {@code <jvm pid>.<n>}). */
    private static void sweep(Path sparesDir) {
        if (!Files.isDirectory(sparesDir)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(sparesDir)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                int dot = name.indexOf('.');
                long owner;
                try {
                    owner = Long.parseLong(dot < 0 ? name : name.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (owner != ProcessHandle.current().pid() && ProcessHandle.of(owner).isEmpty()) {
                    deleteSpareDir(d);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not sweep {}: {}", sparesDir, e.getMessage());
        }
    }

    /**
     * Lets the spares go and waits (at most 5 s) until each has removed its dir and exited, so that
     * nothing of them is left when the driver is closed; later starts spawn their sandbox directly.
     */
    @Override
    public void close() {
        List<CompletableFuture<Spare>> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(spares);
            spares.clear();
        }
        preparer.shutdown(); // what it has queued still runs: those spares are let go when ready
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<Spare> released = new ArrayList<>();
        for (CompletableFuture<Spare> f : all) {
            try {
                Spare s = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                try {
                    s.process().getOutputStream().close();
                    released.add(s);
                } catch (IOException e) {
                    discard(s);
                }
            } catch (java.util.concurrent.TimeoutException e) {
                f.thenAccept(SandboxStarter::release); // still preparing: let it go when it is ready
            } catch (ExecutionException e) {
                // never prepared: nothing to let go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.thenAccept(SandboxStarter::release);
            }
        }
        for (Spare s : released) {
            int left = (int) Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (LinuxSyscalls.pollExit(s.initPidfd(), left)) {
                LinuxSyscalls.reap(s.initPidfd());
                LinuxSyscalls.close(s.initPidfd());
                deleteSpareDir(s.dir());
            } else {
                reapLater(s);
            }
        }
    }
}
