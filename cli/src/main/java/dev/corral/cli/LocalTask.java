package dev.corral.cli;

import dev.corral.agent.artifact.ArtifactSpec;
import dev.corral.agent.artifact.InvalidArtifactException;
import dev.corral.agent.job.JobMapper;
import dev.corral.agent.logs.LogReader;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.runner.ArtifactFetchHook;
import dev.corral.agent.runner.TaskConfigMapper;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExitResult;
import dev.corral.driver.MountConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandle;
import dev.corral.jobspec.TaskEnv;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** One task started by {@code corral run}: its driver handle and the threads copying its logs. */
final class LocalTask {
    private final String label;
    private final Task task;
    private final TaskHandle handle;
    private final TaskDirectory dirs;
    private final PrintStream out;
    /** Guards {@link #stopping} and {@link #destroyed}. */
    private final Object lock = new Object();
    private boolean stopping;
    private boolean destroyed;
    private Thread stdoutCopier;
    private Thread stderrCopier;

    LocalTask(String label, Task task, TaskHandle handle, TaskDirectory dirs, PrintStream out) {
        this.label = label;
        this.task = task;
        this.handle = handle;
        this.dirs = dirs;
        this.out = out;
    }

    /** The driver's view of a job-file task: interpolated command, args and environment, resources, logs. */
    static TaskEnv taskEnv(Job job, TaskGroup group, Task task, String allocId, int index) {
        return TaskEnv.builder(job, group, task).allocId(allocId).allocIndex(index).node(LocalNode.NODE)
                .hostEnv(System.getenv()).build();
    }

    /** This machine for {@code ${attr.*}} and {@code ${node.*}}: the agent's host fingerprint (a few /proc reads), once. */
    private static final class LocalNode {
        static final TaskEnv.Node NODE = node();

        private static TaskEnv.Node node() {
            var attrs = dev.corral.agent.node.HostFingerprint.system().fingerprint(null).attributes();
            String host = attrs.getOrDefault("unique.hostname", "localhost");
            return new TaskEnv.Node("local", host, "", "dc1", "global", "default", attrs, java.util.Map.of());
        }
    }

    /** The task's {@code artifact} blocks with runtime references resolved, as the fetcher takes them. */
    static List<ArtifactSpec> artifacts(Task task, TaskEnv env) throws InvalidArtifactException {
        return ArtifactFetchHook.specs(JobMapper.task(task), env);
    }

    /**
     * What the driver starts: the agent's own mapping ({@link TaskConfigMapper}), so a job runs the same
     * under {@code corral run} and under the agent; only the resources are decided here.
     */
    static TaskConfig taskConfig(Job job, TaskGroup group, Task task, String allocId, TaskEnv env, TaskDirectory dirs,
                                 Map<String, HostVolume> hostVolumes) {
        var r = task.resources();
        Resources resources = new Resources(r.cpu(), coreList(r.cores()), r.memory().mebibytes(), r.memoryMax().mebibytes());
        return TaskConfigMapper.taskConfig(JobMapper.task(task), allocId, job.name(), group.name(), dirs, env, resources,
                mounts(group, task, hostVolumes));
    }

    /**
     * The task's {@code volume_mount}s as bind mounts of the host volumes given with {@code --host-volume}.
     *
     * @throws IllegalArgumentException a volume that cannot be mounted (e.g. no such host volume)
     */
    static List<MountConfig> mounts(TaskGroup group, Task task, Map<String, HostVolume> hostVolumes) {
        return TaskConfigMapper.mounts(JobMapper.volumes(group.volumes()), JobMapper.task(task), hostVolumes);
    }

    /** {@code cores = N} asks for N whole cores; locally the first N are taken. */
    private static List<Integer> coreList(int cores) {
        return java.util.stream.IntStream.range(0, cores).boxed().toList();
    }

    void streamLogs() {
        stdoutCopier = RunCommand.follow(new LogReader(dirs.logsDir(), task.name(), LogReader.Stream.STDOUT), out, handle.exit());
        stderrCopier = RunCommand.follow(new LogReader(dirs.logsDir(), task.name(), LogReader.Stream.STDERR), System.err, handle.exit());
    }

    /** Waits for the task to exit, drains its logs, reports the exit; returns the task's exit code. */
    int awaitExit(RunCommand cmd) throws InterruptedException {
        ExitResult r;
        try {
            r = handle.exit().get();
        } catch (ExecutionException e) {
            cmd.event(label, "Driver Failure", String.valueOf(e.getCause().getMessage()));
            return 1;
        } finally {
            // The copiers end by themselves once the exit is complete and the logs are drained.
            stdoutCopier.join();
            stderrCopier.join();
        }
        cmd.event(label, "Terminated", RunCommand.describe(r));
        synchronized (lock) {
            if (stopping) {
                cmd.event(label, "Killed", "Task successfully killed");
            }
        }
        return r.exitCode();
    }

    /** Ctrl-C: send {@code kill_signal}, wait {@code kill_timeout}, then kill the cgroup. */
    void stop(ExecDriver driver) {
        synchronized (lock) {
            if (stopping || destroyed || handle.exit().isDone()) {
                return;
            }
            stopping = true;
        }
        System.err.printf("==> %s Killing: Sent interrupt. Waiting %s before force killing%n", label,
                dev.corral.jobspec.Durations.format(task.killTimeout()));
        driver.stopTask(handle.id(), task.killTimeout(), task.killSignal());
    }

    /** Removes the task from the driver (its cgroup included). */
    void destroy(ExecDriver driver) {
        synchronized (lock) {
            if (destroyed) {
                return;
            }
            destroyed = true;
        }
        if (!handle.exit().isDone()) {
            driver.stopTask(handle.id(), java.time.Duration.ZERO, "SIGKILL");
        }
        driver.destroyTask(handle.id(), true);
    }
}
