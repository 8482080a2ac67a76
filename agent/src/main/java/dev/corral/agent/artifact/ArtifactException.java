package dev.corral.agent.artifact;

/**
 * Why an artifact could not be fetched. Every subclass names one kind of failure so the task
 * runner (and tests) can tell them apart; all of them are recoverable in Nomad's sense: the
 * task's restart policy decides what happens next.
 *
 * <p>{@link #reason()} is the bare cause ("bad response code: 404"). Once the failure is tied to
 * an artifact, {@link #getMessage()} has Nomad's shape:
 * {@code failed to download artifact "<source as written>": <reason>}.
 */
public abstract sealed class ArtifactException extends Exception
        permits InvalidArtifactException,
                UnsupportedSourceException,
                DownloadException,
                ChecksumMismatchException,
                UnsafeArchiveException,
                ArchiveLimitException,
                UnsafeDestinationException {

    private final String reason;
    // Set once, by the fetcher, when the failure leaves the artifact's worker.
    private volatile String source;

    ArtifactException(String reason) {
        super(reason);
        this.reason = reason;
    }

    ArtifactException(String reason, Throwable cause) {
        super(reason, cause);
        this.reason = reason;
    }

    /** The cause without the artifact prefix. */
    public String reason() {
        return reason;
    }

    /** The artifact's source exactly as written in the job, once known. */
    public String source() {
        return source;
    }

    final <T extends ArtifactException> T forSource(String rawSource) {
        if (source == null) {
            source = rawSource;
        }
        @SuppressWarnings("unchecked")
        T self = (T) this;
        return self;
    }

    @Override
    public String getMessage() {
        String s = source;
        return s == null ? reason : "failed to download artifact \"" + s + "\": " + reason;
    }
}
