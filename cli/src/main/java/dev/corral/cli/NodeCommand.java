package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral node ...}. */
@Command(name = "node", description = "Interact with nodes.", subcommands = NodeCommand.Status.class)
final class NodeCommand extends GroupCommand {
    @Command(name = "status", description = "List nodes, or show one node (-self: this agent's node).")
    static final class Status extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NODE", description = "Node ID or prefix.")
        String id;

        @Option(names = {"-self"}, description = "Show the node of the agent at -address.")
        boolean self;

        @Option(names = {"-verbose"}, description = "Show full IDs and all attributes.")
        boolean verbose;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (id == null && !self) {
                JsonNode nodes = api().get("/v1/nodes");
                if (json) {
                    printJson(nodes);
                    return 0;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "Node Pool", "DC", "Name", "Class", "Drain", "Eligibility", "Status"});
                for (JsonNode n : nodes) {
                    rows.add(new String[] {verbose ? n.path("ID").asText() : Output.shortId(n.path("ID").asText()),
                            n.path("NodePool").asText("default"), n.path("Datacenter").asText(),
                            n.path("Name").asText(), Output.orNone(n.path("NodeClass").asText()),
                            n.path("Drain").asText(), n.path("SchedulingEligibility").asText(),
                            n.path("Status").asText()});
                }
                out().print(Output.table(rows));
                return 0;
            }
            JsonNode node;
            if (self) {
                String nodeId = api().get("/v1/agent/self").path("stats").path("client").path("node_id").asText();
                if (nodeId.isEmpty()) {
                    throw new ApiClient.UsageError("The agent at " + api().base() + " is not running a client");
                }
                node = api().get("/v1/node/" + ApiClient.enc(nodeId));
            } else {
                node = api().node(id);
            }
            if (json) {
                printJson(node);
                return 0;
            }
            String nid = node.path("ID").asText();
            List<String[]> kv = new ArrayList<>();
            kv.add(new String[] {"ID", verbose ? nid : Output.shortId(nid)});
            kv.add(new String[] {"Name", node.path("Name").asText()});
            kv.add(new String[] {"Node Pool", node.path("NodePool").asText("default")});
            kv.add(new String[] {"Class", Output.orNone(node.path("NodeClass").asText())});
            kv.add(new String[] {"DC", node.path("Datacenter").asText()});
            kv.add(new String[] {"Drain", node.path("Drain").asText()});
            kv.add(new String[] {"Eligibility", node.path("SchedulingEligibility").asText()});
            kv.add(new String[] {"Status", node.path("Status").asText()});
            List<String> healthy = new ArrayList<>();
            node.path("Drivers").fields().forEachRemaining(e -> {
                if (e.getValue().path("Detected").asBoolean() && e.getValue().path("Healthy").asBoolean()) {
                    healthy.add(e.getKey());
                }
            });
            kv.add(new String[] {"Drivers", String.join(",", healthy)});
            kv.add(new String[] {"HTTP Address", node.path("HTTPAddr").asText()});
            out().print(Output.kv(kv));
            JsonNode res = node.path("NodeResources");
            out().println();
            out().println("Node Resources");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CPU", "Memory", "Disk", "Cores"});
            rows.add(new String[] {res.path("Cpu").path("CpuShares").asText("0") + " MHz",
                    Output.bytes(res.path("Memory").path("MemoryMB").asLong() << 20),
                    Output.bytes(res.path("Disk").path("DiskMB").asLong() << 20),
                    res.path("Cpu").path("TotalCpuCores").asText("0")});
            out().print(Output.table(rows));
            JsonNode allocs = api().get("/v1/node/" + ApiClient.enc(nid) + "/allocations");
            out().println();
            out().println("Allocations");
            out().print(allocs.isEmpty() ? "No allocations placed\n" : AllocCommand.allocTable(allocs));
            if (verbose) {
                out().println();
                out().println("Drivers");
                List<String[]> d = new ArrayList<>();
                d.add(new String[] {"Driver", "Detected", "Healthy", "Message"});
                node.path("Drivers").fields().forEachRemaining(e -> d.add(new String[] {e.getKey(),
                        e.getValue().path("Detected").asText(), e.getValue().path("Healthy").asText(),
                        Output.orNone(e.getValue().path("HealthDescription").asText())}));
                out().print(Output.table(d));
                out().println();
                out().println("Attributes");
                Map<String, String> attrs = new TreeMap<>();
                node.path("Attributes").fields().forEachRemaining(e -> attrs.put(e.getKey(), e.getValue().asText()));
                List<String[]> a = new ArrayList<>();
                attrs.forEach((k, v) -> a.add(new String[] {k, v}));
                out().print(Output.kv(a));
                Map<String, String> meta = new TreeMap<>();
                node.path("Meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                if (!meta.isEmpty()) {
                    out().println();
                    out().println("Meta");
                    List<String[]> m = new ArrayList<>();
                    meta.forEach((k, v) -> m.add(new String[] {k, v}));
                    out().print(Output.kv(m));
                }
            }
            return 0;
        }
    }
}
