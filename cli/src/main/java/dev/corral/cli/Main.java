package dev.corral.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Entry point of the {@code corral} command. */
@Command(name = "corral", mixinStandardHelpOptions = true, version = "corral 0.1.0",
        description = "Nomad's isolated fork/exec task driver, in Java.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order {@code corral --help} lists them. bin/corral keeps an AOT cache
     * per command it knows by name (MainTest checks it knows these).
     */
    static final List<String> COMMANDS =
            List.of("run", "agent", "job", "alloc", "node", "agent-info", "system", "plugin", "acl");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static Object command(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "agent" -> new AgentCommand();
            case "job" -> new JobCommand();
            case "alloc" -> new AllocCommand();
            case "node" -> new NodeCommand();
            case "agent-info" -> new AgentInfoCommand();
            case "system" -> new SystemCommand();
            case "plugin" -> new PluginCommand();
            case "acl" -> new AclCommand();
            default -> throw new IllegalArgumentException("no corral command " + name);
        };
    }

    /** The command line with every subcommand, for {@code corral --help} and tests. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}, with Nomad's exit codes: 1 for errors the user can act
     * on, never a stack trace. When {@code args} starts with a subcommand's name only that
     * subcommand is built: picocli reflects over every command class it is given, and building
     * all of them (with the client commands' JSON types) was a visible part of {@code corral run}'s
     * start. Anything else (help, a typo) gets all of them, for the usage and suggestions.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        List<String> names = args.length > 0 && COMMANDS.contains(args[0]) ? List.of(args[0]) : COMMANDS;
        for (String name : names) {
            cl.addSubcommand(name, command(name));
        }
        if (names.contains("alloc")) {
            // everything after the allocation ID belongs to the command run inside the task
            cl.getSubcommands().get("alloc").getSubcommands().get("exec").setStopAtPositional(true);
        }
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
        System.exit(commandLine(args).execute(args));
    }
}
