package dev.corral.jobspec.eval;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.Bool;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import dev.corral.jobspec.model.Value.Null;
import dev.corral.jobspec.model.Value.Num;
import dev.corral.jobspec.model.Value.Str;
import java.math.BigDecimal;

/** HCL's automatic conversions between primitive types, with messages that name the position. */
public final class Values {

    private Values() {
    }

    /** The string form used in templates and for string-typed fields. */
    public static String asString(Value v, SourcePos pos, String what) {
        return switch (v) {
            case Str s -> s.value();
            case Num n -> format(n.value());
            case Bool b -> Boolean.toString(b.value());
            case Null n -> throw new EvalException(pos, what + ": a null value cannot be used as a string");
            case ListValue l -> throw new EvalException(pos, what + ": a list cannot be used as a string");
            case MapValue m -> throw new EvalException(pos, what + ": a map cannot be used as a string");
        };
    }

    /** Plain decimal rendering without exponent or trailing zeros. */
    public static String format(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        BigDecimal s = d.stripTrailingZeros();
        // Plain notation of 1e999999999 would be a billion digits: keep huge exponents scientific.
        return Math.abs((long) s.scale()) > 1000 ? s.toString() : s.toPlainString();
    }

    public static BigDecimal asNumber(Value v, SourcePos pos, String what) {
        return switch (v) {
            case Num n -> n.value();
            case Str s -> {
                try {
                    yield new BigDecimal(s.value().trim());
                } catch (NumberFormatException e) {
                    throw new EvalException(pos, what + ": expected a number, got the string \"" + s.value() + "\"");
                }
            }
            default -> throw new EvalException(pos, what + ": expected a number, got a " + v.typeName());
        };
    }

    public static long asLong(Value v, SourcePos pos, String what) {
        BigDecimal d = asNumber(v, pos, what);
        try {
            return d.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new EvalException(pos, what + ": expected a whole number, got " + format(d));
        }
    }

    public static int asInt(Value v, SourcePos pos, String what) {
        long l = asLong(v, pos, what);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new EvalException(pos, what + ": " + l + " is out of range");
        }
        return (int) l;
    }

    public static boolean asBool(Value v, SourcePos pos, String what) {
        return switch (v) {
            case Bool b -> b.value();
            case Str s when s.value().equals("true") -> true;
            case Str s when s.value().equals("false") -> false;
            default -> throw new EvalException(pos, what + ": expected a bool (true or false), got " + describe(v));
        };
    }

    public static ListValue asList(Value v, SourcePos pos, String what) {
        if (v instanceof ListValue l) {
            return l;
        }
        throw new EvalException(pos, what + ": expected a list, got " + describe(v));
    }

    public static MapValue asMap(Value v, SourcePos pos, String what) {
        if (v instanceof MapValue m) {
            return m;
        }
        throw new EvalException(pos, what + ": expected a map, got " + describe(v));
    }

    /** A short description for messages: the type, and the value for primitives. */
    public static String describe(Value v) {
        return switch (v) {
            case Str s -> "the string \"" + s.value() + "\"";
            case Num n -> "the number " + format(n.value());
            case Bool b -> "the bool " + b.value();
            case Null n -> "null";
            case ListValue l -> "a list";
            case MapValue m -> "a map";
        };
    }
}
