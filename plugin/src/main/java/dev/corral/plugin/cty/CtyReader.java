package dev.corral.plugin.cty;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the attributes of a decoded cty object against the types our schema declared.
 * Every error names the field path (e.g. {@code config.args[2]}). Absent and null
 * attributes read as empty; unknown values are rejected because a task cannot run
 * with a value nobody knows yet.
 */
public final class CtyReader {
    private final String path;
    private final Map<String, CtyValue> entries;

    private CtyReader(String path, Map<String, CtyValue> entries) {
        this.path = path;
        this.entries = entries;
    }

    /** A reader over an object value; a null value (no config at all) reads as empty. */
    public static CtyReader object(String path, CtyValue value) {
        return switch (value) {
            case CtyValue.Null n -> new CtyReader(path, Map.of());
            case CtyValue.Dict d -> new CtyReader(path, d.entries());
            default -> throw new CtyTypeException(path, "an object", value);
        };
    }

    public String path() {
        return path;
    }

    /** Attribute names present on the wire, in wire order. */
    public List<String> keys() {
        return List.copyOf(entries.keySet());
    }

    public Optional<String> string(String key) {
        return present(key).map(v -> asString(child(key), v));
    }

    public Optional<Boolean> bool(String key) {
        return present(key).map(v -> asBool(child(key), v));
    }

    /** A number; cty sends numbers that are not exactly a float64 as decimal strings. */
    public Optional<BigDecimal> number(String key) {
        return present(key).map(v -> asNumber(child(key), v));
    }

    /** A whole number that fits a long. */
    public Optional<Long> integer(String key) {
        return number(key).map(n -> {
            try {
                return n.longValueExact();
            } catch (ArithmeticException e) {
                throw new CtyTypeException(child(key), "a whole number", new CtyValue.Str(n.toPlainString()));
            }
        });
    }

    public Optional<List<String>> stringList(String key) {
        return present(key).map(v -> {
            String p = child(key);
            if (!(v instanceof CtyValue.Seq seq)) {
                throw new CtyTypeException(p, "a list of strings", v);
            }
            List<String> out = new ArrayList<>(seq.items().size());
            for (int i = 0; i < seq.items().size(); i++) {
                String ip = p + "[" + i + "]";
                out.add(asString(ip, known(ip, seq.items().get(i))));
            }
            return List.copyOf(out);
        });
    }

    public Optional<Map<String, String>> stringMap(String key) {
        return present(key).map(v -> {
            String p = child(key);
            if (!(v instanceof CtyValue.Dict dict)) {
                throw new CtyTypeException(p, "a map of strings", v);
            }
            Map<String, String> out = new LinkedHashMap<>();
            dict.entries().forEach((k, e) -> {
                String ip = p + "[\"" + k + "\"]";
                out.put(k, asString(ip, known(ip, e)));
            });
            return java.util.Collections.unmodifiableMap(out);
        });
    }

    /** A nested object (a {@code Block}); empty when absent or null. */
    public Optional<CtyReader> object(String key) {
        return present(key).map(v -> object(child(key), v));
    }

    private Optional<CtyValue> present(String key) {
        CtyValue v = entries.get(key);
        if (v == null || v instanceof CtyValue.Null) {
            return Optional.empty();
        }
        return Optional.of(known(child(key), v));
    }

    private static CtyValue known(String path, CtyValue v) {
        if (v instanceof CtyValue.Unknown) {
            throw new CtyTypeException(path, "a known value", v);
        }
        return v;
    }

    private String child(String key) {
        return path + "." + key;
    }

    private static String asString(String path, CtyValue v) {
        return switch (v) {
            case CtyValue.Str s -> s.value();
            // cty converts numbers and bools to strings when the schema says string.
            case CtyValue.Num n -> n.toString();
            case CtyValue.Bool b -> Boolean.toString(b.value());
            default -> throw new CtyTypeException(path, "a string", v);
        };
    }

    private static boolean asBool(String path, CtyValue v) {
        return switch (v) {
            case CtyValue.Bool b -> b.value();
            case CtyValue.Str s when s.value().equals("true") -> true;
            case CtyValue.Str s when s.value().equals("false") -> false;
            default -> throw new CtyTypeException(path, "a bool", v);
        };
    }

    private static BigDecimal asNumber(String path, CtyValue v) {
        return switch (v) {
            case CtyValue.Num n when !n.isInfinite() -> n.value();
            case CtyValue.Str s -> {
                try {
                    yield new BigDecimal(s.value().trim());
                } catch (NumberFormatException e) {
                    throw new CtyTypeException(path, "a number", v);
                }
            }
            default -> throw new CtyTypeException(path, "a finite number", v);
        };
    }
}
