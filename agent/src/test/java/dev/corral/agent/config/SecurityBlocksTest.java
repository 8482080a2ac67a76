package dev.corral.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityBlocksTest {
    @TempDir
    Path dir;

    @Test
    void aclAndTls_parseNomadsKeys() throws Exception {
        Path cert = Files.writeString(dir.resolve("server.pem"), "x");
        Path key = Files.writeString(dir.resolve("server-key.pem"), "x");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        AgentConfig c = AgentConfigParser.parse("a.hcl", """
                acl {
                  enabled   = true
                  token_ttl = "30s"
                }
                tls {
                  http                = true
                  rpc                 = true
                  cert_file           = "%s"
                  key_file            = "%s"
                  ca_file             = "%s"
                  verify_https_client = true
                  tls_min_version     = "tls13"
                }
                """.formatted(cert, key, ca), false);
        assertThat(c.acl().enabled()).isTrue();
        assertThat(c.tls()).isEqualTo(new AgentConfig.Tls(true, cert, key, ca, true, "tls13"));
        assertThat(c.tls().protocols()).containsExactly("TLSv1.3");
    }

    @Test
    void absentBlocks_meanNoAclAndPlainHttp() {
        AgentConfig c = AgentConfigParser.parse("a.hcl", "", true);
        assertThat(c.acl().enabled()).isFalse();
        assertThat(c.tls().http()).isFalse();
        assertThat(c.tls().protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    }

    @Test
    void errors_nameFileLineAndField() {
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "acl {\n  enabled = \"yes\"\n}\n", false))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("a.hcl:2:3: acl.enabled: must be a bool");
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "acl {\n  enable = true\n}\n", false))
                .hasMessageContaining("a.hcl:2:3: acl.enable: unknown key");
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "\ntls {\n  http = true\n}\n", false))
                .hasMessageContaining("a.hcl:2:1: tls.cert_file: is required when http = true")
                .hasMessageContaining("a.hcl:2:1: tls.key_file: is required when http = true");
        String missing = dir.resolve("nope.pem").toString();
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "tls {\n  http = true\n  cert_file = \"" + missing
                + "\"\n  key_file = \"" + missing + "\"\n}\n", false))
                .hasMessageContaining("a.hcl:3:3: tls.cert_file: cannot read " + missing + ": no such file")
                .hasMessageContaining("a.hcl:4:3: tls.key_file: cannot read");
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "tls {\n  verify_https_client = true\n"
                + "  http = true\n  cert_file = \"" + missing + "\"\n  key_file = \"" + missing + "\"\n}\n", false))
                .hasMessageContaining("a.hcl:2:3: tls.ca_file: is required by verify_https_client = true");
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", "tls {\n  tls_min_version = \"tls10\"\n}\n", false))
                .hasMessageContaining("a.hcl:2:3: tls.tls_min_version: must be tls12 or tls13");
    }
}
