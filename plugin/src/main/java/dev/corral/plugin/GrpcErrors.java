package dev.corral.plugin;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import dev.corral.driver.DriverException;
import dev.corral.plugin.cty.CtyDecodeException;
import dev.corral.plugin.cty.CtyTypeException;
import dev.corral.plugin.proto.structs.StructsPb.RecoverableError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * Turns driver and decoder exceptions into gRPC statuses. Nomad shows the description to the
 * user; for StartTask a {@link RecoverableError} detail tells its restart tracker it may retry.
 */
final class GrpcErrors {
    private GrpcErrors() {}

    static StatusRuntimeException toStatus(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof DriverException.TaskLaunchException) {
            // A host-side failure (cgroups, sandbox binary, I/O) may pass: let Nomad retry.
            return recoverable(e.getMessage());
        }
        Status status = switch (e) {
            case DriverException.TaskNotFoundException x -> Status.NOT_FOUND;
            case DriverException.TaskAlreadyStartedException x -> Status.ALREADY_EXISTS;
            case DriverException.TaskRunningException x -> Status.FAILED_PRECONDITION;
            case DriverException.TaskRecoveryException x -> Status.FAILED_PRECONDITION;
            case DriverException x -> Status.INVALID_ARGUMENT;
            case CtyDecodeException x -> Status.INVALID_ARGUMENT;
            case CtyTypeException x -> Status.INVALID_ARGUMENT;
            case IllegalArgumentException x -> Status.INVALID_ARGUMENT;
            case UnsupportedOperationException x -> Status.UNIMPLEMENTED;
            default -> Status.INTERNAL;
        };
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        if (e instanceof CtyDecodeException || e instanceof CtyTypeException) {
            message = "failed to decode driver config: " + message;
        }
        return status.withDescription(message).withCause(e).asRuntimeException();
    }

    /** FAILED_PRECONDITION with a {@code RecoverableError{recoverable=true}} detail, as Nomad's Go server sends. */
    static StatusRuntimeException recoverable(String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(Code.FAILED_PRECONDITION_VALUE)
                .setMessage(message)
                .addDetails(Any.pack(RecoverableError.newBuilder().setRecoverable(true).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
