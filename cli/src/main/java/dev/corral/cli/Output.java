package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Text output shaped like Nomad's CLI: columns separated by two spaces, {@code key = value} blocks. */
final class Output {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")
            .withZone(ZoneOffset.UTC);

    private Output() {}

    /** Left-aligned columns padded to the widest cell, two spaces apart, no trailing spaces. */
    static String table(List<String[]> rows) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** {@code key = value} lines with the {@code =} aligned. */
    static String kv(List<String[]> pairs) {
        int w = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String[] p : pairs) {
            sb.append(p[0]).append(" ".repeat(w - p[0].length())).append(" = ").append(p[1]).append('\n');
        }
        return sb.toString();
    }

    static String shortId(String id) {
        return id == null ? "" : id.length() > 8 ? id.substring(0, 8) : id;
    }

    /** Formats Unix nanoseconds as Nomad's CLI does (RFC 3339, seconds). */
    static String nanosTime(long nanos) {
        if (nanos <= 0) {
            return "N/A";
        }
        return STAMP.format(Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L));
    }

    static String rfcTime(String text) {
        if (text == null || text.isEmpty() || text.startsWith("0001-01-01")) {
            return "N/A";
        }
        try {
            return STAMP.format(Instant.parse(text));
        } catch (RuntimeException e) {
            return text;
        }
    }

    /** "5m ago" style age of a Unix-nanosecond time. */
    static String ago(long nanos) {
        if (nanos <= 0) {
            return "N/A";
        }
        Duration d = Duration.between(Instant.ofEpochSecond(0, nanos), Instant.now());
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s ago";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60) + "s ago";
        }
        if (s < 86400) {
            return (s / 3600) + "h" + ((s % 3600) / 60) + "m ago";
        }
        return (s / 86400) + "d" + ((s % 86400) / 3600) + "h ago";
    }

    static String now() {
        return STAMP.format(Instant.now());
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    /** Bytes as Nomad prints them: {@code 6.3 MiB}. */
    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
