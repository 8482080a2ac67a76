package dev.corral.driver.linux;

import dev.corral.driver.DriverException.TaskLaunchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the {@code corral-sandbox} executable: an explicit path (config or the
 * {@code corral.sandbox.binary} property), or the copy inside the corral-sandbox jar, extracted once
 * to {@code <stateDir>/bin/corral-sandbox-<sha256>} (mode 0755, in a root-only 0700 directory, so no
 * other user can swap the file a root agent executes).
 */
public final class SandboxBinary {
    /** Where the sandbox module puts the binary on the classpath. */
    public static final String RESOURCE = "dev/corral/sandbox/linux-x86_64/corral-sandbox";

    private SandboxBinary() {
    }

    /**
     * @throws TaskLaunchException when there is no binary or it cannot be extracted
     */
    public static Path locate(Optional<Path> override, Path stateDir) {
        if (override.isPresent()) {
            Path p = override.get();
            if (!Files.isExecutable(p)) {
                throw new TaskLaunchException("sandbox binary " + p + " does not exist or is not executable");
            }
            return p;
        }
        byte[] bytes;
        try (InputStream in = SandboxBinary.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new TaskLaunchException("the corral-sandbox binary is not on the classpath (" + RESOURCE
                        + "); build the sandbox module or set -Dcorral.sandbox.binary=/path/to/corral-sandbox");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new TaskLaunchException("cannot read " + RESOURCE + " from the classpath: " + e.getMessage(), e);
        }
        String hash = sha256(bytes);
        Path dir = stateDir.resolve("bin");
        Path target = dir.resolve("corral-sandbox-" + hash.substring(0, 32));
        try {
            // Byte for byte rather than a second SHA-256: the same check for a few ms less per start.
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                return target;
            }
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path tmp = Files.createTempFile(dir, "corral-sandbox", ".tmp");
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new TaskLaunchException("cannot extract the sandbox binary to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code <binary> version}; returns its output line, or empty when it does not run. */
    public static Optional<String> version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 && !out.isEmpty() ? Optional.of(out.lines().findFirst().orElse(out)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
