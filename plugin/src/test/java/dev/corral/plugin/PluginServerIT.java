package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.corral.plugin.config.PluginConfigSchema;
import dev.corral.plugin.config.TaskConfigSchema;
import dev.corral.plugin.cty.CtyConfigEncoder;
import dev.corral.plugin.hclspec.SpecValidator;
import dev.corral.plugin.proto.base.BasePb;
import dev.corral.plugin.proto.drivers.DriverPb;
import dev.corral.plugin.proto.goplugin.GRPCStdioGrpc;
import dev.corral.plugin.proto.goplugin.StdioData;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Nomad 1.6's plugin-loading sequence (reference §0, §7a steps 1-3), against the real plugin in a
 * child JVM over its real unix socket: three launches, as the agent does at boot.
 */
class PluginServerIT {

    static final byte[] AGENT_PLUGIN_CONFIG = CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
            Map.of("allow_caps", List.of("chown", "kill"), "pids_limit", 512));

    @Test
    void launch1_pluginInfoAndConfigSchema_thenGoPluginKill() throws Exception {
        try (NomadHarness nomad = NomadHarness.launch(Map.of())) {
            // go-plugin opens the stdio stream on connect and tolerates any answer.
            GRPCStdioGrpc.newStub(nomad.channel).streamStdio(com.google.protobuf.Empty.getDefaultInstance(), new StreamObserver<>() {
                @Override public void onNext(StdioData v) {}
                @Override public void onError(Throwable t) {}
                @Override public void onCompleted() {}
            });
            var health = HealthGrpc.newBlockingStub(nomad.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("plugin").build());
            assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

            BasePb.PluginInfoResponse info = nomad.base().pluginInfo(BasePb.PluginInfoRequest.getDefaultInstance());
            assertThat(info.getType()).isEqualTo(BasePb.PluginType.DRIVER);
            assertThat(info.getPluginApiVersionsList()).contains("0.1.0");
            assertThat(info.getPluginVersion()).matches("v?\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?");
            assertThat(info.getName()).isEqualTo("corral");

            BasePb.ConfigSchemaResponse schema = nomad.base().configSchema(BasePb.ConfigSchemaRequest.getDefaultInstance());
            assertThat(schema.hasSpec()).isTrue();
            assertThat(SpecValidator.problems(schema.getSpec())).isEmpty();
            assertThat(schema.getSpec()).isEqualTo(PluginConfigSchema.SPEC);

            assertThat(Files.exists(nomad.socket)).isTrue();
            assertThat(Files.getPosixFilePermissions(nomad.socket.getParent()))
                    .as("socket dir private to the agent's user").hasSize(3);
            assertThat(nomad.kill()).as("Shutdown RPC made the JVM exit within go-plugin's 2 s grace").isTrue();
            assertThat(nomad.process.exitValue()).isZero();
            assertThat(Files.exists(nomad.socket.getParent())).as("socket dir removed").isFalse();
            assertThat(nomad.laterStdout).as("stdout after the handshake").isEmpty();
            assertThat(nomad.badLogLines).as("stderr lines go-plugin cannot parse as hclog").isEmpty();
            assertThat(nomad.logs).anySatisfy(l -> assertThat(l.get("@message").asText()).isEqualTo("plugin serving"));
        }
    }

    @Test
    void launch2_setConfigTwiceWithoutNomadConfig_isIdempotent() throws Exception {
        try (NomadHarness nomad = NomadHarness.launch(Map.of())) {
            var request = BasePb.SetConfigRequest.newBuilder()
                    .setMsgpackConfig(ByteString.copyFrom(AGENT_PLUGIN_CONFIG))
                    .setPluginApiVersion("0.1.0")
                    .build();
            nomad.base().setConfig(request);
            nomad.base().setConfig(request);
            // No plugin block at all: Nomad still decodes an empty body with the spec, so defaults arrive.
            nomad.base().setConfig(request.toBuilder()
                    .setMsgpackConfig(ByteString.copyFrom(CtyConfigEncoder.encode(PluginConfigSchema.SPEC, Map.of()))).build());
            nomad.base().setConfig(request.toBuilder().clearMsgpackConfig().build());
            // A bad value would abort the agent's start: the error names the key.
            assertThatThrownBy(() -> nomad.base().setConfig(request.toBuilder().setMsgpackConfig(ByteString.copyFrom(
                    CtyConfigEncoder.encode(PluginConfigSchema.SPEC, Map.of("default_pid_mode", "shared")))).build()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .hasMessageContaining("INVALID_ARGUMENT")
                    .hasMessageContaining("default_pid_mode must be \"private\" or \"host\", got \"shared\"");
            assertThat(nomad.kill()).isTrue();
            assertThat(nomad.badLogLines).isEmpty();
        }
    }

    @Test
    void launch3_longLivedInstance_fingerprintAndEventStreamsStayOpen() throws Exception {
        try (NomadHarness nomad = NomadHarness.launch(Map.of())) {
            nomad.base().setConfig(BasePb.SetConfigRequest.newBuilder()
                    .setMsgpackConfig(ByteString.copyFrom(AGENT_PLUGIN_CONFIG))
                    .setPluginApiVersion("0.1.0")
                    .setNomadConfig(BasePb.NomadConfig.newBuilder().setDriver(
                            BasePb.NomadDriverConfig.newBuilder().setClientMaxPort(14512).setClientMinPort(14000)))
                    .build());

            LinkedBlockingQueue<Object> fingerprints = new LinkedBlockingQueue<>();
            nomad.driverAsync().fingerprint(DriverPb.FingerprintRequest.getDefaultInstance(), collect(fingerprints));
            LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
            nomad.driverAsync().taskEvents(DriverPb.TaskEventsRequest.getDefaultInstance(), collect(events));

            Object first = fingerprints.poll(30, TimeUnit.SECONDS);
            assertThat(first).isInstanceOf(DriverPb.FingerprintResponse.class);
            DriverPb.FingerprintResponse fp = (DriverPb.FingerprintResponse) first;
            assertThat(fp.getHealthDescription()).isNotEmpty();
            if (dev.corral.driver.linux.LinuxSyscalls.geteuid() == 0) {
                assertThat(fp.getHealth()).as(fp.getHealthDescription()).isEqualTo(DriverPb.FingerprintResponse.HealthState.HEALTHY);
                assertThat(fp.getAttributesMap()).containsKey("driver.corral.sandbox");
            } else {
                assertThat(fp.getHealth()).isEqualTo(DriverPb.FingerprintResponse.HealthState.UNDETECTED);
            }

            DriverPb.TaskConfigSchemaResponse taskSchema = nomad.driver().taskConfigSchema(DriverPb.TaskConfigSchemaRequest.getDefaultInstance());
            assertThat(SpecValidator.problems(taskSchema.getSpec())).isEmpty();
            assertThat(taskSchema.getSpec()).isEqualTo(TaskConfigSchema.SPEC);
            DriverPb.DriverCapabilities caps = nomad.driver().capabilities(DriverPb.CapabilitiesRequest.getDefaultInstance()).getCapabilities();
            assertThat(caps.getSendSignals()).isTrue();
            assertThat(caps.getExec()).isTrue();
            assertThat(caps.getFsIsolation()).isEqualTo(DriverPb.DriverCapabilities.FSIsolation.CHROOT);

            // Unknown tasks: WaitTask/Inspect are errors, Destroy is fine (Nomad calls it after failed recoveries).
            assertThatThrownBy(() -> nomad.driver().waitTask(DriverPb.WaitTaskRequest.newBuilder().setTaskId("nope").build()))
                    .hasMessageContaining("NOT_FOUND");
            nomad.driver().destroyTask(DriverPb.DestroyTaskRequest.newBuilder().setTaskId("nope").setForce(true).build());
            assertThatThrownBy(() -> nomad.driver().recoverTask(DriverPb.RecoverTaskRequest.newBuilder()
                    .setHandle(DriverPb.TaskHandle.newBuilder().setVersion(1).setConfig(DriverPb.TaskConfig.newBuilder().setId("x/y/z"))
                            .setDriverState(ByteString.copyFromUtf8("{\"version\":99}"))).build()))
                    .hasMessageContaining("FAILED_PRECONDITION");

            // Both streams are still open after all that traffic: nothing but the one fingerprint arrived.
            assertThat(fingerprints).isEmpty();
            assertThat(events).isEmpty();
            assertThat(nomad.kill()).isTrue();
            // The kill cancels the streams from our side; they never ended on the plugin's initiative before.
            assertThat(fingerprints).allSatisfy(o -> assertThat(o).isInstanceOf(Throwable.class));
            assertThat(nomad.badLogLines).isEmpty();
        }
    }

    @Test
    void withoutCookie_exits1AndPrintsNothingOnStdout() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(NomadHarness.pluginCommand());
        pb.environment().remove(Handshake.MAGIC_COOKIE_KEY);
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(err).contains("This binary is a plugin");
    }

    @Test
    void incompatibleProtocolVersions_exit1() throws Exception {
        Process p = NomadHarness.nomadLike(Map.of("PLUGIN_PROTOCOL_VERSIONS", "1,3")).start();
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(new String(p.getInputStream().readAllBytes())).isEmpty();
        assertThat(err).contains("Incompatible API version");
    }

    @Test
    void nativeEpollUnavailable_exits1WithAnActionableHclogLine_noTcpFallback() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(NomadHarness.pluginCommand("-Dio.netty.native.workdir=/proc/self"));
        pb.environment().put(Handshake.MAGIC_COOKIE_KEY, Handshake.MAGIC_COOKIE_VALUE);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out.get(10, TimeUnit.SECONDS)).as("no handshake, no tcp address").isEmpty();
        var line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(err.strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(line.get("@level").asText()).isEqualTo("error");
        assertThat(line.get("@message").asText()).contains("io.netty.native.workdir");
    }

    static <T> StreamObserver<T> collect(LinkedBlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                into.add(t);
            }

            @Override
            public void onCompleted() {
                into.add(Status.OK);
            }
        };
    }
}
