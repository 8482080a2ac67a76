package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxStatusTest {
    @Test
    void parse_exited_readsEveryKeyAndIgnoresUnknownOnes() {
        var s = SandboxStatus.parse("""
                version=1
                state=exited
                sandbox_pid=100
                init_pid=101
                task_pid=2
                started_ns=1700000000000000000
                exec_ok=1
                exit_code=3
                signal=0
                finished_ns=1700000001000000000
                utime_us=10
                stime_us=20
                maxrss_kb=1234
                future_key=whatever
                error=
                """).orElseThrow();
        assertThat(s.exited()).isTrue();
        assertThat(s.execOk()).isTrue();
        assertThat(s.exitCode()).hasValue(3);
        assertThat(s.sandboxPid()).hasValue(100);
        assertThat(s.initPid()).hasValue(101);
        assertThat(s.maxRssKb()).hasValue(1234);
        assertThat(s.signal()).isZero();
    }

    @Test
    void parse_failed_keepsStepErrnoAndErrorText() {
        var s = SandboxStatus.parse("version=1\nstate=failed\nexec_ok=0\nfailed_step=execve\nerrno=2\nerror=No such file or directory: /bin/x = y\n")
                .orElseThrow();
        assertThat(s.failed()).isTrue();
        assertThat(s.failedStep()).isEqualTo("execve");
        assertThat(s.errno()).isEqualTo(2);
        assertThat(s.error()).isEqualTo("No such file or directory: /bin/x = y");
        assertThat(s.exitCode()).isEmpty();
    }

    @Test
    void parse_garbage_isEmpty() {
        assertThat(SandboxStatus.parse("")).isEmpty();
        assertThat(SandboxStatus.parse("version=2\nstate=exited\n")).isEmpty();
        assertThat(SandboxStatus.parse("version=1\nstate=confused\n")).isEmpty();
        assertThat(SandboxStatus.parse("\0\0\0")).isEmpty();
    }

    @Test
    void parse_badNumbers_areEmptyNotErrors() {
        var s = SandboxStatus.parse("version=1\nstate=running\nsandbox_pid=abc\nexec_ok=1\n").orElseThrow();
        assertThat(s.sandboxPid()).isEmpty();
        assertThat(s.running()).isTrue();
    }

    @Test
    void parse_randomBytesAndTruncations_neverThrow() {
        String good = "version=1\nstate=exited\nsandbox_pid=10\ninit_pid=11\ntask_pid=2\nexec_ok=1\nstarted_ns=5\n"
                + "exit_code=0\nsignal=0\nfinished_ns=6\nutime_us=1\nstime_us=1\nmaxrss_kb=100\n";
        java.util.Random random = new java.util.Random(20261127L);
        for (int i = 0; i <= good.length(); i++) {
            // A reader may race a writer that is not atomic (older sandboxes): every prefix is safe.
            assertThat(SandboxStatus.parse(good.substring(0, i))).isNotNull();
        }
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[random.nextInt(200)];
            random.nextBytes(b);
            String noise = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(SandboxStatus.parse(noise)).isNotNull();
            assertThat(SandboxStatus.parse("version=1\nstate=exited\n" + noise)).isPresent();
        }
    }

    @Test
    void read_missingFile_isEmpty(@TempDir Path dir) throws Exception {
        assertThat(SandboxStatus.read(dir.resolve("nope"))).isEmpty();
        Files.writeString(dir.resolve("s"), "version=1\nstate=exited\nexec_ok=1\nexit_code=0\nsignal=9\n");
        assertThat(SandboxStatus.read(dir.resolve("s")).orElseThrow().signal()).isEqualTo(9);
    }
}
