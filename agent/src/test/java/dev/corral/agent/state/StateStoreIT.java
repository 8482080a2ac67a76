package dev.corral.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreIT {
    @TempDir
    Path dir;

    private static JobRecord job(String id, long version) {
        return new JobRecord("default", id, version, false, "pending", 1L, 0, 0, 0,
                Job.of(id, "service", List.of(TaskGroup.of("web", 1, List.of(Task.exec("t", "/bin/sleep", List.of("1")))))));
    }

    private static AllocRecord alloc(String id, String job) {
        return new AllocRecord(id, "default", "eval-1", job + ".web[0]", "node", "node-name", job, 0, "web", 0,
                "run", "", "pending", "", Map.of("t", new TaskResources(100, 300, 0, List.of())), 300,
                null, null, 1, 1, 0, 0);
    }

    @Test
    void open_setsWalAndFullSync_andMigratesToLatest() throws Exception {
        Path db = dir.resolve("state.db");
        try (StateStore s = StateStore.open(db)) {
            assertThat(s.schemaVersion()).isEqualTo(Migrations.latest());
            assertThat(s.query("PRAGMA journal_mode", ps -> {}, rs -> rs.getString(1))).containsExactly("wal");
            assertThat(s.query("PRAGMA synchronous", ps -> {}, rs -> rs.getInt(1))).containsExactly(2);
        }
        // Reopen: no migration re-run, same version.
        try (StateStore s = StateStore.open(db)) {
            assertThat(s.schemaVersion()).isEqualTo(Migrations.latest());
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void open_newerSchema_failsWithActionableMessage() throws Exception {
        Path db = dir.resolve("state.db");
        StateStore.open(db).close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
            st.execute("INSERT INTO schema_version (version) VALUES (999)");
        }
        assertThatThrownBy(() -> StateStore.open(db))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("schema version 999")
                .hasMessageContaining("newer than this agent's");
    }

    @Test
    void nodeIdentity_isStableAcrossReopen() {
        Path db = dir.resolve("state.db");
        String first;
        try (StateStore s = StateStore.open(db)) {
            first = s.nodeIdentity(() -> new NodeIdentity("id-1", "secret", 5)).id();
        }
        try (StateStore s = StateStore.open(db)) {
            assertThat(s.nodeIdentity(() -> new NodeIdentity("id-2", "other", 6)).id()).isEqualTo(first);
        }
    }

    @Test
    void write_assignsIncreasingIndexes_perTable_andPersists() {
        Path db = dir.resolve("state.db");
        try (StateStore s = StateStore.open(db)) {
            JobRecord j = s.write(t -> t.putJob(job("a", 0), true));
            assertThat(j.createIndex()).isEqualTo(1);
            assertThat(j.modifyIndex()).isEqualTo(1);
            s.update(t -> t.putAlloc(alloc("al-1", "a")));
            assertThat(s.index(Table.ALLOCS)).isEqualTo(2);
            assertThat(s.index(Table.JOBS)).isEqualTo(1);
            JobRecord j2 = s.write(t -> t.putJob(job("a", 1), true));
            assertThat(j2.createIndex()).isEqualTo(1);
            assertThat(j2.modifyIndex()).isEqualTo(3);
            assertThat(j2.jobModifyIndex()).isEqualTo(3);
            JobRecord stopped = s.write(t -> t.putJob(j2.withStop(true), false));
            assertThat(stopped.jobModifyIndex()).isEqualTo(3);
            assertThat(stopped.modifyIndex()).isEqualTo(4);
        }
        try (StateStore s = StateStore.open(db)) {
            assertThat(s.latestIndex()).isEqualTo(4);
            assertThat(s.job("default", "a")).get().extracting(JobRecord::stop).isEqualTo(true);
            assertThat(s.jobVersions("default", "a")).extracting(JobRecord::version).containsExactly(1L, 0L);
            assertThat(s.job("default", "a").get().job().groups().getFirst().tasks().getFirst().killTimeout())
                    .isEqualTo(java.time.Duration.ofSeconds(5));
            assertThat(s.alloc("al-1")).isPresent();
        }
    }

    @Test
    void jobsByPrefix_matchExactly_withoutWildcards() {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            for (String id : List.of("web", "web-2", "w%b", "w_b", "wxb", "caf\u00e9-\ud83d\ude00", "api")) {
                s.update(t -> t.putJob(job(id, 0), true));
            }
            assertThat(s.jobs("web")).extracting(JobRecord::id).containsExactly("web", "web-2");
            assertThat(s.jobs("w%")).extracting(JobRecord::id).containsExactly("w%b");
            assertThat(s.jobs("w_")).extracting(JobRecord::id).containsExactly("w_b");
            assertThat(s.jobs("caf\u00e9-")).extracting(JobRecord::id).containsExactly("caf\u00e9-\ud83d\ude00");
            assertThat(s.jobs("nope")).isEmpty();
            assertThat(s.jobs("")).hasSize(7);
        }
    }

    @Test
    void write_failingBody_rollsBackEverything_andKeepsIndex() {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            s.update(t -> t.putJob(job("a", 0), true));
            assertThatThrownBy(() -> s.update(t -> {
                t.putAlloc(alloc("al-1", "a"));
                throw new IllegalStateException("boom");
            })).hasMessage("boom");
            assertThat(s.alloc("al-1")).isEmpty();
            assertThat(s.latestIndex()).isEqualTo(1);
        }
    }

    @Test
    void taskState_keepsOnlyLastTenEvents_andDeleteAllocRemovesChildren() {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            s.update(t -> t.putAlloc(alloc("al-1", "a")));
            TaskStateRecord st = TaskStateRecord.pending();
            for (int i = 0; i < 15; i++) {
                st = st.withEvent(new TaskEvent("E" + i, i, "", "event " + i, Map.of(), false));
            }
            TaskStateRecord fin = st;
            s.update(t -> {
                t.putTaskState("al-1", "t", fin);
                t.putHandle(new HandleRecord("al-1", "t", 1, "{\"pid\":5}"));
                t.putRestartCounter(new RestartCounter("al-1", "t", 2, 99));
            });
            TaskStateRecord back = s.taskStates("al-1").get("t");
            assertThat(back.events()).hasSize(10);
            assertThat(back.events().getFirst().type()).isEqualTo("E5");
            assertThat(s.handle("al-1", "t")).get().extracting(HandleRecord::json).isEqualTo("{\"pid\":5}");
            assertThat(s.restartCounter("al-1", "t")).get().extracting(RestartCounter::count).isEqualTo(2);
            s.update(t -> t.deleteAlloc("al-1"));
            assertThat(s.taskStates("al-1")).isEmpty();
            assertThat(s.handles()).isEmpty();
            assertThat(s.restartCounter("al-1", "t")).isEmpty();
        }
    }

    @Test
    void awaitIndex_returnsWhenWatchedTableChanges_andSubscribersSeeEventsInOrder() throws Exception {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            List<StateChange> seen = new ArrayList<>();
            try (AutoCloseable sub = s.subscribe(seen::add)) {
                long before = s.index(Table.ALLOCS);
                CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.awaitIndex(Set.of(Table.ALLOCS), before, Duration.ofSeconds(30));
                    } catch (InterruptedException e) {
                        throw new RuntimeException(e);
                    }
                });
                s.update(t -> t.putJob(job("a", 0), true));
                s.update(t -> t.putAlloc(alloc("al-1", "a")));
                assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            }
            assertThat(seen).extracting(StateChange::index).containsExactly(1L, 2L);
            assertThat(seen.get(1).events()).extracting(StateEvent::type).containsExactly("AllocationUpdated");
            // Unsubscribed: no more deliveries.
            s.update(t -> t.putJob(job("b", 0), true));
            assertThat(seen).hasSize(2);
            // A wait that sees no change times out with the current index.
            assertThat(s.awaitIndex(Set.of(Table.EVALS), 0, Duration.ofMillis(20))).isZero();
        }
    }

    @Test
    void concurrentWriters_neverLoseOrDuplicateAnIndex() throws Exception {
        try (StateStore s = StateStore.open(dir.resolve("state.db"))) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int wi = w;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 20; i++) {
                        String id = "j" + wi + "-" + i;
                        s.update(t -> t.putJob(job(id, 0), true));
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(s.jobs()).hasSize(160);
            assertThat(s.latestIndex()).isEqualTo(160);
            assertThat(s.jobs()).extracting(JobRecord::modifyIndex).doesNotHaveDuplicates();
        }
        assertThat(Files.exists(dir.resolve("state.db"))).isTrue();
    }
}
