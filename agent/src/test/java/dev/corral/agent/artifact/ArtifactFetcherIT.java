package dev.corral.agent.artifact;

import static dev.corral.agent.artifact.TestArchives.Entry.charDevice;
import static dev.corral.agent.artifact.TestArchives.Entry.dir;
import static dev.corral.agent.artifact.TestArchives.Entry.fifo;
import static dev.corral.agent.artifact.TestArchives.Entry.file;
import static dev.corral.agent.artifact.TestArchives.Entry.hardlink;
import static dev.corral.agent.artifact.TestArchives.Entry.symlink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.corral.agent.artifact.ArtifactSpec.Mode;
import dev.corral.agent.artifact.TestArchives.Entry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** End to end: a real HTTP server on loopback, real archives, a real task directory. */
class ArtifactFetcherIT {
    private static final TaskUser NOBODY = new TaskUser("nobody", 65534, 65534);

    @TempDir
    Path base;
    Path task;
    Path outside;
    TestHttpServer server;
    final List<ArtifactEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        task = Files.createDirectories(base.resolve("task/local")).getParent();
        outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "host file");
        server = new TestHttpServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        for (AutoCloseable c : closeLater) {
            c.close();
        }
    }

    private ArtifactConfig.Builder config() {
        return ArtifactConfig.builder().httpRetries(2).httpRetryBackoff(Duration.ofMillis(10))
                .httpConnectTimeout(Duration.ofSeconds(5)).httpReadTimeout(Duration.ofSeconds(20));
    }

    private ArtifactFetcher fetcher(ArtifactConfig cfg) throws IOException {
        ArtifactFetcher f = new ArtifactFetcher(cfg);
        closeLater.add(f);
        return f;
    }

    private List<FetchedArtifact> fetch(ArtifactConfig cfg, ArtifactSpec... specs) throws Exception {
        return fetcher(cfg).fetchAll(List.of(specs), task, NOBODY, events::add);
    }

    private <T extends ArtifactException> T failure(Class<T> type, ArtifactConfig cfg, ArtifactSpec... specs) {
        return catchThrowableOfType(type, () -> fetch(cfg, specs));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Every path under base with its type and link target: the whole filesystem the test can touch. */
    private TreeSet<String> snapshot() throws IOException {
        TreeSet<String> s = new TreeSet<>();
        try (Stream<Path> w = Files.walk(base)) {
            for (Path p : (Iterable<Path>) w::iterator) {
                String rel = base.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    s.add(rel + " -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    s.add(rel + "/");
                } else {
                    s.add(rel + " [" + Files.size(p) + "]");
                }
            }
        }
        return s;
    }

    private static List<Entry> app() {
        return List.of(dir("app"), file("app/run.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 0755),
                file("app/conf/app.conf", "port = 8080\n"), symlink("app/current", "run.sh"));
    }

    // ---- sources and unpacking ----

    @Test
    void plainFile_withChecksum_landsInLocalUnderItsName() throws Exception {
        // The seed's example: a binary with options { checksum = "sha256:..." }.
        server.serve("/dl/name-of-my-binary", "ELF...".getBytes());
        List<FetchedArtifact> r = fetch(config().build(), ArtifactSpec.of(server.url("/dl/name-of-my-binary"))
                .withOptions(Map.of("checksum", "sha256:" + sha256("ELF...".getBytes()))));
        Path f = task.resolve("local/name-of-my-binary");
        assertThat(Files.readString(f)).isEqualTo("ELF...");
        assertThat(r.getFirst().destination()).isEqualTo(f.toRealPath());
        assertThat(events.getFirst()).isInstanceOf(ArtifactEvent.Downloading.class);
        assertThat(events.getFirst().taskEventType()).contains("Downloading Artifacts");
        assertThat(events.getFirst().displayMessage()).isEqualTo("Client is downloading artifacts");
        assertThat(events).hasAtLeastOneElementOfType(ArtifactEvent.Fetched.class)
                .noneMatch(e -> e instanceof ArtifactEvent.Failed)
                .contains(new ArtifactEvent.Progress(server.url("/dl/name-of-my-binary"), 6, 6));
        try (Stream<Path> s = Files.list(task)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("local");
        }
    }

    static Stream<Arguments> archiveTypes() {
        return Stream.of(
                Arguments.of("tar", TestArchives.tar(app())),
                Arguments.of("tar.gz", TestArchives.tarGz(app())),
                Arguments.of("tgz", TestArchives.tarGz(app())),
                Arguments.of("tar.bz2", TestArchives.tarBz2(app())),
                Arguments.of("tbz2", TestArchives.tarBz2(app())),
                Arguments.of("tar.xz", TestArchives.tarXz(app())),
                Arguments.of("txz", TestArchives.tarXz(app())),
                Arguments.of("zip", TestArchives.zip(app())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("archiveTypes")
    void eachArchiveType_unpacksFilesModesAndLinks(String ext, byte[] archive) throws Exception {
        server.serve("/app." + ext, archive);
        fetch(config().build(), ArtifactSpec.of(server.url("/app." + ext)));
        Path app = task.resolve("local/app");
        assertThat(Files.readString(app.resolve("conf/app.conf"))).isEqualTo("port = 8080\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(app.resolve("run.sh"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(Files.readSymbolicLink(app.resolve("current")).toString()).isEqualTo("run.sh");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gz", "bz2", "xz"})
    void singleFileCompression_unpacksToOneFile(String ext) throws Exception {
        server.serve("/data.txt." + ext, TestArchives.compress(ext, "payload\n".getBytes()));
        fetch(config().build(), ArtifactSpec.of(server.url("/data.txt." + ext)),
                ArtifactSpec.of(server.url("/data.txt." + ext)).withMode(Mode.FILE).withDestination("local/renamed"));
        assertThat(Files.readString(task.resolve("local/data.txt"))).isEqualTo("payload\n");
        assertThat(Files.readString(task.resolve("local/renamed"))).isEqualTo("payload\n");
    }

    @Test
    void archiveOption_forcesOrDisablesUnpacking() throws Exception {
        byte[] tgz = TestArchives.tarGz(app());
        server.serve("/blob", tgz).serve("/keep.tgz", tgz);
        fetch(config().build(),
                ArtifactSpec.of(server.url("/blob")).withOptions(Map.of("archive", "tgz")).withDestination("local/x"),
                ArtifactSpec.of(server.url("/keep.tgz")).withOptions(Map.of("archive", "false")));
        assertThat(task.resolve("local/x/app/run.sh")).isRegularFile();
        assertThat(Files.readAllBytes(task.resolve("local/keep.tgz"))).isEqualTo(tgz);
    }

    @Test
    void modeFile_archiveWithSeveralFiles_isRefused() throws Exception {
        server.serve("/app.tgz", TestArchives.tarGz(app()));
        DownloadException e = failure(DownloadException.class, config().build(),
                ArtifactSpec.of(server.url("/app.tgz")).withMode(Mode.FILE));
        assertThat(e.reason()).isEqualTo("expected a single file: " + server.url("/app.tgz"));
    }

    @Test
    void headersAndBasicAuth_areSent() throws Exception {
        server.route("/private", (ex, n) -> {
            boolean ok = "t0k".equals(ex.getRequestHeaders().getFirst("X-Token"))
                    && "Basic YWxpY2U6cyNjcmV0".equals(ex.getRequestHeaders().getFirst("Authorization"));
            TestHttpServer.send(ex, ok ? 200 : 403, ok ? "secret".getBytes() : new byte[0]);
        });
        String url = server.url("/private").replace("http://", "http://alice:s%23cret@");
        fetch(config().build(), ArtifactSpec.of(url).withHeaders(Map.of("X-Token", "t0k")));
        assertThat(Files.readString(task.resolve("local/private"))).isEqualTo("secret");
    }

    @Test
    void redirect_isFollowed() throws Exception {
        server.serve("/new/tool", "v2".getBytes()).route("/old/tool", (ex, n) -> {
            ex.getResponseHeaders().add("Location", "/new/tool");
            TestHttpServer.send(ex, 302, new byte[0]);
        });
        fetch(config().build(), ArtifactSpec.of(server.url("/old/tool")));
        assertThat(Files.readString(task.resolve("local/tool"))).isEqualTo("v2");
        assertThat(server.count("/new/tool")).isEqualTo(1);
    }

    // ---- failures and retries ----

    @Test
    void notFound_isNotRetriedAndReportedInNomadsShape() throws Exception {
        String url = server.url("/missing.tgz");
        DownloadException e = failure(DownloadException.class, config().build(), ArtifactSpec.of(url));
        assertThat(e).hasMessage("failed to download artifact \"" + url + "\": error downloading '" + url
                + "': bad response code: 404");
        assertThat(server.count("/missing.tgz")).isEqualTo(1);
        ArtifactEvent failed = events.getLast();
        assertThat(failed.taskEventType()).contains("Failed Artifact Download");
        assertThat(failed.displayMessage()).isEqualTo(e.getMessage());
    }

    @Test
    void serverError_thenSuccess_isRetried() throws Exception {
        server.route("/flaky", (ex, n) -> TestHttpServer.send(ex, n == 1 ? 500 : 200, n == 1 ? new byte[0] : "ok".getBytes()));
        fetch(config().build(), ArtifactSpec.of(server.url("/flaky")));
        assertThat(Files.readString(task.resolve("local/flaky"))).isEqualTo("ok");
        assertThat(server.count("/flaky")).isEqualTo(2);
    }

    @Test
    void serverErrorEveryTime_givesUpAfterRetries() throws Exception {
        server.route("/down", (ex, n) -> TestHttpServer.send(ex, 503, new byte[0]));
        DownloadException e = failure(DownloadException.class, config().build(), ArtifactSpec.of(server.url("/down")));
        assertThat(e.reason()).contains("bad response code: 503").contains("gave up after 3 attempts");
        assertThat(server.count("/down")).isEqualTo(3);
    }

    @Test
    void stallingServer_timesOutAndLeavesNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        closeLater.add(release::countDown);
        server.route("/slow", (ex, n) -> {
            ex.sendResponseHeaders(200, 1000);
            OutputStream os = ex.getResponseBody();
            os.write(new byte[10]);
            os.flush();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var before = snapshot();
        DownloadException e = failure(DownloadException.class, config().httpReadTimeout(Duration.ofSeconds(1)).build(),
                ArtifactSpec.of(server.url("/slow")));
        assertThat(e.reason()).contains("did not complete within http_read_timeout (PT1S)");
        assertThat(server.count("/slow")).isEqualTo(1);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void interrupt_cancelsDownloadPromptlyAndCleansUp() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        closeLater.add(release::countDown);
        server.route("/hang", (ex, n) -> {
            ex.sendResponseHeaders(200, 1000);
            ex.getResponseBody().write(new byte[10]);
            ex.getResponseBody().flush();
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var before = snapshot();
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        ArtifactFetcher f = fetcher(config().build());
        Thread runner = Thread.ofVirtual().start(() -> {
            try {
                f.fetchAll(List.of(ArtifactSpec.of(server.url("/hang"))), task, NOBODY, e -> { });
            } catch (Throwable e) {
                thrown.add(e);
            }
        });
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
        runner.interrupt();
        assertThat(runner.join(Duration.ofSeconds(10))).isTrue();
        assertThat(thrown).singleElement().isInstanceOf(InterruptedException.class);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void staleStagingDirectory_fromACrashedAgent_isRemoved() throws Exception {
        Path stale = Files.createDirectories(task.resolve(ArtifactFetcher.STAGING_PREFIX + "123/out"));
        Files.writeString(stale.resolve("half"), "partial");
        server.serve("/tool", "t".getBytes());
        fetch(config().build(), ArtifactSpec.of(server.url("/tool")));
        try (Stream<Path> s = Files.list(task)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("local");
        }
    }

    @Test
    void truncatedBody_isRetriedThenFailsAndLeavesNothing() throws Exception {
        server.route("/cut", (ex, n) -> {
            ex.sendResponseHeaders(200, 1000);
            ex.getResponseBody().write(new byte[500]);
            ex.getResponseBody().flush();
            // Closing the exchange short of Content-Length drops the connection.
        });
        var before = snapshot();
        DownloadException e = failure(DownloadException.class, config().build(), ArtifactSpec.of(server.url("/cut")));
        assertThat(e.reason()).contains("gave up after 3 attempts");
        assertThat(server.count("/cut")).isEqualTo(3);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void bodyOverMaxSize_isRefused() throws Exception {
        server.serve("/big", new byte[1000]);
        DownloadException e = failure(DownloadException.class, config().httpMaxSize(100).build(),
                ArtifactSpec.of(server.url("/big")));
        assertThat(e.reason()).contains("exceeds http_max_size (100 bytes)");
        assertThat(task.resolve("local/big")).doesNotExist();
    }

    // ---- checksums ----

    @Test
    void checksum_matchingForEveryAlgorithm() throws Exception {
        byte[] body = "binary".getBytes();
        server.serve("/bin", body);
        for (String algo : List.of("md5", "sha1", "sha256", "sha512")) {
            String jca = switch (algo) {
                case "md5" -> "MD5";
                case "sha1" -> "SHA-1";
                case "sha256" -> "SHA-256";
                default -> "SHA-512";
            };
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(body));
            fetch(config().build(), ArtifactSpec.of(server.url("/bin")).withDestination("local/" + algo)
                    .withOptions(Map.of("checksum", algo + ":" + hex)));
            assertThat(task.resolve("local/" + algo + "/bin")).hasBinaryContent(body);
        }
    }

    @Test
    void checksum_mismatch_failsWithNomadsWordingAndLeavesNothing() throws Exception {
        server.serve("/app.tgz", TestArchives.tarGz(app())).serve("/tool", "evil".getBytes());
        String wrong = "0".repeat(64);
        var before = snapshot();
        ChecksumMismatchException e = failure(ChecksumMismatchException.class, config().build(),
                ArtifactSpec.of(server.url("/tool")).withOptions(Map.of("checksum", "sha256:" + wrong)));
        assertThat(e.reason()).isEqualTo("Checksums did not match for local/tool.\nExpected: " + wrong + "\nGot: "
                + sha256("evil".getBytes()) + "\n*sha256.digest");
        assertThat(e.expected()).isEqualTo(wrong);
        failure(ChecksumMismatchException.class, config().build(),
                ArtifactSpec.of(server.url("/app.tgz")).withOptions(Map.of("checksum", "sha256:" + wrong)));
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void checksumFile_isFetchedAndSearchedByName() throws Exception {
        byte[] body = "release".getBytes();
        server.serve("/rel/app", body).serve("/rel/SHA256SUMS",
                (sha256("other".getBytes()) + "  other\n" + sha256(body) + " *app\n").getBytes())
                .serve("/rel/EMPTY", "\n".getBytes());
        fetch(config().build(), ArtifactSpec.of(server.url("/rel/app"))
                .withOptions(Map.of("checksum", "file:" + server.url("/rel/SHA256SUMS"))));
        assertThat(task.resolve("local/app")).hasBinaryContent(body);
        InvalidArtifactException e = failure(InvalidArtifactException.class, config().build(),
                ArtifactSpec.of(server.url("/rel/app")).withDestination("local/again")
                        .withOptions(Map.of("checksum", "file:" + server.url("/rel/EMPTY"))));
        assertThat(e.reason()).isEqualTo("no checksum found in: " + server.url("/rel/EMPTY"));
    }

    @Test
    void checksum_fileAlreadyInPlace_isNotDownloadedAgain() throws Exception {
        byte[] body = "same".getBytes();
        server.serve("/same", body);
        ArtifactSpec spec = ArtifactSpec.of(server.url("/same")).withOptions(Map.of("checksum", "sha256:" + sha256(body)));
        fetch(config().build(), spec);
        List<FetchedArtifact> again = fetch(config().build(), spec);
        assertThat(server.count("/same")).isEqualTo(1);
        assertThat(again.getFirst().fromCache()).isTrue();
    }

    // ---- local sources ----

    @Test
    void localFile_refusedByDefaultAllowedWhenConfigured() throws Exception {
        Path src = Files.writeString(base.resolve("local-src.txt"), "from disk");
        UnsupportedSourceException e = failure(UnsupportedSourceException.class, config().build(),
                ArtifactSpec.of(src.toString()));
        assertThat(e.reason()).contains("local sources are disabled").contains("allow_local_sources");
        fetch(config().allowLocalSources(true).build(), ArtifactSpec.of("file://" + src));
        assertThat(Files.readString(task.resolve("local/local-src.txt"))).isEqualTo("from disk");
        Path tree = Files.createDirectories(base.resolve("tree/sub"));
        Files.writeString(tree.resolve("f"), "deep");
        fetch(config().allowLocalSources(true).build(), ArtifactSpec.of(base.resolve("tree").toString()).withDestination("local/tree"));
        assertThat(Files.readString(task.resolve("local/tree/sub/f"))).isEqualTo("deep");
    }

    // ---- git ----

    private static void git(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.email=t@example.com", "-c", "user.name=t",
                "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void git_localBareRepository_refAndSubdir() throws Exception {
        Assumptions.assumeTrue(GitFetcher.findGit().isPresent(), "git is installed on the CI machine");
        Path bare = base.resolve("repo.git");
        Path work = Files.createDirectories(base.resolve("work"));
        git(base, "init", "--bare", bare.toString());
        git(work, "init");
        Files.createDirectories(work.resolve("conf"));
        Files.writeString(work.resolve("conf/app.conf"), "v1");
        git(work, "add", ".");
        git(work, "commit", "-m", "v1");
        git(work, "tag", "v1");
        Files.writeString(work.resolve("conf/app.conf"), "v2");
        git(work, "commit", "-am", "v2");
        git(work, "push", bare.toString(), "main", "v1");

        String src = "git::file://" + bare + "//conf";
        assertThatThrownBy(() -> fetch(config().build(), ArtifactSpec.of(src)))
                .isInstanceOf(UnsupportedSourceException.class);
        ArtifactConfig cfg = config().allowLocalSources(true).build();
        fetch(cfg, ArtifactSpec.of(src + "?ref=v1").withDestination("local/old"),
                ArtifactSpec.of(src).withDestination("local/new"),
                ArtifactSpec.of("git::file://" + bare).withDestination("local/whole"));
        assertThat(Files.readString(task.resolve("local/old/app.conf"))).isEqualTo("v1");
        assertThat(Files.readString(task.resolve("local/new/app.conf"))).isEqualTo("v2");
        assertThat(task.resolve("local/whole/.git")).isDirectory();
        DownloadException e = failure(DownloadException.class, cfg,
                ArtifactSpec.of(src + "?ref=no-such-tag").withDestination("local/bad"));
        assertThat(e.reason()).contains("no-such-tag");
        assertThat(task.resolve("local/bad")).doesNotExist();
    }

    @Test
    void git_stallingRemote_isKilledAtGitTimeout() throws Exception {
        Assumptions.assumeTrue(GitFetcher.findGit().isPresent(), "git is installed on the CI machine");
        CountDownLatch release = new CountDownLatch(1);
        closeLater.add(release::countDown);
        server.route("/slow.git/info/refs", (ex, n) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String url = server.url("/slow.git");
        var before = snapshot();
        DownloadException e = failure(DownloadException.class, config().gitTimeout(Duration.ofSeconds(1)).build(),
                ArtifactSpec.of(url));
        assertThat(e.reason()).contains("git did not finish within git_timeout (PT1S)");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(url)).orElse(false)))
                .as("git processes left behind").isEmpty();
    }

    // ---- hostile archives and destinations ----

    static Stream<Arguments> hostileArchives() {
        byte[] bombXz = TestArchives.tarXz(TestArchives.zeros("zeros", 20_000_000));
        return Stream.of(
                Arguments.of("dotdot.tgz", TestArchives.tarGz(List.of(file("../../escape.txt", "x"))),
                        UnsafeArchiveException.class, "entry contains '..': ../../escape.txt"),
                Arguments.of("absolute.tgz", TestArchives.tarGz(List.of(file("/tmp/escape.txt", "x"))),
                        UnsafeArchiveException.class, "entry has an absolute path: /tmp/escape.txt"),
                Arguments.of("symlink-etc.tgz", TestArchives.tarGz(List.of(symlink("etc", "/etc"), file("etc/cron.d/evil", "x"))),
                        UnsafeArchiveException.class, "symbolic link etc -> /etc points outside"),
                Arguments.of("symlink-up.tgz", TestArchives.tarGz(List.of(symlink("up", "../../outside"), file("up/secret", "pwned"))),
                        UnsafeArchiveException.class, "up is a symbolic link; refusing to follow it"),
                Arguments.of("symlink-up-only.tgz", TestArchives.tarGz(List.of(symlink("up", "../../outside"))),
                        UnsafeArchiveException.class, "symbolic link up -> ../../outside points outside"),
                Arguments.of("selflink.tgz", TestArchives.tarGz(List.of(symlink("b", "."), symlink("a", "b/.."))),
                        UnsafeArchiveException.class, "symbolic link a -> b/.. points outside"),
                Arguments.of("hardlink-out.tgz", TestArchives.tarGz(List.of(hardlink("passwd", "../../../../etc/passwd"))),
                        UnsafeArchiveException.class, "entry contains '..'"),
                Arguments.of("hardlink-abs.tgz", TestArchives.tarGz(List.of(hardlink("passwd", "/etc/passwd"))),
                        UnsafeArchiveException.class, "entry has an absolute path: /etc/passwd"),
                Arguments.of("hardlink-via-link.tgz", TestArchives.tarGz(List.of(symlink("e", "../../../../../.."),
                        hardlink("passwd", "e/etc/passwd"))),
                        UnsafeArchiveException.class, "does not name a regular file extracted earlier"),
                Arguments.of("chardev.tgz", TestArchives.tarGz(List.of(charDevice("null"))),
                        UnsafeArchiveException.class, "device node or FIFO"),
                Arguments.of("fifo.tgz", TestArchives.tarGz(List.of(fifo("pipe"))),
                        UnsafeArchiveException.class, "device node or FIFO"),
                Arguments.of("dotdot.zip", TestArchives.zip(List.of(file("../escape.txt", "x"))),
                        UnsafeArchiveException.class, "entry contains '..'"),
                Arguments.of("symlink.zip", TestArchives.zip(List.of(symlink("etc", "/etc"))),
                        UnsafeArchiveException.class, "points outside"),
                Arguments.of("chardev.zip", TestArchives.zip(List.of(charDevice("null"))),
                        UnsafeArchiveException.class, "device node"),
                Arguments.of("bomb.tar.xz", bombXz, ArchiveLimitException.class, "tar archive larger than limit"),
                Arguments.of("bomb.zip", TestArchives.zip(TestArchives.zeros("zeros", 20_000_000)),
                        ArchiveLimitException.class, "zip archive larger than limit"),
                Arguments.of("bomb.gz", TestArchives.compress("gz", new byte[20_000_000]),
                        ArchiveLimitException.class, "gz file larger than limit"),
                Arguments.of("many.tgz", TestArchives.tarGz(TestArchives.manyFiles(5000)),
                        ArchiveLimitException.class, "tar archive contains too many files: 4097 > 4096"),
                Arguments.of("many.zip", TestArchives.zip(TestArchives.manyFiles(5000)),
                        ArchiveLimitException.class, "zip archive contains too many files: 4097 > 4096"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileArchives")
    void hostileArchive_isRefusedAndNothingIsWritten(String name, byte[] archive,
            Class<? extends ArtifactException> type, String message) throws Exception {
        server.serve("/" + name, archive);
        var before = snapshot();
        ArtifactConfig cfg = config().decompressionSizeLimit(1_000_000).build();
        ArtifactException e = failure(type, cfg, ArtifactSpec.of(server.url("/" + name)));
        assertThat(e).isNotNull();
        assertThat(e.reason()).contains(message);
        assertThat(e.getMessage()).startsWith("failed to download artifact \"" + server.url("/" + name) + "\": ");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("host file");
    }

    @Test
    void plantedSymlinkDestination_isNotFollowed() throws Exception {
        // An earlier run of the task replaced local/ with a link to a host directory.
        Files.delete(task.resolve("local"));
        Files.createSymbolicLink(task.resolve("local"), outside);
        server.serve("/app.tgz", TestArchives.tarGz(app())).serve("/tool", "tool".getBytes());
        var before = snapshot();
        UnsafeDestinationException e = failure(UnsafeDestinationException.class, config().build(),
                ArtifactSpec.of(server.url("/app.tgz")));
        assertThat(e.reason()).contains("local is a symbolic link; refusing to follow it");
        failure(UnsafeDestinationException.class, config().build(), ArtifactSpec.of(server.url("/tool")));
        failure(UnsafeDestinationException.class, config().build(),
                ArtifactSpec.of(server.url("/tool")).withMode(Mode.FILE).withDestination("local/deeper/tool"));
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void plantedSymlinkAtFileOrNestedDirectory_isReplacedOrRefused() throws Exception {
        Files.createSymbolicLink(task.resolve("local/tool"), outside.resolve("secret"));
        Files.createSymbolicLink(task.resolve("local/app"), outside);
        server.serve("/tool", "new tool".getBytes()).serve("/app.tgz", TestArchives.tarGz(app()));
        fetch(config().build(), ArtifactSpec.of(server.url("/tool")));
        assertThat(Files.isSymbolicLink(task.resolve("local/tool"))).isFalse();
        assertThat(Files.readString(task.resolve("local/tool"))).isEqualTo("new tool");
        UnsafeDestinationException e = failure(UnsafeDestinationException.class, config().build(),
                ArtifactSpec.of(server.url("/app.tgz")));
        assertThat(e.reason()).contains("local/app is a symbolic link");
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("host file");
        try (Stream<Path> s = Files.list(outside)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret");
        }
    }

    @Test
    void destinationOutsideTaskDir_isRefused() throws Exception {
        server.serve("/tool", "x".getBytes());
        InvalidArtifactException e = failure(InvalidArtifactException.class, config().build(),
                ArtifactSpec.of(server.url("/tool")).withDestination("local/../../outside"));
        assertThat(e.reason()).contains("escapes the task directory");
        assertThat(server.count("/tool")).isZero();
    }

    // ---- parallelism, ownership ----

    @Test
    void downloads_runAtMostThreeAtATime() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        CountDownLatch firstThree = new CountDownLatch(3);
        TestHttpServer.Handler h = (ex, n) -> {
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            firstThree.countDown();
            try {
                // The first three wait for each other: proof that three run together.
                assertThat(firstThree.await(20, TimeUnit.SECONDS)).isTrue();
                TestHttpServer.send(ex, 200, ex.getRequestURI().getPath().getBytes());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                active.decrementAndGet();
            }
        };
        List<ArtifactSpec> specs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            server.route("/p" + i, h);
            specs.add(ArtifactSpec.of(server.url("/p" + i)));
        }
        fetch(config().build(), specs.toArray(ArtifactSpec[]::new));
        assertThat(maxActive.get()).isEqualTo(3);
        for (int i = 0; i < 7; i++) {
            assertThat(Files.readString(task.resolve("local/p" + i))).isEqualTo("/p" + i);
        }
    }

    @Test
    @Tag("root")
    void chown_givesEverythingToTheTaskUser() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to chown");
        server.serve("/app.tgz", TestArchives.tarGz(app())).serve("/tool", "t".getBytes());
        fetch(config().build(), ArtifactSpec.of(server.url("/app.tgz")).withChown(true).withDestination("local/new/dir"),
                ArtifactSpec.of(server.url("/tool")));
        try (Stream<Path> w = Files.walk(task.resolve("local/new"))) {
            for (Path p : (Iterable<Path>) w::iterator) {
                assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as(p.toString()).isEqualTo(65534);
                assertThat(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)).as(p.toString()).isEqualTo(65534);
            }
        }
        assertThat(Files.getAttribute(task.resolve("local/tool"), "unix:uid")).isEqualTo(0);
    }

    // ---- cache ----

    @Test
    void cache_secondTaskWithSameChecksum_makesNoRequest() throws Exception {
        byte[] body = TestArchives.tarGz(app());
        server.serve("/app.tgz", body).serve("/bin", "bin".getBytes());
        ArtifactConfig cfg = config().cacheDir(base.resolve("cache")).build();
        ArtifactFetcher f = fetcher(cfg);
        List<ArtifactSpec> specs = List.of(
                ArtifactSpec.of(server.url("/app.tgz")).withOptions(Map.of("checksum", "sha256:" + sha256(body))),
                ArtifactSpec.of(server.url("/bin")).withOptions(Map.of("checksum", "sha256:" + sha256("bin".getBytes()))));
        Path task2 = Files.createDirectories(base.resolve("task2"));
        List<FetchedArtifact> first = f.fetchAll(specs, task, NOBODY, events::add);
        List<FetchedArtifact> second = f.fetchAll(specs, task2, NOBODY, events::add);
        assertThat(server.count("/app.tgz")).isEqualTo(1);
        assertThat(server.count("/bin")).isEqualTo(1);
        assertThat(first).noneMatch(FetchedArtifact::fromCache);
        assertThat(second).allMatch(FetchedArtifact::fromCache);
        assertThat(task2.resolve("local/app/run.sh")).isRegularFile();
        assertThat(Files.readString(task2.resolve("local/bin"))).isEqualTo("bin");
        // A plain file for a non-root task is a hard link to the read-only blob.
        Object blobInode = Files.getAttribute(base.resolve("cache/blobs/" + sha256("bin".getBytes())), "unix:ino");
        assertThat(Files.getAttribute(task2.resolve("local/bin"), "unix:ino")).isEqualTo(blobInode);
        // A task that could write the blob (root, or its owner) gets a copy.
        Path task3 = Files.createDirectories(base.resolve("task3"));
        int agentUid = (Integer) Files.getAttribute(base, "unix:uid");
        f.fetchAll(specs, task3, new TaskUser("agent", agentUid, agentUid), events::add);
        assertThat(Files.getAttribute(task3.resolve("local/bin"), "unix:ino")).isNotEqualTo(blobInode);
        assertThat(server.count("/bin")).isEqualTo(1);
    }

    @Test
    void cache_concurrentTasks_downloadOnce() throws Exception {
        byte[] body = new byte[200_000];
        server.serve("/big.bin", body);
        ArtifactFetcher f = fetcher(config().cacheDir(base.resolve("cache")).build());
        ArtifactSpec spec = ArtifactSpec.of(server.url("/big.bin")).withOptions(Map.of("checksum", "sha256:" + sha256(body)));
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path t = Files.createDirectories(base.resolve("t" + i));
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    f.fetchAll(List.of(spec), t, NOBODY, e -> { });
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(server.count("/big.bin")).isEqualTo(1);
        for (int i = 0; i < 6; i++) {
            assertThat(base.resolve("t" + i + "/local/big.bin")).hasSize(200_000);
        }
    }

    @Test
    void cache_withoutChecksum_revalidatesWithEtag() throws Exception {
        byte[] body = TestArchives.tarGz(app());
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        server.route("/app.tgz", (ex, n) -> {
            boolean fresh = "\"v1\"".equals(ex.getRequestHeaders().getFirst("If-None-Match"));
            ex.getResponseHeaders().add("ETag", "\"v1\"");
            statuses.add(fresh ? 304 : 200);
            TestHttpServer.send(ex, fresh ? 304 : 200, fresh ? new byte[0] : body);
        });
        ArtifactFetcher f = fetcher(config().cacheDir(base.resolve("cache")).build());
        Path task2 = Files.createDirectories(base.resolve("task2"));
        f.fetchAll(List.of(ArtifactSpec.of(server.url("/app.tgz"))), task, NOBODY, e -> { });
        List<FetchedArtifact> second = f.fetchAll(List.of(ArtifactSpec.of(server.url("/app.tgz"))), task2, NOBODY, e -> { });
        assertThat(statuses).containsExactly(200, 304);
        assertThat(second.getFirst().fromCache()).isTrue();
        assertThat(task2.resolve("local/app/run.sh")).isRegularFile();
    }

    @Test
    void cache_withoutChecksumOrValidators_keepsNothing() throws Exception {
        server.serve("/plain", "no etag".getBytes());
        ArtifactFetcher f = fetcher(config().cacheDir(base.resolve("cache")).build());
        f.fetchAll(List.of(ArtifactSpec.of(server.url("/plain"))), task, NOBODY, e -> { });
        f.fetchAll(List.of(ArtifactSpec.of(server.url("/plain")).withDestination("local/2")), task, NOBODY, e -> { });
        assertThat(server.count("/plain")).isEqualTo(2);
        assertThat(Files.readString(task.resolve("local/2/plain"))).isEqualTo("no etag");
        for (String d : List.of("blobs", "index", "tmp")) {
            try (Stream<Path> s = Files.list(base.resolve("cache/" + d))) {
                assertThat(s).as(d).isEmpty();
            }
        }
    }

    @Test
    void cache_evictsLeastRecentlyUsedOverItsLimit() throws Exception {
        ArtifactFetcher f = fetcher(config().cacheDir(base.resolve("cache")).cacheSizeLimit(2500).build());
        List<String> sums = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] body = new byte[1000];
            body[0] = (byte) i;
            server.serve("/b" + i, body);
            sums.add(sha256(body));
            f.fetchAll(List.of(ArtifactSpec.of(server.url("/b" + i)).withOptions(Map.of("checksum", "sha256:" + sums.get(i)))),
                    task, NOBODY, e -> { });
            // Distinct LRU clocks without sleeping.
            Files.setLastModifiedTime(base.resolve("cache/blobs/" + sums.get(i)),
                    java.nio.file.attribute.FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        try (Stream<Path> s = Files.list(base.resolve("cache/blobs"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(sums.get(2), sums.get(3));
        }
    }
}
