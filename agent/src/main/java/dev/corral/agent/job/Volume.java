package dev.corral.agent.job;

/**
 * A group {@code volume "name"} request (Nomad's {@code VolumeRequest}).
 *
 * @param type     {@code host}; registration refuses {@code csi} (Corral has no CSI)
 * @param source   the name of a client {@code host_volume}
 * @param readOnly every mount of this volume is read-only; a read-write request needs a read-write host volume
 */
public record Volume(String name, String type, String source, boolean readOnly) {
    public Volume {
        type = type == null || type.isEmpty() ? "host" : type;
        source = source == null ? "" : source;
    }
}
