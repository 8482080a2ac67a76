package dev.corral.agent.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Version constraints like {@code ">= 1.2, < 2"} with the two flavours Nomad offers:
 * {@code version} (hashicorp/go-version rules: {@code ~>}, and a pre-release version only
 * matches a constraint naming a pre-release of the same base) and {@code semver} (plain Semantic
 * Versioning order, no {@code ~>}).
 */
public final class VersionConstraint {
    private static final Pattern LOOSE = Pattern.compile(
            "^v?(\\d+(?:\\.\\d+)*)(?:-?([0-9A-Za-z\\-~]+(?:\\.[0-9A-Za-z\\-~]+)*))?(?:\\+([0-9A-Za-z\\-~]+(?:\\.[0-9A-Za-z\\-~]+)*))?$");
    private static final Pattern STRICT = Pattern.compile(
            "^v?(\\d+(?:\\.\\d+)*)(?:-([0-9A-Za-z\\-~]+(?:\\.[0-9A-Za-z\\-~]+)*))?(?:\\+([0-9A-Za-z\\-~]+(?:\\.[0-9A-Za-z\\-~]+)*))?$");
    private static final Pattern PART = Pattern.compile("^\\s*(~>|>=|<=|!=|=|>|<)?\\s*(\\S+)\\s*$");

    /** Which rule set to apply. */
    public enum Flavor { VERSION, SEMVER }

    /** A parsed version: numeric segments (at least 3), how many were written, pre-release text. */
    record Version(long[] segments, int specified, String prerelease) implements Comparable<Version> {
        @Override
        public int compareTo(Version o) {
            int n = Math.max(segments.length, o.segments.length);
            for (int i = 0; i < n; i++) {
                long a = i < segments.length ? segments[i] : 0;
                long b = i < o.segments.length ? o.segments[i] : 0;
                if (a != b) {
                    return Long.compare(a, b);
                }
            }
            return comparePrerelease(prerelease, o.prerelease);
        }

        boolean sameBase(Version o) {
            int n = Math.max(segments.length, o.segments.length);
            for (int i = 0; i < n; i++) {
                long a = i < segments.length ? segments[i] : 0;
                long b = i < o.segments.length ? o.segments[i] : 0;
                if (a != b) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Part(String op, Version version) {}

    private final Flavor flavor;
    private final List<Part> parts;

    private VersionConstraint(Flavor flavor, List<Part> parts) {
        this.flavor = flavor;
        this.parts = parts;
    }

    /**
     * Parses a comma-separated constraint list.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static VersionConstraint parse(String text, Flavor flavor) {
        List<Part> parts = new ArrayList<>();
        for (String raw : text.split(",")) {
            Matcher m = PART.matcher(raw);
            if (!m.matches()) {
                throw new IllegalArgumentException("Malformed constraint: " + raw.trim());
            }
            String op = m.group(1) == null ? "=" : m.group(1);
            if (flavor == Flavor.SEMVER && op.equals("~>")) {
                throw new IllegalArgumentException("Malformed constraint: " + raw.trim()
                        + " (the semver operator does not support ~>)");
            }
            Version v = parseVersion(m.group(2), flavor)
                    .orElseThrow(() -> new IllegalArgumentException("Malformed constraint: " + raw.trim()));
            parts.add(new Part(op, v));
        }
        return new VersionConstraint(flavor, parts);
    }

    static Optional<Version> parseVersion(String text, Flavor flavor) {
        Matcher m = (flavor == Flavor.SEMVER ? STRICT : LOOSE).matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        String[] segs = m.group(1).split("\\.");
        long[] out = new long[Math.max(3, segs.length)];
        try {
            for (int i = 0; i < segs.length; i++) {
                out[i] = Long.parseLong(segs[i]);
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new Version(out, segs.length, m.group(2) == null ? "" : m.group(2)));
    }

    /** True when {@code version} parses and satisfies every part. */
    public boolean matches(String version) {
        Optional<Version> v = parseVersion(version, flavor);
        if (v.isEmpty()) {
            return false;
        }
        for (Part p : parts) {
            if (!check(p, v.get())) {
                return false;
            }
        }
        return true;
    }

    private boolean check(Part p, Version v) {
        Version c = p.version;
        int cmp = v.compareTo(c);
        if (flavor == Flavor.SEMVER) {
            return switch (p.op) {
                case "=" -> cmp == 0;
                case "!=" -> cmp != 0;
                case ">" -> cmp > 0;
                case ">=" -> cmp >= 0;
                case "<" -> cmp < 0;
                case "<=" -> cmp <= 0;
                default -> false;
            };
        }
        return switch (p.op) {
            case "=" -> cmp == 0;
            case "!=" -> cmp != 0;
            case ">" -> prereleaseCheck(v, c) && cmp > 0;
            case ">=" -> prereleaseCheck(v, c) && cmp >= 0;
            case "<" -> prereleaseCheck(v, c) && cmp < 0;
            case "<=" -> prereleaseCheck(v, c) && cmp <= 0;
            case "~>" -> pessimistic(v, c);
            default -> false;
        };
    }

    private static boolean prereleaseCheck(Version v, Version c) {
        boolean vPre = !v.prerelease.isEmpty();
        boolean cPre = !c.prerelease.isEmpty();
        if (cPre && vPre) {
            return v.sameBase(c);
        }
        return !(vPre && !cPre);
    }

    private static boolean pessimistic(Version v, Version c) {
        if (!prereleaseCheck(v, c) || (!c.prerelease.isEmpty() && v.prerelease.isEmpty())) {
            return false;
        }
        if (v.compareTo(c) < 0) {
            return false;
        }
        int cs = c.segments.length;
        if (cs > v.segments.length) {
            return false;
        }
        for (int i = 0; i < c.specified - 1; i++) {
            if (v.segments[i] != c.segments[i]) {
                return false;
            }
        }
        return c.segments[cs - 1] <= v.segments[cs - 1];
    }

    /** Semantic Versioning pre-release order: none is highest; identifiers numeric before alphanumeric. */
    static int comparePrerelease(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isEmpty()) {
            return 1;
        }
        if (b.isEmpty()) {
            return -1;
        }
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean xn = x[i].chars().allMatch(Character::isDigit);
            boolean yn = y[i].chars().allMatch(Character::isDigit);
            int c;
            if (xn && yn) {
                c = new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i]));
            } else if (xn) {
                c = -1;
            } else if (yn) {
                c = 1;
            } else {
                c = x[i].compareTo(y[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
