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
                d.privateDir(), d.tmpDir(), d.taskDir().resolve("alloc"), d.taskDir().resolve("proc")}) {
            assertThat(p).isDirectory();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.localDir()))).isEqualTo("rwxrwxrwx");
        assertThat(Files.getAttribute(d.tmpDir(), "unix:mode")).isEqualTo(041777);
        assertThat(d.taskDir().resolve("usr")).isDirectory();
        assertThat(d.taskDir().resolve("etc/hosts")).isRegularFile();
        assertThat(d.taskDir().resolve("nothere")).doesNotExist();
        assertThat(TaskDirectory.create(tmp.resolve("a1"), "web", env)).isEqualTo(d);
    }

    @Test
    void create_badTaskName_isRefused(@TempDir Path tmp) {
        assertThatThrownBy(() -> TaskDirectory.create(tmp, "../x", Map.of())).isInstanceOf(DriverException.TaskLaunchException.class);
        assertThatThrownBy(() -> TaskDirectory.create(tmp, "alloc", Map.of())).isInstanceOf(DriverException.TaskLaunchException.class);
    }
}
