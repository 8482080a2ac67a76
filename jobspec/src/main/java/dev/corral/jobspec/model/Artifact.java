package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;
import java.util.Map;

/**
 * A task {@code artifact} block.
 *
 * @param source      go-getter URL; may hold runtime references
 * @param destination relative to the task directory, default {@code local/}
 * @param mode        default {@link ArtifactMode#ANY}
 * @param options     go-getter options (e.g. {@code checksum}), appended as URL query parameters
 * @param headers     HTTP headers
 */
public record Artifact(String source, String destination, ArtifactMode mode, Map<String, String> options,
                       Map<String, String> headers, SourcePos pos) {

    public Artifact {
        options = Maps.copy(options);
        headers = Maps.copy(headers);
    }
}
