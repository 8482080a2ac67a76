package dev.corral.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigParserTest {
    private static final String FULL = """
            data_dir   = "/var/lib/corral"
            bind_addr  = "0.0.0.0"
            name       = "box-1"
            datacenter = "east"
            region     = "eu"
            log_level  = "debug"
            log_json   = true
            ports {
              http = 5656
            }
            client {
              enabled    = true
              node_class = "batch"
              meta {
                rack = "r7"
              }
              chroot_env = {
                "/usr" = "/usr"
                "/etc/ssl" = "/etc/ssl"
              }
              reserved {
                cpu    = 500
                memory = 512
                disk   = 1024
                cores  = "0-1"
              }
              gc_interval             = "30s"
              gc_max_allocs           = 7
              gc_disk_usage_threshold = 90
              gc_parallel_destroys    = 3
              max_kill_timeout        = "1m30s"
              artifact {
                http_read_timeout = "10m"
                decompression_file_count_limit = 100
              }
              options = {
                "driver.denylist" = "exec"
              }
            }
            plugin "exec" {
              config {
                default_pid_mode = "host"
                allow_caps       = ["chown", "kill"]
                pids_limit       = 100
              }
            }
            plugin "raw_exec" {
              config {
                enabled = true
              }
            }
            """;

    @Test
    void parse_allSupportedKeys() {
        AgentConfig c = AgentConfigParser.parse("agent.hcl", FULL, false);
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/corral"));
        assertThat(c.bindAddr()).isEqualTo("0.0.0.0");
        assertThat(c.ports().http()).isEqualTo(5656);
        assertThat(c.ports().rpc()).isEqualTo(4647);
        assertThat(c.name()).isEqualTo("box-1");
        assertThat(c.datacenter()).isEqualTo("east");
        assertThat(c.region()).isEqualTo("eu");
        assertThat(c.logLevel()).isEqualTo("DEBUG");
        assertThat(c.logJson()).isTrue();
        AgentConfig.Client cl = c.client();
        assertThat(cl.nodeClass()).isEqualTo("batch");
        assertThat(cl.meta()).containsEntry("rack", "r7");
        assertThat(cl.chrootEnv()).containsExactly(java.util.Map.entry("/usr", "/usr"), java.util.Map.entry("/etc/ssl", "/etc/ssl"));
        assertThat(cl.reserved().cpuMhz()).isEqualTo(500);
        assertThat(cl.reserved().memoryMb()).isEqualTo(512);
        assertThat(cl.reserved().diskMb()).isEqualTo(1024);
        assertThat(cl.reserved().cores()).containsExactly(0, 1);
        assertThat(cl.gc().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cl.gc().maxAllocs()).isEqualTo(7);
        assertThat(cl.gc().diskUsageThreshold()).isEqualTo(90);
        assertThat(cl.gc().inodeUsageThreshold()).isEqualTo(70);
        assertThat(cl.gc().parallelDestroys()).isEqualTo(3);
        assertThat(cl.maxKillTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(cl.artifact()).containsEntry("http_read_timeout", "10m").containsEntry("decompression_file_count_limit", "100");
        assertThat(cl.driverEnabled("exec")).isFalse();
        assertThat(cl.allocDir()).isEqualTo(Path.of("/var/lib/corral/alloc"));
        assertThat(c.plugins().get("exec").config())
                .containsEntry("default_pid_mode", "host")
                .containsEntry("allow_caps", List.of("chown", "kill"))
                .containsEntry("pids_limit", new BigDecimal("100"));
        assertThat(c.plugins().get("raw_exec").config()).containsEntry("enabled", true);
    }

    @Test
    void defaults_whenEmpty_andDevBindsLoopback() {
        AgentConfig c = AgentConfigParser.parse("x.hcl", "", true);
        assertThat(c.bindAddr()).isEqualTo("127.0.0.1");
        assertThat(c.ports()).isEqualTo(AgentConfig.Ports.DEFAULT);
        assertThat(c.client().gc().maxAllocs()).isEqualTo(50);
        assertThat(c.client().maxKillTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.client().driverEnabled("exec")).isTrue();
        assertThat(c.client().userDenylist()).containsExactlyInAnyOrder("root", "Administrator");
        assertThat(c.client().envDenylist()).contains("VAULT_TOKEN", "AWS_SECRET_ACCESS_KEY");
        assertThat(c.datacenter()).isEqualTo("dc1");
    }

    @Test
    void artifactBlock_takesCorralKeys_andReportsABadValueAtItsLine() {
        AgentConfig c = AgentConfigParser.parse("agent.hcl", """
                client {
                  artifact {
                    allow_local_sources = true
                    cache_dir           = "/var/cache/corral"
                    cache_size_limit    = "2GB"
                    http_retries        = 5
                  }
                }
                """, false);
        assertThat(c.client().artifact()).containsEntry("allow_local_sources", "true")
                .containsEntry("cache_dir", "/var/cache/corral").containsEntry("cache_size_limit", "2GB")
                .containsEntry("http_retries", "5");
        assertThat(dev.corral.agent.artifact.ArtifactConfig.fromKeys(c.client().artifact()).allowLocalSources())
                .isTrue();
        assertThatThrownBy(() -> AgentConfigParser.parse("agent.hcl", """
                client {
                  artifact {
                    http_read_timeout = "ten minutes"
                    http_retries      = "many"
                  }
                }
                """, false))
                .hasMessageContaining("agent.hcl:3:5: client.artifact.http_read_timeout: is not a valid duration")
                .hasMessageContaining("agent.hcl:4:5: client.artifact.http_retries: is not an integer");
    }

    @Test
    void unknownKeys_areErrorsWithPositionAndPath() {
        String text = """
                data_dir = "/d"
                colour = "blue"
                client {
                  gc_max_alocs = 3
                }
                plugin "exec" {
                  config {
                    pid_mode = "host"
                  }
                }
                """;
        assertThatThrownBy(() -> AgentConfigParser.parse("agent.hcl", text, false))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("3 errors")
                .hasMessageContaining("agent.hcl:2:1: colour: unknown key")
                .hasMessageContaining("agent.hcl:4:3: client.gc_max_alocs: unknown key")
                .hasMessageContaining("agent.hcl:8:5: plugin.exec.config.pid_mode: unknown key");
    }

    @Test
    void badValues_areErrorsWithPosition() {
        String text = """
                data_dir = "relative/dir"
                log_json = "maybe"
                client {
                  gc_interval = "10 minutes"
                  gc_max_allocs = "many"
                }
                """;
        assertThatThrownBy(() -> AgentConfigParser.parse("a.hcl", text, false))
                .hasMessageContaining("a.hcl:1:1: data_dir: must be an absolute path")
                .hasMessageContaining("a.hcl:2:1: log_json: must be a bool")
                .hasMessageContaining("a.hcl:4:3: client.gc_interval: time: invalid duration \"10 minutes\"")
                .hasMessageContaining("a.hcl:5:3: client.gc_max_allocs: must be a whole number");
    }

    @Test
    void execPluginValues_areCheckedByTheDriversKeyTable_withPosition() {
        String text = """
                data_dir = "/d"
                plugin "exec" {
                  config {
                    default_pid_mode = "shared"
                    pids_limit = -3
                    allow_caps = "chown"
                    cgroup_parent = "/abs"
                    no_pivot_root = true
                  }
                }
                """;
        assertThatThrownBy(() -> AgentConfigParser.parse("e.hcl", text, false))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("4 errors")
                .hasMessageContaining("e.hcl:4:5: plugin.exec.config.default_pid_mode: default_pid_mode must be \"private\" or \"host\", got \"shared\"")
                .hasMessageContaining("e.hcl:5:5: plugin.exec.config.pids_limit: pids_limit must be 0 (unlimited) or positive, got -3")
                .hasMessageContaining("e.hcl:6:5: plugin.exec.config.allow_caps: allow_caps must be a list of strings")
                .hasMessageContaining("e.hcl:7:5: plugin.exec.config.cgroup_parent: cgroup_parent must be a relative cgroup name");
        AgentConfig ok = AgentConfigParser.parse("ok.hcl", """
                data_dir = "/d"
                plugin "exec" {
                  config {
                    pids_limit = 64
                    rootfs = "overlay"
                  }
                }
                """, false);
        var driver = dev.corral.driver.ExecDriverConfig.fromKeys(ok.plugins().get("exec").config());
        assertThat(driver.pidsLimit()).isEqualTo(64);
        assertThat(driver.rootfs()).isEqualTo(dev.corral.driver.RootfsMode.OVERLAY);
    }

    @Test
    void syntaxError_isReportedWithPosition() {
        assertThatThrownBy(() -> AgentConfigParser.parse("s.hcl", "client {\n  enabled = \n", false))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("s.hcl:");
    }

    @Test
    void goDurations() {
        assertThat(GoDurations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDurations.parse("300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(GoDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> GoDurations.parse("5")).hasMessage("time: invalid duration \"5\"");
    }

    @Test
    void hostVolumes_repeatableByLabel_defaultReadWrite(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path data = java.nio.file.Files.createDirectory(tmp.resolve("data"));
        Path file = java.nio.file.Files.createFile(tmp.resolve("ca.pem"));
        AgentConfig c = AgentConfigParser.parse("agent.hcl", """
                client {
                  host_volume "data" {
                    path = "%s/"
                  }
                  host_volume "ca" {
                    path      = "%s"
                    read_only = true
                  }
                }
                """.formatted(data, file), false);
        assertThat(c.client().hostVolumes()).containsExactly(
                java.util.Map.entry("data", new dev.corral.agent.node.HostVolume("data", data, false)),
                java.util.Map.entry("ca", new dev.corral.agent.node.HostVolume("ca", file, true)));
        assertThat(AgentConfigParser.parse("a.hcl", "client {}", false).client().hostVolumes()).isEmpty();
    }

    @Test
    void hostVolumes_errorsNameFileLineAndKey(@org.junit.jupiter.api.io.TempDir Path tmp) {
        String text = """
                client {
                  host_volume {
                    path = "/"
                  }
                  host_volume "rel" {
                    path = "srv/data"
                  }
                  host_volume "gone" {
                    path = "%s/missing"
                  }
                  host_volume "nopath" {
                    read_only = true
                  }
                  host_volume "typo" {
                    path     = "/"
                    readonly = true
                  }
                  host_volume "twice" {
                    path = "/"
                  }
                  host_volume "twice" {
                    path      = "/"
                    read_only = "maybe"
                  }
                }
                """.formatted(tmp);
        assertThatThrownBy(() -> AgentConfigParser.parse("v.hcl", text, false))
                .isInstanceOf(AgentConfigException.class)
                .hasMessageContaining("7 errors")
                .hasMessageContaining("v.hcl:2:3: client.host_volume: needs exactly one label, the volume name")
                .hasMessageContaining("v.hcl:6:5: client.host_volume.rel.path: must be an absolute path, got \"srv/data\"")
                .hasMessageContaining("v.hcl:9:5: client.host_volume.gone.path: \"" + tmp + "/missing\" does not exist on this host")
                .hasMessageContaining("v.hcl:11:3: client.host_volume.nopath.path: missing")
                .hasMessageContaining("v.hcl:16:5: client.host_volume.typo.readonly: unknown key; valid here: path, read_only")
                .hasMessageContaining("v.hcl:23:5: client.host_volume.twice.read_only: must be a bool")
                .hasMessageContaining("v.hcl:21:3: client.host_volume: host_volume \"twice\" is defined twice; first at v.hcl:18:3");
    }
}
