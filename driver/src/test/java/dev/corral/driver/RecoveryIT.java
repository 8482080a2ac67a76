package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.linux.ProcStat;
import dev.corral.driver.linux.SandboxStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** kill -9 of the JVM that started tasks: they keep running, and a new driver recovers them. */
@Tag("root")
class RecoveryIT {
    private static final int TASKS = 20;
    private static final int ENDED_WHILE_DOWN = 5;
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    final DriverHarness h = new DriverHarness();
    private Process jvm;

    @AfterEach
    void tearDown() throws Exception {
        if (jvm != null) {
            jvm.destroyForcibly();
            jvm.waitFor();
        }
    }

    @Test
    void recoverTask_afterKill9OfTheStartingJvm_reattachesAndGetsEveryExitCode() throws Exception {
        Path out = h.root.resolve("records.jsonl");
        String java = ProcessHandle.current().info().command().orElseThrow();
        jvm = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RecoveryMain.class.getName(), h.root.resolve("state").toString(), h.cgroupParent,
                h.root.resolve("alloc").toString(), out.toString(), Integer.toString(TASKS))
                .redirectErrorStream(true).redirectOutput(h.root.resolve("jvm.log").toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(out)) {
            assertThat(jvm.isAlive()).as("starter JVM died: " + readOrEmpty(h.root.resolve("jvm.log"))).isTrue();
            assertThat(System.nanoTime()).as("starter JVM never wrote its records").isLessThan(deadline);
            Thread.sleep(20);
        }
        List<TaskHandleRecord> records = Files.readAllLines(out).stream().map(TaskHandleRecordCodec::fromJson).toList();
        records.forEach(r -> h.sandboxPids.add(r.sandboxPid()));
        assertThat(records).hasSize(TASKS);

        jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        for (TaskHandleRecord r : records) {
            assertThat(ProcStat.isAlive(r.sandboxPid(), r.sandboxStartTicks())).as("sandbox of " + r.taskId()).isTrue();
        }

        // Some tasks end while no driver is watching them.
        for (TaskHandleRecord r : records.subList(0, ENDED_WHILE_DOWN)) {
            Files.writeString(r.taskConfig().taskDir().resolve("local/go"), "");
        }
        for (TaskHandleRecord r : records.subList(0, ENDED_WHILE_DOWN)) {
            awaitExitedStatus(r);
        }

        List<TaskHandle> recovered = new ArrayList<>();
        for (TaskHandleRecord r : records) {
            recovered.add(h.driver.recoverTask(r));
        }
        assertThat(h.driver.recoverTask(records.getLast())).isSameAs(recovered.getLast());
        for (int i = 0; i < ENDED_WHILE_DOWN; i++) {
            assertThat(recovered.get(i).exit().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitResult.Exited(i, false));
        }
        for (int i = ENDED_WHILE_DOWN; i < TASKS; i++) {
            assertThat(recovered.get(i).running()).as("task " + i + " still running").isTrue();
            assertThat(h.driver.inspectTask(records.get(i).taskId()).state()).isEqualTo(TaskState.RUNNING);
        }
        for (TaskHandleRecord r : records.subList(ENDED_WHILE_DOWN, TASKS)) {
            Files.writeString(r.taskConfig().taskDir().resolve("local/go"), "");
        }
        for (int i = ENDED_WHILE_DOWN; i < TASKS; i++) {
            assertThat(recovered.get(i).exit().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitResult.Exited(i, false));
        }
        // The sandbox kept writing the same log file across the driver's death.
        for (TaskHandleRecord r : records) {
            assertThat(DriverHarness.stdout(r.taskConfig())).isEqualTo("before\nafter\n");
        }
        // The dead JVM's pool of cgroups made ahead goes with the orphans (the agent reaps them after recovery).
        assertThat(h.driver.reapOrphans()).isEmpty();
        assertThat(h.allCgroups()).as("the killed JVM's pooled cgroups").noneMatch(p -> p.getFileName().toString()
                .startsWith("pool-" + jvm.pid() + "-"));
    }

    @Test
    void reapOrphans_killsTasksWhoseRecordWasNeverPersisted() throws Exception {
        Path out = h.root.resolve("orphans.jsonl");
        String java = ProcessHandle.current().info().command().orElseThrow();
        jvm = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RecoveryMain.class.getName(), h.root.resolve("state").toString(), h.cgroupParent,
                h.root.resolve("alloc").toString(), out.toString(), "2")
                .redirectErrorStream(true).redirectOutput(h.root.resolve("jvm.log").toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(out)) {
            assertThat(jvm.isAlive()).as("starter JVM died: " + readOrEmpty(h.root.resolve("jvm.log"))).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        List<TaskHandleRecord> records = Files.readAllLines(out).stream().map(TaskHandleRecordCodec::fromJson).toList();
        jvm.destroyForcibly();
        jvm.waitFor();
        // The agent persisted only the first record before it died.
        TaskHandle kept = h.driver.recoverTask(records.get(0));
        TaskHandleRecord lost = records.get(1);
        long lostInit = dev.corral.driver.linux.SandboxStatus.read(lost.statusFile()).orElseThrow().initPid().orElseThrow();
        assertThat(h.driver.reapOrphans()).containsExactly(TaskLauncher.cgroupName(lost.taskId()));
        assertThat(kept.running()).isTrue();
        deadline = System.nanoTime() + WAIT.toNanos();
        while (ProcStat.read(lost.sandboxPid()).filter(s -> s.state() != 'Z').isPresent()
                || ProcStat.read(lostInit).filter(s -> s.state() != 'Z').isPresent()) {
            assertThat(System.nanoTime()).as("orphan's sandbox still running").isLessThan(deadline);
            Thread.sleep(10);
        }
        for (Path p : lost.cgroupPaths()) {
            assertThat(p).doesNotExist();
        }
        assertThat(lost.statusFile().getParent()).doesNotExist();
        assertThat(h.driver.reapOrphans()).isEmpty();
        h.sandboxPids.add(kept.sandboxPid());
    }

    @Test
    void recoverTask_signalAndStopWorkOnARecoveredTask() throws Exception {
        TaskConfig t = h.task("long", ExecTaskConfig.of("/bin/sleep", "1000"));
        TaskHandleRecord record = h.start(t).record();
        // A second driver instance, as after an agent restart, sharing the state dir.
        ExecDriver second = new ExecDriver(h.driver.config());
        TaskHandle th = second.recoverTask(TaskHandleRecordCodec.fromJson(TaskHandleRecordCodec.toJson(record)));
        assertThat(th.running()).isTrue();
        second.stopTask(t.id(), Duration.ofSeconds(10), "SIGTERM");
        assertThat(th.exit().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitResult.Signaled(15, false));
        assertThat(h.driver.handle(t.id()).orElseThrow().exit().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitResult.Signaled(15, false));
        second.destroyTask(t.id(), false);
    }

    @Test
    void writeTaskFile_updatesTheTasksSecretsTmpfs() throws Exception {
        String script = "cat /secrets/rendered; while [ ! -e /secrets/token ]; do sleep 0.05; done; cat /secrets/token;"
                + " ls -l /secrets/token | cut -c1-10; echo mine > /secrets/own";
        TaskConfig t = h.task("sec", ExecTaskConfig.of("/bin/sh", "-c", script));
        Files.writeString(t.taskDir().resolve("secrets/rendered"), "before-start\n");
        TaskHandle th = h.start(t);
        h.driver.writeTaskFile(t.id(), "/secrets/token", "s3cr3t\n".getBytes(), 0640);
        assertThat(th.exit().get(30, TimeUnit.SECONDS)).isEqualTo(new ExitResult.Exited(0, false));
        assertThat(DriverHarness.stdout(t)).isEqualTo("before-start\ns3cr3t\n-rw-r-----\n");
        assertThat(t.taskDir().resolve("secrets/token")).doesNotExist();
        assertThat(t.taskDir().resolve("secrets/own")).doesNotExist();
    }

    @Test
    void writeTaskFile_throughPlantedSymlinks_staysInsideTheTask() throws Exception {
        Path victim = Files.writeString(h.root.resolve("victim"), "host data\n");
        Path victimDir = Files.createDirectories(h.root.resolve("victim-dir"));
        String script = "ln -s " + victim + " /secrets/token; ln -s " + victimDir + " /secrets/dir; ln -s ../../../../../../.. /secrets/up;"
                + " touch /local/ready; while [ ! -e /local/go ]; do sleep 0.05; done; cat /secrets/token";
        TaskConfig t = h.task("evil", ExecTaskConfig.of("/bin/sh", "-c", script));
        TaskHandle th = h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), Duration.ofSeconds(30));
        // The link at the name is replaced, links on the way resolve inside the task (or fail).
        h.driver.writeTaskFile(t.id(), "/secrets/token", "fresh\n".getBytes(), 0600);
        // These two either fail (the path does not exist inside the task) or write inside it.
        for (String attack : List.of("/secrets/dir/x", "/secrets/up" + h.root + "/victim-dir/y")) {
            try {
                h.driver.writeTaskFile(t.id(), attack, "pwned\n".getBytes(), 0600);
            } catch (DriverException e) {
                assertThat(e).hasMessageContaining("RESOLVE_IN_ROOT").hasMessageContaining("errno 2");
            }
        }
        assertThat(Files.readString(victim)).isEqualTo("host data\n");
        try (var s = Files.list(victimDir)) {
            assertThat(s).isEmpty();
        }
        Files.writeString(t.taskDir().resolve("local/go"), "");
        assertThat(th.exit().get(30, TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(DriverHarness.stdout(t)).isEqualTo("fresh\n");
    }

    private static void awaitExitedStatus(TaskHandleRecord r) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!SandboxStatus.read(r.statusFile()).map(SandboxStatus::exited).orElse(false)
                || ProcStat.isAlive(r.sandboxPid(), r.sandboxStartTicks())) {
            assertThat(System.nanoTime()).as("task " + r.taskId() + " never ended").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
