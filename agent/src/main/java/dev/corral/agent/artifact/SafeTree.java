package dev.corral.agent.artifact;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * File operations that never follow a symbolic link the fetcher did not create and check itself.
 *
 * <p>Approach (the "NOFOLLOW" discipline): every path is walked one component at a time from a
 * trusted root, reading each component's attributes with {@link LinkOption#NOFOLLOW_LINKS}; a
 * component that is a symbolic link stops the operation. Missing directories are created with
 * {@code mkdir}, which never follows a link at its last component (it fails with EEXIST instead).
 * Files are created with {@code O_CREAT|O_EXCL|O_NOFOLLOW}. Final placement uses {@code rename(2)},
 * which replaces a link at the target name instead of writing through it. Nothing here runs while
 * the task runs: the only adversary is what an earlier run of the task left in its directory, so a
 * check-then-act sequence is not racing anyone (a concurrent attacker would need
 * {@code openat2(RESOLVE_NO_SYMLINKS)} with directory descriptors, which Java's file API lacks).
 */
final class SafeTree {
    private static final int MAX_LINK_HOPS = 40;
    static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");

    private SafeTree() {
    }

    /** Attributes without following a link at {@code p}; {@code null} when nothing is there. */
    static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Makes {@code root/rel} a real directory, creating missing components (mode 0755), and refusing
     * any component that is a symbolic link or not a directory. {@code rel} is normalized, relative
     * and without {@code ..}. Returns the directory and the list of directories it created.
     */
    static Path ensureDirectories(Path root, String rel, String what, List<Path> created)
            throws IOException, UnsafeDestinationException {
        Path cur = root;
        if (rel.isEmpty()) {
            return cur;
        }
        for (String seg : rel.split("/")) {
            cur = cur.resolve(seg);
            BasicFileAttributes a = attrs(cur);
            if (a == null) {
                try {
                    Files.createDirectory(cur);
                    Files.setPosixFilePermissions(cur, DIR_0755);
                    created.add(cur);
                    continue;
                } catch (FileAlreadyExistsException raced) {
                    a = attrs(cur);
                    if (a == null) {
                        throw raced;
                    }
                }
            }
            if (a.isSymbolicLink()) {
                throw new UnsafeDestinationException(what + ": " + root.relativize(cur)
                        + " is a symbolic link; refusing to follow it (remove it or choose another destination)");
            }
            if (!a.isDirectory()) {
                throw new UnsafeDestinationException(what + ": " + root.relativize(cur)
                        + " exists and is not a directory");
            }
        }
        return cur;
    }

    /**
     * Creates a new regular file at {@code file} without following a link there; an existing file
     * or link of that name (a duplicate archive entry) is removed first. The parent must already
     * have been made safe with {@link #ensureDirectories}.
     */
    static OutputStream createFile(Path file) throws IOException, UnsafeArchiveException {
        BasicFileAttributes a = attrs(file);
        if (a != null) {
            if (a.isDirectory()) {
                throw new UnsafeArchiveException("cannot write file " + file.getFileName() + ": a directory of that name exists");
            }
            Files.delete(file);
        }
        return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Resolves {@code target} (a link's value) as the kernel would, starting at the directory
     * {@code base} (components under {@code root}), following the links found under {@code root}.
     * Returns the resolved components, or {@code null} when the walk leaves {@code root} or meets an
     * absolute link. Components that do not exist are taken literally.
     */
    static List<String> resolveInside(Path root, List<String> base, String target) throws IOException {
        return resolveInside(root, base, target, new int[] {0});
    }

    private static List<String> resolveInside(Path root, List<String> base, String target, int[] hops)
            throws IOException {
        if (target.startsWith("/")) {
            return null;
        }
        Deque<String> stack = new ArrayDeque<>(base);
        for (String seg : target.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (stack.isEmpty()) {
                    return null;
                }
                stack.removeLast();
                continue;
            }
            stack.addLast(seg);
            Path p = root.resolve(String.join("/", stack));
            BasicFileAttributes a = attrs(p);
            if (a != null && a.isSymbolicLink()) {
                if (++hops[0] > MAX_LINK_HOPS) {
                    return null;
                }
                stack.removeLast();
                List<String> resolved = resolveInside(root, new ArrayList<>(stack),
                        Files.readSymbolicLink(p).toString(), hops);
                if (resolved == null) {
                    return null;
                }
                stack = new ArrayDeque<>(resolved);
            }
        }
        return new ArrayList<>(stack);
    }

    /**
     * Checks a staged tree before it is moved into place: only regular files, directories and
     * symbolic links that resolve inside {@code root}. Device nodes, FIFOs and sockets are refused.
     */
    static void verify(Path root) throws IOException, UnsafeArchiveException {
        Deque<Path> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Path dir = todo.pop();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    BasicFileAttributes a = attrs(p);
                    String rel = root.relativize(p).toString();
                    if (a.isSymbolicLink()) {
                        String target = Files.readSymbolicLink(p).toString();
                        List<String> parent = new ArrayList<>();
                        Path relParent = root.relativize(p).getParent();
                        if (relParent != null) {
                            relParent.forEach(c -> parent.add(c.toString()));
                        }
                        if (resolveInside(root, parent, target) == null) {
                            throw new UnsafeArchiveException("symbolic link " + rel + " -> " + target
                                    + " points outside the artifact destination");
                        }
                    } else if (a.isDirectory()) {
                        todo.push(p);
                    } else if (!a.isRegularFile()) {
                        throw new UnsafeArchiveException(rel + " is a device node, FIFO or socket; "
                                + "artifacts may only contain files, directories and links");
                    }
                }
            }
        }
    }

    /**
     * Moves every entry of {@code staged} into the real directory {@code dest}, merging into
     * existing real directories and replacing existing files and links (rename never writes through
     * a link at the target name). An existing link where a directory must be merged is refused.
     * {@code root} and {@code what} are for messages.
     */
    static void moveContents(Path staged, Path dest, Path root, String what)
            throws IOException, UnsafeDestinationException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(staged)) {
            ds.forEach(children::add);
        }
        for (Path c : children) {
            moveEntry(c, dest.resolve(c.getFileName().toString()), root, what);
        }
    }

    /** Moves one staged entry to {@code target}, with the rules of {@link #moveContents}. */
    static void moveEntry(Path c, Path target, Path root, String what) throws IOException, UnsafeDestinationException {
        BasicFileAttributes ca = attrs(c);
        BasicFileAttributes ta = attrs(target);
        if (ta != null && ta.isDirectory()) {
            if (!ca.isDirectory()) {
                throw new UnsafeDestinationException(what + ": " + root.relativize(target)
                        + " is a directory and the artifact has a file there");
            }
            moveContents(c, target, root, what);
            return;
        }
        if (ta != null && ca.isDirectory()) {
            if (ta.isSymbolicLink()) {
                throw new UnsafeDestinationException(what + ": " + root.relativize(target)
                        + " is a symbolic link; refusing to follow it (remove it or choose another destination)");
            }
            Files.delete(target);
        }
        try {
            Files.move(c, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException crossDevice) {
            Path tmp = target.resolveSibling(".corral-artifact-" + System.nanoTime());
            copyTree(c, tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Copies a tree without following links (links are copied as links). */
    static void copyTree(Path from, Path to) throws IOException {
        BasicFileAttributes a = attrs(from);
        if (a.isDirectory()) {
            Files.createDirectory(to);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(from)) {
                for (Path p : ds) {
                    copyTree(p, to.resolve(p.getFileName().toString()));
                }
            }
            Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS));
        } else {
            Files.copy(from, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /** Gives a staged tree to {@code owner} without following links ({@code lchown}). */
    static void chown(Path p, TaskUser owner) throws IOException {
        Files.setAttribute(p, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
        BasicFileAttributes a = attrs(p);
        if (a.isDirectory()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    chown(c, owner);
                }
            }
        }
    }

    /** Deletes a tree without following links; missing is fine. */
    static void deleteTree(Path p) throws IOException {
        BasicFileAttributes a = attrs(p);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            // A read-only directory from an archive must become writable to be emptied.
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
