package dev.corral.jobspec.eval;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import java.math.RoundingMode;
import java.util.List;

/** The {@code format()} verbs HCL takes from Go: %s %d %f %e %g %t %q %v %x %X %o %b %% with flags, width, precision. */
final class GoFormat {

    private GoFormat() {
    }

    static String format(String f, List<Value> args, SourcePos pos) {
        StringBuilder out = new StringBuilder();
        int argi = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            i++;
            if (i >= f.length()) {
                throw new EvalException(pos, "format(): the format string ends with a lone %");
            }
            if (f.charAt(i) == '%') {
                out.append('%');
                continue;
            }
            StringBuilder flags = new StringBuilder();
            while (i < f.length() && "-+ 0#".indexOf(f.charAt(i)) >= 0) {
                flags.append(f.charAt(i++));
            }
            int width = -1;
            int start = i;
            while (i < f.length() && Character.isDigit(f.charAt(i))) {
                i++;
            }
            if (i > start) {
                width = Math.min(1024, Integer.parseInt(f.substring(start, Math.min(i, start + 5))));
            }
            int prec = -1;
            if (i < f.length() && f.charAt(i) == '.') {
                i++;
                start = i;
                while (i < f.length() && Character.isDigit(f.charAt(i))) {
                    i++;
                }
                prec = i > start ? Math.min(100, Integer.parseInt(f.substring(start, Math.min(i, start + 4)))) : 0;
            }
            if (i >= f.length()) {
                throw new EvalException(pos, "format(): the format string ends in the middle of a verb");
            }
            char verb = f.charAt(i);
            if (argi >= args.size()) {
                throw new EvalException(pos, "format(): not enough arguments for the verbs in \"" + f + "\"");
            }
            Value v = args.get(argi++);
            String s = switch (verb) {
                case 's' -> Values.asString(v, pos, "format() %s argument");
                case 'v' -> v instanceof ListValue || v instanceof MapValue
                        ? Functions.toJson(v).toString() : v instanceof Value.Null ? "null" : Values.asString(v, pos, "format() %v argument");
                case 'q' -> Functions.toJson(new Value.Str(Values.asString(v, pos, "format() %q argument"))).toString();
                case 't' -> Boolean.toString(Values.asBool(v, pos, "format() %t argument"));
                case 'd' -> signed(Values.asNumber(v, pos, "format() %d argument").setScale(0, RoundingMode.DOWN).toBigInteger().toString(), flags);
                case 'x', 'X', 'o', 'b' -> {
                    int radix = verb == 'o' ? 8 : verb == 'b' ? 2 : 16;
                    String r = Values.asNumber(v, pos, "format() %" + verb + " argument").toBigInteger().toString(radix);
                    yield verb == 'X' ? r.toUpperCase(java.util.Locale.ROOT) : r;
                }
                case 'f', 'F' -> signed(Values.asNumber(v, pos, "format() %f argument")
                        .setScale(prec < 0 ? 6 : prec, RoundingMode.HALF_EVEN).toPlainString(), flags);
                case 'e', 'E', 'g', 'G' -> {
                    double d = Values.asNumber(v, pos, "format() %" + verb + " argument").doubleValue();
                    String jf = "%" + (prec >= 0 ? "." + prec : "") + verb;
                    yield signed(String.format(java.util.Locale.ROOT, jf, d), flags);
                }
                default -> throw new EvalException(pos, "format(): unsupported verb %" + verb);
            };
            if (prec >= 0 && (verb == 's' || verb == 'v') && s.length() > prec) {
                s = s.substring(0, prec);
            }
            if (width > s.length()) {
                String pad = " ".repeat(width - s.length());
                if (flags.indexOf("-") >= 0) {
                    s = s + pad;
                } else if (flags.indexOf("0") >= 0 && "dfFeEgGxXob".indexOf(verb) >= 0) {
                    boolean neg = s.startsWith("-") || s.startsWith("+");
                    String zeros = "0".repeat(width - s.length());
                    s = neg ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
                } else {
                    s = pad + s;
                }
            }
            out.append(s);
        }
        if (argi < args.size()) {
            throw new EvalException(pos, "format(): " + (args.size() - argi) + " argument(s) not used by the verbs in \"" + f + "\"");
        }
        return out.toString();
    }

    private static String signed(String s, CharSequence flags) {
        if (!s.startsWith("-")) {
            if (flags.toString().indexOf('+') >= 0) {
                return "+" + s;
            }
            if (flags.toString().indexOf(' ') >= 0) {
                return " " + s;
            }
        }
        return s;
    }
}
