package dev.corral.plugin.config;

import dev.corral.plugin.cty.CtyReader;
import dev.corral.plugin.hclspec.Specs;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * One key of a config block: its name, its hclspec (type, required, default) and how to read
 * its decoded value. The key is written once here; the schema sent to Nomad and the decoder
 * both come from the same field.
 *
 * @param key            the HCL attribute or block name
 * @param spec           what Nomad decodes against
 * @param reader         reads the decoded value, empty when null or absent
 * @param <T>            the Java type of the value
 */
public record ConfigField<T>(String key, Spec spec, BiFunction<CtyReader, String, Optional<T>> reader) {

    public static ConfigField<String> string(String key, boolean required) {
        return new ConfigField<>(key, Specs.attr(key, "string", required), CtyReader::string);
    }

    public static ConfigField<String> string(String key, String defaultValue) {
        return new ConfigField<>(key, Specs.withDefault(Specs.attr(key, "string", false),
                Specs.literalString(defaultValue)), CtyReader::string);
    }

    public static ConfigField<Boolean> bool(String key, boolean defaultValue) {
        return new ConfigField<>(key, Specs.withDefault(Specs.attr(key, "bool", false),
                Specs.literal(Boolean.toString(defaultValue))), CtyReader::bool);
    }

    public static ConfigField<Long> integer(String key, long defaultValue) {
        return new ConfigField<>(key, Specs.withDefault(Specs.attr(key, "number", false),
                Specs.literal(Long.toString(defaultValue))), CtyReader::integer);
    }

    public static ConfigField<List<String>> stringList(String key) {
        return new ConfigField<>(key, Specs.attr(key, "list(string)", false), CtyReader::stringList);
    }

    public static ConfigField<List<String>> stringList(String key, List<String> defaultValue) {
        return new ConfigField<>(key, Specs.withDefault(Specs.attr(key, "list(string)", false),
                Specs.literalStringList(defaultValue)), CtyReader::stringList);
    }

    /**
     * A block of string attributes, {@code key { "a" = "b" }}. In the agent's HCL1 config a
     * block is the reliable way to pass a map (reference §3a).
     */
    public static ConfigField<Map<String, String>> stringMapBlock(String key) {
        return new ConfigField<>(key, Specs.blockAttrs(key, "string", false), CtyReader::stringMap);
    }

    public Optional<T> read(CtyReader config) {
        return reader.apply(config, key);
    }

    /** Builds the root Object spec of a config block from its fields, in order. */
    public static Spec objectSpec(List<ConfigField<?>> fields) {
        Map<String, Spec> attributes = new java.util.LinkedHashMap<>();
        for (ConfigField<?> f : fields) {
            if (attributes.put(f.key(), f.spec()) != null) {
                throw new IllegalArgumentException("duplicate config key " + f.key());
            }
        }
        return Specs.object(attributes);
    }
}
