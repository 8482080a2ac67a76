package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.CgroupLayout;
import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test fixture for root integration tests (Nomad's DriverHarness), the one the isolation suite's
 * {@code Sandboxes} builds on: a private temp root (alloc and state dirs) and cgroup parent
 * {@code corral-test-<random>}, task configs, and a teardown that destroys every task and then
 * checks that no mount, cgroup or process is left on the host.
 *
 * <p>Per test: {@code @RegisterExtension final DriverHarness h = new DriverHarness();} (JUnit builds
 * a test instance per method and closes the harness after each {@code @AfterEach}); with another
 * config inside a test: {@code try (DriverHarness x = new DriverHarness(b -> ...)) { ... }}.
 */
public final class DriverHarness implements AutoCloseable, AfterEachCallback {
    public final Path root;
    public final String cgroupParent;
    public final ExecDriver driver;
    final List<Long> sandboxPids = new java.util.concurrent.CopyOnWriteArrayList<>();

    public DriverHarness(UnaryOperator<ExecDriverConfig.Builder> customize) {
        this(customize, CgroupLayout.detect());
    }

    /** With a given cgroup layout, e.g. this hybrid host's empty cgroup2 mount seen as a v2-only host. */
    DriverHarness(UnaryOperator<ExecDriverConfig.Builder> customize, CgroupLayout layout) {
        assumeRoot();
        try {
            root = Files.createTempDirectory("corral-it-");
            // Tasks run as nobody must be able to reach their alloc dirs below it.
            Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cgroupParent = "corral-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        ExecDriverConfig config = customize.apply(ExecDriverConfig.builder()
                .stateDir(root.resolve("state")).cgroupParent(cgroupParent)).build();
        driver = new ExecDriver(config, layout);
    }

    public DriverHarness() {
        this(b -> b);
    }

    public static void assumeRoot() {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
    }

    /** A task named {@code name} in its own alloc, Nomad layout, default resources. */
    TaskConfig task(String name, ExecTaskConfig cfg) {
        return task(name, cfg, Resources.DEFAULT);
    }

    TaskConfig task(String name, ExecTaskConfig cfg, Resources resources) {
        String allocId = newAllocRoot().getFileName().toString();
        TaskDirectory dir = TaskDirectory.create(root.resolve("alloc").resolve(allocId), name, driver.config().chrootEnv());
        return new TaskConfig(TaskConfig.newId(allocId, name), name, allocId, "job", "group", dir.allocDir(),
                dir.taskDir(), Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "NOMAD_TASK_DIR", "/local"), "",
                resources, cfg, new LogConfig.RotatedFiles(2, 1 << 20), List.of());
    }

    /** A fresh alloc directory path under the root, {@code alloc/a<random>}. */
    public Path newAllocRoot() {
        return root.resolve("alloc").resolve("a" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    }

    /** Starts {@code t}; its sandbox is checked at teardown. */
    public TaskHandle start(TaskConfig t) {
        TaskHandle h = driver.startTask(t);
        sandboxPids.add(h.sandboxPid());
        return h;
    }

    ExitResult await(TaskHandle h, Duration d) throws Exception {
        return h.exit().get(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    static String stdout(TaskConfig t) throws IOException {
        return Files.readString(t.allocDir().resolve("logs").resolve(t.name() + ".stdout.0"));
    }

    /** Waits for a marker file the task writes (an event, not a sleep). */
    public static void awaitFile(Path p, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the task never wrote " + p);
            }
            Thread.sleep(10);
        }
    }

    /** Polls {@code value} until it satisfies {@code done}: the kernel reaps killed processes asynchronously. */
    public static <T> T awaitValue(java.util.function.Supplier<T> value, java.util.function.Predicate<T> done, Duration d)
            throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        T v = value.get();
        while (!done.test(v) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = value.get();
        }
        return v;
    }

    /** Every cgroup directory under our parent, in every hierarchy. */
    /**
     * Task cgroups under the harness's parent: everything but the open driver's pool of empty cgroups
     * made ahead ({@code pool-<this JVM's pid>-<n>}), which {@code driver.close()} removes.
     */
    List<Path> leftoverCgroups() throws IOException {
        String mine = "pool-" + ProcessHandle.current().pid() + "-";
        return allCgroups().stream().filter(p -> !p.getFileName().toString().startsWith(mine)).toList();
    }

    /** Every cgroup directory under the harness's parent. */
    List<Path> allCgroups() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : cgroupParentDirs()) {
            try (Stream<Path> s = Files.list(p)) {
                s.filter(Files::isDirectory).forEach(out::add);
            }
        }
        return out;
    }

    /** Our parent cgroup's directory in each hierarchy that has one. */
    private List<Path> cgroupParentDirs() {
        CgroupLayout l = CgroupLayout.detect();
        List<Path> mounts = new ArrayList<>(l.v1Mounts().values());
        l.v2Mount().ifPresent(mounts::add);
        return mounts.stream().distinct().map(m -> m.resolve(cgroupParent)).filter(Files::isDirectory).toList();
    }

    @Override
    public void close() throws IOException {
        List<Throwable> errors = new ArrayList<>();
        for (TaskHandle h : driver.tasks()) {
            try {
                driver.destroyTask(h.id(), true);
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        driver.close(); // lets its spare sandboxes go: each removes its dir under the state dir
        List<Path> leftCgroups = leftoverCgroups();
        List<Long> leftPids = sandboxPids.stream().filter(p -> ProcStat.read(p).filter(s -> s.state() != 'Z').isPresent()).toList();
        String mountinfo = new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")));
        List<String> leftMounts = mountinfo.lines().filter(l -> l.contains(root.toString())).toList();
        for (long pid : leftPids) {
            LinuxSyscalls.kill(pid, 9);
        }
        removeCgroupParents();
        if (leftMounts.isEmpty()) {
            // Never walk into a leftover bind mount: deleting there would delete host files.
            deleteTree(root);
        }
        assertThat(errors).as("destroy errors").isEmpty();
        assertThat(leftCgroups).as("cgroups left behind").isEmpty();
        assertThat(leftPids).as("sandbox processes left behind").isEmpty();
        assertThat(leftMounts).as("mounts left on the host").isEmpty();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    /**
     * Removes the harness's cgroup parents, deepest first. A test that failed with tasks still in
     * them (started by a child JVM, say) leaves processes there: they are killed first, and a
     * directory still busy while they exit is retried for a few seconds, so a failing test leaves
     * no cgroup behind either.
     */
    void removeCgroupParents() throws IOException {
        for (Path p : cgroupParentDirs()) {
            List<Path> dirs;
            try (Stream<Path> s = Files.walk(p)) {
                dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            }
            for (Path d : dirs) {
                for (String procs : List.of("cgroup.procs", "tasks")) {
                    Path f = d.resolve(procs);
                    if (Files.isReadable(f)) {
                        for (String pid : Files.readAllLines(f)) {
                            if (!pid.isBlank()) {
                                LinuxSyscalls.kill(Long.parseLong(pid.strip()), 9);
                            }
                        }
                    }
                }
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (true) {
                    try {
                        Files.deleteIfExists(d);
                        break;
                    } catch (java.nio.file.FileSystemException busy) {
                        if (System.nanoTime() > deadline) {
                            throw busy;
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw busy;
                        }
                    }
                }
            }
        }
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
