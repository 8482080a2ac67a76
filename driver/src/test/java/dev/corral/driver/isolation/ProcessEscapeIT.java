package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.linux.ProcStat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Attacks on other processes: the sandbox's PID 1 and the host's processes, by ptrace and by signals. */
@Tag("root")
class ProcessEscapeIT {
    @RegisterExtension
    final Sandboxes s = new Sandboxes(b -> b.userDenylist(Set.of()));

    @ParameterizedTest
    @ValueSource(strings = {"root", ""})
    void ptraceAndMemoryOfSandboxInit_areDenied(String user) throws Exception {
        Map<String, String> v = s.attack(s.task("ptrace", user, ExecTaskConfig.of("/local/attack", "ptrace", "1")));
        assertThat(v).containsEntry("ptrace_attach", "EPERM").containsEntry("process_vm_readv", "EPERM");
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", ""})
    void sigkillAndSigstopOfSandboxInit_fromInside_leaveItSupervising(String user) throws Exception {
        TaskConfig t = s.sh("killinit", user, "/local/attack kill 1 9 | sed s/^/sigkill_/; /local/attack kill 1 19 | sed s/^/sigstop_/; "
                + "echo still=alive; exit 7");
        TaskHandle h = s.start(t);
        long init = Sandboxes.initPid(h);
        Sandboxes.Result r = s.await(t, h);
        // the kernel never delivers SIGKILL/SIGSTOP sent from inside a PID namespace to its init: the
        // init goes on and records the task's own exit code
        assertThat(r.exit()).isEqualTo(new ExitResult.Exited(7, false));
        assertThat(r.values()).containsEntry("still", "alive");
        assertThat(ProcStat.read(init)).as("the init exits only after the task").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", ""})
    void catchableSignalToSandboxInit_reachesOnlyTheTaskItself(String user) throws Exception {
        // the init forwards what it receives to the task's process group: the task can only hurt itself
        TaskConfig t = s.sh("termint", user, "/local/attack kill 1 15; sleep 30; echo survived=1");
        Sandboxes.Result r = s.run(t);
        assertThat(r.exit()).isEqualTo(new ExitResult.Signaled(15, false));
        assertThat(r.stdout()).doesNotContain("survived");
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", ""})
    void hostProcesses_cannotBeSignalledOrTraced(String user) throws Exception {
        Process host = new ProcessBuilder("sleep", "600").start();
        try {
            long pid = host.pid();
            Map<String, String> v = s.attack(s.sh("host", user, "/local/attack kill " + pid + " 9; /local/attack ptrace " + pid
                    + "; /local/attack kill " + ProcessHandle.current().pid() + " 9 | sed 's/^/jvm_/'"));
            // pids of the host do not exist in the task's PID namespace (unless the number is one of its own)
            assertThat(v.get("kill")).isIn("ESRCH", "EPERM");
            assertThat(v.get("ptrace_attach")).isIn("ESRCH", "EPERM");
            assertThat(v.get("jvm_kill")).isIn("ESRCH", "EPERM");
            assertThat(host.isAlive()).isTrue();
        } finally {
            host.destroyForcibly();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
