package dev.corral.agent.job;

/**
 * A task's {@code logs} block.
 *
 * @param maxFiles      {@code max_files} per stream (default 10)
 * @param maxFileSizeMb {@code max_file_size} in MiB (default 10)
 * @param disabled      {@code disabled}: stdout and stderr are discarded
 */
public record LogsConfig(int maxFiles, int maxFileSizeMb, boolean disabled) {
    public static final LogsConfig DEFAULT = new LogsConfig(10, 10, false);
}
