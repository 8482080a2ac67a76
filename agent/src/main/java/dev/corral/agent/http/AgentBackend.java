package dev.corral.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.Agent;
import dev.corral.agent.AgentException;
import dev.corral.agent.RegisterResponse;
import dev.corral.agent.http.NomadJson.*;
import dev.corral.agent.job.JobMapper;
import dev.corral.agent.job.JobValidationException;
import dev.corral.agent.state.AllocMetric;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.EvalRecord;
import dev.corral.agent.state.JobRecord;
import dev.corral.agent.state.StateChange;
import dev.corral.agent.state.StateEvent;
import dev.corral.agent.state.Table;
import dev.corral.agent.state.TaskStateRecord;
import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobParser;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.json.JobJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * {@link ApiBackend} over the agent's in-process API: maps the agent's records to Nomad's API
 * shapes, jobs through the jobspec module (API JSON in, API JSON out), and adds what the HTTP API
 * needs beyond the agent: resource usage from {@code /proc}, an event buffer for
 * {@code /v1/event/stream}, and the {@code corral-sandbox enter} command line for exec.
 */
public final class AgentBackend implements ApiBackend, AutoCloseable {
    private static final Set<Table> ALL_TABLES = EnumSet.allOf(Table.class);
    private static final int EVENT_BUFFER = 4096;
    private static final ObjectMapper JSON = NomadJson.mapper();

    private final Agent agent;
    private final AutoCloseable subscription;
    /** Guards {@link #events}; signalled on every change. */
    private final Object eventLock = new Object();
    private final Deque<NomadJson.Event> events = new ArrayDeque<>();
    private final TaskStats stats = new TaskStats();
    private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    private final Instant started = Instant.now();

    public AgentBackend(Agent agent) {
        this.agent = agent;
        this.subscription = agent.store().subscribe(this::onChange);
    }

    @Override
    public void close() throws Exception {
        subscription.close();
    }

    /** Agent refusals become HTTP statuses with the agent's message. */
    private static ApiException translate(RuntimeException e) {
        return switch (e) {
            case ApiException a -> a;
            case AgentException a -> new ApiException(switch (a.kind()) {
                case NOT_FOUND -> 404;
                case BAD_REQUEST -> 400;
                case CONFLICT -> 409;
            }, a.getMessage());
            case JobValidationException v -> ApiException.badRequest(String.join("\n", v.problems()));
            case JobSpecException s -> ApiException.badRequest(s.diagnostics().stream().map(Diagnostic::toString)
                    .collect(Collectors.joining("\n")));
            default -> throw e;
        };
    }

    // ---- index and events ----

    @Override
    public long index() {
        return agent.store().latestIndex();
    }

    @Override
    public long awaitIndex(long afterIndex, Duration maxWait) throws InterruptedException {
        return agent.store().awaitIndex(ALL_TABLES, afterIndex, maxWait);
    }

    private void onChange(StateChange change) {
        List<NomadJson.Event> mapped = new ArrayList<>();
        for (StateEvent e : change.events()) {
            Map<String, Object> payload = new LinkedHashMap<>();
            switch (e.payload()) {
                case JobRecord j -> payload.put("Job", jobJson(j));
                case EvalRecord ev -> payload.put("Evaluation", evaluation(ev));
                case AllocRecord a -> payload.put("Allocation", stub(a));
                case String s when e.topic().equals("Node") -> payload.put("Node", readTree(s));
                case null, default -> { }
            }
            mapped.add(new NomadJson.Event(e.topic(), e.type(), e.key(), List.of(e.key()), e.index(), payload));
        }
        synchronized (eventLock) {
            events.addAll(mapped);
            while (events.size() > EVENT_BUFFER) {
                events.removeFirst();
            }
            eventLock.notifyAll();
        }
    }

    private static Object readTree(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return s;
        }
    }

    @Override
    public List<NomadJson.Event> events(long afterIndex, Map<String, List<String>> topics, Duration maxWait)
            throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        synchronized (eventLock) {
            while (true) {
                List<NomadJson.Event> out = events.stream().filter(e -> e.index() > afterIndex)
                        .filter(e -> matches(e, topics)).toList();
                long left = deadline - System.nanoTime();
                if (!out.isEmpty() || left <= 0) {
                    return out;
                }
                eventLock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static boolean matches(NomadJson.Event e, Map<String, List<String>> topics) {
        if (topics.isEmpty()) {
            return true;
        }
        for (String t : List.of(e.topic(), "*")) {
            List<String> keys = topics.get(t);
            if (keys != null && (keys.contains("*") || keys.contains(e.key()))) {
                return true;
            }
        }
        return false;
    }

    // ---- jobs ----

    private static String ns() {
        return "default";
    }

    @Override
    public List<JobListStub> jobs() {
        return jobs("");
    }

    @Override
    public List<JobListStub> jobs(String prefix) {
        return agent.jobs(prefix).stream().map(j -> new JobListStub(j.id(), "", j.name(), j.namespace(),
                j.job().datacenters(), j.type(), j.priority(), false, false, j.stop(), j.status(), "",
                summary(j).orElse(null), j.createIndex(), j.modifyIndex(), j.jobModifyIndex(), j.submitTimeNs(),
                j.job().meta())).toList();
    }

    @Override
    public Optional<ObjectNode> job(String jobId) {
        return agent.job(ns(), jobId).map(AgentBackend::jobJson);
    }

    /** The stored job in Nomad's API JSON job shape (the fields Corral acts on). */
    static ObjectNode jobJson(JobRecord r) {
        dev.corral.agent.job.Job j = r.job();
        ObjectNode o = JSON.createObjectNode();
        o.put("Region", "global").put("Namespace", r.namespace()).put("ID", r.id()).put("Name", j.name())
                .put("Type", j.type()).put("Priority", j.priority());
        ArrayNode dcs = o.putArray("Datacenters");
        j.datacenters().forEach(dcs::add);
        constraints(o, j.constraints());
        ArrayNode groups = o.putArray("TaskGroups");
        for (var g : j.groups()) {
            ObjectNode go = groups.addObject();
            go.put("Name", g.name()).put("Count", g.count());
            constraints(go, g.constraints());
            if (g.restart() != null) {
                restart(go.putObject("RestartPolicy"), g.restart());
            }
            go.putObject("EphemeralDisk").put("SizeMB", g.diskMb());
            go.put("ShutdownDelay", g.shutdownDelay().toNanos());
            go.set("Meta", JSON.valueToTree(g.meta()));
            ObjectNode vols = go.putObject("Volumes");
            g.volumes().forEach((name, v) -> vols.putObject(name).put("Name", v.name()).put("Type", v.type())
                    .put("Source", v.source()).put("ReadOnly", v.readOnly()));
            ArrayNode tasks = go.putArray("Tasks");
            for (var t : g.tasks()) {
                ObjectNode to = tasks.addObject();
                to.put("Name", t.name()).put("Driver", t.driver()).put("User", t.user() == null ? "" : t.user());
                to.set("Config", JSON.valueToTree(t.config()));
                to.set("Env", JSON.valueToTree(t.env()));
                ObjectNode res = to.putObject("Resources");
                if (t.resources() != null) {
                    res.put("CPU", t.resources().cpuMhz()).put("Cores", t.resources().cores())
                            .put("MemoryMB", t.resources().memoryMb())
                            .put("MemoryMaxMB", t.resources().memoryMaxMb());
                }
                to.put("KillTimeout", t.killTimeout() == null ? 0 : t.killTimeout().toNanos());
                to.put("KillSignal", t.killSignal() == null ? "" : t.killSignal());
                to.put("ShutdownDelay", t.shutdownDelay() == null ? 0 : t.shutdownDelay().toNanos());
                to.put("Leader", t.leader());
                if (t.lifecycle() != null) {
                    to.putObject("Lifecycle").put("Hook", t.lifecycle().hook()).put("Sidecar", t.lifecycle().sidecar());
                }
                if (t.logs() != null) {
                    to.putObject("LogConfig").put("MaxFiles", t.logs().maxFiles())
                            .put("MaxFileSizeMB", t.logs().maxFileSizeMb()).put("Disabled", t.logs().disabled());
                }
                if (t.restart() != null) {
                    restart(to.putObject("RestartPolicy"), t.restart());
                }
                to.set("Meta", JSON.valueToTree(t.meta()));
                constraints(to, t.constraints());
                to.set("Artifacts", JSON.valueToTree(t.artifacts()));
                ArrayNode mounts = to.putArray("VolumeMounts");
                t.volumeMounts().forEach(m -> mounts.addObject().put("Volume", m.volume())
                        .put("Destination", m.destination()).put("ReadOnly", m.readOnly())
                        .put("PropagationMode", m.propagationMode()));
            }
        }
        o.set("Meta", JSON.valueToTree(j.meta()));
        o.put("Stop", r.stop()).put("Status", r.status()).put("StatusDescription", "").put("Stable", false)
                .put("Version", r.version()).put("SubmitTime", r.submitTimeNs()).put("CreateIndex", r.createIndex())
                .put("ModifyIndex", r.modifyIndex()).put("JobModifyIndex", r.jobModifyIndex());
        return o;
    }

    private static void constraints(ObjectNode o, List<dev.corral.agent.sched.Constraint> cs) {
        ArrayNode a = o.putArray("Constraints");
        for (var c : cs) {
            a.addObject().put("LTarget", c.lTarget()).put("RTarget", c.rTarget()).put("Operand", c.operand());
        }
    }

    private static void restart(ObjectNode o, dev.corral.agent.restart.RestartPolicy p) {
        o.put("Attempts", p.attempts()).put("Interval", p.interval().toNanos()).put("Delay", p.delay().toNanos())
                .put("Mode", p.mode().name().toLowerCase(java.util.Locale.ROOT));
    }

    /** Reads an API JSON job through the jobspec module (validation with field paths). */
    private static dev.corral.jobspec.model.Job specOf(ObjectNode job) {
        try {
            return JobJson.read("request body", JSON.writeValueAsString(job)).job();
        } catch (IOException e) {
            throw ApiException.badRequest("Failed to decode request: " + e.getMessage());
        }
    }

    @Override
    public JobRegisterResponse register(ObjectNode job) {
        try {
            RegisterResponse r = agent.registerJob(JobMapper.fromSpec(specOf(job)));
            return new JobRegisterResponse(r.evalId(), r.evalCreateIndex(), r.jobModifyIndex(),
                    String.join("\n", r.warnings()), r.index(), 0);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public JobDeregisterResponse deregister(String jobId, boolean purge) {
        try {
            RegisterResponse r = agent.stopJob(ns(), jobId, purge);
            return new JobDeregisterResponse(r.evalId(), r.evalCreateIndex(), r.jobModifyIndex(), r.index(), 0);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public Optional<JobSummary> jobSummary(String jobId) {
        return agent.job(ns(), jobId).flatMap(this::summary);
    }

    private Optional<JobSummary> summary(JobRecord j) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        j.job().groups().forEach(g -> counts.put(g.name(), new int[7]));
        for (AllocRecord a : agent.jobAllocations(j.namespace(), j.id())) {
            int[] c = counts.computeIfAbsent(a.taskGroup(), k -> new int[7]);
            switch (a.clientStatus()) {
                case "pending" -> c[1]++;
                case "running" -> c[2]++;
                case "failed" -> c[3]++;
                case "complete" -> c[4]++;
                case "lost" -> c[5]++;
                default -> c[6]++;
            }
        }
        for (EvalRecord e : agent.jobEvaluations(j.namespace(), j.id())) {
            if ("blocked".equals(e.status())) {
                e.failedTgAllocs().forEach((g, m) -> counts.computeIfAbsent(g, k -> new int[7])[0] +=
                        m.coalescedFailures() + 1);
            }
        }
        Map<String, TaskGroupSummary> s = new LinkedHashMap<>();
        counts.forEach((g, c) -> s.put(g, new TaskGroupSummary(c[0], c[4], c[3], c[2], c[1], c[5], c[6])));
        return Optional.of(new JobSummary(j.id(), j.namespace(), s, new JobChildrenSummary(0, 0, 0),
                j.createIndex(), j.modifyIndex()));
    }

    @Override
    public List<ObjectNode> jobVersions(String jobId) {
        return agent.jobVersions(ns(), jobId).stream().map(AgentBackend::jobJson).toList();
    }

    @Override
    public List<AllocationListStub> jobAllocations(String jobId) {
        return agent.jobAllocations(ns(), jobId).stream().map(this::stub).toList();
    }

    @Override
    public List<Evaluation> jobEvaluations(String jobId) {
        return agent.jobEvaluations(ns(), jobId).stream().map(AgentBackend::evaluation).toList();
    }

    @Override
    public JobValidateResponse validate(ObjectNode job) {
        try {
            dev.corral.jobspec.model.Job spec = specOf(job);
            List<Diagnostic> warnings = JobParser.validate(spec, "request body");
            dev.corral.agent.job.JobValidator.validate(JobMapper.fromSpec(spec));
            return new JobValidateResponse(true, List.of(), "", warnings.stream().map(Diagnostic::toString)
                    .collect(Collectors.joining("\n")));
        } catch (JobSpecException e) {
            List<String> errs = e.diagnostics().stream().map(Diagnostic::toString).toList();
            return new JobValidateResponse(false, errs, String.join("\n", errs), "");
        } catch (JobValidationException e) {
            return new JobValidateResponse(false, e.problems(), String.join("\n", e.problems()), "");
        }
    }

    @Override
    public JobPlanResponse plan(ObjectNode job, boolean diff) {
        ObjectNode proposed;
        dev.corral.agent.job.Job mapped;
        try {
            mapped = JobMapper.fromSpec(specOf(job));
            dev.corral.agent.job.JobValidator.validate(mapped);
        } catch (RuntimeException e) {
            throw translate(e);
        }
        Optional<JobRecord> current = agent.job(ns(), mapped.id());
        proposed = jobJson(new JobRecord(ns(), mapped.id(), current.map(c -> c.version() + 1).orElse(0L), false,
                "pending", 0, 0, 0, 0, mapped));
        Map<String, DesiredUpdates> updates = new LinkedHashMap<>();
        for (var g : mapped.groups()) {
            long running = current.isEmpty() ? 0 : agent.jobAllocations(ns(), mapped.id()).stream()
                    .filter(a -> a.taskGroup().equals(g.name()) && !a.terminal()).count();
            var oldGroup = current.flatMap(c -> c.job().group(g.name()));
            boolean changed = oldGroup.isPresent() && !oldGroup.get().withCount(g.count()).equals(g);
            long place = Math.max(0, g.count() - running);
            long stop = Math.max(0, running - g.count());
            long destructive = changed ? Math.min(running, g.count()) : 0;
            long ignore = changed ? 0 : Math.min(running, g.count());
            updates.put(g.name(), new DesiredUpdates(ignore, place, 0, stop, 0, destructive, 0, 0));
        }
        JobDiff d = diff ? PlanDiffs.job(current.map(AgentBackend::jobJson).orElse(null), proposed) : null;
        Map<String, AllocationMetric> failed = new LinkedHashMap<>();
        agent.planFailures(mapped).forEach((g, m) -> failed.put(g, metric(m)));
        return new JobPlanResponse(current.map(JobRecord::jobModifyIndex).orElse(0L), List.of(), d,
                new PlanAnnotations(updates, List.of()), failed, NomadJson.ZERO_TIME, "");
    }

    @Override
    public ObjectNode parse(String hcl, String variables, boolean canonicalize) {
        Path varFile = null;
        try {
            List<Path> varFiles = new ArrayList<>();
            if (variables != null && !variables.isBlank()) {
                varFile = Files.createTempFile("corral-vars-", ".hcl");
                Files.writeString(varFile, variables);
                varFiles.add(varFile);
            }
            var result = JobParser.parseHcl("job.nomad.hcl", hcl, null,
                    new JobParser.Options(Map.of(), varFiles, Map.of()));
            return JobJson.toTree(result.job());
        } catch (IOException e) {
            throw new ApiException(500, "cannot stage variables: " + e.getMessage());
        } catch (RuntimeException e) {
            throw translate(e);
        } finally {
            if (varFile != null) {
                try {
                    Files.deleteIfExists(varFile);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    // ---- evaluations ----

    @Override
    public List<Evaluation> evaluations() {
        return agent.evaluations().stream().map(AgentBackend::evaluation).toList();
    }

    @Override
    public Optional<Evaluation> evaluation(String evalId) {
        return agent.evaluation(evalId).map(AgentBackend::evaluation);
    }

    static Evaluation evaluation(EvalRecord e) {
        Map<String, AllocationMetric> failed = new LinkedHashMap<>();
        e.failedTgAllocs().forEach((g, m) -> failed.put(g, metric(m)));
        return new Evaluation(e.id(), e.priority(), e.type(), e.triggeredBy(), e.namespace(), e.jobId(),
                e.jobModifyIndex(), "", 0, "", e.status(), e.statusDescription(), 0, "", "", "",
                failed.isEmpty() ? null : failed, Map.of(), false, Map.of(), e.modifyIndex(), e.createIndex(),
                e.modifyIndex(), e.createTimeNs(), e.modifyTimeNs());
    }

    static AllocationMetric metric(AllocMetric m) {
        return new AllocationMetric(m.nodesEvaluated(), m.nodesFiltered(), 1, "default", m.nodesAvailable(),
                Map.of(), m.constraintFiltered(), m.nodesExhausted(), Map.of(), m.dimensionExhausted(), List.of(), 0,
                m.coalescedFailures());
    }

    // ---- allocations ----

    @Override
    public List<AllocationListStub> allocations() {
        return agent.allocations().stream().map(this::stub).toList();
    }

    private Map<String, TaskState> taskStates(String allocId) {
        Map<String, TaskState> out = new LinkedHashMap<>();
        agent.taskStates(allocId).forEach((name, s) -> out.put(name, taskState(s)));
        return out;
    }

    static TaskState taskState(TaskStateRecord s) {
        List<TaskEvent> events = s.events().stream().map(AgentBackend::taskEvent).toList();
        return new TaskState(s.state(), s.failed(), s.restarts(), ms(s.lastRestartMs()), ms(s.startedAtMs()),
                ms(s.finishedAtMs()), events);
    }

    private static String ms(long ms) {
        return ms <= 0 ? NomadJson.ZERO_TIME : NomadJson.time(Instant.ofEpochMilli(ms));
    }

    static TaskEvent taskEvent(dev.corral.agent.state.TaskEvent e) {
        Map<String, String> d = e.details();
        return new TaskEvent(e.type(), e.timeNs(), e.displayMessage(), d, e.message(), e.failsTask(),
                d.getOrDefault("restart_reason", ""), d.getOrDefault("setup_error", ""),
                d.getOrDefault("driver_error", ""), d.getOrDefault("driver_message", ""),
                parseInt(d.get("exit_code")), parseInt(d.get("signal")), d.getOrDefault("kill_reason", ""),
                parseDuration(d.get("kill_timeout")), d.getOrDefault("kill_error", ""),
                parseDuration(d.get("start_delay")), d.getOrDefault("download_error", ""),
                d.getOrDefault("validation_error", ""), 0, 0, d.getOrDefault("failed_sibling", ""), "",
                d.getOrDefault("task_signal_reason", ""), d.getOrDefault("task_signal", ""), "");
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long parseDuration(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return GoDuration.parse(s).toNanos();
            } catch (IllegalArgumentException bad) {
                return 0;
            }
        }
    }

    private String jobType(AllocRecord a) {
        return agent.job(a.namespace(), a.jobId()).map(JobRecord::type).orElse("service");
    }

    AllocationListStub stub(AllocRecord a) {
        return new AllocationListStub(a.id(), a.evalId(), a.name(), a.namespace(), a.nodeId(), a.nodeName(),
                a.jobId(), jobType(a), a.jobVersion(), a.taskGroup(), a.desiredStatus(), a.desiredDescription(),
                a.clientStatus(), a.clientDescription(), taskStates(a.id()), "", nullToEmpty(a.nextAllocation()),
                List.of(), "", a.createIndex(), a.modifyIndex(), a.createTimeNs(), a.modifyTimeNs());
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public Optional<Allocation> allocation(String allocId) {
        return agent.allocation(allocId).map(a -> {
            ObjectNode job = agent.jobVersions(a.namespace(), a.jobId()).stream()
                    .filter(v -> v.version() == a.jobVersion()).findFirst().map(AgentBackend::jobJson)
                    .orElse(null);
            ObjectNode res = JSON.createObjectNode();
            ObjectNode tasks = res.putObject("Tasks");
            a.taskResources().forEach((t, r) -> {
                ObjectNode tr = tasks.putObject(t);
                tr.putObject("Cpu").put("CpuShares", r.cpuMhz()).set("ReservedCores",
                        JSON.valueToTree(r.reservedCores()));
                tr.putObject("Memory").put("MemoryMB", r.memoryMb()).put("MemoryMaxMB", r.memoryMaxMb());
            });
            res.putObject("Shared").put("DiskMB", a.diskMb());
            return new Allocation(a.id(), a.namespace(), a.evalId(), a.name(), a.nodeId(), a.nodeName(), a.jobId(),
                    job, a.taskGroup(), res, null, a.desiredStatus(), a.desiredDescription(), Map.of(),
                    a.clientStatus(), a.clientDescription(), taskStates(a.id()), "", "",
                    nullToEmpty(a.previousAllocation()), nullToEmpty(a.nextAllocation()), List.of(), "",
                    a.createIndex(), a.modifyIndex(), a.modifyIndex(), a.createTimeNs(), a.modifyTimeNs());
        });
    }

    @Override
    public String stopAllocation(String allocId) {
        try {
            return agent.stopAllocation(allocId);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void signal(String allocId, String task, String signal) {
        try {
            agent.signal(allocId, task, signal);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void restart(String allocId, String task, boolean allTasks) {
        try {
            agent.restart(allocId, allTasks ? null : task);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public AllocResourceUsage allocationStats(String allocId) {
        AllocRecord a = agent.allocation(allocId).orElseThrow(() -> ApiException.notFound("alloc not found"));
        if (!"running".equals(a.clientStatus())) {
            throw ApiException.badRequest("allocation \"" + allocId + "\" is not running");
        }
        var node = agent.node();
        double mhzPerCore = node.resources().cores().isEmpty() ? 0
                : (double) node.resources().cpuMhz() / node.resources().cores().size();
        return stats.allocation(allocId, agent.taskPids(allocId), mhzPerCore);
    }

    @Override
    public Path allocationDir(String allocId) {
        return agent.allocDir(allocId);
    }

    @Override
    public ExecTarget execTarget(String allocId, String task, List<String> command, boolean tty) {
        Long sandboxPid = agent.taskPids(allocId).get(task);
        if (sandboxPid == null) {
            throw ApiException.badRequest("task \"" + task + "\" is not running");
        }
        Path binary = dev.corral.driver.linux.SandboxBinary.locate(Optional.empty(),
                agent.dataDir().resolve("driver"));
        String user = agent.allocation(allocId).flatMap(a -> agent.jobVersions(a.namespace(), a.jobId()).stream()
                .filter(v -> v.version() == a.jobVersion()).findFirst()
                .flatMap(v -> v.job().group(a.taskGroup()))
                .flatMap(g -> g.tasks().stream().filter(t -> t.name().equals(task)).findFirst())
                .map(t -> t.user())).orElse("");
        return TaskEntry.target(binary, sandboxPid, user, command);
    }

    // ---- nodes and agent ----

    @Override
    public List<NodeListStub> nodes() {
        var n = agent.node();
        return List.of(new NodeListStub("", n.id(), n.attributes(), n.datacenter(), n.name(), n.nodeClass(),
                n.nodePool(), version(), false, "eligible", n.status(), "", drivers(n), resources(n),
                reserved(n), 1, index()));
    }

    @Override
    public Optional<Node> node(String nodeId) {
        var n = agent.node();
        if (!n.id().equals(nodeId)) {
            return Optional.empty();
        }
        return Optional.of(new Node(n.id(), n.datacenter(), n.name(), "", false, n.attributes(), resources(n),
                reserved(n), Map.of(), n.meta(), n.nodeClass(), n.nodePool(), "", false, "eligible", n.status(), "",
                started.getEpochSecond(), List.of(), drivers(n), hostVolumes(n), 1, index()));
    }

    private static Map<String, NomadJson.ClientHostVolumeConfig> hostVolumes(dev.corral.agent.node.Node n) {
        Map<String, NomadJson.ClientHostVolumeConfig> out = new java.util.TreeMap<>();
        n.hostVolumes().forEach((k, v) -> out.put(k, new NomadJson.ClientHostVolumeConfig(v.name(), v.path().toString(),
                v.readOnly())));
        return out;
    }

    private static String version() {
        return "0.1.0";
    }

    private static Map<String, DriverInfo> drivers(dev.corral.agent.node.Node n) {
        Map<String, DriverInfo> out = new LinkedHashMap<>();
        n.drivers().forEach((k, d) -> out.put(k, new DriverInfo(d.attributes(), d.detected(), d.healthy(),
                d.healthDescription(), NomadJson.time(Instant.now()))));
        return out;
    }

    private static NodeResources resources(dev.corral.agent.node.Node n) {
        var r = n.resources();
        return new NodeResources(new NodeCpuResources(r.cpuMhz(), r.cores().size(), r.cores()),
                new NodeMemoryResources(r.memoryMb()), new NodeDiskResources(r.diskMb()), List.of(), List.of(),
                20000, 32000);
    }

    private static NodeReservedResources reserved(dev.corral.agent.node.Node n) {
        var r = n.reserved();
        if (r == null) {
            return null;
        }
        return new NodeReservedResources(new NodeReservedCpu(r.cpuMhz()), new NodeMemoryResources(r.memoryMb()),
                new NodeDiskResources(r.diskMb()));
    }

    @Override
    public AgentSelf agentSelf() {
        var n = agent.node();
        var c = agent.config();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Region", c.region());
        config.put("Datacenter", c.datacenter());
        config.put("NodeName", n.name());
        config.put("DataDir", agent.dataDir().toString());
        config.put("BindAddr", c.bindAddr());
        config.put("DevMode", c.dev());
        config.put("Version", Map.of("Version", version(), "VersionPrerelease", "", "Revision", ""));
        Map<String, Map<String, String>> statsMap = new LinkedHashMap<>();
        long running = agent.allocations().stream().filter(a -> "running".equals(a.clientStatus())).count();
        statsMap.put("client", Map.of("node_id", n.id(), "known_servers", c.bindAddr() + ":" + c.ports().rpc(),
                "num_allocations", Long.toString(running), "last_heartbeat", "0", "heartbeat_ttl", "0"));
        Runtime rt = Runtime.getRuntime();
        statsMap.put("runtime", Map.of("arch", System.getProperty("os.arch"), "version",
                "java " + Runtime.version(), "max_procs", Integer.toString(rt.availableProcessors()),
                "goroutines", Integer.toString(Thread.activeCount()), "cpu_count",
                Integer.toString(rt.availableProcessors()), "kernel.name", "linux"));
        statsMap.put("agent", Map.of());
        statsMap.put("nomad", Map.of("server", "true", "leader", "true", "bootstrap", "true",
                "known_regions", "1", "leader_addr", c.bindAddr() + ":" + c.ports().rpc()));
        AgentMember member = new AgentMember(n.name() + "." + c.region(), c.bindAddr(), c.ports().serf(),
                Map.of("role", "nomad", "region", c.region(), "dc", c.datacenter(), "build", version()), "alive",
                1, 5, 2, 2, 5, 4);
        return new AgentSelf(config, member, statsMap);
    }

    @Override
    public AgentHealthResponse health() {
        var n = agent.node();
        boolean ok = "ready".equals(n.status());
        return new AgentHealthResponse(new AgentHealth(ok, ok ? "ok" : "node is " + n.status()),
                new AgentHealth(true, "ok"));
    }

    @Override
    public void garbageCollect() {
        agent.gc();
    }
}
