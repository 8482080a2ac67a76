package dev.corral.agent.runner;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.node.HostFingerprint;
import dev.corral.agent.node.Node;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task's environment as Nomad builds it for {@code exec}: the {@code NOMAD_*} variables (paths as
 * the task sees them), merged meta, the agent's own environment minus {@code env.denylist}, then
 * the task's {@code env} block with {@code ${...}} substituted.
 */
public final class TaskEnv {
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)}");
    private static final Pattern UNCLEAN = Pattern.compile("[^A-Za-z0-9_.]");

    private TaskEnv() {}

    /**
     * @param hostEnv       the agent's environment
     * @param envDenylist   agent variables never passed through
     * @param parentCgroup  {@code NOMAD_PARENT_CGROUP}
     */
    public static Map<String, String> build(Job job, TaskGroup group, Task task, AllocRecord alloc, Node node,
                                            Map<String, String> hostEnv, Set<String> envDenylist, String parentCgroup) {
        Map<String, String> env = new LinkedHashMap<>();
        TaskResources r = alloc.taskResources().getOrDefault(task.name(),
                new TaskResources(task.resources().cpuMhz(), task.resources().memoryMb(), task.resources().memoryMaxMb(),
                        List.of()));
        env.put("NOMAD_ALLOC_DIR", "/alloc");
        env.put("NOMAD_TASK_DIR", "/local");
        env.put("NOMAD_SECRETS_DIR", "/secrets");
        env.put("NOMAD_MEMORY_LIMIT", Long.toString(r.memoryMb()));
        if (r.memoryMaxMb() > 0) {
            env.put("NOMAD_MEMORY_MAX_LIMIT", Long.toString(r.memoryMaxMb()));
        }
        env.put("NOMAD_CPU_LIMIT", Long.toString(r.cpuMhz()));
        if (!r.reservedCores().isEmpty()) {
            env.put("NOMAD_CPU_CORES", HostFingerprint.formatCpuList(r.reservedCores()));
        }
        env.put("NOMAD_ALLOC_ID", alloc.id());
        env.put("NOMAD_SHORT_ALLOC_ID", alloc.shortId());
        env.put("NOMAD_ALLOC_NAME", alloc.name());
        env.put("NOMAD_ALLOC_INDEX", Integer.toString(alloc.index()));
        env.put("NOMAD_TASK_NAME", task.name());
        env.put("NOMAD_GROUP_NAME", group.name());
        env.put("NOMAD_JOB_ID", job.id());
        env.put("NOMAD_JOB_NAME", job.name());
        putIfSet(env, "NOMAD_DC", node.datacenter());
        putIfSet(env, "NOMAD_PARENT_CGROUP", parentCgroup);
        env.put("NOMAD_NAMESPACE", job.namespace());
        putIfSet(env, "NOMAD_REGION", node.region());
        Map<String, String> meta = new LinkedHashMap<>(job.meta());
        meta.putAll(group.meta());
        meta.putAll(task.meta());
        meta.forEach((k, v) -> {
            String value = interpolate(v, node, env);
            env.put(clean("NOMAD_META_" + k), value);
            env.put(clean("NOMAD_META_" + k.toUpperCase(Locale.ROOT)), value);
        });
        hostEnv.forEach((k, v) -> {
            if (!envDenylist.contains(k)) {
                env.putIfAbsent(k, v);
            }
        });
        Map<String, String> fromTask = new LinkedHashMap<>();
        task.env().forEach((k, v) -> fromTask.put(k, interpolate(v, node, env)));
        env.putAll(fromTask);
        return env;
    }

    private static void putIfSet(Map<String, String> env, String k, String v) {
        if (v != null && !v.isEmpty()) {
            env.put(k, v);
        }
    }

    /** Nomad's key cleaning for meta and port variables: other characters (and a leading digit) become {@code _}. */
    static String clean(String key) {
        String s = UNCLEAN.matcher(key).replaceAll("_");
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            s = "_" + s.substring(1);
        }
        return s;
    }

    /**
     * Nomad's simple substitution: {@code ${name}} looked up in node variables first, then in the
     * environment built so far; unknown references are left as written.
     */
    public static String interpolate(String s, Node node, Map<String, String> env) {
        if (s == null || !s.contains("${")) {
            return s;
        }
        Matcher m = VAR.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String v = nodeVar(node, key);
            if (v == null) {
                v = env.get(key);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String nodeVar(Node node, String key) {
        if (key.startsWith("node.") || key.startsWith("attr.") || key.startsWith("meta.")) {
            return node.resolve("${" + key + "}").orElse(null);
        }
        return null;
    }
}
