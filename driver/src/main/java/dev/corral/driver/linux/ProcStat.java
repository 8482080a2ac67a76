package dev.corral.driver.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fields we use from {@code /proc/<pid>/stat}.
 *
 * @param pid        the process id
 * @param state      one letter: R, S, D, Z, T, ...
 * @param ppid       parent pid
 * @param utimeTicks user CPU, clock ticks
 * @param stimeTicks system CPU, clock ticks
 * @param startTicks start time after boot, clock ticks (with the pid, identifies a process across pid reuse)
 * @param rssPages   resident pages
 */
public record ProcStat(long pid, char state, long ppid, long utimeTicks, long stimeTicks, long startTicks, long rssPages) {

    /** USER_HZ; 100 on every Linux architecture we run on. */
    public static final long CLOCK_TICKS_PER_SECOND = 100;

    /** Reads {@code /proc/<pid>/stat}; empty when the process does not exist. */
    public static Optional<ProcStat> read(long pid) {
        try {
            return Optional.of(parse(pid, CgroupFiles.readAll(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | java.io.UncheckedIOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static ProcStat parse(long pid, String text) {
        // The command name (field 2) may contain spaces and ')': fields restart after the last ')'.
        int close = text.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("no ')' in /proc/" + pid + "/stat");
        }
        String[] f = text.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field N is f[N - 3].
        return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                Long.parseLong(f[19]), Long.parseLong(f[21]));
    }

    /** True if the process exists, is not a zombie, and started at {@code startTicks}. */
    public static boolean isAlive(long pid, long startTicks) {
        return read(pid).filter(s -> s.startTicks == startTicks && s.state != 'Z' && s.state != 'X').isPresent();
    }
}
