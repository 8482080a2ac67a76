package dev.corral.jobspec.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.model.ExecConfig;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.JobType;
import dev.corral.jobspec.model.RestartPolicy;
import dev.corral.jobspec.model.Task;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobJsonTest {

    /** Shaped like `nomad job inspect` output: server-side fields Corral does not model are ignored. */
    static final String NOMAD_JSON = """
            {
              "Job": {
                "ID": "example",
                "Name": "example",
                "Type": "batch",
                "Status": "running",
                "CreateIndex": 12,
                "Stop": false,
                "Datacenters": ["dc1"],
                "TaskGroups": [{
                  "Name": "g",
                  "Count": 2,
                  "Tasks": [{
                    "Name": "t",
                    "Driver": "exec",
                    "Config": { "command": "/bin/echo", "args": ["${NOMAD_ALLOC_ID}", 3] },
                    "Env": { "A": "1" },
                    "Resources": { "CPU": 300, "MemoryMB": 64, "Networks": null },
                    "KillTimeout": 7000000000,
                    "Templates": null,
                    "Services": [{ "Name": "web" }]
                  }]
                }]
              }
            }
            """;

    @Test
    void read_nomadInspectOutput_withDefaultsForMissingFields() {
        Job job = JobJson.read("job.json", NOMAD_JSON).job();
        assertThat(job.id()).isEqualTo("example");
        assertThat(job.type()).isEqualTo(JobType.BATCH);
        assertThat(job.region()).isEqualTo("global");
        assertThat(job.priority()).isEqualTo(50);
        assertThat(job.groups().getFirst().count()).isEqualTo(2);
        assertThat(job.groups().getFirst().restart()).isEqualTo(RestartPolicy.BATCH_DEFAULT);
        Task t = job.groups().getFirst().tasks().getFirst();
        assertThat(t.killTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(t.killSignal()).isEqualTo("SIGINT");
        assertThat(t.resources().cpu()).isEqualTo(300);
        assertThat(t.resources().memory().mebibytes()).isEqualTo(64);
        assertThat(ExecConfig.of(t.config()).args()).containsExactly("${NOMAD_ALLOC_ID}", "3");
    }

    @Test
    void read_setFieldsCorralDoesNotActOn_areOneWarning() {
        assertThat(JobJson.read("job.json", NOMAD_JSON).warnings()).extracting(Diagnostic::toString).containsExactly(
                "job.json:2:10: Corral parses but does not act on these parts of the job: "
                        + "Job.TaskGroups[0].Tasks[0].Services (job.json:21:21)");
    }

    @Test
    void read_bareJobObject_isAccepted() {
        String bare = NOMAD_JSON.substring(NOMAD_JSON.indexOf("\"Job\":") + 6, NOMAD_JSON.lastIndexOf('}'));
        assertThat(JobJson.read("bare.json", bare).job().id()).isEqualTo("example");
    }

    @Test
    void write_thenRead_givesTheSameJson() {
        Job job = JobJson.read("job.json", NOMAD_JSON).job();
        String once = JobJson.write(job);
        assertThat(once).contains("\"KillTimeout\" : 7000000000").contains("\"Interval\" : 86400000000000");
        assertThat(JobJson.write(JobJson.read("again.json", once).job())).isEqualTo(once);
    }

    @Test
    void read_typeErrors_areAllReportedWithTheirPaths() {
        String bad = """
                {"Job": {"ID": "x", "Priority": "high", "TaskGroups": [{"Name": "g", "Count": 1.5,
                  "Tasks": [{"Name": "t", "Driver": "exec", "Config": {"command": "/bin/true"}, "KillTimeout": "5s",
                             "LogConfig": {"MaxFiles": -1}}]}]}}
                """;
        assertThatThrownBy(() -> JobJson.read("bad.json", bad))
                .isInstanceOfSatisfying(JobSpecException.class, e -> assertThat(e.diagnostics()).extracting(Diagnostic::toString)
                        .containsExactlyInAnyOrder(
                                "bad.json:1:33: Job.Priority: must be a whole number, got \"high\"",
                                "bad.json:2:96: Job.TaskGroups[0].Tasks[0].KillTimeout: must be a duration in nanoseconds, got \"5s\"",
                                "bad.json:1:79: Job.TaskGroups[0].Count: must be a whole number, got 1.5"));
    }

    @Test
    void read_validationErrors_useNomadMessages() {
        String bad = NOMAD_JSON.replace("\"MemoryMB\": 64", "\"MemoryMB\": 4");
        assertThatThrownBy(() -> JobJson.read("v.json", bad)).isInstanceOf(JobSpecException.class)
                .hasMessage("v.json:18:48: job[\"example\"].group[\"g\"].task[\"t\"].resources.memory: minimum MemoryMB value is 10; got 4");
        String noCommand = NOMAD_JSON.replace("\"command\": \"/bin/echo\", ", "");
        assertThatThrownBy(() -> JobJson.read("c.json", noCommand)).isInstanceOf(JobSpecException.class)
                .hasMessage("c.json:16:19: job[\"example\"].group[\"g\"].task[\"t\"].config.command: "
                        + "missing required argument \"command\" in the exec driver config");
    }

    @Test
    void read_hclJsonSyntax_isRejectedWithAnExplanation() {
        assertThatThrownBy(() -> JobJson.read("h.json", "{\"job\": {\"x\": {\"group\": {}}}}"))
                .isInstanceOf(JobSpecException.class).hasMessageStartingWith("h.json:1:9: job: this is HCL's JSON syntax");
    }

    @Test
    void read_syntaxError_hasLineAndColumn() {
        assertThatThrownBy(() -> JobJson.read("s.json", "{\n  \"Job\": {,}\n}"))
                .isInstanceOf(JobSpecException.class).hasMessageStartingWith("s.json:2:11: invalid JSON: ");
        assertThatThrownBy(() -> JobJson.read("s.json", "[1]"))
                .isInstanceOf(JobSpecException.class).hasMessage("s.json:1:1: a JSON job must be an object: {\"Job\": {...}}");
    }
}
