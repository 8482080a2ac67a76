package dev.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.agent.job.Job;
import dev.corral.agent.job.Task;
import dev.corral.agent.job.TaskGroup;
import dev.corral.agent.sched.ResourceAsk;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.HandleRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 running tasks under one agent JVM that is killed with SIGKILL and started again: every task
 * is reattached (same sandbox pids). Also records the agent's RSS idle and with 200 tasks and the
 * time from restart until all 200 are reattached, in {@code target/agent-scale.txt} (measurements,
 * not assertions: the numbers depend on the machine).
 */
@Tag("root")
class AgentScaleIT {
    private static final int TASKS = Integer.getInteger("corral.scale.tasks", 200);
    @TempDir
    Path dir;
    private String cgroup;
    private String jobId;
    private AgentProcess agent;
    private StateStore view;

    @AfterEach
    void cleanup() throws Exception {
        try {
            if (agent != null && agent.process.isAlive()) {
                agent.call("stop " + jobId);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (System.nanoTime() < deadline
                        && !view.allocs().stream().allMatch(AllocRecord::clientTerminal)) {
                    Thread.sleep(200);
                }
                agent.in.close();
                agent.process.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            if (agent != null) {
                agent.process.destroyForcibly();
            }
            if (jobId != null) {
                HostProcesses.killJob(jobId);
            }
            if (view != null) {
                view.close();
            }
            if (cgroup != null) {
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private Set<Long> handlePids() throws IOException {
        Set<Long> out = new HashSet<>();
        for (HandleRecord h : view.handles()) {
            if (h.version() > 0) {
                out.add(Json.mapper().readTree(h.json()).get("sandbox_pid").asLong());
            }
        }
        return out;
    }

    @Test
    void twoHundredTasks_allReattachedAfterKill9_withMeasurements() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        cgroup = AgentFixture.cgroupParent();
        jobId = "scale-" + cgroup.substring(cgroup.length() - 8);
        Path cfg = dir.resolve("agent.hcl");
        Files.writeString(cfg, "data_dir = \"" + dir.resolve("data") + "\"\n"
                + "client {\n  gc_interval = \"1h\"\n}\n"
                + "plugin \"exec\" {\n  config {\n    cgroup_parent = \"" + cgroup + "\"\n  }\n}\n");
        Path logback = dir.resolve("logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
                  <appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n%ex</pattern></encoder></appender>
                  <logger name="dev.corral.agent.Agent" level="INFO"/>
                  <root level="WARN"><appender-ref ref="E"/></root>
                </configuration>
                """);
        // -Dcorral.scale.jvm="..." measures other JVM settings ("default" = the JVM's own ergonomics).
        String flags = System.getProperty("corral.scale.jvm", "-XX:+UseSerialGC -Xms32m -Xmx256m");
        List<String> jvm = new ArrayList<>(flags.equals("default") ? List.of() : List.of(flags.trim().split("\\s+")));
        jvm.add("-Dlogback.configurationFile=" + logback);
        agent = new AgentProcess(cfg, dir.resolve("agent.log"), jvm);
        view = StateStore.open(dir.resolve("data").resolve("state.db"));
        long pid = agent.process.pid();
        long idleRss = rssKb(pid);

        Task t = Task.exec("t", "/bin/sh", List.of("-c", "trap 'exit 0' INT; while true; do sleep 5; done"))
                .withResources(new ResourceAsk(10, 0, 10, 0));
        long t0 = System.nanoTime();
        agent.call("register " + Json.write(Job.of(jobId, "service", List.of(TaskGroup.of("g", TASKS, List.of(t))))));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (view.allocs().stream().filter(a -> a.clientStatus().equals("running")).count() < TASKS) {
            assertThat(System.nanoTime()).as("all tasks running in time").isLessThan(deadline);
            Thread.sleep(100);
        }
        long startAllMs = (System.nanoTime() - t0) / 1_000_000;
        Set<Long> before = handlePids();
        assertThat(before).hasSize(TASKS);
        long busyRss = rssKb(pid);
        long sandboxRss = 0;
        for (long p : before) {
            sandboxRss += rssKb(p);
        }

        agent.kill9();
        long r0 = System.nanoTime();
        agent = new AgentProcess(cfg, dir.resolve("agent.log"), jvm);
        long startedMs = (System.nanoTime() - r0) / 1_000_000;
        while (Long.parseLong(agent.call("attached")) < TASKS) {
            assertThat(System.nanoTime() - r0).as("reattach in time").isLessThan(TimeUnit.MINUTES.toNanos(5));
            Thread.sleep(20);
        }
        long reattachMs = (System.nanoTime() - r0) / 1_000_000;
        long rssAfter = rssKb(agent.process.pid());
        assertThat(handlePids()).isEqualTo(before);
        assertThat(view.allocs()).hasSize(TASKS);
        for (long p : before) {
            assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive)).contains(true);
        }
        List<String> lines = new ArrayList<>();
        lines.add("tasks=" + TASKS + " jvm=" + flags);
        lines.add("agent_rss_idle_kb=" + idleRss);
        lines.add("agent_rss_with_tasks_kb=" + busyRss);
        lines.add("agent_rss_after_reattach_kb=" + rssAfter);
        lines.add("sandbox_rss_avg_kb=" + sandboxRss / TASKS);
        lines.add("time_register_to_all_running_ms=" + startAllMs);
        lines.add("time_restart_to_agent_started_ms=" + startedMs + " (Agent.start " + agent.startMillis + " ms)");
        lines.add("time_restart_to_all_reattached_ms=" + reattachMs);
        Path out = Path.of("target", "agent-scale.txt");
        Files.write(out, lines);
        Files.copy(dir.resolve("agent.log"), Path.of("target", "agent-scale.log"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        lines.forEach(System.out::println);
    }
}
