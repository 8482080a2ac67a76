package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP layer over an in-memory backend: routing, Nomad's errors, blocking, streaming, exec. */
class HttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private InMemoryBackend backend;
    private HttpApi api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        backend = new InMemoryBackend(tmp);
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry()).start();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        http.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(api.address().resolve(path)).method(method, p).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void errors_useNomadCodesAndPlainTextWithoutStackTraces() throws Exception {
        var unknownPath = send("GET", "/v1/nope", null);
        assertThat(unknownPath.statusCode()).isEqualTo(404);
        assertThat(unknownPath.body()).isEqualTo("404 page not found");

        var wrongMethod = send("DELETE", "/v1/jobs", null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).isEqualTo("Invalid method");

        var badJson = send("PUT", "/v1/jobs", "{\"Job\": {\"ID\": ");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).startsWith("Failed to decode request: ").doesNotContain("at dev.corral", "Exception");
        assertThat(badJson.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));

        var noJob = send("PUT", "/v1/jobs", "{}");
        assertThat(noJob.statusCode()).isEqualTo(400);
        assertThat(noJob.body()).isEqualTo("Job must be specified");

        var unknownJob = send("GET", "/v1/job/missing", null);
        assertThat(unknownJob.statusCode()).isEqualTo(404);
        assertThat(unknownJob.body()).isEqualTo("job not found");

        var mismatch = send("POST", "/v1/job/a", "{\"Job\":{\"ID\":\"b\"}}");
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(mismatch.body()).isEqualTo("Job ID does not match name");

        var badBool = send("DELETE", "/v1/job/a?purge=maybe", null);
        assertThat(badBool.statusCode()).isEqualTo(404);
        send("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"a\"}}");
        badBool = send("DELETE", "/v1/job/a?purge=maybe", null);
        assertThat(badBool.statusCode()).isEqualTo(400);
        assertThat(badBool.body()).contains("purge");
    }

    @Test
    void register_thenReadAndListWithIndexHeaders() throws Exception {
        var reg = send("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"web\",\"Name\":\"web\"}}");
        assertThat(reg.statusCode()).isEqualTo(200);
        JsonNode r = JSON.readTree(reg.body());
        assertThat(r.has("EvalID")).isTrue();
        assertThat(r.has("JobModifyIndex")).isTrue();

        var list = send("GET", "/v1/jobs?prefix=we", null);
        assertThat(list.headers().firstValue("X-Nomad-Index")).isPresent();
        assertThat(list.headers().firstValue("X-Nomad-KnownLeader")).hasValue("true");
        assertThat(JSON.readTree(list.body()).get(0).get("ID").asText()).isEqualTo("web");
        assertThat(JSON.readTree(send("GET", "/v1/jobs?prefix=x", null).body())).isEmpty();

        assertThat(JSON.readTree(send("GET", "/v1/job/web", null).body()).get("Name").asText()).isEqualTo("web");
    }

    @Test
    void blockingQuery_returnsWhenAJobChanges() throws Exception {
        long index = Long.parseLong(send("GET", "/v1/jobs", null).headers().firstValue("X-Nomad-Index").orElseThrow());
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(
                HttpRequest.newBuilder(api.address().resolve("/v1/jobs?index=" + index + "&wait=60s")).build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300); // give the query time to block; the assertion below is on the outcome only
        assertThat(blocked).isNotDone();
        send("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"late\"}}");
        var resp = blocked.get(10, TimeUnit.SECONDS);
        assertThat(Long.parseLong(resp.headers().firstValue("X-Nomad-Index").orElseThrow())).isGreaterThan(index);
        assertThat(resp.body()).contains("\"late\"");

        long t0 = System.nanoTime();
        var timedOut = send("GET", "/v1/jobs?index=" + (index + 100) + "&wait=200ms", null);
        assertThat(timedOut.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    private Path logDir(String alloc) throws Exception {
        Path d = tmp.resolve(alloc).resolve("alloc/logs");
        Files.createDirectories(d);
        return d;
    }

    @Test
    void logs_framedAndPlain_readAcrossRotatedFiles() throws Exception {
        backend.putAlloc("a1", "web", "t", "dead");
        Path d = logDir("a1");
        Files.writeString(d.resolve("t.stdout.0"), "one\ntwo\n");
        Files.writeString(d.resolve("t.stdout.1"), "three\n");

        var plain = send("GET", "/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", null);
        assertThat(plain.body()).isEqualTo("one\ntwo\nthree\n");

        var framed = send("GET", "/v1/client/fs/logs/a1?task=t&type=stdout", null);
        StringBuilder data = new StringBuilder();
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(framed.body())) {
            while (it.hasNext()) {
                JsonNode f = it.next();
                assertThat(f.get("File").asText()).startsWith("alloc/logs/t.stdout.");
                data.append(new String(Base64.getDecoder().decode(f.get("Data").asText()), StandardCharsets.UTF_8));
            }
        }
        assertThat(data).hasToString("one\ntwo\nthree\n");

        var tail = send("GET", "/v1/client/fs/logs/a1?task=t&type=stdout&plain=true&origin=end&offset=10", null);
        assertThat(tail.body()).isEqualTo("two\nthree\n");

        assertThat(send("GET", "/v1/client/fs/logs/a1?type=stdout", null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/v1/client/fs/logs/a1?task=t&type=x", null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/v1/client/fs/logs/zz?task=t&type=stdout", null).statusCode()).isEqualTo(404);
    }

    @Test
    void logs_follow_survivesRotationAndEndsWhenTheTaskIsDead() throws Exception {
        backend.putAlloc("a2", "web", "t", "running");
        Path d = logDir("a2");
        Files.writeString(d.resolve("t.stdout.0"), "first\n");
        HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(
                api.address().resolve("/v1/client/fs/logs/a2?task=t&type=stdout&plain=true&follow=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).isEqualTo("first");
            Files.writeString(d.resolve("t.stdout.0"), "second\n", java.nio.file.StandardOpenOption.APPEND);
            assertThat(r.readLine()).isEqualTo("second");
            // rotation: the writer moves on to file 1, and file 0 is later removed (max_files)
            Files.writeString(d.resolve("t.stdout.1"), "third\n");
            assertThat(r.readLine()).isEqualTo("third");
            Files.delete(d.resolve("t.stdout.0"));
            Files.writeString(d.resolve("t.stdout.2"), "fourth\n");
            assertThat(r.readLine()).isEqualTo("fourth");
            Files.writeString(d.resolve("t.stdout.2"), "last\n", java.nio.file.StandardOpenOption.APPEND);
            backend.putAlloc("a2", "web", "t", "dead");
            assertThat(r.readLine()).isEqualTo("last");
            assertThat(r.readLine()).isNull();
        }
    }

    @Test
    void fs_confinesPathsToTheAllocationAndHidesSecrets() throws Exception {
        backend.putAlloc("a3", "web", "t", "running");
        Files.createDirectories(tmp.resolve("a3/t/secrets"));
        Files.writeString(tmp.resolve("a3/t/secrets/token"), "s3cret");
        Files.writeString(tmp.resolve("a3/t/hello.txt"), "hello");
        Files.createSymbolicLink(tmp.resolve("a3/t/escape"), Path.of("/etc"));

        JsonNode ls = JSON.readTree(send("GET", "/v1/client/fs/ls/a3?path=/t", null).body());
        assertThat(ls.findValuesAsText("Name")).contains("hello.txt", "secrets");
        assertThat(send("GET", "/v1/client/fs/cat/a3?path=/t/hello.txt", null).body()).isEqualTo("hello");
        JsonNode stat = JSON.readTree(send("GET", "/v1/client/fs/stat/a3?path=t/hello.txt", null).body());
        assertThat(stat.get("Size").asLong()).isEqualTo(5);
        assertThat(stat.get("FileMode").asText()).startsWith("-rw");

        assertThat(send("GET", "/v1/client/fs/cat/a3?path=/t/secrets/token", null).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/v1/client/fs/cat/a3?path=/../../etc/passwd", null).statusCode()).isEqualTo(403);
        var viaLink = send("GET", "/v1/client/fs/cat/a3?path=/t/escape/passwd", null);
        assertThat(viaLink.statusCode()).isEqualTo(403);
        assertThat(viaLink.body()).doesNotContain("root:");
    }

    @Test
    void metrics_jsonAndPrometheus() throws Exception {
        send("GET", "/v1/jobs", null);
        JsonNode m = JSON.readTree(send("GET", "/v1/metrics", null).body());
        assertThat(m.has("Timestamp")).isTrue();
        assertThat(m.get("Counters").findValuesAsText("Name")).contains("corral_http_requests");
        var prom = send("GET", "/v1/metrics?format=prometheus", null);
        assertThat(prom.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(prom.body()).contains("corral_http_requests_total{method=\"GET\",status=\"200\"}");
        assertThat(send("GET", "/v1/metrics?format=xml", null).statusCode()).isEqualTo(400);
        // Invented methods are counted under one label value: a client cannot grow the registry.
        for (int i = 0; i < 3; i++) {
            send("BREW" + i, "/v1/jobs", null);
        }
        String after = send("GET", "/v1/metrics?format=prometheus", null).body();
        assertThat(after).contains("method=\"OTHER\",status=\"405\"").doesNotContain("BREW");
    }

    @Test
    void eventStream_deliversNdjsonForNewEvents() throws Exception {
        long index = backend.index();
        HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(
                api.address().resolve("/v1/event/stream?topic=Job&index=" + index)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            send("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"evjob\"}}");
            JsonNode line = JSON.readTree(r.readLine());
            assertThat(line.get("Index").asLong()).isGreaterThan(index);
            assertThat(line.get("Events").get(0).get("Topic").asText()).isEqualTo("Job");
            assertThat(line.get("Events").get(0).get("Key").asText()).isEqualTo("evjob");
        }
    }

    /** Collects exec frames from the WebSocket. */
    static final class Frames implements WebSocket.Listener {
        final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    closed.completeExceptionally(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(code + ":" + reason);
            return null;
        }

        /** Reads output until the exit frame; returns the output and the exit code. */
        String untilExit(int[] code) throws InterruptedException {
            StringBuilder out = new StringBuilder();
            while (true) {
                JsonNode f = frames.poll(20, TimeUnit.SECONDS);
                assertThat(f).as("exec frame").isNotNull();
                for (String s : new String[] {"stdout", "stderr"}) {
                    if (f.has(s)) {
                        out.append(new String(Base64.getDecoder().decode(f.get(s).get("data").asText()),
                                StandardCharsets.UTF_8));
                    }
                }
                if (f.path("exited").asBoolean()) {
                    code[0] = f.get("result").get("exit_code").asInt();
                    return out.toString();
                }
            }
        }
    }

    private static String stdin(String s) {
        return "{\"stdin\":{\"data\":\"" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8))
                + "\"}}";
    }

    private WebSocket exec(String alloc, String query, Frames frames) {
        URI uri = URI.create("ws://127.0.0.1:" + api.port() + "/v1/client/allocation/" + alloc + "/exec?" + query);
        return http.newWebSocketBuilder().buildAsync(uri, frames).join();
    }

    @Test
    void exec_withoutTty_pipesStdinAndReportsTheExitCode() throws Exception {
        backend.putAlloc("a4", "web", "t", "running");
        Frames frames = new Frames();
        WebSocket ws = exec("a4", "task=t&tty=false&command=%5B%22sh%22%2C%22-c%22%2C%22cat%3B%20echo%20err%20%3E%262%3B%20exit%207%22%5D", frames);
        ws.sendText(stdin("piped\n"), true).join();
        ws.sendText("{\"stdin\":{\"close\":true}}", true).join();
        int[] code = new int[1];
        String out = frames.untilExit(code);
        assertThat(out).contains("piped\n").contains("err\n");
        assertThat(code[0]).isEqualTo(7);
        assertThat(frames.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
    }

    @Test
    void exec_withTty_runsAnInteractiveShellAndResizes() throws Exception {
        backend.putAlloc("a5", "web", "t", "running");
        Frames frames = new Frames();
        WebSocket ws = exec("a5", "task=t&tty=true&command=%5B%22sh%22%5D", frames);
        ws.sendText("{\"tty_size\":{\"height\":40,\"width\":100}}", true).join();
        ws.sendText(stdin("[ -t 0 ] && echo is-a-tty; stty size; echo $((6*7))x\n"), true).join();
        ws.sendText(stdin("exit 3\n"), true).join();
        int[] code = new int[1];
        String out = frames.untilExit(code);
        assertThat(out).contains("is-a-tty").contains("40 100").contains("42x");
        assertThat(code[0]).isEqualTo(3);
    }

    @Test
    void exec_errorsCloseTheSocketWithAMessage() throws Exception {
        backend.putAlloc("a6", "web", "t", "running");
        Frames frames = new Frames();
        exec("a6", "task=nope&command=%5B%22sh%22%5D", frames);
        assertThat(frames.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1008:unknown task name \"nope\"");
        Frames missing = new Frames();
        exec("a6", "task=t", missing);
        assertThat(missing.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1008:command is not present");
    }

    /**
     * {@value #BURST} clients that all connect at the same moment each get their answer. With Jetty's default
     * listen backlog (50) the kernel overflowed it, answered with SYN cookies and reset a few connections whose
     * PUT was already sent: the client read no answer ("header parser received no bytes").
     */
    @Test
    void burstOfNewConnections_everyRequestAnswered() throws Exception {
        try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                String body = "{\"Job\": {\"ID\": \"burst-" + i + "\", \"TaskGroups\": []}}";
                HttpRequest rq = HttpRequest.newBuilder(api.address().resolve("/v1/jobs"))
                        .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
                answers.add(pool.submit(() -> {
                    go.await();
                    return fresh.send(rq, HttpResponse.BodyHandlers.ofString()).statusCode();
                }));
            }
            go.countDown();
            for (var a : answers) {
                assertThat(a.get(60, TimeUnit.SECONDS)).isEqualTo(200);
            }
        }
    }

    private static final int BURST = 400;
}
