package dev.corral.agent.artifact;

/** The source names a getter Corral does not provide (S3, GCS, Mercurial, zstd archives), a local path while local sources are disabled, or git without a git binary. */
public final class UnsupportedSourceException extends ArtifactException {
    UnsupportedSourceException(String reason) {
        super(reason);
    }

    UnsupportedSourceException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
