package dev.corral.agent.node;

import java.util.List;

/**
 * A node's total or reserved resources.
 *
 * @param cpuMhz    total CPU in MHz (cores x per-core MHz)
 * @param cores     CPU ids (total: usable cores; reserved: cores kept back)
 * @param memoryMb  memory in MiB
 * @param diskMb    disk in MiB for alloc dirs
 */
public record NodeResources(long cpuMhz, List<Integer> cores, long memoryMb, long diskMb) {
    public NodeResources {
        cores = List.copyOf(cores);
    }

    public static final NodeResources NONE = new NodeResources(0, List.of(), 0, 0);

    /** MHz of one core, as Nomad divides total by core count. */
    public long mhzPerCore() {
        return cores.isEmpty() ? 0 : cpuMhz / cores.size();
    }
}
