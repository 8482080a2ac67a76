package dev.corral.agent.node;

import java.nio.file.Path;

/**
 * A client {@code host_volume "name" { path, read_only }}: a host directory (or file) that jobs may
 * mount by name with a group {@code volume { type = "host", source = "name" }}.
 *
 * @param path     absolute host path; it existed when the agent read its configuration
 * @param readOnly every mount of this volume is read-only, and a read-write request cannot be placed here
 */
public record HostVolume(String name, Path path, boolean readOnly) {
}
