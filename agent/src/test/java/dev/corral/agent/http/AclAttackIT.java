package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.agent.acl.AclService;
import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.acl.Secrets;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.tls.TestCerts;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the ACL layer, each a test that fails if the attack succeeds: path, method, query
 * and header tricks, namespace confusion, privilege escalation by a client token, policy merging,
 * racing bootstraps, existence leaks, secrets in other endpoints and the store's file modes. Real
 * Jetty, the real SQLite store, the in-memory job backend; no root. Raw sockets are used where an
 * HTTP client would clean the request up before sending it.
 */
class AclAttackIT {
    private static final ObjectMapper JSON = NomadJson.mapper();
    private static final String JOB = """
            {"Job": {"ID": "web", "Name": "web", "Type": "service", "Datacenters": ["dc1"],
              "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "exec",
                "Config": {"command": "/bin/sh"}}]}]}}
            """;
    private static final String EXEC_QUERY = "?task=t&command=%5B%22true%22%5D";

    @TempDir
    Path dir;
    private StateStore store;
    private InMemoryBackend backend;
    private HttpApi api;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String mgmt;

    @BeforeEach
    void start() throws Exception {
        backend = new InMemoryBackend(dir.resolve("allocs"));
        store = StateStore.open(dir.resolve("state.db"));
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
                new HttpSecurity(new AclService(store), null)).start();
        mgmt = call("POST", "/v1/acl/bootstrap", null, null).json().get("SecretID").asText();
        assertThat(call("POST", "/v1/jobs", mgmt, JOB).status()).isEqualTo(200);
        backend.putAlloc("a1", "web", "t", "running");
        Files.createDirectories(dir.resolve("allocs/a1/alloc/logs"));
        Files.writeString(dir.resolve("allocs/a1/alloc/logs/t.stdout.0"), "secret-log-line\n");
    }

    @AfterEach
    void stop() throws Exception {
        // shutdownNow: a stream a successful attack left open must not hang the teardown
        http.shutdownNow();
        api.close();
        store.close();
    }

    // ---- helpers ----

    private AclReply call(String method, String path, String token, String body) throws Exception {
        return AclReply.send(http, api.address(), method, path, token, body);
    }

    private AclReply get(String path, String token) throws Exception {
        return call("GET", path, token, null);
    }

    private void policy(String name, String rules) throws Exception {
        AclReply r = call("POST", "/v1/acl/policy/" + name, mgmt, JSON.writeValueAsString(
                Map.of("Name", name, "Description", "", "Rules", rules)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private JsonNode token(String name, String... policies) throws Exception {
        AclReply r = call("POST", "/v1/acl/token", mgmt, JSON.writeValueAsString(
                Map.of("Name", name, "Type", "client", "Policies", List.of(policies))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private String secretOf(String name, String rules) throws Exception {
        policy(name, rules);
        return token(name, name).get("SecretID").asText();
    }

    /**
     * Sends {@code head} (request line and headers, without the final empty line) exactly as
     * written, with {@code Connection: close}, and returns the status (0 when the server closed the
     * connection without an HTTP answer) and what followed.
     */
    private AclReply raw(String head) throws IOException {
        return raw(head, "");
    }

    private AclReply raw(String head, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String all;
            try {
                all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (java.net.SocketException reset) {
                return new AclReply(0, "");
            }
            if (!all.startsWith("HTTP/1.1 ")) {
                return new AclReply(0, all);
            }
            int status = Integer.parseInt(all.substring(9, 12));
            int bodyAt = all.indexOf("\r\n\r\n");
            return new AclReply(status, bodyAt < 0 ? "" : all.substring(bodyAt + 4));
        }
    }

    private AclReply rawGet(String target, String token) throws IOException {
        return raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1" + (token == null ? "" : "\r\nX-Nomad-Token: " + token));
    }

    /** A WebSocket upgrade request for exec: 101 means a command was started. */
    private AclReply execUpgrade(String target, String extraHeaders) throws IOException {
        return raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13" + extraHeaders);
    }

    private static void assertRefused(AclReply r, String what) {
        assertThat(r.status()).as(what + " -> " + r.status() + " " + r.body()).isIn(0, 400, 403, 404, 405, 431);
    }

    // ---- attacks ----

    /**
     * A1: paths that are spelled differently but may be normalised into a protected route after the
     * check. A read-only token must never see the token list nor the logs through any spelling.
     */
    @Test
    void pathTricks_neverReachAProtectedRouteThroughAnotherSpelling() throws Exception {
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        String bootstrapAccessor = get("/v1/acl/token/self", mgmt).json().get("AccessorID").asText();
        List<String> tokenList = List.of("/v1/acl/tokens", "/v1/acl/tokens/", "//v1/acl/tokens", "/v1//acl/tokens",
                "/v1/acl/tokens;jsessionid=1", "/v1/acl;x=1/tokens", "/v1/acl/tokens%2F", "/v1/acl%2Ftokens",
                "/v1/%61cl/tokens", "/V1/ACL/TOKENS", "/v1/Acl/tokens", "/v1/job/x/../../acl/tokens",
                "/v1/job/x/%2e%2e/%2e%2e/acl/tokens", "/v1/job/x/..%2f..%2facl/tokens", "/v1/job/x/%2E%2E/../acl/tokens",
                "/v1/acl/tokens%00", "/v1/acl/tokens%20", "/v1/acl/tokens?", "/./v1/acl/tokens", "/v1/acl/./tokens",
                "/v1/acl/tokens/.", "/v1/acl/token/self/../../tokens", "/v1/acl/token/self%2F..%2F..%2Ftokens",
                "/v1/acl/token/self/..;/..;/tokens", "/v1/acl/policies/../tokens", "/v1/acl/token/..",
                "/v1/acl/token/%2e%2e", "/%2fv1/acl/tokens", "/v1/acl/tokens\\", "/v1\\acl\\tokens",
                "http://127.0.0.1/v1/acl/tokens", "/v1/acl/tokens#frag", "/v1/acl/%74okens", "/v1/acl/tokens%3F");
        for (String p : tokenList) {
            AclReply r = rawGet(p, reader);
            assertRefused(r, p);
            assertThat(r.body()).as(p).doesNotContain(bootstrapAccessor);
        }
        // logs need read-logs, which the reader lacks; read-job paths must not lead there
        List<String> logs = List.of("/v1/client/fs/logs/a1", "/v1/client/fs/logs/a1/",
                "/v1/job/web/../../client/fs/logs/a1", "/v1/job/web/%2e%2e/%2e%2e/client/fs/logs/a1",
                "/v1/allocation/a1/../../client/fs/logs/a1", "/v1/client/fs/logs;x/a1", "/v1/client/fs/logs/a1;x",
                "/v1/client/fs//logs/a1", "/v1/client/fs/cat/a1", "/v1/client/fs/readat/a1", "/v1/client/fs/stream/a1",
                "/v1/client/fs/Logs/a1", "/v1/client/allocation/a1/stats/../../../fs/logs/a1");
        for (String p : logs) {
            AclReply r = rawGet(p + "?task=t&type=stdout&plain=true&path=alloc/logs/t.stdout.0&offset=0&limit=100",
                    reader);
            assertRefused(r, p);
            assertThat(r.body()).as(p).doesNotContain("secret-log-line");
        }
        // the exec WebSocket through other spellings
        for (String p : List.of("/v1/client/allocation/a1/exec", "/v1/client/allocation/a1/exec/",
                "/v1/client/allocation/a1/stats/../exec", "/v1/client/allocation/a1/exec;x", "//v1/client/allocation/a1/exec",
                "/v1/client/allocation/a1/%65xec", "/v1/client/allocation/a1%2Fexec")) {
            assertRefused(execUpgrade(p + EXEC_QUERY, "\r\nX-Nomad-Token: " + reader), "exec " + p);
        }
        // the management token still reaches the real route (the refusals above are the gate's or the router's)
        assertThat(rawGet("/v1/acl/tokens", mgmt).body()).contains(bootstrapAccessor);
    }

    /** A2: methods the permission table does not list, and method-override headers. */
    @Test
    void methodTricks_neitherBypassNorOverride() throws Exception {
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        for (String m : List.of("HEAD", "OPTIONS", "TRACE", "PATCH", "CONNECT", "PROPFIND", "get", "Get", "FOO")) {
            for (String p : List.of("/v1/acl/tokens", "/v1/job/web", "/v1/client/fs/logs/a1?task=t&type=stdout",
                    "/v1/acl/bootstrap", "/v1/system/gc")) {
                AclReply r = raw(m + " " + p + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token: " + reader);
                assertThat(r.status()).as(m + " " + p + " " + r.body()).isNotEqualTo(200).isNotEqualTo(101);
                assertThat(r.body()).doesNotContain("secret-log-line").doesNotContain("AccessorID");
            }
        }
        for (String override : List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
            AclReply r = raw("GET /v1/job/web?purge=true HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token: " + reader
                    + "\r\n" + override + ": DELETE");
            assertThat(r.status()).as(override).isEqualTo(200); // a read, nothing more
            AclReply post = raw("POST /v1/job/web HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nX-Nomad-Token: "
                    + reader + "\r\n" + override + ": GET");
            assertThat(post.status()).as(override + " on POST").isEqualTo(403);
        }
        assertThat(backend.jobs()).extracting(NomadJson.JobListStub::id).containsExactly("web");
        assertThat(backend.allocations()).allMatch(a -> a.desiredStatus().equals("run"));
    }

    /**
     * A3: a token for namespace {@code dev} asks for {@code ?namespace=dev} (or a mix) and is served
     * {@code default}'s objects: Corral has one namespace, so the gate must check the namespace that
     * is actually served.
     */
    @Test
    void namespaceTricks_aTokenForAnotherNamespaceGetsNothingOfDefault() throws Exception {
        String dev = secretOf("dev", "namespace \"dev\" { policy = \"write\" }\nnamespace \"prod-*\" { policy = \"write\" }");
        List<String> reads = List.of("/v1/jobs", "/v1/job/web", "/v1/job/web/allocations", "/v1/job/web/summary",
                "/v1/allocations", "/v1/allocation/a1", "/v1/evaluations", "/v1/client/allocation/a1/stats",
                "/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", "/v1/client/fs/cat/a1?path=alloc/logs/t.stdout.0",
                "/v1/event/stream?topic=Job");
        List<String> namespaces = List.of("dev", "prod-x", "*", "dev&namespace=default", "default&namespace=dev",
                "DEV", "dev%00", "%20dev", "dev&namespace=*", "");
        for (String p : reads) {
            for (String ns : namespaces) {
                String target = p + (p.contains("?") ? "&" : "?") + "namespace=" + ns;
                AclReply r = rawGet(target, dev);
                assertThat(r.status()).as(target + " " + r.body()).isEqualTo(403);
            }
        }
        for (String ns : namespaces) {
            assertThat(execUpgrade("/v1/client/allocation/a1/exec" + EXEC_QUERY + "&namespace=" + ns,
                    "\r\nX-Nomad-Token: " + dev).status()).as("exec ns=" + ns).isEqualTo(403);
            assertThat(call("POST", "/v1/jobs?namespace=" + ns, dev, JOB.replace("\"web\"", "\"evil\"")).status())
                    .as("register ns=" + ns).isEqualTo(403);
            assertThat(call("DELETE", "/v1/job/web?purge=true&namespace=" + ns, dev, null).status())
                    .as("deregister ns=" + ns).isEqualTo(403);
            assertThat(call("POST", "/v1/client/allocation/a1/signal?namespace=" + ns, dev,
                    "{\"Signal\":\"SIGKILL\"}").status()).as("signal ns=" + ns).isEqualTo(403);
            assertThat(call("POST", "/v1/allocation/a1/stop?namespace=" + ns, dev, null).status())
                    .as("stop ns=" + ns).isEqualTo(403);
        }
        assertThat(backend.jobs()).extracting(NomadJson.JobListStub::id).containsExactly("web");
        assertThat(backend.signals).isEmpty();
        // the reverse: a default-only reader cannot use another namespace's rule, nor write through a glob
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        assertThat(get("/v1/job/web?namespace=dev", reader).status()).isEqualTo(403);
        assertThat(get("/v1/job/web?namespace=default", reader).status()).isEqualTo(200);
        assertThat(get("/v1/job/web", reader).status()).isEqualTo(200);
        assertThat(get("/v1/jobs?namespace=*", reader).status()).isEqualTo(200);
        assertThat(get("/v1/jobs?region=other&namespace=default", reader).status()).isEqualTo(200);
    }

    /** A4: token header tricks: duplicates, header against bearer, blanks, other schemes, query tokens, sizes. */
    @Test
    void headerTricks_theFirstTokenCounts_andNothingElseIsAToken() throws Exception {
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        String write = "POST /v1/job/web HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + JOB.getBytes(StandardCharsets.UTF_8).length;
        // a second X-Nomad-Token (the management one) does not add rights to the first
        assertThat(rawWithBody(write + "\r\nX-Nomad-Token: " + reader + "\r\nX-Nomad-Token: " + mgmt).status())
                .isEqualTo(403);
        assertThat(rawWithBody(write + "\r\nX-Nomad-Token: bogus\r\nX-Nomad-Token: " + mgmt).status()).isEqualTo(403);
        assertThat(rawWithBody(write + "\r\nX-Nomad-Token: " + reader + ", " + mgmt).status()).isEqualTo(403);
        assertThat(rawWithBody(write + "\r\nX-Nomad-Token: " + mgmt).status()).as("control").isEqualTo(200);
        // X-Nomad-Token wins over Authorization, as in Nomad
        assertThat(rawWithBody(write + "\r\nX-Nomad-Token: " + reader + "\r\nAuthorization: Bearer " + mgmt).status())
                .isEqualTo(403);
        assertThat(rawWithBody(write + "\r\nAuthorization: Bearer " + reader + "\r\nAuthorization: Bearer " + mgmt)
                .status()).isEqualTo(403);
        // other schemes and places are not tokens
        String basic = java.util.Base64.getEncoder().encodeToString((mgmt + ":").getBytes(StandardCharsets.UTF_8));
        for (String h : List.of("Authorization: Basic " + basic, "Authorization: " + mgmt, "Authorization: Bearer",
                "Authorization: Bearer" + mgmt, "Authorization: Token " + mgmt, "X-Nomad-Token:", "X-Nomad-Token:   ",
                "X-Vault-Token: " + mgmt, "Cookie: token=" + mgmt, "X-Nomad-Token: " + Secrets.sha256(mgmt),
                "X-Nomad-Token: " + get("/v1/acl/token/self", mgmt).json().get("AccessorID").asText(),
                "X-Nomad-Token: " + mgmt.toUpperCase(java.util.Locale.ROOT),
                "X-Nomad-Token: " + mgmt.substring(0, 35), "X-Nomad-Token: " + mgmt + "x",
                "X-Nomad-Token: " + mgmt.replace('-', '\u00ad'), "X-Nomad-Token: \"" + mgmt + "\"")) {
            AclReply r = raw("GET /v1/acl/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n" + h);
            assertThat(r.status()).as(h).isIn(400, 403);
        }
        for (String q : List.of("token=", "X-Nomad-Token=", "secret_id=", "auth=")) {
            assertThat(get("/v1/acl/tokens?" + q + mgmt, null).status()).as(q).isEqualTo(403);
        }
        // surrounding blanks are trimmed (Nomad trims too), so the real token still works
        assertThat(raw("GET /v1/acl/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token:  \t" + mgmt + " \t").status())
                .isEqualTo(200);
        // a huge token is refused by the header limit, and the server stays healthy
        String huge = "x".repeat(64 * 1024);
        AclReply big = raw("GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token: " + huge);
        assertThat(big.status()).isIn(0, 400, 431);
        String longish = "y".repeat(4000);
        assertThat(get("/v1/jobs", longish).status()).isEqualTo(403);
        assertThat(get("/v1/agent/health", null).status()).isEqualTo(200);
        assertThat(backend.jobs()).hasSize(1);
    }

    private AclReply rawWithBody(String head) throws IOException {
        return raw(head, JOB);
    }

    /** A5: a client token with every non-management right tries to become management. */
    @Test
    void privilegeEscalation_aClientTokenCannotMakeOrBecomeManagement() throws Exception {
        policy("almighty", """
                namespace "*" {
                  policy       = "write"
                  capabilities = ["alloc-node-exec", "sentinel-override"]
                }
                node { policy = "write" }
                agent { policy = "write" }
                operator { policy = "write" }
                quota { policy = "write" }
                plugin { policy = "read" }
                host_volume "*" { policy = "write" }
                """);
        JsonNode me = token("almighty", "almighty");
        String secret = me.get("SecretID").asText();
        String myAccessor = me.get("AccessorID").asText();
        String bootstrapAccessor = get("/v1/acl/token/self", mgmt).json().get("AccessorID").asText();
        List<AclReply> attempts = new ArrayList<>();
        attempts.add(call("POST", "/v1/acl/token", secret, "{\"Name\":\"x\",\"Type\":\"management\"}"));
        attempts.add(call("PUT", "/v1/acl/token", secret, "{\"Name\":\"x\",\"Type\":\"management\"}"));
        attempts.add(call("POST", "/v1/acl/token", secret, "{\"Name\":\"x\",\"Type\":\"client\",\"Policies\":[\"almighty\"]}"));
        attempts.add(call("POST", "/v1/acl/token/" + myAccessor, secret, "{\"AccessorID\":\"" + myAccessor
                + "\",\"Name\":\"me\",\"Type\":\"management\"}"));
        attempts.add(call("POST", "/v1/acl/token/self", secret, "{\"Name\":\"me\",\"Type\":\"management\"}"));
        attempts.add(call("POST", "/v1/acl/policy/almighty", secret, "{\"Name\":\"almighty\",\"Rules\":\"node {}\"}"));
        attempts.add(call("POST", "/v1/acl/policy/new", secret, "{\"Name\":\"new\",\"Rules\":\"node {}\"}"));
        attempts.add(call("DELETE", "/v1/acl/policy/almighty", secret, null));
        attempts.add(call("DELETE", "/v1/acl/token/" + bootstrapAccessor, secret, null));
        attempts.add(call("GET", "/v1/acl/tokens", secret, null));
        attempts.add(call("GET", "/v1/acl/token/" + bootstrapAccessor, secret, null));
        attempts.add(call("POST", "/v1/system/gc", secret, null));
        attempts.add(call("POST", "/v1/acl/token/onetime", secret, null));
        attempts.add(call("POST", "/v1/acl/bootstrap", secret, null));
        for (AclReply r : attempts) {
            assertThat(r.status()).as(r.body()).isIn(400, 403);
            assertThat(r.body()).doesNotContain("SecretID");
        }
        JsonNode tokens = get("/v1/acl/tokens", mgmt).json();
        assertThat(tokens).hasSize(2);
        assertThat(tokens.findValuesAsText("Type")).containsExactlyInAnyOrder("management", "client");
        assertThat(get("/v1/acl/policies", mgmt).json().findValuesAsText("Name")).containsExactly("almighty");
        assertThat(get("/v1/acl/policy/almighty", mgmt).json().get("Rules").asText()).contains("namespace \"*\"");
        // the token still has exactly its own rights
        assertThat(get("/v1/acl/token/self", secret).json().get("Type").asText()).isEqualTo("client");
    }

    /** A6: merging and globbing: a deny in any policy for a namespace wins; a closer glob wins over {@code *}. */
    @Test
    void denyWins_acrossPoliciesCapabilitiesAndGlobs_andChangesApplyAtOnce() throws Exception {
        policy("w", "namespace \"default\" { policy = \"write\" }");
        policy("d", "namespace \"default\" { policy = \"deny\" }");
        String both = token("both", "w", "d").get("SecretID").asText();
        String deniedCap = secretOf("capdeny", "namespace \"default\" { capabilities = [\"read-job\", \"deny\", \"list-jobs\"] }");
        String glob = secretOf("glob", "namespace \"*\" { policy = \"write\" }\nnamespace \"def*\" { policy = \"deny\" }");
        for (String t : List.of(both, deniedCap, glob)) {
            assertThat(get("/v1/jobs", t).status()).isEqualTo(403);
            assertThat(get("/v1/job/web", t).status()).isEqualTo(403);
            assertThat(call("POST", "/v1/jobs", t, JOB).status()).isEqualTo(403);
            assertThat(get("/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", t).status()).isEqualTo(403);
        }
        // a policy turned into deny takes effect on the next request (no stale cache)
        String writer = token("writer", "w").get("SecretID").asText();
        assertThat(get("/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", writer).status()).isEqualTo(200);
        policy("w", "namespace \"default\" { policy = \"deny\" }");
        assertThat(get("/v1/client/fs/logs/a1?task=t&type=stdout&plain=true", writer).status()).isEqualTo(403);
        policy("w", "namespace \"default\" { policy = \"write\" }");
        assertThat(get("/v1/jobs", writer).status()).isEqualTo(200);
        // a deleted policy grants nothing at once, and one re-created under the same name is read anew
        assertThat(call("DELETE", "/v1/acl/policy/w", mgmt, null).status()).isEqualTo(200);
        assertThat(get("/v1/jobs", writer).status()).isEqualTo(403);
        policy("w", "node { policy = \"read\" }");
        assertThat(get("/v1/jobs", writer).status()).isEqualTo(403);
        assertThat(get("/v1/nodes", writer).status()).isEqualTo(200);
    }

    /** A7: many bootstraps at once on a fresh store: exactly one wins. */
    @Test
    void concurrentBootstraps_exactlyOneWins() throws Exception {
        try (StateStore fresh = StateStore.open(dir.resolve("fresh/state.db"));
             HttpApi other = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
                     new HttpSecurity(new AclService(fresh), null)).start();
             ExecutorService pool = Executors.newFixedThreadPool(16)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                        return c.send(HttpRequest.newBuilder(other.address().resolve("/v1/acl/bootstrap"))
                                .POST(HttpRequest.BodyPublishers.noBody()).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode();
                    }
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) {
                statuses.add(f.get());
            }
            assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
            assertThat(statuses).filteredOn(s -> s != 200).allMatch(s -> s == 400);
            assertThat(fresh.aclTokens()).hasSize(1);
        }
    }

    /**
     * A8: the only management token deletes itself. Corral has no bootstrap reset, so that would
     * lock every operator out for good: refused while it is the last management token.
     */
    @Test
    void lastManagementToken_cannotDeleteItself_anotherCanBeDeleted() throws Exception {
        String bootstrapAccessor = get("/v1/acl/token/self", mgmt).json().get("AccessorID").asText();
        AclReply self = call("DELETE", "/v1/acl/token/" + bootstrapAccessor, mgmt, null);
        assertThat(self.status()).isEqualTo(400);
        assertThat(self.body()).contains("last management token");
        assertThat(get("/v1/acl/tokens", mgmt).status()).isEqualTo(200);
        // with a second management token, rotating the bootstrap token away works
        JsonNode second = call("POST", "/v1/acl/token", mgmt, "{\"Name\":\"ops\",\"Type\":\"management\"}").json();
        assertThat(call("DELETE", "/v1/acl/token/" + bootstrapAccessor, mgmt, null).status()).isEqualTo(200);
        assertThat(get("/v1/acl/tokens", mgmt).body()).isEqualTo("ACL token not found");
        String ops = second.get("SecretID").asText();
        assertThat(get("/v1/acl/tokens", ops).status()).isEqualTo(200);
        assertThat(call("DELETE", "/v1/acl/token/" + second.get("AccessorID").asText(), ops, null).status())
                .isEqualTo(400);
    }

    /** A9: a token without the right learns nothing about whether an object exists. */
    @Test
    void existence_isNotLeakedToATokenWithoutTheRight() throws Exception {
        String nodeOnly = secretOf("nodes", "node { policy = \"read\" }");
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        policy("hidden", "node { policy = \"read\" }");
        String otherAccessor = token("other", "hidden").get("AccessorID").asText();
        record Probe(String token, String existing, String missing) {}
        List<Probe> probes = List.of(
                new Probe(null, "/v1/job/web", "/v1/job/nope"),
                new Probe(nodeOnly, "/v1/job/web", "/v1/job/nope"),
                new Probe(nodeOnly, "/v1/allocation/a1", "/v1/allocation/a9"),
                new Probe(nodeOnly, "/v1/job/web/versions?index=1&wait=1s", "/v1/job/nope/versions?index=1&wait=1s"),
                new Probe(reader, "/v1/client/fs/logs/a1?task=t&type=stdout", "/v1/client/fs/logs/a9?task=t&type=stdout"),
                new Probe(reader, "/v1/client/fs/stat/a1?path=/", "/v1/client/fs/stat/a9?path=/"),
                new Probe(reader, "/v1/acl/policy/hidden", "/v1/acl/policy/nope"),
                new Probe(reader, "/v1/acl/token/" + otherAccessor, "/v1/acl/token/" + Secrets.newUuid()),
                new Probe(nodeOnly, "/v1/jobs?prefix=we", "/v1/jobs?prefix=zz"));
        for (Probe p : probes) {
            AclReply a = get(p.existing(), p.token());
            AclReply b = get(p.missing(), p.token());
            assertThat(a.status()).as(p.existing()).isEqualTo(403);
            assertThat(a).as(p.existing() + " vs " + p.missing()).isEqualTo(b);
        }
        // a refused blocking query answers at once instead of waiting for (and revealing) a change
        long t0 = System.nanoTime();
        assertThat(get("/v1/jobs?index=1000000&wait=30s", nodeOnly).status()).isEqualTo(403);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    /** A10: the event stream: the Node topic in any spelling needs node:read. */
    @Test
    void eventStream_nodeTopicInAnySpelling_needsNodeRead() throws Exception {
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        for (String q : List.of("", "?topic=Node", "?topic=Node:*", "?topic=*", "?topic=*:*", "?topic=Job&topic=Node",
                "?topic=Node&topic=Job", "?topic=Node:" + InMemoryBackend.NODE_ID, "?topic=NodeDrain",
                "?topic=Job&topic=*")) {
            assertThat(get("/v1/event/stream" + q, reader).status()).as(q).isEqualTo(403);
        }
        String noRead = secretOf("nodeonly", "node { policy = \"read\" }");
        assertThat(get("/v1/event/stream?topic=Node", noRead).status()).isEqualTo(403);
        HttpResponse<InputStream> ok = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/event/stream?topic=Job")).header("X-Nomad-Token", reader).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(ok.statusCode()).isEqualTo(200);
        ok.body().close();
    }

    /** A11: no secret, hash or policy text shows up in metrics, agent self or any other read. */
    @Test
    void secrets_appearInNoOtherEndpoint() throws Exception {
        String reader = secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        String accessor = get("/v1/acl/token/self", reader).json().get("AccessorID").asText();
        List<String> secrets = List.of(mgmt, reader, Secrets.sha256(mgmt), Secrets.sha256(reader));
        for (String p : List.of("/v1/metrics", "/v1/metrics?format=prometheus", "/v1/agent/self", "/v1/agent/members",
                "/v1/nodes", "/v1/node/" + InMemoryBackend.NODE_ID, "/v1/jobs", "/v1/allocations", "/v1/evaluations",
                "/v1/acl/tokens", "/v1/acl/token/" + accessor, "/v1/acl/token/self", "/v1/acl/policies",
                "/v1/status/leader", "/v1/regions")) {
            AclReply r = get(p, mgmt);
            assertThat(r.status()).as(p).isEqualTo(200);
            for (String s : secrets) {
                assertThat(r.body()).as(p).doesNotContain(s);
            }
        }
        assertThat(get("/v1/metrics", reader).status()).isEqualTo(403);
        assertThat(get("/v1/agent/self", reader).status()).isEqualTo(403);
    }

    /** A12: a local user cannot read the store (job specs, token hashes): its files are 0600. */
    @Test
    void stateStoreFiles_areOwnerOnly() throws Exception {
        secretOf("reader", "namespace \"default\" { policy = \"read\" }");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("state.db")).toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("state.db", "state.db-wal");
        for (Path f : files) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            assertThat(perms).as(f.toString()).doesNotContain(PosixFilePermission.GROUP_READ,
                    PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
        }
        // a store that exists with loose modes (made by an older Corral) is tightened when opened
        Path old = dir.resolve("old/state.db");
        StateStore.open(old).close();
        Files.setPosixFilePermissions(old, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        StateStore.open(old).close();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(old)))
                .isEqualTo("rw-------");
    }

    /**
     * A14: a token deleted while its streams are open: the event stream, a log follow and an exec
     * session must end within about a second, and nothing written after the deletion reaches it.
     */
    @Test
    void deletedToken_endsItsOpenStreamsAndExecSession() throws Exception {
        JsonNode t = token("w", makeWritePolicy());
        String secret = t.get("SecretID").asText();
        String accessor = t.get("AccessorID").asText();
        // event stream
        HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/event/stream?topic=Job")).header("X-Nomad-Token", secret).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        // log follow
        Path log = dir.resolve("allocs/a1/alloc/logs/t.stdout.0");
        HttpResponse<InputStream> logs = http.send(HttpRequest.newBuilder(api.address().resolve(
                "/v1/client/fs/logs/a1?task=t&type=stdout&plain=true&follow=true")).header("X-Nomad-Token", secret)
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(logs.statusCode()).isEqualTo(200);
        // exec session running a long command
        HttpApiTest.Frames frames = new HttpApiTest.Frames();
        java.net.http.WebSocket ws = http.newWebSocketBuilder().header("X-Nomad-Token", secret).buildAsync(
                java.net.URI.create("ws://127.0.0.1:" + api.port() + "/v1/client/allocation/a1/exec?task=t&command="
                        + "%5B%22sleep%22%2C%2231337%22%5D"), frames).join();
        assertThat(call("DELETE", "/v1/acl/token/" + accessor, mgmt, null).status()).isEqualTo(200);
        Thread.sleep(1500); // the re-check runs at most once a second
        Files.writeString(log, "written-after-revoke\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(call("POST", "/v1/jobs", mgmt, JOB.replace("\"web\"", "\"after-revoke\"")).status())
                .isEqualTo(200);
        long t0 = System.nanoTime();
        String eventBytes = readToEnd(events.body(), 15);
        String logBytes = readToEnd(logs.body(), 15);
        assertThat(eventBytes).doesNotContain("after-revoke");
        assertThat(logBytes).contains("secret-log-line").doesNotContain("written-after-revoke");
        assertThat(frames.closed.get(15, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("1008:Permission denied");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until all ended").isLessThan(15_000);
        ws.abort();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcessHandle.allProcesses().anyMatch(AclAttackIT::isOurSleep) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.allProcesses().anyMatch(AclAttackIT::isOurSleep)).as("exec'd sleep killed").isFalse();
    }

    private String makeWritePolicy() throws Exception {
        policy("writer", "namespace \"default\" { policy = \"write\" }");
        return "writer";
    }

    private static boolean isOurSleep(ProcessHandle p) {
        return p.info().arguments().map(a -> java.util.Arrays.asList(a).contains("31337")).orElse(false)
                && p.parent().map(pp -> pp.pid() == ProcessHandle.current().pid()).orElse(false);
    }

    /** Reads a stream until it ends; fails if it is still open after {@code seconds}. */
    private static String readToEnd(InputStream in, int seconds) throws Exception {
        var f = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
        return f.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * A15: a task plants symbolic links in the shared alloc dir (its {@code logs} and {@code data}
     * are mode 0777): the agent, which serves files as root, must not follow them out of the
     * allocation, nor into a task's {@code secrets}. A write token (read-logs, read-fs) asks.
     */
    @Test
    void taskPlantedSymlinks_areNotFollowedByTheRootAgent() throws Exception {
        String writer = secretOf("writer", "namespace \"default\" { policy = \"write\" }");
        Path host = Files.writeString(dir.resolve("host-secret.txt"), "host-only-content\n");
        Path alloc = dir.resolve("allocs/a1");
        Files.createDirectories(alloc.resolve("t/secrets"));
        Files.writeString(alloc.resolve("t/secrets/vault_token"), "task-secret-content\n");
        Files.createDirectories(alloc.resolve("alloc/data"));
        // the log file swapped for a link to a host file; links in data/ out of the alloc and into secrets/
        Files.delete(alloc.resolve("alloc/logs/t.stdout.0"));
        Files.createSymbolicLink(alloc.resolve("alloc/logs/t.stdout.0"), host);
        Files.createSymbolicLink(alloc.resolve("alloc/logs/t.stderr.0"), alloc.resolve("t/secrets/vault_token"));
        Files.createSymbolicLink(alloc.resolve("alloc/data/out"), host);
        Files.createSymbolicLink(alloc.resolve("alloc/data/sec"), Path.of("../../t/secrets/vault_token"));
        Files.createSymbolicLink(alloc.resolve("alloc/data/secdir"), Path.of("../../t/secrets"));
        for (String p : List.of("/v1/client/fs/logs/a1?task=t&type=stdout&plain=true",
                "/v1/client/fs/logs/a1?task=t&type=stderr&plain=true",
                "/v1/client/fs/logs/a1?task=t&type=stdout", "/v1/client/fs/logs/a1?task=t&type=stderr&origin=end",
                "/v1/client/fs/cat/a1?path=alloc/data/out", "/v1/client/fs/cat/a1?path=alloc/data/sec",
                "/v1/client/fs/cat/a1?path=alloc/data/secdir/vault_token",
                "/v1/client/fs/readat/a1?path=alloc/data/sec&offset=0&limit=100",
                "/v1/client/fs/readat/a1?path=alloc/data/out&offset=0&limit=100",
                "/v1/client/fs/ls/a1?path=alloc/data/secdir", "/v1/client/fs/cat/a1?path=t/secrets/vault_token",
                "/v1/client/fs/cat/a1?path=/t/./secrets/vault_token", "/v1/client/fs/cat/a1?path=alloc/../t/secrets/vault_token")) {
            AclReply r = get(p, writer);
            assertThat(r.body()).as(p + " -> " + r.status()).doesNotContain("host-only-content")
                    .doesNotContain("task-secret-content").doesNotContain("dmF1bHRfdG9rZW4").doesNotContain("vault_token\"");
            assertThat(r.status()).as(p + " " + r.body()).isNotEqualTo(200);
        }
    }

    /** A13: HTTP/2 tricks on the plain port: prior knowledge and h2c upgrade reach no handler unchecked. */
    @Test
    void http2PriorKnowledgeAndH2cUpgrade_doNotBypassTheGate() throws Exception {
        AclReply preface = raw("PRI * HTTP/2.0\r\n\r\nSM");
        assertThat(preface.status()).isNotEqualTo(200);
        assertThat(preface.body()).doesNotContain("AccessorID");
        AclReply upgrade = raw("GET /v1/acl/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA");
        assertThat(upgrade.status()).isEqualTo(403);
        try (HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> r = h2.send(HttpRequest.newBuilder(api.address().resolve("/v1/acl/tokens")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.statusCode()).isEqualTo(403);
        }
    }

    // ---- TLS ----

    /** An HTTPS API with ACLs on the same store, {@code verify_https_client} as asked. */
    private HttpApi tlsApi(TestCerts.Issued ca, TestCerts.Issued server, boolean verifyClients) throws Exception {
        return new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
                new HttpSecurity(new AclService(store), new AgentConfig.Tls(true, server.certFile(), server.keyFile(),
                        ca.certFile(), verifyClients, "tls12"))).start();
    }

    /**
     * Sends one hand-made ClientHello (so that this JVM's own client policy cannot hide what the
     * server accepts) and returns the server's answer: the negotiated version from its ServerHello
     * (0x0303 for TLS 1.2), or minus the alert description, or 0 when it just closed.
     */
    private static int hello(int port, int version, int... suites) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        java.io.DataOutputStream d = new java.io.DataOutputStream(body);
        d.writeShort(version);
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        d.write(random);
        d.writeByte(0);
        d.writeShort(suites.length * 2);
        for (int s : suites) {
            d.writeShort(s);
        }
        d.writeByte(1);
        d.writeByte(0);
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        java.io.DataOutputStream e = new java.io.DataOutputStream(ext);
        int[] groups = {0x001d, 0x0017, 0x0018};
        e.writeShort(0x000a);
        e.writeShort(2 + groups.length * 2);
        e.writeShort(groups.length * 2);
        for (int g : groups) {
            e.writeShort(g);
        }
        e.writeShort(0x000b);
        e.writeShort(2);
        e.writeByte(1);
        e.writeByte(0);
        int[] sigs = {0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203};
        e.writeShort(0x000d);
        e.writeShort(2 + sigs.length * 2);
        e.writeShort(sigs.length * 2);
        for (int g : sigs) {
            e.writeShort(g);
        }
        e.writeShort(0xff01);
        e.writeShort(1);
        e.writeByte(0);
        d.writeShort(ext.size());
        d.write(ext.toByteArray());
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(new byte[] {22, 3, 1, (byte) ((b.length + 4) >> 8), (byte) (b.length + 4), 1, 0,
                (byte) (b.length >> 8), (byte) b.length});
        record.write(b);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(record.toByteArray());
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] head;
            try {
                head = in.readNBytes(11);
            } catch (java.net.SocketException reset) {
                return 0;
            }
            if (head.length >= 7 && head[0] == 21) {
                return -(head[6] & 0xff);
            }
            if (head.length == 11 && head[0] == 22 && head[5] == 2) {
                return ((head[9] & 0xff) << 8) | (head[10] & 0xff);
            }
            return 0;
        }
    }

    /** T1: SSL 3.0, TLS 1.0 and 1.1 are refused by the server itself, not only by a modern client. */
    @Test
    void tls_legacyProtocolsAndWeakCipherSuites_areRefusedByTheServer() throws Exception {
        var ca = TestCerts.ca(dir.resolve("pki"), "ca", TestCerts.KeyForm.EC_SEC1);
        var server = TestCerts.server(dir.resolve("pki"), ca, TestCerts.KeyForm.EC_SEC1);
        int[] strong = {0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA9};
        int[] legacy = {0xC009, 0xC00A, 0xC013, 0xC014, 0x002F, 0x0035, 0x000A};
        try (HttpApi tls = tlsApi(ca, server, false)) {
            // control: the hand-made hello is good enough for TLS 1.2 with a strong suite
            assertThat(hello(tls.port(), 0x0303, strong)).isEqualTo(0x0303);
            for (int v : new int[] {0x0300, 0x0301, 0x0302}) {
                int[] suites = java.util.stream.IntStream.concat(java.util.Arrays.stream(strong),
                        java.util.Arrays.stream(legacy)).toArray();
                assertThat(hello(tls.port(), v, suites)).as("version 0x%04x", v).isLessThanOrEqualTo(0);
            }
            // each weak suite alone, at TLS 1.2: export, NULL, anonymous, RC4, DES, 3DES, static RSA
            // (no forward secrecy), CBC with SHA-1
            int[] weak = {0x0003, 0x0008, 0x0001, 0x0002, 0x003B, 0xC006, 0xC010, 0x0018, 0x0034, 0x006C, 0xC018,
                    0x0004, 0x0005, 0xC011, 0xC007, 0x0009, 0x000A, 0xC012, 0xC008, 0x002F, 0x0035, 0x003C, 0x009C,
                    0x009D, 0xC013, 0xC009};
            for (int w : weak) {
                assertThat(hello(tls.port(), 0x0303, w)).as("suite 0x%04x", w).isLessThanOrEqualTo(0);
            }
        }
    }

    /**
     * T2: with {@code verify_https_client}: an expired client certificate, one not valid yet, one
     * made for servers only, and one from another CA are all refused in the handshake; the good
     * one passes, and the ACL gate still applies behind TLS (no token: 403).
     */
    @Test
    void tls_verifyHttpsClient_refusesExpiredFutureServerOnlyAndForeignCertificates() throws Exception {
        Path pki = dir.resolve("pki");
        var ca = TestCerts.ca(pki, "ca", TestCerts.KeyForm.EC_SEC1);
        var server = TestCerts.server(pki, ca, TestCerts.KeyForm.EC_SEC1);
        java.time.Instant now = java.time.Instant.now();
        var good = TestCerts.client(pki, "good", ca, TestCerts.KeyForm.EC_SEC1);
        var expired = TestCerts.client(pki, "expired", ca, TestCerts.KeyForm.EC_SEC1,
                now.minus(java.time.Duration.ofDays(2)), now.minus(java.time.Duration.ofDays(1)));
        var future = TestCerts.client(pki, "future", ca, TestCerts.KeyForm.EC_SEC1,
                now.plus(java.time.Duration.ofDays(1)), now.plus(java.time.Duration.ofDays(2)));
        var serverOnly = TestCerts.serverOnly(pki, "srvonly", ca, TestCerts.KeyForm.EC_SEC1);
        var rogueCa = TestCerts.ca(pki.resolve("rogue"), "ca", TestCerts.KeyForm.EC_SEC1);
        var rogue = TestCerts.client(pki.resolve("rogue"), "rogue", rogueCa, TestCerts.KeyForm.EC_SEC1);
        try (HttpApi tls = tlsApi(ca, server, true)) {
            java.net.URI jobs = tls.address().resolve("/v1/jobs");
            for (var bad : List.of(expired, future, serverOnly, rogue)) {
                try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .sslContext(TestCerts.clientContext(ca, bad)).build()) {
                    Throwable refused = null;
                    try {
                        c.send(HttpRequest.newBuilder(jobs).header("X-Nomad-Token", mgmt).build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        refused = e;
                    }
                    assertThat(refused).as(bad.certFile().toString()).isNotNull();
                }
            }
            // HTTP/2 asked through ALPN is answered in HTTP/1.1, and the gate still applies
            try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                    .sslContext(TestCerts.clientContext(ca, good)).build()) {
                HttpResponse<String> anon = c.send(HttpRequest.newBuilder(jobs).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(anon.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
                assertThat(anon.statusCode()).isEqualTo(403);
                assertThat(c.send(HttpRequest.newBuilder(jobs).header("X-Nomad-Token", mgmt).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
        }
    }
}
