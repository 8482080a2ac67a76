package dev.corral.driver;

import java.util.Locale;

/** Whether a task gets its own PID or IPC namespace ({@code private}) or shares the host's ({@code host}). */
public enum NamespaceMode {
    PRIVATE,
    HOST;

    /** The job-file spelling: {@code private} or {@code host}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a job-file or plugin-config value.
     *
     * @param field the config key, used in the error message (e.g. {@code pid_mode})
     * @throws IllegalArgumentException with Nomad's wording: {@code pid_mode must be "private" or "host", got "x"}
     */
    public static NamespaceMode parse(String field, String value) {
        return switch (value) {
            case "private" -> PRIVATE;
            case "host" -> HOST;
            default -> throw new IllegalArgumentException(
                    field + " must be \"private\" or \"host\", got \"" + value + "\"");
        };
    }
}
