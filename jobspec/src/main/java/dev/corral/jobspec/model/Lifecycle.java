package dev.corral.jobspec.model;

/** A task {@code lifecycle} block: when the task runs and whether it keeps running (sidecar). */
public record Lifecycle(LifecycleHook hook, boolean sidecar) {
}
