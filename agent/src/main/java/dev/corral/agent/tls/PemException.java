package dev.corral.agent.tls;

/** A PEM file that cannot be used, with the file and what is wrong with it. */
public final class PemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }

    public PemException(String message) {
        super(message);
    }
}
