package dev.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real agent in a child JVM driven through {@link AgentProcessMain}: commands on stdin, one
 * {@code reply ...} line per command on stdout; {@link #kill9()} sends SIGKILL.
 */
public final class AgentProcess {
    public final Process process;
    final PrintWriter in;
    public final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    final long startMillis;

    public AgentProcess(Path config, Path log) throws Exception {
        this(config, log, java.util.List.of());
    }

    public AgentProcess(Path config, Path log, java.util.List<String> jvmArgs) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin,
                "--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true"));
        cmd.addAll(jvmArgs);
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), AgentProcessMain.class.getName(),
                config.toString()));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("reply ")) {
                        replies.add(line.substring(6));
                    } else {
                        java.nio.file.Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND);
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
        });
        String started = replies.poll(120, TimeUnit.SECONDS);
        if (started == null || !started.startsWith("started ")) {
            process.destroyForcibly();
            throw new AssertionError("agent did not start (" + started + "); see " + log);
        }
        startMillis = Long.parseLong(started.split(" ")[1]);
    }

    /** Sends a command without waiting for its reply (see {@link #replies}). */
    public void send(String command) {
        in.println(command);
    }

    /** Sends a command and waits for its reply, which must not be an error. */
    public String call(String command) throws InterruptedException {
        send(command);
        String r = reply();
        assertThat(r).as("reply to %s", command).doesNotStartWith("error");
        return r;
    }

    String reply() throws InterruptedException {
        String r = replies.poll(120, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("agent did not reply (alive: " + process.isAlive() + ")");
        }
        return r;
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
