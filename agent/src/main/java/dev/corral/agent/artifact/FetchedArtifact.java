package dev.corral.agent.artifact;

import java.nio.file.Path;

/**
 * One artifact in place.
 *
 * @param spec what was asked for
 * @param identity {@link ArtifactSpec#identity()}, to record so a restart skips it
 * @param destination host path written (a directory for archives and git, else the file)
 * @param bytes bytes transferred (0 on a cache hit or when the file was already there)
 * @param fromCache true when nothing was transferred
 */
public record FetchedArtifact(ArtifactSpec spec, String identity, Path destination, long bytes, boolean fromCache) {
}
