package dev.corral.plugin.cty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CtyMsgpackTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static CtyValue num(String s) {
        return CtyValue.Num.of(new BigDecimal(s));
    }

    private static CtyValue str(String s) {
        return new CtyValue.Str(s);
    }

    private static CtyValue obj(Object... kv) {
        Map<String, CtyValue> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (CtyValue) kv[i + 1]);
        }
        return new CtyValue.Dict(m);
    }

    // Vectors checked by hand against go-cty's encoder rules (reference §3c).
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "5            | 05",
        "0            | 00",
        "127          | 7f",
        "128          | cc 80",
        "200          | cc c8",
        "255          | cc ff",
        "256          | cd 01 00",
        "65535        | cd ff ff",
        "65536        | ce 00 01 00 00",
        "70000        | ce 00 01 11 70",
        "4294967296   | cf 00 00 00 01 00 00 00 00",
        "-1           | ff",
        "-32          | e0",
        "-33          | d0 df",
        "-100         | d0 9c",
        "-129         | d1 ff 7f",
        "-32769       | d2 ff ff 7f ff",
        "-2147483649  | d3 ff ff ff ff 7f ff ff ff",
        "1.5          | cb 3f f8 00 00 00 00 00 00",
        "0.25         | cb 3f d0 00 00 00 00 00 00",
        "-2.5         | cb c0 04 00 00 00 00 00 00",
    })
    void numbers_goldenVectors_decodeAndEncodeAlike(String decimal, String bytes) {
        assertThat(CtyMsgpack.decode(hex(bytes))).isEqualTo(num(decimal));
        assertThat(HexFormat.of().formatHex(CtyMsgpackEncoder.encode(num(decimal))))
                .isEqualTo(bytes.replace(" ", ""));
    }

    @Test
    void numbers_uint64AboveLongMax_decodeExactly() {
        assertThat(CtyMsgpack.decode(hex("cf ff ff ff ff ff ff ff ff"))).isEqualTo(num("18446744073709551615"));
    }

    @Test
    void numbers_float32_accepted() {
        assertThat(CtyMsgpack.decode(hex("ca 3f c0 00 00"))).isEqualTo(num("1.5"));
    }

    @Test
    void numbers_notExactFloat64_travelAsDecimalStringAndReadAsNumber() {
        byte[] bytes = hex("81 a1 78 a3 30 2e 31"); // {x = 0.1}
        assertThat(CtyMsgpackEncoder.encode(obj("x", num("0.1")))).isEqualTo(bytes);
        CtyReader r = CtyReader.object("config", CtyMsgpack.decode(bytes));
        assertThat(r.number("x")).contains(new BigDecimal("0.1"));
    }

    @Test
    void numbers_infinity_decodeAsInfiniteNumbers() {
        assertThat(CtyMsgpack.decode(hex("cb 7f f0 00 00 00 00 00 00"))).isEqualTo(CtyValue.Num.infinity(true));
        assertThat(CtyMsgpack.decode(hex("cb ff f0 00 00 00 00 00 00"))).isEqualTo(CtyValue.Num.infinity(false));
    }

    @Test
    void numbers_nan_rejected() {
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("cb 7f f8 00 00 00 00 00 00")))
                .isInstanceOf(CtyDecodeException.class).hasMessageContaining("NaN");
    }

    @Test
    void object_referenceExample_decodes() {
        byte[] bytes = hex("83 a4 61 72 67 73 91 a1 61 a7 63 6f 6d 6d 61 6e 64 a1 78 a1 6e c0");
        CtyValue expected = obj("args", new CtyValue.Seq(List.of(str("a"))), "command", str("x"), "n", CtyValue.NULL);
        assertThat(CtyMsgpack.decode(bytes)).isEqualTo(expected);
        assertThat(CtyMsgpackEncoder.encode(expected)).isEqualTo(bytes);
    }

    @Test
    void map_referenceExample_keepsSortedWireOrder() {
        CtyValue v = CtyMsgpack.decode(hex("82 a1 61 a1 31 a1 62 a1 32"));
        assertThat(((CtyValue.Dict) v).entries()).containsExactly(Map.entry("a", str("1")), Map.entry("b", str("2")));
    }

    @Test
    void scalars_nullBoolsAndEmpty_decode() {
        assertThat(CtyMsgpack.decode(hex("c0"))).isEqualTo(CtyValue.NULL);
        assertThat(CtyMsgpack.decode(hex("c2"))).isEqualTo(new CtyValue.Bool(false));
        assertThat(CtyMsgpack.decode(hex("c3"))).isEqualTo(new CtyValue.Bool(true));
        assertThat(CtyMsgpack.decode(new byte[0])).isEqualTo(CtyValue.NULL);
        assertThat(CtyMsgpack.decode(null)).isEqualTo(CtyValue.NULL);
    }

    @ParameterizedTest
    @CsvSource({"0, a0", "31, bf", "32, d9", "255, d9", "256, da", "65535, da", "65536, db"})
    void strings_everyLengthClass_roundTrip(int length, String prefix) {
        String s = "x".repeat(length);
        byte[] bytes = CtyMsgpackEncoder.encode(str(s));
        assertThat(HexFormat.of().formatHex(bytes, 0, 1)).isEqualTo(prefix);
        assertThat(CtyMsgpack.decode(bytes)).isEqualTo(str(s));
    }

    @ParameterizedTest
    @CsvSource({"0, 90", "15, 9f", "16, dc", "65536, dd"})
    void arrays_everyLengthClass_roundTrip(int length, String prefix) {
        List<CtyValue> items = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            items.add(num(Integer.toString(i % 100)));
        }
        byte[] bytes = CtyMsgpackEncoder.encode(new CtyValue.Seq(items));
        assertThat(HexFormat.of().formatHex(bytes, 0, 1)).isEqualTo(prefix);
        assertThat(CtyMsgpack.decode(bytes)).isEqualTo(new CtyValue.Seq(items));
    }

    @ParameterizedTest
    @CsvSource({"0, 80", "15, 8f", "16, de", "65536, df"})
    void maps_everyLengthClass_roundTrip(int length, String prefix) {
        Map<String, CtyValue> m = new TreeMap<>();
        for (int i = 0; i < length; i++) {
            m.put("k" + i, new CtyValue.Bool(i % 2 == 0));
        }
        byte[] bytes = CtyMsgpackEncoder.encode(new CtyValue.Dict(m));
        assertThat(HexFormat.of().formatHex(bytes, 0, 1)).isEqualTo(prefix);
        assertThat(CtyMsgpack.decode(bytes)).isEqualTo(new CtyValue.Dict(m));
    }

    @Test
    void unknown_extZero_decodesAsUnknownAndReaderRejectsIt() {
        byte[] bytes = hex("81 a7 63 6f 6d 6d 61 6e 64 d4 00 00"); // {command = <unknown>}
        CtyValue v = CtyMsgpack.decode(bytes);
        assertThat(v).isEqualTo(obj("command", CtyValue.UNKNOWN));
        assertThatThrownBy(() -> CtyReader.object("config", v).string("command"))
                .isInstanceOf(CtyTypeException.class).hasMessage("config.command: expected a known value, got unknown");
    }

    @Test
    void dynamicWrapper_binTypeThenValue_yieldsTheValue() {
        // ["\"string\"" as bin, "hi"]: what cty writes for an attribute typed `any`.
        byte[] bytes = hex("92 c4 08 22 73 74 72 69 6e 67 22 a2 68 69");
        assertThat(CtyMsgpack.decode(bytes)).isEqualTo(str("hi"));
    }

    @Test
    void malformed_inputs_failWithOffsets() {
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("92 01"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("truncated at offset 2");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("01 02"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("trailing bytes");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("81 01 02"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("map key at offset 1 is not a string");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("c4 01 00"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("bin at offset 0");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("d4 05 00"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("ext type 5");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("82 a1 61 01 a1 61 02"))).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("duplicate map key \"a\"");
        assertThatThrownBy(() -> CtyMsgpack.decode(hex("da ff"))).isInstanceOf(CtyDecodeException.class);
    }

    @Test
    void deepNesting_rejectedInsteadOfStackOverflow() {
        byte[] bytes = new byte[10_000];
        java.util.Arrays.fill(bytes, (byte) 0x91);
        assertThatThrownBy(() -> CtyMsgpack.decode(bytes)).isInstanceOf(CtyDecodeException.class)
                .hasMessageContaining("nested deeper");
    }

    /** Seeded property: any value tree cty can produce survives encode -> decode unchanged. */
    @Test
    void property_randomValues_roundTrip() {
        long seed = Long.getLong("cty.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            CtyValue v = randomValue(random, 0);
            byte[] bytes = CtyMsgpackEncoder.encode(v);
            assertThat(CtyMsgpack.decode(bytes)).as("seed %d, case %d, bytes %s", seed, i, HexFormat.of().formatHex(bytes))
                    .isEqualTo(v);
        }
    }

    /** Seeded property: arbitrary bytes either decode or fail with CtyDecodeException, nothing else. */
    @Test
    void property_randomBytes_neverThrowAnythingElse() {
        long seed = Long.getLong("cty.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(24)];
            random.nextBytes(bytes);
            try {
                CtyMsgpack.decode(bytes);
            } catch (CtyDecodeException expected) {
                // the only acceptable failure
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " bytes " + HexFormat.of().formatHex(bytes), e);
            }
        }
    }

    private static CtyValue randomValue(Random r, int depth) {
        int pick = r.nextInt(depth > 3 ? 6 : 8);
        return switch (pick) {
            case 0 -> CtyValue.NULL;
            case 1 -> new CtyValue.Bool(r.nextBoolean());
            case 2 -> CtyValue.Num.of(randomLong(r));
            case 3 -> {
                double d = Double.longBitsToDouble(r.nextLong());
                yield Double.isNaN(d) ? CtyValue.UNKNOWN
                        : Double.isInfinite(d) ? CtyValue.Num.infinity(d > 0) : CtyValue.Num.of(new BigDecimal(d));
            }
            case 4 -> new CtyValue.Str(randomString(r));
            case 5 -> CtyValue.UNKNOWN;
            case 6 -> {
                List<CtyValue> items = new ArrayList<>();
                for (int i = r.nextInt(20); i > 0; i--) {
                    items.add(randomValue(r, depth + 1));
                }
                yield new CtyValue.Seq(items);
            }
            default -> {
                Map<String, CtyValue> m = new LinkedHashMap<>();
                for (int i = r.nextInt(20); i > 0; i--) {
                    m.put(randomString(r), randomValue(r, depth + 1));
                }
                yield new CtyValue.Dict(m);
            }
        };
    }

    private static long randomLong(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(256) - 128;
            case 1 -> r.nextInt();
            case 2 -> r.nextLong();
            default -> r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
        };
    }

    private static String randomString(Random r) {
        int length = r.nextInt(r.nextInt(10) == 0 ? 300 : 12);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> 'a' + r.nextInt(26);
                case 1 -> r.nextInt(0x80);
                case 2 -> 0x80 + r.nextInt(0x800);
                default -> 0x10000 + r.nextInt(0x1000);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
