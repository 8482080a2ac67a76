package dev.corral.cli;

import picocli.CommandLine.Command;

/** {@code corral system ...}. */
@Command(name = "system", description = "Interact with the system API.", subcommands = SystemCommand.Gc.class)
final class SystemCommand extends GroupCommand {
    @Command(name = "gc", description = "Garbage-collect terminal allocations now.")
    static final class Gc extends ClientCommand {
        @Override
        public Integer call() {
            api().put("/v1/system/gc", null);
            return 0;
        }
    }
}
