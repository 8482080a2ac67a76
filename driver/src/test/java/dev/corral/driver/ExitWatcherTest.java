package dev.corral.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.linux.LinuxSyscalls;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The one thread that waits for every watched process: exits reported, unwanted ones dropped. */
class ExitWatcherTest {

    private static int pidfdOf(Process p) {
        return LinuxSyscalls.pidfdOpen(p.pid());
    }

    @Test
    void manyProcesses_eachExitIsReportedOnce_andLateWatchersWakeThePoller() throws Exception {
        try (ExitWatcher w = new ExitWatcher()) {
            int n = 20;
            Process[] ps = new Process[n];
            @SuppressWarnings("unchecked")
            CompletableFuture<Optional<LinuxSyscalls.ChildExit>>[] exits = new CompletableFuture[n];
            for (int i = 0; i < n; i++) {
                ps[i] = new ProcessBuilder("sleep", "0." + (i % 5 + 1)).start();
                exits[i] = new CompletableFuture<>();
                CompletableFuture<Optional<LinuxSyscalls.ChildExit>> f = exits[i];
                w.watch(pidfdOf(ps[i]), () -> true, e -> {
                    assertThat(f.complete(e)).as("reported once").isTrue();
                });
            }
            for (int i = 0; i < n; i++) {
                exits[i].get(10, TimeUnit.SECONDS);
                // reported at the exit: the process is a zombie or already reaped by then
                assertThat(dev.corral.driver.linux.ProcStat.read(ps[i].pid()).map(s -> s.state() == 'Z').orElse(true))
                        .as("process %d has exited", ps[i].pid()).isTrue();
            }
        }
    }

    @Test
    void anExitIsReportedAtOnce_notAtThePollersNextTimeout() throws Exception {
        try (ExitWatcher w = new ExitWatcher()) {
            Thread.sleep(100); // the poller is waiting (1 s timeout) when the watch arrives
            for (int i = 0; i < 5; i++) {
                Process p = new ProcessBuilder("sleep", "0.05").start();
                CompletableFuture<Long> at = new CompletableFuture<>();
                w.watch(pidfdOf(p), () -> true, e -> at.complete(System.nanoTime()));
                p.waitFor();
                long exited = System.nanoTime();
                long late = TimeUnit.NANOSECONDS.toMillis(at.get(10, TimeUnit.SECONDS) - exited);
                assertThat(late).as("reported %d ms after the exit", late).isLessThan(200);
            }
        }
    }

    @Test
    void closed_keepsReapingWhatItWatches_thenEnds() throws Exception {
        ExitWatcher w = new ExitWatcher();
        Process p = new ProcessBuilder("sleep", "0.3").start();
        CompletableFuture<Optional<LinuxSyscalls.ChildExit>> exit = new CompletableFuture<>();
        w.watch(pidfdOf(p), () -> true, exit::complete);
        w.close();
        exit.get(10, TimeUnit.SECONDS); // a task still running when its driver closes is still reaped
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("corral-exit-watcher")
                && t.isAlive()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Process q = new ProcessBuilder("sleep", "5").start();
        int fd = pidfdOf(q);
        AtomicBoolean called = new AtomicBoolean();
        w.watch(fd, () -> true, e -> called.set(true)); // after it ended: refused, the fd closed
        q.destroyForcibly();
        q.waitFor();
        Thread.sleep(200);
        assertThat(called).isFalse();
    }

    @Test
    void aProcessNoLongerWanted_isDroppedWithoutACallback() throws Exception {
        try (ExitWatcher w = new ExitWatcher()) {
            Process p = new ProcessBuilder("sleep", "2").start();
            AtomicBoolean wanted = new AtomicBoolean(true);
            AtomicBoolean called = new AtomicBoolean();
            w.watch(pidfdOf(p), wanted::get, e -> called.set(true));
            wanted.set(false);
            Thread.sleep(1500); // checked at least every second
            p.destroyForcibly();
            p.waitFor();
            Thread.sleep(300);
            assertThat(called).isFalse();
        }
    }
}
