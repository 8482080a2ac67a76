package dev.corral.agent.gc;

import java.time.Duration;

/**
 * The client's garbage collection settings ({@code client { gc_* }}), Nomad's defaults in {@link #DEFAULT}.
 *
 * @param interval               {@code gc_interval}
 * @param diskUsageThreshold     {@code gc_disk_usage_threshold}, percent of the alloc dir's file system
 * @param inodeUsageThreshold    {@code gc_inode_usage_threshold}, percent
 * @param maxAllocs              {@code gc_max_allocs}: tracked allocations before terminal ones get collected
 * @param parallelDestroys       {@code gc_parallel_destroys}; values below 1 are forced to 1
 */
public record GcConfig(Duration interval, double diskUsageThreshold, double inodeUsageThreshold, int maxAllocs,
                       int parallelDestroys) {
    public static final GcConfig DEFAULT = new GcConfig(Duration.ofMinutes(1), 80, 70, 50, 2);

    public GcConfig {
        parallelDestroys = Math.max(1, parallelDestroys);
    }
}
