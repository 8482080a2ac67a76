package dev.corral.agent.artifact;

/** Unpacking would exceed the client's {@code decompression_file_count_limit} or {@code decompression_size_limit}. */
public final class ArchiveLimitException extends ArtifactException {
    ArchiveLimitException(String reason) {
        super(reason);
    }

    ArchiveLimitException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
