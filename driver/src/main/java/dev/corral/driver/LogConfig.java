package dev.corral.driver;

import java.nio.file.Path;

/** Where the task's stdout and stderr go. */
public sealed interface LogConfig {

    /** Nomad's default: 10 files of 10 MiB per stream. */
    LogConfig DEFAULT = new RotatedFiles(10, 10L * 1024 * 1024);

    /**
     * The sandbox writes {@code <alloc>/logs/<task>.stdout.N} and {@code .stderr.N}, rotating itself.
     *
     * @param maxFiles     files kept per stream ({@code logs.max_files})
     * @param maxFileBytes bytes per file before rotation ({@code logs.max_file_size} in bytes)
     */
    record RotatedFiles(int maxFiles, long maxFileBytes) implements LogConfig {
    }

    /** Plugin mode: Nomad's logmon hands over two FIFOs (or files) that the sandbox opens for append. */
    record Fifos(Path stdout, Path stderr) implements LogConfig {
    }
}
