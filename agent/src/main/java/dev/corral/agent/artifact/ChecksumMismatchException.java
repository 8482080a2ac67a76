package dev.corral.agent.artifact;

/**
 * The downloaded bytes do not hash to the value in {@code options { checksum = ... }}. Nothing of
 * the artifact is left in the destination.
 */
public final class ChecksumMismatchException extends ArtifactException {
    private final String expected;
    private final String actual;

    ChecksumMismatchException(String path, String algorithm, String expected, String actual) {
        // Nomad's multi-line wording; its last line names Go's hash type.
        super("Checksums did not match for " + path + ".\nExpected: " + expected + "\nGot: " + actual
                + "\n*" + algorithm + ".digest");
        this.expected = expected;
        this.actual = actual;
    }

    /** The expected digest, lower-case hex. */
    public String expected() {
        return expected;
    }

    /** The digest of what was downloaded, lower-case hex. */
    public String actual() {
        return actual;
    }
}
