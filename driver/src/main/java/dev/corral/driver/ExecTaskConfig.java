package dev.corral.driver;

import java.util.List;

/**
 * The task's {@code config {}} block for {@code driver = "exec"}, as decoded from the job (strings as
 * written; {@link ExecDriver#startTask} validates them with Nomad's messages).
 *
 * @param command  {@code command} (required): absolute path inside the task root, a path relative to it, or a bare name
 * @param args     {@code args}, already interpolated
 * @param pidMode  {@code pid_mode}: {@code "private"}, {@code "host"}, or {@code ""} for the plugin default
 * @param ipcMode  {@code ipc_mode}: {@code "private"}, {@code "host"}, or {@code ""} for the plugin default
 * @param capAdd   {@code cap_add}: capability names (must be in {@code allow_caps})
 * @param capDrop  {@code cap_drop}: capability names, {@code "all"} allowed
 * @param workDir  {@code work_dir}: absolute path inside the task root, or {@code ""} for {@code /}
 */
public record ExecTaskConfig(
        String command,
        List<String> args,
        String pidMode,
        String ipcMode,
        List<String> capAdd,
        List<String> capDrop,
        String workDir) {

    public ExecTaskConfig {
        command = command == null ? "" : command;
        args = args == null ? List.of() : List.copyOf(args);
        pidMode = pidMode == null ? "" : pidMode;
        ipcMode = ipcMode == null ? "" : ipcMode;
        capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
        capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
        workDir = workDir == null ? "" : workDir;
    }

    /** A config with only a command and its args; every other key takes its default. */
    public static ExecTaskConfig of(String command, String... args) {
        return new ExecTaskConfig(command, List.of(args), "", "", List.of(), List.of(), "");
    }
}
