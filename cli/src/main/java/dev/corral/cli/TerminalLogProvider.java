package dev.corral.cli;

import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The library logs of {@code corral run} (the driver's few warnings) as plain lines on stderr:
 * {@code WARN ExecDriver: message}. Logback, which the agent uses, cost a run tens of
 * milliseconds of class loading and XML configuration for messages that seldom come.
 */
public final class TerminalLogProvider implements SLF4JServiceProvider {
    private static final Level THRESHOLD = Level.INFO;

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

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
    public ILoggerFactory getLoggerFactory() {
        return name -> loggers.computeIfAbsent(name, n -> new TerminalLogger(n, System.err));
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    /** One named logger; prints {@code LEVEL SimpleName: message[: throwable]} lines at INFO and above. */
    static final class TerminalLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient PrintStream to;
        private final String shortName;

        TerminalLogger(String name, PrintStream to) {
            this.name = name;
            this.to = to;
            this.shortName = name.substring(name.lastIndexOf('.') + 1);
        }

        private static boolean on(Level l) {
            return l.toInt() >= THRESHOLD.toInt();
        }

        @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
        @Override public boolean isTraceEnabled(Marker m) { return on(Level.TRACE); }
        @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
        @Override public boolean isDebugEnabled(Marker m) { return on(Level.DEBUG); }
        @Override public boolean isInfoEnabled() { return on(Level.INFO); }
        @Override public boolean isInfoEnabled(Marker m) { return on(Level.INFO); }
        @Override public boolean isWarnEnabled() { return on(Level.WARN); }
        @Override public boolean isWarnEnabled(Marker m) { return on(Level.WARN); }
        @Override public boolean isErrorEnabled() { return on(Level.ERROR); }
        @Override public boolean isErrorEnabled(Marker m) { return on(Level.ERROR); }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            if (!on(level)) {
                return;
            }
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            to.println(level + " " + shortName + ": " + message + (t != null ? ": " + t : ""));
        }
    }
}
