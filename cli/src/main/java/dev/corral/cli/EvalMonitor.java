package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Follows an evaluation and then its allocations the way {@code nomad job run} does, printing
 * one line per change. Uses blocking queries, so it reacts as soon as the agent changes state.
 */
final class EvalMonitor {
    private final ApiClient api;
    private final PrintStream out;

    EvalMonitor(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    private void head(String msg) {
        out.println("==> " + Output.now() + ": " + msg);
    }

    private void line(String msg) {
        out.println("    " + Output.now() + ": " + msg);
    }

    /**
     * Monitors {@code evalId} to completion, then (when {@code waitRunning}) its allocations until
     * each runs or ends. Returns Nomad's exit code: 0, or 2 when placement failed or an
     * allocation failed.
     */
    int monitor(String evalId, boolean waitRunning) {
        head("Monitoring evaluation \"" + Output.shortId(evalId) + "\"");
        String status = "";
        long index = 0;
        JsonNode eval;
        boolean first = true;
        while (true) {
            ApiClient.Indexed r = api.getIndexed("/v1/evaluation/" + ApiClient.enc(evalId) + "?index=" + index
                    + "&wait=5s");
            eval = r.body();
            if (first) {
                line("Evaluation triggered by job \"" + eval.path("JobID").asText() + "\"");
                first = false;
            }
            String s = eval.path("Status").asText();
            if (!s.equals(status)) {
                if (!status.isEmpty()) {
                    line("Evaluation status changed: \"" + status + "\" -> \"" + s + "\"");
                }
                status = s;
            }
            if (!s.equals("pending") && !s.isEmpty()) {
                break;
            }
            index = r.index();
        }
        Set<String> seen = new HashSet<>();
        JsonNode allocs = api.get("/v1/evaluation/" + ApiClient.enc(evalId) + "/allocations");
        for (JsonNode a : allocs) {
            seen.add(a.path("ID").asText());
            line("Allocation \"" + Output.shortId(a.path("ID").asText()) + "\" created: node \""
                    + Output.shortId(a.path("NodeID").asText()) + "\", group \"" + a.path("TaskGroup").asText()
                    + "\"");
        }
        JsonNode failed = eval.path("FailedTGAllocs");
        boolean placementFailed = failed.isObject() && !failed.isEmpty();
        if (placementFailed) {
            head("Evaluation \"" + Output.shortId(evalId) + "\" finished with status \"" + status
                    + "\" but failed to place all allocations:");
            for (Iterator<Map.Entry<String, JsonNode>> it = failed.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode m = e.getValue();
                int n = m.path("CoalescedFailures").asInt() + 1;
                line("Task Group \"" + e.getKey() + "\" (failed to place " + n + " allocation"
                        + (n == 1 ? "" : "s") + "):");
                m.path("ConstraintFiltered").fields().forEachRemaining(c -> out.println(
                        "      * Constraint \"" + c.getKey() + "\": " + c.getValue().asInt()
                                + " nodes excluded by filter"));
                m.path("DimensionExhausted").fields().forEachRemaining(c -> out.println(
                        "      * Resources exhausted on " + c.getValue().asInt() + " nodes"
                                + "\n      * Dimension \"" + c.getKey() + "\" exhausted on "
                                + c.getValue().asInt() + " nodes"));
            }
            String blocked = eval.path("BlockedEval").asText();
            if (!blocked.isEmpty()) {
                line("Evaluation \"" + Output.shortId(blocked) + "\" waiting for additional capacity to place"
                        + " remainder");
            }
            return 2;
        }
        head("Evaluation \"" + Output.shortId(evalId) + "\" finished with status \"" + status + "\"");
        if (!status.equals("complete")) {
            return 2;
        }
        if (!waitRunning || seen.isEmpty()) {
            return 0;
        }
        return watchAllocations(seen);
    }

    private int watchAllocations(Set<String> ids) {
        Map<String, String> last = new HashMap<>();
        int code = 0;
        while (true) {
            boolean settled = true;
            long index = 0;
            for (String id : ids) {
                ApiClient.Indexed r = api.getIndexed("/v1/allocation/" + ApiClient.enc(id));
                JsonNode a = r.body();
                index = Math.max(index, r.index());
                String s = a.path("ClientStatus").asText();
                String prev = last.put(id, s);
                // A new allocation starts out pending: only a real change is worth a line.
                if (!s.equals(prev == null ? "pending" : prev)) {
                    line("Allocation \"" + Output.shortId(id) + "\" status changed: \"" + (prev == null ? "pending"
                            : prev) + "\" -> \"" + s + "\"" + (a.path("ClientDescription").asText().isEmpty() ? ""
                            : " (" + a.path("ClientDescription").asText() + ")"));
                }
                if (s.equals("pending")) {
                    settled = false;
                }
                if (s.equals("failed") || s.equals("lost")) {
                    code = 2;
                }
            }
            if (settled) {
                head(code == 0 ? "Allocations started" : "Allocations failed");
                return code;
            }
            // wait for any change before looking again
            api.get("/v1/allocations?index=" + index + "&wait=5s");
        }
    }
}
