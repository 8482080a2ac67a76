/*
 * corral-sandbox: version | probe | run | enter. See sandbox/CONTRACT.md.
 * This file is A, the process Java starts: it parses, clones the sandbox init (B, pid1.c)
 * into new namespaces, forwards signals to it and mirrors its exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enter.h"
#include "ns.h"
#include "options.h"
#include "pid1.h"
#include "probe.h"
#include "proctitle.h"
#include "signals.h"
#include "status.h"

static int usage(void) {
    fputs("usage: corral-sandbox version | probe | run [FLAGS|@FILE] -- CMD [ARGS...] | spare --spare-dir DIR [FLAGS]"
          " | enter --pid HOSTPID [FLAGS] -- CMD [ARGS...]\n",
          stderr);
    return 125;
}

/* Records a failure of A itself (before B exists, or B killed) and returns the exit code. */
static int sandbox_failed(struct run_context *c, const struct sandbox_error *e, int code) {
    fprintf(stderr, "corral-sandbox: %s: %s\n", e->step, e->detail);
    if (c->status_dirfd < 0) return code;
    c->status.state = STATE_FAILED;
    c->status.error = *e;
    c->status.finished = true;
    c->status.exit_code = code;
    c->status.finished_ns = status_now_ns();
    struct sandbox_error write_error;
    if (status_write(c->status_dirfd, c->status_name, &c->status, &write_error) < 0) {
        fprintf(stderr, "corral-sandbox: %s: %s\n", write_error.step, write_error.detail);
    }
    return code;
}

/* B was killed (only SIGKILL can do that): the task's namespace died with it. */
static int init_killed(struct run_context *c, int sig) {
    struct task_status last;
    if (status_read(c->status_dirfd, c->status_name, &last) == 0) {
        c->status = last; /* keep exec_ok, task_pid and started_ns written by B */
    }
    c->status.signal = sig;
    struct sandbox_error e;
    sandbox_error_set(&e, "init", 0, "the sandbox init (pid %ld) was killed by signal %d", c->status.init_pid, sig);
    int code = sandbox_failed(c, &e, 128 + sig);
    return code;
}

/* Forwards every signal A receives to B until B exits; returns B's wait status. */
static int forward_until_exit(pid_t init, struct sandbox_error *e) {
    int sigfd = signals_open_fd(e);
    if (sigfd < 0) return -1;
    for (;;) {
        struct pollfd p = {.fd = sigfd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) FAIL(e, "forward_signals", errno, "poll");
        struct signalfd_siginfo si;
        while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo != SIGCHLD) {
                /* B blocks every signal, so even as PID 1 of its namespace it receives this */
                kill(init, (int)si.ssi_signo);
                continue;
            }
            int st;
            pid_t pid = waitpid(init, &st, WNOHANG);
            if (pid == init) {
                close(sigfd);
                return st;
            }
            if (pid < 0) FAIL(e, "forward_signals", errno, "waitpid %d", (int)init);
        }
    }
}

/* Reads one byte of B's progress ('p' prepared, 's' start on record, 'u' let go unused): the byte, 0 at EOF, -1 with errno. */
static int read_progress(int fd) {
    char b;
    ssize_t n;
    do {
        n = read(fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? (unsigned char)b : n == 0 ? 0 : -1;
}

/*
 * Clones B with flags into its namespaces; B runs init_main(c) with c->sync_fd and c->started_fd
 * (started[1], -1 when there is none) set, and A sends it both host pids. Returns B's pid, or -1
 * with e. Shared by run and spare.
 */
static pid_t clone_init(struct run_context *c, int flags, const int started[2], int (*init_main)(struct run_context *),
                        struct sandbox_error *e) {
    int sync[2];
    CHECK(e, "sync", pipe2(sync, O_CLOEXEC), "pipe");
    fflush(NULL); /* B starts with a copy of our stdio buffers */
    pid_t init = ns_clone(flags, e);
    if (init < 0) {
        close(sync[0]);
        close(sync[1]);
        return -1;
    }
    if (init == 0) {
        close(sync[1]);
        if (started[0] >= 0) close(started[0]);
        c->sync_fd = sync[0];
        c->started_fd = started[1];
        int code = init_main(c);
        fflush(NULL);
        _exit(code);
    }
    close(sync[0]);
    struct host_pids pids = {.sandbox_pid = getpid(), .init_pid = init};
    c->status.init_pid = init;
    if (write(sync[1], &pids, sizeof pids) != (ssize_t)sizeof pids) {
        /* B reads EOF, records the failure itself and exits 125 */
        fprintf(stderr, "corral-sandbox: sync: %s\n", strerror(errno));
    }
    close(sync[1]);
    return init;
}

/*
 * --exit-after-start: B is our parent's child (CLONE_PARENT), so nothing of ours needs to stay.
 * Waits until B has written the start (running or failed) to the status file, then returns
 * 0; EOF without that means B died first, which A records as B's failure.
 */
static int await_started(struct run_context *c, int started_fd) {
    int n = read_progress(started_fd);
    if (n > 0) return 0;
    struct task_status last;
    if (status_read(c->status_dirfd, c->status_name, &last) == 0 && (last.state == STATE_FAILED || last.exec_ok)) {
        return 0; /* recorded, then died before telling us: the driver reads the record */
    }
    struct sandbox_error e;
    sandbox_error_set(&e, "init", n < 0 ? errno : 0, "the sandbox init (pid %ld) ended before it recorded the start",
                      (long)c->status.init_pid);
    return sandbox_failed(c, &e, 125);
}

static int run_main(const struct sandbox_options *o, const struct proctitle *title) {
    struct run_context c;
    struct sandbox_error e;
    memset(&c, 0, sizeof c);
    memset(&e, 0, sizeof e);
    c.started_fd = -1;
    c.o = o;
    c.title = *title;
    c.status_dirfd = status_open_dir(o->status_file, &c.status_name, &e);
    if (c.status_dirfd < 0) return sandbox_failed(&c, &e, 125);
    c.status.sandbox_pid = getpid();
    /*
     * Out of Java's process group: a Ctrl-C or a group kill aimed at the JVM must not reach the
     * task except through the driver. Not setsid: a new session gets a new scheduler autogroup,
     * which cost 1 ms at the median here (bench/); the task gets its session from C's setsid.
     * EPERM: we lead a session already, so a group too.
     */
    if (setpgid(0, 0) < 0 && errno != EPERM) {
        sandbox_error_set(&e, "setpgid", errno, "setpgid");
        return sandbox_failed(&c, &e, 125);
    }
    int started[2] = {-1, -1};
    if (o->exit_after_start && pipe2(started, O_CLOEXEC) < 0) {
        sandbox_error_set(&e, "sync", errno, "pipe");
        return sandbox_failed(&c, &e, 125);
    }
    /* CLONE_PARENT: B becomes a child of our parent, which reaps it; we need not stay */
    pid_t init = clone_init(&c, ns_clone_flags(o) | (o->exit_after_start ? CLONE_PARENT : 0), started, pid1_main, &e);
    if (init < 0) return sandbox_failed(&c, &e, 125);
    if (o->exit_after_start) {
        close(started[1]);
        return await_started(&c, started[0]);
    }
    int st = forward_until_exit(init, &e);
    if (st < 0) return sandbox_failed(&c, &e, 125);
    if (WIFSIGNALED(st)) return init_killed(&c, WTERMSIG(st));
    return WEXITSTATUS(st);
}

/*
 * `spare`: A clones B into new namespaces as its parent's child; B prepares the task-independent
 * part of the root and tells A, which prints B's host pid on stdout. The task's stream then goes
 * to B on the stdin both share, and A exits once B has recorded the start (as --exit-after-start).
 */
static int spare_main(const struct sandbox_options *o, const struct proctitle *title, const struct proctitle *env_area) {
    struct run_context c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.title = *title;
    c.env_area = *env_area;
    c.status_dirfd = -1;
    if (setpgid(0, 0) < 0 && errno != EPERM) {
        fprintf(stderr, "corral-sandbox: spare: setpgid: %s\n", strerror(errno));
        return 125;
    }
    int progress[2];
    if (pipe2(progress, O_CLOEXEC) < 0) {
        fprintf(stderr, "corral-sandbox: spare: pipe: %s\n", strerror(errno));
        return 125;
    }
    struct sandbox_error e;
    pid_t init = clone_init(&c, ns_clone_flags(o) | CLONE_PARENT, progress, pid1_spare_main, &e);
    if (init < 0) {
        fprintf(stderr, "corral-sandbox: spare: %s: %s\n", e.step, e.detail);
        return 125;
    }
    close(progress[1]);
    if (read_progress(progress[0]) != 'p') {
        fprintf(stderr, "corral-sandbox: spare: the init (pid %d) ended while preparing\n", (int)init);
        return 125;
    }
    /* the caller's cue: the spare is ready, and B (its child now) is the pid to reap */
    printf("%d\n", (int)init);
    if (fflush(stdout) != 0) return 125;
    switch (read_progress(progress[0])) {
    case 's':
    case 'u':
        return 0;
    default:
        fprintf(stderr, "corral-sandbox: spare: the init (pid %d) ended before it recorded the start\n", (int)init);
        return 125;
    }
}

/*
 * `run @-`: the driver starts us ahead of time (a spare, off its start path) and sends the
 * environment and arguments when a task comes. We then execute ourselves again with them, so
 * that /proc/PID/environ of the sandbox shows the task's environment (what ps e and tools that
 * find a task's processes by NOMAD_ALLOC_ID read) and the rest is the plain `run` path; the
 * kernel offers no other way to set it without CAP_SYS_RESOURCE (PR_SET_MM). Returns only on
 * failure (-1), or 0 for an empty stream: the driver closed our stdin without using us.
 */
static int receive_stream(char *argv0) {
    struct sandbox_error error;
    int n;
    char **args, **env;
    if (options_read_stream(0, &n, &args, &env, &error) < 0) {
        fprintf(stderr, "corral-sandbox: %s\n", error.detail);
        return -1;
    }
    if (n == 0) return 0;
    /* the task never reads it (its stdin is /dev/null), but B and C must not hold the driver's pipe */
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0) {
        fprintf(stderr, "corral-sandbox: @-: /dev/null on stdin: %s\n", strerror(errno));
        return -1;
    }
    close(null);
    char **merged = calloc((size_t)n + 3, sizeof *merged);
    if (merged == NULL) {
        fputs("corral-sandbox: @-: out of memory\n", stderr);
        return -1;
    }
    merged[0] = argv0;
    merged[1] = "run";
    memcpy(merged + 2, args, (size_t)n * sizeof *args);
    execve("/proc/self/exe", merged, env);
    fprintf(stderr, "corral-sandbox: @-: execute /proc/self/exe again: %s\n", strerror(errno));
    return -1;
}

/* The value of a --sandbox-log flag before "--", for messages of a parse that failed before it. */
static const char *early_sandbox_log(int argc, char **argv) {
    for (int i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--sandbox-log") == 0 && argv[i + 1][0] == '/') return argv[i + 1];
    }
    return NULL;
}

/*
 * Why: started with fd 0, 1 or 2 closed, our own pipes would get those numbers and the
 * task's stdio set-up (dup2 onto 0..2) would silently overwrite them.
 */
static int ensure_std_fds(void) {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        int null = open("/dev/null", O_RDWR); /* lowest free number: exactly fd */
        if (null < 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (ensure_std_fds() < 0) return 125; /* nowhere to report: not even stderr exists */
    if (argc < 2) return usage();
    if (strcmp(argv[1], "version") == 0) {
        printf("corral-sandbox %s\n", SANDBOX_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "probe") == 0) return probe_main(stdout);
    if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "enter") != 0 && strcmp(argv[1], "spare") != 0) return usage();
    static struct sandbox_options options; /* the only global state: the parsed options */
    extern char **environ;
    struct proctitle env_area;
    proctitle_env_area(environ, &env_area);
    struct sandbox_error error;
    /* the options point into a heap copy of argv, so the original area can be overwritten */
    struct proctitle title;
    argv = proctitle_detach(argc, argv, &title);
    if (argv == NULL) {
        fputs("corral-sandbox: out of memory copying argv\n", stderr);
        return 125;
    }
    /* first of all: a signal Java sends right after starting us must be forwarded to the task,
     * not kill us by its default action before we could set anything up */
    if (signals_block_all(&error) < 0) {
        fprintf(stderr, "corral-sandbox: %s: %s\n", error.step, error.detail);
        return 125;
    }
    if (argc == 3 && strcmp(argv[1], "run") == 0 && strcmp(argv[2], "@-") == 0) {
        return receive_stream(argv[0]) < 0 ? 125 : 0;
    }
    if (options_parse(argc - 1, argv + 1, &options, &error) < 0) {
        /* the parse stopped early, maybe before --sandbox-log: a spare's stderr is /dev/null */
        const char *log = early_sandbox_log(argc, argv);
        if (log != NULL) logs_redirect_output(log); /* best effort: the message also goes to the status file */
        if (options.command == SANDBOX_RUN && options.status_file != NULL) {
            struct run_context c = {.o = &options};
            struct sandbox_error dir_error;
            c.status_dirfd = status_open_dir(options.status_file, &c.status_name, &dir_error);
            c.status.sandbox_pid = getpid();
            return sandbox_failed(&c, &error, 125);
        }
        fprintf(stderr, "corral-sandbox: %s\n", error.detail);
        return 125;
    }
    if (options.parse_only) {
        options_print(&options, stdout);
        return fflush(stdout) == 0 ? 0 : 125;
    }
    if (options.sandbox_log != NULL && logs_redirect_output(options.sandbox_log) < 0) {
        struct run_context c = {.o = &options};
        struct sandbox_error dir_error;
        sandbox_error_set(&error, "sandbox_log", errno, "open --sandbox-log %s", options.sandbox_log);
        c.status_dirfd = status_open_dir(options.status_file, &c.status_name, &dir_error);
        c.status.sandbox_pid = getpid();
        return sandbox_failed(&c, &error, 125);
    }
    /* host paths in our argv (task dir, status file, cgroups) are nobody else's business */
    proctitle_set(&title, (const char *const[]){"corral-sandbox", argv[1], NULL});
    switch (options.command) {
    case SANDBOX_RUN:
        return run_main(&options, &title);
    case SANDBOX_SPARE:
        return spare_main(&options, &title, &env_area);
    default:
        return enter_main(&options);
    }
}
