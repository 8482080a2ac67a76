package dev.corral.agent.runner;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.node.HostFingerprint;
import dev.corral.agent.node.Node;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.LogConfig;
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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one mapping from a runnable task to what the exec driver starts, used by the agent's task
 * runner and by {@code corral run} (which maps its parsed job with {@link dev.corral.agent.job.JobMapper}
 * first): the task's environment ({@link TaskEnv}, Nomad's taskenv), its {@code config {}} evaluated
 * as Nomad's client does at start (HCL2 templates with functions over that environment and the node)
 * and typed by the exec schema, its logs and its resources.
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
                                        TaskEnv env, Resources resources) {
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
                dirs.allocDir(), dirs.taskDir(), env.environment(), task.user(), resources, exec, logs, List.of());
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
