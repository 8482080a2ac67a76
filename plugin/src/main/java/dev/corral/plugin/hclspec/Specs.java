package dev.corral.plugin.hclspec;

import dev.corral.plugin.proto.hclspec.HclSpecPb.Array;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Attr;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Block;
import dev.corral.plugin.proto.hclspec.HclSpecPb.BlockAttrs;
import dev.corral.plugin.proto.hclspec.HclSpecPb.BlockList;
import dev.corral.plugin.proto.hclspec.HclSpecPb.BlockMap;
import dev.corral.plugin.proto.hclspec.HclSpecPb.BlockSet;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Default;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Literal;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Object;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.util.List;
import java.util.Map;

/**
 * Builders for Nomad's hclspec {@link Spec} tree. Names are always set explicitly, because
 * the primary of a {@code Default} does not inherit its Object key on Nomad's side.
 */
public final class Specs {
    private Specs() {}

    /** An object whose output keys are the map keys, in the map's order. */
    public static Spec object(Map<String, Spec> attributes) {
        return Spec.newBuilder().setObject(Object.newBuilder().putAllAttributes(attributes)).build();
    }

    public static Spec array(List<Spec> values) {
        return Spec.newBuilder().setArray(Array.newBuilder().addAllValues(values)).build();
    }

    public static Spec attr(String name, String type, boolean required) {
        return Spec.newBuilder().setAttr(Attr.newBuilder().setName(name).setType(type).setRequired(required)).build();
    }

    public static Spec block(String name, boolean required, Spec nested) {
        return Spec.newBuilder().setBlockValue(Block.newBuilder().setName(name).setRequired(required).setNested(nested))
                .build();
    }

    public static Spec blockAttrs(String name, String type, boolean required) {
        return Spec.newBuilder().setBlockAttrs(BlockAttrs.newBuilder().setName(name).setType(type).setRequired(required))
                .build();
    }

    public static Spec blockList(String name, long minItems, long maxItems, Spec nested) {
        return Spec.newBuilder().setBlockList(BlockList.newBuilder().setName(name).setMinItems(minItems)
                .setMaxItems(maxItems).setNested(nested)).build();
    }

    public static Spec blockSet(String name, long minItems, long maxItems, Spec nested) {
        return Spec.newBuilder().setBlockSet(BlockSet.newBuilder().setName(name).setMinItems(minItems)
                .setMaxItems(maxItems).setNested(nested)).build();
    }

    public static Spec blockMap(String name, List<String> labels, Spec nested) {
        return Spec.newBuilder().setBlockMap(BlockMap.newBuilder().setName(name).addAllLabels(labels).setNested(nested))
                .build();
    }

    /** The primary's value, or {@code fallback} when the primary is null. */
    public static Spec withDefault(Spec primary, Spec fallback) {
        return Spec.newBuilder().setDefault(Default.newBuilder().setPrimary(primary).setDefault(fallback)).build();
    }

    /** A literal HCL expression, e.g. {@code true}, {@code 5}, {@code "\"private\""}, {@code []}. */
    public static Spec literal(String hclExpression) {
        return Spec.newBuilder().setLiteral(Literal.newBuilder().setValue(hclExpression)).build();
    }

    /** A literal string value, quoted and escaped as an HCL expression. */
    public static Spec literalString(String value) {
        return literal(HclLiteral.quote(value));
    }

    /** A literal list of strings. */
    public static Spec literalStringList(List<String> values) {
        return literal(values.stream().map(HclLiteral::quote).collect(java.util.stream.Collectors.joining(", ", "[", "]")));
    }
}
