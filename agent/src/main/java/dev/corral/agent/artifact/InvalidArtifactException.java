package dev.corral.agent.artifact;

/** The artifact block itself is wrong: empty source, unknown mode, malformed checksum, a destination outside the task directory, an unknown archive type. */
public final class InvalidArtifactException extends ArtifactException {
    InvalidArtifactException(String reason) {
        super(reason);
    }

    InvalidArtifactException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
