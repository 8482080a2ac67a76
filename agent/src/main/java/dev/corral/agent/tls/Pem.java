package dev.corral.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files as Nomad, {@code openssl} and {@code nomad tls cert create} write them: certificates,
 * and unencrypted private keys in PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY})
 * or SEC1 ({@code EC PRIVATE KEY}) form, turned into JDK key stores. Plain JDK: the two legacy key
 * forms are wrapped into PKCS#8 (a few bytes of DER) rather than parsed with a library.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s:,\\-]*?)-----END \\1-----");
    /** The in-memory key store password; the stores never leave the process. */
    static final char[] PASSWORD = "corral".toCharArray();
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {}

    /** One {@code -----BEGIN type-----} block, decoded. */
    record Block(String type, byte[] der) {}

    static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PemException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            if (body.contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED): an encrypted legacy key
                out.add(new Block("ENCRYPTED " + m.group(1), new byte[0]));
                continue;
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new PemException(file + ": the " + m.group(1) + " block is not valid base64", e);
            }
        }
        if (out.isEmpty()) {
            throw new PemException(file + " holds no PEM block (-----BEGIN ...-----); expected a PEM file");
        }
        return out;
    }

    /** Every certificate in the file, in file order (leaf first for a chain). */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new PemException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new PemException(file + " holds no CERTIFICATE block");
        }
        return out;
    }

    /** The first private key in the file (PKCS#8, PKCS#1 RSA or SEC1 EC; unencrypted). */
    public static PrivateKey privateKey(Path file) {
        for (Block b : blocks(file)) {
            byte[] pkcs8 = switch (b.type()) {
                case "PRIVATE KEY" -> b.der();
                case "RSA PRIVATE KEY" -> wrapPkcs1(b.der());
                case "EC PRIVATE KEY" -> wrapSec1(file, b.der());
                case "ENCRYPTED PRIVATE KEY", "ENCRYPTED RSA PRIVATE KEY", "ENCRYPTED EC PRIVATE KEY" ->
                        throw new PemException(file + " holds an encrypted private key; decrypt it first"
                                + " (openssl pkey -in KEY -out KEY.plain)");
                default -> null;
            };
            if (pkcs8 != null) {
                return decode(file, pkcs8);
            }
        }
        throw new PemException(file + " holds no private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)");
    }

    private static PrivateKey decode(Path file, byte[] pkcs8) {
        List<String> tried = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");
        for (String alg : tried) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this algorithm: try the next
            }
        }
        throw new PemException(file + ": the private key is none of " + String.join(", ", tried)
                + " or is malformed");
    }

    /** PKCS#1 RSAPrivateKey to PKCS#8: SEQUENCE { 0, { rsaEncryption, NULL }, OCTET STRING key }. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algId = der(0x30, concat(RSA_OID, new byte[] {0x05, 0x00}));
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algId, der(0x04, pkcs1)));
    }

    /**
     * SEC1 ECPrivateKey to PKCS#8: the curve comes from the key's {@code [0]} parameters, which
     * openssl and Go always write.
     */
    static byte[] wrapSec1(Path file, byte[] sec1) {
        byte[] curve = sec1Curve(sec1);
        if (curve == null) {
            throw new PemException(file + ": the EC PRIVATE KEY names no curve (no [0] parameters);"
                    + " convert it with openssl pkey -in KEY -out KEY.pkcs8");
        }
        byte[] algId = der(0x30, concat(EC_OID, curve));
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algId, der(0x04, sec1)));
    }

    /** The full DER of the curve OID inside SEC1's {@code [0]} element, or null. */
    private static byte[] sec1Curve(byte[] sec1) {
        int[] outer = header(sec1, 0);
        if (outer == null || sec1[0] != 0x30) {
            return null;
        }
        int at = outer[0];
        int end = Math.min(sec1.length, outer[0] + outer[1]);
        while (at < end) {
            int[] h = header(sec1, at);
            if (h == null) {
                return null;
            }
            if ((sec1[at] & 0xff) == 0xa0) {
                int[] inner = header(sec1, h[0]);
                if (inner == null || sec1[h[0]] != 0x06) {
                    return null;
                }
                return Arrays.copyOfRange(sec1, h[0], inner[0] + inner[1]);
            }
            at = h[0] + h[1];
        }
        return null;
    }

    /** For the DER element at {@code at}: {contents offset, contents length}, or null when malformed. */
    private static int[] header(byte[] b, int at) {
        if (at + 2 > b.length) {
            return null;
        }
        int len = b[at + 1] & 0xff;
        int off = at + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 3 || off + n > b.length) {
                return null;
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[off + i] & 0xff);
            }
            off += n;
        }
        return off + len > b.length ? null : new int[] {off, len};
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A key store holding the key with its certificate chain (for the server, or a client certificate). */
    public static KeyStore keyStore(Path certFile, Path keyFile) {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        if (!matches(key, chain.getFirst())) {
            throw new PemException("the key in " + keyFile + " does not belong to the first certificate in " + certFile);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", key, PASSWORD, chain.toArray(new Certificate[0]));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new PemException("the key in " + keyFile + " does not fit the certificate in " + certFile + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether {@code key} is the private half of the certificate's public key: sign, then verify. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> null;
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        if (alg == null) {
            return true; // PSS needs parameters to sign with; the TLS handshake will tell
        }
        try {
            byte[] probe = "corral key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            java.security.Signature v = java.security.Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A trust store holding every certificate of {@code caFile}. */
    public static KeyStore trustStore(Path caFile) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : certificates(caFile)) {
                ts.setCertificateEntry("ca-" + i++, c);
            }
            return ts;
        } catch (GeneralSecurityException | IOException e) {
            throw new PemException("cannot build a trust store from " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** The in-memory key store password for {@link #keyStore}. */
    public static char[] password() {
        return PASSWORD.clone();
    }
}
