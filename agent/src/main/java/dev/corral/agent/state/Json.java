package dev.corral.agent.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.time.Duration;

/** The one JSON mapping for persisted records: tolerant on read so older agents can read newer rows. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
            .registerModule(durations());

    /** Durations as integer nanoseconds, as Go (and so Nomad's JSON) writes them. */
    private static SimpleModule durations() {
        SimpleModule m = new SimpleModule("corral-durations");
        m.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
            @Override
            public void serialize(Duration d, com.fasterxml.jackson.core.JsonGenerator g,
                                  com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {
                g.writeNumber(d.toNanos());
            }
        });
        m.addDeserializer(Duration.class, new StdDeserializer<>(Duration.class) {
            @Override
            public Duration deserialize(com.fasterxml.jackson.core.JsonParser jp,
                                        com.fasterxml.jackson.databind.DeserializationContext c) throws java.io.IOException {
                return Duration.ofNanos(jp.getLongValue());
            }
        });
        return m;
    }

    private Json() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StateStoreException("cannot encode " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StateStoreException("cannot decode " + type.getSimpleName() + " from stored JSON: " + e.getOriginalMessage(), e);
        }
    }
}
