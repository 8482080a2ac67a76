package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.TaskConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Attacks on the task's privileges: setuid-root binaries, raising capabilities, dropping no_new_privs. */
@Tag("root")
class PrivilegeIT {
    /** CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE as bits of the hex masks in /proc/self/status. */
    private static final long ESCAPE_BITS = (1L << 21) | (1L << 19) | (1L << 16);
    @RegisterExtension
    final Sandboxes s = new Sandboxes(b -> b.userDenylist(Set.of()));

    @Test
    void setuidRootBinary_inLocalOrAllocData_givesNoPrivilege() throws Exception {
        // cap_drop = ["all"]: with Nomad's default caps nobody holds CAP_DAC_OVERRIDE and reads /etc/shadow
        // anyway, so only without them does the test show that the setuid bit added nothing
        TaskConfig t = s.task("suid", "", new ExecTaskConfig("/bin/sh", List.of("-c",
                "/local/suid ids | sed 's/^/local_/'; /alloc/data/suid ids | sed 's/^/alloc_/'"), "", "", List.of(), List.of("all"), ""));
        UserPrincipalLookupService users = t.taskDir().getFileSystem().getUserPrincipalLookupService();
        for (Path p : new Path[] {t.taskDir().resolve("local/suid"), t.allocDir().resolve("data/suid")}) {
            Files.copy(t.taskDir().resolve("local/attack"), p);
            Files.setOwner(p, users.lookupPrincipalByName("root"));
            Files.setAttribute(p, "unix:mode", 04755);
            assertThat(Files.getAttribute(p, "unix:mode")).as("setuid bit really set").matches(m -> ((Integer) m & 04000) != 0);
        }
        Map<String, String> v = s.attack(t);
        for (String where : new String[] {"local_", "alloc_"}) {
            assertThat(v).containsEntry(where + "uid", "65534 euid=65534").containsEntry(where + "read_shadow", "EACCES");
            assertThat(Sandboxes.log(t, "stdout")).containsPattern("CapEff:\\s+0000000000000000");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", ""})
    void capabilities_cannotBeRaised_norNoNewPrivsCleared(String user) throws Exception {
        Map<String, String> v = s.attack(s.task("caps", user, ExecTaskConfig.of("/local/attack", "caps")));
        assertThat(v).containsEntry("capset_all", "EPERM").containsEntry("ambient_sys_admin", "EPERM")
                .containsEntry("clear_no_new_privs", "EINVAL");
        // setuid0 is not asserted: Nomad's default caps include CAP_SETUID, raised as ambient caps for
        // nobody too, so the task may become uid 0 of its sandbox (the same confinement as a root task)
        String status = Sandboxes.log(s.driver.tasks().iterator().next().config(), "stdout");
        long eff = hexField(status, "CapEff:");
        long bnd = hexField(status, "CapBnd:");
        assertThat(eff & ESCAPE_BITS).as("escape caps in CapEff").isZero();
        assertThat(bnd & ESCAPE_BITS).as("escape caps in CapBnd").isZero();
        assertThat(status).containsPattern("NoNewPrivs:\\s+1");
    }

    private static long hexField(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).map(l -> Long.parseUnsignedLong(l.substring(key.length()).strip(), 16))
                .findFirst().orElseThrow(() -> new AssertionError(key + " missing in " + status));
    }
}
