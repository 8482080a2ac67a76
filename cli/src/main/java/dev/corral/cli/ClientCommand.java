package dev.corral.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Base of every command that talks to an agent over HTTP: {@code -address}, the ACL token, TLS
 * options (Nomad's flag names) and the output streams.
 */
abstract class ClientCommand implements Callable<Integer> {
    @Option(names = {"-address", "--address"}, paramLabel = "ADDR",
            description = "Agent HTTP address (default: $CORRAL_ADDR, then $NOMAD_ADDR, then "
                    + ApiClient.DEFAULT_ADDRESS + ").")
    String address;

    @Option(names = {"-token", "--token"}, paramLabel = "SECRET",
            description = "ACL token secret, sent as X-Nomad-Token (default: $CORRAL_TOKEN, then $NOMAD_TOKEN).")
    String token;

    @Option(names = {"-ca-cert", "--ca-cert"}, paramLabel = "FILE",
            description = "PEM CA certificate that signed the agent's certificate (default: $NOMAD_CACERT).")
    java.nio.file.Path caCert;

    @Option(names = {"-client-cert", "--client-cert"}, paramLabel = "FILE",
            description = "PEM client certificate, for agents with verify_https_client (default: $NOMAD_CLIENT_CERT).")
    java.nio.file.Path clientCert;

    @Option(names = {"-client-key", "--client-key"}, paramLabel = "FILE",
            description = "PEM private key of -client-cert (default: $NOMAD_CLIENT_KEY).")
    java.nio.file.Path clientKey;

    @Option(names = {"-tls-skip-verify", "--tls-skip-verify"}, arity = "0..1", fallbackValue = "true",
            paramLabel = "BOOL", description = "Do not verify the agent's certificate: insecure (default: $NOMAD_SKIP_VERIFY).")
    Boolean tlsSkipVerify;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    private ApiClient client;

    ApiClient api() {
        if (client == null) {
            client = new ApiClient(new ApiClient.Options(address, token, caCert, clientCert, clientKey, tlsSkipVerify)
                    .withEnv(System.getenv()));
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
