package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral job ...}: submit, inspect and stop jobs on an agent. */
@Command(name = "job", description = "Interact with jobs.", subcommands = {
        JobCommand.Run.class, JobCommand.Status.class, JobCommand.Stop.class, JobCommand.Validate.class,
        JobCommand.Inspect.class, JobCommand.Plan.class})
final class JobCommand extends GroupCommand {
    abstract static class FileCommand extends ClientCommand {
        @Option(names = {"-var"}, paramLabel = "NAME=VALUE", description = "Set an input variable (repeatable).")
        List<String> vars = new ArrayList<>();

        @Option(names = {"-var-file"}, paramLabel = "FILE", description = "Read input variables from a file.")
        List<String> varFiles = new ArrayList<>();

        @Parameters(index = "0", paramLabel = "FILE", description = "Job file (HCL2 or JSON; - reads stdin).")
        String file;

        List<String> warnings = List.of();

        ObjectNode job() throws java.io.IOException {
            JobFile.Loaded l = JobFile.load(file, vars, varFiles);
            warnings = l.warnings();
            return l.job();
        }
    }

    @Command(name = "run", description = {"Submit a job file and monitor its evaluation and allocations.",
            "Exit codes: 0 placed and running, 1 error, 2 placement or allocation failure."})
    static final class Run extends FileCommand {
        @Option(names = {"-detach"}, description = "Return right after submitting, printing the evaluation ID.")
        boolean detach;

        @Override
        public Integer call() throws Exception {
            ObjectNode job = job();
            JsonNode resp = api().put("/v1/jobs", ApiClient.map("Job", job));
            List<String> all = new ArrayList<>(warnings);
            if (!resp.path("Warnings").asText().isEmpty()) {
                all.add(resp.path("Warnings").asText());
            }
            if (!all.isEmpty()) {
                out().println("Job Warnings:\n" + String.join("\n", all) + "\n");
            }
            String evalId = resp.path("EvalID").asText();
            if (detach) {
                out().println("Job registration successful");
                out().println("Evaluation ID: " + evalId);
                return 0;
            }
            if (evalId.isEmpty()) {
                out().println("Job registration successful (no evaluation: the job is periodic or parameterized)");
                return 0;
            }
            return new EvalMonitor(api(), out()).monitor(evalId, true);
        }
    }

    @Command(name = "status", description = "Show all jobs, or one job with its summary and allocations.")
    static final class Status extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "JOB", description = "Job ID or prefix.")
        String id;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (id == null) {
                JsonNode jobs = api().get("/v1/jobs");
                if (json) {
                    printJson(jobs);
                    return 0;
                }
                if (jobs.isEmpty()) {
                    out().println("No running jobs");
                    return 0;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "Type", "Priority", "Status", "Submit Date"});
                for (JsonNode j : jobs) {
                    rows.add(new String[] {j.path("ID").asText(), j.path("Type").asText(),
                            j.path("Priority").asText(), j.path("Status").asText(),
                            Output.nanosTime(j.path("SubmitTime").asLong())});
                }
                out().print(Output.table(rows));
                return 0;
            }
            JsonNode job = api().job(id);
            String jid = ApiClient.enc(job.path("ID").asText());
            JsonNode summary = api().get("/v1/job/" + jid + "/summary");
            JsonNode allocs = api().get("/v1/job/" + jid + "/allocations");
            if (json) {
                printJson(job);
                return 0;
            }
            List<String[]> kv = new ArrayList<>();
            kv.add(new String[] {"ID", job.path("ID").asText()});
            kv.add(new String[] {"Name", job.path("Name").asText()});
            kv.add(new String[] {"Submit Date", Output.nanosTime(job.path("SubmitTime").asLong())});
            kv.add(new String[] {"Type", job.path("Type").asText()});
            kv.add(new String[] {"Priority", job.path("Priority").asText()});
            List<String> dcs = new ArrayList<>();
            job.path("Datacenters").forEach(d -> dcs.add(d.asText()));
            kv.add(new String[] {"Datacenters", String.join(",", dcs)});
            kv.add(new String[] {"Namespace", Output.text(job, "Namespace").isEmpty() ? "default"
                    : Output.text(job, "Namespace")});
            kv.add(new String[] {"Status", job.path("Status").asText()});
            kv.add(new String[] {"Periodic", Boolean.toString(!job.path("Periodic").isMissingNode()
                    && !job.path("Periodic").isNull())});
            kv.add(new String[] {"Parameterized", Boolean.toString(!job.path("ParameterizedJob").isMissingNode()
                    && !job.path("ParameterizedJob").isNull())});
            out().print(Output.kv(kv));
            out().println();
            out().println("Summary");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"Task Group", "Queued", "Starting", "Running", "Failed", "Complete", "Lost",
                    "Unknown"});
            for (Iterator<Map.Entry<String, JsonNode>> it = summary.path("Summary").fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode s = e.getValue();
                rows.add(new String[] {e.getKey(), s.path("Queued").asText("0"), s.path("Starting").asText("0"),
                        s.path("Running").asText("0"), s.path("Failed").asText("0"), s.path("Complete").asText("0"),
                        s.path("Lost").asText("0"), s.path("Unknown").asText("0")});
            }
            out().print(Output.table(rows));
            out().println();
            out().println("Allocations");
            if (allocs.isEmpty()) {
                out().println("No allocations placed");
                return 0;
            }
            out().print(AllocCommand.allocTable(allocs));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop a running job (its allocations are stopped).")
    static final class Stop extends ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB", description = "Job ID or prefix.")
        String id;

        @Option(names = {"-purge"}, description = "Also remove the job and its history from the agent.")
        boolean purge;

        @Option(names = {"-detach"}, description = "Return right away, printing the evaluation ID.")
        boolean detach;

        @Option(names = {"-yes", "-y"}, description = "Accepted for Nomad compatibility; nothing is asked.")
        boolean yes;

        @Override
        public Integer call() {
            JsonNode job = api().job(id);
            JsonNode resp = api().delete("/v1/job/" + ApiClient.enc(job.path("ID").asText())
                    + (purge ? "?purge=true" : ""));
            String evalId = resp.path("EvalID").asText();
            if (detach || evalId.isEmpty()) {
                out().println(evalId);
                return 0;
            }
            return new EvalMonitor(api(), out()).monitor(evalId, false);
        }
    }

    @Command(name = "validate", description = "Check a job file for errors without submitting it.")
    static final class Validate extends FileCommand {
        @Override
        public Integer call() throws Exception {
            ObjectNode job = job();
            JsonNode resp = api().put("/v1/validate/job", ApiClient.map("Job", job));
            List<String> errors = new ArrayList<>();
            resp.path("ValidationErrors").forEach(e -> errors.add(e.asText()));
            if (errors.isEmpty() && !resp.path("Error").asText().isEmpty()) {
                errors.add(resp.path("Error").asText());
            }
            if (!errors.isEmpty()) {
                err().println("Job validation errors:");
                errors.forEach(e -> err().println("* " + e));
                return 1;
            }
            String warnings = resp.path("Warnings").asText();
            if (!warnings.isEmpty()) {
                out().println("Job Warnings:\n" + warnings + "\n");
            }
            out().println("Job validation successful");
            return 0;
        }
    }

    @Command(name = "inspect", description = "Print a registered job as API JSON ({\"Job\": ...}).")
    static final class Inspect extends ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB", description = "Job ID or prefix.")
        String id;

        @Option(names = {"-version"}, paramLabel = "N", description = "Print this version of the job.")
        Long version;

        @Override
        public Integer call() throws Exception {
            JsonNode job = api().job(id);
            if (version != null) {
                JsonNode versions = api().get("/v1/job/" + ApiClient.enc(job.path("ID").asText()) + "/versions");
                JsonNode found = null;
                for (JsonNode v : versions.path("Versions")) {
                    if (v.path("Version").asLong() == version) {
                        found = v;
                    }
                }
                if (found == null) {
                    throw new ApiClient.UsageError("Error: job \"" + job.path("ID").asText()
                            + "\" has no version " + version);
                }
                job = found;
            }
            printJson(ApiClient.map("Job", job));
            return 0;
        }
    }

    @Command(name = "plan", description = {"Dry-run a job file: what the agent would change.",
            "Exit codes: 0 no allocations created or destroyed, 1 allocations would change, 255 error."})
    static final class Plan extends FileCommand {
        @Override
        public Integer call() throws Exception {
            ObjectNode job;
            JsonNode resp;
            try {
                job = job();
                resp = api().put("/v1/job/" + ApiClient.enc(job.path("ID").asText()) + "/plan",
                        ApiClient.map("Job", job, "Diff", true));
            } catch (ApiClient.ApiError | ApiClient.UsageError e) {
                err().println("Error during plan: " + e.getMessage());
                return 255;
            }
            JsonNode diff = resp.path("Diff");
            if (diff.isObject()) {
                out().print(PlanDiff.render(diff));
                out().println();
            }
            out().println("Scheduler dry-run:");
            JsonNode failed = resp.path("FailedTGAllocs");
            if (failed.isObject() && !failed.isEmpty()) {
                failed.fields().forEachRemaining(e -> {
                    out().println("- WARNING: Failed to place all allocations.");
                    out().println("  Task Group \"" + e.getKey() + "\" (failed to place "
                            + (e.getValue().path("CoalescedFailures").asInt() + 1) + " allocation):");
                    e.getValue().path("ConstraintFiltered").fields().forEachRemaining(c -> out().println(
                            "    * Constraint \"" + c.getKey() + "\": " + c.getValue().asInt()
                                    + " nodes excluded by filter"));
                    e.getValue().path("DimensionExhausted").fields().forEachRemaining(c -> out().println(
                            "    * Dimension \"" + c.getKey() + "\" exhausted on " + c.getValue().asInt()
                                    + " nodes"));
                });
            } else {
                out().println("- All tasks successfully allocated.");
            }
            out().println();
            long index = resp.path("JobModifyIndex").asLong();
            out().println("Job Modify Index: " + index);
            boolean changes = false;
            for (JsonNode u : resp.path("Annotations").path("DesiredTGUpdates")) {
                changes |= u.path("Place").asLong() + u.path("Stop").asLong() + u.path("DestructiveUpdate").asLong()
                        + u.path("Migrate").asLong() > 0;
            }
            return changes ? 1 : 0;
        }
    }
}
