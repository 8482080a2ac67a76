package dev.corral.jobspec;

import java.math.BigDecimal;
import java.time.Duration;

/** Go's {@code time.ParseDuration} syntax, which Nomad job files use: {@code "1h30m"}, {@code "500ms"}, {@code "1.5s"}. */
public final class Durations {

    private Durations() {
    }

    /**
     * Parses a Go duration string.
     *
     * @throws IllegalArgumentException with Go's message, {@code time: invalid duration "x"}
     */
    public static Duration parse(String s) {
        String orig = s;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalid(orig);
        }
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) {
                throw invalid(orig);
            }
            int us = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(us, i);
            long nanos = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw new IllegalArgumentException("time: missing unit in duration \"" + orig + "\"");
                default -> throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + orig + "\"");
            };
            total = total.add(new BigDecimal(num.startsWith(".") ? "0" + num : num).multiply(BigDecimal.valueOf(nanos)));
        }
        if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("time: invalid duration \"" + orig + "\": too large");
        }
        long n = total.longValue();
        return Duration.ofNanos(neg ? -n : n);
    }

    /** Go's rendering: {@code 1h30m0s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (n < 0) {
            sb.append('-');
            n = -n;
        }
        if (n < 1_000_000_000L) {
            if (n % 1_000_000L == 0) {
                return sb.append(n / 1_000_000L).append("ms").toString();
            }
            if (n % 1_000L == 0) {
                return sb.append(n / 1_000L).append("us").toString();
            }
            return sb.append(n).append("ns").toString();
        }
        long h = n / 3_600_000_000_000L;
        n %= 3_600_000_000_000L;
        long m = n / 60_000_000_000L;
        n %= 60_000_000_000L;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        BigDecimal secs = BigDecimal.valueOf(n, 9).stripTrailingZeros();
        return sb.append(secs.signum() == 0 ? "0" : secs.toPlainString()).append('s').toString();
    }

    private static IllegalArgumentException invalid(String s) {
        return new IllegalArgumentException("time: invalid duration \"" + s + "\"");
    }
}
