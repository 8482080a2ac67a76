package dev.corral.agent.restart;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void format_matchesGoDurationString() {
        assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(GoDuration.format(Duration.ofNanos(7))).isEqualTo("7ns");
        assertThat(GoDuration.format(Duration.ofNanos(1500))).isEqualTo("1.5µs");
        assertThat(GoDuration.format(Duration.ofMillis(1).plusNanos(500_000))).isEqualTo("1.5ms");
        assertThat(GoDuration.format(Duration.ofSeconds(15))).isEqualTo("15s");
        assertThat(GoDuration.format(Duration.ofMillis(16_250))).isEqualTo("16.25s");
        assertThat(GoDuration.format(Duration.ofNanos(16_234_567_891L))).isEqualTo("16.234567891s");
        assertThat(GoDuration.format(Duration.ofMinutes(30))).isEqualTo("30m0s");
        assertThat(GoDuration.format(Duration.ofHours(24))).isEqualTo("24h0m0s");
        assertThat(GoDuration.format(Duration.ofSeconds(3661))).isEqualTo("1h1m1s");
        assertThat(GoDuration.format(Duration.ofSeconds(-5))).isEqualTo("-5s");
    }
}
