package dev.corral.agent.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.http.fuzz.LiveAgent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's data dir on a small tmpfs made by the test, filled to the last byte while the agent
 * runs: writes of state fail with a clear error (not a hang, not a crash), the store is not
 * corrupt, reads keep being served, and once space is freed writes work again.
 */
@Tag("root")
class DiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            try {
                run("umount", mount.toString());
            } catch (AssertionError busy) {
                run("umount", "-l", mount.toString()); // a sandbox still winding down: detach now
            }
            assertThat(isMounted(mount)).as("tmpfs unmounted").isFalse();
        }
    }

    private static boolean isMounted(Path p) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(p.toString()));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static String job(String id) throws Exception {
        return JSON.writeValueAsString(Map.of("Job", Map.of("ID", id, "Name", id, "Type", "service",
                "Datacenters", List.of("dc1"), "TaskGroups", List.of(Map.of("Name", "g", "Count", 1,
                        "EphemeralDisk", Map.of("SizeMB", 10), "Tasks", List.of(Map.of(
                        "Name", "t", "Driver", "exec", "LogConfig", Map.of("MaxFiles", 1, "MaxFileSizeMB", 1),
                        "Config", Map.of("command", "/bin/sh", "args", List.of("-c", "while true; do sleep 1; done")),
                        "Resources", Map.of("CPU", 20, "MemoryMB", 16))))))));
    }

    @Test
    void diskFullWhileWritingState_clearError_storeIntact_readsServed_recovers() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        mount = dir.resolve("data");
        Files.createDirectories(mount);
        run("mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", mount.toString());
        try (LiveAgent live = new LiveAgent(mount, "");
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            assertThat(send(http, live, "PUT", "/v1/jobs", job("before-full")).statusCode()).isEqualTo(200);
            AgentFixture.await(live.agent, Duration.ofSeconds(60), () -> live.agent.jobAllocations("default", "before-full"),
                    l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "running");

            // Fill the file system to the last byte (removed in any case, so that cleanup can write again).
            Path filler = mount.resolve("filler");
            try {
                fullDisk(http, live, filler);
            } finally {
                Files.deleteIfExists(filler);
            }

            // Space again: writes work, the running job is still there and can be stopped.
            HttpResponse<String> after = send(http, live, "PUT", "/v1/jobs", job("after-full"));
            assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
            assertThat(send(http, live, "DELETE", "/v1/job/before-full", null).statusCode()).isEqualTo(200);
            assertThat(live.agent.store().integrityCheck()).isEqualTo("ok");
        }
    }

    private void fullDisk(HttpClient http, LiveAgent live, Path filler) throws Exception {
        {
            long written = 0;
            try (OutputStream out = Files.newOutputStream(filler)) {
                byte[] mb = new byte[1 << 16];
                while (true) {
                    out.write(mb);
                    written += mb.length;
                }
            } catch (IOException full) {
                System.out.println("disk full: filler of " + written + " bytes: " + full.getMessage());
            }

            // A write of state: refused with a clear error, fast.
            long t0 = System.nanoTime();
            HttpResponse<String> refused = send(http, live, "PUT", "/v1/jobs", job("while-full"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("disk full: register -> " + refused.statusCode() + " in " + ms + " ms: " + refused.body());
            assertThat(refused.statusCode()).isEqualTo(507);
            assertThat(refused.body()).contains("full").contains(mount.resolve("state.db").toString());
            HttpResponse<String> stop = send(http, live, "DELETE", "/v1/job/before-full", null);
            System.out.println("disk full: stop -> " + stop.statusCode() + ": " + stop.body());
            assertThat(stop.statusCode()).isEqualTo(507);

            // Reads keep being served, from an intact store.
            for (String path : List.of("/v1/jobs", "/v1/job/before-full", "/v1/allocations", "/v1/agent/health",
                    "/v1/job/before-full/allocations", "/v1/nodes")) {
                HttpResponse<String> r = send(http, live, "GET", path, null);
                System.out.println("disk full: GET " + path + " -> " + r.statusCode());
                assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            }
            assertThat(send(http, live, "GET", "/v1/jobs", null).body()).contains("before-full").doesNotContain("while-full");
            assertThat(live.agent.store().integrityCheck()).isEqualTo("ok");
        }
    }

    private static HttpResponse<String> send(HttpClient http, LiveAgent live, String method, String path, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(live.uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
