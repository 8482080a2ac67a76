package dev.corral.agent.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.agent.restart.RestartTracker.Decision;
import dev.corral.agent.restart.RestartTracker.Hook;
import dev.corral.agent.restart.RestartTracker.State;
import dev.corral.driver.ExitResult;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RestartTrackerTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private static final ExitResult OK = new ExitResult.Exited(0, false);
    private static final ExitResult FAIL = new ExitResult.Exited(1, false);

    private RestartTracker tracker(RestartPolicy p, String type) {
        return new RestartTracker(p, type, Hook.NONE, false, now::get, new Random(42));
    }

    @Test
    void defaults_perJobType_matchNomad() {
        assertThat(RestartPolicy.defaultFor("service"))
                .isEqualTo(new RestartPolicy(2, Duration.ofMinutes(30), Duration.ofSeconds(15), RestartPolicy.Mode.FAIL));
        assertThat(RestartPolicy.defaultFor("system")).isEqualTo(RestartPolicy.defaultFor("service"));
        assertThat(RestartPolicy.defaultFor("batch"))
                .isEqualTo(new RestartPolicy(3, Duration.ofHours(24), Duration.ofSeconds(15), RestartPolicy.Mode.FAIL));
        assertThat(RestartPolicy.defaultFor("sysbatch")).isEqualTo(RestartPolicy.defaultFor("batch"));
    }

    @Test
    void service_failuresWithinPolicy_restartWithJitteredDelay_thenFailWithNomadMessage() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("service"), "service");
        for (int i = 0; i < 2; i++) {
            Decision d = t.exited(FAIL).next();
            assertThat(d.state()).isEqualTo(State.RESTARTING);
            assertThat(d.reason()).isEqualTo("Restart within policy");
            assertThat(d.delay()).isBetween(Duration.ofSeconds(15), Duration.ofMillis(18_750));
        }
        Decision last = t.exited(FAIL).next();
        assertThat(last.state()).isEqualTo(State.NOT_RESTARTING);
        assertThat(last.reason()).isEqualTo("Exceeded allowed attempts 2 in interval 30m0s and mode is \"fail\"");
    }

    @Test
    void jitter_isAtMostAQuarterOfTheDelay_overManySeeds() {
        for (int seed = 0; seed < 200; seed++) {
            RestartTracker t = new RestartTracker(new RestartPolicy(1000, Duration.ofHours(1), Duration.ofSeconds(4),
                    RestartPolicy.Mode.FAIL), "service", Hook.NONE, false, now::get, new Random(seed));
            Duration d = t.exited(FAIL).next().delay();
            assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(4)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void service_restartsEvenOnSuccess() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("service"), "service");
        assertThat(t.exited(OK).next().state()).isEqualTo(State.RESTARTING);
    }

    @Test
    void batch_successfulExit_terminatesWithoutCounting() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("batch"), "batch");
        Decision d = t.exited(OK).next();
        assertThat(d.state()).isEqualTo(State.TERMINATED);
        assertThat(d.reason()).isEqualTo("Restart unnecessary as task terminated successfully");
        assertThat(t.count()).isZero();
    }

    @Test
    void zeroAttempts_noRestarts_butBatchSuccessStillTerminates() {
        RestartPolicy none = new RestartPolicy(0, Duration.ofMinutes(1), Duration.ofSeconds(1), RestartPolicy.Mode.FAIL);
        Decision svc = tracker(none, "service").exited(OK).next();
        assertThat(svc.state()).isEqualTo(State.NOT_RESTARTING);
        assertThat(svc.reason()).isEqualTo("Policy allows no restarts");
        assertThat(tracker(none, "batch").exited(OK).next().state()).isEqualTo(State.TERMINATED);
        assertThat(tracker(none, "batch").exited(FAIL).next().state()).isEqualTo(State.NOT_RESTARTING);
    }

    @Test
    void unrecoverableStartError_neverRestarts_recoverableOneDoes() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("service"), "service");
        Decision d = t.startFailed(new RuntimeException("x"), false).next();
        assertThat(d.state()).isEqualTo(State.NOT_RESTARTING);
        assertThat(d.reason()).isEqualTo("Error was unrecoverable");
        assertThat(t.startFailed(new RuntimeException("y"), true).next().state()).isEqualTo(State.RESTARTING);
    }

    @Test
    void intervalElapsed_resetsTheCount() {
        RestartTracker t = tracker(new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofSeconds(1),
                RestartPolicy.Mode.FAIL), "service");
        assertThat(t.exited(FAIL).next().state()).isEqualTo(State.RESTARTING);
        now.addAndGet(Duration.ofMinutes(11).toMillis());
        assertThat(t.exited(FAIL).next().state()).isEqualTo(State.RESTARTING);
        assertThat(t.count()).isEqualTo(1);
        assertThat(t.exited(FAIL).next().state()).isEqualTo(State.NOT_RESTARTING);
    }

    @Test
    void delayMode_exhausted_waitsUntilWindowEnds() {
        RestartTracker t = tracker(new RestartPolicy(1, Duration.ofMinutes(10), Duration.ofSeconds(1),
                RestartPolicy.Mode.DELAY), "service");
        t.exited(FAIL).next();
        now.addAndGet(Duration.ofMinutes(4).toMillis());
        Decision d = t.exited(FAIL).next();
        assertThat(d.state()).isEqualTo(State.RESTARTING);
        assertThat(d.reason()).isEqualTo("Exceeded allowed attempts, applying a delay");
        assertThat(d.delay()).isEqualTo(Duration.ofMinutes(6));
    }

    @Test
    void killed_neverRestarts_andUserRestartAlwaysRestartsImmediately() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("service"), "service");
        assertThat(t.exited(FAIL).killed().next().state()).isEqualTo(State.KILLED);
        Decision user = t.restartTriggered(false).next();
        assertThat(user.state()).isEqualTo(State.RESTARTING);
        assertThat(user.delay()).isZero();
        assertThat(t.count()).isZero();
    }

    @Test
    void lifecycle_prestartSidecarRestartsOnSuccess_prestartAndPoststopDoNot() {
        RestartPolicy p = RestartPolicy.defaultFor("service");
        assertThat(new RestartTracker(p, "service", Hook.PRESTART, true, now::get, new Random(1)).exited(OK).next()
                .state()).isEqualTo(State.RESTARTING);
        assertThat(new RestartTracker(p, "service", Hook.PRESTART, false, now::get, new Random(1)).exited(OK).next()
                .state()).isEqualTo(State.TERMINATED);
        assertThat(new RestartTracker(p, "service", Hook.POSTSTOP, false, now::get, new Random(1)).exited(OK).next()
                .state()).isEqualTo(State.TERMINATED);
    }

    @Test
    void restore_resumesThePersistedWindow() {
        RestartTracker t = tracker(RestartPolicy.defaultFor("service"), "service");
        t.restore(2, now.get() - 1000);
        assertThat(t.exited(FAIL).next().state()).isEqualTo(State.NOT_RESTARTING);
    }
}
