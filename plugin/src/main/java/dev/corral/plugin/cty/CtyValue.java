package dev.corral.plugin.cty;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A value as go-cty encodes it in msgpack, without its type: the plugin knows the type
 * from the schema it sent, so readers ({@link CtyReader}) apply it.
 * Lists, sets and tuples are all {@link Seq}; maps and objects are both {@link Dict}.
 */
public sealed interface CtyValue {

    /** A null of any type (msgpack nil). */
    record Null() implements CtyValue {}

    /** An unknown value (cty's ext type 0); never produced on Nomad's path. */
    record Unknown() implements CtyValue {}

    record Bool(boolean value) implements CtyValue {}

    record Str(String value) implements CtyValue {
        public Str {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * A number. {@code value} is exact; infinities have {@code value == null} and the
     * sign in {@code infinity} (+1 or -1).
     */
    record Num(BigDecimal value, int infinity) implements CtyValue {
        public static Num of(BigDecimal value) {
            return new Num(Objects.requireNonNull(value, "value"), 0);
        }

        public static Num of(long value) {
            return of(BigDecimal.valueOf(value));
        }

        public static Num infinity(boolean positive) {
            return new Num(null, positive ? 1 : -1);
        }

        public boolean isInfinite() {
            return infinity != 0;
        }

        @Override
        public boolean equals(Object o) {
            // 1 and 1.0 are the same cty number.
            return o instanceof Num n && infinity == n.infinity
                    && (value == null ? n.value == null : n.value != null && value.compareTo(n.value) == 0);
        }

        @Override
        public int hashCode() {
            return value == null ? infinity : value.stripTrailingZeros().hashCode();
        }

        @Override
        public String toString() {
            return value == null ? (infinity > 0 ? "+Inf" : "-Inf") : value.toPlainString();
        }
    }

    /** list, set or tuple, in wire order. */
    record Seq(List<CtyValue> items) implements CtyValue {
        public Seq {
            items = List.copyOf(items);
        }
    }

    /** map or object, in wire order (cty sorts keys). */
    record Dict(Map<String, CtyValue> entries) implements CtyValue {
        public Dict {
            entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
        }
    }

    CtyValue NULL = new Null();
    CtyValue UNKNOWN = new Unknown();

    default String kind() {
        return switch (this) {
            case Null n -> "null";
            case Unknown u -> "unknown";
            case Bool b -> "bool";
            case Str s -> "string";
            case Num n -> "number";
            case Seq s -> "list";
            case Dict d -> "map";
        };
    }
}
