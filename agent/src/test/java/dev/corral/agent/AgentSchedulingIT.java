package dev.corral.agent;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.sched.Placement;
import dev.corral.agent.sched.ResourceAsk;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.EvalRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Placement failures, job updates and GC against a real agent (real store, driver and sandbox). */
@Tag("root")
class AgentSchedulingIT {
    @TempDir
    Path dir;
    private Agent agent;
    private String cgroup;

    private Agent start(String clientHcl) {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir, clientHcl, cgroup));
        return agent;
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

    @Test
    void disabledDriver_reportsMissingDriversPlacementFailure() throws Exception {
        start("  options = { \"driver.denylist\" = \"exec\" }");
        assertThat(agent.node().drivers().get("exec").detected()).isFalse();
        var resp = agent.registerJob(Job.of("nodrv", "service", List.of(TaskGroup.of("web", 1, List.of(sh("t", "true"))))));
        EvalRecord e = agent.awaitEval(resp.evalId(), Duration.ofSeconds(30));
        assertThat(e.status()).isEqualTo("complete");
        assertThat(e.failedTgAllocs()).containsKey("web");
        assertThat(e.failedTgAllocs().get("web").constraintFiltered()).isEqualTo(Map.of("missing drivers", 1));
        assertThat(Placement.describe(e.failedTgAllocs().get("web")))
                .containsExactly("* Constraint \"missing drivers\" filtered 1 nodes");
        assertThat(agent.jobAllocations("default", "nodrv")).isEmpty();
        assertThat(agent.jobEvaluations("default", "nodrv")).extracting(EvalRecord::status).contains("blocked");
        assertThat(agent.job("default", "nodrv").get().status()).isEqualTo("pending");
    }

    @Test
    void jobTooBig_reportsTheExhaustedDimension_andCoalescesTheOthers() throws Exception {
        start("");
        long tooMuch = agent.node().resources().memoryMb() + 1;
        Task big = sh("t", "true").withResources(new ResourceAsk(100, 0, tooMuch, 0));
        var resp = agent.registerJob(Job.of("big", "service", List.of(TaskGroup.of("web", 3, List.of(big)))));
        EvalRecord e = agent.awaitEval(resp.evalId(), Duration.ofSeconds(30));
        var m = e.failedTgAllocs().get("web");
        assertThat(m.dimensionExhausted()).isEqualTo(Map.of("memory", 1));
        assertThat(m.nodesExhausted()).isEqualTo(1);
        assertThat(m.coalescedFailures()).isEqualTo(2);
        assertThat(Placement.describe(m)).containsExactly("* Dimension \"memory\" exhausted on 1 nodes");
        Task cpu = sh("t", "true").withResources(new ResourceAsk(agent.node().resources().cpuMhz() + 1, 0, 64, 0));
        var r2 = agent.registerJob(Job.of("bigcpu", "service", List.of(TaskGroup.of("web", 1, List.of(cpu)))));
        assertThat(agent.awaitEval(r2.evalId(), Duration.ofSeconds(30)).failedTgAllocs().get("web").dimensionExhausted())
                .isEqualTo(Map.of("cpu", 1));
    }

    @Test
    void plan_reportsWhatWouldNotFit_withoutWritingAnything() throws Exception {
        start("");
        long mem = agent.node().resources().memoryMb() * 4 / 10;
        String loop = "trap 'exit 0' INT; while true; do sleep 0.1; done";
        Task big = sh("t", loop).withResources(new ResourceAsk(100, 0, mem, 0));
        Job first = Job.of("planned", "service", List.of(TaskGroup.of("g", 1, List.of(big))));
        assertThat(agent.planFailures(first)).isEmpty();
        agent.registerJob(first);
        await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "planned"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "planned running");
        long index = agent.store().latestIndex();

        // The running allocation keeps its memory when the group is unchanged: 1 more fits, 2 more do not.
        assertThat(agent.planFailures(Job.of("planned", "service", List.of(TaskGroup.of("g", 2, List.of(big))))))
                .isEmpty();
        var m = agent.planFailures(Job.of("planned", "service", List.of(TaskGroup.of("g", 3, List.of(big)))))
                .get("g");
        assertThat(m.dimensionExhausted()).isEqualTo(Map.of("memory", 1));
        assertThat(m.coalescedFailures()).isZero();
        // A destructive update frees the old allocation's memory first, as Nomad's plan assumes.
        Task changed = sh("t", loop + " # v2").withResources(new ResourceAsk(100, 0, mem, 0));
        assertThat(agent.planFailures(Job.of("planned", "service", List.of(TaskGroup.of("g", 2, List.of(changed))))))
                .isEmpty();
        // Another job competes with the running one; a missing driver is a filter, not a dimension.
        var other = agent.planFailures(Job.of("other", "service", List.of(TaskGroup.of("g", 3, List.of(big)))));
        assertThat(other.get("g").dimensionExhausted()).isEqualTo(Map.of("memory", 1));
        assertThat(other.get("g").coalescedFailures()).isEqualTo(1);
        Task raw = big.withDriver("raw_exec");
        assertThat(Placement.describe(agent.planFailures(Job.of("rawjob", "batch",
                List.of(TaskGroup.of("g", 1, List.of(raw))))).get("g")))
                .containsExactly("* Constraint \"missing drivers\" filtered 1 nodes");

        assertThat(agent.store().latestIndex()).as("plan writes nothing").isEqualTo(index);
        assertThat(agent.job("default", "other")).isEmpty();
    }

    @Test
    void blockedJob_isPlacedWhenResourcesFreeUp_andStopCancelsBlockedEvals() throws Exception {
        start("");
        long mem = agent.node().resources().memoryMb() * 6 / 10;
        String loop = "trap 'exit 0' INT; while true; do sleep 0.1; done";
        Task big = sh("t", loop).withResources(new ResourceAsk(100, 0, mem, 0));
        agent.registerJob(Job.of("first", "service", List.of(TaskGroup.of("g", 1, List.of(big)))));
        await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "first"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "first running");
        var second = agent.registerJob(Job.of("second", "service", List.of(TaskGroup.of("g", 1, List.of(big)))));
        assertThat(agent.awaitEval(second.evalId(), Duration.ofSeconds(30)).failedTgAllocs().get("g").dimensionExhausted())
                .isEqualTo(Map.of("memory", 1));
        assertThat(agent.job("default", "second").get().status()).isEqualTo("pending");
        agent.stopJob("default", "first", false);
        await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "second"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "second placed once first stopped");
        assertThat(agent.jobEvaluations("default", "second")).extracting(EvalRecord::status).doesNotContain("blocked");
        assertThat(agent.job("default", "second").get().status()).isEqualTo("running");

        // A job that stays unplaceable: stopping it cancels its blocked evaluation.
        Task huge = sh("t", loop).withResources(new ResourceAsk(100, 0, agent.node().resources().memoryMb() + 1, 0));
        var third = agent.registerJob(Job.of("third", "service", List.of(TaskGroup.of("g", 1, List.of(huge)))));
        agent.awaitEval(third.evalId(), Duration.ofSeconds(30));
        var stop = agent.stopJob("default", "third", false);
        agent.awaitEval(stop.evalId(), Duration.ofSeconds(30));
        assertThat(agent.jobEvaluations("default", "third")).extracting(EvalRecord::status)
                .contains("cancelled").doesNotContain("blocked", "pending");
        assertThat(agent.job("default", "third").get().status()).isEqualTo("dead");
    }

    @Test
    void failedAllocation_isRescheduledPerPolicy_thenLeftFailed() throws Exception {
        start("");
        var noRestart = new dev.corral.agent.restart.RestartPolicy(0, Duration.ofMinutes(1), Duration.ofSeconds(1),
                dev.corral.agent.restart.RestartPolicy.Mode.FAIL);
        var once = new dev.corral.agent.job.ReschedulePolicy(1, Duration.ofHours(1), Duration.ofMillis(500), "constant",
                Duration.ZERO, false);
        TaskGroup g = TaskGroup.of("g", 1, List.of(sh("t", "exit 7"))).withRestart(noRestart).withReschedule(once);
        agent.registerJob(Job.of("resched", "batch", List.of(g)));
        List<AllocRecord> two = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "resched"),
                l -> l.size() == 2 && l.stream().allMatch(a -> a.clientStatus().equals("failed")), "two failed allocs");
        AllocRecord first = two.stream().filter(a -> a.previousAllocation() == null).findFirst().orElseThrow();
        AllocRecord second = two.stream().filter(a -> a.previousAllocation() != null).findFirst().orElseThrow();
        assertThat(second.previousAllocation()).isEqualTo(first.id());
        assertThat(agent.allocation(first.id()).get().nextAllocation()).isEqualTo(second.id());
        assertThat(second.name()).isEqualTo(first.name());
        // One attempt only: a further evaluation places nothing.
        var again = agent.registerJob(Job.of("resched", "batch", List.of(g)));
        agent.awaitEval(again.evalId(), Duration.ofSeconds(30));
        assertThat(agent.jobAllocations("default", "resched")).hasSize(2);
        assertThat(agent.job("default", "resched").get().status()).isEqualTo("dead");
    }

    @Test
    void jobUpdate_replacesChangedAllocs_countChangeIsInPlace() throws Exception {
        start("");
        String loop = "trap 'exit 0' INT; while true; do sleep 0.1; done";
        Job v0 = Job.of("upd", "service", List.of(TaskGroup.of("g", 1, List.of(sh("t", loop)))));
        agent.registerJob(v0);
        AllocRecord first = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "upd"),
                l -> l.size() == 1 && l.getFirst().clientStatus().equals("running"), "v0 running").getFirst();
        // Count 1 -> 2: the existing alloc is kept (in place), one is added.
        var r1 = agent.registerJob(v0.withGroups(List.of(v0.groups().getFirst().withCount(2))));
        agent.awaitEval(r1.evalId(), Duration.ofSeconds(30));
        List<AllocRecord> two = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "upd"),
                l -> l.stream().filter(a -> a.clientStatus().equals("running")).count() == 2, "2 running");
        assertThat(two).extracting(AllocRecord::id).contains(first.id());
        assertThat(agent.allocation(first.id()).get().jobVersion()).isEqualTo(1);
        // Task change: both allocations are replaced.
        Job v2 = v0.withGroups(List.of(TaskGroup.of("g", 2, List.of(sh("t", loop + " # v2")))));
        agent.registerJob(v2);
        List<AllocRecord> after = await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", "upd"),
                l -> l.stream().filter(a -> a.jobVersion() == 2 && a.clientStatus().equals("running")).count() == 2
                        && l.stream().filter(a -> a.jobVersion() < 2).allMatch(AllocRecord::clientTerminal),
                "v2 running, old ones stopped");
        assertThat(after.stream().filter(a -> a.jobVersion() < 2))
                .allMatch(a -> a.desiredDescription().equals("alloc is being updated due to job update"));
        assertThat(agent.jobVersions("default", "upd")).extracting(j -> j.version()).containsExactly(2L, 1L, 0L);
        // Re-registering the same job changes nothing.
        var same = agent.registerJob(v2);
        agent.awaitEval(same.evalId(), Duration.ofSeconds(30));
        assertThat(agent.job("default", "upd").get().version()).isEqualTo(2);
        assertThat(agent.jobAllocations("default", "upd")).hasSize(4);
    }

    @Test
    void gc_removesTerminalAllocationsBeyondMaxAllocs_oldestFirst() throws Exception {
        start("  gc_max_allocs = 2");
        for (int i = 0; i < 4; i++) {
            String id = "b" + i;
            agent.registerJob(Job.of(id, "batch", List.of(TaskGroup.of("g", 1, List.of(sh("t", "echo " + i))))));
            await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", id),
                    l -> l.size() == 1 && l.getFirst().clientStatus().equals("complete")
                            && agent.taskPids(l.getFirst().id()).isEmpty(), id + " complete");
        }
        // Placing new allocations already made room (Nomad's MakeRoomFor): at most max are tracked.
        await(agent, Duration.ofSeconds(30), agent::allocations, l -> l.size() <= 2, "<= 2 tracked allocations");
        List<AllocRecord> left = agent.allocations();
        assertThat(left).extracting(AllocRecord::jobId).containsExactlyInAnyOrder("b2", "b3");
        for (String gone : List.of("b0", "b1")) {
            assertThat(agent.jobAllocations("default", gone)).isEmpty();
        }
        Path allocRoot = dir.resolve("alloc");
        try (var s = Files.list(allocRoot)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrderElementsOf(left.stream().map(AllocRecord::id).toList());
        }
        // system gc: collects every terminal allocation.
        Agent.GcReport report = agent.gc();
        assertThat(report.collected()).hasSize(2);
        assertThat(report.reasons()).containsOnly("forced full node collection");
        assertThat(agent.allocations()).isEmpty();
    }
}
