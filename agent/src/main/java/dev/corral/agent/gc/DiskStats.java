package dev.corral.agent.gc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Usage of the file system holding the alloc dir; injectable so GC decisions can be tested. */
@FunctionalInterface
public interface DiskStats {
    /** Percentages in 0..100. */
    record Usage(double diskPercent, double inodePercent, long freeBytes) {}

    Usage usage();

    /** The real file system under {@code dir}: bytes from {@link FileStore}, inodes from {@code statvfs(3)}. */
    static DiskStats of(Path dir) {
        return () -> {
            try {
                FileStore fs = Files.getFileStore(dir);
                long total = fs.getTotalSpace();
                long free = fs.getUsableSpace();
                double disk = total == 0 ? 0 : 100.0 * (total - fs.getUnallocatedSpace()) / total;
                return new Usage(disk, Inodes.percentUsed(dir), free);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot stat file system of " + dir + ": " + e.getMessage(), e);
            }
        };
    }

    /** statvfs through FFM: f_files and f_ffree are not exposed by the JDK. */
    final class Inodes {
        private static final MethodHandle STATVFS = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("statvfs").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        // struct statvfs on x86_64/aarch64 glibc: 11 unsigned longs then ints; f_files is the 6th, f_ffree the 7th.
        private static final long F_FILES = 5 * 8;
        private static final long F_FFREE = 6 * 8;

        private Inodes() {}

        static double percentUsed(Path dir) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(128);
                int rc = (int) STATVFS.invokeExact(arena.allocateFrom(dir.toString()), buf);
                if (rc != 0) {
                    return 0;
                }
                long files = buf.get(ValueLayout.JAVA_LONG, F_FILES);
                long ffree = buf.get(ValueLayout.JAVA_LONG, F_FFREE);
                return files == 0 ? 0 : 100.0 * (files - ffree) / files;
            } catch (Throwable t) {
                return 0;
            }
        }
    }
}
