package dev.corral.plugin;

import dev.corral.plugin.proto.goplugin.Empty;
import dev.corral.plugin.proto.goplugin.GRPCControllerGrpc;
import dev.corral.plugin.proto.goplugin.GRPCStdioGrpc;
import dev.corral.plugin.proto.goplugin.StdioData;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code corral plugin}: Corral's exec driver as an external Nomad task-driver plugin, speaking
 * HashiCorp go-plugin's gRPC protocol on a unix socket (reference: nomad-plugin-protocol.md).
 *
 * <p>Lifecycle: check the magic cookie, listen on {@code <private temp dir>/plugin.sock}, print the
 * handshake line, serve until {@code GRPCController/Shutdown} (or a signal). Tasks are never
 * stopped on exit: Nomad recovers them in the next plugin process.
 */
public final class PluginServer implements AutoCloseable {
    /** The driver name jobs use ({@code driver = "corral"}); not "exec", so Nomad's built-in stays. */
    public static final String NAME = "corral";
    /** Semver of this plugin, as PluginInfo reports it. */
    public static final String VERSION = "0.1.0";
    /** The health service name go-plugin checks. */
    static final String HEALTH_SERVICE = "plugin";

    private final Path socketDir;
    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService executor;
    private final HclogWriter log;
    private final DriverHolder holder;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

    private PluginServer(Path socketDir, HclogWriter log, Map<String, String> env) throws IOException {
        this.socketDir = socketDir;
        this.socket = socketDir.resolve("plugin.sock");
        this.log = log;
        this.holder = new DriverHolder(log);
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(HEALTH_SERVICE, io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                // go-plugin's client sends up to MaxInt32; big task envs must fit.
                .maxInboundMessageSize(64 * 1024 * 1024)
                .addService(new BasePluginService(holder, log))
                .addService(new DriverService(holder, log))
                .addService(new ControllerService())
                .addService(new StdioService())
                .addService(health.getHealthService())
                .build();
        server.start();
        restrictSocket(env);
    }

    /**
     * Starts a server listening in a fresh private directory under {@code PLUGIN_UNIX_SOCKET_DIR}
     * (or the temp dir). The handshake line is {@link #handshakeLine()}.
     */
    public static PluginServer start(Map<String, String> env, HclogWriter log) throws IOException {
        Path parent = Path.of(Optional.ofNullable(env.get("PLUGIN_UNIX_SOCKET_DIR")).filter(s -> !s.isEmpty())
                .orElse(System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(parent, "corral-plugin",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            return new PluginServer(dir, log, env);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    /** The socket the server listens on. */
    public Path socket() {
        return socket;
    }

    public String handshakeLine() {
        return Handshake.line(Handshake.APP_PROTOCOL_VERSION, socket);
    }

    /** Blocks until the server has been shut down. */
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /** Stops serving (open streams are cancelled) and removes the socket; tasks keep running. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        server.shutdown();
        try {
            // Let in-flight replies (the Shutdown answer itself) flush; open streams never end by themselves.
            if (!server.awaitTermination(200, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        executor.shutdownNow();
        holder.close(); // lets the driver's spare sandboxes and pooled cgroups go; tasks keep running
        deleteQuietly(socketDir);
        stopped.countDown();
    }

    /**
     * The {@code corral plugin} command: returns the process exit code. Prints nothing on
     * {@code stdout} but the handshake line; logs go to {@code stderr} as hclog JSON.
     */
    public static int run(Map<String, String> env, PrintStream stdout, PrintStream stderr) {
        // msgpack-core must not touch sun.misc.Unsafe (a JDK 25 warning on stderr); set before its first use.
        System.setProperty("msgpack.universal-buffer", "true");
        Optional<String> cookieProblem = Handshake.checkCookie(env);
        if (cookieProblem.isPresent()) {
            stderr.print(cookieProblem.get());
            stderr.flush();
            return 1;
        }
        HclogWriter log = new HclogWriter(stderr, NAME, Clock.systemUTC());
        int version;
        try {
            version = Handshake.negotiateVersion(env);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage());
            return 1;
        }
        routeLibraryLogs(log);
        ignoreSigint(log);
        if (!io.netty.channel.epoll.Epoll.isAvailable()) {
            // No TCP fallback on purpose: a loopback port would let any local user start tasks as root.
            log.error("cannot serve on a unix socket: Netty's native epoll transport did not load; if the temp dir is "
                    + "mounted noexec, point -Dio.netty.native.workdir at a directory that allows exec",
                    "error", String.valueOf(io.netty.channel.epoll.Epoll.unavailabilityCause()));
            return 1;
        }
        PluginServer server;
        try {
            server = start(env, log);
        } catch (IOException | UncheckedIOException e) {
            log.error("cannot listen on a unix socket", "error", e.toString());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "plugin-shutdown"));
        stdout.println(Handshake.line(version, server.socket()));
        stdout.flush();
        log.info("plugin serving", "socket", server.socket(), "version", VERSION);
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("plugin stopped");
        return 0;
    }

    /**
     * True when Nomad (go-plugin) started this process: the CLI then runs {@link #run} whatever
     * its arguments, which are the {@code plugin} block's {@code args}.
     */
    public static boolean launchedByNomad(Map<String, String> env) {
        return Handshake.MAGIC_COOKIE_VALUE.equals(env.get(Handshake.MAGIC_COOKIE_KEY));
    }

    /** Entry point for {@code java -cp ... dev.corral.plugin.PluginServer} (the CLI calls {@link #run}). */
    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err));
    }

    /** grpc-java logs through JUL and Netty would pick slf4j; keep both off stdout, as hclog on stderr. */
    private static void routeLibraryLogs(HclogWriter log) {
        // Before anything touches LoggerFactory: pick our provider explicitly, skipping discovery.
        System.setProperty("slf4j.provider", HclogSlf4jProvider.class.getName());
        System.setProperty("slf4j.internal.verbosity", "WARN"); // else slf4j reports the choice on stderr
        HclogSlf4jProvider.install(log, org.slf4j.event.Level.INFO);
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
        java.util.logging.Logger root = java.util.logging.LogManager.getLogManager().getLogger("");
        for (java.util.logging.Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(log.julHandler());
        // Netty warns that domain sockets lack SO_KEEPALIVE; harmless.
        java.util.logging.Logger.getLogger("io.netty.bootstrap").setLevel(java.util.logging.Level.SEVERE);
    }

    /**
     * Ctrl-C on a foreground agent reaches the whole process group; like a Go plugin, ignore it.
     * A handler, not SIG_IGN: an ignored SIGINT would survive exec into every sandbox and task,
     * and StopTask's default signal would then do nothing.
     */
    private static void ignoreSigint(HclogWriter log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> log.debug("ignoring SIGINT; Nomad stops plugins itself"));
        } catch (IllegalArgumentException e) {
            log.warn("cannot ignore SIGINT", "error", e.getMessage());
        }
    }

    private void restrictSocket(Map<String, String> env) throws IOException {
        String group = env.getOrDefault("PLUGIN_UNIX_SOCKET_GROUP", "");
        if (group.isEmpty()) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return;
        }
        GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        for (Path p : new Path[] {socketDir, socket}) {
            Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(principal);
        }
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the directory is private and in the temp dir
        }
    }

    /** {@code plugin.GRPCController/Shutdown}: reply, then stop serving; the JVM exits, tasks stay. */
    private final class ControllerService extends GRPCControllerGrpc.GRPCControllerImplBase {
        @Override
        public void shutdown(Empty request, StreamObserver<Empty> out) {
            log.info("shutdown requested by the host; tasks keep running");
            out.onNext(Empty.getDefaultInstance());
            out.onCompleted();
            Thread.ofPlatform().name("plugin-controller-shutdown").start(PluginServer.this::close);
        }
    }

    /** {@code plugin.GRPCStdio/StreamStdio}: Nomad opens it on connect and discards the data; we send none. */
    private static final class StdioService extends GRPCStdioGrpc.GRPCStdioImplBase {
        @Override
        public void streamStdio(com.google.protobuf.Empty request, StreamObserver<StdioData> out) {
            ((ServerCallStreamObserver<StdioData>) out).setOnCancelHandler(() -> {});
        }
    }
}
