package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.CgroupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pooled task cgroups of a v1 host, on the real kernel (root): a task starts in a cgroup made
 * ahead, with the limits of the task before it already written, and its cgroup takes the task's
 * name once it runs (CgroupPool). Each task must end up with exactly its own limits whatever the
 * pooled cgroup held: raising memory past memory+swap's limit written ahead is refused by the
 * kernel unless memory+swap goes first.
 */
class CgroupPoolIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** A core to reserve: the second where there is one. */
    private static final int CORE = Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0;
    @RegisterExtension
    final DriverHarness h = new DriverHarness();

    private static void assumeV1() {
        CgroupLayout.Mode mode = CgroupLayout.detect().mode();
        Assumptions.assumeTrue(mode == CgroupLayout.Mode.V1 || mode == CgroupLayout.Mode.HYBRID, "v1 cgroups pool");
    }

    @Test
    void theTaskRunsInACgroupNamedForIt_andNoPooledOneHoldsAProcess() throws Exception {
        assumeV1();
        TaskConfig t = h.task("named", ExecTaskConfig.of("/bin/sleep", "30"));
        TaskHandle th = h.start(t);
        try {
            String name = TaskLauncher.cgroupName(t.id());
            assertThat(th.cgroup().paths()).isNotEmpty().allSatisfy(d -> {
                assertThat(d.getFileName().toString()).isEqualTo(name);
                assertThat(d).isDirectory();
            });
            for (Path d : th.cgroup().paths()) {
                assertThat(Files.readString(d.resolve("cgroup.procs")).strip()).as("processes of %s", d).isNotEmpty();
                try (var siblings = Files.list(d.getParent())) {
                    for (Path s : siblings.filter(p -> ExecDriver.isPooledCgroup(p.getFileName().toString())).toList()) {
                        assertThat(Files.readString(s.resolve("cgroup.procs")).strip()).as("pooled %s", s).isEmpty();
                    }
                }
            }
        } finally {
            h.driver.stopTask(t.id(), Duration.ofSeconds(5), "SIGKILL");
            h.await(th, WAIT);
        }
    }

    @Test
    void eachTaskGetsItsOwnLimits_whateverThePooledCgroupHeld() throws Exception {
        assumeV1();
        // up, down, up again with memory_max (soft limit set), reserved cores, then none again
        List<Resources> all = List.of(
                new Resources(100, List.of(), 64, 0),
                new Resources(300, List.of(), 256, 0),
                new Resources(100, List.of(), 32, 0),
                new Resources(500, List.of(), 64, 512),
                new Resources(200, List.of(CORE), 128, 0),
                new Resources(200, List.of(), 128, 0));
        String parentCpus = null;
        for (int i = 0; i < all.size(); i++) {
            Resources r = all.get(i);
            TaskConfig t = h.task("lim" + i, ExecTaskConfig.of("/bin/sleep", "30"), r);
            TaskHandle th = h.start(t);
            try {
                for (Path d : th.cgroup().paths()) {
                    String controller = d.getParent().getParent().getFileName().toString();
                    switch (controller) {
                        case "memory" -> {
                            assertThat(read(d, "memory.limit_in_bytes")).as("task %d", i).isEqualTo(r.hardMemoryBytes());
                            if (Files.exists(d.resolve("memory.memsw.limit_in_bytes"))) {
                                assertThat(read(d, "memory.memsw.limit_in_bytes")).as("task %d", i).isEqualTo(r.hardMemoryBytes());
                            }
                            if (r.softMemoryBytes() > 0) {
                                assertThat(read(d, "memory.soft_limit_in_bytes")).as("task %d", i).isEqualTo(r.softMemoryBytes());
                            } else {
                                // unlimited: the kernel shows its page-rounded maximum
                                assertThat(read(d, "memory.soft_limit_in_bytes")).as("task %d", i).isGreaterThan(1L << 50);
                            }
                        }
                        case "cpu" -> assertThat(read(d, "cpu.shares")).as("task %d", i).isEqualTo(r.cpuShares());
                        case "cpuset" -> {
                            parentCpus = Files.readString(d.getParent().resolve("cpuset.cpus")).strip();
                            String want = r.reservedCores().isEmpty() ? parentCpus : Integer.toString(CORE);
                            assertThat(Files.readString(d.resolve("cpuset.cpus")).strip()).as("task %d", i).isEqualTo(want);
                        }
                        default -> {
                        }
                    }
                }
            } finally {
                h.driver.stopTask(t.id(), Duration.ofSeconds(5), "SIGKILL");
                h.await(th, WAIT);
                h.driver.destroyTask(t.id(), false);
            }
            Thread.sleep(300); // the pool makes its next cgroups with these limits meanwhile
        }
    }

    private static long read(Path dir, String file) throws java.io.IOException {
        return Long.parseLong(Files.readString(dir.resolve(file)).strip());
    }
}
