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

    @Test
    void start_handsTheStreamOver_spareProcessesTakeTheNextOnes_closeLetsThemExit() throws Exception {
        Path script = standIn("[ \"$1 $2\" = \"run @-\" ] || exit 9; exec cat > \"" + dir + "/out.$$\"");
        try (SandboxStarter starter = new SandboxStarter(() -> script, 2)) {
            Process first = starter.start("one\0".getBytes(StandardCharsets.UTF_8));
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).isZero();
            assertThat(out(first)).isEqualTo("one\0");

            starter.refill();
            Process second = starter.start("two".getBytes(StandardCharsets.UTF_8));
            Process third = starter.start("three".getBytes(StandardCharsets.UTF_8));
            assertThat(second.waitFor(10, TimeUnit.SECONDS) && third.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(List.of(out(second), out(third))).containsExactly("two", "three");
            assertThat(List.of(first.pid(), second.pid(), third.pid())).doesNotHaveDuplicates();

            starter.refill();
            awaitOutputs(3 + 2); // the spares have started: each made its (empty) file
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
    void start_sandboxThatExitsAtOnce_failsNamingTheExitCode() throws Exception {
        Path script = standIn("exit 7");
        try (SandboxStarter starter = new SandboxStarter(() -> script, 2)) {
            // bigger than a pipe's buffer, so the write cannot succeed before the process is gone
            assertThatThrownBy(() -> starter.start(new byte[1 << 20])).isInstanceOf(IOException.class)
                    .hasMessageContaining("exit code 7");
        }
    }

    @Test
    void noSpares_eachStartSpawnsItsOwn() throws Exception {
        Path script = standIn("exec cat > \"" + dir + "/out.$$\"");
        try (SandboxStarter starter = new SandboxStarter(() -> script, 0)) {
            Process p = starter.start("x".getBytes(StandardCharsets.UTF_8));
            starter.refill();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(out(p)).isEqualTo("x");
        }
        assertThat(outs()).hasSize(1);
    }

    private void awaitOutputs(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outs().size() < n) {
            assertThat(System.nanoTime()).as("only %d of %d outputs", outs().size(), n).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
