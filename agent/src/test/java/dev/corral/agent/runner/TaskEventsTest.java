package dev.corral.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.state.TaskEvent;
import dev.corral.driver.ExitResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TaskEventsTest {
    private final TaskEvents ev = new TaskEvents(() -> 42L);

    @Test
    void displayMessages_matchNomad() {
        assertThat(ev.received().displayMessage()).isEqualTo("Task received by client");
        assertThat(ev.started().displayMessage()).isEqualTo("Task started by client");
        assertThat(ev.setup("Building Task Directory").type()).isEqualTo("Task Setup");
        assertThat(ev.downloadingArtifacts().displayMessage()).isEqualTo("Client is downloading artifacts");
        assertThat(ev.driverFailure("").displayMessage()).isEqualTo("Failed to start task");
        assertThat(ev.hookFailed("validate", "running as user \"root\" is disallowed").displayMessage())
                .isEqualTo("validate: running as user \"root\" is disallowed");
        assertThat(ev.killed("").displayMessage()).isEqualTo("Task successfully killed");
        assertThat(ev.siblingFailed("web").displayMessage()).isEqualTo("Task's sibling \"web\" failed");
        assertThat(ev.leaderDead().displayMessage()).isEqualTo("Leader Task in Group dead");
        assertThat(ev.mainDead().displayMessage()).isEqualTo("Main tasks in the group died");
        assertThat(ev.notRestarting("").displayMessage()).isEqualTo("Task exceeded restart policy");
        assertThat(ev.restartSignaled("").displayMessage()).isEqualTo("Task signaled to restart");
        assertThat(ev.signaling("SIGHUP", "").displayMessage()).isEqualTo("Task being sent signal SIGHUP");
        assertThat(ev.waitingShutdownDelay(Duration.ofSeconds(5)).displayMessage())
                .isEqualTo("Waiting for shutdown_delay of 5s before killing the task.");
    }

    @Test
    void terminated_exitCodeSignalAndMessage() {
        assertThat(ev.terminated(new ExitResult.Exited(0, false)).displayMessage()).isEqualTo("Exit Code: 0");
        TaskEvent sig = ev.terminated(new ExitResult.Signaled(9, false));
        assertThat(sig.displayMessage()).isEqualTo("Exit Code: 137, Signal: 9");
        assertThat(sig.details()).containsEntry("exit_code", "137").containsEntry("signal", "9")
                .containsEntry("oom_killed", "false");
        TaskEvent oom = ev.terminated(new ExitResult.Signaled(9, true));
        assertThat(oom.displayMessage()).isEqualTo("Exit Code: 137, Signal: 9, Exit Message: \"OOM Killed\"");
        assertThat(oom.details()).containsEntry("oom_killed", "true");
    }

    @Test
    void killing_capsTheTimeout_andRestartingPrefixesNonRoutineReasons() {
        assertThat(ev.killing(Duration.ofSeconds(5), Duration.ofSeconds(30)).displayMessage())
                .isEqualTo("Sent interrupt. Waiting 5s before force killing");
        assertThat(ev.killing(Duration.ofMinutes(2), Duration.ofSeconds(30)).displayMessage())
                .isEqualTo("Sent interrupt. Waiting 30s before force killing");
        assertThat(ev.restarting(Duration.ofMillis(16_250), "Restart within policy").displayMessage())
                .isEqualTo("Task restarting in 16.25s");
        assertThat(ev.restarting(Duration.ofMinutes(5), "Exceeded allowed attempts, applying a delay").displayMessage())
                .isEqualTo("Exceeded allowed attempts, applying a delay - Task restarting in 5m0s");
        TaskEvent nr = ev.notRestarting("Error was unrecoverable");
        assertThat(nr.failsTask()).isTrue();
        assertThat(nr.details()).containsEntry("fails_task", "true");
    }
}
