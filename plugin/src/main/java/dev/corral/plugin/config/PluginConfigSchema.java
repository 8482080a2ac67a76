package dev.corral.plugin.config;

import dev.corral.driver.ExecConfigKey;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.plugin.cty.CtyMsgpack;
import dev.corral.plugin.cty.CtyReader;
import dev.corral.plugin.hclspec.SpecValidator;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's {@code plugin "corral" { config { ... } }} block. Its keys, types and defaults are
 * the driver's {@link ExecConfigKey} table, the same one the standalone agent's config parser
 * reads; this class only turns each key into an hclspec field and reads it off the wire.
 */
public final class PluginConfigSchema {
    /** One field per {@link ExecConfigKey}, in table order. */
    public static final List<ConfigField<?>> FIELDS = Arrays.stream(ExecConfigKey.values())
            .<ConfigField<?>>map(PluginConfigSchema::field).toList();

    /** What ConfigSchema returns. */
    public static final Spec SPEC = SpecValidator.requireValid(ConfigField.objectSpec(FIELDS));

    /**
     * Nomad already caps {@code kill_timeout} by its client's {@code max_kill_timeout} before StopTask,
     * so in plugin mode the driver must not cap it again.
     */
    static final Duration PLUGIN_MAX_KILL_TIMEOUT = Duration.ofDays(1);

    private PluginConfigSchema() {}

    @SuppressWarnings("unchecked")
    private static ConfigField<?> field(ExecConfigKey k) {
        Optional<Object> d = k.schemaDefault();
        return switch (k.type()) {
            case BOOL -> ConfigField.bool(k.key(), (Boolean) d.orElseThrow());
            case STRING -> d.map(v -> ConfigField.string(k.key(), (String) v)).orElseGet(() -> ConfigField.string(k.key(), false));
            case INTEGER -> ConfigField.integer(k.key(), (Long) d.orElseThrow());
            case STRING_LIST -> d.map(v -> ConfigField.stringList(k.key(), (List<String>) v))
                    .orElseGet(() -> ConfigField.stringList(k.key()));
            case STRING_MAP -> ConfigField.stringMapBlock(k.key());
        };
    }

    /**
     * Decodes {@code SetConfigRequest.msgpack_config} (empty means no config block) and validates it.
     *
     * @throws dev.corral.driver.DriverException.InvalidDriverConfigException a bad value, naming the key
     * @throws dev.corral.plugin.cty.CtyTypeException a value of the wrong type, naming {@code config.<key>}
     */
    public static ExecDriverConfig decode(byte[] msgpack) {
        CtyReader r = CtyReader.object("config", CtyMsgpack.decode(msgpack));
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigField<?> f : FIELDS) {
            f.read(r).ifPresent(v -> values.put(f.key(), v));
        }
        return ExecDriverConfig.fromKeys(values, ExecDriverConfig.builder().maxKillTimeout(PLUGIN_MAX_KILL_TIMEOUT));
    }
}
