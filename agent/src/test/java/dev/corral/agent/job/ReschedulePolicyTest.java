package dev.corral.agent.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReschedulePolicyTest {
    @Test
    void defaults_perJobType() {
        assertThat(ReschedulePolicy.defaultFor("service").unlimited()).isTrue();
        assertThat(ReschedulePolicy.defaultFor("batch").attempts()).isEqualTo(1);
        assertThat(ReschedulePolicy.defaultFor("system")).isNull();
        assertThat(ReschedulePolicy.defaultFor("sysbatch")).isNull();
    }

    @Test
    void delayFunctions_areCappedByMaxDelay() {
        ReschedulePolicy exp = ReschedulePolicy.SERVICE_DEFAULT;
        assertThat(exp.delayFor(0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(exp.delayFor(1)).isEqualTo(Duration.ofSeconds(60));
        assertThat(exp.delayFor(3)).isEqualTo(Duration.ofSeconds(240));
        assertThat(exp.delayFor(10)).isEqualTo(Duration.ofHours(1));
        ReschedulePolicy fib = new ReschedulePolicy(0, Duration.ZERO, Duration.ofSeconds(1), "fibonacci",
                Duration.ofSeconds(100), true);
        assertThat(fib.delayFor(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(fib.delayFor(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(fib.delayFor(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(fib.delayFor(4)).isEqualTo(Duration.ofSeconds(5));
        assertThat(ReschedulePolicy.BATCH_DEFAULT.delayFor(7)).isEqualTo(Duration.ofSeconds(5));
    }
}
