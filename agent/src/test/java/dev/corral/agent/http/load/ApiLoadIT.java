package dev.corral.agent.http.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.http.fuzz.LiveAgent;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.JobRecord;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@value #CLIENTS} concurrent clients (virtual threads, one JDK HttpClient) submit, read and stop
 * batch jobs ({@code /bin/true} or a short {@code sleep}) against one real agent on loopback for
 * {@code -Dcorral.load.seconds} (default 20; the full run is 60). Zero errors (every answer 2xx,
 * no I/O error), zero lost jobs (every acknowledged job is in the store, stopped if it was stopped,
 * and every other one ran to completion), and API latency p50/p99 printed and written to
 * {@code bench/results/load-<date>.txt} when the duration is given ({@code agent/target/} otherwise).
 */
@Tag("root")
class ApiLoadIT {
    static final int CLIENTS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** One answered request: operation and latency. */
    record Sample(String op, long nanos) {}

    @Test
    void twoHundredClients_submitReadStop_zeroErrors_zeroLostJobs() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        int seconds = Integer.getInteger("corral.load.seconds", 20);
        long seed = Long.getLong("corral.load.seed", System.nanoTime());
        System.out.println("ApiLoadIT: " + CLIENTS + " clients for " + seconds + " s, seed " + seed);
        try (LiveAgent live = new LiveAgent(dir, "  gc_max_allocs = 100000");
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(10)).build()) {
            ObjectNode base = (ObjectNode) JSON.readTree(send(http, live, "PUT", "/v1/jobs/parse",
                    JSON.writeValueAsString(Map.of("JobHCL", """
                            job "load" {
                              datacenters = ["dc1"]
                              type = "batch"
                              group "g" {
                                restart { attempts = 0 }
                                task "t" {
                                  driver = "exec"
                                  config {
                                    command = "/bin/true"
                                  }
                                  resources {
                                    cpu    = 20
                                    memory = 16
                                  }
                                }
                              }
                            }
                            """, "Canonicalize", true))).body());
            ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            Set<String> submitted = ConcurrentHashMap.newKeySet();
            Set<String> stopped = ConcurrentHashMap.newKeySet();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    Random rnd = new Random(seed + c);
                    clients.add(pool.submit(() -> {
                        List<String> mine = new ArrayList<>();
                        for (int n = 0; System.nanoTime() < deadline; n++) {
                            int dice = rnd.nextInt(100);
                            try {
                                if (dice < 8 || mine.isEmpty()) {
                                    String id = "load-" + client + "-" + n;
                                    ObjectNode job = base.deepCopy().put("ID", id).put("Name", id);
                                    if (rnd.nextBoolean()) {
                                        ObjectNode cfg = (ObjectNode) job.get("TaskGroups").get(0).get("Tasks").get(0).get("Config");
                                        cfg.put("command", "/bin/sleep");
                                        cfg.set("args", JSON.createArrayNode().add("1"));
                                    }
                                    timed(samples, errors, "submit", () -> send(http, live, "PUT", "/v1/jobs",
                                            JSON.writeValueAsString(Map.of("Job", job))));
                                    submitted.add(id);
                                    mine.add(id);
                                } else if (dice < 12) {
                                    String id = mine.remove(rnd.nextInt(mine.size()));
                                    timed(samples, errors, "stop", () -> send(http, live, "DELETE", "/v1/job/" + id, null));
                                    stopped.add(id);
                                } else {
                                    String id = mine.get(rnd.nextInt(mine.size()));
                                    String path = switch (rnd.nextInt(4)) {
                                        case 0 -> "/v1/job/" + id;
                                        case 1 -> "/v1/job/" + id + "/allocations";
                                        case 2 -> "/v1/job/" + id + "/summary";
                                        default -> "/v1/jobs?prefix=load-" + client + "-";
                                    };
                                    timed(samples, errors, "read", () -> send(http, live, "GET", path, null));
                                }
                            } catch (RuntimeException e) {
                                errors.add(e.toString());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get();
                }
            }
            long endOfLoad = System.nanoTime();
            // Every acknowledged job: present; stopped ones stopped; the others ran to completion.
            AgentFixture.await(live.agent, Duration.ofMinutes(3), () -> live.agent,
                    a -> submitted.stream().allMatch(id -> settled(a, id, stopped.contains(id))), "every job settled");
            long settleMs = (System.nanoTime() - endOfLoad) / 1_000_000;
            List<String> lost = submitted.stream().filter(id -> live.agent.job("default", id).isEmpty()).toList();

            String report = report(samples, seconds, submitted.size(), stopped.size(), errors.size(), lost.size(), settleMs);
            System.out.print(report);
            errors.stream().limit(20).forEach(e -> System.out.println("ApiLoadIT error: " + e));
            // A run asked for by duration is a measurement for bench/results; the default run keeps its report in
            // target/ so that running the suite does not rewrite a committed result.
            Path results = System.getProperty("corral.load.seconds") != null
                    ? Path.of(System.getProperty("user.dir")).resolve("../bench/results").normalize()
                    : Path.of(System.getProperty("user.dir")).resolve("target");
            Files.createDirectories(results);
            Path file = results.resolve("load-" + LocalDate.now() + ".txt");
            Files.writeString(file, report, StandardCharsets.UTF_8);
            System.out.println("ApiLoadIT: report written to " + file);

            assertThat(errors).as("errors").isEmpty();
            assertThat(lost).as("lost jobs").isEmpty();
            assertThat(submitted).isNotEmpty();
            assertThat(live.agent.store().integrityCheck()).isEqualTo("ok");
        }
    }

    private static boolean settled(dev.corral.agent.Agent a, String id, boolean stopped) {
        JobRecord j = a.job("default", id).orElse(null);
        if (j == null) {
            return false;
        }
        List<AllocRecord> allocs = a.jobAllocations("default", id);
        if (stopped) {
            return j.stop() && allocs.stream().allMatch(x -> x.clientTerminal() && a.taskPids(x.id()).isEmpty());
        }
        return allocs.size() == 1 && allocs.getFirst().clientStatus().equals("complete");
    }

    @FunctionalInterface
    interface Call {
        HttpResponse<String> run() throws Exception;
    }

    private static void timed(ConcurrentLinkedQueue<Sample> samples, ConcurrentLinkedQueue<String> errors, String op, Call call) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = call.run();
            samples.add(new Sample(op, System.nanoTime() - t0));
            if (r.statusCode() / 100 != 2) {
                errors.add(op + " " + r.uri() + " -> " + r.statusCode() + " " + r.body());
            }
        } catch (Exception e) {
            errors.add(op + " -> " + e);
            if (op.equals("submit")) {
                throw new IllegalStateException("submit failed", e); // not acknowledged: not counted as submitted
            }
        }
    }

    /**
     * Sends once: a request the server leaves unanswered (a reset or closed connection) is an error of
     * the run. All {@value #CLIENTS} clients start at once, so the first requests open that many
     * connections together: the agent's listen backlog must hold them (it once did not, see
     * {@code HttpApi.ACCEPT_QUEUE}).
     */
    private static HttpResponse<String> send(HttpClient http, LiveAgent live, String method, String path, String body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(live.uri(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String report(ConcurrentLinkedQueue<Sample> samples, int seconds, int jobs, int stops, int errors, int lost,
                                 long settleMs) {
        StringBuilder sb = new StringBuilder();
        sb.append("Corral API load: ").append(CLIENTS).append(" concurrent clients for ").append(seconds)
                .append(" s against one agent on loopback (").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs), batch jobs running /bin/true or sleep 1\n");
        sb.append("reproduce: mvn -B -o -pl agent -am verify -Dit.test=ApiLoadIT -Dcorral.load.seconds=").append(seconds)
                .append(" -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false\n");
        sb.append("requests: ").append(samples.size()).append(" (").append(samples.size() / Math.max(1, seconds))
                .append("/s), jobs submitted: ").append(jobs).append(", stopped: ").append(stops)
                .append(", errors: ").append(errors).append(", lost jobs: ").append(lost)
                .append(", all jobs settled ").append(settleMs).append(" ms after the load ended\n");
        Map<String, List<Long>> byOp = new TreeMap<>();
        for (Sample s : samples) {
            byOp.computeIfAbsent(s.op(), k -> new ArrayList<>()).add(s.nanos());
            byOp.computeIfAbsent("all", k -> new ArrayList<>()).add(s.nanos());
        }
        sb.append(String.format("%-8s %9s %9s %9s %9s %9s%n", "op", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"));
        byOp.forEach((op, l) -> {
            long[] a = l.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            sb.append(String.format("%-8s %9d %9.1f %9.1f %9.1f %9.1f%n", op, a.length, pct(a, 50), pct(a, 90), pct(a, 99),
                    a[a.length - 1] / 1e6));
        });
        return sb.toString();
    }

    private static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
