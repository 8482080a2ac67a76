package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.DriverHarness;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.LogConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fixture of the escape suite: the driver tests' {@link DriverHarness} (real {@link ExecDriver} and
 * {@code corral-sandbox}, private temp dir and cgroup parent, a teardown that fails if a mount,
 * cgroup or sandbox process was left on the host) plus hostile tasks built from the {@code attack}
 * probe and readers for what they left. Per test:
 * {@code @RegisterExtension final Sandboxes s = new Sandboxes(...);}.
 */
final class Sandboxes implements AutoCloseable, AfterEachCallback {
    static final Duration WAIT = Duration.ofSeconds(60);
    /** The attack probe, compiled once per JVM. */
    private static Path attackBinary;

    private final DriverHarness harness;
    final Path root;
    final String cgroupParent;
    final ExecDriver driver;

    /** What a finished task left: its exit and both log streams. */
    record Result(ExitResult exit, String stdout, String stderr) {
        /** The {@code name=value} lines of the attack probe. */
        Map<String, String> values() {
            Map<String, String> m = new LinkedHashMap<>();
            stdout.lines().filter(l -> l.contains("=")).forEach(l -> m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
            return m;
        }
    }

    Sandboxes(UnaryOperator<ExecDriverConfig.Builder> customize) {
        harness = new DriverHarness(customize);
        root = harness.root;
        cgroupParent = harness.cgroupParent;
        driver = harness.driver;
    }

    Sandboxes() {
        this(b -> b);
    }

    /** A task in a fresh alloc. */
    TaskConfig task(String name, String user, ExecTaskConfig cfg) {
        return task(newAllocRoot(), name, user, cfg, Resources.DEFAULT, new LogConfig.RotatedFiles(2, 4 << 20));
    }

    Path newAllocRoot() {
        return harness.newAllocRoot();
    }

    /** A task in the alloc {@code allocRoot} (shared with its siblings), with the attack probe in its local/. */
    TaskConfig task(Path allocRoot, String name, String user, ExecTaskConfig cfg, Resources resources, LogConfig logs) {
        TaskDirectory dir = TaskDirectory.create(allocRoot, name, driver.config().chrootEnv());
        installAttack(dir.localDir().resolve("attack"));
        String allocId = allocRoot.getFileName().toString();
        return new TaskConfig(TaskConfig.newId(allocId, name), name, allocId, "job", "group", dir.allocDir(), dir.taskDir(),
                Map.of("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"), user, resources, cfg, logs, List.of());
    }

    /** A /bin/sh -c script task. */
    TaskConfig sh(String name, String user, String script) {
        return task(name, user, ExecTaskConfig.of("/bin/sh", "-c", script));
    }

    TaskHandle start(TaskConfig t) {
        return harness.start(t);
    }

    Result run(TaskConfig t) throws Exception {
        return await(t, start(t));
    }

    Result await(TaskConfig t, TaskHandle h) throws Exception {
        ExitResult exit = h.exit().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return new Result(exit, log(t, "stdout"), log(t, "stderr"));
    }

    /** Runs t and fails unless it exited 0; returns the probe's name=value lines. */
    Map<String, String> attack(TaskConfig t) throws Exception {
        Result r = run(t);
        assertThat(r.exit()).as("exit of %s (stdout %s, stderr %s)", t.name(), r.stdout(), r.stderr())
                .isEqualTo(new ExitResult.Exited(0, false));
        return r.values();
    }

    static String log(TaskConfig t, String stream) throws IOException {
        Path logs = t.allocDir().resolve("logs");
        StringBuilder b = new StringBuilder();
        for (int i = 0; Files.exists(logs.resolve(t.name() + "." + stream + "." + i)); i++) {
            b.append(Files.readString(logs.resolve(t.name() + "." + stream + "." + i)));
        }
        return b.toString();
    }

    /** The host pid of the task's sandbox init (B), from its status file. */
    static long initPid(TaskHandle h) throws IOException {
        return Files.readAllLines(h.record().statusFile()).stream().filter(l -> l.startsWith("init_pid="))
                .mapToLong(l -> Long.parseLong(l.substring(9))).findFirst().orElseThrow();
    }

    /** Waits until the task's log holds {@code text} (the sandbox copies the task's pipe asynchronously). */
    static String awaitLog(TaskConfig t, String stream, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            String log = log(t, stream);
            if (log.contains(text)) {
                return log;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the task's " + stream + " never showed \"" + text + "\": " + log);
            }
            Thread.sleep(10);
        }
    }

    /** Host pids whose command line contains {@code token} (a task's marker argument). */
    static List<Long> hostProcessesWith(String token) throws IOException {
        List<Long> pids = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(token)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // exited while we looked
                }
            }
        }
        return pids;
    }

    private static synchronized void installAttack(Path dst) {
        try {
            if (attackBinary == null) {
                Path dir = Files.createTempDirectory("corral-attack-");
                dir.toFile().deleteOnExit();
                Path src = dir.resolve("attack.c");
                try (InputStream in = Sandboxes.class.getResourceAsStream("attack.c")) {
                    Files.copy(in, src);
                }
                Path bin = dir.resolve("attack");
                Process gcc = new ProcessBuilder("gcc", "-static", "-O1", "-Wall", "-Werror", "-o", bin.toString(), src.toString())
                        .redirectErrorStream(true).start();
                String out = new String(gcc.getInputStream().readAllBytes());
                assertThat(gcc.waitFor()).as("gcc attack.c: %s", out).isZero();
                Files.delete(src);
                bin.toFile().deleteOnExit();
                attackBinary = bin;
            }
            Files.copy(attackBinary, dst);
            Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        harness.close();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }
}
