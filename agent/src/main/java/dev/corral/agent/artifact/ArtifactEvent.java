package dev.corral.agent.artifact;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What the fetcher reports while it works. {@link Downloading} and {@link Failed} are Nomad task
 * events (their {@link #taskEventType()} is Nomad's exact type string); {@link Progress} and
 * {@link Fetched} are for progress display and logs only.
 */
public sealed interface ArtifactEvent {
    /** Nomad's task event type emitted once before the downloads start. */
    String TYPE_DOWNLOADING = "Downloading Artifacts";
    /** Nomad's task event type emitted for an artifact that failed. */
    String TYPE_FAILED = "Failed Artifact Download";

    /** Nomad's task event type, or empty for events that are not task events. */
    Optional<String> taskEventType();

    /** The line {@code alloc status} shows for this event. */
    String displayMessage();

    /** Emitted once per {@code fetchAll} call that has at least one artifact. */
    record Downloading() implements ArtifactEvent {
        @Override
        public Optional<String> taskEventType() {
            return Optional.of(TYPE_DOWNLOADING);
        }

        @Override
        public String displayMessage() {
            return "Client is downloading artifacts";
        }
    }

    /**
     * Bytes received so far for one download, at most a few times a second.
     *
     * @param source the source as written in the job
     * @param bytes bytes received so far
     * @param totalBytes the announced length, or -1 when the server did not say
     */
    record Progress(String source, long bytes, long totalBytes) implements ArtifactEvent {
        @Override
        public Optional<String> taskEventType() {
            return Optional.empty();
        }

        @Override
        public String displayMessage() {
            return totalBytes >= 0
                    ? source + ": " + bytes + " of " + totalBytes + " bytes"
                    : source + ": " + bytes + " bytes";
        }
    }

    /**
     * One artifact is in place.
     *
     * @param source the source as written in the job
     * @param destination the host path it was written to
     * @param bytes bytes downloaded (0 when served from the cache or already present)
     * @param fromCache true when no transfer was needed
     */
    record Fetched(String source, Path destination, long bytes, boolean fromCache) implements ArtifactEvent {
        @Override
        public Optional<String> taskEventType() {
            return Optional.empty();
        }

        @Override
        public String displayMessage() {
            return fromCache ? source + ": served from cache" : source + ": downloaded " + bytes + " bytes";
        }
    }

    /**
     * One artifact failed; its message is Nomad's
     * {@code failed to download artifact "<source>": <reason>}.
     */
    record Failed(String source, ArtifactException error) implements ArtifactEvent {
        @Override
        public Optional<String> taskEventType() {
            return Optional.of(TYPE_FAILED);
        }

        @Override
        public String displayMessage() {
            return error.getMessage();
        }
    }
}
