package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.corral.driver.DriverCapabilities;
import dev.corral.driver.DriverException;
import dev.corral.driver.ExecResult;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.Fingerprint;
import dev.corral.driver.HealthState;
import dev.corral.driver.LogConfig;
import dev.corral.driver.MountConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandleRecord;
import dev.corral.driver.TaskHandleRecordCodec;
import dev.corral.driver.TaskResourceUsage;
import dev.corral.driver.TaskState;
import dev.corral.driver.TaskStatus;
import dev.corral.plugin.proto.drivers.DriverPb;
import dev.corral.plugin.proto.drivers.DriverPb.NetworkIsolationSpec.NetworkIsolationMode;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProtoMappingTest {

    static DriverPb.TaskConfig nomadTask() {
        return DriverPb.TaskConfig.newBuilder()
                .setId("a1b2/web/0badf00d")
                .setName("web")
                .setAllocId("a1b2")
                .setJobName("job")
                .setTaskGroupName("grp")
                .setAllocDir("/var/nomad/alloc/a1b2")
                .putEnv("NOMAD_TASK_DIR", "/local")
                .putEnv("PATH", "/bin")
                .setUser("nobody")
                .setStdoutPath("/var/nomad/alloc/a1b2/alloc/logs/.web.stdout.fifo")
                .setStderrPath("/var/nomad/alloc/a1b2/alloc/logs/.web.stderr.fifo")
                .addMounts(DriverPb.Mount.newBuilder().setHostPath("/srv/data").setTaskPath("/data").setReadonly(true))
                .setResources(DriverPb.Resources.newBuilder()
                        .setAllocatedResources(DriverPb.AllocatedTaskResources.newBuilder()
                                .setCpu(DriverPb.AllocatedCpuResources.newBuilder().setCpuShares(500))
                                .setMemory(DriverPb.AllocatedMemoryResources.newBuilder().setMemoryMb(256).setMemoryMaxMb(512)))
                        .setLinuxResources(DriverPb.LinuxResources.newBuilder().setCpusetCpus("0,2-3").setCpuShares(500)))
                .build();
    }

    @Test
    void taskConfig_nomadLayout_mapsToDriverPaths() {
        ExecTaskConfig exec = ExecTaskConfig.of("/bin/echo", "hi");
        TaskConfig t = ProtoMapping.toDriver(nomadTask(), exec);
        assertThat(t.id()).isEqualTo("a1b2/web/0badf00d");
        assertThat(t.name()).isEqualTo("web");
        assertThat(t.allocId()).isEqualTo("a1b2");
        assertThat(t.jobName()).isEqualTo("job");
        assertThat(t.groupName()).isEqualTo("grp");
        assertThat(t.allocDir()).isEqualTo(Path.of("/var/nomad/alloc/a1b2/alloc"));
        assertThat(t.taskDir()).isEqualTo(Path.of("/var/nomad/alloc/a1b2/web"));
        assertThat(t.env()).containsExactlyInAnyOrderEntriesOf(Map.of("NOMAD_TASK_DIR", "/local", "PATH", "/bin"));
        assertThat(t.user()).isEqualTo("nobody");
        assertThat(t.resources()).isEqualTo(new Resources(500, List.of(0, 2, 3), 256, 512));
        assertThat(t.driverConfig()).isSameAs(exec);
        assertThat(t.logs()).isEqualTo(new LogConfig.Fifos(Path.of("/var/nomad/alloc/a1b2/alloc/logs/.web.stdout.fifo"),
                Path.of("/var/nomad/alloc/a1b2/alloc/logs/.web.stderr.fifo")));
        assertThat(t.mounts()).containsExactly(new MountConfig(Path.of("/srv/data"), "/data", true));
    }

    @Test
    void resources_absent_useNomadDefaults() {
        assertThat(ProtoMapping.toDriver(DriverPb.Resources.getDefaultInstance())).isEqualTo(Resources.DEFAULT);
        assertThatThrownBy(() -> ProtoMapping.cores("0,x")).hasMessageContaining("cpuset_cpus");
        assertThat(ProtoMapping.cores("")).isEmpty();
    }

    @Test
    void handle_driverStateRoundTrip_recoversTheRecordWithoutMsgpack() {
        TaskConfig t = ProtoMapping.toDriver(nomadTask(), ExecTaskConfig.of("/bin/sleep", "60"));
        TaskHandleRecord record = new TaskHandleRecord(TaskHandleRecord.CURRENT_VERSION, t, 4242, 987654,
                Path.of("/var/lib/corral/status/x.json"), List.of(Path.of("/sys/fs/cgroup/memory/corral/x")),
                Instant.ofEpochMilli(1_700_000_000_123L));
        // What Nomad hands back after an agent restart: the config without msgpack, our driver_state intact.
        DriverPb.TaskHandle stored = DriverPb.TaskHandle.newBuilder()
                .setVersion(ProtoMapping.HANDLE_VERSION)
                .setConfig(nomadTask())
                .setState(DriverPb.TaskState.RUNNING)
                .setDriverState(ByteString.copyFromUtf8(TaskHandleRecordCodec.toJson(record)))
                .build();
        assertThat(ProtoMapping.recordFrom(stored)).isEqualTo(record);
        assertThatThrownBy(() -> ProtoMapping.recordFrom(stored.toBuilder().setVersion(0).build()))
                .isInstanceOf(DriverException.TaskRecoveryException.class).hasMessageContaining("version 0");
        assertThatThrownBy(() -> ProtoMapping.recordFrom(stored.toBuilder().clearDriverState().build()))
                .hasMessageContaining("no driver_state");
        assertThatThrownBy(() -> ProtoMapping.recordFrom(stored.toBuilder().setDriverState(ByteString.copyFromUtf8("{")).build()))
                .isInstanceOf(DriverException.TaskRecoveryException.class);
    }

    @Test
    void exitResults_mapCodesSignalsOomAndSandboxFailures() {
        assertThat(ProtoMapping.toProto(new ExitResult.Exited(3, false)))
                .isEqualTo(DriverPb.ExitResult.newBuilder().setExitCode(3).build());
        assertThat(ProtoMapping.toProto(new ExitResult.Signaled(9, true)))
                .isEqualTo(DriverPb.ExitResult.newBuilder().setExitCode(137).setSignal(9).setOomKilled(true).build());
        var failed = ProtoMapping.waitResponse(new ExitResult.SandboxFailed("execve", 2, "no such file", 127));
        assertThat(failed.getResult().getExitCode()).isEqualTo(127);
        assertThat(failed.getErr()).isEqualTo("sandbox failed at execve (errno 2): no such file");
        var ok = ProtoMapping.waitResponse(new ExitResult.Exited(0, false));
        assertThat(ok.hasResult()).isTrue();
        assertThat(ok.getErr()).isEmpty();
    }

    @Test
    void inspect_running_setsBothTimestampsAndAResult() {
        TaskStatus s = new TaskStatus("id", "web", TaskState.RUNNING, Instant.ofEpochSecond(100, 5), Optional.empty(),
                Optional.empty(), Map.of("pid", "77"));
        var r = ProtoMapping.toProto(s);
        assertThat(r.getTask().hasStartedAt()).isTrue();
        assertThat(r.getTask().getStartedAt().getNanos()).isEqualTo(5);
        assertThat(r.getTask().hasCompletedAt()).isTrue();
        assertThat(r.getTask().hasResult()).isTrue();
        assertThat(r.getTask().getState()).isEqualTo(DriverPb.TaskState.RUNNING);
        assertThat(r.getDriver().getAttributesMap()).containsEntry("pid", "77");
    }

    @Test
    void capabilities_execs_mapToNomadEnums_groupOnlyWhenJoinable() {
        var c = ProtoMapping.toProto(DriverCapabilities.EXEC, false);
        assertThat(c.getSendSignals()).isTrue();
        assertThat(c.getExec()).isTrue();
        assertThat(c.getFsIsolation()).isEqualTo(DriverPb.DriverCapabilities.FSIsolation.CHROOT);
        assertThat(c.getNetworkIsolationModesList()).containsExactly(NetworkIsolationMode.HOST);
        assertThat(c.getMountConfigs()).isEqualTo(DriverPb.DriverCapabilities.MountConfigs.ANY_MOUNTS);
        assertThat(c.getRemoteTasks()).isFalse();
        assertThat(c.getDisableLogCollection()).isFalse();
        assertThat(ProtoMapping.toProto(DriverCapabilities.EXEC, true).getNetworkIsolationModesList())
                .containsExactly(NetworkIsolationMode.HOST, NetworkIsolationMode.GROUP);
    }

    @Test
    void fingerprint_attributesRenamedToPluginName_boolsTyped() {
        var f = ProtoMapping.toProto(new Fingerprint(HealthState.HEALTHY, "Healthy",
                Map.of("driver.exec", "true", "driver.exec.cgroup", "v1", "kernel.x", "1")), "corral");
        assertThat(f.getHealth()).isEqualTo(DriverPb.FingerprintResponse.HealthState.HEALTHY);
        assertThat(f.getHealthDescription()).isEqualTo("Healthy");
        assertThat(f.getAttributesMap()).containsOnlyKeys("driver.corral", "driver.corral.cgroup", "kernel.x");
        assertThat(f.getAttributesOrThrow("driver.corral").getBoolVal()).isTrue();
        assertThat(f.getAttributesOrThrow("driver.corral.cgroup").getStringVal()).isEqualTo("v1");
    }

    @Test
    void stats_everySampleHasTimestampAndAggregate_measuredNamesMapped() {
        var usage = new TaskResourceUsage(Instant.ofEpochSecond(5),
                new TaskResourceUsage.CpuUsage(1, 2, 3, 10.0, 5.0, 15.0, 4, 6, List.of("System Mode", "User Mode", "Percent", "Total Ticks")),
                new TaskResourceUsage.MemoryUsage(100, 200, 0, 300, 400, 0, List.of("RSS", "Cache", "Usage", "Max Usage")),
                Map.of(12L, new TaskResourceUsage.ProcessUsage(50, 1, 1)));
        var s = ProtoMapping.toProto("t1", usage);
        assertThat(s.getId()).isEqualTo("t1");
        assertThat(s.getTimestamp().getSeconds()).isEqualTo(5);
        var cpu = s.getAggResourceUsage().getCpu();
        assertThat(cpu.getUserMode()).isEqualTo(10.0);
        assertThat(cpu.getSystemMode()).isEqualTo(5.0);
        assertThat(cpu.getPercent()).isEqualTo(15.0);
        assertThat(cpu.getThrottledPeriods()).isEqualTo(4);
        assertThat(cpu.getMeasuredFieldsList()).containsExactly(DriverPb.CPUUsage.Fields.SYSTEM_MODE,
                DriverPb.CPUUsage.Fields.USER_MODE, DriverPb.CPUUsage.Fields.PERCENT);
        var mem = s.getAggResourceUsage().getMemory();
        assertThat(mem.getRss()).isEqualTo(100);
        assertThat(mem.getCache()).isEqualTo(200);
        assertThat(mem.getUsage()).isEqualTo(300);
        assertThat(mem.getMaxUsage()).isEqualTo(400);
        assertThat(mem.getMeasuredFieldsList()).containsExactly(DriverPb.MemoryUsage.Fields.RSS,
                DriverPb.MemoryUsage.Fields.CACHE, DriverPb.MemoryUsage.Fields.USAGE, DriverPb.MemoryUsage.Fields.MAX_USAGE);
        assertThat(s.getResourceUsageByPidOrThrow("12").getMemory().getRss()).isEqualTo(50);
    }

    @Test
    void durationsTerminalSizesAndExecExit_map() {
        assertThat(ProtoMapping.toDriver(com.google.protobuf.Duration.newBuilder().setSeconds(5).setNanos(250_000_000).build()))
                .isEqualTo(java.time.Duration.ofMillis(5250));
        assertThat(ProtoMapping.toDriver(DriverPb.ExecTaskStreamingRequest.TerminalSize.newBuilder().setHeight(30).setWidth(100).build()))
                .isEqualTo(new dev.corral.driver.ExecSession.TerminalSize(100, 30));
        var exited = ProtoMapping.execExited(130);
        assertThat(exited.getExited()).isTrue();
        assertThat(exited.getResult().getExitCode()).isEqualTo(130);
    }

    @Test
    void exec_mergedOutputGoesToStdout() {
        var r = ProtoMapping.toProto(new ExecResult(2, "oops".getBytes(), false));
        assertThat(r.getStdout().toStringUtf8()).isEqualTo("oops");
        assertThat(r.getResult().getExitCode()).isEqualTo(2);
    }

    @Test
    void errors_launchFailuresAreRecoverable_configErrorsAreNot() {
        var launch = GrpcErrors.toStatus(new DriverException.TaskLaunchException("cgroup busy"));
        assertThat(launch.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        var details = StatusProto.fromThrowable(launch).getDetails(0);
        assertThat(details.getTypeUrl()).isEqualTo("type.googleapis.com/hashicorp.nomad.plugins.shared.structs.RecoverableError");
        var invalid = GrpcErrors.toStatus(new DriverException.InvalidTaskConfigException("pid_mode must be ..."));
        assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(StatusProto.fromThrowable(invalid).getDetailsCount()).isZero();
        assertThat(GrpcErrors.toStatus(new DriverException.TaskNotFoundException("x")).getStatus().getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcErrors.toStatus(new dev.corral.plugin.cty.CtyDecodeException("bad")).getStatus().getDescription())
                .isEqualTo("failed to decode driver config: bad");
    }
}
