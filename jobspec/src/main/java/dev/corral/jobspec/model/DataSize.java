package dev.corral.jobspec.model;

/**
 * An amount of memory or disk, in bytes. Nomad's job fields say "MB" but mean MiB
 * (1024 * 1024 bytes); {@link #ofMebibytes} and {@link #mebibytes} follow that convention.
 */
public record DataSize(long bytes) implements Comparable<DataSize> {

    public static final DataSize ZERO = new DataSize(0);

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
    }

    public static DataSize ofMebibytes(long mib) {
        return new DataSize(Math.multiplyExact(mib, 1024L * 1024L));
    }

    /** Whole MiB, rounded down. */
    public long mebibytes() {
        return bytes / (1024L * 1024L);
    }

    @Override
    public int compareTo(DataSize o) {
        return Long.compare(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return bytes % (1024L * 1024L) == 0 ? mebibytes() + "MiB" : bytes + "B";
    }
}
