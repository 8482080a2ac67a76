package dev.corral.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Base of every command that talks to an agent over HTTP: {@code -address} and the output streams. */
abstract class ClientCommand implements Callable<Integer> {
    @Option(names = {"-address", "--address"}, paramLabel = "ADDR",
            description = "Agent HTTP address (default: $CORRAL_ADDR, then $NOMAD_ADDR, then "
                    + ApiClient.DEFAULT_ADDRESS + ").")
    String address;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    private ApiClient client;

    ApiClient api() {
        if (client == null) {
            client = new ApiClient(address);
        }
        return client;
    }

    PrintStream out() {
        return System.out;
    }

    PrintStream err() {
        return System.err;
    }

    /** Prints JSON with two-space indentation, as Nomad's {@code -json} does. */
    void printJson(Object value) throws java.io.IOException {
        out().println(ApiClient.json().writerWithDefaultPrettyPrinter().writeValueAsString(value));
    }
}
