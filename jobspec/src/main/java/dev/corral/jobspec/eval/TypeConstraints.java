package dev.corral.jobspec.eval;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Ast.Expr;
import dev.corral.jobspec.hcl.Ast.FunctionCall;
import dev.corral.jobspec.hcl.Ast.ObjectCons;
import dev.corral.jobspec.hcl.Ast.ObjectItem;
import dev.corral.jobspec.hcl.Ast.Tuple;
import dev.corral.jobspec.hcl.Ast.Variable;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import dev.corral.jobspec.model.Value.Str;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** HCL type constraints ({@code string}, {@code list(number)}, {@code object({...})}) used by variable blocks and convert(). */
public final class TypeConstraints {

    private TypeConstraints() {
    }

    private static String nested(String what, String step) {
        return what.contains(" at ") ? what + step : what + " at " + step;
    }

    /** Converts a value to a type constraint such as {@code list(string)} or {@code object({a = number})}. */
    public static Value convert(Expr type, Value v, String path, SourcePos pos) {
        if (v instanceof Value.Null) {
            return v;
        }
        if (type instanceof Variable t) {
            return switch (t.name()) {
                case "any" -> v;
                case "string" -> {
                    if (v instanceof ListValue || v instanceof MapValue) {
                        throw new EvalException(pos, path + ": expected a string, got a " + v.typeName());
                    }
                    yield new Str(Values.asString(v, pos, path));
                }
                case "number" -> new Value.Num(Values.asNumber(v, pos, path));
                case "bool" -> new Value.Bool(Values.asBool(v, pos, path));
                default -> throw new EvalException(t.pos(), "unknown type \"" + t.name()
                        + "\"; use string, number, bool, any, list(T), set(T), map(T), tuple([...]) or object({...})");
            };
        }
        if (type instanceof FunctionCall f && f.args().size() == 1) {
            Expr arg = f.args().getFirst();
            switch (f.name()) {
                case "list", "set" -> {
                    List<Value> out = new ArrayList<>();
                    List<Value> items = Values.asList(v, pos, path).items();
                    for (int i = 0; i < items.size(); i++) {
                        Value c = convert(arg, items.get(i), nested(path, "[" + i + "]"), pos);
                        if (!f.name().equals("set") || !out.contains(c)) {
                            out.add(c);
                        }
                    }
                    return new ListValue(out);
                }
                case "map" -> {
                    Map<String, Value> out = new LinkedHashMap<>();
                    Values.asMap(v, pos, path).entries().forEach((k, x) -> out.put(k, convert(arg, x, nested(path, "[\"" + k + "\"]"), pos)));
                    return new MapValue(out);
                }
                case "tuple" -> {
                    if (!(arg instanceof Tuple t)) {
                        break;
                    }
                    List<Value> items = Values.asList(v, pos, path).items();
                    if (items.size() != t.elements().size()) {
                        throw new EvalException(pos, path + ": expected a tuple of " + t.elements().size() + " elements, got " + items.size());
                    }
                    List<Value> out = new ArrayList<>();
                    for (int i = 0; i < items.size(); i++) {
                        out.add(convert(t.elements().get(i), items.get(i), nested(path, "[" + i + "]"), pos));
                    }
                    return new ListValue(out);
                }
                case "object" -> {
                    if (!(arg instanceof ObjectCons o)) {
                        break;
                    }
                    Map<String, Value> in = Values.asMap(v, pos, path).entries();
                    Map<String, Value> out = new LinkedHashMap<>();
                    for (ObjectItem item : o.items()) {
                        String k = item.literalKey() ? item.keyName() : item.key().text().replace("\"", "");
                        Value x = in.get(k);
                        if (x == null) {
                            throw new EvalException(pos, path + ": attribute \"" + k + "\" is required by the object type");
                        }
                        out.put(k, convert(item.value(), x, nested(path, "." + k), pos));
                    }
                    return new MapValue(out);
                }
                default -> {
                }
            }
        }
        throw new EvalException(type.pos(), "invalid type constraint " + type.text()
                + "; use string, number, bool, any, list(T), set(T), map(T), tuple([...]) or object({...})");
    }
}
