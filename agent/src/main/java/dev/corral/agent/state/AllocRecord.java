package dev.corral.agent.state;

import java.util.Map;

/**
 * One allocation: a task group instance placed on this node.
 *
 * @param name             {@code <job>.<group>[<index>]}
 * @param desiredStatus    {@code run}, {@code stop} or {@code evict} (what the scheduler wants)
 * @param clientStatus     {@code pending}, {@code running}, {@code complete}, {@code failed}, {@code lost}
 * @param taskResources    task name to its allocated resources
 * @param diskMb           ephemeral_disk size
 */
public record AllocRecord(String id, String namespace, String evalId, String name, String nodeId, String nodeName,
                          String jobId, long jobVersion, String taskGroup, int index,
                          String desiredStatus, String desiredDescription, String clientStatus,
                          String clientDescription, Map<String, TaskResources> taskResources, long diskMb,
                          String previousAllocation, String nextAllocation,
                          long createTimeNs, long modifyTimeNs, long createIndex, long modifyIndex) {

    public AllocRecord {
        taskResources = taskResources == null ? Map.of() : Map.copyOf(taskResources);
    }

    public String shortId() {
        return id.substring(0, Math.min(8, id.length()));
    }

    public boolean serverTerminal() {
        return "stop".equals(desiredStatus) || "evict".equals(desiredStatus);
    }

    public boolean clientTerminal() {
        return "complete".equals(clientStatus) || "failed".equals(clientStatus) || "lost".equals(clientStatus);
    }

    /** Nomad's TerminalStatus: the server wants it gone, or the client finished it. */
    public boolean terminal() {
        return serverTerminal() || clientTerminal();
    }

    public AllocRecord withDesired(String status, String description, long nowNs) {
        return new AllocRecord(id, namespace, evalId, name, nodeId, nodeName, jobId, jobVersion, taskGroup, index,
                status, description, clientStatus, clientDescription, taskResources, diskMb,
                previousAllocation, nextAllocation, createTimeNs, nowNs, createIndex, modifyIndex);
    }

    public AllocRecord withClient(String status, String description, long nowNs) {
        return new AllocRecord(id, namespace, evalId, name, nodeId, nodeName, jobId, jobVersion, taskGroup, index,
                desiredStatus, desiredDescription, status, description, taskResources, diskMb,
                previousAllocation, nextAllocation, createTimeNs, nowNs, createIndex, modifyIndex);
    }

    public AllocRecord withNextAllocation(String next, long nowNs) {
        return new AllocRecord(id, namespace, evalId, name, nodeId, nodeName, jobId, jobVersion, taskGroup, index,
                desiredStatus, desiredDescription, clientStatus, clientDescription, taskResources, diskMb,
                previousAllocation, next, createTimeNs, nowNs, createIndex, modifyIndex);
    }

    public AllocRecord withJobVersion(long version, long nowNs) {
        return new AllocRecord(id, namespace, evalId, name, nodeId, nodeName, jobId, version, taskGroup, index,
                desiredStatus, desiredDescription, clientStatus, clientDescription, taskResources, diskMb,
                previousAllocation, nextAllocation, createTimeNs, nowNs, createIndex, modifyIndex);
    }

    AllocRecord withIndexes(long create, long modify) {
        return new AllocRecord(id, namespace, evalId, name, nodeId, nodeName, jobId, jobVersion, taskGroup, index,
                desiredStatus, desiredDescription, clientStatus, clientDescription, taskResources, diskMb,
                previousAllocation, nextAllocation, createTimeNs, modifyTimeNs, create, modify);
    }
}
