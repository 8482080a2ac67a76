package dev.corral.jobspec.model;

import java.util.List;

/**
 * A group's {@code network} block.
 *
 * @param mode  {@code host} (default) or {@code none}; Nomad's {@code bridge} and {@code cni/*} are rejected
 * @param ports labelled ports
 * @param dns   DNS settings, or null
 */
public record Network(String mode, List<Port> ports, Dns dns) {

    public Network {
        ports = List.copyOf(ports);
    }

    /**
     * {@code port "label" { static = N, to = N, host_network = "..." }}.
     *
     * @param label       the port label, used in {@code NOMAD_PORT_<label>}
     * @param value       the static host port, 0 for a dynamic port
     * @param to          port inside the task's network, 0 when unset
     * @param hostNetwork host network name, default {@code default}
     */
    public record Port(String label, int value, int to, String hostNetwork) {

        /** True when the port has a fixed host port. */
        public boolean isStatic() {
            return value > 0;
        }
    }

    /** {@code dns { servers, searches, options }}. */
    public record Dns(List<String> servers, List<String> searches, List<String> options) {
        public Dns {
            servers = List.copyOf(servers);
            searches = List.copyOf(searches);
            options = List.copyOf(options);
        }
    }
}
