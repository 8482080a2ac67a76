package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.corral.driver.linux.CgroupLayout;
import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.plugin.config.PluginConfigSchema;
import dev.corral.plugin.config.TaskConfigSchema;
import dev.corral.plugin.cty.CtyConfigEncoder;
import dev.corral.plugin.proto.base.BasePb;
import dev.corral.plugin.proto.drivers.DriverPb;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

/**
 * Task lifecycle through the plugin as Nomad 1.6 drives it (reference §7a steps 5-8): logmon's
 * FIFOs made and read by the test, StartTask, WaitTask, TaskStats, InspectTask, StopTask,
 * DestroyTask, then a plugin kill -9 while a task runs, a task that ends while no plugin
 * exists, and RecoverTask in a fresh plugin from the stored handle alone.
 */
@Tag("root")
class PluginTaskLifecycleIT {
    private Path root;
    private String cgroupParent;
    private final List<NomadHarness> plugins = new ArrayList<>();
    private final List<Long> sandboxPids = new ArrayList<>();
    private final List<NomadTask> tasks = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
        root = Files.createTempDirectory("corral-plugin-it-");
        cgroupParent = "corral-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (root == null) {
            return;
        }
        for (NomadHarness p : plugins) {
            p.kill(); // as Nomad stops a plugin: Shutdown first, so it lets its spares and pooled cgroups go
            p.close();
        }
        // A sandbox exits right after recording its task's exit; give it a moment to be reaped.
        List<Long> alive = sandboxPids.stream().filter(PluginTaskLifecycleIT::stillRunningAfterGrace).toList();
        for (long pid : alive) {
            LinuxSyscalls.kill(pid, 9);
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        }
        for (NomadTask t : tasks) {
            t.releaseLogmon();
        }
        List<Path> cgroups = removeCgroupParent();
        deleteTree(root);
        assertThat(alive).as("sandbox processes left running").isEmpty();
        assertThat(cgroups).as("task cgroups left behind").isEmpty();
    }

    /** Plugin launch 3 of the agent's boot: SetConfig with nomad_config, as the driver manager does. */
    private NomadHarness plugin() throws Exception {
        NomadHarness p = NomadHarness.launch(Map.of());
        plugins.add(p);
        p.base().setConfig(BasePb.SetConfigRequest.newBuilder()
                .setMsgpackConfig(ByteString.copyFrom(CtyConfigEncoder.encode(PluginConfigSchema.SPEC, Map.of(
                        "state_dir", root.resolve("state").toString(), "cgroup_parent", cgroupParent))))
                .setPluginApiVersion("0.1.0")
                .setNomadConfig(BasePb.NomadConfig.newBuilder().setDriver(
                        BasePb.NomadDriverConfig.newBuilder().setClientMaxPort(14512).setClientMinPort(14000)))
                .build());
        p.driver().taskConfigSchema(DriverPb.TaskConfigSchemaRequest.getDefaultInstance());
        p.driver().capabilities(DriverPb.CapabilitiesRequest.getDefaultInstance());
        return p;
    }

    /** One task of a fresh alloc in Nomad's layout, with logmon's FIFOs already being read. */
    private final class NomadTask {
        final String allocId = UUID.randomUUID().toString();
        final String name;
        final Path allocDir;
        final Path taskDir;
        final CompletableFuture<String> stdout;
        final CompletableFuture<String> stderr;
        final DriverPb.TaskConfig config;

        NomadTask(String name, Map<String, Object> driverConfig) throws Exception {
            this.name = name;
            allocDir = root.resolve("alloc").resolve(allocId);
            taskDir = allocDir.resolve(name);
            for (Path d : List.of(allocDir.resolve("alloc/logs"), allocDir.resolve("alloc/data"), allocDir.resolve("alloc/tmp"),
                    taskDir.resolve("local"), taskDir.resolve("secrets"), taskDir.resolve("tmp"))) {
                Files.createDirectories(d);
            }
            Path out = allocDir.resolve("alloc/logs/." + name + ".stdout.fifo");
            Path err = allocDir.resolve("alloc/logs/." + name + ".stderr.fifo");
            mkfifo(out);
            mkfifo(err);
            stdout = logmon(out);
            stderr = logmon(err);
            tasks.add(this);
            config = DriverPb.TaskConfig.newBuilder()
                    .setId(allocId + "/" + name + "/" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()))
                    .setName(name)
                    .setMsgpackDriverConfig(ByteString.copyFrom(CtyConfigEncoder.encode(TaskConfigSchema.SPEC, driverConfig)))
                    .putAllEnv(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "NOMAD_TASK_DIR", "/local",
                            "NOMAD_ALLOC_DIR", "/alloc", "NOMAD_ALLOC_ID", allocId, "NOMAD_TASK_NAME", name))
                    .setResources(DriverPb.Resources.newBuilder()
                            .setAllocatedResources(DriverPb.AllocatedTaskResources.newBuilder()
                                    .setCpu(DriverPb.AllocatedCpuResources.newBuilder().setCpuShares(100))
                                    .setMemory(DriverPb.AllocatedMemoryResources.newBuilder().setMemoryMb(128)))
                            .setLinuxResources(DriverPb.LinuxResources.newBuilder().setCpuShares(100)
                                    .setMemoryLimitBytes(128L << 20).setPercentTicks(0.01)))
                    .setAllocDir(allocDir.toString())
                    .setStdoutPath(out.toString())
                    .setStderrPath(err.toString())
                    .setTaskGroupName("grp").setJobName("job").setAllocId(allocId).setJobId("job")
                    .setNamespace("default").setNodeName("node").setNodeId(UUID.randomUUID().toString())
                    .build();
        }

        /** A task that never opened its FIFOs leaves logmon blocked in open(): open and close the write end. */
        void releaseLogmon() throws IOException {
            for (var f : List.of(Map.entry(stdout, config.getStdoutPath()), Map.entry(stderr, config.getStderrPath()))) {
                if (!f.getKey().isDone()) {
                    new java.io.FileOutputStream(f.getValue()).close();
                }
            }
        }

        DriverPb.TaskHandle start(NomadHarness p) throws IOException {
            DriverPb.StartTaskResponse r = p.driver().startTask(DriverPb.StartTaskRequest.newBuilder().setTask(config).build());
            sandboxPids.add(new ObjectMapper().readTree(r.getHandle().getDriverState().toStringUtf8()).get("sandbox_pid").asLong());
            return r.getHandle();
        }
    }

    @Test
    void echo_startWaitDestroy_outputArrivesThroughLogmonsFifo() throws Exception {
        NomadHarness p = plugin();
        NomadTask task = new NomadTask("echo", Map.of("command", "/bin/echo", "args", List.of("hello", "from nomad")));
        DriverPb.TaskHandle handle = task.start(p);
        assertThat(handle.getConfig()).isEqualTo(task.config);
        assertThat(handle.getVersion()).isGreaterThanOrEqualTo(1);
        assertThat(handle.getState()).isIn(DriverPb.TaskState.RUNNING, DriverPb.TaskState.EXITED);

        DriverPb.WaitTaskResponse exit = p.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build());
        assertThat(exit.hasResult()).isTrue();
        assertThat(exit.getResult().getExitCode()).isZero();
        assertThat(exit.getResult().getSignal()).isZero();
        assertThat(exit.getErr()).isEmpty();
        assertThat(task.stdout.get(30, TimeUnit.SECONDS)).isEqualTo("hello from nomad\n");
        assertThat(task.stderr.get(30, TimeUnit.SECONDS)).isEmpty();

        // WaitTask after the exit answers at once, again.
        assertThat(p.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build()).getResult())
                .isEqualTo(exit.getResult());
        DriverPb.InspectTaskResponse inspect = p.driver().inspectTask(DriverPb.InspectTaskRequest.newBuilder().setTaskId(task.config.getId()).build());
        assertThat(inspect.getTask().getState()).isEqualTo(DriverPb.TaskState.EXITED);
        assertThat(inspect.getTask().hasStartedAt()).isTrue();
        assertThat(inspect.getTask().hasCompletedAt()).isTrue();
        assertThat(inspect.getTask().getResult().getExitCode()).isZero();

        p.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());
        p.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());
        assertThatThrownBy(() -> p.driver().inspectTask(DriverPb.InspectTaskRequest.newBuilder().setTaskId(task.config.getId()).build()))
                .hasMessageContaining("NOT_FOUND");
        assertThat(p.kill()).isTrue();
        assertThat(p.badLogLines).isEmpty();
    }

    @Test
    void longTask_statsInspectExecSignalStop() throws Exception {
        NomadHarness p = plugin();
        NomadTask task = new NomadTask("loop", Map.of("command", "/bin/sh",
                "args", List.of("-c", "echo started; while :; do sleep 0.2; done")));
        task.start(p);
        String id = task.config.getId();
        LinkedBlockingQueue<Object> waits = new LinkedBlockingQueue<>();
        p.driverAsync().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(id).build(), PluginServerIT.collect(waits));

        LinkedBlockingQueue<Object> stats = new LinkedBlockingQueue<>();
        p.driverAsync().taskStats(DriverPb.TaskStatsRequest.newBuilder().setTaskId(id)
                .setCollectionInterval(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)).build(), PluginServerIT.collect(stats));
        for (int i = 0; i < 2; i++) {
            Object sample = stats.poll(30, TimeUnit.SECONDS);
            assertThat(sample).isInstanceOf(DriverPb.TaskStatsResponse.class);
            DriverPb.TaskStats s = ((DriverPb.TaskStatsResponse) sample).getStats();
            assertThat(s.hasTimestamp()).isTrue();
            assertThat(s.hasAggResourceUsage()).isTrue();
        }

        DriverPb.InspectTaskResponse inspect = p.driver().inspectTask(DriverPb.InspectTaskRequest.newBuilder().setTaskId(id).build());
        assertThat(inspect.getTask().getState()).isEqualTo(DriverPb.TaskState.RUNNING);
        assertThat(inspect.getTask().hasCompletedAt()).isTrue();
        assertThat(inspect.getTask().hasResult()).isTrue();

        DriverPb.ExecTaskResponse exec = p.driver().execTask(DriverPb.ExecTaskRequest.newBuilder().setTaskId(id)
                .addAllCommand(List.of("/bin/sh", "-c", "echo check-ok; exit 3"))
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(20)).build());
        assertThat(exec.getStdout().toStringUtf8()).isEqualTo("check-ok\n");
        assertThat(exec.getResult().getExitCode()).isEqualTo(3);

        assertThatThrownBy(() -> p.driver().signalTask(DriverPb.SignalTaskRequest.newBuilder().setTaskId("unknown").setSignal("SIGHUP").build()))
                .isInstanceOf(StatusRuntimeException.class);

        // nomad alloc exec -t: a terminal of the size Nomad sends, heartbeats ignored, exit code carried.
        ExecOutcome tty = exec(p, DriverPb.ExecTaskStreamingRequest.Setup.newBuilder().setTaskId(id).addCommand("/bin/sh").setTty(true),
                List.of(DriverPb.ExecTaskStreamingRequest.newBuilder().setTtySize(
                                DriverPb.ExecTaskStreamingRequest.TerminalSize.newBuilder().setHeight(30).setWidth(100)).build(),
                        DriverPb.ExecTaskStreamingRequest.getDefaultInstance(),
                        stdin("stty size; echo tty-$((40+2)); exit 4\n", false)));
        assertThat(tty.stdout).contains("30 100").contains("tty-42");
        assertThat(tty.exitCode).isEqualTo(4);
        // Without a TTY: separate stdout and stderr, stdin EOF by close, one close marker per stream.
        ExecOutcome pipes = exec(p, DriverPb.ExecTaskStreamingRequest.Setup.newBuilder().setTaskId(id)
                        .addAllCommand(List.of("/bin/sh", "-c", "cat; echo err >&2; exit 2")),
                List.of(stdin("piped\n", false), stdin("", true)));
        assertThat(pipes.stdout).isEqualTo("piped\n");
        assertThat(pipes.stderr).isEqualTo("err\n");
        assertThat(pipes.stdoutCloses).isEqualTo(1);
        assertThat(pipes.stderrCloses).isEqualTo(1);
        assertThat(pipes.exitCode).isEqualTo(2);

        p.driver().stopTask(DriverPb.StopTaskRequest.newBuilder().setTaskId(id)
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5)).setSignal("").build());
        Object waited = waits.poll(30, TimeUnit.SECONDS);
        assertThat(waited).isInstanceOf(DriverPb.WaitTaskResponse.class);
        DriverPb.WaitTaskResponse w = (DriverPb.WaitTaskResponse) waited;
        assertThat(w.hasResult()).isTrue();
        assertThat(w.getResult().getExitCode() != 0 || w.getResult().getSignal() != 0).as("killed by the stop: %s", w).isTrue();
        Object statsEnd = null;
        for (Object o; (o = stats.poll(30, TimeUnit.SECONDS)) != null; ) {
            if (!(o instanceof DriverPb.TaskStatsResponse)) {
                statsEnd = o;
                break;
            }
        }
        assertThat(statsEnd).as("stats stream ends with the task").isEqualTo(Status.OK);
        assertThat(task.stdout.get(30, TimeUnit.SECONDS)).isEqualTo("started\n");
        p.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(id).setForce(true).build());
        assertThat(p.kill()).isTrue();
        assertThat(p.badLogLines).isEmpty();
    }

    @Test
    void signalAndStartFailure_reachTheTaskAndNomadRespectively() throws Exception {
        NomadHarness p = plugin();
        NomadTask task = new NomadTask("hup", Map.of("command", "/bin/sh", "args", List.of("-c",
                "trap 'echo got-hup; exit 5' HUP; echo > /local/ready; while :; do sleep 0.05; done")));
        task.start(p);
        awaitFile(task.taskDir.resolve("local/ready"));
        p.driver().signalTask(DriverPb.SignalTaskRequest.newBuilder().setTaskId(task.config.getId()).setSignal("SIGHUP").build());
        assertThat(p.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build())
                .getResult().getExitCode()).isEqualTo(5);
        assertThat(task.stdout.get(30, TimeUnit.SECONDS)).isEqualTo("got-hup\n");
        p.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());

        // A job error is unrecoverable for Nomad: a plain status, no RecoverableError detail.
        NomadTask missing = new NomadTask("missing", Map.of("command", "/no/such/binary"));
        assertThatThrownBy(() -> p.driver().startTask(DriverPb.StartTaskRequest.newBuilder().setTask(missing.config).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("/no/such/binary");
                    assertThat(io.grpc.protobuf.StatusProto.fromThrowable(e).getDetailsCount()).isZero();
                });
        // A config Nomad would never send still fails with the field path, not a crash.
        NomadTask bad = new NomadTask("bad", Map.of("command", "/bin/true", "pid_mode", "shared"));
        assertThatThrownBy(() -> p.driver().startTask(DriverPb.StartTaskRequest.newBuilder().setTask(bad.config).build()))
                .hasMessageContaining("pid_mode must be \"private\" or \"host\", got \"shared\"");
        assertThat(p.kill()).isTrue();
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(p)) {
            assertThat(System.nanoTime()).as("the task never wrote %s", p).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** §7a.7 reattach: a new connection gets PluginInfo only, no SetConfig; the plugin keeps its config and works. */
    @Test
    void reattach_withoutSetConfig_keepsConfigAndRunsTasks() throws Exception {
        NomadHarness p = NomadHarness.launch(Map.of());
        plugins.add(p);
        p.base().setConfig(BasePb.SetConfigRequest.newBuilder()
                .setMsgpackConfig(ByteString.copyFrom(CtyConfigEncoder.encode(PluginConfigSchema.SPEC, Map.of(
                        "state_dir", root.resolve("state").toString(), "cgroup_parent", cgroupParent,
                        "allow_caps", List.of("chown", "kill")))))
                .setPluginApiVersion("0.1.0").build());
        String capsBefore = firstFingerprint(p).getAttributesOrThrow("driver.corral.capabilities").getStringVal();

        p.reattach();
        assertThat(p.base().pluginInfo(BasePb.PluginInfoRequest.getDefaultInstance()).getName()).isEqualTo("corral");
        assertThat(firstFingerprint(p).getAttributesOrThrow("driver.corral.capabilities").getStringVal())
                .isEqualTo(capsBefore).contains("chown").doesNotContain("setuid");
        NomadTask task = new NomadTask("again", Map.of("command", "/bin/echo", "args", List.of("still here")));
        task.start(p);
        assertThat(p.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build())
                .getResult().getExitCode()).isZero();
        assertThat(task.stdout.get(30, TimeUnit.SECONDS)).isEqualTo("still here\n");
        p.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());
        assertThat(p.kill()).isTrue();
    }

    private static DriverPb.FingerprintResponse firstFingerprint(NomadHarness p) throws InterruptedException {
        LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
        var ctx = io.grpc.Context.current().withCancellation();
        try {
            ctx.run(() -> p.driverAsync().fingerprint(DriverPb.FingerprintRequest.getDefaultInstance(), PluginServerIT.collect(q)));
            Object first = q.poll(30, TimeUnit.SECONDS);
            assertThat(first).isInstanceOf(DriverPb.FingerprintResponse.class);
            DriverPb.FingerprintResponse fp = (DriverPb.FingerprintResponse) first;
            assertThat(fp.getHealth()).as(fp.getHealthDescription()).isEqualTo(DriverPb.FingerprintResponse.HealthState.HEALTHY);
            return fp;
        } finally {
            ctx.cancel(null);
        }
    }

    /** §7a.7: plugin kill -9 mid-task, the task ends while no plugin runs, a new plugin recovers its real exit. */
    @Test
    void pluginCrash_taskEndsMeanwhile_recoverTaskFromHandleAloneGetsTheExit() throws Exception {
        NomadHarness first = plugin();
        NomadTask task = new NomadTask("crash", Map.of("command", "/bin/sh",
                "args", List.of("-c", "echo before; while [ ! -e /local/go ]; do sleep 0.05; done; echo after; exit 7")));
        DriverPb.TaskHandle handle = task.start(first);
        long sandboxPid = sandboxPids.getLast();
        LinkedBlockingQueue<Object> inflight = new LinkedBlockingQueue<>();
        first.driverAsync().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build(),
                PluginServerIT.collect(inflight));
        // Events, not sleeps: the task is running once its first line came through the FIFO... which we only
        // see at EOF, so wait on the sandbox being alive and the WaitTask being accepted instead.
        assertThat(ProcessHandle.of(sandboxPid)).isPresent();

        first.crash();
        Object failed = inflight.poll(30, TimeUnit.SECONDS);
        assertThat(failed).isInstanceOf(StatusRuntimeException.class);
        assertThat(Status.fromThrowable((Throwable) failed).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ProcessHandle.of(sandboxPid).map(ProcessHandle::isAlive)).as("the task outlives its plugin").contains(true);

        Files.writeString(task.taskDir.resolve("local/go"), "");
        ProcessHandle.of(sandboxPid).ifPresent(h -> h.onExit().orTimeout(30, TimeUnit.SECONDS).join());

        NomadHarness second = plugin();
        // As after an agent restart: Nomad's stored handle has no msgpack config and no task_id in the request.
        DriverPb.TaskHandle stored = handle.toBuilder().setConfig(handle.getConfig().toBuilder().clearMsgpackDriverConfig()).build();
        second.driver().recoverTask(DriverPb.RecoverTaskRequest.newBuilder().setHandle(stored).build());
        second.driver().recoverTask(DriverPb.RecoverTaskRequest.newBuilder().setHandle(stored).build()); // idempotent
        DriverPb.WaitTaskResponse exit = second.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build());
        assertThat(exit.getResult().getExitCode()).isEqualTo(7);
        assertThat(task.stdout.get(30, TimeUnit.SECONDS)).isEqualTo("before\nafter\n");
        second.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());
        assertThat(second.kill()).isTrue();
        assertThat(second.badLogLines).isEmpty();
    }

    /** §7a.8: Shutdown ends the plugin within go-plugin's grace period; the task keeps running. */
    @Test
    void shutdown_leavesTasksRunning_andANewPluginRecoversThem() throws Exception {
        NomadHarness first = plugin();
        NomadTask task = new NomadTask("survivor", Map.of("command", "/bin/sh",
                "args", List.of("-c", "while [ ! -e /local/go ]; do sleep 0.05; done; exit 0")));
        DriverPb.TaskHandle handle = task.start(first);
        long sandboxPid = sandboxPids.getLast();
        assertThat(first.kill()).as("exited by itself after Shutdown").isTrue();
        assertThat(ProcessHandle.of(sandboxPid).map(ProcessHandle::isAlive)).contains(true);

        NomadHarness second = plugin();
        second.driver().recoverTask(DriverPb.RecoverTaskRequest.newBuilder().setHandle(handle).build());
        CompletableFuture<DriverPb.WaitTaskResponse> exit = CompletableFuture.supplyAsync(() ->
                second.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId(task.config.getId()).build()));
        Files.writeString(task.taskDir.resolve("local/go"), "");
        assertThat(exit.get(60, TimeUnit.SECONDS).getResult().getExitCode()).isZero();
        second.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId(task.config.getId()).setForce(true).build());
        assertThat(second.kill()).isTrue();
    }

    private record ExecOutcome(String stdout, String stderr, int stdoutCloses, int stderrCloses, int exitCode) {}

    private static DriverPb.ExecTaskStreamingRequest stdin(String data, boolean close) {
        return DriverPb.ExecTaskStreamingRequest.newBuilder().setStdin(DriverPb.ExecTaskStreamingIOOperation.newBuilder()
                .setData(ByteString.copyFromUtf8(data)).setClose(close)).build();
    }

    /** Drives one ExecTaskStreaming call as Nomad's client does and collects what comes back. */
    private static ExecOutcome exec(NomadHarness p, DriverPb.ExecTaskStreamingRequest.Setup.Builder setup,
            List<DriverPb.ExecTaskStreamingRequest> then) throws Exception {
        LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
        StreamObserver<DriverPb.ExecTaskStreamingRequest> in = p.driverAsync().execTaskStreaming(PluginServerIT.collect(q));
        in.onNext(DriverPb.ExecTaskStreamingRequest.newBuilder().setSetup(setup).build());
        then.forEach(in::onNext);
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        int outCloses = 0;
        int errCloses = 0;
        Integer code = null;
        while (true) {
            Object o = q.poll(30, TimeUnit.SECONDS);
            assertThat(o).as("exec stream message").isNotNull();
            if (o == Status.OK) {
                break;
            }
            assertThat(o).isInstanceOf(DriverPb.ExecTaskStreamingResponse.class);
            var r = (DriverPb.ExecTaskStreamingResponse) o;
            assertThat(code).as("nothing after exited").isNull();
            out.append(r.getStdout().getData().toStringUtf8());
            err.append(r.getStderr().getData().toStringUtf8());
            outCloses += r.getStdout().getClose() ? 1 : 0;
            errCloses += r.getStderr().getClose() ? 1 : 0;
            if (r.getExited()) {
                assertThat(r.hasResult()).isTrue();
                code = r.getResult().getExitCode();
            }
        }
        in.onCompleted();
        assertThat(code).as("exited message").isNotNull();
        return new ExecOutcome(out.toString(), err.toString(), outCloses, errCloses, code);
    }

    private static boolean stillRunningAfterGrace(long pid) {
        try {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
            return false;
        } catch (java.util.concurrent.CompletionException timedOut) {
            return true;
        }
    }

    private static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).inheritIO().start();
        assertThat(mk.waitFor()).isZero();
    }

    /** logmon's reader: blocks in open until the task holds the write end, copies until EOF. */
    private static CompletableFuture<String> logmon(Path fifo) {
        CompletableFuture<String> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("logmon-" + fifo.getFileName()).start(() -> {
            try (InputStream in = new FileInputStream(fifo.toFile())) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                done.complete(buf.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private List<Path> removeCgroupParent() throws IOException {
        List<Path> leftovers = new ArrayList<>();
        CgroupLayout l = CgroupLayout.detect();
        List<Path> mounts = new ArrayList<>(l.v1Mounts().values());
        l.v2Mount().ifPresent(mounts::add);
        for (Path m : mounts.stream().distinct().toList()) {
            Path parent = m.resolve(cgroupParent);
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(Files::isDirectory).forEach(leftovers::add);
            }
            try (Stream<Path> s = Files.walk(parent)) {
                for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(d);
                }
            }
        }
        return leftovers;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
