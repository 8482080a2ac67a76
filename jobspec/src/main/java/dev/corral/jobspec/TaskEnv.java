package dev.corral.jobspec;

import dev.corral.jobspec.eval.Evaluator;
import dev.corral.jobspec.eval.Functions;
import dev.corral.jobspec.hcl.Hcl;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.Network;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import dev.corral.jobspec.model.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A task's runtime environment and the {@code ${...}} interpolation the client applies when the
 * task starts (Nomad's taskenv): {@code NOMAD_*} variables, node attributes
 * ({@code ${node.unique.id}}, {@code ${node.pool}}, {@code ${attr.cpu.arch}}, {@code ${meta.rack}}), and
 * {@code ${env["NAME"]}}. References that cannot be resolved stay verbatim, as in Nomad.
 *
 * <pre>{@code
 * TaskEnv env = TaskEnv.builder(job, group, task).allocId(id).allocIndex(0).node(node).hostEnv(System.getenv()).build();
 * List<String> argv = env.interpolate(ExecConfig.of(task.config()).args());
 * Map<String, String> environment = env.environment();
 * }</pre>
 */
public final class TaskEnv {

    /** Nomad's default {@code env.denylist}: agent variables never copied into tasks. */
    public static final Set<String> DEFAULT_ENV_DENYLIST = Set.of("CONSUL_TOKEN", "CONSUL_HTTP_TOKEN", "VAULT_TOKEN",
            "NOMAD_LICENSE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "GOOGLE_APPLICATION_CREDENTIALS");

    private static final Pattern SIMPLE = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)\\}");
    private static final Pattern ENV_INDEX = Pattern.compile("\\$\\{\\s*env\\[\"([^\"\\\\]*)\"\\]\\s*\\}");
    private static final Pattern UNCLEAN = Pattern.compile("[^A-Za-z0-9_.]");

    /**
     * What the client knows about its node.
     *
     * @param attributes fingerprinted attributes without the {@code attr.} prefix, e.g. {@code kernel.name}
     * @param meta       client meta without the {@code meta.} prefix
     */
    public record Node(String id, String name, String nodeClass, String datacenter, String region, String pool,
                       Map<String, String> attributes, Map<String, String> meta) {
        public Node {
            attributes = Map.copyOf(attributes);
            meta = Map.copyOf(meta);
        }
    }

    private final Map<String, String> env;
    private final Map<String, String> nodeVars;

    private TaskEnv(Map<String, String> env, Map<String, String> nodeVars) {
        this.env = java.util.Collections.unmodifiableMap(env);
        this.nodeVars = Map.copyOf(nodeVars);
    }

    /** The environment the task's process gets, in Nomad's precedence order. */
    public Map<String, String> environment() {
        return env;
    }

    /** Node variables by reference name: {@code node.unique.id}, {@code attr.kernel.name}, {@code meta.rack}. */
    public Map<String, String> nodeVariables() {
        return nodeVars;
    }

    /**
     * Replaces {@code ${name}} (node variables first, then the environment) and
     * {@code ${env["NAME"]}}; anything else is left as written.
     */
    public String interpolate(String s) {
        if (s.indexOf("${") < 0) {
            return s;
        }
        String r = replace(ENV_INDEX, s, name -> env.get(name));
        return replace(SIMPLE, r, name -> {
            String v = nodeVars.get(name);
            return v != null ? v : env.get(name);
        });
    }

    /** {@link #interpolate(String)} over a list. */
    public List<String> interpolate(List<String> l) {
        return l.stream().map(this::interpolate).toList();
    }

    /** {@link #interpolate(String)} over a map's values. */
    public Map<String, String> interpolate(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, interpolate(v)));
        return out;
    }

    /** {@link #interpolate(String)} over every string in a config value, keys included. */
    public Value interpolate(Value v) {
        return switch (v) {
            case Value.Str s -> new Value.Str(interpolate(s.value()));
            case Value.ListValue l -> new Value.ListValue(l.items().stream().map(this::interpolate).toList());
            case Value.MapValue m -> {
                Map<String, Value> out = new LinkedHashMap<>();
                m.entries().forEach((k, x) -> out.put(interpolate(k), interpolate(x)));
                yield new Value.MapValue(out);
            }
            default -> v;
        };
    }

    /**
     * Evaluates a driver config the way Nomad's client does before handing it to the driver
     * (HCL2 over the config, Nomad's taskenv §4.4): every string is a template whose variables
     * are the task's environment ({@code ${NOMAD_ALLOC_ID}}, {@code ${env["HOME"]}}) and the node
     * ({@code ${node.unique.name}}, {@code ${attr.cpu.arch}}, {@code ${meta.rack}}), with functions
     * such as {@code ${upper(NOMAD_TASK_NAME)}}. Unlike {@link #interpolate(String)}, an unknown
     * variable is an error.
     *
     * @throws JobSpecException naming the config field, e.g. {@code config.args[1]}
     */
    public Value evaluate(Value config) {
        Evaluator ev = new Evaluator(configVariables(), FUNCTIONS, false);
        return evaluate(ev, config, "config");
    }

    private static final Functions FUNCTIONS = Functions.standard(null);

    private Value evaluate(Evaluator ev, Value v, String path) {
        return switch (v) {
            case Value.Str s when s.value().contains("${") || s.value().contains("%{") -> {
                try {
                    yield ev.evaluate(Hcl.parseTemplate(path, s.value()));
                } catch (JobSpecException e) {
                    Diagnostic d = e.diagnostics().getFirst();
                    throw new JobSpecException(Diagnostic.error(d.pos(), path, "failed to parse config: " + d.message()));
                }
            }
            case Value.ListValue l -> {
                List<Value> out = new ArrayList<>();
                for (int i = 0; i < l.items().size(); i++) {
                    out.add(evaluate(ev, l.items().get(i), path + "[" + i + "]"));
                }
                yield new Value.ListValue(out);
            }
            case Value.MapValue m -> {
                Map<String, Value> out = new LinkedHashMap<>();
                m.entries().forEach((k, x) -> out.put(k, evaluate(ev, x, path + "." + k)));
                yield new Value.MapValue(out);
            }
            default -> v;
        };
    }

    /**
     * Variables for config evaluation: environment names at the top level, {@code env} as a map,
     * node variables nested by their dots ({@code attr.cpu.arch}); dotted names that clash with a
     * shorter one (Nomad logs these as unavailable) are left out.
     */
    private Map<String, Value> configVariables() {
        Map<String, Object> tree = new LinkedHashMap<>();
        nodeVars.forEach((k, v) -> nest(tree, k.split("\\."), v));
        if (tree.get("node") instanceof Map<?, ?> node) {
            @SuppressWarnings("unchecked")
            Map<String, Object> n = (Map<String, Object>) node;
            if (tree.get("attr") != null) {
                n.putIfAbsent("attr", tree.get("attr"));
            }
            if (tree.get("meta") != null) {
                n.putIfAbsent("meta", tree.get("meta"));
            }
        }
        Map<String, Value> vars = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            if (!k.isEmpty() && !k.contains(".") && !tree.containsKey(k)) {
                vars.put(k, Value.of(v));
            }
        });
        tree.forEach((k, v) -> vars.put(k, Value.fromJava(v)));
        vars.put("env", Value.fromJava(env));
        return vars;
    }

    @SuppressWarnings("unchecked")
    private static void nest(Map<String, Object> tree, String[] parts, String value) {
        Map<String, Object> m = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = m.computeIfAbsent(parts[i], x -> new LinkedHashMap<String, Object>());
            if (!(next instanceof Map)) {
                return;
            }
            m = (Map<String, Object>) next;
        }
        if (!(m.get(parts[parts.length - 1]) instanceof Map)) {
            m.put(parts[parts.length - 1], value);
        }
    }

    private static String replace(Pattern p, String s, java.util.function.Function<String, String> lookup) {
        Matcher m = p.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = lookup.apply(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Starts building the environment of one task of an allocation of a parsed job. */
    public static Builder builder(Job job, TaskGroup group, Task task) {
        Builder b = builder(job.namespace(), job.id(), job.name(), group.name(), task.name())
                .meta(job.meta(), group.meta(), task.meta())
                .env(task.env())
                .resources(task.resources().cpu(), task.resources().memory().mebibytes(),
                        task.resources().memoryMax().bytes() > 0 ? task.resources().memoryMax().mebibytes() : 0);
        if (group.network() != null) {
            b.groupPorts = group.network().ports();
        }
        return b;
    }

    /**
     * Starts building the environment of one task from plain values, for callers with a job model
     * of their own (the agent's runnable job); set the rest with {@link Builder#meta},
     * {@link Builder#env}, {@link Builder#resources}.
     */
    public static Builder builder(String namespace, String jobId, String jobName, String group, String task) {
        return new Builder(namespace, jobId, jobName, group, task);
    }

    /** Builds a {@link TaskEnv}; unset values are simply not exported, as in Nomad. */
    public static final class Builder {
        private final String namespace;
        private final String jobId;
        private final String jobName;
        private final String group;
        private final String task;
        private Map<String, String> jobMeta = Map.of();
        private Map<String, String> groupMeta = Map.of();
        private Map<String, String> taskMeta = Map.of();
        private Map<String, String> taskEnv = Map.of();
        private long cpuMhz;
        private long memoryMb;
        private long memoryMaxMb;
        private List<Network.Port> groupPorts = List.of();
        private String allocId = "";
        private int allocIndex;
        private String allocName;
        private Node node;
        private String allocDir = "/alloc";
        private String taskDir = "/local";
        private String secretsDir = "/secrets";
        private String parentCgroup = "";
        private String cpuCores = "";
        private Map<String, String> hostEnv = Map.of();
        private Set<String> denylist = DEFAULT_ENV_DENYLIST;
        private String ip = "";
        private Map<String, Integer> hostPorts = Map.of();

        private Builder(String namespace, String jobId, String jobName, String group, String task) {
            this.namespace = namespace;
            this.jobId = jobId;
            this.jobName = jobName;
            this.group = group;
            this.task = task;
        }

        /** {@code meta} of the job, the group and the task; later wins. */
        public Builder meta(Map<String, String> job, Map<String, String> group, Map<String, String> task) {
            this.jobMeta = job;
            this.groupMeta = group;
            this.taskMeta = task;
            return this;
        }

        /** The task's {@code env} block, interpolated last and winning over everything else. */
        public Builder env(Map<String, String> env) {
            this.taskEnv = env;
            return this;
        }

        /** What the task was given: {@code NOMAD_CPU_LIMIT}, {@code NOMAD_MEMORY_LIMIT}, {@code NOMAD_MEMORY_MAX_LIMIT} (0 = none). */
        public Builder resources(long cpuMhz, long memoryMb, long memoryMaxMb) {
            this.cpuMhz = cpuMhz;
            this.memoryMb = memoryMb;
            this.memoryMaxMb = memoryMaxMb;
            return this;
        }

        public Builder allocId(String id) {
            this.allocId = id;
            return this;
        }

        public Builder allocIndex(int index) {
            this.allocIndex = index;
            return this;
        }

        /** {@code NOMAD_ALLOC_NAME}; default {@code <job id>.<group>[<index>]}. */
        public Builder allocName(String name) {
            this.allocName = name;
            return this;
        }

        public Builder node(Node n) {
            this.node = n;
            return this;
        }

        /** Directory paths as the task sees them; defaults {@code /alloc}, {@code /local}, {@code /secrets} (exec). */
        public Builder taskDirs(String alloc, String local, String secrets) {
            this.allocDir = alloc;
            this.taskDir = local;
            this.secretsDir = secrets;
            return this;
        }

        public Builder parentCgroup(String cgroup) {
            this.parentCgroup = cgroup;
            return this;
        }

        /** Reserved cores in cpuset list notation, e.g. {@code 0-2,7}. */
        public Builder cpuCores(String cpuset) {
            this.cpuCores = cpuset;
            return this;
        }

        /** The agent's environment, copied into the task minus the denylist. */
        public Builder hostEnv(Map<String, String> env, Set<String> deny) {
            this.hostEnv = Map.copyOf(env);
            this.denylist = Set.copyOf(deny);
            return this;
        }

        /** The agent's environment with Nomad's default denylist. */
        public Builder hostEnv(Map<String, String> env) {
            return hostEnv(env, DEFAULT_ENV_DENYLIST);
        }

        /** Host ports assigned to the group network's port labels, and the address they are bound on. */
        public Builder ports(String address, Map<String, Integer> assigned) {
            this.ip = address;
            this.hostPorts = Map.copyOf(assigned);
            return this;
        }

        public TaskEnv build() {
            Map<String, String> nodeVars = new LinkedHashMap<>();
            if (node != null) {
                putIf(nodeVars, "node.unique.id", node.id());
                putIf(nodeVars, "node.unique.name", node.name());
                putIf(nodeVars, "node.class", node.nodeClass());
                putIf(nodeVars, "node.datacenter", node.datacenter());
                putIf(nodeVars, "node.region", node.region());
                putIf(nodeVars, "node.pool", node.pool());
                node.attributes().forEach((k, v) -> nodeVars.put("attr." + k, v));
                node.meta().forEach((k, v) -> nodeVars.put("meta." + k, v));
            }
            Map<String, String> env = new LinkedHashMap<>();
            putIf(env, "NOMAD_ALLOC_DIR", allocDir);
            putIf(env, "NOMAD_TASK_DIR", taskDir);
            putIf(env, "NOMAD_SECRETS_DIR", secretsDir);
            putIf(env, "NOMAD_MEMORY_LIMIT", String.valueOf(memoryMb));
            if (memoryMaxMb > 0) {
                env.put("NOMAD_MEMORY_MAX_LIMIT", String.valueOf(memoryMaxMb));
            }
            putIf(env, "NOMAD_CPU_LIMIT", String.valueOf(cpuMhz));
            putIf(env, "NOMAD_CPU_CORES", cpuCores);
            putIf(env, "NOMAD_ALLOC_ID", allocId);
            putIf(env, "NOMAD_SHORT_ALLOC_ID", allocId.length() >= 8 ? allocId.substring(0, 8) : allocId);
            env.put("NOMAD_ALLOC_NAME", allocName != null ? allocName : jobId + "." + group + "[" + allocIndex + "]");
            env.put("NOMAD_ALLOC_INDEX", String.valueOf(allocIndex));
            env.put("NOMAD_TASK_NAME", task);
            env.put("NOMAD_GROUP_NAME", group);
            env.put("NOMAD_JOB_ID", jobId);
            env.put("NOMAD_JOB_NAME", jobName);
            if (node != null) {
                putIf(env, "NOMAD_DC", node.datacenter());
                putIf(env, "NOMAD_REGION", node.region());
            }
            putIf(env, "NOMAD_PARENT_CGROUP", parentCgroup);
            putIf(env, "NOMAD_NAMESPACE", namespace);
            for (Network.Port p : groupPorts) {
                Integer host = p.isStatic() ? Integer.valueOf(p.value()) : hostPorts.get(p.label());
                if (host == null) {
                    continue;
                }
                String label = clean(p.label());
                int inside = p.to() > 0 ? p.to() : host;
                env.put("NOMAD_IP_" + label, ip);
                env.put("NOMAD_HOST_IP_" + label, ip);
                env.put("NOMAD_PORT_" + label, String.valueOf(inside));
                env.put("NOMAD_ALLOC_PORT_" + label, String.valueOf(inside));
                env.put("NOMAD_HOST_PORT_" + label, String.valueOf(host));
                env.put("NOMAD_ADDR_" + label, ip + ":" + inside);
                env.put("NOMAD_HOST_ADDR_" + label, ip + ":" + host);
            }
            // Meta: job, then group, then task (later wins); values interpolated; both as written and upper-cased.
            Map<String, String> meta = new LinkedHashMap<>(jobMeta);
            meta.putAll(groupMeta);
            meta.putAll(taskMeta);
            TaskEnv partial = new TaskEnv(new LinkedHashMap<>(env), nodeVars);
            Map<String, String> metaEnv = new LinkedHashMap<>();
            meta.forEach((k, v) -> {
                String value = partial.interpolate(v);
                metaEnv.put("NOMAD_META_" + clean(k), value);
                metaEnv.put("NOMAD_META_" + clean(k).toUpperCase(Locale.ROOT), value);
            });
            env.putAll(metaEnv);
            hostEnv.forEach((k, v) -> {
                if (!denylist.contains(k)) {
                    env.putIfAbsent(k, v);
                }
            });
            TaskEnv base = new TaskEnv(new LinkedHashMap<>(env), nodeVars);
            for (Map.Entry<String, String> e : taskEnv.entrySet()) {
                env.put(base.interpolate(e.getKey()), base.interpolate(e.getValue()));
            }
            return new TaskEnv(env, nodeVars);
        }

        private static void putIf(Map<String, String> m, String k, String v) {
            if (v != null && !v.isEmpty()) {
                m.put(k, v);
            }
        }
    }

    /** Nomad's key cleaning for port labels and meta keys: anything outside {@code [A-Za-z0-9_.]} becomes {@code _}. */
    static String clean(String key) {
        String s = UNCLEAN.matcher(key).replaceAll("_");
        return !s.isEmpty() && Character.isDigit(s.charAt(0)) ? "_" + s.substring(1) : s;
    }
}
