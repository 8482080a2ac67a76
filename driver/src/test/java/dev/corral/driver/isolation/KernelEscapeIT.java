package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.ExecTaskConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attacks on the kernel's shared state: mounts and namespaces, kernel modules, device nodes,
 * /sys and /proc/sys, the sysrq trigger, the host's hostname. Each runs both as {@code nobody}
 * (the default user) and as uid 0 with Nomad's default capabilities.
 */
@Tag("root")
class KernelEscapeIT {
    private static final String ROOT = "root";
    private static final String NOBODY = "";
    @RegisterExtension
    final Sandboxes s = new Sandboxes(b -> b.userDenylist(Set.of()));

    @ParameterizedTest
    @ValueSource(strings = {ROOT, NOBODY})
    void mountsNamespacesModulesAndHostname_allFailWithEperm(String user) throws Exception {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        Map<String, String> v = s.attack(s.task("kernel", user, ExecTaskConfig.of("/local/attack", "kernel")));
        for (String attack : List.of("mount_tmpfs", "umount_proc", "remount_usr_rw", "pivot_root", "unshare_user", "unshare_mnt",
                "unshare_net", "setns_mnt", "init_module", "finit_module", "delete_module", "sethostname")) {
            assertThat(v).as("%s as %s", attack, user.isEmpty() ? "nobody" : user).containsEntry(attack, "EPERM");
        }
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(hostname);
    }

    @ParameterizedTest
    @ValueSource(strings = {ROOT, NOBODY})
    void hostnameCommand_changesNothingOutsideTheTask(String user) throws Exception {
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        Map<String, String> v = s.attack(s.sh("hostname", user,
                "hostname pwned 2>/dev/null && echo set=OK; echo pwned > /proc/sys/kernel/hostname 2>/dev/null && echo proc=OK; "
                        + "echo task=$(hostname)"));
        assertThat(v).doesNotContainKeys("set", "proc").containsEntry("task", "hostname");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname"))).isEqualTo(hostname);
    }

    @ParameterizedTest
    @ValueSource(strings = {ROOT, NOBODY})
    void sysProcSysAndSysrq_areNotWritable(String user) throws Exception {
        String script = "for p in /proc/sysrq-trigger /proc/sys/kernel/domainname /proc/sys/vm/drop_caches /proc/sys/kernel/core_pattern "
                + "/sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/uevent_helper /sys/power/state /sys/fs/cgroup/pids/tasks "
                + "/proc/irq/default_smp_affinity; do "
                + "test -e $p || continue; echo $p; /local/attack write $p | sed \"s|^|$p:|\"; done";
        String corePattern = Files.readString(Path.of("/proc/sys/kernel/core_pattern"));
        Map<String, String> v = s.attack(s.sh("procsys", user, script));
        if (Files.exists(Path.of("/proc/sysrq-trigger"))) {
            assertThat(v).containsKey("/proc/sysrq-trigger:open_write");
        }
        assertThat(v).containsKeys("/proc/sys/kernel/core_pattern:open_write", "/proc/sys/vm/drop_caches:open_write");
        v.forEach((k, val) -> assertThat(val).as(k).isIn("EROFS", "EACCES", "EPERM", "ENOENT"));
        assertThat(Files.readString(Path.of("/proc/sys/kernel/core_pattern"))).isEqualTo(corePattern);
    }

    @ParameterizedTest
    @ValueSource(strings = {ROOT, NOBODY})
    void cgroupLimits_cannotBeLeftOrLoosened(String user) throws Exception {
        String script = "before=$(cat /proc/self/cgroup | md5sum); "
                + "mkdir -p /tmp/cg; mount -t cgroup -o pids none /tmp/cg 2>/dev/null && echo mount_cgroup=OK; "
                + "mount -t cgroup2 none /tmp/cg 2>/dev/null && echo mount_cgroup2=OK; "
                + "for f in /sys/fs/cgroup/pids/cgroup.procs /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/memory/memory.limit_in_bytes; do "
                + "/local/attack write $f | grep open_write | sed \"s|^|$f:|\"; done; "
                + "echo -1000 > /proc/self/oom_score_adj 2>/dev/null && echo oom_adj=OK; "
                + "ulimit -H -n 1048576 2>/dev/null && echo raise_nofile=OK; "
                + "test \"$(cat /proc/self/cgroup | md5sum)\" = \"$before\" && echo same_cgroup=1";
        Map<String, String> v = s.attack(s.sh("cgroup", user, script));
        assertThat(v).containsEntry("same_cgroup", "1").doesNotContainKeys("mount_cgroup", "mount_cgroup2", "oom_adj", "raise_nofile");
        v.forEach((k, val) -> {
            if (k.endsWith(":open_write")) {
                assertThat(val).as(k).isIn("ENOENT", "EROFS", "EACCES");
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {ROOT, NOBODY})
    void mknod_blockDeviceCannotBeOpened(String user) throws Exception {
        // Nomad's default caps include CAP_MKNOD (ambient for nobody too): the node may be created, but
        // nodev on every writable mount and the read-only /dev keep it dead
        Map<String, String> tmp = s.attack(s.task("mknod", user, ExecTaskConfig.of("/local/attack", "mknod", "/tmp/disk")));
        Map<String, String> dev = s.attack(s.task("mknoddev", user, ExecTaskConfig.of("/local/attack", "mknod", "/dev/disk")));
        Map<String, String> alloc = s.attack(s.task("mknodalloc", user, ExecTaskConfig.of("/local/attack", "mknod", "/alloc/data/disk")));
        assertThat(tmp.get("open_dev")).isIn("EACCES", "ENOENT");
        assertThat(dev.get("mknod")).isIn("EROFS", "EPERM");
        assertThat(dev.get("open_dev")).isEqualTo("ENOENT");
        assertThat(alloc.get("open_dev")).isIn("EACCES", "ENOENT");
    }
}
