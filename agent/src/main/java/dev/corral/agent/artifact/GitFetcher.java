package dev.corral.agent.artifact;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Clones with the {@code git} program (JGit would add a large dependency for a rarely used getter,
 * and the binary honours the node's SSH and credential setup). The child gets a reset environment
 * like Nomad's getter: {@code PATH=/usr/local/bin:/usr/bin:/bin}, {@code HOME}, {@code TMPDIR} in
 * the private staging directory, plus the variables named by {@code set_environment_variables}.
 * Prompts are disabled, and {@code GIT_ALLOW_PROTOCOL} keeps git from running helper protocols such
 * as {@code ext::} (local {@code file} only when local sources are allowed).
 */
final class GitFetcher {
    private static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final int MAX_OUTPUT = 16 * 1024;

    private final ArtifactConfig config;

    GitFetcher(ArtifactConfig config) {
        this.config = config;
    }

    /** The git binary on the agent's PATH (or the reset PATH), if any. */
    static Optional<Path> findGit() {
        String path = System.getenv().getOrDefault("PATH", "") + ":" + PATH;
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "git");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Clones {@code src} into the new directory {@code into} and checks out its ref. */
    void fetch(SourceUrl src, Path into, Path scratch) throws ArtifactException, IOException, InterruptedException {
        Path git = findGit().orElseThrow(() -> new UnsupportedSourceException(
                "git sources need the git program, and none was found on the agent's PATH or in " + PATH
                        + "; install git on this node"));
        long deadline = System.nanoTime() + config.gitTimeout().toNanos();
        Map<String, String> env = new java.util.HashMap<>();
        for (String name : config.setEnvironmentVariables()) {
            String v = System.getenv(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.put("PATH", PATH);
        env.put("HOME", System.getProperty("user.home", "/nonexistent"));
        env.put("TMPDIR", scratch.toString());
        env.put("GIT_TERMINAL_PROMPT", "0");
        // ssh must fail rather than ask about host keys or passphrases.
        env.putIfAbsent("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        env.put("GIT_ALLOW_PROTOCOL", config.allowLocalSources() ? "http:https:ssh:git:file" : "http:https:ssh:git");
        if (src.sshKey() != null) {
            Path key = scratch.resolve("git-ssh-key");
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(src.sshKey());
            } catch (IllegalArgumentException e) {
                throw new InvalidArtifactException("sshkey must be a base64-encoded private key: " + e.getMessage());
            }
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(key, decoded);
            env.put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o IdentitiesOnly=yes -i " + key);
        }
        String remote = src.uri().toString();
        List<String> clone = new ArrayList<>(List.of(git.toString(), "clone"));
        if (src.gitDepth() > 0) {
            clone.add("--depth");
            clone.add(Integer.toString(src.gitDepth()));
            if (src.gitRef() != null) {
                clone.add("--branch");
                clone.add(src.gitRef());
            }
        }
        clone.add("--");
        clone.add(remote);
        clone.add(into.toString());
        run(clone, scratch, env, deadline, src.display());
        if (src.gitRef() != null && src.gitDepth() == 0) {
            run(List.of(git.toString(), "-C", into.toString(), "checkout", "--quiet", src.gitRef(), "--"),
                    scratch, env, deadline, src.display());
        }
        run(List.of(git.toString(), "-C", into.toString(), "submodule", "update", "--init", "--recursive"),
                scratch, env, deadline, src.display());
    }

    private void run(List<String> cmd, Path cwd, Map<String, String> env, long deadline, String display)
            throws DownloadException, IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (out) {
                        if (out.size() < MAX_OUTPUT) {
                            out.write(buf, 0, Math.min(n, MAX_OUTPUT - out.size()));
                        }
                    }
                }
            } catch (IOException ignored) {
                // The process was killed; what was read so far is reported.
            }
        });
        boolean finished;
        try {
            long wait = deadline - System.nanoTime();
            finished = wait > 0 && p.waitFor(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        if (!finished) {
            kill(p);
            reader.join(Duration.ofSeconds(5));
            throw new DownloadException("error downloading '" + display + "': git did not finish within git_timeout ("
                    + config.gitTimeout() + ")");
        }
        reader.join(Duration.ofSeconds(5));
        if (p.exitValue() != 0) {
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8).strip();
            }
            throw new DownloadException("error downloading '" + display + "': " + String.join(" ", cmd.subList(1, Math.min(cmd.size(), 3)))
                    + " exited with status " + p.exitValue() + (text.isEmpty() ? "" : ": " + text));
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }
}
