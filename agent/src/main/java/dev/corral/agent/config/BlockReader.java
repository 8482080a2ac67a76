package dev.corral.agent.config;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Ast;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one HCL body against a fixed set of keys: typed getters collect errors with positions,
 * and {@link #finish()} reports every key that was not read as unknown. Config values are
 * literals: interpolation and function calls are errors.
 */
final class BlockReader {
    private final Ast.Body body;
    private final String path;
    private final List<String> errors;
    private final Set<String> known = new HashSet<>();

    BlockReader(Ast.Body body, String path, List<String> errors) {
        this.body = body;
        this.path = path;
        this.errors = errors;
    }

    private String where(SourcePos pos, String key) {
        return pos + ": " + (path.isEmpty() ? key : path + "." + key);
    }

    void error(SourcePos pos, String key, String message) {
        errors.add(where(pos, key) + ": " + message);
    }

    Optional<Ast.Attribute> attr(String name) {
        known.add(name);
        List<Ast.Attribute> all = body.attributes().stream().filter(a -> a.name().equals(name)).toList();
        if (all.size() > 1) {
            error(all.get(1).pos(), name, "duplicate key; it was already set at " + all.getFirst().pos());
        }
        return all.stream().findFirst();
    }

    Object value(Ast.Expr e, String key) {
        return switch (e) {
            case Ast.Literal l -> l.value();
            case Ast.Template t when t.isLiteral() -> t.literalValue();
            case Ast.Parens p -> value(p.inner(), key);
            case Ast.Unary u when u.op().equals("-") && value(u.operand(), key) instanceof BigDecimal b -> b.negate();
            case Ast.Tuple t -> {
                List<Object> out = new ArrayList<>();
                for (Ast.Expr x : t.elements()) {
                    out.add(value(x, key));
                }
                yield out;
            }
            case Ast.ObjectCons o -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Ast.ObjectItem item : o.items()) {
                    Object k = item.literalKey() ? item.keyName() : value(item.key(), key);
                    out.put(String.valueOf(k), value(item.value(), key + "." + k));
                }
                yield out;
            }
            default -> {
                error(e.pos(), key, "must be a literal value (no variables, interpolation or functions), got "
                        + e.text());
                yield null;
            }
        };
    }

    Optional<String> string(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof String s) {
                return Optional.of(s);
            }
            if (v instanceof BigDecimal || v instanceof Boolean) {
                return Optional.of(v.toString());
            }
            if (v != null) {
                error(a.pos(), name, "must be a string");
            }
            return Optional.empty();
        });
    }

    Optional<Boolean> bool(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof Boolean b) {
                return Optional.of(b);
            }
            if (v instanceof String s && (s.equals("true") || s.equals("false"))) {
                return Optional.of(Boolean.parseBoolean(s));
            }
            if (v != null) {
                error(a.pos(), name, "must be a bool (true or false), got " + a.expr().text());
            }
            return Optional.empty();
        });
    }

    Optional<Long> integer(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            try {
                if (v instanceof BigDecimal b) {
                    return Optional.of(b.longValueExact());
                }
                if (v instanceof String s) {
                    return Optional.of(Long.parseLong(s.trim()));
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
            if (v != null) {
                error(a.pos(), name, "must be a whole number, got " + a.expr().text());
            }
            return Optional.empty();
        });
    }

    Optional<Double> number(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof BigDecimal b) {
                return Optional.of(b.doubleValue());
            }
            if (v != null) {
                error(a.pos(), name, "must be a number, got " + a.expr().text());
            }
            return Optional.empty();
        });
    }

    Optional<Duration> duration(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof String s) {
                try {
                    return Optional.of(GoDurations.parse(s));
                } catch (IllegalArgumentException e) {
                    error(a.pos(), name, e.getMessage());
                    return Optional.empty();
                }
            }
            if (v != null) {
                error(a.pos(), name, "must be a duration string such as \"30s\" or \"5m\", got " + a.expr().text());
            }
            return Optional.empty();
        });
    }

    Optional<List<String>> strings(String name) {
        return attr(name).flatMap(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
                return Optional.of(l.stream().map(String.class::cast).toList());
            }
            if (v != null) {
                error(a.pos(), name, "must be a list of strings, got " + a.expr().text());
            }
            return Optional.empty();
        });
    }

    /** A string map written either as {@code name = { k = "v" }} or as a block {@code name { k = "v" }}. */
    Map<String, String> stringMap(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        attr(name).ifPresent(a -> {
            Object v = value(a.expr(), name);
            if (v instanceof Map<?, ?> m) {
                m.forEach((k, x) -> out.put(String.valueOf(k), String.valueOf(x)));
            } else if (v != null) {
                error(a.pos(), name, "must be a map of strings");
            }
        });
        for (Ast.Block b : blocks(name)) {
            if (!b.labels().isEmpty()) {
                error(b.pos(), name, "takes no labels");
            }
            for (Ast.BodyItem item : b.body().items()) {
                if (item instanceof Ast.Attribute a) {
                    Object v = value(a.expr(), name + "." + a.name());
                    if (v instanceof Map || v instanceof List) {
                        error(a.pos(), name + "." + a.name(), "must be a string");
                    } else if (v != null) {
                        out.put(a.name(), String.valueOf(v));
                    }
                } else {
                    error(item.pos(), name + "." + item.name(), "unexpected block; expected key = \"value\"");
                }
            }
        }
        return out;
    }

    List<Ast.Block> blocks(String name) {
        known.add(name);
        return body.blocks(name);
    }

    /** At most one block of this type, or empty. */
    Optional<Ast.Block> block(String name) {
        List<Ast.Block> bs = blocks(name);
        if (bs.size() > 1) {
            error(bs.get(1).pos(), name, "block may appear only once; first at " + bs.getFirst().pos());
        }
        if (!bs.isEmpty() && !bs.getFirst().labels().isEmpty()) {
            error(bs.getFirst().pos(), name, "takes no labels");
        }
        return bs.stream().findFirst();
    }

    BlockReader child(Ast.Block b, String name) {
        return new BlockReader(b.body(), path.isEmpty() ? name : path + "." + name, errors);
    }

    /** Reports every attribute or block that no getter asked for. */
    void finish() {
        for (Ast.BodyItem item : body.items()) {
            if (!known.contains(item.name())) {
                errors.add(where(item.pos(), item.name()) + ": unknown " + (item instanceof Ast.Block ? "block" : "key")
                        + "; valid here: " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }
}
