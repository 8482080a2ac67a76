package dev.corral.plugin.hclspec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HCL type expression as used in {@code Attr.type}: {@code string}, {@code number}, {@code bool},
 * {@code any}, {@code list(T)}, {@code set(T)}, {@code map(T)}, {@code tuple([T, ...])},
 * {@code object({k = T, ...})}.
 */
public sealed interface HclType {
    record Primitive(String name) implements HclType {}

    record Collection(String kind, HclType element) implements HclType {}

    record Tuple(List<HclType> elements) implements HclType {}

    record ObjectType(Map<String, HclType> attributes) implements HclType {}

    /** @throws IllegalArgumentException naming the column of the problem */
    static HclType parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("type expression is empty");
        }
        Parser p = new Parser(expression);
        HclType t = p.type();
        p.space();
        if (p.pos != expression.length()) {
            throw p.error("unexpected trailing text");
        }
        return t;
    }

    final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        HclType type() {
            String word = word();
            return switch (word) {
                case "string", "number", "bool", "any" -> new Primitive(word);
                case "list", "set", "map" -> {
                    expect('(');
                    HclType element = type();
                    expect(')');
                    yield new Collection(word, element);
                }
                case "tuple" -> {
                    expect('(');
                    expect('[');
                    List<HclType> elements = new java.util.ArrayList<>();
                    space();
                    if (!peek(']')) {
                        do {
                            elements.add(type());
                        } while (consume(','));
                    }
                    expect(']');
                    expect(')');
                    yield new Tuple(elements);
                }
                case "object" -> {
                    expect('(');
                    expect('{');
                    Map<String, HclType> attributes = new LinkedHashMap<>();
                    space();
                    while (!peek('}')) {
                        String key = word();
                        expect('=');
                        attributes.put(key, type());
                        consume(',');
                        space();
                    }
                    expect('}');
                    expect(')');
                    yield new ObjectType(attributes);
                }
                default -> throw error("unknown type \"" + word + "\"");
            };
        }

        private String word() {
            space();
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos) {
                throw error("expected a type name");
            }
            return s.substring(start, pos);
        }

        void space() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private boolean peek(char c) {
            space();
            return pos < s.length() && s.charAt(pos) == c;
        }

        private boolean consume(char c) {
            if (peek(c)) {
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

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("type " + s + ": column " + (pos + 1) + ": " + what);
        }
    }
}
