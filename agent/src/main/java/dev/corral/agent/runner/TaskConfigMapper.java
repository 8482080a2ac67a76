package dev.corral.agent.runner;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.job.Volume;
import dev.corral.agent.job.VolumeMount;
import dev.corral.agent.node.HostFingerprint;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.Node;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.LogConfig;
import dev.corral.driver.MountConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.TaskEnv;
import dev.corral.jobspec.model.DriverConfig;
import dev.corral.jobspec.model.ExecConfig;
import dev.corral.jobspec.model.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one mapping from a runnable task to what the exec driver starts, used by the agent's task
 * runner and by {@code corral run} (which maps its parsed job with {@link dev.corral.agent.job.JobMapper}
 * first): the task's environment ({@link TaskEnv}, Nomad's taskenv), its {@code config {}} evaluated
 * as Nomad's client does at start (HCL2 templates with functions over that environment and the node)
 * and typed by the exec schema, its logs, its resources and its host volume mounts.
 */
public final class TaskConfigMapper {
    private TaskConfigMapper() {}

    /**
     * The environment of {@code task} in {@code alloc} on {@code node}, as the agent runs it.
     *
     * @param hostEnv      the agent's environment
     * @param envDenylist  agent variables never passed through
     * @param parentCgroup {@code NOMAD_PARENT_CGROUP}
     */
    public static TaskEnv taskEnv(Job job, TaskGroup group, Task task, AllocRecord alloc, Node node,
                                  Map<String, String> hostEnv, Set<String> envDenylist, String parentCgroup) {
        TaskResources r = alloc.taskResources().getOrDefault(task.name(), new TaskResources(task.resources().cpuMhz(),
                task.resources().memoryMb(), task.resources().memoryMaxMb(), List.of()));
        return TaskEnv.builder(job.namespace(), job.id(), job.name(), group.name(), task.name())
                .meta(job.meta(), group.meta(), task.meta())
                .env(task.env())
                .resources(r.cpuMhz(), r.memoryMb(), r.memoryMaxMb())
                .cpuCores(r.reservedCores().isEmpty() ? "" : HostFingerprint.formatCpuList(r.reservedCores()))
                .allocId(alloc.id())
                .allocIndex(alloc.index())
                .allocName(alloc.name())
                .node(new TaskEnv.Node(node.id(), node.name(), node.nodeClass(), node.datacenter(), node.region(), node.nodePool(),
                        node.attributes(), node.meta()))
                .parentCgroup(parentCgroup)
                .hostEnv(hostEnv, envDenylist)
                .build();
    }

    /** The driver resources an allocation gave the task, or the task's ask when it has none recorded. */
    public static Resources resources(AllocRecord alloc, Task task) {
        TaskResources r = alloc.taskResources().get(task.name());
        return r == null
                ? new Resources(task.resources().cpuMhz(), List.of(), task.resources().memoryMb(), task.resources().memoryMaxMb())
                : new Resources(r.cpuMhz(), r.reservedCores(), r.memoryMb(), r.memoryMaxMb());
    }

    /**
     * What the exec driver starts for {@code task}.
     *
     * @throws IllegalArgumentException the config does not evaluate or does not fit the exec schema;
     *                                  the message names the field, e.g. {@code config.args[1]: ...}
     */
    public static TaskConfig taskConfig(Task task, String allocId, String jobName, String groupName, TaskDirectory dirs,
                                        TaskEnv env, Resources resources, List<MountConfig> mounts) {
        ExecConfig ec;
        try {
            ec = ExecConfig.of(evaluate(task.config(), env));
        } catch (JobSpecException e) {
            throw new IllegalArgumentException(e.diagnostics().stream()
                    .map(d -> d.path() + ": " + d.message()).collect(Collectors.joining("; ")), e);
        }
        ExecTaskConfig exec = new ExecTaskConfig(ec.command(), ec.args(), ec.pidMode(), ec.ipcMode(), ec.capAdd(),
                ec.capDrop(), ec.workDir());
        LogConfig logs = task.logs().disabled()
                ? new LogConfig.Fifos(Path.of("/dev/null"), Path.of("/dev/null"))
                : new LogConfig.RotatedFiles(task.logs().maxFiles(), task.logs().maxFileSizeMb() * 1024L * 1024L);
        return new TaskConfig(TaskConfig.newId(allocId, task.name()), task.name(), allocId, jobName, groupName,
                dirs.allocDir(), dirs.taskDir(), env.environment(), task.user(), resources, exec, logs, mounts);
    }

    /**
     * The bind mounts of the task's {@code volume_mount}s, as Nomad's client mounts host volumes: the
     * group {@code volume} ({@code volumes} by name)'s {@code source} names a host volume of the node; the mount is read-only when
     * the volume request, the mount or the host volume is.
     *
     * @throws IllegalArgumentException an unknown or non-host volume, a host volume the node lacks or whose
     *                                  path is gone, a destination that is {@code /} or has a {@code ..} segment;
     *                                  the message names the mount, e.g. {@code volume_mount[0].destination: ...}
     */
    public static List<MountConfig> mounts(Map<String, Volume> volumes, Task task, Map<String, HostVolume> hostVolumes) {
        List<MountConfig> out = new ArrayList<>();
        for (int i = 0; i < task.volumeMounts().size(); i++) {
            VolumeMount m = task.volumeMounts().get(i);
            String at = "volume_mount[" + i + "]";
            Volume v = volumes.get(m.volume());
            if (v == null) {
                throw new IllegalArgumentException(at + ".volume: the group has no volume \"" + m.volume() + "\"");
            }
            if (!"host".equals(v.type())) {
                throw new IllegalArgumentException("volume \"" + v.name() + "\": type \"" + v.type()
                        + "\" is not supported; Corral mounts host volumes only (CSI needs a Nomad cluster)");
            }
            HostVolume hv = hostVolumes.get(v.source());
            if (hv == null) {
                throw new IllegalArgumentException("volume \"" + v.name() + "\": no host volume named \"" + v.source()
                        + "\" on this node" + (hostVolumes.isEmpty() ? " (it has none)"
                        : " (it has " + String.join(", ", new java.util.TreeSet<>(hostVolumes.keySet())) + ")"));
            }
            if (!Files.exists(hv.path())) {
                throw new IllegalArgumentException("host volume \"" + hv.name() + "\": its path " + hv.path()
                        + " no longer exists on this host");
            }
            out.add(new MountConfig(hv.path(), destination(m.destination(), at + ".destination"),
                    v.readOnly() || m.readOnly() || hv.readOnly()));
        }
        return out;
    }

    /**
     * A {@code volume_mount} destination as an absolute path inside the task root (a relative one is taken
     * from {@code /}, as libcontainer does). A {@code ..} segment is refused rather than resolved, so a
     * destination never names a place outside the task root, and {@code /} would hide the whole root.
     */
    static String destination(String dest, String at) {
        if (dest == null || dest.isBlank()) {
            throw new IllegalArgumentException(at + ": a destination path inside the task is needed");
        }
        if (dest.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(at + ": contains a NUL character");
        }
        for (String segment : dest.split("/")) {
            if (segment.equals("..")) {
                throw new IllegalArgumentException(at + ": \"" + dest + "\" contains \"..\"; use a path inside the task");
            }
        }
        Path p = Path.of("/").resolve(dest).normalize();
        if (p.getNameCount() == 0) {
            throw new IllegalArgumentException(at + ": \"" + dest + "\" would replace the task's whole root; mount below it");
        }
        return p.toString();
    }

    /** {@code config {}} with every template evaluated in {@code env} (Nomad's client-side config interpolation). */
    static DriverConfig evaluate(Map<String, Object> config, TaskEnv env) {
        Value v = env.evaluate(Value.fromJava(config));
        if (!(v instanceof Value.MapValue m)) {
            throw new JobSpecException(Diagnostic.error(SourcePos.NONE, "config", "must be a block of attributes"));
        }
        return new DriverConfig(m.entries(), Map.of(), SourcePos.NONE);
    }
}
