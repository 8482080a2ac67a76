package dev.corral.plugin.cty;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Test-side encoder that writes bytes the way go-cty v1.12 does through vmihailenco/msgpack
 * v4 with compact integers (reference §3c), written byte by byte so that it does not share
 * code (or bugs) with msgpack-core, which the decoder uses.
 */
public final class CtyMsgpackEncoder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static byte[] encode(CtyValue value) {
        CtyMsgpackEncoder e = new CtyMsgpackEncoder();
        e.write(value);
        return e.out.toByteArray();
    }

    private void write(CtyValue value) {
        switch (value) {
            case CtyValue.Null n -> out.write(0xc0);
            case CtyValue.Unknown u -> bytes(0xd4, 0x00, 0x00);
            case CtyValue.Bool b -> out.write(b.value() ? 0xc3 : 0xc2);
            case CtyValue.Str s -> string(s.value());
            case CtyValue.Num n -> number(n);
            case CtyValue.Seq s -> {
                header(s.items().size(), 0x90, 0xdc, 0xdd);
                s.items().forEach(this::write);
            }
            case CtyValue.Dict d -> {
                header(d.entries().size(), 0x80, 0xde, 0xdf);
                for (Map.Entry<String, CtyValue> e : d.entries().entrySet()) {
                    string(e.getKey());
                    write(e.getValue());
                }
            }
        }
    }

    private void number(CtyValue.Num n) {
        if (n.isInfinite()) {
            float64(n.infinity() > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY);
            return;
        }
        BigDecimal v = n.value();
        if (isIntegral(v) && fitsLong(v)) {
            integer(v.longValueExact());
            return;
        }
        double d = v.doubleValue();
        if (!Double.isInfinite(d) && new BigDecimal(d).compareTo(v) == 0) {
            float64(d);
            return;
        }
        // big.Float.Text('f', -1): plain decimal, no exponent.
        string(v.stripTrailingZeros().toPlainString());
    }

    private static boolean isIntegral(BigDecimal v) {
        return v.signum() == 0 || v.stripTrailingZeros().scale() <= 0;
    }

    private static boolean fitsLong(BigDecimal v) {
        return v.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0 && v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
    }

    private void integer(long n) {
        if (n >= 0) {
            if (n <= 0x7f) {
                out.write((int) n);
            } else if (n <= 0xff) {
                bytes(0xcc, (int) n);
            } else if (n <= 0xffff) {
                out.write(0xcd);
                big(n, 2);
            } else if (n <= 0xffffffffL) {
                out.write(0xce);
                big(n, 4);
            } else {
                out.write(0xcf);
                big(n, 8);
            }
        } else if (n >= -32) {
            out.write((int) (n & 0xff));
        } else if (n >= Byte.MIN_VALUE) {
            bytes(0xd0, (int) (n & 0xff));
        } else if (n >= Short.MIN_VALUE) {
            out.write(0xd1);
            big(n, 2);
        } else if (n >= Integer.MIN_VALUE) {
            out.write(0xd2);
            big(n, 4);
        } else {
            out.write(0xd3);
            big(n, 8);
        }
    }

    private void float64(double d) {
        out.write(0xcb);
        big(Double.doubleToLongBits(d), 8);
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 32) {
            out.write(0xa0 | b.length);
        } else if (b.length <= 0xff) {
            bytes(0xd9, b.length);
        } else if (b.length <= 0xffff) {
            out.write(0xda);
            big(b.length, 2);
        } else {
            out.write(0xdb);
            big(b.length, 4);
        }
        out.writeBytes(b);
    }

    private void header(int size, int fix, int b16, int b32) {
        if (size < 16) {
            out.write(fix | size);
        } else if (size <= 0xffff) {
            out.write(b16);
            big(size, 2);
        } else {
            out.write(b32);
            big(size, 4);
        }
    }

    private void big(long v, int width) {
        for (int i = width - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    private void bytes(int... bs) {
        for (int b : bs) {
            out.write(b);
        }
    }
}
