package dev.corral.driver.linux;

import dev.corral.driver.linux.TaskCgroup.CgroupException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Reading and writing cgroupfs files, shared by the v1 and v2 implementations. */
final class CgroupFiles {
    private CgroupFiles() {
    }

    static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new CgroupException("cannot write \"" + value + "\" to " + file + ": " + e, e);
        }
    }

    /**
     * Whole-file read through a stream: kernel files report size 0 or 4096, and some misbehave on
     * sized reads. A small buffer that grows: readAllBytes took 16 KiB for every read of these
     * few-byte files, the largest allocation of a start and stop here (bench/, GC pauses in the tail).
     */
    static String readAll(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[256];
            int n = 0;
            for (int r; (r = in.read(buf, n, buf.length - n)) > 0;) {
                n += r;
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, n * 4);
                }
            }
            return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static String read(Path file) {
        try {
            return readAll(file).trim();
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + e, e);
        }
    }

    static String readOrEmpty(Path file) {
        try {
            return readAll(file).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** A number from a one-value file; {@code max} and a missing file give -1. */
    static long readLong(Path file) {
        String v = readOrEmpty(file);
        if (v.isEmpty() || v.equals("max")) {
            return -1;
        }
        try {
            return Long.parseLong(v.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A flat-keyed file ({@code key value} per line: memory.stat, cpu.stat, memory.events). */
    static Map<String, Long> readKeyed(Path file) {
        Map<String, Long> out = new HashMap<>();
        for (String line : readOrEmpty(file).split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    // "max" and other words are not counters.
                }
            }
        }
        return out;
    }

    /** Pids listed in {@code file} (cgroup.procs) of {@code dir} and of every sub-directory, still alive. */
    static Set<Long> procsRecursive(Path dir, String file) {
        Set<Long> pids = new LinkedHashSet<>();
        if (!Files.isDirectory(dir)) {
            return pids;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path d : walk.filter(Files::isDirectory).toList()) {
                for (String line : readOrEmpty(d.resolve(file)).split("\n")) {
                    if (!line.isBlank()) {
                        long pid = Long.parseLong(line.trim());
                        // A fake tree keeps pids after death; the kernel drops exited ones itself.
                        if (Files.exists(Path.of("/proc", Long.toString(pid)))) {
                            pids.add(pid);
                        }
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CgroupException("cannot list processes of " + dir + ": " + e, e);
        }
        return pids;
    }

    /** rmdir of {@code dir} and its sub-directories, deepest first; retries while the kernel still holds it. */
    static void removeTree(Path dir, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            try {
                if (!Files.exists(dir)) {
                    return;
                }
                List<Path> dirs = new ArrayList<>();
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(Files::isDirectory).forEach(dirs::add);
                }
                for (Path d : dirs.reversed()) {
                    deleteDir(d);
                }
                return;
            } catch (IOException | java.io.UncheckedIOException e) {
                if (System.nanoTime() > deadline) {
                    throw new CgroupException("cannot remove cgroup " + dir + ": " + e, e);
                }
                Thread.onSpinWait();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new CgroupException("interrupted while removing cgroup " + dir, ie);
                }
            }
        }
    }

    private static void deleteDir(Path d) throws IOException {
        try {
            Files.delete(d);
        } catch (NoSuchFileException e) {
            return;
        } catch (DirectoryNotEmptyException e) {
            // On cgroupfs rmdir removes the interface files with the directory; NIO refuses when it sees
            // them through readdir only on a fake tree, where we delete the plain files first.
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.delete(d);
        }
    }
}
