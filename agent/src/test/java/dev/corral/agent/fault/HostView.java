package dev.corral.agent.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What really runs on the host, read from /proc and /sys/fs/cgroup, to compare with a store. */
final class HostView {
    private HostView() {}

    record Proc(long pid, List<String> cmdline, List<String> env) {
        boolean sandbox() {
            return !cmdline.isEmpty() && cmdline.getFirst().contains("corral-sandbox");
        }

        /** The outer {@code corral-sandbox run} process (the pid the store records), not its init child. */
        boolean outerSandbox() {
            return sandbox() && ProcessHandle.of(pid).flatMap(ProcessHandle::parent)
                    .flatMap(pp -> pp.info().command()).map(c -> !c.contains("corral-sandbox")).orElse(true);
        }

        String env(String name) {
            return env.stream().filter(e -> e.startsWith(name + "=")).map(e -> e.substring(name.length() + 1))
                    .findFirst().orElse(null);
        }
    }

    /** Processes whose environment contains {@code var} (NAME=value). */
    static List<Proc> withEnv(String var) {
        return all().stream().filter(p -> p.env().contains(var)).toList();
    }

    /** Processes whose environment has a variable starting with {@code prefix}. */
    static List<Proc> withEnvPrefix(String prefix) {
        return all().stream().filter(p -> p.env().stream().anyMatch(e -> e.startsWith(prefix))).toList();
    }

    private static List<Proc> all() {
        List<Proc> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                try {
                    List<String> env = split(Files.readAllBytes(p.resolve("environ")));
                    if (env.stream().anyMatch(e -> e.startsWith("NOMAD_ALLOC_ID="))) {
                        out.add(new Proc(Long.parseLong(p.getFileName().toString()), split(Files.readAllBytes(p.resolve("cmdline"))), env));
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
        return b.length == 0 ? List.of() : Arrays.asList(new String(b, StandardCharsets.UTF_8).split("\0"));
    }

    static boolean descendsFrom(long pid, long ancestor) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).flatMap(ProcessHandle::parent);
        while (h.isPresent()) {
            if (h.get().pid() == ancestor) {
                return true;
            }
            h = h.get().parent();
        }
        return false;
    }

    static boolean cgroupEmpty(Path cg) {
        try {
            return Files.readString(cg.resolve("cgroup.procs")).isBlank();
        } catch (IOException gone) {
            return true;
        }
    }

    static void killEnv(String var) {
        for (Proc p : withEnv(var)) {
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Leaf cgroup directories (the tasks') under {@code /sys/fs/cgroup/<controller>/<parent>}. */
    static Set<Path> taskCgroups(String controller, String parent) {
        Path root = Path.of("/sys/fs/cgroup", controller, parent);
        if (!Files.isDirectory(root)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isDirectory).filter(p -> !p.equals(root)).filter(p -> {
                try (Stream<Path> c = Files.list(p)) {
                    return c.noneMatch(Files::isDirectory);
                } catch (IOException e) {
                    return false;
                }
            }).collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            return Set.of();
        }
    }
}
