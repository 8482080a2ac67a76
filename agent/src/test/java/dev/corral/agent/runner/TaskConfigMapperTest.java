package dev.corral.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.job.Volume;
import dev.corral.agent.job.VolumeMount;
import dev.corral.agent.node.DriverInfo;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.Node;
import dev.corral.agent.node.NodeResources;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import dev.corral.driver.MountConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskConfigMapperTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    private static final Node NODE = new Node("node-1", "s", "box", "dc1", "eu", "gpu", "default", "ready",
            Map.of("kernel.name", "linux"), Map.of("rack", "r1"), Map.of("exec", new DriverInfo(true, true, "Healthy", Map.of())),
            new NodeResources(4000, List.of(0, 1, 2, 3), 8192, 0), NodeResources.NONE);

    private static AllocRecord alloc(TaskResources r) {
        return new AllocRecord("0123456789abcdef", "default", "e", "web.g[2]", "node-1", "box", "web", 0, "g", 2, "run", "",
                "pending", "", Map.of("t", r), 300, null, null, 0, 0, 0, 0);
    }

    @Test
    void build_nomadVariables_metaBothCases_hostEnvMinusDenylist_taskEnvWins() {
        Task t = Task.exec("t", "/bin/true", List.of())
                .withEnv(Map.of("GREETING", "hi ${NOMAD_TASK_NAME} on ${node.unique.name} ${attr.kernel.name} ${meta.rack} ${nope}",
                        "PATH", "/custom"));
        Task withMeta = new Task(t.name(), t.driver(), t.config(), t.env(), "", t.resources(), null, null, null, null,
                false, null, null, Map.of("owner-team", "core"), null, null);
        Job job = new Job("default", "web", "web-name", "service", 50, List.of("*"), Map.of("tier", "gold"), List.of(),
                List.of(TaskGroup.of("g", 1, List.of(withMeta))));
        Map<String, String> env = TaskConfigMapper.taskEnv(job, job.groups().getFirst(), withMeta,
                alloc(new TaskResources(2000, 512, 1024, List.of(1, 2))), NODE,
                Map.of("PATH", "/usr/bin", "VAULT_TOKEN", "secret", "LANG", "C.UTF-8"), Set.of("VAULT_TOKEN"), "/corral")
                .environment();
        assertThat(env)
                .containsEntry("NOMAD_ALLOC_DIR", "/alloc")
                .containsEntry("NOMAD_TASK_DIR", "/local")
                .containsEntry("NOMAD_SECRETS_DIR", "/secrets")
                .containsEntry("NOMAD_MEMORY_LIMIT", "512")
                .containsEntry("NOMAD_MEMORY_MAX_LIMIT", "1024")
                .containsEntry("NOMAD_CPU_LIMIT", "2000")
                .containsEntry("NOMAD_CPU_CORES", "1-2")
                .containsEntry("NOMAD_ALLOC_ID", "0123456789abcdef")
                .containsEntry("NOMAD_SHORT_ALLOC_ID", "01234567")
                .containsEntry("NOMAD_ALLOC_NAME", "web.g[2]")
                .containsEntry("NOMAD_ALLOC_INDEX", "2")
                .containsEntry("NOMAD_TASK_NAME", "t")
                .containsEntry("NOMAD_GROUP_NAME", "g")
                .containsEntry("NOMAD_JOB_ID", "web")
                .containsEntry("NOMAD_JOB_NAME", "web-name")
                .containsEntry("NOMAD_DC", "dc1")
                .containsEntry("NOMAD_REGION", "eu")
                .containsEntry("NOMAD_NAMESPACE", "default")
                .containsEntry("NOMAD_PARENT_CGROUP", "/corral")
                .containsEntry("NOMAD_META_tier", "gold")
                .containsEntry("NOMAD_META_TIER", "gold")
                .containsEntry("NOMAD_META_owner_team", "core")
                .containsEntry("NOMAD_META_OWNER_TEAM", "core")
                .containsEntry("LANG", "C.UTF-8")
                .containsEntry("PATH", "/custom")
                .containsEntry("GREETING", "hi t on box linux r1 ${nope}")
                .doesNotContainKey("VAULT_TOKEN");
    }

    @Test
    void build_withoutOptionalValues_omitsThem() {
        Task t = Task.exec("t", "/bin/true", List.of());
        Job job = Job.of("web", "batch", List.of(TaskGroup.of("g", 1, List.of(t))));
        Map<String, String> env = TaskConfigMapper.taskEnv(job, job.groups().getFirst(), t,
                alloc(new TaskResources(100, 300, 0, List.of())), NODE, Map.of(), Set.of(), "").environment();
        assertThat(env).doesNotContainKeys("NOMAD_MEMORY_MAX_LIMIT", "NOMAD_CPU_CORES", "NOMAD_PARENT_CGROUP");
    }

    @Test
    void taskConfig_evaluatesFunctionsExpressionsAndRuntimeVariables_likeNomadsClient() {
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("command", "${NOMAD_TASK_DIR}/run-${lower(NOMAD_JOB_NAME)}");
        config.put("args", List.of("${attr.kernel.name}", "${meta.rack}-${node.unique.name}", "${env[\"LANG\"]}",
                "${NOMAD_ALLOC_INDEX + 1}", "%{ if NOMAD_CPU_LIMIT == \"2000\" }big%{ else }small%{ endif }",
                "${join(\",\", [NOMAD_GROUP_NAME, NOMAD_TASK_NAME])}", "${node.pool}", "$${NOT_EVALUATED}"));
        config.put("work_dir", "${NOMAD_ALLOC_DIR}/data");
        config.put("pid_mode", "${\"ho\"}st");
        Task t = Task.exec("t", "x", List.of()).withConfig(config).withUser("nobody");
        Job job = new Job("default", "web", "Web-Name", "service", 50, List.of("*"), Map.of(), List.of(),
                List.of(TaskGroup.of("g", 1, List.of(t))));
        AllocRecord alloc = alloc(new TaskResources(2000, 512, 1024, List.of(1, 2)));
        var env = TaskConfigMapper.taskEnv(job, job.groups().getFirst(), t, alloc, NODE, Map.of("LANG", "C.UTF-8"),
                Set.of(), "");
        var dirs = dev.corral.driver.TaskDirectory.create(tmp, "t", Map.of());
        var cfg = TaskConfigMapper.taskConfig(t, alloc.id(), job.name(), "g", dirs, env,
                TaskConfigMapper.resources(alloc, t), List.of());
        var exec = cfg.driverConfig();
        assertThat(exec.command()).isEqualTo("/local/run-web-name");
        assertThat(exec.args()).containsExactly("linux", "r1-box", "C.UTF-8", "3", "big", "g,t", "default", "${NOT_EVALUATED}");
        assertThat(exec.workDir()).isEqualTo("/alloc/data");
        assertThat(exec.pidMode()).isEqualTo("host");
        assertThat(cfg.user()).isEqualTo("nobody");
        assertThat(cfg.env()).containsEntry("NOMAD_ALLOC_ID", "0123456789abcdef");
        assertThat(cfg.resources().reservedCores()).containsExactly(1, 2);
        assertThat(cfg.resources().memoryMiB()).isEqualTo(512);
    }

    @Test
    void taskConfig_unknownVariableOrBadKey_isAConfigErrorNamingTheField() {
        Job job = Job.of("web", "batch", List.of());
        AllocRecord alloc = alloc(new TaskResources(100, 300, 0, List.of()));
        Task unknown = Task.exec("t", "/bin/echo", List.of("ok", "${nope}"));
        var env = TaskConfigMapper.taskEnv(job, TaskGroup.of("g", 1, List.of(unknown)), unknown, alloc, NODE, Map.of(),
                Set.of(), "");
        var dirs = dev.corral.driver.TaskDirectory.create(tmp, "t", Map.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskConfigMapper.taskConfig(unknown, alloc.id(), "web", "g",
                dirs, env, TaskConfigMapper.resources(alloc, unknown), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config.args[1]")
                .hasMessageContaining("Unknown variable");
        Task badKey = unknown.withConfig(Map.of("command", "/bin/echo", "pid_mod", "host"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskConfigMapper.taskConfig(badKey, alloc.id(), "web", "g",
                dirs, env, TaskConfigMapper.resources(alloc, badKey), List.of()))
                .hasMessageContaining("unsupported argument \"pid_mod\"");
        Task noCommand = unknown.withConfig(Map.of("args", List.of()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskConfigMapper.taskConfig(noCommand, alloc.id(), "web", "g",
                dirs, env, TaskConfigMapper.resources(alloc, noCommand), List.of()))
                .hasMessageContaining("missing required argument \"command\"");
    }

    @Test
    void mounts_hostVolumeByGroupSource_readOnlyIfVolumeMountOrHostVolumeIs_destinationInsideTheRoot() {
        var data = new HostVolume("data", tmp, false);
        var logs = new HostVolume("logs", tmp.resolve("logs-dir"), true);
        java.nio.file.Path logsDir = logs.path();
        assertThat(logsDir.toFile().mkdir()).isTrue();
        Map<String, Volume> volumes = Map.of("rw", new Volume("rw", "host", "data", false),
                "ro", new Volume("ro", "host", "data", true),
                "hostro", new Volume("hostro", "host", "logs", true));
        Task t = Task.exec("t", "/bin/true", List.of()).withVolumeMounts(List.of(
                new VolumeMount("rw", "/data", false, null),
                new VolumeMount("rw", "srv/./x/", true, "host-to-task"),
                new VolumeMount("ro", "/ro", false, null),
                new VolumeMount("hostro", "/var/log/app", false, null)));
        var mounts = TaskConfigMapper.mounts(volumes, t, Map.of("data", data, "logs", logs));
        assertThat(mounts).containsExactly(
                new MountConfig(tmp, "/data", false),
                new MountConfig(tmp, "/srv/x", true),
                new MountConfig(tmp, "/ro", true),
                new MountConfig(logsDir, "/var/log/app", true));
    }

    @Test
    void mounts_refuseWhatCannotBeMounted_withTheVolumeNamed() {
        var data = Map.of("data", new HostVolume("data", tmp, false));
        Map<String, Volume> volumes = Map.of("v", new Volume("v", "host", "data", false),
                "other", new Volume("other", "host", "elsewhere", false),
                "c", new Volume("c", "csi", "db", false));
        Task base = Task.exec("t", "/bin/true", List.of());
        record Case(VolumeMount mount, Map<String, HostVolume> host, String message) {}
        for (Case c : List.of(
                new Case(new VolumeMount("v", "/a/../../etc", false, null), data, "volume_mount[0].destination: \"/a/../../etc\" contains \"..\""),
                new Case(new VolumeMount("v", "..", false, null), data, "contains \"..\""),
                new Case(new VolumeMount("v", "/", false, null), data, "would replace the task's whole root"),
                new Case(new VolumeMount("v", "", false, null), data, "a destination path inside the task is needed"),
                new Case(new VolumeMount("nope", "/x", false, null), data, "volume_mount[0].volume: the group has no volume \"nope\""),
                new Case(new VolumeMount("other", "/x", false, null), data, "volume \"other\": no host volume named \"elsewhere\" on this node (it has data)"),
                new Case(new VolumeMount("v", "/x", false, null), Map.of(), "(it has none)"),
                new Case(new VolumeMount("c", "/x", false, null), data, "type \"csi\" is not supported"),
                new Case(new VolumeMount("v", "/x", false, null),
                        Map.of("data", new HostVolume("data", tmp.resolve("gone"), false)), "no longer exists"))) {
            Task t = base.withVolumeMounts(List.of(c.mount()));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskConfigMapper.mounts(volumes, t, c.host()))
                    .as(c.toString()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.message());
        }
    }
}
