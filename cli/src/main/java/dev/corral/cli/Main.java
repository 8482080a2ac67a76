package dev.corral.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code corral} command. */
@Command(name = "corral", mixinStandardHelpOptions = true, version = "corral 0.1.0",
        description = "Nomad's isolated fork/exec task driver, in Java.",
        subcommands = {RunCommand.class, AgentCommand.class, JobCommand.class, AllocCommand.class,
                NodeCommand.class, AgentInfoCommand.class, SystemCommand.class, PluginCommand.class,
                AclCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The command line with Nomad's exit codes: 1 for errors the user can act on, never a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // everything after the allocation ID belongs to the command run inside the task
        cl.getSubcommands().get("alloc").getSubcommands().get("exec").setStopAtPositional(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            switch (e) {
                case ApiClient.UsageError u -> line.getErr().println(u.getMessage());
                case ApiClient.ApiError a -> line.getErr().println(a.status == 0 ? a.getMessage() : "Error: " + a.getMessage());
                default -> line.getErr().println("Error: " + (e.getMessage() == null ? e.getClass().getName()
                        : e.getMessage()));
            }
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        // msgpack-core must not touch sun.misc.Unsafe (JDK 25 warns); set before any use.
        System.setProperty("msgpack.universal-buffer", "true");
        if (dev.corral.plugin.PluginServer.launchedByNomad(System.getenv())) {
            // Nomad runs plugins with the plugin block's args, not "plugin": serve whatever they are.
            System.exit(dev.corral.plugin.PluginServer.run(System.getenv(), System.out, System.err));
        }
        System.exit(commandLine().execute(args));
    }
}
