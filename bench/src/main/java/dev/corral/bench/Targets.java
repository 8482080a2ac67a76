package dev.corral.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The targets of issue 9, evaluated from one run's results (ratios within the same run). */
final class Targets {
    private Targets() {
    }

    static List<Map<String, Object>> evaluate(Map<String, Object> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, Object> sc = map(results.get("scenarios"));
        Map<String, Object> lat = map(sc.get("latency"));
        if (lat != null) {
            Optional<Map<String, Object>> corral = system(lat, "corral");
            Optional<Map<String, Object>> floorCg = system(lat, "floor+cgroup");
            Optional<Map<String, Object>> bwrap = system(lat, "bwrap");
            double execd = corral.map(c -> num(map(c.get("execd")).get("p50_ms"))).orElse(Double.NaN);
            floorCg.ifPresent(f -> {
                double fl = num(map(f.get("execd")).get("p50_ms"));
                add(out, "driver start -> exec'd p50 <= 2x the C floor with its cgroup (exec'd p50)",
                        String.format("%.2f ms vs %.2f ms: %.2fx", execd, fl, execd / fl), execd / fl <= 2.0);
            });
            bwrap.ifPresentOrElse(b -> {
                double bw = num(map(b.get("exit_true")).get("p50_ms"));
                double bwExecd = num(map(b.get("execd")).get("p50_ms"));
                add(out, "driver start -> exec'd p50 at least 2x faster than bubblewrap's median (/bin/true start -> exit)",
                        String.format("bwrap %.2f ms / corral %.2f ms = %.2fx (bwrap exec'd p50 %.2f ms: %.2fx)", bw, execd,
                                bw / execd, bwExecd, bwExecd / execd), bw / execd >= 2.0);
            }, () -> add(out, "driver start -> exec'd p50 at least 2x faster than bubblewrap's median", "bwrap not installed: not measured", null));
            corral.ifPresent(c -> {
                double p99 = num(map(c.get("execd")).get("p99_ms"));
                add(out, "driver start -> exec'd p99 <= 10 ms", String.format("%.2f ms", p99), p99 <= 10.0);
            });
        }
        Map<String, Object> ov = map(sc.get("overhead"));
        if (ov != null) {
            Map<String, Object> init = map(ov.get("sandbox_init_process_kb"));
            Map<String, Object> all = map(ov.get("sandbox_all_processes_kb"));
            for (var e : List.of(Map.entry("sandbox init (PID 1) process", init),
                    Map.entry("all resident sandbox processes of a task (" + ov.get("sandbox_processes_per_task") + ")", all))) {
                double rss = num(e.getValue().get("rss_kb_median"));
                double pss = num(e.getValue().get("pss_kb_median"));
                add(out, "per-task resident overhead <= 1 MiB RSS, Pss <= 0.5 MiB: " + e.getKey(),
                        String.format("RSS %.0f KiB (%.2fx of 1024), Pss %.0f KiB (%.2fx of 512), medians", rss, rss / 1024, pss, pss / 512),
                        rss <= 1024 && pss <= 512);
            }
            double heap = num(ov.get("jvm_heap_growth_per_task_bytes")) / 1024;
            add(out, "agent (JVM) growth <= 256 KiB heap per running task",
                    String.format("%.1f KiB heap (%.2fx), RSS %+.0f KiB per task", heap, heap / 256, num(ov.get("jvm_rss_growth_per_task_kb"))),
                    heap <= 256);
            add(out, "0 bytes of disk per task for the root filesystem", ov.get("rootfs_bytes_per_task") + " bytes (read-only binds)",
                    num(ov.get("rootfs_bytes_per_task")) == 0);
            double dd = num(ov.get("data_dir_bytes_per_task_without_logs")) / 1024;
            add(out, "data_dir growth per task <= 64 KiB plus its logs",
                    String.format("%.1f KiB and %.1f inodes without logs (%.2fx); %.1f KiB with logs", dd,
                            num(ov.get("data_dir_inodes_per_task_without_logs")), dd / 64,
                            num(ov.get("data_dir_bytes_per_task")) / 1024), dd <= 64);
        }
        Map<String, Object> dn = map(sc.get("density"));
        if (dn != null) {
            double t = num(dn.get("time_to_all_running_seconds"));
            int n = (int) num(dn.get("tasks"));
            add(out, n + " concurrent tasks running within 10 s" + (n < 1000 ? " (reduced count)" : ""),
                    String.format("%.2f s (%.2fx of 10 s), %s running", t, t / 10, dn.get("running")),
                    t <= 10 && num(dn.get("running")) == n);
            Map<String, Object> left = map(dn.get("leftovers"));
            double l = num(left.get("processes")) + num(left.get("cgroups")) + num(left.get("mounts"));
            add(out, "density: leftovers after stopping all = 0", String.format("processes %s, cgroups %s, mounts %s; stop all took %s s",
                    left.get("processes"), left.get("cgroups"), left.get("mounts"), dn.get("time_to_stop_all_seconds")), l == 0);
        }
        Map<String, Object> rc = map(sc.get("recovery"));
        if (rc != null) {
            double t = num(rc.get("time_to_all_reattached_seconds"));
            add(out, "recovery of " + rc.get("tasks") + " tasks within 2 s, 0 lost",
                    String.format("%.3f s (%.2fx of 2 s), lost %s", t, t / 2, rc.get("lost")), t <= 2 && num(rc.get("lost")) == 0);
        }
        Map<String, Object> cli = map(sc.get("cli"));
        if (cli != null && cli.containsKey("corral_run")) {
            double p50 = num(map(cli.get("corral_run")).get("p50_ms"));
            add(out, "`corral run` of /bin/true end to end (JVM start included) <= 500 ms p50",
                    String.format("%.0f ms (%.2fx of 500); JVM + CLI start alone (corral --version) %.0f ms", p50, p50 / 500,
                            num(map(cli.get("corral_version")).get("p50_ms"))), p50 <= 500);
        }
        return out;
    }

    private static void add(List<Map<String, Object>> out, String target, String value, Boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target);
        m.put("measured", value);
        m.put("met", met == null ? "not measured" : met ? "met" : "MISSED");
        out.add(m);
    }

    static Optional<Map<String, Object>> system(Map<String, Object> lat, String name) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) lat.get("systems");
        return rows.stream().filter(r -> name.equals(r.get("name"))).findFirst();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
