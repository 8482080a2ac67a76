package dev.corral.jobspec;

import dev.corral.jobspec.eval.Evaluator;
import dev.corral.jobspec.eval.Suggest;
import dev.corral.jobspec.eval.Values;
import dev.corral.jobspec.hcl.Ast.Attribute;
import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.BodyItem;
import dev.corral.jobspec.model.DataSize;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one HCL body against a schema that is declared by the reads themselves: every
 * attribute or block asked for is known, {@link #finish()} reports the rest as unknown with a
 * "did you mean" suggestion. Conversion errors are recorded, never thrown; the read then
 * returns the default.
 */
final class BodyReader {

    final Body body;
    final String path;
    private final Evaluator ev;
    private final Diagnostics diags;
    private final Positions positions;
    private final Set<String> known = new LinkedHashSet<>();
    private final Map<String, String> unsupported;

    BodyReader(Body body, String path, Evaluator ev, Diagnostics diags, Positions positions, Map<String, String> unsupported) {
        this.body = body;
        this.path = path;
        this.ev = ev;
        this.diags = diags;
        this.positions = positions;
        this.unsupported = unsupported;
        positions.put(path, body.pos());
    }

    BodyReader child(Block b, String childPath) {
        positions.put(childPath, b.pos());
        return new BodyReader(b.body(), childPath, ev, diags, positions, unsupported);
    }

    Evaluator evaluator() {
        return ev;
    }

    Diagnostics diagnostics() {
        return diags;
    }

    String at(String name) {
        return Positions.child(path, name);
    }

    Attribute attr(String name) {
        known.add(name);
        Attribute a = body.attribute(name);
        if (a != null) {
            positions.put(at(name), a.pos());
        }
        return a;
    }

    /** The evaluated attribute, or null when absent or on error (recorded). */
    Value value(String name) {
        Attribute a = attr(name);
        if (a == null) {
            return null;
        }
        try {
            return ev.evaluate(a.expr());
        } catch (JobSpecException e) {
            diags.add(e, at(name));
            return null;
        }
    }

    private void typeError(String name, String message) {
        Attribute a = body.attribute(name);
        diags.error(a.expr().pos(), at(name), message);
    }

    String string(String name, String def) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return def;
        }
        if (v instanceof ListValue || v instanceof MapValue) {
            typeError(name, "must be a string, got a " + v.typeName());
            return def;
        }
        return Values.asString(v, body.attribute(name).pos(), name);
    }

    Integer integer(String name, Integer def) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return def;
        }
        try {
            return Values.asInt(v, body.attribute(name).expr().pos(), "must be a whole number");
        } catch (JobSpecException e) {
            typeError(name, "must be a whole number, got " + Values.describe(v));
            return def;
        }
    }

    Long longValue(String name, Long def) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return def;
        }
        try {
            return Values.asLong(v, body.attribute(name).expr().pos(), name);
        } catch (JobSpecException e) {
            typeError(name, "must be a whole number, got " + Values.describe(v));
            return def;
        }
    }

    /** A whole number of MiB (Nomad's "MB" fields). */
    DataSize mebibytes(String name, DataSize def) {
        Long l = longValue(name, null);
        if (l == null) {
            return def;
        }
        if (l < 0 || l > Long.MAX_VALUE / (1024 * 1024)) {
            typeError(name, "must be a non-negative number of MB, got " + l);
            return def;
        }
        return DataSize.ofMebibytes(l);
    }

    Boolean bool(String name, Boolean def) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return def;
        }
        try {
            return Values.asBool(v, body.attribute(name).expr().pos(), name);
        } catch (JobSpecException e) {
            typeError(name, "must be true or false, got " + Values.describe(v));
            return def;
        }
    }

    /** A Go duration string ({@code "30s"}) or a number of nanoseconds. */
    Duration duration(String name, Duration def) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return def;
        }
        try {
            if (v instanceof Value.Num n) {
                return Duration.ofNanos(n.value().longValueExact());
            }
            if (v instanceof Value.Str s) {
                return Durations.parse(s.value());
            }
            typeError(name, "must be a duration such as \"30s\" or \"1h30m\", got a " + v.typeName());
        } catch (IllegalArgumentException | ArithmeticException e) {
            typeError(name, "invalid duration: " + e.getMessage() + "; write it like \"30s\", \"5m\" or \"1h30m\"");
        }
        return def;
    }

    List<String> strings(String name) {
        Value v = value(name);
        if (v == null || v instanceof Value.Null) {
            return List.of();
        }
        if (!(v instanceof ListValue l)) {
            typeError(name, "must be a list of strings, got " + Values.describe(v));
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Value x : l.items()) {
            if (x instanceof ListValue || x instanceof MapValue || x instanceof Value.Null) {
                typeError(name, "must be a list of strings, but an element is a " + x.typeName());
                return List.of();
            }
            out.add(Values.asString(x, body.attribute(name).pos(), name));
        }
        return out;
    }

    /**
     * A string map written as an attribute ({@code meta = { k = "v" }}) or as a block
     * ({@code meta { k = "v" }}); Nomad accepts both for meta, env, options and headers.
     */
    Map<String, String> stringMap(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        Value v = value(name);
        if (v != null && !(v instanceof Value.Null)) {
            if (v instanceof MapValue m) {
                m.entries().forEach((k, x) -> out.put(k, mapEntry(name, k, x)));
            } else {
                typeError(name, "must be a map of strings such as { key = \"value\" }, got " + Values.describe(v));
            }
        }
        List<Block> blocks = blocks(name);
        if (v != null && !blocks.isEmpty()) {
            diags.error(blocks.getFirst().pos(), at(name), "\"" + name + "\" is set both as an attribute and as a block; use one");
        }
        for (Block b : blocks) {
            if (!b.labels().isEmpty()) {
                diags.error(b.labels().getFirst().pos(), at(name), "the \"" + name + "\" block takes no labels");
            }
            for (BodyItem item : b.body().items()) {
                if (item instanceof Block nested) {
                    diags.error(nested.pos(), at(name) + "." + nested.type(), "the \"" + name
                            + "\" block holds only key = value pairs, not blocks");
                    continue;
                }
                Attribute a = (Attribute) item;
                positions.put(at(name) + "." + a.name(), a.pos());
                try {
                    out.put(a.name(), mapEntry(name, a.name(), ev.evaluate(a.expr())));
                } catch (JobSpecException e) {
                    diags.add(e, at(name) + "." + a.name());
                }
            }
        }
        return out;
    }

    private String mapEntry(String name, String key, Value x) {
        if (x instanceof ListValue || x instanceof MapValue || x instanceof Value.Null) {
            diags.error(positions.get(at(name) + "." + key), at(name) + "." + key, "must be a string, got a " + x.typeName());
            return "";
        }
        return Values.asString(x, SourcePos.NONE, key);
    }

    List<Block> blocks(String type) {
        known.add(type);
        return body.blocks(type);
    }

    /** At most one block of this type; null when absent. */
    Block single(String type) {
        List<Block> bs = blocks(type);
        if (bs.size() > 1) {
            diags.error(bs.get(1).pos(), at(type), "only one \"" + type + "\" block is allowed here; the first one is at "
                    + bs.getFirst().pos());
        }
        return bs.isEmpty() ? null : bs.getFirst();
    }

    /** Checks the label count of a block. */
    boolean labels(Block b, int count, String example) {
        if (b.labels().size() == count) {
            return true;
        }
        SourcePos pos = b.labels().size() > count ? b.labels().get(count).pos() : b.pos();
        String need = count == 0 ? "takes no labels" : "needs exactly " + (count == 1 ? "one label" : count + " labels");
        diags.error(pos, at(b.type()), "the \"" + b.type() + "\" block " + need + ", as in " + example);
        return false;
    }

    /**
     * Names Nomad knows but Corral does not act on: present ones are collected for one warning,
     * not reported as unknown.
     */
    void unsupported(String... names) {
        for (String n : names) {
            known.add(n);
            for (BodyItem i : body.items()) {
                if (i.name().equals(n)) {
                    unsupported.putIfAbsent(at(n), i.pos().toString());
                }
            }
        }
    }

    /** Reports every attribute or block of the body that no read asked for. */
    void finish() {
        for (BodyItem i : body.items()) {
            if (known.contains(i.name())) {
                continue;
            }
            String kind = i instanceof Block ? "block" : "argument";
            diags.error(i.pos(), at(i.name()), "unsupported " + kind + " \"" + i.name() + "\"" + where()
                    + Suggest.didYouMean(i.name(), known));
        }
    }

    private String where() {
        String p = path;
        if (p.isEmpty()) {
            return " at the top level of the file";
        }
        if (p.endsWith("\"]")) {
            p = p.substring(0, Positions.parentCut(p));
        }
        return " in the " + p.substring(Positions.parentCut(p) + 1) + " block";
    }
}
