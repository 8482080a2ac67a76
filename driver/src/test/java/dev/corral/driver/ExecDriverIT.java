package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** The driver against the real kernel and the real sandbox (root). */
@Tag("root")
class ExecDriverIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    final DriverHarness h = new DriverHarness();

    @Test
    void fingerprint_asRootWithCgroups_isHealthyWithAttributes() {
        Fingerprint f = h.driver.fingerprint();
        assertThat(f.health()).as(f.description()).isEqualTo(HealthState.HEALTHY);
        assertThat(f.attributes()).containsEntry("driver.exec", "1").containsKey("driver.exec.cgroup")
                .containsKey("driver.exec.sandbox");
    }

    @Test
    void fingerprint_saysWhatIsMissing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        ExecDriverConfig cfg = h.driver.config();
        var none = new dev.corral.driver.linux.CgroupLayout(dev.corral.driver.linux.CgroupLayout.Mode.NONE, java.util.Map.of(),
                java.util.Optional.empty());
        assertThat(new ExecDriver(cfg, none).fingerprint())
                .isEqualTo(new Fingerprint(HealthState.UNHEALTHY, "Failed to discover cgroup mount point", java.util.Map.of()));
        java.nio.file.Files.writeString(tmp.resolve("cgroup.controllers"), "cpuset memory\n");
        var v2 = new dev.corral.driver.linux.CgroupLayout(dev.corral.driver.linux.CgroupLayout.Mode.V2, java.util.Map.of(),
                java.util.Optional.of(tmp));
        Fingerprint f = new ExecDriver(cfg, v2).fingerprint();
        assertThat(f.health()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(f.description()).isEqualTo("cgroup controllers missing (v2): cpu, pids; mount them or enable them in cgroup.subtree_control");
        java.nio.file.Path fake = java.nio.file.Files.writeString(tmp.resolve("fake-sandbox"), "not a program");
        Fingerprint noBinary = new ExecDriver(ExecDriverConfig.builder().stateDir(cfg.stateDir()).sandboxBinary(fake).build()).fingerprint();
        assertThat(noBinary.health()).isEqualTo(HealthState.UNHEALTHY);
        assertThat(noBinary.description()).contains(fake.toString()).contains("not executable");
        assertThat(noBinary.detected()).isTrue();
        assertThat(noBinary.healthy()).isFalse();
    }

    @Test
    void startTask_binTrue_exitsZero_andInspectShowsIt() throws Exception {
        TaskConfig t = h.task("web", ExecTaskConfig.of("/bin/true"));
        TaskHandle th = h.start(t);
        assertThat(h.await(th, WAIT)).isEqualTo(new ExitResult.Exited(0, false));
        TaskStatus st = h.driver.inspectTask(t.id());
        assertThat(st.state()).isEqualTo(TaskState.EXITED);
        assertThat(st.exitResult()).contains(new ExitResult.Exited(0, false));
        assertThat(st.completedAt()).isPresent();
        assertThat(st.driverAttributes()).containsEntry("pid", Long.toString(th.sandboxPid()));
    }

    @Test
    void startTask_shellScript_reportsItsExitCodeAndLogsItsOutput() throws Exception {
        TaskConfig t = h.task("sh", ExecTaskConfig.of("/bin/sh", "-c", "echo hello from $(id -u):$(id -g); exit 3"));
        assertThat(h.await(h.start(t), WAIT)).isEqualTo(new ExitResult.Exited(3, false));
        assertThat(DriverHarness.stdout(t)).isEqualTo("hello from 65534:65534\n");
    }

    @Test
    void startTask_killedBySignal_reports128PlusSignal() throws Exception {
        TaskConfig t = h.task("sig", ExecTaskConfig.of("/bin/sh", "-c", "kill -TERM $$"));
        ExitResult r = h.await(h.start(t), WAIT);
        assertThat(r).isEqualTo(new ExitResult.Signaled(15, false));
        assertThat(r.exitCode()).isEqualTo(143);
    }

    @Test
    void startTask_bareCommandName_isFoundInTheChrootsFakePath() throws Exception {
        TaskConfig t = h.task("bare", ExecTaskConfig.of("echo", "found"));
        assertThat(h.await(h.start(t), WAIT).exitCode()).isZero();
        assertThat(DriverHarness.stdout(t)).isEqualTo("found\n");
    }

    @Test
    void startTask_missingCommand_saysWhereItLooked() {
        TaskConfig t = h.task("nope", ExecTaskConfig.of("/opt/none/x"));
        assertThatThrownBy(() -> h.start(t)).isInstanceOf(DriverException.CommandNotFoundException.class)
                .hasMessageStartingWith("file /opt/none/x not found under path " + t.taskDir());
    }

    @Test
    void startTask_sandboxSetupFails_throwsWithTheStepAndLeavesNothing() throws Exception {
        TaskConfig base = h.task("badmount", ExecTaskConfig.of("/bin/true"));
        TaskConfig t = new TaskConfig(base.id(), base.name(), base.allocId(), base.jobName(), base.groupName(), base.allocDir(),
                base.taskDir(), base.env(), base.user(), base.resources(), base.driverConfig(), base.logs(),
                List.of(new MountConfig(h.root.resolve("no-such-volume"), "/data", false)));
        assertThatThrownBy(() -> h.start(t)).isInstanceOf(DriverException.TaskLaunchException.class)
                .hasMessageContaining("step mount_bind failed");
        assertThat(h.driver.handle(t.id())).isEmpty();
        assertThat(h.leftoverCgroups()).isEmpty();
    }

    @Test
    void startTask_readOnlyMount_missingSourceOrOverlayRootfs_isRefusedBeforeAnythingStarts() throws Exception {
        TaskConfig base = h.task("romount", ExecTaskConfig.of("/bin/true"));
        TaskConfig missing = new TaskConfig(base.id(), base.name(), base.allocId(), base.jobName(), base.groupName(),
                base.allocDir(), base.taskDir(), base.env(), base.user(), base.resources(), base.driverConfig(), base.logs(),
                List.of(new MountConfig(h.root.resolve("no-such-volume"), "/data", true)));
        assertThatThrownBy(() -> h.start(missing)).isInstanceOf(DriverException.InvalidTaskConfigException.class)
                .hasMessageEndingWith("mount source " + h.root.resolve("no-such-volume") + " (for /data) does not exist on the host");
        try (DriverHarness overlay = new DriverHarness(b -> b.rootfs(RootfsMode.OVERLAY))) {
            TaskConfig o = overlay.task("romount", ExecTaskConfig.of("/bin/true"));
            TaskConfig ro = new TaskConfig(o.id(), o.name(), o.allocId(), o.jobName(), o.groupName(), o.allocDir(),
                    o.taskDir(), o.env(), o.user(), o.resources(), o.driverConfig(), o.logs(),
                    List.of(new MountConfig(overlay.root, "/data", true)));
            assertThatThrownBy(() -> overlay.start(ro)).isInstanceOf(DriverException.InvalidTaskConfigException.class)
                    .hasMessageContaining("is not possible with rootfs = \"overlay\"");
            assertThat(overlay.driver.handle(ro.id())).isEmpty();
        }
        assertThat(h.leftoverCgroups()).isEmpty();
    }

    @Test
    void startTask_execveFails_isASandboxFailureNotATaskExit() throws Exception {
        TaskConfig t = h.task("noexec", ExecTaskConfig.of("/local/garbage"));
        Files.write(t.taskDir().resolve("local/garbage"), new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> h.start(t)).isInstanceOf(DriverException.TaskLaunchException.class)
                .hasMessageContaining("step execve failed (errno 8)");
        assertThat(h.leftoverCgroups()).isEmpty();
    }

    @Test
    void startTask_sameIdTwice_isRefused() throws Exception {
        TaskConfig t = h.task("twice", ExecTaskConfig.of("/bin/sleep", "30"));
        h.start(t);
        assertThatThrownBy(() -> h.start(t)).isInstanceOf(DriverException.TaskAlreadyStartedException.class)
                .hasMessage("task with ID \"" + t.id() + "\" already started");
        assertThatThrownBy(() -> h.driver.destroyTask(t.id(), false)).isInstanceOf(DriverException.TaskRunningException.class);
    }

    @Test
    void startTask_rootUser_isRefusedByTheDenylist() {
        TaskConfig t = h.task("r", ExecTaskConfig.of("/bin/true"));
        TaskConfig asRoot = new TaskConfig(t.id(), t.name(), t.allocId(), t.jobName(), t.groupName(), t.allocDir(), t.taskDir(),
                t.env(), "root", t.resources(), t.driverConfig(), t.logs(), t.mounts());
        assertThatThrownBy(() -> h.start(asRoot)).isInstanceOf(DriverException.UserException.class)
                .hasMessageContaining("denylist");
    }

    @Test
    void startTask_capAddOutsideAllowCaps_isRefusedBeforeAnythingRuns() {
        TaskConfig t = h.task("caps", new ExecTaskConfig("/bin/true", List.of(), "", "", List.of("net_raw"), List.of(), ""));
        assertThatThrownBy(() -> h.start(t)).isInstanceOf(DriverException.CapabilityNotAllowedException.class)
                .hasMessageStartingWith("driver does not allow the following capabilities: net_raw");
    }

    @Test
    void stopTask_sleep_stopsOnSigintWithoutWaitingOutTheTimeout() throws Exception {
        TaskConfig t = h.task("sleep", ExecTaskConfig.of("/bin/sleep", "1000"));
        TaskHandle th = h.start(t);
        long t0 = System.nanoTime();
        h.driver.stopTask(t.id(), Duration.ofSeconds(25), "SIGINT");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(th.exit().getNow(null)).isEqualTo(new ExitResult.Signaled(2, false));
    }

    @Test
    void stopTask_childrenIgnoringSignals_areAllKilledAfterTheTimeout() throws Exception {
        // Each child says when it exists, so the test never races the shell's forks.
        String script = "trap '' INT TERM; "
                + "sh -c \"trap '' INT TERM; touch /local/c1; exec sleep 1000\" & "
                + "sh -c \"trap '' INT TERM; (sleep 1000 &) ; touch /local/c2; exec sleep 1000\" & "
                + "wait";
        TaskConfig t = h.task("stubborn", ExecTaskConfig.of("/bin/sh", "-c", script));
        TaskHandle th = h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/c1"), WAIT);
        DriverHarness.awaitFile(t.taskDir().resolve("local/c2"), WAIT);
        assertThat(th.cgroup().pids()).hasSizeGreaterThanOrEqualTo(4);
        h.driver.stopTask(t.id(), Duration.ofMillis(300), "SIGINT");
        assertThat(th.exit().getNow(null)).isEqualTo(new ExitResult.Signaled(9, false));
        assertThat(th.cgroup().pids()).isEmpty();
    }

    @Test
    void destroyTask_hostPidMode_killsWhatTheTaskLeftBehind() throws Exception {
        String script = "sh -c \"trap '' INT TERM HUP; exec sleep 1000\" > /dev/null 2>&1 & echo $! > /local/orphan; exit 0";
        TaskConfig t = h.task("leaver", new ExecTaskConfig("/bin/sh", List.of("-c", script), "host", "", List.of(), List.of(), ""));
        TaskHandle th = h.start(t);
        assertThat(h.await(th, WAIT)).isEqualTo(new ExitResult.Exited(0, false));
        long orphan = Long.parseLong(Files.readString(t.taskDir().resolve("local/orphan")).trim());
        assertThat(th.cgroup().pids()).contains(orphan);
        h.driver.destroyTask(t.id(), false);
        assertThat(dev.corral.driver.linux.ProcStat.read(orphan).filter(p -> p.state() != 'Z')).isEmpty();
        for (java.nio.file.Path p : th.record().cgroupPaths()) {
            assertThat(p).doesNotExist();
        }
    }

    @Test
    void signalTask_reachesAShellWithoutPidOneSemantics() throws Exception {
        String script = "trap 'echo got-usr1 > /local/usr1; exit 0' USR1; touch /local/ready; while :; do sleep 0.05; done";
        TaskConfig t = h.task("trap", ExecTaskConfig.of("/bin/sh", "-c", script));
        TaskHandle th = h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), WAIT);
        h.driver.signalTask(t.id(), "SIGUSR1");
        assertThat(h.await(th, WAIT)).isEqualTo(new ExitResult.Exited(0, false));
        assertThat(Files.readString(t.taskDir().resolve("local/usr1"))).isEqualTo("got-usr1\n");
    }

    @Test
    void memoryLimit_hogIsOomKilledAndReportedSo() throws Exception {
        // tail keeps the current "line" of /dev/zero in memory, and it never ends.
        TaskConfig t = h.task("hog", ExecTaskConfig.of("/usr/bin/tail", "/dev/zero"), new Resources(100, List.of(), 32, 0));
        ExitResult r = h.await(h.start(t), WAIT);
        assertThat(r).isEqualTo(new ExitResult.Signaled(9, true));
        assertThat(r.message()).isEqualTo("OOM Killed");
        assertThat(r.exitCode()).isEqualTo(137);
    }

    @Test
    void pidsLimit_forkBombStopsAtTheLimit() throws Exception {
        try (DriverHarness small = new DriverHarness(b -> b.pidsLimit(20))) {
            String script = "i=0; while [ $i -lt 60 ]; do sleep 100 & i=$((i+1)); done; echo forked; wait";
            TaskConfig t = small.task("bomb", ExecTaskConfig.of("/bin/sh", "-c", script));
            TaskHandle th = small.start(t);
            DriverHarness.awaitFile(t.allocDir().resolve("logs/bomb.stderr.0"), WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!Files.readString(t.allocDir().resolve("logs/bomb.stdout.0")).contains("forked") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(th.cgroup().pids().size()).isLessThanOrEqualTo(20);
            assertThat(Files.readString(t.allocDir().resolve("logs/bomb.stderr.0"))).containsIgnoringCase("fork");
            small.driver.stopTask(t.id(), Duration.ZERO, "");
        }
    }

    @Test
    void noPivotRoot_runsTheTaskInItsRoot() throws Exception {
        try (DriverHarness chroot = new DriverHarness(b -> b.noPivotRoot(true))) {
            TaskConfig t = chroot.task("chroot", ExecTaskConfig.of("/bin/sh", "-c", "ls / | tr '\\n' ' '"));
            assertThat(chroot.await(chroot.start(t), WAIT)).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(DriverHarness.stdout(t)).contains("alloc").contains("local").contains("usr").doesNotContain("root ")
                    .doesNotContain("home");
        }
    }

    @Test
    void taskStats_readsTheCgroup() throws Exception {
        TaskConfig t = h.task("busy", ExecTaskConfig.of("/bin/sh", "-c", "touch /local/ready; while :; do :; done"));
        h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), WAIT);
        TaskResourceUsage first = h.driver.taskStats(t.id());
        assertThat(first.memory().usage()).isPositive();
        assertThat(first.processes()).isNotEmpty();
        long before = first.cpu().totalNanos();
        long deadline = System.nanoTime() + WAIT.toNanos();
        TaskResourceUsage second;
        do {
            Thread.sleep(50);
            second = h.driver.taskStats(t.id());
        } while (second.cpu().totalNanos() == before && System.nanoTime() < deadline);
        assertThat(second.cpu().totalNanos()).isGreaterThan(before);
        assertThat(second.cpu().percent()).isPositive();
    }

    @Test
    void streamTaskStats_deliversSamplesUntilTheTaskExits() throws Exception {
        TaskConfig t = h.task("stream", ExecTaskConfig.of("/bin/sh", "-c", "while [ ! -e /local/stop ]; do sleep 0.05; done"));
        TaskHandle th = h.start(t);
        java.util.concurrent.LinkedBlockingQueue<TaskResourceUsage> samples = new java.util.concurrent.LinkedBlockingQueue<>();
        try (AutoCloseable stream = h.driver.streamTaskStats(t.id(), Duration.ofMillis(20), samples::add)) {
            for (int i = 0; i < 3; i++) {
                assertThat(samples.poll(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            }
            Files.writeString(t.taskDir().resolve("local/stop"), "");
            h.await(th, WAIT);
        }
        assertThat(samples.stream().allMatch(u -> u.memory().usage() >= 0)).isTrue();
    }

    @Test
    void fingerprintEvery_deliversAtOnce() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<Fingerprint> got = new java.util.concurrent.LinkedBlockingQueue<>();
        try (AutoCloseable f = h.driver.fingerprintEvery(Duration.ofHours(1), got::add)) {
            assertThat(got.poll(30, java.util.concurrent.TimeUnit.SECONDS).health()).isEqualTo(HealthState.HEALTHY);
        }
    }

    @Test
    void stopTask_killTimeoutIsCappedByMaxKillTimeout_andUnknownSignalsAreRefused() throws Exception {
        try (DriverHarness capped = new DriverHarness(b -> b.maxKillTimeout(Duration.ofMillis(200)))) {
            TaskConfig t = capped.task("stubborn", ExecTaskConfig.of("/bin/sh", "-c", "trap '' INT; touch /local/ready; while :; do sleep 0.05; done"));
            TaskHandle th = capped.start(t);
            DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), WAIT);
            assertThatThrownBy(() -> capped.driver.stopTask(t.id(), Duration.ofSeconds(1), "SIGBOGUS"))
                    .hasMessage("error unknown signal given for shutdown: SIGBOGUS");
            assertThat(th.running()).isTrue();
            long t0 = System.nanoTime();
            capped.driver.stopTask(t.id(), Duration.ofHours(1), "");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
            assertThat(th.exit().getNow(null)).isEqualTo(new ExitResult.Signaled(9, false));
        }
    }

    @Test
    void signalTask_unknownName_becomesSigintLikeNomad() throws Exception {
        String script = "trap 'echo int > /local/int; exit 0' INT; touch /local/ready; while :; do sleep 0.05; done";
        TaskConfig t = h.task("int", ExecTaskConfig.of("/bin/sh", "-c", script));
        TaskHandle th = h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/ready"), WAIT);
        h.driver.signalTask(t.id(), "SIGNOTHING");
        assertThat(h.await(th, WAIT).exitCode()).isZero();
        assertThat(Files.readString(t.taskDir().resolve("local/int"))).isEqualTo("int\n");
        assertThatThrownBy(() -> h.driver.signalTask(t.id(), "SIGHUP")).hasMessageContaining("not running");
    }

    @Test
    void startTask_manyAtOnceFromVirtualThreads_allRunAndExit() throws Exception {
        List<TaskConfig> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tasks.add(h.task("par" + i, ExecTaskConfig.of("/bin/sh", "-c", "exit " + i)));
        }
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<TaskHandle>> started = new java.util.ArrayList<>();
            for (TaskConfig t : tasks) {
                started.add(pool.submit(() -> h.start(t)));
            }
            for (int i = 0; i < tasks.size(); i++) {
                assertThat(h.await(started.get(i).get(), WAIT)).isEqualTo(new ExitResult.Exited(i, false));
            }
        }
    }

    @Test
    void execTask_runsInsideTheTaskAsItsUser() throws Exception {
        TaskConfig t = h.task("ex", ExecTaskConfig.of("/bin/sh", "-c", "grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status"
                + " > /local/caps; echo secret > /local/marker.tmp; mv /local/marker.tmp /local/marker; exec sleep 1000"));
        h.start(t);
        DriverHarness.awaitFile(t.taskDir().resolve("local/marker"), WAIT);
        ExecResult r = h.driver.execTask(t.id(), List.of("/bin/sh", "-c",
                "id -u; cat /local/marker; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\\t'; exit 4"), WAIT);
        assertThat(new String(r.output())).isEqualTo("65534\nsecret\nNoNewPrivs:1\nSeccomp:2\n");
        // Nomad runs exec'd commands with the task's capabilities: same effective, bounding and ambient sets.
        String taskCaps = java.nio.file.Files.readString(t.taskDir().resolve("local/caps"));
        assertThat(taskCaps).contains("CapEff:").doesNotContain("CapEff:\t0000000000000000");
        assertThat(new String(h.driver.execTask(t.id(), List.of("/bin/sh", "-c",
                "grep -E '^Cap(Eff|Bnd|Amb):' /proc/self/status"), WAIT).output())).isEqualTo(taskCaps);
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.timedOut()).isFalse();
    }

    @Test
    void execTask_pastItsDeadline_isKilledAndSaysSo() throws Exception {
        TaskConfig t = h.task("slow", ExecTaskConfig.of("/bin/sleep", "1000"));
        h.start(t);
        TaskHandle th = h.driver.handle(t.id()).orElseThrow();
        java.util.Set<Long> before = th.cgroup().pids();
        ExecResult r = h.driver.execTask(t.id(), List.of("/bin/sh", "-c", "trap '' INT TERM; echo started; sleep 100"), Duration.ofSeconds(3));
        assertThat(r.timedOut()).isTrue();
        assertThat(new String(r.output())).isEqualTo("started\n");
        assertThat(DriverHarness.awaitValue(() -> th.cgroup().pids(), before::equals, WAIT))
                .as("the timed-out command is gone, the task is not").isEqualTo(before);
        assertThatThrownBy(() -> h.driver.execTask(t.id(), List.of(), WAIT)).hasMessage("error cmd must have at least one value");
    }

    @Test
    void execTaskStreaming_withoutTty_keepsStdoutAndStderrApart() throws Exception {
        TaskConfig t = h.task("pipe", ExecTaskConfig.of("/bin/sleep", "1000"));
        h.start(t);
        try (ExecSession s = h.driver.execTaskStreaming(t.id(),
                List.of("/bin/sh", "-c", "read x; echo out:$x; echo err:$x >&2"), java.util.Optional.empty())) {
            s.stdin().write("hi\n".getBytes());
            s.stdin().close();
            assertThat(new String(s.stdout().readAllBytes())).isEqualTo("out:hi\n");
            assertThat(new String(s.stderr().readAllBytes())).isEqualTo("err:hi\n");
            assertThat(s.exit().get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void execTaskStreaming_withTty_givesATerminalThatFollowsResizes() throws Exception {
        TaskConfig t = h.task("tty", ExecTaskConfig.of("/bin/sleep", "1000"));
        h.start(t);
        try (ExecSession s = h.driver.execTaskStreaming(t.id(), List.of("/bin/sh", "-c", "stty size; read x; stty size; echo got:$x"),
                java.util.Optional.of(new ExecSession.TerminalSize(100, 30)))) {
            StringBuilder out = new StringBuilder();
            java.io.InputStream in = s.stdout();
            // Reads block in native code: a platform thread.
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[256];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (out) {
                            out.append(new String(buf, 0, n));
                            out.notifyAll();
                        }
                    }
                } catch (java.io.IOException e) {
                    synchronized (out) {
                        out.append("\nREAD ERROR ").append(e);
                    }
                }
            });
            awaitText(out, "30 100");
            s.resize(new ExecSession.TerminalSize(120, 40));
            s.stdin().write("hello\n".getBytes());
            assertThat(s.exit().get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            awaitText(out, "got:hello");
            reader.join(5000);
            assertThat(out.toString()).contains("40 120").contains("\r\n");
        }
    }

    private static void awaitText(StringBuilder out, String text) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (out) {
            while (out.indexOf(text) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("never saw \"" + text + "\" in " + out);
                }
                out.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    @Test
    void waitTask_unknownId_isNotFound() {
        assertThatThrownBy(() -> h.driver.waitTask("nope")).isInstanceOf(DriverException.TaskNotFoundException.class);
    }

    /**
     * A staged start whose command is not found: the spare already had the root part and was
     * building the task's root; the start is withdrawn, nothing of it is left (no state dir, no
     * cgroup, no spare, no mount: the harness checks), the task dir is whole, and the next start
     * gets a spare again.
     */
    @Test
    void startTask_commandNotFound_withdrawsTheStagedStart_andLeavesNothing() throws Exception {
        TaskConfig warm = h.task("warm", ExecTaskConfig.of("/bin/true"));
        h.await(h.start(warm), WAIT);
        assertThat(DriverHarness.awaitValue(h.driver::readySpares, n -> n > 0, WAIT)).isPositive();
        TaskConfig t = h.task("missing", ExecTaskConfig.of("/no/such/binary"));
        Files.writeString(t.taskDir().resolve("local/keep.txt"), "mine");
        Files.setPosixFilePermissions(t.taskDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x--x"));
        var before = h.driver.startCounts();
        List<java.nio.file.Path> spares;
        try (var dirs = Files.list(h.root.resolve("state/spares"))) {
            spares = dirs.toList();
        }
        assertThatThrownBy(() -> h.driver.startTask(t)).isInstanceOf(DriverException.CommandNotFoundException.class)
                .hasMessageContaining("/no/such/binary");
        assertThat(spares).as("the spare that had the root part is gone").anyMatch(d -> !Files.exists(d));
        assertThat(h.driver.startCounts()).isEqualTo(before);
        assertThat(h.root.resolve("state/tasks").resolve(TaskLauncher.cgroupName(t.id()))).doesNotExist();
        assertThat(Files.readString(t.taskDir().resolve("local/keep.txt"))).isEqualTo("mine");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(t.taskDir())))
                .isEqualTo("rwxr-x--x");
        assertThat(h.driver.tasks()).extracting(TaskHandle::id).doesNotContain(t.id());
        assertThat(DriverHarness.awaitValue(h.driver::readySpares, n -> n > 0, WAIT)).isPositive();
        TaskConfig next = h.task("next", ExecTaskConfig.of("/bin/sh", "-c", "cat /local/keep.txt 2>/dev/null; echo ran"));
        assertThat(h.await(h.start(next), WAIT)).isEqualTo(new ExitResult.Exited(0, false));
        assertThat(DriverHarness.stdout(next)).isEqualTo("ran\n");
        assertThat(h.driver.startCounts().fromSpare()).isEqualTo(before.fromSpare() + 1);
    }

    /**
     * A task dir on another mount than the spares (a bind mount of the same filesystem refuses the
     * rename as well): started without a spare, and started all the same.
     */
    @Test
    void startTask_taskDirOnAnotherMount_startsWithoutASpare() throws Exception {
        java.nio.file.Path other = h.root.resolve("elsewhere");
        Files.createDirectories(other);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "mode=0755,size=16m", "corral-it", other.toString())
                .inheritIO().start();
        assertThat(mount.waitFor()).isZero();
        try {
            TaskConfig warm = h.task("warm", ExecTaskConfig.of("/bin/true"));
            h.await(h.start(warm), WAIT);
            assertThat(DriverHarness.awaitValue(h.driver::readySpares, n -> n > 0, WAIT)).isPositive();
            String allocId = "elsewhere";
            TaskDirectory dir = TaskDirectory.create(other.resolve(allocId), "t", h.driver.config().chrootEnv());
            TaskConfig t = new TaskConfig(TaskConfig.newId(allocId, "t"), "t", allocId, "job", "group", dir.allocDir(),
                    dir.taskDir(), java.util.Map.of("PATH", "/usr/bin:/bin"), "", Resources.DEFAULT,
                    ExecTaskConfig.of("/bin/sh", "-c", "echo on-tmpfs > /local/out"), new LogConfig.RotatedFiles(2, 1 << 20),
                    List.of());
            var before = h.driver.startCounts();
            TaskHandle th = h.start(t);
            assertThat(h.await(th, WAIT)).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(Files.readString(dir.taskDir().resolve("local/out"))).isEqualTo("on-tmpfs\n");
            assertThat(h.driver.startCounts().spawned()).isEqualTo(before.spawned() + 1);
            assertThat(h.driver.startCounts().fromSpare()).isEqualTo(before.fromSpare());
            h.driver.destroyTask(t.id(), false);
        } finally {
            new ProcessBuilder("umount", "-l", other.toString()).inheritIO().start().waitFor();
        }
    }

    /**
     * Staged starts of tasks whose command is in their own local/ (Nomad's artifacts): the driver
     * looks the command up in the task dir while the spare already has the root part, so the spare
     * must not swap that dir before the lookup is done (between the swap and the last entry moved
     * the dir shows only part of its entries; SeccompIT once failed on it with "not found").
     */
    @Test
    void stagedStarts_commandInTheTaskDir_isAlwaysFound() throws Exception {
        for (int i = 0; i < 60; i++) {
            TaskConfig t = h.task("local" + i, ExecTaskConfig.of("/local/run.sh"));
            java.nio.file.Path script = t.taskDir().resolve("local/run.sh");
            Files.writeString(script, "#!/bin/sh\necho ran\n");
            Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            TaskHandle th = h.start(t);
            assertThat(h.await(th, WAIT)).as("start %d", i).isEqualTo(new ExitResult.Exited(0, false));
            h.driver.destroyTask(t.id(), false);
        }
        assertThat(h.driver.startCounts().fromSpare()).isPositive();
    }
}
