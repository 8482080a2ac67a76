package dev.corral.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small helpers over /proc and child processes. */
final class Proc {
    private Proc() {
    }

    /** A key of /proc/PID/status or smaps_rollup, in kB; -1 when the process is gone. */
    static long kb(long pid, String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), file))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static long rssKb(long pid) {
        return kb(pid, "status", "VmRSS");
    }

    static long pssKb(long pid) {
        return kb(pid, "smaps_rollup", "Pss");
    }

    /** The PIDs whose command line contains {@code marker}. */
    static List<Long> pidsWithCmdline(String marker) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.contains(marker) && Long.parseLong(n) != ProcessHandle.current().pid()) {
                        out.add(Long.parseLong(n));
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    /**
     * The PIDs holding an open file or directory under {@code dir} (the sandbox keeps its status
     * directory open and overwrites its own argv, so its command line does not name the dir).
     */
    static List<Long> pidsWithFdUnder(Path dir) {
        return pidsWithFdUnder(dir, null);
    }

    /** Same, not counting fds under {@code except} (null: none). */
    static List<Long> pidsWithFdUnder(Path dir, Path except) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit) || Long.parseLong(n) == self) {
                    continue;
                }
                try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
                    if (fds.anyMatch(fd -> {
                        try {
                            Path target = Files.readSymbolicLink(fd);
                            return target.startsWith(dir) && (except == null || !target.startsWith(except));
                        } catch (IOException e) {
                            return false;
                        }
                    })) {
                        out.add(Long.parseLong(n));
                    }
                } catch (IOException | java.io.UncheckedIOException e) {
                    // exited meanwhile, or no access
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    /** Mount table lines of this process that mention {@code path}. */
    static List<String> mountsUnder(Path path) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.contains(path.toString())).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command, returns stdout; throws with stderr when it fails. */
    static String run(Duration timeout, List<String> argv) {
        try {
            Path err = Files.createTempFile("corral-bench-", ".err");
            try {
                Process p = new ProcessBuilder(argv).redirectError(err.toFile()).start();
                byte[] out;
                try (var in = p.getInputStream()) {
                    out = in.readAllBytes();
                }
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", argv) + ": timed out after " + timeout);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", argv) + ": exit " + p.exitValue() + ": "
                            + Files.readString(err).strip());
                }
                return new String(out, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String run(List<String> argv) {
        return run(Duration.ofMinutes(30), argv);
    }

    /** Bytes (allocated blocks) and inodes under a directory, as du counts them, excluding paths containing {@code exclude}. */
    record DiskUsage(long bytes, long inodes) {
        DiskUsage minus(DiskUsage o) {
            return new DiskUsage(bytes - o.bytes, inodes - o.inodes);
        }
    }

    static DiskUsage du(Path dir, Optional<String> excludeGlob) {
        if (!Files.exists(dir)) {
            return new DiskUsage(0, 0);
        }
        List<String> bytes = new ArrayList<>(List.of("du", "-s", "-B1", "-x"));
        List<String> inodes = new ArrayList<>(List.of("du", "-s", "--inodes", "-x"));
        excludeGlob.ifPresent(g -> {
            bytes.add("--exclude=" + g);
            inodes.add("--exclude=" + g);
        });
        bytes.add(dir.toString());
        inodes.add(dir.toString());
        return new DiskUsage(Long.parseLong(run(bytes).split("\\s+")[0]), Long.parseLong(run(inodes).split("\\s+")[0]));
    }
}
