package dev.corral.agent.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code alloc exec} session on {@code /v1/client/allocation/:id/exec}, speaking Nomad's
 * frames: input {@code {"stdin":{"data":b64}}}, {@code {"stdin":{"close":true}}},
 * {@code {"tty_size":{"height":h,"width":w}}} and heartbeats {@code {}}; output
 * {@code {"stdout":{"data":b64}}}, {@code {"stderr":...}}, then
 * {@code {"exited":true,"result":{"exit_code":n}}} and a normal close. Errors close the socket
 * with 1008 (or 1011 for internal errors) and the message, as Nomad does.
 */
public final class ExecSocket implements Session.Listener.AutoDemanding {
    private static final Logger LOG = LoggerFactory.getLogger(ExecSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiBackend backend;
    private final String allocId;
    private final String task;
    private final String commandJson;
    private final String ttyParam;
    /** Whether the upgrade's token still allows exec; checked every second while the command runs. */
    private final java.util.function.BooleanSupplier stillAllowed;
    private Session session;
    /** Set once the process runs; read by the input callbacks. */
    private volatile Process process;
    private volatile Pty pty;
    /** Guards ordered sends on {@link #session}. */
    private final Object sendLock = new Object();
    /** Completes once the process runs (or failed to start); input waits for it, keeping order. */
    private final java.util.concurrent.CompletableFuture<Boolean> started = new java.util.concurrent.CompletableFuture<>();

    ExecSocket(ApiBackend backend, Request upgrade) {
        this.backend = backend;
        String path = upgrade.getHttpURI().getDecodedPath();
        String[] parts = path.split("/");
        this.allocId = parts[4];
        Fields q = Request.extractQueryParameters(upgrade, StandardCharsets.UTF_8);
        this.task = q.getValue("task");
        this.commandJson = q.getValue("command");
        this.ttyParam = q.getValue("tty");
        this.stillAllowed = AclGate.stillAllowed(upgrade);
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        Thread.ofVirtual().name("exec-" + allocId).start(this::run);
    }

    private void run() {
        try {
            start();
        } catch (ApiException e) {
            started.complete(false);
            closeWith(e.status() == 500 ? StatusCode.SERVER_ERROR : StatusCode.POLICY_VIOLATION, e.getMessage());
        } catch (Exception e) {
            started.complete(false);
            LOG.atWarn().setCause(e).addKeyValue("alloc", allocId).log("exec session failed");
            closeWith(StatusCode.SERVER_ERROR, "exec failed: " + e.getMessage());
        }
    }

    private void start() throws Exception {
        var alloc = backend.allocation(allocId)
                .orElseThrow(() -> ApiException.notFound("Unknown allocation \"" + allocId + "\""));
        if (task == null || task.isEmpty()) {
            throw ApiException.badRequest("missing task name");
        }
        if (alloc.taskStates() == null || !alloc.taskStates().containsKey(task)) {
            throw ApiException.badRequest("unknown task name \"" + task + "\"");
        }
        List<String> command;
        try {
            command = commandJson == null ? List.of() : JSON.readValue(commandJson, new TypeReference<>() {});
        } catch (IOException e) {
            throw ApiException.badRequest("failed to parse command: expected a JSON array of strings");
        }
        if (command == null || command.isEmpty()) {
            throw ApiException.badRequest("command is not present");
        }
        boolean tty = ttyParam != null && !ttyParam.isEmpty() && Boolean.parseBoolean(ttyParam);
        var state = alloc.taskStates().get(task);
        if (!"running".equals(state.state())) {
            throw ApiException.badRequest("task \"" + task + "\" is not running");
        }
        ApiBackend.ExecTarget target = backend.execTarget(allocId, task, command, tty);
        List<String> argv = new ArrayList<>();
        if (tty) {
            // setsid -c makes the pty the new session's controlling terminal, so shells get job control.
            argv.addAll(List.of("setsid", "-w", "-c"));
        }
        argv.addAll(target.argv());
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(target.env());
        if (target.workDir() != null) {
            pb.directory(target.workDir().toFile());
        }
        List<Thread> pumps = new ArrayList<>();
        if (tty) {
            pb.environment().putIfAbsent("TERM", "xterm");
            Pty p = Pty.open(80, 24);
            File slave = new File(p.slavePath());
            pb.redirectInput(slave).redirectOutput(slave).redirectError(slave);
            pty = p;
            process = pb.start();
            started.complete(true);
            pumps.add(Thread.ofPlatform().daemon().name("exec-pty-" + allocId).start(() -> pumpPty(p)));
        } else {
            process = pb.start();
            started.complete(true);
            pumps.add(Thread.ofVirtual().start(() -> pump(process.getInputStream(), "stdout")));
            pumps.add(Thread.ofVirtual().start(() -> pump(process.getErrorStream(), "stderr")));
        }
        boolean revoked = false;
        while (!process.waitFor(1, TimeUnit.SECONDS)) {
            if (!stillAllowed.getAsBoolean()) {
                // the token was deleted or lost alloc-exec: its holder may no longer run anything here
                revoked = true;
                stopProcess();
            }
        }
        int code = process.exitValue();
        for (Thread t : pumps) {
            t.join(TimeUnit.SECONDS.toMillis(2));
        }
        if (pty != null) {
            pty.close();
        }
        if (revoked) {
            closeWith(StatusCode.POLICY_VIOLATION, dev.corral.agent.acl.AclException.PERMISSION_DENIED);
            return;
        }
        ObjectNode exited = JSON.createObjectNode();
        exited.put("exited", true);
        exited.putObject("result").put("exit_code", code);
        send(exited.toString());
        closeWith(StatusCode.NORMAL, "");
    }

    private void pump(InputStream in, String stream) {
        byte[] buf = new byte[32 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sendData(stream, buf, n);
            }
        } catch (IOException e) {
            LOG.atDebug().setCause(e).log("exec output ended");
        }
    }

    private void pumpPty(Pty p) {
        byte[] buf = new byte[32 * 1024];
        try {
            while (true) {
                int n = p.read(buf, 200);
                if (n < 0) {
                    return;
                }
                if (n == 0) {
                    // poll timed out: end once the process is gone and nothing is left to read
                    Process pr = process;
                    if (pr != null && !pr.isAlive() && p.read(buf, 0) <= 0) {
                        return;
                    }
                    continue;
                }
                sendData("stdout", buf, n);
            }
        } catch (IOException e) {
            LOG.atDebug().setCause(e).log("exec pty ended");
        }
    }

    private void sendData(String stream, byte[] buf, int n) {
        ObjectNode frame = JSON.createObjectNode();
        frame.putObject(stream).put("data", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n)));
        send(frame.toString());
    }

    private void send(String text) {
        synchronized (sendLock) {
            if (session == null || !session.isOpen()) {
                return;
            }
            Callback.Completable done = new Callback.Completable();
            session.sendText(text, done);
            try {
                done.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.atDebug().setCause(e).log("exec send failed");
            }
        }
    }

    private void closeWith(int code, String reason) {
        synchronized (sendLock) {
            if (session != null && session.isOpen()) {
                session.close(code, reason, Callback.NOOP);
            }
        }
    }

    @Override
    public void onWebSocketText(String message) {
        try {
            if (!started.get(30, TimeUnit.SECONDS)) {
                return;
            }
            JsonNode in = JSON.readTree(message);
            JsonNode stdin = in.get("stdin");
            if (stdin != null) {
                byte[] data = stdin.hasNonNull("data") ? Base64.getDecoder().decode(stdin.get("data").asText())
                        : new byte[0];
                if (data.length > 0) {
                    writeStdin(data);
                }
                if (stdin.path("close").asBoolean(false)) {
                    closeStdin();
                }
            }
            JsonNode size = in.get("tty_size");
            if (size != null && pty != null) {
                pty.resize(size.path("width").asInt(80), size.path("height").asInt(24));
            }
        } catch (IOException | IllegalArgumentException e) {
            closeWith(StatusCode.POLICY_VIOLATION, "invalid exec input frame: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            closeWith(StatusCode.SERVER_ERROR, "exec process did not start");
        }
    }

    private void writeStdin(byte[] data) throws IOException {
        if (pty != null) {
            pty.write(data);
            return;
        }
        Process p = process;
        if (p != null) {
            OutputStream os = p.getOutputStream();
            os.write(data);
            os.flush();
        }
    }

    private void closeStdin() throws IOException {
        if (pty != null) {
            pty.write(new byte[] {4}); // ^D: end of input on a terminal
            return;
        }
        Process p = process;
        if (p != null) {
            p.getOutputStream().close();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        stopProcess();
        callback.succeed();
    }

    private void stopProcess() {
        started.complete(false);
        Process p = process;
        if (p != null && p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.atDebug().setCause(cause).log("exec websocket error");
        stopProcess();
    }
}
