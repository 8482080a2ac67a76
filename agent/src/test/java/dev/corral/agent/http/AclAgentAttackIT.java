package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.agent.Agent;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.acl.AclService;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the ACL layer that need the real agent behind the API (its job validation, its HCL
 * parser, its data dir): a job smuggled into another namespace, agent files read through the
 * parse endpoint, the store's file modes. Root because the agent is; no task is started.
 */
@Tag("root")
class AclAgentAttackIT {
    private static final ObjectMapper JSON = NomadJson.mapper();

    @TempDir
    Path dir;
    private Agent agent;
    private AgentBackend backend;
    private HttpApi api;
    private String cgroup;
    private String mgmt;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
        backend = new AgentBackend(agent);
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry(),
                new HttpSecurity(new AclService(agent.store()), null)).start();
        mgmt = JSON.readTree(send("POST", "/v1/acl/bootstrap", null, null).body()).get("SecretID").asText();
    }

    @AfterEach
    void stop() throws Exception {
        http.shutdownNow();
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

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(api.address().resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Nomad-Token", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String clientToken(String rules) throws Exception {
        assertThat(send("POST", "/v1/acl/policy/p", mgmt, JSON.writeValueAsString(Map.of("Name", "p", "Rules", rules)))
                .statusCode()).isEqualTo(200);
        return JSON.readTree(send("POST", "/v1/acl/token", mgmt, JSON.writeValueAsString(
                Map.of("Name", "t", "Type", "client", "Policies", List.of("p")))).body()).get("SecretID").asText();
    }

    private static String job(String namespace) {
        return """
                {"Job": {"ID": "smuggled", "Namespace": "%s", "Type": "batch", "Datacenters": ["dc1"],
                  "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "exec",
                    "Config": {"command": "/bin/true"}}]}]}}
                """.formatted(namespace);
    }

    /**
     * A writer of {@code default} puts {@code "Namespace": "prod"} in the job body (the gate checked
     * {@code default}); even management cannot make a job live outside {@code default}, where the
     * gate would not look.
     */
    @Test
    void jobInAnotherNamespace_isRefusedLikeANonexistentNamespace() throws Exception {
        String writer = clientToken("namespace \"default\" { policy = \"write\" }");
        for (String token : List.of(writer, mgmt)) {
            for (String path : List.of("/v1/jobs", "/v1/job/smuggled", "/v1/job/smuggled/plan")) {
                HttpResponse<String> r = send("POST", path, token, job("prod"));
                assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(400);
                assertThat(r.body()).contains("job \"smuggled\" is in nonexistent namespace \"prod\"");
            }
        }
        assertThat(send("POST", "/v1/jobs?namespace=prod", writer, job("prod")).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/v1/jobs?namespace=prod", mgmt, job("prod")).statusCode()).isEqualTo(400);
        assertThat(agent.jobs()).isEmpty();
    }

    /**
     * {@code /v1/jobs/parse} needs only {@code parse-job}, part of {@code policy = "read"}: the HCL
     * functions that read files must not read the agent's (root's) files for it.
     */
    @Test
    void parseEndpoint_neverReadsAgentFiles_notEvenThroughVariables() throws Exception {
        String reader = clientToken("namespace \"default\" { policy = \"read\" }");
        Files.writeString(dir.resolve("agent-secret.txt"), "agent-secret-content");
        String secretFile = dir.resolve("agent-secret.txt").toString();
        String group = "group \"g\" {\n task \"t\" {\n driver = \"exec\"\n config {\n command = \"/bin/true\"\n }\n }\n }";
        for (String call : List.of("file(\"" + secretFile + "\")", "filebase64(\"" + secretFile + "\")",
                "tostring(fileexists(\"" + secretFile + "\"))", "join(\",\", fileset(\"" + dir + "\", \"*\"))",
                "file(\"/etc/shadow\")", "file(\"/proc/self/environ\")")) {
            String hcl = "job \"x\" {\n meta {\n s = " + call + "\n }\n " + group + "\n}\n";
            HttpResponse<String> r = send("POST", "/v1/jobs/parse", reader,
                    JSON.writeValueAsString(Map.of("JobHCL", hcl)));
            assertThat(r.statusCode()).as(call + " " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains("file functions are not available").doesNotContain("agent-secret-content")
                    .doesNotContain("root:").doesNotContain("agent-secret.txt,");
            String viaVar = "variable \"v\" {\n type = string\n default = " + call + "\n}\njob \"x\" {\n meta {\n s = var.v\n }\n "
                    + group + "\n}\n";
            HttpResponse<String> v = send("POST", "/v1/jobs/parse", reader,
                    JSON.writeValueAsString(Map.of("JobHCL", viaVar, "Variables", "v = " + call + "\n")));
            assertThat(v.statusCode()).as("variable " + call + " " + v.body()).isEqualTo(400);
            assertThat(v.body()).doesNotContain("agent-secret-content").doesNotContain("root:");
        }
    }

    /** The agent's store (jobs with their env values, the ACL tables) is readable by its owner only. */
    @Test
    void agentStore_isOwnerOnly() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("state.db")).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString())
                        .isEqualTo("rw-------");
            }
        }
        assertThat(dir.resolve("state.db")).exists();
    }
}
