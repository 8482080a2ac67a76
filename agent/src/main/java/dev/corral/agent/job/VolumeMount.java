package dev.corral.agent.job;

/**
 * A task {@code volume_mount} (Nomad's {@code VolumeMount}).
 *
 * @param volume          the name of a group {@code volume}
 * @param destination     where the task sees it, inside the task root
 * @param readOnly        mount read-only
 * @param propagationMode accepted and kept for the API; Corral's mounts are always {@code private}
 */
public record VolumeMount(String volume, String destination, boolean readOnly, String propagationMode) {
    public VolumeMount {
        propagationMode = propagationMode == null || propagationMode.isEmpty() ? "private" : propagationMode;
    }
}
