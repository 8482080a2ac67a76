package dev.corral.agent.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.job.Volume;
import dev.corral.agent.node.DriverInfo;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.Node;
import dev.corral.agent.node.NodeResources;
import dev.corral.agent.sched.GroupAsk.DistinctHosts;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {
    private static GroupAsk ask(Set<String> drivers, Map<String, ResourceAsk> tasks, List<Constraint> job,
                                DistinctHosts dh) {
        return new GroupAsk("default", "web", "g", job, List.of(), drivers, tasks, 300, dh);
    }

    private static AllocRecord live(String job, String group, TaskResources r) {
        return new AllocRecord("a1", "default", "e", job + "." + group + "[0]", "node-id-1", "box", job, 0, group, 0,
                "run", "", "running", "", Map.of("t", r), 300, null, null, 0, 0, 0, 0);
    }

    @Test
    void fits_andReturnsResourcesPerTask() {
        var r = Placement.place(TestNodes.linux(), ask(Set.of("exec"), Map.of("t", ResourceAsk.DEFAULT), List.of(),
                DistinctHosts.NONE), List.of());
        assertThat(r).isInstanceOf(Placement.Placed.class);
        assertThat(((Placement.Placed) r).resources().get("t")).isEqualTo(new TaskResources(100, 300, 0, List.of()));
    }

    @Test
    void missingOrUnhealthyDriver_isFilteredAsMissingDrivers_withSeedWording() {
        Node unhealthy = TestNodes.node(Map.of(), Map.of("exec", new DriverInfo(true, false, "Driver must run as root",
                Map.of())), new NodeResources(4000, List.of(0), 8192, 0), NodeResources.NONE);
        for (Node n : List.of(unhealthy, TestNodes.linux())) {
            var r = Placement.place(n, ask(Set.of(n == unhealthy ? "exec" : "raw_exec"),
                    Map.of("t", ResourceAsk.DEFAULT), List.of(), DistinctHosts.NONE), List.of());
            assertThat(r).isInstanceOf(Placement.Failed.class);
            assertThat(r.metric().constraintFiltered()).isEqualTo(Map.of("missing drivers", 1));
            assertThat(r.metric().nodesFiltered()).isEqualTo(1);
            assertThat(Placement.describe(r.metric())).containsExactly("* Constraint \"missing drivers\" filtered 1 nodes");
        }
    }

    @Test
    void failingConstraint_isTheFilterReason() {
        var r = Placement.place(TestNodes.linux(), ask(Set.of("exec"), Map.of("t", ResourceAsk.DEFAULT),
                List.of(new Constraint("${attr.kernel.name}", "=", "windows")), DistinctHosts.NONE), List.of());
        assertThat(r.metric().constraintFiltered()).containsOnlyKeys("${attr.kernel.name} = windows");
    }

    @Test
    void exhaustion_namesTheDimension_afterReservedAndLiveAllocs() {
        Node n = TestNodes.node(Map.of(), Map.of("exec", new DriverInfo(true, true, "Healthy", Map.of())),
                new NodeResources(4000, List.of(0, 1, 2, 3), 8192, 0), new NodeResources(500, List.of(3), 1024, 0));
        var mem = Placement.place(n, ask(Set.of("exec"), Map.of("t", new ResourceAsk(100, 0, 7000, 0)), List.of(),
                DistinctHosts.NONE), List.of(live("other", "g", new TaskResources(100, 200, 0, List.of()))));
        assertThat(mem.metric().dimensionExhausted()).isEqualTo(Map.of("memory", 1));
        assertThat(Placement.describe(mem.metric())).containsExactly("* Dimension \"memory\" exhausted on 1 nodes");
        var cpu = Placement.place(n, ask(Set.of("exec"), Map.of("t", new ResourceAsk(3600, 0, 100, 0)), List.of(),
                DistinctHosts.NONE), List.of());
        assertThat(cpu.metric().dimensionExhausted()).isEqualTo(Map.of("cpu", 1));
        // 4 cores, 1 reserved, 1 used by a live alloc: 2 free.
        List<AllocRecord> usingCore = List.of(live("other", "g", new TaskResources(1000, 10, 0, List.of(0))));
        var cores = Placement.place(n, ask(Set.of("exec"), Map.of("t", new ResourceAsk(0, 3, 100, 0)), List.of(),
                DistinctHosts.NONE), usingCore);
        assertThat(cores.metric().dimensionExhausted()).isEqualTo(Map.of("cores", 1));
        var two = Placement.place(n, ask(Set.of("exec"), Map.of("t", new ResourceAsk(0, 2, 100, 0)), List.of(),
                DistinctHosts.NONE), usingCore);
        assertThat(((Placement.Placed) two).resources().get("t")).isEqualTo(new TaskResources(2000, 100, 0, List.of(1, 2)));
    }

    @Test
    void distinctHosts_allowsOnePerNode() {
        var r = Placement.place(TestNodes.linux(), ask(Set.of("exec"), Map.of("t", ResourceAsk.DEFAULT), List.of(),
                DistinctHosts.GROUP), List.of(live("web", "g", new TaskResources(100, 300, 0, List.of()))));
        assertThat(r.metric().constraintFiltered()).isEqualTo(Map.of("distinct_hosts", 1));
        var otherGroup = Placement.place(TestNodes.linux(), ask(Set.of("exec"), Map.of("t", ResourceAsk.DEFAULT),
                List.of(), DistinctHosts.GROUP), List.of(live("web", "h", new TaskResources(100, 300, 0, List.of()))));
        assertThat(otherGroup).isInstanceOf(Placement.Placed.class);
    }

    @Test
    void hostVolumes_missingOrReadOnlyForAReadWriteRequest_areFilteredWithNomadsWording() {
        Node base = TestNodes.linux();
        Node withVolumes = new Node(base.id(), base.secretId(), base.name(), base.datacenter(), base.region(),
                base.nodeClass(), base.nodePool(), base.status(), base.attributes(), base.meta(), base.drivers(),
                base.resources(), base.reserved(), Map.of(
                        "data", new HostVolume("data", java.nio.file.Path.of("/srv/data"), false),
                        "certs", new HostVolume("certs", java.nio.file.Path.of("/etc/ssl"), true)));
        record Case(Node node, List<Volume> volumes, boolean placed) {}
        for (Case c : List.of(
                new Case(base, List.of(new Volume("d", "host", "data", false)), false),
                new Case(withVolumes, List.of(new Volume("d", "host", "data", false)), true),
                new Case(withVolumes, List.of(new Volume("d", "host", "data", true),
                        new Volume("c", "host", "certs", true)), true),
                new Case(withVolumes, List.of(new Volume("c", "host", "certs", false)), false),
                new Case(withVolumes, List.of(new Volume("x", "host", "nope", true)), false),
                new Case(base, List.of(), true))) {
            var ask = new GroupAsk("default", "web", "g", List.of(), List.of(), Set.of("exec"),
                    Map.of("t", ResourceAsk.DEFAULT), 300, DistinctHosts.NONE, c.volumes());
            var r = Placement.place(c.node(), ask, List.of());
            if (c.placed()) {
                assertThat(r).as(c.toString()).isInstanceOf(Placement.Placed.class);
            } else {
                assertThat(r).as(c.toString()).isInstanceOf(Placement.Failed.class);
                assertThat(r.metric().constraintFiltered()).isEqualTo(Map.of("missing compatible host volumes", 1));
                assertThat(Placement.describe(r.metric()))
                        .containsExactly("* Constraint \"missing compatible host volumes\" filtered 1 nodes");
            }
        }
    }
}
