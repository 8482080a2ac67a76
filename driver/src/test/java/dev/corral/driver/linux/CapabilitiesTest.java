package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException.CapabilityNotAllowedException;
import dev.corral.driver.DriverException.InvalidTaskConfigException;
import dev.corral.driver.ExecDriverConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
    private final Capabilities kernel40 = new Capabilities(Capabilities.supportedUpTo(40));
    private static final List<String> DEFAULT = ExecDriverConfig.DEFAULT_ALLOW_CAPS;

    @Test
    void compute_defaults_giveNomadsThirteenSortedUpperCase() {
        assertThat(kernel40.compute(DEFAULT, List.of(), List.of())).containsExactly("CAP_AUDIT_WRITE", "CAP_CHOWN",
                "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE",
                "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT");
    }

    @Test
    void compute_capAddOutsideAllowCaps_isRefusedWithNomadsMessage() {
        assertThatThrownBy(() -> kernel40.compute(DEFAULT, List.of("net_raw"), List.of()))
                .isInstanceOf(CapabilityNotAllowedException.class)
                .hasMessageStartingWith("driver does not allow the following capabilities: net_raw");
    }

    @Test
    void compute_dropAllThenAdd_givesExactlyTheAdded() {
        assertThat(kernel40.compute(DEFAULT, List.of(" CAP_Kill", "chown"), List.of("all")))
                .containsExactly("CAP_CHOWN", "CAP_KILL");
    }

    @Test
    void compute_dropSome_removesThem() {
        assertThat(kernel40.compute(DEFAULT, List.of(), List.of("cap_chown", "MKNOD")))
                .doesNotContain("CAP_CHOWN", "CAP_MKNOD").contains("CAP_KILL").hasSize(11);
    }

    @Test
    void compute_allowAll_permitsNetRaw_butBasisStaysNomads() {
        assertThat(kernel40.compute(List.of("all"), List.of("net_raw"), List.of()))
                .contains("CAP_NET_RAW", "CAP_CHOWN").hasSize(14);
    }

    @Test
    void compute_escapeCapabilities_needToBeNamedInAllowCaps() {
        for (String cap : List.of("sys_admin", "sys_ptrace", "sys_module", "sys_rawio", "dac_read_search")) {
            assertThatThrownBy(() -> kernel40.compute(List.of("all"), List.of(cap), List.of()))
                    .isInstanceOf(CapabilityNotAllowedException.class)
                    .hasMessageContaining("reach the sandbox's init and the host");
        }
        assertThat(kernel40.compute(List.of("all", "sys_admin"), List.of("sys_admin"), List.of())).contains("CAP_SYS_ADMIN");
    }

    @Test
    void compute_narrowAllowCaps_intersectsTheBasis() {
        assertThat(kernel40.compute(List.of("kill", "chown"), List.of(), List.of()))
                .containsExactly("CAP_CHOWN", "CAP_KILL");
    }

    @Test
    void compute_unknownName_isRefusedNamingTheField() {
        assertThatThrownBy(() -> kernel40.compute(DEFAULT, List.of(), List.of("fly")))
                .isInstanceOf(InvalidTaskConfigException.class)
                .hasMessage("failed driver config validation: cap_drop configured with capabilities not supported by system: fly");
        assertThatThrownBy(() -> kernel40.compute(DEFAULT, List.of("checkpoint_restore"), List.of()))
                .isInstanceOf(CapabilityNotAllowedException.class);
    }

    @Test
    void supportedUpTo_respectsTheKernel_and63MeansBlockSuspend() {
        assertThat(Capabilities.supportedUpTo(37)).hasSize(38).endsWith("audit_read");
        assertThat(Capabilities.supportedUpTo(63)).hasSize(37).endsWith("block_suspend");
        assertThat(new Capabilities(Capabilities.supportedUpTo(37)).unsupportedOf(List.of("bpf", "CAP_CHOWN", "all")))
                .containsExactly("bpf");
    }

    @Test
    void ofRunningKernel_knowsEveryCapabilityUpToCapLastCap() throws Exception {
        int last = Integer.parseInt(CgroupFiles.readAll(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        assertThat(Capabilities.ofRunningKernel().supported()).hasSize(Math.min(last, 40) + 1);
    }
}
