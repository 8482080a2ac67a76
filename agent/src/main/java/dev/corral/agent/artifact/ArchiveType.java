package dev.corral.agent.artifact;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Archive formats go-getter unpacks, under the names {@code options { archive = ... }} uses. */
enum ArchiveType {
    TAR(false, "tar"),
    TAR_GZ(false, "tar.gz", "tgz"),
    TAR_BZ2(false, "tar.bz2", "tbz2"),
    TAR_XZ(false, "tar.xz", "txz"),
    ZIP(false, "zip"),
    GZ(true, "gz"),
    BZ2(true, "bz2"),
    XZ(true, "xz");

    /** go-getter also knows these; commons-compress needs zstd-jni for them, which Corral does not ship. */
    private static final List<String> ZSTD_NAMES = List.of("tar.zst", "tzst", "zst");

    final boolean singleFile;
    final List<String> names;

    ArchiveType(boolean singleFile, String... names) {
        this.singleFile = singleFile;
        this.names = List.of(names);
    }

    /** The type named by {@code archive = "<name>"}. */
    static ArchiveType byName(String name) throws InvalidArtifactException, UnsupportedSourceException {
        String n = name.toLowerCase(Locale.ROOT);
        if (ZSTD_NAMES.contains(n)) {
            throw zstd(n);
        }
        for (ArchiveType t : values()) {
            if (t.names.contains(n)) {
                return t;
            }
        }
        throw new InvalidArtifactException("unknown archive type \"" + name
                + "\"; use one of tar, tar.gz, tgz, tar.bz2, tbz2, tar.xz, txz, zip, gz, bz2, xz, or false");
    }

    /** The type whose extension ends the path (longest match wins, so {@code .tar.gz} beats {@code .gz}). */
    static Optional<ArchiveType> byExtension(String path) throws UnsupportedSourceException {
        String p = path.toLowerCase(Locale.ROOT);
        for (String z : ZSTD_NAMES) {
            if (p.endsWith("." + z)) {
                throw zstd(z);
            }
        }
        ArchiveType best = null;
        int bestLen = 0;
        for (ArchiveType t : values()) {
            for (String n : t.names) {
                if (p.endsWith("." + n) && n.length() > bestLen) {
                    best = t;
                    bestLen = n.length();
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** The file name a single-file archive unpacks to: {@code app.gz} -> {@code app}. */
    String stripExtension(String fileName) {
        for (String n : names) {
            if (fileName.toLowerCase(Locale.ROOT).endsWith("." + n) && fileName.length() > n.length() + 1) {
                return fileName.substring(0, fileName.length() - n.length() - 1);
            }
        }
        return fileName;
    }

    private static UnsupportedSourceException zstd(String n) {
        return new UnsupportedSourceException("zstd archives (" + n + ") are not supported by Corral; "
                + "repackage as tar.gz or tar.xz, or set options { archive = false }");
    }
}
