package dev.corral.bench;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.TaskDirectory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 1: start latency. Corral ({@code ExecDriver.startTask}) and every baseline run the same
 * two payloads: {@code corral-bench-stamp} (a static binary whose first action writes
 * CLOCK_MONOTONIC: start -> exec'd) and {@code /bin/true} (start -> exit). The runs are split into
 * rounds that interleave the systems, so a burst of load on this shared machine hits all of them.
 */
final class LatencyBench {
    private final Bench bench;
    private final DriverBench driver;

    LatencyBench(Bench bench, DriverBench driver) {
        this.bench = bench;
        this.driver = driver;
    }

    Map<String, Object> run() throws Exception {
        int rounds = Math.max(1, bench.opt.rounds());
        int perRound = Math.max(1, bench.opt.runs() / rounds);
        PeerBench peers = new PeerBench(bench);
        List<PeerBench.System> systems = peers.systems();
        Map<String, List<long[]>> stampRuns = new LinkedHashMap<>();
        Map<String, List<long[]>> trueRuns = new LinkedHashMap<>();
        List<long[]> corralStamp = new ArrayList<>();
        List<long[]> corralTrue = new ArrayList<>();
        TaskDirectory stampDir = driver.newAlloc("lat-stamp", "t", true);
        TaskDirectory trueDir = driver.newAlloc("lat-true", "t", false);
        ExecTaskConfig stamp = ExecTaskConfig.of("/alloc/stamp", "/alloc/data/ts");
        ExecTaskConfig bintrue = ExecTaskConfig.of("/bin/true");
        Bench.log("latency: corral warm-up, " + bench.opt.warmup() + " runs of each payload");
        for (int i = 0; i < bench.opt.warmup(); i++) {
            driver.startOnce(stampDir, "lat-stamp", stamp, true);
            driver.startOnce(trueDir, "lat-true", bintrue, false);
        }
        int cWarm = Math.min(bench.opt.warmup(), 20);
        var before = driver.driver.startCounts();
        for (int r = 0; r < rounds; r++) {
            Bench.log("latency: round " + (r + 1) + "/" + rounds + ", " + perRound + " runs per system and payload");
            for (PeerBench.System s : systems) {
                stampRuns.computeIfAbsent(s.name(), k -> new ArrayList<>()).addAll(peers.time(s, perRound, cWarm, true));
                trueRuns.computeIfAbsent(s.name(), k -> new ArrayList<>()).addAll(peers.time(s, perRound, cWarm, false));
            }
            for (int i = 0; i < perRound; i++) {
                corralStamp.add(driver.startOnce(stampDir, "lat-stamp", stamp, true));
                corralTrue.add(driver.startOnce(trueDir, "lat-true", bintrue, false));
            }
        }
        var after = driver.driver.startCounts();
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> corral = new LinkedHashMap<>();
        corral.put("name", "corral");
        corral.put("description", "ExecDriver.startTask in this JVM (spare sandboxes, back-to-back starts): default chroot_env, "
                + "cgroups (cpu, cpuacct, memory, pids, freezer, cpuset), rotated logs, /dev, /sys, /secrets; nobody");
        corral.put("starts_from_spare", after.fromSpare() - before.fromSpare());
        corral.put("starts_spawned", after.spawned() - before.spawned());
        corral.put("execd", Stats.of("corral exec'd", column(corralStamp, 0)).toJson(true));
        corral.put("start_returned", Stats.of("corral startTask returned", column(corralStamp, 1)).toJson(false));
        corral.put("exit_stamp", Stats.of("corral exit (stamp)", column(corralStamp, 2)).toJson(false));
        corral.put("exit_true", Stats.of("corral exit (/bin/true)", column(corralTrue, 2)).toJson(true));
        corral.put("start_returned_true", Stats.of("corral startTask returned (/bin/true)", column(corralTrue, 1)).toJson(false));
        rows.add(corral);
        for (PeerBench.System s : systems) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", s.name());
            row.put("description", s.description());
            row.put("execd", Stats.of(s.name() + " exec'd", column(stampRuns.get(s.name()), 1)).toJson(true));
            row.put("exit_stamp", Stats.of(s.name() + " exit (stamp)", column(stampRuns.get(s.name()), 0)).toJson(false));
            row.put("exit_true", Stats.of(s.name() + " exit (/bin/true)", column(trueRuns.get(s.name()), 0)).toJson(true));
            rows.add(row);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs_per_system_and_payload", perRound * rounds);
        m.put("rounds", rounds);
        m.put("payloads", Map.of("stamp", "corral-bench-stamp FILE (static; writes CLOCK_MONOTONIC first thing): start -> exec'd",
                "true", "/bin/true (dynamic): start -> exit"));
        m.put("systems", rows);
        DriverBench.deleteTree(stampDir.allocRoot());
        DriverBench.deleteTree(trueDir.allocRoot());
        return m;
    }

    private static long[] column(List<long[]> runs, int i) {
        return runs.stream().mapToLong(r -> r[i]).toArray();
    }
}
