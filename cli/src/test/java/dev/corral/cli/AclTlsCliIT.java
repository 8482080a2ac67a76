package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.acl.AclService;
import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.http.HttpApi;
import dev.corral.agent.http.HttpSecurity;
import dev.corral.agent.http.InMemoryBackend;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.tls.TestCerts;
import dev.corral.agent.tls.TestCerts.KeyForm;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against an agent with ACLs and HTTPS that requires client certificates: every command
 * goes over TLS with {@code -ca-cert}/{@code -client-cert}/{@code -client-key} and sends its token.
 */
class AclTlsCliIT {
    private static final Pattern SECRET = Pattern.compile("Secret ID\\s+= ([0-9a-f-]{36})");
    private static final Pattern ACCESSOR = Pattern.compile("Accessor ID\\s+= ([0-9a-f-]{36})");

    @TempDir
    Path tmp;
    private StateStore store;
    private HttpApi api;
    private TestCerts.Issued ca;
    private TestCerts.Issued client;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        ca = TestCerts.ca(tmp.resolve("tls"), "ca", KeyForm.EC_SEC1);
        var server = TestCerts.server(tmp.resolve("tls"), ca, KeyForm.EC_SEC1);
        client = TestCerts.client(tmp.resolve("tls"), "cli", ca, KeyForm.RSA_PKCS1);
        store = StateStore.open(tmp.resolve("state.db"));
        api = new HttpApi(new InMemoryBackend(tmp.resolve("allocs")), new InetSocketAddress("127.0.0.1", 0),
                new PrometheusRegistry(), new HttpSecurity(new AclService(store), new AgentConfig.Tls(true,
                        server.certFile(), server.keyFile(), ca.certFile(), true, "tls12"))).start();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        store.close();
    }

    /** Runs {@code corral <path...> <TLS flags> <args...>}. */
    private Result corral(List<String> path, String... args) {
        List<String> full = new ArrayList<>(path);
        full.addAll(List.of("-address=" + api.address(), "-ca-cert=" + ca.certFile(),
                "-client-cert=" + client.certFile(), "-client-key=" + client.keyFile()));
        full.addAll(List.of(args));
        return raw(full);
    }

    private static Result raw(List<String> args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] argv = args.toArray(String[]::new);
            int code = Main.commandLine(argv).execute(argv);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return m.group(1);
    }

    @Test
    void aclCommands_endToEnd_overMutualTls() throws Exception {
        Result boot = corral(List.of("acl", "bootstrap"));
        assertThat(boot.code()).as(boot.err()).isZero();
        assertThat(boot.out()).contains("Name         = Bootstrap Token").contains("Type         = management")
                .contains("Policies     = n/a");
        String mgmt = find(SECRET, boot.out());
        Result again = corral(List.of("acl", "bootstrap"));
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("400").contains("ACL bootstrap already done");

        Result anonymous = corral(List.of("job", "status"));
        assertThat(anonymous.code()).isEqualTo(1);
        assertThat(anonymous.err()).isEqualTo("Error: Unexpected response code: 403 (Permission denied)\n");

        Path rules = Files.writeString(tmp.resolve("readonly.hcl"), "namespace \"default\" {\n  policy = \"read\"\n}\n");
        Result apply = corral(List.of("acl", "policy", "apply"), "-token=" + mgmt, "-description=Read jobs",
                "readonly", rules.toString());
        assertThat(apply.out()).as(apply.err()).isEqualTo("Successfully wrote \"readonly\" ACL policy!\n");
        assertThat(corral(List.of("acl", "policy", "list"), "-token=" + mgmt).out())
                .isEqualTo("Name      Description\nreadonly  Read jobs\n");
        assertThat(corral(List.of("acl", "policy", "info"), "-token=" + mgmt, "readonly").out())
                .contains("Name        = readonly").contains("Rules\n\nnamespace \"default\" {\n  policy = \"read\"\n}");

        Result created = corral(List.of("acl", "token", "create"), "-token=" + mgmt, "-name=reader",
                "-policy=readonly");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out()).contains("Type         = client").contains("Policies     = [readonly]");
        String reader = find(SECRET, created.out());
        String readerAccessor = find(ACCESSOR, created.out());

        Result list = corral(List.of("acl", "token", "list"), "-token=" + mgmt);
        assertThat(list.out()).startsWith("Name").contains("Bootstrap Token  management  true")
                .contains("reader").contains(readerAccessor).doesNotContain(reader);
        Result self = corral(List.of("acl", "token", "self"), "-token=" + reader);
        assertThat(self.out()).contains("Name         = reader")
                .contains("Secret ID    = <hidden: shown once, when the token was created>");
        assertThat(corral(List.of("acl", "token", "list"), "-token=" + reader).err()).contains("403");

        Path job = Files.writeString(tmp.resolve("web.json"), """
                {"Job": {"ID": "web", "Name": "web", "Type": "service", "Datacenters": ["dc1"],
                  "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "exec",
                    "Config": {"command": "/bin/sh"}, "Resources": {"CPU": 100, "MemoryMB": 64}}]}]}}
                """);
        Result denied = corral(List.of("job", "run"), "-token=" + reader, "-detach", job.toString());
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err()).contains("403").contains("Permission denied");
        Result run = corral(List.of("job", "run"), "-token=" + mgmt, "-detach", job.toString());
        assertThat(run.code()).as(run.err()).isZero();
        Result status = corral(List.of("job", "status"), "-token=" + reader);
        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains("web");

        assertThat(corral(List.of("acl", "token", "info"), "-token=" + mgmt, readerAccessor).out())
                .contains("Accessor ID  = " + readerAccessor);
        assertThat(corral(List.of("acl", "token", "delete"), "-token=" + mgmt, readerAccessor).out())
                .isEqualTo("Token " + readerAccessor + " successfully deleted\n");
        assertThat(corral(List.of("job", "status"), "-token=" + reader).err()).contains("403 (ACL token not found)");
        assertThat(corral(List.of("acl", "policy", "delete"), "-token=" + mgmt, "readonly").out())
                .isEqualTo("Successfully deleted \"readonly\" policy!\n");
    }

    @Test
    void tlsFlags_withoutCaOrClientCertificate_fail_skipVerifyTrustsAnyServer() throws Exception {
        String mgmt = find(SECRET, corral(List.of("acl", "bootstrap")).out());
        // no -ca-cert: the agent's certificate is not trusted
        Result untrusted = raw(List.of("acl", "token", "self", "-address=" + api.address(), "-token=" + mgmt,
                "-client-cert=" + client.certFile(), "-client-key=" + client.keyFile()));
        assertThat(untrusted.code()).isEqualTo(1);
        assertThat(untrusted.err()).contains("Error talking to the agent at https://");
        // no client certificate: the agent (verify_https_client) refuses the handshake
        Result noClientCert = raw(List.of("acl", "token", "self", "-address=" + api.address(), "-token=" + mgmt,
                "-ca-cert=" + ca.certFile()));
        assertThat(noClientCert.code()).isEqualTo(1);
        assertThat(noClientCert.err()).contains("Error talking to the agent");
        // -tls-skip-verify: any server certificate (and host name) is accepted
        Result skip = raw(List.of("acl", "token", "self", "-address=" + api.address(), "-token=" + mgmt,
                "-tls-skip-verify", "-client-cert=" + client.certFile(), "-client-key=" + client.keyFile()));
        assertThat(skip.code()).as(skip.err()).isZero();
        assertThat(skip.out()).contains("Bootstrap Token");
        Result half = raw(List.of("acl", "token", "self", "-address=" + api.address(),
                "-client-cert=" + client.certFile()));
        assertThat(half.err()).contains("-client-cert and -client-key go together");
    }

    @Test
    void environment_tokenAndTlsFilesLikeNomad_flagsWin() {
        var env = Map.of("NOMAD_TOKEN", "nomad-secret", "NOMAD_CACERT", "/ca.pem", "NOMAD_CLIENT_CERT", "/c.pem",
                "NOMAD_CLIENT_KEY", "/k.pem", "NOMAD_SKIP_VERIFY", "true");
        var fromEnv = ApiClient.Options.address(null).withEnv(env);
        assertThat(fromEnv).isEqualTo(new ApiClient.Options(null, "nomad-secret", Path.of("/ca.pem"),
                Path.of("/c.pem"), Path.of("/k.pem"), true));
        var corralFirst = ApiClient.Options.address(null).withEnv(Map.of("NOMAD_TOKEN", "n", "CORRAL_TOKEN", "c"));
        assertThat(corralFirst.token()).isEqualTo("c");
        var flags = new ApiClient.Options(null, "flag", Path.of("/f.pem"), null, null, false).withEnv(env);
        assertThat(flags.token()).isEqualTo("flag");
        assertThat(flags.caCert()).isEqualTo(Path.of("/f.pem"));
        assertThat(flags.skipVerify()).isFalse();
        assertThat(ApiClient.Options.address(null).withEnv(Map.of()).skipVerify()).isFalse();
    }

    @Test
    void devAgent_bindsLoopbackOnly() throws Exception {
        AgentCommand dev = new AgentCommand();
        new CommandLine(dev).parseArgs("-dev");
        AgentConfig c = dev.resolveConfig();
        assertThat(c.bindAddr()).isEqualTo("127.0.0.1");
        assertThat(java.net.InetAddress.getByName(c.bindAddr()).isLoopbackAddress()).isTrue();
        assertThat(c.acl().enabled()).isFalse();
        assertThat(c.tls().http()).isFalse();
    }

    /**
     * The real agent as {@code corral agent -config} starts it ({@link AgentCommand#start}): ACL
     * and TLS from the config file, the real store; the token outlives an agent restart.
     */
    @Test
    @org.junit.jupiter.api.Tag("root")
    void realAgent_fromConfigFile_aclAndTls_tokenSurvivesRestart() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.corral.agent.AgentFixture.isRoot(), "needs root");
        var serverCert = TestCerts.server(tmp.resolve("real"), ca, KeyForm.EC_SEC1);
        String cgroup = dev.corral.agent.AgentFixture.cgroupParent();
        Path config = Files.writeString(tmp.resolve("agent.hcl"), """
                data_dir = "%s"
                ports {
                  http = 0
                }
                client {
                  gc_interval = "1h"
                }
                plugin "exec" {
                  config {
                    cgroup_parent = "%s"
                  }
                }
                acl {
                  enabled = true
                }
                tls {
                  http                = true
                  cert_file           = "%s"
                  key_file            = "%s"
                  ca_file             = "%s"
                  verify_https_client = true
                }
                """.formatted(tmp.resolve("data"), cgroup, serverCert.certFile(), serverCert.keyFile(),
                ca.certFile()));
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("-config", config.toString());
        AgentConfig c = cmd.resolveConfig();
        try {
            String mgmt;
            try (AgentCommand.Running r = AgentCommand.start(c)) {
                api.close();
                api = r.api();
                assertThat(api.address().getScheme()).isEqualTo("https");
                mgmt = find(SECRET, corral(List.of("acl", "bootstrap")).out());
                Result denied = corral(List.of("node", "status"));
                assertThat(denied.err()).contains("403 (Permission denied)");
                Result nodes = corral(List.of("node", "status"), "-token=" + mgmt);
                assertThat(nodes.code()).as(nodes.err()).isZero();
                assertThat(nodes.out()).contains("ready");
            }
            try (AgentCommand.Running r = AgentCommand.start(c)) {
                api = r.api();
                assertThat(corral(List.of("node", "status"), "-token=" + mgmt).code()).isZero();
                assertThat(corral(List.of("acl", "bootstrap")).err()).contains("ACL bootstrap already done");
            }
            api = new HttpApi(new InMemoryBackend(tmp.resolve("allocs")), new InetSocketAddress("127.0.0.1", 0),
                    new PrometheusRegistry()).start(); // for @AfterEach
        } finally {
            dev.corral.agent.AgentFixture.removeCgroups(cgroup);
        }
    }
}
