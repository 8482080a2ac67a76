package dev.corral.agent.artifact;

/** The destination cannot be written safely: a path component is a symbolic link (for example one planted by an earlier run of the task), or a directory stands where a file must go. */
public final class UnsafeDestinationException extends ArtifactException {
    UnsafeDestinationException(String reason) {
        super(reason);
    }

    UnsafeDestinationException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
