package dev.corral.driver;

import java.util.List;

/**
 * The resources allocated to one task, in Nomad's units.
 *
 * @param cpuShares     CPU shares = {@code resources.cpu} MHz (or cores x per-core MHz); soft limit, must be &gt;= 2
 * @param reservedCores CPU ids reserved for this task ({@code resources.cores}); empty = the shared pool
 * @param memoryMiB     {@code resources.memory}: hard limit, or soft limit when {@code memoryMaxMiB > 0}
 * @param memoryMaxMiB  {@code resources.memory_max}: hard limit when &gt; 0 (oversubscription), else 0
 */
public record Resources(long cpuShares, List<Integer> reservedCores, long memoryMiB, long memoryMaxMiB) {

    /** Nomad's task defaults: 100 MHz, 300 MiB. */
    public static final Resources DEFAULT = new Resources(100, List.of(), 300, 0);

    public Resources {
        reservedCores = List.copyOf(reservedCores);
    }

    /** Bytes of the hard memory limit: memory_max if set, else memory (Nomad's rule). */
    public long hardMemoryBytes() {
        return (memoryMaxMiB > 0 ? memoryMaxMiB : memoryMiB) * 1024 * 1024;
    }

    /** Bytes of the soft memory limit: memory when memory_max is used, else 0. */
    public long softMemoryBytes() {
        return memoryMaxMiB > 0 ? memoryMiB * 1024 * 1024 : 0;
    }
}
