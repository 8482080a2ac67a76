package dev.corral.jobspec.model;

import java.util.List;

/**
 * The typed {@code config} of the {@code exec} driver.
 *
 * @param command the program; bare names are looked up by the driver
 * @param args    arguments, may hold runtime references
 * @param pidMode {@code private}, {@code host}, or empty for the plugin default
 * @param ipcMode {@code private}, {@code host}, or empty for the plugin default
 * @param capAdd  capability names to add (must be allowed by the plugin)
 * @param capDrop capability names to drop, {@code all} allowed
 * @param workDir absolute working directory inside the chroot, or empty for {@code /}
 */
public record ExecConfig(String command, List<String> args, String pidMode, String ipcMode, List<String> capAdd,
                         List<String> capDrop, String workDir) {

    public ExecConfig {
        args = List.copyOf(args);
        capAdd = List.copyOf(capAdd);
        capDrop = List.copyOf(capDrop);
    }

    /**
     * The typed view of a generic config.
     *
     * @throws dev.corral.jobspec.JobSpecException when the config does not match the exec schema
     */
    public static ExecConfig of(DriverConfig cfg) {
        DriverSchema.check("exec", cfg);
        return new ExecConfig(DriverSchema.string(cfg, "command", ""), DriverSchema.strings(cfg, "args"),
                DriverSchema.string(cfg, "pid_mode", ""), DriverSchema.string(cfg, "ipc_mode", ""),
                DriverSchema.strings(cfg, "cap_add"), DriverSchema.strings(cfg, "cap_drop"),
                DriverSchema.string(cfg, "work_dir", ""));
    }
}
