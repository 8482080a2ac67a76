/*
 * enter: joins a running task's namespaces and root (E), forks the command (F) into them,
 * forwards signals to F's process group and mirrors F's exit code.
 */
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "ns.h"
#include "pid1.h"
#include "signals.h"

static int take_terminal(struct sandbox_error *e) {
    /* with a pty from Java as stdin, the new session needs it as its controlling terminal for
     * job control and SIGWINCH; arg 1 steals it from the session of whoever started us (we
     * still have CAP_SYS_ADMIN here); without a terminal there is nothing to do */
    if (isatty(0)) CHECK(e, "terminal", ioctl(0, TIOCSCTTY, 1), "TIOCSCTTY on stdin");
    return 0;
}

static int failed(const struct sandbox_error *e, int code) {
    fprintf(stderr, "corral-sandbox: %s: %s\n", e->step, e->detail);
    return code;
}

/* Forwards signals to the command's group until it exits; returns its wait status or -1. */
static int supervise_command(pid_t pid, int sigfd, struct sandbox_error *e) {
    for (;;) {
        struct pollfd p = {.fd = sigfd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) FAIL(e, "enter_wait", errno, "poll");
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo != SIGCHLD) {
                if (kill(-pid, (int)si.ssi_signo) < 0 && errno == ESRCH) kill(pid, (int)si.ssi_signo);
                continue;
            }
            int st;
            pid_t got = waitpid(pid, &st, WNOHANG);
            if (got == pid) return st;
            if (got < 0) FAIL(e, "enter_wait", errno, "waitpid %d", (int)pid);
        }
    }
}

int enter_main(const struct sandbox_options *o) {
    struct sandbox_error e;
    struct ns_target target;
    int cgroup_fds[SANDBOX_MAX_CGROUPS];
    memset(&e, 0, sizeof e);
    if (cgroup_open_procs(o->cgroups, o->cgroup_count, cgroup_fds, &e) < 0 ||
        ns_open_target(o->target_pid, &target, &e) < 0 ||
        ns_join_target(&target, &e) < 0) {
        return failed(&e, 125);
    }
    int sigfd = signals_open_fd(&e);
    if (sigfd < 0) return failed(&e, 125);
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) {
        sandbox_error_set(&e, "enter_fork", errno, "pipe");
        return failed(&e, 125);
    }
    fflush(NULL);
    /* setns(CLONE_NEWPID) only applies to children: the command must be forked */
    pid_t pid = fork();
    if (pid < 0) {
        sandbox_error_set(&e, "enter_fork", errno, "fork");
        return failed(&e, 125);
    }
    if (pid == 0) {
        close(report[0]);
        if (become_session_leader(&e) < 0 ||
            take_terminal(&e) < 0 ||
            cgroup_join(cgroup_fds, o->cgroups, o->cgroup_count, &e) < 0 ||
            cgroup_set_oom_score_adj(o->oom_score_adj, &e) < 0) {
            report_and_exit(report[1], &e, 125);
        }
        task_exec(o, report[1]);
    }
    close(report[1]);
    int st = supervise_command(pid, sigfd, &e);
    if (st < 0) return failed(&e, 125);
    struct sandbox_error record;
    if (read(report[0], &record, sizeof record) == (ssize_t)sizeof record) {
        record.step[sizeof record.step - 1] = '\0';
        record.detail[sizeof record.detail - 1] = '\0';
        fprintf(stderr, "corral-sandbox: %s: %s\n", record.step, record.detail);
    }
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
