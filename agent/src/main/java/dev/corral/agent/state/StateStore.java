package dev.corral.agent.state;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The agent's durable state: one SQLite database in WAL mode with {@code synchronous=FULL}, so a
 * write returned from {@link #write} survives {@code kill -9} and power loss.
 *
 * <p>Every write transaction gets the next value of a single monotonically increasing index (like
 * Nomad's raft index); each table remembers the index of its last change in {@code table_index}.
 * Blocking queries wait with {@link #awaitIndex}; event streams {@link #subscribe}.
 */
public final class StateStore implements AutoCloseable {
    private final Path file;
    /** Guards {@link #conn}, {@link #indexes} and the subscriber delivery order. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Connection conn;
    private final Map<Table, Long> indexes = new EnumMap<>(Table.class);
    private final List<Consumer<StateChange>> subscribers = new CopyOnWriteArrayList<>();
    private boolean closed;

    private StateStore(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
    }

    /** Opens (creating if needed) the store at {@code file} and migrates it to the current schema. */
    public static StateStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            refuseUntrusted(file);
            ownerOnly(file);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
            }
            StateStore store = new StateStore(file, c);
            store.migrate();
            store.loadIndexes();
            return store;
        } catch (SQLException | java.io.IOException e) {
            throw new StateStoreException("cannot open state store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the store readable by its owner only (0600), creating it so if new: it holds every job,
     * environment values included, and the ACL tables. SQLite gives the {@code -wal}, {@code -shm}
     * and journal files it creates the mode of the database file; existing ones are tightened too.
     */
    private static void ownerOnly(Path file) throws java.io.IOException {
        var rw = PosixFilePermissions.fromString("rw-------");
        if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(rw));
        }
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Path f = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(f)) {
                Files.setPosixFilePermissions(f, rw);
            }
        }
    }

    /**
     * Checks an existing store before anything may write to it (WAL pragmas, migrations): a corrupt
     * file or a schema newer than this code is refused with a message naming the file, and left
     * exactly as it was. Reads it as immutable, which creates no -wal or -shm file.
     */
    private static void refuseUntrusted(Path file) throws SQLException, java.io.IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return;
        }
        String what;
        try (Connection ro = DriverManager.getConnection("jdbc:sqlite:file:" + file.toAbsolutePath() + "?immutable=1");
             Statement s = ro.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                what = rs.next() ? rs.getString(1) : "no answer from quick_check";
            }
            if (what.equals("ok")) {
                boolean versioned;
                try (ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")) {
                    versioned = rs.next() && rs.getInt(1) == 1;
                }
                if (versioned) {
                    try (ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
                        int v = rs.next() ? rs.getInt(1) : 0;
                        if (v > Migrations.latest()) {
                            throw new StateStoreException("state store " + file + " has schema version " + v
                                    + ", newer than this agent's " + Migrations.latest()
                                    + "; it was left untouched: run a newer corral or use another data_dir");
                        }
                    }
                }
                return;
            }
        } catch (SQLException e) {
            what = e.getMessage();
        }
        throw new StateStoreException("state store " + file + " is corrupt (" + what + "); it was left untouched:"
                + " restore it from a backup, or move it away to start with an empty store");
    }

    public Path file() {
        return file;
    }

    private void migrate() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        }
        int current;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
            current = rs.next() ? rs.getInt(1) : 0;
        }
        if (current > Migrations.latest()) {
            throw new StateStoreException("state store " + file + " has schema version " + current
                    + ", newer than this agent's " + Migrations.latest() + "; run a newer corral or use another data_dir");
        }
        for (int v = current; v < Migrations.latest(); v++) {
            conn.setAutoCommit(false);
            try (Statement s = conn.createStatement()) {
                for (String sql : Migrations.STEPS.get(v)) {
                    s.execute(sql);
                }
                s.execute("INSERT INTO schema_version (version) VALUES (" + (v + 1) + ")");
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw new StateStoreException("migrating " + file + " from schema " + v + " to " + (v + 1) + " failed: "
                        + e.getMessage(), e);
            } finally {
                conn.setAutoCommit(true);
            }
        }
    }

    /** The schema version this database is at. */
    public int schemaVersion() {
        return query("SELECT max(version) FROM schema_version", ps -> {}, rs -> rs.getInt(1)).getFirst();
    }

    private void loadIndexes() throws SQLException {
        for (Table t : Table.values()) {
            indexes.put(t, 0L);
        }
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT name, idx FROM table_index")) {
            while (rs.next()) {
                for (Table t : Table.values()) {
                    if (t.key().equals(rs.getString(1))) {
                        indexes.put(t, rs.getLong(2));
                    }
                }
            }
        }
    }

    /** The highest index of any table. */
    public long latestIndex() {
        lock.lock();
        try {
            return indexes.values().stream().mapToLong(Long::longValue).max().orElse(0);
        } finally {
            lock.unlock();
        }
    }

    /** The index of the last change to {@code table}. */
    public long index(Table table) {
        lock.lock();
        try {
            return indexes.get(table);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until one of {@code tables} has an index above {@code minIndex} or {@code maxWait} passed;
     * returns the highest index of those tables (Nomad's blocking-query semantics).
     */
    public long awaitIndex(Set<Table> tables, long minIndex, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        lock.lock();
        try {
            while (true) {
                long max = tables.stream().mapToLong(indexes::get).max().orElse(0);
                long left = deadline - System.nanoTime();
                if (max > minIndex || left <= 0 || closed) {
                    return max;
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Calls {@code subscriber} after every committed write, in index order, on the writer's thread
     * while the store is locked: it must only hand the change off (queue it), never block or write.
     */
    public AutoCloseable subscribe(Consumer<StateChange> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /**
     * Runs {@code body} in one transaction and commits it durably before returning. All index
     * bumps and change notifications happen only after the commit succeeded.
     */
    public <T> T write(Function<Txn, T> body) {
        lock.lock();
        try {
            ensureOpen();
            Txn txn = new Txn(latestIndexLocked() + 1);
            conn.setAutoCommit(false);
            T result;
            Exception failure = null;
            try {
                result = body.apply(txn);
                if (!txn.tables.isEmpty()) {
                    try (PreparedStatement ps = conn.prepareStatement(
                            "INSERT INTO table_index (name, idx) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET idx = excluded.idx")) {
                        for (Table t : txn.tables) {
                            ps.setString(1, t.key());
                            ps.setLong(2, txn.index);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                conn.commit();
            } catch (RuntimeException | SQLException e) {
                failure = e;
                // SQLite may have rolled back already (SQLITE_FULL does): a failing rollback must not hide why.
                try {
                    conn.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                if (e instanceof RuntimeException re) {
                    throw re;
                }
                throw new StateStoreException("write to " + file + " failed: " + e.getMessage(), e);
            } finally {
                try {
                    conn.setAutoCommit(true);
                } catch (SQLException a) {
                    if (failure == null) {
                        throw a;
                    }
                    failure.addSuppressed(a); // no transaction left to end after SQLite's own rollback
                }
            }
            if (!txn.tables.isEmpty()) {
                for (Table t : txn.tables) {
                    indexes.put(t, txn.index);
                }
                changed.signalAll();
                StateChange change = new StateChange(txn.index, txn.tables, txn.events);
                for (Consumer<StateChange> s : subscribers) {
                    s.accept(change);
                }
            }
            return result;
        } catch (SQLException e) {
            throw new StateStoreException("write to " + file + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** {@link #write} for bodies without a result. */
    public void update(Consumer<Txn> body) {
        write(t -> {
            body.accept(t);
            return null;
        });
    }

    private long latestIndexLocked() {
        return indexes.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateStoreException("state store " + file + " is closed");
        }
    }

    // ---- reads -------------------------------------------------------------------------------

    /** The node identity, created and committed on first call for this data dir. */
    public NodeIdentity nodeIdentity(Supplier<NodeIdentity> create) {
        lock.lock();
        try {
            List<NodeIdentity> found = query("SELECT id, secret_id, create_time_ms FROM node", ps -> {},
                    rs -> new NodeIdentity(rs.getString(1), rs.getString(2), rs.getLong(3)));
            if (!found.isEmpty()) {
                return found.getFirst();
            }
            NodeIdentity fresh = create.get();
            update(t -> t.exec("INSERT INTO node (id, secret_id, create_time_ms) VALUES (?, ?, ?)",
                    fresh.id(), fresh.secretId(), fresh.createTimeMs()));
            return fresh;
        } finally {
            lock.unlock();
        }
    }

    /** The last stored node description (fingerprint JSON), if any. */
    public Optional<String> nodeJson() {
        return query("SELECT json FROM node WHERE json IS NOT NULL", ps -> {}, rs -> rs.getString(1))
                .stream().findFirst();
    }

    public Optional<JobRecord> job(String namespace, String id) {
        return query("SELECT json FROM jobs WHERE namespace = ? AND id = ?", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, id);
        }, rs -> Json.read(rs.getString(1), JobRecord.class)).stream().findFirst();
    }

    public List<JobRecord> jobs() {
        return jobs("");
    }

    /** The jobs whose ID starts with {@code prefix} (compared exactly: no LIKE wildcards). */
    public List<JobRecord> jobs(String prefix) {
        if (prefix.isEmpty()) {
            return query("SELECT json FROM jobs ORDER BY namespace, id", ps -> {},
                    rs -> Json.read(rs.getString(1), JobRecord.class));
        }
        return query("SELECT json FROM jobs WHERE instr(id, ?) = 1 ORDER BY namespace, id",
                ps -> ps.setString(1, prefix), rs -> Json.read(rs.getString(1), JobRecord.class));
    }

    /** All stored versions of a job, newest first. */
    public List<JobRecord> jobVersions(String namespace, String id) {
        return query("SELECT json FROM job_versions WHERE namespace = ? AND id = ? ORDER BY version DESC", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, id);
        }, rs -> Json.read(rs.getString(1), JobRecord.class));
    }

    public Optional<JobRecord> jobVersion(String namespace, String id, long version) {
        return query("SELECT json FROM job_versions WHERE namespace = ? AND id = ? AND version = ?", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, id);
            ps.setLong(3, version);
        }, rs -> Json.read(rs.getString(1), JobRecord.class)).stream().findFirst();
    }

    public Optional<EvalRecord> eval(String id) {
        return query("SELECT json FROM evals WHERE id = ?", ps -> ps.setString(1, id),
                rs -> Json.read(rs.getString(1), EvalRecord.class)).stream().findFirst();
    }

    public List<EvalRecord> evals() {
        return query("SELECT json FROM evals ORDER BY modify_index", ps -> {},
                rs -> Json.read(rs.getString(1), EvalRecord.class));
    }

    public List<EvalRecord> evalsForJob(String namespace, String jobId) {
        return query("SELECT json FROM evals WHERE namespace = ? AND job_id = ? ORDER BY modify_index", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, jobId);
        }, rs -> Json.read(rs.getString(1), EvalRecord.class));
    }

    public Optional<AllocRecord> alloc(String id) {
        return query("SELECT json FROM allocs WHERE id = ?", ps -> ps.setString(1, id),
                rs -> Json.read(rs.getString(1), AllocRecord.class)).stream().findFirst();
    }

    public List<AllocRecord> allocs() {
        return query("SELECT json FROM allocs ORDER BY modify_index", ps -> {},
                rs -> Json.read(rs.getString(1), AllocRecord.class));
    }

    public List<AllocRecord> allocsForJob(String namespace, String jobId) {
        return query("SELECT json FROM allocs WHERE namespace = ? AND job_id = ? ORDER BY modify_index", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, jobId);
        }, rs -> Json.read(rs.getString(1), AllocRecord.class));
    }

    /** How many of the job's allocations are not terminal (desired run, client pending or running). */
    public int liveAllocCount(String namespace, String jobId) {
        return query("SELECT count(*) FROM allocs WHERE namespace = ? AND job_id = ? AND desired_status = 'run'"
                + " AND client_status IN ('pending', 'running')", ps -> {
                    ps.setString(1, namespace);
                    ps.setString(2, jobId);
                }, rs -> rs.getInt(1)).getFirst();
    }

    /** How many allocations and how many open (pending or blocked) evaluations the job has. */
    public int[] allocAndOpenEvalCounts(String namespace, String jobId) {
        int allocs = query("SELECT count(*) FROM allocs WHERE namespace = ? AND job_id = ?", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, jobId);
        }, rs -> rs.getInt(1)).getFirst();
        int open = query("SELECT count(*) FROM evals WHERE namespace = ? AND job_id = ? AND status IN ('pending', 'blocked')",
                ps -> {
                    ps.setString(1, namespace);
                    ps.setString(2, jobId);
                }, rs -> rs.getInt(1)).getFirst();
        int evals = query("SELECT count(*) FROM evals WHERE namespace = ? AND job_id = ?", ps -> {
            ps.setString(1, namespace);
            ps.setString(2, jobId);
        }, rs -> rs.getInt(1)).getFirst();
        return new int[] {allocs, open, evals};
    }

    /** Task name to state, in task name order. */
    public Map<String, TaskStateRecord> taskStates(String allocId) {
        Map<String, TaskStateRecord> out = new LinkedHashMap<>();
        query("SELECT task, json FROM task_states WHERE alloc_id = ? ORDER BY task", ps -> ps.setString(1, allocId),
                rs -> out.put(rs.getString(1), Json.read(rs.getString(2), TaskStateRecord.class)));
        return out;
    }

    public Optional<HandleRecord> handle(String allocId, String task) {
        return query("SELECT version, json FROM driver_handles WHERE alloc_id = ? AND task = ?", ps -> {
            ps.setString(1, allocId);
            ps.setString(2, task);
        }, rs -> new HandleRecord(allocId, task, rs.getInt(1), rs.getString(2))).stream().findFirst();
    }

    public List<HandleRecord> handles() {
        return query("SELECT alloc_id, task, version, json FROM driver_handles ORDER BY alloc_id, task", ps -> {},
                rs -> new HandleRecord(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4)));
    }

    public Optional<RestartCounter> restartCounter(String allocId, String task) {
        return query("SELECT count, window_start_ms FROM restart_counters WHERE alloc_id = ? AND task = ?", ps -> {
            ps.setString(1, allocId);
            ps.setString(2, task);
        }, rs -> new RestartCounter(allocId, task, rs.getInt(1), rs.getLong(2))).stream().findFirst();
    }

    // ---- ACL ----

    public Optional<AclTokenRecord> aclToken(String accessorId) {
        return query("SELECT json FROM acl_tokens WHERE accessor_id = ?", ps -> ps.setString(1, accessorId),
                rs -> Json.read(rs.getString(1), AclTokenRecord.class)).stream().findFirst();
    }

    /** The token whose secret hashes to {@code secretSha256} (the lookup is by hash; the secret is not stored). */
    public Optional<AclTokenRecord> aclTokenBySecretHash(String secretSha256) {
        return query("SELECT json FROM acl_tokens WHERE secret_sha256 = ?", ps -> ps.setString(1, secretSha256),
                rs -> Json.read(rs.getString(1), AclTokenRecord.class)).stream().findFirst();
    }

    public List<AclTokenRecord> aclTokens() {
        return query("SELECT json FROM acl_tokens ORDER BY accessor_id", ps -> {},
                rs -> Json.read(rs.getString(1), AclTokenRecord.class));
    }

    public Optional<AclPolicyRecord> aclPolicy(String name) {
        return query("SELECT json FROM acl_policies WHERE name = ?", ps -> ps.setString(1, name),
                rs -> Json.read(rs.getString(1), AclPolicyRecord.class)).stream().findFirst();
    }

    public List<AclPolicyRecord> aclPolicies() {
        return query("SELECT json FROM acl_policies ORDER BY name", ps -> {},
                rs -> Json.read(rs.getString(1), AclPolicyRecord.class));
    }

    /** The index at which the ACL system was bootstrapped, if it was. */
    public Optional<Long> aclBootstrapIndex() {
        return query("SELECT create_index FROM acl_bootstrap", ps -> {}, rs -> rs.getLong(1)).stream().findFirst();
    }

    /** Result of {@code PRAGMA integrity_check}: {@code ok} when the file is sound. */
    public String integrityCheck() {
        return query("PRAGMA integrity_check", ps -> {}, rs -> rs.getString(1)).getFirst();
    }

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    <T> List<T> query(String sql, Binder binder, RowMapper<T> mapper) {
        lock.lock();
        try {
            ensureOpen();
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                binder.bind(ps);
                List<T> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StateStoreException("query on " + file + " failed (" + sql + "): " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                changed.signalAll();
                conn.close();
            }
        } catch (SQLException e) {
            throw new StateStoreException("closing " + file + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * One write transaction. Every mutation records which table changed and the event to publish;
     * records get their create/modify index from {@link #index()}.
     */
    public final class Txn {
        private final long index;
        private final Set<Table> tables = EnumSet.noneOf(Table.class);
        private final List<StateEvent> events = new ArrayList<>();

        private Txn(long index) {
            this.index = index;
        }

        /** The index this transaction commits at. */
        public long index() {
            return index;
        }

        void exec(String sql, Object... args) {
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new StateStoreException("write to " + file + " failed (" + sql + "): " + e.getMessage(), e);
            }
        }

        /**
         * Stores the job's current version. {@code specChanged} marks a new version (its
         * job-modify index becomes this transaction's index, as Nomad's JobModifyIndex does).
         */
        public JobRecord putJob(JobRecord job, boolean specChanged) {
            Optional<JobRecord> old = job(job.namespace(), job.id());
            long create = old.map(JobRecord::createIndex).orElse(index);
            long jobModify = specChanged || old.isEmpty() ? index : old.get().jobModifyIndex();
            JobRecord stored = job.withIndexes(create, index, jobModify);
            exec("INSERT INTO jobs (namespace, id, version, stop, status, modify_index, json) VALUES (?, ?, ?, ?, ?, ?, ?)"
                            + " ON CONFLICT(namespace, id) DO UPDATE SET version = excluded.version, stop = excluded.stop,"
                            + " status = excluded.status, modify_index = excluded.modify_index, json = excluded.json",
                    stored.namespace(), stored.id(), stored.version(), stored.stop() ? 1 : 0, stored.status(), index,
                    Json.write(stored));
            if (specChanged || old.isEmpty()) {
                exec("INSERT OR REPLACE INTO job_versions (namespace, id, version, json) VALUES (?, ?, ?, ?)",
                        stored.namespace(), stored.id(), stored.version(), Json.write(stored));
                tables.add(Table.JOB_VERSIONS);
            }
            tables.add(Table.JOBS);
            events.add(new StateEvent("Job", stored.stop() ? "JobDeregistered" : "JobRegistered", stored.id(),
                    stored.namespace(), index, stored));
            return stored;
        }

        /**
         * Removes a job (purge). Its versions stay until {@link #deleteJobVersions} (after its last
         * allocation is gone), so a restarted agent can still stop allocations of a purged job.
         */
        public void deleteJob(String namespace, String id) {
            exec("DELETE FROM jobs WHERE namespace = ? AND id = ?", namespace, id);
            tables.add(Table.JOBS);
            events.add(new StateEvent("Job", "JobDeregistered", id, namespace, index, null));
        }

        public void deleteJobVersions(String namespace, String id) {
            exec("DELETE FROM job_versions WHERE namespace = ? AND id = ?", namespace, id);
            tables.add(Table.JOB_VERSIONS);
        }

        public EvalRecord putEval(EvalRecord eval) {
            long create = eval(eval.id()).map(EvalRecord::createIndex).orElse(index);
            EvalRecord stored = eval.withIndexes(create, index);
            exec("INSERT INTO evals (id, namespace, job_id, status, modify_index, json) VALUES (?, ?, ?, ?, ?, ?)"
                            + " ON CONFLICT(id) DO UPDATE SET status = excluded.status,"
                            + " modify_index = excluded.modify_index, json = excluded.json",
                    stored.id(), stored.namespace(), stored.jobId(), stored.status(), index, Json.write(stored));
            tables.add(Table.EVALS);
            events.add(new StateEvent("Evaluation", "EvaluationUpdated", stored.id(), stored.namespace(), index, stored));
            return stored;
        }

        public void deleteEval(String id) {
            exec("DELETE FROM evals WHERE id = ?", id);
            tables.add(Table.EVALS);
        }

        public AllocRecord putAlloc(AllocRecord alloc) {
            long create = alloc(alloc.id()).map(AllocRecord::createIndex).orElse(index);
            AllocRecord stored = alloc.withIndexes(create, index);
            exec("INSERT INTO allocs (id, namespace, job_id, desired_status, client_status, modify_index, json)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                            + " desired_status = excluded.desired_status, client_status = excluded.client_status,"
                            + " modify_index = excluded.modify_index, json = excluded.json",
                    stored.id(), stored.namespace(), stored.jobId(), stored.desiredStatus(), stored.clientStatus(),
                    index, Json.write(stored));
            tables.add(Table.ALLOCS);
            events.add(new StateEvent("Allocation", "AllocationUpdated", stored.id(), stored.namespace(), index, stored));
            return stored;
        }

        /** Removes an allocation with its task states, driver handles and restart counters. */
        public void deleteAlloc(String id) {
            exec("DELETE FROM allocs WHERE id = ?", id);
            exec("DELETE FROM task_states WHERE alloc_id = ?", id);
            exec("DELETE FROM driver_handles WHERE alloc_id = ?", id);
            exec("DELETE FROM restart_counters WHERE alloc_id = ?", id);
            tables.add(Table.ALLOCS);
            events.add(new StateEvent("Allocation", "AllocationDeleted", id, null, index, null));
        }

        /** Task states are part of the allocation as the API shows it, so this bumps the allocs index. */
        public void putTaskState(String allocId, String task, TaskStateRecord state) {
            exec("INSERT INTO task_states (alloc_id, task, state, json) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT(alloc_id, task) DO UPDATE SET state = excluded.state, json = excluded.json",
                    allocId, task, state.state(), Json.write(state));
            alloc(allocId).ifPresent(this::putAlloc);
            tables.add(Table.ALLOCS);
        }

        public void putHandle(HandleRecord handle) {
            exec("INSERT INTO driver_handles (alloc_id, task, version, json) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT(alloc_id, task) DO UPDATE SET version = excluded.version, json = excluded.json",
                    handle.allocId(), handle.task(), handle.version(), handle.json());
        }

        public void deleteHandle(String allocId, String task) {
            exec("DELETE FROM driver_handles WHERE alloc_id = ? AND task = ?", allocId, task);
        }

        public void putRestartCounter(RestartCounter c) {
            exec("INSERT INTO restart_counters (alloc_id, task, count, window_start_ms) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT(alloc_id, task) DO UPDATE SET count = excluded.count,"
                            + " window_start_ms = excluded.window_start_ms",
                    c.allocId(), c.task(), c.count(), c.windowStartMs());
        }

        public AclTokenRecord putAclToken(AclTokenRecord token) {
            long create = aclToken(token.accessorId()).map(AclTokenRecord::createIndex).orElse(index);
            AclTokenRecord stored = token.withIndexes(create, index);
            exec("INSERT INTO acl_tokens (accessor_id, secret_sha256, modify_index, json) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT(accessor_id) DO UPDATE SET secret_sha256 = excluded.secret_sha256,"
                            + " modify_index = excluded.modify_index, json = excluded.json",
                    stored.accessorId(), stored.secretSha256(), index, Json.write(stored));
            tables.add(Table.ACL_TOKENS);
            return stored;
        }

        public void deleteAclToken(String accessorId) {
            exec("DELETE FROM acl_tokens WHERE accessor_id = ?", accessorId);
            tables.add(Table.ACL_TOKENS);
        }

        /**
         * Records the bootstrap: fails (the primary key allows one row) when it was done before, so two
         * racing bootstraps cannot both succeed.
         */
        public void markAclBootstrapped(String accessorId) {
            exec("INSERT INTO acl_bootstrap (id, accessor_id, create_index) VALUES (1, ?, ?)", accessorId, index);
        }

        public AclPolicyRecord putAclPolicy(AclPolicyRecord policy) {
            long create = aclPolicy(policy.name()).map(AclPolicyRecord::createIndex).orElse(index);
            AclPolicyRecord stored = policy.withIndexes(create, index);
            exec("INSERT INTO acl_policies (name, modify_index, json) VALUES (?, ?, ?)"
                            + " ON CONFLICT(name) DO UPDATE SET modify_index = excluded.modify_index, json = excluded.json",
                    stored.name(), index, Json.write(stored));
            tables.add(Table.ACL_POLICIES);
            return stored;
        }

        public void deleteAclPolicy(String name) {
            exec("DELETE FROM acl_policies WHERE name = ?", name);
            tables.add(Table.ACL_POLICIES);
        }

        /** Stores the node's description (fingerprint) as JSON. */
        public void putNodeJson(String nodeId, String json) {
            exec("UPDATE node SET json = ? WHERE id = ?", json, nodeId);
            tables.add(Table.NODES);
            events.add(new StateEvent("Node", "NodeRegistration", nodeId, null, index, json));
        }
    }
}
