package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral alloc exec}: runs a command inside a running task over the agent's exec
 * WebSocket (Nomad's frames), with stdin forwarded and an optional terminal.
 */
@Command(name = "exec", description = {"Run a command inside a running task.",
        "The exit code is the command's."})
final class ExecCommand extends ClientCommand {
    @Option(names = {"-i"}, arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Forward stdin (default true).")
    boolean stdin = true;

    @Option(names = {"-t"}, arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Allocate a terminal (default: when stdin is a terminal).")
    Boolean tty;

    @Option(names = {"-task"}, paramLabel = "TASK", description = "Task name.")
    String taskOption;

    @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "[TASK] CMD", description = "Optional task name, then the command and its arguments.")
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        JsonNode a = api().allocation(id);
        List<String> cmd = new ArrayList<>(rest);
        String task = taskOption;
        if (task == null && cmd.size() >= 2 && a.path("TaskStates").has(cmd.getFirst())) {
            task = cmd.removeFirst();
        }
        task = AllocCommand.task(a, task);
        boolean useTty = tty != null ? tty : System.console() != null && System.console().isTerminal();
        String query = "task=" + ApiClient.enc(task) + "&tty=" + useTty + "&command="
                + ApiClient.enc(ApiClient.json().writeValueAsString(cmd));
        URI base = api().base();
        URI ws = URI.create((base.getScheme().equals("https") ? "wss" : "ws") + "://" + base.getRawAuthority()
                + "/v1/client/allocation/" + ApiClient.enc(a.path("ID").asText()) + "/exec?" + query);
        Session s = new Session(System.out, System.err);
        WebSocket socket = api().authorize(api().http().newWebSocketBuilder()).buildAsync(ws, s).join();
        String restoreStty = null;
        if (useTty && stdin) {
            restoreStty = Terminal.makeRaw();
            sendSize(socket);
            try {
                // follow the local window's size, as Nomad's client does
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), sig -> sendSize(socket));
            } catch (IllegalArgumentException noWinch) {
                // no SIGWINCH on this platform: the size stays the initial one
            }
        }
        Thread.ofPlatform().daemon().name("exec-heartbeat").start(() -> heartbeat(socket, s));
        if (stdin) {
            Thread.ofPlatform().daemon().name("exec-stdin").start(() -> forwardStdin(socket));
        } else {
            try {
                send(socket, "{\"stdin\":{\"close\":true}}");
            } catch (java.util.concurrent.CompletionException e) {
                // a short command can run, report its exit and have the socket closed before this
                // frame goes out: its result is then here or arriving (CliTest caught it as exit code 1)
                try {
                    s.exit.get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ended) {
                    throw e;
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        try {
            return s.exit.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            if (restoreStty != null) {
                Terminal.restore(restoreStty);
            }
            socket.abort();
        }
    }

    private static void sendSize(WebSocket socket) {
        int[] size = Terminal.size();
        if (size != null) {
            send(socket, "{\"tty_size\":{\"height\":" + size[0] + ",\"width\":" + size[1] + "}}");
        }
    }

    private static synchronized void send(WebSocket socket, String text) {
        socket.sendText(text, true).join();
    }

    /** Nomad's client sends an empty frame every 10 s so idle sessions stay open. */
    private static void heartbeat(WebSocket socket, Session s) {
        try {
            while (!s.exit.isDone()) {
                try {
                    s.exit.get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException idle) {
                    send(socket, "{}");
                }
            }
        } catch (Exception e) {
            // the session ended
        }
    }

    private static void forwardStdin(WebSocket socket) {
        byte[] buf = new byte[4096];
        InputStream in = System.in;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                ObjectNode f = ApiClient.json().createObjectNode();
                f.putObject("stdin").put("data", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n)));
                send(socket, f.toString());
            }
            send(socket, "{\"stdin\":{\"close\":true}}");
        } catch (IOException | RuntimeException e) {
            // the session ended while reading stdin; nothing to forward anymore
        }
    }

    /** Receives output frames and the exit result. */
    static final class Session implements WebSocket.Listener {
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        private final PrintStream out;
        private final PrintStream err;
        private final StringBuilder partial = new StringBuilder();

        Session(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode f = ApiClient.json().readTree(partial.toString());
                    if (f.has("stdout")) {
                        write(out, f.get("stdout"));
                    }
                    if (f.has("stderr")) {
                        write(err, f.get("stderr"));
                    }
                    if (f.path("exited").asBoolean()) {
                        exit.complete(f.path("result").path("exit_code").asInt());
                    }
                } catch (IOException e) {
                    exit.completeExceptionally(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        private static void write(PrintStream s, JsonNode op) {
            if (op.hasNonNull("data")) {
                byte[] b = Base64.getDecoder().decode(op.get("data").asText());
                s.write(b, 0, b.length);
                s.flush();
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            if (!exit.isDone()) {
                if (code == WebSocket.NORMAL_CLOSURE) {
                    exit.complete(0);
                } else {
                    exit.completeExceptionally(new ApiClient.UsageError("failed to exec into task: " + reason));
                }
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            exit.completeExceptionally(new ApiClient.ApiError(0, "exec session failed: " + error.getMessage()));
        }
    }

    /** The local terminal, through {@code stty} on {@code /dev/tty} (no native code in the CLI). */
    static final class Terminal {
        private Terminal() {}

        static String makeRaw() {
            String saved = stty("-g");
            if (saved != null) {
                stty("raw", "-echo");
            }
            return saved;
        }

        static void restore(String saved) {
            stty(saved);
        }

        static int[] size() {
            String s = stty("size");
            if (s == null) {
                return null;
            }
            String[] p = s.trim().split("\\s+");
            try {
                return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
            } catch (RuntimeException e) {
                return null;
            }
        }

        private static String stty(String... args) {
            List<String> cmd = new ArrayList<>(List.of("stty"));
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectInput(new java.io.File("/dev/tty"))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return p.waitFor() == 0 ? out : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
