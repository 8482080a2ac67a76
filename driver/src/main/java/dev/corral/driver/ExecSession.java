package dev.corral.driver;

import dev.corral.driver.linux.Pty;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A command running inside a task for {@code alloc exec}: its streams, optional terminal and exit.
 * With a TTY, stdout carries the terminal's output (stderr included) and stderr is empty.
 * Closing the session kills the command if it is still running.
 */
public final class ExecSession implements AutoCloseable {
    private final Process process;
    private final Pty pty;
    private final CompletableFuture<Integer> exit;

    ExecSession(Process process, Pty pty) {
        this.process = process;
        this.pty = pty;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    /** The command's stdin (the terminal's input with a TTY). Close it to send EOF without a TTY. */
    public OutputStream stdin() {
        return pty != null ? pty.input() : process.getOutputStream();
    }

    /** The command's stdout (the terminal's output with a TTY). */
    public InputStream stdout() {
        return pty != null ? pty.output() : process.getInputStream();
    }

    /** The command's stderr; empty with a TTY. */
    public InputStream stderr() {
        return pty != null ? InputStream.nullInputStream() : process.getErrorStream();
    }

    /** Whether the command has a terminal. */
    public boolean tty() {
        return pty != null;
    }

    /** A window size change (the command gets SIGWINCH); ignored without a TTY, as in Nomad. */
    public void resize(TerminalSize size) throws IOException {
        if (pty != null) {
            pty.resize(size.columns(), size.rows());
        }
    }

    /** The command's exit code (128+signal when killed). */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            dev.corral.driver.linux.LinuxSyscalls.killEnterTree(process);
        }
        if (pty != null) {
            // The master is closed only after the exit, so the last output can still be read.
            exit.whenComplete((code, err) -> pty.close());
        }
    }

    /** A terminal window size. */
    public record TerminalSize(int columns, int rows) {
        public TerminalSize {
            if (columns <= 0 || rows <= 0 || columns > 65535 || rows > 65535) {
                throw new IllegalArgumentException("terminal size must be 1..65535, got " + columns + "x" + rows);
            }
        }
    }
}
