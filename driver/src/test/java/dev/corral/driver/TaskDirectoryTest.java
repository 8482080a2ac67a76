package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskDirectoryTest {
    @Test
    void create_buildsNomadsLayoutAndMountPoints(@TempDir Path tmp) throws Exception {
        Path hostFile = Files.writeString(tmp.resolve("hosts"), "x");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("/usr", "/usr");
        env.put(hostFile.toString(), "/etc/hosts");
        env.put("/definitely/not/here", "/nothere");
        TaskDirectory d = TaskDirectory.create(tmp.resolve("a1"), "web", env);
        for (Path p : new Path[] {d.logsDir(), d.dataDir(), d.allocDir().resolve("tmp"), d.localDir(), d.secretsDir(),
                d.privateDir(), d.tmpDir()}) {
            assertThat(p).isDirectory();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.localDir()))).isEqualTo("rwxrwxrwx");
        assertThat(Files.getAttribute(d.tmpDir(), "unix:mode")).isEqualTo(041777);
        // Mount points (chroot_env, /alloc, /dev, /proc, /sys) are the sandbox's business, made below
        // the task's root in a tmpfs: the host's task dir holds only what the task may write.
        try (var entries = Files.list(d.taskDir())) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("local", "secrets", "private", "tmp");
        }
        assertThat(TaskDirectory.create(tmp.resolve("a1"), "web", env)).isEqualTo(d);
    }

    @Test
    void create_symlinksPlantedByATask_areRefusedAndTheirTargetsUntouched(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("host-etc"));
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwxr-x---"));
        TaskDirectory d = TaskDirectory.create(tmp.resolve("a1"), "web", Map.of());
        // The task replaced its local/ by a link to a host directory, a sibling did the same with alloc/logs.
        Files.delete(d.localDir());
        Files.createSymbolicLink(d.localDir(), outside);
        assertThatThrownBy(() -> TaskDirectory.create(tmp.resolve("a1"), "web", Map.of()))
                .isInstanceOf(DriverException.TaskLaunchException.class).hasMessageContaining("symbolic link");
        Files.delete(d.localDir());
        Files.delete(d.logsDir());
        Files.createSymbolicLink(d.logsDir(), outside);
        assertThatThrownBy(() -> TaskDirectory.create(tmp.resolve("a1"), "web", Map.of()))
                .isInstanceOf(DriverException.TaskLaunchException.class).hasMessageContaining(d.logsDir().toString());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).isEqualTo("rwxr-x---");
    }

    @Test
    void create_badTaskName_isRefused(@TempDir Path tmp) {
        assertThatThrownBy(() -> TaskDirectory.create(tmp, "../x", Map.of())).isInstanceOf(DriverException.TaskLaunchException.class);
        assertThatThrownBy(() -> TaskDirectory.create(tmp, "alloc", Map.of())).isInstanceOf(DriverException.TaskLaunchException.class);
    }
}
