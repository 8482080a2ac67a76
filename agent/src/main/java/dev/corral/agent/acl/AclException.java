package dev.corral.agent.acl;

/**
 * An ACL refusal or a bad ACL request, with the HTTP status and Nomad's message for it
 * ({@code 403 Permission denied}, {@code 403 ACL token not found}, {@code 400 ACL bootstrap already done ...}).
 */
public final class AclException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Nomad's text for a request its token may not make. */
    public static final String PERMISSION_DENIED = "Permission denied";
    /** Nomad's text for a secret that matches no token. */
    public static final String TOKEN_NOT_FOUND = "ACL token not found";

    private final int status;

    public AclException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static AclException denied() {
        return new AclException(403, PERMISSION_DENIED);
    }

    public static AclException badRequest(String message) {
        return new AclException(400, message);
    }
}
