#include "signals.h"

#include <errno.h>
#include <sys/signalfd.h>

int signals_block_all(struct sandbox_error *e) {
    /*
     * Why SIG_DFL for SIGCHLD: an inherited SIG_IGN makes the kernel reap our children itself,
     * and their exit status would be lost.
     */
    if (signal(SIGCHLD, SIG_DFL) == SIG_ERR) FAIL(e, "signals", errno, "reset SIGCHLD");
    sigset_t all;
    sigfillset(&all);
    /*
     * Blocked and read from a signalfd rather than handled: no async-signal-safety concerns,
     * and for B, PID 1 of its namespace, blocked signals are queued even from the task's own
     * namespace, where an unhandled signal to init would be dropped.
     */
    CHECK(e, "signals", sigprocmask(SIG_BLOCK, &all, NULL), "block signals");
    return 0;
}

int signals_open_fd(struct sandbox_error *e) {
    sigset_t all;
    sigfillset(&all);
    int fd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) FAIL(e, "signals", errno, "signalfd");
    return fd;
}

int signals_reset(struct sandbox_error *e) {
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        /* EINVAL for the two real-time signals glibc reserves for itself: nothing to reset */
        if (signal(sig, SIG_DFL) == SIG_ERR && errno != EINVAL) FAIL(e, "signals", errno, "reset signal %d", sig);
    }
    sigset_t none;
    sigemptyset(&none);
    CHECK(e, "signals", sigprocmask(SIG_SETMASK, &none, NULL), "unblock signals");
    return 0;
}
