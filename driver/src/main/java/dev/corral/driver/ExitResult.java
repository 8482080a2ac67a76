package dev.corral.driver;

/** How a task ended. */
public sealed interface ExitResult {

    /** The exit code Nomad reports: the code, 128+signal, or the sandbox's reserved code. */
    int exitCode();

    /** The signal that killed the task, 0 if none. */
    default int signal() {
        return 0;
    }

    /** True when the kernel's OOM killer killed a process of the task because of its memory limit. */
    default boolean oomKilled() {
        return false;
    }

    /** True for a clean exit 0. */
    default boolean successful() {
        return this instanceof Exited e && e.code() == 0 && !e.oomKilled();
    }

    /** Nomad's exit message: {@code "OOM Killed"}, the sandbox failure, or empty. */
    default String message() {
        return switch (this) {
            case Exited e when e.oomKilled() -> "OOM Killed";
            case Signaled s when s.oomKilled() -> "OOM Killed";
            case SandboxFailed f -> f.describe();
            default -> "";
        };
    }

    /** The task's process exited by itself with {@code code}. */
    record Exited(int code, boolean oomKilled) implements ExitResult {
        @Override
        public int exitCode() {
            return code;
        }
    }

    /** The task was killed by signal {@code signal}; Nomad reports exit code 128+signal. */
    record Signaled(int signal, boolean oomKilled) implements ExitResult {
        @Override
        public int exitCode() {
            return 128 + signal;
        }
    }

    /**
     * The task never ran: the sandbox failed at {@code step} (e.g. {@code pivot_root}, {@code execve}),
     * or it vanished without a status.
     *
     * @param step     the setup step that failed
     * @param errno    the errno of the failing call, 0 if none
     * @param error    the error text from the sandbox
     * @param exitCode the sandbox's reserved exit code (125 setup, 126 not executable, 127 not found)
     */
    record SandboxFailed(String step, int errno, String error, int exitCode) implements ExitResult {
        String describe() {
            return "sandbox failed at " + step + (errno != 0 ? " (errno " + errno + ")" : "") + ": " + error;
        }
    }
}
