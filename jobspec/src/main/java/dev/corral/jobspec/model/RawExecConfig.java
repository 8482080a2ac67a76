package dev.corral.jobspec.model;

import java.util.List;

/**
 * The typed {@code config} of the {@code raw_exec} driver (no isolation; the agent enables it
 * only when its plugin option says so, as Nomad does).
 */
public record RawExecConfig(String command, List<String> args) {

    public RawExecConfig {
        args = List.copyOf(args);
    }

    /**
     * The typed view of a generic config.
     *
     * @throws dev.corral.jobspec.JobSpecException when the config does not match the raw_exec schema
     */
    public static RawExecConfig of(DriverConfig cfg) {
        DriverSchema.check("raw_exec", cfg);
        return new RawExecConfig(DriverSchema.string(cfg, "command", ""), DriverSchema.strings(cfg, "args"));
    }
}
