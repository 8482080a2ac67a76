package dev.corral.jobspec;

import dev.corral.jobspec.eval.Evaluator;
import dev.corral.jobspec.eval.Functions;
import dev.corral.jobspec.hcl.Ast.Attribute;
import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.BodyItem;
import dev.corral.jobspec.model.Affinity;
import dev.corral.jobspec.model.Artifact;
import dev.corral.jobspec.model.ArtifactMode;
import dev.corral.jobspec.model.Constraint;
import dev.corral.jobspec.model.DataSize;
import dev.corral.jobspec.model.DriverConfig;
import dev.corral.jobspec.model.EphemeralDisk;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.JobType;
import dev.corral.jobspec.model.Lifecycle;
import dev.corral.jobspec.model.LifecycleHook;
import dev.corral.jobspec.model.LogConfig;
import dev.corral.jobspec.model.Network;
import dev.corral.jobspec.model.ReschedulePolicy;
import dev.corral.jobspec.model.Resources;
import dev.corral.jobspec.model.RestartMode;
import dev.corral.jobspec.model.RestartPolicy;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.VolumeMount;
import dev.corral.jobspec.model.VolumeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.nio.file.Path;

/** Decodes an HCL job file's tree into the {@link Job} model with Nomad's defaults. */
final class HclJobDecoder {

    /** Blocks and arguments Nomad has that Corral parses but does not act on, per level. */
    static final String[] JOB_UNSUPPORTED = {"update", "migrate", "spread", "periodic", "parameterized", "multiregion",
        "vault", "consul", "ui", "all_at_once", "vault_token", "consul_token", "consul_namespace", "vault_namespace"};
    static final String[] GROUP_UNSUPPORTED = {"service", "update", "migrate", "scaling", "spread", "consul", "disconnect",
        "max_client_disconnect", "stop_after_client_disconnect", "prevent_reschedule_on_lost"};
    static final String[] TASK_UNSUPPORTED = {"service", "template", "vault", "consul", "identity", "dispatch_payload",
        "scaling", "csi_plugin", "kind", "action", "schedule"};
    static final String[] RESOURCES_UNSUPPORTED = {"device", "network", "numa", "secrets", "disk", "iops"};

    private final Diagnostics diags;
    private final Positions positions;
    private final Map<String, String> unsupported = new LinkedHashMap<>();
    private final Evaluator ev;

    private HclJobDecoder(Evaluator ev, Diagnostics diags, Positions positions) {
        this.ev = ev;
        this.diags = diags;
        this.positions = positions;
    }

    /** Decodes the file; problems go into {@code diags}, null when there is no usable job block. */
    static Job decode(Body file, JobParser.Options opts, Path baseDir, Diagnostics diags, Positions positions) {
        Functions functions = Functions.standard(baseDir);
        Map<String, Value> globals = InputVariables.resolve(file, opts, functions, diags, positions);
        // Without its variables the job body would only produce follow-on errors.
        diags.throwIfErrors();
        Evaluator ev = new Evaluator(globals, functions);
        HclJobDecoder d = new HclJobDecoder(ev, diags, positions);
        Job job = d.file(file);
        ev.unknownNames().forEach((name, pos) -> diags.warning(pos, "", "unknown variable \"" + name
                + "\" is kept verbatim as \"${...}\" for the client to resolve when the task starts, as Nomad does;"
                + " if it is an input, declare it with a variable block and use var." + name));
        return job;
    }

    private Job file(Body file) {
        BodyReader r = new BodyReader(file, "", ev, diags, positions, unsupported);
        r.blocks("variable");
        r.blocks("locals");
        List<Block> jobs = r.blocks("job");
        r.finish();
        if (jobs.isEmpty()) {
            diags.error(new SourcePos(file.pos().file(), 1, 1), "job", "the file has no job block; add job \"<name>\" { ... }");
            return null;
        }
        if (jobs.size() > 1) {
            diags.error(jobs.get(1).pos(), "job", "a file may hold only one job block; the first is at " + jobs.getFirst().pos());
        }
        Job job = job(r, jobs.getFirst());
        if (!unsupported.isEmpty()) {
            List<String> names = new ArrayList<>();
            unsupported.forEach((path, pos) -> names.add(path + " (" + pos + ")"));
            diags.warning(jobs.getFirst().pos(), "", "Corral parses but does not act on these parts of the job: "
                    + String.join(", ", names));
        }
        return job;
    }

    private Job job(BodyReader file, Block b) {
        if (!file.labels(b, 1, "job \"example\" { ... }")) {
            return null;
        }
        String id = b.labels().getFirst().value();
        String path = Positions.labelled("", "job", id);
        BodyReader r = file.child(b, path);
        String name = r.string("name", id);
        String typeName = r.string("type", "service");
        JobType type = JobType.fromJobFile(typeName);
        if (type == null) {
            diags.error(r.attr("type").expr().pos(), r.at("type"), "invalid job type \"" + typeName
                    + "\"; use service, batch, system or sysbatch");
            type = JobType.SERVICE;
        }
        String region = r.string("region", "global");
        String namespace = r.string("namespace", "default");
        List<String> dcs = r.attr("datacenters") == null ? List.of("*") : r.strings("datacenters");
        String nodePool = r.string("node_pool", "default");
        int priority = r.integer("priority", 50);
        Map<String, String> meta = r.stringMap("meta");
        List<Constraint> constraints = constraints(r);
        List<Affinity> affinities = affinities(r);
        Block resched = r.single("reschedule");
        ReschedulePolicy jobResched = ReschedulePolicy.defaultFor(type);
        if (resched != null) {
            jobResched = reschedule(r, resched, jobResched, type);
        }
        r.unsupported(JOB_UNSUPPORTED);
        r.attr("id");
        if (r.body.attribute("id") != null) {
            diags.error(r.body.attribute("id").pos(), r.at("id"), "the job id is the block label (job \"<id>\"); remove the id argument");
        }
        List<TaskGroup> groups = new ArrayList<>();
        for (Block g : r.blocks("group")) {
            TaskGroup tg = group(r, g, type, jobResched);
            if (tg != null) {
                groups.add(tg);
            }
        }
        r.finish();
        return new Job(id, name, type, region, namespace, dcs, nodePool, priority, meta, constraints, affinities, groups, b.pos());
    }

    private TaskGroup group(BodyReader job, Block b, JobType type, ReschedulePolicy jobResched) {
        if (!job.labels(b, 1, "group \"web\" { ... }")) {
            return null;
        }
        String name = b.labels().getFirst().value();
        BodyReader r = job.child(b, Positions.labelled(job.path, "group", name));
        int count = r.integer("count", 1);
        List<Constraint> constraints = constraints(r);
        List<Affinity> affinities = affinities(r);
        Block rb = r.single("restart");
        RestartPolicy restart = rb == null ? RestartPolicy.defaultFor(type) : restart(r, rb, RestartPolicy.defaultFor(type));
        Block sb = r.single("reschedule");
        ReschedulePolicy resched = sb == null ? jobResched : reschedule(r, sb, jobResched, type);
        Block nb = r.single("network");
        Network network = nb == null ? null : network(r, nb);
        Block eb = r.single("ephemeral_disk");
        EphemeralDisk disk = eb == null ? EphemeralDisk.DEFAULT : ephemeralDisk(r, eb);
        Map<String, String> meta = r.stringMap("meta");
        Map<String, VolumeRequest> volumes = new LinkedHashMap<>();
        for (Block vb : r.blocks("volume")) {
            VolumeRequest v = volume(r, vb);
            if (v != null && volumes.putIfAbsent(v.name(), v) != null) {
                diags.error(vb.pos(), r.at("volume"), "volume \"" + v.name() + "\" is defined twice in the group");
            }
        }
        Duration shutdownDelay = r.duration("shutdown_delay", null);
        r.unsupported(GROUP_UNSUPPORTED);
        List<Task> tasks = new ArrayList<>();
        for (Block tb : r.blocks("task")) {
            Task t = task(r, tb, restart);
            if (t != null) {
                tasks.add(t);
            }
        }
        r.finish();
        return new TaskGroup(name, count, constraints, affinities, restart, resched, network, disk, meta, volumes,
                shutdownDelay, tasks, b.pos());
    }

    private Task task(BodyReader group, Block b, RestartPolicy groupRestart) {
        if (!group.labels(b, 1, "task \"server\" { ... }")) {
            return null;
        }
        String name = b.labels().getFirst().value();
        BodyReader r = group.child(b, Positions.labelled(group.path, "task", name));
        String driver = r.string("driver", "");
        Block cb = r.single("config");
        DriverConfig config = cb == null ? new DriverConfig(Map.of(), Map.of(), b.pos()) : config(r, cb);
        Map<String, String> env = r.stringMap("env");
        Block resb = r.single("resources");
        Resources resources = resb == null ? Resources.DEFAULT : resources(r, resb);
        List<Artifact> artifacts = new ArrayList<>();
        for (Block ab : r.blocks("artifact")) {
            artifacts.add(artifact(r, ab, artifacts.size()));
        }
        String user = r.string("user", "");
        Duration killTimeout = r.duration("kill_timeout", Duration.ofSeconds(5));
        String killSignal = r.string("kill_signal", "SIGINT");
        Block lb = r.single("logs");
        LogConfig logs = lb == null ? LogConfig.DEFAULT : logs(r, lb);
        Map<String, String> meta = r.stringMap("meta");
        Block rb = r.single("restart");
        RestartPolicy restart = rb == null ? groupRestart : restart(r, rb, groupRestart);
        Block lcb = r.single("lifecycle");
        Lifecycle lifecycle = lcb == null ? null : lifecycle(r, lcb);
        boolean leader = r.bool("leader", false);
        Duration shutdownDelay = r.duration("shutdown_delay", Duration.ZERO);
        List<VolumeMount> mounts = new ArrayList<>();
        for (Block vb : r.blocks("volume_mount")) {
            mounts.add(volumeMount(r, vb, mounts.size()));
        }
        List<Constraint> constraints = constraints(r);
        List<Affinity> affinities = affinities(r);
        r.unsupported(TASK_UNSUPPORTED);
        r.finish();
        return new Task(name, driver, config, env, resources, artifacts, user, killTimeout, killSignal, logs, meta, restart,
                lifecycle, leader, shutdownDelay, mounts, constraints, affinities, b.pos());
    }

    private DriverConfig config(BodyReader task, Block b) {
        BodyReader r = task.child(b, task.at("config"));
        task.labels(b, 0, "config { ... }");
        Map<String, Value> values = new LinkedHashMap<>();
        Map<String, SourcePos> pos = new LinkedHashMap<>();
        Map<String, List<Value>> blocks = new LinkedHashMap<>();
        for (BodyItem item : b.body().items()) {
            switch (item) {
                case Attribute a -> {
                    Value v = r.value(a.name());
                    pos.put(a.name(), a.pos());
                    if (v != null) {
                        values.put(a.name(), v);
                    }
                }
                case Block nested -> {
                    // Drivers such as docker use nested blocks (mount, logging): each becomes a list of maps.
                    if (nested.type().equals("dynamic") && nested.labels().size() == 1) {
                        String type = nested.labels().getFirst().value();
                        for (Block gen : r.expand(nested)) {
                            blocks.computeIfAbsent(type, k -> new ArrayList<>()).add(blockValue(r, gen));
                        }
                        pos.putIfAbsent(type, nested.pos());
                        continue;
                    }
                    blocks.computeIfAbsent(nested.type(), k -> new ArrayList<>()).add(blockValue(r, nested));
                    pos.putIfAbsent(nested.type(), nested.pos());
                }
            }
        }
        blocks.forEach((k, v) -> values.put(k, new Value.ListValue(v)));
        return new DriverConfig(values, pos, b.pos());
    }

    private Value blockValue(BodyReader parent, Block b) {
        Map<String, Value> m = new LinkedHashMap<>();
        BodyReader r = parent.child(b, parent.at(b.type()));
        Map<String, List<Value>> nested = new LinkedHashMap<>();
        for (BodyItem item : b.body().items()) {
            if (item instanceof Attribute a) {
                Value v = r.value(a.name());
                if (v != null) {
                    m.put(a.name(), v);
                }
            } else {
                Block nb = (Block) item;
                nested.computeIfAbsent(nb.type(), k -> new ArrayList<>()).add(blockValue(r, nb));
            }
        }
        nested.forEach((k, v) -> m.put(k, new Value.ListValue(v)));
        return new Value.MapValue(m);
    }

    private Resources resources(BodyReader task, Block b) {
        task.labels(b, 0, "resources { ... }");
        BodyReader r = task.child(b, task.at("resources"));
        int cores = r.integer("cores", 0);
        Integer cpu = r.integer("cpu", null);
        DataSize memory = r.mebibytes("memory", Resources.DEFAULT.memory());
        DataSize memoryMax = r.mebibytes("memory_max", DataSize.ZERO);
        r.unsupported(RESOURCES_UNSUPPORTED);
        r.finish();
        if (cpu != null && cores > 0) {
            diags.error(b.pos(), r.path, "Task can only ask for 'cpu' or 'cores' resource, not both.");
        }
        return new Resources(cpu != null ? cpu : cores > 0 ? 0 : Resources.DEFAULT.cpu(), cores, memory, memoryMax);
    }

    private LogConfig logs(BodyReader task, Block b) {
        task.labels(b, 0, "logs { ... }");
        BodyReader r = task.child(b, task.at("logs"));
        int maxFiles = r.integer("max_files", LogConfig.DEFAULT.maxFiles());
        DataSize size = r.mebibytes("max_file_size", LogConfig.DEFAULT.maxFileSize());
        boolean disabled = r.bool("disabled", false);
        Boolean enabled = r.bool("enabled", null);
        r.finish();
        if (enabled != null) {
            disabled = !enabled;
        }
        return new LogConfig(maxFiles, size, disabled);
    }

    private RestartPolicy restart(BodyReader parent, Block b, RestartPolicy base) {
        parent.labels(b, 0, "restart { ... }");
        BodyReader r = parent.child(b, parent.at("restart"));
        int attempts = r.integer("attempts", base.attempts());
        Duration interval = r.duration("interval", base.interval());
        Duration delay = r.duration("delay", base.delay());
        String modeName = r.string("mode", base.mode().name().toLowerCase(Locale.ROOT));
        boolean render = r.bool("render_templates", base.renderTemplates());
        r.finish();
        RestartMode mode = switch (modeName) {
            case "fail" -> RestartMode.FAIL;
            case "delay" -> RestartMode.DELAY;
            default -> {
                diags.error(r.attr("mode").expr().pos(), r.at("mode"), "Unsupported restart mode: \"" + modeName
                        + "\"; use \"fail\" or \"delay\"");
                yield base.mode();
            }
        };
        return new RestartPolicy(attempts, interval, delay, mode, render);
    }

    private ReschedulePolicy reschedule(BodyReader parent, Block b, ReschedulePolicy base, JobType type) {
        parent.labels(b, 0, "reschedule { ... }");
        BodyReader r = parent.child(b, parent.at("reschedule"));
        ReschedulePolicy d = base != null ? base : new ReschedulePolicy(0, Duration.ZERO, Duration.ZERO, "constant", Duration.ZERO, false);
        int attempts = r.integer("attempts", d.attempts());
        Duration interval = r.duration("interval", d.interval());
        Duration delay = r.duration("delay", d.delay());
        String fn = r.string("delay_function", d.delayFunction());
        Duration maxDelay = r.duration("max_delay", d.maxDelay());
        boolean unlimited = r.bool("unlimited", d.unlimited());
        r.finish();
        if (!List.of("constant", "exponential", "fibonacci").contains(fn)) {
            diags.error(r.attr("delay_function").expr().pos(), r.at("delay_function"), "Invalid delay function \"" + fn
                    + "\", must be one of [constant exponential fibonacci]");
        }
        if (type == JobType.SYSTEM || type == JobType.SYSBATCH) {
            diags.warning(b.pos(), r.path, type.jobFileName() + " jobs are not rescheduled; the reschedule block is ignored");
        }
        return new ReschedulePolicy(attempts, interval, delay, fn, maxDelay, unlimited);
    }

    private Network network(BodyReader group, Block b) {
        group.labels(b, 0, "network { ... }");
        BodyReader r = group.child(b, group.at("network"));
        String mode = r.string("mode", "host");
        List<Network.Port> ports = new ArrayList<>();
        for (Block pb : r.blocks("port")) {
            if (!r.labels(pb, 1, "port \"http\" { static = 8080 }")) {
                continue;
            }
            String label = pb.labels().getFirst().value();
            BodyReader pr = r.child(pb, Positions.labelled(r.path, "port", label));
            int value = pr.integer("static", 0);
            int to = pr.integer("to", 0);
            String hostNetwork = pr.string("host_network", "default");
            pr.finish();
            ports.add(new Network.Port(label, value, to, hostNetwork));
        }
        Block db = r.single("dns");
        Network.Dns dns = null;
        if (db != null) {
            BodyReader dr = r.child(db, r.at("dns"));
            dns = new Network.Dns(dr.strings("servers"), dr.strings("searches"), dr.strings("options"));
            dr.finish();
        }
        r.unsupported("mbits", "hostname", "cni");
        r.finish();
        return new Network(mode, ports, dns);
    }

    private EphemeralDisk ephemeralDisk(BodyReader group, Block b) {
        group.labels(b, 0, "ephemeral_disk { ... }");
        BodyReader r = group.child(b, group.at("ephemeral_disk"));
        DataSize size = r.mebibytes("size", EphemeralDisk.DEFAULT.size());
        boolean sticky = r.bool("sticky", false);
        boolean migrate = r.bool("migrate", false);
        r.finish();
        return new EphemeralDisk(size, sticky, migrate);
    }

    private VolumeRequest volume(BodyReader group, Block b) {
        if (!group.labels(b, 1, "volume \"data\" { type = \"host\" source = \"data\" }")) {
            return null;
        }
        String name = b.labels().getFirst().value();
        BodyReader r = group.child(b, Positions.labelled(group.path, "volume", name));
        String type = r.string("type", "host");
        String source = r.string("source", "");
        boolean readOnly = r.bool("read_only", false);
        r.unsupported("access_mode", "attachment_mode", "per_alloc", "mount_options", "sticky");
        r.finish();
        return new VolumeRequest(name, type, source, readOnly);
    }

    private VolumeMount volumeMount(BodyReader task, Block b, int index) {
        task.labels(b, 0, "volume_mount { volume = \"data\" destination = \"/data\" }");
        BodyReader r = task.child(b, task.at("volume_mount") + "[" + index + "]");
        VolumeMount m = new VolumeMount(r.string("volume", ""), r.string("destination", ""), r.bool("read_only", false),
                r.string("propagation_mode", "private"));
        r.unsupported("selinux_label");
        r.finish();
        return m;
    }

    private Lifecycle lifecycle(BodyReader task, Block b) {
        task.labels(b, 0, "lifecycle { hook = \"prestart\" }");
        BodyReader r = task.child(b, task.at("lifecycle"));
        String hook = r.string("hook", "");
        boolean sidecar = r.bool("sidecar", false);
        r.finish();
        LifecycleHook h = switch (hook) {
            case "prestart" -> LifecycleHook.PRESTART;
            case "poststart" -> LifecycleHook.POSTSTART;
            case "poststop" -> LifecycleHook.POSTSTOP;
            default -> {
                SourcePos pos = r.body.attribute("hook") == null ? b.pos() : r.body.attribute("hook").expr().pos();
                diags.error(pos, r.at("hook"), hook.isEmpty() ? "lifecycle needs a hook: prestart, poststart or poststop"
                        : "invalid lifecycle hook \"" + hook + "\"; use prestart, poststart or poststop");
                yield null;
            }
        };
        return h == null ? null : new Lifecycle(h, sidecar);
    }

    private Artifact artifact(BodyReader task, Block b, int index) {
        task.labels(b, 0, "artifact { source = \"https://...\" }");
        BodyReader r = task.child(b, task.at("artifact") + "[" + index + "]");
        String source = r.string("source", "");
        String modeName = r.string("mode", "any");
        ArtifactMode mode = switch (modeName) {
            case "any" -> ArtifactMode.ANY;
            case "file" -> ArtifactMode.FILE;
            case "dir" -> ArtifactMode.DIR;
            default -> {
                diags.error(r.attr("mode").expr().pos(), r.at("mode"), "invalid artifact mode \"" + modeName
                        + "\"; must be one of: any, file, dir");
                yield ArtifactMode.ANY;
            }
        };
        String dest = r.string("destination", null);
        Map<String, String> options = r.stringMap("options");
        Map<String, String> headers = r.stringMap("headers");
        r.unsupported("chown");
        r.finish();
        if (dest == null) {
            dest = mode == ArtifactMode.FILE ? "local/" + baseName(source) : "local/";
        }
        return new Artifact(source, dest, mode, options, headers, b.pos());
    }

    static String baseName(String source) {
        String s = source;
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int slash = s.lastIndexOf('/');
        return slash >= 0 ? s.substring(slash + 1) : s;
    }

    private List<Constraint> constraints(BodyReader parent) {
        List<Constraint> out = new ArrayList<>();
        for (Block b : parent.blocks("constraint")) {
            parent.labels(b, 0, "constraint { attribute = \"${attr.kernel.name}\" value = \"linux\" }");
            BodyReader r = parent.child(b, parent.at("constraint") + "[" + out.size() + "]");
            String attribute = r.string("attribute", "");
            String operator = r.string("operator", "=");
            String value = r.string("value", "");
            // Nomad's shorthand forms: distinct_hosts = true, regexp = "...", version = "...".
            for (String op : List.of("regexp", "version", "semver", "set_contains", "set_contains_all", "set_contains_any")) {
                String v = r.string(op, null);
                if (v != null) {
                    operator = op;
                    value = v;
                }
            }
            Boolean distinctHosts = r.bool("distinct_hosts", null);
            if (Boolean.TRUE.equals(distinctHosts)) {
                operator = "distinct_hosts";
            }
            String distinctProperty = r.string("distinct_property", null);
            if (distinctProperty != null) {
                operator = "distinct_property";
                attribute = distinctProperty;
            }
            r.finish();
            out.add(new Constraint(attribute, operator, value, b.pos()));
        }
        return out;
    }

    private List<Affinity> affinities(BodyReader parent) {
        List<Affinity> out = new ArrayList<>();
        for (Block b : parent.blocks("affinity")) {
            parent.labels(b, 0, "affinity { attribute = \"${node.datacenter}\" value = \"dc1\" }");
            BodyReader r = parent.child(b, parent.at("affinity") + "[" + out.size() + "]");
            String attribute = r.string("attribute", "");
            String operator = r.string("operator", "=");
            String value = r.string("value", "");
            for (String op : List.of("regexp", "version", "semver", "set_contains", "set_contains_all", "set_contains_any")) {
                String v = r.string(op, null);
                if (v != null) {
                    operator = op;
                    value = v;
                }
            }
            int weight = r.integer("weight", 50);
            r.finish();
            out.add(new Affinity(attribute, operator, value, weight, b.pos()));
        }
        return out;
    }
}
