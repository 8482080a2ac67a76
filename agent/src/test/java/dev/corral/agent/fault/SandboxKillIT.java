package dev.corral.agent.fault;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.Agent;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.TaskEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a task's sandbox process (its PID 1 and log writer): the task is reported
 * failed, its processes and cgroups are cleaned up, and the restart policy applies: one restart,
 * then the allocation fails when attempts are used up.
 */
@Tag("root")
class SandboxKillIT {
    @TempDir
    Path dir;
    private Agent agent;
    private String cgroup;

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null) {
                AgentFixture.stopAll(agent);
                agent.close();
            }
        } finally {
            if (cgroup != null) {
                HostView.killEnv("NOMAD_JOB_ID=" + jobId());
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private String jobId() {
        return "sbkill-" + cgroup.substring(cgroup.length() - 8);
    }

    private record Running(long sandboxPid, List<Path> cgroups) {}

    private Running running(String allocId) throws Exception {
        HandleRecord h = agent.store().handle(allocId, "t").orElseThrow();
        var node = Json.mapper().readTree(h.json());
        List<Path> cgs = new ArrayList<>();
        node.get("cgroup_paths").forEach(p -> cgs.add(Path.of(p.asText())));
        return new Running(node.get("sandbox_pid").asLong(), cgs);
    }

    @Test
    void sandboxKilled_taskFails_cleanedUp_restartPolicyApplies() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
        RestartPolicy once = new RestartPolicy(1, Duration.ofMinutes(30), Duration.ofMillis(200), RestartPolicy.Mode.FAIL);
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"));
        agent.registerJob(Job.of(jobId(), "service", List.of(TaskGroup.of("g", 1, List.of(t)).withRestart(once))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", jobId()),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "running").getFirst();
        Running first = running(a.id());
        assertThat(HostView.withEnv("NOMAD_ALLOC_ID=" + a.id())).anyMatch(p -> !p.sandbox());

        // 1. The one resident sandbox process is the task's init (PID 1 of the task), the pid the store records.
        long init1 = first.sandboxPid();
        assertThat(ProcessHandle.of(init1).flatMap(ProcessHandle::parent).flatMap(pp -> pp.info().command())
                .map(c -> c.contains("corral-sandbox"))).as("no run process above the init").contains(false);

        // 2. kill -9 the sandbox's init: the task dies with its PID namespace, is reported failed, restarts once.
        assertThat(ProcessHandle.of(init1).orElseThrow().destroyForcibly()).isTrue();
        await(agent, Duration.ofSeconds(60), () -> agent.taskStates(a.id()).get("t"),
                s -> s.restarts() == 1 && s.state().equals("running"), "restarted after the sandbox was killed");
        Running second = running(a.id());
        assertThat(second.sandboxPid()).isNotEqualTo(first.sandboxPid());
        List<String> messages = agent.taskStates(a.id()).get("t").events().stream().map(TaskEvent::displayMessage).toList();
        System.out.println("sandbox kill: init killed; events " + messages);
        assertThat(messages).anyMatch(m -> m.contains("Signal: 9") || m.contains("137") || m.toLowerCase().contains("sandbox"))
                .anyMatch(m -> m.startsWith("Task restarting in"));
        assertNoLeftovers(first, second.sandboxPid());

        // 3. kill -9 the new init: attempts used up, the allocation fails and nothing is left behind.
        assertThat(ProcessHandle.of(second.sandboxPid()).orElseThrow().destroyForcibly()).isTrue();
        AllocRecord failed = await(agent, Duration.ofSeconds(60), () -> agent.allocation(a.id()).orElseThrow(),
                x -> x.clientStatus().equals("failed"), "alloc failed after the second kill");
        System.out.println("sandbox kill: second init killed; alloc " + failed.clientStatus() + " (" + failed.clientDescription()
                + "), events " + agent.taskStates(a.id()).get("t").events().stream().map(TaskEvent::displayMessage).toList());
        assertThat(agent.taskStates(a.id()).get("t").failed()).isTrue();
        assertThat(agent.taskPids(a.id())).isEmpty();
        assertThat(agent.store().handle(a.id(), "t")).isEmpty();
        assertNoLeftovers(second, -1);
        assertThat(HostView.withEnv("NOMAD_ALLOC_ID=" + a.id())).as("no task process left").isEmpty();
    }

    /** The killed sandbox's task processes are gone and its cgroups removed (or empty). */
    private void assertNoLeftovers(Running gone, long liveSandbox) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            boolean procsLeft = HostView.withEnv("NOMAD_JOB_ID=" + jobId()).stream()
                    .anyMatch(p -> p.pid() == gone.sandboxPid() || liveSandbox < 0
                            || !HostView.descendsFrom(p.pid(), liveSandbox) && p.pid() != liveSandbox);
            boolean cgLeft = gone.cgroups().stream().anyMatch(cg -> Files.isDirectory(cg) && !HostView.cgroupEmpty(cg));
            if (!procsLeft && !cgLeft) {
                for (Path cg : gone.cgroups()) {
                    assertThat(Files.exists(cg)).as("cgroup %s removed", cg).isFalse();
                }
                return;
            }
            assertThat(System.nanoTime()).as("leftovers of the killed sandbox: processes %s, cgroups %s", procsLeft, cgLeft)
                    .isLessThan(deadline);
            Thread.sleep(50); // cleanup runs in the agent; nothing to wait on from here
        }
    }
}
