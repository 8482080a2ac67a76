package dev.corral.driver;

import java.util.Locale;

/** How the task sees the {@code chroot_env} entries. */
public enum RootfsMode {
    /** Read-only bind mounts of the host paths (default). */
    READONLY,
    /** A private writable copy-on-write overlay on top of the host paths, discarded with the task. */
    OVERLAY;

    /** The config spelling: {@code readonly} or {@code overlay}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the field and the allowed values */
    public static RootfsMode parse(String field, String value) {
        return switch (value) {
            case "readonly" -> READONLY;
            case "overlay" -> OVERLAY;
            default -> throw new IllegalArgumentException(
                    field + " must be \"readonly\" or \"overlay\", got \"" + value + "\"");
        };
    }
}
