package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.Agent;
import dev.corral.agent.AgentFixture;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the HTTP API against a real agent (real scheduler, runners, exec driver and
 * sandbox) on 127.0.0.1 port 0: register through {@code /v1/jobs/parse}, allocations and task
 * events, logs (framed, plain, follow across rotation), stats, signal, restart, exec with and
 * without a TTY, evaluations, nodes, agent, metrics, events, GC and stop.
 */
@Tag("root")
class AgentHttpApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Agent agent;
    private AgentBackend backend;
    private HttpApi api;
    private String cgroup;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
        backend = new AgentBackend(agent);
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry()).start();
    }

    @AfterEach
    void stop() throws Exception {
        http.close();
        if (agent != null) {
            try {
                if (api != null) {
                    api.close();
                }
                backend.close();
                AgentFixture.stopAll(agent);
            } finally {
                agent.close();
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private HttpResponse<String> send(String method, String path, Object body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
        return http.send(HttpRequest.newBuilder(api.address().resolve(path)).method(method, p).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Re-reads {@code path} with blocking queries until {@code cond} holds. */
    private JsonNode await(String path, Predicate<JsonNode> cond, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long index = 0;
        while (true) {
            HttpResponse<String> r = send("GET", path + (path.contains("?") ? "&" : "?") + "index=" + index
                    + "&wait=2s", null);
            JsonNode n = JSON.readTree(r.body());
            if (r.statusCode() == 200 && cond.test(n)) {
                return n;
            }
            assertThat(System.nanoTime()).as("timed out waiting for " + what + "; last: " + r.body())
                    .isLessThan(deadline);
            index = Long.parseLong(r.headers().firstValue("X-Nomad-Index").orElse("0"));
        }
    }

    private ObjectNode parse(String hcl) throws Exception {
        HttpResponse<String> r = send("PUT", "/v1/jobs/parse", Map.of("JobHCL", hcl, "Canonicalize", true));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (ObjectNode) JSON.readTree(r.body());
    }

    private String register(String hcl) throws Exception {
        ObjectNode job = parse(hcl);
        HttpResponse<String> r = send("PUT", "/v1/jobs", Map.of("Job", job));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("EvalID").asText();
    }

    private static String job(String id, String script, String extraTask) {
        return """
                job "%s" {
                  datacenters = ["dc1"]
                  group "g" {
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/sh"
                        args    = ["-c", "%s"]
                      }
                      resources {
                        cpu    = 100
                        memory = 64
                      }
                      %s
                    }
                  }
                }
                """.formatted(id, script.replace("\\", "\\\\").replace("\"", "\\\""), extraTask);
    }

    private JsonNode runningAlloc(String jobId) throws Exception {
        JsonNode allocs = await("/v1/job/" + jobId + "/allocations", n -> n.size() == 1
                && "running".equals(n.get(0).path("TaskStates").path("t").path("State").asText()), "task running");
        return get("/v1/allocation/" + allocs.get(0).get("ID").asText());
    }

    @Test
    void jobLifecycle_overHttp() throws Exception {
        long before = Long.parseLong(send("GET", "/v1/jobs", null).headers().firstValue("X-Nomad-Index").orElseThrow());
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(HttpRequest.newBuilder(
                api.address().resolve("/v1/jobs?index=" + before + "&wait=60s")).build(),
                HttpResponse.BodyHandlers.ofString());

        String evalId = register(job("web", "echo started; trap 'echo got-hup' HUP; while :; do sleep 0.2; done", ""));
        HttpResponse<String> woke = blocked.get(30, TimeUnit.SECONDS);
        assertThat(woke.body()).contains("\"web\"");
        assertThat(Long.parseLong(woke.headers().firstValue("X-Nomad-Index").orElseThrow())).isGreaterThan(before);

        JsonNode eval = await("/v1/evaluation/" + evalId, n -> !n.path("Status").asText().equals("pending"), "eval");
        assertThat(eval.get("Status").asText()).isEqualTo("complete");
        assertThat(eval.get("JobID").asText()).isEqualTo("web");
        assertThat(get("/v1/evaluations").findValuesAsText("ID")).contains(evalId);
        assertThat(get("/v1/job/web/evaluations").findValuesAsText("ID")).contains(evalId);

        JsonNode alloc = runningAlloc("web");
        String allocId = alloc.get("ID").asText();
        assertThat(alloc.get("JobID").asText()).isEqualTo("web");
        assertThat(alloc.get("Job").get("TaskGroups").get(0).get("Tasks").get(0).get("Driver").asText()).isEqualTo("exec");
        JsonNode events = alloc.get("TaskStates").get("t").get("Events");
        assertThat(events.findValuesAsText("Type")).contains("Received", "Task Setup", "Started");
        assertThat(alloc.get("TaskStates").get("t").get("StartedAt").asText()).doesNotStartWith("0001");

        JsonNode job = get("/v1/job/web");
        assertThat(job.get("Status").asText()).isEqualTo("running");
        assertThat(get("/v1/job/web/summary").get("Summary").get("g").get("Running").asInt()).isEqualTo(1);
        assertThat(get("/v1/job/web/versions").get("Versions")).hasSize(1);
        assertThat(get("/v1/jobs?prefix=we").findValuesAsText("ID")).containsExactly("web");
        assertThat(get("/v1/allocations?prefix=" + allocId.substring(0, 4)).findValuesAsText("ID")).contains(allocId);

        JsonNode stats = get("/v1/client/allocation/" + allocId + "/stats");
        assertThat(stats.get("Tasks").get("t").get("ResourceUsage").get("MemoryStats").get("RSS").asLong())
                .isGreaterThan(0);

        // signal, then the trap's output shows up in a follow stream
        HttpResponse<InputStream> follow = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/client/fs/logs/" + allocId + "?task=t&type=stdout&plain=true&follow=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.body(), StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).isEqualTo("started");
            HttpResponse<String> sig = send("PUT", "/v1/client/allocation/" + allocId + "/signal",
                    Map.of("Task", "t", "Signal", "SIGHUP"));
            assertThat(sig.statusCode()).as(sig.body()).isEqualTo(200);
            assertThat(r.readLine()).isEqualTo("got-hup");
        }
        assertThat(send("GET", "/v1/client/fs/logs/" + allocId + "?task=t&type=stdout&plain=true", null).body())
                .startsWith("started\n");
        JsonNode ls = get("/v1/client/fs/ls/" + allocId + "?path=/alloc/logs");
        assertThat(ls.findValuesAsText("Name")).contains("t.stdout.0", "t.stderr.0");
        assertThat(get("/v1/client/fs/stat/" + allocId + "?path=/alloc/logs/t.stdout.0").get("Size").asLong())
                .isGreaterThan(0);
        assertThat(send("GET", "/v1/client/fs/cat/" + allocId + "?path=/alloc/logs/t.stdout.0", null).body())
                .startsWith("started");

        JsonNode afterSignal = get("/v1/allocation/" + allocId);
        assertThat(afterSignal.get("TaskStates").get("t").get("Events").findValuesAsText("Type")).contains("Signaling");

        // exec without a TTY, in the task's isolation: it runs as nobody and sees the task's PID namespace
        ExecFrames plain = exec(allocId, "t", false, "[\"/bin/sh\",\"-c\",\"id -u; cat; exit 5\"]");
        plain.ws.sendText(stdin("from-stdin\n"), true).join();
        plain.ws.sendText("{\"stdin\":{\"close\":true}}", true).join();
        int[] code = new int[1];
        String out = plain.frames.untilExit(code);
        assertThat(out).contains("65534\n").contains("from-stdin\n");
        assertThat(code[0]).isEqualTo(5);

        // exec with a TTY: an interactive shell that sees the window size
        ExecFrames tty = exec(allocId, "t", true, "[\"/bin/sh\"]");
        tty.ws.sendText("{\"tty_size\":{\"height\":33,\"width\":120}}", true).join();
        tty.ws.sendText(stdin("[ -t 0 ] && echo tty-yes; stty size; echo pid1=$(cat /proc/1/comm)\n"), true).join();
        tty.ws.sendText(stdin("exit 0\n"), true).join();
        String ttyOut = tty.frames.untilExit(code);
        assertThat(ttyOut).contains("tty-yes").contains("33 120").contains("pid1=corral-init");
        assertThat(code[0]).isZero();

        HttpResponse<String> restart = send("PUT", "/v1/client/allocation/" + allocId + "/restart",
                Map.of("TaskName", "t"));
        assertThat(restart.statusCode()).as(restart.body()).isEqualTo(200);
        await("/v1/allocation/" + allocId, n -> n.get("TaskStates").get("t").get("Restarts").asInt() >= 1
                && "running".equals(n.get("TaskStates").get("t").get("State").asText()), "restart");

        assertThat(send("GET", "/v1/client/fs/readat/" + allocId + "?path=/alloc/logs/t.stdout.0&offset=2&limit=5",
                null).body()).isEqualTo("arted");

        // stopping the allocation makes the scheduler place a replacement
        HttpResponse<String> allocStop = send("PUT", "/v1/allocation/" + allocId + "/stop", null);
        assertThat(allocStop.statusCode()).as(allocStop.body()).isEqualTo(200);
        assertThat(JSON.readTree(allocStop.body()).get("EvalID").asText()).isNotEmpty();
        JsonNode replaced = await("/v1/job/web/allocations", n -> n.size() == 2 && java.util.stream.StreamSupport
                .stream(n.spliterator(), false).anyMatch(a -> !a.get("ID").asText().equals(allocId)
                        && "running".equals(a.get("ClientStatus").asText())), "replacement running");
        assertThat(replaced.findValuesAsText("ID")).contains(allocId);

        HttpResponse<String> stop = send("DELETE", "/v1/job/web", null);
        assertThat(stop.statusCode()).isEqualTo(200);
        String stopEval = JSON.readTree(stop.body()).get("EvalID").asText();
        assertThat(stopEval).isNotEmpty();
        await("/v1/job/web/allocations", n -> java.util.stream.StreamSupport.stream(n.spliterator(), false)
                .allMatch(a -> !a.get("ClientStatus").asText().equals("running")
                        && !a.get("ClientStatus").asText().equals("pending")), "stopped");
        assertThat(get("/v1/job/web").get("Stop").asBoolean()).isTrue();
        HttpResponse<String> purge = send("DELETE", "/v1/job/web?purge=true", null);
        assertThat(purge.statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/job/web", null).statusCode()).isEqualTo(404);
        assertThat(send("PUT", "/v1/system/gc", null).statusCode()).isEqualTo(200);
    }

    @Test
    void logs_followSurvivesRotation() throws Exception {
        // 1200 lines of ~1 KiB with 1 MiB files: the sandbox rotates while the stream follows
        String script = "while [ ! -e /alloc/go ]; do sleep 0.1; done; i=0; pad=$(printf '%01000d' 0); "
                + "while [ $i -lt 1200 ]; do echo \"line-$i $pad\"; i=$((i+1)); done; echo done; sleep 3600";
        register(job("rot", script, "logs {\n max_files = 5\n max_file_size = 1\n }"));
        JsonNode alloc = runningAlloc("rot");
        String allocId = alloc.get("ID").asText();
        HttpResponse<InputStream> follow = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/client/fs/logs/" + allocId + "?task=t&type=stdout&follow=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Files.createFile(agent.allocDir(allocId).resolve("alloc/go"));
        StringBuilder text = new StringBuilder();
        java.util.Set<String> files = new java.util.TreeSet<>();
        try (InputStream in = follow.body();
             MappingIterator<JsonNode> frames = JSON.readerFor(JsonNode.class).readValues(in)) {
            while (!text.toString().contains("done\n") && frames.hasNext()) {
                JsonNode f = frames.next();
                if (f.has("Data")) {
                    files.add(f.get("File").asText());
                    text.append(new String(Base64.getDecoder().decode(f.get("Data").asText()), StandardCharsets.UTF_8));
                }
            }
        }
        assertThat(files).as("frames came from several rotated files").hasSizeGreaterThan(1);
        String[] lines = text.toString().split("\n");
        assertThat(lines).hasSize(1201);
        for (int i = 0; i < 1200; i++) {
            assertThat(lines[i]).startsWith("line-" + i + " ");
        }
        assertThat(lines[1200]).isEqualTo("done");
    }

    @Test
    void nodesAgentMetricsEventsAndErrors() throws Exception {
        JsonNode nodes = get("/v1/nodes");
        assertThat(nodes).hasSize(1);
        String nodeId = nodes.get(0).get("ID").asText();
        JsonNode node = get("/v1/node/" + nodeId);
        assertThat(node.get("Attributes").get("driver.exec").asText()).isEqualTo("1");
        assertThat(node.get("Drivers").get("exec").get("Healthy").asBoolean()).isTrue();
        assertThat(node.get("HTTPAddr").asText()).isEqualTo("127.0.0.1:" + api.port());
        JsonNode self = get("/v1/agent/self");
        assertThat(self.get("stats").get("client").get("node_id").asText()).isEqualTo(nodeId);
        assertThat(get("/v1/agent/health").get("client").get("ok").asBoolean()).isTrue();
        assertThat(get("/v1/status/leader").asText()).isEqualTo("127.0.0.1:" + api.port());
        assertThat(get("/v1/status/peers").get(0).asText()).isEqualTo("127.0.0.1:" + api.port());
        assertThat(get("/v1/regions").get(0).asText()).isEqualTo("global");
        assertThat(get("/v1/agent/members").get("Members").get(0).get("Status").asText()).isEqualTo("alive");
        assertThat(send("PUT", "/v1/client/gc", null).statusCode()).isEqualTo(200);
        assertThat(get("/v1/node/" + nodeId + "/allocations")).isEmpty();

        long index = backend.index();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/event/stream?topic=Job&index=" + index)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            register(job("evt", "sleep 3600", ""));
            JsonNode line = JSON.readTree(r.readLine());
            assertThat(line.get("Events").get(0).get("Topic").asText()).isEqualTo("Job");
            assertThat(line.get("Events").get(0).get("Key").asText()).isEqualTo("evt");
            assertThat(line.get("Events").get(0).get("Payload").get("Job").get("ID").asText()).isEqualTo("evt");
        }

        JsonNode metrics = get("/v1/metrics");
        assertThat(metrics.has("Counters")).isTrue();
        assertThat(send("GET", "/v1/metrics?format=prometheus", null).body()).contains("corral_http_requests_total");

        JsonNode plan = JSON.readTree(send("PUT", "/v1/job/evt/plan", Map.of("Job",
                parse(job("evt", "sleep 7200", "")), "Diff", true)).body());
        assertThat(plan.get("Diff").get("Type").asText()).isEqualTo("Edited");
        assertThat(plan.get("Annotations").get("DesiredTGUpdates").get("g").get("DestructiveUpdate").asInt())
                .isEqualTo(1);
        JsonNode valid = JSON.readTree(send("PUT", "/v1/validate/job", Map.of("Job", parse(job("v", "true", ""))))
                .body());
        assertThat(valid.get("ValidationErrors")).isEmpty();
        HttpResponse<String> invalid = send("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"bad\",\"TaskGroups\":[{\"Name\":\"g\",\"Count\":-1}]}}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).doesNotContain("Exception").doesNotContain("\tat ");

        assertThat(send("GET", "/v1/allocation/00000000-0000-0000-0000-000000000000", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/job/nope/allocations", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v1/node/nope", null).statusCode()).isEqualTo(404);
        assertThat(send("PATCH", "/v1/jobs", null).statusCode()).isEqualTo(405);
        HttpResponse<String> badJson = send("PUT", "/v1/jobs", "{nope");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).startsWith("Failed to decode request");
    }

    @Test
    void officialNomadSdk_againstTheRealAgent() throws Exception {
        Map<String, String> seen = NomadSdkCompatTest.walk(api.address().toString(), "sdk-job",
                "echo hello from t; sleep 3600");
        assertThat(seen).containsEntry("nodes", "1").containsEntry("node.driver.exec", "1")
                .containsEntry("node.exec.healthy", "true").containsEntry("allocs", "1")
                .containsEntry("task.state", "running").containsEntry("logs", "hello from t\n")
                .containsEntry("after.desired", "stop");
        assertThat(Long.parseLong(seen.get("stats.rss"))).isGreaterThan(0);
        assertThat(seen.get("task.events")).contains("Started");
    }

    private record ExecFrames(WebSocket ws, HttpApiTest.Frames frames) {}

    private ExecFrames exec(String allocId, String task, boolean tty, String commandJson) {
        HttpApiTest.Frames frames = new HttpApiTest.Frames();
        URI uri = URI.create("ws://127.0.0.1:" + api.port() + "/v1/client/allocation/" + allocId + "/exec?task="
                + task + "&tty=" + tty + "&command=" + java.net.URLEncoder.encode(commandJson, StandardCharsets.UTF_8));
        return new ExecFrames(http.newWebSocketBuilder().buildAsync(uri, frames).join(), frames);
    }

    private static String stdin(String s) {
        return "{\"stdin\":{\"data\":\"" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8))
                + "\"}}";
    }
}
