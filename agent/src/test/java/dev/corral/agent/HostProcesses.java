package dev.corral.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What really runs on the host, read from /proc, to compare with the agent's records. */
final class HostProcesses {
    private HostProcesses() {}

    /** A process whose environment carries a task identity. */
    record Proc(long pid, List<String> cmdline, List<String> env) {
        boolean sandbox() {
            return !cmdline.isEmpty() && cmdline.getFirst().contains("corral-sandbox");
        }

        boolean has(String var) {
            return env.contains(var);
        }
    }

    static List<Proc> withEnv(String var) {
        List<Proc> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                try {
                    List<String> env = split(Files.readAllBytes(p.resolve("environ")));
                    if (env.contains(var)) {
                        out.add(new Proc(Long.parseLong(p.getFileName().toString()),
                                split(Files.readAllBytes(p.resolve("cmdline"))), env));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> split(byte[] b) {
        if (b.length == 0) {
            return List.of();
        }
        return Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\0"));
    }

    /** SIGKILLs the task's own processes (not its sandbox), as a crash of the task would. */
    static int crashTask(String allocId) {
        int n = 0;
        for (Proc p : withEnv("NOMAD_ALLOC_ID=" + allocId)) {
            if (!p.sandbox() && ProcessHandle.of(p.pid()).map(ProcessHandle::destroyForcibly).orElse(false)) {
                n++;
            }
        }
        return n;
    }

    /** SIGKILLs everything of a job (cleanup after a failed test). */
    static void killJob(String jobId) {
        for (Proc p : withEnv("NOMAD_JOB_ID=" + jobId)) {
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
