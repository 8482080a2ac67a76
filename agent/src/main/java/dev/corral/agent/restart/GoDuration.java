package dev.corral.agent.restart;

import java.time.Duration;

/** Formats durations exactly as Go's {@code time.Duration.String()} does, because Nomad's messages embed it. */
public final class GoDuration {
    private GoDuration() {}

    /** E.g. {@code 0s}, {@code 1.5ms}, {@code 15s}, {@code 16.25s}, {@code 30m0s}, {@code 24h0m0s}. */
    public static String format(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0s";
        }
        boolean neg = n < 0;
        long u = Math.abs(n);
        StringBuilder sb = new StringBuilder();
        if (u < 1_000_000_000L) {
            // Sub-second: one unit with a fraction.
            String unit;
            long scale;
            if (u < 1_000L) {
                return (neg ? "-" : "") + u + "ns";
            } else if (u < 1_000_000L) {
                unit = "µs";
                scale = 1_000L;
            } else {
                unit = "ms";
                scale = 1_000_000L;
            }
            sb.append(fraction(u, scale)).append(unit);
        } else {
            long secsNanos = u % 60_000_000_000L;
            long totalMinutes = u / 60_000_000_000L;
            String secs = fraction(secsNanos, 1_000_000_000L) + "s";
            if (totalMinutes > 0) {
                long hours = totalMinutes / 60;
                long minutes = totalMinutes % 60;
                if (hours > 0) {
                    sb.append(hours).append('h');
                }
                sb.append(minutes).append('m');
            }
            sb.append(secs);
        }
        return (neg ? "-" : "") + sb;
    }

    private static String fraction(long value, long scale) {
        long whole = value / scale;
        long frac = value % scale;
        if (frac == 0) {
            return Long.toString(whole);
        }
        String digits = String.format("%0" + Long.toString(scale).length() + "d", frac).substring(1);
        digits = digits.replaceAll("0+$", "");
        return whole + "." + digits;
    }
}
