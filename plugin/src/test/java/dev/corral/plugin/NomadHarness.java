package dev.corral.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.plugin.proto.base.BasePluginGrpc;
import dev.corral.plugin.proto.drivers.DriverGrpc;
import dev.corral.plugin.proto.goplugin.Empty;
import dev.corral.plugin.proto.goplugin.GRPCControllerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Starts the plugin the way go-plugin v1.6 does for Nomad 1.6 (reference §1, §7a): a child
 * process with the agent's environment plus the cookie and port/version variables, the first
 * stdout line parsed as the handshake, stderr read as hclog JSON, plaintext HTTP/2 over the
 * unix socket, and a kill that tries GRPCController/Shutdown, waits 2 s, then SIGKILLs.
 */
final class NomadHarness implements AutoCloseable {
    /** go-plugin's timestamp layout {@code 2006-01-02T15:04:05.000000Z07:00}. */
    static final Pattern HCLOG_TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}(Z|[+-]\\d\\d:\\d\\d)");

    final Process process;
    final Path socket;
    final String handshake;
    volatile ManagedChannel channel;
    final List<JsonNode> logs;
    final List<String> badLogLines;
    final List<String> laterStdout = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group;

    private NomadHarness(Process process, Path socket, String handshake, List<JsonNode> logs, List<String> badLogLines) {
        this.logs = logs;
        this.badLogLines = badLogLines;
        this.process = process;
        this.socket = socket;
        this.handshake = handshake;
        this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.channel = dial();
    }

    private ManagedChannel dial() {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .build();
    }

    /** Nomad's reattach after an agent crash: drop the connection, dial the same socket again. */
    void reattach() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        channel = dial();
    }

    /** The child's command: this JVM's java and test classpath, running {@link PluginServer#main}. */
    static List<String> pluginCommand(String... jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java));
        cmd.addAll(List.of(jvmOptions));
        String jar = System.getProperty("corral.plugin.jar", "");
        if (jar.endsWith(".jar")) {
            // The shipped CLI jar, as the documented plugin_dir wrapper runs it: `corral plugin`.
            cmd.addAll(List.of("-Xlog:disable", "-Xlog:all=error:stderr", "-jar", Path.of(jar).toAbsolutePath().toString(), "plugin"));
            return cmd;
        }
        // What the shaded jar's manifest (Enable-Native-Access) gives bin/corral.
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), PluginServer.class.getName()));
        return cmd;
    }

    static ProcessBuilder nomadLike(Map<String, String> extraEnv) {
        ProcessBuilder pb = new ProcessBuilder(pluginCommand());
        Map<String, String> env = pb.environment();
        env.put(Handshake.MAGIC_COOKIE_KEY, Handshake.MAGIC_COOKIE_VALUE);
        env.put("PLUGIN_MIN_PORT", "10000");
        env.put("PLUGIN_MAX_PORT", "25000");
        env.put("PLUGIN_PROTOCOL_VERSIONS", "2");
        env.remove("PLUGIN_CLIENT_CERT");
        env.putAll(extraEnv);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb;
    }

    static NomadHarness launch(Map<String, String> extraEnv) throws Exception {
        Process p = nomadLike(extraEnv).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<JsonNode> logs = new CopyOnWriteArrayList<>();
            List<String> bad = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> readStderr(p, logs, bad));
            String line = first.get(60, TimeUnit.SECONDS); // go-plugin's StartTimeout
            assertThat(line).as("handshake line (stderr so far: %s %s)", logs, bad).isNotNull();
            String[] parts = line.trim().split("\\|", -1);
            assertThat(parts.length).as("fields in %s", line).isGreaterThanOrEqualTo(4);
            assertThat(parts[0]).isEqualTo("1");
            assertThat(parts[1]).isEqualTo("2");
            assertThat(parts[2]).isEqualTo("unix");
            assertThat(parts[4]).isEqualTo("grpc");
            assertThat(parts.length < 6 || parts[5].length() <= 50).as("no server cert without AutoMTLS").isTrue();
            NomadHarness h = new NomadHarness(p, Path.of(parts[3]), line, logs, bad);
            Thread.ofVirtual().start(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        h.laterStdout.add(l);
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            });
            return h;
        } catch (Throwable t) {
            p.destroyForcibly();
            throw t;
        }
    }

    /** Every stderr line must be hclog JSON with string reserved keys and go-plugin's timestamp layout. */
    private static void readStderr(Process p, List<JsonNode> logs, List<String> bad) {
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = err.readLine()) != null; ) {
                try {
                    JsonNode n = json.readTree(l);
                    boolean ok = n.isObject();
                    for (String k : List.of("@level", "@message", "@timestamp")) {
                        ok &= n.has(k) && n.get(k).isTextual();
                    }
                    ok &= ok && HCLOG_TIMESTAMP.matcher(n.get("@timestamp").asText()).matches();
                    ok &= ok && List.of("trace", "debug", "info", "warn", "error").contains(n.get("@level").asText());
                    if (ok) {
                        logs.add(n);
                    } else {
                        bad.add(l);
                    }
                } catch (IOException e) {
                    bad.add(l);
                }
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    BasePluginGrpc.BasePluginBlockingStub base() {
        return BasePluginGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    DriverGrpc.DriverBlockingStub driver() {
        return DriverGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    DriverGrpc.DriverStub driverAsync() {
        return DriverGrpc.newStub(channel);
    }

    /**
     * go-plugin's {@code Client.Kill}: Shutdown RPC, up to 2 s for the process to exit, then SIGKILL.
     *
     * @return true when the plugin exited by itself within the grace period
     */
    boolean kill() throws InterruptedException {
        boolean rpcOk;
        try {
            GRPCControllerGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS).shutdown(Empty.getDefaultInstance());
            rpcOk = true;
        } catch (RuntimeException e) {
            rpcOk = false;
        }
        channel.shutdownNow();
        boolean exited = rpcOk && process.waitFor(2, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return exited;
    }

    /** Simulates a plugin crash: SIGKILL, no Shutdown. */
    void crash() throws InterruptedException {
        channel.shutdownNow();
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        // A SIGKILLed plugin cannot remove its socket directory (a Go plugin's socket stays too).
        try {
            java.nio.file.Files.deleteIfExists(socket);
            java.nio.file.Files.deleteIfExists(socket.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
