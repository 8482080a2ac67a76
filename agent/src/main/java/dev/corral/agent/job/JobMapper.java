package dev.corral.agent.job;

import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.sched.Constraint;
import dev.corral.agent.sched.ResourceAsk;
import dev.corral.jobspec.model.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a parsed job file (the jobspec module's model) into the agent's runnable job. */
public final class JobMapper {
    private JobMapper() {}

    public static Job fromSpec(dev.corral.jobspec.model.Job spec) {
        List<TaskGroup> groups = new ArrayList<>();
        for (var g : spec.groups()) {
            List<Task> tasks = new ArrayList<>();
            for (var t : g.tasks()) {
                tasks.add(task(t));
            }
            var rs = g.reschedule();
            ReschedulePolicy reschedule = rs == null ? null : new ReschedulePolicy(rs.attempts(), rs.interval(),
                    rs.delay(), rs.delayFunction(), rs.maxDelay(), rs.unlimited());
            groups.add(new TaskGroup(g.name(), g.count(), constraints(g.constraints()), restart(g.restart()),
                    g.shutdownDelay(), g.ephemeralDisk() == null ? 300 : g.ephemeralDisk().size().mebibytes(), g.meta(),
                    tasks, reschedule, volumes(g.volumes())));
        }
        return new Job(spec.namespace(), spec.id(), spec.name(), spec.type().jobFileName(), spec.priority(),
                spec.datacenters(), spec.meta(), constraints(spec.constraints()), groups);
    }

    /** One task of a parsed job as the agent runs it. */
    public static Task task(dev.corral.jobspec.model.Task t) {
        Map<String, Object> config = new LinkedHashMap<>();
        if (t.config() != null) {
            t.config().values().forEach((k, v) -> config.put(k, plain(v)));
        }
        var r = t.resources() == null ? dev.corral.jobspec.model.Resources.DEFAULT : t.resources();
        ResourceAsk ask = new ResourceAsk(r.cores() > 0 ? 0 : r.cpu(), r.cores(), r.memory().mebibytes(),
                r.memoryMax() == null ? 0 : r.memoryMax().mebibytes());
        Lifecycle lc = t.lifecycle() == null || t.lifecycle().hook() == null ? null
                : new Lifecycle(t.lifecycle().hook().name().toLowerCase(Locale.ROOT), t.lifecycle().sidecar());
        var logs = t.logs() == null ? dev.corral.jobspec.model.LogConfig.DEFAULT : t.logs();
        List<Map<String, Object>> artifacts = new ArrayList<>();
        for (var a : t.artifacts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", a.source());
            if (a.destination() != null) {
                m.put("destination", a.destination());
            }
            if (a.mode() != null) {
                m.put("mode", a.mode().name().toLowerCase(Locale.ROOT));
            }
            m.put("options", a.options());
            m.put("headers", a.headers());
            artifacts.add(m);
        }
        return new Task(t.name(), t.driver(), config, t.env(), t.user(), ask, t.killTimeout(), t.killSignal(),
                t.shutdownDelay(), lc, t.leader(),
                new LogsConfig(logs.maxFiles(), (int) Math.max(1, logs.maxFileSize().mebibytes()), logs.disabled()),
                restart(t.restart()), t.meta(), constraints(t.constraints()), artifacts,
                t.volumeMounts().stream().map(m -> new VolumeMount(m.volume(), m.destination(), m.readOnly(),
                        m.propagationMode())).toList());
    }

    /** A group's {@code volume} requests by name. */
    public static Map<String, Volume> volumes(Map<String, dev.corral.jobspec.model.VolumeRequest> vs) {
        Map<String, Volume> out = new LinkedHashMap<>();
        vs.forEach((name, v) -> out.put(name, new Volume(v.name(), v.type(), v.source(), v.readOnly())));
        return out;
    }

    private static RestartPolicy restart(dev.corral.jobspec.model.RestartPolicy p) {
        if (p == null) {
            return null;
        }
        return new RestartPolicy(p.attempts(), p.interval(), p.delay(),
                p.mode() == dev.corral.jobspec.model.RestartMode.DELAY ? RestartPolicy.Mode.DELAY : RestartPolicy.Mode.FAIL);
    }

    private static List<Constraint> constraints(List<dev.corral.jobspec.model.Constraint> cs) {
        List<Constraint> out = new ArrayList<>();
        for (var c : cs) {
            out.add(new Constraint(c.attribute(), c.operator(), c.value()));
        }
        return out;
    }

    /** A config value as plain Java data: String, Long/BigDecimal, Boolean, List, Map, or null. */
    static Object plain(Value v) {
        return switch (v) {
            case Value.Str s -> s.value();
            case Value.Num n -> n.isWhole() ? (Object) n.value().longValue() : (Object) n.value();
            case Value.Bool b -> b.value();
            case Value.Null ignored -> null;
            case Value.ListValue l -> l.items().stream().map(JobMapper::plain).toList();
            case Value.MapValue m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.entries().forEach((k, x) -> out.put(k, plain(x)));
                yield out;
            }
        };
    }

}
