package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.model.DataSize;
import dev.corral.jobspec.model.ExecConfig;
import dev.corral.jobspec.model.Job;
import dev.corral.jobspec.model.JobType;
import dev.corral.jobspec.model.RawExecConfig;
import dev.corral.jobspec.model.RestartPolicy;
import dev.corral.jobspec.model.Task;
import dev.corral.jobspec.model.TaskGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobParserTest {

    static JobParser.Result parse(String hcl) {
        return JobParser.parseHcl("job.hcl", hcl, null, JobParser.Options.none());
    }

    static List<String> errors(String hcl) {
        try {
            parse(hcl);
        } catch (JobSpecException e) {
            return e.diagnostics().stream().map(Diagnostic::toString).toList();
        }
        throw new AssertionError("no error");
    }

    static final String MINIMAL = """
            job "hello" {
              type = "batch"
              group "g" {
                task "t" {
                  driver = "exec"
                  config {
                    command = "/bin/echo"
                    args    = ["hi", "${NOMAD_TASK_DIR}"]
                  }
                }
              }
            }
            """;

    @Test
    void minimalBatchJob_getsNomadDefaults() {
        Job job = parse(MINIMAL).job();
        assertThat(job.id()).isEqualTo("hello");
        assertThat(job.name()).isEqualTo("hello");
        assertThat(job.type()).isEqualTo(JobType.BATCH);
        assertThat(job.datacenters()).containsExactly("*");
        assertThat(job.region()).isEqualTo("global");
        assertThat(job.namespace()).isEqualTo("default");
        assertThat(job.priority()).isEqualTo(50);
        TaskGroup g = job.group("g");
        assertThat(g.count()).isEqualTo(1);
        assertThat(g.restart()).isEqualTo(RestartPolicy.BATCH_DEFAULT);
        assertThat(g.ephemeralDisk().size()).isEqualTo(DataSize.ofMebibytes(300));
        Task t = g.task("t");
        assertThat(t.driver()).isEqualTo("exec");
        assertThat(t.resources().cpu()).isEqualTo(100);
        assertThat(t.resources().memory()).isEqualTo(DataSize.ofMebibytes(300));
        assertThat(t.killTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.killSignal()).isEqualTo("SIGINT");
        assertThat(t.user()).isEmpty();
        assertThat(t.logs().maxFiles()).isEqualTo(10);
        assertThat(t.logs().maxFileSize()).isEqualTo(DataSize.ofMebibytes(10));
        ExecConfig exec = ExecConfig.of(t.config());
        assertThat(exec.command()).isEqualTo("/bin/echo");
        assertThat(exec.args()).containsExactly("hi", "${NOMAD_TASK_DIR}");
        assertThat(t.pos().toString()).isEqualTo("job.hcl:4:5");
    }

    @Test
    void serviceJob_fullTaskFields() {
        Job job = parse("""
                job "web" {
                  group "api" {
                    count = 3
                    task "srv" {
                      driver = "exec"
                      user   = "www-data"
                      config {
                        command  = "server"
                        pid_mode = "host"
                        cap_add  = ["net_raw"]
                        cap_drop = ["all"]
                        work_dir = "/srv"
                      }
                      env {
                        A = "1"
                        B = "${attr.kernel.name}-${NOMAD_ALLOC_INDEX}"
                      }
                      resources {
                        cpu    = 250
                        memory = 64
                      }
                      kill_timeout = "1m30s"
                      kill_signal  = "SIGTERM"
                    }
                  }
                }
                """).job();
        assertThat(job.type()).isEqualTo(JobType.SERVICE);
        TaskGroup g = job.group("api");
        assertThat(g.count()).isEqualTo(3);
        assertThat(g.restart()).isEqualTo(RestartPolicy.SERVICE_DEFAULT);
        Task t = g.task("srv");
        assertThat(t.user()).isEqualTo("www-data");
        assertThat(t.env()).containsExactly(Map.entry("A", "1"), Map.entry("B", "${attr.kernel.name}-${NOMAD_ALLOC_INDEX}"));
        assertThat(t.resources().cpu()).isEqualTo(250);
        assertThat(t.resources().memory()).isEqualTo(DataSize.ofMebibytes(64));
        assertThat(t.killTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(t.killSignal()).isEqualTo("SIGTERM");
        ExecConfig exec = ExecConfig.of(t.config());
        assertThat(exec).isEqualTo(new ExecConfig("server", List.of(), "host", "", List.of("net_raw"), List.of("all"), "/srv"));
    }

    @Test
    void rawExecConfig_typedView() {
        Job job = parse(MINIMAL.replace("\"exec\"", "\"raw_exec\"")).job();
        RawExecConfig c = RawExecConfig.of(job.groups().getFirst().tasks().getFirst().config());
        assertThat(c.command()).isEqualTo("/bin/echo");
    }

    @Test
    void unknownKeys_areErrorsWithPositionAndSuggestion() {
        assertThat(errors(MINIMAL.replace("type = \"batch\"", "typ = \"batch\"")))
                .containsExactly("job.hcl:2:3: job[\"hello\"].typ: unsupported argument \"typ\" in the job block; did you mean \"type\"?");
        assertThat(errors(MINIMAL.replace("driver = \"exec\"", "driver = \"exec\"\n      kill_timout = \"1s\"")))
                .containsExactly("job.hcl:6:7: job[\"hello\"].group[\"g\"].task[\"t\"].kill_timout: unsupported argument "
                        + "\"kill_timout\" in the task block; did you mean \"kill_timeout\"?");
        assertThat(errors(MINIMAL.replace("command = \"/bin/echo\"", "comand = \"/bin/echo\"")))
                .containsExactly(
                        "job.hcl:6:7: job[\"hello\"].group[\"g\"].task[\"t\"].config.command: missing required argument \"command\" in the exec driver config",
                        "job.hcl:7:9: job[\"hello\"].group[\"g\"].task[\"t\"].config.comand: unsupported argument \"comand\" in the exec driver config; "
                                + "did you mean \"command\"?; supported: command, args, pid_mode, ipc_mode, cap_add, cap_drop, work_dir");
        assertThat(errors(MINIMAL.replace("group \"g\" {", "grup \"g\" {")))
                .contains("job.hcl:3:3: job[\"hello\"].grup: unsupported block \"grup\" in the job block; did you mean \"group\"?");
    }

    @Test
    void validation_collectsAllErrorsAtOnce() {
        List<String> errs = errors("""
                job "bad" {
                  priority = 500
                  group "g" {
                    count = -1
                    task "t" {
                      driver = "exec"
                      config {
                        command  = "x"
                        pid_mode = "shared"
                      }
                      resources {
                        cpu    = 0
                        memory = 5
                      }
                      kill_signal = "SIGFOO"
                      logs {
                        max_files = 0
                      }
                    }
                  }
                }
                """);
        assertThat(errs).containsExactly(
                "job.hcl:2:3: job[\"bad\"].priority: Job priority must be between [1, 100]; got 500",
                "job.hcl:4:5: job[\"bad\"].group[\"g\"].count: Task group count can't be negative",
                "job.hcl:9:9: job[\"bad\"].group[\"g\"].task[\"t\"].config.pid_mode: pid_mode must be \"private\" or \"host\", got \"shared\"",
                "job.hcl:12:9: job[\"bad\"].group[\"g\"].task[\"t\"].resources.cpu: minimum CPU value is 1; got 0",
                "job.hcl:13:9: job[\"bad\"].group[\"g\"].task[\"t\"].resources.memory: minimum MemoryMB value is 10; got 5",
                "job.hcl:15:7: job[\"bad\"].group[\"g\"].task[\"t\"].kill_signal: unknown signal \"SIGFOO\"; use a name such as SIGTERM, SIGINT or SIGQUIT",
                "job.hcl:17:9: job[\"bad\"].group[\"g\"].task[\"t\"].logs.max_files: minimum number of files is 1; got 0");
    }

    @Test
    void volumes_csiAndDotDotDestinations_areRefusedAtTheirLines() {
        List<String> errs = errors("""
                job "vol" {
                  group "g" {
                    volume "db" {
                      type   = "csi"
                      source = "pg"
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                      volume_mount {
                        volume      = "db"
                        destination = "/data/../../etc"
                      }
                    }
                  }
                }
                """);
        assertThat(errs).hasSize(2);
        assertThat(errs.get(0)).startsWith("job.hcl:4:7: ").endsWith(
                "type: CSI volumes are not supported by Corral; use a host volume (type = \"host\")");
        assertThat(errs.get(1)).startsWith("job.hcl:14:9: ").endsWith(
                "destination: destination \"/data/../../etc\" contains \"..\"; use a path inside the task");
    }

    @Test
    void syntaxError_isReportedWithPosition() {
        assertThatThrownBy(() -> parse("job \"x\" {\n  group \"g\" {\n    count 3\n  }\n}\n"))
                .isInstanceOf(JobSpecException.class)
                .hasMessage("job.hcl:3:11: expected \"=\" or \"{\" after \"count\", found number 3");
    }

    @Test
    void parseFile_missingFile_saysSo(@TempDir Path dir) {
        Path missing = dir.resolve("nope.hcl");
        assertThatThrownBy(() -> JobParser.parseFile(missing, Map.of()))
                .isInstanceOf(JobSpecException.class)
                .hasMessageStartingWith(missing + ": job file not found");
    }

    @Test
    void parseFile_readsVariablesAndFiles(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("script.sh"), "echo from file\n");
        Path job = dir.resolve("job.nomad.hcl");
        Files.writeString(job, """
                variable "count" {
                  type    = number
                  default = 1
                }
                job "v" {
                  group "g" {
                    count = var.count
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/sh"
                        args    = ["-c", file("script.sh")]
                      }
                    }
                  }
                }
                """);
        Job j = JobParser.parseFile(job, Map.of("count", "4"));
        assertThat(j.groups().getFirst().count()).isEqualTo(4);
        assertThat(ExecConfig.of(j.groups().getFirst().tasks().getFirst().config()).args())
                .containsExactly("-c", "echo from file\n");
    }
}
