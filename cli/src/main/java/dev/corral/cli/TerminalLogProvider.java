package dev.corral.cli;

import dev.corral.driver.logging.SinkLogProvider;
import java.io.PrintStream;
import org.slf4j.event.Level;

/**
 * The library logs of {@code corral run} (the driver's few warnings) as plain lines on stderr:
 * {@code WARN ExecDriver: message}. Logback, which the agent uses, cost a run tens of
 * milliseconds of class loading and XML configuration for messages that seldom come.
 */
public final class TerminalLogProvider extends SinkLogProvider {
    private static final Level THRESHOLD = Level.INFO;
    private final PrintStream to;

    public TerminalLogProvider() {
        this(System.err);
    }

    TerminalLogProvider(PrintStream to) {
        this.to = to;
    }

    /**
     * Makes slf4j use this provider. Has effect only before the first {@code LoggerFactory} call of
     * the process, so the command calls it first thing.
     */
    static void select() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", TerminalLogProvider.class.getName());
            System.setProperty("slf4j.internal.verbosity", "WARN"); // else slf4j reports the choice on stderr
        }
    }

    @Override
    protected boolean enabled(Level level) {
        return level.toInt() >= THRESHOLD.toInt();
    }

    /** {@code LEVEL SimpleName: message[: throwable]}. */
    @Override
    protected void write(Level level, String logger, String message, Throwable error) {
        to.println(level + " " + logger.substring(logger.lastIndexOf('.') + 1) + ": " + message
                + (error != null ? ": " + error : ""));
    }
}
