package dev.corral.driver.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * A pseudo-terminal pair for {@code alloc exec -t}: the master stays in the JVM (read/write/resize
 * through FFM), the slave path is handed to the sandbox as its stdin/stdout/stderr, and the sandbox
 * makes it the controlling terminal of the command's session.
 */
public final class Pty implements AutoCloseable {
    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    private static final int O_CLOEXEC = 02000000;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int EIO = 5;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_OPENPT = handle("posix_openpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GRANTPT = handle("grantpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle UNLOCKPT = handle("unlockpt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PTSNAME_R = handle("ptsname_r",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle READ = handle("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    // ioctl(2) is variadic after the request.
    private static final MethodHandle IOCTL = handle("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));

    private final int master;
    private final Path slave;
    /** Guarded by {@code this}. */
    private boolean closed;

    private Pty(int master, Path slave) {
        this.master = master;
        this.slave = slave;
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd, options);
    }

    /** Opens a new pty pair with the given window size. */
    public static Pty open(int columns, int rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) POSIX_OPENPT.invokeExact(O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("posix_openpt failed");
            }
            MemorySegment name = arena.allocate(128);
            if ((int) GRANTPT.invokeExact(fd) != 0 || (int) UNLOCKPT.invokeExact(fd) != 0
                    || (int) PTSNAME_R.invokeExact(fd, name, 128L) != 0) {
                LinuxSyscalls.close(fd);
                throw new IOException("cannot set up the pty slave");
            }
            Pty pty = new Pty(fd, Path.of(name.getString(0)));
            pty.resize(columns, rows);
            return pty;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** The slave device the command gets as stdin, stdout and stderr. */
    public Path slavePath() {
        return slave;
    }

    /** TIOCSWINSZ: the command gets SIGWINCH. */
    public void resize(int columns, int rows) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2); // struct winsize { ushort row, col, xpixel, ypixel; }
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
            if ((int) IOCTL.invokeExact(master, TIOCSWINSZ, ws) != 0) {
                throw new IOException("TIOCSWINSZ failed on the pty");
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** What the command writes to its terminal. EOF once every slave descriptor is closed. */
    public InputStream output() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int n = read(b, 0, 1);
                return n < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                    MemorySegment buf = arena.allocate(len);
                    long n = (long) READ.invokeExact(state, master, buf, (long) len);
                    if (n < 0) {
                        int errno = state.get(ValueLayout.JAVA_INT, 0);
                        // EIO on the master means the slave side hung up: end of output.
                        if (errno == EIO) {
                            return -1;
                        }
                        throw new IOException("read from pty failed: errno " + errno);
                    }
                    if (n == 0) {
                        return -1;
                    }
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                    return (int) n;
                } catch (IOException e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IOException(t);
                }
            }
        };
    }

    /** The command's terminal input. */
    public OutputStream input() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                    MemorySegment buf = arena.allocate(Math.max(1, len));
                    MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                    long done = 0;
                    while (done < len) {
                        long n = (long) WRITE.invokeExact(state, master, buf.asSlice(done), len - done);
                        if (n < 0) {
                            throw new IOException("write to pty failed: errno " + state.get(ValueLayout.JAVA_INT, 0));
                        }
                        done += n;
                    }
                } catch (IOException e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IOException(t);
                }
            }
        };
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LinuxSyscalls.close(master);
        }
    }
}
