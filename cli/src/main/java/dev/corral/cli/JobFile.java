package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a job file for {@code job run|plan|validate}: JSON files ({@code {"Job": {...}}} or a bare
 * job) are read here; HCL2 files go to the agent's {@code /v1/jobs/parse}, so the CLI and the agent
 * parse with the same jobspec module and the CLI stays small.
 */
final class JobFile {
    private JobFile() {}

    static ObjectNode load(ApiClient api, String file, List<String> vars, List<String> varFiles) throws IOException {
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new ApiClient.UsageError("Error getting job struct: Error reading job file \"" + file
                    + "\": no such file");
        }
        if (file.endsWith(".json") || text.stripLeading().startsWith("{")) {
            JsonNode n = ApiClient.json().readTree(text);
            JsonNode job = n.has("Job") ? n.get("Job") : n;
            if (!(job instanceof ObjectNode o)) {
                throw new ApiClient.UsageError("Error getting job struct: " + file + ": not a JSON job object");
            }
            return o;
        }
        StringBuilder variables = new StringBuilder();
        for (String vf : varFiles) {
            variables.append(Files.readString(Path.of(vf))).append('\n');
        }
        for (String v : vars) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new ApiClient.UsageError("Invalid -var \"" + v + "\": expected NAME=VALUE");
            }
            variables.append(v, 0, eq).append(" = ").append(hclValue(v.substring(eq + 1))).append('\n');
        }
        JsonNode parsed = api.put("/v1/jobs/parse", ApiClient.map("JobHCL", text, "Variables", variables.toString(),
                "Canonicalize", true));
        if (!(parsed instanceof ObjectNode o)) {
            throw new ApiClient.UsageError("Error getting job struct: the agent returned no job for " + file);
        }
        return o;
    }

    /** A -var value as HCL: numbers, bools and lists stay typed, anything else is a quoted string. */
    static String hclValue(String raw) {
        if (raw.matches("-?\\d+(\\.\\d+)?") || raw.equals("true") || raw.equals("false")
                || (raw.startsWith("[") && raw.endsWith("]")) || (raw.startsWith("{") && raw.endsWith("}"))) {
            return raw;
        }
        return "\"" + raw.replace("\\", "\\\\").replace("\"", "\\\"").replace("${", "$${") + "\"";
    }
}
