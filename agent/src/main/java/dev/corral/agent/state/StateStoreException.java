package dev.corral.agent.state;

/** A state store operation failed; the message names the operation and the database file. */
public class StateStoreException extends RuntimeException {
    public StateStoreException(String message) {
        super(message);
    }

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
