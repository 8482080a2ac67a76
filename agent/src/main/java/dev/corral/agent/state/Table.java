package dev.corral.agent.state;

/** The store's tables that carry a modify index; the HTTP layer builds blocking queries on these. */
public enum Table {
    JOBS("jobs"),
    JOB_VERSIONS("job_versions"),
    EVALS("evals"),
    ALLOCS("allocs"),
    NODES("nodes"),
    ACL_TOKENS("acl_tokens"),
    ACL_POLICIES("acl_policies");

    private final String key;

    Table(String key) {
        this.key = key;
    }

    /** The row name in the {@code table_index} table. */
    public String key() {
        return key;
    }
}
