package dev.corral.jobspec;

import dev.corral.jobspec.model.Artifact;
import dev.corral.jobspec.model.Constraint;
import dev.corral.jobspec.model.DriverSchema;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.LifecycleHook;
import dev.corral.jobspec.model.Network;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import dev.corral.jobspec.model.VolumeMount;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a decoded job the way Nomad's {@code Job.Validate} does, collecting every problem.
 * Messages reuse Nomad's wording where it has one.
 */
final class JobValidator {

    static final Set<String> OPERATORS = Set.of("=", "==", "is", "!=", "not", ">", ">=", "<", "<=", "regexp", "version",
            "semver", "set_contains", "set_contains_all", "set_contains_any", "is_set", "is_not_set", "distinct_hosts",
            "distinct_property");

    private final Diagnostics diags;
    private final Positions positions;

    private JobValidator(Diagnostics diags, Positions positions) {
        this.diags = diags;
        this.positions = positions;
    }

    static void validate(Job job, Diagnostics diags, Positions positions) {
        new JobValidator(diags, positions).job(job);
    }

    private void error(String path, String message) {
        diags.error(positions.get(path), path, message);
    }

    private void job(Job job) {
        String path = Positions.labelled("", "job", job.id());
        if (job.id().isBlank()) {
            error(path, "Missing job ID");
        } else if (job.id().contains(" ")) {
            error(path, "Job ID contains a space");
        } else if (job.id().indexOf('\0') >= 0) {
            error(path, "Job ID contains a null character");
        }
        if (job.name().isBlank()) {
            error(path + ".name", "Missing job name");
        }
        if (job.priority() < 1 || job.priority() > 100) {
            error(path + ".priority", "Job priority must be between [1, 100]; got " + job.priority());
        }
        if (job.datacenters().isEmpty()) {
            error(path + ".datacenters", "Missing job datacenters");
        }
        for (int i = 0; i < job.datacenters().size(); i++) {
            if (job.datacenters().get(i).isEmpty()) {
                error(path + ".datacenters", "datacenter must be non-empty string");
            }
        }
        constraints(job.constraints(), path);
        if (job.groups().isEmpty() && !diags.hasErrorUnder(path + ".group")) {
            error(path, "Missing job task groups; add group \"<name>\" { task \"<name>\" { ... } }");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < job.groups().size(); i++) {
            TaskGroup g = job.groups().get(i);
            Integer prev = seen.putIfAbsent(g.name(), i);
            if (prev != null) {
                error(Positions.labelled(path, "group", g.name()), "Job task group " + (i + 1) + " redefines '" + g.name()
                        + "' from group " + (prev + 1));
                continue;
            }
            group(g, Positions.labelled(path, "group", g.name()));
        }
    }

    private void group(TaskGroup g, String path) {
        if (g.name().isBlank()) {
            error(path, "Missing task group name");
        }
        if (g.count() < 0) {
            error(path + ".count", "Task group count can't be negative");
        }
        if (g.tasks().isEmpty()) {
            error(path, "Missing tasks for task group; add task \"<name>\" { driver = \"exec\" ... }");
        }
        constraints(g.constraints(), path);
        restart(g.restart(), path + ".restart");
        if (g.ephemeralDisk().size().mebibytes() < 10) {
            error(path + ".ephemeral_disk.size", "minimum DiskMB value is 10; got " + g.ephemeralDisk().size().mebibytes());
        }
        if (g.network() != null) {
            network(g.network(), path + ".network");
        }
        g.volumes().forEach((name, v) -> {
            String vp = Positions.labelled(path, "volume", name);
            if (!v.type().equals("host") && !v.type().equals("csi")) {
                error(vp + ".type", "volume type \"" + v.type() + "\" is invalid; use \"host\"");
            } else if (v.type().equals("csi")) {
                error(vp + ".type", "CSI volumes are not supported by Corral; use a host volume (type = \"host\")");
            }
            if (v.source().isEmpty()) {
                error(vp + ".source", "volume \"" + name + "\" needs a source: the name of a host volume on the client");
            }
        });
        Map<String, Integer> seen = new HashMap<>();
        int leaders = 0;
        for (int i = 0; i < g.tasks().size(); i++) {
            Task t = g.tasks().get(i);
            String tp = Positions.labelled(path, "task", t.name());
            Integer prev = seen.putIfAbsent(t.name(), i);
            if (prev != null) {
                error(tp, "Task " + (i + 1) + " redefines '" + t.name() + "' from task " + (prev + 1));
                continue;
            }
            if (t.leader()) {
                leaders++;
                if (leaders == 2) {
                    error(tp + ".leader", "Only one task may be marked as leader");
                }
            }
            task(t, g, tp);
        }
    }

    private void task(Task t, TaskGroup g, String path) {
        if (t.name().isBlank()) {
            error(path, "Missing task name");
        }
        if (t.name().contains("/")) {
            error(path, "Task name cannot include slashes");
        }
        if (t.name().indexOf('\0') >= 0) {
            error(path, "Task name cannot include null characters");
        }
        if (t.driver().isBlank()) {
            error(path + ".driver", "Missing task driver; add driver = \"exec\"");
        }
        if (t.killTimeout().isNegative()) {
            error(path + ".kill_timeout", "KillTimeout must be a positive value");
        }
        if (t.shutdownDelay().isNegative()) {
            error(path + ".shutdown_delay", "ShutdownDelay must be a positive value");
        }
        if (!t.killSignal().isEmpty() && Signals.number(t.killSignal()).isEmpty()) {
            error(path + ".kill_signal", "unknown signal \"" + t.killSignal() + "\"; use a name such as SIGTERM, SIGINT or SIGQUIT"
                    + signalHint(t.killSignal()));
        }
        var r = t.resources();
        String rp = path + ".resources";
        if (r.cores() < 0) {
            error(rp + ".cores", "minimum cores value is 0; got " + r.cores());
        }
        if (r.cores() == 0 && r.cpu() < 1) {
            error(rp + ".cpu", "minimum CPU value is 1; got " + r.cpu());
        }
        if (r.memory().mebibytes() < 10) {
            error(rp + ".memory", "minimum MemoryMB value is 10; got " + r.memory().mebibytes());
        }
        if (r.memoryMax().bytes() > 0 && r.memoryMax().compareTo(r.memory()) < 0) {
            error(rp + ".memory_max", "MemoryMaxMB value (" + r.memoryMax().mebibytes() + ") should be larger than MemoryMB value ("
                    + r.memory().mebibytes() + ")");
        }
        var logs = t.logs();
        if (logs.maxFiles() < 1) {
            error(path + ".logs.max_files", "minimum number of files is 1; got " + logs.maxFiles());
        }
        if (logs.maxFileSize().mebibytes() < 1) {
            error(path + ".logs.max_file_size", "minimum file size is 1MB; got " + logs.maxFileSize().mebibytes());
        }
        long logUsage = (long) logs.maxFiles() * logs.maxFileSize().mebibytes();
        if (!logs.disabled() && logs.maxFiles() >= 1 && g.ephemeralDisk().size().mebibytes() <= logUsage) {
            error(path + ".logs", "log storage (" + logUsage + " MB) must be less than requested disk capacity ("
                    + g.ephemeralDisk().size().mebibytes() + " MB)");
        }
        // Usually the group's own instance (no restart block in the task): the identity test spares
        // the first record equals() of the process, whose bootstrap costs ~25 ms on a cold JVM.
        if (t.restart() != g.restart() && !t.restart().equals(g.restart())) {
            restart(t.restart(), path + ".restart");
        }
        if (t.lifecycle() != null && t.lifecycle().sidecar() && t.lifecycle().hook() == LifecycleHook.POSTSTOP) {
            error(path + ".lifecycle.sidecar", "a poststop task cannot be a sidecar");
        }
        constraints(t.constraints(), path);
        for (int i = 0; i < t.artifacts().size(); i++) {
            artifact(t.artifacts().get(i), path + ".artifact[" + i + "]");
        }
        for (int i = 0; i < t.volumeMounts().size(); i++) {
            VolumeMount m = t.volumeMounts().get(i);
            String mp = path + ".volume_mount[" + i + "]";
            if (m.volume().isEmpty()) {
                error(mp + ".volume", "volume_mount needs the name of a group volume");
            } else if (!g.volumes().containsKey(m.volume())) {
                error(mp + ".volume", "Volume Mount (" + i + ") references undefined volume " + m.volume()
                        + dev.corral.jobspec.eval.Suggest.didYouMean(m.volume(), g.volumes().keySet()));
            }
            if (m.destination().isEmpty()) {
                error(mp + ".destination", "volume_mount needs a destination path inside the task");
            } else if (List.of(m.destination().split("/")).contains("..")) {
                error(mp + ".destination", "destination \"" + m.destination()
                        + "\" contains \"..\"; use a path inside the task");
            }
            if (!Set.of("private", "host-to-task", "bidirectional").contains(m.propagationMode())) {
                error(mp + ".propagation_mode", "propagation_mode must be private, host-to-task or bidirectional, got \""
                        + m.propagationMode() + "\"");
            }
        }
        if (!t.config().values().isEmpty() || DriverSchema.drivers().contains(t.driver())) {
            diags.addAll(DriverSchema.validate(t.driver(), t.config(), path + ".config").stream()
                    .map(d -> d.pos().isKnown() ? d : new Diagnostic(d.severity(), positions.get(d.path()), d.path(), d.message()))
                    .toList());
        }
    }

    private static String signalHint(String given) {
        String up = given.toUpperCase(java.util.Locale.ROOT);
        String candidate = up.startsWith("SIG") ? up : "SIG" + up;
        return Signals.number(candidate).isPresent() ? "; did you mean \"" + candidate + "\"?" : "";
    }

    private void restart(dev.corral.jobspec.model.RestartPolicy r, String path) {
        if (r.attempts() < 0) {
            error(path + ".attempts", "restart attempts must be 0 or more; got " + r.attempts());
        }
        if (r.delay().isNegative()) {
            error(path + ".delay", "restart delay must not be negative");
        }
        if (r.attempts() > 0 && r.interval().compareTo(r.delay().multipliedBy(r.attempts())) < 0) {
            error(path + ".interval", "Nomad can't restart the TaskGroup " + r.attempts() + " times in an interval of "
                    + Durations.format(r.interval()) + " with a delay of " + Durations.format(r.delay()));
        }
    }

    private void network(Network n, String path) {
        if (!n.mode().equals("host") && !n.mode().equals("none")) {
            error(path + ".mode", "network mode \"" + n.mode() + "\" is not supported by Corral; use \"host\" or \"none\"");
        }
        Set<String> labels = new HashSet<>();
        for (Network.Port p : n.ports()) {
            String pp = Positions.labelled(path, "port", p.label());
            if (!labels.add(p.label())) {
                error(pp, "Port label " + p.label() + " already in use");
            }
            if (p.value() < 0 || p.value() > 65535) {
                error(pp + ".static", "port " + p.value() + " is out of range 1-65535");
            }
            if (p.to() < -1 || p.to() > 65535) {
                error(pp + ".to", "port " + p.to() + " is out of range 1-65535");
            }
        }
    }

    private void constraints(List<Constraint> cs, String parent) {
        for (int i = 0; i < cs.size(); i++) {
            Constraint c = cs.get(i);
            String path = parent + ".constraint[" + i + "]";
            if (!OPERATORS.contains(c.operator())) {
                error(path + ".operator", "Unknown constraint type \"" + c.operator() + "\""
                        + dev.corral.jobspec.eval.Suggest.didYouMean(c.operator(), OPERATORS));
                continue;
            }
            boolean needsAttribute = !c.operator().equals("distinct_hosts");
            if (needsAttribute && c.attribute().isEmpty()) {
                error(path + ".attribute", "Missing constraint attribute");
            }
            boolean needsValue = !Set.of("distinct_hosts", "distinct_property", "is_set", "is_not_set").contains(c.operator());
            if (needsValue && c.value().isEmpty()) {
                error(path + ".value", "Missing constraint value");
            }
            if (c.operator().equals("regexp") && !c.value().contains("${")) {
                try {
                    Pattern.compile(c.value());
                } catch (PatternSyntaxException e) {
                    error(path + ".value", "Regular expression failed to compile: " + e.getDescription());
                }
            }
        }
    }

    private void artifact(Artifact a, String path) {
        if (a.source().isEmpty()) {
            error(path + ".source", "source must be specified");
        }
        if (!a.destination().contains("${") && escapes(a.destination())) {
            error(path + ".destination", "destination escapes allocation directory");
        }
        String checksum = a.options().get("checksum");
        if (checksum != null && !checksum.contains("${")) {
            checksum(checksum, path + ".options.checksum");
        }
    }

    /** True when the path, joined to the task directory, leaves the allocation directory. */
    static boolean escapes(String dest) {
        int depth = 1;
        for (String part : dest.split("/")) {
            if (part.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else if (!part.isEmpty() && !part.equals(".")) {
                depth++;
            }
        }
        return false;
    }

    private void checksum(String v, String path) {
        if (v.isEmpty()) {
            error(path, "checksum value cannot be empty");
            return;
        }
        String[] parts = v.split(":");
        if (parts.length != 2) {
            error(path, "checksum must be given as \"type:value\"; got \"" + v + "\"");
            return;
        }
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(parts[1]);
        } catch (IllegalArgumentException e) {
            error(path, "invalid checksum: " + e.getMessage());
            return;
        }
        int want = switch (parts[0]) {
            case "md5" -> 16;
            case "sha1" -> 20;
            case "sha256" -> 32;
            case "sha512" -> 64;
            default -> -1;
        };
        if (want < 0) {
            error(path, "unsupported checksum type: " + parts[0]);
        } else if (bytes.length != want) {
            error(path, "invalid " + parts[0] + " checksum: " + parts[1]);
        }
    }
}
