package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.CgroupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The v2 code paths on a real kernel: this hybrid host's cgroup2 mount holds no controllers (they
 * are bound to v1), but membership, {@code cgroup.kill}, {@code cgroup.freeze} and rmdir are real.
 * The driver is given a layout that sees only that mount, as on a v2 host whose controllers are
 * all missing; limits are covered by CgroupV2Test on a fake tree.
 */
@Tag("root")
class CgroupV2DriverIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private DriverHarness h;
    private Path unified;

    @BeforeEach
    void setUp() throws Exception {
        DriverHarness.assumeRoot();
        CgroupLayout host = CgroupLayout.detect();
        Assumptions.assumeTrue(host.v2Mount().isPresent(), "needs a cgroup2 mount");
        unified = host.v2Mount().get();
        h = new DriverHarness(b -> b, new CgroupLayout(CgroupLayout.Mode.V2, Map.of(), Optional.of(unified)));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void stopTask_onV2_killsTheWholeCgroupThroughCgroupKill() throws Exception {
        String script = "trap '' INT TERM; sh -c \"trap '' INT TERM; exec sleep 1000\" & touch /local/ready; wait";
        TaskConfig t = h.task("v2", ExecTaskConfig.of("/bin/sh", "-c", script));
        TaskHandle th = h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), WAIT);
        Path dir = unified.resolve(h.cgroupParent).resolve(TaskLauncher.cgroupName(t.id()));
        assertThat(th.record().cgroupPaths()).containsExactly(dir);
        assertThat(Files.readAllLines(dir.resolve("cgroup.procs"))).hasSizeGreaterThanOrEqualTo(2);
        h.driver.stopTask(t.id(), Duration.ofMillis(200), "SIGINT");
        assertThat(th.exit().getNow(null)).isEqualTo(new ExitResult.Signaled(9, false));
        assertThat(Files.readAllLines(dir.resolve("cgroup.procs"))).isEmpty();
        h.driver.destroyTask(t.id(), false);
        assertThat(dir).doesNotExist();
    }

    @Test
    void recoverTask_onV2_reattachesToTheSameDirectory() throws Exception {
        TaskConfig t = h.task("v2rec", ExecTaskConfig.of("/bin/sh", "-c", "while [ ! -e /local/go ]; do sleep 0.05; done; exit 4"));
        TaskHandleRecord record = h.start(t).record();
        ExecDriver second = new ExecDriver(h.driver.config(), new CgroupLayout(CgroupLayout.Mode.V2, Map.of(), Optional.of(unified)));
        TaskHandle th = second.recoverTask(TaskHandleRecordCodec.fromJson(TaskHandleRecordCodec.toJson(record)));
        assertThat(th.cgroup().paths()).isEqualTo(record.cgroupPaths());
        assertThat(th.cgroup().pids()).isNotEmpty();
        Files.writeString(t.taskDir().resolve("local/go"), "");
        assertThat(th.exit().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitResult.Exited(4, false));
        second.destroyTask(t.id(), false);
        assertThat(record.cgroupPaths().getFirst()).doesNotExist();
    }
}
