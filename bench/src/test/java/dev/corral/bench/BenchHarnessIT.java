package dev.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.driver.linux.LinuxSyscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole harness with tiny counts (5 runs, 10 tasks for density) so it cannot rot: every
 * scenario must produce its numbers and leave nothing behind. It checks shapes and the zero-leftover
 * promises, never a performance threshold.
 */
@Tag("root")
class BenchHarnessIT {

    @Test
    void quickRun_writesEveryScenario_andLeavesNothingBehind(@TempDir Path out) throws Exception {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Bench.Options o = Bench.with(Bench.with(Bench.Options.defaults(repo).quick(), "out", out), "density-tasks", 10);
        Bench bench = new Bench(o);
        Path work = bench.work;
        bench.run();
        Path json = bench.write();

        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertThat(r.path("machine").path("kernel").asText()).isNotBlank();
        assertThat(r.path("machine").path("cores").asInt()).isPositive();
        JsonNode sc = r.path("scenarios");
        assertThat(sc.fieldNames()).toIterable().containsExactlyElementsOf(Bench.SCENARIOS);

        JsonNode systems = sc.path("latency").path("systems");
        assertThat(systems.get(0).path("name").asText()).isEqualTo("corral");
        for (JsonNode s : systems) {
            assertThat(s.path("execd").path("n").asInt()).as(s.path("name").asText()).isEqualTo(5);
            assertThat(s.path("exit_true").path("n").asInt()).as(s.path("name").asText()).isEqualTo(5);
            // exec'd comes before exit: the stamp is taken inside the task, after the start
            assertThat(s.path("execd").path("min_ms").asDouble()).isPositive();
        }
        assertThat(names(systems)).contains("floor", "floor+cgroup", "fork+exec");

        assertThat(sc.path("http").path("register_to_running").path("n").asInt()).isEqualTo(1);

        JsonNode ov = sc.path("overhead");
        // one resident sandbox process per task (its init), as DESIGN.md promises
        assertThat(ov.path("sandbox_processes_per_task").asDouble()).isEqualTo(1.0);
        assertThat(ov.path("sandbox_init_process_kb").path("rss_kb_median").asLong()).isPositive();
        assertThat(ov.path("sandbox_init_process_kb").path("pss_kb_median").asLong()).isPositive();
        assertThat(ov.path("rootfs_bytes_per_task").asLong()).isZero();

        assertThat(sc.path("density").path("running").asInt()).isEqualTo(10);
        assertNoLeftovers(sc.path("density").path("leftovers"));
        assertThat(sc.path("recovery").path("lost").asInt()).isZero();
        assertThat(sc.path("recovery").path("reattached_running").asInt()).isEqualTo(5);
        assertNoLeftovers(sc.path("recovery").path("leftovers"));
        assertThat(sc.path("throughput").path("completed").asLong()).isPositive();
        assertThat(sc.path("throughput").path("failures").size()).isZero();
        assertNoLeftovers(sc.path("throughput").path("leftovers"));
        assertThat(r.path("targets").size()).isGreaterThan(5);

        String base = json.getFileName().toString().replace(".json", "");
        assertThat(Files.readString(out.resolve(base + ".md"))).contains("## Targets", "## 1. Start latency", base + ".svg");
        assertThat(Files.readString(out.resolve(base + ".svg"))).startsWith("<svg").contains("polyline");
        assertThat(work).doesNotExist();
        assertThat(Proc.mountsUnder(work)).isEmpty();
        for (Path c : Machine.cgroupMounts()) {
            assertThat(c.resolve(bench.cgroupParent)).doesNotExist();
            assertThat(c.resolve(bench.cgroupParent + "-floor")).doesNotExist();
        }
    }

    private static void assertNoLeftovers(JsonNode left) {
        assertThat(left.path("processes").asInt()).isZero();
        assertThat(left.path("cgroups").asInt()).isZero();
        assertThat(left.path("mounts").asInt()).isZero();
    }

    private static Stream<String> namesStream(JsonNode systems) {
        Stream.Builder<String> b = Stream.builder();
        systems.forEach(s -> b.add(s.path("name").asText()));
        return b.build();
    }

    private static java.util.List<String> names(JsonNode systems) {
        return namesStream(systems).sorted(Comparator.naturalOrder()).toList();
    }
}
