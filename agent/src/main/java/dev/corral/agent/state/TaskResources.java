package dev.corral.agent.state;

import java.util.List;

/**
 * Resources allocated to one task.
 *
 * @param cpuMhz        CPU shares in MHz (for {@code cores}: cores x per-core MHz)
 * @param memoryMb      memory in MiB
 * @param memoryMaxMb   memory_max in MiB, 0 when not used
 * @param reservedCores the exact cores reserved for the task (empty unless {@code cores} was asked)
 */
public record TaskResources(long cpuMhz, long memoryMb, long memoryMaxMb, List<Integer> reservedCores) {
    public TaskResources {
        reservedCores = reservedCores == null ? List.of() : List.copyOf(reservedCores);
    }
}
