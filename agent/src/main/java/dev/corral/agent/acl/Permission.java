package dev.corral.agent.acl;

import java.util.List;

/** What one API request needs from its token. */
public sealed interface Permission {

    /** Anyone, even without a token (health, leader, bootstrap). */
    record Public() implements Permission {}

    /** Any token that resolves, the anonymous one included; the endpoint filters what it shows. */
    record AnyToken() implements Permission {}

    /** A management token. */
    record Management() implements Permission {}

    /** A namespace capability ({@code read-job}, {@code submit-job}, {@code alloc-exec}...) in the request's namespace. */
    record Namespace(String capability) implements Permission {}

    /** {@code node { policy }} at least {@code level}. */
    record Node(Level level) implements Permission {}

    /** {@code agent { policy }} at least {@code level}. */
    record Agent(Level level) implements Permission {}

    /** {@code operator { policy }} at least {@code level}. */
    record Operator(Level level) implements Permission {}

    /** Every one of {@code all}. */
    record All(List<Permission> all) implements Permission {
        public All {
            all = List.copyOf(all);
        }
    }

    Permission PUBLIC = new Public();
    Permission ANY_TOKEN = new AnyToken();
    Permission MANAGEMENT = new Management();
}
