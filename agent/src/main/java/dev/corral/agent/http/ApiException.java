package dev.corral.agent.http;

/**
 * A request the API refuses, with the HTTP status and the plain-text message Nomad would send
 * (for example 404 "job not found"). Thrown by the backend and by handlers; never carries a stack
 * trace to the client.
 */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }
}
