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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.sqlite.SQLiteConfig;

/**
 * The agent's durable state: one SQLite database in WAL mode with {@code synchronous=FULL}, so a
 * write returned from {@link #write} survives {@code kill -9} and power loss.
 *
 * <p>Every write transaction gets the next value of a single monotonically increasing index (like
 * Nomad's raft index); each table remembers the index of its last change in {@code table_index}.
 * Blocking queries wait with {@link #awaitIndex}; event streams {@link #subscribe}.
 *
 * <p>One connection writes, one transaction at a time, on one platform thread; reads run on a
 * small pool of read-only connections, each used by a platform thread of its own, concurrently with
 * each other and with the writer (WAL gives each read a snapshot of the last commit), so a read never
 * waits for a write's fsync. A read that starts after {@link #write} returned sees that write. Reads
 * made inside a write (a {@link Txn}'s own look-ups, on the writer thread) use the writer's
 * connection and see the transaction's changes.
 *
 * <p>Why platform threads: SQLite runs in native code, and a virtual thread in native code pins its
 * carrier; with as many carriers as cores (two here), a commit's fsync plus one read would stop every
 * other virtual thread of the agent (the HTTP server's included). Callers on virtual threads hand
 * their statement over and wait unmounted.
 */
public final class StateStore implements AutoCloseable {
    /** Read-only connections: enough to keep both cores of a small machine busy while one writes. */
    static final int READERS = 4;

    private final Path file;
    /** Guards {@link #conn} and the subscriber delivery order; held for a whole write transaction. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Guards {@link #indexes} only, never held across SQL, so index look-ups never wait for a write. */
    private final ReentrantLock indexLock = new ReentrantLock();
    private final Condition changed = indexLock.newCondition();
    private final Connection conn;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> allReaders = new ArrayList<>();
    private final Map<Table, Long> indexes = new EnumMap<>(Table.class);
    private final List<Consumer<StateChange>> subscribers = new CopyOnWriteArrayList<>();
    /** Writes waiting for the next group commit. */
    private final BlockingQueue<PendingWrite<?>> pending = new LinkedBlockingQueue<>();
    /** Transactions committed (each one fsync): fewer than writes when they batch. */
    private final AtomicLong commits = new AtomicLong();
    /** Runs every write (and the reads inside one) on {@link #conn}. */
    private final Thread writer;
    /** Runs the reads of virtual threads, one connection from {@link #readers} each. */
    private final ExecutorService readerThreads;
    private volatile boolean closed;

    private StateStore(Path file, Connection conn) {
        this.file = file;
        this.conn = conn;
        this.writer = Thread.ofPlatform().name("corral-store-writer").daemon().unstarted(this::writeLoop);
        this.readerThreads = Executors.newFixedThreadPool(READERS,
                Thread.ofPlatform().name("corral-store-reader-", 0).daemon().factory());
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
            try {
                store.migrate();
                store.loadIndexes();
                store.openReaders();
                store.writer.start();
            } catch (SQLException | RuntimeException e) {
                store.close();
                throw e;
            }
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

    /** Opens the read-only connections, after the writer made the file, its WAL and its schema. */
    private void openReaders() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(5000);
        for (int i = 0; i < READERS; i++) {
            Connection r = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            allReaders.add(r);
            readers.add(r);
        }
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
        // Before any reader or writer exists: no lock needed yet.
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
        indexLock.lock();
        try {
            return latestIndexLocked();
        } finally {
            indexLock.unlock();
        }
    }

    /** The index of the last change to {@code table}. */
    public long index(Table table) {
        indexLock.lock();
        try {
            return indexes.get(table);
        } finally {
            indexLock.unlock();
        }
    }

    /**
     * Blocks until one of {@code tables} has an index above {@code minIndex} or {@code maxWait} passed;
     * returns the highest index of those tables (Nomad's blocking-query semantics).
     */
    public long awaitIndex(Set<Table> tables, long minIndex, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        indexLock.lock();
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
            indexLock.unlock();
        }
    }

    /**
     * Calls {@code subscriber} after every committed write, in index order, on the thread that
     * committed it (see {@link #write}) while the store is locked: it must only hand the change off
     * (queue it), never block or write.
     */
    public AutoCloseable subscribe(Consumer<StateChange> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /**
     * Runs {@code body} in one transaction and commits it durably before returning. All index
     * bumps and change notifications happen only after the commit succeeded.
     *
     * <p>Group commit: the writer thread takes every write queued while it committed the last
     * batch, runs each body in a savepoint of one SQLite transaction with its own index, in arrival
     * order, commits them with one fsync and wakes their callers. A body that throws is rolled back
     * alone and its caller gets the exception; a failed commit fails every body of the batch. Each
     * caller returns only once its changes are committed. A body runs on the writer thread: it must
     * not wait for anything its caller holds (a lock, a monitor) nor write to the store itself; it
     * reads through this store and changes through {@code Txn}.
     */
    public <T> T write(Function<Txn, T> body) {
        if (Thread.currentThread() == writer) {
            throw new IllegalStateException("write to " + file + " from inside a write");
        }
        ensureOpen();
        PendingWrite<T> mine = new PendingWrite<>(body);
        pending.add(mine);
        while (!mine.done) {
            if (closed && pending.remove(mine)) {
                finish(mine, new StateStoreException("state store " + file + " is closed"));
            }
            LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1)); // the writer thread (or close) unparks when mine is done
        }
        return mine.outcome();
    }

    /** The writer thread: commits what queued, batch after batch, until the store closes. */
    private void writeLoop() {
        while (!closed) {
            PendingWrite<?> first;
            try {
                first = pending.take();
            } catch (InterruptedException e) {
                continue; // close() interrupts to stop the loop
            }
            lock.lock();
            try {
                commitPending(first);
            } catch (RuntimeException e) {
                // Only a subscriber can throw here, after every caller of the batch got its answer: the
                // writer thread must live on, or every later write would wait forever.
                System.getLogger(StateStore.class.getName()).log(System.Logger.Level.WARNING,
                        "a state change subscriber failed", e);
            } finally {
                lock.unlock();
            }
        }
    }

    /** A queued write and, once its batch is over, its result or failure. */
    private static final class PendingWrite<T> {
        final Function<Txn, T> body;
        final Thread caller = Thread.currentThread();
        /** Set (after result or failure) by the writer thread, which then wakes the caller. */
        volatile boolean done;
        T result;
        Throwable failure;
        Txn txn;

        PendingWrite(Function<Txn, T> body) {
            this.body = body;
        }

        T outcome() {
            return switch (failure) {
                case null -> result;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new StateStoreException("write failed: " + failure.getMessage(), failure);
            };
        }
    }

    /** Runs {@code first} and every write queued after it in one transaction; holds {@link #lock}. */
    private void commitPending(PendingWrite<?> first) {
        List<PendingWrite<?>> batch = new ArrayList<>();
        batch.add(first);
        pending.drainTo(batch);
        try {
            ensureOpen();
        } catch (StateStoreException e) {
            batch.forEach(p -> finish(p, e));
            return;
        }
        List<PendingWrite<?>> applied = new ArrayList<>();
        try {
            conn.setAutoCommit(false);
            long next = latestIndex() + 1; // only this thread changes indexes while it holds the write lock
            for (PendingWrite<?> p : batch) {
                if (!applyInSavepoint(p, next)) {
                    continue;
                }
                applied.add(p);
                if (!p.txn.tables.isEmpty()) {
                    next = p.txn.index + 1;
                }
            }
            if (!applied.isEmpty()) {
                conn.commit();
                commits.incrementAndGet();
            } else {
                conn.rollback();
            }
        } catch (Throwable e) {
            // SQLite may have rolled back already (SQLITE_FULL does): a failing rollback must not hide why.
            try {
                conn.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            Throwable failure = e instanceof SQLException
                    ? new StateStoreException("write to " + file + " failed: " + e.getMessage(), e) : e;
            for (PendingWrite<?> p : batch) {
                if (!p.done) {
                    finish(p, failure);
                }
            }
            applied.clear();
        } finally {
            try {
                conn.setAutoCommit(true);
            } catch (SQLException a) {
                // No transaction left to end after SQLite's own rollback; every caller has its answer already.
            }
        }
        publish(applied);
    }

    /**
     * Runs one body in a savepoint; on failure rolls back to it and records the failure for its caller.
     * A failure to roll back to the savepoint means SQLite ended the whole transaction: it is thrown.
     */
    private <T> boolean applyInSavepoint(PendingWrite<T> p, long index) throws SQLException {
        Txn txn = new Txn(index);
        try (Statement s = conn.createStatement()) {
            s.execute("SAVEPOINT write");
        }
        try {
            T result = p.body.apply(txn);
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
            try (Statement s = conn.createStatement()) {
                s.execute("RELEASE write");
            }
            p.result = result;
            p.txn = txn;
            return true;
        } catch (Throwable e) {
            finish(p, e instanceof SQLException
                    ? new StateStoreException("write to " + file + " failed: " + e.getMessage(), e) : e);
            try (Statement s = conn.createStatement()) {
                s.execute("ROLLBACK TO write");
                s.execute("RELEASE write");
            } catch (SQLException r) {
                // SQLite ended the whole transaction (SQLITE_FULL may): the batch fails with the body's reason.
                e.addSuppressed(r);
                throw new StateStoreException("write to " + file + " failed: " + e.getMessage(), e);
            }
            return false;
        }
    }

    private static void finish(PendingWrite<?> p, Throwable failure) {
        p.failure = failure;
        p.done = true;
        LockSupport.unpark(p.caller);
    }

    /** After the commit: bump the indexes, wake blocking queries, tell subscribers, in index order. */
    private void publish(List<PendingWrite<?>> committed) {
        Map<Table, Long> bumped = new EnumMap<>(Table.class);
        for (PendingWrite<?> p : committed) {
            for (Table t : p.txn.tables) {
                bumped.put(t, p.txn.index);
            }
        }
        if (!bumped.isEmpty()) {
            // Whoever sees the new index reads the new data.
            indexLock.lock();
            try {
                indexes.putAll(bumped);
                changed.signalAll();
            } finally {
                indexLock.unlock();
            }
        }
        for (PendingWrite<?> p : committed) {
            p.done = true; // a subscriber that throws must not leave other callers of the batch unanswered
            LockSupport.unpark(p.caller);
        }
        for (PendingWrite<?> p : committed) {
            if (!p.txn.tables.isEmpty()) {
                StateChange change = new StateChange(p.txn.index, p.txn.tables, p.txn.events);
                for (Consumer<StateChange> s : subscribers) {
                    s.accept(change);
                }
            }
        }
    }

    /** How many transactions (fsyncs) carried the writes so far. */
    long commits() {
        return commits.get();
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
        return write(t -> {
            List<NodeIdentity> found = query("SELECT id, secret_id, create_time_ms FROM node", ps -> {},
                    rs -> new NodeIdentity(rs.getString(1), rs.getString(2), rs.getLong(3)));
            if (!found.isEmpty()) {
                return found.getFirst();
            }
            NodeIdentity fresh = create.get();
            t.exec("INSERT INTO node (id, secret_id, create_time_ms) VALUES (?, ?, ?)",
                    fresh.id(), fresh.secretId(), fresh.createTimeMs());
            return fresh;
        });
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
        return query("SELECT json FROM jobs ORDER BY namespace, id", ps -> {},
                rs -> Json.read(rs.getString(1), JobRecord.class));
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
        if (Thread.currentThread() == writer) {
            return query(conn, sql, binder, mapper); // inside a write: see its own changes
        }
        if (!Thread.currentThread().isVirtual()) {
            return onReader(sql, binder, mapper);
        }
        ensureOpen();
        Future<List<T>> answer;
        try {
            answer = readerThreads.submit(() -> onReader(sql, binder, mapper));
        } catch (RejectedExecutionException e) {
            throw new StateStoreException("state store " + file + " is closed", e);
        }
        try {
            return answer.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new StateStoreException("query on " + file + " failed (" + sql + ")", e.getCause());
            }
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new StateStoreException("query on " + file + " interrupted (" + sql + ")", e);
        }
    }

    /** Runs a read on one of the read-only connections (waiting for one if all are busy). */
    private <T> List<T> onReader(String sql, Binder binder, RowMapper<T> mapper) {
        Connection reader;
        try {
            do {
                ensureOpen(); // close() takes the readers away: do not wait for them forever
            } while ((reader = readers.poll(100, TimeUnit.MILLISECONDS)) == null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreException("query on " + file + " interrupted (" + sql + ")", e);
        }
        try {
            ensureOpen();
            return query(reader, sql, binder, mapper);
        } finally {
            readers.add(reader);
        }
    }

    private <T> List<T> query(Connection c, String sql, Binder binder, RowMapper<T> mapper) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StateStoreException("query on " + file + " failed (" + sql + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            writer.interrupt();
            StateStoreException gone = new StateStoreException("state store " + file + " is closed");
            for (PendingWrite<?> p; (p = pending.poll()) != null; ) {
                finish(p, gone);
            }
            readerThreads.shutdown();
            indexLock.lock();
            try {
                changed.signalAll();
            } finally {
                indexLock.unlock();
            }
            // Wait for reads under way to hand their connection back: closing it under them would crash them.
            readerThreads.awaitTermination(10, TimeUnit.SECONDS);
            for (int i = 0; i < allReaders.size(); i++) {
                if (readers.poll(10, TimeUnit.SECONDS) == null) {
                    break;
                }
            }
            SQLException failure = null;
            for (Connection r : allReaders) {
                try {
                    r.close();
                } catch (SQLException e) {
                    failure = e;
                }
            }
            conn.close(); // the last connection to close checkpoints the WAL into the database
            if (failure != null) {
                throw failure;
            }
        } catch (SQLException e) {
            throw new StateStoreException("closing " + file + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreException("closing " + file + " interrupted", e);
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
