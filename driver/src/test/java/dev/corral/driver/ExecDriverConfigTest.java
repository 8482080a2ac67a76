package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException.InvalidDriverConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecDriverConfigTest {
    @Test
    void defaults_areNomads() {
        ExecDriverConfig c = ExecDriverConfig.builder().build().validate();
        assertThat(c.noPivotRoot()).isFalse();
        assertThat(c.defaultPidMode()).isEqualTo(NamespaceMode.PRIVATE);
        assertThat(c.defaultIpcMode()).isEqualTo(NamespaceMode.PRIVATE);
        assertThat(c.allowCaps()).hasSize(13).doesNotContain("net_raw");
        assertThat(c.pidsLimit()).isEqualTo(4096);
        assertThat(c.rootfs()).isEqualTo(RootfsMode.READONLY);
        assertThat(c.chrootEnv().keySet()).containsExactly("/bin", "/etc", "/lib", "/lib32", "/lib64", "/run/resolvconf",
                "/sbin", "/usr", "/run/systemd/resolve");
        assertThat(c.userDenylist()).containsExactly("root");
        assertThat(c.maxKillTimeout()).hasSeconds(30);
        assertThat(c.seccomp()).isEqualTo(SeccompProfile.DEFAULT);
    }

    @Test
    void seccomp_parsesTheThreeSpellings() {
        assertThat(ExecDriverConfig.builder().seccomp("unconfined").build().seccomp()).isEqualTo(SeccompProfile.UNCONFINED);
        assertThat(ExecDriverConfig.builder().seccomp("default").build().seccomp().configName()).isEqualTo("default");
        assertThat(ExecDriverConfig.builder().seccomp("/etc/corral/deny").build().seccomp())
                .isEqualTo(new SeccompProfile.DenyList(Path.of("/etc/corral/deny")));
        assertThatThrownBy(() -> ExecDriverConfig.builder().seccomp("strict"))
                .isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageContaining("seccomp must be \"default\", \"unconfined\" or an absolute path")
                .hasMessageContaining("got \"strict\"");
        assertThatThrownBy(() -> ExecDriverConfig.builder().seccomp("/etc/../deny"))
                .isInstanceOf(InvalidDriverConfigException.class).hasMessageContaining("/etc/../deny");
    }

    @Test
    void seccomp_missingDenyListFile_isAConfigError() {
        ExecDriverConfig c = ExecDriverConfig.builder().seccomp("/nonexistent/corral-deny-list").build();
        assertThatThrownBy(c::validate).isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageContaining("seccomp file \"/nonexistent/corral-deny-list\" does not exist");
    }

    @Test
    void pidMode_badValue_usesNomadsWording() {
        assertThatThrownBy(() -> ExecDriverConfig.builder().defaultPidMode("shared"))
                .isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageEndingWith("default_pid_mode must be \"private\" or \"host\", got \"shared\"");
        assertThat(ExecDriverConfig.builder().defaultIpcMode("host").build().defaultIpcMode()).isEqualTo(NamespaceMode.HOST);
        assertThat(ExecDriverConfig.builder().rootfs("overlay").build().rootfs()).isEqualTo(RootfsMode.OVERLAY);
        assertThatThrownBy(() -> ExecDriverConfig.builder().rootfs("zfs")).isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageEndingWith("rootfs must be \"readonly\" or \"overlay\", got \"zfs\"");
    }

    @Test
    void validate_listsEveryProblemByKey() {
        ExecDriverConfig c = ExecDriverConfig.builder().allowCaps(List.of("chown", "telekinesis")).pidsLimit(-1)
                .stateDir(Path.of("relative")).chrootEnv(Map.of("usr", "/usr", "/x", "/local/x")).cgroupParent("../up").build();
        assertThatThrownBy(c::validate).isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageContaining("allow_caps configured with capabilities not supported by system: telekinesis")
                .hasMessageContaining("pids_limit").hasMessageContaining("state_dir")
                .hasMessageContaining("chroot_env source \"usr\"").hasMessageContaining("would hide the task layout")
                .hasMessageContaining("cgroup_parent");
    }

    @Test
    void chrootEnv_emptyMeansNomadsDefault() {
        assertThat(ExecDriverConfig.builder().chrootEnv(Map.of()).build().chrootEnv()).isEqualTo(ExecDriverConfig.DEFAULT_CHROOT_ENV);
    }
}
