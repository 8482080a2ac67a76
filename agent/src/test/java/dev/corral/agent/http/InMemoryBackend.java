package dev.corral.agent.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.http.NomadJson.*;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A small in-memory {@link ApiBackend} for testing the HTTP layer alone (routing, errors,
 * blocking queries, streaming). Real processes and files are used where the HTTP layer touches
 * them (log files, exec); the agent itself is covered by the integration tests.
 */
public final class InMemoryBackend implements ApiBackend {
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private long index = 1;
    final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
    final Map<String, Allocation> allocs = new LinkedHashMap<>();
    final List<Event> events = new ArrayList<>();
    final Path allocRoot;
    volatile List<String> execPrefix = List.of();
    int gcRuns;

    /** Signals received, as {@code alloc/task/SIGNAL}. */
    public final List<String> signals = new java.util.concurrent.CopyOnWriteArrayList<>();

    public InMemoryBackend(Path allocRoot) {
        this.allocRoot = allocRoot;
    }

    void bump() {
        synchronized (lock) {
            index++;
            lock.notifyAll();
        }
    }

    @Override
    public long index() {
        synchronized (lock) {
            return index;
        }
    }

    @Override
    public long awaitIndex(long afterIndex, Duration maxWait) throws InterruptedException {
        synchronized (lock) {
            long deadline = System.nanoTime() + maxWait.toNanos();
            while (index <= afterIndex) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return index;
        }
    }

    @Override
    public List<JobListStub> jobs() {
        synchronized (lock) {
            return jobs.values().stream().map(j -> new JobListStub(j.get("ID").asText(), "", j.get("ID").asText(),
                    "default", List.of("dc1"), "service", 50, false, false, false, "running", "", null, 1, index,
                    index, 0, null)).toList();
        }
    }

    @Override
    public Optional<ObjectNode> job(String jobId) {
        synchronized (lock) {
            return Optional.ofNullable(jobs.get(jobId));
        }
    }

    public static final String NODE_ID = "5a0c3b7e-0000-4000-8000-000000000001";
    final Map<String, Evaluation> evals = new LinkedHashMap<>();

    /**
     * Registers the job and, like a trivial scheduler, places one running allocation per task
     * group whose tasks have written one stdout line. Enough for clients to walk the API.
     */
    @Override
    public JobRegisterResponse register(ObjectNode job) {
        String id = ApiBackend.jobId(job);
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("Job ID must be specified");
        }
        String evalId = UUID.randomUUID().toString();
        synchronized (lock) {
            jobs.put(id, job);
            events.add(new Event("Job", "JobRegistered", id, List.of(), index + 1, Map.of("Job", job)));
            evals.put(evalId, new Evaluation(evalId, 50, "service", "job-register", "default", id, index, "", 0, "",
                    "complete", "", 0, "", "", "", Map.of(), Map.of(), false, Map.of(), index, index, index, 0, 0));
        }
        for (var tg : job.path("TaskGroups")) {
            String allocId = UUID.randomUUID().toString();
            Map<String, TaskState> states = new LinkedHashMap<>();
            for (var t : tg.path("Tasks")) {
                String task = t.path("Name").asText();
                var started = new TaskEvent("Started", System.currentTimeMillis() * 1_000_000L,
                        "Task started by client", Map.of(), "", false, "", "", "", "", 0, 0, "", 0, "", 0, "", "", 0,
                        0, "", "", "", "", "");
                states.put(task, new TaskState("running", false, 0, NomadJson.ZERO_TIME,
                        java.time.Instant.now().toString(), NomadJson.ZERO_TIME, List.of(started)));
                try {
                    Path logs = allocRoot.resolve(allocId).resolve("alloc/logs");
                    java.nio.file.Files.createDirectories(logs);
                    java.nio.file.Files.writeString(logs.resolve(task + ".stdout.0"), "hello from " + task + "\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            synchronized (lock) {
                allocs.put(allocId, new Allocation(allocId, "default", evalId, id + "." + tg.path("Name").asText()
                        + "[0]", NODE_ID, "test-node", id, job, tg.path("Name").asText(), null, null, "run", "",
                        Map.of(), "running", "Tasks are running", states, "", "", "", "", List.of(), "", index,
                        index, index, System.currentTimeMillis() * 1_000_000L, System.currentTimeMillis() * 1_000_000L));
            }
        }
        bump();
        return new JobRegisterResponse(evalId, index(), index(), "", index(), 0);
    }

    @Override
    public JobDeregisterResponse deregister(String jobId, boolean purge) {
        synchronized (lock) {
            allocs.replaceAll((k, a) -> !a.jobId().equals(jobId) ? a : new Allocation(a.id(), a.namespace(),
                    a.evalId(), a.name(), a.nodeId(), a.nodeName(), a.jobId(), a.job(), a.taskGroup(), null, null,
                    "stop", "alloc is being stopped", Map.of(), "complete", "All tasks have completed",
                    a.taskStates(), "", "", "", "", List.of(), "", a.createIndex(), index + 1, index + 1,
                    a.createTime(), a.modifyTime()));
            if (purge) {
                jobs.remove(jobId);
            }
        }
        String evalId = UUID.randomUUID().toString();
        synchronized (lock) {
            evals.put(evalId, new Evaluation(evalId, 50, "service", "job-deregister", "default", jobId, index, "", 0,
                    "", "complete", "", 0, "", "", "", Map.of(), Map.of(), false, Map.of(), index, index, index, 0,
                    0));
        }
        bump();
        return new JobDeregisterResponse(evalId, index(), index(), index(), 0);
    }

    @Override
    public Optional<JobSummary> jobSummary(String jobId) {
        return job(jobId).map(j -> new JobSummary(jobId, "default", Map.of(), null, 1, index()));
    }

    @Override
    public List<ObjectNode> jobVersions(String jobId) {
        return job(jobId).map(List::of).orElse(List.of());
    }

    @Override
    public List<AllocationListStub> jobAllocations(String jobId) {
        return allocations().stream().filter(a -> a.jobId().equals(jobId)).toList();
    }

    @Override
    public List<Evaluation> jobEvaluations(String jobId) {
        return List.of();
    }

    @Override
    public JobValidateResponse validate(ObjectNode job) {
        return new JobValidateResponse(true, List.of(), "", "");
    }

    @Override
    public JobPlanResponse plan(ObjectNode job, boolean diff) {
        return new JobPlanResponse(0, List.of(), null, null, Map.of(), NomadJson.ZERO_TIME, "");
    }

    @Override
    public ObjectNode parse(String hcl, String variables, boolean canonicalize) {
        throw ApiException.badRequest("parsing is not part of this test backend");
    }

    @Override
    public List<Evaluation> evaluations() {
        synchronized (lock) {
            return List.copyOf(evals.values());
        }
    }

    @Override
    public Optional<Evaluation> evaluation(String evalId) {
        synchronized (lock) {
            return Optional.ofNullable(evals.get(evalId));
        }
    }

    @Override
    public List<AllocationListStub> allocations() {
        synchronized (lock) {
            return allocs.values().stream().map(a -> new AllocationListStub(a.id(), a.evalId(), a.name(),
                    a.namespace(), a.nodeId(), a.nodeName(), a.jobId(), "service", 0, a.taskGroup(),
                    a.desiredStatus(), "", a.clientStatus(), "", a.taskStates(), "", "", List.of(), "", 1, 1, 0,
                    0)).toList();
        }
    }

    @Override
    public Optional<Allocation> allocation(String allocId) {
        synchronized (lock) {
            return Optional.ofNullable(allocs.get(allocId));
        }
    }

    void putAlloc(String id, String jobId, String task, String taskState) {
        var ts = new TaskState(taskState, false, 0, NomadJson.ZERO_TIME, NomadJson.ZERO_TIME, NomadJson.ZERO_TIME,
                List.of());
        synchronized (lock) {
            allocs.put(id, new Allocation(id, "default", "eval", jobId + ".g[0]", "node", "node", jobId, null, "g",
                    null, null, "run", "", Map.of(), "running", "", Map.of(task, ts), "", "", "", "", List.of(), "",
                    1, 1, 1, 0, 0));
        }
        bump();
    }

    @Override
    public String stopAllocation(String allocId) {
        return "stop-eval";
    }

    @Override
    public void signal(String allocId, String task, String signal) {
        signals.add(allocId + "/" + task + "/" + signal);
    }

    @Override
    public void restart(String allocId, String task, boolean allTasks) {}

    @Override
    public AllocResourceUsage allocationStats(String allocId) {
        var usage = new ResourceUsage(new MemoryStats(1 << 20, 0, 0, 2 << 20, 3 << 20, 0, 0, List.of("RSS")),
                new CpuStats(1, 2, 30, 0, 0, 1.5, List.of("Percent")), List.of());
        Map<String, TaskResourceUsage> tasks = new LinkedHashMap<>();
        allocation(allocId).ifPresent(a -> a.taskStates().keySet().forEach(t ->
                tasks.put(t, new TaskResourceUsage(usage, System.currentTimeMillis() * 1_000_000L, Map.of()))));
        return new AllocResourceUsage(usage, tasks, System.currentTimeMillis() * 1_000_000L);
    }

    @Override
    public Path allocationDir(String allocId) {
        return allocRoot.resolve(allocId);
    }

    @Override
    public ExecTarget execTarget(String allocId, String task, List<String> command, boolean tty) {
        List<String> argv = new ArrayList<>(execPrefix);
        argv.addAll(command);
        return new ExecTarget(argv, Map.of("PATH", "/usr/bin:/bin"), allocRoot);
    }

    private static final Map<String, String> ATTRS = Map.of("driver.exec", "1", "kernel.name", "linux",
            "unique.hostname", "test-node");
    private static final Map<String, DriverInfo> DRIVERS = Map.of("exec", new DriverInfo(Map.of("driver.exec",
            "1"), true, true, "Healthy", java.time.Instant.now().toString()));
    private static final NodeResources RESOURCES = new NodeResources(new NodeCpuResources(4000, 2, List.of(0, 1)),
            new NodeMemoryResources(4096), new NodeDiskResources(10240), List.of(), List.of(), 20000, 32000);

    @Override
    public List<NodeListStub> nodes() {
        return List.of(new NodeListStub("", NODE_ID, ATTRS, "dc1", "test-node", "", "default", "0.1.0", false,
                "eligible", "ready", "", DRIVERS, RESOURCES, null, 1, 1));
    }

    @Override
    public Optional<Node> node(String nodeId) {
        if (!NODE_ID.equals(nodeId)) {
            return Optional.empty();
        }
        return Optional.of(new Node(NODE_ID, "dc1", "test-node", "", false, ATTRS, RESOURCES, null, Map.of(),
                Map.of(), "", "default", "", false, "eligible", "ready", "", 0, List.of(), DRIVERS, Map.of(), 1, 1));
    }

    @Override
    public AgentSelf agentSelf() {
        return new AgentSelf(Map.of("Region", "global", "Datacenter", "dc1"), new AgentMember("test", "127.0.0.1",
                4648, Map.of(), "alive", 1, 5, 2, 2, 5, 4), Map.of("client", Map.of("node_id", NODE_ID)));
    }

    @Override
    public AgentHealthResponse health() {
        return new AgentHealthResponse(new AgentHealth(true, "ok"), null);
    }

    @Override
    public void garbageCollect() {
        gcRuns++;
    }

    @Override
    public List<Event> events(long afterIndex, Map<String, List<String>> topics, Duration maxWait)
            throws InterruptedException {
        awaitIndex(afterIndex, maxWait);
        synchronized (lock) {
            return events.stream().filter(e -> e.index() > afterIndex)
                    .filter(e -> topics.isEmpty() || topics.containsKey(e.topic())).toList();
        }
    }
}
