package dev.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.Agent;
import dev.corral.agent.config.AgentConfigParser;
import dev.corral.agent.http.AgentBackend;
import dev.corral.agent.http.HttpApi;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Scenario 2b: HTTP job register -> task running, through a real agent in this JVM (scheduler,
 * runners, state store, exec driver, sandbox) and its Nomad-shaped HTTP API on 127.0.0.1: PUT
 * /v1/jobs, then blocking queries on /v1/job/ID/allocations until an allocation is "running".
 */
final class HttpBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Bench bench;
    private final String sleepArg;
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpApi api;

    HttpBench(Bench bench, String sleepArg) {
        this.bench = bench;
        this.sleepArg = sleepArg;
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        Path data = Files.createDirectories(bench.work.resolve("agent"));
        String cgroup = bench.cgroupParent + "-agent";
        String hcl = "data_dir = \"" + data + "\"\n"
                + "client {\n  gc_interval = \"1h\"\n}\n"
                + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroup + "\"\n  }\n}\n";
        long a0 = System.nanoTime();
        Agent agent = Agent.start(AgentConfigParser.parse("bench-agent.hcl", hcl, true));
        AgentBackend backend = new AgentBackend(agent);
        try {
            api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry()).start();
            m.put("agent_start_in_process_ms", Stats.ms(System.nanoTime() - a0));
            String jobHcl = """
                    job "bench-http" {
                      type = "service"
                      group "g" {
                        task "t" {
                          driver = "exec"
                          config {
                            command = "/bin/sleep"
                            args    = ["%s"]
                          }
                          resources {
                            cpu    = 100
                            memory = 64
                          }
                        }
                      }
                    }
                    """.formatted(sleepArg);
            ObjectNode template = (ObjectNode) JSON.readTree(send("PUT", "/v1/jobs/parse",
                    JSON.writeValueAsString(Map.of("JobHCL", jobHcl, "Canonicalize", true))).body());
            int n = bench.opt.cliRuns();
            int warm = Math.max(1, Math.min(3, n));
            long[] ns = new long[n];
            for (int i = 0; i < warm + n; i++) {
                String id = "bench-http-" + i;
                ObjectNode job = template.deepCopy();
                job.put("ID", id);
                job.put("Name", id);
                String body = JSON.writeValueAsString(Map.of("Job", job));
                long t0 = System.nanoTime();
                HttpResponse<String> r = send("PUT", "/v1/jobs", body);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("register " + id + ": HTTP " + r.statusCode() + ": " + r.body());
                }
                await("/v1/job/" + id + "/allocations", a -> anyStatus(a, "running"), id + " running");
                long t1 = System.nanoTime();
                if (i >= warm) {
                    ns[i - warm] = t1 - t0;
                }
                send("DELETE", "/v1/job/" + id, null);
                await("/v1/job/" + id + "/allocations", a -> allTerminal(a), id + " stopped");
            }
            m.put("register_to_running", Stats.of("HTTP register -> running", ns).toJson(true));
            m.put("job", "service job, one exec task /bin/sleep; PUT /v1/jobs, blocking GET /v1/job/ID/allocations until ClientStatus=running");
        } finally {
            if (api != null) {
                api.close();
            }
            backend.close();
            for (var j : agent.jobs()) {
                if (!j.stop()) {
                    agent.stopJob(j.namespace(), j.id(), false);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !agent.allocations().stream()
                    .allMatch(a -> a.clientTerminal() && agent.taskPids(a.id()).isEmpty())) {
                Thread.sleep(50);
            }
            agent.close();
            removeCgroups(cgroup);
            http.close();
        }
        return m;
    }

    private static boolean anyStatus(JsonNode allocs, String status) {
        for (JsonNode a : allocs) {
            if (status.equals(a.path("ClientStatus").asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean allTerminal(JsonNode allocs) {
        for (JsonNode a : allocs) {
            String s = a.path("ClientStatus").asText();
            if (!s.equals("complete") && !s.equals("failed") && !s.equals("lost")) {
                return false;
            }
        }
        return true;
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(api.address().resolve(path)).method(method, p).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Blocking queries (index + wait) until {@code cond} holds; fails after 60 s. */
    private JsonNode await(String path, Predicate<JsonNode> cond, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long index = 0;
        while (true) {
            HttpResponse<String> r = send("GET", path + "?index=" + index + "&wait=5s", null);
            JsonNode n = JSON.readTree(r.body());
            if (r.statusCode() == 200 && cond.test(n)) {
                return n;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; last: " + r.body());
            }
            index = Long.parseLong(r.headers().firstValue("X-Nomad-Index").orElse("0"));
        }
    }

    private void removeCgroups(String parent) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Path c : Machine.cgroupMounts()) {
            Path p = c.resolve(parent);
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    s.filter(Files::isDirectory).forEach(dirs::add);
                }
            }
        }
        dirs.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path d : dirs) {
            try {
                Files.delete(d);
            } catch (IOException e) {
                bench.note("could not remove cgroup " + d + ": " + e.getMessage());
            }
        }
    }
}
