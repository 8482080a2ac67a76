package dev.corral.plugin.config;

import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.NamespaceMode;
import dev.corral.driver.RootfsMode;
import dev.corral.plugin.cty.CtyMsgpack;
import dev.corral.plugin.cty.CtyReader;
import dev.corral.plugin.hclspec.SpecValidator;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's {@code plugin "corral" { config { ... } }} block: exec's keys with exec's defaults
 * (taken from the driver's constants, so they are defined once), plus Corral's own.
 */
public final class PluginConfigSchema {
    public static final ConfigField<Boolean> NO_PIVOT_ROOT = ConfigField.bool("no_pivot_root", false);
    public static final ConfigField<String> DEFAULT_PID_MODE =
            ConfigField.string("default_pid_mode", NamespaceMode.PRIVATE.configName());
    public static final ConfigField<String> DEFAULT_IPC_MODE =
            ConfigField.string("default_ipc_mode", NamespaceMode.PRIVATE.configName());
    public static final ConfigField<List<String>> ALLOW_CAPS =
            ConfigField.stringList("allow_caps", ExecDriverConfig.DEFAULT_ALLOW_CAPS);
    public static final ConfigField<Long> PIDS_LIMIT = ConfigField.integer("pids_limit", ExecDriverConfig.DEFAULT_PIDS_LIMIT);
    public static final ConfigField<String> ROOTFS = ConfigField.string("rootfs", RootfsMode.READONLY.configName());
    public static final ConfigField<Map<String, String>> CHROOT_ENV = ConfigField.stringMapBlock("chroot_env");
    public static final ConfigField<String> STATE_DIR = ConfigField.string("state_dir", false);
    public static final ConfigField<String> SANDBOX_BINARY = ConfigField.string("sandbox_binary", false);
    public static final ConfigField<String> CGROUP_PARENT = ConfigField.string("cgroup_parent", false);
    public static final ConfigField<String> SECCOMP = ConfigField.string("seccomp", "default");

    public static final List<ConfigField<?>> FIELDS = List.of(NO_PIVOT_ROOT, DEFAULT_PID_MODE, DEFAULT_IPC_MODE,
            ALLOW_CAPS, PIDS_LIMIT, ROOTFS, CHROOT_ENV, STATE_DIR, SANDBOX_BINARY, CGROUP_PARENT, SECCOMP);

    /** What ConfigSchema returns. */
    public static final Spec SPEC = SpecValidator.requireValid(ConfigField.objectSpec(FIELDS));

    /**
     * Nomad already caps {@code kill_timeout} by its client's {@code max_kill_timeout} before StopTask,
     * so in plugin mode the driver must not cap it again.
     */
    static final Duration PLUGIN_MAX_KILL_TIMEOUT = Duration.ofDays(1);

    private PluginConfigSchema() {}

    /**
     * Decodes {@code SetConfigRequest.msgpack_config} (empty means no config block) and validates it.
     *
     * @throws dev.corral.driver.DriverException.InvalidDriverConfigException a bad value, naming the key
     * @throws dev.corral.plugin.cty.CtyTypeException a value of the wrong type, naming {@code config.<key>}
     */
    public static ExecDriverConfig decode(byte[] msgpack) {
        CtyReader r = CtyReader.object("config", CtyMsgpack.decode(msgpack));
        ExecDriverConfig.Builder b = ExecDriverConfig.builder().maxKillTimeout(PLUGIN_MAX_KILL_TIMEOUT);
        NO_PIVOT_ROOT.read(r).ifPresent(b::noPivotRoot);
        DEFAULT_PID_MODE.read(r).ifPresent(b::defaultPidMode);
        DEFAULT_IPC_MODE.read(r).ifPresent(b::defaultIpcMode);
        ALLOW_CAPS.read(r).ifPresent(b::allowCaps);
        PIDS_LIMIT.read(r).ifPresent(n -> {
            if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
                throw new dev.corral.driver.DriverException.InvalidDriverConfigException(
                        "pids_limit " + n + " is too large; use 0 for unlimited");
            }
            b.pidsLimit(n.intValue());
        });
        ROOTFS.read(r).ifPresent(v -> {
            try {
                b.rootfs(RootfsMode.parse("rootfs", v));
            } catch (IllegalArgumentException e) {
                throw new dev.corral.driver.DriverException.InvalidDriverConfigException(e.getMessage());
            }
        });
        CHROOT_ENV.read(r).ifPresent(b::chrootEnv);
        STATE_DIR.read(r).ifPresent(v -> b.stateDir(Path.of(v)));
        SANDBOX_BINARY.read(r).ifPresent(v -> b.sandboxBinary(Path.of(v)));
        CGROUP_PARENT.read(r).ifPresent(b::cgroupParent);
        SECCOMP.read(r).ifPresent(b::seccomp);
        return b.build().validate();
    }
}
