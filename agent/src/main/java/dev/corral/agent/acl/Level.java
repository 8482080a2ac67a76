package dev.corral.agent.acl;

import java.util.Locale;

/** A coarse policy level ({@code policy = "deny" | "read" | "write"}); when merged, deny wins, else the higher. */
public enum Level {
    DENY, READ, WRITE;

    /** The level for a policy string, or null when it is not one of deny, read, write. */
    static Level of(String s) {
        return switch (s) {
            case "deny" -> DENY;
            case "read" -> READ;
            case "write" -> WRITE;
            default -> null;
        };
    }

    /** Merges two levels of different policies; null means "not set". */
    static Level merge(Level a, Level b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a == DENY || b == DENY) {
            return DENY;
        }
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** Whether this level grants {@code wanted} (READ or WRITE). */
    boolean grants(Level wanted) {
        return this != DENY && ordinal() >= wanted.ordinal();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
