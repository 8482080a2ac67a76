package dev.corral.agent.artifact;

/** The transfer failed: HTTP status, connection error after all retries, timeout, size limit, truncated body, or a failing git command. */
public final class DownloadException extends ArtifactException {
    DownloadException(String reason) {
        super(reason);
    }

    DownloadException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
