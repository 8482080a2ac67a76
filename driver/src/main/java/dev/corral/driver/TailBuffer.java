package dev.corral.driver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Keeps the last {@code max} bytes of a stream (Nomad's 4 KiB check buffer). */
final class TailBuffer {
    private final int max;
    /** Guarded by {@code this}. */
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    TailBuffer(int max) {
        this.max = max;
    }

    void drain(InputStream in) {
        byte[] chunk = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                synchronized (this) {
                    buf.write(chunk, 0, n);
                    if (buf.size() > 4 * max) {
                        byte[] b = bytes();
                        buf.reset();
                        buf.write(b, 0, b.length);
                    }
                }
            }
        } catch (IOException e) {
            // The process was killed at its deadline; what was read is kept.
        }
    }

    synchronized byte[] bytes() {
        byte[] all = buf.toByteArray();
        return all.length <= max ? all : java.util.Arrays.copyOfRange(all, all.length - max, all.length);
    }
}
