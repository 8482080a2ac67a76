package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.model.DataSize;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parse_goSyntax() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2us")).isEqualTo(Duration.ofNanos(2000));
        assertThat(Durations.parse("2\u00b5s")).isEqualTo(Duration.ofNanos(2000));
        assertThat(Durations.parse("7ns")).isEqualTo(Duration.ofNanos(7));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("-1m")).isEqualTo(Duration.ofMinutes(-1));
        assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void parse_errorsUseGoWording() {
        assertThatThrownBy(() -> Durations.parse("")).hasMessage("time: invalid duration \"\"");
        assertThatThrownBy(() -> Durations.parse("10")).hasMessage("time: missing unit in duration \"10\"");
        assertThatThrownBy(() -> Durations.parse("5 seconds")).hasMessage("time: unknown unit \" seconds\" in duration \"5 seconds\"");
        assertThatThrownBy(() -> Durations.parse("1..2s")).hasMessage("time: invalid duration \"1..2s\"");
        assertThatThrownBy(() -> Durations.parse("s")).hasMessage("time: invalid duration \"s\"");
        assertThatThrownBy(() -> Durations.parse("9999999999h")).hasMessageContaining("too large");
    }

    @Test
    void format_likeGo() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m0s");
        assertThat(Durations.format(Duration.ofSeconds(15))).isEqualTo("15s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(Durations.format(Duration.ofSeconds(-60))).isEqualTo("-1m0s");
    }

    @Test
    void numbers_printAsWritten_andCompareByValue() {
        assertThat(dev.corral.jobspec.model.Value.Num.of(100).value()).hasToString("100");
        assertThat(new dev.corral.jobspec.model.Value.Num(new java.math.BigDecimal("1.50")).value()).hasToString("1.5");
        assertThat(new dev.corral.jobspec.model.Value.Num(new java.math.BigDecimal("1e3")))
                .isEqualTo(dev.corral.jobspec.model.Value.Num.of(1000));
        assertThat(String.valueOf(dev.corral.jobspec.model.Value.Num.of(8080).toJava())).isEqualTo("8080");
    }

    @Test
    void dataSize_mebibytesAndSignals() {
        assertThat(DataSize.ofMebibytes(300).bytes()).isEqualTo(300L * 1024 * 1024);
        assertThat(DataSize.ofMebibytes(300).mebibytes()).isEqualTo(300);
        assertThat(DataSize.ofMebibytes(2)).hasToString("2MiB");
        assertThatThrownBy(() -> new DataSize(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Signals.number("SIGTERM")).hasValue(15);
        assertThat(Signals.number("SIGKILL")).hasValue(9);
        assertThat(Signals.number("SIGINT")).hasValue(2);
        assertThat(Signals.number("TERM")).isEmpty();
    }
}
