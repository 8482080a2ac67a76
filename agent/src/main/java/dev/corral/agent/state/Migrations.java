package dev.corral.agent.state;

import java.util.List;

/** Schema migrations, in order: entry i moves the database from version i to i+1. Never edit a shipped entry. */
final class Migrations {
    private Migrations() {}

    static final List<List<String>> STEPS = List.of(
            List.of(
                    "CREATE TABLE table_index (name TEXT PRIMARY KEY, idx INTEGER NOT NULL)",
                    "CREATE TABLE node (id TEXT PRIMARY KEY, secret_id TEXT NOT NULL, create_time_ms INTEGER NOT NULL,"
                            + " json TEXT)",
                    "CREATE TABLE jobs (namespace TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
                            + " stop INTEGER NOT NULL, status TEXT NOT NULL, modify_index INTEGER NOT NULL,"
                            + " json TEXT NOT NULL, PRIMARY KEY (namespace, id))",
                    "CREATE TABLE job_versions (namespace TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
                            + " json TEXT NOT NULL, PRIMARY KEY (namespace, id, version))",
                    "CREATE TABLE evals (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, job_id TEXT NOT NULL,"
                            + " status TEXT NOT NULL, modify_index INTEGER NOT NULL, json TEXT NOT NULL)",
                    "CREATE INDEX evals_job ON evals (namespace, job_id)",
                    "CREATE TABLE allocs (id TEXT PRIMARY KEY, namespace TEXT NOT NULL, job_id TEXT NOT NULL,"
                            + " desired_status TEXT NOT NULL, client_status TEXT NOT NULL,"
                            + " modify_index INTEGER NOT NULL, json TEXT NOT NULL)",
                    "CREATE INDEX allocs_job ON allocs (namespace, job_id)",
                    "CREATE TABLE task_states (alloc_id TEXT NOT NULL, task TEXT NOT NULL, state TEXT NOT NULL,"
                            + " json TEXT NOT NULL, PRIMARY KEY (alloc_id, task))",
                    "CREATE TABLE driver_handles (alloc_id TEXT NOT NULL, task TEXT NOT NULL,"
                            + " version INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (alloc_id, task))",
                    "CREATE TABLE restart_counters (alloc_id TEXT NOT NULL, task TEXT NOT NULL,"
                            + " count INTEGER NOT NULL, window_start_ms INTEGER NOT NULL, PRIMARY KEY (alloc_id, task))"),
            // 1 -> 2: ACL tokens (only the SHA-256 of a secret is kept) and policies; acl_bootstrap holds one row
            // once the bootstrap token was made, so bootstrap happens once.
            List.of(
                    "CREATE TABLE acl_tokens (accessor_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE,"
                            + " modify_index INTEGER NOT NULL, json TEXT NOT NULL)",
                    "CREATE TABLE acl_policies (name TEXT PRIMARY KEY, modify_index INTEGER NOT NULL,"
                            + " json TEXT NOT NULL)",
                    "CREATE TABLE acl_bootstrap (id INTEGER PRIMARY KEY CHECK (id = 1), accessor_id TEXT NOT NULL,"
                            + " create_index INTEGER NOT NULL)"));

    static int latest() {
        return STEPS.size();
    }
}
