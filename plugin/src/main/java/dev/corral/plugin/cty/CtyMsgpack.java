package dev.corral.plugin.cty;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * Decodes go-cty's msgpack encoding (go-cty v1.12 {@code cty/msgpack}), the form of
 * {@code SetConfigRequest.msgpack_config} and {@code TaskConfig.msgpack_driver_config}.
 *
 * <p>Accepted beyond what Nomad sends, because the wire format allows it: float32, the
 * unknown-value ext {@code d4 00 00}, and the dynamic wrapper {@code [bin(type JSON), value]}
 * that cty emits for values whose schema type is {@code any}.
 */
public final class CtyMsgpack {
    /** cty encodes unknown values as an ext of this type with one zero byte. */
    static final byte UNKNOWN_EXT_TYPE = 0;
    private static final int MAX_DEPTH = 256;

    private CtyMsgpack() {}

    /** Decodes one value; empty input is null (Nomad sends no bytes when there is no config). */
    public static CtyValue decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return CtyValue.NULL;
        }
        try (MessageUnpacker in = MessagePack.newDefaultUnpacker(bytes)) {
            CtyValue value = read(in, 0);
            if (in.hasNext()) {
                throw new CtyDecodeException("trailing bytes after the value at offset " + in.getTotalReadBytes()
                        + " of " + bytes.length);
            }
            return value;
        } catch (IOException | org.msgpack.core.MessagePackException e) {
            throw new CtyDecodeException("malformed cty msgpack: " + e.getMessage(), e);
        }
    }

    private static CtyValue read(MessageUnpacker in, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new CtyDecodeException("value nested deeper than " + MAX_DEPTH + " levels at offset "
                    + in.getTotalReadBytes());
        }
        if (!in.hasNext()) {
            throw new CtyDecodeException("value truncated at offset " + in.getTotalReadBytes());
        }
        long offset = in.getTotalReadBytes();
        MessageFormat format = in.getNextFormat();
        return switch (format.getValueType()) {
            case NIL -> {
                in.unpackNil();
                yield CtyValue.NULL;
            }
            case BOOLEAN -> new CtyValue.Bool(in.unpackBoolean());
            case INTEGER -> {
                BigInteger n = in.unpackBigInteger();
                yield CtyValue.Num.of(new BigDecimal(n));
            }
            case FLOAT -> number(in.unpackDouble(), offset);
            case STRING -> new CtyValue.Str(in.unpackString());
            case ARRAY -> readArray(in, depth, offset);
            case MAP -> readMap(in, depth, offset);
            case EXTENSION -> readExtension(in, offset);
            case BINARY -> throw new CtyDecodeException("unexpected msgpack bin at offset " + offset
                    + ": cty only uses bin as the type of a dynamic value");
        };
    }

    private static CtyValue number(double d, long offset) {
        if (Double.isNaN(d)) {
            throw new CtyDecodeException("NaN is not a cty number (offset " + offset + ")");
        }
        if (Double.isInfinite(d)) {
            return CtyValue.Num.infinity(d > 0);
        }
        return CtyValue.Num.of(new BigDecimal(d));
    }

    private static CtyValue readArray(MessageUnpacker in, int depth, long offset) throws IOException {
        int size = in.unpackArrayHeader();
        if (size == 2 && in.hasNext() && in.getNextFormat().getValueType() == org.msgpack.value.ValueType.BINARY) {
            // Dynamic wrapper: the first element is the JSON of the value's type, which the
            // plugin does not need (it reads values against its own schema).
            int typeLength = in.unpackBinaryHeader();
            String typeJson = new String(in.readPayload(typeLength), StandardCharsets.UTF_8);
            if (typeJson.isEmpty()) {
                throw new CtyDecodeException("dynamic value at offset " + offset + " has an empty type");
            }
            return read(in, depth + 1);
        }
        List<CtyValue> items = new ArrayList<>(Math.min(size, 1024));
        for (int i = 0; i < size; i++) {
            items.add(read(in, depth + 1));
        }
        return new CtyValue.Seq(items);
    }

    private static CtyValue readMap(MessageUnpacker in, int depth, long offset) throws IOException {
        int size = in.unpackMapHeader();
        Map<String, CtyValue> entries = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            long keyOffset = in.getTotalReadBytes();
            if (!in.hasNext() || in.getNextFormat().getValueType() != org.msgpack.value.ValueType.STRING) {
                throw new CtyDecodeException("map key at offset " + keyOffset + " is not a string");
            }
            String key = in.unpackString();
            if (entries.put(key, read(in, depth + 1)) != null) {
                throw new CtyDecodeException("duplicate map key \"" + key + "\" at offset " + keyOffset);
            }
        }
        return new CtyValue.Dict(entries);
    }

    private static CtyValue readExtension(MessageUnpacker in, long offset) throws IOException {
        ExtensionTypeHeader header = in.unpackExtensionTypeHeader();
        in.readPayload(header.getLength());
        if (header.getType() == UNKNOWN_EXT_TYPE) {
            return CtyValue.UNKNOWN;
        }
        throw new CtyDecodeException("unexpected msgpack ext type " + header.getType() + " at offset " + offset);
    }
}
