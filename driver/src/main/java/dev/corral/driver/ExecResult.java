package dev.corral.driver;

/**
 * Result of ExecTask (script checks): the exit code and the last 4 KiB of merged stdout+stderr.
 *
 * @param exitCode exit code (128+signal when killed)
 * @param output   tail of the output, at most {@link #MAX_OUTPUT_BYTES}
 * @param timedOut true when the command was killed at the deadline
 */
public record ExecResult(int exitCode, byte[] output, boolean timedOut) {
    /** Nomad's CheckBufSize. */
    public static final int MAX_OUTPUT_BYTES = 4 * 1024;

    public ExecResult {
        output = output.clone();
    }

    @Override
    public byte[] output() {
        return output.clone();
    }
}
