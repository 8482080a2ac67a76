package dev.corral.agent.acl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretsTest {
    @Test
    void sha256_isTheStandardDigestInLowerCaseHex() {
        // FIPS 180-2 test vector for "abc"
        assertThat(Secrets.sha256("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void sameDigest_comparesWholeValues() {
        String a = Secrets.sha256("one");
        assertThat(Secrets.sameDigest(a, Secrets.sha256("one"))).isTrue();
        assertThat(Secrets.sameDigest(a, Secrets.sha256("two"))).isFalse();
        assertThat(Secrets.sameDigest(a, a.substring(1))).isFalse();
    }

    @Test
    void newUuid_isAVersion4UuidAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String u = Secrets.newUuid();
            assertThat(u).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(seen.add(u)).isTrue();
        }
    }
}
