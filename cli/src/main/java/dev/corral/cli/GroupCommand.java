package dev.corral.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that only groups subcommands ({@code job}, {@code alloc}, {@code acl token}, ...): on its
 * own, or with {@code -h}, it prints its usage, as Nomad's do.
 */
abstract class GroupCommand implements Runnable {
    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
