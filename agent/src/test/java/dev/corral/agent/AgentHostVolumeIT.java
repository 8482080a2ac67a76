package dev.corral.agent;

import static dev.corral.agent.AgentFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.agent.http.AgentBackend;
import dev.corral.agent.http.NomadJson;
import dev.corral.agent.job.Job;
import dev.corral.agent.job.JobMapper;
import dev.corral.agent.logs.LogReader;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.TaskEvent;
import dev.corral.jobspec.JobParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host volumes end to end with a real agent: {@code client { host_volume }} offered by the node,
 * group {@code volume} + task {@code volume_mount} placed against it and bind-mounted into the task.
 */
@Tag("root")
class AgentHostVolumeIT {
    @TempDir
    Path dir;
    private Path shared;
    private Path certs;
    private Agent agent;
    private String cgroup;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(AgentFixture.isRoot(), "needs root");
        shared = Files.createDirectory(dir.resolve("shared"));
        // the task runs as nobody: the host dir's permissions decide what it may write, as in Nomad
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        certs = Files.createDirectory(dir.resolve("certs"));
        Files.writeString(certs.resolve("ca.pem"), "not really a cert\n");
        Files.setPosixFilePermissions(certs, PosixFilePermissions.fromString("rwxrwxrwx"));
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dir.resolve("data"), """
                  host_volume "shared" {
                    path = "%s"
                  }
                  host_volume "certs" {
                    path      = "%s"
                    read_only = true
                  }
                """.formatted(shared, certs), cgroup));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            try {
                AgentFixture.stopAll(agent);
            } finally {
                agent.close();
                AgentFixture.removeCgroups(cgroup);
            }
        }
    }

    private static Job job(String hcl) {
        return JobMapper.fromSpec(JobParser.parseHcl("job.nomad.hcl", hcl, Path.of("."), JobParser.Options.none()).job());
    }

    private AllocRecord awaitDone(String jobId) throws InterruptedException {
        return await(agent, Duration.ofSeconds(60), () -> agent.jobAllocations("default", jobId),
                l -> l.size() == 1 && l.getFirst().clientTerminal(), jobId + " alloc terminal").getFirst();
    }

    /** Mount points on the host (this process's mount namespace) below {@code under}. */
    private static List<String> hostMountsUnder(Path under) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" ")[4]).filter(mp -> mp.startsWith(under.toString())).toList();
    }

    @Test
    void taskWritesThroughAHostVolume_readOnlyMountsAreEROFS_andNothingStaysMountedOnTheHost() throws Exception {
        agent.registerJob(job("""
                job "vol" {
                  type = "batch"
                  group "g" {
                    volume "shared" {
                      type   = "host"
                      source = "shared"
                    }
                    volume "shared-ro" {
                      type      = "host"
                      source    = "shared"
                      read_only = true
                    }
                    volume "certs" {
                      type      = "host"
                      source    = "certs"
                      read_only = true
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/sh"
                        args = ["-c", join("; ", [
                          "echo written by $NOMAD_ALLOC_ID > /data/out.txt && echo rw=ok",
                          "touch /data-ro/x 2>/tmp/e1 || echo ro_volume=$(cat /tmp/e1)",
                          "touch /data-mount-ro/x 2>/tmp/e2 || echo ro_mount=$(cat /tmp/e2)",
                          "touch /certs/x 2>/tmp/e3 || echo ro_host=$(cat /tmp/e3)",
                          "echo ca=$(cat /certs/ca.pem)",
                        ])]
                      }
                      volume_mount {
                        volume      = "shared"
                        destination = "/data"
                      }
                      volume_mount {
                        volume      = "shared-ro"
                        destination = "/data-ro"
                      }
                      volume_mount {
                        volume      = "shared"
                        destination = "data-mount-ro"
                        read_only   = true
                      }
                      volume_mount {
                        volume           = "certs"
                        destination      = "/certs"
                        propagation_mode = "private"
                      }
                    }
                  }
                }
                """));
        AllocRecord a = awaitDone("vol");
        String out = AgentFixture.logs(agent, a.id(), "t", LogReader.Stream.STDOUT);
        assertThat(a.clientStatus()).as(out).isEqualTo("complete");
        assertThat(Files.readString(shared.resolve("out.txt"))).isEqualTo("written by " + a.id() + "\n");
        assertThat(out).contains("rw=ok\n", "ca=not really a cert\n");
        for (String key : List.of("ro_volume", "ro_mount", "ro_host")) {
            assertThat(out).as(key).containsPattern(key + "=.*Read-only file system");
        }
        assertThat(shared.resolve("x")).doesNotExist();
        assertThat(certs.resolve("x")).doesNotExist();
        // the binds lived in the task's mount namespace only: the host sees neither them nor a leftover
        Path taskDir = agent.dataDir().resolve("alloc").resolve(a.id()).resolve("t");
        assertThat(hostMountsUnder(agent.dataDir())).isEmpty();
        // the mount point (in the root's tmpfs skeleton, or in the task dir without the overlay root) holds nothing
        assertThat(taskDir.resolve("data/out.txt")).doesNotExist();
    }

    @Test
    void placement_needsTheHostVolume_andAReadWriteRequestNeedsAReadWriteHostVolume() throws Exception {
        for (String[] c : List.of(new String[] {"nosuch", "missing", "false"}, new String[] {"rwcerts", "certs", "false"})) {
            var resp = agent.registerJob(job("""
                    job "%s" {
                      group "g" {
                        volume "v" {
                          type      = "host"
                          source    = "%s"
                          read_only = %s
                        }
                        task "t" {
                          driver = "exec"
                          config {
                            command = "/bin/true"
                          }
                        }
                      }
                    }
                    """.formatted(c[0], c[1], c[2])));
            var eval = agent.awaitEval(resp.evalId(), Duration.ofSeconds(30));
            assertThat(eval.failedTgAllocs()).as(c[0]).containsOnlyKeys("g");
            assertThat(eval.failedTgAllocs().get("g").constraintFiltered()).as(c[0])
                    .containsExactlyEntriesOf(java.util.Map.of("missing compatible host volumes", 1));
            assertThat(agent.jobAllocations("default", c[0])).isEmpty();
        }
    }

    @Test
    void dotDotDestination_isRefusedAtRegistration() {
        Job escape = job("""
                job "escape" {
                  group "g" {
                    volume "v" {
                      type   = "host"
                      source = "shared"
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                      volume_mount {
                        volume      = "v"
                        destination = "/data"
                      }
                    }
                  }
                }
                """);
        var t = escape.groups().getFirst().tasks().getFirst();
        Job bad = escape.withGroups(List.of(escape.groups().getFirst().withTasks(List.of(t.withVolumeMounts(List.of(
                new dev.corral.agent.job.VolumeMount("v", "/../../../etc", false, null)))))));
        assertThatThrownBy(() -> agent.registerJob(bad)).hasMessageContaining("contains \"..\"");
        assertThat(agent.job("default", "escape")).isEmpty();
    }

    @Test
    void hostVolumeGoneAtStart_failsTheVolumesHook_namingIt() throws Exception {
        Files.delete(certs.resolve("ca.pem"));
        Files.delete(certs);
        agent.registerJob(job("""
                job "gone" {
                  type = "batch"
                  group "g" {
                    volume "c" {
                      type      = "host"
                      source    = "certs"
                      read_only = true
                    }
                    restart {
                      attempts = 0
                      mode     = "fail"
                    }
                    reschedule {
                      attempts  = 0
                      unlimited = false
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                      volume_mount {
                        volume      = "c"
                        destination = "/certs"
                      }
                    }
                  }
                }
                """));
        AllocRecord a = awaitDone("gone");
        assertThat(a.clientStatus()).isEqualTo("failed");
        assertThat(agent.taskStates(a.id()).get("t").events().stream().map(TaskEvent::displayMessage))
                .anyMatch(m -> m.startsWith("volumes: host volume \"certs\": its path " + certs + " no longer exists"));
    }

    @Test
    void api_nodeListsHostVolumes_andTheJobKeepsVolumesAndMounts_inNomadsShape() throws Exception {
        AgentBackend api = new AgentBackend(agent);
        JsonNode node = NomadJson.mapper().valueToTree(api.node(agent.node().id()).orElseThrow());
        assertThat(node.path("HostVolumes").path("shared").path("Path").asText()).isEqualTo(shared.toString());
        assertThat(node.path("HostVolumes").path("shared").path("ReadOnly").asBoolean()).isFalse();
        assertThat(node.path("HostVolumes").path("certs").path("Name").asText()).isEqualTo("certs");
        assertThat(node.path("HostVolumes").path("certs").path("ReadOnly").asBoolean()).isTrue();
        agent.registerJob(job("""
                job "shape" {
                  type = "batch"
                  group "g" {
                    volume "v" {
                      type      = "host"
                      source    = "certs"
                      read_only = true
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                      volume_mount {
                        volume      = "v"
                        destination = "/certs"
                      }
                    }
                  }
                }
                """));
        JsonNode job = api.job("shape").orElseThrow();
        JsonNode g = job.path("TaskGroups").path(0);
        assertThat(g.path("Volumes").path("v").toString())
                .isEqualTo("{\"Name\":\"v\",\"Type\":\"host\",\"Source\":\"certs\",\"ReadOnly\":true}");
        assertThat(g.path("Tasks").path(0).path("VolumeMounts").toString()).isEqualTo(
                "[{\"Volume\":\"v\",\"Destination\":\"/certs\",\"ReadOnly\":false,\"PropagationMode\":\"private\"}]");
        assertThat(awaitDone("shape").clientStatus()).isEqualTo("complete");
    }
}
