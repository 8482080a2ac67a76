package dev.corral.agent.node;

import java.util.Map;
import java.util.Optional;

/**
 * This machine as the scheduler sees it: identity, fingerprinted attributes, drivers and resources.
 *
 * @param attributes  fingerprint attributes without the {@code attr.} prefix, e.g. {@code kernel.name}
 * @param meta        client {@code meta}
 * @param drivers     driver name to its info
 * @param resources   totals
 * @param reserved    the client's {@code reserved} block
 * @param hostVolumes the client's {@code host_volume} blocks by name
 */
public record Node(String id, String secretId, String name, String datacenter, String region, String nodeClass,
                   String nodePool, String status, Map<String, String> attributes, Map<String, String> meta,
                   Map<String, DriverInfo> drivers, NodeResources resources, NodeResources reserved,
                   Map<String, HostVolume> hostVolumes) {
    public Node {
        attributes = Map.copyOf(attributes);
        meta = Map.copyOf(meta);
        drivers = Map.copyOf(drivers);
        hostVolumes = hostVolumes == null ? Map.of() : Map.copyOf(hostVolumes);
    }

    /** A node without host volumes. */
    public Node(String id, String secretId, String name, String datacenter, String region, String nodeClass,
                String nodePool, String status, Map<String, String> attributes, Map<String, String> meta,
                Map<String, DriverInfo> drivers, NodeResources resources, NodeResources reserved) {
        this(id, secretId, name, datacenter, region, nodeClass, nodePool, status, attributes, meta, drivers, resources,
                reserved, Map.of());
    }

    /**
     * Resolves a constraint target such as {@code ${attr.kernel.name}}, {@code ${node.unique.id}},
     * {@code ${meta.rack}}; text not wrapped in {@code ${...}} is a literal. Empty when the
     * attribute is not set.
     */
    public Optional<String> resolve(String target) {
        if (target == null) {
            return Optional.empty();
        }
        if (!(target.startsWith("${") && target.endsWith("}"))) {
            return Optional.of(target);
        }
        String key = target.substring(2, target.length() - 1);
        return switch (key) {
            case "node.unique.id" -> Optional.of(id);
            case "node.unique.name" -> Optional.of(name);
            case "node.datacenter" -> Optional.of(datacenter);
            case "node.region" -> Optional.of(region);
            case "node.class" -> Optional.of(nodeClass);
            case "node.pool" -> Optional.of(nodePool);
            default -> {
                if (key.startsWith("attr.")) {
                    yield Optional.ofNullable(attributes.get(key.substring(5)));
                }
                if (key.startsWith("meta.")) {
                    yield Optional.ofNullable(meta.get(key.substring(5)));
                }
                yield Optional.empty();
            }
        };
    }
}
