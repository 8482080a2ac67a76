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
final class InMemoryBackend implements ApiBackend {
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private long index = 1;
    final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
    final Map<String, Allocation> allocs = new LinkedHashMap<>();
    final List<Event> events = new ArrayList<>();
    final Path allocRoot;
    volatile List<String> execPrefix = List.of();
    int gcRuns;

    InMemoryBackend(Path allocRoot) {
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

    @Override
    public JobRegisterResponse register(ObjectNode job) {
        String id = ApiBackend.jobId(job);
        if (id == null || id.isEmpty()) {
            throw ApiException.badRequest("Job ID must be specified");
        }
        synchronized (lock) {
            jobs.put(id, job);
            events.add(new Event("Job", "JobRegistered", id, List.of(), index + 1, Map.of("Job", job)));
        }
        bump();
        return new JobRegisterResponse(UUID.randomUUID().toString(), index(), index(), "", index(), 0);
    }

    @Override
    public JobDeregisterResponse deregister(String jobId, boolean purge) {
        synchronized (lock) {
            if (purge) {
                jobs.remove(jobId);
            }
        }
        bump();
        return new JobDeregisterResponse(UUID.randomUUID().toString(), index(), index(), index(), 0);
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
        return List.of();
    }

    @Override
    public Optional<Evaluation> evaluation(String evalId) {
        return Optional.empty();
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
    public void signal(String allocId, String task, String signal) {}

    @Override
    public void restart(String allocId, String task, boolean allTasks) {}

    @Override
    public AllocResourceUsage allocationStats(String allocId) {
        return new AllocResourceUsage(null, Map.of(), 0);
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

    @Override
    public List<NodeListStub> nodes() {
        return List.of();
    }

    @Override
    public Optional<Node> node(String nodeId) {
        return Optional.empty();
    }

    @Override
    public AgentSelf agentSelf() {
        return new AgentSelf(Map.of(), new AgentMember("test", "127.0.0.1", 4648, Map.of(), "alive", 1, 5, 2, 2, 5,
                4), Map.of());
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
