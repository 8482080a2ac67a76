package dev.corral.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.http.NomadJson.FieldDiff;
import dev.corral.agent.http.NomadJson.JobDiff;
import dev.corral.agent.http.NomadJson.ObjectDiff;
import dev.corral.agent.http.NomadJson.TaskDiff;
import dev.corral.agent.http.NomadJson.TaskGroupDiff;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Nomad's {@code JobDiff} between two API JSON jobs: scalar fields become {@code FieldDiff}s,
 * nested objects {@code ObjectDiff}s, groups and tasks are matched by name. Server-set fields
 * (indexes, status, version, submit time) are not compared.
 */
final class PlanDiffs {
    private static final Set<String> IGNORED = Set.of("Status", "StatusDescription", "Version", "SubmitTime",
            "CreateIndex", "ModifyIndex", "JobModifyIndex", "Stable", "Stop", "TaskGroups", "Tasks");

    private PlanDiffs() {}

    static JobDiff job(ObjectNode oldJob, ObjectNode newJob) {
        List<FieldDiff> fields = new ArrayList<>();
        List<ObjectDiff> objects = new ArrayList<>();
        compare(oldJob, newJob, fields, objects);
        List<TaskGroupDiff> groups = new ArrayList<>();
        Map<String, JsonNode> oldGroups = byName(oldJob == null ? null : oldJob.get("TaskGroups"));
        Map<String, JsonNode> newGroups = byName(newJob.get("TaskGroups"));
        for (String g : union(oldGroups.keySet(), newGroups.keySet())) {
            groups.add(group(g, oldGroups.get(g), newGroups.get(g)));
        }
        String type = oldJob == null ? "Added" : edited(fields, objects) || groups.stream()
                .anyMatch(g -> !g.type().equals("None")) ? "Edited" : "None";
        return new JobDiff(type, newJob.path("ID").asText(), fields, objects, groups);
    }

    private static TaskGroupDiff group(String name, JsonNode oldG, JsonNode newG) {
        List<FieldDiff> fields = new ArrayList<>();
        List<ObjectDiff> objects = new ArrayList<>();
        compare(oldG, newG, fields, objects);
        List<TaskDiff> tasks = new ArrayList<>();
        Map<String, JsonNode> oldT = byName(oldG == null ? null : oldG.get("Tasks"));
        Map<String, JsonNode> newT = byName(newG == null ? null : newG.get("Tasks"));
        for (String t : union(oldT.keySet(), newT.keySet())) {
            List<FieldDiff> tf = new ArrayList<>();
            List<ObjectDiff> to = new ArrayList<>();
            compare(oldT.get(t), newT.get(t), tf, to);
            String type = oldT.get(t) == null ? "Added" : newT.get(t) == null ? "Deleted"
                    : edited(tf, to) ? "Edited" : "None";
            List<String> ann = type.equals("Edited") ? List.of("forces create/destroy update") : List.of();
            tasks.add(new TaskDiff(type, t, tf, to, ann));
        }
        String type = oldG == null ? "Added" : newG == null ? "Deleted"
                : edited(fields, objects) || tasks.stream().anyMatch(t -> !t.type().equals("None")) ? "Edited" : "None";
        return new TaskGroupDiff(type, name, fields, objects, tasks, Map.of());
    }

    private static boolean edited(List<FieldDiff> f, List<ObjectDiff> o) {
        return f.stream().anyMatch(x -> !x.type().equals("None")) || o.stream().anyMatch(x -> !x.type().equals("None"));
    }

    private static Map<String, JsonNode> byName(JsonNode array) {
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        if (array != null) {
            array.forEach(n -> m.put(n.path("Name").asText(), n));
        }
        return m;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static void compare(JsonNode oldN, JsonNode newN, List<FieldDiff> fields, List<ObjectDiff> objects) {
        Set<String> names = new LinkedHashSet<>();
        if (oldN != null) {
            oldN.fieldNames().forEachRemaining(names::add);
        }
        if (newN != null) {
            newN.fieldNames().forEachRemaining(names::add);
        }
        for (String n : names) {
            if (IGNORED.contains(n)) {
                continue;
            }
            JsonNode o = oldN == null ? null : oldN.get(n);
            JsonNode v = newN == null ? null : newN.get(n);
            if (isObject(o) || isObject(v)) {
                List<FieldDiff> f = new ArrayList<>();
                List<ObjectDiff> sub = new ArrayList<>();
                compare(isObject(o) ? o : null, isObject(v) ? v : null, f, sub);
                String type = !isObject(o) ? "Added" : !isObject(v) ? "Deleted" : edited(f, sub) ? "Edited" : "None";
                if (!type.equals("None") || !f.isEmpty()) {
                    objects.add(new ObjectDiff(type, n, f, sub));
                }
            } else {
                String os = text(o);
                String ns = text(v);
                String type = o == null || o.isNull() ? (ns.isEmpty() ? "None" : "Added")
                        : v == null || v.isNull() ? "Deleted" : os.equals(ns) ? "None" : "Edited";
                fields.add(new FieldDiff(type, n, os, ns, List.of()));
            }
        }
    }

    private static boolean isObject(JsonNode n) {
        return n != null && n.isObject();
    }

    private static String text(JsonNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                JsonNode e = it.next();
                parts.add(e.isValueNode() ? e.asText() : e.toString());
            }
            return String.join(", ", parts);
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }
}
