package dev.corral.agent.fault;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in a child JVM ({@code dev.corral.agent.AgentProcessMain}): commands on stdin, one
 * {@code reply ...} line per command on stdout; {@link #kill9()} sends SIGKILL.
 */
final class ChildAgent {
    final Process process;
    private final PrintWriter in;
    final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    ChildAgent(Path config, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.corral.agent.AgentProcessMain",
                config.toString()));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("reply ")) {
                        replies.add(line.substring(6));
                    }
                }
            } catch (IOException gone) {
                // the process died
            }
        });
        String started = replies.poll(120, TimeUnit.SECONDS);
        if (started == null || !started.startsWith("started ")) {
            process.destroyForcibly();
            throw new AssertionError("agent did not start (" + started + "); see " + log);
        }
    }

    void send(String command) {
        in.println(command);
    }

    /** Sends a command and waits for its reply. */
    String call(String command) throws InterruptedException {
        send(command);
        String r = replies.poll(120, TimeUnit.SECONDS);
        if (r == null || r.startsWith("error")) {
            throw new AssertionError("reply to " + command.substring(0, Math.min(80, command.length())) + ": " + r);
        }
        return r;
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("agent survived SIGKILL");
        }
    }
}
