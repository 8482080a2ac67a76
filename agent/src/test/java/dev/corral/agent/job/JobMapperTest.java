package dev.corral.agent.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.sched.Constraint;
import dev.corral.agent.sched.ResourceAsk;
import dev.corral.jobspec.JobParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobMapperTest {
    private static final String HCL = """
            job "web" {
              type = "batch"
              datacenters = ["dc1"]
              constraint {
                attribute = "${attr.kernel.name}"
                value     = "linux"
              }
              group "g" {
                count = 2
                restart {
                  attempts = 1
                  interval = "5m"
                  delay    = "1s"
                  mode     = "delay"
                }
                task "init" {
                  driver = "exec"
                  lifecycle {
                    hook    = "prestart"
                    sidecar = false
                  }
                  config {
                    command = "/bin/true"
                  }
                }
                task "t" {
                  driver = "exec"
                  leader = true
                  kill_timeout = "9s"
                  kill_signal  = "SIGTERM"
                  config {
                    command = "/bin/echo"
                    args    = ["${NOMAD_TASK_DIR}", "x"]
                  }
                  env {
                    A = "b"
                  }
                  resources {
                    cpu    = 250
                    memory = 64
                  }
                  logs {
                    max_files     = 3
                    max_file_size = 5
                  }
                }
              }
            }
            """;

    @Test
    void fromSpec_mapsTheFieldsTheAgentRuns() {
        var spec = JobParser.parseHcl("web.nomad.hcl", HCL, Path.of("."), JobParser.Options.none()).job();
        Job job = JobMapper.fromSpec(spec);
        assertThat(job.id()).isEqualTo("web");
        assertThat(job.type()).isEqualTo("batch");
        assertThat(job.datacenters()).containsExactly("dc1");
        assertThat(job.constraints()).containsExactly(new Constraint("${attr.kernel.name}", "=", "linux"));
        TaskGroup g = job.groups().getFirst();
        assertThat(g.count()).isEqualTo(2);
        assertThat(g.restart()).isEqualTo(new RestartPolicy(1, Duration.ofMinutes(5), Duration.ofSeconds(1),
                RestartPolicy.Mode.DELAY));
        Task init = g.tasks().getFirst();
        assertThat(init.isPrestart()).isTrue();
        assertThat(init.isSidecar()).isFalse();
        Task t = g.tasks().get(1);
        assertThat(t.leader()).isTrue();
        assertThat(t.killTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(t.killSignal()).isEqualTo("SIGTERM");
        assertThat(t.config()).containsEntry("command", "/bin/echo").containsEntry("args", List.of("${NOMAD_TASK_DIR}", "x"));
        assertThat(t.env()).containsEntry("A", "b");
        assertThat(t.resources()).isEqualTo(new ResourceAsk(250, 0, 64, 0));
        assertThat(t.logs()).isEqualTo(new LogsConfig(3, 5, false));
        assertThat(JobValidator.validate(job)).isSameAs(job);
    }

    @Test
    void volumes_mapToTheGroupAndMountsToTheTask_andSurviveTheStoredJson() {
        String hcl = """
                job "db" {
                  group "g" {
                    volume "data" {
                      type      = "host"
                      source    = "pg-data"
                      read_only = true
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                      volume_mount {
                        volume           = "data"
                        destination      = "/var/lib/pg"
                        read_only        = false
                        propagation_mode = "host-to-task"
                      }
                    }
                  }
                }
                """;
        var spec = JobParser.parseHcl("db.nomad.hcl", hcl, Path.of("."), JobParser.Options.none()).job();
        Job job = JobMapper.fromSpec(spec);
        TaskGroup g = job.groups().getFirst();
        assertThat(g.volumes()).containsExactly(java.util.Map.entry("data", new Volume("data", "host", "pg-data", true)));
        assertThat(g.tasks().getFirst().volumeMounts())
                .containsExactly(new VolumeMount("data", "/var/lib/pg", false, "host-to-task"));
        assertThat(JobValidator.validate(job)).isSameAs(job);
        String stored = dev.corral.agent.state.Json.write(job);
        assertThat(dev.corral.agent.state.Json.read(stored, Job.class)).isEqualTo(job);
    }

    @Test
    void validate_refusesCsiVolumes_undefinedVolumes_andDotDotDestinations() {
        Task t = Task.exec("t", "/bin/true", List.of()).withVolumeMounts(List.of(
                new VolumeMount("db", "/data/../../etc", false, null), new VolumeMount("missing", "/x", false, null)));
        TaskGroup g = TaskGroup.of("g", 1, List.of(t)).withVolumes(java.util.Map.of("db", new Volume("db", "csi", "pg", false)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobValidator.validate(Job.of("web", "batch", List.of(g))))
                .isInstanceOf(JobValidationException.class)
                .hasMessageContaining("group \"g\": volume \"db\": CSI volumes are not supported by Corral")
                .hasMessageContaining("Volume Mount (0) destination \"/data/../../etc\" contains \"..\"")
                .hasMessageContaining("Volume Mount (1) references undefined volume missing");
    }
}
