package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskHandleRecordCodecTest {
    private static TaskHandleRecord sample(LogConfig logs) {
        TaskConfig t = new TaskConfig("a1/web/0badcafe", "web", "a1", "job", "grp", Path.of("/d/a1/alloc"),
                Path.of("/d/a1/web"), Map.of("A", "1", "EMPTY", "", "UNI", "été"), "app:docker",
                new Resources(250, List.of(1, 3), 128, 256),
                new ExecTaskConfig("/bin/sh", List.of("-c", "echo hi"), "host", "", List.of("net_raw"), List.of("all"), "/local"),
                logs, List.of(new MountConfig(Path.of("/srv"), "/srv", true)));
        return new TaskHandleRecord(1, t, 4242, 987654, Path.of("/state/tasks/x/status"),
                List.of(Path.of("/sys/fs/cgroup/memory/corral/x"), Path.of("/sys/fs/cgroup/pids/corral/x")),
                Instant.ofEpochMilli(1_700_000_000_123L));
    }

    @Test
    void roundTrip_keepsEveryField() {
        for (LogConfig logs : List.of(new LogConfig.RotatedFiles(3, 1024), new LogConfig.Fifos(Path.of("/f/o"), Path.of("/f/e")))) {
            TaskHandleRecord r = sample(logs);
            assertThat(TaskHandleRecordCodec.fromJson(TaskHandleRecordCodec.toJson(r))).isEqualTo(r);
        }
    }

    @Test
    void fromJson_newerVersionOrGarbage_isRefused() {
        String json = TaskHandleRecordCodec.toJson(sample(LogConfig.DEFAULT)).replace("\"version\":1", "\"version\":2");
        assertThatThrownBy(() -> TaskHandleRecordCodec.fromJson(json)).isInstanceOf(DriverException.TaskRecoveryException.class)
                .hasMessageContaining("unsupported version 2");
        assertThatThrownBy(() -> TaskHandleRecordCodec.fromJson("{not json")).isInstanceOf(DriverException.TaskRecoveryException.class)
                .hasMessageStartingWith("failed to decode task state from handle");
        assertThatThrownBy(() -> TaskHandleRecordCodec.fromJson("{\"version\":1}")).isInstanceOf(DriverException.TaskRecoveryException.class);
    }

    @Test
    void fromJson_ignoresUnknownFields() {
        String json = TaskHandleRecordCodec.toJson(sample(LogConfig.DEFAULT)).replaceFirst("\\{", "{\"later\":true,");
        assertThat(TaskHandleRecordCodec.fromJson(json).sandboxPid()).isEqualTo(4242);
    }
}
