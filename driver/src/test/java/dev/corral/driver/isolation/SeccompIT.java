package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverHarness;
import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExecResult;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.LogConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.SeccompProfile;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The default seccomp profile, proven on the kernel: a task running as uid 0 and holding every
 * capability that would let the kernel accept the calls (CAP_SYS_ADMIN, CAP_SYS_MODULE, ...) still
 * gets EPERM from each denied syscall, while the same probe without a filter reaches the kernel
 * (which then fails harmlessly on the probe's deliberately bad arguments). Ordinary programs,
 * including a JVM, still run under the filter.
 */
@Tag("root")
class SeccompIT {
    /** Capabilities that make the kernel's own permission checks pass for the probed calls. */
    private static final List<String> STRONG_CAPS = List.of("sys_admin", "sys_ptrace", "sys_module", "sys_rawio",
            "dac_read_search", "sys_boot", "sys_pacct", "sys_time", "syslog", "sys_tty_config", "bpf", "perfmon");
    private static final Path JDK = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    private static Sandboxes sandboxes(UnaryOperator<ExecDriverConfig.Builder> customize) throws Exception {
        List<String> allow = new ArrayList<>(ExecDriverConfig.DEFAULT_ALLOW_CAPS);
        allow.addAll(STRONG_CAPS);
        return new Sandboxes(b -> customize.apply(b.userDenylist(Set.of()).allowCaps(allow)));
    }

    private static Map<String, String> probeSyscalls(Sandboxes s) throws Exception {
        TaskConfig t = s.task("probe", "root", new ExecTaskConfig("/local/attack", List.of("syscalls"), "", "", STRONG_CAPS, List.of(), ""));
        return s.attack(t);
    }

    @Test
    void defaultProfile_deniesEachListedSyscall_evenToRootWithCapSysAdmin() throws Exception {
        try (Sandboxes s = sandboxes(b -> b)) {
            Map<String, String> v = probeSyscalls(s);
            assertThat(v).hasSizeGreaterThan(60).containsEntry("fork", "OK").containsEntry("clone3", "ENOSYS");
            Map<String, String> notDenied = new LinkedHashMap<>();
            v.forEach((call, result) -> {
                if (!call.equals("fork") && !call.equals("clone3") && !result.equals("EPERM")) {
                    notDenied.put(call, result);
                }
            });
            assertThat(notDenied).as("denied calls that reached the kernel").isEmpty();
        }
    }

    @Test
    void unconfined_theSameCallsReachTheKernel() throws Exception {
        try (Sandboxes s = sandboxes(b -> b.seccomp(SeccompProfile.UNCONFINED))) {
            Map<String, String> v = probeSyscalls(s);
            assertThat(v).hasSizeGreaterThan(60).containsEntry("fork", "OK");
            assertThat(v.get("clone3")).isNotEqualTo("ENOSYS");
            assertThat(v).as("without a filter no probe is refused with EPERM: each EPERM above came from the filter")
                    .doesNotContainValue("EPERM");
        }
    }

    @Test
    void foreignSyscallAbis_killTheTask_underTheFilter() throws Exception {
        try (Sandboxes s = new Sandboxes(); Sandboxes free = new Sandboxes(b -> b.seccomp(SeccompProfile.UNCONFINED))) {
            for (String abi : List.of("int80", "x32")) {
                // i386 and x32 numbers differ from x86_64's: a filter that let them through would check the wrong calls
                Sandboxes.Result r = s.run(s.task(abi, "", ExecTaskConfig.of("/local/attack", abi)));
                assertThat(r.exit()).as("%s under the default filter: %s", abi, r.stdout()).isEqualTo(new ExitResult.Signaled(31, false));
                assertThat(r.stdout()).isEmpty();
                Sandboxes.Result control = free.run(free.task(abi, "", ExecTaskConfig.of("/local/attack", abi)));
                assertThat(control.exit()).as("%s without a filter", abi).isEqualTo(new ExitResult.Exited(0, false));
                assertThat(control.stdout()).startsWith(abi + "=");
            }
        }
    }

    @Test
    void seccompStatus_isFilterModeForTheTaskAndForExecIntoIt() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            TaskConfig t = s.sh("status", "", "grep -E '^Seccomp(_filters)?:' /proc/self/status | tr -d '\\t'; touch /alloc/up; exec sleep 600");
            TaskHandle h = s.start(t);
            DriverHarness.awaitFile(t.allocDir().resolve("up"), Sandboxes.WAIT);
            assertThat(Sandboxes.awaitLog(t, "stdout", "Seccomp_filters:1\n")).isEqualTo("Seccomp:2\nSeccomp_filters:1\n");
            ExecResult exec = s.driver.execTask(h.id(), List.of("/bin/sh", "-c", "grep '^Seccomp:' /proc/self/status; unshare -U true"),
                    Duration.ofSeconds(30));
            String out = new String(exec.output(), StandardCharsets.UTF_8);
            assertThat(out).contains("Seccomp:\t2").contains("Operation not permitted");
            assertThat(exec.exitCode()).isNotZero();
        }
    }

    @Test
    void denyListFile_deniesExactlyItsSyscalls() throws Exception {
        Path list = Files.createTempFile("corral-seccomp-", ".txt");
        try {
            Files.writeString(list, "# no chmod in this shop\nchmod\nfchmod\nfchmodat\nfchmodat2\n");
            try (Sandboxes s = new Sandboxes(b -> b.seccomp(new SeccompProfile.DenyList(list)))) {
                Sandboxes.Result r = s.run(s.sh("deny", "", "touch /tmp/f && echo touch=OK; chmod 600 /tmp/f 2>&1 | sed 's/^/chmod=/'; "
                        + "unshare -U true 2>/dev/null; echo unshare_rc=$?; ls / >/dev/null && echo ls=OK"));
                assertThat(r.exit()).isEqualTo(new ExitResult.Exited(0, false));
                assertThat(r.values()).containsEntry("touch", "OK").containsEntry("ls", "OK");
                assertThat(r.values().get("chmod")).contains("Operation not permitted");
                // the file replaces the default list: namespace creation is not in it (as nobody, no CAP_SYS_ADMIN
                // is needed for a user namespace), so its fate is the kernel's, not the filter's
                assertThat(r.values()).containsKey("unshare_rc");
            }
        } finally {
            Files.deleteIfExists(list);
        }
    }

    @Test
    void denyListFile_unknownSyscall_failsTheStartNamingFileAndLine() throws Exception {
        Path list = Files.createTempFile("corral-seccomp-", ".txt");
        try {
            Files.writeString(list, "chmod\nchmdo\n");
            try (Sandboxes s = new Sandboxes(b -> b.seccomp(new SeccompProfile.DenyList(list)))) {
                TaskConfig t = s.sh("bad", "", "true");
                assertThatThrownBy(() -> s.start(t)).isInstanceOf(DriverException.class)
                        .hasMessageContaining(list + ":2: unknown x86_64 syscall \"chmdo\"");
            }
        } finally {
            Files.deleteIfExists(list);
        }
    }

    @Test
    void ordinaryPrograms_runUnderTheDefaultProfile() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            String script = "set -e; echo sh=OK; ls -la / >/dev/null; cat /etc/hostname /etc/os-release >/dev/null; "
                    + "seq 1 1000 | sort -rn | head -1 | sed 's/^/sort=/'; echo abc | sha256sum | cut -c1-8 | sed 's/^/sha=/'; "
                    + "date +%Y >/dev/null; mkdir -p /tmp/d && cp /etc/os-release /tmp/d/ && tar -C /tmp -cf /tmp/d.tar d && echo tar=OK; "
                    + "find /usr/bin -maxdepth 1 -name 'ls' | sed 's/^/find=/'; (sleep 0.1 & wait) && echo jobs=OK; "
                    + "ps -e -o pid=,comm= | wc -l | tr -d ' ' | sed 's/^/ps=/'; awk 'BEGIN{print \"awk=OK\"}'; "
                    + "timeout 5 true && echo timeout=OK; echo x | xargs -n1 echo xargs";
            Map<String, String> v = s.attack(s.sh("programs", "", script));
            assertThat(v).containsEntry("sh", "OK").containsEntry("sort", "1000").containsEntry("sha", "edeaaff3")
                    .containsEntry("tar", "OK").containsEntry("find", "/usr/bin/ls").containsEntry("jobs", "OK")
                    .containsEntry("awk", "OK").containsEntry("timeout", "OK");
            assertThat(Integer.parseInt(v.get("ps"))).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void jvm_runsUnderTheDefaultProfile_threadsAndSubprocessesIncluded() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(JDK.resolve("bin/java")), "needs the Temurin 25 JDK at " + JDK);
        Map<String, String> chroot = new LinkedHashMap<>(ExecDriverConfig.DEFAULT_CHROOT_ENV);
        chroot.put(JDK.toString(), JDK.toString());
        try (Sandboxes s = new Sandboxes(b -> b.chrootEnv(chroot))) {
            TaskConfig version = s.task(s.newAllocRoot(), "java", "", ExecTaskConfig.of(JDK + "/bin/java", "-Xmx64m", "-version"),
                    new Resources(500, List.of(), 512, 0), new LogConfig.RotatedFiles(2, 1 << 20));
            Sandboxes.Result r = s.run(version);
            assertThat(r.exit()).as("java -version: %s", r.stderr()).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(r.stderr()).contains("25.").contains("64-Bit Server VM");

            // source launcher: javac in memory, virtual and platform threads, a child process (posix_spawn)
            TaskConfig program = s.task(s.newAllocRoot(), "javaprog", "", ExecTaskConfig.of(JDK + "/bin/java", "-Xmx128m",
                    "-XX:TieredStopAtLevel=1", "/local/Hello.java"), new Resources(500, List.of(), 768, 0), new LogConfig.RotatedFiles(2, 1 << 20));
            Files.writeString(program.taskDir().resolve("local/Hello.java"), """
                    public class Hello {
                        public static void main(String[] a) throws Exception {
                            var sum = new java.util.concurrent.atomic.AtomicLong();
                            try (var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                                for (int i = 1; i <= 1000; i++) { final int n = i; ex.submit(() -> sum.addAndGet(n)); }
                            }
                            Thread t = new Thread(() -> sum.addAndGet(1)); t.start(); t.join();
                            Process p = new ProcessBuilder("/bin/echo", "child").start();
                            String child = new String(p.getInputStream().readAllBytes()).strip();
                            System.out.println("sum=" + sum.get() + " child=" + child + " exit=" + p.waitFor());
                        }
                    }
                    """);
            Sandboxes.Result pr = s.run(program);
            assertThat(pr.exit()).as("java Hello.java: %s", pr.stderr()).isEqualTo(new ExitResult.Exited(0, false));
            assertThat(pr.stdout()).isEqualTo("sum=500501 child=child exit=0\n");
        }
    }
}
