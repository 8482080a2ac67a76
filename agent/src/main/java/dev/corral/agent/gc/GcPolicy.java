package dev.corral.agent.gc;

import java.util.Optional;

/** Nomad's client GC rule: why (if at all) the oldest terminal allocation must go now. */
public final class GcPolicy {
    public static final String SKIPPED = "garbage collection skipped because no terminal allocations";

    private GcPolicy() {}

    /**
     * The reason to collect one more terminal allocation, checked in Nomad's order (disk, inodes,
     * count); empty when nothing is over its threshold.
     *
     * @param tracked every allocation the client still tracks (terminal ones included)
     */
    public static Optional<String> reason(GcConfig c, DiskStats.Usage u, int tracked) {
        if (u.diskPercent() > c.diskUsageThreshold()) {
            return Optional.of("disk usage of " + fmt(u.diskPercent()) + " is over gc threshold of "
                    + fmt(c.diskUsageThreshold()));
        }
        if (u.inodePercent() > c.inodeUsageThreshold()) {
            return Optional.of("inode usage of " + fmt(u.inodePercent()) + " is over gc threshold of "
                    + fmt(c.inodeUsageThreshold()));
        }
        if (tracked > c.maxAllocs()) {
            return Optional.of("number of allocations (" + tracked + ") is over the limit (" + c.maxAllocs() + ")");
        }
        return Optional.empty();
    }

    /**
     * Before starting {@code newAllocs}: the reason to collect one more terminal allocation so the
     * new ones fit under {@code gc_max_allocs}; empty when they fit.
     */
    public static Optional<String> makeRoomReason(GcConfig c, int tracked, int newAllocs) {
        if (tracked + newAllocs > c.maxAllocs()) {
            return Optional.of("new allocations and over max (" + c.maxAllocs() + ")");
        }
        return Optional.empty();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.2f", v);
    }
}
