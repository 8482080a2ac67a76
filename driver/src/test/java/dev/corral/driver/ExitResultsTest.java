package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.SandboxStatus;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ExitResultsTest {
    private static final Path FILE = Path.of("/state/status");

    private static Optional<SandboxStatus> status(String s) {
        return SandboxStatus.parse("version=1\n" + s);
    }

    @Test
    void exited_keepsTheCode() {
        ExitResult r = ExitResults.from(status("state=exited\nexec_ok=1\nexit_code=3\nsignal=0\n"), OptionalInt.of(3), false, FILE);
        assertThat(r).isEqualTo(new ExitResult.Exited(3, false));
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.successful()).isFalse();
        assertThat(r.message()).isEmpty();
    }

    @Test
    void signaled_reports128PlusSignal() {
        ExitResult r = ExitResults.from(status("state=exited\nexec_ok=1\nexit_code=137\nsignal=9\n"), OptionalInt.empty(), false, FILE);
        assertThat(r).isEqualTo(new ExitResult.Signaled(9, false));
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.signal()).isEqualTo(9);
    }

    @Test
    void oom_isFlaggedWithNomadsMessage() {
        ExitResult r = ExitResults.from(status("state=exited\nexec_ok=1\nsignal=9\n"), OptionalInt.of(137), true, FILE);
        assertThat(r.oomKilled()).isTrue();
        assertThat(r.message()).isEqualTo("OOM Killed");
    }

    @Test
    void sandboxFailure_isNeverATaskExit() {
        ExitResult r = ExitResults.from(status("state=failed\nexec_ok=0\nfailed_step=pivot_root\nerrno=22\nerror=Invalid argument\n"),
                OptionalInt.of(125), false, FILE);
        assertThat(r).isEqualTo(new ExitResult.SandboxFailed("pivot_root", 22, "Invalid argument", 125));
        assertThat(r.message()).isEqualTo("sandbox failed at pivot_root (errno 22): Invalid argument");
    }

    @Test
    void missingStatus_saysSo() {
        ExitResult r = ExitResults.from(Optional.empty(), OptionalInt.of(137), false, FILE);
        assertThat(r).isInstanceOf(ExitResult.SandboxFailed.class);
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.message()).contains("/state/status").contains("missing");
        assertThat(ExitResults.from(status("state=running\nexec_ok=1\n"), OptionalInt.empty(), false, FILE).message())
                .contains("state running");
    }
}
