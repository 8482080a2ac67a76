package dev.corral.agent.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A task's state within its allocation, with its most recent events.
 *
 * @param state          {@code pending}, {@code running} or {@code dead}
 * @param failed         the task died and will not be restarted because of a failure
 * @param restarts       how many times the task was restarted
 * @param lastRestartMs  Unix ms of the last restart, 0 if none
 * @param startedAtMs    Unix ms of the last start, 0 if never started
 * @param finishedAtMs   Unix ms when it became dead, 0 while not dead
 * @param events         at most {@link #MAX_EVENTS}, oldest first
 */
public record TaskStateRecord(String state, boolean failed, int restarts, long lastRestartMs, long startedAtMs,
                              long finishedAtMs, List<TaskEvent> events) {
    /** Nomad keeps the last 10 events per task. */
    public static final int MAX_EVENTS = 10;

    public TaskStateRecord {
        events = events == null ? List.of() : List.copyOf(events);
    }

    public static TaskStateRecord pending() {
        return new TaskStateRecord("pending", false, 0, 0, 0, 0, List.of());
    }

    public TaskStateRecord withEvent(TaskEvent event) {
        List<TaskEvent> next = new ArrayList<>(events);
        next.add(event);
        while (next.size() > MAX_EVENTS) {
            next.removeFirst();
        }
        return new TaskStateRecord(state, failed || event.failsTask(), restarts, lastRestartMs, startedAtMs,
                finishedAtMs, next);
    }

    public TaskStateRecord withState(String newState) {
        return new TaskStateRecord(newState, failed, restarts, lastRestartMs, startedAtMs, finishedAtMs, events);
    }

    public TaskStateRecord withFailed(boolean f) {
        return new TaskStateRecord(state, f, restarts, lastRestartMs, startedAtMs, finishedAtMs, events);
    }

    public TaskStateRecord withStarted(long ms) {
        return new TaskStateRecord(state, failed, restarts, lastRestartMs, ms, 0, events);
    }

    public TaskStateRecord withFinished(long ms) {
        return new TaskStateRecord(state, failed, restarts, lastRestartMs, startedAtMs, ms, events);
    }

    public TaskStateRecord withRestart(long ms) {
        return new TaskStateRecord(state, failed, restarts + 1, ms, startedAtMs, finishedAtMs, events);
    }
}
