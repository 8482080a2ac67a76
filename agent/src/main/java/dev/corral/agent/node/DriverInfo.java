package dev.corral.agent.node;

import java.util.Map;

/**
 * A driver as the node reports it (Nomad's DriverInfo).
 *
 * @param detected           the driver is present on this node
 * @param healthy            the driver can run tasks
 * @param healthDescription  {@code Healthy} or why not
 */
public record DriverInfo(boolean detected, boolean healthy, String healthDescription, Map<String, String> attributes) {
    public DriverInfo {
        attributes = Map.copyOf(attributes);
    }
}
