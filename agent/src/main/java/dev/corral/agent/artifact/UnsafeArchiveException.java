package dev.corral.agent.artifact;

/** An archive entry would write or point outside the destination (`..`, absolute path, escaping symbolic or hard link) or is a device node, FIFO or other special file. */
public final class UnsafeArchiveException extends ArtifactException {
    UnsafeArchiveException(String reason) {
        super(reason);
    }

    UnsafeArchiveException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
