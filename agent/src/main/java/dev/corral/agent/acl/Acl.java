package dev.corral.agent.acl;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one token may do: the union of its policies, where a {@code deny} anywhere wins (Nomad's
 * merge rule). A management token may do everything.
 */
public final class Acl {
    /** Allows everything. */
    public static final Acl MANAGEMENT = new Acl(true, Map.of(), null, null, null);
    /** Allows nothing (the anonymous token when no {@code anonymous} policy exists). */
    public static final Acl DENY_ALL = new Acl(false, Map.of(), null, null, null);

    private final boolean management;
    private final Map<String, Set<String>> namespaces;
    private final Level node;
    private final Level agent;
    private final Level operator;

    private Acl(boolean management, Map<String, Set<String>> namespaces, Level node, Level agent, Level operator) {
        this.management = management;
        this.namespaces = namespaces;
        this.node = node;
        this.agent = agent;
        this.operator = operator;
    }

    /** Merges policies into one ACL. */
    public static Acl of(Collection<AclPolicy> policies) {
        Map<String, Set<String>> ns = new HashMap<>();
        Level node = null;
        Level agent = null;
        Level operator = null;
        for (AclPolicy p : policies) {
            p.namespaces().forEach((name, caps) -> ns.computeIfAbsent(name, k -> new LinkedHashSet<>()).addAll(caps));
            node = Level.merge(node, p.node());
            agent = Level.merge(agent, p.agent());
            operator = Level.merge(operator, p.operator());
        }
        Map<String, Set<String>> frozen = new HashMap<>();
        ns.forEach((k, v) -> frozen.put(k, v.contains("deny") ? Set.of("deny") : Set.copyOf(v)));
        return new Acl(false, Map.copyOf(frozen), node, agent, operator);
    }

    public boolean isManagement() {
        return management;
    }

    /** Whether {@code capability} is granted in {@code namespace}. */
    public boolean allowNamespace(String namespace, String capability) {
        if (management) {
            return true;
        }
        Set<String> caps = rule(namespace);
        return caps != null && !caps.contains("deny") && caps.contains(capability);
    }

    /**
     * The rule for a namespace: an exact name wins; else, among the globs that match, the closest
     * one (fewest characters matched by {@code *}), as Nomad chooses.
     */
    private Set<String> rule(String namespace) {
        Set<String> exact = namespaces.get(namespace);
        if (exact != null) {
            return exact;
        }
        Set<String> best = null;
        int bestDiff = Integer.MAX_VALUE;
        for (var e : namespaces.entrySet()) {
            String pattern = e.getKey();
            if (pattern.contains("*") && glob(pattern, namespace)) {
                int diff = namespace.length() - pattern.replace("*", "").length();
                if (diff < bestDiff) {
                    bestDiff = diff;
                    best = e.getValue();
                }
            }
        }
        return best;
    }

    /** {@code *} matches any run of characters, everything else itself. */
    static boolean glob(String pattern, String s) {
        String[] parts = pattern.split("\\*", -1);
        if (!s.startsWith(parts[0])) {
            return false;
        }
        int at = parts[0].length();
        for (int i = 1; i < parts.length - 1; i++) {
            int found = s.indexOf(parts[i], at);
            if (found < 0) {
                return false;
            }
            at = found + parts[i].length();
        }
        String last = parts[parts.length - 1];
        return parts.length == 1 ? s.equals(pattern) : s.length() - at >= last.length() && s.endsWith(last);
    }

    public boolean allowNode(Level wanted) {
        return management || node != null && node.grants(wanted);
    }

    public boolean allowAgent(Level wanted) {
        return management || agent != null && agent.grants(wanted);
    }

    public boolean allowOperator(Level wanted) {
        return management || operator != null && operator.grants(wanted);
    }

    /** Whether this ACL grants {@code p} for a request in {@code namespace}. */
    public boolean allows(Permission p, String namespace) {
        return switch (p) {
            case Permission.Public x -> true;
            case Permission.AnyToken x -> true;
            case Permission.Management x -> management;
            case Permission.Namespace n -> allowNamespace(namespace, n.capability());
            case Permission.Node n -> allowNode(n.level());
            case Permission.Agent a -> allowAgent(a.level());
            case Permission.Operator o -> allowOperator(o.level());
            case Permission.All all -> all.all().stream().allMatch(q -> allows(q, namespace));
        };
    }
}
