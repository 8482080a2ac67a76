package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupLayoutTest {
    private static final String HYBRID = """
            23 1 8:1 / / rw,relatime - ext4 /dev/vda1 rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    @Test
    void parse_hybrid_usesV1Controllers() {
        CgroupLayout l = CgroupLayout.parse(HYBRID);
        assertThat(l.mode()).isEqualTo(CgroupLayout.Mode.HYBRID);
        assertThat(l.v1Mounts()).containsEntry("memory", Path.of("/sys/fs/cgroup/memory"))
                .containsEntry("cpuacct", Path.of("/sys/fs/cgroup/cpuacct")).doesNotContainKey("name=systemd");
        assertThat(l.v2Mount()).hasValue(Path.of("/sys/fs/cgroup/unified"));
        assertThat(l.missingControllers()).isEmpty();
        assertThat(l.forTask("corral", "t1").paths()).containsExactly(Path.of("/sys/fs/cgroup/cpu/corral/t1"),
                Path.of("/sys/fs/cgroup/cpuacct/corral/t1"), Path.of("/sys/fs/cgroup/memory/corral/t1"),
                Path.of("/sys/fs/cgroup/pids/corral/t1"), Path.of("/sys/fs/cgroup/freezer/corral/t1"),
                Path.of("/sys/fs/cgroup/cpuset/corral/t1"));
    }

    @Test
    void parse_coMountedCpuCpuacct_sharesOneDirectory() {
        CgroupLayout l = CgroupLayout.parse("""
                32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
                35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                """);
        assertThat(l.mode()).isEqualTo(CgroupLayout.Mode.V1);
        assertThat(l.missingControllers()).containsExactly("pids", "freezer", "cpuset");
        TaskCgroup t = l.forTask("corral", "x");
        assertThat(t.paths()).containsExactly(Path.of("/sys/fs/cgroup/cpu,cpuacct/corral/x"), Path.of("/sys/fs/cgroup/memory/corral/x"));
        assertThat(l.reattach(t.paths()).paths()).isEqualTo(t.paths());
    }

    @Test
    void parse_unifiedOnly_isV2_andReportsMissingControllers(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset io memory\n");
        CgroupLayout l = CgroupLayout.parse("41 31 0:38 / " + root + " rw - cgroup2 cgroup2 rw,nsdelegate\n");
        assertThat(l.mode()).isEqualTo(CgroupLayout.Mode.V2);
        assertThat(l.missingControllers()).containsExactly("cpu", "pids");
        assertThat(l.forTask("corral", "t").paths()).containsExactly(root.resolve("corral/t"));
        assertThat(l.reattach(List.of(root.resolve("corral/t"))).paths()).containsExactly(root.resolve("corral/t"));
    }

    @Test
    void parse_nothing_isNone_andEscapedMountPointsAreDecoded() {
        assertThat(CgroupLayout.parse("23 1 8:1 / / rw - ext4 /dev/vda1 rw\n").mode()).isEqualTo(CgroupLayout.Mode.NONE);
        CgroupLayout l = CgroupLayout.parse("41 31 0:38 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n");
        assertThat(l.v2Mount()).hasValue(Path.of("/sys/fs/my cgroup"));
    }

    @Test
    void detect_thisMachine_findsAUsableLayout() {
        CgroupLayout l = CgroupLayout.detect();
        assertThat(l.mode()).isNotEqualTo(CgroupLayout.Mode.NONE);
    }
}
