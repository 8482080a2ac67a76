package dev.corral.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corral system ...}. */
@Command(name = "system", description = "Interact with the system API.", subcommands = SystemCommand.Gc.class)
final class SystemCommand implements Runnable {
    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "gc", description = "Garbage-collect terminal allocations now.")
    static final class Gc extends ClientCommand {
        @Override
        public Integer call() {
            api().put("/v1/system/gc", null);
            return 0;
        }
    }
}
