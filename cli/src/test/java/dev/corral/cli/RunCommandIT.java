package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral run} as a user runs it: the shaded jar in a child JVM, against the real kernel.
 * Each test also checks that nothing is left on the host afterwards.
 */
@Tag("root")
class RunCommandIT {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Path JAR = Path.of("target/corral.jar").toAbsolutePath();

    @TempDir
    Path tmp;
    private Path dataDir;
    private String mountsBefore;
    /** A cgroup parent of this test's own, removed after it: tests never touch the default one. */
    private final String cgroupParent = "corral-test-run-" + java.util.UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        dataDir = tmp.resolve("data");
        mountsBefore = hostMounts();
    }

    @AfterEach
    void nothingLeftOnTheHost() throws IOException {
        // Every task cgroup is gone; then the test's own parent (empty) is removed in every hierarchy.
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path parent : hierarchies.map(h -> h.resolve(cgroupParent)).filter(Files::isDirectory).toList()) {
                try (var children = Files.list(parent)) {
                    assertThat(children.filter(Files::isDirectory).toList()).as("task cgroups left in " + parent).isEmpty();
                }
                Files.delete(parent);
            }
        }
        assertThat(hostMounts()).isEqualTo(mountsBefore);
        if (Files.exists(dataDir.resolve("alloc"))) {
            try (var s = Files.list(dataDir.resolve("alloc"))) {
                assertThat(s.toList()).as("alloc dirs left behind").isEmpty();
            }
        }
    }

    @Test
    void helloExample_printsIsolatedView_exitsZero() throws Exception {
        Result r = run(REPO.resolve("examples/hello.nomad.hcl").toString());
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.stdout).contains("uid=65534(nobody)");
        assertThat(r.stdout).contains("write to /usr: denied");
        assertThat(r.stdout).doesNotContain("hostname: " + hostname());
        // ps inside the task: PID 1 is the sandbox, the rest are the task's processes, nothing of the host.
        List<String> psLines = r.stdout.lines().dropWhile(l -> !l.contains("PID USER")).skip(1)
                .takeWhile(l -> l.matches("\\s*\\d+ .*")).toList();
        assertThat(psLines).isNotEmpty();
        assertThat(psLines.getFirst()).matches("\\s*1 root .*corral-sandbox.*");
        assertThat(psLines).allMatch(l -> l.matches("\\s*\\d+ (root|nobody) .*"));
        assertThat(psLines.size()).isLessThan(6);
        String rootDir = r.stdout.lines().filter(l -> l.startsWith("root dir:")).findFirst().orElseThrow();
        assertThat(rootDir.substring("root dir:".length()).trim().split(" "))
                .isSubsetOf("alloc", "bin", "dev", "etc", "lib", "lib32", "lib64", "local", "private", "proc",
                        "run", "sbin", "secrets", "sys", "tmp", "usr")
                .contains("alloc", "local", "secrets", "tmp", "usr", "proc", "dev");
        assertThat(r.stderr).contains("Terminated  Exit Code: 0").doesNotContain("SLF4J");
    }

    @Test
    void batchTask_exitCodeAndSignal_areTheTasks() throws Exception {
        Path job = job("exit", "/bin/sh", "[\"-c\", \"exit 7\"]");
        assertThat(run(job.toString()).code).isEqualTo(7);
        Path killed = job("killed", "/bin/sh", "[\"-c\", \"kill -KILL $$\"]");
        Result r = run(killed.toString());
        assertThat(r.code).isEqualTo(137);
        assertThat(r.stderr).contains("Exit Code: 137, Signal: 9");
    }

    @Test
    void config_isEvaluatedAtStart_likeTheAgent_withFunctionsAndNodeVariables() throws Exception {
        Path job = job("evaluated", "/bin/sh", "[\"-c\", \"echo $*\", \"x\", \"${upper(NOMAD_TASK_NAME)}\", "
                + "\"${NOMAD_ALLOC_INDEX + 40}\", \"${attr.kernel.name}\", \"${env[\"NOMAD_JOB_ID\"]}\"]");
        Result r = run(job.toString());
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.stdout).contains("T 40 linux evaluated");
        Path unknown = job("unknownvar", "/bin/sh", "[\"-c\", \"echo ${nope}\"]");
        Result u = run(unknown.toString());
        assertThat(u.code).as(u.toString()).isNotZero();
        assertThat(u.stderr).contains("Failed Validation").contains("config.args[1]");
    }

    /** The seed page's second example: a checksummed artifact run by bare name from {@code local/}. */
    @Test
    void seedArtifactExample_downloadsVerifiesAndRunsFromLocal() throws Exception {
        byte[] binary = "#!/bin/sh\necho \"hello from an artifact, args: $*\"\n".getBytes(StandardCharsets.UTF_8);
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(binary));
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/name-of-my-binary", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, binary.length);
            try (var body = ex.getResponseBody()) {
                body.write(binary);
            }
        });
        server.start();
        try {
            Path job = tmp.resolve("artifact.hcl");
            String source = "http://127.0.0.1:" + server.getAddress().getPort() + "/name-of-my-binary";
            Files.writeString(job, """
                    job "example" {
                      type = "batch"
                      group "g" {
                        task "example" {
                          driver = "exec"
                          config {
                            command = "name-of-my-binary"
                            args    = ["${NOMAD_TASK_NAME}"]
                          }
                          artifact {
                            source = "%s"
                            options {
                              checksum = "sha256:%s"
                            }
                          }
                        }
                      }
                    }
                    """.formatted(source, sha256));
            Result ok = run(job.toString());
            assertThat(ok.code).as(ok.toString()).isZero();
            assertThat(ok.stdout).isEqualTo("hello from an artifact, args: example\n");
            assertThat(ok.stderr).contains("Downloading Artifacts");
            assertThat(requests.get()).isEqualTo(1);

            Files.writeString(job, Files.readString(job).replace(sha256, "0".repeat(64)));
            Result bad = run(job.toString());
            assertThat(bad.code).isEqualTo(1);
            assertThat(bad.stderr).contains("Failed Artifact Download").contains("Checksums did not match");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badInput_clearErrorsAndNonZeroExit() throws Exception {
        Path noCommand = tmp.resolve("nocmd.hcl");
        Files.writeString(noCommand, """
                job "x" {
                  group "g" {
                    task "t" {
                      driver = "exec"
                      config { args = ["a"] }
                    }
                  }
                }
                """);
        Result r = run(noCommand.toString());
        assertThat(r.code).isEqualTo(1);
        assertThat(r.stderr).contains("nocmd.hcl:5:").contains("\"command\"");

        Result notFound = run(job("nf", "no-such-binary", "[]").toString());
        assertThat(notFound.code).isEqualTo(1);
        assertThat(notFound.stderr).contains("file no-such-binary not found under path").contains("/usr/bin/no-such-binary");

        Path syntax = tmp.resolve("syntax.hcl");
        Files.writeString(syntax, "job \"x\" {\n  group \"g\" {\n    count = \n  }\n");
        Result s = run(syntax.toString());
        assertThat(s.code).isEqualTo(1);
        assertThat(s.stderr).contains("syntax.hcl:3:");

        Path unknown = tmp.resolve("unknown.hcl");
        Files.writeString(unknown, "job \"x\" {\n  group \"g\" {\n    cuont = 2\n  }\n}\n");
        Result u = run(unknown.toString());
        assertThat(u.code).isEqualTo(1);
        assertThat(u.stderr).contains("unknown.hcl:3:5").contains("did you mean \"count\"");

        Result missing = run(tmp.resolve("does-not-exist.hcl").toString());
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.stderr).contains("does-not-exist.hcl").contains("does not exist");
    }

    @Test
    void hostVolume_flagOffersItToTheJob_andWithoutItTheRunIsRefusedBeforeAnyTaskStarts() throws Exception {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path job = tmp.resolve("vol.hcl");
        Files.writeString(job, """
                job "vol" {
                  type = "batch"
                  group "g" {
                    volume "v" {
                      type   = "host"
                      source = "shared"
                    }
                    volume "v-ro" {
                      type      = "host"
                      source    = "shared"
                      read_only = true
                    }
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/sh"
                        args    = ["-c", "echo hi > /data/out.txt; touch /ro/x 2>&1 || true"]
                      }
                      volume_mount {
                        volume      = "v"
                        destination = "/data"
                      }
                      volume_mount {
                        volume      = "v-ro"
                        destination = "/ro"
                      }
                    }
                  }
                }
                """);
        Result r = run("--host-volume", "shared=" + shared, job.toString());
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(Files.readString(shared.resolve("out.txt"))).isEqualTo("hi\n");
        assertThat(r.stdout).contains("Read-only file system");
        assertThat(shared.resolve("x")).doesNotExist();

        Result missing = run(job.toString());
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.stderr).contains("g.t: volume \"v\": no host volume named \"shared\" on this node (it has none)")
                .contains("--host-volume NAME=PATH").doesNotContain("Started");
        Result relative = run("--host-volume", "shared=relative/dir", job.toString());
        assertThat(relative.code).isEqualTo(1);
        assertThat(relative.stderr).contains("--host-volume shared: path must be absolute");
    }

    private Path job(String name, String command, String args) throws IOException {
        Path f = tmp.resolve(name + ".hcl");
        Files.writeString(f, """
                job "%s" {
                  type = "batch"
                  group "g" {
                    task "t" {
                      driver = "exec"
                      config {
                        command = "%s"
                        args = %s
                      }
                    }
                  }
                }
                """.formatted(name, command, args));
        return f;
    }

    private record Result(int code, String stdout, String stderr) {
    }

    private Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", JAR.toString(), "run", "--data-dir", dataDir.toString(), "--cgroup-parent", cgroupParent));
        cmd.addAll(List.of(args));
        Path errFile = Files.createTempFile(tmp, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(errFile.toFile()).start();
        var out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(errFile));
    }

    /** Host mount points under this test's temp dir (where the task dirs live), or naming corral. */
    private String hostMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(tmp.toString()) || m.contains("corral")).sorted()
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static String hostname() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    }
}
