package dev.corral.driver;

import java.util.List;

/** What the driver supports, as advertised to the Nomad client (Nomad's Capabilities struct). */
public record DriverCapabilities(
        boolean sendSignals,
        boolean exec,
        String fsIsolation,
        List<String> netIsolationModes,
        boolean mustInitiateNetwork,
        String mountConfigs,
        boolean remoteTasks,
        boolean disableLogCollection) {

    /** The exec driver's capabilities (same as Nomad's exec). */
    public static final DriverCapabilities EXEC = new DriverCapabilities(
            true, true, "chroot", List.of("host", "group"), false, "all", false, false);
}
