package dev.corral.agent.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a task's rotated log files {@code <logsDir>/<task>.<stdout|stderr>.<N>} as one stream:
 * byte ranges from the start or the end, and following growth and rotation (a file {@code N+1}
 * appearing; files below the kept window disappearing). Thread-safe: it holds no mutable state.
 */
public final class LogReader {
    /** Which stream to read. */
    public enum Stream {
        STDOUT, STDERR;

        public String fileTag() {
            return this == STDOUT ? "stdout" : "stderr";
        }

        /** @throws IllegalArgumentException Nomad's message for other values */
        public static Stream parse(String s) {
            return switch (s) {
                case "stdout" -> STDOUT;
                case "stderr" -> STDERR;
                default -> throw new IllegalArgumentException("log type must be \"stdout\" or \"stderr\", got \"" + s + "\"");
            };
        }
    }

    /** Where offsets count from. */
    public enum Origin { START, END }

    /** One log file. */
    public record LogFile(int index, Path path, long size) {
        public String name() {
            return path.getFileName().toString();
        }
    }

    /** A position in the stream: file index and byte offset within that file. */
    public record Position(int index, long offset) {}

    /**
     * A piece of the stream.
     *
     * @param file    the file name the bytes come from (Nomad's frame {@code File})
     * @param offset  offset of {@code data} within that file (Nomad's frame {@code Offset})
     * @param next    where the following read continues
     */
    public record Chunk(String file, long offset, byte[] data, Position next) {}

    private static final Duration POLL = Duration.ofMillis(100);

    private final Path logsDir;
    private final String task;
    private final Stream stream;
    private final Pattern namePattern;

    public LogReader(Path logsDir, String task, Stream stream) {
        this.logsDir = logsDir;
        this.task = task;
        this.stream = stream;
        this.namePattern = Pattern.compile(Pattern.quote(task + "." + stream.fileTag() + ".") + "(\\d+)");
    }

    /** The existing files, lowest index first. */
    public List<LogFile> files() {
        List<LogFile> out = new ArrayList<>();
        if (!Files.isDirectory(logsDir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(logsDir, task + "." + stream.fileTag() + ".*")) {
            for (Path p : ds) {
                Matcher m = namePattern.matcher(p.getFileName().toString());
                if (m.matches()) {
                    try {
                        out.add(new LogFile(Integer.parseInt(m.group(1)), p, Files.size(p)));
                    } catch (NoSuchFileException gone) {
                        // Rotated away between listing and stat.
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list log files in " + logsDir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingInt(LogFile::index));
        return out;
    }

    /**
     * The position {@code offset} bytes from the start or the end of the whole stream (all kept
     * files together), clamped to the stream.
     */
    public Position position(Origin origin, long offset) {
        List<LogFile> files = files();
        if (files.isEmpty()) {
            return new Position(0, 0);
        }
        if (origin == Origin.START) {
            long left = Math.max(0, offset);
            for (LogFile f : files) {
                if (left < f.size() || f == files.getLast()) {
                    return new Position(f.index(), Math.min(left, f.size()));
                }
                left -= f.size();
            }
        }
        long left = Math.max(0, offset);
        for (int i = files.size() - 1; i >= 0; i--) {
            LogFile f = files.get(i);
            if (left <= f.size()) {
                return new Position(f.index(), f.size() - left);
            }
            left -= f.size();
        }
        return new Position(files.getFirst().index(), 0);
    }

    /**
     * Reads up to {@code max} bytes at {@code pos} without waiting. At the end of a file that has a
     * successor, moves on to the successor. Empty data means the end of the stream for now.
     */
    public Chunk read(Position pos, int max) {
        List<LogFile> files = files();
        Position p = pos;
        while (true) {
            Optional<LogFile> cur = find(files, p.index());
            if (cur.isEmpty()) {
                // Rotated away (or not created yet): continue at the next file that exists.
                int missing = p.index();
                Optional<LogFile> next = files.stream().filter(f -> f.index() > missing).findFirst();
                if (next.isEmpty()) {
                    return new Chunk(task + "." + stream.fileTag() + "." + p.index(), p.offset(), new byte[0], p);
                }
                p = new Position(next.get().index(), 0);
                continue;
            }
            LogFile f = cur.get();
            byte[] data = readAt(f.path(), p.offset(), max);
            if (data.length > 0) {
                return new Chunk(f.name(), p.offset(), data, new Position(f.index(), p.offset() + data.length));
            }
            Position at = p;
            Optional<LogFile> next = files.stream().filter(x -> x.index() > at.index()).findFirst();
            if (next.isEmpty()) {
                return new Chunk(f.name(), p.offset(), new byte[0], p);
            }
            // The file is complete only once a successor exists; re-read once to catch a final write.
            data = readAt(f.path(), p.offset(), max);
            if (data.length > 0) {
                return new Chunk(f.name(), p.offset(), data, new Position(f.index(), p.offset() + data.length));
            }
            p = new Position(next.get().index(), 0);
        }
    }

    /**
     * Like {@link #read} but waits (polling every 100 ms) until data arrives, {@code maxWait}
     * passes, or {@code cancelled} turns true.
     */
    public Chunk follow(Position pos, int max, Duration maxWait, BooleanSupplier cancelled) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            Chunk c = read(pos, max);
            if (c.data().length > 0 || cancelled.getAsBoolean() || System.nanoTime() >= deadline) {
                return c;
            }
            pos = c.next();
            // Never sleep past the caller's deadline: short waits (corral run's drain) stay short.
            Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    private static Optional<LogFile> find(List<LogFile> files, int index) {
        return files.stream().filter(f -> f.index() == index).findFirst();
    }

    private static byte[] readAt(Path path, long offset, int max) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset >= size) {
                return new byte[0];
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(max, size - offset));
            while (buf.hasRemaining()) {
                int n = ch.read(buf, offset + buf.position());
                if (n < 0) {
                    break;
                }
            }
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        } catch (NoSuchFileException gone) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log file " + path + ": " + e.getMessage(), e);
        }
    }
}
