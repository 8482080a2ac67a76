package dev.corral.agent.http;

import dev.corral.agent.http.ApiBackend.ExecTarget;
import dev.corral.driver.linux.SandboxCommandLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the {@code corral-sandbox enter} command line that runs an {@code alloc exec} command
 * inside a running task: the task's namespaces (through its init process), its cgroups (so the
 * task's limits apply), its user (resolved in the task's own {@code /etc/passwd}), no
 * capabilities, and the task's environment as the sandbox received it.
 */
final class TaskEntry {
    private static final long NOBODY = 65534;

    private TaskEntry() {}

    static ExecTarget target(Path sandboxBinary, long sandboxPid, String user, List<String> command) {
        long init = initPid(sandboxPid);
        Path root = Path.of("/proc", Long.toString(init), "root");
        long[] ids = resolveUser(root, user == null || user.isEmpty() ? "nobody" : user);
        SandboxCommandLine cl = SandboxCommandLine.enter().pid(init).uid(ids[0]).gid(ids[1]).cwd("/");
        cgroups(init).forEach(cl::cgroup);
        Map<String, String> env = environment(init);
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        return new ExecTarget(cl.commandLine(sandboxBinary, command), env, null);
    }

    /**
     * The task's init: the sandbox's child in another PID namespace (the sandbox itself stays
     * outside the task's namespaces). Falls back to the sandbox pid when it has no such child.
     */
    static long initPid(long sandboxPid) {
        String own = nsLink(sandboxPid);
        Optional<ProcessHandle> child = ProcessHandle.of(sandboxPid).stream().flatMap(ProcessHandle::children)
                .filter(c -> !nsLink(c.pid()).equals(own)).findFirst();
        return child.map(ProcessHandle::pid).orElse(sandboxPid);
    }

    private static String nsLink(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** uid and gid of {@code user} in the task's own passwd file; numeric users are taken as they are. */
    static long[] resolveUser(Path taskRoot, String user) {
        if (user.matches("\\d+")) {
            return new long[] {Long.parseLong(user), Long.parseLong(user)};
        }
        try {
            for (String line : Files.readAllLines(taskRoot.resolve("etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length >= 4 && f[0].equals(user)) {
                    return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no readable passwd in the task root: fall through to nobody
        }
        if (user.equals("nobody")) {
            return new long[] {NOBODY, NOBODY};
        }
        throw ApiException.badRequest("user \"" + user + "\" not found in the task's /etc/passwd");
    }

    /** The cgroup directories of {@code pid} (v1 per-controller and v2 unified), as host paths. */
    static List<Path> cgroups(long pid) {
        List<Path> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3 || f[2].equals("/")) {
                    continue;
                }
                List<Path> candidates = f[1].isEmpty()
                        ? List.of(Path.of("/sys/fs/cgroup/unified", f[2]), Path.of("/sys/fs/cgroup", f[2]))
                        : List.of(Path.of("/sys/fs/cgroup", f[1].replace("name=", ""), f[2]));
                candidates.stream().filter(Files::isDirectory).findFirst().ifPresent(out::add);
            }
        } catch (IOException e) {
            // the task ended: enter will fail with its own message
        }
        return out;
    }

    /** The environment the task was started with ({@code /proc/<pid>/environ}). */
    static Map<String, String> environment(long pid) {
        Map<String, String> env = new LinkedHashMap<>();
        try {
            String all = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                    StandardCharsets.UTF_8);
            for (String kv : all.split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            // the task ended: enter will fail with its own message
        }
        return env;
    }
}
