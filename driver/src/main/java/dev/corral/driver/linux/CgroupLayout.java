package dev.corral.driver.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which cgroup hierarchies this host has, read from {@code /proc/self/mountinfo}:
 * {@code V1} (only v1 controllers), {@code V2} (unified, no v1 controllers), {@code HYBRID} (v1
 * controllers plus a cgroup2 mount, which then holds no controllers: we use the v1 ones), or
 * {@code NONE}.
 *
 * @param mode      the layout
 * @param v1Mounts  v1 controller name -> its mount point (co-mounted controllers share one)
 * @param v2Mount   the cgroup2 mount point, if any
 */
public record CgroupLayout(Mode mode, Map<String, Path> v1Mounts, Optional<Path> v2Mount) {

    public enum Mode { V1, V2, HYBRID, NONE }

    /** v1 controllers the driver needs: limits, accounting, and the freezer for kill-all. */
    public static final List<String> V1_REQUIRED = List.of("cpu", "cpuacct", "memory", "pids", "freezer", "cpuset");
    /** v2 controllers the driver needs. */
    public static final List<String> V2_REQUIRED = List.of("cpu", "memory", "pids", "cpuset");

    public CgroupLayout {
        v1Mounts = Map.copyOf(v1Mounts);
    }

    public static CgroupLayout detect() {
        try {
            return parse(CgroupFiles.readAll(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new CgroupLayout(Mode.NONE, Map.of(), Optional.empty());
        }
    }

    /** Parses mountinfo text. */
    public static CgroupLayout parse(String mountinfo) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path v2 = null;
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 3) {
                continue;
            }
            Path mountPoint = Path.of(unescape(pre[4]));
            String fsType = post[0];
            if (fsType.equals("cgroup2")) {
                if (v2 == null) {
                    v2 = mountPoint;
                }
            } else if (fsType.equals("cgroup")) {
                for (String opt : post[2].split(",")) {
                    if (Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "net_cls",
                            "net_prio", "perf_event", "hugetlb", "rdma", "misc").contains(opt)) {
                        v1.putIfAbsent(opt, mountPoint);
                    }
                }
            }
        }
        Mode mode;
        if (!v1.isEmpty()) {
            mode = v2 != null ? Mode.HYBRID : Mode.V1;
        } else {
            mode = v2 != null ? Mode.V2 : Mode.NONE;
        }
        return new CgroupLayout(mode, v1, Optional.ofNullable(v2));
    }

    private static String unescape(String s) {
        // mountinfo escapes space, tab, newline and backslash as \ooo.
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Controllers the driver needs but this host lacks (empty when usable). */
    public List<String> missingControllers() {
        List<String> missing = new ArrayList<>();
        switch (mode) {
            case V1, HYBRID -> V1_REQUIRED.stream().filter(c -> !v1Mounts.containsKey(c)).forEach(missing::add);
            case V2 -> {
                Path root = v2Mount.orElseThrow();
                Set<String> available = Set.of(CgroupV2.readOrEmpty(root.resolve("cgroup.controllers")).split("\\s+"));
                V2_REQUIRED.stream().filter(c -> !available.contains(c)).forEach(missing::add);
            }
            case NONE -> missing.addAll(V2_REQUIRED);
        }
        return missing;
    }

    /** The layout's name for the fingerprint: {@code v1}, {@code v2}, {@code hybrid}, {@code none}. */
    public String label() {
        return mode.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Names of the task cgroups that exist under {@code parent}, in any hierarchy. */
    public java.util.Set<String> taskCgroupNames(String parent) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        List<Path> roots = switch (mode) {
            case V1, HYBRID -> V1_REQUIRED.stream().filter(v1Mounts::containsKey).map(c -> v1Mounts.get(c).resolve(parent)).toList();
            case V2 -> List.of(v2Mount.orElseThrow().resolve(parent));
            case NONE -> List.of();
        };
        for (Path r : roots) {
            if (Files.isDirectory(r)) {
                try (var s = Files.list(r)) {
                    s.filter(Files::isDirectory).forEach(d -> names.add(d.getFileName().toString()));
                } catch (java.io.IOException e) {
                    throw new TaskCgroup.CgroupException("cannot list " + r + ": " + e, e);
                }
            }
        }
        return names;
    }

    /**
     * A new task cgroup {@code <parent>/<name>} (not yet created on disk).
     *
     * @throws IllegalStateException when there are no cgroups
     */
    public TaskCgroup forTask(String parent, String name) {
        return switch (mode) {
            case V1, HYBRID -> CgroupV1.forTask(v1Mounts, parent, name);
            case V2 -> new CgroupV2(v2Mount.orElseThrow().resolve(parent), name);
            case NONE -> throw new IllegalStateException("no cgroup hierarchy is mounted");
        };
    }

    /** The cgroup of a recovered task, from the directories persisted in its record. */
    public TaskCgroup reattach(List<Path> dirs) {
        return switch (mode) {
            case V1, HYBRID -> CgroupV1.reattach(v1Mounts, dirs);
            case V2 -> {
                Path dir = dirs.getFirst();
                yield new CgroupV2(dir.getParent(), dir.getFileName().toString());
            }
            case NONE -> throw new IllegalStateException("no cgroup hierarchy is mounted");
        };
    }
}
