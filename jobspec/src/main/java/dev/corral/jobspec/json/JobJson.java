package dev.corral.jobspec.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobParser;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.eval.Functions;
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
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Nomad's API JSON for jobs ({@code {"Job": {...}}}, PascalCase fields, durations in
 * nanoseconds), read and written with Jackson. What {@code nomad job inspect} prints and
 * {@code nomad job run -json} reads; fields Corral does not model are ignored on input.
 */
public final class JobJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JobJson() {
    }

    /** The job as {@code {"Job": {...}}}, pretty-printed. */
    public static String write(Job job) {
        ObjectNode root = F.objectNode();
        root.set("Job", toTree(job));
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render job JSON", e);
        }
    }

    /** The job object itself (without the {@code Job} wrapper). */
    public static ObjectNode toTree(Job job) {
        ObjectNode o = F.objectNode();
        o.put("ID", job.id());
        o.put("Name", job.name());
        o.put("Type", job.type().jobFileName());
        o.put("Region", job.region());
        o.put("Namespace", job.namespace());
        o.set("Datacenters", strings(job.datacenters()));
        o.put("NodePool", job.nodePool());
        o.put("Priority", job.priority());
        o.set("Meta", map(job.meta()));
        o.set("Constraints", constraints(job.constraints()));
        o.set("Affinities", affinities(job.affinities()));
        ArrayNode groups = o.putArray("TaskGroups");
        for (TaskGroup g : job.groups()) {
            groups.add(group(g));
        }
        return o;
    }

    private static ObjectNode group(TaskGroup g) {
        ObjectNode o = F.objectNode();
        o.put("Name", g.name());
        o.put("Count", g.count());
        o.set("Constraints", constraints(g.constraints()));
        o.set("Affinities", affinities(g.affinities()));
        o.set("RestartPolicy", restart(g.restart()));
        if (g.reschedule() == null) {
            o.putNull("ReschedulePolicy");
        } else {
            ReschedulePolicy r = g.reschedule();
            ObjectNode rp = o.putObject("ReschedulePolicy");
            rp.put("Attempts", r.attempts());
            rp.put("Interval", r.interval().toNanos());
            rp.put("Delay", r.delay().toNanos());
            rp.put("DelayFunction", r.delayFunction());
            rp.put("MaxDelay", r.maxDelay().toNanos());
            rp.put("Unlimited", r.unlimited());
        }
        ArrayNode nets = o.putArray("Networks");
        if (g.network() != null) {
            Network n = g.network();
            ObjectNode no = nets.addObject();
            no.put("Mode", n.mode());
            ArrayNode reserved = no.putArray("ReservedPorts");
            ArrayNode dynamic = no.putArray("DynamicPorts");
            for (Network.Port p : n.ports()) {
                ObjectNode po = (p.isStatic() ? reserved : dynamic).addObject();
                po.put("Label", p.label());
                po.put("Value", p.value());
                po.put("To", p.to());
                po.put("HostNetwork", p.hostNetwork());
            }
            if (n.dns() == null) {
                no.putNull("DNS");
            } else {
                ObjectNode d = no.putObject("DNS");
                d.set("Servers", strings(n.dns().servers()));
                d.set("Searches", strings(n.dns().searches()));
                d.set("Options", strings(n.dns().options()));
            }
        }
        ObjectNode disk = o.putObject("EphemeralDisk");
        disk.put("SizeMB", g.ephemeralDisk().size().mebibytes());
        disk.put("Sticky", g.ephemeralDisk().sticky());
        disk.put("Migrate", g.ephemeralDisk().migrate());
        o.set("Meta", map(g.meta()));
        ObjectNode vols = o.putObject("Volumes");
        g.volumes().forEach((name, v) -> {
            ObjectNode vo = vols.putObject(name);
            vo.put("Name", v.name());
            vo.put("Type", v.type());
            vo.put("Source", v.source());
            vo.put("ReadOnly", v.readOnly());
        });
        if (g.shutdownDelay() == null) {
            o.putNull("ShutdownDelay");
        } else {
            o.put("ShutdownDelay", g.shutdownDelay().toNanos());
        }
        ArrayNode tasks = o.putArray("Tasks");
        for (Task t : g.tasks()) {
            tasks.add(task(t));
        }
        return o;
    }

    private static ObjectNode task(Task t) {
        ObjectNode o = F.objectNode();
        o.put("Name", t.name());
        o.put("Driver", t.driver());
        o.put("User", t.user());
        o.set("Config", Functions.toJson(new Value.MapValue(t.config().values())));
        o.set("Env", map(t.env()));
        ObjectNode res = o.putObject("Resources");
        res.put("CPU", t.resources().cpu());
        res.put("Cores", t.resources().cores());
        res.put("MemoryMB", t.resources().memory().mebibytes());
        res.put("MemoryMaxMB", t.resources().memoryMax().mebibytes());
        ArrayNode arts = o.putArray("Artifacts");
        for (Artifact a : t.artifacts()) {
            ObjectNode ao = arts.addObject();
            ao.put("GetterSource", a.source());
            ao.set("GetterOptions", map(a.options()));
            ao.set("GetterHeaders", map(a.headers()));
            ao.put("GetterMode", a.mode().name().toLowerCase(Locale.ROOT));
            ao.put("RelativeDest", a.destination());
        }
        o.put("KillTimeout", t.killTimeout().toNanos());
        o.put("KillSignal", t.killSignal());
        ObjectNode logs = o.putObject("LogConfig");
        logs.put("MaxFiles", t.logs().maxFiles());
        logs.put("MaxFileSizeMB", t.logs().maxFileSize().mebibytes());
        logs.put("Disabled", t.logs().disabled());
        o.set("Meta", map(t.meta()));
        o.set("RestartPolicy", restart(t.restart()));
        if (t.lifecycle() == null) {
            o.putNull("Lifecycle");
        } else {
            ObjectNode l = o.putObject("Lifecycle");
            l.put("Hook", t.lifecycle().hook().name().toLowerCase(Locale.ROOT));
            l.put("Sidecar", t.lifecycle().sidecar());
        }
        o.put("Leader", t.leader());
        o.put("ShutdownDelay", t.shutdownDelay().toNanos());
        ArrayNode mounts = o.putArray("VolumeMounts");
        for (VolumeMount m : t.volumeMounts()) {
            ObjectNode mo = mounts.addObject();
            mo.put("Volume", m.volume());
            mo.put("Destination", m.destination());
            mo.put("ReadOnly", m.readOnly());
            mo.put("PropagationMode", m.propagationMode());
        }
        o.set("Constraints", constraints(t.constraints()));
        o.set("Affinities", affinities(t.affinities()));
        return o;
    }

    private static ObjectNode restart(RestartPolicy r) {
        ObjectNode o = F.objectNode();
        o.put("Attempts", r.attempts());
        o.put("Interval", r.interval().toNanos());
        o.put("Delay", r.delay().toNanos());
        o.put("Mode", r.mode().name().toLowerCase(Locale.ROOT));
        o.put("RenderTemplates", r.renderTemplates());
        return o;
    }

    private static ArrayNode constraints(List<Constraint> cs) {
        ArrayNode a = F.arrayNode();
        for (Constraint c : cs) {
            ObjectNode o = a.addObject();
            o.put("LTarget", c.attribute());
            o.put("RTarget", c.value());
            o.put("Operand", c.operator());
        }
        return a;
    }

    private static ArrayNode affinities(List<Affinity> as) {
        ArrayNode a = F.arrayNode();
        for (Affinity c : as) {
            ObjectNode o = a.addObject();
            o.put("LTarget", c.attribute());
            o.put("RTarget", c.value());
            o.put("Operand", c.operator());
            o.put("Weight", c.weight());
        }
        return a;
    }

    private static ArrayNode strings(List<String> l) {
        ArrayNode a = F.arrayNode();
        l.forEach(a::add);
        return a;
    }

    private static ObjectNode map(Map<String, String> m) {
        ObjectNode o = F.objectNode();
        m.forEach(o::put);
        return o;
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and validates a JSON job ({@code {"Job": {...}}} or the bare job object).
     * Missing fields get Nomad's defaults.
     *
     * @throws JobSpecException listing every error with its field path
     */
    public static JobParser.Result read(String fileName, String text) {
        JsonNode root;
        Map<String, SourcePos> locations = new java.util.HashMap<>();
        try {
            root = parseLocated(text, fileName, locations);
        } catch (IOException e) {
            var loc = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getLocation() : null;
            SourcePos pos = loc == null ? new SourcePos(fileName, 1, 1)
                    : new SourcePos(fileName, Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new JobSpecException(Diagnostic.error(pos, "", "invalid JSON: " + msg));
        }
        Reader r = new Reader(fileName, locations, root != null && root.has("Job"));
        Job job = r.job(root);
        r.check();
        List<Diagnostic> warnings = new ArrayList<>(JobParser.validate(job, fileName, r.modelPositions));
        if (!r.unsupported.isEmpty()) {
            warnings.add(Diagnostic.warning(r.at("Job"), "", "Corral parses but does not act on these parts of the job: "
                    + String.join(", ", r.unsupported)));
        }
        return new JobParser.Result(job, warnings);
    }

    /**
     * Reads JSON into a tree, recording where every value starts by path: {@code $} is the
     * document, {@code $.Job.TaskGroups[0].Count} a field.
     */
    static JsonNode parseLocated(String text, String file, Map<String, SourcePos> locations) throws IOException {
        try (JsonParser p = MAPPER.getFactory().createParser(text)) {
            if (p.nextToken() == null) {
                throw new JobSpecException(Diagnostic.error(new SourcePos(file, 1, 1), "", "the JSON document is empty"));
            }
            JsonNode n = value(p, "$", file, locations);
            if (p.nextToken() != null) {
                var l = p.currentTokenLocation();
                throw new JobSpecException(Diagnostic.error(new SourcePos(file, l.getLineNr(), l.getColumnNr()), "",
                        "invalid JSON: unexpected content after the job object"));
            }
            return n;
        }
    }

    private static JsonNode value(JsonParser p, String path, String file, Map<String, SourcePos> locations) throws IOException {
        var l = p.currentTokenLocation();
        locations.put(path, new SourcePos(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr())));
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = F.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    o.set(name, value(p, path + "." + name, file, locations));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = F.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(value(p, path + "[" + i++ + "]", file, locations));
                }
                yield a;
            }
            case VALUE_STRING -> F.textNode(p.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(p, file, l);
            case VALUE_TRUE -> F.booleanNode(true);
            case VALUE_FALSE -> F.booleanNode(false);
            case VALUE_NULL -> F.nullNode();
            default -> throw new JobSpecException(Diagnostic.error(new SourcePos(file, l.getLineNr(), l.getColumnNr()), "",
                    "invalid JSON: unexpected " + t));
        };
    }

    private static JsonNode number(JsonParser p, String file, com.fasterxml.jackson.core.JsonLocation l) throws IOException {
        try {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
                return F.numberNode(p.getDecimalValue());
            }
            return switch (p.getNumberType()) {
                case INT -> F.numberNode(p.getIntValue());
                case LONG -> F.numberNode(p.getLongValue());
                default -> F.numberNode(p.getBigIntegerValue());
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new JobSpecException(Diagnostic.error(new SourcePos(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr())),
                    "", "invalid JSON: the number " + p.getText() + " is out of range"));
        }
    }

    /** Collects type errors by JSON path so that all are reported at once. */
    private static final class Reader {
        private final String file;
        private final List<Diagnostic> errors = new ArrayList<>();
        private final Map<String, SourcePos> locations;
        private final boolean wrapped;
        /** Nomad fields that are set but not acted on, as "path (file:line:col)". */
        final List<String> unsupported = new ArrayList<>();

        /** Notes every set field among Nomad's fields that Corral does not act on. */
        void unsupported(JsonNode n, String path, String... fields) {
            for (String f : fields) {
                JsonNode v = n.get(f);
                if (v != null && !v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
                    unsupported.add(path + "." + f + " (" + at(path + "." + f) + ")");
                }
            }
        }

        /** Positions by the model's field paths ({@code job["x"].group["g"].count}), for validation messages. */
        final Map<String, SourcePos> modelPositions = new java.util.HashMap<>();

        Reader(String file, Map<String, SourcePos> locations, boolean wrapped) {
            this.file = file;
            this.locations = locations;
            this.wrapped = wrapped;
        }

        /** Where a JSON path ({@code Job.TaskGroups[0].Count}) was written, or its nearest parent. */
        SourcePos at(String jsonPath) {
            String p = wrapped ? "$." + jsonPath : "$" + jsonPath.substring("Job".length());
            while (true) {
                SourcePos pos = locations.get(p);
                if (pos != null) {
                    return pos;
                }
                int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
                if (cut <= 0) {
                    return locations.getOrDefault("$", new SourcePos(file, 1, 1));
                }
                p = p.substring(0, cut);
            }
        }

        /** Records that a model field path was read from a JSON path. */
        void map(String modelPath, String jsonPath) {
            modelPositions.put(modelPath, at(jsonPath));
        }

        static String label(String parent, String type, String name) {
            return (parent.isEmpty() ? "" : parent + ".") + type + "[\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
        }

        void check() {
            if (!errors.isEmpty()) {
                throw new JobSpecException(errors);
            }
        }

        private void error(String path, String message) {
            errors.add(Diagnostic.error(at(path), path, message));
        }


        Job job(JsonNode root) {
            if (root == null || !root.isObject()) {
                throw new JobSpecException(Diagnostic.error(new SourcePos(file, 1, 1), "",
                        "a JSON job must be an object: {\"Job\": {...}}"));
            }
            if (!root.has("Job") && root.has("job") && !root.has("ID")) {
                throw new JobSpecException(Diagnostic.error(locations.getOrDefault("$.job", new SourcePos(file, 1, 1)), "job",
                        "this is HCL's JSON syntax ({\"job\": {\"<name>\": ...}}), which Corral does not read; "
                                + "write the job in HCL, or in Nomad's API JSON ({\"Job\": {\"ID\": ...}}) as printed by "
                                + "nomad job inspect or corral job inspect"));
            }
            JsonNode j = root.has("Job") ? root.get("Job") : root;
            if (!j.isObject()) {
                error("Job", "must be an object");
                throw new JobSpecException(errors);
            }
            String id = str(j, "ID", "Job", null);
            if (id == null) {
                id = str(j, "Name", "Job", "");
            }
            if (id.isEmpty()) {
                error("Job.ID", "Missing job ID");
            }
            String typeName = str(j, "Type", "Job", "service");
            JobType type = JobType.fromJobFile(typeName);
            if (type == null) {
                error("Job.Type", "invalid job type \"" + typeName + "\"; use service, batch, system or sysbatch");
                type = JobType.SERVICE;
            }
            unsupported(j, "Job", "Update", "Spreads", "Periodic", "ParameterizedJob", "Multiregion", "VaultToken", "ConsulToken");
            String jp = label("", "job", id);
            map(jp, "Job");
            map(jp + ".name", "Job.Name");
            map(jp + ".priority", "Job.Priority");
            map(jp + ".datacenters", "Job.Datacenters");
            mapConstraints(jp, "Job", j);
            List<TaskGroup> groups = new ArrayList<>();
            int gi = 0;
            for (JsonNode g : array(j, "TaskGroups", "Job")) {
                groups.add(group(g, "Job.TaskGroups[" + gi++ + "]", type, jp));
            }
            List<String> dcs = j.hasNonNull("Datacenters") ? strings(j, "Datacenters", "Job") : List.of("*");
            return new Job(id, str(j, "Name", "Job", id), type, str(j, "Region", "Job", "global"),
                    str(j, "Namespace", "Job", "default"), dcs, str(j, "NodePool", "Job", "default"),
                    integer(j, "Priority", "Job", 50), stringMap(j, "Meta", "Job"), constraints(j, "Job"),
                    affinities(j, "Job"), groups, at("Job"));
        }

        TaskGroup group(JsonNode g, String path, JobType type, String jobPath) {
            String name = str(g, "Name", path, "");
            unsupported(g, path, "Services", "Update", "Migrate", "Scaling", "Spreads", "Consul", "Disconnect",
                    "MaxClientDisconnect", "StopAfterClientDisconnect");
            String gp = label(jobPath, "group", name);
            map(gp, path);
            map(gp + ".count", path + ".Count");
            mapRestart(gp, path);
            mapConstraints(gp, path, g);
            map(gp + ".ephemeral_disk.size", path + ".EphemeralDisk.SizeMB");
            map(gp + ".network", path + ".Networks[0]");
            map(gp + ".network.mode", path + ".Networks[0].Mode");
            RestartPolicy restart = restart(g.get("RestartPolicy"), path + ".RestartPolicy", RestartPolicy.defaultFor(type));
            ReschedulePolicy resched = ReschedulePolicy.defaultFor(type);
            JsonNode rp = g.get("ReschedulePolicy");
            if (rp != null && rp.isObject()) {
                String p = path + ".ReschedulePolicy";
                ReschedulePolicy d = resched != null ? resched
                        : new ReschedulePolicy(0, Duration.ZERO, Duration.ZERO, "constant", Duration.ZERO, false);
                resched = new ReschedulePolicy(integer(rp, "Attempts", p, d.attempts()), duration(rp, "Interval", p, d.interval()),
                        duration(rp, "Delay", p, d.delay()), str(rp, "DelayFunction", p, d.delayFunction()),
                        duration(rp, "MaxDelay", p, d.maxDelay()), bool(rp, "Unlimited", p, d.unlimited()));
            }
            Network network = null;
            List<JsonNode> nets = array(g, "Networks", path);
            if (!nets.isEmpty()) {
                JsonNode n = nets.getFirst();
                String np = path + ".Networks[0]";
                List<Network.Port> ports = new ArrayList<>();
                for (String kind : List.of("ReservedPorts", "DynamicPorts")) {
                    int i = 0;
                    for (JsonNode p : array(n, kind, np)) {
                        String pp = np + "." + kind + "[" + i++ + "]";
                        Network.Port port = new Network.Port(str(p, "Label", pp, ""), integer(p, "Value", pp, 0),
                                integer(p, "To", pp, 0), str(p, "HostNetwork", pp, "default"));
                        String mp = label(gp + ".network", "port", port.label());
                        map(mp, pp);
                        map(mp + ".static", pp + ".Value");
                        map(mp + ".to", pp + ".To");
                        ports.add(port);
                    }
                }
                Network.Dns dns = null;
                JsonNode d = n.get("DNS");
                if (d != null && d.isObject()) {
                    dns = new Network.Dns(strings(d, "Servers", np + ".DNS"), strings(d, "Searches", np + ".DNS"),
                            strings(d, "Options", np + ".DNS"));
                }
                network = new Network(str(n, "Mode", np, "host"), ports, dns);
                if (nets.size() > 1) {
                    error(path + ".Networks", "only one network per group is supported");
                }
            }
            EphemeralDisk disk = EphemeralDisk.DEFAULT;
            JsonNode dn = g.get("EphemeralDisk");
            if (dn != null && dn.isObject()) {
                String dp = path + ".EphemeralDisk";
                disk = new EphemeralDisk(mib(dn, "SizeMB", dp, disk.size()), bool(dn, "Sticky", dp, false), bool(dn, "Migrate", dp, false));
            }
            Map<String, VolumeRequest> volumes = new LinkedHashMap<>();
            JsonNode vn = g.get("Volumes");
            if (vn != null && vn.isObject()) {
                vn.properties().forEach(e -> {
                    String vp = path + ".Volumes." + e.getKey();
                    map(label(gp, "volume", e.getKey()), vp);
                    map(label(gp, "volume", e.getKey()) + ".type", vp + ".Type");
                    map(label(gp, "volume", e.getKey()) + ".source", vp + ".Source");
                    JsonNode v = e.getValue();
                    volumes.put(e.getKey(), new VolumeRequest(str(v, "Name", vp, e.getKey()), str(v, "Type", vp, "host"),
                            str(v, "Source", vp, ""), bool(v, "ReadOnly", vp, false)));
                });
            }
            Duration shutdownDelay = g.hasNonNull("ShutdownDelay") ? duration(g, "ShutdownDelay", path, Duration.ZERO) : null;
            List<Task> tasks = new ArrayList<>();
            int ti = 0;
            for (JsonNode t : array(g, "Tasks", path)) {
                tasks.add(task(t, path + ".Tasks[" + ti++ + "]", restart, gp));
            }
            return new TaskGroup(name, integer(g, "Count", path, 1), constraints(g, path), affinities(g, path), restart, resched,
                    network, disk, stringMap(g, "Meta", path), volumes, shutdownDelay, tasks, at(path));
        }

        Task task(JsonNode t, String path, RestartPolicy groupRestart, String groupPath) {
            unsupported(t, path, "Services", "Templates", "Vault", "Consul", "Identity", "Identities", "DispatchPayload",
                    "CSIPluginConfig", "ScalingPolicies", "Kind");
            String tp = label(groupPath, "task", str(t, "Name", path, ""));
            map(tp, path);
            for (String[] f : new String[][] {{"driver", "Driver"}, {"kill_timeout", "KillTimeout"}, {"kill_signal", "KillSignal"},
                {"shutdown_delay", "ShutdownDelay"}, {"leader", "Leader"}, {"resources", "Resources"}, {"resources.cpu", "Resources.CPU"},
                {"resources.cores", "Resources.Cores"}, {"resources.memory", "Resources.MemoryMB"},
                {"resources.memory_max", "Resources.MemoryMaxMB"}, {"logs", "LogConfig"}, {"logs.max_files", "LogConfig.MaxFiles"},
                {"logs.max_file_size", "LogConfig.MaxFileSizeMB"}, {"lifecycle", "Lifecycle"}, {"lifecycle.sidecar", "Lifecycle.Sidecar"},
                {"config", "Config"}}) {
                map(tp + "." + f[0], path + "." + f[1]);
            }
            mapRestart(tp, path);
            mapConstraints(tp, path, t);
            Map<String, Value> config = new LinkedHashMap<>();
            Map<String, SourcePos> configPos = new LinkedHashMap<>();
            JsonNode c = t.get("Config");
            if (c != null && c.isObject()) {
                c.properties().forEach(e -> {
                    config.put(e.getKey(), Functions.fromJson(e.getValue()));
                    configPos.put(e.getKey(), at(path + ".Config." + e.getKey()));
                    map(tp + ".config." + e.getKey(), path + ".Config." + e.getKey());
                });
            } else if (c != null && !c.isNull()) {
                error(path + ".Config", "must be an object");
            }
            Resources res = Resources.DEFAULT;
            JsonNode rn = t.get("Resources");
            if (rn != null && rn.isObject()) {
                String rp = path + ".Resources";
                int cores = integer(rn, "Cores", rp, 0);
                Integer cpu = rn.hasNonNull("CPU") ? integer(rn, "CPU", rp, 0) : null;
                res = new Resources(cpu != null ? cpu : cores > 0 ? 0 : Resources.DEFAULT.cpu(), cores,
                        mib(rn, "MemoryMB", rp, Resources.DEFAULT.memory()), mib(rn, "MemoryMaxMB", rp, DataSize.ZERO));
            }
            List<Artifact> artifacts = new ArrayList<>();
            int ai = 0;
            for (JsonNode a : array(t, "Artifacts", path)) {
                String ap = path + ".Artifacts[" + ai + "]";
                String mp = tp + ".artifact[" + ai++ + "]";
                map(mp, ap);
                map(mp + ".source", ap + ".GetterSource");
                map(mp + ".destination", ap + ".RelativeDest");
                map(mp + ".mode", ap + ".GetterMode");
                map(mp + ".options.checksum", ap + ".GetterOptions.checksum");
                String modeName = str(a, "GetterMode", ap, "any");
                ArtifactMode mode = switch (modeName) {
                    case "file" -> ArtifactMode.FILE;
                    case "dir" -> ArtifactMode.DIR;
                    case "any", "" -> ArtifactMode.ANY;
                    default -> {
                        error(ap + ".GetterMode", "invalid artifact mode \"" + modeName + "\"; must be one of: any, file, dir");
                        yield ArtifactMode.ANY;
                    }
                };
                artifacts.add(new Artifact(str(a, "GetterSource", ap, ""), str(a, "RelativeDest", ap, "local/"), mode,
                        stringMap(a, "GetterOptions", ap), stringMap(a, "GetterHeaders", ap), at(ap)));
            }
            LogConfig logs = LogConfig.DEFAULT;
            JsonNode ln = t.get("LogConfig");
            if (ln != null && ln.isObject()) {
                String lp = path + ".LogConfig";
                logs = new LogConfig(integer(ln, "MaxFiles", lp, 10), mib(ln, "MaxFileSizeMB", lp, logs.maxFileSize()),
                        bool(ln, "Disabled", lp, false));
            }
            Lifecycle lifecycle = null;
            JsonNode lc = t.get("Lifecycle");
            if (lc != null && lc.isObject()) {
                String hook = str(lc, "Hook", path + ".Lifecycle", "");
                LifecycleHook h = switch (hook) {
                    case "prestart" -> LifecycleHook.PRESTART;
                    case "poststart" -> LifecycleHook.POSTSTART;
                    case "poststop" -> LifecycleHook.POSTSTOP;
                    default -> {
                        error(path + ".Lifecycle.Hook", "invalid lifecycle hook \"" + hook + "\"; use prestart, poststart or poststop");
                        yield null;
                    }
                };
                if (h != null) {
                    lifecycle = new Lifecycle(h, bool(lc, "Sidecar", path + ".Lifecycle", false));
                }
            }
            List<VolumeMount> mounts = new ArrayList<>();
            int mi = 0;
            for (JsonNode m : array(t, "VolumeMounts", path)) {
                String mp = path + ".VolumeMounts[" + mi + "]";
                String vm = tp + ".volume_mount[" + mi++ + "]";
                map(vm, mp);
                map(vm + ".volume", mp + ".Volume");
                map(vm + ".destination", mp + ".Destination");
                map(vm + ".propagation_mode", mp + ".PropagationMode");
                mounts.add(new VolumeMount(str(m, "Volume", mp, ""), str(m, "Destination", mp, ""), bool(m, "ReadOnly", mp, false),
                        str(m, "PropagationMode", mp, "private")));
            }
            String killSignal = str(t, "KillSignal", path, "");
            return new Task(str(t, "Name", path, ""), str(t, "Driver", path, ""), new DriverConfig(config, configPos, at(path + ".Config")),
                    stringMap(t, "Env", path), res, artifacts, str(t, "User", path, ""),
                    duration(t, "KillTimeout", path, Duration.ofSeconds(5)), killSignal.isEmpty() ? "SIGINT" : killSignal, logs,
                    stringMap(t, "Meta", path), restart(t.get("RestartPolicy"), path + ".RestartPolicy", groupRestart),
                    lifecycle, bool(t, "Leader", path, false), duration(t, "ShutdownDelay", path, Duration.ZERO), mounts,
                    constraints(t, path), affinities(t, path), at(path));
        }

        void mapRestart(String modelPath, String path) {
            map(modelPath + ".restart", path + ".RestartPolicy");
            for (String[] f : new String[][] {{"attempts", "Attempts"}, {"interval", "Interval"}, {"delay", "Delay"}, {"mode", "Mode"}}) {
                map(modelPath + ".restart." + f[0], path + ".RestartPolicy." + f[1]);
            }
        }

        void mapConstraints(String modelPath, String path, JsonNode n) {
            JsonNode cs = n.get("Constraints");
            for (int i = 0; cs != null && cs.isArray() && i < cs.size(); i++) {
                String cp = path + ".Constraints[" + i + "]";
                String mp = modelPath + ".constraint[" + i + "]";
                map(mp, cp);
                map(mp + ".attribute", cp + ".LTarget");
                map(mp + ".operator", cp + ".Operand");
                map(mp + ".value", cp + ".RTarget");
            }
        }

        RestartPolicy restart(JsonNode r, String path, RestartPolicy base) {
            if (r == null || !r.isObject()) {
                return base;
            }
            String modeName = str(r, "Mode", path, base.mode().name().toLowerCase(Locale.ROOT));
            RestartMode mode = switch (modeName) {
                case "fail" -> RestartMode.FAIL;
                case "delay" -> RestartMode.DELAY;
                default -> {
                    error(path + ".Mode", "Unsupported restart mode: \"" + modeName + "\"; use \"fail\" or \"delay\"");
                    yield base.mode();
                }
            };
            return new RestartPolicy(integer(r, "Attempts", path, base.attempts()), duration(r, "Interval", path, base.interval()),
                    duration(r, "Delay", path, base.delay()), mode, bool(r, "RenderTemplates", path, base.renderTemplates()));
        }

        List<Constraint> constraints(JsonNode n, String path) {
            List<Constraint> out = new ArrayList<>();
            int i = 0;
            for (JsonNode c : array(n, "Constraints", path)) {
                String cp = path + ".Constraints[" + i++ + "]";
                out.add(new Constraint(str(c, "LTarget", cp, ""), str(c, "Operand", cp, "="), str(c, "RTarget", cp, ""), at(cp)));
            }
            return out;
        }

        List<Affinity> affinities(JsonNode n, String path) {
            List<Affinity> out = new ArrayList<>();
            int i = 0;
            for (JsonNode c : array(n, "Affinities", path)) {
                String cp = path + ".Affinities[" + i++ + "]";
                out.add(new Affinity(str(c, "LTarget", cp, ""), str(c, "Operand", cp, "="), str(c, "RTarget", cp, ""),
                        integer(c, "Weight", cp, 50), at(cp)));
            }
            return out;
        }

        List<JsonNode> array(JsonNode n, String field, String path) {
            JsonNode a = n.get(field);
            if (a == null || a.isNull()) {
                return List.of();
            }
            if (!a.isArray()) {
                error(path + "." + field, "must be an array");
                return List.of();
            }
            List<JsonNode> out = new ArrayList<>();
            a.forEach(x -> {
                if (x.isObject()) {
                    out.add(x);
                } else {
                    error(path + "." + field, "every element must be an object");
                }
            });
            return out;
        }

        String str(JsonNode n, String field, String path, String def) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return def;
            }
            if (!v.isValueNode()) {
                error(path + "." + field, "must be a string");
                return def;
            }
            return v.asText();
        }

        int integer(JsonNode n, String field, String path, int def) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return def;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                error(path + "." + field, "must be a whole number, got " + v);
                return def;
            }
            return v.intValue();
        }

        boolean bool(JsonNode n, String field, String path, boolean def) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return def;
            }
            if (!v.isBoolean()) {
                error(path + "." + field, "must be true or false, got " + v);
                return def;
            }
            return v.booleanValue();
        }

        Duration duration(JsonNode n, String field, String path, Duration def) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return def;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                error(path + "." + field, "must be a duration in nanoseconds, got " + v);
                return def;
            }
            return Duration.ofNanos(v.longValue());
        }

        DataSize mib(JsonNode n, String field, String path, DataSize def) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return def;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0 || v.longValue() > Long.MAX_VALUE >> 20) {
                error(path + "." + field, "must be a non-negative whole number of MB, got " + v);
                return def;
            }
            return DataSize.ofMebibytes(v.longValue());
        }

        List<String> strings(JsonNode n, String field, String path) {
            JsonNode a = n.get(field);
            if (a == null || a.isNull()) {
                return List.of();
            }
            if (!a.isArray()) {
                error(path + "." + field, "must be an array of strings");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            a.forEach(x -> {
                if (x.isValueNode() && !x.isNull()) {
                    out.add(x.asText());
                } else {
                    error(path + "." + field, "every element must be a string");
                }
            });
            return out;
        }

        Map<String, String> stringMap(JsonNode n, String field, String path) {
            JsonNode m = n.get(field);
            Map<String, String> out = new LinkedHashMap<>();
            if (m == null || m.isNull()) {
                return out;
            }
            if (!m.isObject()) {
                error(path + "." + field, "must be an object of strings");
                return out;
            }
            m.properties().forEach(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    out.put(e.getKey(), e.getValue().asText());
                } else {
                    error(path + "." + field + "." + e.getKey(), "must be a string");
                }
            });
            return out;
        }
    }
}
