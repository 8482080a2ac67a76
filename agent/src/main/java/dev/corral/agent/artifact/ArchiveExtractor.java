package dev.corral.agent.artifact;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks one archive into a private staging directory, entry by entry, under the client's limits.
 *
 * <p>Entry names are checked before anything is written: a {@code ..} segment or an absolute path
 * is refused (go-getter silently re-roots absolute names; refusing is clearer). Every write goes
 * through {@link SafeTree}: parents must be real directories (never a link created by an earlier
 * entry), files are created with {@code O_NOFOLLOW}. Symbolic links are created as written and the
 * whole tree is checked by {@link SafeTree#verify} once extraction ends, because a link may name an
 * entry that comes later. A hard link may only name a regular file already extracted, reached
 * without links, so it can never bind a file outside the staging directory. Device nodes and FIFOs
 * are refused. Set-uid, set-gid and sticky bits are dropped. Sizes are counted on the bytes
 * actually written, not on what the headers claim.
 */
final class ArchiveExtractor {
    private final long sizeLimit;
    private final int countLimit;

    ArchiveExtractor(long sizeLimit, int countLimit) {
        this.sizeLimit = sizeLimit;
        this.countLimit = countLimit;
    }

    /** Unpacks a multi-file archive ({@code tar*}, {@code zip}) into the existing empty directory {@code root}. */
    void extractTree(ArchiveType type, Path archive, Path root) throws IOException, ArtifactException {
        Extraction x = new Extraction(root, type == ArchiveType.ZIP ? "zip" : "tar");
        if (type == ArchiveType.ZIP) {
            extractZip(archive, x);
        } else {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
                 InputStream in = decompressor(type, raw);
                 TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                extractTar(tar, x);
            }
        }
        x.finish();
        SafeTree.verify(root);
    }

    /** Decompresses a single-file archive ({@code gz}, {@code bz2}, {@code xz}) into the new file {@code target}. */
    long extractSingle(ArchiveType type, Path archive, Path target) throws IOException, ArtifactException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
             InputStream in = decompressor(type, raw);
             OutputStream out = SafeTree.createFile(target)) {
            long[] total = {0};
            copyBounded(in, out, total, type.names.getFirst() + " file");
            return total[0];
        }
    }

    private static InputStream decompressor(ArchiveType type, InputStream raw) throws IOException {
        return switch (type) {
            case TAR -> raw;
            case TAR_GZ, GZ -> new GzipCompressorInputStream(raw, true);
            case TAR_BZ2, BZ2 -> new BZip2CompressorInputStream(raw, true);
            case TAR_XZ, XZ -> new XZCompressorInputStream(raw, true);
            case ZIP -> throw new IllegalArgumentException("zip is not a stream format");
        };
    }

    private void extractTar(TarArchiveInputStream tar, Extraction x) throws IOException, ArtifactException {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            x.count();
            String rel = entryPath(e.getName());
            if (rel.isEmpty()) {
                continue;
            }
            if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                throw new UnsafeArchiveException("tar entry " + e.getName()
                        + " is a device node or FIFO; device files and FIFOs are refused");
            } else if (e.isDirectory()) {
                x.directory(rel, e.getMode());
            } else if (e.isSymbolicLink()) {
                x.symlink(rel, e.getLinkName());
            } else if (e.isLink()) {
                x.hardlink(rel, e.getLinkName());
            } else if (e.isFile()) {
                x.file(rel, tar, e.getMode(), e.getModTime());
            } else {
                throw new UnsafeArchiveException("tar entry " + e.getName() + " has an unsupported type '"
                        + (char) e.getLinkFlag() + "'");
            }
        }
    }

    private void extractZip(Path archive, Extraction x) throws IOException, ArtifactException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            for (ZipArchiveEntry e : Collections.list(zip.getEntriesInPhysicalOrder())) {
                x.count();
                String rel = entryPath(e.getName());
                if (rel.isEmpty()) {
                    continue;
                }
                int unixMode = e.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? e.getUnixMode() : 0;
                int fileType = unixMode & 0170000;
                if (e.isUnixSymlink()) {
                    x.symlink(rel, zip.getUnixSymlink(e));
                } else if (e.isDirectory()) {
                    x.directory(rel, unixMode == 0 ? 0755 : unixMode);
                } else if (fileType != 0 && fileType != 0100000) {
                    throw new UnsafeArchiveException("zip entry " + e.getName()
                            + " is a device node, FIFO or socket; device files and FIFOs are refused");
                } else {
                    try (InputStream in = zip.getInputStream(e)) {
                        x.file(rel, in, unixMode == 0 ? 0644 : unixMode, new Date(e.getTime()));
                    }
                }
            }
        }
    }

    /** Checks an entry name and returns it normalized ({@code ""} for the archive root). */
    static String entryPath(String name) throws UnsafeArchiveException {
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeArchiveException("entry name contains a NUL byte: " + name.replace('\0', '?'));
        }
        if (name.startsWith("/")) {
            throw new UnsafeArchiveException("entry has an absolute path: " + name);
        }
        List<String> out = new ArrayList<>();
        for (String seg : name.split("/")) {
            if (seg.equals("..")) {
                throw new UnsafeArchiveException("entry contains '..': " + name);
            }
            if (!seg.isEmpty() && !seg.equals(".")) {
                out.add(seg);
            }
        }
        return String.join("/", out);
    }

    private void copyBounded(InputStream in, OutputStream out, long[] total, String what)
            throws IOException, ArchiveLimitException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            total[0] += n;
            if (sizeLimit > 0 && total[0] > sizeLimit) {
                throw new ArchiveLimitException(what + " larger than limit: " + total[0]
                        + " (decompression_size_limit is " + sizeLimit + " bytes)");
            }
            out.write(buf, 0, n);
        }
    }

    private static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }

    /** State of one extraction: counters and directory modes applied at the end. */
    private final class Extraction {
        private final Path root;
        private final String kind;
        private final List<Path> created = new ArrayList<>();
        private final List<Path> dirs = new ArrayList<>();
        private final List<Integer> dirModes = new ArrayList<>();
        private final long[] total = {0};
        private int entries;

        Extraction(Path root, String kind) {
            this.root = root;
            this.kind = kind;
        }

        void count() throws ArchiveLimitException {
            entries++;
            if (countLimit > 0 && entries > countLimit) {
                throw new ArchiveLimitException(kind + " archive contains too many files: " + entries + " > " + countLimit
                        + " (decompression_file_count_limit)");
            }
        }

        private Path parentOf(String rel) throws IOException, UnsafeArchiveException {
            int slash = rel.lastIndexOf('/');
            try {
                return SafeTree.ensureDirectories(root, slash < 0 ? "" : rel.substring(0, slash), "archive entry " + rel,
                        created).resolve(rel.substring(slash + 1));
            } catch (UnsafeDestinationException e) {
                throw new UnsafeArchiveException(e.reason());
            }
        }

        void directory(String rel, int mode) throws IOException, UnsafeArchiveException {
            try {
                Path d = SafeTree.ensureDirectories(root, rel, "archive entry " + rel, created);
                dirs.add(d);
                dirModes.add(mode);
            } catch (UnsafeDestinationException e) {
                throw new UnsafeArchiveException(e.reason());
            }
        }

        void file(String rel, InputStream in, int mode, Date mtime) throws IOException, ArtifactException {
            Path f = parentOf(rel);
            try (OutputStream out = SafeTree.createFile(f)) {
                copyBounded(in, out, total, kind + " archive");
            }
            Files.setPosixFilePermissions(f, perms(mode & 0777));
            if (mtime != null && mtime.getTime() > 0) {
                Files.setLastModifiedTime(f, FileTime.fromMillis(mtime.getTime()));
            }
        }

        void symlink(String rel, String target) throws IOException, UnsafeArchiveException {
            if (target == null || target.isEmpty()) {
                throw new UnsafeArchiveException("symbolic link " + rel + " has an empty target");
            }
            if (target.startsWith("/")) {
                throw new UnsafeArchiveException("symbolic link " + rel + " -> " + target
                        + " points outside the artifact destination (absolute target)");
            }
            Path l = parentOf(rel);
            BasicFileAttributes a = SafeTree.attrs(l);
            if (a != null) {
                if (a.isDirectory()) {
                    throw new UnsafeArchiveException("cannot create symbolic link " + rel + ": a directory of that name exists");
                }
                Files.delete(l);
            }
            Files.createSymbolicLink(l, Path.of(target));
        }

        void hardlink(String rel, String targetName) throws IOException, UnsafeArchiveException {
            String target = entryPath(targetName);
            Path t = root;
            // Walk the target's components without links: link(2) would follow them.
            String[] segs = target.split("/");
            for (int i = 0; i < segs.length; i++) {
                t = t.resolve(segs[i]);
                BasicFileAttributes a = SafeTree.attrs(t);
                boolean last = i == segs.length - 1;
                if (a == null || a.isSymbolicLink() || (last ? !a.isRegularFile() : !a.isDirectory())) {
                    throw new UnsafeArchiveException("hard link " + rel + " -> " + targetName
                            + " does not name a regular file extracted earlier from this archive");
                }
            }
            Path l = parentOf(rel);
            BasicFileAttributes a = SafeTree.attrs(l);
            if (a != null) {
                if (a.isDirectory()) {
                    throw new UnsafeArchiveException("cannot create hard link " + rel + ": a directory of that name exists");
                }
                Files.delete(l);
            }
            Files.createLink(l, t);
        }

        void finish() throws IOException {
            // Deepest first, and keep the owner's rwx so the fetcher can still move and clean up.
            for (int i = dirs.size() - 1; i >= 0; i--) {
                if (Files.isDirectory(dirs.get(i), LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(dirs.get(i), perms((dirModes.get(i) & 0777) | 0700));
                }
            }
        }
    }
}
