package dev.corral.agent.acl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.hcl.Ast;
import dev.corral.jobspec.hcl.Hcl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses Nomad's ACL policy rules, in HCL or in JSON:
 * <pre>
 * namespace "default" { policy = "read"  capabilities = ["alloc-exec"] }
 * node     { policy = "read" }
 * agent    { policy = "write" }
 * operator { policy = "read" }
 * </pre>
 * Blocks Nomad knows but Corral has nothing behind ({@code host_volume}, {@code plugin}, {@code quota},
 * a namespace's {@code variables}) are checked for shape and otherwise ignored, so Nomad policies
 * apply unchanged. Every error names the line and column (HCL) or the JSON path.
 */
public final class AclPolicyParser {
    private static final Pattern NAMESPACE = Pattern.compile("^[a-zA-Z0-9-*]{1,128}$");
    private static final Set<String> COARSE = Set.of("node", "agent", "operator", "quota", "plugin");
    private static final ObjectMapper JSON = new ObjectMapper();

    private AclPolicyParser() {}

    /** Parses {@code rules}; a bad policy is an {@link AclException} with status 400. */
    public static AclPolicy parse(String rules) {
        if (rules == null || rules.isBlank()) {
            throw fail("rules are empty; write at least one namespace, node, agent or operator block");
        }
        Builder b = new Builder();
        if (rules.stripLeading().startsWith("{")) {
            json(rules, b);
        } else {
            hcl(rules, b);
        }
        if (b.namespaces.isEmpty() && b.levels.isEmpty() && !b.sawOther) {
            throw fail("Invalid policy: no namespace, node, agent or operator rule in " + rules.strip());
        }
        return new AclPolicy(b.namespaces, b.levels.get("node"), b.levels.get("agent"), b.levels.get("operator"));
    }

    private static AclException fail(String message) {
        return AclException.badRequest("Failed to parse ACL policy: " + message);
    }

    /** What both syntaxes fill in. */
    private static final class Builder {
        final Map<String, Set<String>> namespaces = new HashMap<>();
        final Map<String, Level> levels = new HashMap<>();
        boolean sawOther;

        /** The {@code where} strings locate the block, its policy and its capabilities for error messages. */
        void namespace(String where, String wherePolicy, String whereCaps, String name, String policy,
                       List<String> caps) {
            if (!NAMESPACE.matcher(name).matches()) {
                throw fail(where + ": invalid namespace name \"" + name + "\" (letters, digits, - and * only)");
            }
            Set<String> all = new LinkedHashSet<>(namespaces.getOrDefault(name, Set.of()));
            if (policy != null) {
                if (!Set.of("deny", "read", "write", "scale").contains(policy)) {
                    throw fail(wherePolicy + ": invalid namespace policy \"" + policy
                            + "\"; must be one of deny, read, write, scale");
                }
                all.addAll(AclPolicy.expand(policy));
            }
            for (String c : caps) {
                if (!AclPolicy.NAMESPACE_CAPABILITIES.contains(c)) {
                    throw fail(whereCaps + ": invalid namespace capability \"" + c + "\"");
                }
                all.add(c);
            }
            namespaces.put(name, all);
        }

        void coarse(String wherePolicy, String block, String policy) {
            Level l = policy == null ? null : Level.of(policy);
            if (l == null) {
                throw fail(wherePolicy + ": invalid " + block + " policy " + (policy == null ? "(missing)"
                        : "\"" + policy + "\"") + "; must be one of deny, read, write");
            }
            if (block.equals("quota") || block.equals("plugin")) {
                sawOther = true;
                return;
            }
            levels.merge(block, l, Level::merge);
        }
    }

    // ---- HCL ----

    private static void hcl(String rules, Builder b) {
        Ast.Body body;
        try {
            body = Hcl.parse("rules", rules);
        } catch (JobSpecException e) {
            throw fail(e.getMessage());
        }
        for (Ast.BodyItem item : body.items()) {
            if (!(item instanceof Ast.Block block)) {
                throw fail(item.pos() + ": " + item.name() + ": unexpected attribute; expected a namespace, node,"
                        + " agent or operator block");
            }
            String where = block.pos() + ": " + block.type();
            switch (block.type()) {
                case "namespace", "host_volume" -> {
                    if (block.labels().size() != 1) {
                        throw fail(where + ": needs exactly one label, e.g. " + block.type() + " \"default\" { ... }");
                    }
                    String name = block.labels().getFirst().value();
                    String policy = null;
                    List<String> caps = List.of();
                    String wherePolicy = where + ".policy";
                    String whereCaps = where + ".capabilities";
                    for (Ast.BodyItem i : block.body().items()) {
                        String iw = i.pos() + ": " + block.type() + "." + i.name();
                        switch (i) {
                            case Ast.Attribute a when a.name().equals("policy") -> {
                                policy = string(a.expr(), iw);
                                wherePolicy = iw;
                            }
                            case Ast.Attribute a when a.name().equals("capabilities") -> {
                                caps = strings(a.expr(), iw);
                                whereCaps = iw;
                            }
                            case Ast.Block v when v.type().equals("variables") && block.type().equals("namespace") -> {
                                // Nomad Variables: Corral has none; the block is accepted and has no effect.
                            }
                            default -> throw fail(iw + ": unknown " + (i instanceof Ast.Block ? "block" : "key")
                                    + "; valid here: policy, capabilities");
                        }
                    }
                    if (block.type().equals("namespace")) {
                        b.namespace(where + " \"" + name + "\"", wherePolicy, whereCaps, name, policy, caps);
                    } else {
                        b.sawOther = true;
                    }
                }
                case String t when COARSE.contains(t) -> {
                    if (!block.labels().isEmpty()) {
                        throw fail(where + ": takes no labels");
                    }
                    String policy = null;
                    String wherePolicy = where + ".policy";
                    for (Ast.BodyItem i : block.body().items()) {
                        if (i instanceof Ast.Attribute a && a.name().equals("policy")) {
                            wherePolicy = i.pos() + ": " + t + ".policy";
                            policy = string(a.expr(), wherePolicy);
                        } else {
                            throw fail(i.pos() + ": " + t + "." + i.name() + ": unknown key; valid here: policy");
                        }
                    }
                    b.coarse(wherePolicy, t, policy);
                }
                default -> throw fail(where + ": unknown block; valid: namespace, node, agent, operator, host_volume,"
                        + " plugin, quota");
            }
        }
    }

    private static String string(Ast.Expr e, String where) {
        if (e instanceof Ast.Template t && t.isLiteral()) {
            return t.literalValue();
        }
        throw fail(where + ": must be a quoted string, got " + e.text());
    }

    private static List<String> strings(Ast.Expr e, String where) {
        if (e instanceof Ast.Tuple t) {
            List<String> out = new ArrayList<>();
            for (Ast.Expr x : t.elements()) {
                out.add(string(x, where));
            }
            return out;
        }
        throw fail(where + ": must be a list of quoted strings, got " + e.text());
    }

    // ---- JSON ----

    private static void json(String rules, Builder b) {
        JsonNode root;
        try {
            root = JSON.readTree(rules);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw fail((loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ")
                    + e.getOriginalMessage());
        }
        Set<String> seen = new HashSet<>();
        for (var field : root.properties()) {
            String key = field.getKey();
            seen.add(key);
            switch (key) {
                case "namespace", "host_volume" -> {
                    for (JsonNode obj : objects(field.getValue(), key)) {
                        for (var ns : obj.properties()) {
                            String where = key + "." + ns.getKey();
                            JsonNode rule = ns.getValue();
                            if (!rule.isObject()) {
                                throw fail(where + ": must be an object");
                            }
                            String policy = null;
                            List<String> caps = List.of();
                            for (var f : rule.properties()) {
                                switch (f.getKey()) {
                                    case "policy" -> policy = jsonString(f.getValue(), where + ".policy");
                                    case "capabilities" -> caps = jsonStrings(f.getValue(), where + ".capabilities");
                                    case "variables" -> { }
                                    default -> throw fail(where + "." + f.getKey() + ": unknown key; valid here:"
                                            + " policy, capabilities");
                                }
                            }
                            if (key.equals("namespace")) {
                                b.namespace(where, where + ".policy", where + ".capabilities", ns.getKey(), policy,
                                        caps);
                            } else {
                                b.sawOther = true;
                            }
                        }
                    }
                }
                case String t when COARSE.contains(t) -> {
                    for (JsonNode obj : objects(field.getValue(), t)) {
                        String policy = null;
                        for (var f : obj.properties()) {
                            if (!f.getKey().equals("policy")) {
                                throw fail(t + "." + f.getKey() + ": unknown key; valid here: policy");
                            }
                            policy = jsonString(f.getValue(), t + ".policy");
                        }
                        b.coarse(t + ".policy", t, policy);
                    }
                }
                default -> throw fail(key + ": unknown key; valid: namespace, node, agent, operator, host_volume,"
                        + " plugin, quota");
            }
        }
    }

    /** A JSON block is an object or (HCL's JSON form) a list of objects. */
    private static List<JsonNode> objects(JsonNode n, String where) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isObject()) {
            out.add(n);
        } else if (n.isArray()) {
            for (JsonNode x : n) {
                if (!x.isObject()) {
                    throw fail(where + ": must be an object or a list of objects");
                }
                out.add(x);
            }
        } else {
            throw fail(where + ": must be an object or a list of objects");
        }
        return out;
    }

    private static String jsonString(JsonNode n, String where) {
        if (!n.isTextual()) {
            throw fail(where + ": must be a string, got " + n);
        }
        return n.asText();
    }

    private static List<String> jsonStrings(JsonNode n, String where) {
        if (!n.isArray()) {
            throw fail(where + ": must be a list of strings, got " + n);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            out.add(jsonString(x, where));
        }
        return out;
    }
}
