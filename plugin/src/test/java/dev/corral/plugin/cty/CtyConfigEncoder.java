package dev.corral.plugin.cty;

import dev.corral.plugin.hclspec.HclLiteral;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Imitates what Nomad does with a config block before it reaches the plugin (reference §3a,
 * 7a.4): walk the root Object spec, emit every declared key sorted, null for absent keys,
 * defaults from Default/Literal, empty lists for absent BlockLists, then cty msgpack.
 * User values are plain Java: String, Boolean, Number (BigDecimal for exact decimals),
 * List, Map.
 */
public final class CtyConfigEncoder {
    private CtyConfigEncoder() {}

    public static byte[] encode(Spec root, Map<String, ?> config) {
        return CtyMsgpackEncoder.encode(objectValue(root, config));
    }

    public static CtyValue objectValue(Spec root, Map<String, ?> config) {
        if (root.getBlockCase() != Spec.BlockCase.OBJECT) {
            throw new IllegalArgumentException("root spec must be an Object");
        }
        for (String key : config.keySet()) {
            if (!root.getObject().getAttributesMap().containsKey(key)) {
                throw new IllegalArgumentException("Nomad would reject unknown key \"" + key + "\"");
            }
        }
        Map<String, CtyValue> out = new TreeMap<>();
        root.getObject().getAttributesMap().forEach((key, spec) -> out.put(key, value(spec, key, config)));
        return new CtyValue.Dict(out);
    }

    private static CtyValue value(Spec spec, String key, Map<String, ?> config) {
        Object given = config.get(key);
        return switch (spec.getBlockCase()) {
            case ATTR -> {
                if (given == null && spec.getAttr().getRequired()) {
                    throw new IllegalArgumentException("Nomad would reject a missing required \"" + key + "\"");
                }
                yield toCty(given);
            }
            case DEFAULT -> {
                CtyValue primary = value(spec.getDefault().getPrimary(), key, config);
                yield primary instanceof CtyValue.Null && spec.getDefault().hasDefault()
                        ? value(spec.getDefault().getDefault(), key, config) : primary;
            }
            case LITERAL -> HclLiteral.evaluate(spec.getLiteral().getValue());
            case BLOCK_ATTRS -> toCty(given);
            case BLOCK_LIST, BLOCK_SET -> given == null ? new CtyValue.Seq(List.of()) : toCty(given);
            case BLOCK_VALUE -> given == null ? CtyValue.NULL : objectValue(spec.getBlockValue().getNested(), asMap(given));
            default -> toCty(given);
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> asMap(Object o) {
        return (Map<String, ?>) o;
    }

    public static CtyValue toCty(Object o) {
        return switch (o) {
            case null -> CtyValue.NULL;
            case CtyValue v -> v;
            case String s -> new CtyValue.Str(s);
            case Boolean b -> new CtyValue.Bool(b);
            case BigDecimal d -> CtyValue.Num.of(d);
            case Double d -> CtyValue.Num.of(new BigDecimal(d));
            case Number n -> CtyValue.Num.of(n.longValue());
            case List<?> l -> {
                List<CtyValue> items = new ArrayList<>();
                l.forEach(i -> items.add(toCty(i)));
                yield new CtyValue.Seq(items);
            }
            case Map<?, ?> m -> {
                Map<String, CtyValue> sorted = new TreeMap<>();
                m.forEach((k, v) -> sorted.put((String) k, toCty(v)));
                yield new CtyValue.Dict(sorted);
            }
            default -> throw new IllegalArgumentException("no cty form for " + o.getClass());
        };
    }
}
