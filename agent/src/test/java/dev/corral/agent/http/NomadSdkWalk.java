package dev.corral.agent.http;

import com.hashicorp.nomad.apimodel.AgentSelf;
import com.hashicorp.nomad.apimodel.AllocResourceUsage;
import com.hashicorp.nomad.apimodel.Allocation;
import com.hashicorp.nomad.apimodel.AllocationListStub;
import com.hashicorp.nomad.apimodel.Job;
import com.hashicorp.nomad.apimodel.Node;
import com.hashicorp.nomad.apimodel.NodeListStub;
import com.hashicorp.nomad.apimodel.Resources;
import com.hashicorp.nomad.apimodel.StreamFrame;
import com.hashicorp.nomad.apimodel.Task;
import com.hashicorp.nomad.apimodel.TaskEvent;
import com.hashicorp.nomad.apimodel.TaskGroup;
import com.hashicorp.nomad.apimodel.TaskState;
import com.hashicorp.nomad.javasdk.ClientApi;
import com.hashicorp.nomad.javasdk.FramedStream;
import com.hashicorp.nomad.javasdk.NomadApiClient;
import com.hashicorp.nomad.javasdk.NomadApiConfiguration;
import com.hashicorp.nomad.javasdk.QueryOptions;
import com.hashicorp.nomad.javasdk.WaitStrategy;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The calls a Nomad SDK user makes, run inside an isolated class loader that holds the SDK and its
 * own Jackson 2.10 (see {@code NomadSdkCompatTest}). Returns what it observed as plain strings so
 * the test can assert from the normal class loader.
 */
public final class NomadSdkWalk {
    private NomadSdkWalk() {}

    public static Map<String, String> walk(String address, String jobId, String command) throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        try (NomadApiClient nomad = new NomadApiClient(
                new NomadApiConfiguration.Builder().setAddress(address).build())) {
            AgentSelf self = nomad.getAgentApi().self().getValue();
            seen.put("self.member", self.getMember().getName());
            seen.put("self.node_id", self.getStats().get("client").get("node_id"));

            List<NodeListStub> nodes = nomad.getNodesApi().list().getValue();
            seen.put("nodes", Integer.toString(nodes.size()));
            Node node = nomad.getNodesApi().info(nodes.getFirst().getId()).getValue();
            seen.put("node.driver.exec", node.getAttributes().get("driver.exec"));
            seen.put("node.exec.healthy", Boolean.toString(node.getDrivers().get("exec").getHealthy()));
            seen.put("node.http", node.getHttpAddr());

            Job job = new Job().setId(jobId).setName(jobId).setType("service").setDatacenters(List.of("dc1"))
                    .addTaskGroups(new TaskGroup().setName("g").setCount(1).addTasks(new Task().setName("t")
                            .setDriver("exec").addConfig("command", "/bin/sh")
                            .addConfig("args", List.of("-c", command))
                            .setResources(new Resources().setCpu(100).setMemoryMb(64))));
            seen.put("register.eval", nomad.getJobsApi().register(job).getValue());

            // Scheduling is asynchronous, as in Nomad: wait (blocking query) for the evaluation to place it.
            List<AllocationListStub> allocs = nomad.getJobsApi().allocations(jobId,
                    QueryOptions.pollRepeatedlyUntil(r -> !r.getValue().isEmpty(), WaitStrategy.waitForSeconds(60)))
                    .getValue();
            seen.put("allocs", Integer.toString(allocs.size()));
            String allocId = allocs.getFirst().getId();
            // a blocking query that the SDK repeats until the task runs
            Allocation alloc = nomad.getAllocationsApi().info(allocId,
                    QueryOptions.pollRepeatedlyUntil(r -> {
                        Map<String, TaskState> states = r.getValue().getTaskStates();
                        return states != null && states.get("t") != null
                                && "running".equals(states.get("t").getState());
                    }, WaitStrategy.waitForSeconds(60))).getValue();
            TaskState ts = alloc.getTaskStates().get("t");
            seen.put("task.state", ts.getState());
            seen.put("task.startedAt", String.valueOf(ts.getStartedAt()));
            StringBuilder types = new StringBuilder();
            for (TaskEvent e : ts.getEvents()) {
                types.append(e.getType()).append(',');
            }
            seen.put("task.events", types.toString());

            ClientApi client = nomad.lookupClientApiByNodeId(alloc.getNodeId());
            StringBuilder logs = new StringBuilder();
            try (FramedStream frames = client.logsAsFrames(allocId, "t", false, "stdout")) {
                while (frames.hasNextFrame()) {
                    StreamFrame f = frames.nextFrame();
                    if (f.getData() != null) {
                        logs.append(new String(f.getData(), StandardCharsets.UTF_8));
                    }
                }
            }
            seen.put("logs", logs.toString());

            AllocResourceUsage usage = client.stats(allocId).getValue();
            seen.put("stats.rss", String.valueOf(usage.getTasks().get("t").getResourceUsage().getMemoryStats().getRss()));

            seen.put("deregister.eval", nomad.getJobsApi().deregister(jobId).getValue());
            // The evaluation stops the allocation asynchronously, as in Nomad: a blocking query waits for it.
            seen.put("after.desired", nomad.getAllocationsApi().info(allocId, QueryOptions.pollRepeatedlyUntil(
                    r -> "stop".equals(r.getValue().getDesiredStatus()), WaitStrategy.waitForSeconds(60)))
                    .getValue().getDesiredStatus());
        }
        return seen;
    }
}
