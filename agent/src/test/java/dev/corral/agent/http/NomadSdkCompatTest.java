package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Nomad Java SDK ({@code com.hashicorp.nomad:nomad-sdk:0.11.3.0}) decodes every
 * answer of the HTTP layer it uses: agent self, nodes, job register with the SDK's own model,
 * job allocations, an allocation with task states and events, framed logs, stats, job stop.
 * The SDK needs Jackson 2.10, so it runs in an isolated class loader over the jars Maven copied
 * to {@code target/nomad-sdk-classpath}. The backend here is the in-memory one.
 */
class NomadSdkCompatTest {
    @TempDir
    Path tmp;
    private HttpApi api;

    @BeforeEach
    void start() throws Exception {
        api = new HttpApi(new InMemoryBackend(tmp), new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry())
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
    }

    /** Runs {@link NomadSdkWalk#walk} with the SDK and Jackson 2.10 only. */
    @SuppressWarnings("unchecked")
    static Map<String, String> walk(String address, String jobId, String command) throws Exception {
        Path lib = Path.of("target/nomad-sdk-classpath");
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path j : jars.toList()) {
                urls.add(j.toUri().toURL());
            }
        }
        urls.add(Path.of("target/test-classes").toUri().toURL());
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Class<?> c = Class.forName(NomadSdkWalk.class.getName(), true, loader);
            try {
                return (Map<String, String>) c.getMethod("walk", String.class, String.class, String.class)
                        .invoke(null, address, jobId, command);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
    }

    @Test
    void officialSdk_walksTheApi() throws Exception {
        Map<String, String> seen = walk(api.address().toString(), "sdk-job", "echo hello from t");
        assertThat(seen).containsEntry("self.member", "test")
                .containsEntry("self.node_id", InMemoryBackend.NODE_ID)
                .containsEntry("nodes", "1")
                .containsEntry("node.driver.exec", "1")
                .containsEntry("node.exec.healthy", "true")
                .containsEntry("node.http", "127.0.0.1:" + api.port())
                .containsEntry("allocs", "1")
                .containsEntry("task.state", "running")
                .containsEntry("logs", "hello from t\n")
                .containsEntry("stats.rss", Integer.toString(1 << 20))
                .containsEntry("after.desired", "stop");
        assertThat(seen.get("register.eval")).isNotEmpty();
        assertThat(seen.get("deregister.eval")).isNotEmpty();
        assertThat(seen.get("task.events")).contains("Started");
        assertThat(seen.get("task.startedAt")).isNotEqualTo("null");
    }
}
