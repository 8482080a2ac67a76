package dev.corral.driver;

import dev.corral.driver.linux.LinuxSyscalls;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the exit of every sandbox init this driver watches, with one platform thread polling all
 * their pidfds (plus a pipe that wakes it for a new one). It replaced a platform thread per task:
 * starting one cost 0.3 to 0.6 ms of every start, right when the task just exec'd wanted the CPU, and
 * a thousand tasks held a thousand threads (bench/).
 */
final class ExitWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);

    /** One watched init: its pidfd (owned here), whether it is still of interest, what to do at its exit. */
    private record Watched(BooleanSupplier wanted, Consumer<Optional<LinuxSyscalls.ChildExit>> onExit) {
    }

    /** pidfd -> what it is watched for. Guarded by {@code this}. */
    private final Map<Integer, Watched> watched = new LinkedHashMap<>();
    private final int[] wake = LinuxSyscalls.pipe();
    /** Set by {@link #close}: the thread ends once nothing is watched any more. Guarded by {@code this}. */
    private boolean closed;
    /** The thread has ended (closed and nothing left to watch). Guarded by {@code this}. */
    private boolean stopped;
    ExitWatcher() {
        Thread.ofPlatform().daemon().name("corral-exit-watcher").start(this::run);
    }

    /**
     * Watches the process behind {@code pidfd} (now owned here): at its exit, reaps it when it is this
     * JVM's child and hands its wait status to {@code onExit} on a virtual thread. Dropped (and the
     * fd closed) once {@code wanted} turns false, checked at least every second.
     */
    void watch(int pidfd, BooleanSupplier wanted, Consumer<Optional<LinuxSyscalls.ChildExit>> onExit) {
        synchronized (this) {
            if (stopped) {
                LinuxSyscalls.close(pidfd);
                return;
            }
            watched.put(pidfd, new Watched(wanted, onExit));
            notifyAll(); // an idle thread waits here, not in poll
            LinuxSyscalls.poke(wake[1]); // under the lock: the thread closes the pipe only under it
        }
    }

    private void run() {
        while (true) {
            int[] fds;
            synchronized (this) {
                /*
                 * Idle: wait in Java, not in poll(2). The JVM's exit waits up to 300 ms for threads
                 * in native code (VM_Exit::wait_for_threads_in_native_to_block), which made every
                 * `corral run` that much slower while this thread sat in poll with nothing to watch.
                 */
                while (watched.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed && watched.isEmpty()) {
                    stopped = true;
                    LinuxSyscalls.close(wake[0]);
                    LinuxSyscalls.close(wake[1]);
                    return;
                }
                LinuxSyscalls.drain(wake[0]); // pokes made while idle
                fds = new int[watched.size() + 1];
                fds[0] = wake[0];
                int i = 1;
                for (int fd : watched.keySet()) {
                    fds[i++] = fd;
                }
            }
            BitSet ready;
            try {
                ready = LinuxSyscalls.pollReadable(fds, 1000);
            } catch (RuntimeException e) {
                LOG.error("exit watcher: poll failed, retrying: {}", e.getMessage());
                ready = new BitSet();
            }
            if (ready.get(0)) {
                LinuxSyscalls.drain(wake[0]);
            }
            List<Runnable> done = new ArrayList<>();
            synchronized (this) {
                for (int i = 1; i < fds.length; i++) {
                    int fd = fds[i];
                    Watched w = watched.get(fd);
                    if (w == null) {
                        continue;
                    }
                    if (ready.get(i)) {
                        watched.remove(fd);
                        done.add(() -> {
                            Optional<LinuxSyscalls.ChildExit> exit;
                            try {
                                // our child (a sandbox init this driver started): reap it and keep its wait status
                                exit = LinuxSyscalls.reap(fd);
                            } finally {
                                LinuxSyscalls.close(fd);
                            }
                            w.onExit().accept(exit);
                        });
                    } else if (!w.wanted().getAsBoolean()) {
                        watched.remove(fd);
                        LinuxSyscalls.close(fd);
                    }
                }
            }
            done.forEach(r -> Thread.ofVirtual().name("corral-exit").start(r));
        }
    }

    /**
     * Lets the thread end once every watched process has exited or is no longer wanted: the inits of
     * tasks still running stay this JVM's children and must still be reaped (an embedding program,
     * or an agent restarted in the same JVM, would otherwise collect zombies).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
            if (!stopped) {
                LinuxSyscalls.poke(wake[1]);
            }
        }
    }
}
