package dev.corral.agent.acl;

import java.util.Map;
import java.util.Set;

/**
 * One parsed policy: namespace rules with their capabilities already expanded from
 * {@code policy = "..."}, and the coarse {@code node}, {@code agent} and {@code operator} levels
 * (null when the policy does not mention them).
 *
 * @param namespaces namespace name or glob ({@code *} matches any run of characters) to capabilities
 */
public record AclPolicy(Map<String, Set<String>> namespaces, Level node, Level agent, Level operator) {

    public AclPolicy {
        namespaces = Map.copyOf(namespaces);
    }

    /** Namespace capabilities Nomad defines; {@code policy = "read"} and {@code "write"} expand to subsets. */
    public static final Set<String> NAMESPACE_CAPABILITIES = Set.of("deny", "list-jobs", "parse-job", "read-job",
            "submit-job", "dispatch-job", "read-logs", "read-fs", "alloc-exec", "alloc-node-exec",
            "alloc-lifecycle", "csi-write-volume", "csi-mount-volume", "csi-list-volume", "csi-read-volume",
            "csi-register-plugin", "list-scaling-policies", "read-scaling-policy", "read-job-scaling", "scale-job",
            "submit-recommendation", "sentinel-override", "host-volume-register", "host-volume-create",
            "host-volume-write", "host-volume-read", "host-volume-delete");

    static final Set<String> READ = Set.of("list-jobs", "parse-job", "read-job", "csi-list-volume",
            "csi-read-volume", "read-job-scaling", "list-scaling-policies", "read-scaling-policy",
            "host-volume-read");

    static final Set<String> WRITE = union(READ, Set.of("scale-job", "submit-job", "dispatch-job", "read-logs",
            "read-fs", "alloc-exec", "alloc-lifecycle", "csi-mount-volume", "csi-write-volume",
            "submit-recommendation", "host-volume-create", "host-volume-write", "host-volume-delete"));

    static final Set<String> SCALE = Set.of("list-scaling-policies", "read-scaling-policy", "read-job-scaling",
            "scale-job");

    /** The capabilities a namespace {@code policy} value stands for (Nomad's expansion). */
    static Set<String> expand(String policy) {
        return switch (policy) {
            case "deny" -> Set.of("deny");
            case "read" -> READ;
            case "write" -> WRITE;
            case "scale" -> SCALE;
            default -> throw new IllegalArgumentException(policy);
        };
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }
}
