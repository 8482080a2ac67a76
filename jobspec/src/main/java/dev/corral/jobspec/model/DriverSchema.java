package dev.corral.jobspec.model;

import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.eval.Suggest;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.Str;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code config} schema of each driver Corral implements. Drivers without a schema here
 * ({@code docker}, ...) are not checked: the agent reports them as missing drivers.
 */
public final class DriverSchema {

    /** Field types a driver config uses. */
    enum FieldType { STRING, LIST_OF_STRING }

    private record Field(FieldType type, boolean required) {
    }

    private static final Map<String, Map<String, Field>> SCHEMAS = Map.of(
            "exec", fields("command", FieldType.STRING, true, "args", FieldType.LIST_OF_STRING, false,
                    "pid_mode", FieldType.STRING, false, "ipc_mode", FieldType.STRING, false,
                    "cap_add", FieldType.LIST_OF_STRING, false, "cap_drop", FieldType.LIST_OF_STRING, false,
                    "work_dir", FieldType.STRING, false),
            "raw_exec", fields("command", FieldType.STRING, true, "args", FieldType.LIST_OF_STRING, false));

    private DriverSchema() {
    }

    private static Map<String, Field> fields(Object... spec) {
        Map<String, Field> m = new LinkedHashMap<>();
        for (int i = 0; i < spec.length; i += 3) {
            m.put((String) spec[i], new Field((FieldType) spec[i + 1], (Boolean) spec[i + 2]));
        }
        return m;
    }

    /** Drivers with a known config schema. */
    public static Set<String> drivers() {
        return SCHEMAS.keySet();
    }

    /**
     * Checks a config block against its driver's schema.
     *
     * @param path field path of the config block, used in diagnostics
     * @return every problem found; empty when valid or when the driver has no schema here
     */
    public static List<Diagnostic> validate(String driver, DriverConfig cfg, String path) {
        Map<String, Field> schema = SCHEMAS.get(driver);
        List<Diagnostic> out = new ArrayList<>();
        if (schema == null) {
            return out;
        }
        for (Map.Entry<String, Value> e : cfg.values().entrySet()) {
            String key = e.getKey();
            Field f = schema.get(key);
            SourcePos pos = cfg.posOf(key);
            if (f == null) {
                out.add(Diagnostic.error(pos, path + "." + key, "unsupported argument \"" + key + "\" in the " + driver
                        + " driver config" + Suggest.didYouMean(key, schema.keySet())
                        + "; supported: " + String.join(", ", schema.keySet())));
                continue;
            }
            Value v = e.getValue();
            switch (f.type()) {
                case STRING -> {
                    if (!(v instanceof Str) && !(v instanceof Value.Num) && !(v instanceof Value.Bool)) {
                        out.add(Diagnostic.error(pos, path + "." + key, "must be a string, got a " + v.typeName()));
                    }
                }
                case LIST_OF_STRING -> {
                    if (!(v instanceof ListValue l)) {
                        out.add(Diagnostic.error(pos, path + "." + key, "must be a list of strings, got a " + v.typeName()));
                    } else {
                        for (int i = 0; i < l.items().size(); i++) {
                            Value x = l.items().get(i);
                            if (x instanceof ListValue || x instanceof Value.MapValue || x instanceof Value.Null) {
                                out.add(Diagnostic.error(pos, path + "." + key + "[" + i + "]",
                                        "must be a string, got a " + x.typeName()));
                            }
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, Field> f : schema.entrySet()) {
            if (f.getValue().required()) {
                Value v = cfg.values().get(f.getKey());
                // A key that was written but failed to evaluate has already been reported.
                boolean written = cfg.positions().containsKey(f.getKey());
                if ((v == null && !written) || (v instanceof Str s && s.value().isBlank())) {
                    out.add(Diagnostic.error(cfg.pos(), path + "." + f.getKey(), "missing required argument \""
                            + f.getKey() + "\" in the " + driver + " driver config"));
                }
            }
        }
        if (driver.equals("exec")) {
            for (String mode : List.of("pid_mode", "ipc_mode")) {
                if (cfg.values().get(mode) instanceof Str s && !s.value().isEmpty()
                        && !s.value().equals("private") && !s.value().equals("host")) {
                    out.add(Diagnostic.error(cfg.posOf(mode), path + "." + mode,
                            mode + " must be \"private\" or \"host\", got \"" + s.value() + "\""));
                }
            }
            if (cfg.values().get("work_dir") instanceof Str s && !s.value().isEmpty() && !s.value().startsWith("/")
                    && !s.value().startsWith("${")) {
                out.add(Diagnostic.error(cfg.posOf("work_dir"), path + ".work_dir",
                        "work_dir must be absolute but got relative path \"" + s.value() + "\""));
            }
        }
        return out;
    }

    static String string(DriverConfig cfg, String key, String def) {
        Value v = cfg.values().get(key);
        return switch (v) {
            case null -> def;
            case Str s -> s.value();
            case Value.Num n -> dev.corral.jobspec.eval.Values.format(n.value());
            case Value.Bool b -> Boolean.toString(b.value());
            default -> throw invalid(cfg, key, "must be a string");
        };
    }

    static List<String> strings(DriverConfig cfg, String key) {
        Value v = cfg.values().get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof ListValue l)) {
            throw invalid(cfg, key, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Value x : l.items()) {
            switch (x) {
                case Str s -> out.add(s.value());
                case Value.Num n -> out.add(dev.corral.jobspec.eval.Values.format(n.value()));
                case Value.Bool b -> out.add(Boolean.toString(b.value()));
                default -> throw invalid(cfg, key, "must be a list of strings");
            }
        }
        return out;
    }

    static void check(String driver, DriverConfig cfg) {
        List<Diagnostic> d = validate(driver, cfg, "config");
        if (!d.isEmpty()) {
            throw new JobSpecException(d);
        }
    }

    private static JobSpecException invalid(DriverConfig cfg, String key, String msg) {
        return new JobSpecException(Diagnostic.error(cfg.posOf(key), "config." + key, msg));
    }
}
