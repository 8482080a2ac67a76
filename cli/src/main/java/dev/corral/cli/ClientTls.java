package dev.corral.cli;

import dev.corral.agent.tls.Pem;
import dev.corral.agent.tls.PemException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The CLI's TLS client context from Nomad's flags: a CA to trust, a client certificate, or no verification. */
final class ClientTls {
    private ClientTls() {}

    static SSLContext context(Path caCert, Path clientCert, Path clientKey, boolean skipVerify) {
        if ((clientCert == null) != (clientKey == null)) {
            throw new ApiClient.UsageError("-client-cert and -client-key go together (or NOMAD_CLIENT_CERT and"
                    + " NOMAD_CLIENT_KEY)");
        }
        try {
            KeyManager[] keys = null;
            if (clientCert != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(Pem.keyStore(clientCert, clientKey), Pem.password());
                keys = kmf.getKeyManagers();
            }
            TrustManager[] trust = null;
            if (skipVerify) {
                trust = new TrustManager[] {new TrustAll()};
            } else if (caCert != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(Pem.trustStore(caCert));
                trust = tmf.getTrustManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (PemException e) {
            throw new ApiClient.UsageError("Error loading TLS files: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ApiClient.UsageError("Error setting up TLS: " + e.getMessage());
        }
    }

    /**
     * {@code -tls-skip-verify}: accepts any server certificate and, being an extended trust manager,
     * also skips the host name check the JDK otherwise performs in the trust manager.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
