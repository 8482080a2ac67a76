package dev.corral.agent.artifact;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node-wide, content-addressed artifact cache (Corral's addition; Nomad downloads every time).
 *
 * <p>Layout under {@code cache_dir}:
 * <pre>
 *   blobs/&lt;sha256&gt;   downloaded bytes (the archive, before unpacking), named by their SHA-256, 0644
 *   index/&lt;sha256(key)&gt; one small file per key: "blob=&lt;sha256&gt;", and for revalidated entries
 *                      "etag=..." / "last-modified=..."
 *   tmp/               downloads in progress
 * </pre>
 * Keys: an artifact with a checksum is keyed by that checksum, so the same bytes behind different
 * URLs are fetched once (for md5 and sha1, which can be made to collide, the URL is part of the key;
 * when the request carries credentials, a digest of them is part of the key, so another job cannot
 * read a private artifact out of the cache by knowing its hash). Such an entry is served without
 * any request. An artifact without a checksum is keyed by URL and headers and revalidated with
 * {@code If-None-Match}/{@code If-Modified-Since}: a 304 reuses the blob, so the request remains but
 * the body is not transferred again. Responses without ETag or Last-Modified are used once and not
 * kept.
 *
 * <p>Concurrency: within the agent, concurrent requests for one key download once (the first caller
 * loads, the others wait for it and then read the index). Blobs and index files appear by atomic
 * rename, so a reader never sees a partial file, also across processes. A blob is pinned while a
 * fetch uses it and eviction skips pinned blobs.
 *
 * <p>Eviction: after each insertion, while the blobs exceed {@code cache_size_limit}, the least
 * recently used unpinned blob is deleted. A blob's modification time is its LRU clock, set on every
 * use; index entries whose blob is gone count as misses. Files handed to tasks are hard links to
 * blobs only when the task can not write them (not root, no chown), so evicting a blob never
 * removes a task's file and a task never alters the cache; note that a hard-linked file shares the
 * blob's timestamps.
 */
final class ArtifactCache {

    /** A blob in use; {@link #close()} unpins it. */
    final class Lease implements AutoCloseable {
        final Path blob;
        final boolean hit;
        final long downloadedBytes;
        private final String sha;
        private boolean closed;

        private Lease(String sha, boolean hit, long downloadedBytes) {
            this(sha, blobs.resolve(sha), hit, downloadedBytes);
        }

        /** A download that is not kept ({@code sha == null}): the file is deleted on close. */
        private Lease(String sha, Path file, boolean hit, long downloadedBytes) {
            this.sha = sha;
            this.blob = file;
            this.hit = hit;
            this.downloadedBytes = downloadedBytes;
        }

        @Override
        public void close() {
            if (sha == null) {
                try {
                    Files.deleteIfExists(blob);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return;
            }
            synchronized (ArtifactCache.this) {
                if (!closed) {
                    closed = true;
                    pins.computeIfPresent(sha, (k, n) -> n == 1 ? null : n - 1);
                }
            }
        }
    }

    /** What a loader produced in {@code tmp}. */
    record Loaded(boolean notModified, String sha256, long bytes, String etag, String lastModified) {
    }

    interface Loader {
        /** Writes the artifact into {@code tmp}; {@code validators} are set when the cache can revalidate. */
        Loaded load(Path tmp, HttpDownloader.Validators validators)
                throws ArtifactException, IOException, InterruptedException;
    }

    private final Path blobs;
    private final Path index;
    private final Path tmp;
    private final long limit;
    // Guarded by this: pinned blob -> number of leases.
    private final Map<String, Integer> pins = new HashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> inflight = new ConcurrentHashMap<>();
    // Callers waiting for another caller's download of the same key (observable by tests).
    private final AtomicInteger waiting = new AtomicInteger();

    ArtifactCache(Path dir, long limit) throws IOException {
        this.blobs = dir.resolve("blobs");
        this.index = dir.resolve("index");
        this.tmp = dir.resolve("tmp");
        this.limit = limit;
        for (Path p : List.of(dir, blobs, index, tmp)) {
            Files.createDirectories(p);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    int waitingForLeader() {
        return waiting.get();
    }

    Path directory() {
        return blobs.getParent();
    }

    /**
     * Returns the blob for {@code key}, loading it with {@code loader} on a miss. With
     * {@code revalidate}, a present entry is checked with the server through the loader.
     */
    Lease get(String key, boolean revalidate, Loader loader) throws ArtifactException, IOException, InterruptedException {
        String keyFile = sha256(key);
        boolean waitedForLeader = false;
        while (true) {
            Map<String, String> entry = readIndex(keyFile);
            if (entry != null && (!revalidate || waitedForLeader)) {
                Lease l = pinIfPresent(entry.get("blob"));
                if (l != null) {
                    return l;
                }
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> leader = inflight.putIfAbsent(keyFile, mine);
            if (leader != null) {
                waiting.incrementAndGet();
                try {
                    leader.join();
                } catch (RuntimeException leaderFailed) {
                    // The leader's error is its own; this caller tries for itself.
                } finally {
                    waiting.decrementAndGet();
                }
                waitedForLeader = true;
                continue;
            }
            Path t = tmp.resolve(UUID.randomUUID().toString());
            try {
                HttpDownloader.Validators validators = null;
                if (revalidate && entry != null && Files.exists(blobs.resolve(entry.get("blob")))) {
                    validators = new HttpDownloader.Validators(entry.get("etag"), entry.get("last-modified"));
                }
                Loaded loaded = loader.load(t, validators);
                if (loaded.notModified()) {
                    Lease l = pinIfPresent(entry.get("blob"));
                    if (l != null) {
                        return l;
                    }
                    continue;
                }
                Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                if (revalidate && loaded.etag() == null && loaded.lastModified() == null) {
                    // Nothing to revalidate with next time: use it once, keep nothing.
                    Path once = tmp.resolve(UUID.randomUUID() + ".once");
                    Files.move(t, once, StandardCopyOption.ATOMIC_MOVE);
                    return new Lease(null, once, false, loaded.bytes());
                }
                Path blob = blobs.resolve(loaded.sha256());
                Lease lease;
                synchronized (this) {
                    Files.move(t, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    lease = pin(loaded.sha256(), false, loaded.bytes());
                }
                writeIndex(keyFile, loaded);
                evict();
                return lease;
            } finally {
                Files.deleteIfExists(t);
                inflight.remove(keyFile, mine);
                mine.complete(null);
            }
        }
    }

    private synchronized Lease pinIfPresent(String sha) throws IOException {
        if (sha == null || !Files.exists(blobs.resolve(sha))) {
            return null;
        }
        Lease l = pin(sha, true, 0);
        Files.setLastModifiedTime(blobs.resolve(sha), FileTime.fromMillis(System.currentTimeMillis()));
        return l;
    }

    private Lease pin(String sha, boolean hit, long bytes) {
        pins.merge(sha, 1, Integer::sum);
        return new Lease(sha, hit, bytes);
    }

    /** Deletes least recently used, unpinned blobs until the cache fits its limit. */
    synchronized void evict() throws IOException {
        record Blob(Path path, long size, FileTime used) {
        }
        List<Blob> all = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
            for (Path p : ds) {
                try {
                    long size = Files.size(p);
                    all.add(new Blob(p, size, Files.getLastModifiedTime(p)));
                    total += size;
                } catch (NoSuchFileException goneMeanwhile) {
                    // Another process evicted it.
                }
            }
        }
        if (total <= limit) {
            return;
        }
        all.sort(Comparator.comparing(Blob::used));
        for (Blob b : all) {
            if (total <= limit) {
                break;
            }
            if (pins.containsKey(b.path().getFileName().toString())) {
                continue;
            }
            Files.deleteIfExists(b.path());
            total -= b.size();
        }
    }

    /** Total bytes held in blobs. */
    long size() throws IOException {
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
            for (Path p : ds) {
                total += Files.size(p);
            }
        }
        return total;
    }

    private Map<String, String> readIndex(String keyFile) throws IOException {
        Path p = index.resolve(keyFile);
        List<String> lines;
        try {
            lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        Map<String, String> m = new HashMap<>();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        String blob = m.get("blob");
        return blob != null && blob.matches("[0-9a-f]{64}") ? m : null;
    }

    private void writeIndex(String keyFile, Loaded loaded) throws IOException {
        StringBuilder sb = new StringBuilder("blob=").append(loaded.sha256()).append('\n');
        if (loaded.etag() != null) {
            sb.append("etag=").append(loaded.etag().replace('\n', ' ')).append('\n');
        }
        if (loaded.lastModified() != null) {
            sb.append("last-modified=").append(loaded.lastModified().replace('\n', ' ')).append('\n');
        }
        Path t = tmp.resolve(UUID.randomUUID() + ".index");
        Files.writeString(t, sb, StandardCharsets.UTF_8);
        Files.move(t, index.resolve(keyFile), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
