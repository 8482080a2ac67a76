package dev.corral.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL tables arrive through the store's migrations; a store made by the previous schema is upgraded in place. */
class AclStoreIT {
    @TempDir
    Path dir;

    @Test
    void schema1Store_isMigratedToTheAclSchema_keepingItsData() throws Exception {
        Path db = dir.resolve("state.db");
        // a store exactly as the previous agent (schema 1) left it
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
            st.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
            for (String sql : Migrations.STEPS.getFirst()) {
                st.execute(sql);
            }
            st.execute("INSERT INTO schema_version (version) VALUES (1)");
            st.execute("INSERT INTO node (id, secret_id, create_time_ms) VALUES ('n1', 's1', 1)");
        }
        try (StateStore s = StateStore.open(db)) {
            assertThat(s.schemaVersion()).isEqualTo(2).isEqualTo(Migrations.latest());
            assertThat(s.nodeIdentity(() -> { throw new AssertionError("kept"); }).id()).isEqualTo("n1");
            assertThat(s.aclTokens()).isEmpty();
            assertThat(s.aclBootstrapIndex()).isEmpty();
        }
    }

    @Test
    void tokens_areFoundByHash_bootstrapRowIsUnique() {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            AclTokenRecord t = s.write(txn -> {
                AclTokenRecord stored = txn.putAclToken(new AclTokenRecord("acc-1", "ab12", "boot", "management",
                        List.of(), true, 1, 0, 0));
                txn.markAclBootstrapped("acc-1");
                return stored;
            });
            assertThat(t.createIndex()).isPositive();
            assertThat(s.aclTokenBySecretHash("ab12")).contains(t);
            assertThat(s.aclTokenBySecretHash("ab13")).isEmpty();
            assertThat(s.aclBootstrapIndex()).contains(t.createIndex());
            assertThatThrownBy(() -> s.update(txn -> txn.markAclBootstrapped("acc-2")))
                    .isInstanceOf(StateStoreException.class);
            assertThat(s.index(Table.ACL_TOKENS)).isEqualTo(t.modifyIndex());
        }
    }
}
