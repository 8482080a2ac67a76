package dev.corral.agent.acl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AclTest {
    private static Acl acl(String... rules) {
        return Acl.of(List.of(rules).stream().map(AclPolicyParser::parse).toList());
    }

    @Test
    void readPolicy_readsButCannotWriteOrExec() {
        Acl a = acl("namespace \"default\" { policy = \"read\" }");
        assertThat(a.allowNamespace("default", "read-job")).isTrue();
        assertThat(a.allowNamespace("default", "list-jobs")).isTrue();
        assertThat(a.allowNamespace("default", "submit-job")).isFalse();
        assertThat(a.allowNamespace("default", "alloc-exec")).isFalse();
        assertThat(a.allowNamespace("other", "read-job")).isFalse();
        assertThat(a.allowNode(Level.READ)).isFalse();
        assertThat(a.isManagement()).isFalse();
    }

    @Test
    void merge_unionOfCapabilities_denyWins_highestCoarseLevel() {
        Acl a = acl("namespace \"default\" { policy = \"read\" }\nnode { policy = \"read\" }",
                "namespace \"default\" { capabilities = [\"submit-job\"] }\nnode { policy = \"write\" }");
        assertThat(a.allowNamespace("default", "submit-job")).isTrue();
        assertThat(a.allowNamespace("default", "read-job")).isTrue();
        assertThat(a.allowNode(Level.WRITE)).isTrue();
        Acl denied = acl("namespace \"default\" { policy = \"write\" }\nagent { policy = \"write\" }",
                "namespace \"default\" { policy = \"deny\" }\nagent { policy = \"deny\" }");
        assertThat(denied.allowNamespace("default", "read-job")).isFalse();
        assertThat(denied.allowAgent(Level.READ)).isFalse();
    }

    @Test
    void globs_exactNameWins_elseClosestGlob() {
        Acl a = acl("""
                namespace "*" { policy = "read" }
                namespace "prod-*" { policy = "deny" }
                namespace "prod-api" { policy = "write" }
                """);
        assertThat(a.allowNamespace("dev", "read-job")).isTrue();
        assertThat(a.allowNamespace("prod-web", "read-job")).isFalse();
        assertThat(a.allowNamespace("prod-api", "submit-job")).isTrue();
        assertThat(Acl.glob("a*c", "abbc")).isTrue();
        assertThat(Acl.glob("a*c", "abbd")).isFalse();
        assertThat(Acl.glob("ab*b", "ab")).isFalse();
        assertThat(Acl.glob("abc", "abc")).isTrue();
    }

    @Test
    void managementAllowsEverything_denyAllNothing() {
        assertThat(Acl.MANAGEMENT.allows(Permission.MANAGEMENT, "default")).isTrue();
        assertThat(Acl.MANAGEMENT.allows(new Permission.Namespace("alloc-exec"), "any")).isTrue();
        assertThat(Acl.DENY_ALL.allows(new Permission.Namespace("read-job"), "default")).isFalse();
        assertThat(Acl.DENY_ALL.allows(new Permission.Node(Level.READ), "default")).isFalse();
        assertThat(Acl.DENY_ALL.allows(Permission.PUBLIC, "default")).isTrue();
        Acl a = acl("namespace \"default\" { policy = \"read\" }");
        assertThat(a.allows(new Permission.All(List.of(new Permission.Namespace("read-job"),
                new Permission.Node(Level.READ))), "default")).isFalse();
    }
}
