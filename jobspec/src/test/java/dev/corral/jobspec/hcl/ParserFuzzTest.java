package dev.corral.jobspec.hcl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing: whatever the input, the parser either returns a tree or throws a
 * {@link ParseException} with a position. Set {@code -Dcorral.fuzz.seed=N} to replay a failure.
 */
public class ParserFuzzTest {

    static final List<String> FRAGMENTS = List.of(
            "\"", "${", "%{", "}", "{", "[", "]", "(", ")", "<<EOT\n", "<<-EOT\n", "\nEOT\n", "\\u", "\\U0001F600",
            "\\", "$${", "%%{", "~", "...", ".*", "[*]", "for", "in", "if", "endif", "endfor", "else", ":", "=>",
            "=", "\n", "#", "//", "/*", "*/", ",", "1e", "0.5", "-", "!", "&&", "||", "?", "é", "\r", "\t", "\0",
            "job \"x\" {\n", "a = ", "f(", "x.0", "'");

    @Test
    void mutatedInputs_neverThrowAnythingButParseException() throws IOException {
        long seed = Long.getLong("corral.fuzz.seed", 0x5EEDL);
        String base = RealisticJobTest.resource("/hcl/realistic.nomad.hcl");
        SplittableRandom rnd = new SplittableRandom(seed);
        int parsed = 0;
        int errors = 0;
        for (int i = 0; i < 10_000; i++) {
            String input = mutate(base, rnd);
            long t0 = System.nanoTime();
            try {
                Hcl.parse("fuzz.hcl", input);
                parsed++;
            } catch (ParseException e) {
                errors++;
                assertThat(e.pos().isKnown()).as("position of error for seed %d iteration %d", seed, i).isTrue();
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("seed " + seed + " iteration " + i + ": " + e + "\ninput:\n" + input, e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("parse time for seed %d iteration %d", seed, i).isLessThan(1000);
        }
        // Both outcomes must occur, or the mutator is not exploring anything.
        assertThat(parsed).isPositive();
        assertThat(errors).isPositive();
    }

    public static String mutate(String base, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(base);
        int n = 1 + rnd.nextInt(6);
        for (int k = 0; k < n; k++) {
            int at = rnd.nextInt(sb.length() + 1);
            switch (rnd.nextInt(5)) {
                case 0 -> sb.insert(at, FRAGMENTS.get(rnd.nextInt(FRAGMENTS.size())));
                case 1 -> {
                    if (at < sb.length()) {
                        sb.delete(at, Math.min(sb.length(), at + 1 + rnd.nextInt(20)));
                    }
                }
                case 2 -> sb.insert(at, (char) rnd.nextInt(0x20, 0x7f));
                case 3 -> {
                    if (at < sb.length()) {
                        int len = Math.min(sb.length() - at, rnd.nextInt(40));
                        String chunk = sb.substring(at, at + len);
                        sb.insert(rnd.nextInt(sb.length() + 1), chunk);
                    }
                }
                default -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, FRAGMENTS.get(rnd.nextInt(FRAGMENTS.size())).charAt(0));
                    }
                }
            }
        }
        if (rnd.nextInt(10) == 0) {
            sb.setLength(rnd.nextInt(sb.length() + 1));
        }
        return sb.toString();
    }
}
