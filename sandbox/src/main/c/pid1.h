/*
 * The sandbox init (B, PID 1 of the task's PID namespace) and the task child (C).
 * A (main.c) fills a run_context, clones B into new namespaces and B runs pid1_main.
 */
#ifndef CORRAL_PID1_H
#define CORRAL_PID1_H

#include <sys/types.h>

#include "logs.h"
#include "mounts.h"
#include "options.h"
#include "proctitle.h"
#include "status.h"

struct run_context {
    const struct sandbox_options *o;
    int status_dirfd;            /* directory of --status-file, opened by A on the host */
    const char *status_name;     /* its last component */
    struct task_status status;   /* what B writes */
    int sync_fd;                 /* B: read end of A's message with both host pids */
    int started_fd;              /* B: write end A waits on with --exit-after-start, else -1 */
    int cgroup_fds[SANDBOX_MAX_CGROUPS]; /* DIR/cgroup.procs, opened by B before pivot */
    int log_dirfd;               /* --log-dir, -1 when not rotating */
    struct log_rotator out_log;  /* <name>.stdout.N */
    struct log_rotator err_log;  /* <name>.stderr.N */
    int out_fd;                  /* the task's fd 1: pipe end or --stdout file; -1 = inherit B's */
    int err_fd;                  /* the task's fd 2, likewise */
    int out_pipe;                /* B's read end of the task's stdout pipe, -1 when none */
    int err_pipe;                /* likewise for stderr */
    int report_fd;               /* B: read end of the CLOEXEC pipe the task reports exec failure on */
    int sigfd;                   /* B: signalfd */
    int root_fd;                 /* B: O_PATH fd of the new root until it is entered */
    pid_t task_pid;              /* C, in B's PID namespace */
    int deferred[64];            /* signals received before C's execve, in arrival order */
    int deferred_count;
    struct prepared_root *prep;  /* B of a spare: released once the start is on record; else NULL */
    struct proctitle env_area;   /* the environment area the kernel gave A (B has a copy): a spare's B shows its task's there */
    struct proctitle title;      /* A's argv area (B has a copy): overwritten so no host path shows */
};

/* The host pids A sends to B right after the clone (B cannot see either itself). */
struct host_pids {
    pid_t sandbox_pid;
    pid_t init_pid;
};

/*
 * The task side shared by run (C) and enter: closes leaked fds, resets signals, drops the
 * bounding set, switches uid/gid/groups, applies caps and no_new_privs, chdir, execve.
 * Never returns: a failure is written to report_fd as a struct sandbox_error, then _exit
 * 125 (setup), 127 (command not found) or 126 (any other execve error).
 */
_Noreturn void task_exec(const struct sandbox_options *o, int report_fd);

/* Writes e to report_fd (one atomic write) and _exits with code. */
_Noreturn void report_and_exit(int report_fd, const struct sandbox_error *e, int code);

/* setsid(): own session and process group, so the whole task can be signalled at once. */
int become_session_leader(struct sandbox_error *e);

/* B's whole life; returns B's exit code (the task's, or 125 when setup failed). */
int pid1_main(struct run_context *c);

/*
 * B of a spare (c->o = the spare's options): prepares the root, tells A "p", waits for the task's
 * stream on stdin, then runs it as pid1_main would. Returns 0 when let go unused.
 */
int pid1_spare_main(struct run_context *c);

#endif
