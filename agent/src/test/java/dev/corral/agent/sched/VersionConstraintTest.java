package dev.corral.agent.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.agent.sched.VersionConstraint.Flavor;
import org.junit.jupiter.api.Test;

class VersionConstraintTest {
    private static boolean v(String constraint, String version) {
        return VersionConstraint.parse(constraint, Flavor.VERSION).matches(version);
    }

    private static boolean s(String constraint, String version) {
        return VersionConstraint.parse(constraint, Flavor.SEMVER).matches(version);
    }

    @Test
    void ranges_andPadding() {
        assertThat(v(">= 1.2, < 2", "1.2")).isTrue();
        assertThat(v(">= 1.2, < 2", "1.9.9")).isTrue();
        assertThat(v(">= 1.2, < 2", "2.0.0")).isFalse();
        assertThat(v("= 1.2", "1.2.0")).isTrue();
        assertThat(v("1.2.0", "v1.2")).isTrue();
        assertThat(v("!= 1.2", "1.3")).isTrue();
        assertThat(v("> 1.10", "1.9")).isFalse(); // numeric segments, not text
    }

    @Test
    void pessimisticOperator() {
        assertThat(v("~> 1.2", "1.9")).isTrue();
        assertThat(v("~> 1.2", "2.0")).isFalse();
        assertThat(v("~> 1.2.3", "1.2.9")).isTrue();
        assertThat(v("~> 1.2.3", "1.3.0")).isFalse();
        assertThat(v("~> 1.2.3", "1.2.2")).isFalse();
    }

    @Test
    void prerelease_goVersionRules_versusSemver() {
        // go-version: a pre-release only matches constraints naming a pre-release of the same base.
        assertThat(v(">= 1.0", "1.5.0-beta1")).isFalse();
        assertThat(v(">= 1.5.0-alpha", "1.5.0-beta1")).isTrue();
        assertThat(v(">= 1.4.0-alpha", "1.5.0-beta1")).isFalse();
        // semver: plain ordering, pre-release below its release.
        assertThat(s(">= 1.0", "1.5.0-beta1")).isTrue();
        assertThat(s("< 1.5.0", "1.5.0-beta1")).isTrue();
        assertThat(s("> 1.5.0-beta.2", "1.5.0-beta.11")).isTrue();
        assertThat(s("> 1.5.0-beta", "1.5.0-1")).isFalse(); // numeric identifiers sort first
    }

    @Test
    void malformed_isRejectedWithThePart() {
        assertThatThrownBy(() -> VersionConstraint.parse(">= 1.x", Flavor.VERSION))
                .hasMessage("Malformed constraint: >= 1.x");
        assertThatThrownBy(() -> VersionConstraint.parse("~> 1.2", Flavor.SEMVER))
                .hasMessageContaining("does not support ~>");
        assertThat(VersionConstraint.parse(">= 1", Flavor.VERSION).matches("banana")).isFalse();
    }
}
