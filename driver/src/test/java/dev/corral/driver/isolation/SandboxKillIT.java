package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.linux.LinuxSyscalls;
import dev.corral.driver.linux.ProcStat;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Faults of the sandbox itself: SIGKILL of its processes from the host. */
@Tag("root")
class SandboxKillIT {

    @Test
    void sigkillOfTheSandboxInit_reportsTheTaskFailed_andLeavesNothing() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            String token = token();
            // the token is the shell's $0, so the task's processes can be found on the host
            TaskConfig t = s.task("victim", "", ExecTaskConfig.of("/bin/sh", "-c", "sleep 600 & sleep 600; wait", token));
            TaskHandle h = s.start(t);
            long init = Sandboxes.initPid(h);
            awaitProcesses(token, 1);
            LinuxSyscalls.kill(init, 9);
            ExitResult exit = s.await(t, h).exit();
            // the task's PID namespace dies with its init: the run process records that as a failure
            assertThat(exit).isInstanceOf(ExitResult.SandboxFailed.class);
            assertThat(((ExitResult.SandboxFailed) exit).step()).isEqualTo("init");
            assertThat(exit.exitCode()).isEqualTo(128 + 9);
            assertThat(Sandboxes.hostProcessesWith(token)).isEmpty();
            assertThat(ProcStat.read(h.sandboxPid()).filter(p -> p.state() != 'Z')).isEmpty();
        }
    }

    @Test
    void oneResidentSandboxProcess_theInit_isTheDriversChild_andIsReapedByIt() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            TaskConfig t = s.sh("resident", "", "while [ ! -e /alloc/go ]; do sleep 0.05; done; exit 3");
            TaskHandle h = s.start(t);
            long init = Sandboxes.initPid(h);
            assertThat(h.sandboxPid()).isEqualTo(init);
            assertThat(ProcessHandle.of(init).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                    .as("the init's parent is this JVM: the run process is gone").contains(ProcessHandle.current().pid());
            Files.writeString(t.allocDir().resolve("go"), "");
            assertThat(s.await(t, h).exit()).isEqualTo(new ExitResult.Exited(3, false));
            assertThat(ProcStat.read(init)).as("reaped, not a zombie").isEmpty();
        }
    }

    private static String token() {
        return "corral-kill-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    private static void awaitProcesses(String token, int n) throws Exception {
        long deadline = System.nanoTime() + Sandboxes.WAIT.toNanos();
        while (Sandboxes.hostProcessesWith(token).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no process with " + token + " appeared");
            }
            Thread.sleep(10);
        }
    }
}
