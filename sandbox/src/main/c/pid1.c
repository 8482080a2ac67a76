#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "mounts.h"
#include "ns.h"
#include "seccomp.h"
#include "signals.h"
#include "user.h"

#define PUMP_BUFFER 65536
#define SPARE_RELEASE_DELAY_MS 50

/* ---- helpers of B ---- */

static void write_status(struct run_context *c) {
    struct sandbox_error e;
    if (status_write(c->status_dirfd, c->status_name, &c->status, &e) < 0) {
        fprintf(stderr, "corral-sandbox: %s: %s\n", e.step, e.detail);
    }
    if (c->started_fd >= 0) {
        /* the start is on record (running or failed): A may exit now (--exit-after-start) */
        ssize_t n = write(c->started_fd, "s", 1);
        (void)n; /* A gone already: nobody waits */
        close(c->started_fd);
        c->started_fd = -1;
    }
}

static int receive_host_pids(struct run_context *c, struct sandbox_error *e) {
    struct host_pids pids;
    ssize_t n;
    do {
        n = read(c->sync_fd, &pids, sizeof pids);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof pids) FAIL(e, "sync", n < 0 ? errno : EPIPE, "read host pids from the sandbox");
    close(c->sync_fd);
    c->status.sandbox_pid = pids.sandbox_pid;
    c->status.init_pid = pids.init_pid;
    return 0;
}

static int become_init(struct run_context *c, struct sandbox_error *e) {
    /* shows up as the task's PID 1 in ps; best effort, the name is cosmetic */
    prctl(PR_SET_NAME, "corral-init", 0, 0, 0);
    /* the task reads /proc/1/cmdline: show it no host path of A's argv (B's copy of it) */
    proctitle_set(&c->title, (const char *const[]){"corral-sandbox", "init", NULL});
    /* B holds fds of host directories (status, logs): its /proc/1/fd must stay closed to a
     * task running as uid 0, which non-dumpable guarantees short of CAP_SYS_PTRACE */
    CHECK(e, "dumpable", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "PR_SET_DUMPABLE 0");
    if (c->o->pid_mode == NS_HOST) {
        /* not PID 1 in host mode: become the reaper of orphaned descendants anyway */
        CHECK(e, "subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "PR_SET_CHILD_SUBREAPER");
    }
    c->sigfd = signals_open_fd(e);
    return c->sigfd < 0 ? -1 : 0;
}

/*
 * Opens --stdout/--stderr as root. Why O_NOFOLLOW on the file and on its directory: both live
 * in alloc/logs, which the task can write, so either could be a symlink it planted to make
 * root append the task's output to a file of its choice.
 */
static int open_output_file(const char *path, int *fd, struct sandbox_error *e) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = (size_t)(slash - path);
    if (len >= sizeof dir) FAIL(e, "open_output", ENAMETOOLONG, "%s", path);
    memcpy(dir, path, len);
    dir[len] = '\0';
    int dirfd = open(len == 0 ? "/" : dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) FAIL(e, "open_output", errno, "open the directory of %s (symlinks refused)", path);
    /* no O_NONBLOCK: a FIFO from Nomad's logmon blocks until its reader is there, as it must */
    *fd = openat(dirfd, slash + 1, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    int err = errno;
    close(dirfd);
    if (*fd < 0) FAIL(e, "open_output", err, "open %s (symlinks refused)", path);
    struct stat st;
    if (fstat(*fd, &st) < 0) FAIL(e, "open_output", errno, "fstat %s", path);
    if (st.st_nlink != 1) FAIL(e, "open_output", EINVAL, "%s has %ju links, refusing to append as root", path,
                                (uintmax_t)st.st_nlink);
    return 0;
}

static int open_pipe(int *read_end, int *write_end, struct sandbox_error *e) {
    int p[2];
    CHECK(e, "open_output", pipe2(p, O_CLOEXEC), "pipe");
    /* B must never block on one stream while the other fills up */
    CHECK(e, "open_output", fcntl(p[0], F_SETFL, O_NONBLOCK), "O_NONBLOCK on the log pipe");
    *read_end = p[0];
    *write_end = p[1];
    return 0;
}

/* Log files and --stdout/--stderr are opened now, while host paths are still visible. */
static int open_task_output(struct run_context *c, struct sandbox_error *e) {
    const struct sandbox_options *o = c->o;
    c->out_fd = c->err_fd = c->out_pipe = c->err_pipe = c->log_dirfd = -1;
    if (o->log_dir != NULL) {
        /* O_NOFOLLOW: the task can replace alloc/logs with a symlink to, say, /etc/cron.d */
        c->log_dirfd = open(o->log_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c->log_dirfd < 0) FAIL(e, "open_output", errno, "open log dir %s (symlinks refused)", o->log_dir);
        if (log_open(&c->out_log, c->log_dirfd, o->log_name, "stdout", o->log_max_files, o->log_max_bytes, e) < 0 ||
            log_open(&c->err_log, c->log_dirfd, o->log_name, "stderr", o->log_max_files, o->log_max_bytes, e) < 0 ||
            open_pipe(&c->out_pipe, &c->out_fd, e) < 0 || open_pipe(&c->err_pipe, &c->err_fd, e) < 0) {
            return -1;
        }
        return 0;
    }
    if (o->stdout_path != NULL && open_output_file(o->stdout_path, &c->out_fd, e) < 0) return -1;
    if (o->stderr_path != NULL && open_output_file(o->stderr_path, &c->err_fd, e) < 0) return -1;
    return 0;
}

/* ---- C: the task ---- */

static int setup_stdio(struct run_context *c, struct sandbox_error *e) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0) FAIL(e, "stdio", errno, "open /dev/null");
    CHECK(e, "stdio", dup2(null, 0), "stdin");
    if (c->out_fd >= 0) CHECK(e, "stdio", dup2(c->out_fd, 1), "stdout");
    if (c->err_fd >= 0) CHECK(e, "stdio", dup2(c->err_fd, 2), "stderr");
    return 0;
}

static int close_inherited_fds(struct sandbox_error *e) {
    /* fds the JVM or a shell leaked to the helper must not reach the task; marking them
     * CLOEXEC (not closing) keeps the exec-report pipe working until execve */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
    if (errno != ENOSYS && errno != EINVAL) FAIL(e, "close_fds", errno, "close_range");
    for (int fd = 3; fd < 4096; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC); /* EBADF for unused fds */
    return 0;
}

int become_session_leader(struct sandbox_error *e) {
    /* own session and process group, so B can signal the whole task with kill(-pid) */
    CHECK(e, "setsid", setsid(), "setsid");
    return 0;
}

static int change_dir(const char *cwd, struct sandbox_error *e) {
    CHECK(e, "chdir", chdir(cwd), "chdir %s", cwd);
    return 0;
}

void report_and_exit(int report_fd, const struct sandbox_error *e, int code) {
    /* one write below PIPE_BUF is atomic: B reads the whole record or nothing */
    ssize_t n = write(report_fd, e, sizeof *e);
    (void)n;
    _exit(code);
}

static int exec_exit_code(int err) {
    return err == ENOENT || err == ENOTDIR || err == ELOOP ? 127 : 126;
}

void task_exec(const struct sandbox_options *o, int report_fd) {
    extern char **environ;
    struct sandbox_error e;
    memset(&e, 0, sizeof e);
    if (close_inherited_fds(&e) < 0 ||
        signals_reset(&e) < 0 ||
        caps_drop_bounding(o->caps, &e) < 0 ||
        user_switch(o->uid, o->gid, o->groups, o->group_count, &e) < 0 ||
        caps_apply(o->caps, &e) < 0 ||
        change_dir(o->cwd, &e) < 0 ||
        seccomp_install(o, &e) < 0) {
        report_and_exit(report_fd, &e, 125);
    }
    if (strchr(o->argv[0], '/') != NULL) {
        execve(o->argv[0], o->argv, environ);
    } else {
        execvpe(o->argv[0], o->argv, environ); /* enter only: run requires an absolute path */
    }
    int err = errno;
    sandbox_error_set(&e, "execve", err, "execve %s", o->argv[0]);
    report_and_exit(report_fd, &e, exec_exit_code(err));
}

static void task_main(struct run_context *c, int report_fd) {
    const struct sandbox_options *o = c->o;
    struct sandbox_error e;
    memset(&e, 0, sizeof e);
    if (become_session_leader(&e) < 0 ||
        cgroup_join(c->cgroup_fds, o->cgroups, o->cgroup_count, &e) < 0 ||
        cgroup_set_oom_score_adj(o->oom_score_adj, &e) < 0 ||
        setup_stdio(c, &e) < 0) {
        report_and_exit(report_fd, &e, 125);
    }
    task_exec(o, report_fd);
}

struct task_start {
    struct run_context *c;
    int report[2];
    const cpu_set_t *affinity; /* B's and C's CPUs, to restore in C; NULL when B did not pin itself */
};

static int task_entry(void *arg) {
    struct task_start *t = arg;
    if (t->affinity != NULL) {
        /* started here, on B's CPU: now B (suspended until our execve) and we may run anywhere again */
        sched_setaffinity(getppid(), sizeof *t->affinity, t->affinity);
        sched_setaffinity(0, sizeof *t->affinity, t->affinity);
    }
    close(t->report[0]);
    task_main(t->c, t->report[1]);
    return 125; /* not reached: task_main ends in execve or _exit */
}

/*
 * C's stack. Why CLONE_VM|CLONE_VFORK instead of fork: C only sets itself up and execs, so copying
 * B's page tables (and tearing the copy down at execve) was pure cost on every start (bench/); B
 * waits, suspended, until C has exec'd or exited, as posix_spawn does. C never returns from
 * task_entry and touches none of B's state but its own stack here and errno.
 */
static char task_stack[256 * 1024] __attribute__((aligned(64)));

static int start_task(struct run_context *c, struct sandbox_error *e) {
    struct task_start t = {.c = c};
    CHECK(e, "fork_task", pipe2(t.report, O_CLOEXEC), "exec report pipe");
    /*
     * C starts on this CPU: B only waits for it, and a new task would otherwise be put on the other,
     * idle CPU, whose wake-up took 40 us of every start in this VM (bench/). C restores both masks.
     */
    static cpu_set_t all;
    cpu_set_t here;
    int cpu = sched_getcpu();
    if (cpu >= 0 && sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) > 1) {
        CPU_ZERO(&here);
        CPU_SET(cpu, &here);
        if (sched_setaffinity(0, sizeof here, &here) == 0) t.affinity = &all;
    }
    pid_t pid = clone(task_entry, task_stack + sizeof task_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &t);
    if (pid < 0) {
        int err = errno;
        if (t.affinity != NULL) sched_setaffinity(0, sizeof all, &all); /* no C to do it */
        FAIL(e, "fork_task", err, "clone the task");
    }
    int *report = t.report;
    close(report[1]);
    if (c->out_pipe >= 0) close(c->out_fd);
    if (c->err_pipe >= 0) close(c->err_fd);
    c->report_fd = report[0];
    c->task_pid = pid;
    c->status.task_pid = pid;
    return 0;
}

/* ---- B: supervision ---- */

static void forward_signal(struct run_context *c, int sig);

/* EOF without a record = the CLOEXEC pipe closed at a successful execve. */
static void handle_report(struct run_context *c) {
    struct sandbox_error record;
    ssize_t n;
    do {
        n = read(c->report_fd, &record, sizeof record);
    } while (n < 0 && errno == EINTR);
    close(c->report_fd);
    c->report_fd = -1;
    if (n < 0) {
        /* cannot happen with a pipe we own; never report a success we did not see */
        sandbox_error_set(&record, "exec_report", errno, "read the exec report pipe");
        n = (ssize_t)sizeof record;
    }
    if (n == (ssize_t)sizeof record) {
        record.step[sizeof record.step - 1] = '\0';
        record.detail[sizeof record.detail - 1] = '\0';
        c->status.state = STATE_FAILED;
        c->status.error = record;
        fprintf(stderr, "corral-sandbox: %s: %s\n", record.step, record.detail);
    } else {
        c->status.state = STATE_RUNNING;
        c->status.exec_ok = true;
        c->status.started_ns = status_now_ns();
    }
    write_status(c);
    /* now the task runs its own program (or is dead): deliver what was held back */
    for (int i = 0; i < c->deferred_count; i++) forward_signal(c, c->deferred[i]);
    c->deferred_count = 0;
}

/*
 * Why defer: a signal delivered while C is still setting up would kill C with SIG_DFL before
 * execve, and the closed report pipe would then read as a successful exec. C's setup takes
 * microseconds, so holding signals until the execve is seen costs nothing.
 */
static void defer_signal(struct run_context *c, int sig) {
    for (int i = 0; i < c->deferred_count; i++) {
        if (c->deferred[i] == sig) return; /* like the kernel: one pending instance per signal */
    }
    if (c->deferred_count < (int)(sizeof c->deferred / sizeof c->deferred[0])) c->deferred[c->deferred_count++] = sig;
}

/* Copies what is available from a task pipe into its log; closes the pipe at EOF. */
static void pump(int *pipe_fd, struct log_rotator *log) {
    char buf[PUMP_BUFFER];
    for (;;) {
        ssize_t n = read(*pipe_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return; /* EAGAIN: drained for now */
        if (n == 0) {
            close(*pipe_fd);
            *pipe_fd = -1;
            log_close(log);
            return;
        }
        struct sandbox_error e;
        if (log_write(log, buf, (size_t)n, &e) < 0) {
            if (!log->failing) fprintf(stderr, "corral-sandbox: %s: %s (dropping output)\n", e.step, e.detail);
            log->failing = 1;
        } else {
            log->failing = 0;
        }
    }
}

static void forward_signal(struct run_context *c, int sig) {
    if (c->task_pid <= 0) return; /* kill(-0) would hit B's own group, i.e. A */
    /* the group first: a shell without handlers dies, and so do its children */
    if (kill(-c->task_pid, sig) < 0 && errno == ESRCH) {
        kill(c->task_pid, sig); /* before the task's setsid there is no group yet */
    }
}

/* Reaps every dead child (B is the reaper of the namespace); true when the task was among them. */
static bool reap(struct run_context *c, int *task_status, struct rusage *task_usage) {
    bool task_done = false;
    for (;;) {
        int st;
        struct rusage ru;
        pid_t pid = wait4(-1, &st, WNOHANG, &ru);
        if (pid <= 0) return task_done;
        if (pid == c->task_pid) {
            *task_status = st;
            *task_usage = ru;
            task_done = true;
        }
    }
}

static int supervise(struct run_context *c) {
    int task_status = 0;
    struct rusage task_usage;
    memset(&task_usage, 0, sizeof task_usage);
    bool task_done = false;
    while (!task_done) {
        struct pollfd fds[4] = {
            {.fd = c->sigfd, .events = POLLIN},
            {.fd = c->report_fd, .events = POLLIN},
            {.fd = c->out_pipe, .events = POLLIN},
            {.fd = c->err_pipe, .events = POLLIN},
        };
        /*
         * A spare's leftovers (the emptied old task dir, the mount point) are removed once the task
         * has run for a moment: on the start path, or right after it, they took the CPU and the
         * filesystem's journal from the task just exec'd (bench/).
         */
        int n = poll(fds, 4, c->prep != NULL && c->report_fd < 0 ? SPARE_RELEASE_DELAY_MS : -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "corral-sandbox: poll: %s\n", strerror(errno));
            return 125;
        }
        if (n == 0) {
            mounts_release_prepared(c->prep);
            c->prep = NULL;
            continue;
        }
        if (fds[1].revents) handle_report(c);
        if (fds[2].revents) pump(&c->out_pipe, &c->out_log);
        if (fds[3].revents) pump(&c->err_pipe, &c->err_log);
        if (fds[0].revents) {
            struct signalfd_siginfo si;
            while (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    task_done = reap(c, &task_status, &task_usage) || task_done;
                } else if (c->report_fd >= 0) {
                    defer_signal(c, (int)si.ssi_signo);
                } else {
                    forward_signal(c, (int)si.ssi_signo);
                }
            }
        }
    }
    if (c->report_fd >= 0) {
        c->deferred_count = 0; /* the task is gone: nothing left to deliver them to */
        handle_report(c);      /* and this read cannot block */
    }
    if (c->out_pipe >= 0) pump(&c->out_pipe, &c->out_log);
    if (c->err_pipe >= 0) pump(&c->err_pipe, &c->err_log);
    if (c->prep != NULL) {
        mounts_release_prepared(c->prep);
        c->prep = NULL;
    }
    if (c->status.state != STATE_FAILED) c->status.state = STATE_EXITED;
    status_set_finished(&c->status, task_status, &task_usage);
    write_status(c);
    return c->status.exit_code;
}

static int setup_failed(struct run_context *c, const struct sandbox_error *e) {
    fprintf(stderr, "corral-sandbox: %s: %s\n", e->step, e->detail);
    c->status.state = STATE_FAILED;
    c->status.error = *e;
    c->status.finished = true;
    c->status.exit_code = 125;
    c->status.finished_ns = status_now_ns();
    write_status(c);
    return 125;
}

int pid1_main(struct run_context *c) {
    const struct sandbox_options *o = c->o;
    struct sandbox_error e;
    memset(&e, 0, sizeof e);
    c->report_fd = c->root_fd = -1;
    if (receive_host_pids(c, &e) < 0 ||
        become_init(c, &e) < 0 ||
        ns_set_hostname(o->hostname, &e) < 0 ||
        mounts_make_private(&e) < 0 ||
        cgroup_open_procs(o->cgroups, o->cgroup_count, c->cgroup_fds, &e) < 0 ||
        open_task_output(c, &e) < 0 ||
        mounts_build_root(o, &c->root_fd, &e) < 0 ||
        mounts_enter_root(o, c->root_fd, &e) < 0 ||
        start_task(c, &e) < 0) {
        return setup_failed(c, &e);
    }
    close(c->root_fd);
    return supervise(c);
}

/* ---- spare: B prepared before its task is known (CONTRACT.md, "spare") ---- */

static struct sandbox_options task_options; /* the task's, parsed from the stream on stdin */
static struct sandbox_options root_options; /* a staged start's root part, until its rest comes */

/* Why: what the spare prepared must be exactly what the task asks for; Java only hands it tasks that fit. */
static int spare_check(const struct sandbox_options *s, const struct sandbox_options *r, struct sandbox_error *e) {
    if (r->pid_mode != NS_PRIVATE || r->ipc_mode != NS_PRIVATE) {
        FAIL(e, "spare", 0, "a spare has private PID and IPC namespaces, the task asks for host ones: start it with run");
    }
    if (!r->exit_after_start) FAIL(e, "spare", 0, "a spare's init is always its caller's child: --exit-after-start is required");
    if (r->rootfs != s->rootfs) FAIL(e, "spare", 0, "--rootfs differs from the spare's");
    if (r->no_pivot_root != s->no_pivot_root) FAIL(e, "spare", 0, "--no-pivot-root differs from the spare's");
    if (r->shm_size != s->shm_size) FAIL(e, "spare", 0, "--shm-size differs from the spare's");
    if (r->secrets_size != s->secrets_size) FAIL(e, "spare", 0, "--secrets-size differs from the spare's");
    if (r->ro_bind_count < s->ro_bind_count) FAIL(e, "spare", 0, "the task has fewer --ro-bind entries than the spare");
    for (size_t i = 0; i < s->ro_bind_count; i++) {
        if (strcmp(r->ro_binds[i].src, s->ro_binds[i].src) != 0 || strcmp(r->ro_binds[i].dst, s->ro_binds[i].dst) != 0) {
            FAIL(e, "spare", 0, "--ro-bind %zu (%s %s) differs from the spare's (%s %s)", i, r->ro_binds[i].src,
                 r->ro_binds[i].dst, s->ro_binds[i].src, s->ro_binds[i].dst);
        }
    }
    return 0;
}

/* A failure once the task's options are known: on record in its status file when there is one. */
static int spare_failed(struct run_context *c, const struct sandbox_error *e) {
    const char *status_file = c->o != NULL ? c->o->status_file : NULL;
    if (c->status_dirfd < 0 && status_file != NULL) {
        struct sandbox_error dir_error;
        c->status_dirfd = status_open_dir(status_file, &c->status_name, &dir_error);
    }
    if (c->status_dirfd < 0) {
        fprintf(stderr, "corral-sandbox: %s: %s\n", e->step, e->detail);
        return 125; /* A reads EOF instead of the start and reports it */
    }
    return setup_failed(c, e);
}

/*
 * The task's environment becomes the one C will exec with. C inherits it through fork and passes
 * it to execve. Our own /proc/PID/environ shows it too, written over the placeholder environment
 * the driver started the spare with (no exec needed: the kernel reads that area live), so tools
 * that find a task's processes by NOMAD_ALLOC_ID find its init as well. Too big for the area: left
 * as it was (the driver never hands such a task a spare).
 */
static void spare_take_env(struct run_context *c, char **env) {
    extern char **environ;
    environ = env;
    if (proctitle_set_env(&c->env_area, env) < 0) {
        fprintf(stderr, "corral-sandbox: spare: the task's environment does not fit the init's (%zu bytes)\n",
                c->env_area.len);
    }
}

static int null_stdin(struct sandbox_error *e) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0) FAIL(e, "spare", errno, "/dev/null on stdin");
    close(null);
    return 0;
}

/*
 * Reads the task's stream from stdin as `run @-` does (its start, read while looking for a root
 * part, is in *start) and parses its arguments as run's into task_options. Returns 1, 0 when
 * stdin closed without a stream (the driver let the spare go), -1 with e.
 */
static int spare_receive(struct run_context *c, const struct stream_start *start, struct sandbox_error *e) {
    int n;
    char **args, **env;
    if (options_read_stream_rest(0, start, &n, &args, &env, e) < 0) return -1;
    if (n == 0) return 0;
    if (null_stdin(e) < 0) return -1;
    char **argv = calloc((size_t)n + 2, sizeof *argv);
    if (argv == NULL) FAIL(e, "spare", ENOMEM, "arguments");
    argv[0] = "run";
    memcpy(argv + 1, args, (size_t)n * sizeof *args);
    spare_take_env(c, env);
    if (options_parse(n + 1, argv, &task_options, e) < 0) return -1;
    c->o = &task_options;
    return 1;
}

/*
 * A staged start's root part (options_read_root_part): parsed as run's flags with "/" standing in
 * for the command, which the rest of the stream brings.
 */
static int spare_parse_root(struct run_context *c, int nroot, char **root, struct sandbox_error *e) {
    char **argv = calloc((size_t)nroot + 4, sizeof *argv);
    if (argv == NULL) FAIL(e, "spare", ENOMEM, "arguments");
    argv[0] = "run";
    if (nroot > 0) memcpy(argv + 1, root, (size_t)nroot * sizeof *root);
    argv[nroot + 1] = "--";
    argv[nroot + 2] = "/";
    if (options_parse(nroot + 3, argv, &root_options, e) < 0) return -1;
    c->o = &root_options;
    return 0;
}

/*
 * The rest of a staged start: the task's environment, identity and command, merged with its
 * root part into task_options (which the root built from root_options is part of). EOF instead
 * of it: the driver withdrew the start (its task could not be started: command not found...).
 */
static int spare_receive_rest(struct run_context *c, const struct stream_start *start, int nroot, char **root,
                              struct sandbox_error *e) {
    int n, argc;
    char **rest, **env, **argv;
    if (options_read_stream_rest(0, start, &n, &rest, &env, e) < 0) return -1;
    if (n == 0) FAIL(e, "spare", 0, "the driver withdrew the start after its root part");
    /* --seccomp as parsed with the root part: a deny list's file is out of reach since pivot_root */
    char **kept = calloc((size_t)nroot + 1, sizeof *kept);
    if (kept == NULL) FAIL(e, "spare", ENOMEM, "arguments");
    int nkept = 0;
    for (int i = 0; i < nroot; i++) {
        if (strcmp(root[i], "--seccomp") == 0 && i + 1 < nroot) {
            i++;
            continue;
        }
        kept[nkept++] = root[i];
    }
    if (null_stdin(e) < 0 || options_merge_staged(nkept, kept, n, rest, &argc, &argv, e) < 0) return -1;
    spare_take_env(c, env);
    if (options_parse(argc, argv, &task_options, e) < 0) return -1;
    task_options.seccomp_mode = root_options.seccomp_mode;
    task_options.seccomp_path = root_options.seccomp_path;
    memcpy(task_options.seccomp_deny, root_options.seccomp_deny, sizeof task_options.seccomp_deny);
    c->o = &task_options;
    return 0;
}

/*
 * From the task's options (its root flags at least): the sandbox log and status file opened, the
 * fit checked, hostname, cgroups and outputs opened. Returns 0, or -1 with e (status dir opened or
 * not: see spare_failed).
 */
static int spare_open(struct run_context *c, const struct sandbox_options *spare, struct sandbox_error *e) {
    const struct sandbox_options *o = c->o;
    if (o->sandbox_log != NULL && logs_redirect_output(o->sandbox_log) < 0) {
        FAIL(e, "sandbox_log", errno, "open --sandbox-log %s", o->sandbox_log);
    }
    c->status_dirfd = status_open_dir(o->status_file, &c->status_name, e);
    if (c->status_dirfd < 0) return -1;
    if (spare_check(spare, o, e) < 0 ||
        ns_set_hostname(o->hostname, e) < 0 ||
        cgroup_open_procs(o->cgroups, o->cgroup_count, c->cgroup_fds, e) < 0 ||
        open_task_output(c, e) < 0) {
        return -1;
    }
    return 0;
}

/*
 * Then the task dir swapped into the prepared root and the task's own mounts added (or a root
 * built as run does), and the root entered. Returns 0, or -1 with e.
 */
static int spare_enter_root(struct run_context *c, struct prepared_root *prep, struct sandbox_error *e) {
    const struct sandbox_options *o = c->o;
    int prepared = mounts_finish_prepared(o, prep, c->status_dirfd, &c->root_fd, e);
    if (prepared < 0 ||
        (prepared == 0 && mounts_build_root(o, &c->root_fd, e) < 0) ||
        (prep->host_fd >= 0 ? mounts_enter_prepared(prep, e) : mounts_enter_root(o, c->root_fd, e)) < 0) {
        return -1;
    }
    close(c->root_fd);
    return 0;
}

int pid1_spare_main(struct run_context *c) {
    const struct sandbox_options *spare = c->o;
    struct sandbox_error e;
    memset(&e, 0, sizeof e);
    c->report_fd = c->root_fd = c->status_dirfd = -1;
    struct prepared_root prep;
    int host = -1;
    if (receive_host_pids(c, &e) < 0 ||
        become_init(c, &e) < 0 ||
        mounts_make_private(&e) < 0 ||
        (host = mounts_clone_host(&e)) < 0 ||
        mounts_prepare(spare, &prep, &e) < 0 ||
        mounts_pivot_ahead(spare, &prep, host, &e) < 0) {
        fprintf(stderr, "corral-sandbox: spare: %s: %s\n", e.step, e.detail);
        return 125; /* A reads EOF instead of "prepared" */
    }
    seccomp_warm();
    if (write(c->started_fd, "p", 1) != 1) return 125; /* A is gone: nobody will hand us a task */
    struct stream_start start;
    int nroot;
    char **root;
    int staged = options_read_root_part(0, &start, &nroot, &root, &e);
    if (staged < 0) return spare_failed(c, &e);
    if (staged == 1) {
        /*
         * What needs no task dir while the driver works out the task's identity, then the rest, then
         * the swap: the driver looks the command up in the task dir meanwhile, and between the swap
         * and the last entry moved that dir shows only part of its entries (a start failed on it:
         * "/local/attack not found").
         */
        if (spare_parse_root(c, nroot, root, &e) < 0) return spare_failed(c, &e);
        if (spare_open(c, spare, &e) < 0 || spare_receive_rest(c, &start, nroot, root, &e) < 0 ||
            spare_enter_root(c, &prep, &e) < 0) {
            return spare_failed(c, &e);
        }
    } else {
        int got = spare_receive(c, &start, &e);
        if (got == 0) {
            mounts_discard_prepared(spare, &prep);
            ssize_t n = write(c->started_fd, "u", 1); /* unused: A exits 0 and the driver removes the spare dir */
            (void)n;
            return 0;
        }
        if (got < 0 || spare_open(c, spare, &e) < 0 || spare_enter_root(c, &prep, &e) < 0) return spare_failed(c, &e);
    }
    if (start_task(c, &e) < 0) return setup_failed(c, &e);
    c->prep = &prep;
    return supervise(c);
}
