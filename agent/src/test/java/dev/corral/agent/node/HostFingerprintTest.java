package dev.corral.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFingerprintTest {
    @TempDir
    Path root;

    private void write(String path, String content) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void fakeHost_cpuFromSysfsMaxFreq_memoryKernelOs() throws IOException {
        write("/sys/devices/system/cpu/online", "0-3,6\n");
        write("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "2600000\n");
        write("/proc/cpuinfo", "processor\t: 0\nmodel name\t: Fake CPU @ 2.6GHz\ncpu MHz\t\t: 1200.000\n");
        write("/proc/meminfo", "MemTotal:       16384000 kB\nMemFree: 1 kB\n");
        write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
        write("/proc/sys/kernel/hostname", "box1\n");
        write("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
        HostFingerprint.Host h = new HostFingerprint(root).fingerprint(root);
        assertThat(h.cores()).containsExactly(0, 1, 2, 3, 6);
        assertThat(h.cpuMhzPerCore()).isEqualTo(2600);
        assertThat(h.totalCpuMhz()).isEqualTo(13000);
        assertThat(h.memoryBytes()).isEqualTo(16384000L * 1024);
        assertThat(h.attributes())
                .containsEntry("cpu.numcores", "5")
                .containsEntry("cpu.frequency", "2600")
                .containsEntry("cpu.totalcompute", "13000")
                .containsEntry("cpu.reservablecores", "0-3,6")
                .containsEntry("cpu.modelname", "Fake CPU @ 2.6GHz")
                .containsEntry("kernel.name", "linux")
                .containsEntry("kernel.version", "6.1.0")
                .containsEntry("os.name", "debian")
                .containsEntry("os.version", "12")
                .containsEntry("unique.hostname", "box1")
                .containsKey("unique.storage.bytestotal");
    }

    @Test
    void noCpufreq_fallsBackToCpuinfoMaxMhz() throws IOException {
        write("/sys/devices/system/cpu/online", "0-1");
        write("/proc/cpuinfo", "cpu MHz\t\t: 2199.998\ncpu MHz\t\t: 2400.5\n");
        HostFingerprint.Host h = new HostFingerprint(root).fingerprint(null);
        assertThat(h.cpuMhzPerCore()).isEqualTo(2400);
    }

    @Test
    void realHost_reportsSomething() {
        HostFingerprint.Host h = HostFingerprint.system().fingerprint(Path.of("/tmp"));
        assertThat(h.cores()).isNotEmpty();
        assertThat(h.memoryBytes()).isPositive();
        assertThat(h.attributes()).containsKey("kernel.version");
    }

    @Test
    void cpuList_roundTrips() {
        assertThat(HostFingerprint.parseCpuList("0-2,7,9-10")).containsExactly(0, 1, 2, 7, 9, 10);
        assertThat(HostFingerprint.formatCpuList(List.of(10, 0, 1, 2, 7, 9))).isEqualTo("0-2,7,9-10");
        assertThat(HostFingerprint.formatCpuList(List.of())).isEmpty();
    }
}
