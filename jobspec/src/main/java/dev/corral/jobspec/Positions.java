package dev.corral.jobspec;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each field of a decoded job was written, by field path such as
 * {@code job["web"].group["api"].count}. Lookups fall back to the nearest enclosing block.
 */
final class Positions {

    private final Map<String, SourcePos> byPath = new HashMap<>();
    private final SourcePos fallback;

    Positions(SourcePos fallback) {
        this.fallback = fallback;
    }

    void put(String path, SourcePos pos) {
        byPath.putIfAbsent(path, pos);
    }

    SourcePos get(String path) {
        String p = path;
        while (true) {
            SourcePos pos = byPath.get(p);
            if (pos != null) {
                return pos;
            }
            int cut = parentCut(p);
            if (cut <= 0) {
                return fallback;
            }
            p = p.substring(0, cut);
        }
    }

    /** Index of the last {@code .} or {@code [} outside quotes, or -1. */
    static int parentCut(String p) {
        int cut = -1;
        boolean quoted = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '.' || c == '[')) {
                cut = i;
            }
        }
        return cut;
    }

    static String child(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    static String labelled(String parent, String type, String label) {
        return child(parent, type) + "[\"" + label.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    }
}
