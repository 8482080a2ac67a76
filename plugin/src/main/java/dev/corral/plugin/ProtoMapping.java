package dev.corral.plugin;

import com.google.protobuf.Timestamp;
import dev.corral.driver.DriverCapabilities;
import dev.corral.driver.ExecResult;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.Fingerprint;
import dev.corral.driver.LogConfig;
import dev.corral.driver.MountConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.TaskHandleRecord;
import dev.corral.driver.TaskHandleRecordCodec;
import dev.corral.driver.TaskResourceUsage;
import dev.corral.driver.TaskState;
import dev.corral.driver.TaskStatus;
import dev.corral.plugin.proto.drivers.DriverPb;
import dev.corral.plugin.proto.drivers.DriverPb.CPUUsage;
import dev.corral.plugin.proto.drivers.DriverPb.DriverCapabilities.FSIsolation;
import dev.corral.plugin.proto.drivers.DriverPb.DriverCapabilities.MountConfigs;
import dev.corral.plugin.proto.drivers.DriverPb.FingerprintResponse.HealthState;
import dev.corral.plugin.proto.drivers.DriverPb.MemoryUsage;
import dev.corral.plugin.proto.drivers.DriverPb.NetworkIsolationSpec.NetworkIsolationMode;
import dev.corral.plugin.proto.structs.StructsPb.Attribute;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one place where Nomad's proto messages and the driver's Java types meet. Every field of
 * either side is read or written here and nowhere else.
 */
public final class ProtoMapping {
    /** Version of our {@code driver_state} format in {@code TaskHandle.version}; Nomad reserves 0. */
    public static final int HANDLE_VERSION = 1;

    private ProtoMapping() {}

    // ---------------------------------------------------------------- Nomad -> driver

    /**
     * A driver task from Nomad's TaskConfig and the already-decoded {@code config {}} block.
     * Nomad's {@code alloc_dir} is the allocation directory: the task root is
     * {@code alloc_dir/<name>} and the shared directory {@code alloc_dir/alloc}.
     */
    public static TaskConfig toDriver(DriverPb.TaskConfig pb, ExecTaskConfig driverConfig) {
        Path allocRoot = Path.of(pb.getAllocDir());
        List<MountConfig> mounts = new ArrayList<>();
        for (DriverPb.Mount m : pb.getMountsList()) {
            mounts.add(new MountConfig(Path.of(m.getHostPath()), m.getTaskPath(), m.getReadonly()));
        }
        return new TaskConfig(
                pb.getId(),
                pb.getName(),
                pb.getAllocId(),
                pb.getJobName(),
                pb.getTaskGroupName(),
                allocRoot.resolve("alloc"),
                allocRoot.resolve(pb.getName()),
                pb.getEnvMap(),
                pb.getUser(),
                toDriver(pb.getResources()),
                driverConfig,
                new LogConfig.Fifos(Path.of(pb.getStdoutPath()), Path.of(pb.getStderrPath())),
                mounts);
    }

    static Resources toDriver(DriverPb.Resources pb) {
        if (!pb.hasAllocatedResources() && !pb.hasLinuxResources()) {
            return Resources.DEFAULT;
        }
        var allocated = pb.getAllocatedResources();
        long shares = allocated.hasCpu() ? allocated.getCpu().getCpuShares() : pb.getLinuxResources().getCpuShares();
        return new Resources(shares, cores(pb.getLinuxResources().getCpusetCpus()),
                allocated.getMemory().getMemoryMb(), allocated.getMemory().getMemoryMaxMb());
    }

    /** Parses Nomad's {@code cpuset_cpus}: ids and ranges joined by commas, e.g. {@code 0,2-3}. */
    static List<Integer> cores(String cpuset) {
        List<Integer> cores = new ArrayList<>();
        for (String part : cpuset.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    cores.add(Integer.parseInt(p));
                } else {
                    for (int c = Integer.parseInt(p.substring(0, dash)); c <= Integer.parseInt(p.substring(dash + 1)); c++) {
                        cores.add(c);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("resources.linux_resources.cpuset_cpus: bad CPU list \"" + cpuset + "\"");
            }
        }
        return List.copyOf(cores);
    }

    public static java.time.Duration toDriver(com.google.protobuf.Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    public static dev.corral.driver.ExecSession.TerminalSize toDriver(DriverPb.ExecTaskStreamingRequest.TerminalSize t) {
        return new dev.corral.driver.ExecSession.TerminalSize(t.getWidth(), t.getHeight());
    }

    /** The driver record stored in {@code TaskHandle.driver_state} by {@link #toProto(TaskHandle, DriverPb.TaskConfig)}. */
    public static TaskHandleRecord recordFrom(DriverPb.TaskHandle handle) {
        if (handle.getVersion() != HANDLE_VERSION) {
            throw new dev.corral.driver.DriverException.TaskRecoveryException("task handle version "
                    + handle.getVersion() + " is not one this plugin wrote (expected " + HANDLE_VERSION + ")");
        }
        if (handle.getDriverState().isEmpty()) {
            throw new dev.corral.driver.DriverException.TaskRecoveryException("task handle has no driver_state");
        }
        return TaskHandleRecordCodec.fromJson(handle.getDriverState().toString(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- driver -> Nomad

    /**
     * The handle Nomad stores. {@code config} echoes Nomad's TaskConfig (it keys everything on
     * its id); {@code driver_state} holds all that recovery needs, because after an agent
     * restart Nomad hands back the config without its msgpack.
     */
    public static DriverPb.TaskHandle toProto(TaskHandle handle, DriverPb.TaskConfig echo) {
        return DriverPb.TaskHandle.newBuilder()
                .setVersion(HANDLE_VERSION)
                .setConfig(echo)
                .setState(handle.running() ? DriverPb.TaskState.RUNNING : DriverPb.TaskState.EXITED)
                .setDriverState(com.google.protobuf.ByteString.copyFromUtf8(TaskHandleRecordCodec.toJson(handle.record())))
                .build();
    }

    public static DriverPb.ExitResult toProto(ExitResult exit) {
        return DriverPb.ExitResult.newBuilder()
                .setExitCode(exit.exitCode())
                .setSignal(exit.signal())
                .setOomKilled(exit.oomKilled())
                .build();
    }

    /** WaitTask's answer: always with a result; a sandbox failure also fills {@code err}. */
    public static DriverPb.WaitTaskResponse waitResponse(ExitResult exit) {
        var b = DriverPb.WaitTaskResponse.newBuilder().setResult(toProto(exit));
        if (exit instanceof ExitResult.SandboxFailed) {
            b.setErr(exit.message());
        }
        return b.build();
    }

    public static DriverPb.InspectTaskResponse toProto(TaskStatus s) {
        var status = DriverPb.TaskStatus.newBuilder()
                .setId(s.id())
                .setName(s.name())
                .setState(toProto(s.state()))
                .setStartedAt(timestamp(s.startedAt()))
                // Nomad requires both timestamps and a result: zero values while running.
                .setCompletedAt(timestamp(s.completedAt().orElse(Instant.EPOCH)))
                .setResult(s.exitResult().map(ProtoMapping::toProto).orElse(DriverPb.ExitResult.getDefaultInstance()));
        return DriverPb.InspectTaskResponse.newBuilder()
                .setTask(status)
                .setDriver(DriverPb.TaskDriverStatus.newBuilder().putAllAttributes(s.driverAttributes()))
                .build();
    }

    static DriverPb.TaskState toProto(TaskState state) {
        return switch (state) {
            case RUNNING -> DriverPb.TaskState.RUNNING;
            case EXITED -> DriverPb.TaskState.EXITED;
            case UNKNOWN -> DriverPb.TaskState.UNKNOWN;
        };
    }

    /** The final message of an exec stream: the command's exit code (128+signal when killed). */
    public static DriverPb.ExecTaskStreamingResponse execExited(int exitCode) {
        return DriverPb.ExecTaskStreamingResponse.newBuilder().setExited(true)
                .setResult(DriverPb.ExitResult.newBuilder().setExitCode(exitCode)).build();
    }

    public static DriverPb.ExecTaskResponse toProto(ExecResult r) {
        // The driver merges stdout and stderr as Nomad's exec does; Nomad shows stdout.
        return DriverPb.ExecTaskResponse.newBuilder()
                .setStdout(com.google.protobuf.ByteString.copyFrom(r.output()))
                .setResult(DriverPb.ExitResult.newBuilder().setExitCode(r.exitCode()))
                .build();
    }

    /**
     * Capabilities as Nomad's enums. Group networking is advertised only when the driver's task
     * config can carry a network namespace; until then Nomad rejects bridge-mode jobs up front
     * instead of running them on the host network.
     */
    public static DriverPb.DriverCapabilities toProto(DriverCapabilities c, boolean driverJoinsNetns) {
        var b = DriverPb.DriverCapabilities.newBuilder()
                .setSendSignals(c.sendSignals())
                .setExec(c.exec())
                .setFsIsolation(switch (c.fsIsolation()) {
                    case "chroot" -> FSIsolation.CHROOT;
                    case "image" -> FSIsolation.IMAGE;
                    default -> FSIsolation.NONE;
                })
                .setMustCreateNetwork(c.mustInitiateNetwork())
                .setMountConfigs("none".equals(c.mountConfigs()) ? MountConfigs.NO_MOUNTS : MountConfigs.ANY_MOUNTS)
                .setRemoteTasks(c.remoteTasks())
                .setDisableLogCollection(c.disableLogCollection());
        for (String mode : c.netIsolationModes()) {
            switch (mode) {
                case "host" -> b.addNetworkIsolationModes(NetworkIsolationMode.HOST);
                case "group" -> {
                    if (driverJoinsNetns) {
                        b.addNetworkIsolationModes(NetworkIsolationMode.GROUP);
                    }
                }
                case "task" -> b.addNetworkIsolationModes(NetworkIsolationMode.TASK);
                case "none" -> b.addNetworkIsolationModes(NetworkIsolationMode.NONE);
                default -> throw new IllegalArgumentException("unknown network isolation mode " + mode);
            }
        }
        return b.build();
    }

    /**
     * The fingerprint with attributes renamed from the driver's {@code driver.exec.*} to the plugin's
     * {@code driver.<name>.*}. {@code "true"}/{@code "false"} become bool attributes, as exec's are.
     */
    public static DriverPb.FingerprintResponse toProto(Fingerprint f, String pluginName) {
        var b = DriverPb.FingerprintResponse.newBuilder()
                .setHealth(switch (f.health()) {
                    case HEALTHY -> HealthState.HEALTHY;
                    case UNHEALTHY -> HealthState.UNHEALTHY;
                    case UNDETECTED -> HealthState.UNDETECTED;
                })
                .setHealthDescription(f.description());
        String from = "driver." + dev.corral.driver.ExecDriver.NAME;
        String to = "driver." + pluginName;
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(f.attributes()).entrySet()) {
            String key = e.getKey().equals(from) || e.getKey().startsWith(from + ".")
                    ? to + e.getKey().substring(from.length()) : e.getKey();
            b.putAttributes(key, attribute(e.getValue()));
        }
        return b.build();
    }

    static Attribute attribute(String value) {
        return switch (value) {
            case "true" -> Attribute.newBuilder().setBoolVal(true).build();
            case "false" -> Attribute.newBuilder().setBoolVal(false).build();
            default -> Attribute.newBuilder().setStringVal(value).build();
        };
    }

    /** One TaskStats sample; Nomad needs {@code timestamp} and {@code agg_resource_usage} set. */
    public static DriverPb.TaskStats toProto(String taskId, TaskResourceUsage u) {
        var b = DriverPb.TaskStats.newBuilder()
                .setId(taskId)
                .setTimestamp(timestamp(u.timestamp()))
                .setAggResourceUsage(DriverPb.TaskResourceUsage.newBuilder().setCpu(toProto(u.cpu())).setMemory(toProto(u.memory())));
        u.processes().forEach((pid, p) -> b.putResourceUsageByPid(Long.toString(pid), DriverPb.TaskResourceUsage.newBuilder()
                // Only cumulative CPU times are known per process, not the percentages Nomad shows.
                .setCpu(CPUUsage.getDefaultInstance())
                .setMemory(MemoryUsage.newBuilder().setRss(p.rssBytes()).addMeasuredFields(MemoryUsage.Fields.RSS))
                .build()));
        return b.build();
    }

    static CPUUsage toProto(TaskResourceUsage.CpuUsage c) {
        var b = CPUUsage.newBuilder()
                .setUserMode(c.userPercent())
                .setSystemMode(c.systemPercent())
                .setPercent(c.percent())
                .setThrottledPeriods(c.throttledPeriods())
                .setThrottledTime(c.throttledNanos());
        for (String m : c.measured()) {
            if (m.equals("Total Ticks")) {
                // Nomad's ticks are MHz-weighted; the driver does not know the node's MHz.
                continue;
            }
            b.addMeasuredFields(switch (m) {
                case "System Mode" -> CPUUsage.Fields.SYSTEM_MODE;
                case "User Mode" -> CPUUsage.Fields.USER_MODE;
                case "Throttled Periods" -> CPUUsage.Fields.THROTTLED_PERIODS;
                case "Throttled Time" -> CPUUsage.Fields.THROTTLED_TIME;
                case "Percent" -> CPUUsage.Fields.PERCENT;
                default -> throw new IllegalArgumentException("unknown CPU measurement \"" + m + "\"");
            });
        }
        return b.build();
    }

    static MemoryUsage toProto(TaskResourceUsage.MemoryUsage m) {
        var b = MemoryUsage.newBuilder()
                .setRss(m.rss())
                .setCache(m.cache())
                .setSwap(m.swap())
                .setUsage(m.usage())
                .setMaxUsage(m.maxUsage())
                .setKernelUsage(m.kernelUsage());
        for (String f : m.measured()) {
            b.addMeasuredFields(switch (f) {
                case "RSS" -> MemoryUsage.Fields.RSS;
                case "Cache" -> MemoryUsage.Fields.CACHE;
                case "Swap" -> MemoryUsage.Fields.SWAP;
                case "Usage" -> MemoryUsage.Fields.USAGE;
                case "Max Usage" -> MemoryUsage.Fields.MAX_USAGE;
                case "Kernel Usage" -> MemoryUsage.Fields.KERNEL_USAGE;
                case "Kernel Max Usage" -> MemoryUsage.Fields.KERNEL_MAX_USAGE;
                default -> throw new IllegalArgumentException("unknown memory measurement \"" + f + "\"");
            });
        }
        return b.build();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
