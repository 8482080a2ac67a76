package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corral agent-info}: the agent's stats by section, as {@code nomad agent-info} prints them. */
@Command(name = "agent-info", description = "Show the agent's runtime information and stats.")
final class AgentInfoCommand extends ClientCommand {
    @Option(names = {"-json"}, description = "Print the API JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonNode self = api().get("/v1/agent/self");
        if (json) {
            printJson(self);
            return 0;
        }
        Map<String, JsonNode> sections = new TreeMap<>();
        self.path("stats").fields().forEachRemaining(e -> sections.put(e.getKey(), e.getValue()));
        for (var s : sections.entrySet()) {
            out().println(s.getKey());
            Map<String, String> kv = new TreeMap<>();
            s.getValue().fields().forEachRemaining(e -> kv.put(e.getKey(), e.getValue().asText()));
            List<String[]> rows = new ArrayList<>();
            kv.forEach((k, v) -> rows.add(new String[] {"  " + k, v}));
            out().print(Output.kv(rows));
        }
        return 0;
    }
}
