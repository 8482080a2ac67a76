package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TerminalLogProviderTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final org.slf4j.Logger log = new TerminalLogProvider(new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .logger("dev.corral.driver.ExecDriver");

    @Test
    void warn_printsLevelShortNameAndFormattedMessage() {
        log.warn("could not remove {} after {} tries", "/sys/fs/cgroup/x", 3);
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("WARN ExecDriver: could not remove /sys/fs/cgroup/x after 3 tries" + System.lineSeparator());
    }

    @Test
    void error_withThrowable_appendsIt() {
        log.error("stats stopped", new IllegalStateException("gone"));
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("ERROR ExecDriver: stats stopped: java.lang.IllegalStateException: gone" + System.lineSeparator());
    }

    @Test
    void debug_belowThreshold_printsNothing() {
        log.debug("noise {}", 1);
        assertThat(log.isDebugEnabled()).isFalse();
        assertThat(log.isInfoEnabled()).isTrue();
        assertThat(bytes.size()).isZero();
    }
}
