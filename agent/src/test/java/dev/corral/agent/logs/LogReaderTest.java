package dev.corral.agent.logs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.logs.LogReader.Chunk;
import dev.corral.agent.logs.LogReader.Origin;
import dev.corral.agent.logs.LogReader.Position;
import dev.corral.agent.logs.LogReader.Stream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
    @TempDir
    Path logs;

    private void write(String name, String text) throws IOException {
        Files.writeString(logs.resolve(name), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private String readAll(LogReader r, Position p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            Chunk c = r.read(p, 3);
            if (c.data().length == 0) {
                return out.toString(UTF_8);
            }
            out.writeBytes(c.data());
            p = c.next();
        }
    }

    @Test
    void read_spansRotatedFilesInIndexOrder_ignoringOtherStreamsAndTasks() throws IOException {
        write("web.stdout.0", "aaaa");
        write("web.stdout.1", "bbbb");
        write("web.stdout.10", "dd");
        write("web.stdout.2", "cc");
        write("web.stderr.0", "ERR");
        write("webx.stdout.0", "XX");
        LogReader r = new LogReader(logs, "web", Stream.STDOUT);
        assertThat(r.files()).extracting(LogReader.LogFile::index).containsExactly(0, 1, 2, 10);
        assertThat(readAll(r, r.position(Origin.START, 0))).isEqualTo("aaaabbbbccdd");
        assertThat(readAll(r, r.position(Origin.START, 6))).isEqualTo("bbccdd");
        assertThat(readAll(r, r.position(Origin.END, 3))).isEqualTo("cdd");
        assertThat(readAll(r, r.position(Origin.END, 100))).isEqualTo("aaaabbbbccdd");
        assertThat(readAll(r, r.position(Origin.START, 100))).isEmpty();
        assertThat(readAll(new LogReader(logs, "web", Stream.STDERR), new Position(0, 0))).isEqualTo("ERR");
    }

    @Test
    void chunk_reportsFileNameAndOffset() throws IOException {
        write("t.stdout.0", "hello");
        write("t.stdout.1", "world");
        LogReader r = new LogReader(logs, "t", Stream.STDOUT);
        Chunk c = r.read(r.position(Origin.START, 7), 100);
        assertThat(c.file()).isEqualTo("t.stdout.1");
        assertThat(c.offset()).isEqualTo(2);
        assertThat(new String(c.data(), UTF_8)).isEqualTo("rld");
    }

    @Test
    void read_afterOldFilesWereDeleted_continuesAtTheNextKeptFile() throws IOException {
        write("t.stdout.3", "kept");
        LogReader r = new LogReader(logs, "t", Stream.STDOUT);
        assertThat(readAll(r, new Position(1, 2))).isEqualTo("kept");
    }

    @Test
    void follow_seesAppendsAndRotation_withoutGapsOrDuplicates() throws Exception {
        write("t.stdout.0", "");
        LogReader r = new LogReader(logs, "t", Stream.STDOUT);
        StringBuilder expected = new StringBuilder();
        CountDownLatch done = new CountDownLatch(1);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (int file = 0; file < 4; file++) {
                    for (int line = 0; line < 20; line++) {
                        write("t.stdout." + file, "f" + file + "l" + line + "\n");
                    }
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            } finally {
                done.countDown();
            }
        });
        for (int file = 0; file < 4; file++) {
            for (int line = 0; line < 20; line++) {
                expected.append("f").append(file).append("l").append(line).append("\n");
            }
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Position p = new Position(0, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.size() < expected.length() && System.nanoTime() < deadline) {
            Chunk c = r.follow(p, 7, Duration.ofSeconds(5), () -> false);
            got.writeBytes(c.data());
            p = c.next();
        }
        writer.join();
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(got.toString(UTF_8)).isEqualTo(expected.toString());
    }

    @Test
    void follow_timesOutWithEmptyChunk_whenNothingIsWritten() throws Exception {
        LogReader r = new LogReader(logs, "none", Stream.STDOUT);
        Chunk c = r.follow(new Position(0, 0), 10, Duration.ofMillis(150), () -> false);
        assertThat(c.data()).isEmpty();
    }
}
