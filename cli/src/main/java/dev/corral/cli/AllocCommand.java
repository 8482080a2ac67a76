package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral alloc ...}: inspect and act on allocations. */
@Command(name = "alloc", description = "Interact with allocations.", subcommands = {
        AllocCommand.Status.class, AllocCommand.Logs.class, ExecCommand.class, AllocCommand.Signal.class,
        AllocCommand.Stop.class, AllocCommand.Restart.class})
final class AllocCommand extends GroupCommand {
    /** Nomad's allocation table (job status, node status). */
    static String allocTable(JsonNode allocs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "Node ID", "Task Group", "Version", "Desired", "Status", "Created",
                "Modified"});
        for (JsonNode a : allocs) {
            rows.add(new String[] {Output.shortId(a.path("ID").asText()), Output.shortId(a.path("NodeID").asText()),
                    a.path("TaskGroup").asText(), a.path("JobVersion").asText("0"), a.path("DesiredStatus").asText(),
                    a.path("ClientStatus").asText(), Output.ago(a.path("CreateTime").asLong()),
                    Output.ago(a.path("ModifyTime").asLong())});
        }
        return Output.table(rows);
    }

    /** Picks the task: the one named, or the only one; Nomad's error when ambiguous. */
    static String task(JsonNode alloc, String named) {
        List<String> tasks = new ArrayList<>();
        alloc.path("TaskStates").fieldNames().forEachRemaining(tasks::add);
        if (named != null && !named.isEmpty()) {
            if (!tasks.isEmpty() && !tasks.contains(named)) {
                throw new ApiClient.UsageError("Could not find task named: " + named + " (tasks: "
                        + String.join(", ", tasks) + ")");
            }
            return named;
        }
        if (tasks.size() == 1) {
            return tasks.getFirst();
        }
        if (tasks.isEmpty()) {
            throw new ApiClient.UsageError("Allocation \"" + Output.shortId(alloc.path("ID").asText())
                    + "\" has no task states yet; specify the task name");
        }
        throw new ApiClient.UsageError("Allocation \"" + Output.shortId(alloc.path("ID").asText())
                + "\" contains multiple tasks. Please specify a task name: " + String.join(", ", tasks));
    }

    @Command(name = "status", description = "Show an allocation: status, tasks, resources and recent events.")
    static final class Status extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix (2+ characters).")
        String id;

        @Option(names = {"-stats"}, description = "Show detailed resource usage.")
        boolean stats;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Option(names = {"-verbose"}, description = "Show full IDs.")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            JsonNode a = api().allocation(id);
            if (json) {
                printJson(a);
                return 0;
            }
            String aid = a.path("ID").asText();
            JsonNode usage = null;
            if ("running".equals(a.path("ClientStatus").asText())) {
                try {
                    usage = api().get("/v1/client/allocation/" + ApiClient.enc(aid) + "/stats");
                } catch (ApiClient.ApiError e) {
                    usage = null;
                }
            }
            List<String[]> kv = new ArrayList<>();
            kv.add(new String[] {"ID", verbose ? aid : Output.shortId(aid)});
            kv.add(new String[] {"Eval ID", verbose ? a.path("EvalID").asText() : Output.shortId(a.path("EvalID").asText())});
            kv.add(new String[] {"Name", a.path("Name").asText()});
            kv.add(new String[] {"Node ID", verbose ? a.path("NodeID").asText() : Output.shortId(a.path("NodeID").asText())});
            kv.add(new String[] {"Node Name", a.path("NodeName").asText()});
            kv.add(new String[] {"Job ID", a.path("JobID").asText()});
            kv.add(new String[] {"Job Version", a.path("Job").path("Version").asText("0")});
            kv.add(new String[] {"Client Status", a.path("ClientStatus").asText()});
            kv.add(new String[] {"Client Description", Output.orNone(a.path("ClientDescription").asText())});
            kv.add(new String[] {"Desired Status", a.path("DesiredStatus").asText()});
            kv.add(new String[] {"Desired Description", Output.orNone(a.path("DesiredDescription").asText())});
            kv.add(new String[] {"Created", Output.ago(a.path("CreateTime").asLong())});
            kv.add(new String[] {"Modified", Output.ago(a.path("ModifyTime").asLong())});
            out().print(Output.kv(kv));
            Map<String, JsonNode> states = new TreeMap<>();
            a.path("TaskStates").fields().forEachRemaining(e -> states.put(e.getKey(), e.getValue()));
            for (var e : states.entrySet()) {
                task(e.getKey(), e.getValue(), a, usage);
            }
            return 0;
        }

        private void task(String name, JsonNode st, JsonNode alloc, JsonNode usage) {
            out().println();
            out().println("Task \"" + name + "\" is \"" + st.path("State").asText() + "\"");
            JsonNode res = findTaskResources(alloc, name);
            JsonNode tu = usage == null ? null : usage.path("Tasks").path(name).path("ResourceUsage");
            out().println("Task Resources:");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"CPU", "Memory", "Disk"});
            String cpu = res.path("CPU").asText("0") + " MHz";
            String mem = res.path("MemoryMB").asLong() + " MiB";
            if (tu != null && !tu.isMissingNode()) {
                cpu = Math.round(tu.path("CpuStats").path("TotalTicks").asDouble()) + "/" + cpu;
                long rss = tu.path("MemoryStats").path("RSS").asLong();
                long used = rss > 0 ? rss : tu.path("MemoryStats").path("Usage").asLong();
                mem = Output.bytes(used) + "/" + mem;
            }
            rows.add(new String[] {cpu, mem, res.path("DiskMB").asLong(0) + " MiB"});
            out().print(Output.table(rows));
            if (stats && tu != null && !tu.isMissingNode()) {
                out().println();
                out().println("Memory Stats");
                JsonNode ms = tu.path("MemoryStats");
                List<String[]> m = new ArrayList<>();
                m.add(new String[] {"Cache", "Kernel Usage", "Max Usage", "RSS", "Swap", "Usage"});
                m.add(new String[] {Output.bytes(ms.path("Cache").asLong()), Output.bytes(ms.path("KernelUsage").asLong()),
                        Output.bytes(ms.path("MaxUsage").asLong()), Output.bytes(ms.path("RSS").asLong()),
                        Output.bytes(ms.path("Swap").asLong()), Output.bytes(ms.path("Usage").asLong())});
                out().print(Output.table(m));
                out().println();
                out().println("CPU Stats");
                JsonNode cs = tu.path("CpuStats");
                List<String[]> c = new ArrayList<>();
                c.add(new String[] {"Percent", "System Mode", "Throttled Periods", "Throttled Time", "User Mode"});
                c.add(new String[] {String.format(java.util.Locale.ROOT, "%.2f%%", cs.path("Percent").asDouble()),
                        String.format(java.util.Locale.ROOT, "%.2f%%", cs.path("SystemMode").asDouble()),
                        cs.path("ThrottledPeriods").asText("0"), cs.path("ThrottledTime").asText("0"),
                        String.format(java.util.Locale.ROOT, "%.2f%%", cs.path("UserMode").asDouble())});
                out().print(Output.table(c));
            }
            out().println();
            out().println("Task Events:");
            List<String[]> kv = new ArrayList<>();
            kv.add(new String[] {"Started At", Output.rfcTime(st.path("StartedAt").asText())});
            kv.add(new String[] {"Finished At", Output.rfcTime(st.path("FinishedAt").asText())});
            kv.add(new String[] {"Total Restarts", st.path("Restarts").asText("0")});
            kv.add(new String[] {"Last Restart", Output.rfcTime(st.path("LastRestart").asText())});
            out().print(Output.kv(kv));
            out().println();
            out().println("Recent Events:");
            List<String[]> ev = new ArrayList<>();
            ev.add(new String[] {"Time", "Type", "Description"});
            List<JsonNode> events = new ArrayList<>();
            st.path("Events").forEach(events::add);
            for (int i = events.size() - 1; i >= 0; i--) {
                JsonNode e = events.get(i);
                ev.add(new String[] {Output.nanosTime(e.path("Time").asLong()), e.path("Type").asText(),
                        e.path("DisplayMessage").asText()});
            }
            out().print(Output.table(ev));
        }

        private static JsonNode findTaskResources(JsonNode alloc, String task) {
            for (JsonNode tg : alloc.path("Job").path("TaskGroups")) {
                if (tg.path("Name").asText().equals(alloc.path("TaskGroup").asText())) {
                    for (JsonNode t : tg.path("Tasks")) {
                        if (t.path("Name").asText().equals(task)) {
                            return t.path("Resources");
                        }
                    }
                }
            }
            return ApiClient.json().createObjectNode();
        }
    }

    @Command(name = "logs", description = "Print a task's stdout (or stderr); -f follows across log rotation.")
    static final class Logs extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix.")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "TASK", description = "Task name (optional with one task).")
        String taskName;

        @Option(names = {"-task"}, paramLabel = "TASK", description = "Task name.")
        String taskOption;

        @Option(names = {"-stderr"}, description = "Show stderr instead of stdout.")
        boolean stderr;

        @Option(names = {"-f"}, description = "Follow: keep printing new output until the task ends.")
        boolean follow;

        @Option(names = {"-tail"}, description = "Start from the end (with -n lines, default 10).")
        boolean tail;

        @Option(names = {"-n"}, paramLabel = "N", description = "Number of lines with -tail (default 10).")
        int lines = -1;

        @Option(names = {"-c"}, paramLabel = "BYTES", description = "Number of bytes with -tail.")
        long bytes = -1;

        @Override
        public Integer call() throws Exception {
            JsonNode a = api().allocation(id);
            String task = AllocCommand.task(a, taskOption != null ? taskOption : taskName);
            String base = "/v1/client/fs/logs/" + ApiClient.enc(a.path("ID").asText()) + "?task="
                    + ApiClient.enc(task) + "&type=" + (stderr ? "stderr" : "stdout") + "&plain=true";
            OutputStream out = new BufferedOutputStream(System.out, 8192);
            if (!tail && lines < 0 && bytes < 0) {
                copy(api().stream(base + (follow ? "&follow=true" : "")), out);
                return 0;
            }
            long offset;
            if (bytes >= 0) {
                offset = bytes;
            } else {
                int n = lines < 0 ? 10 : lines;
                offset = tailOffset(base, n);
            }
            copy(api().stream(base + "&origin=end&offset=" + offset + (follow ? "&follow=true" : "")), out);
            return 0;
        }

        /** How many bytes from the end hold the last {@code n} lines (growing the window as needed). */
        private long tailOffset(String base, int n) throws IOException {
            long window = 16 * 1024;
            while (true) {
                byte[] b;
                try (InputStream in = api().stream(base + "&origin=end&offset=" + window)) {
                    b = in.readAllBytes();
                }
                int end = b.length;
                if (end > 0 && b[end - 1] == '\n') {
                    end--;
                }
                int seen = 0;
                for (int i = end - 1; i >= 0; i--) {
                    if (b[i] == '\n' && ++seen == n) {
                        return b.length - (i + 1);
                    }
                }
                if (b.length < window) {
                    return b.length;
                }
                window *= 4;
            }
        }

        private static void copy(InputStream in, OutputStream out) throws IOException {
            try (in) {
                byte[] buf = new byte[8192];
                int r;
                while ((r = in.read(buf)) > 0) {
                    out.write(buf, 0, r);
                    if (in.available() == 0) {
                        out.flush();
                    }
                }
            }
            out.flush();
        }
    }

    @Command(name = "signal", description = "Send a signal to a task (or every task) of an allocation.")
    static final class Signal extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix.")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "TASK", description = "Task name (default: all tasks).")
        String task;

        @Option(names = {"-s"}, paramLabel = "SIGNAL", description = "Signal to send (default SIGKILL).")
        String signal = "SIGKILL";

        @Option(names = {"-task"}, paramLabel = "TASK", description = "Task name.")
        String taskOption;

        @Override
        public Integer call() {
            JsonNode a = api().allocation(id);
            String t = taskOption != null ? taskOption : task;
            if (t != null) {
                AllocCommand.task(a, t);
            }
            String sig = signal.toUpperCase(java.util.Locale.ROOT);
            if (!sig.startsWith("SIG")) {
                sig = "SIG" + sig;
            }
            api().put("/v1/client/allocation/" + ApiClient.enc(a.path("ID").asText()) + "/signal",
                    ApiClient.map("Task", t == null ? "" : t, "Signal", sig));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop an allocation (the scheduler replaces it if the job still wants it).")
    static final class Stop extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix.")
        String id;

        @Option(names = {"-detach"}, description = "Return right away, printing the evaluation ID.")
        boolean detach;

        @Override
        public Integer call() {
            JsonNode a = api().allocation(id);
            JsonNode resp = api().put("/v1/allocation/" + ApiClient.enc(a.path("ID").asText()) + "/stop", null);
            String evalId = resp.path("EvalID").asText();
            if (detach || evalId.isEmpty()) {
                out().println(evalId);
                return 0;
            }
            return new EvalMonitor(api(), out()).monitor(evalId, false);
        }
    }

    @Command(name = "restart", description = "Restart a task (or every task) of an allocation in place.")
    static final class Restart extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ALLOC", description = "Allocation ID or prefix.")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "TASK", description = "Task name.")
        String task;

        @Option(names = {"-task"}, paramLabel = "TASK", description = "Task name.")
        String taskOption;

        @Option(names = {"-all-tasks"}, description = "Restart every task, including ones that finished.")
        boolean allTasks;

        @Override
        public Integer call() {
            JsonNode a = api().allocation(id);
            String t = taskOption != null ? taskOption : task;
            if (t != null && allTasks) {
                throw new ApiClient.UsageError("The -all-tasks option cannot be used with a task name");
            }
            if (t != null) {
                AllocCommand.task(a, t);
            }
            api().put("/v1/client/allocation/" + ApiClient.enc(a.path("ID").asText()) + "/restart",
                    ApiClient.map("TaskName", t == null ? "" : t, "AllTasks", allTasks));
            return 0;
        }
    }
}
