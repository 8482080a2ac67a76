package dev.corral.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The baselines, each timed by {@code corral-bench-floor} (C, fork + exec + wait, like hyperfine -N):
 * the C floor itself (namespaces, with and without a 4-controller cgroup), bubblewrap, crun and
 * unshare + chroot, with the same root (read-only /bin /etc /lib /lib64 /sbin /usr plus a writable
 * {@code /task}) and the same payloads as Corral. Peers that are not installed are skipped with a note.
 */
final class PeerBench {
    /** A way to start the payload; {@code argv} gets the payload appended. */
    record System(String name, String description, boolean needsRoot, List<String> prefix, boolean floorNs,
            boolean floorCgroup, boolean payloadInTask) {
    }

    private final Bench bench;
    private final Path dir;
    private final Path rootfs;
    private final Path taskDir;
    private final Path bundle;

    PeerBench(Bench bench) throws IOException {
        this.bench = bench;
        this.dir = Files.createDirectories(bench.work.resolve("peers"));
        this.rootfs = Files.createDirectories(dir.resolve("rootfs"));
        this.taskDir = Files.createDirectories(dir.resolve("task"));
        Files.setPosixFilePermissions(taskDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path stamp = taskDir.resolve("stamp");
        Files.copy(bench.stampBin, stamp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(stamp, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String d : List.of("bin", "etc", "lib", "lib64", "sbin", "usr", "task", "proc", "dev", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        this.bundle = Files.createDirectories(dir.resolve("oci"));
    }

    private static final List<String> RO = List.of("/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr");

    /** The systems available here, in report order; missing tools are noted. */
    List<System> systems() throws IOException {
        List<System> out = new ArrayList<>();
        out.add(new System("fork+exec", "C: fork + execve + wait, no isolation", false, List.of(), false, false, false));
        out.add(new System("floor", "C: clone(NEWNS|NEWPID|NEWIPC|NEWUTS), rbind root, pivot_root, /proc, setuid 65534, exec",
                true, List.of(), true, false, true));
        out.add(new System("floor+cgroup", "the floor + create 4 v1 cgroups (memory, cpu, pids, cpuset) with limits and join them",
                true, List.of(), true, true, true));
        if (!bench.opt.peers()) {
            bench.note("peers disabled (--no-peers)");
            return out;
        }
        if (Machine.installed("bwrap")) {
            List<String> bw = new ArrayList<>(List.of("bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-uts"));
            for (String d : RO) {
                bw.addAll(List.of("--ro-bind", d, d));
            }
            bw.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", taskDir.toString(), "/task",
                    "--chdir", "/"));
            out.add(new System("bwrap", "bubblewrap as root (uid 0 in the sandbox)", true, bw, false, false, true));
            List<String> nobody = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            nobody.addAll(bw);
            out.add(new System("bwrap-nobody", "setpriv to nobody + unprivileged bubblewrap", true, nobody, false, false, true));
        } else {
            bench.note("bubblewrap not installed: skipped (apt-get install -y bubblewrap)");
        }
        if (Machine.installed("unshare") && Machine.installed("chroot")) {
            out.add(new System("unshare+chroot", "unshare --mount --pid --ipc --uts --fork --mount-proc + chroot --userspec nobody",
                    true, inPreparedRoot(List.of("unshare", "--mount", "--pid", "--ipc", "--uts", "--fork",
                            "--mount-proc=" + rootfs.resolve("proc"), "chroot", "--userspec=65534:65534", rootfs.toString())),
                    false, false, true));
        }
        if (Machine.installed("crun")) {
            writeCrunBundle();
            out.add(new System("crun", "crun run, OCI config with pid/ipc/uts/mount ns, /proc, tmpfs /dev and /tmp, cgroup with limits, nobody",
                    true, inPreparedRoot(List.of("crun", "run", "--bundle", bundle.toString(), bench.cgroupParent + "-crun")),
                    false, false, true));
        } else {
            bench.note("crun not installed: skipped (apt-get install -y crun)");
        }
        return out;
    }

    /**
     * Runs {@code floor spawn} inside a private mount namespace where the prepared root has its
     * read-only binds (the host never sees them) and, for crun 1.8, without the hybrid cgroup2
     * mount it refuses ("cgroups in hybrid mode not supported").
     */
    private List<String> inPreparedRoot(List<String> cmd) {
        StringBuilder setup = new StringBuilder("set -e; R=" + rootfs + "; ");
        for (String d : RO) {
            setup.append("mount --rbind ").append(d).append(" $R").append(d).append("; mount -o remount,bind,ro $R").append(d).append("; ");
        }
        setup.append("mount --bind ").append(taskDir).append(" $R/task; ");
        setup.append("if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi; exec \"$@\"");
        List<String> l = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                setup.toString(), "sh", "@FLOOR@"));
        l.addAll(cmd);
        return l;
    }

    private void writeCrunBundle() throws IOException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ociVersion", "1.0.2");
        c.put("process", Map.of("terminal", false, "user", Map.of("uid", 65534, "gid", 65534),
                "args", List.of("/task/stamp", "/task/ts"), "env", List.of("PATH=/usr/bin:/bin"), "cwd", "/",
                "noNewPrivileges", true));
        c.put("root", Map.of("path", rootfs.toString(), "readonly", true));
        c.put("hostname", "bench");
        c.put("mounts", List.of(
                Map.of("destination", "/proc", "type", "proc", "source", "proc"),
                Map.of("destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                Map.of("destination", "/tmp", "type", "tmpfs", "source", "tmpfs", "options", List.of("nosuid", "nodev")),
                Map.of("destination", "/task", "type", "bind", "source", taskDir.toString(), "options", List.of("rbind", "rw"))));
        c.put("linux", Map.of(
                "namespaces", List.of(Map.of("type", "pid"), Map.of("type", "ipc"), Map.of("type", "uts"), Map.of("type", "mount")),
                "cgroupsPath", "/" + bench.cgroupParent + "/crun",
                "resources", Map.of("memory", Map.of("limit", 268435456L),
                        "cpu", Map.of("shares", 512, "quota", 50000, "period", 100000, "cpus", "0-" + (Runtime.getRuntime().availableProcessors() - 1), "mems", "0"),
                        "pids", Map.of("limit", 128))));
        new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), c);
    }

    private void setCrunArgs(List<String> args) throws IOException {
        if (Files.exists(bundle.resolve("config.json"))) {
            ObjectMapper om = new ObjectMapper();
            @SuppressWarnings("unchecked")
            Map<String, Object> c = om.readValue(bundle.resolve("config.json").toFile(), LinkedHashMap.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> p = new LinkedHashMap<>((Map<String, Object>) c.get("process"));
            p.put("args", args);
            c.put("process", p);
            om.writeValue(bundle.resolve("config.json").toFile(), c);
        }
    }

    /**
     * Times {@code n} starts (after {@code warmup}) of one system: {exit, exec'd} ns per run
     * (exec'd is -1 for the /bin/true payload).
     */
    List<long[]> time(System s, int n, int warmup, boolean stamp) throws IOException {
        List<String> payload = stamp
                ? (s.payloadInTask ? List.of("/task/stamp", "/task/ts") : List.of(taskDir.resolve("stamp").toString(), taskDir.resolve("ts").toString()))
                : List.of("/bin/true");
        if (s.name.equals("crun")) {
            setCrunArgs(payload);
        }
        List<String> floor = new ArrayList<>(List.of(bench.floorBin.toString(), s.floorNs ? "ns" : "spawn",
                "-n", Integer.toString(n), "-w", Integer.toString(warmup)));
        if (s.floorNs) {
            floor.addAll(List.of("--rootfs", rootfs.toString(), "--task", taskDir.toString()));
        }
        if (s.floorCgroup) {
            floor.addAll(List.of("--cgroup", bench.cgroupParent + "-floor"));
        }
        if (stamp) {
            floor.addAll(List.of("--stamp", taskDir.resolve("ts").toString()));
        }
        floor.add("--");
        List<String> argv = new ArrayList<>();
        int at = s.prefix.indexOf("@FLOOR@");
        if (at >= 0) {
            argv.addAll(s.prefix.subList(0, at));
            argv.addAll(floor);
            argv.addAll(s.prefix.subList(at + 1, s.prefix.size()));
        } else {
            argv.addAll(floor);
            argv.addAll(s.prefix);
        }
        if (!s.name.equals("crun")) {
            argv.addAll(payload);
        }
        String out = Proc.run(argv);
        List<long[]> runs = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split(" ");
            runs.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        }
        if (runs.size() != n) {
            throw new IllegalStateException(s.name + ": expected " + n + " runs, got " + runs.size());
        }
        return runs;
    }

    /** Resident memory of the peers' helper processes while a {@code sleep} payload runs (bwrap: 2 processes, crun: 1). */
    Map<String, Object> residentMemory() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        for (System s : systems()) {
            if (!s.name.equals("bwrap") && !s.name.equals("crun")) {
                continue;
            }
            if (s.name.equals("crun")) {
                setCrunArgs(List.of("/bin/sleep", "60"));
            }
            List<String> argv = new ArrayList<>();
            int at = s.prefix.indexOf("@FLOOR@");
            if (at >= 0) {
                argv.addAll(s.prefix.subList(0, at));
                argv.addAll(s.prefix.subList(at + 1, s.prefix.size()));
            } else {
                argv.addAll(s.prefix);
                argv.addAll(List.of("/bin/sleep", "60"));
            }
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve(s.name + ".mem.log").toFile()).start();
            try {
                Optional<ProcessHandle> sleep = Optional.empty();
                long deadline = java.lang.System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (sleep.isEmpty() && java.lang.System.nanoTime() < deadline) {
                    sleep = p.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false)).findFirst();
                    Thread.sleep(20);
                }
                if (sleep.isEmpty()) {
                    bench.note(s.name + ": the sleep payload never appeared; no memory figures");
                    continue;
                }
                Thread.sleep(300);
                long payload = sleep.get().pid();
                long rss = 0;
                long pss = 0;
                int procs = 0;
                List<ProcessHandle> helpers = new ArrayList<>(List.of(p.toHandle()));
                p.descendants().filter(h -> h.pid() != payload).forEach(helpers::add);
                for (ProcessHandle h : helpers) {
                    String cmd = h.info().command().orElse("");
                    if (cmd.endsWith("/" + s.name) || cmd.endsWith("/bwrap") || cmd.endsWith("/crun")) {
                        rss += Proc.rssKb(h.pid());
                        pss += Proc.pssKb(h.pid());
                        procs++;
                    }
                }
                m.put(s.name, Map.of("helper_processes", procs, "rss_kb", rss, "pss_kb", pss));
                sleep.get().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return m;
    }
}
