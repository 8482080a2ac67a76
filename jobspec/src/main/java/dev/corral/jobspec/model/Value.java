package dev.corral.jobspec.model;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A dynamically typed HCL value after job-file evaluation: what a driver {@code config} block
 * holds. Strings may still contain runtime references such as {@code ${NOMAD_TASK_DIR}} or
 * {@code ${attr.kernel.name}}; the client resolves them when the task starts.
 */
public sealed interface Value {

    /** The null value. */
    Value NULL = new Null();

    /** HCL type name used in messages: string, number, bool, list, map, null. */
    String typeName();

    /** A string. */
    record Str(String value) implements Value {
        public Str {
            Objects.requireNonNull(value);
        }

        @Override
        public String typeName() {
            return "string";
        }
    }

    /** A number; normalised so that {@code 1.0} equals {@code 1}. */
    record Num(BigDecimal value) implements Value {
        public Num {
            value = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
            // Keep whole numbers in plain form (100, not 1E+2) so toString() is what users wrote;
            // astronomically large exponents stay scientific rather than expanding to huge digit strings.
            if (value.scale() < 0 && value.scale() >= -1000) {
                value = value.setScale(0);
            }
        }

        public static Num of(long v) {
            return new Num(BigDecimal.valueOf(v));
        }

        /** True when the number has no fractional part. */
        public boolean isWhole() {
            return value.scale() <= 0 || value.stripTrailingZeros().scale() <= 0;
        }

        @Override
        public String typeName() {
            return "number";
        }
    }

    /** A bool. */
    record Bool(boolean value) implements Value {
        @Override
        public String typeName() {
            return "bool";
        }
    }

    /** The null value. */
    record Null() implements Value {
        @Override
        public String typeName() {
            return "null";
        }
    }

    /** A list or tuple. */
    record ListValue(List<Value> items) implements Value {
        public ListValue {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        @Override
        public String typeName() {
            return "list";
        }
    }

    /** A map or object; keys keep insertion order. */
    record MapValue(Map<String, Value> entries) implements Value {
        public MapValue {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String typeName() {
            return "map";
        }
    }

    /** Shorthand for a string value. */
    static Value of(String s) {
        return new Str(s);
    }

    /** Converts a Java value (String, Number, Boolean, List, Map, null) to a Value. */
    static Value fromJava(Object o) {
        return switch (o) {
            case null -> NULL;
            case Value v -> v;
            case String s -> new Str(s);
            case BigDecimal b -> new Num(b);
            case Integer i -> Num.of(i);
            case Long l -> Num.of(l);
            case Number n -> new Num(new BigDecimal(n.toString()));
            case Boolean b -> new Bool(b);
            case List<?> l -> new ListValue(l.stream().map(Value::fromJava).toList());
            case Map<?, ?> m -> {
                Map<String, Value> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k), fromJava(v)));
                yield new MapValue(out);
            }
            default -> throw new IllegalArgumentException("not convertible to a Value: " + o.getClass());
        };
    }

    /** Converts to plain Java: String, BigDecimal, Boolean, List, LinkedHashMap, or null. */
    default Object toJava() {
        return switch (this) {
            case Str s -> s.value();
            case Num n -> n.value();
            case Bool b -> b.value();
            case Null n -> null;
            case ListValue l -> l.items().stream().map(Value::toJava).toList();
            case MapValue m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.entries().forEach((k, v) -> out.put(k, v.toJava()));
                yield out;
            }
        };
    }
}
