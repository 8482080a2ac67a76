package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders a Nomad {@code JobDiff} like {@code nomad job plan}: {@code +}, {@code -}, {@code +/-} markers. */
final class PlanDiff {
    private PlanDiff() {}

    static String marker(String type) {
        return switch (type) {
            case "Added" -> "+";
            case "Deleted" -> "-";
            case "Edited" -> "+/-";
            default -> "";
        };
    }

    static String render(JsonNode job) {
        StringBuilder sb = new StringBuilder();
        sb.append(prefix(job)).append("Job: \"").append(job.path("ID").asText()).append("\"\n");
        fields(sb, job, "");
        objects(sb, job, "");
        for (JsonNode tg : job.path("TaskGroups")) {
            sb.append(prefix(tg)).append("Task Group: \"").append(tg.path("Name").asText()).append("\"");
            StringBuilder upd = new StringBuilder();
            tg.path("Updates").fields().forEachRemaining(e -> {
                if (e.getValue().asLong() > 0) {
                    upd.append(upd.isEmpty() ? "" : ", ").append(e.getValue().asLong()).append(' ').append(e.getKey());
                }
            });
            if (!upd.isEmpty()) {
                sb.append(" (").append(upd).append(")");
            }
            sb.append('\n');
            fields(sb, tg, "  ");
            objects(sb, tg, "  ");
            for (JsonNode t : tg.path("Tasks")) {
                sb.append("  ").append(prefix(t)).append("Task: \"").append(t.path("Name").asText()).append("\"");
                if (!t.path("Annotations").isEmpty()) {
                    StringBuilder a = new StringBuilder();
                    t.path("Annotations").forEach(x -> a.append(a.isEmpty() ? "" : ", ").append(x.asText()));
                    sb.append(" (").append(a).append(")");
                }
                sb.append('\n');
                fields(sb, t, "    ");
                objects(sb, t, "    ");
            }
        }
        return sb.toString();
    }

    private static String prefix(JsonNode n) {
        String m = marker(n.path("Type").asText());
        return m.isEmpty() ? "" : m + " ";
    }

    private static void fields(StringBuilder sb, JsonNode n, String indent) {
        for (JsonNode f : n.path("Fields")) {
            String type = f.path("Type").asText();
            String m = marker(type);
            sb.append(indent).append(m.isEmpty() ? "  " : m + " ").append(f.path("Name").asText()).append(": ");
            switch (type) {
                case "Added" -> sb.append('"').append(f.path("New").asText()).append('"');
                case "Deleted" -> sb.append('"').append(f.path("Old").asText()).append('"');
                case "Edited" -> sb.append('"').append(f.path("Old").asText()).append("\" => \"")
                        .append(f.path("New").asText()).append('"');
                default -> sb.append('"').append(f.path("New").asText()).append('"');
            }
            sb.append('\n');
        }
    }

    private static void objects(StringBuilder sb, JsonNode n, String indent) {
        for (JsonNode o : n.path("Objects")) {
            sb.append(indent).append(prefix(o)).append(o.path("Name").asText()).append(" {\n");
            fields(sb, o, indent + "  ");
            objects(sb, o, indent + "  ");
            sb.append(indent).append("}\n");
        }
    }
}
