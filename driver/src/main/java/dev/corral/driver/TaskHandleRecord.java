package dev.corral.driver;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The persisted state of one started task: plain, versioned data the caller stores (agent state DB,
 * Nomad's driver state) and gives back to {@link ExecDriver#recoverTask} after a restart.
 * Serialise it with {@link TaskHandleRecordCodec}.
 *
 * @param version            record format version, {@link #CURRENT_VERSION}
 * @param taskConfig         the config the task was started with
 * @param sandboxPid         host pid of the {@code corral-sandbox run} process
 * @param sandboxStartTicks  its start time, field 22 of {@code /proc/<pid>/stat} (defeats pid reuse)
 * @param statusFile         host path of the sandbox's status file
 * @param cgroupPaths        every cgroup directory of the task (one per v1 controller, or one on v2)
 * @param startedAt          when the task started
 */
public record TaskHandleRecord(
        int version,
        TaskConfig taskConfig,
        long sandboxPid,
        long sandboxStartTicks,
        Path statusFile,
        List<Path> cgroupPaths,
        Instant startedAt) {

    public static final int CURRENT_VERSION = 1;

    public TaskHandleRecord {
        cgroupPaths = List.copyOf(cgroupPaths);
    }

    public String taskId() {
        return taskConfig.id();
    }
}
