package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.corral.agent.http.NomadJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CLI's HTTP client for the agent's Nomad-shaped API (JDK HttpClient; no logging framework,
 * so client commands start fast). Non-2xx answers become {@link ApiError} with the agent's text.
 */
final class ApiClient {
    static final String DEFAULT_ADDRESS = "http://127.0.0.1:4646";

    private final URI base;
    private final HttpClient http;
    /** The ACL secret sent as {@code X-Nomad-Token}, or null. */
    private final String token;

    /**
     * How to reach the agent; null fields fall back to the environment as Nomad's CLI does
     * ({@code CORRAL_TOKEN}/{@code NOMAD_TOKEN}, {@code NOMAD_CACERT}, {@code NOMAD_CLIENT_CERT},
     * {@code NOMAD_CLIENT_KEY}, {@code NOMAD_SKIP_VERIFY}).
     */
    record Options(String address, String token, Path caCert, Path clientCert, Path clientKey, Boolean skipVerify) {
        static Options address(String address) {
            return new Options(address, null, null, null, null, null);
        }

        Options withEnv(Map<String, String> env) {
            return new Options(address, first(token, env.get("CORRAL_TOKEN"), env.get("NOMAD_TOKEN")),
                    path(caCert, env.get("NOMAD_CACERT")), path(clientCert, env.get("NOMAD_CLIENT_CERT")),
                    path(clientKey, env.get("NOMAD_CLIENT_KEY")),
                    skipVerify != null ? skipVerify : parseBool(env.get("NOMAD_SKIP_VERIFY")));
        }

        private static String first(String... values) {
            for (String v : values) {
                if (v != null && !v.isBlank()) {
                    return v.strip();
                }
            }
            return null;
        }

        private static Path path(Path flag, String env) {
            return flag != null ? flag : env == null || env.isBlank() ? null : Path.of(env);
        }

        private static boolean parseBool(String v) {
            return v != null && switch (v.strip()) {
                case "1", "t", "T", "true", "TRUE", "True" -> true;
                default -> false;
            };
        }
    }

    ApiClient(String address) {
        this(Options.address(address).withEnv(System.getenv()));
    }

    ApiClient(Options o) {
        String a = o.address();
        if (a == null || a.isBlank()) {
            a = System.getenv("CORRAL_ADDR");
        }
        if (a == null || a.isBlank()) {
            a = System.getenv("NOMAD_ADDR");
        }
        if (a == null || a.isBlank()) {
            a = DEFAULT_ADDRESS;
        }
        if (!a.contains("://")) {
            a = "http://" + a;
        }
        this.base = URI.create(a.endsWith("/") ? a.substring(0, a.length() - 1) : a);
        this.token = o.token();
        // HTTP/1.1, as Nomad's API is spoken: no h2c upgrade attempt on every new connection.
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (o.caCert() != null || o.clientCert() != null || o.clientKey() != null || Boolean.TRUE.equals(o.skipVerify())) {
            b.sslContext(ClientTls.context(o.caCert(), o.clientCert(), o.clientKey(), Boolean.TRUE.equals(o.skipVerify())));
        }
        this.http = b.build();
    }

    /** Adds the ACL token, if any, to a request. */
    HttpRequest.Builder authorize(HttpRequest.Builder req) {
        return token == null ? req : req.header("X-Nomad-Token", token);
    }

    /** Adds the ACL token, if any, to a WebSocket handshake. */
    java.net.http.WebSocket.Builder authorize(java.net.http.WebSocket.Builder ws) {
        return token == null ? ws : ws.header("X-Nomad-Token", token);
    }

    URI base() {
        return base;
    }

    HttpClient http() {
        return http;
    }

    static ObjectMapper json() {
        return NomadJson.mapper();
    }

    /** An HTTP error from the agent, or a failure to reach it. */
    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ApiError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    /** A read with the {@code X-Nomad-Index} it was answered at, for blocking queries. */
    record Indexed(JsonNode body, long index) {}

    Indexed getIndexed(String path) {
        long[] index = new long[1];
        JsonNode body = send("GET", path, null, index);
        return new Indexed(body, index[0]);
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, Object body) {
        return send(method, path, body, null);
    }

    private JsonNode send(String method, String path, Object body, long[] indexOut) {
        try {
            HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(json().writeValueAsBytes(body));
            HttpRequest req = authorize(HttpRequest.newBuilder(base.resolve(path)).method(method, p)
                    .header("Content-Type", "application/json")).build();
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            check(resp.statusCode(), new String(resp.body(), StandardCharsets.UTF_8));
            if (indexOut != null) {
                indexOut[0] = resp.headers().firstValueAsLong("X-Nomad-Index").orElse(0);
            }
            byte[] b = resp.body();
            return b.length == 0 ? json().nullNode() : json().readTree(b);
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new ApiError(0, "Error talking to the agent at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(0, "interrupted");
        }
    }

    /** Opens a streaming GET (logs, events) and returns its body. */
    InputStream stream(String path) {
        try {
            HttpRequest req = authorize(HttpRequest.newBuilder(base.resolve(path)).GET()).build();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (resp.statusCode() / 100 != 2) {
                String text;
                try (InputStream in = resp.body()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                check(resp.statusCode(), text);
            }
            return resp.body();
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new ApiError(0, "Error talking to the agent at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(0, "interrupted");
        }
    }

    private ApiError unreachable() {
        return new ApiError(0, "Error connecting to the agent at " + base
                + ": connection refused (is `corral agent` running? set -address, CORRAL_ADDR or NOMAD_ADDR)");
    }

    private static void check(int status, String text) {
        if (status / 100 != 2) {
            throw new ApiError(status, "Unexpected response code: " + status + " (" + text.strip() + ")");
        }
    }

    // ---- ID prefix resolution, as Nomad's CLI does it ----

    /** A list endpoint filtered by {@code prefix}; an exact ID wins over longer matches. */
    List<JsonNode> byPrefix(String listPath, String prefix) {
        JsonNode all = get(listPath + "?prefix=" + enc(prefix));
        List<JsonNode> out = new ArrayList<>();
        all.forEach(out::add);
        for (JsonNode n : out) {
            if (prefix.equals(n.path("ID").asText())) {
                return List.of(n);
            }
        }
        return out;
    }

    /** Resolves an allocation ID prefix to the full allocation, or fails with Nomad's wording. */
    JsonNode allocation(String prefix) {
        if (prefix.length() == 1) {
            throw new UsageError("Alloc ID must contain at least two characters.");
        }
        List<JsonNode> m = byPrefix("/v1/allocations", prefix);
        if (m.isEmpty()) {
            throw new UsageError("No allocation(s) with prefix or id \"" + prefix + "\" found");
        }
        if (m.size() > 1) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "Eval ID", "Node ID", "Task Group", "Desired", "Status"});
            for (JsonNode a : m) {
                rows.add(new String[] {Output.shortId(a.path("ID").asText()),
                        Output.shortId(a.path("EvalID").asText()), Output.shortId(a.path("NodeID").asText()),
                        a.path("TaskGroup").asText(), a.path("DesiredStatus").asText(),
                        a.path("ClientStatus").asText()});
            }
            throw new UsageError("Prefix matched multiple allocations\n\n" + Output.table(rows));
        }
        return get("/v1/allocation/" + enc(m.getFirst().path("ID").asText()));
    }

    /** Resolves a job ID prefix to the full job. */
    JsonNode job(String prefix) {
        List<JsonNode> m = byPrefix("/v1/jobs", prefix);
        if (m.isEmpty()) {
            throw new UsageError("No job(s) with prefix or ID \"" + prefix + "\" found");
        }
        if (m.size() > 1) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "Type", "Priority", "Status"});
            for (JsonNode j : m) {
                rows.add(new String[] {j.path("ID").asText(), j.path("Type").asText(),
                        j.path("Priority").asText(), j.path("Status").asText()});
            }
            throw new UsageError("Prefix matched multiple jobs\n\n" + Output.table(rows));
        }
        return get("/v1/job/" + enc(m.getFirst().path("ID").asText()));
    }

    /** Resolves a node ID prefix to the full node. */
    JsonNode node(String prefix) {
        List<JsonNode> m = byPrefix("/v1/nodes", prefix);
        if (m.isEmpty()) {
            throw new UsageError("No node(s) with prefix \"" + prefix + "\" found");
        }
        if (m.size() > 1) {
            throw new UsageError("Prefix matched multiple nodes");
        }
        return get("/v1/node/" + enc(m.getFirst().path("ID").asText()));
    }

    static ArrayNode array(JsonNode n) {
        return n instanceof ArrayNode a ? a : json().createArrayNode();
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A mistake the user can fix (bad ID, wrong arguments): printed without "Error" noise, exit 1. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message, null, false, false);
        }
    }
}
