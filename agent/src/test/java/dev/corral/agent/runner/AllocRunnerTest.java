package dev.corral.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.state.TaskStateRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocRunnerTest {
    private static TaskStateRecord st(String state, boolean failed) {
        return new TaskStateRecord(state, failed, 0, 0, 0, 0, List.of());
    }

    @Test
    void clientStatus_failedBeatsPendingBeatsRunningBeatsComplete() {
        assertThat(AllocRunner.clientStatus(Map.of("a", st("dead", true), "b", st("running", false))))
                .containsExactly("failed", "Failed tasks");
        assertThat(AllocRunner.clientStatus(Map.of("a", st("pending", false), "b", st("running", false))))
                .containsExactly("pending", "No tasks have started");
        assertThat(AllocRunner.clientStatus(Map.of("a", st("dead", false), "b", st("running", false))))
                .containsExactly("running", "Tasks are running");
        assertThat(AllocRunner.clientStatus(Map.of("a", st("dead", false), "b", st("dead", false))))
                .containsExactly("complete", "All tasks have completed");
    }

    @Test
    void orphanReaper_matchesWholeEnvironmentEntriesOnly() {
        byte[] env = "A=1\0NOMAD_ALLOC_ID=abc\0NOMAD_TASK_NAME=web\0".getBytes();
        assertThat(OrphanReaper.hasVar(env, "NOMAD_ALLOC_ID=abc".getBytes())).isTrue();
        assertThat(OrphanReaper.hasVar(env, "NOMAD_ALLOC_ID=ab".getBytes())).isFalse();
        assertThat(OrphanReaper.hasVar(env, "NOMAD_TASK_NAME=web".getBytes())).isTrue();
        assertThat(OrphanReaper.hasVar("X=NOMAD_TASK_NAME=web".getBytes(), "NOMAD_TASK_NAME=web".getBytes())).isFalse();
    }
}
