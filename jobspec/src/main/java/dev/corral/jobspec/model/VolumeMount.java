package dev.corral.jobspec.model;

/**
 * A task {@code volume_mount} block.
 *
 * @param volume          name of a group {@code volume}
 * @param destination     path inside the task
 * @param readOnly        mount read-only
 * @param propagationMode {@code private} (default), {@code host-to-task} or {@code bidirectional}
 */
public record VolumeMount(String volume, String destination, boolean readOnly, String propagationMode) {
}
