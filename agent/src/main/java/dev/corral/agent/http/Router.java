package dev.corral.agent.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Method + path routing: patterns are {@code /}-separated segments where {@code :name} captures
 * one segment and a trailing {@code *name} captures the rest (possibly empty). A path that
 * matches no pattern is a 404; a path whose pattern exists for other methods is a 405.
 */
final class Router {

    /** One route handler; it writes its own response through the call. */
    @FunctionalInterface
    interface Route {
        void handle(ApiCall call) throws Exception;
    }

    /** The outcome of a lookup. */
    sealed interface Match permits Found, WrongMethod, NotFound {}

    record Found(Route route, Map<String, String> params) implements Match {}

    record WrongMethod(Set<String> allowed) implements Match {}

    record NotFound() implements Match {}

    private record Entry(Set<String> methods, String[] segments, Route route) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Adds a route for the given methods (e.g. {@code "GET"}, {@code "PUT,POST"}). */
    Router add(String methods, String pattern, Route route) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with /: " + pattern);
        }
        entries.add(new Entry(Set.of(methods.split(",")), pattern.substring(1).split("/", -1), route));
        return this;
    }

    Match match(String method, String path) {
        if (!path.startsWith("/")) {
            return new NotFound();
        }
        String[] parts = path.substring(1).split("/", -1);
        Set<String> allowed = new LinkedHashSet<>();
        for (Entry e : entries) {
            Map<String, String> params = bind(e.segments, parts);
            if (params == null) {
                continue;
            }
            if (e.methods.contains(method)) {
                return new Found(e.route, params);
            }
            allowed.addAll(e.methods);
        }
        return allowed.isEmpty() ? new NotFound() : new WrongMethod(allowed);
    }

    private static Map<String, String> bind(String[] pattern, String[] parts) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String seg = pattern[i];
            if (seg.startsWith("*")) {
                params.put(seg.substring(1), String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length)));
                return params;
            }
            if (i >= parts.length) {
                return null;
            }
            if (seg.startsWith(":")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                params.put(seg.substring(1), parts[i]);
            } else if (!seg.equals(parts[i])) {
                return null;
            }
        }
        return pattern.length == parts.length ? params : null;
    }
}
