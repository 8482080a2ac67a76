package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException.CommandNotFoundException;
import dev.corral.driver.MountConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLookupTest {
    @TempDir
    Path tmp;
    Path taskDir;
    Path hostUsr;
    TaskRootView view;

    @BeforeEach
    void layout() throws Exception {
        taskDir = tmp.resolve("alloc/web");
        Files.createDirectories(taskDir.resolve("local"));
        hostUsr = tmp.resolve("host/usr");
        Files.createDirectories(hostUsr.resolve("bin"));
        Files.writeString(hostUsr.resolve("bin/tool"), "#!/bin/sh\n");
        Files.writeString(hostUsr.resolve("bin/ro"), "data");
        Files.setPosixFilePermissions(hostUsr.resolve("bin/ro"), PosixFilePermissions.fromString("rw-r--r--"));
        Path hostBin = tmp.resolve("host/bin");
        Files.createDirectories(hostBin);
        // An absolute symlink target means "inside the task root", not on the host.
        Files.createSymbolicLink(hostBin.resolve("sh"), Path.of("/usr/bin/tool"));
        Files.createSymbolicLink(hostBin.resolve("loop"), Path.of("/bin/loop"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put(hostBin.toString(), "/bin");
        env.put(hostUsr.toString(), "/usr");
        env.put(tmp.resolve("host/missing").toString(), "/lib");
        Path vol = tmp.resolve("volume");
        Files.createDirectories(vol);
        Files.writeString(vol.resolve("app"), "x");
        view = new TaskRootView(taskDir, tmp.resolve("alloc/alloc"), env, List.of(new MountConfig(vol, "/opt/vol", true)));
    }

    @Test
    void find_bareName_searchesLocalTaskRootThenTheFakePath() {
        var r = CommandLookup.find(view, "tool");
        assertThat(r.taskPath()).isEqualTo("/usr/bin/tool");
        assertThat(r.hostPath()).isEqualTo(hostUsr.resolve("bin/tool"));
    }

    @Test
    void find_localWinsOverTheChroot_andIsMadeExecutable() throws Exception {
        Path local = taskDir.resolve("local/tool");
        Files.writeString(local, "#!/bin/sh\n");
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rw-------"));
        var r = CommandLookup.find(view, "tool");
        assertThat(r.taskPath()).isEqualTo("/local/tool");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void find_directoryIsSkipped() throws Exception {
        Files.createDirectories(taskDir.resolve("local/tool"));
        assertThat(CommandLookup.find(view, "tool").taskPath()).isEqualTo("/usr/bin/tool");
    }

    @Test
    void find_absoluteThroughASymlinkInsideTheRoot() {
        var r = CommandLookup.find(view, "/bin/sh");
        assertThat(r.taskPath()).isEqualTo("/bin/sh");
        assertThat(r.hostPath()).isEqualTo(hostUsr.resolve("bin/tool"));
    }

    @Test
    void find_hostSourceFiles_areNeverChmodded() throws Exception {
        CommandLookup.find(view, "/usr/bin/ro");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hostUsr.resolve("bin/ro")))).isEqualTo("rw-r--r--");
    }

    @Test
    void find_inAJobMount() {
        assertThat(CommandLookup.find(view, "/opt/vol/app").hostPath()).isEqualTo(tmp.resolve("volume/app"));
    }

    @Test
    void find_missingWithSlash_namesTheTaskDirLikeNomad() {
        assertThatThrownBy(() -> CommandLookup.find(view, "/opt/x")).isInstanceOf(CommandNotFoundException.class)
                .hasMessageStartingWith("file /opt/x not found under path " + taskDir + " (looked for /local/opt/x, /opt/x inside");
    }

    @Test
    void find_missingBareName_listsEveryPlace() {
        assertThatThrownBy(() -> CommandLookup.find(view, "nope")).isInstanceOf(CommandNotFoundException.class)
                .hasMessageStartingWith("file nope not found under path (looked for /local/nope, /nope, /usr/local/bin/nope, /usr/bin/nope, /bin/nope");
    }

    @Test
    void find_symlinkLoop_isNotFound() {
        assertThatThrownBy(() -> CommandLookup.find(view, "/bin/loop")).isInstanceOf(CommandNotFoundException.class);
    }

    @Test
    void hostPathOf_skipsChrootEntriesMissingOnTheHost() {
        assertThat(view.hostPathOf("/lib/x.so")).isEqualTo(taskDir.resolve("lib/x.so"));
        assertThat(view.hostPathOf("/alloc/logs")).isEqualTo(tmp.resolve("alloc/alloc/logs"));
    }
}
