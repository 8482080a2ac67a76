package dev.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.TaskEvent;
import dev.corral.agent.state.TaskStateRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent in a separate JVM, killed with SIGKILL and started again: tasks keep running under
 * their sandboxes, the new agent reattaches to the same pids, delivers exits that happened while
 * it was down, and never starts a duplicate.
 */
@Tag("root")
class AgentRecoveryIT {
    @TempDir
    Path dir;
    private String cgroup;
    private AgentProcess agent;
    private StateStore view;
    private final List<String> jobs = new ArrayList<>();

    private AgentProcess startAgent() throws Exception {
        Path cfg = dir.resolve("agent.hcl");
        if (!Files.exists(cfg)) {
            Files.writeString(cfg, "data_dir = \"" + dir.resolve("data") + "\"\n"
                    + "client {\n  gc_interval = \"1h\"\n}\n"
                    + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroup + "\"\n  }\n}\n");
        }
        return new AgentProcess(cfg, dir.resolve("agent.log"));
    }

    private StateStore view() {
        if (view == null) {
            view = StateStore.open(dir.resolve("data").resolve("state.db"));
        }
        return view;
    }

    private static <T> T await(Duration max, Supplier<T> value, Predicate<T> cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            T v = value.get();
            if (cond.test(v)) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last: " + v);
            }
            // Another process writes the store: poll it (this test's only clock-based wait).
            Thread.sleep(50);
        }
    }

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null && agent.process.isAlive()) {
                for (String j : jobs) {
                    agent.call("stop " + j);
                }
                await(Duration.ofSeconds(60), () -> view().allocs(), l -> l.stream().allMatch(AllocRecord::clientTerminal),
                        "all stopped");
                agent.in.close();
                agent.process.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            if (agent != null) {
                agent.process.destroyForcibly();
            }
            for (String j : jobs) {
                HostProcesses.killJob(j);
            }
            if (view != null) {
                view.close();
            }
            if (cgroup != null) {
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    /** The sandbox pid the running agent tracks for task "t" of the allocation, once it has one. */
    private long attachedPid(String allocId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            var node = Json.mapper().readTree(agent.call("pids " + allocId)).get("t");
            if (node != null) {
                return node.asLong();
            }
            assertThat(System.nanoTime()).as("task of %s reattached in time", allocId).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private Map<String, Long> handlePids() {
        Map<String, Long> out = new HashMap<>();
        for (HandleRecord h : view().handles()) {
            if (h.version() > 0) {
                try {
                    out.put(h.allocId(), Json.mapper().readTree(h.json()).get("sandbox_pid").asLong());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return out;
    }

    private List<AllocRecord> running(String job) {
        return view().allocsForJob("default", job).stream().filter(a -> a.clientStatus().equals("running")).toList();
    }

    private static List<Long> numbers(String log) {
        return log.lines().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    }

    private String stdout(String allocId) throws IOException {
        Path logs = dir.resolve("data").resolve("alloc").resolve(allocId).resolve("alloc").resolve("logs");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; Files.exists(logs.resolve("t.stdout." + i)); i++) {
            sb.append(Files.readString(logs.resolve("t.stdout." + i)));
        }
        return sb.toString();
    }

    private static void assertConsecutiveRuns(List<Long> ns, int expectedRuns) {
        int runs = 0;
        for (int i = 0; i < ns.size(); i++) {
            if (ns.get(i) == 0) {
                runs++;
            } else {
                assertThat(ns.get(i)).as("line %d follows %d", i, ns.get(i - 1)).isEqualTo(ns.get(i - 1) + 1);
            }
        }
        assertThat(runs).isEqualTo(expectedRuns);
    }

    @Test
    void serviceCount3_survivesTaskCrash_andAgentKill9_samePids_noDuplicates_noLogGaps() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        String jobId = "counter-" + cgroup.substring(cgroup.length() - 8);
        jobs.add(jobId);
        agent = startAgent();
        RestartPolicy fast = new RestartPolicy(3, Duration.ofMinutes(30), Duration.ofMillis(300), RestartPolicy.Mode.FAIL);
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done"));
        Job job = Job.of(jobId, "service", List.of(TaskGroup.of("g", 3, List.of(t)).withRestart(fast)));
        agent.call("register " + Json.write(job));
        List<AllocRecord> allocs = await(Duration.ofSeconds(60), () -> running(jobId), l -> l.size() == 3, "3 running");

        // 1. A task crash is handled by the restart policy, in the same allocation.
        AllocRecord crashed = allocs.getFirst();
        assertThat(HostProcesses.crashTask(crashed.id())).isPositive();
        await(Duration.ofSeconds(60), () -> view().taskStates(crashed.id()).get("t"),
                s -> s.restarts() == 1 && s.state().equals("running"), "crashed task restarted");
        TaskStateRecord cs = view().taskStates(crashed.id()).get("t");
        assertThat(cs.events().stream().map(TaskEvent::displayMessage).toList())
                .contains("Exit Code: 137, Signal: 9").anyMatch(m -> m.startsWith("Task restarting in"));
        await(Duration.ofSeconds(30), () -> running(jobId), l -> l.size() == 3, "3 running after the crash");
        Map<String, Long> pidsBefore = await(Duration.ofSeconds(30), this::handlePids, m -> m.size() == 3, "3 handles");

        // 2. kill -9 the agent; the tasks keep running and keep logging while it is down.
        agent.kill9();
        for (AllocRecord a : allocs) {
            assertThat(ProcessHandle.of(pidsBefore.get(a.id())).map(ProcessHandle::isAlive)).contains(true);
        }
        Map<String, Integer> lenAtKill = new HashMap<>();
        for (AllocRecord a : allocs) {
            lenAtKill.put(a.id(), stdout(a.id()).length());
        }
        for (AllocRecord a : allocs) {
            await(Duration.ofSeconds(10), () -> {
                try {
                    return stdout(a.id()).length();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, n -> n > lenAtKill.get(a.id()) + 20, "task logs while the agent is down");
        }

        // 3. Restart: same pids, no new allocations, no duplicate sandboxes.
        agent = startAgent();
        for (AllocRecord a : allocs) {
            // Reattaching runs on each task runner's thread, right after the agent started.
            assertThat(attachedPid(a.id())).isEqualTo(pidsBefore.get(a.id()));
        }
        assertThat(view().allocsForJob("default", jobId)).hasSize(3);
        assertThat(running(jobId)).hasSize(3);
        assertThat(HostProcesses.withEnv("NOMAD_JOB_ID=" + jobId).stream().filter(p -> p.has("NOMAD_TASK_NAME=t"))
                .filter(HostProcesses.Proc::sandbox).map(HostProcesses.Proc::pid).filter(pidsBefore::containsValue)
                .distinct().count()).isEqualTo(3);
        long sandboxA = HostProcesses.withEnv("NOMAD_JOB_ID=" + jobId).stream()
                .filter(p -> p.sandbox() && ProcessHandle.of(p.pid()).flatMap(ProcessHandle::parent)
                        .map(pp -> !pp.info().command().orElse("").contains("corral-sandbox")).orElse(true))
                .count();
        assertThat(sandboxA).as("one outer sandbox process per task").isEqualTo(3);

        // 4. A task that dies while the agent is down: its exit is delivered after the restart.
        agent.kill9();
        AllocRecord victim = allocs.get(1);
        long victimPid = pidsBefore.get(victim.id());
        assertThat(HostProcesses.crashTask(victim.id())).isPositive();
        await(Duration.ofSeconds(30), () -> ProcessHandle.of(victimPid).map(ProcessHandle::isAlive).orElse(false),
                alive -> !alive, "victim sandbox exited");
        agent = startAgent();
        TaskStateRecord vs = await(Duration.ofSeconds(60), () -> view().taskStates(victim.id()).get("t"),
                s -> s.restarts() == 1 && s.state().equals("running"), "victim restarted after agent restart");
        assertThat(vs.events().stream().map(TaskEvent::displayMessage).toList()).contains("Exit Code: 137, Signal: 9");
        assertThat(attachedPid(victim.id())).isNotEqualTo(victimPid);
        assertThat(view().allocsForJob("default", jobId)).hasSize(3);

        // 5. Logs: no gaps across the agent restarts; one new run per task restart.
        AllocRecord steady = allocs.get(2);
        assertConsecutiveRuns(numbers(stdout(steady.id())), 1);
        assertConsecutiveRuns(numbers(stdout(crashed.id())), 2);
        assertConsecutiveRuns(numbers(stdout(victim.id())), 2);
        assertThat(view().integrityCheck()).isEqualTo("ok");
    }

    @Test
    void agentKilledDuringRestartDelay_resumesTheDelay_andStartsTheTaskOnce() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        String jobId = "delay-" + cgroup.substring(cgroup.length() - 8);
        jobs.add(jobId);
        agent = startAgent();
        RestartPolicy slow = new RestartPolicy(2, Duration.ofMinutes(30), Duration.ofSeconds(3), RestartPolicy.Mode.FAIL);
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' INT; while true; do sleep 0.1; done"));
        agent.call("register " + Json.write(Job.of(jobId, "service", List.of(TaskGroup.of("g", 1, List.of(t)).withRestart(slow)))));
        AllocRecord a = await(Duration.ofSeconds(60), () -> running(jobId), l -> l.size() == 1, "running").getFirst();
        assertThat(HostProcesses.crashTask(a.id())).isPositive();
        TaskStateRecord waiting = await(Duration.ofSeconds(30), () -> view().taskStates(a.id()).get("t"),
                s -> s.state().equals("pending") && s.events().getLast().type().equals("Restarting"), "restart delay");
        agent.kill9();
        TaskEvent restarting = waiting.events().getLast();
        long dueNs = restarting.timeNs() + Long.parseLong(restarting.details().get("start_delay"));
        agent = startAgent();
        TaskStateRecord st = await(Duration.ofSeconds(60), () -> view().taskStates(a.id()).get("t"),
                s -> s.state().equals("running"), "running after the delay");
        TaskEvent started = st.events().getLast();
        assertThat(started.type()).isEqualTo("Started");
        assertThat(started.timeNs()).as("the restart waited for the rest of its delay").isGreaterThanOrEqualTo(dueNs);
        assertThat(st.restarts()).isEqualTo(1);
        assertThat(st.events().stream().filter(e -> e.type().equals("Started"))).hasSize(2);
        long pid = attachedPid(a.id());
        assertThat(HostProcesses.withEnv("NOMAD_ALLOC_ID=" + a.id()).stream()
                .filter(p -> p.sandbox() && p.pid() == pid)).hasSize(1);
    }

    @Test
    void batchJob_completesOnce_andIsNotRestartedAfterAgentRestart() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        String jobId = "once-" + cgroup.substring(cgroup.length() - 8);
        jobs.add(jobId);
        agent = startAgent();
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "echo ran; exit 0"));
        agent.call("register " + Json.write(Job.of(jobId, "batch", List.of(TaskGroup.of("g", 1, List.of(t))))));
        AllocRecord done = await(Duration.ofSeconds(60), () -> view().allocsForJob("default", jobId),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("complete"), "complete").getFirst();
        agent.kill9();
        agent = startAgent();
        // Give the restarted agent a full scheduling pass: a later job's evaluation is processed after recovery.
        Task probe = Task.exec("t", "/bin/true", List.of());
        String probeId = jobId + "-probe";
        jobs.add(probeId);
        agent.call("register " + Json.write(Job.of(probeId, "batch", List.of(TaskGroup.of("g", 1, List.of(probe))))));
        await(Duration.ofSeconds(60), () -> view().allocsForJob("default", probeId),
                l -> l.size() == 1 && l.getFirst().clientTerminal(), "probe done");
        assertThat(view().allocsForJob("default", jobId)).hasSize(1);
        assertThat(view().taskStates(done.id()).get("t").restarts()).isZero();
        assertThat(stdout(done.id())).isEqualTo("ran\n");
    }
}
