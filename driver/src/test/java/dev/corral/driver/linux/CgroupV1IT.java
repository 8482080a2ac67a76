package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The v1 implementation on this machine's real v1 hierarchies (root). */
@Tag("root")
class CgroupV1IT {
    private final String parent = "corral-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private CgroupLayout layout;
    private final List<Process> started = new ArrayList<>();
    private final List<TaskCgroup> created = new ArrayList<>();

    @BeforeEach
    void requireV1() {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
        layout = CgroupLayout.detect();
        Assumptions.assumeTrue(layout.mode() == CgroupLayout.Mode.V1 || layout.mode() == CgroupLayout.Mode.HYBRID,
                "needs a v1 or hybrid host");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (TaskCgroup cg : created) {
            cg.killAll(10_000);
        }
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
        for (Path mount : layout.v1Mounts().values().stream().distinct().toList()) {
            Path p = mount.resolve(parent);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    @Test
    void create_writesLimitsIntoEachController() throws Exception {
        TaskCgroup cg = layout.forTask(parent, "t");
        created.add(cg);
        cg.create(new Resources(512, List.of(1), 64, 128), 77);
        Path mem = layout.v1Mounts().get("memory").resolve(parent).resolve("t");
        assertThat(CgroupFiles.read(mem.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(128L << 20));
        assertThat(CgroupFiles.read(mem.resolve("memory.soft_limit_in_bytes"))).isEqualTo(Long.toString(64L << 20));
        assertThat(CgroupFiles.read(layout.v1Mounts().get("cpu").resolve(parent).resolve("t/cpu.shares"))).isEqualTo("512");
        assertThat(CgroupFiles.read(layout.v1Mounts().get("pids").resolve(parent).resolve("t/pids.max"))).isEqualTo("77");
        assertThat(CgroupFiles.read(layout.v1Mounts().get("cpuset").resolve(parent).resolve("t/cpuset.cpus"))).isEqualTo("1");
        assertThat(cg.oomKilled()).isFalse();
        cg.destroy();
        for (Path p : cg.paths()) {
            assertThat(p).doesNotExist();
        }
    }

    @Test
    void killAll_killsEveryProcessIncludingForkingOnes() throws Exception {
        TaskCgroup cg = layout.forTask(parent, "k");
        created.add(cg);
        cg.create(Resources.DEFAULT, 0);
        // A shell that keeps forking: the freezer stops it from escaping between listing and killing.
        Process p = new ProcessBuilder("/bin/sh", "-c", "trap '' INT TERM; while :; do sleep 100 & done").start();
        started.add(p);
        for (Path d : cg.paths()) {
            CgroupFiles.write(d.resolve("cgroup.procs"), Long.toString(p.pid()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cg.pids().size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(cg.pids().size()).isGreaterThanOrEqualTo(5);
        assertThat(cg.killAll(10_000)).isTrue();
        assertThat(cg.pids()).isEmpty();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(CgroupFiles.read(layout.v1Mounts().get("freezer").resolve(parent).resolve("k/freezer.state"))).isEqualTo("THAWED");
        cg.destroy();
    }

    @Test
    void stats_countTheCgroupsCpuAndMemory() throws Exception {
        TaskCgroup cg = layout.forTask(parent, "s");
        created.add(cg);
        cg.create(Resources.DEFAULT, 0);
        // Work starts only once the process is in the cgroup: v1 charges only what happens after the move.
        Process p = new ProcessBuilder("/bin/sh", "-c", "read x; head -c 300000000 /dev/urandom > /dev/null; read y").start();
        started.add(p);
        for (Path d : cg.paths()) {
            CgroupFiles.write(d.resolve("cgroup.procs"), Long.toString(p.pid()));
        }
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        TaskCgroup.CgroupStats s = cg.stats();
        while ((s.cpuTotalNanos() < 1_000_000 || s.memoryMaxUsage() <= 0 || s.cpuUserNanos() + s.cpuSystemNanos() <= 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = cg.stats();
        }
        assertThat(s.memoryMaxUsage()).isPositive();
        assertThat(s.cpuTotalNanos()).isGreaterThanOrEqualTo(1_000_000);
        assertThat(s.cpuUserNanos() + s.cpuSystemNanos()).isPositive();
        assertThat(s.measuredMemory()).contains("RSS", "Usage");
        assertThat(cg.pids()).contains(p.pid());
        assertThat(cg.killAll(5000)).isTrue();
        cg.destroy();
    }
}
