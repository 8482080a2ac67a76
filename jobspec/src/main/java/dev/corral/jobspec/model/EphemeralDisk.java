package dev.corral.jobspec.model;

/** The {@code ephemeral_disk} block: default 300 MiB, not sticky, no migration. */
public record EphemeralDisk(DataSize size, boolean sticky, boolean migrate) {

    public static final EphemeralDisk DEFAULT = new EphemeralDisk(DataSize.ofMebibytes(300), false, false);
}
