package dev.corral.driver;

/** Lifecycle state of a task handle, as Nomad's InspectTask reports it. */
public enum TaskState {
    RUNNING,
    EXITED,
    UNKNOWN
}
