package dev.corral.agent.job;

/**
 * A task's {@code lifecycle} block.
 *
 * @param hook    {@code prestart}, {@code poststart} or {@code poststop}
 * @param sidecar keep the task running for the allocation's life
 */
public record Lifecycle(String hook, boolean sidecar) {}
