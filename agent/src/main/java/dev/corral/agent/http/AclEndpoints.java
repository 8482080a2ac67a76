package dev.corral.agent.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.corral.agent.acl.AclException;
import dev.corral.agent.acl.AclService;
import dev.corral.agent.state.AclPolicyRecord;
import dev.corral.agent.state.AclTokenRecord;
import java.time.Instant;
import java.util.List;

/**
 * Nomad's {@code /v1/acl/*} endpoints: bootstrap, tokens and policies. {@link AclGate} has already
 * checked the coarse permission; reads a non-management token may make (its own token, its own
 * policies) are narrowed here.
 */
final class AclEndpoints {
    private final AclService acl;

    /** @param acl null when ACLs are disabled: every endpoint then answers 400, as Nomad does */
    AclEndpoints(AclService acl) {
        this.acl = acl;
    }

    /** {@code api.ACLToken}; {@code SecretID} only in the answer that created the token. */
    record AclToken(@JsonProperty("AccessorID") String accessorId,
                    @JsonProperty("SecretID") @JsonInclude(JsonInclude.Include.NON_NULL) String secretId,
                    String name, String type, List<String> policies, List<Object> roles, boolean global,
                    String createTime, Object expirationTime, long createIndex, long modifyIndex) {}

    /** {@code api.ACLTokenListStub}. */
    record AclTokenListStub(@JsonProperty("AccessorID") String accessorId, String name, String type,
                            List<String> policies, List<Object> roles, boolean global, String createTime,
                            Object expirationTime, long createIndex, long modifyIndex) {}

    /** {@code api.ACLPolicy}. */
    record AclPolicy(String name, String description, String rules, Object jobACL, long createIndex,
                     long modifyIndex) {}

    /** {@code api.ACLPolicyListStub}. */
    record AclPolicyListStub(String name, String description, long createIndex, long modifyIndex) {}

    /** The request body of a token create or update. */
    record TokenRequest(@JsonProperty("AccessorID") String accessorId, String name, String type,
                        List<String> policies, boolean global) {}

    /** The request body of a policy upsert. */
    record PolicyRequest(String name, String description, String rules) {}

    void register(Router router) {
        router
            .add("PUT,POST", "/v1/acl/bootstrap", c -> {
                var created = call(() -> service().bootstrap());
                c.json(token(created.token(), created.secretId()), created.token().modifyIndex());
            })
            .add("GET", "/v1/acl/tokens", c -> c.json(service().tokens().stream().map(AclEndpoints::stub).toList(),
                    Math.max(1, service().index())))
            .add("PUT,POST", "/v1/acl/token", c -> upsertToken(c, null))
            .add("GET", "/v1/acl/token/self", c -> {
                AclService.Identity who = identity(c);
                AclTokenRecord t = who.token().orElseThrow(() -> new ApiException(404, AclException.TOKEN_NOT_FOUND));
                c.json(token(t, null), Math.max(1, service().index()));
            })
            .add("GET", "/v1/acl/token/:accessor", c -> {
                AclService.Identity who = identity(c);
                boolean own = who.token().map(t -> t.accessorId().equals(c.param("accessor"))).orElse(false);
                if (!who.acl().isManagement() && !own) {
                    throw new ApiException(403, AclException.PERMISSION_DENIED);
                }
                c.json(token(call(() -> service().token(c.param("accessor"))), null), Math.max(1, service().index()));
            })
            .add("PUT,POST", "/v1/acl/token/:accessor", c -> upsertToken(c, c.param("accessor")))
            .add("DELETE", "/v1/acl/token/:accessor", c -> {
                call(() -> {
                    service().deleteToken(c.param("accessor"));
                    return null;
                });
                empty(c);
            })
            .add("GET", "/v1/acl/policies", c -> {
                AclService.Identity who = identity(c);
                List<String> mine = mine(who);
                c.json(service().policies().stream()
                        .filter(p -> who.acl().isManagement() || mine.contains(p.name()))
                        .map(p -> new AclPolicyListStub(p.name(), p.description(), p.createIndex(), p.modifyIndex()))
                        .toList(), Math.max(1, service().index()));
            })
            .add("GET", "/v1/acl/policy/:name", c -> {
                AclService.Identity who = identity(c);
                if (!who.acl().isManagement() && !mine(who).contains(c.param("name"))) {
                    throw new ApiException(403, AclException.PERMISSION_DENIED);
                }
                AclPolicyRecord p = call(() -> service().policy(c.param("name")));
                c.json(new AclPolicy(p.name(), p.description(), p.rules(), null, p.createIndex(), p.modifyIndex()),
                        Math.max(1, service().index()));
            })
            .add("PUT,POST", "/v1/acl/policy/:name", c -> {
                PolicyRequest r = c.body(PolicyRequest.class);
                if (!c.param("name").equals(r.name())) {
                    throw ApiException.badRequest("ACL policy name does not match request path");
                }
                call(() -> service().upsertPolicy(r.name(), r.description(), r.rules()));
                empty(c);
            })
            .add("DELETE", "/v1/acl/policy/:name", c -> {
                call(() -> {
                    service().deletePolicy(c.param("name"));
                    return null;
                });
                empty(c);
            });
    }

    private AclService service() {
        if (acl == null) {
            throw ApiException.badRequest("ACL support disabled");
        }
        return acl;
    }

    private AclService.Identity identity(ApiCall c) {
        service();
        if (c.request().getAttribute(AclGate.IDENTITY) instanceof AclService.Identity who) {
            return who;
        }
        // The gate runs before every route when ACLs are on; reaching here without it is a wiring bug.
        throw new ApiException(403, AclException.PERMISSION_DENIED);
    }

    /** The policies a token holds; the anonymous identity holds the {@code anonymous} policy. */
    private static List<String> mine(AclService.Identity who) {
        return who.token().map(AclTokenRecord::policies).orElse(List.of(AclService.ANONYMOUS_POLICY));
    }

    private void upsertToken(ApiCall c, String pathAccessor) throws java.io.IOException {
        TokenRequest r = c.body(TokenRequest.class);
        if (pathAccessor != null && !pathAccessor.equals(r.accessorId())) {
            throw ApiException.badRequest("ACL token accessor does not match request path");
        }
        if (r.accessorId() != null && !r.accessorId().isEmpty()) {
            AclTokenRecord t = call(() -> service().updateToken(r.accessorId(), r.name(), r.type(), r.policies()));
            c.json(token(t, null), t.modifyIndex());
        } else {
            var created = call(() -> service().createToken(r.name(), r.type(), r.policies(), r.global()));
            c.json(token(created.token(), created.secretId()), created.token().modifyIndex());
        }
    }

    /** Nomad answers a successful delete or policy write with an empty 200 and the index. */
    private void empty(ApiCall c) throws java.io.IOException {
        c.queryMeta(service().index());
        c.text(200, "");
    }

    private static <T> T call(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (AclException e) {
            throw new ApiException(e.status(), e.getMessage());
        }
    }

    static AclToken token(AclTokenRecord t, String secret) {
        return new AclToken(t.accessorId(), secret, t.name(), t.type(), t.policies(), List.of(), t.global(),
                time(t.createTimeNs()), null, t.createIndex(), t.modifyIndex());
    }

    static AclTokenListStub stub(AclTokenRecord t) {
        return new AclTokenListStub(t.accessorId(), t.name(), t.type(), t.policies(), List.of(), t.global(),
                time(t.createTimeNs()), null, t.createIndex(), t.modifyIndex());
    }

    private static String time(long ns) {
        return NomadJson.time(Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L));
    }
}
