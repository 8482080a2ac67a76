package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 code paths against a fake cgroupfs tree (this machine is v1/hybrid). */
class CgroupV2Test {
    @TempDir
    Path root;
    Path parent;

    @BeforeEach
    void fakeTree() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "");
        parent = root.resolve("corral");
        Files.createDirectories(parent);
        // What the kernel shows in a child once the root enabled the controllers.
        Files.writeString(parent.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Files.writeString(parent.resolve("cgroup.subtree_control"), "");
    }

    @Test
    void create_writesNomadsLimits() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "a.web.1");
        cg.create(new Resources(500, List.of(0, 1), 256, 512), 100);
        Path d = parent.resolve("a.web.1");
        assertThat(Files.readString(d.resolve("memory.max"))).isEqualTo(Long.toString(512L << 20));
        assertThat(Files.readString(d.resolve("memory.low"))).isEqualTo(Long.toString(256L << 20));
        assertThat(Files.readString(d.resolve("cpu.weight"))).isEqualTo("19");
        assertThat(Files.readString(d.resolve("cpuset.cpus"))).isEqualTo("0,1");
        assertThat(Files.readString(d.resolve("pids.max"))).isEqualTo("100");
        assertThat(cg.enabledControllers()).containsExactlyInAnyOrder("cpu", "memory", "pids", "cpuset");
        assertThat(cg.paths()).containsExactly(d);
    }

    @Test
    void create_withoutMemoryMaxOrPidsLimit_writesHardOnlyAndTheLiteralMax() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(new Resources(100, List.of(), 300, 0), 0);
        Path d = parent.resolve("t");
        assertThat(Files.readString(d.resolve("memory.max"))).isEqualTo(Long.toString(300L << 20));
        assertThat(d.resolve("memory.low")).doesNotExist();
        assertThat(d.resolve("cpuset.cpus")).doesNotExist();
        assertThat(Files.readString(d.resolve("pids.max"))).isEqualTo("max");
    }

    @Test
    void create_missingControllers_areSkippedNotFatal() throws Exception {
        Files.writeString(parent.resolve("cgroup.controllers"), "memory\n");
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(new Resources(1024, List.of(), 64, 0), 4096);
        Path d = parent.resolve("t");
        assertThat(cg.enabledControllers()).containsExactly("memory");
        assertThat(d.resolve("memory.max")).exists();
        assertThat(d.resolve("cpu.weight")).doesNotExist();
        assertThat(d.resolve("pids.max")).doesNotExist();
    }

    @Test
    void cpuWeight_followsNomadsFormula() {
        assertThat(TaskCgroup.cpuWeight(2)).isEqualTo(1);
        assertThat(TaskCgroup.cpuWeight(1024)).isEqualTo(39);
        assertThat(TaskCgroup.cpuWeight(262144)).isEqualTo(10000);
        assertThat(TaskCgroup.cpuWeight(10_000_000)).isEqualTo(10000);
    }

    @Test
    void oomKilled_readsMemoryEvents() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(Resources.DEFAULT, 0);
        Path events = parent.resolve("t/memory.events");
        assertThat(cg.oomKilled()).isFalse();
        Files.writeString(events, "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
        assertThat(cg.oomKilled()).isFalse();
        Files.writeString(events, "low 0\nhigh 0\nmax 40\noom 2\noom_kill 1\noom_group_kill 0\n");
        assertThat(cg.oomKilled()).isTrue();
    }

    @Test
    void stats_readCpuAndMemory_andMaxMeansUnknown() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(Resources.DEFAULT, 0);
        Path d = parent.resolve("t");
        Files.writeString(d.resolve("cpu.stat"), "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 0\nnr_throttled 4\nthrottled_usec 50\n");
        Files.writeString(d.resolve("memory.stat"), "anon 4096\nfile 8192\nkernel 512\n");
        Files.writeString(d.resolve("memory.current"), "16384\n");
        Files.writeString(d.resolve("memory.peak"), "max\n");
        TaskCgroup.CgroupStats s = cg.stats();
        assertThat(s.cpuTotalNanos()).isEqualTo(3_000_000);
        assertThat(s.cpuUserNanos()).isEqualTo(2_000_000);
        assertThat(s.cpuSystemNanos()).isEqualTo(1_000_000);
        assertThat(s.throttledPeriods()).isEqualTo(4);
        assertThat(s.throttledNanos()).isEqualTo(50_000);
        assertThat(s.memoryRss()).isEqualTo(4096);
        assertThat(s.memoryCache()).isEqualTo(8192);
        assertThat(s.memoryUsage()).isEqualTo(16384);
        assertThat(s.memoryMaxUsage()).isEqualTo(-1);
        assertThat(s.memorySwap()).isEqualTo(-1);
        assertThat(s.measuredMemory()).containsExactly("Cache", "Usage", "RSS");
    }

    @Test
    void killAll_withoutCgroupKill_freezesKillsEveryListedProcessAndThaws() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(Resources.DEFAULT, 0);
        Path d = parent.resolve("t");
        Files.writeString(d.resolve("cgroup.freeze"), "0");
        Process victim = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(d.resolve("cgroup.procs"), victim.pid() + "\n");
            assertThat(cg.pids()).containsExactly(victim.pid());
            assertThat(cg.killAll(5000)).isTrue();
            assertThat(victim.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(victim.exitValue()).isEqualTo(137);
            assertThat(Files.readString(d.resolve("cgroup.freeze"))).isEqualTo("0");
            assertThat(cg.pids()).isEmpty();
        } finally {
            victim.destroyForcibly();
        }
    }

    @Test
    void killAll_withCgroupKill_usesIt() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(Resources.DEFAULT, 0);
        Path d = parent.resolve("t");
        Files.writeString(d.resolve("cgroup.kill"), "");
        assertThat(cg.killAll(100)).isTrue();
        assertThat(Files.readString(d.resolve("cgroup.kill"))).isEqualTo("1");
    }

    @Test
    void destroy_removesTheTaskDirectoryOnly() throws Exception {
        CgroupV2 cg = new CgroupV2(parent, "t");
        cg.create(Resources.DEFAULT, 0);
        cg.destroy();
        assertThat(parent.resolve("t")).doesNotExist();
        assertThat(parent).exists();
        cg.destroy();
    }
}
