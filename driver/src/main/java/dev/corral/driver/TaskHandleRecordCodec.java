package dev.corral.driver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.driver.DriverException.TaskRecoveryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON form of {@link TaskHandleRecord}, written field by field so the stored format does not
 * change when a Java type does. Unknown fields are ignored; a newer {@code version} is refused.
 */
public final class TaskHandleRecordCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskHandleRecordCodec() {
    }

    public static String toJson(TaskHandleRecord r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", r.version());
        root.put("sandbox_pid", r.sandboxPid());
        root.put("sandbox_start_ticks", r.sandboxStartTicks());
        root.put("status_file", r.statusFile().toString());
        ArrayNode cg = root.putArray("cgroup_paths");
        r.cgroupPaths().forEach(p -> cg.add(p.toString()));
        root.put("started_at_ms", r.startedAt().toEpochMilli());
        root.set("task", task(r.taskConfig()));
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise task handle " + r.taskId(), e);
        }
    }

    /** @throws TaskRecoveryException when the text is not a task handle record of a known version */
    public static TaskHandleRecord fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TaskRecoveryException("failed to decode task state from handle: " + e.getOriginalMessage(), e);
        }
        int version = root.path("version").asInt(-1);
        if (version < 1 || version > TaskHandleRecord.CURRENT_VERSION) {
            throw new TaskRecoveryException("failed to decode task state from handle: unsupported version "
                    + root.path("version") + " (this driver reads version " + TaskHandleRecord.CURRENT_VERSION + ")");
        }
        try {
            List<Path> cgroups = new ArrayList<>();
            root.path("cgroup_paths").forEach(n -> cgroups.add(Path.of(n.asText())));
            return new TaskHandleRecord(version, task(root.required("task")),
                    root.required("sandbox_pid").asLong(), root.required("sandbox_start_ticks").asLong(),
                    Path.of(root.required("status_file").asText()), cgroups,
                    Instant.ofEpochMilli(root.required("started_at_ms").asLong()));
        } catch (IllegalArgumentException e) {
            throw new TaskRecoveryException("failed to decode task state from handle: " + e.getMessage(), e);
        }
    }

    private static ObjectNode task(TaskConfig t) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", t.id());
        n.put("name", t.name());
        n.put("alloc_id", t.allocId());
        n.put("job_name", t.jobName());
        n.put("group_name", t.groupName());
        n.put("alloc_dir", t.allocDir() == null ? null : t.allocDir().toString());
        n.put("task_dir", t.taskDir().toString());
        ObjectNode env = n.putObject("env");
        t.env().forEach(env::put);
        n.put("user", t.user());
        ObjectNode res = n.putObject("resources");
        res.put("cpu_shares", t.resources().cpuShares());
        ArrayNode cores = res.putArray("reserved_cores");
        t.resources().reservedCores().forEach(cores::add);
        res.put("memory_mib", t.resources().memoryMiB());
        res.put("memory_max_mib", t.resources().memoryMaxMiB());
        ExecTaskConfig c = t.driverConfig();
        ObjectNode cfg = n.putObject("config");
        cfg.put("command", c.command());
        strings(cfg.putArray("args"), c.args());
        cfg.put("pid_mode", c.pidMode());
        cfg.put("ipc_mode", c.ipcMode());
        strings(cfg.putArray("cap_add"), c.capAdd());
        strings(cfg.putArray("cap_drop"), c.capDrop());
        cfg.put("work_dir", c.workDir());
        ObjectNode logs = n.putObject("logs");
        switch (t.logs()) {
            case LogConfig.RotatedFiles r -> {
                logs.put("kind", "files");
                logs.put("max_files", r.maxFiles());
                logs.put("max_file_bytes", r.maxFileBytes());
            }
            case LogConfig.Fifos f -> {
                logs.put("kind", "fifos");
                logs.put("stdout", f.stdout().toString());
                logs.put("stderr", f.stderr().toString());
            }
        }
        ArrayNode mounts = n.putArray("mounts");
        for (MountConfig m : t.mounts()) {
            ObjectNode mn = mounts.addObject();
            mn.put("host_path", m.hostPath().toString());
            mn.put("task_path", m.taskPath());
            mn.put("read_only", m.readOnly());
        }
        return n;
    }

    private static TaskConfig task(JsonNode n) {
        Map<String, String> env = new LinkedHashMap<>();
        n.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        JsonNode res = n.required("resources");
        List<Integer> cores = new ArrayList<>();
        res.path("reserved_cores").forEach(c -> cores.add(c.asInt()));
        JsonNode cfg = n.required("config");
        JsonNode logs = n.path("logs");
        LogConfig logConfig = switch (logs.path("kind").asText("files")) {
            case "fifos" -> new LogConfig.Fifos(Path.of(logs.required("stdout").asText()),
                    Path.of(logs.required("stderr").asText()));
            default -> new LogConfig.RotatedFiles(logs.path("max_files").asInt(10),
                    logs.path("max_file_bytes").asLong(10L * 1024 * 1024));
        };
        List<MountConfig> mounts = new ArrayList<>();
        n.path("mounts").forEach(m -> mounts.add(new MountConfig(Path.of(m.required("host_path").asText()),
                m.required("task_path").asText(), m.path("read_only").asBoolean())));
        JsonNode allocDir = n.path("alloc_dir");
        return new TaskConfig(n.required("id").asText(), n.required("name").asText(), n.path("alloc_id").asText(),
                n.path("job_name").asText(), n.path("group_name").asText(),
                allocDir.isTextual() ? Path.of(allocDir.asText()) : null, Path.of(n.required("task_dir").asText()),
                env, n.path("user").asText(),
                new Resources(res.path("cpu_shares").asLong(), cores, res.path("memory_mib").asLong(),
                        res.path("memory_max_mib").asLong()),
                new ExecTaskConfig(cfg.path("command").asText(), strings(cfg.path("args")),
                        cfg.path("pid_mode").asText(), cfg.path("ipc_mode").asText(), strings(cfg.path("cap_add")),
                        strings(cfg.path("cap_drop")), cfg.path("work_dir").asText()),
                logConfig, mounts);
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.asText()));
        return out;
    }
}
