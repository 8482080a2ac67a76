package dev.corral.jobspec.model;

/**
 * A group {@code volume "name"} block.
 *
 * @param type     {@code host} (only host volumes are supported) or {@code csi}
 * @param source   the client's host volume name
 * @param readOnly mount read-only
 */
public record VolumeRequest(String name, String type, String source, boolean readOnly) {
}
