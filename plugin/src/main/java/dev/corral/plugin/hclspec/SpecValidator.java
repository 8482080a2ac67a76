package dev.corral.plugin.hclspec;

import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a spec tree against the rules Nomad applies when it converts one (reference §3b):
 * non-empty, parseable type expressions; a name on every Attr and Block* (explicit, or implied
 * by the parent Object key, but never for the primary of a Default); parseable literals;
 * BlockMap labels. A spec that breaks them would stop the agent (plugin schema) or fail every
 * task (task schema), so our own schemas are validated in tests and at server start.
 */
public final class SpecValidator {
    private final List<String> problems = new ArrayList<>();

    private SpecValidator() {}

    /** Every problem, each naming its path in the tree; empty when the spec is usable. */
    public static List<String> problems(Spec spec) {
        SpecValidator v = new SpecValidator();
        v.check("spec", spec, "");
        return List.copyOf(v.problems);
    }

    /** @throws IllegalArgumentException listing every problem */
    public static Spec requireValid(Spec spec) {
        List<String> p = problems(spec);
        if (!p.isEmpty()) {
            throw new IllegalArgumentException("invalid hclspec: " + String.join("; ", p));
        }
        return spec;
    }

    private void check(String path, Spec spec, String impliedName) {
        switch (spec.getBlockCase()) {
            case OBJECT -> {
                for (Map.Entry<String, Spec> e : spec.getObject().getAttributesMap().entrySet()) {
                    check(path + "." + e.getKey(), e.getValue(), e.getKey());
                }
            }
            case ARRAY -> {
                List<Spec> values = spec.getArray().getValuesList();
                for (int i = 0; i < values.size(); i++) {
                    check(path + "[" + i + "]", values.get(i), "");
                }
            }
            case ATTR -> {
                name(path, "Attr", spec.getAttr().getName(), impliedName);
                type(path, spec.getAttr().getType());
            }
            case BLOCK_VALUE -> {
                name(path, "Block", spec.getBlockValue().getName(), impliedName);
                nested(path, spec.getBlockValue().hasNested(), spec.getBlockValue().getNested());
            }
            case BLOCK_ATTRS -> {
                name(path, "BlockAttrs", spec.getBlockAttrs().getName(), impliedName);
                type(path, spec.getBlockAttrs().getType());
            }
            case BLOCK_LIST -> {
                var b = spec.getBlockList();
                name(path, "BlockList", b.getName(), impliedName);
                items(path, b.getMinItems(), b.getMaxItems());
                nested(path, b.hasNested(), b.getNested());
            }
            case BLOCK_SET -> {
                var b = spec.getBlockSet();
                name(path, "BlockSet", b.getName(), impliedName);
                items(path, b.getMinItems(), b.getMaxItems());
                nested(path, b.hasNested(), b.getNested());
            }
            case BLOCK_MAP -> {
                var b = spec.getBlockMap();
                name(path, "BlockMap", b.getName(), impliedName);
                if (b.getLabelsCount() == 0) {
                    problems.add(path + ": BlockMap needs at least one label");
                }
                nested(path, b.hasNested(), b.getNested());
            }
            case DEFAULT -> {
                if (!spec.getDefault().hasPrimary()) {
                    problems.add(path + ": Default has no primary");
                } else {
                    // Nomad converts the primary with an empty implied name.
                    check(path + ".primary", spec.getDefault().getPrimary(), "");
                }
                if (spec.getDefault().hasDefault()) {
                    check(path + ".default", spec.getDefault().getDefault(), "");
                }
            }
            case LITERAL -> {
                try {
                    HclLiteral.evaluate(spec.getLiteral().getValue());
                } catch (IllegalArgumentException e) {
                    problems.add(path + ": " + e.getMessage());
                }
            }
            case BLOCK_NOT_SET -> problems.add(path + ": empty spec");
        }
    }

    private void name(String path, String kind, String explicit, String implied) {
        if (explicit.isEmpty() && implied.isEmpty()) {
            problems.add(path + ": " + kind + " has no name (set it explicitly inside a Default or Array)");
        }
    }

    private void type(String path, String type) {
        try {
            HclType.parse(type);
        } catch (IllegalArgumentException e) {
            problems.add(path + ": " + e.getMessage());
        }
    }

    private void items(String path, long min, long max) {
        if (max > 0 && min > max) {
            problems.add(path + ": min_items " + min + " is greater than max_items " + max);
        }
    }

    private void nested(String path, boolean present, Spec nested) {
        if (present) {
            check(path + ".nested", nested, "");
        }
    }
}
