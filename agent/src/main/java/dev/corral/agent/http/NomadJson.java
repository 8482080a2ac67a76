package dev.corral.agent.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Records in the exact JSON shape of Nomad's HTTP API ({@code hashicorp/nomad/api/*.go}):
 * PascalCase names, acronyms spelled as Nomad spells them ({@code ID}, {@code JobID}),
 * times as RFC 3339 strings where Go uses {@code time.Time}, durations and Unix times
 * in nanoseconds where Go uses {@code int64}. Jobs are passed through as JSON trees in
 * Nomad's API job shape, because the job model belongs to the jobspec module.
 */
public final class NomadJson {
    private NomadJson() {}

    /** Go's zero {@code time.Time}, which Nomad prints for "never". */
    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private static final ObjectMapper MAPPER = newMapper();

    /** A mapper that reads and writes Nomad's API JSON. Thread-safe. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    static ObjectMapper newMapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
    }

    /** Formats an instant the way Go's {@code time.Time} marshals; {@code null} is the zero time. */
    public static String time(Instant t) {
        return t == null ? ZERO_TIME : DateTimeFormatter.ISO_INSTANT.format(t);
    }

    /** Unix nanoseconds of an instant, Nomad's {@code CreateTime}/{@code ModifyTime} unit. */
    public static long nanos(Instant t) {
        return t == null ? 0 : t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    // ---- jobs ----

    /** {@code api.JobListStub}. */
    public record JobListStub(
            @JsonProperty("ID") String id,
            @JsonProperty("ParentID") String parentId,
            String name,
            String namespace,
            List<String> datacenters,
            String type,
            int priority,
            boolean periodic,
            boolean parameterizedJob,
            boolean stop,
            String status,
            String statusDescription,
            JobSummary jobSummary,
            long createIndex,
            long modifyIndex,
            long jobModifyIndex,
            long submitTime,
            Map<String, String> meta) {}

    /** {@code api.JobSummary}. */
    public record JobSummary(
            @JsonProperty("JobID") String jobId,
            String namespace,
            Map<String, TaskGroupSummary> summary,
            JobChildrenSummary children,
            long createIndex,
            long modifyIndex) {}

    /** {@code api.TaskGroupSummary}. */
    public record TaskGroupSummary(int queued, int complete, int failed, int running, int starting, int lost,
                                   int unknown) {}

    /** {@code api.JobChildrenSummary}. */
    public record JobChildrenSummary(long pending, long running, long dead) {}

    /** {@code api.JobRegisterResponse}, also the answer of {@code /v1/jobs} and {@code POST /v1/job/:id}. */
    public record JobRegisterResponse(
            @JsonProperty("EvalID") String evalId,
            long evalCreateIndex,
            long jobModifyIndex,
            String warnings,
            long lastIndex,
            long requestTime) {}

    /** {@code api.JobDeregisterResponse}. */
    public record JobDeregisterResponse(
            @JsonProperty("EvalID") String evalId,
            long evalCreateIndex,
            long jobModifyIndex,
            long lastIndex,
            long requestTime) {}

    /** {@code api.JobValidateResponse}. */
    public record JobValidateResponse(boolean driverConfigValidated, List<String> validationErrors, String error,
                                      String warnings) {}

    /** {@code api.JobVersionsResponse} (without the Go client's QueryMeta, which travels in headers). */
    public record JobVersionsResponse(List<JsonNode> versions, List<JobDiff> diffs) {}

    /** {@code api.JobPlanResponse}. */
    public record JobPlanResponse(
            long jobModifyIndex,
            List<Evaluation> createdEvals,
            JobDiff diff,
            PlanAnnotations annotations,
            @JsonProperty("FailedTGAllocs") Map<String, AllocationMetric> failedTgAllocs,
            String nextPeriodicLaunch,
            String warnings) {}

    /** {@code api.PlanAnnotations}. */
    public record PlanAnnotations(
            @JsonProperty("DesiredTGUpdates") Map<String, DesiredUpdates> desiredTgUpdates,
            List<AllocationListStub> preemptedAllocs) {}

    /** {@code api.DesiredUpdates}. */
    public record DesiredUpdates(long ignore, long place, long migrate, long stop, long inPlaceUpdate,
                                 long destructiveUpdate, long canary, long preemptions) {}

    /** {@code api.JobDiff}. {@code Type} is one of Added, Deleted, Edited, None. */
    public record JobDiff(String type, @JsonProperty("ID") String id, List<FieldDiff> fields,
                          List<ObjectDiff> objects, List<TaskGroupDiff> taskGroups) {}

    /** {@code api.TaskGroupDiff}. */
    public record TaskGroupDiff(String type, String name, List<FieldDiff> fields, List<ObjectDiff> objects,
                                List<TaskDiff> tasks, Map<String, Long> updates) {}

    /** {@code api.TaskDiff}. */
    public record TaskDiff(String type, String name, List<FieldDiff> fields, List<ObjectDiff> objects,
                           List<String> annotations) {}

    /** {@code api.FieldDiff}. */
    public record FieldDiff(String type, String name, String old, @JsonProperty("New") String newValue,
                            List<String> annotations) {}

    /** {@code api.ObjectDiff}. */
    public record ObjectDiff(String type, String name, List<FieldDiff> fields, List<ObjectDiff> objects) {}

    /** {@code api.JobsParseRequest}. */
    public record JobsParseRequest(@JsonProperty("JobHCL") String jobHcl, String variables, boolean canonicalize) {}

    // ---- evaluations ----

    /** {@code api.Evaluation}; {@code Wait} is a duration in nanoseconds. */
    public record Evaluation(
            @JsonProperty("ID") String id,
            int priority,
            String type,
            String triggeredBy,
            String namespace,
            @JsonProperty("JobID") String jobId,
            long jobModifyIndex,
            @JsonProperty("NodeID") String nodeId,
            long nodeModifyIndex,
            @JsonProperty("DeploymentID") String deploymentId,
            String status,
            String statusDescription,
            @JsonProperty("Wait") long waitNanos,
            String nextEval,
            String previousEval,
            String blockedEval,
            @JsonProperty("FailedTGAllocs") Map<String, AllocationMetric> failedTgAllocs,
            Map<String, Boolean> classEligibility,
            boolean escapedComputedClass,
            Map<String, Integer> queuedAllocations,
            long snapshotIndex,
            long createIndex,
            long modifyIndex,
            long createTime,
            long modifyTime) {}

    /** {@code api.AllocationMetric}: why a placement was filtered or exhausted. */
    public record AllocationMetric(
            int nodesEvaluated,
            int nodesFiltered,
            int nodesInPool,
            String nodePool,
            Map<String, Integer> nodesAvailable,
            Map<String, Integer> classFiltered,
            Map<String, Integer> constraintFiltered,
            int nodesExhausted,
            Map<String, Integer> classExhausted,
            Map<String, Integer> dimensionExhausted,
            List<String> quotaExhausted,
            long allocationTime,
            int coalescedFailures) {}

    // ---- allocations ----

    /** {@code api.Allocation}. */
    public record Allocation(
            @JsonProperty("ID") String id,
            String namespace,
            @JsonProperty("EvalID") String evalId,
            String name,
            @JsonProperty("NodeID") String nodeId,
            String nodeName,
            @JsonProperty("JobID") String jobId,
            JsonNode job,
            String taskGroup,
            ObjectNode allocatedResources,
            AllocationMetric metrics,
            String desiredStatus,
            String desiredDescription,
            Map<String, Object> desiredTransition,
            String clientStatus,
            String clientDescription,
            Map<String, TaskState> taskStates,
            @JsonProperty("DeploymentID") String deploymentId,
            @JsonProperty("FollowupEvalID") String followupEvalId,
            String previousAllocation,
            String nextAllocation,
            List<String> preemptedAllocations,
            String preemptedByAllocation,
            long createIndex,
            long modifyIndex,
            long allocModifyIndex,
            long createTime,
            long modifyTime) {}

    /** {@code api.AllocationListStub}. */
    public record AllocationListStub(
            @JsonProperty("ID") String id,
            @JsonProperty("EvalID") String evalId,
            String name,
            String namespace,
            @JsonProperty("NodeID") String nodeId,
            String nodeName,
            @JsonProperty("JobID") String jobId,
            String jobType,
            long jobVersion,
            String taskGroup,
            String desiredStatus,
            String desiredDescription,
            String clientStatus,
            String clientDescription,
            Map<String, TaskState> taskStates,
            @JsonProperty("FollowupEvalID") String followupEvalId,
            String nextAllocation,
            List<String> preemptedAllocations,
            String preemptedByAllocation,
            long createIndex,
            long modifyIndex,
            long createTime,
            long modifyTime) {}

    /** {@code api.TaskState}. Times are RFC 3339; {@link #ZERO_TIME} when unset. */
    public record TaskState(String state, boolean failed, long restarts, String lastRestart, String startedAt,
                            String finishedAt, List<TaskEvent> events) {}

    /** {@code api.TaskEvent}: {@code Time} in Unix nanoseconds, {@code KillTimeout} in nanoseconds. */
    public record TaskEvent(
            String type,
            long time,
            String displayMessage,
            Map<String, String> details,
            String message,
            boolean failsTask,
            String restartReason,
            String setupError,
            String driverError,
            String driverMessage,
            int exitCode,
            int signal,
            String killReason,
            long killTimeout,
            String killError,
            long startDelay,
            String downloadError,
            String validationError,
            long diskLimit,
            long diskSize,
            String failedSibling,
            String vaultError,
            String taskSignalReason,
            String taskSignal,
            String genericSource) {}

    /** {@code api.AllocStopResponse}. */
    public record AllocStopResponse(@JsonProperty("EvalID") String evalId, long index) {}

    /** {@code api.AllocSignalRequest}. */
    public record AllocSignalRequest(String task, String signal) {}

    /** {@code api.AllocationRestartRequest}. */
    public record AllocationRestartRequest(String taskName, boolean allTasks) {}

    /** {@code api.AllocResourceUsage}. */
    public record AllocResourceUsage(ResourceUsage resourceUsage, Map<String, TaskResourceUsage> tasks,
                                     long timestamp) {}

    /** {@code api.TaskResourceUsage}. */
    public record TaskResourceUsage(ResourceUsage resourceUsage, long timestamp, Map<String, ResourceUsage> pids) {}

    /** {@code api.ResourceUsage}. */
    public record ResourceUsage(MemoryStats memoryStats, CpuStats cpuStats, List<Object> deviceStats) {}

    /** {@code api.MemoryStats}, bytes. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record MemoryStats(@JsonProperty("RSS") long rss, long cache, long swap, long usage, long maxUsage,
                              long kernelUsage, long kernelMaxUsage, List<String> measured) {}

    /** {@code api.CpuStats}: modes and ticks in Nomad's units, percent of one core. */
    public record CpuStats(double systemMode, double userMode, double totalTicks, long throttledPeriods,
                           long throttledTime, double percent, List<String> measured) {}

    // ---- client filesystem ----

    /** {@code api.AllocFileInfo}. */
    public record AllocFileInfo(String name, boolean isDir, long size, String fileMode, String modTime,
                                String contentType) {}

    /**
     * {@code api.StreamFrame}: a chunk of a streamed file. {@code Data} is base64 (Go's
     * {@code []byte}); all fields are omitted when empty, so a heartbeat is {@code {}}.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record StreamFrame(long offset, byte[] data, String file, String fileEvent) {}

    // ---- nodes ----

    /** {@code api.DriverInfo}. */
    public record DriverInfo(Map<String, String> attributes, boolean detected, boolean healthy,
                             String healthDescription, String updateTime) {}

    /** {@code api.NodeListStub}. */
    public record NodeListStub(
            String address,
            @JsonProperty("ID") String id,
            Map<String, String> attributes,
            String datacenter,
            String name,
            String nodeClass,
            String nodePool,
            String version,
            boolean drain,
            String schedulingEligibility,
            String status,
            String statusDescription,
            Map<String, DriverInfo> drivers,
            NodeResources nodeResources,
            NodeReservedResources reservedResources,
            long createIndex,
            long modifyIndex) {}

    /** {@code api.Node}. */
    public record Node(
            @JsonProperty("ID") String id,
            String datacenter,
            String name,
            @JsonProperty("HTTPAddr") String httpAddr,
            @JsonProperty("TLSEnabled") boolean tlsEnabled,
            Map<String, String> attributes,
            NodeResources nodeResources,
            NodeReservedResources reservedResources,
            Map<String, String> links,
            Map<String, String> meta,
            String nodeClass,
            String nodePool,
            String cgroupParent,
            boolean drain,
            String schedulingEligibility,
            String status,
            String statusDescription,
            long statusUpdatedAt,
            List<NodeEvent> events,
            Map<String, DriverInfo> drivers,
            Map<String, ClientHostVolumeConfig> hostVolumes,
            long createIndex,
            long modifyIndex) {

        /** This node as reached at {@code httpAddr}. */
        public Node withHttpAddr(String addr, boolean tls) {
            return new Node(id, datacenter, name, addr, tls, attributes, nodeResources, reservedResources, links, meta,
                    nodeClass, nodePool, cgroupParent, drain, schedulingEligibility, status, statusDescription,
                    statusUpdatedAt, events, drivers, hostVolumes, createIndex, modifyIndex);
        }
    }

    /** {@code api.ClientHostVolumeConfig}: a client {@code host_volume} as {@code Node.HostVolumes} lists it. */
    public record ClientHostVolumeConfig(String name, String path, boolean readOnly) {}

    /** {@code api.NodeEvent}. */
    public record NodeEvent(String message, String subsystem, Map<String, String> details, String timestamp,
                            long createIndex) {}

    /** {@code api.NodeResources}. */
    public record NodeResources(NodeCpuResources cpu, NodeMemoryResources memory, NodeDiskResources disk,
                                List<Object> networks, List<Object> devices, int minDynamicPort,
                                int maxDynamicPort) {}

    /** {@code api.NodeCpuResources}: {@code CpuShares} in MHz. */
    public record NodeCpuResources(long cpuShares, int totalCpuCores, List<Integer> reservableCpuCores) {}

    /** {@code api.NodeMemoryResources}. */
    public record NodeMemoryResources(@JsonProperty("MemoryMB") long memoryMb) {}

    /** {@code api.NodeDiskResources}. */
    public record NodeDiskResources(@JsonProperty("DiskMB") long diskMb) {}

    /** {@code api.NodeReservedResources}. */
    public record NodeReservedResources(NodeReservedCpu cpu, NodeMemoryResources memory, NodeDiskResources disk) {}

    /** {@code api.NodeReservedCpuResources}. */
    public record NodeReservedCpu(long cpuShares) {}

    // ---- agent ----

    /** {@code api.AgentSelf}: lower-case keys, as Nomad writes them. */
    public record AgentSelf(@JsonProperty("config") Map<String, Object> config,
                            @JsonProperty("member") AgentMember member,
                            @JsonProperty("stats") Map<String, Map<String, String>> stats) {}

    /** {@code api.AgentMember}. */
    public record AgentMember(String name, String addr, int port, Map<String, String> tags, String status,
                              int protocolMin, int protocolMax, int protocolCur, int delegateMin,
                              int delegateMax, int delegateCur) {}

    /** {@code api.AgentHealthResponse}. */
    public record AgentHealthResponse(@JsonProperty("client") AgentHealth client,
                                      @JsonProperty("server") AgentHealth server) {}

    /** {@code api.AgentHealth}. */
    public record AgentHealth(@JsonProperty("ok") boolean ok, @JsonProperty("message") String message) {}

    // ---- metrics ----

    /** {@code api.MetricsSummary}. */
    public record MetricsSummary(String timestamp, List<GaugeValue> gauges, List<Object> points,
                                 List<SampledValue> counters, List<SampledValue> samples) {}

    /** {@code api.GaugeValue}. */
    public record GaugeValue(String name, double value, Map<String, String> labels) {}

    /** {@code api.SampledValue} with its embedded {@code AggregateSample}. */
    public record SampledValue(String name, long count, double rate, double sum, double min, double max,
                               double mean, double stddev, Map<String, String> labels) {}

    // ---- events ----

    /** {@code api.Event}. */
    public record Event(String topic, String type, String key, List<String> filterKeys, long index,
                        Map<String, Object> payload) {}

    /** One line of {@code /v1/event/stream}: {@code api.Events} without the Go-only error. */
    public record Events(long index, List<Event> events) {}
}
