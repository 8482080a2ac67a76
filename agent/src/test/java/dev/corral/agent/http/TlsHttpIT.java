package dev.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.tls.PemException;
import dev.corral.agent.tls.TestCerts;
import dev.corral.agent.tls.TestCerts.KeyForm;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HTTPS for the API with certificates made in the test: a CA, a server certificate, a client certificate. */
class TlsHttpIT {
    @TempDir
    Path dir;

    private HttpApi start(AgentConfig.Tls tls) throws Exception {
        return new HttpApi(new InMemoryBackend(dir.resolve("allocs")), new InetSocketAddress("127.0.0.1", 0),
                new PrometheusRegistry(), new HttpSecurity(null, tls)).start();
    }

    private static HttpResponse<String> get(SSLContext ctx, URI uri) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx).build()) {
            return c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void https_succeedsWithTheCa_failsWithoutTrustingIt(KeyForm form) throws Exception {
        var ca = TestCerts.ca(dir, "ca", form);
        var server = TestCerts.server(dir, ca, form);
        try (HttpApi api = start(new AgentConfig.Tls(true, server.certFile(), server.keyFile(), null, false, "tls12"))) {
            assertThat(api.address().getScheme()).isEqualTo("https");
            URI nodes = api.address().resolve("/v1/nodes");
            HttpResponse<String> ok = get(TestCerts.clientContext(ca, null), nodes);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"ID\"");
            // by host name too: the certificate names localhost
            URI byName = URI.create("https://localhost:" + api.port() + "/v1/agent/health");
            assertThat(get(TestCerts.clientContext(ca, null), byName).statusCode()).isEqualTo(200);
            // the JDK's default trust store does not know this CA
            assertThatThrownBy(() -> get(SSLContext.getDefault(), nodes)).isInstanceOf(SSLHandshakeException.class);
            // another CA is no better
            var other = TestCerts.ca(dir.resolve("other"), "other-ca", form);
            assertThatThrownBy(() -> get(TestCerts.clientContext(other, null), nodes))
                    .isInstanceOf(SSLHandshakeException.class);
            // and plain HTTP on the TLS port gets no API answer
            try (HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                HttpResponse<String> r;
                try {
                    r = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/nodes"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isNotEqualTo(200);
                } catch (IOException refused) {
                    assertThat(refused).isNotNull();
                }
            }
        }
    }

    @Test
    void verifyHttpsClient_refusesWithoutClientCertificate_acceptsOneSignedByTheCa() throws Exception {
        var ca = TestCerts.ca(dir, "ca", KeyForm.EC_SEC1);
        var server = TestCerts.server(dir, ca, KeyForm.EC_SEC1);
        var client = TestCerts.client(dir, "cli", ca, KeyForm.EC_SEC1);
        var rogueCa = TestCerts.ca(dir.resolve("rogue"), "rogue-ca", KeyForm.EC_SEC1);
        var rogue = TestCerts.client(dir.resolve("rogue"), "rogue-cli", rogueCa, KeyForm.EC_SEC1);
        try (HttpApi api = start(new AgentConfig.Tls(true, server.certFile(), server.keyFile(), ca.certFile(), true,
                "tls12"))) {
            URI jobs = api.address().resolve("/v1/jobs");
            assertThatThrownBy(() -> get(TestCerts.clientContext(ca, null), jobs)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> get(TestCerts.clientContext(ca, rogue), jobs)).isInstanceOf(IOException.class);
            HttpResponse<String> ok = get(TestCerts.clientContext(ca, client), jobs);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("[]");
        }
    }

    @Test
    void tls13Minimum_refusesATls12Client() throws Exception {
        var ca = TestCerts.ca(dir, "ca", KeyForm.RSA_PKCS8);
        var server = TestCerts.server(dir, ca, KeyForm.RSA_PKCS8);
        try (HttpApi api = start(new AgentConfig.Tls(true, server.certFile(), server.keyFile(), null, false, "tls13"))) {
            URI health = api.address().resolve("/v1/agent/health");
            assertThat(get(TestCerts.clientContext(ca, null), health).statusCode()).isEqualTo(200);
            SSLContext tls12 = SSLContext.getInstance("TLSv1.2");
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(dev.corral.agent.tls.Pem.trustStore(ca.certFile()));
            tls12.init(null, tmf.getTrustManagers(), null);
            try (HttpClient c = HttpClient.newBuilder().sslContext(tls12).sslParameters(
                    new javax.net.ssl.SSLParameters(null, new String[] {"TLSv1.2"})).build()) {
                assertThatThrownBy(() -> c.send(HttpRequest.newBuilder(health).build(),
                        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void mismatchedKey_failsAtStartNamingTheFiles() throws Exception {
        var ca = TestCerts.ca(dir, "ca", KeyForm.EC_PKCS8);
        var server = TestCerts.server(dir, ca, KeyForm.EC_PKCS8);
        assertThatThrownBy(() -> start(new AgentConfig.Tls(true, server.certFile(), ca.keyFile(), null, false, "tls12")))
                .isInstanceOf(PemException.class).hasMessageContaining(ca.keyFile().toString());
    }
}
