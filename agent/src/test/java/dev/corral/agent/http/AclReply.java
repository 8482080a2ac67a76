package dev.corral.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** One answer of the API in the ACL tests, and the request that carries an optional token. */
record AclReply(int status, String body) {
    JsonNode json() throws Exception {
        return NomadJson.mapper().readTree(body);
    }

    /** {@code method path} against {@code base}, with {@code X-Nomad-Token: token} unless it is null. */
    static AclReply send(HttpClient http, URI base, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Nomad-Token", token);
        }
        HttpRequest request = b.build();
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            // A pooled keep-alive connection the server had just closed (the attack tests end many
            // connections abruptly): the client saw EOF before any byte of an answer, so this request
            // got none; one more try on a new connection. Any other failure stands.
            if (e.getMessage() == null || !e.getMessage().contains("received no bytes")) {
                throw e;
            }
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        return new AclReply(r.statusCode(), r.body());
    }
}
