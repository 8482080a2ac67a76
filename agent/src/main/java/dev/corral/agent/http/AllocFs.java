package dev.corral.agent.http;

import dev.corral.agent.http.NomadJson.AllocFileInfo;
import dev.corral.agent.http.NomadJson.Allocation;
import dev.corral.agent.http.NomadJson.StreamFrame;
import dev.corral.agent.http.NomadJson.TaskState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The client filesystem endpoints of one allocation directory: {@code ls}, {@code stat},
 * {@code cat}, {@code readat} and {@code logs}. Paths are confined to the allocation directory
 * (symlinks included) and a task's {@code secrets/} is never served.
 */
final class AllocFs {
    private static final int CHUNK = 64 * 1024;
    /** How often a follow looks for new bytes and rotated files. */
    private static final long POLL_MILLIS = 100;
    /** Nomad sends an empty frame this often on an idle framed stream. */
    private static final long HEARTBEAT_MILLIS = 10_000;

    private final ApiBackend backend;

    AllocFs(ApiBackend backend) {
        this.backend = backend;
    }

    private Allocation alloc(ApiCall c) {
        String id = c.param("alloc");
        return backend.allocation(id).orElseThrow(() -> ApiException.notFound("Unknown allocation \"" + id + "\""));
    }

    /** Resolves {@code ?path=} inside the allocation directory, refusing escapes and secrets. */
    Path resolve(Allocation a, String requested) throws IOException {
        Path root = backend.allocationDir(a.id()).toAbsolutePath().normalize();
        String rel = requested == null || requested.isEmpty() ? "/" : requested;
        Path p;
        try {
            p = root.resolve(rel.replaceFirst("^/+", "")).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.badRequest("invalid path \"" + rel + "\": " + e.getReason());
        }
        if (!p.startsWith(root)) {
            throw new ApiException(403, "Path \"" + rel + "\" is outside the allocation directory");
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw ApiException.notFound("stat " + rel + ": no such file or directory");
        }
        Path rootReal = root.toRealPath();
        Path real = p.toRealPath();
        if (!real.startsWith(rootReal)) {
            throw new ApiException(403, "Path \"" + rel + "\" resolves outside the allocation directory");
        }
        // a link a task planted (alloc/data is shared and writable) must not lead into a task's secrets either
        if (inSecrets(root.relativize(p)) || inSecrets(rootReal.relativize(real))) {
            throw new ApiException(403, "Reading secret file prohibited: " + rel);
        }
        return p;
    }

    private static boolean inSecrets(Path inside) {
        return inside.getNameCount() >= 2 && inside.getName(1).toString().equals("secrets");
    }

    /**
     * The file {@link #resolve} found, for reading: its real path, opened without following a
     * link, so that a task cannot swap a checked file for a link between the check and the read
     * (the agent reads as root).
     */
    private static Path readable(Path checked) throws IOException {
        return checked.toRealPath();
    }

    private static ApiException linkRefused(String what) {
        return new ApiException(403, "Refusing to follow a symbolic link: " + what);
    }

    /** Opening a link with {@code NOFOLLOW_LINKS} fails with ELOOP: say why in the API's terms; rethrow the rest. */
    private static IOException swappedForLink(java.nio.file.FileSystemException e, String what) {
        if (e instanceof NoSuchFileException || e instanceof java.nio.file.AccessDeniedException) {
            return e;
        }
        throw linkRefused(what);
    }

    void ls(ApiCall c) throws IOException {
        Allocation a = alloc(c);
        Path dir = resolve(a, c.query("path"));
        if (!Files.isDirectory(dir)) {
            throw ApiException.badRequest("\"" + c.query("path") + "\" is not a directory");
        }
        List<AllocFileInfo> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted(Comparator.comparing(Path::getFileName)).toList()) {
                out.add(info(p));
            }
        }
        c.json(200, out);
    }

    void stat(ApiCall c) throws IOException {
        c.json(200, info(resolve(alloc(c), c.query("path"))));
    }

    void cat(ApiCall c) throws IOException {
        Path f = resolve(alloc(c), c.query("path"));
        if (Files.isDirectory(f)) {
            throw ApiException.badRequest("file \"" + c.query("path") + "\" is a directory");
        }
        InputStream in;
        try {
            in = Files.newInputStream(readable(f), LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.FileSystemException e) {
            throw swappedForLink(e, c.query("path"));
        }
        OutputStream out = c.startStream("text/plain; charset=utf-8");
        try (in) {
            in.transferTo(out);
        }
    }

    void readAt(ApiCall c) throws IOException {
        Path f = resolve(alloc(c), c.query("path"));
        long offset = c.number("offset", 0);
        long limit = c.number("limit", -1);
        if (offset < 0) {
            throw ApiException.badRequest("offset must be non-negative");
        }
        if (Files.isDirectory(f)) {
            throw ApiException.badRequest("file \"" + c.query("path") + "\" is a directory");
        }
        FileChannel opened;
        try {
            opened = FileChannel.open(readable(f), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.FileSystemException e) {
            throw swappedForLink(e, c.query("path"));
        }
        OutputStream out = c.startStream("text/plain; charset=utf-8");
        try (FileChannel ch = opened) {
            ch.position(offset);
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            if (limit < 0) {
                in.transferTo(out);
            } else {
                out.write(in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8)));
            }
        }
    }

    static AllocFileInfo info(Path p) throws IOException {
        PosixFileAttributes attrs = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String type = attrs.isDirectory() ? "d" : attrs.isSymbolicLink() ? "L" : "-";
        String mode = type + PosixFilePermissions.toString(attrs.permissions());
        String contentType = attrs.isDirectory() ? "" : contentType(p);
        return new AllocFileInfo(p.getFileName() == null ? "/" : p.getFileName().toString(), attrs.isDirectory(),
                attrs.size(), mode, NomadJson.time(attrs.lastModifiedTime().toInstant()), contentType);
    }

    private static String contentType(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(512);
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(head));
            return "text/plain; charset=utf-8";
        } catch (CharacterCodingException e) {
            return "application/octet-stream";
        } catch (IOException e) {
            return "";
        }
    }

    // ---- logs ----

    void logs(ApiCall c) throws IOException, InterruptedException {
        Allocation a = alloc(c);
        String task = c.query("task");
        if (task == null || task.isEmpty()) {
            throw ApiException.badRequest("must include task name");
        }
        if (a.taskStates() != null && !a.taskStates().isEmpty() && !a.taskStates().containsKey(task)) {
            throw ApiException.badRequest("unknown task name \"" + task + "\"");
        }
        String type = c.query("type");
        if (type == null || type.isEmpty()) {
            throw ApiException.badRequest("must include file type");
        }
        if (!type.equals("stdout") && !type.equals("stderr")) {
            throw ApiException.badRequest("invalid log type \"" + type + "\": must be stdout or stderr");
        }
        String origin = c.query("origin") == null ? "start" : c.query("origin");
        if (!origin.equals("start") && !origin.equals("end")) {
            throw ApiException.badRequest("origin must be start or end");
        }
        long offset = c.number("offset", 0);
        if (offset < 0) {
            throw ApiException.badRequest("offset must be non-negative");
        }
        boolean follow = c.flag("follow");
        boolean plain = c.flag("plain");
        Path dir = backend.allocationDir(a.id()).resolve("alloc").resolve("logs");
        // alloc/ and alloc/logs are shared and writable by tasks: refuse a logs dir or log file a task
        // replaced by a link (the agent reads as root); a swap while streaming fails the open (NOFOLLOW)
        if (Files.isSymbolicLink(dir) || Files.isDirectory(dir) && !dir.toRealPath().equals(
                backend.allocationDir(a.id()).toRealPath().resolve("alloc").resolve("logs"))) {
            throw linkRefused("alloc/logs");
        }
        for (int i : LogCursor.indices(dir, task + "." + type + ".")) {
            if (Files.isSymbolicLink(dir.resolve(task + "." + type + "." + i))) {
                throw linkRefused("alloc/logs/" + task + "." + type + "." + i);
            }
        }
        LogCursor cursor = LogCursor.open(dir, task + "." + type + ".", origin.equals("end"), offset);
        OutputStream out = c.startStream(plain ? "text/plain; charset=utf-8" : "application/json");
        out.flush();
        stream(cursor, out, plain, follow, () -> taskDead(a.id(), task), AclGate.stillAllowed(c.request()));
    }

    private boolean taskDead(String allocId, String task) {
        return backend.allocation(allocId).map(x -> {
            TaskState s = x.taskStates() == null ? null : x.taskStates().get(task);
            boolean terminal = "complete".equals(x.clientStatus()) || "failed".equals(x.clientStatus())
                    || "lost".equals(x.clientStatus());
            return terminal || (s != null && "dead".equals(s.state()));
        }).orElse(true);
    }

    /**
     * Copies log bytes as they appear; with {@code follow}, until the task is dead and all is read,
     * or until the request's token no longer allows it ({@code allowed} turns false).
     */
    static void stream(LogCursor cursor, OutputStream out, boolean plain, boolean follow,
                       java.util.function.BooleanSupplier taskDead, java.util.function.BooleanSupplier allowed)
            throws IOException, InterruptedException {
        byte[] buf = new byte[CHUNK];
        long lastWrite = System.currentTimeMillis();
        boolean sawDead = false;
        while (true) {
            if (follow && !allowed.getAsBoolean()) {
                return;
            }
            LogCursor.Chunk chunk = cursor.read(buf);
            if (chunk != null) {
                if (plain) {
                    if (chunk.length() > 0) {
                        out.write(buf, 0, chunk.length());
                    }
                } else {
                    byte[] data = chunk.length() == 0 ? null : java.util.Arrays.copyOf(buf, chunk.length());
                    out.write(NomadJson.mapper().writeValueAsBytes(
                            new StreamFrame(chunk.endOffset(), data, chunk.file(), chunk.event())));
                    out.write('\n');
                }
                out.flush();
                lastWrite = System.currentTimeMillis();
                continue;
            }
            if (!follow || sawDead) {
                return;
            }
            // Read once more after seeing the task dead, so its last lines are not lost.
            sawDead = taskDead.getAsBoolean();
            if (sawDead) {
                continue;
            }
            if (!plain && System.currentTimeMillis() - lastWrite >= HEARTBEAT_MILLIS) {
                out.write("{}\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                lastWrite = System.currentTimeMillis();
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * A position in a rotated log: files {@code <prefix>0}, {@code <prefix>1}, ... where the
     * highest index is the one being written. Reading moves to the next index once the current
     * file is drained and a newer one exists; a file that shrinks was truncated and restarts at 0.
     */
    static final class LogCursor {
        private final Path dir;
        private final String prefix;
        private int index;
        private long pos;

        /** A read result: bytes in the caller's buffer, or a file event with no bytes. */
        record Chunk(int length, long endOffset, String file, String event) {}

        private LogCursor(Path dir, String prefix, int index, long pos) {
            this.dir = dir;
            this.prefix = prefix;
            this.index = index;
            this.pos = pos;
        }

        static LogCursor open(Path dir, String prefix, boolean fromEnd, long offset) throws IOException {
            List<Integer> idx = indices(dir, prefix);
            if (idx.isEmpty()) {
                return new LogCursor(dir, prefix, 0, 0);
            }
            if (!fromEnd) {
                long skip = offset;
                for (int i : idx) {
                    long size = size(dir.resolve(prefix + i));
                    if (skip < size || i == idx.getLast()) {
                        return new LogCursor(dir, prefix, i, Math.min(skip, size));
                    }
                    skip -= size;
                }
            }
            long back = offset;
            for (int k = idx.size() - 1; k >= 0; k--) {
                long size = size(dir.resolve(prefix + idx.get(k)));
                if (back <= size || k == 0) {
                    return new LogCursor(dir, prefix, idx.get(k), Math.max(0, size - back));
                }
                back -= size;
            }
            throw new IllegalStateException("unreachable");
        }

        static List<Integer> indices(Path dir, String prefix) throws IOException {
            if (!Files.isDirectory(dir)) {
                return List.of();
            }
            List<Integer> out = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).forEach(n -> {
                    String suffix = n.substring(prefix.length());
                    if (suffix.matches("\\d{1,9}")) {
                        out.add(Integer.parseInt(suffix));
                    }
                });
            }
            out.sort(null);
            return out;
        }

        /** The size of a regular log file; 0 for anything else (a link is not followed). */
        private static long size(Path p) {
            try {
                var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                return attrs.isRegularFile() ? attrs.size() : 0;
            } catch (IOException e) {
                return 0;
            }
        }

        /** The next chunk, or null when nothing new is there yet. */
        Chunk read(byte[] buf) throws IOException {
            while (true) {
                Path f = dir.resolve(prefix + index);
                String name = "alloc/logs/" + prefix + index;
                // NOFOLLOW_LINKS: a task may swap its log file for a link to a file only root can read
                try (FileChannel ch = openLog(f, name)) {
                    long size = ch.size();
                    if (size < pos) {
                        pos = 0;
                        return new Chunk(0, 0, name, "file truncated");
                    }
                    if (size > pos) {
                        int n = ch.read(ByteBuffer.wrap(buf), pos);
                        if (n > 0) {
                            pos += n;
                            return new Chunk(n, pos, name, null);
                        }
                    }
                } catch (NoSuchFileException gone) {
                    // Not created yet, or already rotated away: look for a newer file below.
                }
                int next = nextIndex();
                if (next < 0) {
                    return null;
                }
                // A newer file exists, so this one is complete: drain it (loop) before moving on.
                Path cur = dir.resolve(prefix + index);
                if (Files.exists(cur, LinkOption.NOFOLLOW_LINKS) && size(cur) > pos) {
                    continue;
                }
                index = next;
                pos = 0;
            }
        }

        private static FileChannel openLog(Path f, String name) throws IOException {
            try {
                return FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.FileSystemException e) {
                throw swappedForLink(e, name);
            }
        }

        private int nextIndex() throws IOException {
            for (int i : indices(dir, prefix)) {
                if (i > index) {
                    return i;
                }
            }
            return -1;
        }
    }
}
