package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.DriverHarness;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.LogConfig;
import dev.corral.driver.MountConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.linux.LinuxSyscalls;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the task's view of the filesystem: climbing out of its root, inherited fds, writing
 * chroot_env paths, reaching a sibling task's local/ and secrets/, reaching the driver's state dir.
 * Most run as uid 0 inside the task with Nomad's default capabilities (CAP_SYS_CHROOT,
 * CAP_DAC_OVERRIDE, CAP_MKNOD, ...), the strongest task the default config allows.
 */
@Tag("root")
class FilesystemEscapeIT {
    @RegisterExtension
    final Sandboxes s = new Sandboxes(b -> b.userDenylist(Set.of()));
    private Path hostSecret;

    @BeforeEach
    void setUp() throws Exception {
        // a host file outside every task root: no attack below may find it
        hostSecret = s.root.resolve("host-secret-" + ProcessHandle.current().pid());
        Files.writeString(hostSecret, "host secret\n");
    }

    @Test
    void dotDotAndProcRoots_neverLeaveTheTaskRoot() throws Exception {
        String script = "cd /; cd ../../../../..; echo cwd=$(pwd); echo same=$(test \"$(ls -a)\" = \"$(ls -a /)\" && echo yes); "
                + "for p in " + hostSecret + " /.." + hostSecret + " /proc/1/root" + hostSecret + " /proc/1/cwd/../.." + hostSecret
                + " /proc/self/root/.." + hostSecret + "; do cat $p >/dev/null 2>&1 && echo leak=$p; done; "
                + "for p in /proc/[0-9]*; do cat $p/root" + hostSecret + " $p/cwd" + hostSecret + " >/dev/null 2>&1 && echo leak=$p; done; "
                + "ls /proc/1/root/ >/dev/null 2>&1 && echo init_root=readable || echo init_root=denied; "
                + "n=0; for f in /proc/1/fd/*; do readlink $f >/dev/null 2>&1 && n=$((n+1)); done; echo init_fd_links=$n; "
                + "readlink /proc/1/cwd >/dev/null 2>&1 && echo init_cwd=readable || echo init_cwd=denied";
        Map<String, String> v = s.attack(s.sh("dotdot", "root", script));
        assertThat(v).doesNotContainKey("leak");
        assertThat(v).containsEntry("cwd", "/").containsEntry("same", "yes")
                .containsEntry("init_root", "denied").containsEntry("init_fd_links", "0").containsEntry("init_cwd", "denied");
    }

    @Test
    void chrootEscape_withCapSysChroot_findsNoHostPath() throws Exception {
        Map<String, String> v = s.attack(s.task("chroot", "root", ExecTaskConfig.of("/local/attack", "chroot-escape", hostSecret.toString())));
        // the chroot calls themselves may succeed (CAP_SYS_CHROOT is a default cap); the way out must not
        assertThat(v).containsEntry("chroot_sub", "OK").containsEntry("host_path", "ENOENT");
    }

    @Test
    void inheritedFds_taskHoldsOnly012_evenWhenTheDriverLeaksOne() throws Exception {
        try (RandomAccessFile secret = new RandomAccessFile(hostSecret.toFile(), "r")) {
            // a descriptor without FD_CLOEXEC in the driver's process, as a careless library would leave one
            int leaked = LinuxSyscalls.dup(fdOf(hostSecret));
            try {
                Map<String, String> v = s.attack(s.task("fds", "", ExecTaskConfig.of("/local/attack", "fds")));
                assertThat(v).containsEntry("fds", "0,1,2");
                Map<String, String> asRoot = s.attack(s.task("fdsroot", "root", ExecTaskConfig.of("/local/attack", "fds")));
                assertThat(asRoot).containsEntry("fds", "0,1,2");
            } finally {
                LinuxSyscalls.close(leaked);
            }
        }
    }

    @Test
    void chrootEnv_isReadOnlyForRootWithDefaultCaps_andTheHostIsUntouched() throws Exception {
        String name = "corral-escape-" + ProcessHandle.current().pid();
        StringBuilder script = new StringBuilder();
        for (String dir : s.driver.config().chrootEnv().values()) {
            script.append("/local/attack create ").append(dir).append('/').append(name).append(" | sed 's|^|").append(dir).append(":|'; ");
        }
        script.append("/local/attack write /etc/passwd; chmod 777 /etc/passwd 2>/dev/null && echo chmod=OK; "
                + "mount -o remount,rw /usr 2>/dev/null && echo remount=OK; true");
        String passwd = Files.readString(Path.of("/etc/passwd"));
        Map<String, String> v = s.attack(s.sh("ro", "root", script.toString()));
        for (String dir : s.driver.config().chrootEnv().values()) {
            if (Files.isDirectory(Path.of(dir))) {
                assertThat(v).as(dir).containsEntry(dir + ":create", "EROFS");
                assertThat(Path.of(dir, name)).doesNotExist();
            }
        }
        assertThat(v).containsEntry("open_write", "EROFS").doesNotContainKeys("chmod", "remount");
        assertThat(Files.readString(Path.of("/etc/passwd"))).isEqualTo(passwd);
    }

    /**
     * A host volume is a bind of one host directory: links inside it resolve in the task's root (an
     * absolute link names a task path, {@code ..} at the mount's top climbs to the task's {@code /}), so
     * they reach nothing beyond what the bind itself shows. A read-only one stays read-only for root
     * with the default caps. What bind semantics do not stop, and no test can: a link the task writes into a
     * read-write volume is followed by host programs that later walk the host directory.
     */
    @Test
    void hostVolumes_linksInsideStayInTheTaskRoot_readOnlyIsEROFSForRoot() throws Exception {
        Path volume = Files.createDirectory(s.root.resolve("volume"));
        Files.writeString(volume.resolve("in-volume"), "volume data\n");
        Files.createSymbolicLink(volume.resolve("abs"), hostSecret);
        Files.createSymbolicLink(volume.resolve("rel"), Path.of("..", hostSecret.getFileName().toString()));
        Files.createSymbolicLink(volume.resolve("up"), Path.of(".."));
        Files.createSymbolicLink(volume.resolve("parent"), volume.getParent());
        String script = "echo data=$(cat /data/in-volume); "
                + "/local/attack create /data/by-task | sed 's/^/rw:/'; /local/attack create /ro/by-task-ro | sed 's/^/ro:/'; "
                + "mount -o remount,rw /ro 2>/dev/null && echo remount=OK; "
                + "for p in /data/abs /data/rel /ro/rel /data/up/" + hostSecret.getFileName() + " /data/../"
                + hostSecret.getFileName() + " /data/parent/" + hostSecret.getFileName() + "; do "
                + "cat $p 2>/dev/null | grep -q 'host secret' && echo leak=$p; done; "
                + "test \"$(ls -a /data/up)\" = \"$(ls -a /)\" && echo up_is_task_root=yes; echo done=1";
        TaskConfig base = s.sh("volume", "root", script);
        TaskConfig t = new TaskConfig(base.id(), base.name(), base.allocId(), base.jobName(), base.groupName(),
                base.allocDir(), base.taskDir(), base.env(), base.user(), base.resources(), base.driverConfig(),
                base.logs(), List.of(new MountConfig(volume, "/data", false), new MountConfig(volume, "/ro", true)));
        Map<String, String> v = s.attack(t);
        assertThat(v).containsEntry("data", "volume data").containsEntry("rw:create", "OK")
                .containsEntry("ro:create", "EROFS").containsEntry("up_is_task_root", "yes").containsEntry("done", "1")
                .doesNotContainKeys("leak", "remount");
        assertThat(volume.resolve("by-task")).exists();
        assertThat(volume.resolve("by-task-ro")).doesNotExist();
        // the harness checks after each test that no mount below its root is left on the host
    }

    @Test
    void siblingAndOtherTasks_localAndSecretsAreUnreachable() throws Exception {
        Path allocRoot = s.newAllocRoot();
        TaskConfig victim = s.task(allocRoot, "victim", "", ExecTaskConfig.of("/bin/sh", "-c",
                "echo victim-local > /local/s; echo victim-secret > /secrets/s; echo victim-private > /private/s; touch /alloc/ready; exec sleep 600"),
                Resources.DEFAULT, new LogConfig.RotatedFiles(2, 1 << 20));
        TaskHandle h = s.start(victim);
        DriverHarness.awaitFile(victim.allocDir().resolve("ready"), Sandboxes.WAIT);
        // the secret as the driver sees it, to prove it exists while the attacks run
        assertThat(Files.readString(s.driver.taskRoot(h.id()).resolve("secrets/s"))).isEqualTo("victim-secret\n");
        String attackScript = "for p in " + victim.taskDir() + "/local/s /alloc/../victim/local/s /alloc/../../victim/local/s "
                + "/proc/*/root/local/s /proc/*/root/secrets/s /proc/*/root/private/s /proc/*/cwd/s; do "
                + "cat $p 2>/dev/null | grep -q victim && echo leak=$p; done; "
                + "grep -rl victim-secret /alloc /local /tmp 2>/dev/null | sed 's/^/leak=/'; echo done=1";
        // a sibling in the same alloc (shares /alloc) and a task of another alloc, both as root
        TaskConfig sibling = s.task(allocRoot, "sibling", "root", ExecTaskConfig.of("/bin/sh", "-c", attackScript),
                Resources.DEFAULT, new LogConfig.RotatedFiles(2, 1 << 20));
        Map<String, String> v1 = s.attack(sibling);
        Map<String, String> v2 = s.attack(s.sh("stranger", "root", attackScript));
        assertThat(v1).containsEntry("done", "1").doesNotContainKey("leak");
        assertThat(v2).containsEntry("done", "1").doesNotContainKey("leak");
    }

    @Test
    void driverStateDir_statusFilesAreUnreachable() throws Exception {
        TaskConfig t = s.sh("state", "root", "sleep 600");
        TaskHandle h = s.start(t);
        Path status = h.record().statusFile();
        assertThat(status).exists();
        String script = "for p in " + status + " " + status.getParent() + " " + s.root.resolve("state") + " /proc/*/root" + status
                + " /proc/*/cwd/" + status.getFileName() + "; do ls $p >/dev/null 2>&1 && echo leak=$p; done; "
                + "for f in /proc/1/fd/*; do cat $f >/dev/null 2>&1 && echo leak=$f; done; "
                + "find / -xdev -name status -newer /local/attack 2>/dev/null | sed 's/^/leak=/'; echo done=1";
        Map<String, String> v = s.attack(s.sh("spy", "root", script));
        assertThat(v).containsEntry("done", "1").doesNotContainKey("leak");
    }

    @Test
    void hostUnixSocket_likeTheAgentsApiSocket_cannotBeConnectedTo() throws Exception {
        Path sock = s.root.resolve("agent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rwxrwxrwx"));
            // positive control: the same probe on the host reaches the socket
            Path attack = s.task("control", "", ExecTaskConfig.of("/bin/true")).taskDir().resolve("local/attack");
            Process host = new ProcessBuilder(attack.toString(), "connect-unix", sock.toString()).redirectErrorStream(true).start();
            assertThat(new String(host.getInputStream().readAllBytes())).contains("connect=OK");
            assertThat(host.waitFor()).isZero();
            server.accept().close();
            List<String> paths = List.of(sock.toString(), "/proc/1/root" + sock, "/proc/1/cwd/../.." + sock);
            for (String user : List.of("", "root")) {
                Map<String, String> v = s.attack(s.sh("sock" + (user.isEmpty() ? "nobody" : "root"), user,
                        "for p in " + String.join(" ", paths) + "; do /local/attack connect-unix $p | grep connect | sed \"s|^|$p:|\"; done"));
                for (String p : paths) {
                    assertThat(v.get(p + ":connect")).as("%s as %s", p, user.isEmpty() ? "nobody" : user).isIn("ENOENT", "EACCES");
                }
            }
        }
    }

    /** The fd number under which this JVM has {@code file} open. */
    private static int fdOf(Path file) throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(p).equals(file)) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (java.io.IOException e) {
                    // the listing's own fd, closed by now
                }
            }
        }
        throw new AssertionError("this JVM has no fd open on " + file);
    }
}
