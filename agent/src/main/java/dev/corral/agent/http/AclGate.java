package dev.corral.agent.http;

import dev.corral.agent.acl.AclException;
import dev.corral.agent.acl.AclService;
import dev.corral.agent.acl.Permission;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * Checks every request's token before anything else sees it, the exec WebSocket upgrade and log
 * streams included: {@code X-Nomad-Token} (or {@code Authorization: Bearer}) is resolved to an
 * ACL, and a request it does not allow is answered {@code 403 Permission denied}. The resolved
 * identity is left on the request for the ACL endpoints.
 */
final class AclGate extends Handler.Wrapper {
    /** Request attribute holding the {@link AclService.Identity} of an allowed request. */
    static final String IDENTITY = AclGate.class.getName() + ".identity";
    /** Request attribute holding the re-check of an allowed request; see {@link #stillAllowed}. */
    private static final String RECHECK = AclGate.class.getName() + ".recheck";

    /** The namespace every object of this agent lives in. */
    static final String SERVED_NAMESPACE = "default";

    private final AclService acl;

    AclGate(AclService acl, Handler next) {
        super(next);
        this.acl = acl;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getDecodedPath();
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        Fields.Field topics = query.get("topic");
        Permission needed = ApiPermissions.required(request.getMethod(), path == null ? "" : path,
                topics == null ? List.of() : topics.getValues());
        Fields.Field nsField = query.get("namespace");
        String namespace = nsField == null || nsField.getValue().isEmpty() ? SERVED_NAMESPACE : nsField.getValue();
        AclService.Identity who;
        try {
            who = acl.resolve(secret(request));
        } catch (AclException e) {
            if (!(needed instanceof Permission.Public)) {
                return refuse(response, callback, e.status(), e.getMessage());
            }
            who = acl.resolve(null); // bootstrap and health ignore a stale token, as Nomad does
        }
        // Corral has one namespace: every job, allocation and evaluation lives in "default" (a job for another
        // is refused at registration, as Nomad refuses a nonexistent namespace), whatever ?namespace= says. So
        // a namespace right must hold in "default", where what is served lives, and in the namespace asked
        // for (Nomad's check; "*" asks for every namespace the token may see).
        if (!allows(who, needed, namespace)) {
            return refuse(response, callback, 403, AclException.PERMISSION_DENIED);
        }
        request.setAttribute(IDENTITY, who);
        request.setAttribute(RECHECK, new Recheck(acl, secret(request), needed, namespace));
        return super.handle(request, response, callback);
    }

    /**
     * Tells whether a request that outlives its check (an event stream, a log follow, an exec session)
     * may go on: its token still exists and still grants what the request needed. Always true without
     * ACLs. Take it while the request is being handled (Jetty recycles requests).
     */
    static BooleanSupplier stillAllowed(Request request) {
        return request.getAttribute(RECHECK) instanceof Recheck r ? r : () -> true;
    }

    /** The namespace rule as {@link #handle} applies it. */
    private static boolean allows(AclService.Identity who, Permission needed, String namespace) {
        return who.acl().allows(needed, SERVED_NAMESPACE)
                && (namespace.equals("*") || who.acl().allows(needed, namespace));
    }

    /**
     * Re-resolves a request's token at most once a second; once refused, refused for good. A deleted
     * token or a policy that no longer grants the right ends the stream within about a second.
     */
    private static final class Recheck implements BooleanSupplier {
        private static final long EVERY_NANOS = 1_000_000_000L;
        private final AclService acl;
        private final String secret;
        private final Permission needed;
        private final String namespace;
        /** Guarded by this. */
        private long checkedAt = System.nanoTime();
        /** Guarded by this. */
        private boolean allowed = true;

        Recheck(AclService acl, String secret, Permission needed, String namespace) {
            this.acl = acl;
            this.secret = secret;
            this.needed = needed;
            this.namespace = namespace;
        }

        @Override
        public synchronized boolean getAsBoolean() {
            long now = System.nanoTime();
            if (!allowed || now - checkedAt < EVERY_NANOS) {
                return allowed;
            }
            checkedAt = now;
            try {
                allowed = needed instanceof Permission.Public || allows(acl.resolve(secret), needed, namespace);
            } catch (AclException e) {
                allowed = false;
            }
            return allowed;
        }
    }

    /** The request's secret: {@code X-Nomad-Token}, else an {@code Authorization: Bearer} token, else null. */
    static String secret(Request request) {
        String t = request.getHeaders().get("X-Nomad-Token");
        if (t != null && !t.isBlank()) {
            return t.strip();
        }
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String b = auth.substring(7).strip();
            return b.isEmpty() ? null : b;
        }
        return null;
    }

    private static boolean refuse(Response response, Callback callback, int status, String message) {
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        response.write(true, ByteBuffer.wrap(b), callback);
        return true;
    }
}
