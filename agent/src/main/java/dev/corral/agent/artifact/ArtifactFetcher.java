package dev.corral.agent.artifact;

import dev.corral.agent.artifact.ArtifactSpec.Mode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Fetches a task's artifacts into its task directory before the driver starts it (Nomad's
 * {@code artifact} block and its client-side hook). Create one per agent and share it: it holds the
 * HTTP client and the node-wide cache.
 *
 * <p>For each artifact: parse the go-getter source, resolve the destination inside the task
 * directory, then work in a private staging directory ({@code <task dir>/.corral-artifact-*}, mode
 * 0700, removed afterwards): download into a temporary file while hashing it, verify the checksum,
 * unpack under the limits, verify the staged tree (no special files, no link leaving it), give it
 * to the task user if {@code chown} is set, and only then move it into the destination with
 * {@code rename(2)}. Every destination component is checked without following links, so a
 * symbolic link planted by an earlier run of the task (say {@code local -> /etc}) is refused, not
 * followed. A failed artifact leaves nothing in its destination. See {@link SafeTree} for the
 * path discipline, {@link ArchiveExtractor} for the archive rules and {@link ArtifactCache} for
 * the cache.
 *
 * <p>Up to {@code parallel_downloads} (3) artifacts of one call run at once, each on a virtual
 * thread. Events are delivered one at a time (the consumer need not be thread-safe).
 */
public final class ArtifactFetcher implements AutoCloseable {
    static final String STAGING_PREFIX = ".corral-artifact-";
    private final ArtifactConfig config;
    private final HttpClient http;
    private final HttpDownloader downloader;
    private final GitFetcher git;
    private final ArtifactCache cache;
    private final ArchiveExtractor extractor;

    /**
     * @throws IOException when the cache directory cannot be created
     */
    public ArtifactFetcher(ArtifactConfig config) throws IOException {
        this.config = config;
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.httpConnectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.downloader = new HttpDownloader(http, config);
        this.git = new GitFetcher(config);
        this.cache = config.cacheDir().isPresent()
                ? new ArtifactCache(config.cacheDir().get(), config.cacheSizeLimit())
                : null;
        this.extractor = new ArchiveExtractor(config.decompressionSizeLimit(), config.decompressionFileCountLimit());
    }

    /** The configuration in use. */
    public ArtifactConfig config() {
        return config;
    }

    /**
     * Fetches all artifacts of a task. Emits {@link ArtifactEvent.Downloading} once (when there is
     * at least one artifact), then {@link ArtifactEvent.Progress} and {@link ArtifactEvent.Fetched}
     * as they go, and {@link ArtifactEvent.Failed} for each artifact that failed. Artifacts that
     * succeed stay in place even when another one fails.
     *
     * @param specs the task's artifact blocks, interpolated
     * @param taskDir the task directory (the host path that becomes the task's root)
     * @param owner the task's user; results are given to it for artifacts with {@code chown}, and it
     *     decides whether cached files may be hard-linked ({@code null} means unknown: always copy)
     * @param events receives events, one at a time
     * @return one result per artifact, in order
     * @throws ArtifactException the first failure (in artifact order), others suppressed in it
     * @throws InterruptedException when the calling thread is interrupted; downloads are cancelled
     */
    public List<FetchedArtifact> fetchAll(List<ArtifactSpec> specs, Path taskDir, TaskUser owner,
            Consumer<ArtifactEvent> events) throws ArtifactException, InterruptedException {
        if (specs.isEmpty()) {
            return List.of();
        }
        Consumer<ArtifactEvent> serial = serialized(events);
        serial.accept(new ArtifactEvent.Downloading());
        Path root = realTaskDir(taskDir);
        removeStaleStaging(root);
        Semaphore slots = new Semaphore(config.parallelDownloads());
        ReentrantLock placing = new ReentrantLock();
        List<FetchedArtifact> results = new ArrayList<>();
        List<ArtifactException> failures = new ArrayList<>();
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<FetchedArtifact>> futures = new ArrayList<>();
            for (ArtifactSpec spec : specs) {
                futures.add(exec.submit(() -> {
                    slots.acquire();
                    try {
                        return fetchOne(spec, root, owner, serial, placing);
                    } finally {
                        slots.release();
                    }
                }));
            }
            try {
                for (int i = 0; i < specs.size(); i++) {
                    try {
                        results.add(futures.get(i).get());
                    } catch (ExecutionException e) {
                        ArtifactException ae = asArtifactException(e.getCause());
                        ae.forSource(specs.get(i).source());
                        serial.accept(new ArtifactEvent.Failed(specs.get(i).source(), ae));
                        failures.add(ae);
                    }
                }
            } catch (InterruptedException e) {
                exec.shutdownNow();
                throw e;
            }
        }
        if (!failures.isEmpty()) {
            ArtifactException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
        return results;
    }

    /** Fetches one artifact; see {@link #fetchAll}. The exception's message names the source. */
    public FetchedArtifact fetch(ArtifactSpec spec, Path taskDir, TaskUser owner, Consumer<ArtifactEvent> events)
            throws ArtifactException, InterruptedException {
        Path root = realTaskDir(taskDir);
        try {
            return fetchOne(spec, root, owner, serialized(events), new ReentrantLock());
        } catch (ArtifactException e) {
            throw e.forSource(spec.source());
        }
    }

    /**
     * Lets the HTTP client go: waits up to 5 s for exchanges still running, then cancels them.
     * Why not HttpClient.close: it waits for every exchange to end, and one whose peer went away
     * without closing the connection never does (a test run hung in it for 18 minutes).
     */
    @Override
    public void close() {
        http.shutdown();
        try {
            if (!http.awaitTermination(java.time.Duration.ofSeconds(5))) {
                http.shutdownNow();
            }
        } catch (InterruptedException e) {
            http.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static Consumer<ArtifactEvent> serialized(Consumer<ArtifactEvent> events) {
        Object lock = new Object();
        return e -> {
            synchronized (lock) {
                events.accept(e);
            }
        };
    }

    private static Path realTaskDir(Path taskDir) throws InvalidArtifactException {
        try {
            return taskDir.toRealPath();
        } catch (IOException e) {
            throw new InvalidArtifactException("task directory " + taskDir + " is not usable: " + e.getMessage(), e);
        }
    }

    /**
     * Staging directories left by an agent that died mid-fetch. Only one fetch runs per task
     * directory at a time (the task runner's prestart), so any that exist now are stale.
     */
    private static void removeStaleStaging(Path root) throws DownloadException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, STAGING_PREFIX + "*")) {
            for (Path p : ds) {
                SafeTree.deleteTree(p);
            }
        } catch (IOException e) {
            throw ioFailure(e);
        }
    }

    private static ArtifactException asArtifactException(Throwable t) {
        return switch (t) {
            case ArtifactException ae -> ae;
            case IOException io -> ioFailure(io);
            default -> new DownloadException("internal error: " + t, t);
        };
    }

    private static DownloadException ioFailure(IOException e) {
        String m = e instanceof FileSystemException fse
                ? fse.getFile() + ": " + (fse.getReason() == null ? e.getClass().getSimpleName() : fse.getReason())
                : String.valueOf(e.getMessage());
        return new DownloadException("I/O error: " + m, e);
    }

    // ---- one artifact ----

    private FetchedArtifact fetchOne(ArtifactSpec spec, Path root, TaskUser owner, Consumer<ArtifactEvent> events,
            ReentrantLock placing) throws ArtifactException, InterruptedException {
        try {
            SourceUrl src = SourceUrl.parse(spec.source(), spec.options(), config.allowLocalSources());
            String destRel = destination(spec, src);
            if (src.checksum() != null && (spec.mode() == Mode.DIR || src.kind() == SourceUrl.Kind.GIT)) {
                throw new InvalidArtifactException("checksum cannot be specified for directory download");
            }
            Path staging = Files.createTempDirectory(root, STAGING_PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                FetchedArtifact result = switch (src.kind()) {
                    case GIT -> fetchGit(spec, src, root, destRel, staging, owner, placing);
                    case FILE -> Files.isDirectory(src.localPath())
                            ? fetchLocalDirectory(spec, src, root, destRel, staging, owner, placing)
                            : fetchFile(spec, src, root, destRel, staging, owner, events, placing);
                    case HTTP -> fetchFile(spec, src, root, destRel, staging, owner, events, placing);
                };
                events.accept(new ArtifactEvent.Fetched(spec.source(), result.destination(), result.bytes(),
                        result.fromCache()));
                return result;
            } finally {
                SafeTree.deleteTree(staging);
            }
        } catch (IOException e) {
            throw ioFailure(e);
        }
    }

    /** The destination relative to the task directory, with Nomad's defaults. */
    private static String destination(ArtifactSpec spec, SourceUrl src) throws InvalidArtifactException {
        String d = spec.destination().replace('\\', '/');
        if (d.isBlank()) {
            d = spec.mode() == Mode.FILE ? "local/" + src.fileName() : "local/";
        }
        String rel = SourceUrl.normalizeRelative(d);
        if (rel == null) {
            throw new InvalidArtifactException("artifact destination path escapes the task directory: \"" + spec.destination() + "\"");
        }
        if (spec.mode() == Mode.FILE && rel.isEmpty()) {
            throw new InvalidArtifactException("destination \"" + spec.destination() + "\" must name a file for mode \"file\"");
        }
        return rel;
    }

    private FetchedArtifact fetchGit(ArtifactSpec spec, SourceUrl src, Path root, String destRel, Path staging,
            TaskUser owner, ReentrantLock placing) throws ArtifactException, IOException, InterruptedException {
        if (spec.mode() == Mode.FILE) {
            throw new InvalidArtifactException("git sources download a directory; mode \"file\" cannot be used with them");
        }
        Path repo = staging.resolve("repo");
        Path scratch = Files.createDirectory(staging.resolve("scratch"));
        git.fetch(src, repo, scratch);
        Path content = repo;
        if (src.subdir() != null) {
            content = repo;
            for (String seg : src.subdir().split("/")) {
                content = content.resolve(seg);
                BasicFileAttributes a = SafeTree.attrs(content);
                if (a == null || !a.isDirectory()) {
                    throw new DownloadException("error downloading '" + src.display() + "': subdirectory "
                            + src.subdir() + " not found in the repository (or not a directory)");
                }
            }
        }
        Path dest = placeTree(content, root, destRel, spec, owner, placing);
        return new FetchedArtifact(spec, spec.identity(), dest, 0, false);
    }

    private FetchedArtifact fetchLocalDirectory(ArtifactSpec spec, SourceUrl src, Path root, String destRel,
            Path staging, TaskUser owner, ReentrantLock placing) throws ArtifactException, IOException {
        if (spec.mode() == Mode.FILE) {
            throw new InvalidArtifactException("source " + src.localPath() + " is a directory; mode \"file\" needs a file");
        }
        Path out = staging.resolve("out");
        SafeTree.copyTree(src.localPath(), out);
        Path dest = placeTree(out, root, destRel, spec, owner, placing);
        return new FetchedArtifact(spec, spec.identity(), dest, 0, false);
    }

    private FetchedArtifact fetchFile(ArtifactSpec spec, SourceUrl src, Path root, String destRel, Path staging,
            TaskUser owner, Consumer<ArtifactEvent> events, ReentrantLock placing)
            throws ArtifactException, IOException, InterruptedException {
        ArchiveType archive = src.archive();
        if (archive == null && spec.mode() == Mode.DIR) {
            throw new InvalidArtifactException("source is a single file and mode is \"dir\"; use mode \"any\" or \"file\", "
                    + "or an archive (options { archive = \"tar.gz\" } forces one)");
        }
        if (archive != null && archive.singleFile && spec.mode() == Mode.DIR) {
            throw new InvalidArtifactException(archive.names.getFirst()
                    + "-compressed files can only unarchive to a single file");
        }
        if (src.fileName().isEmpty() && spec.mode() != Mode.FILE && (archive == null || archive.singleFile)) {
            throw new InvalidArtifactException("cannot tell a file name from source \"" + spec.source()
                    + "\"; add options { filename = \"...\" } or use mode \"file\"");
        }
        // Where a plain file ends up, relative to the task directory (also the checksum message's path).
        String fileRel = spec.mode() == Mode.FILE ? destRel
                : join(destRel, archive != null && archive.singleFile ? archive.stripExtension(src.fileName()) : src.fileName());
        Checksum.Fixed expected = resolveChecksum(src, staging, fileRel);

        if (expected != null && archive == null) {
            Path existing = existingFile(root, fileRel);
            if (existing != null && expected.hex().equals(hashFile(existing, expected.algorithm()))) {
                return new FetchedArtifact(spec, spec.identity(), existing, 0, true);
            }
        }

        ArtifactCache.Lease lease = null;
        try {
            Path raw;
            long bytes;
            boolean fromCache;
            if (cache != null && (expected != null || src.kind() == SourceUrl.Kind.HTTP)) {
                lease = cache.get(cacheKey(src, spec, expected), expected == null,
                        (tmp, validators) -> {
                            Checksum.Algorithm extra = expected == null ? null : expected.algorithm();
                            Transfer t = transfer(src, spec, tmp, extra, validators, events);
                            if (t.notModified) {
                                return new ArtifactCache.Loaded(true, null, 0, null, null);
                            }
                            verify(expected, t, fileRel);
                            return new ArtifactCache.Loaded(false, t.sha256, t.bytes, t.etag, t.lastModified);
                        });
                raw = lease.blob;
                bytes = lease.downloadedBytes;
                fromCache = lease.hit;
            } else {
                raw = staging.resolve("download");
                Transfer t = transfer(src, spec, raw, expected == null ? null : expected.algorithm(), null, events);
                verify(expected, t, fileRel);
                bytes = t.bytes;
                fromCache = false;
            }

            Path out = Files.createDirectory(staging.resolve("out"));
            if (archive == null) {
                Path file = out.resolve(spec.mode() == Mode.FILE ? "file" : src.fileName());
                stageFile(raw, file, lease != null, spec, owner);
                Path dest = placeFile(file, root, fileRel, spec, owner, placing);
                return new FetchedArtifact(spec, spec.identity(), dest, bytes, fromCache);
            }
            if (archive.singleFile) {
                Path file = out.resolve("file");
                extractor.extractSingle(archive, raw, file);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                Path dest = placeFile(file, root, fileRel, spec, owner, placing);
                return new FetchedArtifact(spec, spec.identity(), dest, bytes, fromCache);
            }
            extractor.extractTree(archive, raw, out);
            if (isEmpty(out)) {
                throw new DownloadException("empty archive: " + src.display());
            }
            if (spec.mode() == Mode.FILE) {
                Path only = singleRegularFile(out, src.display());
                Path dest = placeFile(only, root, destRel, spec, owner, placing);
                return new FetchedArtifact(spec, spec.identity(), dest, bytes, fromCache);
            }
            Path dest = placeTree(out, root, destRel, spec, owner, placing);
            return new FetchedArtifact(spec, spec.identity(), dest, bytes, fromCache);
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** Bytes moved into a file, with its digests. */
    private record Transfer(long bytes, String sha256, String extraHex, Checksum.Algorithm extra, boolean notModified,
            String etag, String lastModified) {
    }

    private Transfer transfer(SourceUrl src, ArtifactSpec spec, Path target, Checksum.Algorithm extra,
            HttpDownloader.Validators validators, Consumer<ArtifactEvent> events)
            throws ArtifactException, IOException, InterruptedException {
        Set<Checksum.Algorithm> algorithms = EnumSet.of(Checksum.Algorithm.SHA256);
        if (extra != null) {
            algorithms.add(extra);
        }
        if (src.kind() == SourceUrl.Kind.FILE) {
            Map<Checksum.Algorithm, MessageDigest> mds = new TreeMap<>();
            for (Checksum.Algorithm a : algorithms) {
                mds.put(a, a.newDigest());
            }
            long n = 0;
            try (InputStream in = Files.newInputStream(src.localPath()); OutputStream out = Files.newOutputStream(target)) {
                byte[] buf = new byte[64 * 1024];
                int r;
                while ((r = in.read(buf)) > 0) {
                    for (MessageDigest md : mds.values()) {
                        md.update(buf, 0, r);
                    }
                    out.write(buf, 0, r);
                    n += r;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new DownloadException("error downloading '" + src.display() + "': no such file: " + src.localPath());
            }
            String sha = Checksum.hex(mds.get(Checksum.Algorithm.SHA256).digest());
            String extraHex = extra == null ? null
                    : extra == Checksum.Algorithm.SHA256 ? sha : Checksum.hex(mds.get(extra).digest());
            return new Transfer(n, sha, extraHex, extra, false, null, null);
        }
        HttpDownloader.Result r = downloader.download(src.uri(), src.userInfo(), src.display(), spec.headers(), target,
                algorithms, validators, (bytes, total) -> events.accept(new ArtifactEvent.Progress(spec.source(), bytes, total)));
        if (r.notModified()) {
            return new Transfer(0, null, null, extra, true, r.etag(), r.lastModified());
        }
        return new Transfer(r.bytes(), r.digests().get(Checksum.Algorithm.SHA256),
                extra == null ? null : r.digests().get(extra), extra, false, r.etag(), r.lastModified());
    }

    private static void verify(Checksum.Fixed expected, Transfer t, String fileRel) throws ChecksumMismatchException {
        if (expected != null && !expected.hex().equals(t.extraHex())) {
            throw new ChecksumMismatchException(fileRel, expected.algorithm().optionName, expected.hex(), t.extraHex());
        }
    }

    private Checksum.Fixed resolveChecksum(SourceUrl src, Path staging, String fileRel)
            throws ArtifactException, IOException, InterruptedException {
        return switch (src.checksum()) {
            case null -> null;
            case Checksum.Fixed f -> f;
            case Checksum.FromFile ff -> {
                SourceUrl sumSrc;
                try {
                    sumSrc = SourceUrl.parse(ff.url(), Map.of("archive", "false"), config.allowLocalSources());
                } catch (ArtifactException e) {
                    throw new InvalidArtifactException("Error downloading checksum file: " + e.reason(), e);
                }
                Path scratch = staging.resolve("checksum-file");
                byte[] content;
                try {
                    if (sumSrc.kind() == SourceUrl.Kind.FILE) {
                        content = Files.readAllBytes(sumSrc.localPath());
                    } else if (sumSrc.kind() == SourceUrl.Kind.HTTP) {
                        content = downloader.fetchSmall(sumSrc.uri(), sumSrc.userInfo(), sumSrc.display(), Map.of(), scratch);
                    } else {
                        throw new InvalidArtifactException("Error downloading checksum file: git sources cannot hold checksums");
                    }
                } catch (DownloadException e) {
                    throw new DownloadException("Error downloading checksum file: " + e.reason(), e);
                }
                String path = src.uri() != null ? src.uri().getPath() : src.localPath().toString();
                List<String> names = new ArrayList<>(List.of(src.fileName(), path));
                String sumDir = sumSrc.uri() != null ? URI.create(sumSrc.uri().toString()).getPath()
                        : sumSrc.localPath().toString();
                int slash = sumDir.lastIndexOf('/');
                String dir = slash < 0 ? "" : sumDir.substring(0, slash + 1);
                if (path.startsWith(dir)) {
                    names.add(path.substring(dir.length()));
                    names.add("./" + path.substring(dir.length()));
                }
                yield Checksum.findInFile(new String(content, java.nio.charset.StandardCharsets.UTF_8), names)
                        .orElseThrow(() -> new InvalidArtifactException("no checksum found in: " + ff.url()));
            }
        };
    }

    private static String cacheKey(SourceUrl src, ArtifactSpec spec, Checksum.Fixed expected) {
        String url = src.uri() != null ? src.uri().toString() : "file://" + src.localPath();
        StringBuilder credentials = new StringBuilder();
        new TreeMap<>(spec.headers()).forEach((k, v) -> credentials.append(k).append('\n').append(v).append('\n'));
        if (src.userInfo() != null) {
            credentials.append("userinfo\n").append(src.userInfo());
        }
        String cred = credentials.isEmpty() ? "" : "|cred:" + ArtifactCache.sha256(credentials.toString());
        if (expected == null) {
            return "url:" + url + cred;
        }
        String key = "sum:" + expected.algorithm().optionName + ":" + expected.hex() + cred;
        return expected.algorithm().collisionResistant() ? key : key + "|url:" + url;
    }

    /** A regular file at {@code rel} reached without links, or null. */
    private static Path existingFile(Path root, String rel) throws IOException {
        Path p = root;
        String[] segs = rel.split("/");
        for (int i = 0; i < segs.length; i++) {
            p = p.resolve(segs[i]);
            BasicFileAttributes a = SafeTree.attrs(p);
            boolean last = i == segs.length - 1;
            if (a == null || a.isSymbolicLink() || (last ? !a.isRegularFile() : !a.isDirectory())) {
                return null;
            }
        }
        return p;
    }

    private static String hashFile(Path p, Checksum.Algorithm a) throws IOException {
        MessageDigest md = a.newDigest();
        try (InputStream in = Files.newInputStream(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
            }
        }
        return Checksum.hex(md.digest());
    }

    /**
     * Puts the downloaded bytes at {@code file}: the staging file itself, or from the cache a hard
     * link (only when the task can not write it: not root, not the blob's owner, no chown) else a copy.
     */
    private static void stageFile(Path raw, Path file, boolean fromCacheBlob, ArtifactSpec spec, TaskUser owner)
            throws IOException {
        if (!fromCacheBlob) {
            Files.move(raw, file);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            return;
        }
        // The task must not be able to write the shared blob: not root, not the blob's owner.
        if (!spec.chown() && owner != null && !owner.isRoot()
                && !Integer.valueOf(owner.uid()).equals(Files.getAttribute(raw, "unix:uid"))) {
            try {
                Files.createLink(file, raw);
                return;
            } catch (IOException | UnsupportedOperationException crossDeviceOrRefused) {
                // Different file systems or hard links not allowed: copy instead.
            }
        }
        Files.copy(raw, file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private Path placeTree(Path staged, Path root, String destRel, ArtifactSpec spec, TaskUser owner,
            ReentrantLock placing) throws ArtifactException, IOException {
        SafeTree.verify(staged);
        if (spec.chown() && owner != null) {
            SafeTree.chown(staged, owner);
        }
        placing.lock();
        try {
            List<Path> created = new ArrayList<>();
            Path dest = SafeTree.ensureDirectories(root, destRel, destinationLabel(spec), created);
            chownCreated(created, spec, owner);
            SafeTree.moveContents(staged, dest, root, destinationLabel(spec));
            return dest;
        } finally {
            placing.unlock();
        }
    }

    private Path placeFile(Path staged, Path root, String fileRel, ArtifactSpec spec, TaskUser owner,
            ReentrantLock placing) throws ArtifactException, IOException {
        if (spec.chown() && owner != null) {
            SafeTree.chown(staged, owner);
        }
        int slash = fileRel.lastIndexOf('/');
        placing.lock();
        try {
            List<Path> created = new ArrayList<>();
            Path parent = SafeTree.ensureDirectories(root, slash < 0 ? "" : fileRel.substring(0, slash),
                    destinationLabel(spec), created);
            chownCreated(created, spec, owner);
            Path target = parent.resolve(fileRel.substring(slash + 1));
            SafeTree.moveEntry(staged, target, root, destinationLabel(spec));
            return target;
        } finally {
            placing.unlock();
        }
    }

    private static void chownCreated(List<Path> created, ArtifactSpec spec, TaskUser owner) throws IOException {
        if (spec.chown() && owner != null) {
            for (Path d : created) {
                SafeTree.chown(d, owner);
            }
        }
    }

    private static String destinationLabel(ArtifactSpec spec) {
        return "artifact destination \"" + (spec.destination().isBlank() ? "local/" : spec.destination()) + "\"";
    }

    private static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        }
    }

    private static Path singleRegularFile(Path out, String display) throws IOException, DownloadException {
        List<Path> files = new ArrayList<>();
        try (var walk = Files.walk(out)) {
            walk.filter(p -> !p.equals(out)).forEach(files::add);
        }
        List<Path> regular = files.stream().filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
        if (regular.size() != 1 || files.stream().anyMatch(p -> Files.isSymbolicLink(p))) {
            throw new DownloadException("expected a single file: " + display);
        }
        return regular.getFirst();
    }
}
