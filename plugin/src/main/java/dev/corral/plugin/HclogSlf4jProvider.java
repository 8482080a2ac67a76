package dev.corral.plugin;

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
 * Sends the driver's slf4j logs to stderr as hclog JSON while the process is a plugin, so Nomad
 * re-logs them with their level instead of as unparsed text. Selected explicitly through the
 * {@code slf4j.provider} system property by {@link PluginServer#run}, which also means no
 * other provider on the classpath (logback in the CLI jar) can write to stdout.
 */
public final class HclogSlf4jProvider implements SLF4JServiceProvider {
    private static volatile HclogWriter writer;
    private static volatile Level threshold = Level.INFO;

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

    /** Installs the writer every slf4j logger of this process uses, and the lowest level written. */
    static void install(HclogWriter w, Level minimum) {
        writer = w;
        threshold = minimum;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return name -> loggers.computeIfAbsent(name, HclogLogger::new);
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

    private static final class HclogLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;

        HclogLogger(String name) {
            this.name = name;
        }

        private static boolean on(Level l) {
            return writer != null && l.toInt() >= threshold.toInt();
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
            HclogWriter w = writer;
            if (w == null || !on(level)) {
                return;
            }
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            HclogWriter.Level l = switch (level) {
                case TRACE -> HclogWriter.Level.TRACE;
                case DEBUG -> HclogWriter.Level.DEBUG;
                case INFO -> HclogWriter.Level.INFO;
                case WARN -> HclogWriter.Level.WARN;
                case ERROR -> HclogWriter.Level.ERROR;
            };
            if (t != null) {
                w.log(l, message, "logger", name, "error", t.toString());
            } else {
                w.log(l, message, "logger", name);
            }
        }
    }
}
