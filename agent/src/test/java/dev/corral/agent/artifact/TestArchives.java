package dev.corral.agent.artifact;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Builds real archives, benign and hostile, in memory. */
final class TestArchives {

    /** One entry: a file, directory, symlink, hard link, device or FIFO. */
    record Entry(String name, char type, byte[] content, String link, int mode) {
        static Entry file(String name, String content) {
            return new Entry(name, 'f', content.getBytes(StandardCharsets.UTF_8), null, 0644);
        }

        static Entry file(String name, byte[] content, int mode) {
            return new Entry(name, 'f', content, null, mode);
        }

        static Entry dir(String name) {
            return new Entry(name, 'd', new byte[0], null, 0755);
        }

        static Entry symlink(String name, String target) {
            return new Entry(name, 'l', new byte[0], target, 0777);
        }

        static Entry hardlink(String name, String target) {
            return new Entry(name, 'h', new byte[0], target, 0644);
        }

        static Entry charDevice(String name) {
            return new Entry(name, 'c', new byte[0], null, 0666);
        }

        static Entry fifo(String name) {
            return new Entry(name, 'p', new byte[0], null, 0644);
        }
    }

    private TestArchives() {
    }

    static byte[] tar(List<Entry> entries) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        writeTar(entries, bos);
        return bos.toByteArray();
    }

    static byte[] tarGz(List<Entry> entries) {
        return compress("gz", tar(entries));
    }

    static byte[] tarBz2(List<Entry> entries) {
        return compress("bz2", tar(entries));
    }

    static byte[] tarXz(List<Entry> entries) {
        return compress("xz", tar(entries));
    }

    static byte[] compress(String type, byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = switch (type) {
            case "gz" -> new GzipCompressorOutputStream(bos);
            case "bz2" -> new BZip2CompressorOutputStream(bos);
            case "xz" -> new XZCompressorOutputStream(bos);
            default -> throw new IllegalArgumentException(type);
        }) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static void writeTar(List<Entry> entries, OutputStream os) {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry te = switch (e.type()) {
                    case 'f' -> {
                        TarArchiveEntry t = new TarArchiveEntry(e.name(), true);
                        t.setSize(e.content().length);
                        yield t;
                    }
                    case 'd' -> new TarArchiveEntry(e.name().endsWith("/") ? e.name() : e.name() + "/", true);
                    case 'l' -> {
                        TarArchiveEntry t = new TarArchiveEntry(e.name(), TarConstants.LF_SYMLINK, true);
                        t.setLinkName(e.link());
                        yield t;
                    }
                    case 'h' -> {
                        TarArchiveEntry t = new TarArchiveEntry(e.name(), TarConstants.LF_LINK, true);
                        t.setLinkName(e.link());
                        yield t;
                    }
                    case 'c' -> {
                        TarArchiveEntry t = new TarArchiveEntry(e.name(), TarConstants.LF_CHR, true);
                        t.setDevMajor(1);
                        t.setDevMinor(3);
                        yield t;
                    }
                    case 'p' -> new TarArchiveEntry(e.name(), TarConstants.LF_FIFO, true);
                    default -> throw new IllegalArgumentException("type " + e.type());
                };
                te.setMode(e.mode() | te.getMode() & 0170000);
                tar.putArchiveEntry(te);
                if (e.type() == 'f') {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] zip(List<Entry> entries) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bos)) {
            for (Entry e : entries) {
                String name = e.type() == 'd' && !e.name().endsWith("/") ? e.name() + "/" : e.name();
                ZipArchiveEntry ze = new ZipArchiveEntry(name);
                byte[] data = switch (e.type()) {
                    case 'f' -> {
                        ze.setUnixMode(0100000 | e.mode());
                        yield e.content();
                    }
                    case 'd' -> {
                        ze.setUnixMode(0040755);
                        yield new byte[0];
                    }
                    case 'l' -> {
                        ze.setUnixMode(0120777);
                        yield e.link().getBytes(StandardCharsets.UTF_8);
                    }
                    case 'c' -> {
                        ze.setUnixMode(0020666);
                        yield new byte[0];
                    }
                    case 'p' -> {
                        ze.setUnixMode(0010644);
                        yield new byte[0];
                    }
                    default -> throw new IllegalArgumentException("zip cannot hold type " + e.type());
                };
                zip.putArchiveEntry(ze);
                zip.write(data);
                zip.closeArchiveEntry();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bos.toByteArray();
    }

    /** {@code n} tiny files: over the default file-count limit when n > 4096. */
    static List<Entry> manyFiles(int n) {
        List<Entry> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Entry.file("f/" + i, "x"));
        }
        return l;
    }

    /** One file of {@code bytes} zeros: compresses to almost nothing. */
    static List<Entry> zeros(String name, int bytes) {
        return List.of(Entry.file(name, new byte[bytes], 0644));
    }
}
