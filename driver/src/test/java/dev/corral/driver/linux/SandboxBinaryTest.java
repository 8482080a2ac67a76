package dev.corral.driver.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.driver.DriverException.TaskLaunchException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxBinaryTest {
    @Test
    void locate_extractsTheJarsBinaryOnceToAContentAddressedPath(@TempDir Path state) throws Exception {
        byte[] resource;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(SandboxBinary.RESOURCE)) {
            assertThat(in).as("the sandbox module's binary on the test classpath").isNotNull();
            resource = in.readAllBytes();
        }
        Path p = SandboxBinary.locate(Optional.empty(), state);
        assertThat(p.getFileName().toString()).isEqualTo("corral-sandbox-" + SandboxBinary.sha256(resource).substring(0, 32));
        assertThat(Files.readAllBytes(p)).isEqualTo(resource);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent()))).isEqualTo("rwx------");
        assertThat(SandboxBinary.version(p)).hasValueSatisfying(v -> assertThat(v).startsWith("corral-sandbox "));

        long mtime = Files.getLastModifiedTime(p).toMillis();
        assertThat(SandboxBinary.locate(Optional.empty(), state)).isEqualTo(p);
        assertThat(Files.getLastModifiedTime(p).toMillis()).isEqualTo(mtime);

        // A file that does not match its name is rewritten, never run.
        Files.writeString(p, "#!/bin/sh\necho tampered\n");
        assertThat(SandboxBinary.locate(Optional.empty(), state)).isEqualTo(p);
        assertThat(Files.readAllBytes(p)).isEqualTo(resource);
    }

    @Test
    void locate_override_mustBeExecutable(@TempDir Path dir) throws Exception {
        Path notExec = Files.writeString(dir.resolve("x"), "");
        assertThatThrownBy(() -> SandboxBinary.locate(Optional.of(notExec), dir)).isInstanceOf(TaskLaunchException.class)
                .hasMessageContaining("not executable");
        assertThat(SandboxBinary.locate(Optional.of(Path.of("/bin/true")), dir)).isEqualTo(Path.of("/bin/true"));
        assertThat(SandboxBinary.version(Path.of("/bin/false"))).isEmpty();
    }
}
