package dev.corral.agent.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AclPolicyParserTest {

    @Test
    void hcl_namespacePolicyExpandsToNomadsCapabilities_plusExtraCapabilities() {
        AclPolicy p = AclPolicyParser.parse("""
                namespace "default" {
                  policy       = "read"
                  capabilities = ["alloc-exec"]
                }
                namespace "prod-*" { policy = "write" }
                node     { policy = "read" }
                agent    { policy = "write" }
                operator { policy = "deny" }
                """);
        assertThat(p.namespaces().get("default")).contains("list-jobs", "read-job", "parse-job", "alloc-exec")
                .doesNotContain("submit-job", "read-logs");
        assertThat(p.namespaces().get("prod-*")).contains("submit-job", "read-logs", "read-fs", "alloc-exec",
                "alloc-lifecycle", "dispatch-job").doesNotContain("alloc-node-exec");
        assertThat(p.node()).isEqualTo(Level.READ);
        assertThat(p.agent()).isEqualTo(Level.WRITE);
        assertThat(p.operator()).isEqualTo(Level.DENY);
    }

    @Test
    void json_sameRulesAsHcl() {
        AclPolicy p = AclPolicyParser.parse("""
                {"namespace": {"default": {"policy": "write"}}, "node": {"policy": "read"},
                 "agent": [{"policy": "read"}]}
                """);
        assertThat(p.namespaces().get("default")).isEqualTo(AclPolicy.WRITE);
        assertThat(p.node()).isEqualTo(Level.READ);
        assertThat(p.agent()).isEqualTo(Level.READ);
        assertThat(p.operator()).isNull();
    }

    @Test
    void nomadBlocksWithoutMeaningHere_areAccepted() {
        AclPolicy p = AclPolicyParser.parse("""
                namespace "default" {
                  policy = "read"
                  variables {
                    path "*" {
                      capabilities = ["read"]
                    }
                  }
                }
                host_volume "data" { policy = "write" }
                plugin { policy = "read" }
                """);
        assertThat(p.namespaces()).containsOnlyKeys("default");
    }

    @Test
    void errors_nameLineColumnAndField() {
        assertThatThrownBy(() -> AclPolicyParser.parse("namespace \"default\" {\n  policy = \"admin\"\n}\n"))
                .isInstanceOf(AclException.class)
                .hasMessageContaining("rules:2:3").hasMessageContaining("policy")
                .hasMessageContaining("\"admin\"").hasMessageContaining("deny, read, write");
        assertThatThrownBy(() -> AclPolicyParser.parse("namespace \"default\" {\n  capabilities = [\"fly\"]\n}"))
                .hasMessageContaining("rules:2:3").hasMessageContaining("capability \"fly\"");
        assertThatThrownBy(() -> AclPolicyParser.parse("node {\n  policy = \"read\"\n  color = \"blue\"\n}"))
                .hasMessageContaining("rules:3:3").hasMessageContaining("node.color").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> AclPolicyParser.parse("nodes { policy = \"read\" }"))
                .hasMessageContaining("rules:1:1").hasMessageContaining("unknown block");
        assertThatThrownBy(() -> AclPolicyParser.parse("namespace \"a b\" { policy = \"read\" }"))
                .hasMessageContaining("invalid namespace name");
        assertThatThrownBy(() -> AclPolicyParser.parse("namespace \"x\" {\n policy = \n}"))
                .hasMessageContaining("rules:");
        assertThatThrownBy(() -> AclPolicyParser.parse("{\"node\": {\"policy\": 1}}"))
                .hasMessageContaining("node.policy").hasMessageContaining("must be a string");
        assertThatThrownBy(() -> AclPolicyParser.parse("{\"node\": ")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> AclPolicyParser.parse("  ")).hasMessageContaining("empty");
        assertThat(assertStatus(() -> AclPolicyParser.parse("nodes {}"))).isEqualTo(400);
    }

    private static int assertStatus(Runnable r) {
        try {
            r.run();
        } catch (AclException e) {
            return e.status();
        }
        throw new AssertionError("expected an AclException");
    }
}
