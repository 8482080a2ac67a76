package dev.corral.plugin;

import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecResult;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandle;
import dev.corral.plugin.config.TaskConfigSchema;
import dev.corral.plugin.proto.drivers.DriverGrpc;
import dev.corral.plugin.proto.drivers.DriverPb;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code hashicorp.nomad.plugins.drivers.proto.Driver} on top of {@link ExecDriver}. Requests are
 * translated by {@link ProtoMapping} only; blocking driver calls run on the server's virtual
 * threads, long waits (WaitTask) complete asynchronously.
 */
final class DriverService extends DriverGrpc.DriverImplBase {
    /** Minimum stats interval, so a zero interval cannot spin. */
    private static final Duration MIN_STATS_INTERVAL = Duration.ofMillis(100);

    private final DriverHolder holder;
    private final HclogWriter log;

    DriverService(DriverHolder holder, HclogWriter log) {
        this.holder = holder;
        this.log = log;
    }

    private ExecDriver driver() {
        return holder.driver();
    }

    @Override
    public void taskConfigSchema(DriverPb.TaskConfigSchemaRequest request, StreamObserver<DriverPb.TaskConfigSchemaResponse> out) {
        unary(out, () -> DriverPb.TaskConfigSchemaResponse.newBuilder().setSpec(TaskConfigSchema.SPEC).build());
    }

    @Override
    public void capabilities(DriverPb.CapabilitiesRequest request, StreamObserver<DriverPb.CapabilitiesResponse> out) {
        unary(out, () -> DriverPb.CapabilitiesResponse.newBuilder()
                .setCapabilities(ProtoMapping.toProto(driver().capabilities(), false)).build());
    }

    /** Sends the fingerprint at once, then whenever it changes; stays open until Nomad cancels. */
    @Override
    public void fingerprint(DriverPb.FingerprintRequest request, StreamObserver<DriverPb.FingerprintResponse> out) {
        var call = (ServerCallStreamObserver<DriverPb.FingerprintResponse>) out;
        var last = new java.util.concurrent.atomic.AtomicReference<DriverPb.FingerprintResponse>();
        var loop = new java.util.concurrent.atomic.AtomicReference<AutoCloseable>();
        // The cancel handler must be in place before the first message can be sent.
        call.setOnCancelHandler(() -> closeQuietly(loop.get()));
        loop.set(driver().fingerprintEvery(ExecDriver.FINGERPRINT_PERIOD, fp -> {
            DriverPb.FingerprintResponse now = ProtoMapping.toProto(fp, PluginServer.NAME);
            synchronized (call) {
                if (!call.isCancelled() && !now.equals(last.getAndSet(now))) {
                    call.onNext(now);
                }
            }
        }));
        if (call.isCancelled()) {
            closeQuietly(loop.get());
        }
    }

    /** The driver emits no events of its own (as exec); the stream stays open and quiet. */
    @Override
    public void taskEvents(DriverPb.TaskEventsRequest request, StreamObserver<DriverPb.DriverTaskEvent> out) {
        ((ServerCallStreamObserver<DriverPb.DriverTaskEvent>) out).setOnCancelHandler(() -> {});
    }

    @Override
    public void startTask(DriverPb.StartTaskRequest request, StreamObserver<DriverPb.StartTaskResponse> out) {
        unary(out, () -> {
            DriverPb.TaskConfig task = request.getTask();
            if (task.getNetworkIsolationSpec().getMode() == DriverPb.NetworkIsolationSpec.NetworkIsolationMode.GROUP
                    && !task.getNetworkIsolationSpec().getPath().isEmpty()) {
                throw new DriverException.InvalidTaskConfigException("network mode \"bridge\"/group networking is not "
                        + "supported by this Corral build: the task cannot join " + task.getNetworkIsolationSpec().getPath());
            }
            ExecTaskConfig config = TaskConfigSchema.decode(task.getMsgpackDriverConfig().toByteArray());
            ExecDriver driver = driver();
            // Nomad made the alloc and task dirs; add the mount points our sandbox binds onto (idempotent).
            TaskDirectory.create(java.nio.file.Path.of(task.getAllocDir()), task.getName(), driver.config().chrootEnv());
            TaskHandle handle = driver.startTask(ProtoMapping.toDriver(task, config));
            log.info("task started", "task_id", task.getId(), "pid", handle.sandboxPid());
            return DriverPb.StartTaskResponse.newBuilder().setHandle(ProtoMapping.toProto(handle, task)).build();
        });
    }

    @Override
    public void waitTask(DriverPb.WaitTaskRequest request, StreamObserver<DriverPb.WaitTaskResponse> out) {
        try {
            driver().waitTask(request.getTaskId()).whenComplete((exit, error) -> {
                try {
                    if (error != null) {
                        out.onError(GrpcErrors.toStatus(error));
                    } else {
                        out.onNext(ProtoMapping.waitResponse(exit));
                        out.onCompleted();
                    }
                } catch (IllegalStateException | io.grpc.StatusRuntimeException cancelled) {
                    // Nomad went away while waiting; the exit stays recorded for the next WaitTask.
                }
            });
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
        }
    }

    @Override
    public void stopTask(DriverPb.StopTaskRequest request, StreamObserver<DriverPb.StopTaskResponse> out) {
        unary(out, () -> {
            try {
                driver().stopTask(request.getTaskId(), ProtoMapping.toDriver(request.getTimeout()), request.getSignal());
            } catch (DriverException.TaskNotFoundException alreadyGone) {
                // Nomad retries a failed StopTask with backoff; a task we do not know is not running here.
                log.debug("stop of an unknown task", "task_id", request.getTaskId());
            }
            return DriverPb.StopTaskResponse.getDefaultInstance();
        });
    }

    @Override
    public void destroyTask(DriverPb.DestroyTaskRequest request, StreamObserver<DriverPb.DestroyTaskResponse> out) {
        unary(out, () -> {
            try {
                driver().destroyTask(request.getTaskId(), request.getForce());
            } catch (DriverException.TaskNotFoundException alreadyGone) {
                // Nomad destroys after failed recoveries too; an unknown task is already destroyed.
            }
            return DriverPb.DestroyTaskResponse.getDefaultInstance();
        });
    }

    @Override
    public void inspectTask(DriverPb.InspectTaskRequest request, StreamObserver<DriverPb.InspectTaskResponse> out) {
        unary(out, () -> ProtoMapping.toProto(driver().inspectTask(request.getTaskId())));
    }

    /** One sample per interval until the task exits (then the stream completes) or Nomad cancels. */
    @Override
    public void taskStats(DriverPb.TaskStatsRequest request, StreamObserver<DriverPb.TaskStatsResponse> out) {
        var call = (ServerCallStreamObserver<DriverPb.TaskStatsResponse>) out;
        String id = request.getTaskId();
        Duration interval = ProtoMapping.toDriver(request.getCollectionInterval());
        Duration period = interval.compareTo(MIN_STATS_INTERVAL) < 0 ? MIN_STATS_INTERVAL : interval;
        var ended = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            TaskHandle handle = driver().handle(id).orElseThrow(() -> new DriverException.TaskNotFoundException(id));
            var loopRef = new java.util.concurrent.atomic.AtomicReference<AutoCloseable>();
            call.setOnCancelHandler(() -> closeQuietly(loopRef.get()));
            AutoCloseable loop = driver().streamTaskStats(id, period, usage -> {
                DriverPb.TaskStatsResponse r = DriverPb.TaskStatsResponse.newBuilder().setStats(ProtoMapping.toProto(id, usage)).build();
                synchronized (call) {
                    if (!ended.get() && !call.isCancelled()) {
                        call.onNext(r);
                    }
                }
            });
            loopRef.set(loop);
            if (call.isCancelled()) {
                closeQuietly(loop);
            }
            handle.exit().whenComplete((exit, error) -> {
                closeQuietly(loop);
                synchronized (call) {
                    if (!ended.getAndSet(true) && !call.isCancelled()) {
                        call.onCompleted();
                    }
                }
            });
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
        }
    }

    private void closeQuietly(AutoCloseable loop) {
        if (loop == null) {
            return;
        }
        try {
            loop.close();
        } catch (Exception e) {
            log.warn("cannot stop a periodic driver loop", "error", e.toString());
        }
    }

    @Override
    public void signalTask(DriverPb.SignalTaskRequest request, StreamObserver<DriverPb.SignalTaskResponse> out) {
        unary(out, () -> {
            driver().signalTask(request.getTaskId(), request.getSignal());
            return DriverPb.SignalTaskResponse.getDefaultInstance();
        });
    }

    @Override
    public void execTask(DriverPb.ExecTaskRequest request, StreamObserver<DriverPb.ExecTaskResponse> out) {
        unary(out, () -> {
            ExecResult r = driver().execTask(request.getTaskId(), request.getCommandList(), ProtoMapping.toDriver(request.getTimeout()));
            if (r.timedOut()) {
                throw Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded").asRuntimeException();
            }
            return ProtoMapping.toProto(r);
        });
    }

    @Override
    public StreamObserver<DriverPb.ExecTaskStreamingRequest> execTaskStreaming(
            StreamObserver<DriverPb.ExecTaskStreamingResponse> out) {
        return new ExecStreamingCall(this::driver, out, log);
    }

    /** Re-adopts a task from the handle Nomad stored; {@code task_id} is unset by Nomad, the key is the config id. */
    @Override
    public void recoverTask(DriverPb.RecoverTaskRequest request, StreamObserver<DriverPb.RecoverTaskResponse> out) {
        unary(out, () -> {
            if (!request.hasHandle()) {
                throw new DriverException.TaskRecoveryException("handle cannot be nil");
            }
            String id = request.getHandle().getConfig().getId().isEmpty() ? request.getTaskId()
                    : request.getHandle().getConfig().getId();
            if (driver().handle(id).isEmpty()) {
                TaskHandle h = driver().recoverTask(ProtoMapping.recordFrom(request.getHandle()));
                log.info("task recovered", "task_id", id, "running", h.running());
            }
            return DriverPb.RecoverTaskResponse.getDefaultInstance();
        });
    }

    private <T> void unary(StreamObserver<T> out, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
