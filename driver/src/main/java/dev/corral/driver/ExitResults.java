package dev.corral.driver;

import dev.corral.driver.linux.SandboxStatus;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/** Turns what the sandbox left behind (status file, its own exit code) into an {@link ExitResult}. */
final class ExitResults {
    private ExitResults() {
    }

    /**
     * @param status      the parsed status file, if readable
     * @param sandboxExit the sandbox process's exit code when we were its parent
     * @param oomKilled   whether the task's cgroup recorded an OOM kill
     * @param statusFile  for the message when the status is missing
     */
    static ExitResult from(Optional<SandboxStatus> status, OptionalInt sandboxExit, boolean oomKilled, Path statusFile) {
        if (status.isPresent()) {
            SandboxStatus s = status.get();
            if (s.failed() || !s.execOk()) {
                return new ExitResult.SandboxFailed(s.failedStep().isEmpty() ? "unknown" : s.failedStep(), s.errno(),
                        s.error(), sandboxExit.orElse(s.exitCode().orElse(125)));
            }
            if (s.exited()) {
                if (s.signal() > 0) {
                    return new ExitResult.Signaled(s.signal(), oomKilled);
                }
                if (s.exitCode().isPresent()) {
                    int code = s.exitCode().getAsInt();
                    return new ExitResult.Exited(code, oomKilled);
                }
            }
        }
        String state = status.map(s -> "state " + s.state()).orElse("missing or unreadable");
        return new ExitResult.SandboxFailed("wait", 0,
                "the sandbox ended without recording the task's exit (status file " + statusFile + ": " + state + ")",
                sandboxExit.orElse(125));
    }
}
