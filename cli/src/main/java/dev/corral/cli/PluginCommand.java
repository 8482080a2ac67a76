package dev.corral.cli;

import dev.corral.plugin.PluginServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code corral plugin}: serves the exec driver over Nomad's go-plugin gRPC protocol. Nomad
 * starts it (with its magic cookie in the environment); it prints the handshake line on stdout.
 */
@Command(name = "plugin", description = {"Serve Corral as a Nomad task-driver plugin (started by a Nomad client).",
        "Install the jar's launcher in Nomad's plugin_dir and declare plugin \"corral\" { ... }."})
final class PluginCommand implements Callable<Integer> {
    @picocli.CommandLine.Option(names = {"-h", "-help", "--help"}, usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        return PluginServer.run(System.getenv(), System.out, System.err);
    }
}
