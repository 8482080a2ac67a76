package dev.corral.plugin.hclspec;

import dev.corral.plugin.cty.CtyValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The subset of HCL expressions a {@code Literal} spec may hold without functions: {@code null},
 * {@code true}/{@code false}, numbers, quoted strings with HCL escapes, tuples {@code [..]} and
 * objects {@code {k = v}}. Used to validate our own schemas and by tests that apply defaults.
 */
public final class HclLiteral {
    private final String text;
    private int pos;

    private HclLiteral(String text) {
        this.text = text;
    }

    /** Evaluates {@code expression}; throws {@link IllegalArgumentException} naming the column. */
    public static CtyValue evaluate(String expression) {
        HclLiteral p = new HclLiteral(expression);
        CtyValue v = p.value();
        p.skipSpace();
        if (p.pos != expression.length()) {
            throw p.error("unexpected trailing text");
        }
        return v;
    }

    /** Quotes a string as an HCL string literal (escaping {@code ${} and {@code %{} too). */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '$', '%' -> {
                    sb.append(c);
                    if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
                        sb.append(c);
                    }
                }
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private CtyValue value() {
        skipSpace();
        if (pos >= text.length()) {
            throw error("expected a value");
        }
        char c = text.charAt(pos);
        if (c == '"') {
            return new CtyValue.Str(string());
        }
        if (c == '[') {
            pos++;
            List<CtyValue> items = new ArrayList<>();
            skipSpace();
            while (!consume(']')) {
                items.add(value());
                skipSpace();
                if (!consume(',')) {
                    expect(']');
                    break;
                }
                skipSpace();
            }
            return new CtyValue.Seq(items);
        }
        if (c == '{') {
            pos++;
            Map<String, CtyValue> m = new TreeMap<>();
            skipSpace();
            while (!consume('}')) {
                String key = text.charAt(pos) == '"' ? string() : identifier();
                skipSpace();
                if (!consume('=') && !consume(':')) {
                    throw error("expected = or : after object key");
                }
                m.put(key, value());
                skipSpace();
                consume(',');
                skipSpace();
            }
            return new CtyValue.Dict(m);
        }
        if (c == '-' || Character.isDigit(c)) {
            int start = pos++;
            while (pos < text.length() && "0123456789.eE+-".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
            try {
                return CtyValue.Num.of(new BigDecimal(text.substring(start, pos)));
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }
        String word = identifier();
        return switch (word) {
            case "true" -> new CtyValue.Bool(true);
            case "false" -> new CtyValue.Bool(false);
            case "null" -> CtyValue.NULL;
            default -> throw error("unknown name \"" + word + "\" (a Literal has no variables)");
        };
    }

    private String identifier() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                || text.charAt(pos) == '-')) {
            pos++;
        }
        if (start == pos) {
            throw error("unexpected character '" + text.charAt(pos) + "'");
        }
        return text.substring(start, pos);
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if ((c == '$' || c == '%') && pos < text.length() && text.charAt(pos) == '{') {
                throw error("template sequences are not allowed in a literal");
            }
            if ((c == '$' || c == '%') && pos + 1 < text.length() && text.charAt(pos) == c && text.charAt(pos + 1) == '{') {
                sb.append(c).append('{');
                pos += 2;
                continue;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case 'u' -> sb.appendCodePoint(hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> throw error("unknown escape \\" + e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > text.length()) {
            throw error("short unicode escape");
        }
        int cp = Integer.parseInt(text.substring(pos, pos + digits), 16);
        pos += digits;
        return cp;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private boolean consume(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("literal " + text + ": column " + (pos + 1) + ": " + what);
    }
}
