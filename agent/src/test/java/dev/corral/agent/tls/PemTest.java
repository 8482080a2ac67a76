package dev.corral.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.agent.tls.TestCerts.KeyForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void privateKey_readsEveryFormOpensslAndNomadWrite(KeyForm form) throws Exception {
        var ca = TestCerts.ca(dir, "ca", form);
        String header = Files.readString(ca.keyFile()).lines().findFirst().orElseThrow();
        assertThat(header).isEqualTo(switch (form) {
            case EC_SEC1 -> "-----BEGIN EC PRIVATE KEY-----";
            case RSA_PKCS1 -> "-----BEGIN RSA PRIVATE KEY-----";
            case EC_PKCS8, RSA_PKCS8 -> "-----BEGIN PRIVATE KEY-----";
        });
        PrivateKey k = Pem.privateKey(ca.keyFile());
        assertThat(k.getAlgorithm()).isEqualTo(ca.keys().getPrivate().getAlgorithm());
        assertThat(Pem.matches(k, ca.cert())).as("the key read signs what the certificate verifies").isTrue();
        KeyStore ks = Pem.keyStore(ca.certFile(), ca.keyFile());
        assertThat(ks.getCertificate("key")).isEqualTo(ca.cert());
    }

    @Test
    void keyStore_keepsTheWholeChain_leafFirst() throws Exception {
        var ca = TestCerts.ca(dir, "ca", KeyForm.EC_SEC1);
        var server = TestCerts.server(dir, ca, KeyForm.EC_SEC1);
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, Files.readString(server.certFile()) + Files.readString(ca.certFile()));
        KeyStore ks = Pem.keyStore(chain, server.keyFile());
        assertThat(ks.getCertificateChain("key")).containsExactly(server.cert(), ca.cert());
    }

    @Test
    void keyStore_keyOfAnotherCertificate_isRefusedNamingBothFiles() throws Exception {
        var ca = TestCerts.ca(dir, "ca", KeyForm.EC_SEC1);
        var server = TestCerts.server(dir, ca, KeyForm.EC_SEC1);
        assertThatThrownBy(() -> Pem.keyStore(server.certFile(), ca.keyFile()))
                .isInstanceOf(PemException.class)
                .hasMessageContaining(ca.keyFile().toString()).hasMessageContaining(server.certFile().toString());
    }

    @Test
    void badFiles_giveMessagesNamingTheFile() throws Exception {
        Path notPem = dir.resolve("cert.txt");
        Files.writeString(notPem, "hello");
        assertThatThrownBy(() -> Pem.certificates(notPem)).isInstanceOf(PemException.class)
                .hasMessageContaining(notPem.toString()).hasMessageContaining("no PEM block");
        Path encrypted = dir.resolve("enc.pem");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Pem.privateKey(encrypted)).hasMessageContaining("encrypted private key");
        var ca = TestCerts.ca(dir, "ca", KeyForm.RSA_PKCS8);
        assertThatThrownBy(() -> Pem.privateKey(ca.certFile())).hasMessageContaining("holds no private key");
        assertThatThrownBy(() -> Pem.certificates(dir.resolve("missing.pem"))).hasMessageContaining("cannot read");
    }
}
