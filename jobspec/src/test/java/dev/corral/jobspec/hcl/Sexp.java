package dev.corral.jobspec.hcl;

import dev.corral.jobspec.hcl.Ast.*;
import java.util.List;
import java.util.stream.Collectors;

/** Compact S-expression rendering of the AST, so tests can assert on a tree's shape in one line. */
final class Sexp {

    private Sexp() {
    }

    static String of(Expr e) {
        return switch (e) {
            case Literal l -> l.value() == null ? "null" : l.value() instanceof java.math.BigDecimal b ? b.toString() : l.value().toString();
            case Template t -> "(tpl" + parts(t.parts()) + ")";
            case Variable v -> v.name();
            case GetAttr g -> "(. " + of(g.target()) + " " + g.name() + ")";
            case Index i -> "([] " + of(i.target()) + " " + of(i.key()) + ")";
            case Splat s -> "(" + (s.full() ? "[*]" : ".*") + " " + of(s.source()) + " " + of(s.each()) + ")";
            case SplatItem si -> "@";
            case FunctionCall f -> "(" + f.name() + f.args().stream().map(a -> " " + of(a)).collect(Collectors.joining())
                    + (f.expandFinal() ? " ..." : "") + ")";
            case Tuple t -> "[" + t.elements().stream().map(Sexp::of).collect(Collectors.joining(" ")) + "]";
            case ObjectCons o -> "{" + o.items().stream().map(i -> (i.literalKey() ? i.keyName() : of(i.key())) + "=" + of(i.value()))
                    .collect(Collectors.joining(" ")) + "}";
            case ForExpr f -> "(for " + (f.keyVar() == null ? "" : f.keyVar() + ",") + f.valueVar() + " " + of(f.collection())
                    + (f.keyExpr() == null ? "" : " " + of(f.keyExpr()) + " =>") + " " + of(f.valueExpr())
                    + (f.group() ? " ..." : "") + (f.cond() == null ? "" : " if " + of(f.cond())) + ")";
            case Unary u -> "(" + u.op() + " " + of(u.operand()) + ")";
            case Binary b -> "(" + b.op() + " " + of(b.left()) + " " + of(b.right()) + ")";
            case Conditional c -> "(? " + of(c.cond()) + " " + of(c.then()) + " " + of(c.otherwise()) + ")";
            case Parens p -> "(paren " + of(p.inner()) + ")";
        };
    }

    static String parts(List<TemplatePart> parts) {
        StringBuilder sb = new StringBuilder();
        for (TemplatePart p : parts) {
            sb.append(' ').append(switch (p) {
                case TemplateLiteral l -> "'" + l.value() + "'";
                case Interpolation i -> "${" + of(i.expr()) + "}";
                case IfDirective d -> "(if " + of(d.cond()) + " (" + parts(d.then()).trim() + ") (" + parts(d.otherwise()).trim() + "))";
                case ForDirective d -> "(for " + (d.key() == null ? "" : d.key() + ",") + d.value() + " " + of(d.collection())
                        + " (" + parts(d.body()).trim() + "))";
            });
        }
        return sb.toString();
    }
}
