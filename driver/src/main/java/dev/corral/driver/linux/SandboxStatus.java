package dev.corral.driver.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The sandbox's status file ({@code key=value} lines, {@code version=1} first), parsed tolerantly:
 * unknown keys are ignored, a missing or garbled file gives {@link Optional#empty()}, a missing
 * numeric key gives an empty optional.
 *
 * @param state       {@code running}, {@code exited} or {@code failed}
 * @param sandboxPid  host pid of {@code corral-sandbox run}
 * @param initPid     host pid of the sandbox's PID-1 process
 * @param taskPid     pid of the task (inside its PID namespace)
 * @param startedNs   CLOCK_REALTIME ns when the task exec'd
 * @param execOk      whether execve succeeded
 * @param exitCode    exit code when the task exited
 * @param signal      signal that killed the task, 0 if none
 * @param finishedNs  CLOCK_REALTIME ns of the end
 * @param utimeUs     user CPU of the task
 * @param stimeUs     system CPU of the task
 * @param maxRssKb    max RSS of the task
 * @param failedStep  setup step that failed
 * @param errno       errno of that step
 * @param error       error text
 */
public record SandboxStatus(
        String state,
        OptionalLong sandboxPid,
        OptionalLong initPid,
        OptionalLong taskPid,
        OptionalLong startedNs,
        boolean execOk,
        OptionalInt exitCode,
        int signal,
        OptionalLong finishedNs,
        OptionalLong utimeUs,
        OptionalLong stimeUs,
        OptionalLong maxRssKb,
        String failedStep,
        int errno,
        String error) {

    public boolean running() {
        return state.equals("running");
    }

    public boolean exited() {
        return state.equals("exited");
    }

    public boolean failed() {
        return state.equals("failed");
    }

    /** Reads and parses {@code file}; empty when it does not exist or is not a version-1 status. */
    public static Optional<SandboxStatus> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Parses status text; empty when it has no {@code version=1} or no {@code state}. */
    public static Optional<SandboxStatus> parse(String text) {
        Map<String, String> kv = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1));
            }
        }
        if (!"1".equals(kv.getOrDefault("version", "").trim())) {
            return Optional.empty();
        }
        String state = kv.getOrDefault("state", "").trim();
        if (!state.equals("running") && !state.equals("exited") && !state.equals("failed")) {
            return Optional.empty();
        }
        OptionalLong code = longOf(kv, "exit_code");
        return Optional.of(new SandboxStatus(state, longOf(kv, "sandbox_pid"), longOf(kv, "init_pid"),
                longOf(kv, "task_pid"), longOf(kv, "started_ns"), longOf(kv, "exec_ok").orElse(0) == 1,
                code.isPresent() ? OptionalInt.of((int) code.getAsLong()) : OptionalInt.empty(),
                (int) longOf(kv, "signal").orElse(0), longOf(kv, "finished_ns"), longOf(kv, "utime_us"),
                longOf(kv, "stime_us"), longOf(kv, "maxrss_kb"), kv.getOrDefault("failed_step", "").trim(),
                (int) longOf(kv, "errno").orElse(0), kv.getOrDefault("error", "").trim()));
    }

    private static OptionalLong longOf(Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
