package dev.corral.agent.state;

import java.util.Map;

/**
 * One task event as Nomad reports it. Specific values (exit code, restart reason, kill timeout...)
 * live in {@code details} under Nomad's detail keys ({@code exit_code}, {@code restart_reason},
 * {@code kill_timeout}, {@code start_delay}, {@code fails_task}, {@code oom_killed}...).
 *
 * @param type            Nomad's exact type string, e.g. {@code Terminated}, {@code Restarting}
 * @param timeNs          Unix nanoseconds
 * @param message         the raw message, if any
 * @param displayMessage  the text {@code alloc status} shows
 */
public record TaskEvent(String type, long timeNs, String message, String displayMessage,
                        Map<String, String> details, boolean failsTask) {
    public TaskEvent {
        details = details == null ? Map.of() : Map.copyOf(details);
        message = message == null ? "" : message;
    }
}
