package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.DriverHarness;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.LogConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Resource abuse: a memory bomb, a fork bomb, fd exhaustion, a log flood and a burst of a million
 * lines. The limits must hold, the driver must keep working, and nothing may be left behind
 * (the harness's teardown checks cgroups, mounts and sandbox processes).
 */
@Tag("root")
class ResourceAbuseIT {
    private static final LogConfig LOGS = new LogConfig.RotatedFiles(2, 1 << 20);

    @Test
    void memoryBomb_isOomKilledAndReportedAsSuch() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            TaskConfig t = s.task(s.newAllocRoot(), "membomb", "", ExecTaskConfig.of("/local/attack", "eat", "1024"),
                    new Resources(100, List.of(), 32, 0), LOGS);
            Sandboxes.Result r = s.run(t);
            assertThat(r.exit().oomKilled()).as("exit %s, stdout %s", r.exit(), r.stdout()).isTrue();
            assertThat(r.exit()).isEqualTo(new ExitResult.Signaled(9, true));
            assertThat(r.exit().message()).isEqualTo("OOM Killed");
            assertThat(r.stdout()).doesNotContain("survived").doesNotContain("ate=32\n");
            // the host and the driver are fine: the next task runs normally
            assertThat(s.attack(s.sh("after", "", "echo ok=1"))).containsEntry("ok", "1");
        }
    }

    @Test
    void forkBomb_isHeldByThePidsLimit_andEveryProcessDiesAtStop() throws Exception {
        try (Sandboxes s = new Sandboxes(b -> b.pidsLimit(64))) {
            String token = "corral-bomb-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            TaskConfig t = s.task(s.newAllocRoot(), "forkbomb", "", ExecTaskConfig.of("/local/attack", "forkbomb", "/alloc/" + token),
                    Resources.DEFAULT, LOGS);
            TaskHandle h = s.start(t);
            DriverHarness.awaitFile(t.allocDir().resolve(token), Sandboxes.WAIT);
            String out = Sandboxes.awaitLog(t, "stdout", "errno=");
            assertThat(out).contains("errno=EAGAIN");
            long forked = Long.parseLong(out.replaceAll("(?s).*forked=(\\d+).*", "$1"));
            assertThat(forked).isBetween(1L, 63L);
            assertThat(Sandboxes.hostProcessesWith(token)).hasSize((int) forked + 1);
            // the driver still works while the bomb sits at its limit
            assertThat(s.driver.inspectTask(h.id()).state()).isEqualTo(TaskState.RUNNING);
            assertThat(s.attack(s.sh("neighbour", "", "echo ok=1"))).containsEntry("ok", "1");
            // the children ignore SIGINT and SIGTERM: the stop must escalate and still leave nothing
            s.driver.stopTask(h.id(), Duration.ofMillis(500), "SIGTERM");
            ExitResult exit = s.await(t, h).exit();
            assertThat(exit).isInstanceOf(ExitResult.Signaled.class);
            assertThat(Sandboxes.hostProcessesWith(token)).as("bomb processes alive after stop").isEmpty();
        }
    }

    @Test
    void fdExhaustion_hitsTheTasksOwnLimit_andTheTaskStillWorks() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            Sandboxes.Result r = s.run(s.task("fds", "", ExecTaskConfig.of("/local/attack", "exhaust-fds")));
            assertThat(r.exit()).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(r.values()).containsEntry("reopen", "OK");
            assertThat(r.stdout()).contains("errno=EMFILE");
            // the sandbox and the driver hold their own fds: the next task starts
            assertThat(s.attack(s.sh("after", "", "echo ok=1"))).containsEntry("ok", "1");
        }
    }

    @Test
    void logFlood_staysWithinMaxFilesTimesMaxBytes() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            int maxFiles = 3;
            int maxBytes = 64 * 1024;
            TaskConfig t = s.task(s.newAllocRoot(), "flood", "", ExecTaskConfig.of("/bin/sh", "-c",
                    "head -c 20000000 /dev/zero | tr '\\0' x; echo; head -c 5000000 /dev/zero | tr '\\0' y >&2; echo END"),
                    Resources.DEFAULT, new LogConfig.RotatedFiles(maxFiles, maxBytes));
            Sandboxes.Result r = s.run(t);
            assertThat(r.exit()).isEqualTo(new ExitResult.Exited(0, false));
            for (String stream : List.of("stdout", "stderr")) {
                List<Path> files;
                try (Stream<Path> l = Files.list(t.allocDir().resolve("logs"))) {
                    files = l.filter(p -> p.getFileName().toString().startsWith("flood." + stream + ".")).toList();
                }
                assertThat(files).as(stream).hasSizeBetween(1, maxFiles);
                long total = 0;
                for (Path f : files) {
                    assertThat(Files.size(f)).as(f.toString()).isLessThanOrEqualTo(maxBytes);
                    total += Files.size(f);
                }
                assertThat(total).isLessThanOrEqualTo((long) maxFiles * maxBytes);
            }
            assertThat(newestLog(t, "stdout")).endsWith("x\nEND\n");
        }
    }

    @Test
    void millionLineBurst_losesNoLineAcrossRotations() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            TaskConfig t = s.task(s.newAllocRoot(), "burst", "", ExecTaskConfig.of("/bin/sh", "-c", "seq 1 1000000 & seq 1 1000000 >&2; wait"),
                    Resources.DEFAULT, new LogConfig.RotatedFiles(10, 1 << 20));
            Sandboxes.Result r = s.run(t);
            assertThat(r.exit()).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(t.allocDir().resolve("logs/burst.stdout.6")).as("the burst rotated several times").exists();
            String expected = String.join("\n", IntStream.rangeClosed(1, 1_000_000).mapToObj(Integer::toString).toList()) + "\n";
            assertThat(r.stdout().equals(expected)).as("stdout is exactly 1..1000000 (%d bytes)", r.stdout().length()).isTrue();
            assertThat(r.stderr().equals(expected)).as("stderr is exactly 1..1000000 (%d bytes)", r.stderr().length()).isTrue();
        }
    }

    private static String newestLog(TaskConfig t, String stream) throws Exception {
        String prefix = t.name() + "." + stream + ".";
        try (Stream<Path> l = Files.list(t.allocDir().resolve("logs"))) {
            Path newest = l.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .max(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(prefix.length()))))
                    .orElseThrow();
            return Files.readString(newest, StandardCharsets.ISO_8859_1);
        }
    }
}
