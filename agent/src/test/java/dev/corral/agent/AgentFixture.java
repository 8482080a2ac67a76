package dev.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.config.AgentConfigParser;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.Table;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Helpers for tests that run a real agent: unique cgroup parent, waiting on store changes, cleanup. */
public final class AgentFixture {
    private AgentFixture() {}

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** A config for a test agent in {@code dataDir} with its own cgroup parent ({@code corral-test-*}). */
    public static AgentConfig config(Path dataDir, String extraClient, String cgroupParent) {
        String hcl = "data_dir = \"" + dataDir + "\"\n"
                + "client {\n  gc_interval = \"1h\"\n" + extraClient + "\n}\n"
                + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroupParent + "\"\n  }\n}\n";
        return AgentConfigParser.parse("test-agent.hcl", hcl, true);
    }

    public static String cgroupParent() {
        return "corral-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Waits (on store index changes, not sleeps) until {@code cond} holds; fails after {@code max}. */
    public static <T> T await(Agent agent, Duration max, Supplier<T> value, Predicate<T> cond, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long index = 0;
        while (true) {
            T v = value.get();
            if (cond.test(v)) {
                return v;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out waiting for " + what + "; last value: " + v);
            }
            index = agent.store().awaitIndex(Set.of(Table.ALLOCS, Table.EVALS, Table.JOBS), index,
                    Duration.ofNanos(Math.min(left, Duration.ofMillis(500).toNanos())));
        }
    }

    /** Stops every job and waits until no allocation runs any more. */
    public static void stopAll(Agent agent) throws InterruptedException {
        for (var j : agent.jobs()) {
            if (!j.stop()) {
                agent.stopJob(j.namespace(), j.id(), false);
            }
        }
        await(agent, Duration.ofSeconds(60), agent::allocations,
                l -> l.stream().allMatch(a -> a.clientTerminal() && agent.taskPids(a.id()).isEmpty()),
                "all allocations terminal");
    }

    /** Removes the test's cgroup directories under every hierarchy (children first). */
    public static void removeCgroups(String parent) throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path controller : ds) {
                Path p = controller.resolve(parent);
                if (Files.isDirectory(p)) {
                    removeTree(p);
                }
            }
        }
    }

    private static void removeTree(Path p) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, Files::isDirectory)) {
            ds.forEach(children::add);
        }
        for (Path c : children) {
            removeTree(c);
        }
        Files.deleteIfExists(p);
    }

    /** Reads a whole stream of a task's logs. */
    public static String logs(Agent agent, String allocId, String task, dev.corral.agent.logs.LogReader.Stream s) {
        var r = agent.logs(allocId, task, s);
        var pos = r.position(dev.corral.agent.logs.LogReader.Origin.START, 0);
        StringBuilder sb = new StringBuilder();
        while (true) {
            var c = r.read(pos, 65536);
            if (c.data().length == 0) {
                return sb.toString();
            }
            sb.append(new String(c.data(), java.nio.charset.StandardCharsets.UTF_8));
            pos = c.next();
        }
    }

    static void assertTerminal(AllocRecord a) {
        assertThat(a.clientTerminal()).as("alloc %s terminal", a.id()).isTrue();
    }
}
