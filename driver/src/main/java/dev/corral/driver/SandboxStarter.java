package dev.corral.driver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Starts {@code corral-sandbox run @-} processes ahead of need. Spawning a process from the JVM
 * (posix_spawn of jspawnhelper, which execs the sandbox, while the JVM waits for the exec) cost 1.5 to
 * 5 ms per task here, the largest share of a start (bench/). So once a start is on record, spares
 * are spawned in the background, off any start path; each blocks reading its stdin, and a start
 * only writes the task's environment and arguments there ({@code SandboxCommandLine.stream}).
 * A spare the driver never uses reads EOF when its stdin closes (at {@link #close} or when the JVM
 * dies) and exits 0 having done nothing.
 */
final class SandboxStarter implements AutoCloseable {
    private final Supplier<Path> binary;
    /**
     * Spares kept (default 2, so that a start right after another, while the previous start's spare
     * may still be spawning, 2 to 5 ms under load here, finds one ready). An idle spare is one
     * static binary blocked in read(2).
     */
    private final int count;
    /** The spares, oldest first: being spawned or waiting on their stdin. Guarded by {@code this}. */
    private final java.util.ArrayDeque<CompletableFuture<Process>> spares = new java.util.ArrayDeque<>();
    /** Set by {@link #close}: no more spares. Guarded by {@code this}. */
    private boolean closed;

    SandboxStarter(Supplier<Path> binary, int count) {
        this.binary = binary;
        this.count = count;
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
        CompletableFuture<Process> mine = take();
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

    /** A spare already spawned if there is one, else the oldest one still spawning, else null. */
    private synchronized CompletableFuture<Process> take() {
        for (CompletableFuture<Process> f : spares) {
            if (f.isDone()) {
                spares.remove(f);
                return f;
            }
        }
        return spares.pollFirst();
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

    /** Spawns spares in the background (one after the other) until there are {@code count}. */
    void refill() {
        List<CompletableFuture<Process>> more = new java.util.ArrayList<>();
        synchronized (this) {
            while (!closed && spares.size() < count) {
                CompletableFuture<Process> f = new CompletableFuture<>();
                spares.addLast(f);
                more.add(f);
            }
        }
        if (more.isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("corral-sandbox-spare").start(() -> {
            for (CompletableFuture<Process> f : more) {
                try {
                    f.complete(spawn());
                } catch (IOException | RuntimeException e) {
                    f.completeExceptionally(e);
                }
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

    /** Lets the spares go (they exit by themselves); later starts spawn their sandbox directly. */
    @Override
    public void close() {
        List<CompletableFuture<Process>> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(spares);
            spares.clear();
        }
        all.forEach(f -> f.thenAccept(SandboxStarter::release));
    }
}
