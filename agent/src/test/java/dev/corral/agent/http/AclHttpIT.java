package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.agent.acl.AclService;
import dev.corral.agent.acl.Secrets;
import dev.corral.agent.state.StateStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs end to end, without root: the real Jetty server and HTTP layer, the real SQLite store
 * holding tokens and policies, and an in-memory job backend behind them.
 */
class AclHttpIT {
    private static final ObjectMapper JSON = NomadJson.mapper();
    private static final String JOB = """
            {"Job": {"ID": "web", "Name": "web", "Type": "service", "Datacenters": ["dc1"],
              "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "exec",
                "Config": {"command": "/bin/sh"}}]}]}}
            """;

    @TempDir
    Path dir;
    private StateStore store;
    private InMemoryBackend backend;
    private HttpApi api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        backend = new InMemoryBackend(dir.resolve("allocs"));
        startApi();
    }

    private void startApi() throws Exception {
        store = StateStore.open(dir.resolve("state.db"));
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
                new HttpSecurity(new AclService(store), null)).start();
    }

    private void stopApi() throws Exception {
        api.close();
        store.close();
    }

    @AfterEach
    void stop() throws Exception {
        stopApi();
        http.close();
    }

    private AclReply call(String method, String path, String token, String body) throws Exception {
        return AclReply.send(http, api.address(), method, path, token, body);
    }

    private AclReply get(String path, String token) throws Exception {
        return call("GET", path, token, null);
    }

    private String bootstrap() throws Exception {
        AclReply r = call("POST", "/v1/acl/bootstrap", null, null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("SecretID").asText();
    }

    private void policy(String mgmt, String name, String rules) throws Exception {
        AclReply r = call("POST", "/v1/acl/policy/" + name, mgmt, JSON.writeValueAsString(
                Map.of("Name", name, "Description", "test", "Rules", rules)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private JsonNode token(String mgmt, String name, List<String> policies) throws Exception {
        AclReply r = call("POST", "/v1/acl/token", mgmt, JSON.writeValueAsString(
                Map.of("Name", name, "Type", "client", "Policies", policies)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void withoutToken_everyProtectedEndpointIs403PermissionDenied_healthStaysOpen() throws Exception {
        for (String path : List.of("/v1/jobs", "/v1/job/web", "/v1/allocations", "/v1/evaluations", "/v1/nodes",
                "/v1/agent/self", "/v1/agent/members", "/v1/metrics", "/v1/acl/tokens", "/v1/acl/policy/x",
                "/v1/client/fs/logs/a1?task=t&type=stdout", "/v1/event/stream", "/v1/no/such/route")) {
            AclReply r = get(path, null);
            assertThat(r.status()).as(path).isEqualTo(403);
            assertThat(r.body()).as(path).isEqualTo("Permission denied");
        }
        assertThat(call("POST", "/v1/jobs", null, JOB).status()).isEqualTo(403);
        assertThat(backend.jobs()).isEmpty();
        assertThat(get("/v1/agent/health", null).status()).isEqualTo(200);
        assertThat(get("/v1/status/leader", null).status()).isEqualTo(200);
    }

    @Test
    void wrongToken_is403_managementTokenIs200_bothHeaderForms() throws Exception {
        String mgmt = bootstrap();
        AclReply wrong = get("/v1/jobs", Secrets.newUuid());
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.body()).isEqualTo("ACL token not found");
        assertThat(get("/v1/jobs", mgmt).status()).isEqualTo(200);
        HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(api.address().resolve("/v1/nodes"))
                .header("Authorization", "Bearer " + mgmt).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bearer.statusCode()).isEqualTo(200);
        assertThat(call("POST", "/v1/jobs", mgmt, JOB).status()).isEqualTo(200);
        assertThat(get("/v1/job/web", mgmt).json().get("ID").asText()).isEqualTo("web");
    }

    @Test
    void bootstrap_onlyOnce_withNomadsMessage() throws Exception {
        AclReply first = call("PUT", "/v1/acl/bootstrap", null, null);
        assertThat(first.status()).isEqualTo(200);
        JsonNode t = first.json();
        assertThat(t.get("Type").asText()).isEqualTo("management");
        assertThat(t.get("Name").asText()).isEqualTo("Bootstrap Token");
        assertThat(t.get("AccessorID").asText()).isNotEqualTo(t.get("SecretID").asText());
        AclReply second = call("POST", "/v1/acl/bootstrap", null, null);
        assertThat(second.status()).isEqualTo(400);
        assertThat(second.body()).matches("ACL bootstrap already done \\(reset index: \\d+\\)");
        // a stale or bad token does not change the answer (bootstrap needs none)
        assertThat(call("POST", "/v1/acl/bootstrap", "bogus", null).status()).isEqualTo(400);
    }

    @Test
    void readOnlyClientToken_readsJobsButCannotWriteExecOrReadLogs() throws Exception {
        String mgmt = bootstrap();
        policy(mgmt, "readonly", "namespace \"default\" {\n  policy = \"read\"\n}\n");
        JsonNode created = token(mgmt, "reader", List.of("readonly"));
        String reader = created.get("SecretID").asText();
        assertThat(call("POST", "/v1/jobs", mgmt, JOB).status()).isEqualTo(200);
        backend.putAlloc("a1", "web", "t", "running");

        assertThat(get("/v1/jobs", reader).status()).isEqualTo(200);
        assertThat(get("/v1/job/web", reader).status()).isEqualTo(200);
        assertThat(get("/v1/allocations", reader).status()).isEqualTo(200);
        AclReply write = call("POST", "/v1/job/web", reader, JOB);
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.body()).isEqualTo("Permission denied");
        assertThat(call("DELETE", "/v1/job/web", reader, null).status()).isEqualTo(403);
        assertThat(get("/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", reader).status()).isEqualTo(403);
        assertThat(get("/v1/nodes", reader).status()).as("no node rule").isEqualTo(403);
        assertThat(get("/v1/job/web?namespace=other", reader).status()).as("other namespace").isEqualTo(403);
        assertThat(get("/v1/acl/tokens", reader).status()).isEqualTo(403);
        assertThat(get("/v1/acl/token/" + bootstrapAccessor(mgmt), reader).status()).isEqualTo(403);
        assertThat(get("/v1/acl/token/" + created.get("AccessorID").asText(), reader).status()).isEqualTo(200);
        JsonNode self = get("/v1/acl/token/self", reader).json();
        assertThat(self.get("Name").asText()).isEqualTo("reader");
        assertThat(self.has("SecretID")).as("the secret is shown only at creation").isFalse();
        assertThat(get("/v1/acl/policies", reader).json()).extracting(p -> p.get("Name").asText())
                .containsExactly("readonly");

        // exec: the WebSocket upgrade itself is refused
        Throwable refused = null;
        try {
            exec(reader, "a1");
        } catch (CompletionException e) {
            refused = e.getCause();
        }
        assertThat(refused).isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) refused).getResponse().statusCode()).isEqualTo(403);
    }

    @Test
    void writeToken_canExecAndReadLogs() throws Exception {
        String mgmt = bootstrap();
        policy(mgmt, "dev", "namespace \"default\" { policy = \"write\" }");
        String writer = token(mgmt, "writer", List.of("dev")).get("SecretID").asText();
        backend.putAlloc("a2", "web", "t", "running");
        Files.createDirectories(dir.resolve("allocs/a2/alloc/logs"));
        Files.writeString(dir.resolve("allocs/a2/alloc/logs/t.stdout.0"), "hello\n");
        AclReply logs = get("/v1/client/fs/logs/a2?task=t&type=stdout&plain=true", writer);
        assertThat(logs.status()).as(logs.body()).isEqualTo(200);
        assertThat(logs.body()).isEqualTo("hello\n");
        HttpApiTest.Frames frames = new HttpApiTest.Frames();
        WebSocket ws = http.newWebSocketBuilder().header("X-Nomad-Token", writer).buildAsync(URI.create(
                "ws://127.0.0.1:" + api.port() + "/v1/client/allocation/a2/exec?task=t&command="
                        + "%5B%22sh%22%2C%22-c%22%2C%22echo%20acl-ok%22%5D"), frames).join();
        int[] code = new int[1];
        assertThat(frames.untilExit(code)).contains("acl-ok");
        assertThat(code[0]).isZero();
        ws.abort();
    }

    private void exec(String token, String alloc) {
        http.newWebSocketBuilder().header("X-Nomad-Token", token).buildAsync(URI.create("ws://127.0.0.1:"
                + api.port() + "/v1/client/allocation/" + alloc + "/exec?task=t&command=%5B%22sh%22%5D"),
                new HttpApiTest.Frames()).join();
    }

    private String bootstrapAccessor(String mgmt) throws Exception {
        return get("/v1/acl/token/self", mgmt).json().get("AccessorID").asText();
    }

    @Test
    void anonymousPolicy_enablesReadsWithoutToken_notWrites() throws Exception {
        String mgmt = bootstrap();
        call("POST", "/v1/jobs", mgmt, JOB);
        assertThat(get("/v1/jobs", null).status()).isEqualTo(403);
        policy(mgmt, "anonymous", "namespace \"default\" { policy = \"read\" }\nnode { policy = \"read\" }");
        assertThat(get("/v1/jobs", null).status()).isEqualTo(200);
        assertThat(get("/v1/job/web", null).status()).isEqualTo(200);
        assertThat(get("/v1/nodes", null).status()).isEqualTo(200);
        assertThat(call("POST", "/v1/jobs", null, JOB).status()).isEqualTo(403);
        assertThat(get("/v1/agent/self", null).status()).isEqualTo(403);
        assertThat(call("DELETE", "/v1/acl/policy/anonymous", mgmt, null).status()).isEqualTo(200);
        assertThat(get("/v1/jobs", null).status()).isEqualTo(403);
    }

    @Test
    void tokenSurvivesRestart_storedHashed_secretNeverOnDisk() throws Exception {
        String mgmt = bootstrap();
        policy(mgmt, "readonly", "namespace \"default\" { policy = \"read\" }");
        String reader = token(mgmt, "reader", List.of("readonly")).get("SecretID").asText();
        stopApi();
        startApi();
        assertThat(get("/v1/jobs", mgmt).status()).isEqualTo(200);
        assertThat(get("/v1/jobs", reader).status()).isEqualTo(200);
        assertThat(call("POST", "/v1/jobs", reader, JOB).status()).isEqualTo(403);
        assertThat(call("POST", "/v1/acl/bootstrap", null, null).status()).isEqualTo(400);
        stopApi();
        byte[] all = storeBytes();
        assertThat(contains(all, mgmt)).as("management secret in the store files").isFalse();
        assertThat(contains(all, reader)).as("client secret in the store files").isFalse();
        assertThat(contains(all, Secrets.sha256(mgmt))).as("its SHA-256 is what is kept").isTrue();
        startApi();
    }

    private byte[] storeBytes() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("state.db")).toList()) {
                out.writeBytes(Files.readAllBytes(f));
            }
        }
        return out.toByteArray();
    }

    private static boolean contains(byte[] hay, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= hay.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (hay[i + j] != n[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void tokensAndPolicies_crudWithNomadsErrors() throws Exception {
        String mgmt = bootstrap();
        AclReply noPolicies = call("POST", "/v1/acl/token", mgmt, "{\"Name\":\"x\",\"Type\":\"client\"}");
        assertThat(noPolicies.status()).isEqualTo(400);
        assertThat(noPolicies.body()).isEqualTo("client token missing policies");
        AclReply unknown = call("POST", "/v1/acl/token", mgmt, "{\"Type\":\"client\",\"Policies\":[\"nope\"]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).isEqualTo("cannot find policy nope");
        AclReply badRules = call("POST", "/v1/acl/policy/p", mgmt,
                "{\"Name\":\"p\",\"Rules\":\"namespace \\\"default\\\" {\\n  policy = \\\"admin\\\"\\n}\"}");
        assertThat(badRules.status()).isEqualTo(400);
        assertThat(badRules.body()).contains("rules:2:3").contains("\"admin\"");
        assertThat(call("POST", "/v1/acl/policy/p", mgmt, "{\"Name\":\"q\",\"Rules\":\"node {}\"}").body())
                .isEqualTo("ACL policy name does not match request path");
        policy(mgmt, "p", "node { policy = \"read\" }");
        JsonNode pol = get("/v1/acl/policy/p", mgmt).json();
        assertThat(pol.get("Rules").asText()).isEqualTo("node { policy = \"read\" }");
        assertThat(pol.has("JobACL")).isTrue();
        JsonNode t = token(mgmt, "n", List.of("p"));
        String accessor = t.get("AccessorID").asText();
        String secret = t.get("SecretID").asText();
        assertThat(get("/v1/nodes", secret).status()).isEqualTo(200);
        JsonNode list = get("/v1/acl/tokens", mgmt).json();
        assertThat(list).hasSize(2);
        assertThat(list.toString()).doesNotContain("SecretID").doesNotContain(secret);
        AclReply read = get("/v1/acl/token/" + accessor, mgmt);
        assertThat(read.json().get("Policies").get(0).asText()).isEqualTo("p");
        assertThat(call("DELETE", "/v1/acl/token/" + accessor, mgmt, null).status()).isEqualTo(200);
        AclReply gone = get("/v1/nodes", secret);
        assertThat(gone.status()).isEqualTo(403);
        assertThat(gone.body()).isEqualTo("ACL token not found");
        assertThat(get("/v1/acl/token/" + accessor, mgmt).status()).isEqualTo(404);
        assertThat(get("/v1/acl/policy/none", mgmt).body()).isEqualTo("ACL policy not found");
    }

    @Test
    void eventStream_needsReadJob_andNodeReadForNodeTopics() throws Exception {
        String mgmt = bootstrap();
        policy(mgmt, "readonly", "namespace \"default\" { policy = \"read\" }");
        String reader = token(mgmt, "reader", List.of("readonly")).get("SecretID").asText();
        assertThat(get("/v1/event/stream?topic=Node", reader).status()).isEqualTo(403);
        HttpResponse<InputStream> jobs = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/event/stream?topic=Job")).header("X-Nomad-Token", reader).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(jobs.statusCode()).isEqualTo(200);
        jobs.body().close();
    }

    @Test
    void aclDisabled_aclEndpointsSaySo_andNothingIsChecked() throws Exception {
        try (HttpApi open = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry())
                .start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(open.address().resolve("/v1/acl/bootstrap"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).isEqualTo("ACL support disabled");
            assertThat(http.send(HttpRequest.newBuilder(open.address().resolve("/v1/jobs")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }
}
