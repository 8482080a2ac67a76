package dev.corral.driver;

import java.util.Map;

/**
 * The driver's health and node attributes.
 *
 * @param health      healthy, unhealthy (detected but unusable) or undetected
 * @param description {@code Healthy} or the reason it is not, e.g. {@code Driver must run as root}
 * @param attributes  node attributes: {@code driver.exec = "1"} when healthy, plus {@code driver.exec.cgroup}, etc.
 */
public record Fingerprint(HealthState health, String description, Map<String, String> attributes) {
    public Fingerprint {
        attributes = Map.copyOf(attributes);
    }

    /** Nomad's DriverInfo.Detected. */
    public boolean detected() {
        return health != HealthState.UNDETECTED;
    }

    /** Nomad's DriverInfo.Healthy. */
    public boolean healthy() {
        return health == HealthState.HEALTHY;
    }
}
