package dev.corral.bench;

import static dev.corral.bench.Targets.map;
import static dev.corral.bench.Targets.num;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Markdown summary and the SVG chart (cumulative distributions of start latency). */
final class Report {
    private static final String[] COLORS = {"#d62728", "#7f7f7f", "#1f77b4", "#17becf", "#ff7f0e", "#bcbd22", "#9467bd",
            "#2ca02c", "#8c564b", "#e377c2"};

    private Report() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r, String svgName, String jsonName) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> mc = map(r.get("machine"));
        Map<String, Object> load = map(r.get("load"));
        b.append("# Corral benchmark: ").append(r.get("started_at")).append("\n\n");
        b.append("Raw results: `").append(jsonName).append("`. Reproduce: `bench/run.sh` (as root).\n\n");
        b.append("## Machine\n\n| | |\n|---|---|\n");
        for (String k : List.of("hostname", "kernel", "os", "cpu_model", "cores", "memory_kb", "java", "cgroup")) {
            b.append("| ").append(k).append(" | ").append(mc.get(k)).append(" |\n");
        }
        map(mc.get("tools")).forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        b.append("| load during the run | 1-min load average min/mean/max ").append(load.get("loadavg1_min")).append(" / ")
                .append(load.get("loadavg1_mean")).append(" / ").append(load.get("loadavg1_max")).append(" on ")
                .append(mc.get("cores")).append(" cores; CPU idle ").append(load.get("cpu_idle_percent")).append("% |\n\n");
        b.append("## Targets (issue 9)\n\n| target | measured | |\n|---|---|---|\n");
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("targets")) {
            b.append("| ").append(t.get("target")).append(" | ").append(t.get("measured")).append(" | **").append(t.get("met")).append("** |\n");
        }
        Map<String, Object> sc = map(r.get("scenarios"));
        Map<String, Object> lat = map(sc.get("latency"));
        if (lat != null) {
            b.append("\n## 1. Start latency (").append(lat.get("runs_per_system_and_payload")).append(" runs per system and payload, ")
                    .append(lat.get("rounds")).append(" interleaved rounds)\n\n");
            b.append("exec'd: start -> the static stamp payload's first instruction. exit: start -> `/bin/true` reaped. ms.\n\n");
            b.append("| system | exec'd min | p50 | p90 | p99 | max | exit min | p50 | p90 | p99 | max | exec'd p50 / corral's |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            List<Map<String, Object>> rows = (List<Map<String, Object>>) lat.get("systems");
            double corral = num(map(rows.getFirst().get("execd")).get("p50_ms"));
            for (Map<String, Object> row : rows) {
                Map<String, Object> e = map(row.get("execd"));
                Map<String, Object> x = map(row.get("exit_true"));
                b.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2fx |%n",
                        row.get("name"), num(e.get("min_ms")), num(e.get("p50_ms")), num(e.get("p90_ms")), num(e.get("p99_ms")), num(e.get("max_ms")),
                        num(x.get("min_ms")), num(x.get("p50_ms")), num(x.get("p90_ms")), num(x.get("p99_ms")), num(x.get("max_ms")),
                        num(e.get("p50_ms")) / corral));
            }
            Map<String, Object> ret = map(rows.getFirst().get("start_returned"));
            b.append(String.format(Locale.ROOT, "%nCorral's `startTask` returned after p50 %.2f ms / p99 %.2f ms (it returns once the sandbox reports the exec).%n",
                    num(ret.get("p50_ms")), num(ret.get("p99_ms"))));
            Object spare = rows.getFirst().get("starts_from_spare");
            if (spare != null) {
                b.append(String.format(Locale.ROOT, "Of Corral's measured starts, %s were handed to a spare sandbox and %s spawned theirs (no spare ready).%n",
                        spare, rows.getFirst().get("starts_spawned")));
            }
            b.append("\n");
            for (Map<String, Object> row : rows) {
                b.append("- **").append(row.get("name")).append("**: ").append(row.get("description")).append("\n");
            }
            b.append("\n![latency distributions](").append(svgName).append(")\n");
        }
        Map<String, Object> cli = map(sc.get("cli"));
        if (cli != null) {
            b.append("\n## 2. End to end: `corral run`\n\n");
            if (cli.containsKey("skipped")) {
                b.append("Skipped: ").append(cli.get("skipped")).append("\n");
            } else {
                b.append("| command | p50 ms | p90 | max |\n|---|---|---|---|\n");
                for (String k : List.of("corral_run", "corral_version", "java_jar_version_no_cds", "java_version")) {
                    Map<String, Object> s = map(cli.get(k));
                    b.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", s.get("name"), num(s.get("p50_ms")),
                            num(s.get("p90_ms")), num(s.get("max_ms"))));
                }
                b.append("\n").append(cli.get("note")).append(".\n");
            }
        }
        Map<String, Object> http = map(sc.get("http"));
        if (http != null && http.containsKey("register_to_running")) {
            Map<String, Object> s = map(http.get("register_to_running"));
            b.append(String.format(Locale.ROOT, "%n### HTTP job register -> task running (agent in-process, %s)%n%n"
                    + "| n | p50 ms | p90 | p99 | max |%n|---|---|---|---|---|%n| %s | %.1f | %.1f | %.1f | %.1f |%n",
                    http.get("job"), s.get("n"), num(s.get("p50_ms")), num(s.get("p90_ms")), num(s.get("p99_ms")), num(s.get("max_ms"))));
        }
        appendFlat(b, "3. Per-task overhead", map(sc.get("overhead")));
        appendFlat(b, "4. Density", map(sc.get("density")));
        appendFlat(b, "5. Recovery after kill -9", map(sc.get("recovery")));
        appendFlat(b, "6. Throughput", map(sc.get("throughput")));
        List<String> notes = (List<String>) r.get("notes");
        if (notes != null && !notes.isEmpty()) {
            b.append("\n## Notes\n\n");
            notes.forEach(n -> b.append("- ").append(n).append("\n"));
        }
        return b.toString();
    }

    private static void appendFlat(StringBuilder b, String title, Map<String, Object> m) {
        if (m == null) {
            return;
        }
        b.append("\n## ").append(title).append("\n\n| key | value |\n|---|---|\n");
        flatten(b, "", m);
    }

    private static void flatten(StringBuilder b, String prefix, Map<String, Object> m) {
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> sub && !sub.isEmpty()) {
                flatten(b, prefix + k + ".", map(v));
            } else {
                b.append("| ").append(prefix).append(k).append(" | ").append(v).append(" |\n");
            }
        });
    }

    /** Two panels of empirical CDFs on a log time axis: start -> exec'd, and start -> exit of /bin/true. */
    @SuppressWarnings("unchecked")
    static String svg(Map<String, Object> r) {
        Map<String, Object> lat = map(map(r.get("scenarios")).get("latency"));
        int w = 960;
        int ph = 340;
        StringBuilder s = new StringBuilder();
        s.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, 2 * ph + 40));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (lat == null) {
            s.append("<text x=\"20\" y=\"40\">latency scenario not run</text></svg>\n");
            return s.toString();
        }
        List<Map<String, Object>> rows = (List<Map<String, Object>>) lat.get("systems");
        panel(s, rows, "execd", "start -> exec'd (stamp payload): cumulative share of runs", 0, w, ph);
        panel(s, rows, "exit_true", "start -> exit of /bin/true: cumulative share of runs", ph + 20, w, ph);
        s.append("</svg>\n");
        return s.toString();
    }

    @SuppressWarnings("unchecked")
    private static void panel(StringBuilder s, List<Map<String, Object>> rows, String key, String title, int y0, int w, int h) {
        int left = 60;
        int right = 200;
        int top = y0 + 30;
        int bottom = y0 + h - 30;
        double lo = 0.1;
        double hi = 100;
        for (Map<String, Object> row : rows) {
            double max = num(map(row.get(key)).get("p99_ms"));
            if (max > hi) {
                hi = Math.pow(10, Math.ceil(Math.log10(max)));
            }
        }
        double llo = Math.log10(lo);
        double lhi = Math.log10(hi);
        int pw = w - left - right;
        s.append(String.format("<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", left, y0 + 18, esc(title)));
        s.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", left, top, pw, bottom - top));
        for (double t = lo; t <= hi * 1.0001; t *= 10) {
            for (int m = 1; m < 10; m++) {
                double v = t * m;
                if (v > hi * 1.0001) {
                    break;
                }
                double x = left + (Math.log10(v) - llo) / (lhi - llo) * pw;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n", x, top, x, bottom, m == 1 ? "#bbb" : "#eee"));
                if (m == 1) {
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s ms</text>%n", x, bottom + 15, t < 1 ? String.valueOf(t) : String.valueOf((long) t)));
                }
            }
        }
        for (int q = 0; q <= 4; q++) {
            double y = bottom - q / 4.0 * (bottom - top);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>%n",
                    left, y, left + pw, y, left - 4, y + 4, q * 25));
        }
        int i = 0;
        for (Map<String, Object> row : rows) {
            Map<String, Object> st = map(row.get(key));
            Object raw = st.get("samples_us");
            if (!(raw instanceof long[]) && !(raw instanceof List<?>)) {
                continue;
            }
            long[] us = raw instanceof long[] a ? a : ((List<Number>) raw).stream().mapToLong(Number::longValue).toArray();
            if (us.length == 0) {
                continue;
            }
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < us.length; k++) {
                double ms = Math.max(lo, Math.min(hi, us[k] / 1000.0));
                double x = left + (Math.log10(ms) - llo) / (lhi - llo) * pw;
                double y = bottom - (k + 1.0) / us.length * (bottom - top);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            s.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" points=\"%s\"/>%n", color,
                    "corral".equals(row.get("name")) ? "3" : "1.5", pts.toString().trim()));
            int ly = top + 14 + i * 18;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s p50 %.2f ms</text>%n",
                    left + pw + 10, ly - 4, left + pw + 30, ly - 4, color, left + pw + 35, ly, esc(String.valueOf(row.get("name"))), num(st.get("p50_ms"))));
            i++;
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    /** The targets as plain text, for the console. */
    @SuppressWarnings("unchecked")
    static String targetsText(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("targets")) {
            b.append(String.format("%-8s %s: %s%n", t.get("met"), t.get("target"), t.get("measured")));
        }
        return b.toString();
    }
}
