package dev.corral.agent.job;

import dev.corral.agent.sched.Constraint;
import dev.corral.agent.sched.ConstraintChecker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Submit-time checks the agent needs before a job can be scheduled (the jobspec module does the full validation). */
public final class JobValidator {
    /** Longest job ID and group or task name: they become directory, cgroup and log file names. */
    public static final int MAX_NAME = 128;
    /** Most groups in a job and tasks in a group; one node cannot run more, and each costs a sandbox. */
    public static final int MAX_GROUPS = 256;
    public static final int MAX_TASKS = 256;
    /** Largest group count a single node accepts. */
    public static final int MAX_COUNT = 1000;
    /** Longest command or argument: Linux refuses longer exec arguments (MAX_ARG_STRLEN). */
    public static final int MAX_ARG = 128 * 1024;
    /** The only namespace: Corral cannot create others. */
    public static final String DEFAULT_NAMESPACE = "default";

    private JobValidator() {}

    /** @throws JobValidationException listing every problem */
    public static Job validate(Job job) {
        List<String> p = new ArrayList<>();
        if (job.id() == null || job.id().isBlank()) {
            p.add("Missing job ID");
        } else if (job.id().contains(" ") || job.id().contains("\0")) {
            p.add("Job ID contains a space or null character");
        } else if (job.id().length() > MAX_NAME) {
            p.add("Job ID is " + job.id().length() + " characters long; the limit is " + MAX_NAME);
        }
        if (!DEFAULT_NAMESPACE.equals(job.namespace())) {
            // One namespace exists, as on a Nomad cluster where none was created; the ACL gate relies on it.
            p.add("job \"" + job.id() + "\" is in nonexistent namespace \"" + job.namespace() + "\"");
        }
        if (job.groups().size() > MAX_GROUPS) {
            p.add("Job has " + job.groups().size() + " task groups; the limit is " + MAX_GROUPS);
            throw new JobValidationException(p);
        }
        if (!Set.of("service", "batch", "system", "sysbatch").contains(job.type())) {
            p.add("Invalid job type: \"" + job.type() + "\"");
        }
        if (job.groups().isEmpty()) {
            p.add("Missing job task groups");
        }
        constraints(job.constraints(), "job", p);
        Set<String> groupNames = new HashSet<>();
        for (TaskGroup g : job.groups()) {
            String gp = "group \"" + abbreviate(g.name()) + "\"";
            if (g.name() != null && g.name().length() > MAX_NAME) {
                p.add(gp + ": group name is " + g.name().length() + " characters long; the limit is " + MAX_NAME);
            }
            if (g.count() > MAX_COUNT) {
                p.add(gp + ": Task group count is " + g.count() + "; the limit on one node is " + MAX_COUNT);
            }
            if (g.tasks().size() > MAX_TASKS) {
                p.add(gp + ": group has " + g.tasks().size() + " tasks; the limit is " + MAX_TASKS);
                continue;
            }
            if (!groupNames.add(g.name())) {
                p.add("Job task group " + g.name() + " redefined");
            }
            if (g.count() < 0) {
                p.add(gp + ": Task group count can't be negative");
            }
            if (g.tasks().isEmpty()) {
                p.add(gp + ": Missing tasks for task group");
            }
            constraints(g.constraints(), gp, p);
            g.volumes().forEach((name, v) -> {
                if ("csi".equals(v.type())) {
                    p.add(gp + ": volume \"" + name + "\": CSI volumes are not supported by Corral; use a host volume "
                            + "(type = \"host\")");
                } else if (!"host".equals(v.type())) {
                    p.add(gp + ": volume \"" + name + "\": invalid volume type \"" + v.type() + "\"; use \"host\"");
                }
                if (v.source().isEmpty()) {
                    p.add(gp + ": volume \"" + name + "\": needs a source: the name of a host volume on the client");
                }
            });
            Set<String> names = new HashSet<>();
            int leaders = 0;
            for (Task t : g.tasks()) {
                String tp = gp + " -> task \"" + abbreviate(t.name()) + "\"";
                if (t.name() == null || t.name().isBlank()) {
                    p.add(gp + ": Task missing name");
                    continue;
                }
                if (t.name().length() > MAX_NAME) {
                    p.add(tp + ": task name is " + t.name().length() + " characters long; the limit is " + MAX_NAME);
                }
                if (t.config().get("command") instanceof String cmd && cmd.length() > MAX_ARG) {
                    p.add(tp + ": config: command is " + cmd.length() + " characters long; the limit is " + MAX_ARG);
                }
                if (t.config().get("args") instanceof List<?> args
                        && args.stream().anyMatch(a -> a instanceof String s && s.length() > MAX_ARG)) {
                    p.add(tp + ": config: an argument is longer than the limit of " + MAX_ARG + " characters");
                }
                if (!names.add(t.name())) {
                    p.add(gp + ": Task " + t.name() + " redefined");
                }
                if (t.name().contains("/") || t.name().equals("alloc")) {
                    p.add(tp + ": Task name cannot be used as a directory name");
                }
                if (t.driver() == null || t.driver().isBlank()) {
                    p.add(tp + ": Missing task driver");
                }
                if (t.leader()) {
                    leaders++;
                }
                if (t.lifecycle() != null && !Set.of("prestart", "poststart", "poststop").contains(t.lifecycle().hook())) {
                    p.add(tp + ": invalid hook: " + t.lifecycle().hook());
                }
                if (t.resources().memoryMb() < 10) {
                    p.add(tp + ": minimum MemoryMB value is 10; got " + t.resources().memoryMb());
                }
                if (t.resources().cores() > 0 && t.resources().cpuMhz() > 0) {
                    p.add(tp + ": Task can only ask for 'cpu' or 'cores' resource, not both.");
                }
                if (t.resources().cores() == 0 && t.resources().cpuMhz() < 1) {
                    p.add(tp + ": minimum CPU value is 1; got " + t.resources().cpuMhz());
                }
                if (t.logs().maxFiles() < 1) {
                    p.add(tp + ": minimum number of files is 1; got " + t.logs().maxFiles());
                }
                if (t.logs().maxFileSizeMb() < 1) {
                    p.add(tp + ": minimum file size is 1MB; got " + t.logs().maxFileSizeMb());
                }
                long logMb = (long) t.logs().maxFiles() * t.logs().maxFileSizeMb();
                if (!t.logs().disabled() && logMb >= g.diskMb()) {
                    p.add(tp + ": log storage (" + logMb + " MB) must be less than requested disk capacity ("
                            + g.diskMb() + " MB)");
                }
                if (t.killTimeout().isNegative()) {
                    p.add(tp + ": KillTimeout must be a positive value");
                }
                if ("exec".equals(t.driver()) && !(t.config().get("command") instanceof String s && !s.isEmpty())) {
                    p.add(tp + ": config: Missing required argument \"command\"");
                }
                constraints(t.constraints(), tp, p);
                for (int i = 0; i < t.volumeMounts().size(); i++) {
                    VolumeMount m = t.volumeMounts().get(i);
                    if (!g.volumes().containsKey(m.volume())) {
                        p.add(tp + ": Volume Mount (" + i + ") references undefined volume " + m.volume());
                    }
                    if (m.destination() == null || m.destination().isBlank()) {
                        p.add(tp + ": Volume Mount (" + i + ") needs a destination");
                    } else if (List.of(m.destination().split("/")).contains("..")) {
                        p.add(tp + ": Volume Mount (" + i + ") destination \"" + m.destination()
                                + "\" contains \"..\"; use a path inside the task");
                    }
                }
            }
            if (leaders > 1) {
                p.add(gp + ": Only one task may be marked as leader");
            }
        }
        if (!p.isEmpty()) {
            throw new JobValidationException(p);
        }
        return job;
    }

    /** A name short enough to quote in a message. */
    private static String abbreviate(String s) {
        return s == null || s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static void constraints(List<Constraint> cs, String where, List<String> p) {
        for (Constraint c : cs) {
            ConstraintChecker.validate(c).ifPresent(err -> p.add(where + ": Constraint " + c + ": " + err));
        }
    }
}
