package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spare processes, with a stand-in "sandbox" that copies its stdin to {@code out.<pid>}. */
class SandboxStarterTest {
    @TempDir
    Path dir;

    private Path standIn(String body) throws IOException {
        Path script = dir.resolve("sandbox.sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private String out(Process p) throws IOException {
        return Files.readString(dir.resolve("out." + p.pid()), StandardCharsets.UTF_8);
    }

    private List<Path> outs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("out.")).toList();
        }
    }

    /** Spare args: "spare --spare-dir DIR". */
    private SandboxStarter starter(Path script, int spares) {
        return new SandboxStarter(() -> script, d -> List.of("spare", "--spare-dir", d.toString()), dir.resolve("spares"),
                spares);
    }

    /**
     * A stand-in for both subcommands: {@code run @-} copies its stdin; {@code spare} also records its
     * spare dir and, as the real one, prints a pid of this JVM's child (its own) once "prepared".
     */
    private Path bothSubcommands() throws IOException {
        return standIn("case \"$1\" in\n"
                + "run) [ \"$2\" = \"@-\" ] || exit 9; exec cat > \"" + dir + "/out.$$\" ;;\n"
                + "spare) echo \"$3\" > \"" + dir + "/spare.$$\"; : > \"" + dir + "/out.$$\"; echo $$;"
                + " exec cat > \"" + dir + "/out.$$\" ;;\n"
                + "*) exit 8 ;;\nesac");
    }

    @Test
    void start_usesSparesForFittingTasks_spawnsRunOtherwise_closeLetsSparesGo() throws Exception {
        Path script = bothSubcommands();
        try (SandboxStarter starter = starter(script, 2)) {
            SandboxStarter.Started first = starter.start("one\0".getBytes(StandardCharsets.UTF_8), true);
            assertThat(first.spare()).as("no spare prepared yet").isNull();
            assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(out(first.process())).isEqualTo("one\0");

            starter.refill();
            awaitReady(starter, 2);
            SandboxStarter.Started second = starter.start("two".getBytes(StandardCharsets.UTF_8), true);
            SandboxStarter.Started hostNs = starter.start("host".getBytes(StandardCharsets.UTF_8), false);
            SandboxStarter.Started third = starter.start("three".getBytes(StandardCharsets.UTF_8), true);
            assertThat(second.spare()).isNotNull();
            assertThat(third.spare()).isNotNull();
            assertThat(hostNs.spare()).as("host namespaces: never a spare").isNull();
            for (SandboxStarter.Started s : List.of(second, hostNs, third)) {
                assertThat(s.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(List.of(out(second.process()), out(hostNs.process()), out(third.process())))
                    .containsExactly("two", "host", "three");
            assertThat(second.spare().initPid()).isEqualTo(second.process().pid());
            assertThat(Files.readString(dir.resolve("spare." + second.process().pid())).strip())
                    .isEqualTo(second.spare().dir().toString())
                    .startsWith(dir.resolve("spares").resolve(ProcessHandle.current().pid() + ".").toString());
            for (SandboxStarter.Started s : List.of(second, third)) {
                dev.corral.driver.linux.LinuxSyscalls.close(s.spare().initPidfd());
            }

            starter.refill();
            awaitOutputs(4 + 2); // the two new spares have started: each made its (empty) file
        }
        // closed: every spare read EOF and exited, leaving its file empty
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Path p : outs()) {
            long pid = Long.parseLong(p.getFileName().toString().substring(4));
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                assertThat(System.nanoTime()).as("spare %d still runs after close", pid).isLessThan(deadline);
                Thread.sleep(10);
            }
        }
        assertThat(outs().stream().filter(p -> p.toFile().length() == 0)).hasSize(2);
    }

    @Test
    void spareThatFailsToPrepare_theStartSpawnsItsOwn() throws Exception {
        Path script = standIn("[ \"$1\" = spare ] && { echo 'no namespaces here' >&2; exit 125; }\n"
                + "exec cat > \"" + dir + "/out.$$\"");
        try (SandboxStarter starter = starter(script, 1)) {
            starter.refill();
            Thread.sleep(200); // the spare has failed by now (nothing to wait for: a failed one is never ready)
            assertThat(starter.ready()).isZero();
            SandboxStarter.Started s = starter.start("x".getBytes(StandardCharsets.UTF_8), true);
            assertThat(s.spare()).isNull();
            assertThat(s.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(out(s.process())).isEqualTo("x");
        }
    }

    @Test
    void start_sandboxThatExitsAtOnce_failsNamingTheExitCode() throws Exception {
        Path script = standIn("exit 7");
        try (SandboxStarter starter = starter(script, 2)) {
            // bigger than a pipe's buffer, so the write cannot succeed before the process is gone
            assertThatThrownBy(() -> starter.start(new byte[1 << 20], true)).isInstanceOf(IOException.class)
                    .hasMessageContaining("exit code 7");
        }
    }

    @Test
    void noSpares_eachStartSpawnsItsOwn() throws Exception {
        Path script = bothSubcommands();
        try (SandboxStarter starter = starter(script, 0)) {
            SandboxStarter.Started s = starter.start("x".getBytes(StandardCharsets.UTF_8), true);
            starter.refill();
            assertThat(s.spare()).isNull();
            assertThat(s.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(out(s.process())).isEqualTo("x");
        }
        assertThat(outs()).hasSize(1);
    }

    @Test
    void leftSpareDirs_ofDeadOwnersAreSwept_aTasksFilesNeverDeleted() throws Exception {
        Path spares = Files.createDirectories(dir.resolve("spares"));
        long dead = deadPid();
        Path stale = Files.createDirectories(spares.resolve(dead + ".1"));
        Files.createDirectories(stale.resolve("root"));
        Files.createDirectories(stale.resolve("upper"));
        Files.createDirectories(stale.resolve("work/work"));
        Path interrupted = Files.createDirectories(spares.resolve(dead + ".2"));
        Files.createDirectories(interrupted.resolve("upper/local"));
        Path live = Files.createDirectories(spares.resolve(ProcessHandle.current().pid() + ".99"));
        try (SandboxStarter ignored = starter(bothSubcommands(), 1)) {
            assertThat(stale).doesNotExist();
            assertThat(interrupted.resolve("upper/local")).as("a task's files stay").isDirectory();
            assertThat(live).isDirectory();
        }
    }

    /** A pid no process has now (a child that has exited and been reaped). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static void awaitReady(SandboxStarter starter, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (starter.ready() < n) {
            assertThat(System.nanoTime()).as("only %d of %d spares ready", starter.ready(), n).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private void awaitOutputs(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outs().size() < n) {
            assertThat(System.nanoTime()).as("only %d of %d outputs", outs().size(), n).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
