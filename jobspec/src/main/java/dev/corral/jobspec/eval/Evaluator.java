package dev.corral.jobspec.eval;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Ast.Binary;
import dev.corral.jobspec.hcl.Ast.Conditional;
import dev.corral.jobspec.hcl.Ast.Expr;
import dev.corral.jobspec.hcl.Ast.ForDirective;
import dev.corral.jobspec.hcl.Ast.ForExpr;
import dev.corral.jobspec.hcl.Ast.FunctionCall;
import dev.corral.jobspec.hcl.Ast.GetAttr;
import dev.corral.jobspec.hcl.Ast.IfDirective;
import dev.corral.jobspec.hcl.Ast.Index;
import dev.corral.jobspec.hcl.Ast.Interpolation;
import dev.corral.jobspec.hcl.Ast.Literal;
import dev.corral.jobspec.hcl.Ast.ObjectCons;
import dev.corral.jobspec.hcl.Ast.ObjectItem;
import dev.corral.jobspec.hcl.Ast.Parens;
import dev.corral.jobspec.hcl.Ast.Splat;
import dev.corral.jobspec.hcl.Ast.SplatItem;
import dev.corral.jobspec.hcl.Ast.Template;
import dev.corral.jobspec.hcl.Ast.TemplateLiteral;
import dev.corral.jobspec.hcl.Ast.TemplatePart;
import dev.corral.jobspec.hcl.Ast.Tuple;
import dev.corral.jobspec.hcl.Ast.Unary;
import dev.corral.jobspec.hcl.Ast.Variable;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.Bool;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import dev.corral.jobspec.model.Value.Null;
import dev.corral.jobspec.model.Value.Num;
import dev.corral.jobspec.model.Value.Str;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Evaluates HCL expressions at job-submit time. References to values only the client knows
 * ({@code ${NOMAD_*}}, {@code ${node.*}}, {@code ${attr.*}}, {@code ${meta.*}}, {@code ${env[...]}},
 * {@code ${device.*}}) are kept verbatim as {@code ${...}} text, as Nomad does.
 */
public final class Evaluator {

    /** Variable roots resolved by the client at task start. */
    static final Set<String> RUNTIME_ROOTS = Set.of("node", "attr", "meta", "env", "device");

    private static final String SPLAT_ITEM = "\0splat";

    private final Map<String, Value> globals;
    private final Functions functions;
    private final Map<String, SourcePos> unknownNames;
    private final boolean keepUnknown;

    /**
     * @param globals   top-level variables, e.g. {@code var} and {@code local} as maps
     * @param functions the function table
     */
    public Evaluator(Map<String, Value> globals, Functions functions) {
        this(globals, functions, true);
    }

    /**
     * @param keepUnknown when false, unknown variables are errors (for {@code -var} values and
     *                    var files, where nothing is left for the client)
     */
    public Evaluator(Map<String, Value> globals, Functions functions, boolean keepUnknown) {
        this(globals, functions, keepUnknown, new LinkedHashMap<>());
    }

    private Evaluator(Map<String, Value> globals, Functions functions, boolean keepUnknown, Map<String, SourcePos> unknownNames) {
        this.globals = Map.copyOf(globals);
        this.functions = functions;
        this.keepUnknown = keepUnknown;
        this.unknownNames = unknownNames;
    }

    /** An evaluator with one more variable (e.g. a dynamic block's iterator); unknown names are shared. */
    public Evaluator with(String name, Value value) {
        Map<String, Value> g = new java.util.HashMap<>(globals);
        g.put(name, value);
        return new Evaluator(g, functions, keepUnknown, unknownNames);
    }

    /** True when the name is a client-side runtime reference kept verbatim. */
    public static boolean isRuntimeRoot(String name) {
        return RUNTIME_ROOTS.contains(name) || name.startsWith("NOMAD_");
    }

    /**
     * Evaluates an expression; a runtime reference outside any template becomes the string
     * {@code "${<source text>}"}.
     *
     * @throws EvalException with the expression's position
     */
    public Value evaluate(Expr e) {
        return evalKeeping(e, Map.of());
    }

    /** Whether evaluating the expression needs a runtime reference anywhere. */
    public boolean dependsOnRuntime(Expr e) {
        try {
            eval(e, Map.of());
            return false;
        } catch (RuntimeReference r) {
            return true;
        }
    }

    private Value evalKeeping(Expr e, Map<String, Value> scope) {
        try {
            return eval(e, scope);
        } catch (RuntimeReference r) {
            return new Str("${" + e.text() + "}");
        }
    }

    private Value lookup(String name, Map<String, Value> scope, SourcePos pos) {
        Value v = scope.get(name);
        if (v == null) {
            v = globals.get(name);
        }
        if (v != null) {
            return v;
        }
        // Nomad's job parser turns every unknown variable into the text "${...}" for the client;
        // names that are not runtime roots are most likely typos, so they are remembered for a warning.
        if (!keepUnknown) {
            if (globals.isEmpty() && scope.isEmpty()) {
                throw new EvalException(pos, "variables are not allowed here (found \"" + name
                        + "\"); write a literal value, and quote strings");
            }
            List<String> names = new ArrayList<>(globals.keySet());
            names.sort(null);
            throw new EvalException(pos, "Unknown variable: there is no variable named \"" + name + "\""
                    + Suggest.didYouMean(name, names));
        }
        if (!isRuntimeRoot(name)) {
            unknownNames.putIfAbsent(name, pos);
        }
        throw new RuntimeReference();
    }

    /**
     * Names that were neither variables nor runtime roots ({@code NOMAD_*}, node, attr, meta, env,
     * device) and were kept verbatim, with where each was first used.
     */
    public Map<String, SourcePos> unknownNames() {
        return java.util.Collections.unmodifiableMap(unknownNames);
    }

    Value eval(Expr e, Map<String, Value> scope) {
        return switch (e) {
            case Literal l -> switch (l.value()) {
                case null -> Value.NULL;
                case BigDecimal d -> new Num(d);
                case Boolean b -> new Bool(b);
                default -> throw new IllegalStateException("literal " + l.value());
            };
            case Template t -> template(t, scope);
            case Variable v -> lookup(v.name(), scope, v.pos());
            case SplatItem s -> scope.get(SPLAT_ITEM);
            case Parens p -> eval(p.inner(), scope);
            case GetAttr g -> getAttr(eval(g.target(), scope), g);
            case Index i -> index(eval(i.target(), scope), eval(i.key(), scope), i);
            case Splat s -> splat(s, scope);
            case FunctionCall f -> call(f, scope);
            case Tuple t -> {
                List<Value> items = new ArrayList<>();
                for (Expr x : t.elements()) {
                    items.add(evalKeeping(x, scope));
                }
                yield new ListValue(items);
            }
            case ObjectCons o -> object(o, scope);
            case ForExpr f -> forExpr(f, scope);
            case Unary u -> unary(u, scope);
            case Binary b -> binary(b, scope);
            case Conditional c -> Values.asBool(eval(c.cond(), scope), c.cond().pos(), "condition")
                    ? eval(c.then(), scope) : eval(c.otherwise(), scope);
        };
    }

    private Value template(Template t, Map<String, Value> scope) {
        if (t.parts().size() == 1 && t.parts().getFirst() instanceof Interpolation i) {
            try {
                return eval(i.expr(), scope);
            } catch (RuntimeReference r) {
                return new Str(i.span().text());
            }
        }
        StringBuilder sb = new StringBuilder();
        render(t.parts(), scope, sb);
        return new Str(sb.toString());
    }

    private void render(List<TemplatePart> parts, Map<String, Value> scope, StringBuilder sb) {
        for (TemplatePart p : parts) {
            switch (p) {
                case TemplateLiteral l -> sb.append(l.value());
                case Interpolation i -> {
                    try {
                        Value v = eval(i.expr(), scope);
                        sb.append(Values.asString(v, i.expr().pos(), "interpolation"));
                    } catch (RuntimeReference r) {
                        sb.append(i.span().text());
                    }
                }
                case IfDirective d -> {
                    boolean c = Values.asBool(directiveValue(d.cond(), scope), d.cond().pos(), "%{ if } condition");
                    render(c ? d.then() : d.otherwise(), scope, sb);
                }
                case ForDirective d -> {
                    Value coll = directiveValue(d.collection(), scope);
                    iterate(coll, d.collection().pos(), (k, v) -> {
                        Map<String, Value> inner = new HashMap<>(scope);
                        if (d.key() != null) {
                            inner.put(d.key(), k);
                        }
                        inner.put(d.value(), v);
                        render(d.body(), inner, sb);
                        return true;
                    });
                }
            }
        }
    }

    private Value directiveValue(Expr e, Map<String, Value> scope) {
        try {
            return eval(e, scope);
        } catch (RuntimeReference r) {
            throw new EvalException(e.pos(), "template directives cannot depend on runtime values (" + e.text()
                    + "): they are evaluated when the job is submitted; use a template block for node-side rendering");
        }
    }

    private interface Visitor {
        boolean visit(Value key, Value value);
    }

    private static void iterate(Value coll, SourcePos pos, Visitor v) {
        switch (coll) {
            case ListValue l -> {
                for (int i = 0; i < l.items().size(); i++) {
                    v.visit(Num.of(i), l.items().get(i));
                }
            }
            case MapValue m -> {
                for (Map.Entry<String, Value> en : new TreeMap<>(m.entries()).entrySet()) {
                    v.visit(new Str(en.getKey()), en.getValue());
                }
            }
            default -> throw new EvalException(pos, "cannot iterate over " + Values.describe(coll) + "; a for needs a list or map");
        }
    }

    private static Value getAttr(Value target, GetAttr g) {
        if (target instanceof MapValue m) {
            Value v = m.entries().get(g.name());
            if (v == null) {
                String hint = Suggest.didYouMean(g.name(), m.entries().keySet());
                String root = g.target() instanceof Variable var ? var.name() : "";
                String what = switch (root) {
                    case "var" -> "no variable \"" + g.name() + "\" is declared; add a variable \"" + g.name() + "\" block";
                    case "local" -> "no local value \"" + g.name() + "\" is defined in a locals block";
                    default -> "the map has no key \"" + g.name() + "\"";
                };
                throw new EvalException(g.pos(), what + hint);
            }
            return v;
        }
        if (target instanceof Null) {
            throw new EvalException(g.pos(), "cannot read attribute \"" + g.name() + "\" of a null value");
        }
        throw new EvalException(g.pos(), "cannot read attribute \"" + g.name() + "\" of " + Values.describe(target)
                + (target instanceof ListValue ? "; use [*]." + g.name() + " or a for expression" : ""));
    }

    private static Value index(Value target, Value key, Index i) {
        SourcePos pos = i.key().pos();
        switch (target) {
            case ListValue l -> {
                long idx = Values.asLong(key, pos, "list index");
                if (idx < 0 || idx >= l.items().size()) {
                    throw new EvalException(pos, "index " + idx + " is out of range for a list of " + l.items().size() + " elements");
                }
                return l.items().get((int) idx);
            }
            case MapValue m -> {
                String k = Values.asString(key, pos, "map key");
                Value v = m.entries().get(k);
                if (v == null) {
                    throw new EvalException(pos, "the map has no key \"" + k + "\"" + Suggest.didYouMean(k, m.entries().keySet()));
                }
                return v;
            }
            default -> throw new EvalException(i.pos(), "cannot index " + Values.describe(target) + "; only lists and maps can be indexed");
        }
    }

    private Value splat(Splat s, Map<String, Value> scope) {
        Value src = eval(s.source(), scope);
        List<Value> items = switch (src) {
            case Null n -> List.of();
            case ListValue l -> l.items();
            default -> List.of(src);
        };
        List<Value> out = new ArrayList<>();
        Map<String, Value> inner = new HashMap<>(scope);
        for (Value item : items) {
            inner.put(SPLAT_ITEM, item);
            out.add(eval(s.each(), inner));
        }
        return new ListValue(out);
    }

    private Value call(FunctionCall f, Map<String, Value> scope) {
        // try() and can() look at errors of their arguments, so they evaluate them lazily.
        if (f.name().equals("try") || f.name().equals("can")) {
            return tryOrCan(f, scope);
        }
        // convert(value, type): the second argument is a type expression, not a value.
        if (f.name().equals("convert")) {
            if (f.args().size() != 2) {
                throw new EvalException(f.pos(), "convert() takes 2 arguments, a value and a type such as list(string)");
            }
            return TypeConstraints.convert(f.args().get(1), eval(f.args().get(0), scope), "convert()", f.args().get(0).pos());
        }
        List<Value> args = new ArrayList<>();
        for (int i = 0; i < f.args().size(); i++) {
            Value v = eval(f.args().get(i), scope);
            if (f.expandFinal() && i == f.args().size() - 1) {
                args.addAll(Values.asList(v, f.args().get(i).pos(), "argument expanded with ...").items());
            } else {
                args.add(v);
            }
        }
        return functions.call(f.name(), args, f.pos());
    }

    private Value tryOrCan(FunctionCall f, Map<String, Value> scope) {
        boolean can = f.name().equals("can");
        if (f.args().isEmpty() || (can && f.args().size() != 1)) {
            throw new EvalException(f.pos(), f.name() + "() needs " + (can ? "exactly one argument" : "at least one argument"));
        }
        EvalException last = null;
        for (Expr a : f.args()) {
            try {
                Value v = eval(a, scope);
                return can ? new Bool(true) : v;
            } catch (RuntimeReference r) {
                return can ? new Bool(true) : new Str("${" + a.text() + "}");
            } catch (EvalException e) {
                last = e;
            }
        }
        if (can) {
            return new Bool(false);
        }
        throw new EvalException(f.pos(), "try(): no argument could be evaluated; the last error was: "
                + last.diagnostics().getFirst().message());
    }

    private Value object(ObjectCons o, Map<String, Value> scope) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (ObjectItem item : o.items()) {
            String key = item.literalKey() ? item.keyName()
                    : Values.asString(eval(item.key(), scope), item.key().pos(), "object key");
            out.put(key, evalKeeping(item.value(), scope));
        }
        return new MapValue(out);
    }

    private Value forExpr(ForExpr f, Map<String, Value> scope) {
        Value coll = eval(f.collection(), scope);
        List<Value> list = new ArrayList<>();
        Map<String, Value> map = new LinkedHashMap<>();
        Map<String, List<Value>> groups = new LinkedHashMap<>();
        iterate(coll, f.collection().pos(), (k, v) -> {
            Map<String, Value> inner = new HashMap<>(scope);
            if (f.keyVar() != null) {
                inner.put(f.keyVar(), k);
            }
            inner.put(f.valueVar(), v);
            if (f.cond() != null && !Values.asBool(eval(f.cond(), inner), f.cond().pos(), "for condition")) {
                return true;
            }
            if (!f.isObject()) {
                list.add(eval(f.valueExpr(), inner));
                return true;
            }
            String key = Values.asString(eval(f.keyExpr(), inner), f.keyExpr().pos(), "for key");
            Value val = eval(f.valueExpr(), inner);
            if (f.group()) {
                groups.computeIfAbsent(key, x -> new ArrayList<>()).add(val);
            } else if (map.putIfAbsent(key, val) != null) {
                throw new EvalException(f.keyExpr().pos(), "duplicate key \"" + key
                        + "\" in the for expression; add \"...\" after the value to group values by key");
            }
            return true;
        });
        if (!f.isObject()) {
            return new ListValue(list);
        }
        if (f.group()) {
            groups.forEach((k, v) -> map.put(k, new ListValue(v)));
        }
        return new MapValue(map);
    }

    private Value unary(Unary u, Map<String, Value> scope) {
        Value v = eval(u.operand(), scope);
        if (u.op().equals("!")) {
            return new Bool(!Values.asBool(v, u.operand().pos(), "operand of !"));
        }
        return new Num(Values.asNumber(v, u.operand().pos(), "operand of -").negate());
    }

    private Value binary(Binary b, Map<String, Value> scope) {
        String op = b.op();
        if (op.equals("&&") || op.equals("||")) {
            boolean l = Values.asBool(eval(b.left(), scope), b.left().pos(), "left operand of " + op);
            if (op.equals("&&") != l) {
                return new Bool(l);
            }
            return new Bool(Values.asBool(eval(b.right(), scope), b.right().pos(), "right operand of " + op));
        }
        Value l = eval(b.left(), scope);
        Value r = eval(b.right(), scope);
        if (op.equals("==")) {
            return new Bool(l.equals(r));
        }
        if (op.equals("!=")) {
            return new Bool(!l.equals(r));
        }
        BigDecimal x = Values.asNumber(l, b.left().pos(), "left operand of " + op);
        BigDecimal y = Values.asNumber(r, b.right().pos(), "right operand of " + op);
        try {
            return arithmetic(op, x, y, b);
        } catch (ArithmeticException ex) {
            throw new EvalException(b.pos(), "the result of " + op + " is out of range: " + ex.getMessage());
        }
    }

    private static Value arithmetic(String op, BigDecimal x, BigDecimal y, Binary b) {
        return switch (op) {
            case "+" -> new Num(x.add(y));
            case "-" -> new Num(x.subtract(y));
            case "*" -> new Num(x.multiply(y, MathContext.DECIMAL128));
            case "/" -> {
                if (y.signum() == 0) {
                    throw new EvalException(b.right().pos(), "division by zero");
                }
                yield new Num(x.divide(y, MathContext.DECIMAL128));
            }
            case "%" -> {
                if (y.signum() == 0) {
                    throw new EvalException(b.right().pos(), "modulo by zero");
                }
                yield new Num(x.remainder(y, MathContext.DECIMAL128));
            }
            case "<" -> new Bool(x.compareTo(y) < 0);
            case "<=" -> new Bool(x.compareTo(y) <= 0);
            case ">" -> new Bool(x.compareTo(y) > 0);
            case ">=" -> new Bool(x.compareTo(y) >= 0);
            default -> throw new IllegalStateException("operator " + op);
        };
    }
}
