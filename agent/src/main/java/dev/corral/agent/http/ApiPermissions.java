package dev.corral.agent.http;

import dev.corral.agent.acl.Level;
import dev.corral.agent.acl.Permission;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What each endpoint needs from the request's token, following Nomad's ACL requirements per
 * endpoint. A path not listed here needs a management token: a new route is closed until it is
 * listed (fail closed).
 */
final class ApiPermissions {
    private ApiPermissions() {}

    private record Rule(Set<String> methods, Pattern path, Permission permission) {}

    private static final Set<String> READ = Set.of("GET");
    private static final Set<String> WRITE = Set.of("PUT", "POST", "DELETE");
    private static final Set<String> ANY = Set.of("GET", "PUT", "POST", "DELETE");

    private static Permission ns(String capability) {
        return new Permission.Namespace(capability);
    }

    private static Rule rule(Set<String> methods, String regex, Permission p) {
        return new Rule(methods, Pattern.compile("^" + regex + "$"), p);
    }

    private static final String SEG = "[^/]+";

    private static final List<Rule> RULES = List.of(
            // open in Nomad too: health checks, leader discovery, and bootstrap (which decides itself)
            rule(READ, "/v1/agent/health", Permission.PUBLIC),
            rule(READ, "/v1/status/(leader|peers)", Permission.PUBLIC),
            rule(READ, "/v1/regions", Permission.PUBLIC),
            rule(Set.of("PUT", "POST"), "/v1/acl/bootstrap", Permission.PUBLIC),
            // any resolved token; the endpoint shows only what that token may see
            rule(READ, "/v1/acl/token/self", Permission.ANY_TOKEN),
            rule(READ, "/v1/acl/token/" + SEG, Permission.ANY_TOKEN),
            rule(READ, "/v1/acl/policies", Permission.ANY_TOKEN),
            rule(READ, "/v1/acl/policy/" + SEG, Permission.ANY_TOKEN),
            rule(ANY, "/v1/acl/.*", Permission.MANAGEMENT),
            // jobs
            rule(READ, "/v1/jobs", ns("list-jobs")),
            rule(Set.of("PUT", "POST"), "/v1/jobs", ns("submit-job")),
            rule(Set.of("PUT", "POST"), "/v1/jobs/parse", ns("parse-job")),
            rule(Set.of("PUT", "POST"), "/v1/validate/job", ns("read-job")),
            rule(READ, "/v1/job/" + SEG + "(/(allocations|evaluations|summary|versions))?", ns("read-job")),
            rule(WRITE, "/v1/job/" + SEG + "(/plan)?", ns("submit-job")),
            // allocations and evaluations
            rule(READ, "/v1/allocations", ns("read-job")),
            rule(READ, "/v1/allocation/" + SEG, ns("read-job")),
            rule(Set.of("PUT", "POST"), "/v1/allocation/" + SEG + "/stop", ns("alloc-lifecycle")),
            rule(READ, "/v1/client/allocation/" + SEG + "/stats", ns("read-job")),
            rule(Set.of("PUT", "POST"), "/v1/client/allocation/" + SEG + "/(signal|restart)", ns("alloc-lifecycle")),
            rule(READ, "/v1/client/allocation/" + SEG + "/exec", ns("alloc-exec")),
            rule(READ, "/v1/client/fs/logs/" + SEG, ns("read-logs")),
            rule(READ, "/v1/client/fs/(ls|stat|cat|readat)/" + SEG, ns("read-fs")),
            rule(READ, "/v1/evaluations", ns("read-job")),
            rule(READ, "/v1/evaluation/" + SEG + "(/allocations)?", ns("read-job")),
            // nodes, agent, system
            rule(READ, "/v1/nodes", new Permission.Node(Level.READ)),
            rule(READ, "/v1/node/" + SEG + "(/allocations)?", new Permission.Node(Level.READ)),
            rule(READ, "/v1/agent/self", new Permission.Agent(Level.READ)),
            rule(READ, "/v1/agent/members", new Permission.Node(Level.READ)),
            rule(READ, "/v1/metrics", new Permission.Agent(Level.READ)),
            rule(Set.of("GET", "PUT", "POST"), "/v1/client/gc", new Permission.Node(Level.WRITE)),
            rule(Set.of("PUT", "POST"), "/v1/system/gc", Permission.MANAGEMENT));

    /**
     * The permission a request needs. The event stream needs {@code read-job}, and {@code node:read}
     * too when it asks for the Node topic (or all topics).
     */
    static Permission required(String method, String path, List<String> topics) {
        if (path.equals("/v1/event/stream") && method.equals("GET")) {
            boolean nodes = topics.isEmpty() || topics.stream().anyMatch(t -> t.startsWith("Node") || t.startsWith("*"));
            return nodes ? new Permission.All(List.of(ns("read-job"), new Permission.Node(Level.READ)))
                    : ns("read-job");
        }
        for (Rule r : RULES) {
            if (r.methods.contains(method) && r.path.matcher(path).matches()) {
                return r.permission;
            }
        }
        return Permission.MANAGEMENT;
    }
}
