package dev.corral.agent;

/** A request to the agent cannot be served; {@link #kind()} maps to an HTTP status in the API layer. */
public class AgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The class of failure: NOT_FOUND (404), BAD_REQUEST (400), CONFLICT (409). */
    public enum Kind { NOT_FOUND, BAD_REQUEST, CONFLICT }

    private final Kind kind;

    public AgentException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static AgentException notFound(String what) {
        return new AgentException(Kind.NOT_FOUND, what);
    }
}
