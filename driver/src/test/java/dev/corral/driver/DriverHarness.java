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

/**
 * Test fixture for root integration tests (Nomad's DriverHarness): a private temp alloc dir, state
 * dir and cgroup parent {@code corral-test-<random>}, task configs, and a teardown that destroys
 * every task and then checks that no mount, cgroup or process is left on the host.
 */
final class DriverHarness implements AutoCloseable {
    final Path root;
    final String cgroupParent;
    final ExecDriver driver;
    final List<Long> sandboxPids = new java.util.concurrent.CopyOnWriteArrayList<>();

    DriverHarness(UnaryOperator<ExecDriverConfig.Builder> customize) throws IOException {
        this(customize, CgroupLayout.detect());
    }

    /** With a given cgroup layout, e.g. this hybrid host's empty cgroup2 mount seen as a v2-only host. */
    DriverHarness(UnaryOperator<ExecDriverConfig.Builder> customize, CgroupLayout layout) throws IOException {
        assumeRoot();
        root = Files.createTempDirectory("corral-it-");
        cgroupParent = "corral-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        ExecDriverConfig config = customize.apply(ExecDriverConfig.builder()
                .stateDir(root.resolve("state")).cgroupParent(cgroupParent)).build();
        driver = new ExecDriver(config, layout);
    }

    DriverHarness() throws IOException {
        this(b -> b);
    }

    static void assumeRoot() {
        Assumptions.assumeTrue(LinuxSyscalls.geteuid() == 0, "needs root");
    }

    /** A task named {@code name} in its own alloc, Nomad layout, default resources. */
    TaskConfig task(String name, ExecTaskConfig cfg) {
        return task(name, cfg, Resources.DEFAULT);
    }

    TaskConfig task(String name, ExecTaskConfig cfg, Resources resources) {
        String allocId = "a" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        TaskDirectory dir = TaskDirectory.create(root.resolve("alloc").resolve(allocId), name, driver.config().chrootEnv());
        return new TaskConfig(TaskConfig.newId(allocId, name), name, allocId, "job", "group", dir.allocDir(),
                dir.taskDir(), Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "NOMAD_TASK_DIR", "/local"), "",
                resources, cfg, new LogConfig.RotatedFiles(2, 1 << 20), List.of());
    }

    TaskHandle start(TaskConfig t) {
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
    static void awaitFile(Path p, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the task never wrote " + p);
            }
            Thread.sleep(10);
        }
    }

    /** Polls {@code value} until it satisfies {@code done}: the kernel reaps killed processes asynchronously. */
    static <T> T awaitValue(java.util.function.Supplier<T> value, java.util.function.Predicate<T> done, Duration d)
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
    List<Path> leftoverCgroups() throws IOException {
        List<Path> out = new ArrayList<>();
        CgroupLayout l = CgroupLayout.detect();
        List<Path> mounts = new ArrayList<>(l.v1Mounts().values());
        l.v2Mount().ifPresent(mounts::add);
        for (Path m : mounts.stream().distinct().toList()) {
            Path p = m.resolve(cgroupParent);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isDirectory).forEach(out::add);
                }
            }
        }
        return out;
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
        List<Path> leftCgroups = leftoverCgroups();
        List<Long> leftPids = sandboxPids.stream().filter(p -> ProcStat.read(p).filter(s -> s.state() != 'Z').isPresent()).toList();
        String mountinfo = new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")));
        List<String> leftMounts = mountinfo.lines().filter(l -> l.contains(root.toString())).toList();
        removeCgroupParents();
        for (long pid : leftPids) {
            LinuxSyscalls.kill(pid, 9);
        }
        deleteTree(root);
        assertThat(errors).as("destroy errors").isEmpty();
        assertThat(leftCgroups).as("cgroups left behind").isEmpty();
        assertThat(leftPids).as("sandbox processes left behind").isEmpty();
        assertThat(leftMounts).as("mounts left on the host").isEmpty();
    }

    void removeCgroupParents() throws IOException {
        CgroupLayout l = CgroupLayout.detect();
        List<Path> mounts = new ArrayList<>(l.v1Mounts().values());
        l.v2Mount().ifPresent(mounts::add);
        for (Path m : mounts.stream().distinct().toList()) {
            Path p = m.resolve(cgroupParent);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
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
