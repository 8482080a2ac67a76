package dev.corral.driver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Starts {@code corral-sandbox run @-} processes one ahead of need. Spawning a process from the JVM
 * (posix_spawn of jspawnhelper, which execs the sandbox, while the JVM waits for the exec) cost 1.5 to
 * 5 ms per task here, the largest share of a start (bench/). So right after a start the next sandbox
 * is spawned in the background, off any start path; it blocks reading its stdin, and the next start
 * only writes the task's environment and arguments there ({@code SandboxCommandLine.stream}).
 * A spare the driver never uses reads EOF when its stdin closes (at {@link #close} or when the JVM
 * dies) and exits 0 having done nothing.
 */
final class SandboxStarter implements AutoCloseable {
    private final Supplier<Path> binary;
    /** The spare: being spawned or waiting on its stdin; null when none. Guarded by {@code this}. */
    private CompletableFuture<Process> spare;
    /** Set by {@link #close}: no more spares. Guarded by {@code this}. */
    private boolean closed;

    SandboxStarter(Supplier<Path> binary) {
        this.binary = binary;
    }

    /**
     * Hands {@code stream} to the spare (waiting for it if it is still being spawned, which is never
     * slower than spawning another) or to a process spawned now. Call {@link #refill} once the
     * sandbox has done its work: spawning the spare competes for the CPU with it.
     *
     * @return the {@code corral-sandbox run} process, which now has its arguments
     * @throws IOException the sandbox could not be spawned or did not take its arguments
     */
    Process start(byte[] stream) throws IOException {
        CompletableFuture<Process> mine;
        synchronized (this) {
            mine = spare;
            spare = null;
        }
        Process p = mine == null ? null : ready(mine);
        if (p == null || !hand(p, stream)) {
            p = spawn();
            if (!hand(p, stream)) {
                throw new IOException("the sandbox " + binary.get() + " exited before it read its arguments (exit code "
                        + exitCode(p) + ")");
            }
        }
        return p;
    }

    private static Process ready(CompletableFuture<Process> f) {
        try {
            Process p = f.get();
            return p.isAlive() ? p : null;
        } catch (ExecutionException e) {
            return null; // spawned again by the caller, which then reports the error itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException.TaskLaunchException("interrupted while starting the sandbox", e);
        }
    }

    /** Writes the stream and closes stdin; false when the process is gone (EPIPE). */
    private static boolean hand(Process p, byte[] stream) {
        try (OutputStream in = p.getOutputStream()) {
            in.write(stream);
            return true;
        } catch (IOException e) {
            if (!p.isAlive()) {
                return false;
            }
            p.destroyForcibly();
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

    /** Spawns the next spare in the background unless there is one already. */
    void refill() {
        CompletableFuture<Process> f = new CompletableFuture<>();
        synchronized (this) {
            if (closed || spare != null) {
                return;
            }
            spare = f;
        }
        Thread.ofVirtual().name("corral-sandbox-spare").start(() -> {
            try {
                f.complete(spawn());
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
    }

    /**
     * A sandbox waiting for its stream. Its own output goes nowhere until {@code --sandbox-log}
     * (always in the stream) sends it to the task's file; its environment is the stream's.
     */
    private Process spawn() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary.get().toString(), "run", "@-")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        return pb.start();
    }

    /** Closes a spare's stdin: it reads EOF and exits 0 without doing anything. */
    private static void release(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            p.destroyForcibly();
        }
    }

    /** Lets the spare go (it exits by itself); later starts spawn their sandbox directly. */
    @Override
    public void close() {
        CompletableFuture<Process> f;
        synchronized (this) {
            closed = true;
            f = spare;
            spare = null;
        }
        if (f != null) {
            f.thenAccept(SandboxStarter::release);
        }
    }
}
