package dev.corral.plugin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Writes one hclog JSON record per line, the format go-plugin parses from a plugin's stderr:
 * {@code @level}, {@code @message}, {@code @module} and {@code @timestamp} are always strings
 * (a non-string there panics the Nomad agent), the timestamp has microseconds and a zone.
 * {@link PrintStream} swallows EPIPE, so logging survives an agent that stopped reading.
 */
public final class HclogWriter {
    /** go-plugin's accepted layout {@code 2006-01-02T15:04:05.000000Z07:00}. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** go-plugin reads stderr with a 64 KiB line buffer; stay well below it. */
    static final int MAX_VALUE_CHARS = 8 * 1024;

    public enum Level {
        TRACE, DEBUG, INFO, WARN, ERROR;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final PrintStream out;
    private final String module;
    private final Clock clock;

    public HclogWriter(PrintStream out, String module, Clock clock) {
        this.out = out;
        this.module = module;
        this.clock = clock;
    }

    /** Logs {@code message} with key/value pairs ({@code k1, v1, k2, v2, ...}); values become strings. */
    public void log(Level level, String message, Object... keyValues) {
        ObjectNode o = JSON.createObjectNode();
        o.put("@level", level.wire());
        o.put("@message", bounded(message));
        o.put("@module", module);
        o.put("@timestamp", TIMESTAMP.format(clock.instant()));
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            String key = String.valueOf(keyValues[i]);
            if (key.startsWith("@")) {
                key = key.substring(1); // never shadow the reserved keys with another type
            }
            o.put(key, bounded(String.valueOf(keyValues[i + 1])));
        }
        String line;
        try {
            line = JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            line = "[ERROR] cannot format log record: " + message;
        }
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private static String bounded(String s) {
        return s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS) + "...(truncated)";
    }

    public void info(String message, Object... kv) {
        log(Level.INFO, message, kv);
    }

    public void warn(String message, Object... kv) {
        log(Level.WARN, message, kv);
    }

    public void error(String message, Object... kv) {
        log(Level.ERROR, message, kv);
    }

    public void debug(String message, Object... kv) {
        log(Level.DEBUG, message, kv);
    }

    /** A JUL handler that forwards grpc-java's and Netty's records (WARNING and up) as hclog lines. */
    public Handler julHandler() {
        return new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() < java.util.logging.Level.WARNING.intValue()) {
                    return;
                }
                Level level = r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue() ? Level.ERROR : Level.WARN;
                String msg = r.getMessage() == null ? "" : r.getMessage();
                if (r.getThrown() != null) {
                    log(level, msg, "logger", r.getLoggerName(), "error", r.getThrown().toString());
                } else {
                    log(level, msg, "logger", r.getLoggerName());
                }
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
            }
        };
    }
}
