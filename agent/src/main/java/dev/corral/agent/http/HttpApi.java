package dev.corral.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.http.NomadJson.AllocSignalRequest;
import dev.corral.agent.http.NomadJson.AllocStopResponse;
import dev.corral.agent.http.NomadJson.AllocationListStub;
import dev.corral.agent.http.NomadJson.AllocationRestartRequest;
import dev.corral.agent.http.NomadJson.Evaluation;
import dev.corral.agent.http.NomadJson.JobListStub;
import dev.corral.agent.http.NomadJson.JobVersionsResponse;
import dev.corral.agent.http.NomadJson.JobsParseRequest;
import dev.corral.agent.http.NomadJson.Node;
import dev.corral.agent.http.NomadJson.NodeListStub;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Nomad-shaped HTTP API on Jetty core (no servlets), one virtual thread per request.
 * Every answer is JSON in Nomad's shape or, for errors, Nomad's plain-text message with its
 * status code; a failure inside a handler is logged here and never sent as a stack trace.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** Nomad's default and maximum blocking-query waits. */
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /**
     * The listen backlog: connections the kernel completes before Jetty accepts them. Jetty's default
     * (the JDK's 50) overflows when a couple of hundred clients connect at once; the kernel then
     * answers with SYN cookies, drops the handshake's last ACK and resets the connection after the
     * client has sent its request (the client reads no answer at all). Go's listener, so Nomad's,
     * asks for {@code net.core.somaxconn}; the kernel caps this value at that too.
     */
    static final int ACCEPT_QUEUE = 4096;

    private final ApiBackend backend;
    private final Server server;
    private final ServerConnector connector;
    private final Router router = new Router();
    private final Metrics metrics;
    private final String region;
    private final String datacenter;
    private final HttpSecurity security;

    /**
     * @param bind where to listen; port 0 picks a free port (see {@link #port()})
     * @param registry where the agent's metrics live; {@code /v1/metrics} reports all of it
     */
    public HttpApi(ApiBackend backend, InetSocketAddress bind, PrometheusRegistry registry) {
        this(backend, bind, registry, HttpSecurity.NONE);
    }

    /** @param security ACL checks and TLS ({@link HttpSecurity#NONE} for neither) */
    public HttpApi(ApiBackend backend, InetSocketAddress bind, PrometheusRegistry registry, HttpSecurity security) {
        this.backend = backend;
        this.metrics = new Metrics(registry);
        this.region = "global";
        this.datacenter = "dc1";
        this.security = security;
        this.server = new Server(new VirtualThreadPool());
        this.connector = security.httpsEnabled() ? TlsConnector.create(server, security.tls())
                : new ServerConnector(server);
        connector.setHost(bind.getHostString());
        connector.setPort(bind.getPort());
        // blocking queries wait up to MAX_WAIT (+ jitter) without writing: keep such connections open
        connector.setIdleTimeout(MAX_WAIT.plusMinutes(1).toMillis());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        server.addConnector(connector);
        routes();
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, context, container -> {
            // an interactive shell may sit idle for long; clients send {} heartbeats anyway
            container.setIdleTimeout(Duration.ofMinutes(30));
            container.addMapping("regex|^/v1/client/allocation/[^/]+/exec$",
                    (rq, rs, cb) -> new ExecSocket(backend, rq));
        });
        ws.setHandler(new Dispatch());
        // ACLs are checked in front of everything, the exec WebSocket upgrade included
        context.setHandler(security.acl() == null ? ws : new AclGate(security.acl(), ws));
        server.setHandler(context);
        server.setErrorHandler(new PlainTextErrors());
    }

    public HttpApi start() throws Exception {
        server.start();
        LOG.atInfo().addKeyValue("address", address()).log("HTTP API listening");
        return this;
    }

    /** The bound port (useful after binding port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port} ({@code https://} with TLS), what clients put in {@code NOMAD_ADDR}. */
    public URI address() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        String scheme = security.httpsEnabled() ? "https://" : "http://";
        return URI.create(scheme + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private final class Dispatch extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getDecodedPath();
            Router.Match match = router.match(request.getMethod(), path);
            ApiCall call = new ApiCall(request, response, match instanceof Router.Found f ? f.params() : Map.of());
            int status = 200;
            try {
                switch (match) {
                    case Router.Found f -> f.route().handle(call);
                    case Router.WrongMethod w -> {
                        call.header("Allow", String.join(", ", w.allowed()));
                        call.text(status = 405, "Invalid method");
                    }
                    case Router.NotFound n -> call.text(status = 404, "404 page not found");
                }
                call.finish();
                callback.succeeded();
            } catch (ApiException e) {
                status = e.status();
                reply(call, callback, e.status(), e.getMessage());
            } catch (EOFException e) {
                // The client went away mid-stream (for example a follow it stopped reading).
                callback.failed(e);
            } catch (Exception e) {
                if (diskFull(e)) {
                    // The store could not write: say so (507 Insufficient Storage); reads are still served.
                    status = 507;
                    LOG.atWarn().addKeyValue("path", path).log("request failed, disk full: " + e.getMessage());
                    reply(call, callback, 507, e.getMessage());
                } else {
                    status = 500;
                    LOG.atWarn().setCause(e).addKeyValue("path", path).log("request failed");
                    reply(call, callback, 500, "Internal error: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                }
            } finally {
                metrics.request(request.getMethod(), status);
            }
            return true;
        }

        private void reply(ApiCall call, Callback callback, int status, String message) {
            if (call.committed()) {
                callback.failed(new IOException(message));
                return;
            }
            try {
                call.text(status, message);
                call.finish();
                callback.succeeded();
            } catch (Exception e) {
                callback.failed(e);
            }
        }
    }

    /**
     * Jetty's own refusals (an ambiguous or malformed URI, headers too large) answer with a plain-text
     * reason for every method, like the API's errors; Jetty's default writes an empty body for PUT.
     */
    private static final class PlainTextErrors extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = request.getAttribute(ERROR_STATUS) instanceof Integer i ? i : response.getStatus();
            String message = request.getAttribute(ERROR_MESSAGE) instanceof String m && !m.isBlank() ? m
                    : org.eclipse.jetty.http.HttpStatus.getMessage(status);
            byte[] b = (status + " " + message).getBytes(StandardCharsets.UTF_8);
            response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH, b.length);
            response.write(true, java.nio.ByteBuffer.wrap(b), callback);
            return true;
        }
    }

    /** Whether {@code e} comes from a full disk (SQLite's SQLITE_FULL or ENOSPC). */
    static boolean diskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.sqlite.SQLiteException s && s.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_FULL) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    // ---- routes ----

    private void routes() {
        AllocFs fs = new AllocFs(backend);
        router
            .add("GET", "/v1/jobs", c -> {
                String prefix = c.query("prefix");
                blocking(c, () -> backend.jobs(prefix == null ? "" : prefix));
            })
            .add("PUT,POST", "/v1/jobs", c -> register(c, null))
            .add("PUT,POST", "/v1/jobs/parse", this::parse)
            .add("PUT,POST", "/v1/validate/job", c -> c.json(200, backend.validate(jobFromBody(c))))
            .add("GET", "/v1/job/:id", c -> read(c, () -> backend.job(c.param("id")), "job not found"))
            .add("PUT,POST", "/v1/job/:id", c -> register(c, c.param("id")))
            .add("DELETE", "/v1/job/:id", c -> {
                requireJob(c.param("id"));
                var r = backend.deregister(c.param("id"), c.flag("purge"));
                c.json(r, backend.index());
            })
            .add("GET", "/v1/job/:id/allocations", c -> blocking(c, () -> {
                requireJob(c.param("id"));
                return backend.jobAllocations(c.param("id"));
            }))
            .add("GET", "/v1/job/:id/evaluations", c -> blocking(c, () -> {
                requireJob(c.param("id"));
                return backend.jobEvaluations(c.param("id"));
            }))
            .add("GET", "/v1/job/:id/summary",
                    c -> read(c, () -> backend.jobSummary(c.param("id")), "job not found"))
            .add("GET", "/v1/job/:id/versions", c -> blocking(c, () -> {
                requireJob(c.param("id"));
                return new JobVersionsResponse(new ArrayList<>(backend.jobVersions(c.param("id"))), null);
            }))
            .add("PUT,POST", "/v1/job/:id/plan", c -> {
                JsonNode body = c.bodyJson();
                ObjectNode job = jobOf(body);
                if (!c.param("id").equals(ApiBackend.jobId(job))) {
                    throw ApiException.badRequest("Job ID does not match");
                }
                c.json(200, backend.plan(job, body.path("Diff").asBoolean(false)));
            })
            .add("GET", "/v1/allocations", c -> list(c, backend::allocations, AllocationListStub::id))
            .add("GET", "/v1/allocation/:id",
                    c -> read(c, () -> backend.allocation(c.param("id")), "alloc not found"))
            .add("PUT,POST", "/v1/allocation/:id/stop", c -> {
                requireAlloc(c.param("id"));
                String eval = backend.stopAllocation(c.param("id"));
                long index = backend.index();
                c.json(new AllocStopResponse(eval, index), index);
            })
            .add("GET", "/v1/client/allocation/:id/stats", c -> {
                requireAlloc(c.param("id"));
                c.json(200, backend.allocationStats(c.param("id")));
            })
            .add("PUT,POST", "/v1/client/allocation/:id/signal", c -> {
                requireAlloc(c.param("id"));
                AllocSignalRequest r = c.body(AllocSignalRequest.class);
                backend.signal(c.param("id"), blankToNull(r.task()), r.signal() == null ? "SIGKILL" : r.signal());
                c.json(200, Map.of());
            })
            .add("PUT,POST", "/v1/client/allocation/:id/restart", c -> {
                requireAlloc(c.param("id"));
                byte[] raw = c.bodyBytes();
                AllocationRestartRequest r = raw.length == 0 ? new AllocationRestartRequest(null, false)
                        : ApiCall.decode(raw, AllocationRestartRequest.class);
                backend.restart(c.param("id"), blankToNull(r.taskName()), r.allTasks());
                c.json(200, Map.of());
            })
            .add("GET", "/v1/client/fs/logs/:alloc", fs::logs)
            .add("GET", "/v1/client/fs/ls/:alloc", fs::ls)
            .add("GET", "/v1/client/fs/stat/:alloc", fs::stat)
            .add("GET", "/v1/client/fs/cat/:alloc", fs::cat)
            .add("GET", "/v1/client/fs/readat/:alloc", fs::readAt)
            .add("GET", "/v1/evaluations", c -> list(c, backend::evaluations, Evaluation::id))
            .add("GET", "/v1/evaluation/:id",
                    c -> read(c, () -> backend.evaluation(c.param("id")), "eval not found"))
            .add("GET", "/v1/evaluation/:id/allocations", c -> blocking(c, () -> backend.allocations().stream()
                    .filter(a -> c.param("id").equals(a.evalId())).toList()))
            .add("GET", "/v1/nodes", c -> list(c, () -> backend.nodes().stream().map(this::withAddress).toList(),
                    NodeListStub::id))
            .add("GET", "/v1/node/:id", c -> read(c, () -> backend.node(c.param("id")).map(this::withAddress),
                    "node not found"))
            .add("GET", "/v1/node/:id/allocations", c -> blocking(c, () -> {
                if (backend.node(c.param("id")).isEmpty()) {
                    throw ApiException.notFound("node not found");
                }
                return backend.allocations().stream().filter(a -> c.param("id").equals(a.nodeId())).toList();
            }))
            .add("GET", "/v1/agent/self", c -> c.json(200, backend.agentSelf()))
            .add("GET", "/v1/agent/health", c -> {
                var h = backend.health();
                boolean ok = h.client() == null || h.client().ok();
                c.json(ok ? 200 : 500, h);
            })
            .add("GET", "/v1/agent/members", c -> c.json(200, Map.of("ServerName", "", "ServerRegion", region,
                    "ServerDC", datacenter, "Members", List.of(backend.agentSelf().member()))))
            .add("GET", "/v1/status/leader", c -> c.json(200, leaderAddress()))
            .add("GET", "/v1/status/peers", c -> c.json(200, List.of(leaderAddress())))
            .add("GET", "/v1/regions", c -> c.json(200, List.of(region)))
            .add("PUT,POST", "/v1/system/gc", c -> {
                backend.garbageCollect();
                c.json(200, Map.of());
            })
            .add("GET,PUT,POST", "/v1/client/gc", c -> {
                backend.garbageCollect();
                c.json(200, Map.of());
            })
            .add("GET", "/v1/metrics", metrics::serve)
            .add("GET", "/v1/event/stream", this::eventStream);
        new AclEndpoints(security.acl()).register(router);
    }

    private String leaderAddress() {
        return address().getHost() + ":" + port();
    }

    private NodeListStub withAddress(NodeListStub n) {
        return new NodeListStub(leaderAddress(), n.id(), n.attributes(), n.datacenter(), n.name(), n.nodeClass(),
                n.nodePool(), n.version(), n.drain(), n.schedulingEligibility(), n.status(), n.statusDescription(),
                n.drivers(), n.nodeResources(), n.reservedResources(), n.createIndex(), n.modifyIndex());
    }

    /** Node.HTTPAddr is where clients (the Nomad SDK among them) send client-side calls: this server. */
    private Node withAddress(Node n) {
        return n.withHttpAddr(leaderAddress(), n.tlsEnabled() || security.httpsEnabled());
    }

    private void requireJob(String id) {
        if (backend.job(id).isEmpty()) {
            throw ApiException.notFound("job not found");
        }
    }

    private void requireAlloc(String id) {
        if (backend.allocation(id).isEmpty()) {
            throw ApiException.notFound("Unknown allocation \"" + id + "\"");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private void register(ApiCall c, String pathId) throws IOException {
        ObjectNode job = jobFromBody(c);
        if (pathId != null && !pathId.equals(ApiBackend.jobId(job))) {
            throw ApiException.badRequest("Job ID does not match name");
        }
        var r = backend.register(job);
        c.json(r, backend.index());
    }

    private static ObjectNode jobFromBody(ApiCall c) throws IOException {
        return jobOf(c.bodyJson());
    }

    private static ObjectNode jobOf(JsonNode body) {
        JsonNode job = body.get("Job");
        if (job == null || job.isNull()) {
            throw ApiException.badRequest("Job must be specified");
        }
        if (!job.isObject()) {
            throw ApiException.badRequest("Failed to decode request: Job must be a JSON object");
        }
        return (ObjectNode) job;
    }

    private void parse(ApiCall c) throws IOException {
        JobsParseRequest r = c.body(JobsParseRequest.class);
        if (r.jobHcl() == null || r.jobHcl().isBlank()) {
            throw ApiException.badRequest("Job spec is empty");
        }
        c.json(200, backend.parse(r.jobHcl(), r.variables(), r.canonicalize()));
    }

    /** A list endpoint: {@code ?prefix=} filters by ID prefix, blocking on {@code ?index=}. */
    private <T> void list(ApiCall c, Supplier<List<T>> all, Function<T, String> id) throws Exception {
        String prefix = c.query("prefix");
        blocking(c, () -> prefix == null || prefix.isEmpty() ? all.get()
                : all.get().stream().filter(t -> id.apply(t).startsWith(prefix)).toList());
    }

    private <T> void read(ApiCall c, Supplier<Optional<T>> one, String notFound) throws Exception {
        blocking(c, () -> one.get().orElseThrow(() -> ApiException.notFound(notFound)));
    }

    /**
     * Nomad's blocking query: with {@code ?index=N}, answers once the state index passes N or
     * {@code ?wait} (default 5m, at most 10m, plus up to 1/16 jitter) elapses.
     */
    private void blocking(ApiCall c, Supplier<Object> query) throws Exception {
        long min = c.number("index", 0);
        if (min > 0) {
            Duration wait = c.duration("wait", DEFAULT_WAIT);
            if (wait.compareTo(MAX_WAIT) > 0) {
                wait = MAX_WAIT;
            }
            long jitterNanos = wait.toNanos() / 16;
            if (jitterNanos > 0) {
                wait = wait.plusNanos(ThreadLocalRandom.current().nextLong(jitterNanos));
            }
            long deadline = System.nanoTime() + wait.toNanos();
            long now;
            while ((now = backend.index()) <= min) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                backend.awaitIndex(min, Duration.ofNanos(left));
            }
        }
        long index = backend.index();
        c.json(query.get(), Math.max(index, 1));
    }

    /** {@code /v1/event/stream}: one JSON object per line; {@code {}} heartbeats every 10 s. */
    private void eventStream(ApiCall c) throws Exception {
        Map<String, List<String>> topics = new LinkedHashMap<>();
        for (String t : c.queryValues("topic")) {
            int colon = t.indexOf(':');
            String topic = colon < 0 ? t : t.substring(0, colon);
            String key = colon < 0 ? "*" : t.substring(colon + 1);
            if (topic.isEmpty()) {
                throw ApiException.badRequest("Invalid topic format: \"" + t + "\"");
            }
            topics.computeIfAbsent(topic, k -> new ArrayList<>()).add(key);
        }
        long after = c.number("index", 0);
        java.util.function.BooleanSupplier allowed = AclGate.stillAllowed(c.request());
        c.queryMeta(backend.index());
        OutputStream out = c.startStream("application/json");
        out.flush();
        while (true) {
            var events = backend.events(after, topics, Duration.ofSeconds(10));
            if (!allowed.getAsBoolean()) {
                return; // the token was deleted or lost the right: end the stream, as Nomad does
            }
            if (events.isEmpty()) {
                out.write("{}\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                long index = events.stream().mapToLong(NomadJson.Event::index).max().orElse(after);
                out.write(NomadJson.mapper().writeValueAsBytes(new NomadJson.Events(index, events)));
                out.write('\n');
                after = index;
            }
            out.flush();
        }
    }

    /** Request counters for {@code /v1/metrics}; the rest of the registry belongs to the agent. */
    static final class Metrics {
        private final PrometheusRegistry registry;
        private final Counter requests;

        Metrics(PrometheusRegistry registry) {
            this.registry = registry;
            Counter c;
            try {
                c = Counter.builder().name("corral_http_requests_total")
                        .help("HTTP API requests by method and status").labelNames("method", "status")
                        .register(registry);
            } catch (IllegalArgumentException alreadyRegistered) {
                // A second HttpApi in the same registry (tests): count into a private counter.
                c = Counter.builder().name("corral_http_requests_total").labelNames("method", "status").build();
            }
            this.requests = c;
        }

        void request(String method, int status) {
            // Label values come from a fixed set: a client inventing methods must not grow the registry.
            String m = switch (method) {
                case "GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH" -> method;
                default -> "OTHER";
            };
            requests.labelValues(m, Integer.toString(status)).inc();
        }

        void serve(ApiCall c) throws IOException {
            MetricsEndpoint.serve(c, registry);
        }
    }
}
