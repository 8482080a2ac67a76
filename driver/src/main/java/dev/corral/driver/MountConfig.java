package dev.corral.driver;

import java.nio.file.Path;

/**
 * A host path bind-mounted into the task (host volumes, CSI volumes).
 *
 * @param hostPath host path to mount
 * @param taskPath absolute path inside the task root
 * @param readOnly mount read-only
 */
public record MountConfig(Path hostPath, String taskPath, boolean readOnly) {
}
