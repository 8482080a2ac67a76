package dev.corral.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Fields;

/** One HTTP request being served: its parameters, its body, and ways to answer it. */
final class ApiCall {
    private static final long MAX_BODY = 16L << 20;
    /** An oversized body up to this size is read and dropped before the 413 (see {@link #refuseOversized}). */
    private static final long DISCARD_LIMIT = 64L << 20;

    private final Request request;
    private final Response response;
    private final Map<String, String> params;
    private final Fields query;
    private OutputStream out;

    ApiCall(Request request, Response response, Map<String, String> params) {
        this.request = request;
        this.response = response;
        this.params = params;
        this.query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    }

    String method() {
        return request.getMethod();
    }

    Request request() {
        return request;
    }

    /** A path parameter bound by the route pattern. */
    String param(String name) {
        return params.get(name);
    }

    /** A query parameter, or null. */
    String query(String name) {
        Fields.Field f = query.get(name);
        return f == null ? null : f.getValue();
    }

    List<String> queryValues(String name) {
        Fields.Field f = query.get(name);
        return f == null ? List.of() : f.getValues();
    }

    /** A boolean query parameter as Go's {@code strconv.ParseBool} reads it; absent is {@code false}. */
    boolean flag(String name) {
        String v = query(name);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "", "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw ApiException.badRequest("Failed to parse value of \"" + name + "\" (" + v
                    + ") as a bool");
        };
    }

    /** A non-negative integer query parameter, or {@code dflt} when absent. */
    long number(String name, long dflt) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Failed to parse value of \"" + name + "\" (" + v + ") as an integer");
        }
    }

    /** A Go duration query parameter ({@code 5s}, {@code 1m30s}, {@code 100ms}), or {@code dflt}. */
    Duration duration(String name, Duration dflt) {
        String v = query(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            return GoDuration.parse(v);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Invalid " + name + " time: " + e.getMessage());
        }
    }

    byte[] bodyBytes() throws IOException {
        // Refuse a declared length over the limit before reading: a client must not hold the request open
        // by promising bytes it never sends.
        if (request.getLength() > MAX_BODY) {
            refuseOversized();
        }
        try (InputStream in = Request.asInputStream(request)) {
            byte[] b = in.readNBytes((int) MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new ApiException(413, "Request body too large");
            }
            return b;
        }
    }

    /**
     * Answers 413 for a declared body over the limit. A body of up to {@link #DISCARD_LIMIT} is read
     * and dropped first: closing the connection with its bytes unread makes the kernel reset it, and
     * the reset can discard the 413 before the client, still sending, has read it (the client then
     * sees no answer at all). A larger declared length is refused at once and the connection closed.
     */
    private void refuseOversized() throws IOException {
        long declared = request.getLength();
        if (declared <= DISCARD_LIMIT) {
            try (InputStream in = Request.asInputStream(request)) {
                in.skipNBytes(declared);
            } catch (IOException | RuntimeException gone) {
                // The client stopped sending: the 413 is still the answer.
            }
        } else {
            header(HttpHeader.CONNECTION.asString(), "close");
        }
        throw new ApiException(413, "Request body too large");
    }

    /**
     * Reads and drops what the handler left of a bounded body (one that answers without reading it,
     * such as a 404 for an unknown allocation), so that Jetty keeps the connection open: otherwise
     * it closes it after an answer that looked keep-alive, and the client's next request on it gets
     * no reply. Called before the answer is written (it does nothing once the answer is committed).
     */
    private void drainBody() {
        if (request.getLength() > MAX_BODY || response.isCommitted()) {
            return;
        }
        try (InputStream in = Request.asInputStream(request)) {
            byte[] sink = new byte[8192];
            long total = 0;
            int n;
            while (total <= MAX_BODY && (n = in.read(sink)) >= 0) {
                total += n;
            }
        } catch (IOException | RuntimeException ignored) {
            // Nothing left to read, or the client went away: the answer is all that matters now.
        }
    }

    /** The body as JSON; malformed JSON is a 400 naming what is wrong, as Nomad does. */
    JsonNode bodyJson() throws IOException {
        byte[] b = bodyBytes();
        if (b.length == 0) {
            throw ApiException.badRequest("Request body is empty");
        }
        return tree(b);
    }

    private static JsonNode tree(byte[] b) throws IOException {
        try {
            return NomadJson.mapper().readTree(b);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Failed to decode request: " + describe(e));
        }
    }

    /** The body decoded into a record, with decode failures as 400. */
    <T> T body(Class<T> type) throws IOException {
        return decode(bodyJson(), type);
    }

    /** Raw body bytes decoded into a record, with decode failures (and a body that is no object) as 400. */
    static <T> T decode(byte[] raw, Class<T> type) throws IOException {
        return decode(tree(raw), type);
    }

    private static <T> T decode(JsonNode tree, Class<T> type) throws IOException {
        if (!tree.isObject()) {
            throw ApiException.badRequest("Failed to decode request: the body must be a JSON object");
        }
        try {
            return NomadJson.mapper().treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Failed to decode request: " + describe(e));
        }
    }

    static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        var loc = e.getLocation();
        if (loc != null && loc.getLineNr() > 0) {
            msg += " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        }
        return msg;
    }

    void header(String name, String value) {
        response.getHeaders().put(name, value);
    }

    /** Nomad's query metadata headers; this agent is its own leader. */
    void queryMeta(long index) {
        header("X-Nomad-Index", Long.toString(index));
        header("X-Nomad-KnownLeader", "true");
        header("X-Nomad-LastContact", "0");
    }

    /** Writes a 200 JSON answer with the index headers. */
    void json(Object value, long index) throws IOException {
        queryMeta(index);
        json(200, value);
    }

    void json(int status, Object value) throws IOException {
        ObjectMapper m = NomadJson.mapper();
        byte[] b = m.writeValueAsBytes(value);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        stream().write(b);
    }

    /** Writes a plain-text answer, Nomad's format for errors. */
    void text(int status, String message) throws IOException {
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
        stream().write(b);
    }

    /** Starts a streamed answer; the caller writes and flushes frames. */
    OutputStream startStream(String contentType) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        return stream();
    }

    boolean committed() {
        return response.isCommitted();
    }

    OutputStream stream() {
        if (out == null) {
            // Before the first byte of the answer: once it is committed, Jetty can no longer say
            // "Connection: close", and a body left unread makes it close a connection the client keeps.
            drainBody();
            out = Content.Sink.asOutputStream(response);
        }
        return out;
    }

    /** Completes the response: closing the sink ends the body. */
    void finish() throws IOException {
        drainBody();
        stream().close();
    }
}
