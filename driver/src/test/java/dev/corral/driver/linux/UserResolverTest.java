package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException.UserException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UserResolverTest {
    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/bash
            # a comment
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            app:x:1000:1000:App:/home/app:/bin/sh
            broken line
            web:x:1001:1001::/srv/web:/bin/sh
            """;
    private static final String GROUP = """
            root:x:0:
            docker:x:999:app,web
            users:x:100:app
            app:x:1000:app
            web:x:1001:
            nogroup:x:65534:
            """;
    private final UserResolver users = new UserResolver(PASSWD, GROUP);
    private final Set<String> deny = Set.of("root");

    @Test
    void resolve_empty_isNobody() {
        var u = users.resolve("", deny);
        assertThat(u).isEqualTo(new UserResolver.ResolvedUser("nobody", 65534, 65534, java.util.List.of(), "/nonexistent"));
    }

    @Test
    void resolve_name_givesSupplementaryGroupsWithoutPrimary() {
        var u = users.resolve("app", deny);
        assertThat(u.uid()).isEqualTo(1000);
        assertThat(u.gid()).isEqualTo(1000);
        assertThat(u.groups()).containsExactly(999L, 100L);
        assertThat(u.home()).isEqualTo("/home/app");
    }

    @Test
    void resolve_nameColonGroup_overridesPrimary() {
        var u = users.resolve("app:docker", deny);
        assertThat(u.gid()).isEqualTo(999);
        assertThat(u.groups()).containsExactly(100L, 1000L);
    }

    @Test
    void resolve_uidWithEntry_usesIt_andUidGidNumbersNeedNoEntries() {
        assertThat(users.resolve("1001", deny).name()).isEqualTo("web");
        var u = users.resolve("4242:4343", deny);
        assertThat(u).isEqualTo(new UserResolver.ResolvedUser("4242", 4242, 4343, java.util.List.of(), "/"));
        assertThat(users.resolve("5000", deny).gid()).isEqualTo(5000);
    }

    @Test
    void resolve_unknownName_saysWhereToLook() {
        assertThatThrownBy(() -> users.resolve("ghost", deny)).isInstanceOf(UserException.class)
                .hasMessageStartingWith("unable to find user ghost: no matching entries in passwd file");
        assertThatThrownBy(() -> users.resolve("app:ghosts", deny)).isInstanceOf(UserException.class)
                .hasMessageStartingWith("unable to find group ghosts");
    }

    @Test
    void resolve_rootByNameOrNumber_isRefusedByTheDenylist() {
        assertThatThrownBy(() -> users.resolve("root", deny)).isInstanceOf(UserException.class)
                .hasMessageContaining("disallowed by the driver's user denylist");
        assertThatThrownBy(() -> users.resolve("0", deny)).isInstanceOf(UserException.class);
        assertThatThrownBy(() -> users.resolve("0:0", deny)).isInstanceOf(UserException.class);
        assertThat(users.resolve("root", Set.of()).uid()).isZero();
    }

    @Test
    void resolve_malformed_isRefused() {
        assertThatThrownBy(() -> users.resolve("app:", deny)).isInstanceOf(UserException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> users.resolve(":1", deny)).isInstanceOf(UserException.class);
    }

    @Test
    void resolve_noPasswdFile_onlyNumbersWork() {
        var none = new UserResolver("", "");
        assertThat(none.resolve("65534", deny).uid()).isEqualTo(65534);
        assertThatThrownBy(() -> none.resolve("", deny)).isInstanceOf(UserException.class).hasMessageContaining("nobody");
    }
}
