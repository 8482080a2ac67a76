package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakeTest {

    @Test
    void line_hasGoPluginsSixFields() {
        String line = Handshake.line(2, Path.of("/tmp/corral-plugin123/plugin.sock"));
        assertThat(line).isEqualTo("1|2|unix|/tmp/corral-plugin123/plugin.sock|grpc|");
        assertThat(line.split("\\|", -1)).hasSize(6);
    }

    @Test
    void cookie_onlyNomadsValuePasses() {
        assertThat(Handshake.checkCookie(Map.of(Handshake.MAGIC_COOKIE_KEY, Handshake.MAGIC_COOKIE_VALUE))).isEmpty();
        assertThat(Handshake.checkCookie(Map.of())).get().asString().contains("This binary is a plugin");
        assertThat(Handshake.checkCookie(Map.of(Handshake.MAGIC_COOKIE_KEY, "x"))).get().asString()
                .contains("does not match");
    }

    @Test
    void version_negotiation() {
        assertThat(Handshake.negotiateVersion(Map.of())).isEqualTo(2);
        assertThat(Handshake.negotiateVersion(Map.of("PLUGIN_PROTOCOL_VERSIONS", "2"))).isEqualTo(2);
        assertThat(Handshake.negotiateVersion(Map.of("PLUGIN_PROTOCOL_VERSIONS", "1, 2,3"))).isEqualTo(2);
        assertThatThrownBy(() -> Handshake.negotiateVersion(Map.of("PLUGIN_PROTOCOL_VERSIONS", "1,3")))
                .hasMessageContaining("Incompatible API version");
    }

    @Test
    void run_withoutCookie_exits1WithNothingOnStdout() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PluginServer.run(Map.of(), new PrintStream(out), new PrintStream(err));
        assertThat(code).isEqualTo(1);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not meant to be executed directly");
    }

    @Test
    void hclog_recordHasStringReservedKeysAndMicrosecondTimestamp() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Clock clock = Clock.fixed(Instant.parse("2026-11-27T20:01:02.123456789Z"), ZoneOffset.UTC);
        HclogWriter log = new HclogWriter(new PrintStream(buf, true, StandardCharsets.UTF_8), "corral", clock);
        log.warn("socket \"x\" ready", "pid", 42, "@level", 7);
        String line = buf.toString(StandardCharsets.UTF_8).strip();
        assertThat(line).doesNotContain("\n");
        JsonNode n = new ObjectMapper().readTree(line);
        assertThat(n.get("@level").isTextual()).isTrue();
        assertThat(n.get("@level").asText()).isEqualTo("warn");
        assertThat(n.get("@message").asText()).isEqualTo("socket \"x\" ready");
        assertThat(n.get("@timestamp").asText()).isEqualTo("2026-11-27T20:01:02.123456Z");
        assertThat(n.get("@module").asText()).isEqualTo("corral");
        assertThat(n.get("pid").asText()).isEqualTo("42");
        assertThat(n.get("level").asText()).isEqualTo("7");

        buf.reset();
        log.error("x".repeat(100_000), "env", "y".repeat(100_000));
        assertThat(buf.size()).isLessThan(32 * 1024);
        assertThat(new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8)).get("@message").asText()).endsWith("...(truncated)");
    }
}
