package dev.corral.plugin.cty;

/** The bytes are not a go-cty msgpack value; the message names the byte offset. */
public final class CtyDecodeException extends RuntimeException {
    public CtyDecodeException(String message) {
        super(message);
    }

    public CtyDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
