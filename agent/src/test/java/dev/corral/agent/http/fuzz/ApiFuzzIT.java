package dev.corral.agent.http.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.AgentFixture;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of every endpoint's path parameters, query parameters and JSON bodies against a
 * real agent on 127.0.0.1 port 0: at least {@value #REQUESTS} requests from {@value #CLIENTS}
 * concurrent clients, each with a per-request timeout. Every answer must be 2xx, or 4xx with a
 * message; a 5xx, a timeout or a dropped connection is a failure. The agent must be healthy at the
 * end. The seed is printed; rerun one with {@code -Dcorral.fuzz.seed=N}.
 *
 * <p>Jobs that survive mutation ask for datacenter {@code fuzz-nowhere}, so they are accepted and
 * scheduled but never placed: the fuzz exercises the API, not the machine. Two real allocations
 * (a running service, a finished batch) give the allocation endpoints something to find.
 */
@Tag("root")
class ApiFuzzIT {
    static final int REQUESTS = 20_000;
    static final int CLIENTS = 8;
    /** Requests to the streaming endpoints, on top of {@link #REQUESTS}. */
    static final int STREAM_REQUESTS = 300;
    private static final Duration PER_REQUEST = Duration.ofSeconds(15);
    private static final Duration BUDGET = Duration.ofSeconds(150);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Method and path template; {@code :x} marks a path parameter. */
    record Endpoint(String method, String path) {}

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/v1/jobs"), new Endpoint("PUT", "/v1/jobs"), new Endpoint("POST", "/v1/jobs"),
            new Endpoint("PUT", "/v1/jobs/parse"), new Endpoint("PUT", "/v1/validate/job"),
            new Endpoint("GET", "/v1/job/:id"), new Endpoint("PUT", "/v1/job/:id"), new Endpoint("DELETE", "/v1/job/:id"),
            new Endpoint("GET", "/v1/job/:id/allocations"), new Endpoint("GET", "/v1/job/:id/evaluations"),
            new Endpoint("GET", "/v1/job/:id/summary"), new Endpoint("GET", "/v1/job/:id/versions"),
            new Endpoint("PUT", "/v1/job/:id/plan"),
            new Endpoint("GET", "/v1/allocations"), new Endpoint("GET", "/v1/allocation/:alloc"),
            new Endpoint("PUT", "/v1/allocation/:alloc/stop"), new Endpoint("GET", "/v1/client/allocation/:alloc/stats"),
            new Endpoint("PUT", "/v1/client/allocation/:alloc/signal"),
            new Endpoint("PUT", "/v1/client/allocation/:alloc/restart"),
            new Endpoint("GET", "/v1/client/allocation/:alloc/exec"),
            new Endpoint("GET", "/v1/client/fs/logs/:alloc"), new Endpoint("GET", "/v1/client/fs/ls/:alloc"),
            new Endpoint("GET", "/v1/client/fs/stat/:alloc"), new Endpoint("GET", "/v1/client/fs/cat/:alloc"),
            new Endpoint("GET", "/v1/client/fs/readat/:alloc"),
            new Endpoint("GET", "/v1/evaluations"), new Endpoint("GET", "/v1/evaluation/:eval"),
            new Endpoint("GET", "/v1/evaluation/:eval/allocations"),
            new Endpoint("GET", "/v1/nodes"), new Endpoint("GET", "/v1/node/:node"),
            new Endpoint("GET", "/v1/node/:node/allocations"),
            new Endpoint("GET", "/v1/agent/self"), new Endpoint("GET", "/v1/agent/health"),
            new Endpoint("GET", "/v1/agent/members"), new Endpoint("GET", "/v1/status/leader"),
            new Endpoint("GET", "/v1/status/peers"), new Endpoint("GET", "/v1/regions"),
            new Endpoint("PUT", "/v1/system/gc"), new Endpoint("PUT", "/v1/client/gc"),
            new Endpoint("GET", "/v1/metrics"),
            // Unknown paths and methods must be plain 404/405.
            new Endpoint("PATCH", "/v1/jobs"), new Endpoint("GET", "/v1/nope/:id"), new Endpoint("DELETE", "/v1/agent/self"));

    static final List<String> QUERY_NAMES = List.of("index", "wait", "prefix", "purge", "task", "type", "origin",
            "offset", "limit", "follow", "plain", "path", "namespace", "region", "stale", "diff", "global", "filter",
            "per_page", "next_token", "reverse", "all", "format", "resources", "os", "x", "");

    static final List<String> VALUES = List.of("", "0", "1", "-1", "true", "false", "t", "maybe", "TRUE ",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e3", "1.5", "NaN", "0x10",
            "1s", "500ms", "-5s", "1h", "99999999h", "1.5.5s", "5", "stdout", "stderr", "start", "end", "middle",
            "t", "g", "/", "..", "../../../etc/passwd", "/alloc/logs", "alloc/logs/t.stdout.0", "secrets",
            "local/../../..", "%00", "\u0000", "\uFFFF", "\uD83D\uDE00", "ü", "'; DROP TABLE jobs; --",
            "<script>", "${node.unique.id}", "*", "default", "global", "x".repeat(300), "a b", "a\nb", "a\rb");

    /**
     * Blocking-query waits the fuzz may pick: all short or invalid, so a blocking query is not taken for a
     * hang (no wait at all means Nomad's 5-minute default, which is the contract, not a hang).
     */
    static final List<String> WAITS = List.of("1ms", "100ms", "1s", "abc", "-1s", "1.5.5s", "0");

    @Test
    void fuzzEveryEndpoint_only2xxOr4xxWithMessage_agentStaysHealthy() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        long seed = Long.getLong("corral.fuzz.seed", System.nanoTime());
        System.out.println("ApiFuzzIT seed " + seed + " (rerun with -Dcorral.fuzz.seed=" + seed + ")");
        try (LiveAgent live = new LiveAgent(dir, "");
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            Targets targets = Targets.create(live, http);
            AtomicInteger sent = new AtomicInteger();
            Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            long deadline = System.nanoTime() + BUDGET.toNanos();
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < CLIENTS; c++) {
                    Random rnd = new Random(seed * 31 + c);
                    int client = c;
                    clients.add(pool.submit(() -> {
                        for (int n = 0; sent.get() < REQUESTS && System.nanoTime() < deadline; n++) {
                            if (sent.incrementAndGet() % 5000 == 0) {
                                System.out.println("ApiFuzzIT: " + sent.get() + " requests sent");
                            }
                            Fuzzed f = targets.next(rnd);
                            String where = "client " + client + " request " + n + ": " + f;
                            try {
                                HttpResponse<String> r;
                                try {
                                    r = http.send(f.request(PER_REQUEST), HttpResponse.BodyHandlers.ofString());
                                } catch (java.io.IOException reset) {
                                    if (reset instanceof HttpTimeoutException) {
                                        throw reset;
                                    }
                                    // The connection ended without an answer (the JDK re-sends only GETs by itself):
                                    // re-send once, count it and say which request it was; fail if it happens again.
                                    byStatus.computeIfAbsent("retried", k -> new AtomicLong()).incrementAndGet();
                                    System.out.println("ApiFuzzIT: re-sent after " + reset + " <- " + where);
                                    r = http.send(f.request(PER_REQUEST), HttpResponse.BodyHandlers.ofString());
                                }
                                byStatus.computeIfAbsent(Integer.toString(r.statusCode()), k -> new AtomicLong()).incrementAndGet();
                                if (r.statusCode() >= 500) {
                                    failures.add(r.statusCode() + " " + abbreviate(r.body()) + " <- " + where);
                                } else if (r.statusCode() >= 400 && r.body().isBlank()) {
                                    failures.add(r.statusCode() + " without a message <- " + where);
                                }
                            } catch (HttpTimeoutException e) {
                                byStatus.computeIfAbsent("timeout", k -> new AtomicLong()).incrementAndGet();
                                failures.add("no answer within " + PER_REQUEST + " <- " + where);
                            } catch (java.io.IOException e) {
                                byStatus.computeIfAbsent("io-error", k -> new AtomicLong()).incrementAndGet();
                                failures.add("connection error " + e + " <- " + where);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get();
                }
            }
            streams(http, targets, new Random(seed), byStatus, failures);
            System.out.println("ApiFuzzIT: " + sent.get() + " requests, by status " + new TreeMap<>(byStatus));
            failures.stream().limit(30).forEach(f -> System.out.println("ApiFuzzIT failure: " + f));
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(live.uri("/v1/agent/health"))
                    .timeout(PER_REQUEST).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(failures).as("5xx, timeouts or dropped connections (seed %d)", seed).isEmpty();
            assertThat(sent.get()).as("requests sent within %s", BUDGET).isGreaterThanOrEqualTo(REQUESTS);
            assertThat(health.statusCode()).as("healthy at the end: " + health.body()).isEqualTo(200);
            assertThat(live.agent.store().integrityCheck()).isEqualTo("ok");
        }
    }

    /**
     * The streaming endpoints (event stream, log follow) answer for as long as there is something to
     * follow, so they are fuzzed apart: each answer's status and headers must come within the
     * per-request timeout (2xx starts the stream, which is then closed; 4xx has a message).
     */
    private static void streams(HttpClient http, Targets targets, Random rnd, Map<String, AtomicLong> byStatus,
                                ConcurrentLinkedQueue<String> failures) throws Exception {
        for (int i = 0; i < STREAM_REQUESTS; i++) {
            String path;
            if (rnd.nextBoolean()) {
                StringBuilder q = new StringBuilder("/v1/event/stream?index="
                        + Targets.enc(rnd.nextBoolean() ? Integer.toString(rnd.nextInt(50)) : Targets.value(rnd)));
                for (int n = rnd.nextInt(3); n >= 0; n--) {
                    q.append("&topic=").append(Targets.enc(List.of("Job", "Allocation", "Evaluation", "Node", "*", "Job:fuzz-svc",
                            "Job:*", ":x", "", "Nope").get(rnd.nextInt(10)) + (rnd.nextInt(4) == 0 ? Targets.value(rnd) : "")));
                }
                path = q.toString();
            } else {
                String alloc = targets.allocIds().get(rnd.nextInt(targets.allocIds().size()));
                path = "/v1/client/fs/logs/" + alloc + "?follow=true&task=" + Targets.enc(rnd.nextBoolean() ? "t" : Targets.value(rnd))
                        + "&type=" + Targets.enc(rnd.nextBoolean() ? "stdout" : Targets.value(rnd))
                        + "&origin=" + Targets.enc(rnd.nextBoolean() ? "end" : Targets.value(rnd))
                        + "&offset=" + Targets.enc(Targets.value(rnd)) + "&plain=" + Targets.enc(Targets.value(rnd));
            }
            java.net.URI uri = targets.live().uri(path);
            try {
                HttpResponse<java.io.InputStream> r = http.sendAsync(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofInputStream()).get(PER_REQUEST.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                byStatus.computeIfAbsent("stream-" + r.statusCode(), k -> new AtomicLong()).incrementAndGet();
                try (java.io.InputStream body = r.body()) {
                    if (r.statusCode() >= 500) {
                        failures.add(r.statusCode() + " <- stream GET " + abbreviate(uri.toString()));
                    } else if (r.statusCode() >= 400 && body.readNBytes(200).length == 0) {
                        failures.add(r.statusCode() + " without a message <- stream GET " + abbreviate(uri.toString()));
                    }
                }
            } catch (java.util.concurrent.TimeoutException e) {
                failures.add("no status within " + PER_REQUEST + " <- stream GET " + abbreviate(uri.toString()));
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add("connection error " + e.getCause() + " <- stream GET " + abbreviate(uri.toString()));
            }
        }
    }

    static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }

    /** One generated request. */
    record Fuzzed(String method, URI uri, byte[] body, String contentType) {
        HttpRequest request(Duration timeout) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            return b.build();
        }

        @Override
        public String toString() {
            return method + " " + abbreviate(uri.toString()) + (body == null ? "" : " body "
                    + abbreviate(new String(body, StandardCharsets.UTF_8)));
        }
    }

    /** Ids that exist (so the fuzz reaches past "not found") plus the base documents to mutate. */
    record Targets(LiveAgent live, List<String> jobIds, List<String> allocIds, List<String> evalIds, List<String> nodeIds,
                   ObjectNode baseJob, String baseHcl) {

        static Targets create(LiveAgent live, HttpClient http) throws Exception {
            String hcl = """
                    job "fuzz" {
                      datacenters = ["fuzz-nowhere"]
                      type = "batch"
                      meta { owner = "fuzz" }
                      group "g" {
                        count = 1
                        restart { attempts = 0 }
                        task "t" {
                          driver = "exec"
                          config {
                            command = "/bin/true"
                            args    = ["a", "${NOMAD_TASK_NAME}"]
                          }
                          env { K = "v" }
                          resources {
                            cpu    = 20
                            memory = 16
                          }
                          logs {
                            max_files     = 1
                            max_file_size = 1
                          }
                        }
                      }
                    }
                    """;
            ObjectNode base = (ObjectNode) JSON.readTree(post(live, http, "/v1/jobs/parse",
                    JSON.writeValueAsString(Map.of("JobHCL", hcl, "Canonicalize", true))));
            // Two real allocations: a service that keeps running and a batch that has finished.
            ObjectNode svc = base.deepCopy();
            svc.put("ID", "fuzz-svc").put("Name", "fuzz-svc").put("Type", "service");
            svc.set("Datacenters", JSON.createArrayNode().add("dc1"));
            ObjectNode task = (ObjectNode) svc.get("TaskGroups").get(0).get("Tasks").get(0);
            ((ObjectNode) task.get("Config")).put("command", "/bin/sleep");
            ((ObjectNode) task.get("Config")).set("args", JSON.createArrayNode().add("3600"));
            post(live, http, "/v1/jobs", JSON.writeValueAsString(Map.of("Job", svc)));
            ObjectNode batch = base.deepCopy();
            batch.put("ID", "fuzz-batch").put("Name", "fuzz-batch");
            batch.set("Datacenters", JSON.createArrayNode().add("dc1"));
            post(live, http, "/v1/jobs", JSON.writeValueAsString(Map.of("Job", batch)));
            AgentFixture.await(live.agent, Duration.ofSeconds(60), live.agent::allocations,
                    l -> l.stream().anyMatch(a -> a.jobId().equals("fuzz-svc") && a.clientStatus().equals("running"))
                            && l.stream().anyMatch(a -> a.jobId().equals("fuzz-batch") && a.clientTerminal()),
                    "the service running and the batch finished");
            List<String> allocs = live.agent.allocations().stream().map(a -> a.id()).toList();
            List<String> evals = live.agent.evaluations().stream().map(e -> e.id()).toList();
            return new Targets(live, List.of("fuzz", "fuzz-svc", "fuzz-batch", "fuzz-2", "fuzz-3"), allocs, evals,
                    List.of(live.agent.node().id()), base, hcl);
        }

        private static String post(LiveAgent live, HttpClient http, String path, String body) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(live.uri(path))
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return r.body();
        }

        Fuzzed next(Random rnd) {
            Endpoint e = ENDPOINTS.get(rnd.nextInt(ENDPOINTS.size()));
            String path = e.path();
            for (String p : List.of(":id", ":alloc", ":eval", ":node")) {
                if (path.contains(p)) {
                    List<String> known = switch (p) {
                        case ":id" -> jobIds;
                        case ":alloc" -> allocIds;
                        case ":eval" -> evalIds;
                        default -> nodeIds;
                    };
                    String v = rnd.nextInt(3) > 0 && !known.isEmpty() ? known.get(rnd.nextInt(known.size()))
                            : rnd.nextBoolean() ? value(rnd) : known.isEmpty() ? "x" : known.get(0).substring(0, 1 + rnd.nextInt(4));
                    path = path.replace(p, enc(v).replace("+", "%20"));
                }
            }
            String query = query(rnd, path);
            URI uri = live.uri(path + query);
            byte[] body = null;
            String ct = null;
            if (!e.method().equals("GET") && rnd.nextInt(10) > 0) {
                body = body(rnd, path).getBytes(StandardCharsets.UTF_8);
                ct = switch (rnd.nextInt(4)) {
                    case 0 -> "text/plain";
                    case 1 -> null;
                    default -> "application/json";
                };
            }
            return new Fuzzed(e.method(), uri, body, ct);
        }

        private String query(Random rnd, String path) {
            int n = rnd.nextInt(4);
            StringBuilder q = new StringBuilder();
            boolean index = false;
            for (int i = 0; i < n; i++) {
                String name = QUERY_NAMES.get(rnd.nextInt(QUERY_NAMES.size()));
                String v = value(rnd);
                if (name.equals("wait")) {
                    continue; // added below, always short
                }
                if (name.equals("index")) {
                    index = true;
                }
                if (name.equals("follow") && path.contains("/fs/logs/")) {
                    // A follow on a running task streams for as long as the task runs: by design, not a hang.
                    v = rnd.nextBoolean() ? "false" : "maybe";
                }
                q.append(q.isEmpty() ? "?" : "&").append(enc(name)).append('=').append(enc(v));
            }
            if (index || rnd.nextInt(8) == 0) {
                q.append(q.isEmpty() ? "?" : "&").append("wait=").append(enc(WAITS.get(rnd.nextInt(WAITS.size()))));
                if (!index) {
                    q.append("&index=").append(rnd.nextInt(3) == 0 ? "999999999" : Integer.toString(rnd.nextInt(100)));
                }
            }
            return q.toString();
        }

        static String value(Random rnd) {
            return VALUES.get(rnd.nextInt(VALUES.size()));
        }

        static String enc(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }

        private String body(Random rnd, String path) {
            int kind = rnd.nextInt(20);
            if (kind == 0) {
                return "";
            }
            if (kind == 1) {
                return List.of("null", "[]", "1", "\"x\"", "{", "{\"Job\":", "{\"Job\":{}}", "{\"Job\":null}",
                        "{\"Job\":[]}", "{\"Job\":\"x\"}", "\uFEFF{}", "{\"Job\":{\"ID\":\"x\"}}", "{}{}", "[[[[[",
                        "{\"a\":1,\"a\":2}").get(rnd.nextInt(15));
            }
            if (kind == 2) {
                byte[] b = new byte[rnd.nextInt(2000)];
                rnd.nextBytes(b);
                return new String(b, StandardCharsets.ISO_8859_1);
            }
            if (path.endsWith("/signal") || path.endsWith("/restart")) {
                ObjectNode o = JSON.createObjectNode();
                putFuzz(rnd, o, path.endsWith("/signal") ? "Signal" : "TaskName");
                putFuzz(rnd, o, rnd.nextBoolean() ? "Task" : "AllTasks");
                if (rnd.nextBoolean()) {
                    o.put("Signal", List.of("SIGHUP", "SIGUSR1", "SIGNOPE", "HUP", "0", "99").get(rnd.nextInt(6)));
                }
                return o.toString();
            }
            if (path.endsWith("/jobs/parse")) {
                String hcl = mutateText(rnd, baseHcl);
                ObjectNode o = JSON.createObjectNode().put("JobHCL", hcl).put("Canonicalize", rnd.nextBoolean());
                if (rnd.nextInt(4) == 0) {
                    putFuzz(rnd, o, rnd.nextBoolean() ? "Variables" : "JobHCL");
                }
                return o.toString();
            }
            ObjectNode job = baseJob.deepCopy();
            String id = jobIds.get(rnd.nextInt(2) == 0 ? 0 : 3 + rnd.nextInt(2));
            String[] parts = path.split("/");
            if (path.startsWith("/v1/job/") && parts.length > 3 && rnd.nextInt(4) > 0) {
                id = java.net.URLDecoder.decode(parts[3], StandardCharsets.UTF_8); // the ID the path names
            }
            job.put("ID", id).put("Name", id);
            int mutations = rnd.nextInt(5);
            for (int i = 0; i < mutations; i++) {
                mutate(rnd, job);
            }
            ObjectNode wrapper = JSON.createObjectNode();
            wrapper.set("Job", job);
            if (rnd.nextInt(6) == 0) {
                putFuzz(rnd, wrapper, List.of("Diff", "EnforceIndex", "JobModifyIndex", "PolicyOverride", "Job").get(rnd.nextInt(5)));
            }
            try {
                return wrapper.toString();
            } catch (RuntimeException tooDeepToWrite) {
                // Mutations nested deep values into each other: send a document deeper than any parser allows.
                return "{\"Job\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
            }
        }

        /** Replaces, removes or adds one field somewhere in the tree. */
        private static void mutate(Random rnd, JsonNode root) {
            List<JsonNode> containers = new ArrayList<>();
            collect(root, containers);
            JsonNode target = containers.get(rnd.nextInt(containers.size()));
            if (target instanceof ObjectNode o) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                int what = rnd.nextInt(6);
                if (what == 0 && !names.isEmpty()) {
                    o.remove(names.get(rnd.nextInt(names.size())));
                } else if (what == 1) {
                    putFuzz(rnd, o, "Fuzz" + rnd.nextInt(10));
                } else if (!names.isEmpty()) {
                    putFuzz(rnd, o, names.get(rnd.nextInt(names.size())));
                }
            } else if (target instanceof ArrayNode a) {
                if (!a.isEmpty() && rnd.nextBoolean()) {
                    a.remove(rnd.nextInt(a.size()));
                } else {
                    a.add(fuzzValue(rnd));
                }
            }
        }

        private static void collect(JsonNode n, List<JsonNode> out) {
            if (n.isContainerNode()) {
                out.add(n);
                n.forEach(c -> collect(c, out));
            }
        }

        private static void putFuzz(Random rnd, ObjectNode o, String name) {
            o.set(name, fuzzValue(rnd));
        }

        static JsonNode fuzzValue(Random rnd) {
            JsonNodeFactory f = JsonNodeFactory.instance;
            return switch (rnd.nextInt(16)) {
                case 0 -> f.nullNode();
                case 1 -> f.numberNode(rnd.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE);
                case 2 -> f.numberNode(-1);
                case 3 -> f.numberNode(1e18);
                case 4 -> f.numberNode(new java.math.BigDecimal("1e400"));
                case 5 -> f.numberNode(0.5);
                case 6 -> f.booleanNode(rnd.nextBoolean());
                case 7 -> f.textNode(value(rnd));
                case 8 -> f.textNode("x".repeat(rnd.nextInt(100_000)));
                case 9 -> f.arrayNode();
                case 10 -> f.objectNode();
                case 11 -> f.arrayNode().add(value(rnd)).add(rnd.nextInt());
                case 12 -> f.objectNode().put(value(rnd), value(rnd));
                case 13 -> {
                    JsonNode deep = f.textNode("bottom");
                    for (int i = rnd.nextInt(900); i > 0; i--) {
                        deep = rnd.nextBoolean() ? f.arrayNode().add(deep) : f.objectNode().set("k", deep);
                    }
                    yield deep;
                }
                case 14 -> f.numberNode(rnd.nextInt(20_000) - 10);
                default -> f.textNode(List.of("service", "batch", "system", "exec", "raw_exec", "docker", "prestart",
                        "SIGTERM", "fail", "delay", "5s", "-1", "", "1h", "sysbatch").get(rnd.nextInt(15)));
            };
        }

        /** Character-level damage to an HCL file: deletions, duplications and hostile insertions. */
        private static String mutateText(Random rnd, String s) {
            StringBuilder b = new StringBuilder(s);
            int n = 1 + rnd.nextInt(4);
            List<String> inserts = List.of("{", "}", "\"", "${", "%{", "\\", "\n", "=", "[", "]", "(", ")", "1e18",
                    "1000000000000000000", "-1", "\u0000", "<<EOF\n", "count = 10000\n", "((((((((((", "..." , "#", "/*",
                    "${abs(-1)}", "${env.HOME}", "${file(\"/etc/shadow\")}", "x".repeat(10_000),
                    "task \"u\" {\n}\n", "dynamic \"x\" {\n}\n");
            for (int i = 0; i < n && b.length() > 0; i++) {
                int at = rnd.nextInt(b.length());
                switch (rnd.nextInt(3)) {
                    case 0 -> b.delete(at, Math.min(b.length(), at + 1 + rnd.nextInt(20)));
                    case 1 -> b.insert(at, b.substring(at, Math.min(b.length(), at + rnd.nextInt(40))));
                    default -> b.insert(at, inserts.get(rnd.nextInt(inserts.size())));
                }
            }
            return b.toString();
        }
    }
}
