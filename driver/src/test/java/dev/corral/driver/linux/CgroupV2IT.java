package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** CgroupV2 on the host's real cgroup2 mount (no controllers on this hybrid host, but real membership and freezer). */
@Tag("root")
class CgroupV2IT {
    private Path parent;
    private CgroupV2 cg;
    private Process shell;

    @BeforeEach
    void setUp() {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
        Path unified = CgroupLayout.detect().v2Mount().orElse(null);
        Assumptions.assumeTrue(unified != null, "needs a cgroup2 mount");
        parent = unified.resolve("corral-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        cg = new CgroupV2(parent, "t");
    }

    @AfterEach
    void tearDown() throws Exception {
        cg.killAll(10_000);
        if (shell != null) {
            shell.destroyForcibly();
            shell.waitFor();
        }
        cg.destroy();
        Files.deleteIfExists(parent);
    }

    @Test
    void freezeKillThaw_killsAForkingShellOnTheRealFreezer() throws Exception {
        cg.create(Resources.DEFAULT, 4096);
        shell = new ProcessBuilder("/bin/sh", "-c", "trap '' INT TERM; while :; do sleep 100 & done").start();
        CgroupFiles.write(parent.resolve("t/cgroup.procs"), Long.toString(shell.pid()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cg.pids().size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(cg.pids().size()).isGreaterThanOrEqualTo(5);
        cg.freezeKillThaw();
        assertThat(CgroupFiles.read(parent.resolve("t/cgroup.freeze"))).isEqualTo("0");
        assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cg.pids().isEmpty() && System.nanoTime() < deadline) {
            cg.freezeKillThaw();
            Thread.sleep(5);
        }
        assertThat(cg.pids()).isEmpty();
        cg.destroy();
        assertThat(parent.resolve("t")).doesNotExist();
    }
}
