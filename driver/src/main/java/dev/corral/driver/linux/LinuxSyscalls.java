package dev.corral.driver.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The few syscalls the driver needs, through the FFM API (no JNI, no shelling out to {@code kill}):
 * kill, pidfd_open, pidfd_send_signal, poll, close, geteuid. Failures throw {@link ErrnoException}.
 */
public final class LinuxSyscalls {
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final short POLLIN = 0x1;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle KILL = handle("kill",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle CLOSE = handle("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle DUP = handle("dup",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle GETEUID = handle("geteuid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = handle("poll",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            CAPTURE_ERRNO);
    // syscall(2) is variadic: every argument after the number is passed as a long register.
    private static final MethodHandle SYSCALL3 = handle("syscall",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    private static final MethodHandle SYSCALL5 = handle("syscall",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);

    private LinuxSyscalls() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment fn = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(fn, fd, options);
    }

    /** An errno-carrying failure of a syscall. */
    public static final class ErrnoException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String call, int errno) {
            super(call + " failed: errno " + errno);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /** kill(2). Returns false when the process does not exist (ESRCH). */
    public static boolean kill(long pid, int signal) {
        if (pid <= 0) {
            // kill(0 or -1, ...) would signal our group or everything: never what a caller means.
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            if (rc == 0) {
                return true;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == ESRCH) {
                return false;
            }
            throw new ErrnoException("kill(" + pid + ", " + signal + ")", errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** kill(-pgid, signal): the whole process group. Returns false when the group is empty. */
    public static boolean killGroup(long pgid, int signal) {
        if (pgid <= 1) {
            throw new IllegalArgumentException("refusing to signal process group " + pgid);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) KILL.invokeExact(state, (int) -pgid, signal);
            if (rc == 0) {
                return true;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == ESRCH) {
                return false;
            }
            throw new ErrnoException("kill(-" + pgid + ", " + signal + ")", errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * SIGKILLs what {@code corral-sandbox enter} started: its children's process groups (the command
     * is a session leader inside the task), then the helper itself. The helper forwards catchable
     * signals but cannot forward SIGKILL, so killing only the helper would leave the command running.
     */
    public static void killEnterTree(Process enter) {
        long pid = enter.pid();
        String children = "";
        try {
            children = CgroupFiles.readAll(java.nio.file.Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children"));
        } catch (java.io.IOException e) {
            // Already gone: nothing below it to kill.
        }
        List<Long> killed = new ArrayList<>();
        for (String c : children.trim().split("\\s+")) {
            if (!c.isEmpty() && enter.isAlive()) {
                long child = Long.parseLong(c);
                if (!killGroup(child, 9)) {
                    kill(child, 9);
                }
                killed.add(child);
            }
        }
        enter.destroyForcibly();
        // SIGKILL is asynchronous: return only once the groups are gone (reaped by the task's init),
        // so callers never see a killed command still in the task's cgroup
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (long group : killed) {
            while ((killGroup(group, 0) || kill(group, 0)) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        }
    }

    /** pidfd_open(2): a file descriptor referring to {@code pid}; throws ErrnoException (ESRCH if gone). */
    public static int pidfdOpen(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) SYSCALL3.invokeExact(state, SYS_PIDFD_OPEN, pid, 0L);
            if (rc < 0) {
                throw new ErrnoException("pidfd_open(" + pid + ")", (int) ERRNO.get(state, 0L));
            }
            return (int) rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_send_signal(2). Returns false when the process has exited. */
    public static boolean pidfdSendSignal(int pidfd, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) SYSCALL5.invokeExact(state, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, 0L, 0L);
            if (rc == 0) {
                return true;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == ESRCH) {
                return false;
            }
            throw new ErrnoException("pidfd_send_signal", errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Waits until the process behind {@code pidfd} exits, at most {@code timeoutMillis} (-1 = forever).
     * A blocking native call: run it on a platform thread, not a virtual one.
     *
     * @return true when the process has exited
     */
    public static boolean pollExit(int pidfd, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(ValueLayout.JAVA_INT, 0, pidfd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int rc = (int) POLL.invokeExact(state, pfd, 1L, timeoutMillis);
            if (rc < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR) {
                    return false;
                }
                throw new ErrnoException("poll(pidfd)", errno);
            }
            return rc > 0 && (pfd.get(ValueLayout.JAVA_SHORT, 6) & POLLIN) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            if (rc != 0) {
                throw new ErrnoException("close(" + fd + ")", (int) ERRNO.get(state, 0L));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** dup(2): a second descriptor for the same open file (e.g. a pidfd one thread polls and closes). */
    public static int dup(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) DUP.invokeExact(state, fd);
            if (rc < 0) {
                throw new ErrnoException("dup(" + fd + ")", (int) ERRNO.get(state, 0L));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
