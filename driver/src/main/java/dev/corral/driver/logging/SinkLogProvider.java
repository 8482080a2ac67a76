package dev.corral.driver.logging;

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
 * An slf4j provider whose every logger hands its enabled calls, message already formatted, to
 * one sink: for processes whose logs have a fixed destination and shape (the plugin's hclog JSON
 * on stderr, {@code corral run}'s plain stderr lines) without a logging framework's class loading
 * and configuration. Subclasses say which levels are on and where a line goes; they are selected
 * with the {@code slf4j.provider} system property before the first {@code LoggerFactory} call.
 */
public abstract class SinkLogProvider implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

    /** Whether calls at {@code level} are written (checked on every call: it may change). */
    protected abstract boolean enabled(Level level);

    /** Writes one enabled call: {@code logger} is the logger's full name, {@code error} may be null. */
    protected abstract void write(Level level, String logger, String message, Throwable error);

    /** A logger of this provider, for tests and for callers that hold no factory. */
    public Logger logger(String name) {
        return loggers.computeIfAbsent(name, n -> new SinkLogger(n, this));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return this::logger;
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

    private static final class SinkLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient SinkLogProvider sink;

        SinkLogger(String name, SinkLogProvider sink) {
            this.name = name;
            this.sink = sink;
        }

        private boolean on(Level l) {
            return sink.enabled(l);
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
            if (on(level)) {
                sink.write(level, name, MessageFormatter.basicArrayFormat(pattern, args), t);
            }
        }
    }
}
