package dev.corral.agent.http.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.agent.AgentFixture;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oversized requests and job files with absurd values against a real agent on loopback: each is
 * refused fast (well under the per-request limit) with a 4xx and a message that says what is
 * wrong, and the agent stays healthy. Every case and its answer is printed.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    /** "Fast": a refusal takes less than this, however big the input. */
    private static final Duration FAST = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private LiveAgent live;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> report = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        live = new LiveAgent(dir, "");
    }

    @AfterAll
    void stop() throws Exception {
        report.forEach(System.out::println);
        if (live != null) {
            try {
                HttpResponse<String> h = send("GET", "/v1/agent/health", null);
                assertThat(h.statusCode()).as("agent healthy after every bad input: " + h.body()).isEqualTo(200);
            } finally {
                http.close();
                live.close();
            }
        }
    }

    private HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return http.send(HttpRequest.newBuilder(live.uri(path)).timeout(Duration.ofSeconds(30)).method(method, p).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends one bad input, records it, and checks it is refused fast with a 4xx and a message. */
    private HttpResponse<String> refused(String name, String method, String path, byte[] body, int... statuses) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = send(method, path, body);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String msg = r.body().length() > 160 ? r.body().substring(0, 160) + "..." : r.body();
        report.add("bad input: %-44s -> %d in %4d ms: %s".formatted(name, r.statusCode(), ms, msg.replace('\n', ' ')));
        assertThat(r.statusCode()).as(name + ": " + r.body()).isIn(toList(statuses));
        assertThat(r.body()).as(name + " has a message").isNotBlank();
        assertThat(ms).as(name + " refused fast").isLessThan(FAST.toMillis());
        return r;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int i : a) {
            l.add(i);
        }
        return l;
    }

    private static String hcl(String id, String groupBody) {
        return """
                job "%s" {
                  datacenters = ["dc1"]
                  type = "batch"
                  %s
                }
                """.formatted(id, groupBody);
    }

    private static String task(String name, String resources) {
        return """
                task "%s" {
                  driver = "exec"
                  config {
                    command = "/bin/true"
                  }
                  resources {
                    %s
                  }
                }
                """.formatted(name, resources);
    }

    private static byte[] parseBody(String hcl) throws Exception {
        return JSON.writeValueAsBytes(Map.of("JobHCL", hcl, "Canonicalize", true));
    }

    /** The canonical API JSON of a job file, through the agent's own parser. */
    private String jobJson(String hcl) throws Exception {
        HttpResponse<String> r = send("PUT", "/v1/jobs/parse", parseBody(hcl));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static byte[] register(String jobJson) {
        return ("{\"Job\":" + jobJson + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void absurdMemory_refusedWithTheField() throws Exception {
        String file = hcl("absurd-mem", "group \"g\" {\n" + task("t", "memory = 1000000000000000000") + "}");
        // HCL through the parser and through validation.
        HttpResponse<String> p = send("PUT", "/v1/jobs/parse", parseBody(file));
        if (p.statusCode() == 200) {
            refused("HCL memory = 1e18 (register)", "PUT", "/v1/jobs", register(p.body()), 400);
            refused("HCL memory = 1e18 (validate)", "PUT", "/v1/validate/job", register(p.body()), 400);
        } else {
            refused("HCL memory = 1e18 (parse)", "PUT", "/v1/jobs/parse", parseBody(file), 400);
        }
        String ok = jobJson(hcl("absurd-mem", "group \"g\" {\n" + task("t", "memory = 64") + "}"));
        for (String v : List.of("1e18", "1000000000000000000", "-64", "1e400", "9223372036854775808", "\"64\"")) {
            HttpResponse<String> r = refused("JSON MemoryMB = " + v, "PUT", "/v1/jobs",
                    register(ok.replace("\"MemoryMB\":64", "\"MemoryMB\":" + v)), 400);
            assertThat(r.body()).as("names the field").containsIgnoringCase("memory");
        }
        HttpResponse<String> cpu = refused("JSON CPU = 1e18", "PUT", "/v1/jobs",
                register(ok.replace("\"CPU\":100", "\"CPU\":1000000000000000000")), 400);
        assertThat(cpu.body()).containsIgnoringCase("cpu");
        assertThat(live.agent.job("default", "absurd-mem")).isEmpty();
    }

    @Test
    void tenThousandTasks_refusedFast() throws Exception {
        StringBuilder tasks = new StringBuilder("group \"g\" {\n");
        for (int i = 0; i < 10_000; i++) {
            tasks.append(task("t" + i, "memory = 16\ncpu = 20"));
        }
        tasks.append("}");
        String file = hcl("many-tasks", tasks.toString());
        HttpResponse<String> p = send("PUT", "/v1/jobs/parse", parseBody(file));
        HttpResponse<String> r = p.statusCode() == 200
                ? refused("10 000 tasks in a group (register)", "PUT", "/v1/jobs", register(p.body()), 400)
                : refused("10 000 tasks in a group (parse)", "PUT", "/v1/jobs/parse", parseBody(file), 400);
        assertThat(r.body()).containsIgnoringCase("tasks");
        assertThat(live.agent.job("default", "many-tasks")).isEmpty();

        String one = jobJson(hcl("many-allocs", "group \"g\" {\n" + task("t", "memory = 16\ncpu = 20") + "}"));
        HttpResponse<String> c = refused("count = 10 000", "PUT", "/v1/jobs",
                register(one.replace("\"Count\":1", "\"Count\":10000")), 400);
        assertThat(c.body()).containsIgnoringCase("count");
        assertThat(live.agent.job("default", "many-allocs")).isEmpty();
    }

    @Test
    void deepNesting_refusedFast() throws Exception {
        int depth = 100_000;
        String parens = "(".repeat(depth) + "1" + ")".repeat(depth);
        HttpResponse<String> h = refused("HCL expression nested 100 000 deep", "PUT", "/v1/jobs/parse",
                parseBody(hcl("deep", "meta { x = " + parens + " }\ngroup \"g\" {\n" + task("t", "memory = 64") + "}")), 400);
        assertThat(h.body()).containsIgnoringCase("nest");
        String lists = "[".repeat(depth) + "]".repeat(depth);
        refused("HCL list nested 100 000 deep", "PUT", "/v1/jobs/parse",
                parseBody(hcl("deep", "meta { x = " + lists + " }")), 400);
        String blocks = "group \"g\" {\n" + "x {\n".repeat(5_000) + "}\n".repeat(5_000) + "}";
        refused("HCL blocks nested 5 000 deep", "PUT", "/v1/jobs/parse", parseBody(hcl("deep", blocks)), 400);
        String interp = "\"" + "${".repeat(10_000) + "1" + "}".repeat(10_000) + "\"";
        refused("HCL interpolations nested 10 000 deep", "PUT", "/v1/jobs/parse",
                parseBody(hcl("deep", "meta { x = " + interp + " }")), 400);
        byte[] deepJson = ("{\"Job\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> j = refused("JSON body nested 100 000 deep", "PUT", "/v1/jobs", deepJson, 400);
        assertThat(j.body()).containsIgnoringCase("nesting");
        byte[] deepObj = ("{\"Job\":{\"Meta\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        refused("JSON object nested 100 000 deep", "PUT", "/v1/validate/job", deepObj, 400);
    }

    @Test
    void hugeStrings_refusedFast() throws Exception {
        String ok = jobJson(hcl("huge", "group \"g\" {\n" + task("t", "memory = 64") + "}"));
        String big = "x".repeat(4 << 20);
        HttpResponse<String> id = refused("JSON job ID of 4 MiB", "PUT", "/v1/jobs",
                register(ok.replace("\"ID\":\"huge\"", "\"ID\":\"" + big + "\"")), 400);
        assertThat(id.body()).contains("Job ID is 4194304 characters long");
        HttpResponse<String> tn = refused("JSON task name of 4 MiB", "PUT", "/v1/jobs",
                register(ok.replace("\"Name\":\"t\"", "\"Name\":\"" + big + "\"")), 400);
        assertThat(tn.body()).contains("task name is 4194304 characters long");
        HttpResponse<String> cmd = refused("JSON command of 4 MiB", "PUT", "/v1/jobs",
                register(ok.replace("/bin/true", big)), 400);
        assertThat(cmd.body()).contains("command is 4194304 characters long");
        refusedJob("HCL job name of 4 MiB", hcl(big, "group \"g\" {\n" + task("t", "memory = 64") + "}"));
        refusedJob("HCL group name of 4 MiB", hcl("huge", "group \"" + big + "\" {\n" + task("t", "memory = 64") + "}"));
        refusedJob("HCL argument of 4 MiB", hcl("huge", "group \"g\" {\n"
                + task("t", "memory = 64").replace("command = \"/bin/true\"", "command = \"/bin/echo\"\n args = [\"" + big + "\"]")
                + "}"));
        assertThat(live.agent.jobs()).noneMatch(j -> j.id().length() > 1000);
    }

    /** A job file that must be refused: by the parser, or else when it is registered. */
    private void refusedJob(String name, String file) throws Exception {
        HttpResponse<String> p = send("PUT", "/v1/jobs/parse", parseBody(file));
        if (p.statusCode() == 200) {
            refused(name + " (register)", "PUT", "/v1/jobs", register(p.body()), 400);
        } else {
            refused(name + " (parse)", "PUT", "/v1/jobs/parse", parseBody(file), 400);
        }
    }

    @Test
    void oversizedBody_refusedWith413() throws Exception {
        byte[] body = new byte[17 << 20];
        java.util.Arrays.fill(body, (byte) ' ');
        body[0] = '{';
        body[body.length - 1] = '}';
        refused("body of 17 MiB", "PUT", "/v1/jobs", body, 413);
        refused("body of 17 MiB to /v1/jobs/parse", "PUT", "/v1/jobs/parse", body, 413);
    }

    @Test
    void oversizedHeadersAndUri_refused() throws Exception {
        report.add("bad input: header of 64 KiB                          -> " + raw("GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(64 << 10) + "\r\n\r\n"));
        assertThat(raw("GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 << 10) + "\r\n\r\n"))
                .matches("HTTP/1.1 (431|400|413) .*");
        StringBuilder many = new StringBuilder("GET /v1/jobs HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 5000; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        String manyStatus = raw(many + "\r\n");
        report.add("bad input: 5 000 headers                             -> " + manyStatus);
        assertThat(manyStatus).matches("HTTP/1.1 (431|400|413) .*");
        String uri = raw("GET /v1/jobs?prefix=" + "a".repeat(64 << 10) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        report.add("bad input: request URI of 64 KiB                     -> " + uri);
        assertThat(uri).matches("HTTP/1.1 (414|431|400) .*");
        String garbage = raw("\u0001\u0002GARBAGE\r\n\r\n");
        report.add("bad input: garbage request line                      -> " + garbage);
        assertThat(garbage).matches("HTTP/1.1 400 .*");
        String badEscape = raw("GET /v1/job/%zz%00 HTTP/1.1\r\nHost: x\r\n\r\n");
        report.add("bad input: bad percent-escape in the path            -> " + badEscape);
        assertThat(badEscape).matches("HTTP/1.1 4\\d\\d .*");
        String badLength = raw("PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n");
        report.add("bad input: negative Content-Length                   -> " + badLength);
        assertThat(badLength).matches("HTTP/1.1 400 .*");
        String hugeLength = raw("PUT /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n{}");
        report.add("bad input: Content-Length of 99 999 999 999 999      -> " + hugeLength);
        assertThat(hugeLength).matches("HTTP/1.1 (400|413) .*");
    }

    /** Sends raw bytes on a fresh connection and returns the status line (with a 10 s read timeout). */
    private String raw(String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", live.api.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (java.net.SocketException closedEarly) {
                // The server may answer and close before it has read everything we send.
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1).trim();
        }
    }
}
