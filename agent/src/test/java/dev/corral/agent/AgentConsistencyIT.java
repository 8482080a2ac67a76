package dev.corral.agent;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.EvalRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.JobRecord;
import dev.corral.agent.state.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 jobs registered, updated, stopped and purged concurrently; then the store is compared with
 * what really runs on the host: processes and cgroups.
 */
@Tag("root")
class AgentConsistencyIT {
    private static final int JOBS = 100;
    @TempDir
    Path dir;
    private Agent agent;
    private String cgroup;
    private String prefix;

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null) {
                AgentFixture.stopAll(agent);
                agent.close();
            }
        } finally {
            if (prefix != null) {
                for (int i = 0; i < JOBS; i++) {
                    HostProcesses.killJob(prefix + i);
                }
            }
            if (cgroup != null) {
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private static Job job(String id, String version) {
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' INT; while true; do sleep 1; done # " + version))
                .withResources(new dev.corral.agent.sched.ResourceAsk(10, 0, 16, 0));
        return Job.of(id, "service", List.of(TaskGroup.of("g", 1, List.of(t))));
    }

    @Test
    void concurrentRegisterUpdateStop_leavesStoreAndHostConsistent() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        prefix = "c" + cgroup.substring(cgroup.length() - 6) + "-";
        agent = Agent.start(AgentFixture.config(dir, "  gc_max_allocs = 1000", cgroup));
        List<Future<?>> work = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < JOBS; i++) {
                int n = i;
                work.add(pool.submit(() -> {
                    String id = prefix + n;
                    agent.registerJob(job(id, "v0"));
                    if (n % 2 == 0) {
                        agent.registerJob(job(id, "v1"));
                    }
                    if (n % 3 == 0) {
                        agent.stopJob("default", id, n % 6 == 0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        }
        Set<String> live = new HashSet<>();
        Set<String> purged = new HashSet<>();
        for (int i = 0; i < JOBS; i++) {
            if (i % 3 != 0) {
                live.add(prefix + i);
            } else if (i % 6 == 0) {
                purged.add(prefix + i);
            }
        }
        // Converged: no pending evals, each live job has exactly one running alloc at its latest version,
        // everything else is terminal with no task process left, purged jobs left no allocation behind.
        await(agent, Duration.ofMinutes(5), () -> agent, a -> converged(a, live, purged), "convergence");

        // Store vs host.
        List<AllocRecord> allocs = agent.allocations();
        Set<Long> recordedPids = new HashSet<>();
        Set<Path> recordedCgroups = new HashSet<>();
        for (HandleRecord h : agent.store().handles()) {
            assertThat(h.version()).as("no half-started task").isPositive();
            AllocRecord a = agent.allocation(h.allocId()).orElseThrow(() -> new AssertionError("handle without alloc " + h));
            assertThat(a.clientStatus()).isEqualTo("running");
            var node = Json.mapper().readTree(h.json());
            recordedPids.add(node.get("sandbox_pid").asLong());
            node.get("cgroup_paths").forEach(p -> recordedCgroups.add(Path.of(p.asText())));
        }
        assertThat(recordedPids).hasSize(live.size());
        Set<Long> hostSandboxes = new HashSet<>();
        for (int i = 0; i < JOBS; i++) {
            for (HostProcesses.Proc p : HostProcesses.withEnv("NOMAD_JOB_ID=" + prefix + i)) {
                if (p.sandbox() && ProcessHandle.of(p.pid()).flatMap(ProcessHandle::parent)
                        .map(pp -> pp.pid() == ProcessHandle.current().pid()).orElse(false)) {
                    hostSandboxes.add(p.pid());
                }
                assertThat(live).as("process %s belongs to a live job", p.pid()).contains(p.env().stream()
                        .filter(e -> e.startsWith("NOMAD_JOB_ID=")).findFirst().orElseThrow().substring(13));
            }
        }
        assertThat(hostSandboxes).as("sandboxes on the host = handles in the store").isEqualTo(recordedPids);
        for (Path cg : recordedCgroups) {
            assertThat(Files.readString(cg.resolve("cgroup.procs")).isBlank()).as("cgroup %s has the task", cg).isFalse();
        }
        Set<Path> hostCgroups = taskCgroups(Path.of("/sys/fs/cgroup/memory", cgroup));
        Set<Path> recordedMemory = recordedCgroups.stream().filter(p -> p.startsWith("/sys/fs/cgroup/memory"))
                .collect(Collectors.toSet());
        assertThat(hostCgroups).as("memory cgroups on the host = handles in the store").isEqualTo(recordedMemory);
        for (AllocRecord a : allocs) {
            assertThat(agent.job("default", a.jobId())).as("alloc %s has its job", a.id()).isPresent();
        }
        assertThat(agent.store().integrityCheck()).isEqualTo("ok");
    }

    private static boolean converged(Agent a, Set<String> live, Set<String> purged) {
        for (EvalRecord e : a.evaluations()) {
            if (e.status().equals("pending") || e.status().equals("blocked")) {
                return false;
            }
        }
        for (JobRecord j : a.jobs()) {
            List<AllocRecord> allocs = a.jobAllocations("default", j.id());
            if (live.contains(j.id())) {
                long ok = allocs.stream().filter(x -> x.clientStatus().equals("running") && x.jobVersion() == j.version()
                        && !x.serverTerminal()).count();
                if (ok != 1 || j.version() != (Integer.parseInt(j.id().substring(j.id().lastIndexOf('-') + 1)) % 2 == 0 ? 1 : 0)) {
                    return false;
                }
            }
            for (AllocRecord x : allocs) {
                boolean shouldRun = live.contains(j.id()) && x.jobVersion() == j.version() && !x.serverTerminal();
                if (!shouldRun && (!x.clientTerminal() || !a.taskPids(x.id()).isEmpty())) {
                    return false;
                }
            }
        }
        for (String p : purged) {
            if (a.job("default", p).isPresent() || !a.jobAllocations("default", p).isEmpty()
                    || !a.jobVersions("default", p).isEmpty()) {
                return false;
            }
        }
        return a.jobs().size() == live.size() + (JOBS / 3 + 1 - purged.size());
    }

    /** Leaf cgroup directories (those that hold a task) under the test's parent. */
    private static Set<Path> taskCgroups(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(parent)) {
            // the driver's pool of empty cgroups made ahead (pool-<pid>-<n>) holds no task
            return s.filter(Files::isDirectory).filter(p -> !p.equals(parent))
                    .filter(p -> !dev.corral.driver.ExecDriver.isPooledCgroup(p.getFileName().toString())).filter(p -> {
                try (Stream<Path> c = Files.list(p)) {
                    return c.noneMatch(Files::isDirectory);
                } catch (IOException e) {
                    return false;
                }
            }).collect(Collectors.toSet());
        }
    }
}
