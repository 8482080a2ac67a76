package dev.corral.agent.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.node.Node;
import org.junit.jupiter.api.Test;

class ConstraintCheckerTest {
    private final Node node = TestNodes.linux();

    private boolean ok(String l, String op, String r) {
        return ConstraintChecker.satisfies(node, new Constraint(l, op, r));
    }

    @Test
    void equality_andTargets() {
        assertThat(ok("${attr.kernel.name}", "=", "linux")).isTrue();
        assertThat(ok("${attr.kernel.name}", "", "linux")).isTrue();
        assertThat(ok("${attr.kernel.name}", "==", "windows")).isFalse();
        assertThat(ok("${node.datacenter}", "=", "dc1")).isTrue();
        assertThat(ok("${node.unique.id}", "=", "node-id-1")).isTrue();
        assertThat(ok("${node.unique.name}", "is", "box")).isTrue();
        assertThat(ok("${node.class}", "=", "gpu")).isTrue();
        assertThat(ok("${meta.rack}", "=", "r1")).isTrue();
        // A missing attribute never equals, but always differs.
        assertThat(ok("${attr.nope}", "=", "")).isFalse();
        assertThat(ok("${attr.nope}", "!=", "x")).isTrue();
        assertThat(ok("${attr.kernel.name}", "not", "linux")).isFalse();
    }

    @Test
    void ordering_numericThenLexical() {
        assertThat(ok("${attr.cpu.numcores}", ">", "2")).isTrue();
        assertThat(ok("${attr.cpu.numcores}", ">=", "4")).isTrue();
        assertThat(ok("${attr.cpu.numcores}", "<", "10")).isTrue(); // numeric, not lexical ("4" > "10")
        assertThat(ok("${attr.os.version}", "<=", "12.4")).isTrue();
        assertThat(ok("${attr.os.version}", ">", "9.5")).isTrue();
        assertThat(ok("${attr.kernel.name}", "<", "mac")).isTrue(); // lexical
        assertThat(ok("${attr.nope}", "<", "1")).isFalse();
    }

    @Test
    void isSet_isNotSet() {
        assertThat(ok("${attr.kernel.name}", "is_set", "")).isTrue();
        assertThat(ok("${attr.nope}", "is_set", "")).isFalse();
        assertThat(ok("${attr.nope}", "is_not_set", "")).isTrue();
        assertThat(ok("${meta.rack}", "is_not_set", "")).isFalse();
    }

    @Test
    void regexp_isUnanchoredSearch() {
        assertThat(ok("${attr.kernel.version}", "regexp", "^6\\.")).isTrue();
        assertThat(ok("${attr.kernel.name}", "regexp", "inu")).isTrue();
        assertThat(ok("${attr.kernel.name}", "regexp", "^win")).isFalse();
        assertThat(ok("${attr.kernel.name}", "regexp", "(")).isFalse();
    }

    @Test
    void sets() {
        assertThat(ok("${meta.zones}", "set_contains", "a, c")).isTrue();
        assertThat(ok("${meta.zones}", "set_contains", "a,d")).isFalse();
        assertThat(ok("${meta.zones}", "set_contains_all", "b")).isTrue();
        assertThat(ok("${meta.zones}", "set_contains_any", "d,c")).isTrue();
        assertThat(ok("${meta.zones}", "set_contains_any", "d,e")).isFalse();
    }

    @Test
    void versions() {
        assertThat(ok("${attr.kernel.version}", "version", ">= 5.10, < 7")).isTrue();
        assertThat(ok("${attr.kernel.version}", "version", ">= 6.2")).isFalse();
        assertThat(ok("${attr.nomad.version}", "version", "~> 1.6")).isTrue();
        assertThat(ok("${attr.nomad.version}", "version", "~> 1.6.6")).isFalse();
        assertThat(ok("${attr.nomad.version}", "semver", ">= 1.2, < 2")).isTrue();
        assertThat(ok("${attr.nomad.version}", "semver", "> 1.6.5")).isFalse();
        assertThat(ok("${attr.nope}", "version", ">= 1")).isFalse();
    }

    @Test
    void distinctHostsIsNotANodeCheck_andUnknownOperatorNeverMatches() {
        assertThat(ok("", "distinct_hosts", "true")).isTrue();
        assertThat(ok("${attr.kernel.name}", "like", "linux")).isFalse();
    }

    @Test
    void validate_reportsBadRegexpAndVersionAndOperator() {
        assertThat(ConstraintChecker.validate(new Constraint("${attr.x}", "regexp", "(")))
                .get().asString().startsWith("Regular expression failed to compile");
        assertThat(ConstraintChecker.validate(new Constraint("${attr.x}", "version", ">= banana")))
                .get().asString().startsWith("Version constraint is invalid");
        assertThat(ConstraintChecker.validate(new Constraint("${attr.x}", "like", "y")))
                .get().isEqualTo("Unknown constraint type \"like\"");
        assertThat(ConstraintChecker.validate(new Constraint("${attr.x}", "=", "y"))).isEmpty();
    }
}
