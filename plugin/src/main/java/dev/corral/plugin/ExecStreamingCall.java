package dev.corral.plugin;

import com.google.protobuf.ByteString;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecSession;
import dev.corral.plugin.proto.drivers.DriverPb.ExecTaskStreamingIOOperation;
import dev.corral.plugin.proto.drivers.DriverPb.ExecTaskStreamingRequest;
import dev.corral.plugin.proto.drivers.DriverPb.ExecTaskStreamingResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One {@code ExecTaskStreaming} call ({@code nomad alloc exec}), with Nomad's wire semantics
 * (reference §4.2): a Setup first, then stdin chunks (close = EOF) and terminal sizes; empty
 * messages are heartbeats. We send stdout/stderr chunks, one close marker per stream, then
 * {@code exited} with the result, and complete. Fields are guarded by {@code this}; sends
 * are serialised on {@link #out}.
 */
final class ExecStreamingCall implements StreamObserver<ExecTaskStreamingRequest> {
    /** The size Nomad's client starts a terminal with until its first resize arrives. */
    static final ExecSession.TerminalSize INITIAL_TTY = new ExecSession.TerminalSize(80, 24);
    private static final int CHUNK = 32 * 1024;

    private final Supplier<ExecDriver> driver;
    private final ServerCallStreamObserver<ExecTaskStreamingResponse> out;
    private final HclogWriter log;
    private ExecSession session;
    private boolean finished;

    ExecStreamingCall(Supplier<ExecDriver> driver, StreamObserver<ExecTaskStreamingResponse> out, HclogWriter log) {
        this.driver = driver;
        this.out = (ServerCallStreamObserver<ExecTaskStreamingResponse>) out;
        this.log = log;
        this.out.setOnCancelHandler(this::abort);
    }

    @Override
    public void onNext(ExecTaskStreamingRequest request) {
        ExecSession s;
        synchronized (this) {
            if (finished) {
                return;
            }
            s = session;
        }
        try {
            if (s == null) {
                if (!request.hasSetup()) {
                    if (request.equals(ExecTaskStreamingRequest.getDefaultInstance())) {
                        return; // heartbeat before setup
                    }
                    throw Status.INVALID_ARGUMENT.withDescription("the first ExecTaskStreaming message must be setup")
                            .asRuntimeException();
                }
                start(request.getSetup());
                return;
            }
            if (request.hasTtySize()) {
                s.resize(ProtoMapping.toDriver(request.getTtySize()));
            }
            if (request.hasStdin()) {
                if (!request.getStdin().getData().isEmpty()) {
                    s.stdin().write(request.getStdin().getData().toByteArray());
                    s.stdin().flush();
                }
                if (request.getStdin().getClose()) {
                    s.stdin().close();
                }
            }
        } catch (IOException e) {
            // The command closed its stdin or exited: later input has nowhere to go, the exit follows.
            log.debug("exec stdin closed", "error", e.getMessage());
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void start(ExecTaskStreamingRequest.Setup setup) {
        ExecSession s = driver.get().execTaskStreaming(setup.getTaskId(), setup.getCommandList(),
                setup.getTty() ? Optional.of(INITIAL_TTY) : Optional.empty());
        synchronized (this) {
            session = s;
        }
        CompletableFuture<Void> stdout = pump(s.stdout(), true);
        CompletableFuture<Void> stderr = pump(s.stderr(), false);
        CompletableFuture.allOf(stdout, stderr, s.exit()).whenComplete((ignored, error) -> {
            s.close();
            if (error != null) {
                fail(error);
                return;
            }
            send(ProtoMapping.execExited(s.exit().join()));
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
            }
            try {
                out.onCompleted();
            } catch (IllegalStateException cancelled) {
                // Nomad went away first.
            }
        });
    }

    /** Copies one stream into response chunks, then sends its close marker. */
    private CompletableFuture<Void> pump(InputStream in, boolean isStdout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name(isStdout ? "exec-stdout" : "exec-stderr").start(() -> {
            byte[] buf = new byte[CHUNK];
            try (in) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (n > 0) {
                        send(chunk(isStdout, ExecTaskStreamingIOOperation.newBuilder().setData(ByteString.copyFrom(buf, 0, n))));
                    }
                }
            } catch (IOException e) {
                log.debug("exec output ended", "error", e.getMessage());
            }
            send(chunk(isStdout, ExecTaskStreamingIOOperation.newBuilder().setClose(true)));
            done.complete(null);
        });
        return done;
    }

    private static ExecTaskStreamingResponse chunk(boolean isStdout, ExecTaskStreamingIOOperation.Builder op) {
        var b = ExecTaskStreamingResponse.newBuilder();
        return (isStdout ? b.setStdout(op) : b.setStderr(op)).build();
    }

    private void send(ExecTaskStreamingResponse r) {
        synchronized (out) {
            synchronized (this) {
                if (finished) {
                    return;
                }
            }
            try {
                out.onNext(r);
            } catch (IllegalStateException | io.grpc.StatusRuntimeException cancelled) {
                abort();
            }
        }
    }

    private void fail(Throwable e) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        abort();
        synchronized (out) {
            try {
                out.onError(GrpcErrors.toStatus(e));
            } catch (IllegalStateException cancelled) {
                // already closed
            }
        }
    }

    /** Nomad cancelled or the stream broke: kill the command. */
    private void abort() {
        ExecSession s;
        synchronized (this) {
            s = session;
        }
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            finished = true;
        }
        abort();
    }

    @Override
    public void onCompleted() {
        // Nomad finished sending; the command keeps running until it exits.
    }
}
