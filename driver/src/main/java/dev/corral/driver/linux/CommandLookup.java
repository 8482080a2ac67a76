package dev.corral.driver.linux;

import dev.corral.driver.DriverException.CommandNotFoundException;
import dev.corral.driver.DriverException.TaskLaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a task's command the way Nomad's exec driver does: {@code local/<cmd>}, then {@code <cmd>}
 * in the task root (and job mounts), then, for a bare name only, {@code /usr/local/bin},
 * {@code /usr/bin}, {@code /bin}. The agent's PATH is never used. The first regular file wins.
 */
public final class CommandLookup {
    private static final List<String> FAKE_PATH = List.of("/usr/local/bin", "/usr/bin", "/bin");

    private CommandLookup() {
    }

    /**
     * @return the command's path inside the task (argv[0]) and on the host
     * @throws CommandNotFoundException Nomad's message plus every place looked at
     */
    public static TaskRootView.Resolved find(TaskRootView view, String command) {
        String rel = command.startsWith("/") ? command.substring(1) : command;
        List<String> candidates = new ArrayList<>();
        candidates.add("/local/" + rel);
        candidates.add("/" + rel);
        if (!command.contains("/")) {
            for (String dir : FAKE_PATH) {
                candidates.add(dir + "/" + command);
            }
        }
        for (String c : candidates) {
            Optional<TaskRootView.Resolved> r = view.resolve(c);
            if (r.isPresent() && r.get().isRegularFile()) {
                makeExecutable(view, r.get());
                // argv[0] keeps the path as looked up (a symlink like /bin/sh stays /bin/sh).
                return new TaskRootView.Resolved(c, r.get().hostPath(), r.get().attributes());
            }
        }
        String where = command.contains("/") ? " " + view.taskDir() : "";
        throw new CommandNotFoundException("file " + command + " not found under path" + where
                + " (looked for " + String.join(", ", candidates) + " inside the task; a host binary must be"
                + " under a chroot_env entry or a mounted volume, or be downloaded into local/)");
    }

    /** Nomad makes the binary executable if needed; only files of the task dir, never host sources. */
    private static void makeExecutable(TaskRootView view, TaskRootView.Resolved file) {
        Path host = file.hostPath();
        if (!view.isInTaskDir(host)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = file.attributes().permissions();
            Set<PosixFilePermission> rx = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_EXECUTE,
                    PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);
            if (!perms.containsAll(rx)) {
                var updated = java.util.EnumSet.noneOf(PosixFilePermission.class);
                updated.addAll(perms);
                updated.addAll(rx);
                Files.setPosixFilePermissions(host, updated);
            }
        } catch (IOException e) {
            throw new TaskLaunchException("error making \"" + host + "\" executable: " + e.getMessage(), e);
        }
    }
}
