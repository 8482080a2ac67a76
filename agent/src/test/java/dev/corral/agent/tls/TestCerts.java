package dev.corral.agent.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real certificates made in the test, with BouncyCastle (an implementation independent of the
 * code under test): a CA, a server certificate for {@code localhost} and {@code 127.0.0.1}
 * (as {@code nomad tls cert create -server} makes), and a client certificate; written as PEM
 * the way Nomad and openssl write them.
 */
public final class TestCerts {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Key algorithm and the PEM form its private key is written in. */
    public enum KeyForm {
        /** EC P-256 in SEC1 {@code EC PRIVATE KEY}: what {@code nomad tls cert create} writes. */
        EC_SEC1,
        /** EC P-256 in PKCS#8 {@code PRIVATE KEY}. */
        EC_PKCS8,
        /** RSA 2048 in PKCS#1 {@code RSA PRIVATE KEY}: {@code openssl genrsa -traditional}. */
        RSA_PKCS1,
        /** RSA 2048 in PKCS#8 {@code PRIVATE KEY}: what openssl 3 writes by default. */
        RSA_PKCS8
    }

    /** A certificate and its key, as objects and as PEM files. */
    public record Issued(X509Certificate cert, KeyPair keys, Path certFile, Path keyFile) {}

    private TestCerts() {}

    public static KeyPair keys(KeyForm form) throws Exception {
        if (form == KeyForm.RSA_PKCS1 || form == KeyForm.RSA_PKCS8) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    /** A self-signed CA. */
    public static Issued ca(Path dir, String name, KeyForm form) throws Exception {
        KeyPair kp = keys(form);
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, kp);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = sign(b, kp.getPrivate());
        return write(dir, name, cert, kp, form);
    }

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}, signed by {@code ca}. */
    public static Issued server(Path dir, Issued ca, KeyForm form) throws Exception {
        return leaf(dir, "server", ca, form, KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "server.global.nomad"),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())}));
    }

    /** A client certificate signed by {@code ca}. */
    public static Issued client(Path dir, String name, Issued ca, KeyForm form) throws Exception {
        return leaf(dir, name, ca, form, KeyPurposeId.id_kp_clientAuth, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "cli.global.nomad")}));
    }

    /** A client certificate signed by {@code ca}, valid only from {@code notBefore} to {@code notAfter}. */
    public static Issued client(Path dir, String name, Issued ca, KeyForm form, Instant notBefore, Instant notAfter)
            throws Exception {
        return leaf(dir, name, ca, form, KeyPurposeId.id_kp_clientAuth, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "cli.global.nomad")}), notBefore, notAfter);
    }

    /** A certificate signed by {@code ca} for server use only (extended key usage serverAuth). */
    public static Issued serverOnly(Path dir, String name, Issued ca, KeyForm form) throws Exception {
        return leaf(dir, name, ca, form, KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "cli.global.nomad")}));
    }

    private static Issued leaf(Path dir, String name, Issued ca, KeyForm form, KeyPurposeId purpose,
                               GeneralNames sans) throws Exception {
        Instant now = Instant.now();
        return leaf(dir, name, ca, form, purpose, sans, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(1)));
    }

    private static Issued leaf(Path dir, String name, Issued ca, KeyForm form, KeyPurposeId purpose,
                               GeneralNames sans, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair kp = keys(form);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name(ca.cert().getSubjectX500Principal().getName()),
                new BigInteger(64, RANDOM).abs().add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
                new X500Name("CN=" + name), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        b.addExtension(Extension.subjectAlternativeName, false, sans);
        b.addExtension(Extension.authorityKeyIdentifier, false,
                new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.cert()));
        X509Certificate cert = sign(b, ca.keys().getPrivate());
        return write(dir, name, cert, kp, form);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair kp) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                kp.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws Exception {
        String alg = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        ContentSigner cs = new JcaContentSignerBuilder(alg).build(signer);
        return new JcaX509CertificateConverter().getCertificate(b.build(cs));
    }

    private static Issued write(Path dir, String name, X509Certificate cert, KeyPair kp, KeyForm form)
            throws IOException {
        Files.createDirectories(dir);
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + "-key.pem");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, keyPem(kp, form));
        return new Issued(cert, kp, certFile, keyFile);
    }

    public static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    /** The private key in the PEM form {@code form} names (BouncyCastle writes a KeyPair as PKCS#1 / SEC1). */
    public static String keyPem(KeyPair kp, KeyForm form) throws IOException {
        return switch (form) {
            case RSA_PKCS1 -> pem(kp);
            case EC_SEC1 -> sec1(kp);
            case EC_PKCS8, RSA_PKCS8 -> pem(new JcaPKCS8Generator(kp.getPrivate(), null));
        };
    }

    /**
     * SEC1 {@code EC PRIVATE KEY} with the named curve in its {@code [0]} parameters and the public
     * key in {@code [1]}, as Go's {@code x509.MarshalECPrivateKey} (so Nomad) and openssl write it.
     */
    private static String sec1(KeyPair kp) throws IOException {
        var pub = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
        var key = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                ((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS(), pub.getPublicKeyData(),
                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.prime256v1);
        return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", key.getEncoded()));
    }

    /** A client context that trusts {@code ca} and, if given, presents {@code clientCert}. */
    public static SSLContext clientContext(Issued ca, Issued clientCert) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(Pem.trustStore(ca.certFile()));
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(Pem.keyStore(clientCert.certFile(), clientCert.keyFile()), Pem.password());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
