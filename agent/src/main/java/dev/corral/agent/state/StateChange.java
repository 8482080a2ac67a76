package dev.corral.agent.state;

import java.util.List;
import java.util.Set;

/** Everything one committed write transaction changed, delivered to subscribers in index order. */
public record StateChange(long index, Set<Table> tables, List<StateEvent> events) {
    public StateChange {
        tables = Set.copyOf(tables);
        events = List.copyOf(events);
    }
}
