package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.AgentFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral agent -dev -config FILE -http-port 0} from the packaged jar, in its own JVM: it prints its address,
 * serves the API, logs without debug noise, and stops cleanly on SIGTERM.
 */
@Tag("root")
class AgentCommandIT {
    @TempDir
    Path dir;

    @Test
    void agentDev_servesTheApiAndStopsOnSigterm() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        String cgroup = AgentFixture.cgroupParent();
        Path config = dir.resolve("agent.hcl");
        Files.writeString(config, "data_dir = \"" + dir.resolve("data") + "\"\nlog_json = true\n"
                + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroup + "\"\n  }\n}\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // the shaded jar that the package phase built: what bin/corral runs
        Path jar = Path.of("target/corral.jar").toAbsolutePath();
        assertThat(jar).as("run through mvn verify, which packages before integration tests").exists();
        Process p = new ProcessBuilder(List.of(java.toString(), "-Dmsgpack.universal-buffer=true", "-jar",
                jar.toString(), "agent", "-dev", "-config", config.toString(), "-http-port", "0"))
                .redirectErrorStream(false).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuilder stderr = new StringBuilder();
        Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)), lines, null));
        Thread errPump = Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(
                p.getErrorStream(), StandardCharsets.UTF_8)), null, stderr));
        try {
            String address = null;
            Pattern bind = Pattern.compile("Bind Addrs: HTTP: \\[([^\\]]+)\\]");
            while (address == null) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                assertThat(line).as("agent output; stderr: " + stderr).isNotNull();
                Matcher m = bind.matcher(line);
                if (m.find()) {
                    address = m.group(1);
                }
            }
            // -dev binds the API to loopback only, never to every interface
            assertThat(address).startsWith("127.0.0.1:");
            String started;
            do {
                started = lines.poll(60, TimeUnit.SECONDS);
                assertThat(started).as("started line; stderr: " + stderr).isNotNull();
            } while (!started.contains("Corral agent started!"));
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + address + "/v1/agent/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"ok\":true");
            }
            p.toHandle().destroy(); // SIGTERM by pid; Process.destroy() would also close our end of its pipes
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String rest;
            StringBuilder tail = new StringBuilder();
            while ((rest = lines.poll(5, TimeUnit.SECONDS)) != null) {
                tail.append(rest).append('\n');
            }
            assertThat(tail).as("exit " + p.exitValue() + ", stderr: " + stderr).contains("Caught signal");
            errPump.join(5000);
            assertThat(stderr.toString()).doesNotContain("DEBUG").doesNotContain("Exception");
            // log_json = true: every log line is one JSON object
            for (String line : stderr.toString().split("\n")) {
                if (!line.isBlank()) {
                    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).has("level"))
                            .as(line).isTrue();
                }
            }
            assertThat(stderr.toString()).contains("HTTP API listening");
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            AgentFixture.removeCgroups(cgroup);
        }
    }

    private static void pump(BufferedReader r, LinkedBlockingQueue<String> into, StringBuilder sb) {
        try (r) {
            String line;
            while ((line = r.readLine()) != null) {
                if (into != null) {
                    into.add(line);
                } else {
                    synchronized (sb) {
                        sb.append(line).append('\n');
                    }
                }
            }
        } catch (java.io.IOException e) {
            // the process ended
        }
    }
}
