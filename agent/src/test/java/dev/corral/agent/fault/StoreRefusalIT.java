package dev.corral.agent.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.Agent;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state store the agent cannot trust (corrupt bytes, a truncated file, pages overwritten, a
 * schema newer than this code): the agent refuses to start, names the file in its message, and
 * leaves every byte of the data directory's store files as it found them.
 */
@Tag("root")
class StoreRefusalIT {
    @TempDir
    Path dir;
    private String cgroup;

    @AfterEach
    void cleanup() throws Exception {
        if (cgroup != null) {
            AgentFixture.removeCgroups(cgroup);
        }
    }

    private Path store() {
        return dir.resolve("state.db");
    }

    /** A real store written by this agent, closed cleanly (WAL checkpointed into the file). */
    private void realStore() throws Exception {
        cgroup = AgentFixture.cgroupParent();
        try (Agent a = Agent.start(AgentFixture.config(dir, "", cgroup))) {
            assertThat(a.store().integrityCheck()).isEqualTo("ok");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store()); Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            s.execute("PRAGMA journal_mode=DELETE");
        }
        Files.deleteIfExists(dir.resolve("state.db-wal"));
        Files.deleteIfExists(dir.resolve("state.db-shm"));
    }

    /** Hashes of every state.db* file: the refusal must not write any of them, nor create new ones. */
    private TreeMap<String, String> storeFiles() throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("state.db")).toList()) {
                out.put(p.getFileName().toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    private void assertRefused(String... messageParts) throws Exception {
        TreeMap<String, String> before = storeFiles();
        cgroup = cgroup == null ? AgentFixture.cgroupParent() : cgroup;
        assertThatThrownBy(() -> Agent.start(AgentFixture.config(dir, "", cgroup)).close())
                .satisfies(e -> System.out.println("store refusal: " + e.getClass().getSimpleName() + ": " + e.getMessage()))
                .hasMessageContaining(store().toString())
                .hasMessageContainingAll(messageParts);
        assertThat(storeFiles()).as("store files untouched").isEqualTo(before);
    }

    @Test
    void garbageFile_refusedWithTheFileName_notOverwritten() throws Exception {
        byte[] junk = new byte[64 * 1024];
        new Random(42).nextBytes(junk);
        Files.write(store(), junk);
        assertRefused("is corrupt", "not a database");
    }

    @Test
    void overwrittenPages_refusedWithTheFileName_notOverwritten() throws Exception {
        realStore();
        byte[] b = Files.readAllBytes(store());
        assertThat(b.length).isGreaterThan(8192);
        // Keep the 100-byte header, smash the rest of page 1 (the schema) and page 2.
        for (int i = 100; i < Math.min(b.length, 8192); i++) {
            b[i] = (byte) (i * 31);
        }
        Files.write(store(), b);
        assertRefused("is corrupt", "left untouched");
    }

    @Test
    void truncatedFile_refusedWithTheFileName_notOverwritten() throws Exception {
        realStore();
        byte[] b = Files.readAllBytes(store());
        Files.write(store(), java.util.Arrays.copyOf(b, 4096 + 1000));
        assertRefused("is corrupt", "left untouched");
    }

    @Test
    void newerSchema_refusedWithTheFileName_notOverwritten() throws Exception {
        realStore();
        int current;
        try (StateStore s = StateStore.open(store())) {
            current = s.schemaVersion();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store()); Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version (version) VALUES (" + (current + 7) + ")");
            s.execute("CREATE TABLE from_the_future (x TEXT)");
            s.execute("PRAGMA journal_mode=DELETE");
        }
        assertRefused("schema version " + (current + 7), "newer than this agent's " + current, "left untouched");
    }

    @Test
    void refusedStore_stillRefusedOnTheSecondTry() throws Exception {
        Files.writeString(store(), "SQLite format 3\0 but not really");
        assertRefused("is corrupt", "not a database");
        assertRefused("is corrupt", "not a database");
    }
}
