package dev.corral.agent.state;

/**
 * This node's identity, created once per data dir so the node id is stable across restarts.
 *
 * @param createTimeMs Unix ms of the first start with this data dir
 */
public record NodeIdentity(String id, String secretId, long createTimeMs) {}
