package dev.corral.jobspec.hcl;

import dev.corral.jobspec.SourcePos;
import java.util.List;

/**
 * The HCL2 native-syntax tree. Every node carries its {@link SourcePos}; expressions also
 * keep the exact source text they were parsed from, so runtime references such as
 * {@code ${NOMAD_TASK_DIR}} can be passed on verbatim.
 */
public final class Ast {

    private Ast() {
    }

    /** Attributes and blocks, in file order. {@code end} is the position of the closing brace or EOF. */
    public record Body(List<BodyItem> items, SourcePos pos, SourcePos end) {

        public Body {
            items = List.copyOf(items);
        }

        public List<Attribute> attributes() {
            return items.stream().filter(Attribute.class::isInstance).map(Attribute.class::cast).toList();
        }

        public List<Block> blocks() {
            return items.stream().filter(Block.class::isInstance).map(Block.class::cast).toList();
        }

        /** The attribute with this name, or null. */
        public Attribute attribute(String name) {
            for (BodyItem i : items) {
                if (i instanceof Attribute a && a.name().equals(name)) {
                    return a;
                }
            }
            return null;
        }

        /** Blocks of one type, in file order. */
        public List<Block> blocks(String type) {
            return items.stream().filter(i -> i instanceof Block b && b.type().equals(type)).map(Block.class::cast).toList();
        }
    }

    /** An attribute definition or a block. */
    public sealed interface BodyItem permits Attribute, Block {
        String name();

        SourcePos pos();
    }

    /** {@code name = expr}. */
    public record Attribute(String name, Expr expr, SourcePos pos) implements BodyItem {
    }

    /** {@code type "label" ... { body }}. */
    public record Block(String type, List<Label> labels, Body body, SourcePos pos) implements BodyItem {

        public Block {
            labels = List.copyOf(labels);
        }

        @Override
        public String name() {
            return type;
        }
    }

    /** A block label, quoted or bare. */
    public record Label(String value, SourcePos pos) {
    }

    /** Source position plus the exact source text of a node. */
    public record Span(SourcePos pos, String text) {
    }

    /** An expression. */
    public sealed interface Expr permits Literal, Template, Variable, GetAttr, Index, Splat, SplatItem,
            FunctionCall, Tuple, ObjectCons, ForExpr, Unary, Binary, Conditional, Parens {
        Span span();

        default SourcePos pos() {
            return span().pos();
        }

        default String text() {
            return span().text();
        }
    }

    /** A number ({@link java.math.BigDecimal}), {@link Boolean}, or null. */
    public record Literal(Object value, Span span) implements Expr {
    }

    /** A quoted string or heredoc. Parts are literals, interpolations and directives. */
    public record Template(List<TemplatePart> parts, boolean heredoc, Span span) implements Expr {

        public Template {
            parts = List.copyOf(parts);
        }

        /** True when the template has no interpolation or directive. */
        public boolean isLiteral() {
            return parts.stream().allMatch(TemplateLiteral.class::isInstance);
        }

        /** The string value when {@link #isLiteral()}. */
        public String literalValue() {
            StringBuilder sb = new StringBuilder();
            for (TemplatePart p : parts) {
                sb.append(((TemplateLiteral) p).value());
            }
            return sb.toString();
        }
    }

    /** A part of a template. */
    public sealed interface TemplatePart permits TemplateLiteral, Interpolation, IfDirective, ForDirective {
        Span span();
    }

    /** Literal text, escapes already decoded. */
    public record TemplateLiteral(String value, Span span) implements TemplatePart {
    }

    /** {@code ${expr}}; the span's text is the whole sequence as written. */
    public record Interpolation(Expr expr, Span span) implements TemplatePart {
    }

    /** {@code %{ if cond }...%{ else }...%{ endif }}. */
    public record IfDirective(Expr cond, List<TemplatePart> then, List<TemplatePart> otherwise, Span span)
            implements TemplatePart {

        public IfDirective {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    /** {@code %{ for k, v in coll }...%{ endfor }}; key is null when only one name is given. */
    public record ForDirective(String key, String value, Expr collection, List<TemplatePart> body, Span span)
            implements TemplatePart {

        public ForDirective {
            body = List.copyOf(body);
        }
    }

    /** A bare name. */
    public record Variable(String name, Span span) implements Expr {
    }

    /** {@code target.name}. */
    public record GetAttr(Expr target, String name, Span span) implements Expr {
    }

    /** {@code target[key]}, and the legacy {@code target.0}. */
    public record Index(Expr target, Expr key, Span span) implements Expr {
    }

    /**
     * {@code source.*.a.b} (attribute splat) or {@code source[*].a[0]} (full splat). {@code each} is
     * applied to every element and is built on a {@link SplatItem}.
     */
    public record Splat(Expr source, Expr each, boolean full, Span span) implements Expr {
    }

    /** The element being visited inside {@link Splat#each()}. */
    public record SplatItem(Span span) implements Expr {
    }

    /** {@code name(args...)}; {@code expandFinal} when the last argument is followed by {@code ...}. */
    public record FunctionCall(String name, List<Expr> args, boolean expandFinal, Span span) implements Expr {

        public FunctionCall {
            args = List.copyOf(args);
        }
    }

    /** {@code [a, b]}. */
    public record Tuple(List<Expr> elements, Span span) implements Expr {

        public Tuple {
            elements = List.copyOf(elements);
        }
    }

    /** {@code {k = v, ...}}. */
    public record ObjectCons(List<ObjectItem> items, Span span) implements Expr {

        public ObjectCons {
            items = List.copyOf(items);
        }
    }

    /**
     * One object element. A bare identifier key is a literal name ({@code keyName} set, {@code key}
     * is the {@link Variable}); any other key is an expression evaluated to a string.
     */
    public record ObjectItem(Expr key, String keyName, Expr value) {

        /** True when the key is a bare identifier, taken literally. */
        public boolean literalKey() {
            return keyName != null;
        }
    }

    /**
     * {@code [for k, v in coll : value if cond]} or {@code {for k, v in coll : key => value... if cond}}.
     * {@code keyVar}, {@code keyExpr} and {@code cond} may be null.
     */
    public record ForExpr(String keyVar, String valueVar, Expr collection, Expr keyExpr, Expr valueExpr,
                          boolean group, Expr cond, Span span) implements Expr {

        /** True for the object form. */
        public boolean isObject() {
            return keyExpr != null;
        }
    }

    /** {@code -x}, {@code !x}. */
    public record Unary(String op, Expr operand, Span span) implements Expr {
    }

    /** {@code a op b}. */
    public record Binary(String op, Expr left, Expr right, Span span) implements Expr {
    }

    /** {@code cond ? a : b}. */
    public record Conditional(Expr cond, Expr then, Expr otherwise, Span span) implements Expr {
    }

    /** {@code (expr)}: kept so that {@code {(k) = v}} can be told apart from {@code {k = v}}. */
    public record Parens(Expr inner, Span span) implements Expr {
    }
}
