package dev.corral.driver.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few syscalls the driver needs, through the FFM API (no JNI, no shelling out to {@code kill}):
 * kill, pidfd_open, pidfd_send_signal, poll, open, close, fchmod, geteuid and the openat2 family.
 * Failures throw {@link ErrnoException}.
 */
public final class LinuxSyscalls {
    // x86_64 syscall numbers, for the calls made through syscall(2).
    private static final long SYS_OPEN = 2;
    private static final long SYS_CLOSE = 3;
    private static final long SYS_FCHMOD = 91;
    private static final long SYS_GETEUID = 107;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final short POLLIN = 0x1;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    public static final int ELOOP = 40;
    public static final int ENOTDIR = 20;
    private static final int O_EXCL = 0200;
    private static final long SYS_OPENAT2 = 437;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;

    // Downcall handles, each bound on first use through its holder class: binding one spins a stub
    // class and costs milliseconds on a cold JVM. Everything a task's start and exit need (pidfd_open,
    // close, open, fchmod, geteuid, waitid) goes through the one syscall(2) shape below, so one is bound.
    private static final class Kill {
        static final MethodHandle H = handle("kill",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Write {
        static final MethodHandle H = handle("write",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
    }

    /** openat(2) is variadic after the flags (the mode). */
    private static final class Openat {
        static final MethodHandle H = handle("openat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(3), CAPTURE_ERRNO);
    }

    private static final class Renameat {
        static final MethodHandle H = handle("renameat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS),
                CAPTURE_ERRNO);
    }

    private static final class Unlinkat {
        static final MethodHandle H = handle("unlinkat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class Dup {
        static final MethodHandle H = handle("dup",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class Poll {
        static final MethodHandle H = handle("poll",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    // syscall(2) is variadic: every argument after the number is passed as a long register (a
    // pointer as its address); the kernel ignores the trailing arguments a call does not take.
    private static final class Syscall {
        static final MethodHandle H = handle("syscall",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    private static final class Syscall4 {
        static final MethodHandle H = handle("syscall",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

    private static final class Syscall5 {
        static final MethodHandle H = handle("syscall",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }

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
            int rc = (int) Kill.H.invokeExact(state, (int) pid, signal);
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
            int rc = (int) Kill.H.invokeExact(state, (int) -pgid, signal);
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
        java.util.List<Long> groups = new java.util.ArrayList<>();
        for (String c : children.trim().split("\\s+")) {
            if (!c.isEmpty()) {
                long child = Long.parseLong(c);
                if (killGroup(child, 9)) {
                    groups.add(child);
                } else {
                    kill(child, 9);
                }
            }
        }
        // Return only once the killed processes are gone (reaped by the task's init), so the caller
        // sees the task's cgroup as it was before the exec.
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (long g : groups) {
            while (killGroup(g, 0) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        enter.destroyForcibly();
    }

    /** pidfd_open(2): a file descriptor referring to {@code pid}; throws ErrnoException (ESRCH if gone). */
    public static int pidfdOpen(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) Syscall.H.invokeExact(state, SYS_PIDFD_OPEN, pid, 0L, 0L, 0L, 0L);
            if (rc < 0) {
                throw new ErrnoException("pidfd_open(" + pid + ")", (int) ERRNO.get(state, 0L));
            }
            return (int) rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final long SYS_WAITID = 247;
    private static final long P_PIDFD = 3;
    private static final long WNOHANG = 1;
    private static final long WEXITED = 4;
    private static final int CLD_EXITED = 1;
    public static final int ECHILD = 10;

    /** How a child ended, as waitid(2) reports it: an exit code, or the signal that killed it. */
    public record ChildExit(int code, int signal) {
    }

    /**
     * Reaps the process behind {@code pidfd} if it is this process's child and has ended
     * (waitid(P_PIDFD, WEXITED | WNOHANG)).
     *
     * @return how it ended; empty when it still runs or is not our child (someone else reaps it)
     */
    public static java.util.Optional<ChildExit> reap(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment info = arena.allocate(128, 8); // siginfo_t, zeroed: si_pid stays 0 if nothing ended
            long rc = (long) Syscall.H.invokeExact(state, SYS_WAITID, P_PIDFD, (long) pidfd, info.address(),
                    WEXITED | WNOHANG, 0L);
            if (rc < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ECHILD) {
                    return java.util.Optional.empty();
                }
                throw new ErrnoException("waitid(pidfd)", errno);
            }
            if (info.get(ValueLayout.JAVA_INT, 16) == 0) {
                return java.util.Optional.empty();
            }
            int code = info.get(ValueLayout.JAVA_INT, 8); // si_code
            int status = info.get(ValueLayout.JAVA_INT, 24); // si_status
            return java.util.Optional.of(code == CLD_EXITED ? new ChildExit(status, 0) : new ChildExit(128 + status, status));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pidfd_send_signal(2). Returns false when the process has exited. */
    public static boolean pidfdSendSignal(int pidfd, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) Syscall5.H.invokeExact(state, SYS_PIDFD_SEND_SIGNAL, (long) pidfd, (long) signal, 0L, 0L);
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
        return pollReadable(new int[] {pidfd}, timeoutMillis).get(0);
    }

    private static final int O_NONBLOCK = 04000;
    private static final long SYS_READ = 0;
    private static final long SYS_WRITE = 1;
    private static final long SYS_PIPE2 = 293;

    // pipe, poke and drain go through syscall(2) too: each downcall handle bound costs a cold JVM
    // tens of milliseconds (three more made `corral run` 0.3 s slower).

    /** pipe2(O_CLOEXEC | O_NONBLOCK): {read end, write end}. */
    public static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment fds = arena.allocate(8, 4);
            if ((long) Syscall.H.invokeExact(state, SYS_PIPE2, fds.address(), (long) (O_CLOEXEC | O_NONBLOCK), 0L, 0L, 0L) != 0) {
                throw new ErrnoException("pipe2", (int) ERRNO.get(state, 0L));
            }
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One byte into a (non-blocking) pipe; a full pipe is fine (a wake-up is already pending). */
    public static void poke(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long n = (long) Syscall.H.invokeExact(state, SYS_WRITE, (long) fd, arena.allocate(1).address(), 1L, 0L, 0L);
            assert n <= 1; // -1 with EAGAIN: full, a wake-up is pending anyway
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads and drops what a non-blocking pipe holds. */
    public static void drain(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(256);
            while ((long) Syscall.H.invokeExact(state, SYS_READ, (long) fd, buf.address(), 256L, 0L, 0L) > 0) {
                // drained
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * poll(2) for readability of every fd, at most {@code timeoutMillis} (-1 = forever); a blocking
     * native call, for a platform thread.
     *
     * @return the indexes of the readable (or hung-up) fds
     */
    public static java.util.BitSet pollReadable(int[] fds, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment pfds = arena.allocate(8L * fds.length, 4);
            for (int i = 0; i < fds.length; i++) {
                pfds.set(ValueLayout.JAVA_INT, 8L * i, fds[i]);
                pfds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, POLLIN);
                pfds.set(ValueLayout.JAVA_SHORT, 8L * i + 6, (short) 0);
            }
            java.util.BitSet ready = new java.util.BitSet(fds.length);
            int rc = (int) Poll.H.invokeExact(state, pfds, (long) fds.length, timeoutMillis);
            if (rc < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR) {
                    return ready;
                }
                throw new ErrnoException("poll", errno);
            }
            for (int i = 0; rc > 0 && i < fds.length; i++) {
                if (pfds.get(ValueLayout.JAVA_SHORT, 8L * i + 6) != 0) {
                    ready.set(i);
                }
            }
            return ready;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) Syscall.H.invokeExact(state, SYS_CLOSE, (long) fd, 0L, 0L, 0L, 0L);
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
            int rc = (int) Dup.H.invokeExact(state, fd);
            if (rc < 0) {
                throw new ErrnoException("dup(" + fd + ")", (int) ERRNO.get(state, 0L));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final long SYS_STATX = 332;
    private static final long AT_FDCWD = -100;
    private static final long AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long STATX_TYPE_AND_MODE = 0x3;
    private static final long STATX_MODE_OFFSET = 28; // struct statx: mask, blksize, attributes, nlink, uid, gid, mode
    private static final int ENOENT = 2;
    /** S_IFMT and the file types lstatMode reports. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFLNK = 0120000;

    /**
     * The type and mode bits of {@code path} as lstat(2) reports them (a final symlink is not
     * followed), or -1 when it does not exist (ENOENT, ENOTDIR). Why not Files.readAttributes: a
     * missing file costs it an exception with its stack trace, and a task's start looks up paths
     * that are missing as a rule (Nomad's command lookup tries {@code local/<command>} first).
     *
     * @throws ErrnoException any other failure (EACCES, ELOOP, ENAMETOOLONG...)
     */
    public static int lstatMode(java.nio.file.Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment name = arena.allocateFrom(path.toString());
            MemorySegment statx = arena.allocate(256, 8);
            long rc = (long) Syscall.H.invokeExact(state, SYS_STATX, AT_FDCWD, name.address(), AT_SYMLINK_NOFOLLOW,
                    STATX_TYPE_AND_MODE, statx.address());
            if (rc < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ENOENT || errno == ENOTDIR) {
                    return -1;
                }
                throw new ErrnoException("statx(" + path + ")", errno);
            }
            return Short.toUnsignedInt(statx.get(ValueLayout.JAVA_SHORT, STATX_MODE_OFFSET));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final long STATX_MNT_ID = 0x1000;
    private static final long STATX_MNT_ID_OFFSET = 0x90; // struct statx: stx_mnt_id

    /**
     * The id of the mount {@code path} is on (statx STATX_MNT_ID; the id in /proc/self/mountinfo),
     * following symlinks. Two paths on one mount can be renamed into each other; on two mounts of
     * one filesystem (a bind mount) they cannot (EXDEV).
     *
     * @throws ErrnoException the path cannot be looked up
     */
    public static long mountId(java.nio.file.Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment name = arena.allocateFrom(path.toString());
            MemorySegment statx = arena.allocate(256, 8);
            long rc = (long) Syscall.H.invokeExact(state, SYS_STATX, AT_FDCWD, name.address(), 0L, STATX_MNT_ID,
                    statx.address());
            if (rc < 0) {
                throw new ErrnoException("statx(" + path + ")", (int) ERRNO.get(state, 0L));
            }
            return statx.get(ValueLayout.JAVA_LONG, STATX_MNT_ID_OFFSET);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Opens {@code dir} as a directory without following a symbolic link at its last component and,
     * if {@code mode >= 0}, fchmods it: a link planted there (by a task, in a directory it can
     * write) makes this fail with ELOOP instead of changing the link's target.
     *
     * @throws ErrnoException ELOOP for a symlink, ENOTDIR for a non-directory
     */
    public static void checkDirNoFollow(java.nio.file.Path dir, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment path = arena.allocateFrom(dir.toString());
            int fd = (int) (long) Syscall.H.invokeExact(state, SYS_OPEN, path.address(),
                    (long) (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), 0L, 0L, 0L);
            if (fd < 0) {
                throw new ErrnoException("open(" + dir + ", O_NOFOLLOW|O_DIRECTORY)", (int) ERRNO.get(state, 0L));
            }
            try {
                if (mode >= 0 && (long) Syscall.H.invokeExact(state, SYS_FCHMOD, (long) fd, (long) mode, 0L, 0L, 0L) != 0) {
                    throw new ErrnoException("fchmod(" + dir + ")", (int) ERRNO.get(state, 0L));
                }
            } finally {
                close(fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Atomically replaces {@code pathInRoot} with {@code content}: the directory is resolved with
     * every symlink, {@code ..} and absolute path kept inside {@code root} (openat2 RESOLVE_IN_ROOT),
     * e.g. a task's root seen through {@code /proc/<pid>/root}, where a plain open would resolve a
     * task's absolute symlink against the host's root. The data goes to a new temporary file
     * (O_EXCL|O_NOFOLLOW) renamed over the name, so a reader never sees a partial file and a symlink
     * at the name is replaced, never followed.
     */
    public static void writeInRoot(java.nio.file.Path root, String pathInRoot, byte[] content, int mode) {
        java.nio.file.Path rel = java.nio.file.Path.of("/").relativize(java.nio.file.Path.of("/").resolve(pathInRoot).normalize());
        if (rel.getNameCount() == 0 || rel.toString().isEmpty()) {
            throw new IllegalArgumentException("not a file path: " + pathInRoot);
        }
        String dir = rel.getParent() == null ? "." : rel.getParent().toString();
        String name = rel.getFileName().toString();
        String tmp = "." + name + ".corral-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rootFd = (int) (long) Syscall.H.invokeExact(state, SYS_OPEN, arena.allocateFrom(root.toString()).address(),
                    (long) (O_RDONLY | O_DIRECTORY | O_CLOEXEC), 0L, 0L, 0L);
            if (rootFd < 0) {
                throw new ErrnoException("open(" + root + ")", (int) ERRNO.get(state, 0L));
            }
            try {
                // struct open_how { u64 flags; u64 mode; u64 resolve; }
                MemorySegment how = arena.allocate(24, 8);
                how.set(ValueLayout.JAVA_LONG, 0, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                how.set(ValueLayout.JAVA_LONG, 8, 0L);
                how.set(ValueLayout.JAVA_LONG, 16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
                long dirFd = (long) Syscall4.H.invokeExact(state, SYS_OPENAT2, (long) rootFd, arena.allocateFrom(dir), how, 24L);
                if (dirFd < 0) {
                    throw new ErrnoException("openat2(" + root + ", " + dir + ", RESOLVE_IN_ROOT)", (int) ERRNO.get(state, 0L));
                }
                try {
                    int fd = (int) Openat.H.invokeExact(state, (int) dirFd, arena.allocateFrom(tmp),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
                    if (fd < 0) {
                        throw new ErrnoException("openat(" + tmp + ")", (int) ERRNO.get(state, 0L));
                    }
                    MemorySegment tmpName = arena.allocateFrom(tmp);
                    try {
                        MemorySegment buf = arena.allocate(Math.max(1, content.length));
                        MemorySegment.copy(content, 0, buf, ValueLayout.JAVA_BYTE, 0, content.length);
                        long done = 0;
                        while (done < content.length) {
                            long n = (long) Write.H.invokeExact(state, fd, buf.asSlice(done), content.length - done);
                            if (n < 0) {
                                throw new ErrnoException("write(" + pathInRoot + ")", (int) ERRNO.get(state, 0L));
                            }
                            done += n;
                        }
                        // The umask trimmed the mode given to openat.
                        if ((long) Syscall.H.invokeExact(state, SYS_FCHMOD, (long) fd, (long) mode, 0L, 0L, 0L) != 0) {
                            throw new ErrnoException("fchmod(" + pathInRoot + ")", (int) ERRNO.get(state, 0L));
                        }
                    } catch (RuntimeException e) {
                        int ignored = (int) Unlinkat.H.invokeExact(state, (int) dirFd, tmpName, 0);
                        throw e;
                    } finally {
                        close(fd);
                    }
                    if ((int) Renameat.H.invokeExact(state, (int) dirFd, tmpName, (int) dirFd, arena.allocateFrom(name)) != 0) {
                        int errno = (int) ERRNO.get(state, 0L);
                        int ignored = (int) Unlinkat.H.invokeExact(state, (int) dirFd, tmpName, 0);
                        throw new ErrnoException("renameat(" + pathInRoot + ")", errno);
                    }
                } finally {
                    close((int) dirFd);
                }
            } finally {
                close(rootFd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try (Arena arena = Arena.ofConfined()) {
            return (int) (long) Syscall.H.invokeExact(arena.allocate(CAPTURE), SYS_GETEUID, 0L, 0L, 0L, 0L, 0L);
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
