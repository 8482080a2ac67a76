package dev.corral.agent.state;

import java.util.List;

/**
 * One ACL token as stored: the secret itself is never kept, only its SHA-256 ({@code secretSha256},
 * lower-case hex), so a copy of the state file grants nothing.
 *
 * @param type          {@code management} or {@code client}
 * @param policies      policy names (client tokens only)
 * @param createTimeNs  Unix time in nanoseconds
 */
public record AclTokenRecord(String accessorId, String secretSha256, String name, String type, List<String> policies,
                             boolean global, long createTimeNs, long createIndex, long modifyIndex) {

    public AclTokenRecord {
        policies = policies == null ? List.of() : List.copyOf(policies);
    }

    AclTokenRecord withIndexes(long create, long modify) {
        return new AclTokenRecord(accessorId, secretSha256, name, type, policies, global, createTimeNs, create, modify);
    }
}
