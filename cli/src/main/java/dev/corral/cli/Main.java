package dev.corral.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code corral} command. */
@Command(name = "corral", mixinStandardHelpOptions = true, version = "corral 0.1.0",
        description = "Nomad's isolated fork/exec task driver, in Java.",
        subcommands = {RunCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        // msgpack-core must not touch sun.misc.Unsafe (JDK 25 warns); set before any use.
        System.setProperty("msgpack.universal-buffer", "true");
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
