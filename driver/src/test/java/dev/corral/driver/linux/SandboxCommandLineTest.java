package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.NamespaceMode;
import dev.corral.driver.RootfsMode;
import dev.corral.driver.SeccompProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java half of the sandbox contract: the builder's argv equals the golden files the C side parses. */
class SandboxCommandLineTest {
    private static final Path GOLDEN = Path.of("../sandbox/src/test/golden");
    private static final String ALLOC = "/var/lib/corral/alloc/5f1c2d9e-0b7a-4c1e-9f3a-2b6d8e4f7a10";

    private static List<String> golden(String name) throws IOException {
        return Files.readAllLines(GOLDEN.resolve(name + ".argv"), StandardCharsets.UTF_8);
    }

    @Test
    void build_minimal_matchesGolden() throws IOException {
        List<String> argv = SandboxCommandLine.run()
                .statusFile(Path.of(ALLOC + "/web.status"))
                .taskDir(Path.of(ALLOC + "/web"))
                .build(List.of("/bin/true"));
        assertThat(argv).containsExactlyElementsOf(golden("minimal"));
    }

    @Test
    void build_full_matchesGoldenWhateverTheSetterOrder() throws IOException {
        SandboxCommandLine b = SandboxCommandLine.run()
                .sandboxLog(Path.of(ALLOC + "/web.sandbox.log"))
                .exitAfterStart(true)
                .statusFile(Path.of(ALLOC + "/web.status"))
                .logFiles(Path.of(ALLOC + "/alloc/logs"), "web", 5, 1048576)
                .oomScoreAdj(0)
                .shmSize(33554432)
                .secretsSize(2097152)
                .cwd("/local")
                .cgroup(Path.of("/sys/fs/cgroup/memory/corral/5f1c2d9e.web"))
                .cgroup(Path.of("/sys/fs/cgroup/cpu/corral/5f1c2d9e.web"))
                .cgroup(Path.of("/sys/fs/cgroup/pids/corral/5f1c2d9e.web"))
                .caps(List.of("CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                        "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
                        "CAP_SETUID", "CAP_SYS_CHROOT"))
                .seccomp(SeccompProfile.DEFAULT)
                .groups(List.of(1000L, 27L, 100L))
                .gid(1000)
                .uid(1000)
                .noPivotRoot(false)
                .ipcMode(NamespaceMode.PRIVATE)
                .pidMode(NamespaceMode.PRIVATE)
                .hostname("web-5f1c2d9e")
                .rootfs(RootfsMode.READONLY)
                .bind("/srv/data", "/data")
                .bind("/srv/cache", "/var/cache/app");
        for (String p : List.of("/bin", "/etc", "/lib", "/lib32", "/lib64", "/run/resolvconf", "/sbin", "/usr")) {
            b.roBind(p, p);
        }
        b.allocDir(Path.of(ALLOC + "/alloc")).taskDir(Path.of(ALLOC + "/web"));
        assertThat(b.build(List.of("/local/bin/server", "--port", "8080", "--verbose")))
                .containsExactlyElementsOf(golden("full"));
    }

    @Test
    void build_hostModesAndFifos_matchesGolden() throws IOException {
        List<String> argv = SandboxCommandLine.run()
                .taskDir(Path.of(ALLOC + "/batch"))
                .pidMode(NamespaceMode.HOST)
                .ipcMode(NamespaceMode.HOST)
                .noPivotRoot(true)
                .uid(0)
                .gid(0)
                .caps(List.of())
                .seccomp(SeccompProfile.UNCONFINED)
                .outputs(Path.of(ALLOC + "/alloc/logs/.batch.stdout.fifo"), Path.of(ALLOC + "/alloc/logs/.batch.stderr.fifo"))
                .statusFile(Path.of(ALLOC + "/batch.status"))
                .build(List.of("/bin/sh", "-c", "exit 3"));
        assertThat(argv).containsExactlyElementsOf(golden("host-modes"));
    }

    @Test
    void build_spacesUnicodeAndEmptyArguments_matchesGolden() throws IOException {
        List<String> argv = SandboxCommandLine.run()
                .taskDir(Path.of(ALLOC + "/tâche d'été"))
                .groups(List.of())
                .cwd("/local/répertoire avec espaces")
                .statusFile(Path.of(ALLOC + "/tâche d'été.status"))
                .build(List.of("/local/my script.sh", "hello world", "  leading and trailing  ", "ünïcödé ✓ 日本語",
                        "$HOME", "", "tab\tinside", "--not-a-flag"));
        assertThat(argv).containsExactlyElementsOf(golden("spaces-unicode"));
    }

    @Test
    void build_enter_matchesGolden() throws IOException {
        List<String> argv = SandboxCommandLine.enter()
                .cwd("/local")
                .cgroup(Path.of("/sys/fs/cgroup/pids/corral/5f1c2d9e.web"))
                .seccomp(SeccompProfile.DEFAULT)
                .caps(List.of("CAP_KILL"))
                .groups(List.of())
                .gid(65534)
                .uid(65534)
                .pid(4242)
                .build(List.of("/bin/sh", "-c", "ls /local"));
        assertThat(argv).containsExactlyElementsOf(golden("enter"));
    }

    @Test
    void build_spare_matchesGolden() throws IOException {
        List<String> argv = SandboxCommandLine.spare()
                .noPivotRoot(true)
                .rootfs(dev.corral.driver.RootfsMode.READONLY)
                .roBind("/bin", "/bin").roBind("/etc", "/etc").roBind("/usr", "/usr")
                .spareDir(Path.of("/var/lib/corral/spares/4242.1"))
                .build(List.of());
        assertThat(argv).containsExactlyElementsOf(golden("spare"));
    }

    @Test
    void build_spareWithATaskFlagOrACommand_isRefused() {
        assertThatThrownBy(() -> SandboxCommandLine.spare().spareDir(Path.of("/s")).uid(5).build(List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--uid is not a flag of spare");
        assertThatThrownBy(() -> SandboxCommandLine.spare().spareDir(Path.of("/s")).build(List.of("/bin/true")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no command");
        assertThatThrownBy(() -> SandboxCommandLine.spare().build(List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--spare-dir");
        assertThatThrownBy(() -> SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"))
                .spareDir(Path.of("/x")).build(List.of("/bin/true")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--spare-dir only for spare");
    }

    @Test
    void build_everyGoldenFileIsCoveredByATest() throws IOException {
        try (var files = Files.list(GOLDEN)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".argv")).sorted())
                    .containsExactly("enter.argv", "full.argv", "host-modes.argv", "minimal.argv", "spaces-unicode.argv",
                            "spare.argv");
        }
    }

    @Test
    void build_runWithoutStatusFile_isRefused() {
        assertThatThrownBy(() -> SandboxCommandLine.run().taskDir(Path.of("/t")).build(List.of("/bin/true")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--status-file");
    }

    @Test
    void build_enterWithRunOnlyFlag_isRefused() {
        assertThatThrownBy(() -> SandboxCommandLine.enter().pid(1).taskDir(Path.of("/t")).build(List.of("/bin/true")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--task-dir");
    }

    @Test
    void seccompDenyList_isPassedAsItsPath() {
        List<String> argv = SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"))
                .seccomp(new SeccompProfile.DenyList(Path.of("/etc/corral/deny.txt"))).build(List.of("/bin/true"));
        assertThat(argv).containsSubsequence("--seccomp", "/etc/corral/deny.txt", "--status-file");
    }

    @Test
    void logFilesThenOutputs_lastOneWins() {
        List<String> argv = SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"))
                .logFiles(Path.of("/l"), "x", 1, 2).outputs(Path.of("/o"), Path.of("/e")).build(List.of("/bin/true"));
        assertThat(argv).containsExactly("run", "--task-dir", "/t", "--stdout", "/o", "--stderr", "/e",
                "--status-file", "/s", "--", "/bin/true");
    }

    @Test
    void stream_isEnvironmentEmptyEntryThenArgumentsWithoutSubcommand_allNulTerminated() {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("HOME", "/home/été");
        env.put("EMPTY", "");
        byte[] s = SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"))
                .stream(env, List.of("/bin/echo", "a b", ""));
        assertThat(new String(s, StandardCharsets.UTF_8)).isEqualTo(
                "HOME=/home/été\0EMPTY=\0\0--task-dir\0/t\0--status-file\0/s\0--\0/bin/echo\0a b\0\0");
    }

    @Test
    void stream_badEnvironmentNameOrNulByte_isRefused() {
        SandboxCommandLine cl = SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"));
        assertThatThrownBy(() -> cl.stream(java.util.Map.of("A=B", "c"), List.of("/bin/true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A=B");
        assertThatThrownBy(() -> cl.stream(java.util.Map.of("A", "x\0y"), List.of("/bin/true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> SandboxCommandLine.enter().pid(1).stream(java.util.Map.of(), List.of("/bin/true")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stagedParts_rootFlagsThenIdentityAndCommand_togetherTheWholeStream() {
        SandboxCommandLine cl = SandboxCommandLine.run().taskDir(Path.of("/t")).statusFile(Path.of("/s"))
                .uid(65534).gid(65534).cwd("/local").caps(List.of("CAP_CHOWN")).hostname("web").exitAfterStart(true);
        assertThat(new String(cl.rootPart(), StandardCharsets.UTF_8)).isEqualTo(
                "@root\0--task-dir\0/t\0--hostname\0web\0--status-file\0/s\0--exit-after-start\0@end\0");
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("A", "1");
        assertThat(new String(cl.identityPart(env, List.of("/bin/echo", "hi")), StandardCharsets.UTF_8)).isEqualTo(
                "A=1\0\0--uid\0" + "65534\0--gid\0" + "65534\0--caps\0CAP_CHOWN\0--cwd\0/local\0--\0/bin/echo\0hi\0");
        assertThatThrownBy(() -> cl.identityPart(java.util.Map.of("A", "x\0y"), List.of("/x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> SandboxCommandLine.run().taskDir(Path.of("/t")).rootPart())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("--status-file");
    }
}
