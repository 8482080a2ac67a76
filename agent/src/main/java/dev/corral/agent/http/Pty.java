package dev.corral.agent.http;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A pseudo-terminal pair for {@code alloc exec -t}, through libc via the FFM API: the master
 * side stays here, the child opens the slave by path. Reads poll with a timeout so that
 * {@link #close()} from another thread ends a blocked reader.
 */
final class Pty implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle POSIX_OPENPT = fn("posix_openpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GRANTPT = fn("grantpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLOCKPT = fn("unlockpt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PTSNAME_R = fn("ptsname_r", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = fn("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final long TIOCSWINSZ = 0x5414;
    private static final short POLLIN = 1;

    private final int master;
    private final String slavePath;
    /** Guards {@link #closed}; the fd is closed once. */
    private final Object lock = new Object();
    private boolean closed;

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d);
    }

    private Pty(int master, String slavePath) {
        this.master = master;
        this.slavePath = slavePath;
    }

    /** Opens a new pty with the given window size (0 keeps the kernel default). */
    static Pty open(int cols, int rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) POSIX_OPENPT.invokeExact(O_RDWR | O_NOCTTY);
            if (fd < 0) {
                throw new IOException("posix_openpt failed");
            }
            MemorySegment name = arena.allocate(128);
            if ((int) GRANTPT.invokeExact(fd) != 0 || (int) UNLOCKPT.invokeExact(fd) != 0
                    || (int) PTSNAME_R.invokeExact(fd, name, 128L) != 0) {
                int ignored = (int) CLOSE.invokeExact(fd);
                throw new IOException("could not set up the pseudo-terminal (grantpt/unlockpt/ptsname)");
            }
            Pty pty = new Pty(fd, name.getString(0));
            if (cols > 0 && rows > 0) {
                pty.resize(cols, rows);
            }
            return pty;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** The slave device path, e.g. {@code /dev/pts/3}, for the child's stdin/stdout/stderr. */
    String slavePath() {
        return slavePath;
    }

    void resize(int cols, int rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8);
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
            if ((int) IOCTL.invokeExact(master, TIOCSWINSZ, ws) != 0) {
                throw new IOException("TIOCSWINSZ failed");
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * Reads what the child wrote: a count, 0 when nothing arrived within {@code timeoutMillis},
     * or -1 at end (the child side is closed, which Linux reports as EIO, or this pty is closed).
     */
    int read(byte[] buf, int timeoutMillis) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(8);
            pfd.set(ValueLayout.JAVA_INT, 0, master);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            synchronized (lock) {
                if (closed) {
                    return -1;
                }
            }
            int ready = (int) POLL.invokeExact(pfd, 1L, timeoutMillis);
            if (ready == 0) {
                return 0;
            }
            MemorySegment seg = arena.allocate(buf.length);
            long n;
            synchronized (lock) {
                if (closed) {
                    return -1;
                }
                n = (long) READ.invokeExact(master, seg, (long) buf.length);
            }
            if (n <= 0) {
                return -1;
            }
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, 0, (int) n);
            return (int) n;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    void write(byte[] data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, data.length);
            long off = 0;
            while (off < data.length) {
                long n = (long) WRITE.invokeExact(master, seg.asSlice(off), data.length - off);
                if (n <= 0) {
                    throw new IOException("write to pseudo-terminal failed");
                }
                off += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                try {
                    int ignored = (int) CLOSE.invokeExact(master);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            }
        }
    }
}
