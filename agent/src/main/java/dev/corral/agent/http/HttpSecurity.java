package dev.corral.agent.http;

import dev.corral.agent.acl.AclService;
import dev.corral.agent.config.AgentConfig;

/**
 * How the HTTP API protects itself.
 *
 * @param acl null when ACLs are off ({@code acl { enabled = false }}): every request is allowed
 * @param tls null or {@code http = false} for plain HTTP
 */
public record HttpSecurity(AclService acl, AgentConfig.Tls tls) {
    /** Plain HTTP, no ACLs: what a dev agent without {@code acl}/{@code tls} blocks runs. */
    public static final HttpSecurity NONE = new HttpSecurity(null, null);

    boolean httpsEnabled() {
        return tls != null && tls.http();
    }
}
