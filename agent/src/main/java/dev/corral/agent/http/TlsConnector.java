package dev.corral.agent.http;

import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.tls.Pem;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTPS connector for {@code tls { http = true }}: Nomad's PEM files loaded into in-memory
 * key stores; with {@code verify_https_client} a client must present a certificate signed by
 * {@code ca_file}.
 */
final class TlsConnector {
    private TlsConnector() {}

    static ServerConnector create(Server server, AgentConfig.Tls tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(Pem.keyStore(tls.certFile(), tls.keyFile()));
        ssl.setKeyStorePassword(new String(Pem.password()));
        if (tls.caFile() != null) {
            ssl.setTrustStore(Pem.trustStore(tls.caFile()));
        }
        ssl.setNeedClientAuth(tls.verifyHttpsClient());
        // Server side: no hostname check of client certificates (Go's tls does none either).
        ssl.setEndpointIdentificationAlgorithm(null);
        ssl.setIncludeProtocols(tls.protocols().toArray(new String[0]));
        HttpConfiguration http = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Nomad's certificates name server.<region>.nomad, localhost and IPs; clients reach the agent by any
        // of them, and Go checks no SNI-to-certificate match on the server: neither does this.
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        return new ServerConnector(server, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()),
                new HttpConnectionFactory(http));
    }
}
