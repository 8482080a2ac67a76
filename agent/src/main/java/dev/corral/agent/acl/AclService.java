package dev.corral.agent.acl;

import dev.corral.agent.state.AclPolicyRecord;
import dev.corral.agent.state.AclTokenRecord;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.StateStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Nomad's ACL system over the agent's state store: bootstrap (once), tokens and policies, and
 * resolving a request's secret to what it may do. Secrets are returned once, when a token is made;
 * the store keeps only their SHA-256.
 */
public final class AclService {
    /** The policy Nomad applies to requests without a token. */
    public static final String ANONYMOUS_POLICY = "anonymous";
    public static final String MANAGEMENT = "management";
    public static final String CLIENT = "client";
    private static final Pattern POLICY_NAME = Pattern.compile("^[a-zA-Z0-9-]{1,128}$");

    private final StateStore store;
    /** Parsed policies by name, valid while the stored modify index is the same. */
    private final ConcurrentHashMap<String, Parsed> parsed = new ConcurrentHashMap<>();

    private record Parsed(long modifyIndex, AclPolicy policy) {}

    /** A resolved request identity: the token (empty for anonymous) and what it may do. */
    public record Identity(Optional<AclTokenRecord> token, Acl acl) {
        public boolean anonymous() {
            return token.isEmpty();
        }
    }

    /** A token just made, with its secret: the only time the secret exists outside the client. */
    public record Created(AclTokenRecord token, String secretId) {}

    public AclService(StateStore store) {
        this.store = store;
    }

    /**
     * Resolves a request's secret: none is the anonymous identity (the {@code anonymous} policy, or
     * nothing); an unknown secret is a 403 {@code ACL token not found}, as in Nomad.
     */
    public Identity resolve(String secret) {
        if (secret == null || secret.isEmpty()) {
            return new Identity(Optional.empty(), store.aclPolicy(ANONYMOUS_POLICY)
                    .map(p -> Acl.of(List.of(compile(p)))).orElse(Acl.DENY_ALL));
        }
        String hash = Secrets.sha256(secret);
        Optional<AclTokenRecord> t = store.aclTokenBySecretHash(hash)
                .filter(r -> Secrets.sameDigest(hash, r.secretSha256()));
        if (t.isEmpty()) {
            throw new AclException(403, AclException.TOKEN_NOT_FOUND);
        }
        return new Identity(t, acl(t.get()));
    }

    /** What a stored token may do; policies deleted since it was made simply grant nothing. */
    public Acl acl(AclTokenRecord token) {
        if (token.type().equals(MANAGEMENT)) {
            return Acl.MANAGEMENT;
        }
        List<AclPolicy> ps = new ArrayList<>();
        for (String name : token.policies()) {
            store.aclPolicy(name).ifPresent(p -> ps.add(compile(p)));
        }
        return Acl.of(ps);
    }

    private AclPolicy compile(AclPolicyRecord p) {
        Parsed c = parsed.get(p.name());
        if (c == null || c.modifyIndex() != p.modifyIndex()) {
            c = new Parsed(p.modifyIndex(), AclPolicyParser.parse(p.rules()));
            parsed.put(p.name(), c);
        }
        return c.policy();
    }

    // ---- bootstrap and tokens ----

    /** Makes the first management token; a second call is a 400, as in Nomad. */
    public Created bootstrap() {
        String secret = Secrets.newUuid();
        AclTokenRecord token = newToken("Bootstrap Token", MANAGEMENT, List.of(), true, secret);
        try {
            return new Created(store.write(txn -> {
                if (store.aclBootstrapIndex().isPresent()) {
                    throw alreadyDone();
                }
                AclTokenRecord stored = txn.putAclToken(token);
                txn.markAclBootstrapped(stored.accessorId());
                return stored;
            }), secret);
        } catch (StateStoreException e) {
            // a concurrent bootstrap that committed first trips the one-row constraint
            if (store.aclBootstrapIndex().isPresent()) {
                throw alreadyDone();
            }
            throw e;
        }
    }

    private AclException alreadyDone() {
        return AclException.badRequest("ACL bootstrap already done (reset index: "
                + store.aclBootstrapIndex().orElse(0L) + ")");
    }

    /** Creates a token; a client token needs at least one existing policy, a management token none. */
    public Created createToken(String name, String type, List<String> policies, boolean global) {
        String t = type == null || type.isEmpty() ? CLIENT : type;
        List<String> ps = policies == null ? List.of() : List.copyOf(policies);
        validateToken(name, t, ps);
        String secret = Secrets.newUuid();
        AclTokenRecord token = newToken(name, t, ps, global, secret);
        return new Created(store.write(txn -> txn.putAclToken(token)), secret);
    }

    /** Updates a token's name and policies; its type and secret stay. */
    public AclTokenRecord updateToken(String accessorId, String name, String type, List<String> policies) {
        AclTokenRecord old = token(accessorId);
        String t = type == null || type.isEmpty() ? old.type() : type;
        if (!t.equals(old.type())) {
            throw AclException.badRequest("cannot change token type from " + old.type() + " to " + t);
        }
        List<String> ps = policies == null ? List.of() : List.copyOf(policies);
        validateToken(name, t, ps);
        AclTokenRecord updated = new AclTokenRecord(old.accessorId(), old.secretSha256(), name, t, ps, old.global(),
                old.createTimeNs(), old.createIndex(), old.modifyIndex());
        return store.write(txn -> txn.putAclToken(updated));
    }

    private void validateToken(String name, String type, List<String> policies) {
        if (name != null && name.length() > 256) {
            throw AclException.badRequest("token name too long");
        }
        switch (type) {
            case CLIENT -> {
                if (policies.isEmpty()) {
                    throw AclException.badRequest("client token missing policies");
                }
                for (String p : policies) {
                    if (store.aclPolicy(p).isEmpty()) {
                        throw AclException.badRequest("cannot find policy " + p);
                    }
                }
            }
            case MANAGEMENT -> {
                if (!policies.isEmpty()) {
                    throw AclException.badRequest("management token cannot be associated with policies");
                }
            }
            default -> throw AclException.badRequest("token type must be client or management");
        }
    }

    private static AclTokenRecord newToken(String name, String type, List<String> policies, boolean global,
                                           String secret) {
        java.time.Instant now = java.time.Instant.now();
        return new AclTokenRecord(Secrets.newUuid(), Secrets.sha256(secret), name == null ? "" : name, type,
                policies, global, now.getEpochSecond() * 1_000_000_000L + now.getNano(), 0, 0);
    }

    public List<AclTokenRecord> tokens() {
        return store.aclTokens();
    }

    /** The token with this accessor, or a 404 {@code ACL token not found}. */
    public AclTokenRecord token(String accessorId) {
        return store.aclToken(accessorId).orElseThrow(() -> new AclException(404, AclException.TOKEN_NOT_FOUND));
    }

    /**
     * Deletes a token. The last management token is kept: Corral has no bootstrap reset, so deleting
     * it would lock every operator out of the ACL system for good (Nomad, which has a reset, allows it).
     */
    public void deleteToken(String accessorId) {
        store.update(txn -> {
            AclTokenRecord t = token(accessorId);
            // checked inside the write so that two racing deletes cannot remove the last two
            if (t.type().equals(MANAGEMENT) && store.aclTokens().stream()
                    .noneMatch(o -> o.type().equals(MANAGEMENT) && !o.accessorId().equals(accessorId))) {
                throw AclException.badRequest("cannot delete the last management token: there is no bootstrap "
                        + "reset; create another management token first");
            }
            txn.deleteAclToken(accessorId);
        });
    }

    // ---- policies ----

    /** Creates or replaces a policy after parsing its rules (a bad rule is a 400 naming its line). */
    public AclPolicyRecord upsertPolicy(String name, String description, String rules) {
        if (name == null || !POLICY_NAME.matcher(name).matches()) {
            throw AclException.badRequest("invalid name '" + name + "' (1 to 128 letters, digits and -)");
        }
        if (description != null && description.length() > 256) {
            throw AclException.badRequest("description longer than 256");
        }
        AclPolicyParser.parse(rules);
        AclPolicyRecord p = new AclPolicyRecord(name, description == null ? "" : description, rules, 0, 0);
        return store.write(txn -> txn.putAclPolicy(p));
    }

    public List<AclPolicyRecord> policies() {
        return store.aclPolicies();
    }

    /** The policy with this name, or a 404 {@code ACL policy not found}. */
    public AclPolicyRecord policy(String name) {
        return store.aclPolicy(name).orElseThrow(() -> new AclException(404, "ACL policy not found"));
    }

    public void deletePolicy(String name) {
        policy(name);
        store.update(txn -> txn.deleteAclPolicy(name));
        parsed.remove(name);
    }

    /** The store's current index, for {@code X-Nomad-Index}. */
    public long index() {
        return store.latestIndex();
    }
}
