package dev.corral.agent;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Lifecycle;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.logs.LogReader;
import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskEvent;
import dev.corral.agent.state.TaskStateRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real agent in this JVM with the real exec driver and sandbox: the runners end to end. */
@Tag("root")
class AgentRunnerIT {
    @TempDir
    Path dir;
    private Agent agent;
    private String cgroup;

    @BeforeEach
    void start() {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            try {
                AgentFixture.stopAll(agent);
            } finally {
                agent.close();
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private static Task sh(String name, String script) {
        return Task.exec(name, "/bin/sh", List.of("-c", script));
    }

    private List<String> types(String allocId, String task) {
        return agent.taskStates(allocId).get(task).events().stream().map(TaskEvent::type).toList();
    }

    @Test
    void batchJob_completes_withNomadEvents_andLogs() throws Exception {
        Job job = Job.of("hello", "batch", List.of(TaskGroup.of("g", 1,
                List.of(sh("t", "echo hello from $NOMAD_TASK_NAME in $NOMAD_ALLOC_NAME; exit 0")))));
        var resp = agent.registerJob(job);
        assertThat(agent.awaitEval(resp.evalId(), Duration.ofSeconds(30)).status()).isEqualTo("complete");
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "hello"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("complete"), "batch alloc complete").getFirst();
        assertThat(types(a.id(), "t")).containsExactly("Received", "Task Setup", "Started", "Terminated");
        TaskStateRecord st = agent.taskStates(a.id()).get("t");
        assertThat(st.events().getLast().displayMessage()).isEqualTo("Exit Code: 0");
        assertThat(st.state()).isEqualTo("dead");
        assertThat(st.failed()).isFalse();
        assertThat(st.restarts()).isZero();
        assertThat(AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT))
                .isEqualTo("hello from t in hello.g[0]\n");
        assertThat(agent.job("default", "hello").get().status()).isEqualTo("dead");
    }

    @Test
    void config_isEvaluatedAtStart_withFunctionsExpressionsAndNodeVariables() throws Exception {
        Task t = sh("t", "echo \"$@\"").withConfig(Map.of("command", "/bin/${lower(\"SH\")}", "args", List.of("-c",
                "echo \"$@\"", "x", "${upper(NOMAD_TASK_NAME)}", "${NOMAD_ALLOC_INDEX + 40}", "${attr.kernel.name}",
                "${node.unique.name}", "${env[\"NOMAD_JOB_ID\"]}", "$${HOME}")));
        Job job = Job.of("evaluated", "batch", List.of(TaskGroup.of("g", 1, List.of(t))));
        agent.registerJob(job);
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "evaluated"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("complete"), "batch alloc complete").getFirst();
        assertThat(AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT))
                .isEqualTo("T 40 linux " + agent.node().name() + " evaluated ${HOME}\n");
    }

    @Test
    void config_unknownVariable_failsValidation_namingTheField() throws Exception {
        Task t = sh("t", "true").withConfig(Map.of("command", "/bin/sh", "args", List.of("-c", "echo ${nope}")));
        agent.registerJob(Job.of("unknownvar", "service", List.of(TaskGroup.of("g", 1, List.of(t)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "unknownvar"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("failed"), "failed").getFirst();
        assertThat(agent.taskStates(a.id()).get("t").events().stream().map(TaskEvent::displayMessage).toList())
                .anyMatch(m -> m.startsWith("failed to parse config: config.args[1]: ") && m.contains("nope"));
        agent.stopJob("default", "unknownvar", true);
    }

    @Test
    void serviceTask_crash_isRestartedByPolicy_thenFailsWhenAttemptsRunOut() throws Exception {
        RestartPolicy p = new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofMillis(200), RestartPolicy.Mode.FAIL);
        Job job = Job.of("crashy", "service", List.of(TaskGroup.of("g", 1, List.of(sh("t", "exit 3"))).withRestart(p)));
        agent.registerJob(job);
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "crashy"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("failed"), "alloc failed").getFirst();
        TaskStateRecord st = agent.taskStates(a.id()).get("t");
        assertThat(st.restarts()).isEqualTo(1);
        assertThat(st.failed()).isTrue();
        List<String> display = st.events().stream().map(TaskEvent::displayMessage).toList();
        assertThat(display).contains("Exit Code: 3");
        assertThat(display.stream().filter(d -> d.startsWith("Task restarting in 2"))).hasSize(1);
        assertThat(display.getLast()).isEqualTo("Exceeded allowed attempts 1 in interval 10m0s and mode is \"fail\"");
    }

    @Test
    void stopJob_killsWithKillingTerminatedKilled() throws Exception {
        Job job = Job.of("sleeper", "service", List.of(TaskGroup.of("g", 2, List.of(
                sh("t", "trap 'exit 0' INT; while true; do sleep 0.1; done")))));
        agent.registerJob(job);
        List<AllocRecord> running = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "sleeper"),
                l -> l.size() == 2 && l.stream().allMatch(x -> x.clientStatus().equals("running")), "2 running");
        assertThat(running).extracting(AllocRecord::name).containsExactlyInAnyOrder("sleeper.g[0]", "sleeper.g[1]");
        agent.stopJob("default", "sleeper", false);
        await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "sleeper"),
                l -> l.stream().allMatch(x -> x.clientStatus().equals("complete")), "complete");
        for (AllocRecord a : running) {
            List<TaskEvent> evs = agent.taskStates(a.id()).get("t").events();
            assertThat(evs.stream().map(TaskEvent::type).toList()).endsWith("Killing", "Terminated", "Killed");
            assertThat(evs.get(evs.size() - 3).displayMessage()).isEqualTo("Sent interrupt. Waiting 5s before force killing");
            assertThat(evs.getLast().displayMessage()).isEqualTo("Task successfully killed");
            assertThat(agent.allocation(a.id()).get().desiredDescription()).isEqualTo("alloc not needed due to job update");
        }
        assertThat(agent.job("default", "sleeper").get().status()).isEqualTo("dead");
    }

    @Test
    void lifecycle_prestartRunsFirst_sidecarIsStoppedWhenMainTasksFinish() throws Exception {
        Task init = sh("init", "echo init >> /alloc/order").withLifecycle(new Lifecycle("prestart", false));
        Task side = sh("side", "trap 'exit 0' INT; while true; do sleep 0.1; done")
                .withLifecycle(new Lifecycle("prestart", true));
        Task main = sh("main", "cat /alloc/order; echo main >> /alloc/order");
        Task post = sh("post", "cat /alloc/order").withLifecycle(new Lifecycle("poststop", false));
        Job job = Job.of("lc", "batch", List.of(TaskGroup.of("g", 1, List.of(init, side, main, post))));
        agent.registerJob(job);
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "lc"),
                l -> !l.isEmpty() && l.getFirst().clientTerminal(), "lc terminal").getFirst();
        assertThat(a.clientStatus()).isEqualTo("complete");
        assertThat(AgentFixture.logs(agent, a.id(), "main", LogReader.Stream.STDOUT)).isEqualTo("init\n");
        assertThat(AgentFixture.logs(agent, a.id(), "post", LogReader.Stream.STDOUT)).isEqualTo("init\nmain\n");
        assertThat(types(a.id(), "side")).contains("Main Tasks Dead", "Terminated", "Killed");
    }

    @Test
    void artifacts_areFetchedIntoLocal_andAFailedDownloadFollowsTheRestartPolicy() throws Exception {
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hello.sh", ex -> {
            byte[] body = "echo fetched $NOMAD_JOB_ID\n".getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort();
            Task t = new Task("t", "exec", java.util.Map.of("command", "/bin/sh", "args", List.of("local/hello.sh")),
                    null, "", null, null, null, null, null, false, null, null, null, null,
                    List.of(java.util.Map.of("source", base + "/hello.sh")));
            agent.registerJob(Job.of("art", "batch", List.of(TaskGroup.of("g", 1, List.of(t)))));
            AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "art"),
                    l -> l.size() == 1 && l.getFirst().clientTerminal(), "art done").getFirst();
            assertThat(a.clientStatus()).isEqualTo("complete");
            assertThat(types(a.id(), "t")).containsExactly("Received", "Task Setup", "Downloading Artifacts", "Started",
                    "Terminated");
            assertThat(AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT)).isEqualTo("fetched art\n");

            RestartPolicy once = new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofMillis(100), RestartPolicy.Mode.FAIL);
            Task missing = new Task("t", "exec", java.util.Map.of("command", "/bin/true"), null, "", null, null, null,
                    null, null, false, null, null, null, null, List.of(java.util.Map.of("source", base + "/nope.sh")));
            agent.registerJob(Job.of("art404", "batch", List.of(TaskGroup.of("g", 1, List.of(missing)).withRestart(once))));
            AllocRecord f = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "art404"),
                    l -> l.size() == 1 && l.getFirst().clientTerminal(), "art404 done").getFirst();
            assertThat(f.clientStatus()).isEqualTo("failed");
            TaskStateRecord st = agent.taskStates(f.id()).get("t");
            assertThat(st.restarts()).isEqualTo(1);
            assertThat(st.events().stream().filter(e -> e.type().equals("Failed Artifact Download")))
                    .allMatch(e -> e.displayMessage().startsWith("failed to download artifact \"" + base + "/nope.sh\""))
                    .hasSize(2);
            assertThat(st.events().getLast().displayMessage())
                    .isEqualTo("Exceeded allowed attempts 1 in interval 10m0s and mode is \"fail\"");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void leaderDeath_killsTheGroup_withLeaderTaskDead() throws Exception {
        Task leader = sh("leader", "exit 0").withLeader(true);
        Task follower = sh("follower", "trap 'exit 0' INT; while true; do sleep 0.1; done");
        agent.registerJob(Job.of("lead", "batch", List.of(TaskGroup.of("g", 1, List.of(leader, follower)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "lead"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("complete"), "lead complete").getFirst();
        assertThat(types(a.id(), "follower")).endsWith("Leader Task Dead", "Terminated", "Killed");
        assertThat(agent.taskStates(a.id()).get("follower").failed()).isFalse();
    }

    @Test
    void stop_honoursShutdownDelayAndKillSignal() throws Exception {
        Task t = sh("t", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.1; done")
                .withKill(Duration.ofSeconds(3), "SIGTERM").withShutdownDelay(Duration.ofMillis(200));
        agent.registerJob(Job.of("term", "service", List.of(TaskGroup.of("g", 1, List.of(t)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "term"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("running"), "running").getFirst();
        agent.stopJob("default", "term", false);
        await(agent, Duration.ofSeconds(60), () -> agent.allocation(a.id()).get(), x -> x.clientStatus().equals("complete"),
                "complete");
        List<TaskEvent> evs = agent.taskStates(a.id()).get("t").events();
        assertThat(evs.stream().map(TaskEvent::type).toList())
                .endsWith("Killing", "Waiting for shutdown delay", "Terminated", "Killed");
        assertThat(evs.get(evs.size() - 4).displayMessage()).isEqualTo("Sent interrupt. Waiting 3s before force killing");
        assertThat(evs.get(evs.size() - 3).displayMessage())
                .isEqualTo("Waiting for shutdown_delay of 200ms before killing the task.");
        assertThat(evs.get(evs.size() - 2).displayMessage()).isEqualTo("Exit Code: 0");
        assertThat(AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT)).isEqualTo("got TERM\n");
    }

    @Test
    void signalAndRestart_reachTheRunningTask() throws Exception {
        Task t = sh("t", "trap 'echo hup' HUP; echo start; while true; do sleep 0.1; done");
        agent.registerJob(Job.of("sig", "service", List.of(TaskGroup.of("g", 1, List.of(t)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "sig"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("running"), "running").getFirst();
        long pid = agent.taskPids(a.id()).get("t");
        // "running" means exec'd: wait until the shell has set its trap (it echoes after) before signalling.
        await(agent, Duration.ofSeconds(30), () -> AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT),
                out -> out.contains("start"), "trap set");
        agent.signal(a.id(), "t", "SIGHUP");
        await(agent, Duration.ofSeconds(30), () -> AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT),
                out -> out.contains("hup"), "hup logged");
        agent.restart(a.id(), "t");
        TaskStateRecord st = await(agent, Duration.ofSeconds(60), () -> agent.taskStates(a.id()).get("t"),
                s -> s.restarts() == 1 && s.state().equals("running"), "restarted");
        assertThat(st.events().stream().map(TaskEvent::displayMessage).toList())
                .contains("Task being sent signal SIGHUP", "User requested task to restart", "Task restarting in 0s");
        assertThat(agent.taskPids(a.id()).get("t")).isNotEqualTo(pid);
        assertThat(await(agent, Duration.ofSeconds(30), () -> AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT),
                out -> out.split("\n").length >= 3, "second start logged")).isEqualTo("start\nhup\nstart\n");
    }

    @Test
    void deniedUser_failsValidation_withoutRestart() throws Exception {
        Task t = sh("t", "true").withUser("root");
        agent.registerJob(Job.of("asroot", "service", List.of(TaskGroup.of("g", 1, List.of(t)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "asroot"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("failed"), "failed").getFirst();
        List<TaskEvent> evs = agent.taskStates(a.id()).get("t").events();
        assertThat(evs.stream().map(TaskEvent::displayMessage).toList()).containsSubsequence(
                "validate: running as user \"root\" is disallowed", "Error was unrecoverable");
        agent.stopJob("default", "asroot", true);
    }

    @Test
    void failingTask_killsItsSiblings() throws Exception {
        RestartPolicy none = new RestartPolicy(0, Duration.ofMinutes(1), Duration.ofSeconds(1), RestartPolicy.Mode.FAIL);
        Task bad = sh("bad", "exit 1");
        Task good = sh("good", "trap 'exit 0' INT; while true; do sleep 0.1; done");
        Job job = Job.of("sib", "service", List.of(TaskGroup.of("g", 1, List.of(bad, good)).withRestart(none)));
        agent.registerJob(job);
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "sib"),
                l -> !l.isEmpty() && l.getFirst().clientStatus().equals("failed")
                        && agent.taskStates(l.getFirst().id()).values().stream().allMatch(s -> s.state().equals("dead")),
                "sib failed").getFirst();
        List<TaskEvent> evs = agent.taskStates(a.id()).get("good").events();
        assertThat(evs.stream().map(TaskEvent::displayMessage)).contains("Task's sibling \"bad\" failed");
        assertThat(agent.taskStates(a.id()).get("bad").events().getLast().displayMessage())
                .isEqualTo("Policy allows no restarts");
        agent.stopJob("default", "sib", true);
    }
}
