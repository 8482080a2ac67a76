package dev.corral.agent.runner;

import dev.corral.agent.restart.GoDuration;
import dev.corral.agent.restart.RestartTracker;
import dev.corral.agent.state.TaskEvent;
import dev.corral.driver.ExitResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/** Builds Nomad's task events with their exact type strings, detail keys and display messages. */
public final class TaskEvents {
    public static final String RECEIVED = "Received";
    public static final String SETUP = "Task Setup";
    public static final String DOWNLOADING_ARTIFACTS = "Downloading Artifacts";
    public static final String ARTIFACT_DOWNLOAD_FAILED = "Failed Artifact Download";
    public static final String FAILED_VALIDATION = "Failed Validation";
    public static final String SETUP_FAILURE = "Setup Failure";
    public static final String DRIVER_FAILURE = "Driver Failure";
    public static final String HOOK_FAILED = "Task hook failed";
    public static final String STARTED = "Started";
    public static final String TERMINATED = "Terminated";
    public static final String KILLING = "Killing";
    public static final String KILLED = "Killed";
    public static final String RESTARTING = "Restarting";
    public static final String NOT_RESTARTING = "Not Restarting";
    public static final String RESTART_SIGNAL = "Restart Signaled";
    public static final String SIGNALING = "Signaling";
    public static final String SIBLING_FAILED = "Sibling Task Failed";
    public static final String LEADER_DEAD = "Leader Task Dead";
    public static final String MAIN_DEAD = "Main Tasks Dead";
    public static final String FAILED_RESTORING = "Failed Restoring Task";
    public static final String WAITING_SHUTDOWN_DELAY = "Waiting for shutdown delay";
    public static final String DRIVER_MESSAGE = "Driver";

    private final LongSupplier clockNs;

    public TaskEvents(LongSupplier clockNs) {
        this.clockNs = clockNs;
    }

    private TaskEvent event(String type, String message, String display, Map<String, String> details, boolean fails) {
        Map<String, String> d = new LinkedHashMap<>(details);
        if (fails) {
            d.put("fails_task", "true");
        }
        return new TaskEvent(type, clockNs.getAsLong(), message, display, d, fails);
    }

    public TaskEvent received() {
        return event(RECEIVED, "", "Task received by client", Map.of(), false);
    }

    public TaskEvent setup(String message) {
        return event(SETUP, message, message, Map.of("message", message), false);
    }

    public TaskEvent downloadingArtifacts() {
        return event(DOWNLOADING_ARTIFACTS, "", "Client is downloading artifacts", Map.of(), false);
    }

    public TaskEvent artifactFailed(String error) {
        return event(ARTIFACT_DOWNLOAD_FAILED, "", error.isEmpty() ? "Failed to download artifacts" : error,
                Map.of("download_error", error), false);
    }

    public TaskEvent setupFailure(String error, boolean failsTask) {
        return event(SETUP_FAILURE, "", error.isEmpty() ? "Task setup failed" : error, Map.of("setup_error", error),
                failsTask);
    }

    public TaskEvent driverFailure(String error) {
        return event(DRIVER_FAILURE, "", error.isEmpty() ? "Failed to start task" : error,
                Map.of("driver_error", error), false);
    }

    /** {@code Task hook failed} with {@code <hook>: <error>}. */
    public TaskEvent hookFailed(String hook, String error) {
        String m = hook + ": " + error;
        return event(HOOK_FAILED, m, m, Map.of("message", m), false);
    }

    public TaskEvent started() {
        return event(STARTED, "", "Task started by client", Map.of(), false);
    }

    /** {@code Exit Code: n[, Signal: s][, Exit Message: "m"]}, with {@code oom_killed} as a detail. */
    public TaskEvent terminated(ExitResult r) {
        StringBuilder sb = new StringBuilder("Exit Code: ").append(r.exitCode());
        if (r.signal() != 0) {
            sb.append(", Signal: ").append(r.signal());
        }
        String msg = r.message();
        if (!msg.isEmpty()) {
            sb.append(", Exit Message: ").append(GoQuote.quote(msg));
        }
        Map<String, String> d = new LinkedHashMap<>();
        d.put("exit_code", Integer.toString(r.exitCode()));
        d.put("signal", Integer.toString(r.signal()));
        d.put("oom_killed", Boolean.toString(r.oomKilled()));
        if (!msg.isEmpty()) {
            d.put("exit_message", msg);
        }
        return event(TERMINATED, msg, sb.toString(), d, false);
    }

    /** {@code Sent interrupt. Waiting <timeout> before force killing} (the wording says interrupt whatever the signal). */
    public TaskEvent killing(Duration killTimeout, Duration maxKillTimeout) {
        Duration t = killTimeout.compareTo(maxKillTimeout) > 0 ? maxKillTimeout : killTimeout;
        String display = t.isZero() ? "Sent interrupt" : "Sent interrupt. Waiting " + GoDuration.format(t) + " before force killing";
        return event(KILLING, "", display, Map.of("kill_timeout", GoDuration.format(t)), false);
    }

    public TaskEvent killingReason(String reason) {
        return event(KILLING, "", reason, Map.of("kill_reason", reason), false);
    }

    public TaskEvent killed(String error) {
        return event(KILLED, "", error.isEmpty() ? "Task successfully killed" : error,
                error.isEmpty() ? Map.of() : Map.of("kill_error", error), false);
    }

    /** {@code Task restarting in <d>}, prefixed {@code <reason> - } unless the reason is the routine one. */
    public TaskEvent restarting(Duration delay, String reason) {
        String in = "Task restarting in " + GoDuration.format(delay);
        String display = reason.isEmpty() || reason.equals(RestartTracker.REASON_WITHIN_POLICY) ? in : reason + " - " + in;
        return event(RESTARTING, "", display,
                Map.of("restart_reason", reason, "start_delay", Long.toString(delay.toNanos())), false);
    }

    public TaskEvent notRestarting(String reason) {
        return event(NOT_RESTARTING, "", reason.isEmpty() ? "Task exceeded restart policy" : reason,
                Map.of("restart_reason", reason), true);
    }

    public TaskEvent restartSignaled(String reason) {
        return event(RESTART_SIGNAL, "", reason.isEmpty() ? "Task signaled to restart" : reason,
                Map.of("restart_reason", reason), false);
    }

    public TaskEvent signaling(String signal, String reason) {
        String display = signal.isEmpty() ? "Task being sent a signal" : "Task being sent signal " + signal;
        if (!reason.isEmpty()) {
            display += ": " + reason;
        }
        return event(SIGNALING, "", display, Map.of("signal", signal, "task_signal_reason", reason), false);
    }

    public TaskEvent siblingFailed(String sibling) {
        return event(SIBLING_FAILED, "", "Task's sibling " + GoQuote.quote(sibling) + " failed",
                Map.of("failed_sibling", sibling), false);
    }

    public TaskEvent leaderDead() {
        return event(LEADER_DEAD, "", "Leader Task in Group dead", Map.of(), false);
    }

    public TaskEvent mainDead() {
        return event(MAIN_DEAD, "", "Main tasks in the group died", Map.of(), false);
    }

    public TaskEvent waitingShutdownDelay(Duration d) {
        return event(WAITING_SHUTDOWN_DELAY, "",
                "Waiting for shutdown_delay of " + GoDuration.format(d) + " before killing the task.", Map.of(), false);
    }

    public TaskEvent driverMessage(String message) {
        return event(DRIVER_MESSAGE, message, message, Map.of("driver_message", message), false);
    }

    /** Go's {@code %q} for the strings we emit (quotes and backslashes escaped). */
    static final class GoQuote {
        private GoQuote() {}

        static String quote(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(c);
                }
            }
            return sb.append('"').toString();
        }
    }
}
