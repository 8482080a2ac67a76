package dev.corral.plugin;

import dev.corral.driver.logging.SinkLogProvider;
import org.slf4j.event.Level;

/**
 * Sends the driver's slf4j logs to stderr as hclog JSON while the process is a plugin, so Nomad
 * re-logs them with their level instead of as unparsed text. Selected explicitly through the
 * {@code slf4j.provider} system property by {@link PluginServer#run}, which also means no
 * other provider on the classpath (logback in the CLI jar) can write to stdout.
 */
public final class HclogSlf4jProvider extends SinkLogProvider {
    private static volatile HclogWriter writer;
    private static volatile Level threshold = Level.INFO;

    /** Installs the writer every slf4j logger of this process uses, and the lowest level written. */
    static void install(HclogWriter w, Level minimum) {
        writer = w;
        threshold = minimum;
    }

    @Override
    protected boolean enabled(Level level) {
        return writer != null && level.toInt() >= threshold.toInt();
    }

    @Override
    protected void write(Level level, String logger, String message, Throwable error) {
        HclogWriter w = writer;
        if (w == null) {
            return;
        }
        HclogWriter.Level l = switch (level) {
            case TRACE -> HclogWriter.Level.TRACE;
            case DEBUG -> HclogWriter.Level.DEBUG;
            case INFO -> HclogWriter.Level.INFO;
            case WARN -> HclogWriter.Level.WARN;
            case ERROR -> HclogWriter.Level.ERROR;
        };
        if (error != null) {
            w.log(l, message, "logger", logger, "error", error.toString());
        } else {
            w.log(l, message, "logger", logger);
        }
    }
}
