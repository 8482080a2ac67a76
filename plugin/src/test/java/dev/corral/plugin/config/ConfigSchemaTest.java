package dev.corral.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.NamespaceMode;
import dev.corral.driver.RootfsMode;
import dev.corral.plugin.cty.CtyConfigEncoder;
import dev.corral.plugin.cty.CtyTypeException;
import dev.corral.plugin.cty.CtyValue;
import dev.corral.plugin.hclspec.SpecValidator;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

    @Test
    void schemas_areValidObjectsWithEveryFieldNamed() {
        for (Spec s : List.of(TaskConfigSchema.SPEC, PluginConfigSchema.SPEC)) {
            assertThat(SpecValidator.problems(s)).isEmpty();
            assertThat(s.getBlockCase()).isEqualTo(Spec.BlockCase.OBJECT);
        }
        assertThat(TaskConfigSchema.SPEC.getObject().getAttributesMap().keySet())
                .containsExactlyInAnyOrder("command", "args", "pid_mode", "ipc_mode", "cap_add", "cap_drop", "work_dir");
        var command = TaskConfigSchema.SPEC.getObject().getAttributesOrThrow("command").getAttr();
        assertThat(command.getRequired()).isTrue();
        assertThat(command.getType()).isEqualTo("string");
    }

    @Test
    void pluginSchema_defaultsAreExecsDefaults() {
        var attrs = PluginConfigSchema.SPEC.getObject().getAttributesMap();
        assertThat(attrs.get("no_pivot_root").getDefault().getDefault().getLiteral().getValue()).isEqualTo("false");
        assertThat(attrs.get("default_pid_mode").getDefault().getDefault().getLiteral().getValue()).isEqualTo("\"private\"");
        assertThat(attrs.get("default_ipc_mode").getDefault().getDefault().getLiteral().getValue()).isEqualTo("\"private\"");
        assertThat(attrs.get("allow_caps").getDefault().getDefault().getLiteral().getValue()).isEqualTo(
                "[\"audit_write\", \"chown\", \"dac_override\", \"fowner\", \"fsetid\", \"kill\", \"mknod\", "
                        + "\"net_bind_service\", \"setfcap\", \"setgid\", \"setpcap\", \"setuid\", \"sys_chroot\"]");
        assertThat(attrs.get("chroot_env").hasBlockAttrs()).isTrue();
        assertThat(attrs.get("pids_limit").getDefault().getDefault().getLiteral().getValue()).isEqualTo("4096");
        assertThat(attrs.get("cgroup_parent").getAttr().getType()).isEqualTo("string");
    }

    @Test
    void pluginSchema_hasExactlyTheDriversKeys() {
        assertThat(PluginConfigSchema.SPEC.getObject().getAttributesMap().keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.Arrays.stream(dev.corral.driver.ExecConfigKey.values()).map(dev.corral.driver.ExecConfigKey::key).toList());
    }

    @Test
    void pluginConfig_tooLargePidsLimit_failsWithTheKeyName() {
        assertThatThrownBy(() -> PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
                Map.of("pids_limit", 1L << 40)))).isInstanceOf(DriverException.InvalidDriverConfigException.class)
                .hasMessageContaining("pids_limit must be a whole number of at most 2147483647");
    }

    @Test
    void taskConfig_minimal_decodesWithEmptyDefaults() {
        byte[] bytes = CtyConfigEncoder.encode(TaskConfigSchema.SPEC, Map.of("command", "/bin/echo"));
        // Every declared key is on the wire, sorted, absent ones nil (hand-checked):
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("87"
                + "a461726773c0" + "a76361705f616464c0" + "a86361705f64726f70c0"
                + "a7636f6d6d616e64a92f62696e2f6563686f" + "a86970635f6d6f6465c0" + "a87069645f6d6f6465c0"
                + "a8776f726b5f646972c0");
        assertThat(TaskConfigSchema.decode(bytes)).isEqualTo(ExecTaskConfig.of("/bin/echo"));
    }

    @Test
    void taskConfig_everyKeySet_reachesEveryComponent() {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("command", "sh");
        cfg.put("args", List.of("-c", "echo ${NOMAD_TASK_DIR}"));
        cfg.put("pid_mode", "host");
        cfg.put("ipc_mode", "private");
        cfg.put("cap_add", List.of("net_raw"));
        cfg.put("cap_drop", List.of("all"));
        cfg.put("work_dir", "/local");
        assertThat(cfg.keySet()).isEqualTo(TaskConfigSchema.FIELDS.stream().map(ConfigField::key).collect(Collectors.toSet()));
        ExecTaskConfig c = TaskConfigSchema.decode(CtyConfigEncoder.encode(TaskConfigSchema.SPEC, cfg));
        assertThat(c).isEqualTo(new ExecTaskConfig("sh", List.of("-c", "echo ${NOMAD_TASK_DIR}"), "host", "private",
                List.of("net_raw"), List.of("all"), "/local"));
    }

    @Test
    void taskConfig_wrongType_namesTheFieldPath() {
        byte[] bytes = CtyConfigEncoder.encode(TaskConfigSchema.SPEC,
                Map.of("command", "x", "args", List.of("ok", List.of("nested"))));
        assertThatThrownBy(() -> TaskConfigSchema.decode(bytes)).isInstanceOf(CtyTypeException.class)
                .hasMessage("config.args[1]: expected a string, got list");
    }

    @Test
    void taskConfig_numbersAndBoolsInStringFields_convertLikeCty() {
        byte[] bytes = CtyConfigEncoder.encode(TaskConfigSchema.SPEC,
                Map.of("command", "x", "args", List.of(5, new BigDecimal("0.1"), 1.5, true)));
        assertThat(TaskConfigSchema.decode(bytes).args()).containsExactly("5", "0.1", "1.5", "true");
    }

    @Test
    void pluginConfig_emptyBytes_giveTheDriverDefaults() {
        ExecDriverConfig c = PluginConfigSchema.decode(new byte[0]);
        ExecDriverConfig defaults = ExecDriverConfig.builder().maxKillTimeout(PluginConfigSchema.PLUGIN_MAX_KILL_TIMEOUT).build();
        assertThat(c).isEqualTo(defaults);
    }

    @Test
    void pluginConfig_emptyBlockThroughNomadDefaults_equalsNoBlock() {
        byte[] bytes = CtyConfigEncoder.encode(PluginConfigSchema.SPEC, Map.of());
        assertThat(PluginConfigSchema.decode(bytes)).isEqualTo(PluginConfigSchema.decode(new byte[0]));
    }

    @Test
    void pluginConfig_everyKey_reachesTheDriverConfig() {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("no_pivot_root", true);
        cfg.put("default_pid_mode", "host");
        cfg.put("default_ipc_mode", "host");
        cfg.put("allow_caps", List.of("chown", "kill"));
        cfg.put("pids_limit", new CtyValue.Str("128")); // a number cty sent as a decimal string
        cfg.put("rootfs", "overlay");
        cfg.put("chroot_env", Map.of("/usr", "/usr", "/etc/ssl", "/etc/ssl"));
        cfg.put("state_dir", "/srv/corral");
        cfg.put("sandbox_binary", "/opt/corral/corral-sandbox");
        cfg.put("cgroup_parent", "nomad-corral");
        cfg.put("seccomp", "unconfined");
        assertThat(cfg.keySet()).isEqualTo(PluginConfigSchema.FIELDS.stream().map(ConfigField::key).collect(Collectors.toSet()));
        ExecDriverConfig c = PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC, cfg));
        assertThat(c.noPivotRoot()).isTrue();
        assertThat(c.defaultPidMode()).isEqualTo(NamespaceMode.HOST);
        assertThat(c.defaultIpcMode()).isEqualTo(NamespaceMode.HOST);
        assertThat(c.allowCaps()).containsExactly("chown", "kill");
        assertThat(c.pidsLimit()).isEqualTo(128);
        assertThat(c.rootfs()).isEqualTo(RootfsMode.OVERLAY);
        assertThat(c.chrootEnv()).containsExactly(Map.entry("/etc/ssl", "/etc/ssl"), Map.entry("/usr", "/usr"));
        assertThat(c.stateDir()).isEqualTo(Path.of("/srv/corral"));
        assertThat(c.sandboxBinary()).contains(Path.of("/opt/corral/corral-sandbox"));
        assertThat(c.cgroupParent()).isEqualTo("nomad-corral");
        assertThat(c.seccomp()).isEqualTo(dev.corral.driver.SeccompProfile.UNCONFINED);
    }

    @Test
    void pluginConfig_badValues_failWithTheKeyName() {
        assertThatThrownBy(() -> PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
                Map.of("default_pid_mode", "shared")))).isInstanceOf(DriverException.InvalidDriverConfigException.class)
                .hasMessageContaining("default_pid_mode must be \"private\" or \"host\", got \"shared\"");
        assertThatThrownBy(() -> PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
                Map.of("pids_limit", new BigDecimal("1.5"))))).isInstanceOf(CtyTypeException.class)
                .hasMessage("config.pids_limit: expected a whole number, got string \"1.5\"");
        assertThatThrownBy(() -> PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
                Map.of("rootfs", "tmpfs")))).hasMessageContaining("rootfs must be \"readonly\" or \"overlay\", got \"tmpfs\"");
        assertThatThrownBy(() -> PluginConfigSchema.decode(CtyConfigEncoder.encode(PluginConfigSchema.SPEC,
                Map.of("no_pivot_root", CtyValue.UNKNOWN)))).hasMessage("config.no_pivot_root: expected a known value, got unknown");
    }
}
