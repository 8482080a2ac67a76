package dev.corral.agent.sched;

import dev.corral.agent.node.DriverInfo;
import dev.corral.agent.node.Node;
import dev.corral.agent.node.NodeResources;
import java.util.List;
import java.util.Map;

final class TestNodes {
    private TestNodes() {}

    static Node node(Map<String, String> attrs, Map<String, DriverInfo> drivers, NodeResources total,
                     NodeResources reserved) {
        return new Node("node-id-1", "secret", "box", "dc1", "global", "gpu", "default", "ready", attrs,
                Map.of("rack", "r1", "zones", "a,b,c"), drivers, total, reserved);
    }

    static Node linux() {
        return node(Map.of("kernel.name", "linux", "kernel.version", "6.1.0", "cpu.numcores", "4",
                        "nomad.version", "1.6.5", "os.version", "12.4"),
                Map.of("exec", new DriverInfo(true, true, "Healthy", Map.of())),
                new NodeResources(4000, List.of(0, 1, 2, 3), 8192, 100_000), NodeResources.NONE);
    }
}
