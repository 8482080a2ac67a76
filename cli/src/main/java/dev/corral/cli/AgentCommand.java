package dev.corral.cli;

import dev.corral.agent.Agent;
import dev.corral.agent.acl.AclService;
import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.config.AgentConfigException;
import dev.corral.agent.config.AgentConfigParser;
import dev.corral.agent.http.AgentBackend;
import dev.corral.agent.http.HttpApi;
import dev.corral.agent.http.HttpSecurity;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral agent -dev | -config FILE}: starts the agent (client with a built-in single-node
 * server) and its HTTP API, and runs until interrupted. Tasks keep running when the agent stops;
 * the next start reattaches to them.
 */
@Command(name = "agent", description = {"Run the Corral agent and its Nomad-shaped HTTP API.",
        "Stops on SIGINT/SIGTERM; running tasks keep running and are reattached on the next start."})
final class AgentCommand implements Callable<Integer> {
    @Option(names = {"-dev"}, description = "Development mode: 127.0.0.1, temporary data dir, unset keys defaulted.")
    boolean dev;

    @Option(names = {"-config"}, paramLabel = "FILE", description = "Agent configuration file (Nomad's agent HCL).")
    Path config;

    @Option(names = {"-bind"}, paramLabel = "ADDR", description = "Address to bind the HTTP API to (bind_addr).")
    String bind;

    @Option(names = {"-data-dir"}, paramLabel = "DIR", description = "Where the agent keeps its state (data_dir).")
    Path dataDir;

    @Option(names = {"-http-port"}, paramLabel = "PORT", description = "HTTP API port (ports.http; 0 picks a free port).")
    Integer httpPort;

    @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** A started agent with its HTTP API; {@link #close()} stops both (tasks keep running). */
    record Running(Agent agent, AgentBackend backend, HttpApi api) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                api.close();
                backend.close();
            } finally {
                agent.close();
            }
        }
    }

    AgentConfig resolveConfig() throws java.io.IOException {
        if (!dev && config == null) {
            throw new ApiClient.UsageError("Must specify either -dev or -config (see corral agent -help)");
        }
        AgentConfig c = config == null ? AgentConfigParser.parse("-dev", "", true)
                : AgentConfigParser.parse(config.toString(), Files.readString(config), dev);
        return new AgentConfig(dataDir != null ? dataDir.toAbsolutePath() : c.dataDir(),
                bind != null ? bind : c.bindAddr(),
                httpPort != null ? new AgentConfig.Ports(httpPort, c.ports().rpc(), c.ports().serf()) : c.ports(),
                c.name(), c.datacenter(), c.region(), c.logLevel(), c.logJson(), c.client(), c.plugins(), c.dev(),
                c.acl(), c.tls());
    }

    /** Starts the agent and its HTTP API as configured; used by the command and by tests. */
    static Running start(AgentConfig c) throws Exception {
        Agent agent = Agent.start(c);
        AgentBackend backend = new AgentBackend(agent);
        try {
            HttpSecurity security = new HttpSecurity(c.acl().enabled() ? new AclService(agent.store()) : null, c.tls());
            HttpApi api = new HttpApi(backend, new InetSocketAddress(c.bindAddr(), c.ports().http()),
                    PrometheusRegistry.defaultRegistry, security).start();
            return new Running(agent, backend, api);
        } catch (Exception e) {
            backend.close();
            agent.close();
            throw e;
        }
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig c;
        try {
            c = resolveConfig();
        } catch (AgentConfigException e) {
            System.err.println("Error loading configuration: " + e.getMessage());
            return 1;
        }
        setLogLevel(c.logLevel());
        if (c.logJson()) {
            useJsonLogs();
        }
        PrintStream out = System.out;
        Running r;
        try {
            r = start(c);
        } catch (dev.corral.agent.tls.PemException e) {
            System.err.println("Error starting agent: tls: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("==> Caught signal: shutting down agent (tasks keep running)...");
            out.flush();
            try {
                r.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
            out.println("==> Agent stopped");
            out.flush();
            stopped.countDown();
        }, "agent-shutdown"));
        out.println("==> Corral agent configuration:");
        out.println();
        out.println("       Bind Addrs: HTTP: [" + r.api().address().getAuthority() + "]");
        out.println("              ACL: " + (c.acl().enabled() ? "enabled" : "disabled"));
        out.println("              TLS: " + (c.tls().http() ? "HTTPS" + (c.tls().verifyHttpsClient()
                ? " (client certificates required)" : "") : "disabled"));
        out.println("           Client: true");
        out.println("         Data Dir: " + r.agent().dataDir());
        out.println("          Node Id: " + r.agent().node().id());
        out.println("           Region: " + c.region() + " (DC: " + c.datacenter() + ")");
        out.println("           Server: true (single node)");
        out.println("          Version: 0.1.0");
        out.println();
        out.println("==> Corral agent started! Log data will stream in below:");
        out.flush();
        stopped.await();
        return 0;
    }

    /** {@code log_json = true}: one JSON object per log event on stderr (logback's JsonEncoder). */
    @SuppressWarnings("unchecked")
    private static void useJsonLogs() {
        if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx)) {
            return;
        }
        var root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender("STDERR") instanceof ch.qos.logback.core.ConsoleAppender<?> app) {
            var encoder = new ch.qos.logback.classic.encoder.JsonEncoder();
            encoder.setContext(ctx);
            encoder.start();
            app.stop();
            ((ch.qos.logback.core.ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent>) app).setEncoder(encoder);
            app.start();
        }
    }

    /** Applies {@code log_level} to the root logger (logback is the agent's slf4j provider). */
    private static void setLogLevel(String level) {
        if (level == null || level.isEmpty()) {
            return;
        }
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.toLevel(level.toUpperCase(java.util.Locale.ROOT),
                    ch.qos.logback.classic.Level.INFO));
        }
    }
}
