package dev.corral.agent.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and SIGKILLs processes left by a task start the agent never recorded (it died between
 * asking the driver to start and committing the handle). Every process of a task, the sandbox
 * included, carries the task environment, so {@code NOMAD_ALLOC_ID} and {@code NOMAD_TASK_NAME}
 * in {@code /proc/<pid>/environ} identify them.
 */
final class OrphanReaper {
    private OrphanReaper() {}

    /** @return how many processes were killed */
    static int reap(String allocId, String taskName) {
        byte[] idVar = ("NOMAD_ALLOC_ID=" + allocId).getBytes(StandardCharsets.UTF_8);
        byte[] taskVar = ("NOMAD_TASK_NAME=" + taskName).getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        int killed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                byte[] env;
                try {
                    env = Files.readAllBytes(p.resolve("environ"));
                } catch (IOException gone) {
                    continue;
                }
                if (hasVar(env, idVar) && hasVar(env, taskVar)) {
                    if (ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                        killed++;
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot scan /proc for leftover task processes: " + e.getMessage(), e);
        }
        return killed;
    }

    /** True when the NUL-separated environment block contains exactly {@code var} as one entry. */
    static boolean hasVar(byte[] env, byte[] var) {
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start == var.length && java.util.Arrays.equals(env, start, i, var, 0, var.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }
}
