package dev.corral.agent.sched;

import dev.corral.agent.job.Volume;
import dev.corral.agent.node.DriverInfo;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.Node;
import dev.corral.agent.node.NodeResources;
import dev.corral.agent.state.AllocMetric;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Places one allocation of a task group on the (single) node, with Nomad's checks in Nomad's
 * order: job constraints, drivers ({@code missing drivers}), group and task constraints, host
 * volumes ({@code missing compatible host volumes}), {@code distinct_hosts}, then resource fit (cpu, cores, memory, disk against totals minus reserved
 * minus what live allocations use).
 */
public final class Placement {
    /** Nomad's filter reason when a driver is absent, undetected or unhealthy. */
    public static final String FILTER_MISSING_DRIVERS = "missing drivers";
    public static final String FILTER_DISTINCT_HOSTS = "distinct_hosts";
    /**
     * Nomad's filter reason when the node lacks a requested host volume, or has it read-only and the
     * request is read-write.
     */
    public static final String FILTER_HOST_VOLUMES = "missing compatible host volumes";

    private Placement() {}

    /** The outcome: resources per task, or the metric explaining the failure. */
    public sealed interface Result {
        AllocMetric metric();
    }

    public record Placed(Map<String, TaskResources> resources, AllocMetric metric) implements Result {}

    public record Failed(AllocMetric metric) implements Result {}

    /**
     * @param live allocations on the node that still hold resources (not terminal)
     */
    public static Result place(Node node, GroupAsk ask, List<AllocRecord> live) {
        Map<String, Integer> available = Map.of(node.datacenter(), 1);
        Optional<String> filter = filterReason(node, ask, live);
        if (filter.isPresent()) {
            return new Failed(new AllocMetric(1, 1, available, Map.of(filter.get(), 1), 0, Map.of(), 0));
        }
        return fit(node, ask, live, available);
    }

    static Optional<String> filterReason(Node node, GroupAsk ask, List<AllocRecord> live) {
        for (Constraint c : ask.jobConstraints()) {
            if (!ConstraintChecker.satisfies(node, c)) {
                return Optional.of(c.toString());
            }
        }
        for (String driver : new TreeSet<>(ask.drivers())) {
            DriverInfo info = node.drivers().get(driver);
            if (info == null || !info.detected() || !info.healthy()) {
                return Optional.of(FILTER_MISSING_DRIVERS);
            }
        }
        for (Constraint c : ask.groupConstraints()) {
            if (!ConstraintChecker.satisfies(node, c)) {
                return Optional.of(c.toString());
            }
        }
        if (!hasHostVolumes(node, ask.volumes())) {
            return Optional.of(FILTER_HOST_VOLUMES);
        }
        if (ask.distinctHosts() != GroupAsk.DistinctHosts.NONE) {
            for (AllocRecord a : live) {
                boolean sameJob = a.namespace().equals(ask.namespace()) && a.jobId().equals(ask.jobId());
                if (sameJob && (ask.distinctHosts() == GroupAsk.DistinctHosts.JOB || a.taskGroup().equals(ask.group()))) {
                    return Optional.of(FILTER_DISTINCT_HOSTS);
                }
            }
        }
        return Optional.empty();
    }

    /** Every host volume request names a host volume of the node, read-only only when the request is. */
    static boolean hasHostVolumes(Node node, List<Volume> requests) {
        for (Volume v : requests) {
            if (!"host".equals(v.type())) {
                continue;
            }
            HostVolume hv = node.hostVolumes().get(v.source());
            if (hv == null || hv.readOnly() && !v.readOnly()) {
                return false;
            }
        }
        return true;
    }

    private static Result fit(Node node, GroupAsk ask, List<AllocRecord> live, Map<String, Integer> available) {
        NodeResources total = node.resources();
        NodeResources reserved = node.reserved();
        long usedCpu = 0;
        long usedMem = 0;
        long usedDisk = 0;
        TreeSet<Integer> usedCores = new TreeSet<>(reserved.cores());
        for (AllocRecord a : live) {
            for (TaskResources r : a.taskResources().values()) {
                usedCpu += r.cpuMhz();
                usedMem += r.memoryMb();
                usedCores.addAll(r.reservedCores());
            }
            usedDisk += a.diskMb();
        }
        TreeSet<Integer> freeCores = new TreeSet<>(total.cores());
        freeCores.removeAll(usedCores);
        long perCore = total.mhzPerCore();

        Map<String, TaskResources> out = new LinkedHashMap<>();
        long askCpu = 0;
        long askMem = 0;
        for (var e : new TreeMap<>(ask.tasks()).entrySet()) {
            ResourceAsk r = e.getValue();
            List<Integer> cores = new ArrayList<>();
            long cpu = r.cpuMhz();
            if (r.cores() > 0) {
                if (freeCores.size() < r.cores()) {
                    return exhausted("cores", available);
                }
                for (int i = 0; i < r.cores(); i++) {
                    cores.add(freeCores.pollFirst());
                }
                cpu = r.cores() * perCore;
            }
            askCpu += cpu;
            askMem += r.memoryMb();
            out.put(e.getKey(), new TaskResources(cpu, r.memoryMb(), r.memoryMaxMb(), cores));
        }
        long availCpu = total.cpuMhz() - reserved.cpuMhz();
        long availMem = total.memoryMb() - reserved.memoryMb();
        long availDisk = total.diskMb() - reserved.diskMb();
        if (usedCpu + askCpu > availCpu) {
            return exhausted("cpu", available);
        }
        if (usedMem + askMem > availMem) {
            return exhausted("memory", available);
        }
        if (total.diskMb() > 0 && usedDisk + ask.diskMb() > availDisk) {
            return exhausted("disk", available);
        }
        return new Placed(out, new AllocMetric(1, 0, available, Map.of(), 0, Map.of(), 0));
    }

    private static Failed exhausted(String dimension, Map<String, Integer> available) {
        return new Failed(new AllocMetric(1, 0, available, Map.of(), 1, Map.of(dimension, 1), 0));
    }

    /**
     * Renders a failure metric as the lines {@code job run} prints under
     * {@code Task Group "<tg>" (failed to place <n> allocation(s)):}, in the seed's wording:
     * {@code * Constraint "missing drivers" filtered 1 nodes}, {@code * Dimension "memory" exhausted on 1 nodes}.
     */
    public static List<String> describe(AllocMetric m) {
        List<String> lines = new ArrayList<>();
        new TreeMap<>(m.constraintFiltered()).forEach((reason, n) ->
                lines.add("* Constraint \"" + reason + "\" filtered " + n + " nodes"));
        new TreeMap<>(m.dimensionExhausted()).forEach((dim, n) ->
                lines.add("* Dimension \"" + dim + "\" exhausted on " + n + " nodes"));
        return lines;
    }
}
