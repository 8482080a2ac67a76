package dev.corral.jobspec.model;

/** What to do when the restart attempts within an interval are used up. */
public enum RestartMode {
    /** Mark the task failed (Nomad's default). */
    FAIL,
    /** Wait for the rest of the interval, then restart again. */
    DELAY
}
