package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.AgentFixture;
import dev.corral.agent.config.AgentConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a real agent started the way {@code corral agent} starts it (agent + HTTP API
 * on 127.0.0.1, port 0): job run -> status -> logs -> exec -> signal -> alloc status -> stop,
 * with an HCL job file and {@code -var}.
 */
@Tag("root")
class CliIT {
    @TempDir
    Path dir;
    private AgentCommand.Running agent;
    private String cgroup;
    private String address;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        AgentConfig c = AgentFixture.config(dir.resolve("data"), "", cgroup);
        c = new AgentConfig(c.dataDir(), "127.0.0.1", new AgentConfig.Ports(0, c.ports().rpc(), c.ports().serf()),
                c.name(), c.datacenter(), c.region(), c.logLevel(), c.logJson(), c.client(), c.plugins(), c.dev());
        agent = AgentCommand.start(c);
        address = agent.api().address().toString();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            try {
                AgentFixture.stopAll(agent.agent());
            } finally {
                agent.close();
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private Result corral(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> full = new ArrayList<>(List.of(args));
        full.add(full.getFirst().equals("agent-info") ? 1 : 2, "-address=" + address);
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

    @Test
    void run_status_logs_exec_signal_stop_againstARealAgent() throws Exception {
        Path job = dir.resolve("greeter.nomad.hcl");
        Files.writeString(job, """
                variable "greeting" {
                  type    = string
                  default = "hello"
                }

                job "greeter" {
                  datacenters = ["dc1"]
                  group "g" {
                    task "greet" {
                      driver = "exec"
                      config {
                        command = "/bin/sh"
                        args    = ["-c", "echo ${var.greeting} from $NOMAD_TASK_NAME; trap 'echo got USR1' USR1; while :; do sleep 0.2; done"]
                      }
                      resources {
                        cpu    = 100
                        memory = 64
                      }
                    }
                  }
                }
                """);
        Result validate = corral("job", "validate", job.toString());
        assertThat(validate.out()).as(validate.err()).contains("Job validation successful");

        Result run = corral("job", "run", "-var", "greeting=howdy", job.toString());
        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Monitoring evaluation").contains("Evaluation triggered by job \"greeter\"")
                .contains("finished with status \"complete\"").contains("status changed: \"pending\" -> \"running\"")
                .contains("Allocations started").doesNotContain("\"pending\" -> \"pending\"");
        Matcher m = Pattern.compile("Allocation \"([0-9a-f]{8})\" created").matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        String alloc = m.group(1);

        Result status = corral("job", "status", "greeter");
        assertThat(status.out()).contains("ID            = greeter").contains("Status        = running")
                .containsPattern("g +0 +0 +1 +0 +0 +0 +0").contains(alloc);

        // the first log line may land a moment after the task state turns running: follow until it is there
        Result logs = awaitOutput(() -> corral("alloc", "logs", alloc), "howdy from greet\n");
        assertThat(logs.out()).isEqualTo("howdy from greet\n");

        Result exec = corral("alloc", "exec", "-i=false", alloc, "/bin/sh", "-c", "id -un; exit 3");
        assertThat(exec.out()).as(exec.err()).isEqualTo("nobody\n");
        assertThat(exec.code()).isEqualTo(3);

        Result signal = corral("alloc", "signal", "-s", "SIGUSR1", alloc, "greet");
        assertThat(signal.code()).as(signal.err()).isZero();
        Result afterSignal = awaitOutput(() -> corral("alloc", "logs", alloc, "greet"), "got USR1\n");
        assertThat(afterSignal.out()).endsWith("got USR1\n");

        Result as = corral("alloc", "status", "-stats", alloc);
        assertThat(as.out()).contains("Client Status       = running").contains("Task \"greet\" is \"running\"")
                .contains("Signaling").contains("Started").contains("Memory Stats").contains("CPU Stats");

        Result nodes = corral("node", "status", "-self", "-verbose");
        assertThat(nodes.out()).contains("Drivers      = exec").contains("driver.exec");

        Result plan = corral("job", "plan", "-var", "greeting=hi", job.toString());
        assertThat(plan.code()).as(plan.out() + plan.err()).isEqualTo(1);
        assertThat(plan.out()).contains("+/- Job: \"greeter\"").contains("+/- Task: \"greet\"")
                .contains("Scheduler dry-run:").contains("Job Modify Index: ");
        Result same = corral("job", "plan", "-var", "greeting=howdy", job.toString());
        assertThat(same.code()).as(same.out() + same.err()).isZero();

        Result inspect = corral("job", "inspect", "gree");
        assertThat(inspect.out()).startsWith("{\n  \"Job\" : {").contains("\"ID\" : \"greeter\"");

        Result restart = corral("alloc", "restart", alloc);
        assertThat(restart.code()).as(restart.err()).isZero();

        Result stop = corral("job", "stop", "greeter");
        assertThat(stop.code()).as(stop.err()).isZero();
        assertThat(stop.out()).contains("finished with status \"complete\"");
        Result stopped = corral("job", "status", "greeter");
        assertThat(stopped.out()).contains("Status        = dead");
    }

    private static Result awaitOutput(java.util.function.Supplier<Result> cmd, String suffix) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Result r = cmd.get();
        while (!r.out().endsWith(suffix) && System.nanoTime() < deadline) {
            // re-run the command: the agent has no change index for log bytes
            Thread.onSpinWait();
            r = cmd.get();
        }
        return r;
    }
}
