package dev.corral.agent.config;

import dev.corral.jobspec.SourcePos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** The {@code acl { }} and {@code tls { }} blocks of the agent configuration (Nomad's keys). */
final class SecurityBlocks {
    private static final Set<String> TLS_VERSIONS = Set.of("tls12", "tls13");

    private SecurityBlocks() {}

    static AgentConfig.Acl acl(BlockReader a) {
        boolean enabled = a.bool("enabled").orElse(false);
        // Nomad's cache lifetimes: Corral resolves tokens against its store on every request, so they change nothing.
        a.duration("token_ttl");
        a.duration("policy_ttl");
        a.duration("role_ttl");
        a.finish();
        return new AgentConfig.Acl(enabled);
    }

    static AgentConfig.Tls tls(BlockReader t, SourcePos blockPos) {
        boolean http = t.bool("http").orElse(false);
        t.bool("rpc"); // Corral has no RPC listener; accepted so Nomad configs load unchanged
        t.bool("verify_server_hostname");
        Path cert = file(t, "cert_file");
        Path key = file(t, "key_file");
        Path ca = file(t, "ca_file");
        boolean verifyClient = t.bool("verify_https_client").orElse(false);
        String min = t.string("tls_min_version").orElse("tls12");
        t.attr("tls_min_version").ifPresent(a -> {
            if (!TLS_VERSIONS.contains(min)) {
                t.error(a.pos(), "tls_min_version", "must be tls12 or tls13, got \"" + min + "\"");
            }
        });
        if (http) {
            if (cert == null && t.attr("cert_file").isEmpty()) {
                t.error(blockPos, "cert_file", "is required when http = true (the server certificate, PEM)");
            }
            if (key == null && t.attr("key_file").isEmpty()) {
                t.error(blockPos, "key_file", "is required when http = true (the server's private key, PEM)");
            }
            if (verifyClient && ca == null && t.attr("ca_file").isEmpty()) {
                t.error(t.attr("verify_https_client").orElseThrow().pos(), "ca_file",
                        "is required by verify_https_client = true (the CA that signs client certificates, PEM)");
            }
        }
        t.finish();
        return new AgentConfig.Tls(http, cert, key, ca, verifyClient, min);
    }

    /** A PEM file key: it must name a readable file. */
    private static Path file(BlockReader t, String name) {
        Optional<String> v = t.string(name);
        if (v.isEmpty() || v.get().isEmpty()) {
            return null;
        }
        Path p = Path.of(v.get());
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            t.error(t.attr(name).orElseThrow().pos(), name, "cannot read " + p
                    + (Files.exists(p) ? "" : ": no such file"));
            return null;
        }
        return p;
    }
}
