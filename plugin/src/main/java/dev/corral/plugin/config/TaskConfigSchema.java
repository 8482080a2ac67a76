package dev.corral.plugin.config;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.plugin.cty.CtyMsgpack;
import dev.corral.plugin.cty.CtyReader;
import dev.corral.plugin.hclspec.SpecValidator;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.util.List;

/**
 * The task {@code config {}} block of {@code driver = "corral"}: Nomad's exec keys (v1.6) plus
 * {@code work_dir} (exec gained it in 1.10). Defaults for the modes are "" so the plugin
 * config's {@code default_pid_mode}/{@code default_ipc_mode} apply, as in exec.
 */
public final class TaskConfigSchema {
    public static final ConfigField<String> COMMAND = ConfigField.string("command", true);
    public static final ConfigField<List<String>> ARGS = ConfigField.stringList("args");
    public static final ConfigField<String> PID_MODE = ConfigField.string("pid_mode", false);
    public static final ConfigField<String> IPC_MODE = ConfigField.string("ipc_mode", false);
    public static final ConfigField<List<String>> CAP_ADD = ConfigField.stringList("cap_add");
    public static final ConfigField<List<String>> CAP_DROP = ConfigField.stringList("cap_drop");
    public static final ConfigField<String> WORK_DIR = ConfigField.string("work_dir", false);

    public static final List<ConfigField<?>> FIELDS = List.of(COMMAND, ARGS, PID_MODE, IPC_MODE, CAP_ADD, CAP_DROP, WORK_DIR);

    /** What TaskConfigSchema returns. */
    public static final Spec SPEC = SpecValidator.requireValid(ConfigField.objectSpec(FIELDS));

    private TaskConfigSchema() {}

    /**
     * Decodes {@code TaskConfig.msgpack_driver_config}.
     *
     * @throws dev.corral.plugin.cty.CtyDecodeException malformed bytes
     * @throws dev.corral.plugin.cty.CtyTypeException   a value of the wrong type, naming {@code config.<key>}
     */
    public static ExecTaskConfig decode(byte[] msgpack) {
        CtyReader r = CtyReader.object("config", CtyMsgpack.decode(msgpack));
        return new ExecTaskConfig(
                COMMAND.read(r).orElse(""),
                ARGS.read(r).orElse(List.of()),
                PID_MODE.read(r).orElse(""),
                IPC_MODE.read(r).orElse(""),
                CAP_ADD.read(r).orElse(List.of()),
                CAP_DROP.read(r).orElse(List.of()),
                WORK_DIR.read(r).orElse(""));
    }
}
