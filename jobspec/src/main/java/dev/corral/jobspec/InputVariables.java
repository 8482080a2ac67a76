package dev.corral.jobspec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.jobspec.eval.Evaluator;
import dev.corral.jobspec.eval.Functions;
import dev.corral.jobspec.eval.TypeConstraints;
import dev.corral.jobspec.eval.Values;
import dev.corral.jobspec.hcl.Ast.Attribute;
import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.Expr;
import dev.corral.jobspec.hcl.Ast.Variable;
import dev.corral.jobspec.hcl.Hcl;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.MapValue;
import dev.corral.jobspec.model.Value.Str;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code variable} and {@code locals} blocks: resolves input variables from {@code NOMAD_VAR_*},
 * var files and {@code -var} (later wins), checks them against their {@code type} and
 * {@code validation} blocks, then evaluates locals in dependency order.
 */
final class InputVariables {

    private static final String ENV_PREFIX = "NOMAD_VAR_";

    private record Declared(Block block, Expr type, Attribute defaultValue) {
    }

    private record Given(String raw, Value value, SourcePos pos, String source) {
    }

    private InputVariables() {
    }

    /** Evaluates variables and locals; returns the globals {@code var} and {@code local}. */
    static Map<String, Value> resolve(Body file, JobParser.Options opts, Functions functions, Diagnostics diags,
                                      Positions positions) {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (Block b : file.blocks("variable")) {
            if (b.labels().size() != 1) {
                diags.error(b.pos(), "variable", "the \"variable\" block needs exactly one label, its name, as in variable \"image\" { ... }");
                continue;
            }
            String name = b.labels().getFirst().value();
            positions.put("variable[\"" + name + "\"]", b.pos());
            if (declared.containsKey(name)) {
                diags.error(b.pos(), "variable[\"" + name + "\"]", "variable \"" + name + "\" is declared twice; the first is at "
                        + declared.get(name).block().pos());
                continue;
            }
            for (var item : b.body().items()) {
                if (!List.of("type", "default", "description", "sensitive", "validation").contains(item.name())) {
                    diags.error(item.pos(), "variable[\"" + name + "\"]." + item.name(), "unsupported "
                            + (item instanceof Block ? "block" : "argument") + " \"" + item.name() + "\" in the variable block"
                            + dev.corral.jobspec.eval.Suggest.didYouMean(item.name(), List.of("type", "default", "description", "sensitive", "validation")));
                }
            }
            Attribute type = b.body().attribute("type");
            declared.put(name, new Declared(b, type == null ? null : type.expr(), b.body().attribute("default")));
        }

        Map<String, Given> given = new LinkedHashMap<>();
        opts.environment().forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX) && declared.containsKey(k.substring(ENV_PREFIX.length()))) {
                given.put(k.substring(ENV_PREFIX.length()), new Given(v, null, new SourcePos(k, 0, 0), "environment variable " + k));
            }
        });
        for (Path vf : opts.varFiles()) {
            readVarFile(vf, declared, given, functions.filesAllowed(), diags);
        }
        opts.vars().forEach((k, v) -> {
            if (!declared.containsKey(k)) {
                diags.error(new SourcePos("-var", 0, 0), "var." + k, "a value was given for the undeclared variable \"" + k
                        + "\"; declare it with a variable \"" + k + "\" block" + dev.corral.jobspec.eval.Suggest.didYouMean(k, declared.keySet()));
            } else {
                given.put(k, new Given(v, null, new SourcePos("-var " + k, 0, 0), "-var " + k));
            }
        });

        Evaluator literal = new Evaluator(Map.of(), functions, false);
        Map<String, Value> vars = new LinkedHashMap<>();
        for (Map.Entry<String, Declared> e : declared.entrySet()) {
            String name = e.getKey();
            Declared d = e.getValue();
            String path = "var." + name;
            try {
                Value v;
                Given g = given.get(name);
                if (g != null && g.value() != null) {
                    v = g.value();
                } else if (g != null) {
                    v = isStringOrUntyped(d.type()) ? new Str(g.raw()) : literal.evaluate(Hcl.parseExpression(g.source(), g.raw()));
                } else if (d.defaultValue() != null) {
                    v = literal.evaluate(d.defaultValue().expr());
                } else {
                    diags.error(d.block().pos(), path, "variable \"" + name + "\" has no default and no value was given; set it with -var "
                            + name + "=..., a -var-file, or the environment variable " + ENV_PREFIX + name);
                    continue;
                }
                if (d.type() != null) {
                    v = TypeConstraints.convert(d.type(), v, "invalid value", g != null ? g.pos() : d.type().pos());
                }
                vars.put(name, v);
            } catch (JobSpecException ex) {
                diags.add(ex, path);
            }
        }

        Map<String, Value> globals = new HashMap<>();
        globals.put("var", new MapValue(vars));
        validateVariables(declared, globals, functions, diags);
        globals.put("local", new MapValue(locals(file, globals, functions, diags, positions)));
        return globals;
    }

    private static void validateVariables(Map<String, Declared> declared, Map<String, Value> globals, Functions functions,
                                          Diagnostics diags) {
        Evaluator ev = new Evaluator(globals, functions);
        MapValue vars = (MapValue) globals.get("var");
        for (Map.Entry<String, Declared> e : declared.entrySet()) {
            if (!vars.entries().containsKey(e.getKey())) {
                continue;
            }
            for (Block v : e.getValue().block().body().blocks("validation")) {
                Attribute cond = v.body().attribute("condition");
                Attribute msg = v.body().attribute("error_message");
                if (cond == null || msg == null) {
                    diags.error(v.pos(), "var." + e.getKey(), "a validation block needs both condition and error_message");
                    continue;
                }
                try {
                    if (!Values.asBool(ev.evaluate(cond.expr()), cond.expr().pos(), "validation condition")) {
                        diags.error(cond.pos(), "var." + e.getKey(), "invalid value for variable \"" + e.getKey() + "\": "
                                + Values.asString(ev.evaluate(msg.expr()), msg.pos(), "error_message"));
                    }
                } catch (JobSpecException ex) {
                    diags.add(ex, "var." + e.getKey());
                }
            }
        }
    }

    private static Map<String, Value> locals(Body file, Map<String, Value> globals, Functions functions, Diagnostics diags,
                                             Positions positions) {
        List<Attribute> pending = new ArrayList<>();
        Map<String, Attribute> seen = new HashMap<>();
        for (Block b : file.blocks("locals")) {
            if (!b.labels().isEmpty()) {
                diags.error(b.labels().getFirst().pos(), "locals", "the \"locals\" block takes no labels");
            }
            for (var item : b.body().items()) {
                if (item instanceof Block nested) {
                    diags.error(nested.pos(), "local." + nested.type(), "a locals block holds only name = value pairs, not blocks");
                    continue;
                }
                Attribute a = (Attribute) item;
                Attribute prev = seen.putIfAbsent(a.name(), a);
                if (prev != null) {
                    diags.error(a.pos(), "local." + a.name(), "local value \"" + a.name() + "\" is defined twice; the first is at " + prev.pos());
                    continue;
                }
                positions.put("local." + a.name(), a.pos());
                pending.add(a);
            }
        }
        Map<String, Value> locals = new LinkedHashMap<>();
        Map<Attribute, JobSpecException> lastError = new HashMap<>();
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            Map<String, Value> g = new HashMap<>(globals);
            g.put("local", new MapValue(locals));
            Evaluator ev = new Evaluator(g, functions);
            for (var it = pending.iterator(); it.hasNext(); ) {
                Attribute a = it.next();
                try {
                    locals.put(a.name(), ev.evaluate(a.expr()));
                    it.remove();
                    progress = true;
                } catch (JobSpecException ex) {
                    lastError.put(a, ex);
                }
            }
        }
        for (Attribute a : pending) {
            diags.add(lastError.get(a), "local." + a.name());
        }
        return locals;
    }

    /**
     * @param filesAllowed whether the job itself may use file functions: a var file never gets more (the
     *                     agent's parse endpoint stages the request's variables as a file, and its caller
     *                     must not read the agent's files through them)
     */
    private static void readVarFile(Path file, Map<String, Declared> declared, Map<String, Given> given,
                                    boolean filesAllowed, Diagnostics diags) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            diags.error(new SourcePos(file.toString(), 0, 0), "", "cannot read the var file: " + e.getMessage());
            return;
        }
        if (file.toString().endsWith(".json")) {
            try {
                JsonNode root = new ObjectMapper().readTree(text);
                if (root == null || !root.isObject()) {
                    diags.error(new SourcePos(file.toString(), 1, 1), "", "a JSON var file must hold one object of variable values");
                    return;
                }
                root.properties().forEach(e -> put(e.getKey(), Functions.fromJson(e.getValue()),
                        new SourcePos(file.toString(), 0, 0), declared, given, diags));
            } catch (IOException e) {
                diags.error(new SourcePos(file.toString(), 0, 0), "", "invalid JSON in the var file: " + e.getMessage().lines().findFirst().orElse(""));
            }
            return;
        }
        try {
            Body body = Hcl.parse(file.toString(), text);
            Evaluator ev = new Evaluator(Map.of(),
                    Functions.standard(filesAllowed ? file.toAbsolutePath().getParent() : null), false);
            for (var item : body.items()) {
                if (item instanceof Block b) {
                    diags.error(b.pos(), "", "a var file holds only name = value pairs; found a \"" + b.type() + "\" block");
                    continue;
                }
                Attribute a = (Attribute) item;
                try {
                    put(a.name(), ev.evaluate(a.expr()), a.pos(), declared, given, diags);
                } catch (JobSpecException ex) {
                    diags.add(ex, "var." + a.name());
                }
            }
        } catch (JobSpecException ex) {
            diags.add(ex, "");
        }
    }

    private static void put(String name, Value v, SourcePos pos, Map<String, Declared> declared, Map<String, Given> given,
                            Diagnostics diags) {
        if (!declared.containsKey(name)) {
            diags.warning(pos, "var." + name, "the var file sets \"" + name + "\", which no variable block declares; the value is ignored");
            return;
        }
        given.put(name, new Given(null, v, pos, pos.file()));
    }

    private static boolean isStringOrUntyped(Expr type) {
        return type == null || (type instanceof Variable v && (v.name().equals("string") || v.name().equals("any")));
    }

}
