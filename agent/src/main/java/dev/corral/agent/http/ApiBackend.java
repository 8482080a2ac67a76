package dev.corral.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.http.NomadJson.AgentHealthResponse;
import dev.corral.agent.http.NomadJson.AgentSelf;
import dev.corral.agent.http.NomadJson.AllocResourceUsage;
import dev.corral.agent.http.NomadJson.Allocation;
import dev.corral.agent.http.NomadJson.AllocationListStub;
import dev.corral.agent.http.NomadJson.Evaluation;
import dev.corral.agent.http.NomadJson.Event;
import dev.corral.agent.http.NomadJson.JobDeregisterResponse;
import dev.corral.agent.http.NomadJson.JobListStub;
import dev.corral.agent.http.NomadJson.JobPlanResponse;
import dev.corral.agent.http.NomadJson.JobRegisterResponse;
import dev.corral.agent.http.NomadJson.JobSummary;
import dev.corral.agent.http.NomadJson.JobValidateResponse;
import dev.corral.agent.http.NomadJson.Node;
import dev.corral.agent.http.NomadJson.NodeListStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the HTTP API needs from the agent, in Nomad's API shapes. The agent module implements it
 * over its in-process API; the HTTP layer knows nothing else about the agent. Methods throw
 * {@link ApiException} for refusals a client should see (unknown id, invalid job).
 *
 * <p>IDs given here are full IDs: prefix resolution happens in the HTTP layer through the list
 * methods, as Nomad's {@code prefix} query parameter does.
 */
public interface ApiBackend {

    // ---- change index, for blocking queries ----

    /** The current modify index of the state store; grows on every change. */
    long index();

    /**
     * Waits until {@link #index()} exceeds {@code afterIndex} or {@code maxWait} passes, and
     * returns the index then. Spurious early returns are allowed; callers re-read.
     */
    long awaitIndex(long afterIndex, Duration maxWait) throws InterruptedException;

    // ---- jobs ----

    List<JobListStub> jobs();

    /**
     * The jobs whose ID starts with {@code prefix} ({@code ?prefix=}); a backend with an index
     * overrides this so a prefix look-up does not build every job's stub.
     */
    default List<JobListStub> jobs(String prefix) {
        return jobs().stream().filter(j -> j.id().startsWith(prefix)).toList();
    }

    /** The job in Nomad's API JSON job shape, or empty. */
    Optional<ObjectNode> job(String jobId);

    /** Registers (creates or updates) a job given in Nomad's API JSON job shape. */
    JobRegisterResponse register(ObjectNode job);

    JobDeregisterResponse deregister(String jobId, boolean purge);

    Optional<JobSummary> jobSummary(String jobId);

    /** All stored versions, newest first. */
    List<ObjectNode> jobVersions(String jobId);

    List<AllocationListStub> jobAllocations(String jobId);

    List<Evaluation> jobEvaluations(String jobId);

    /** Validates an API JSON job without registering it. */
    JobValidateResponse validate(ObjectNode job);

    /** Dry-runs a registration: what would be placed, stopped or fail, and the diff to the stored job. */
    JobPlanResponse plan(ObjectNode job, boolean diff);

    /** Parses an HCL2 job file into the API JSON job shape ({@code /v1/jobs/parse}). */
    ObjectNode parse(String hcl, String variables, boolean canonicalize);

    // ---- evaluations ----

    List<Evaluation> evaluations();

    Optional<Evaluation> evaluation(String evalId);

    // ---- allocations ----

    List<AllocationListStub> allocations();

    Optional<Allocation> allocation(String allocId);

    /** Stops an allocation; returns the follow-up evaluation's ID. */
    String stopAllocation(String allocId);

    /** Sends a signal (name like {@code SIGHUP}) to one task, or to every task when {@code task} is null. */
    void signal(String allocId, String task, String signal);

    /** Restarts one task in place, or every running task when {@code task} is null or {@code allTasks}. */
    void restart(String allocId, String task, boolean allTasks);

    AllocResourceUsage allocationStats(String allocId);

    /** The allocation's directory on this host (Nomad's {@code <alloc_dir>/<alloc id>}). */
    Path allocationDir(String allocId);

    /** How to run a command inside a task's isolation, for {@code alloc exec}. */
    ExecTarget execTarget(String allocId, String task, List<String> command, boolean tty);

    // ---- nodes and agent ----

    List<NodeListStub> nodes();

    Optional<Node> node(String nodeId);

    AgentSelf agentSelf();

    AgentHealthResponse health();

    /** Runs client garbage collection now. */
    void garbageCollect();

    /**
     * Events with index greater than {@code afterIndex} on the given topics (empty: all),
     * waiting up to {@code maxWait} for at least one.
     */
    List<Event> events(long afterIndex, Map<String, List<String>> topics, Duration maxWait)
            throws InterruptedException;

    /** A job in API JSON is not a record; keep the reading in one place. */
    static String jobId(JsonNode job) {
        JsonNode id = job.get("ID");
        return id == null || id.isNull() ? null : id.asText();
    }

    /**
     * A process to start for an exec session: the full argv (it enters the task's namespaces and
     * cgroup itself), its environment, and its working directory.
     */
    record ExecTarget(List<String> argv, Map<String, String> env, Path workDir) {}
}
