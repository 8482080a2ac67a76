package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.http.HttpApi;
import dev.corral.agent.http.InMemoryBackend;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands against the HTTP API over the in-memory backend: output shapes, exit
 * codes, prefix matching and errors. {@code CliIT} drives the same flow against a real agent.
 */
class CliTest {
    @TempDir
    Path tmp;
    private InMemoryBackend backend;
    private HttpApi api;
    private String address;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        backend = new InMemoryBackend(tmp.resolve("allocs"));
        api = new HttpApi(backend, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry()).start();
        address = api.address().toString();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
    }

    private Result corral(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> full = new ArrayList<>(List.of(args));
        // -address goes after the command path, as with nomad
        if (!List.of("agent", "plugin").contains(full.getFirst())) {
            int at = full.getFirst().equals("agent-info") ? 1
                    : full.getFirst().equals("acl") && full.size() > 2 && List.of("token", "policy").contains(full.get(1))
                    ? 3 : 2;
            full.add(at, "-address=" + address);
        }
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] argv = full.toArray(String[]::new);
            int code = Main.commandLine(argv).execute(argv);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path jobFile() throws Exception {
        Path f = tmp.resolve("web.json");
        Files.writeString(f, """
                {"Job": {"ID": "web", "Name": "web", "Type": "service", "Datacenters": ["dc1"],
                  "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "exec",
                    "Config": {"command": "/bin/sh"}, "Resources": {"CPU": 100, "MemoryMB": 64}}]}]}}
                """);
        return f;
    }

    @Test
    void run_status_logs_exec_signal_stop() throws Exception {
        Result run = corral("job", "run", jobFile().toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("==> ").contains("Monitoring evaluation \"")
                .contains("Evaluation triggered by job \"web\"").contains("Allocation \"")
                .contains("created: node \"5a0c3b7e\", group \"g\"")
                .contains("finished with status \"complete\"").contains("Allocations started");
        Matcher m = Pattern.compile("Allocation \"([0-9a-f]{8})\" created").matcher(run.out());
        assertThat(m.find()).isTrue();
        String alloc = m.group(1);

        Result list = corral("job", "status");
        assertThat(list.out()).startsWith("ID   Type     Priority  Status   Submit Date\n")
                .contains("web  service  50        running");

        Result status = corral("job", "status", "we");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("ID            = web").contains("Summary").contains("Allocations")
                .containsPattern(alloc + "  5a0c3b7e  g +0 +run +running");

        Result as = corral("alloc", "status", alloc);
        assertThat(as.code()).as(as.err()).isZero();
        assertThat(as.out()).contains("Client Status       = running").contains("Task \"t\" is \"running\"")
                .contains("Recent Events:").contains("Started  Task started by client")
                .contains("1.0 MiB/64 MiB");

        Result logs = corral("alloc", "logs", alloc);
        assertThat(logs.out()).isEqualTo("hello from t\n");
        Result tail = corral("alloc", "logs", "-tail", "-n", "1", alloc, "t");
        assertThat(tail.out()).isEqualTo("hello from t\n");

        Result exec = corral("alloc", "exec", "-i=false", alloc, "sh", "-c", "echo exec-ok; exit 4");
        assertThat(exec.out()).as(exec.err() + " code " + exec.code()).isEqualTo("exec-ok\n");
        assertThat(exec.code()).isEqualTo(4);

        Result sig = corral("alloc", "signal", "-s", "HUP", alloc, "t");
        assertThat(sig.code()).isZero();
        assertThat(backend.signals).singleElement().asString().endsWith("/t/SIGHUP");

        Result stop = corral("job", "stop", "web");
        assertThat(stop.code()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("Monitoring evaluation").contains("finished with status \"complete\"");
        assertThat(corral("alloc", "status", alloc).out()).contains("Desired Status      = stop");
    }

    @Test
    void jsonOutput_inspect_nodeAndAgentInfo_gc() throws Exception {
        corral("job", "run", "-detach", jobFile().toString());
        Result inspect = corral("job", "inspect", "web");
        assertThat(inspect.out()).startsWith("{\n  \"Job\" : {").contains("\"ID\" : \"web\"");
        Result nodes = corral("node", "status");
        assertThat(nodes.out()).startsWith("ID        Node Pool  DC   Name       Class   Drain  Eligibility  Status\n")
                .contains("5a0c3b7e  default    dc1  test-node  <none>  false  eligible     ready");
        Result self = corral("node", "status", "-self", "-verbose");
        assertThat(self.out()).contains("Drivers      = exec").contains("driver.exec").contains("HTTP Address");
        Result info = corral("agent-info");
        assertThat(info.out()).contains("client\n  node_id = " + InMemoryBackend.NODE_ID);
        Result gc = corral("system", "gc");
        assertThat(gc.code()).isZero();
        Result json = corral("job", "status", "-json");
        assertThat(json.out()).contains("\"ID\" : \"web\"");
    }

    @Test
    void errors_haveNomadWordingAndExitCodes() throws Exception {
        Result none = corral("alloc", "status", "ffff");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("No allocation(s) with prefix or id \"ffff\" found");
        Result shortId = corral("alloc", "status", "f");
        assertThat(shortId.err()).contains("at least two characters");
        Result noJob = corral("job", "status", "nope");
        assertThat(noJob.code()).isEqualTo(1);
        assertThat(noJob.err()).contains("No job(s) with prefix or ID \"nope\" found");
        Result noFile = corral("job", "run", tmp.resolve("missing.hcl").toString());
        assertThat(noFile.code()).isEqualTo(1);
        assertThat(noFile.err()).contains("no such file").doesNotContain("Exception");
        api.close();
        Result down = corral("job", "status");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("Error").contains("connection refused").doesNotContain("\tat ");
        Result usage = corral("job", "stop");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("Missing required parameter");
    }

    @Test
    void help_isThereForEveryCommand() {
        for (String[] cmd : new String[][] {{"job", "run"}, {"job", "status"}, {"job", "stop"}, {"job", "validate"},
                {"job", "inspect"}, {"job", "plan"}, {"alloc", "status"}, {"alloc", "logs"}, {"alloc", "exec"},
                {"alloc", "signal"}, {"alloc", "stop"}, {"alloc", "restart"}, {"node", "status"}, {"agent-info"},
                {"system", "gc"}, {"agent"}, {"plugin"}, {"acl", "bootstrap"}, {"acl", "token", "create"},
                {"acl", "token", "list"}, {"acl", "token", "info"}, {"acl", "token", "self"},
                {"acl", "token", "delete"}, {"acl", "policy", "apply"}, {"acl", "policy", "list"},
                {"acl", "policy", "info"}, {"acl", "policy", "delete"}}) {
            List<String> args = new ArrayList<>(List.of(cmd));
            args.add("-help");
            Result r = corral(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).as(String.join(" ", cmd)).startsWith("Usage: corral " + String.join(" ", cmd));
        }
    }
}
