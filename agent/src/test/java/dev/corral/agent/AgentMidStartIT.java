package dev.corral.agent;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.TaskEvent;
import dev.corral.agent.state.TaskStateRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that died between the driver starting a task and the handle being committed: on the
 * next start the leftover task is found and killed and the task is started exactly once more.
 */
@Tag("root")
class AgentMidStartIT {
    @TempDir
    Path dir;
    private Agent agent;
    private String cgroup;
    private String jobId;

    private static boolean descendsFrom(long pid, long ancestor) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).flatMap(ProcessHandle::parent);
        while (h.isPresent()) {
            if (h.get().pid() == ancestor) {
                return true;
            }
            h = h.get().parent();
        }
        return false;
    }

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null) {
                AgentFixture.stopAll(agent);
                agent.close();
            }
        } finally {
            if (jobId != null) {
                HostProcesses.killJob(jobId);
            }
            if (cgroup != null) {
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    @Test
    void handleNotCommitted_leftoverIsReaped_andTheTaskRunsOnce() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        jobId = "mid-" + cgroup.substring(cgroup.length() - 8);
        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' INT; while true; do sleep 0.1; done"));
        agent.registerJob(Job.of(jobId, "service", List.of(TaskGroup.of("g", 1, List.of(t)))));
        AllocRecord a = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", jobId),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "running").getFirst();
        long oldPid = agent.taskPids(a.id()).get("t");
        agent.close();
        agent = null;

        // Rewind the store to "start requested, handle not yet recorded".
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            TaskStateRecord st = s.taskStates(a.id()).get("t");
            TaskStateRecord rewound = new TaskStateRecord("pending", false, 0, 0, 0, 0,
                    st.events().stream().filter(e -> !e.type().equals("Started")).toList());
            s.update(tx -> {
                tx.putHandle(new HandleRecord(a.id(), "t", -1, a.id() + "/t/deadbeef"));
                tx.putTaskState(a.id(), "t", rewound);
                tx.putAlloc(s.alloc(a.id()).get().withClient("pending", "No tasks have started", 0));
            });
        }
        assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive)).contains(true);

        agent = Agent.start(AgentFixture.config(dir, "", cgroup));
        await(agent, Duration.ofSeconds(60), () -> agent.allocation(a.id()).get(),
                x -> x.clientStatus().equals("running") && agent.taskPids(a.id()).containsKey("t"), "running again");
        long newPid = agent.taskPids(a.id()).get("t");
        assertThat(newPid).isNotEqualTo(oldPid);
        assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        List<HostProcesses.Proc> procs = HostProcesses.withEnv("NOMAD_ALLOC_ID=" + a.id());
        assertThat(procs.stream().filter(p -> p.sandbox() && p.pid() == newPid)).hasSize(1);
        // The shell is long-lived; its short "sleep" children may be gone before we look at them.
        assertThat(procs.stream().filter(p -> !p.sandbox() && p.cmdline().getFirst().equals("/bin/sh")))
                .as("every task process descends from the new sandbox")
                .isNotEmpty()
                .allMatch(p -> descendsFrom(p.pid(), newPid));
        assertThat(agent.taskStates(a.id()).get("t").events().stream().map(TaskEvent::displayMessage))
                .contains("agent restarted while the task was starting; leftovers cleaned, starting again");
        assertThat(agent.jobAllocations("default", jobId)).hasSize(1);
        assertThat(Json.write(agent.store().handle(a.id(), "t").get().version())).isEqualTo("1");
    }
}
