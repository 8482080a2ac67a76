package dev.corral.driver;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The driver's tasks by id. A concurrent map and nothing else: each {@link TaskHandle} guards its own
 * mutable fields with its own lock, so two tasks never contend.
 */
public final class TaskStore {
    private final ConcurrentMap<String, TaskHandle> handles = new ConcurrentHashMap<>();

    /** Adds a handle unless one with the same id exists; returns the existing one if so. */
    Optional<TaskHandle> putIfAbsent(TaskHandle h) {
        return Optional.ofNullable(handles.putIfAbsent(h.id(), h));
    }

    Optional<TaskHandle> get(String id) {
        return Optional.ofNullable(handles.get(id));
    }

    void remove(String id) {
        handles.remove(id);
    }

    Collection<TaskHandle> all() {
        return List.copyOf(handles.values());
    }
}
