package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.Capabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * Each isolation promise of the driver, tested by a task that tries to break it (root, real kernel).
 * The sandbox does the kernel work; these tests check what a task launched through the driver gets.
 */
@Tag("root")
class IsolationIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    final DriverHarness h = new DriverHarness();

    private static TaskConfig as(TaskConfig t, String user) {
        return new TaskConfig(t.id(), t.name(), t.allocId(), t.jobName(), t.groupName(), t.allocDir(), t.taskDir(), t.env(),
                user, t.resources(), t.driverConfig(), t.logs(), t.mounts());
    }

    private String run(DriverHarness harness, TaskConfig t) throws Exception {
        ExitResult r = harness.await(harness.start(t), WAIT);
        String out = DriverHarness.stdout(t);
        assertThat(r).as("exit of %s, stdout %s", t.name(), out).isEqualTo(new ExitResult.Exited(0, false));
        return out;
    }

    private String sh(String script) throws Exception {
        return run(h, h.task("sh", ExecTaskConfig.of("/bin/sh", "-c", script)));
    }

    @Test
    void pidNamespace_taskCannotSeeOrSignalHostProcesses() throws Exception {
        Process host = new ProcessBuilder("sleep", "1000").start();
        try {
            String out = sh("ls /proc | grep -c '^[0-9]*$'; kill -9 " + host.pid() + " 2>/dev/null; echo kill=$?; "
                    + "test -e /proc/" + host.pid() + " && echo visible || echo invisible; cat /proc/1/comm");
            String[] lines = out.split("\n");
            assertThat(Integer.parseInt(lines[0])).as("processes visible in the task").isLessThanOrEqualTo(5);
            assertThat(lines[1]).isEqualTo("kill=1");
            assertThat(lines[2]).isEqualTo("invisible");
            assertThat(host.isAlive()).isTrue();
        } finally {
            host.destroyForcibly();
            host.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void pidModeHost_showsHostProcesses_privateDoesNot() throws Exception {
        long jvm = ProcessHandle.current().pid();
        TaskConfig hostMode = h.task("hostpid", new ExecTaskConfig("/bin/sh", List.of("-c", "test -e /proc/" + jvm + " && echo visible"),
                "host", "", List.of(), List.of(), ""));
        assertThat(run(h, hostMode)).isEqualTo("visible\n");
        assertThat(sh("test -e /proc/" + jvm + " && echo visible || echo invisible")).isEqualTo("invisible\n");
    }

    @Test
    void namespaces_mountIpcUtsPidAreTheTasksOwn_hostModesShareIpcAndPid() throws Exception {
        String script = "for n in mnt ipc uts pid; do readlink /proc/self/ns/$n; done; hostname";
        List<String> priv = List.of(sh(script).split("\n"));
        for (int i = 0; i < 4; i++) {
            String ns = List.of("mnt", "ipc", "uts", "pid").get(i);
            assertThat(priv.get(i)).as(ns).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString());
        }
        assertThat(priv.get(4)).isNotEqualTo(java.net.InetAddress.getLocalHost().getHostName());
        TaskConfig shared = h.task("shared", new ExecTaskConfig("/bin/sh", List.of("-c", script), "host", "host", List.of(), List.of(), ""));
        List<String> host = List.of(run(h, shared).split("\n"));
        assertThat(host.get(1)).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString());
        assertThat(host.get(3)).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString());
    }

    @Test
    void chrootEnv_isReadOnlyEvenForRoot() throws Exception {
        try (DriverHarness rootAllowed = new DriverHarness(b -> b.userDenylist(Set.of()))) {
            String marker = "corral-evil-" + ProcessHandle.current().pid();
            TaskConfig t = as(rootAllowed.task("ro", ExecTaskConfig.of("/bin/sh", "-c",
                    "id -u; touch /usr/" + marker + " 2>&1; echo x > /etc/" + marker + " 2>&1; true")), "root");
            String out = run(rootAllowed, t);
            assertThat(out).startsWith("0\n").contains("Read-only file system");
            assertThat(Path.of("/usr/" + marker)).doesNotExist();
            assertThat(Path.of("/etc/" + marker)).doesNotExist();
        }
    }

    @Test
    void root_isAnOverlayOfTheTaskDir_mountPointsCostTheHostNothing_writesAtRootLandInTheTaskDir() throws Exception {
        TaskConfig t = h.task("lean", ExecTaskConfig.of("/bin/sh", "-c",
                "awk '$5 == \"/\" {print $9}' /proc/self/mountinfo; echo hi > /at-root; echo lo > /local/in-local;"
                        + " ls -d /usr /bin /proc /alloc >/dev/null && echo points"));
        String out = run(h, t);
        assertThat(out).isEqualTo("overlay\npoints\n");
        assertThat(Files.readString(t.taskDir().resolve("at-root"))).isEqualTo("hi\n");
        assertThat(Files.readString(t.taskDir().resolve("local/in-local"))).isEqualTo("lo\n");
        try (var entries = Files.list(t.taskDir())) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("the host's task dir holds no mount point").doesNotContain("usr", "bin", "etc", "proc", "sys",
                            "dev", "alloc");
        }
    }

    @Test
    void secrets_isTmpfsAndNoexec() throws Exception {
        String out = sh("cp /bin/true /secrets/t && /secrets/t; echo rc=$?; grep ' /secrets ' /proc/self/mountinfo | grep -c noexec");
        assertThat(out).contains("rc=126").endsWith("1\n");
        assertThat(sh("grep ' /secrets ' /proc/self/mountinfo | cut -d' ' -f9")).isEqualTo("tmpfs\n");
    }

    @Test
    void user_isSwitchedToNobody_andNoNewPrivsIsSet() throws Exception {
        assertThat(sh("id -u; id -g; grep NoNewPrivs /proc/self/status | tr -d '\\t '; echo $HOME $USER"))
                .isEqualTo("65534\n65534\nNoNewPrivs:1\n/nonexistent nobody\n");
    }

    @Test
    void capabilities_equalTheAllowedSet_andCannotBeRegained() throws Exception {
        String out = sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status | tr -d '\\t'");
        long expected = mask(new Capabilities(Capabilities.ofRunningKernel().supported())
                .compute(ExecDriverConfig.DEFAULT_ALLOW_CAPS, List.of(), List.of()));
        String hex = String.format("%016x", expected);
        assertThat(out).isEqualTo("CapInh:" + hex + "\nCapPrm:" + hex + "\nCapEff:" + hex + "\nCapBnd:" + hex + "\nCapAmb:" + hex + "\n");
        assertThat(out).doesNotContain(String.format("%016x", 1L << 21)); // no CAP_SYS_ADMIN anywhere
    }

    @Test
    void capDropAllPlusCapAdd_givesExactlyTheAdded() throws Exception {
        TaskConfig t = h.task("caps", new ExecTaskConfig("/bin/sh", List.of("-c", "grep -E '^Cap(Bnd|Eff)' /proc/self/status | tr -d '\\t'"),
                "", "", List.of("kill"), List.of("all"), ""));
        assertThat(run(h, t)).isEqualTo("CapEff:0000000000000020\nCapBnd:0000000000000020\n");
    }

    @Test
    void otherTasksLocalAndSecrets_areUnreachable() throws Exception {
        TaskConfig a = h.task("a", ExecTaskConfig.of("/bin/sh", "-c", "echo top > /local/secret; echo top > /secrets/s; exec sleep 1000"));
        h.start(a);
        DriverHarness.awaitFile(a.taskDir().resolve("local/secret"), WAIT);
        String out = sh("cat " + a.taskDir().resolve("local/secret") + " 2>/dev/null; cat /proc/*/root/local/secret 2>/dev/null; "
                + "cat /proc/*/root/secrets/s 2>/dev/null; ls /alloc/.. | grep -c '^a$'; echo done");
        assertThat(out).doesNotContain("top").endsWith("done\n");
    }

    @Test
    void overlayRootfs_taskWritesEtcWithoutTouchingTheHost() throws Exception {
        String name = "/etc/corral-overlay-" + ProcessHandle.current().pid();
        try (DriverHarness overlay = new DriverHarness(b -> b.rootfs(RootfsMode.OVERLAY))) {
            TaskConfig t = overlay.task("ov", ExecTaskConfig.of("/bin/sh", "-c", "echo written > " + name + " && cat " + name));
            assertThat(run(overlay, t)).isEqualTo("written\n");
        }
        assertThat(Path.of(name)).doesNotExist();
        assertThat(sh("echo x > " + name + " 2>/dev/null; echo rc=$?")).isEqualTo("rc=2\n");
        assertThat(Path.of(name)).doesNotExist();
    }

    @Test
    void oomScoreAdj_isResetToZeroWhateverTheAgentHas() throws Exception {
        Path self = Path.of("/proc/self/oom_score_adj");
        String saved = Files.readString(self).trim();
        // Raise, not lower: lowering needs CAP_SYS_RESOURCE, which this build machine's root lacks.
        Files.writeString(self, "500");
        try {
            assertThat(sh("cat /proc/self/oom_score_adj")).isEqualTo("0\n");
        } finally {
            Files.writeString(self, saved);
        }
    }

    @Test
    void resources_reachTheKernel_coresCpuSharesAndMemory() throws Exception {
        TaskConfig t = h.task("res", ExecTaskConfig.of("/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status | tr -d '\t'"),
                new Resources(700, List.of(1), 48, 0));
        TaskHandle th = h.start(t);
        assertThat(h.await(th, WAIT)).isEqualTo(new ExitResult.Exited(0, false));
        assertThat(DriverHarness.stdout(t)).isEqualTo("Cpus_allowed_list:1\n");
        for (Path dir : th.cgroup().paths()) {
            if (Files.exists(dir.resolve("cpu.shares"))) {
                assertThat(Files.readString(dir.resolve("cpu.shares")).trim()).isEqualTo("700");
            }
            if (Files.exists(dir.resolve("memory.limit_in_bytes"))) {
                assertThat(Files.readString(dir.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(48L << 20));
            }
            if (Files.exists(dir.resolve("pids.max"))) {
                assertThat(Files.readString(dir.resolve("pids.max")).trim()).isEqualTo("4096");
            }
        }
    }

    @Test
    void procSysAndDev_areHardenedAsInNomad() throws Exception {
        String out = sh("awk '{print $5, $6, $9, $NF}' /proc/self/mountinfo;"
                + " for f in kcore keys timer_list sched_debug; do test -e /proc/$f && echo $f=$(cat /proc/$f | wc -c); done;"
                + " echo firmware=$(ls /sys/firmware | wc -l); test -c /dev/null && echo null-ok");
        assertThat(out).containsPattern("(?m)^/proc/sys ro,\\S*")
                .containsPattern("(?m)^/sys ro,\\S* sysfs")
                .containsPattern("(?m)^/dev/shm \\S+ tmpfs \\S*size=65536k")
                .containsPattern("(?m)^/dev/mqueue \\S+ mqueue")
                .containsPattern("(?m)^/dev/pts \\S+ devpts \\S*ptmxmode=666")
                .contains("firmware=0\n").endsWith("null-ok\n");
        // This kernel may lack some of them (no sysrq, no kcore): check those the host has.
        for (String ro : List.of("sysrq-trigger", "irq", "bus")) {
            if (Files.exists(Path.of("/proc", ro))) {
                assertThat(out).as("/proc/" + ro + " read-only").containsPattern("(?m)^/proc/" + ro + " ro,");
            }
        }
        for (String masked : List.of("kcore", "keys", "timer_list", "sched_debug")) {
            if (Files.exists(Path.of("/proc", masked))) {
                assertThat(out).as("/proc/" + masked + " masked").contains(masked + "=0\n");
            }
        }
    }

    @Test
    void workDir_isTheTasksCwd() throws Exception {
        TaskConfig t = h.task("cwd", new ExecTaskConfig("/bin/sh", List.of("-c", "pwd"), "", "", List.of(), List.of(), "/local"));
        assertThat(run(h, t)).isEqualTo("/local\n");
    }

    private static long mask(List<String> caps) {
        List<String> all = Capabilities.ofRunningKernel().supported();
        long m = 0;
        for (String c : caps) {
            m |= 1L << all.indexOf(c.substring(4).toLowerCase(java.util.Locale.ROOT));
        }
        return m;
    }
}
