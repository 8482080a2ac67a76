package dev.corral.agent.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.AgentProcess;
import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.sched.ResourceAsk;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.JobRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.StateStore;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real agent (child JVM, real SQLite store, real driver and sandbox) at seeded
 * random points of a job start, a job stop and an artifact download, {@value #ITERATIONS} times,
 * each followed by a restart on the same data dir. After each restart the store and the host agree:
 * every sandbox on the host has a handle in the store and every handle a live sandbox (pid and
 * {@code NOMAD_ALLOC_ID}), the task cgroups under the agent's cgroup parent are exactly the recorded
 * ones, no task runs twice, and every acknowledged registration or stop has taken effect (none is
 * lost). The seed is printed; rerun one with {@code -Dcorral.fault.seed=N}.
 */
@Tag("root")
class AgentKillIT {
    static final int ITERATIONS = 20;
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** Restarts without the default 15 s delay, so an iteration does not wait on the policy. */
    private static final dev.corral.agent.restart.RestartPolicy FAST_RESTART = new dev.corral.agent.restart.RestartPolicy(
            10, Duration.ofMinutes(30), Duration.ofMillis(100), dev.corral.agent.restart.RestartPolicy.Mode.FAIL);

    @TempDir
    Path dir;
    private String cgroup;
    private String prefix;
    private AgentProcess agent;
    private HttpServer artifacts;
    private StateStore view;

    enum Op { START, STOP, ARTIFACT }

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null && agent.process.isAlive()) {
                agent.kill9();
            }
            if (view != null) {
                view.close();
            }
        } finally {
            if (artifacts != null) {
                artifacts.stop(0);
            }
            if (prefix != null) {
                for (HostView.Proc p : HostView.withEnvPrefix("NOMAD_JOB_ID=" + prefix)) {
                    ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            if (cgroup != null) {
                waitUntil(Duration.ofSeconds(10), () -> HostView.withEnvPrefix("NOMAD_JOB_ID=" + prefix).isEmpty());
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private AgentProcess startAgent() throws Exception {
        Path cfg = dir.resolve("agent.hcl");
        if (!Files.exists(cfg)) {
            Files.writeString(cfg, "data_dir = \"" + dir.resolve("data") + "\"\n"
                    + "client {\n  gc_interval = \"1h\"\n  gc_max_allocs = 1000\n}\n"
                    + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroup + "\"\n  }\n}\n");
        }
        return new AgentProcess(cfg, dir.resolve("agent.log"), List.of("-XX:TieredStopAtLevel=1"));
    }

    private StateStore view() {
        if (view == null) {
            view = StateStore.open(dir.resolve("data").resolve("state.db"));
        }
        return view;
    }

    private static Job service(String id, int count) {
        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' TERM INT; while true; do sleep 0.5; done"))
                .withResources(new ResourceAsk(10, 0, 16, 0));
        return Job.of(id, "service", List.of(TaskGroup.of("g", count, List.of(t)).withRestart(FAST_RESTART)));
    }

    private Job withArtifact(String id) {
        String source = "http://127.0.0.1:" + artifacts.getAddress().getPort() + "/slow.bin";
        Task t = new Task("t", "exec", Map.of("command", "/bin/sh", "args",
                List.of("-c", "test -s local/slow.bin || exit 3; trap 'exit 0' TERM INT; while true; do sleep 0.5; done")),
                null, "", new ResourceAsk(10, 0, 16, 0), null, null, null, null, false, null, null, null, null,
                List.of(Map.of("source", source)));
        return Job.of(id, "service", List.of(TaskGroup.of("g", 1, List.of(t)).withRestart(FAST_RESTART)));
    }

    /** A download that takes about a second: 256 KiB in 32 pieces (the server side of a slow network). */
    private void startArtifactServer() throws Exception {
        artifacts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        artifacts.createContext("/slow.bin", ex -> {
            ex.sendResponseHeaders(200, 32 * 8192);
            try (OutputStream out = ex.getResponseBody()) {
                byte[] piece = new byte[8192];
                for (int i = 0; i < 32; i++) {
                    out.write(piece);
                    out.flush();
                    Thread.sleep(30);
                }
            } catch (InterruptedException | java.io.IOException clientGone) {
                // the agent was killed mid-download
            }
        });
        artifacts.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        artifacts.start();
    }

    @Test
    void kill9AtRandomPoints_restart_storeAndHostAgree_noTaskTwice_noneLost() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        long seed = Long.getLong("corral.fault.seed", System.nanoTime());
        System.out.println("AgentKillIT seed " + seed + " (rerun with -Dcorral.fault.seed=" + seed + ")");
        Random rnd = new Random(seed);
        cgroup = AgentFixture.cgroupParent();
        prefix = "k" + cgroup.substring(cgroup.length() - 6) + "-";
        startArtifactServer();
        agent = startAgent();
        // What must hold after each restart: job -> expected running allocations (0 = stopped).
        Map<String, Integer> expected = new LinkedHashMap<>();
        // Jobs whose last command was not acknowledged before the kill: either outcome is allowed.
        Map<String, Set<Integer>> undecided = new HashMap<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
            Op op = Op.values()[rnd.nextInt(Op.values().length)];
            List<String> running = expected.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
            if (op == Op.STOP && running.isEmpty()) {
                op = Op.START;
            }
            String id;
            int count;
            String command;
            long delayMs;
            switch (op) {
                case START -> {
                    id = prefix + i;
                    count = 1 + rnd.nextInt(2);
                    command = "register " + Json.write(service(id, count));
                    delayMs = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(1500);
                }
                case ARTIFACT -> {
                    id = prefix + i;
                    count = 1;
                    command = "register " + Json.write(withArtifact(id));
                    delayMs = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(2000);
                }
                default -> {
                    id = running.get(rnd.nextInt(running.size()));
                    count = 0;
                    command = "stop " + id;
                    delayMs = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(800);
                }
            }
            int before = expected.getOrDefault(id, 0);
            long sent = System.nanoTime();
            agent.send(command);
            // Kill exactly delayMs after sending: before or after the acknowledgement, wherever that falls.
            String reply = agent.replies.poll(delayMs, TimeUnit.MILLISECONDS);
            long left = delayMs - (System.nanoTime() - sent) / 1_000_000;
            if (left > 0) {
                Thread.sleep(left);
            }
            agent.kill9();
            if (reply == null) {
                reply = agent.replies.poll(); // answered in the last instant before the kill
            }
            boolean acked = reply != null && !reply.startsWith("error");
            if (acked) {
                expected.put(id, count);
                undecided.remove(id);
            } else {
                undecided.put(id, Set.of(before, count));
                expected.remove(id);
            }
            long it0 = System.nanoTime();
            agent = startAgent();
            Map<String, Integer> outcome = awaitConverged(expected, undecided);
            // Whatever an unacknowledged command turned into is now the state to keep.
            outcome.forEach(expected::put);
            undecided.clear();
            assertConsistent(expected);
            System.out.printf("AgentKillIT iteration %2d: %-8s %s, kill -9 after %4d ms, acknowledged %-5s -> restarted and"
                    + " consistent in %d ms; running %s%n", i, op, id, delayMs, acked, (System.nanoTime() - it0) / 1_000_000,
                    expected.values().stream().mapToInt(Integer::intValue).sum());
        }
        System.out.printf("AgentKillIT: %d iterations in %d s%n", ITERATIONS, (System.nanoTime() - t0) / 1_000_000_000);
        for (var e : expected.entrySet()) {
            if (e.getValue() > 0) {
                agent.call("stop " + e.getKey());
            }
        }
        awaitConverged(expected.keySet().stream().collect(Collectors.toMap(k -> k, k -> 0)), Map.of());
        assertConsistent(expected.keySet().stream().collect(Collectors.toMap(k -> k, k -> 0)));
        assertThat(view().integrityCheck()).isEqualTo("ok");
        agent.kill9();
    }

    /** Running allocations of a job as the store says, with a live sandbox each. */
    private int runningAllocs(String jobId) {
        Set<String> handles = view().handles().stream().filter(h -> h.version() > 0).map(HandleRecord::allocId)
                .collect(Collectors.toSet());
        return (int) view().allocsForJob("default", jobId).stream()
                .filter(a -> a.clientStatus().equals("running") && !a.serverTerminal() && handles.contains(a.id())).count();
    }

    private boolean settled(String jobId, int want) {
        List<AllocRecord> allocs = view().allocsForJob("default", jobId);
        boolean othersTerminal = allocs.stream().filter(a -> !(a.clientStatus().equals("running") && !a.serverTerminal()))
                .allMatch(AllocRecord::clientTerminal);
        boolean evalsDone = view().evals().stream().filter(e -> e.jobId().equals(jobId))
                .noneMatch(e -> e.status().equals("pending"));
        return runningAllocs(jobId) == want && othersTerminal && evalsDone;
    }

    /** Waits until every job has settled at an allowed count; returns the counts of the undecided ones. */
    private Map<String, Integer> awaitConverged(Map<String, Integer> expected, Map<String, Set<Integer>> undecided)
            throws InterruptedException {
        Map<String, Integer> outcome = new HashMap<>();
        waitUntil(CONVERGE, () -> {
            for (var e : expected.entrySet()) {
                if (!settled(e.getKey(), e.getValue())) {
                    return false;
                }
            }
            for (var e : undecided.entrySet()) {
                String id = e.getKey();
                JobRecord j = view().job("default", id).orElse(null);
                // Not in the store: the registration never happened; it must have left nothing behind.
                int want = j == null || j.stop() ? 0 : j.job().groups().getFirst().count();
                if (!e.getValue().contains(want) || !settled(id, want)) {
                    return false;
                }
                outcome.put(id, want);
            }
            return true;
        }, () -> "convergence; expected " + expected + ", undecided " + undecided + ", running "
                + expected.keySet().stream().collect(Collectors.toMap(k -> k, this::runningAllocs)));
        return outcome;
    }

    /** Store and host agree for every job of the test. */
    private void assertConsistent(Map<String, Integer> expected) throws Exception {
        Map<Long, HandleRecord> byPid = new HashMap<>();
        Set<Path> recordedCgroups = new HashSet<>();
        for (HandleRecord h : view().handles()) {
            assertThat(h.version()).as("no half-started task left in the store: %s", h).isPositive();
            JsonNode n = Json.mapper().readTree(h.json());
            long pid = n.get("sandbox_pid").asLong();
            byPid.put(pid, h);
            n.get("cgroup_paths").forEach(p -> recordedCgroups.add(Path.of(p.asText())));
            AllocRecord a = view().alloc(h.allocId()).orElseThrow(() -> new AssertionError("handle without alloc " + h));
            assertThat(a.clientStatus()).as("alloc of a handle is running: %s", a.id()).isEqualTo("running");
        }
        List<HostView.Proc> sandboxes = HostView.withEnvPrefix("NOMAD_JOB_ID=" + prefix).stream()
                .filter(HostView.Proc::outerSandbox).toList();
        Map<String, Long> perTask = new HashMap<>();
        for (HostView.Proc p : sandboxes) {
            HandleRecord h = byPid.get(p.pid());
            assertThat(h).as("sandbox %d (alloc %s) on the host has a record in the store", p.pid(), p.env("NOMAD_ALLOC_ID"))
                    .isNotNull();
            assertThat(p.env("NOMAD_ALLOC_ID")).isEqualTo(h.allocId());
            perTask.merge(h.allocId() + "/" + h.task(), 1L, Long::sum);
        }
        assertThat(perTask.values()).as("no task runs twice").allMatch(n -> n == 1);
        assertThat(sandboxes.stream().map(HostView.Proc::pid).collect(Collectors.toSet()))
                .as("every handle in the store has a live sandbox on the host").isEqualTo(byPid.keySet());
        for (HostView.Proc p : HostView.withEnvPrefix("NOMAD_JOB_ID=" + prefix)) {
            // A short-lived "sleep" may exit between the scan and this check: only a live one counts.
            if (!p.sandbox() && ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                boolean underRecorded = byPid.keySet().stream().anyMatch(s -> HostView.descendsFrom(p.pid(), s));
                assertThat(underRecorded || !ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false))
                        .as("task process %d %s runs under a recorded sandbox", p.pid(), p.cmdline()).isTrue();
            }
        }
        List<String> controllers;
        try (var ds = Files.list(Path.of("/sys/fs/cgroup"))) {
            controllers = ds.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        }
        for (String controller : controllers) {
            Set<Path> recorded = recordedCgroups.stream().filter(p -> p.startsWith(Path.of("/sys/fs/cgroup", controller)))
                    .collect(Collectors.toSet());
            Set<Path> host = HostView.taskCgroups(controller, cgroup);
            Set<Path> nonEmptyHost = host.stream().filter(p -> !HostView.cgroupEmpty(p)).collect(Collectors.toSet());
            assertThat(nonEmptyHost).as("%s cgroups holding tasks under %s = cgroups in the store", controller, cgroup)
                    .isEqualTo(recorded.stream().filter(p -> !HostView.cgroupEmpty(p)).collect(Collectors.toSet()));
            assertThat(recorded).as("every recorded %s cgroup exists", controller).allMatch(Files::isDirectory);
        }
        for (var e : expected.entrySet()) {
            assertThat(runningAllocs(e.getKey())).as("running allocations of %s", e.getKey()).isEqualTo(e.getValue());
        }
    }

    private static void waitUntil(Duration max, BooleanSupplier cond) throws InterruptedException {
        waitUntil(max, cond, () -> "condition");
    }

    private static void waitUntil(Duration max, BooleanSupplier cond, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            // Another process writes the store and the host: poll (the only clock-based wait here).
            Thread.sleep(100);
        }
    }
}
