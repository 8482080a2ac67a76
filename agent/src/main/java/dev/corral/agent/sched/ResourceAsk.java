package dev.corral.agent.sched;

/**
 * A task's {@code resources} block.
 *
 * @param cpuMhz       {@code cpu} (0 when {@code cores} is used)
 * @param cores        {@code cores}, 0 if not used
 * @param memoryMb     {@code memory}
 * @param memoryMaxMb  {@code memory_max}, 0 if not used
 */
public record ResourceAsk(long cpuMhz, int cores, long memoryMb, long memoryMaxMb) {
    /** Nomad's defaults: 100 MHz, 300 MB. */
    public static final ResourceAsk DEFAULT = new ResourceAsk(100, 0, 300, 0);
}
