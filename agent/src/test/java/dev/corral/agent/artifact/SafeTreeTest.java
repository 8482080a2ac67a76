package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTreeTest {
    @TempDir
    Path tmp;

    @Test
    void resolveInside_linkThroughSelfLinkThenUp_isCaught() throws Exception {
        // b -> "." is harmless alone; a -> "b/.." lexically stays inside but the kernel resolves
        // it to the parent of the root. Only a walk that follows b catches it.
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("."));
        assertThat(SafeTree.resolveInside(root, List.of(), ".")).isEmpty();
        assertThat(SafeTree.resolveInside(root, List.of(), "b/..")).isNull();
        Files.createSymbolicLink(root.resolve("a"), Path.of("b/.."));
        assertThatThrownBy(() -> SafeTree.verify(root))
                .isInstanceOf(UnsafeArchiveException.class).hasMessageContaining("a -> b/..");
    }

    @Test
    void resolveInside_linkLoop_isRefused() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createSymbolicLink(root.resolve("x"), Path.of("y"));
        Files.createSymbolicLink(root.resolve("y"), Path.of("x"));
        assertThat(SafeTree.resolveInside(root, List.of(), "x/f")).isNull();
    }

    @Test
    void verify_acceptsLinksInside() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/app-1.2"), "x");
        Files.createSymbolicLink(root.resolve("bin/app"), Path.of("app-1.2"));
        Files.createSymbolicLink(root.resolve("current"), Path.of("bin/../bin"));
        SafeTree.verify(root);
    }

    @Test
    void ensureDirectories_plantedLinkIsRefusedAndNotFollowed() throws Exception {
        Path task = Files.createDirectory(tmp.resolve("task"));
        Path victim = Files.createDirectory(tmp.resolve("victim"));
        Files.createSymbolicLink(task.resolve("local"), victim);
        assertThatThrownBy(() -> SafeTree.ensureDirectories(task, "local/sub", "artifact destination \"local/\"",
                new ArrayList<>()))
                .isInstanceOf(UnsafeDestinationException.class)
                .hasMessageContaining("local is a symbolic link; refusing to follow it");
        try (var s = Files.list(victim)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void moveContents_mergesDirectoriesAndReplacesPlantedFileLinks() throws Exception {
        Path task = Files.createDirectory(tmp.resolve("task"));
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "host secret");
        Path dest = Files.createDirectories(task.resolve("local/bin"));
        Files.writeString(dest.resolve("keep"), "old");
        Files.createSymbolicLink(dest.resolve("app"), victim);
        Path staged = Files.createDirectories(tmp.resolve("staged/bin"));
        Files.writeString(staged.resolve("app"), "new app");
        SafeTree.moveContents(tmp.resolve("staged"), task.resolve("local"), task, "test");
        assertThat(Files.isSymbolicLink(dest.resolve("app"))).isFalse();
        assertThat(Files.readString(dest.resolve("app"))).isEqualTo("new app");
        assertThat(Files.readString(dest.resolve("keep"))).isEqualTo("old");
        assertThat(Files.readString(victim)).isEqualTo("host secret");
    }
}
