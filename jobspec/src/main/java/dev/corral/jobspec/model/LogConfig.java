package dev.corral.jobspec.model;

/**
 * The {@code logs} block.
 *
 * @param maxFiles    files kept per stream, default 10
 * @param maxFileSize size at which a file is rotated, default 10 MiB
 * @param disabled    when true stdout/stderr are discarded
 */
public record LogConfig(int maxFiles, DataSize maxFileSize, boolean disabled) {

    public static final LogConfig DEFAULT = new LogConfig(10, DataSize.ofMebibytes(10), false);
}
