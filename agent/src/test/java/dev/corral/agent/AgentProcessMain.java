package dev.corral.agent;

import dev.corral.agent.config.AgentConfigParser;
import dev.corral.agent.job.Job;
import dev.corral.agent.state.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test harness: a real agent in its own JVM, driven over stdin with one command per line, replies
 * on stdout prefixed {@code reply }. Until the HTTP API exists this is how tests reach an agent they
 * can {@code kill -9}. Commands: {@code register <job json>}, {@code stop <id> [purge]},
 * {@code pids <allocId>}, {@code gc}.
 */
public final class AgentProcessMain {
    private AgentProcessMain() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        Agent agent = Agent.start(AgentConfigParser.parseFile(Path.of(args[0])));
        out.println("reply started " + (System.nanoTime() - t0) / 1_000_000 + " " + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ", 2);
            try {
                switch (p[0]) {
                    case "register" -> out.println("reply " + agent.registerJob(Json.read(p[1], Job.class)).evalId());
                    case "stop" -> {
                        String[] a = p[1].split(" ");
                        out.println("reply " + agent.stopJob("default", a[0], a.length > 1).evalId());
                    }
                    case "pids" -> out.println("reply " + Json.write(agent.taskPids(p[1])));
                    case "gc" -> out.println("reply " + agent.gc().collected().size());
                    case "attached" -> out.println("reply " + agent.allocations().stream()
                            .filter(a -> !agent.taskPids(a.id()).isEmpty()).count());
                    default -> out.println("reply error unknown command " + p[0]);
                }
            } catch (RuntimeException e) {
                out.println("reply error " + e.getMessage().replace('\n', ' '));
            }
        }
        agent.close();
    }
}
