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
    void spareSandboxes_defaultTwo_outOfRangeIsAConfigError() {
        assertThat(ExecDriverConfig.builder().build().spareSandboxes()).isEqualTo(2);
        assertThat(ExecDriverConfig.builder().spareSandboxes(0).build().validate().spareSandboxes()).isZero();
        assertThatThrownBy(() -> ExecDriverConfig.builder().spareSandboxes(-1).build().validate())
                .isInstanceOf(InvalidDriverConfigException.class).hasMessageContaining("spare sandboxes must be between 0 and 16, got -1");
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

    @Test
    void fromKeys_everyKey_reachesTheConfig() {
        Map<String, Object> keys = new java.util.LinkedHashMap<>();
        keys.put("no_pivot_root", true);
        keys.put("default_pid_mode", "host");
        keys.put("default_ipc_mode", "host");
        keys.put("allow_caps", List.of("chown", "kill"));
        keys.put("pids_limit", new java.math.BigDecimal("128"));
        keys.put("rootfs", "overlay");
        keys.put("chroot_env", Map.of("/usr", "/usr"));
        keys.put("state_dir", "/srv/corral");
        keys.put("sandbox_binary", "/opt/corral/corral-sandbox");
        keys.put("cgroup_parent", "nomad-corral");
        keys.put("seccomp", "unconfined");
        assertThat(keys.keySet()).containsExactlyElementsOf(
                java.util.Arrays.stream(ExecConfigKey.values()).map(ExecConfigKey::key).toList());
        ExecDriverConfig c = ExecDriverConfig.fromKeys(keys);
        assertThat(c).isEqualTo(ExecDriverConfig.builder().noPivotRoot(true).defaultPidMode(NamespaceMode.HOST)
                .defaultIpcMode(NamespaceMode.HOST).allowCaps(List.of("chown", "kill")).pidsLimit(128)
                .rootfs(RootfsMode.OVERLAY).chrootEnv(Map.of("/usr", "/usr")).stateDir(Path.of("/srv/corral"))
                .sandboxBinary(Path.of("/opt/corral/corral-sandbox")).cgroupParent("nomad-corral")
                .seccomp(SeccompProfile.UNCONFINED).build());
    }

    @Test
    void fromKeys_keepsTheBaseAndConvertsLikeCty() {
        ExecDriverConfig c = ExecDriverConfig.fromKeys(Map.of("pids_limit", "64", "no_pivot_root", "true",
                "cgroup_parent", 7), ExecDriverConfig.builder().stateDir(Path.of("/d")));
        assertThat(c.pidsLimit()).isEqualTo(64);
        assertThat(c.noPivotRoot()).isTrue();
        assertThat(c.cgroupParent()).isEqualTo("7");
        assertThat(c.stateDir()).isEqualTo(Path.of("/d"));
        assertThat(ExecDriverConfig.fromKeys(Map.of())).isEqualTo(ExecDriverConfig.builder().build());
    }

    @Test
    void fromKeys_listsUnknownKeysWrongTypesAndBadValues() {
        Map<String, Object> keys = new java.util.LinkedHashMap<>();
        keys.put("pid_mode", "host");
        keys.put("no_pivot_root", "yes");
        keys.put("pids_limit", 1L << 40);
        keys.put("allow_caps", "chown");
        keys.put("default_ipc_mode", "shared");
        assertThatThrownBy(() -> ExecDriverConfig.fromKeys(keys)).isInstanceOf(InvalidDriverConfigException.class)
                .hasMessageContaining("unknown key pid_mode; valid keys: [no_pivot_root, default_pid_mode")
                .hasMessageContaining("no_pivot_root must be a bool (true or false), got \"yes\"")
                .hasMessageContaining("pids_limit must be a whole number of at most 2147483647 (0 for unlimited), got 1099511627776")
                .hasMessageContaining("allow_caps must be a list of strings, got \"chown\"")
                .hasMessageContaining("default_ipc_mode must be \"private\" or \"host\", got \"shared\"");
        assertThatThrownBy(() -> ExecDriverConfig.fromKeys(Map.of("pids_limit", -1)))
                .hasMessage("invalid exec driver configuration: pids_limit must be 0 (unlimited) or positive, got -1");
    }

    @Test
    void check_runsTheTypeSpellingAndFieldChecksOfOneKey() {
        assertThat(ExecConfigKey.PIDS_LIMIT.check(new java.math.BigDecimal("10"))).isEmpty();
        assertThat(ExecConfigKey.PIDS_LIMIT.check(new java.math.BigDecimal("-2")))
                .containsExactly("pids_limit must be 0 (unlimited) or positive, got -2");
        assertThat(ExecConfigKey.CGROUP_PARENT.check("/abs")).singleElement().asString().startsWith("cgroup_parent must be");
        assertThat(ExecConfigKey.SECCOMP.check("/nonexistent/deny")).singleElement().asString()
                .contains("does not exist");
        assertThat(ExecConfigKey.ALLOW_CAPS.check(List.of("telekinesis"))).singleElement().asString()
                .contains("not supported by system: telekinesis");
        assertThat(ExecConfigKey.agentKeys()).extracting(ExecConfigKey::key).containsExactly("no_pivot_root",
                "default_pid_mode", "default_ipc_mode", "allow_caps", "pids_limit", "rootfs", "cgroup_parent", "seccomp");
    }
}
