package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.jobspec.model.ExecConfig;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import dev.corral.jobspec.model.Value;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskEnvTest {

    static final String JOB = """
            job "web" {
              namespace = "prod"
              meta = {
                team = "a"
                "owner.email" = "x@y"
              }
              group "api" {
                meta = { team = "b" }
                network {
                  port "http" {
                    static = 8080
                  }
                  port "admin-ui" {
                    to = 9000
                  }
                }
                task "srv" {
                  driver = "exec"
                  config {
                    command = "${NOMAD_TASK_DIR}/srv"
                    args    = ["--node", "${node.unique.name}", "--arch=${attr.cpu.arch}", "${env["HOME"]}", "${unknown.thing}", "${NOMAD_PORT_http}"]
                  }
                  env {
                    DATA    = "${NOMAD_ALLOC_DIR}/data"
                    RACK    = "${meta.rack}"
                    PATH    = "/opt/bin:${PATH}"
                    KEEP    = "${not_set}"
                  }
                  meta = {
                    role = "${node.class}-worker"
                  }
                  resources {
                    cpu        = 250
                    memory     = 128
                    memory_max = 256
                  }
                }
              }
            }
            """;

    static final TaskEnv.Node NODE = new TaskEnv.Node("node-uuid", "node-1", "compute", "dc1", "eu", "default",
            Map.of("cpu.arch", "amd64", "kernel.name", "linux"), Map.of("rack", "r7"));

    static TaskEnv env() {
        Job job = JobParserTest.parse(JOB).job();
        TaskGroup g = job.group("api");
        Task t = g.task("srv");
        return TaskEnv.builder(job, g, t).allocId("0123456789abcdef-aaaa").allocIndex(2).node(NODE)
                .hostEnv(Map.of("PATH", "/usr/bin", "HOME", "/root", "VAULT_TOKEN", "secret", "NOMAD_TASK_NAME", "host-value"))
                .ports("10.0.0.5", Map.of("admin-ui", 31000))
                .build();
    }

    @Test
    void environment_hasNomadVariablesWithInChrootPaths() {
        Map<String, String> e = env().environment();
        assertThat(e).containsEntry("NOMAD_ALLOC_DIR", "/alloc").containsEntry("NOMAD_TASK_DIR", "/local")
                .containsEntry("NOMAD_SECRETS_DIR", "/secrets").containsEntry("NOMAD_MEMORY_LIMIT", "128")
                .containsEntry("NOMAD_MEMORY_MAX_LIMIT", "256").containsEntry("NOMAD_CPU_LIMIT", "250")
                .containsEntry("NOMAD_ALLOC_ID", "0123456789abcdef-aaaa").containsEntry("NOMAD_SHORT_ALLOC_ID", "01234567")
                .containsEntry("NOMAD_ALLOC_NAME", "web.api[2]").containsEntry("NOMAD_ALLOC_INDEX", "2")
                .containsEntry("NOMAD_TASK_NAME", "srv").containsEntry("NOMAD_GROUP_NAME", "api")
                .containsEntry("NOMAD_JOB_ID", "web").containsEntry("NOMAD_JOB_NAME", "web").containsEntry("NOMAD_DC", "dc1")
                .containsEntry("NOMAD_REGION", "eu").containsEntry("NOMAD_NAMESPACE", "prod");
        assertThat(e).doesNotContainKey("NOMAD_CPU_CORES");
    }

    @Test
    void environment_portsFollowNomadNaming() {
        Map<String, String> e = env().environment();
        assertThat(e).containsEntry("NOMAD_PORT_http", "8080").containsEntry("NOMAD_HOST_PORT_http", "8080")
                .containsEntry("NOMAD_ADDR_http", "10.0.0.5:8080").containsEntry("NOMAD_IP_http", "10.0.0.5")
                .containsEntry("NOMAD_PORT_admin_ui", "9000").containsEntry("NOMAD_HOST_PORT_admin_ui", "31000")
                .containsEntry("NOMAD_ALLOC_PORT_admin_ui", "9000").containsEntry("NOMAD_HOST_ADDR_admin_ui", "10.0.0.5:31000");
    }

    @Test
    void environment_metaMergedAndInterpolated_asWrittenAndUpperCased() {
        Map<String, String> e = env().environment();
        assertThat(e).containsEntry("NOMAD_META_team", "b").containsEntry("NOMAD_META_TEAM", "b")
                .containsEntry("NOMAD_META_owner.email", "x@y").containsEntry("NOMAD_META_OWNER.EMAIL", "x@y")
                .containsEntry("NOMAD_META_role", "compute-worker");
    }

    @Test
    void environment_hostEnvMinusDenylist_neverOverridesBuiltins_taskEnvWins() {
        Map<String, String> e = env().environment();
        assertThat(e).containsEntry("HOME", "/root").doesNotContainKey("VAULT_TOKEN")
                .containsEntry("NOMAD_TASK_NAME", "srv")
                .containsEntry("PATH", "/opt/bin:/usr/bin")
                .containsEntry("DATA", "/alloc/data").containsEntry("RACK", "r7").containsEntry("KEEP", "${not_set}");
    }

    @Test
    void interpolate_resolvesNodeVarsEnvAndEnvIndex_leavesUnknownVerbatim() {
        TaskEnv env = env();
        Job job = JobParserTest.parse(JOB).job();
        ExecConfig c = ExecConfig.of(job.group("api").task("srv").config());
        assertThat(env.interpolate(c.command())).isEqualTo("/local/srv");
        assertThat(env.interpolate(c.args())).containsExactly("--node", "node-1", "--arch=amd64", "/root", "${unknown.thing}", "8080");
        assertThat(env.interpolate("${node.unique.id} ${node.datacenter} ${node.region} ${node.class} ${attr.kernel.name}"))
                .isEqualTo("node-uuid dc1 eu compute linux");
        assertThat(env.interpolate("${ env[\"HOME\"] }/x and ${env[\"NOPE\"]}")).isEqualTo("/root/x and ${env[\"NOPE\"]}");
        assertThat(env.interpolate("no refs")).isEqualTo("no refs");
        assertThat(env.interpolate("$1 ${} ${a b}")).isEqualTo("$1 ${} ${a b}");
    }

    @Test
    void interpolate_walksConfigValuesAndMaps() {
        TaskEnv env = env();
        Value v = Value.fromJava(Map.of("k", List.of("${NOMAD_ALLOC_ID}", 1)));
        assertThat(env.interpolate(v)).isEqualTo(Value.fromJava(Map.of("k", List.of("0123456789abcdef-aaaa", 1))));
        assertThat(env.interpolate(Map.of("a", "${NOMAD_JOB_ID}"))).containsEntry("a", "web");
    }

    @Test
    void evaluate_configIsHcl2WithEnvNodeVariablesAndFunctions() {
        TaskEnv env = env();
        Value cfg = Value.fromJava(Map.of("command", "${NOMAD_TASK_DIR}/srv", "args", List.of(
                "${upper(NOMAD_TASK_NAME)}", "${env[\"HOME\"]}", "${node.unique.name}-${attr.cpu.arch}", "${meta.rack}",
                "${node.attr.kernel.name}", "$${LITERAL}", "%{ if NOMAD_ALLOC_INDEX == \"2\" }third%{ endif }", 7)));
        assertThat(env.evaluate(cfg)).isEqualTo(Value.fromJava(Map.of("command", "/local/srv", "args", List.of(
                "SRV", "/root", "node-1-amd64", "r7", "linux", "${LITERAL}", "third", 7))));
    }

    @Test
    void evaluate_unknownVariableIsAnErrorNamingTheField() {
        Value cfg = Value.fromJava(Map.of("args", List.of("ok", "${NOMAD_TASK_NAM}")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> env().evaluate(cfg))
                .isInstanceOf(JobSpecException.class)
                .hasMessage("config.args[1]:1:3: config.args[1]: failed to parse config: Unknown variable: there is no variable "
                        + "named \"NOMAD_TASK_NAM\"; did you mean \"NOMAD_TASK_NAME\"?");
    }

    @Test
    void clean_replacesCharactersNomadDoesNotAllowInKeys() {
        assertThat(TaskEnv.clean("admin-ui")).isEqualTo("admin_ui");
        assertThat(TaskEnv.clean("a.b")).isEqualTo("a.b");
        assertThat(TaskEnv.clean("9lives")).isEqualTo("_lives");
    }
}
