package dev.corral.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A latency sample in nanoseconds and its summary (nearest-rank percentiles), reported in ms.
 *
 * @param name   what was measured
 * @param sorted the samples, ascending, in ns
 */
record Stats(String name, long[] sorted) {

    static Stats of(String name, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return new Stats(name, s);
    }

    int n() {
        return sorted.length;
    }

    /** Nearest-rank percentile, p in [0, 100], in ns. */
    long percentile(double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double p50Ms() {
        return percentile(50) / 1e6;
    }

    double mean() {
        return Arrays.stream(sorted).average().orElse(0);
    }

    /** The JSON form: counts and ms values, plus the raw samples in µs for the chart. */
    Map<String, Object> toJson(boolean withSamples) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("n", n());
        m.put("min_ms", ms(sorted.length == 0 ? 0 : sorted[0]));
        m.put("p50_ms", ms(percentile(50)));
        m.put("p90_ms", ms(percentile(90)));
        m.put("p99_ms", ms(percentile(99)));
        m.put("max_ms", ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
        m.put("mean_ms", Math.round(mean() / 1e3) / 1e3);
        if (withSamples) {
            m.put("samples_us", Arrays.stream(sorted).map(v -> v / 1000).toArray());
        }
        return m;
    }

    static double ms(long ns) {
        return Math.round(ns / 1e3) / 1e3;
    }
}
