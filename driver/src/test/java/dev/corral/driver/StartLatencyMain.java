package dev.corral.driver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Not a test: prints StartTask latency for /bin/true and the RSS of one idle sandbox (run and init
 * processes), for the closing note. As root, from the repository root, after {@code mvn -pl driver -am
 * test-compile}:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp driver/target/classes:driver/target/test-classes:sandbox/target/classes:$DEPS \
 *     dev.corral.driver.StartLatencyMain 20
 * </pre>
 * where {@code $DEPS} is slf4j-api and jackson-databind/core/annotations from ~/.m2.
 */
public final class StartLatencyMain {
    private StartLatencyMain() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path root = Files.createTempDirectory("corral-latency-");
        String parent = "corral-test-latency-" + ProcessHandle.current().pid();
        ExecDriver d = new ExecDriver(ExecDriverConfig.builder().stateDir(root.resolve("state")).cgroupParent(parent).build());
        long[] startMicros = new long[runs];
        long[] exitMicros = new long[runs];
        try {
            for (int i = 0; i < runs; i++) {
                TaskConfig t = task(d, root, "a" + i, ExecTaskConfig.of("/bin/true"));
                long t0 = System.nanoTime();
                TaskHandle h = d.startTask(t);
                long t1 = System.nanoTime();
                h.exit().get();
                long t2 = System.nanoTime();
                startMicros[i] = (t1 - t0) / 1000;
                exitMicros[i] = (t2 - t0) / 1000;
                d.destroyTask(t.id(), true);
            }
            System.out.println("startTask(/bin/true) us, first run cold: " + Arrays.toString(startMicros));
            System.out.println("startTask..exit us: " + Arrays.toString(exitMicros));
            long[] warm = Arrays.copyOfRange(startMicros, 1, runs);
            Arrays.sort(warm);
            System.out.println("warm startTask median us: " + warm[warm.length / 2]);
            TaskConfig idle = task(d, root, "idle", ExecTaskConfig.of("/bin/sleep", "1000"));
            TaskHandle h = d.startTask(idle);
            long init = h.liveInitPid().orElseThrow();
            for (long pid : new long[] {h.sandboxPid(), init}) {
                List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
                List<String> smaps = Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"));
                System.out.println(pid + " " + status.stream().filter(l -> l.startsWith("Name") || l.startsWith("VmRSS")).toList()
                        + " " + smaps.stream().filter(l -> l.startsWith("Pss:")).toList());
            }
            d.stopTask(idle.id(), Duration.ofSeconds(5), "SIGTERM");
            d.destroyTask(idle.id(), true);
        } finally {
            for (String c : List.of("cpu", "cpuacct", "memory", "pids", "freezer", "cpuset")) {
                Files.deleteIfExists(Path.of("/sys/fs/cgroup", c, parent));
            }
            DriverHarness.deleteTree(root);
        }
    }

    private static TaskConfig task(ExecDriver d, Path root, String alloc, ExecTaskConfig cfg) {
        TaskDirectory dir = TaskDirectory.create(root.resolve(alloc), "t", d.config().chrootEnv());
        return new TaskConfig(TaskConfig.newId(alloc, "t"), "t", alloc, "job", "group", dir.allocDir(), dir.taskDir(),
                Map.of(), "", Resources.DEFAULT, cfg, LogConfig.DEFAULT, List.of());
    }
}
