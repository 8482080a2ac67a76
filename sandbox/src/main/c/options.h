/* The parsed command line of corral-sandbox: one struct, filled by one flag table (options.c). */
#ifndef CORRAL_OPTIONS_H
#define CORRAL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define SANDBOX_VERSION "0.1.0"
#define SANDBOX_MAX_BINDS 256   /* per --ro-bind / --bind list */
#define SANDBOX_MAX_CGROUPS 32  /* --cgroup dirs */
#define SANDBOX_MAX_GROUPS 64   /* --groups entries */

/* Subcommands that take flags; a flag-table row lists the ones it belongs to. */
enum sandbox_command {
    SANDBOX_RUN = 1,
    SANDBOX_ENTER = 2,
    SANDBOX_SPARE = 4, /* a sandbox prepared ahead of its task (see CONTRACT.md, "spare") */
};

enum ns_mode {
    NS_PRIVATE = 0, /* "private": a new namespace */
    NS_HOST = 1,    /* "host": stay in the host's namespace */
};

enum rootfs_mode {
    ROOTFS_READONLY = 0, /* "readonly": chroot_env entries are read-only binds */
    ROOTFS_OVERLAY = 1,  /* "overlay": directory entries get a private copy-on-write overlay */
};

struct bind_spec {
    const char *src; /* host path */
    const char *dst; /* absolute path inside the task root */
};

struct sandbox_options {
    enum sandbox_command command;   /* the subcommand word: run | enter */
    bool parse_only;                /* --parse-only */
    pid_t target_pid;               /* --pid HOSTPID (enter) */
    const char *spare_dir;          /* --spare-dir DIR (spare) */
    const char *task_dir;           /* --task-dir DIR */
    const char *alloc_dir;          /* --alloc-dir DIR, NULL = none */
    struct bind_spec ro_binds[SANDBOX_MAX_BINDS]; /* --ro-bind SRC DST, in order */
    size_t ro_bind_count;
    struct bind_spec binds[SANDBOX_MAX_BINDS];    /* --bind SRC DST, in order */
    size_t bind_count;
    int rootfs;                     /* --rootfs, enum rootfs_mode */
    const char *hostname;           /* --hostname NAME */
    int pid_mode;                   /* --pid-mode, enum ns_mode */
    int ipc_mode;                   /* --ipc-mode, enum ns_mode */
    bool no_pivot_root;             /* --no-pivot-root */
    uint32_t uid;                   /* --uid N */
    uint32_t gid;                   /* --gid N */
    uint32_t groups[SANDBOX_MAX_GROUPS]; /* --groups LIST, in the given order */
    size_t group_count;
    uint64_t caps;                  /* --caps LIST, bit n = capability n */
    int seccomp_mode;               /* --seccomp, enum seccomp_mode (seccomp.h) */
    const char *seccomp_path;       /* --seccomp PATH, NULL for default/unconfined */
    uint64_t seccomp_deny[8];       /* syscalls the filter denies, bit n = syscall n (< 512) */
    const char *cgroups[SANDBOX_MAX_CGROUPS]; /* --cgroup DIR, in order */
    size_t cgroup_count;
    const char *cwd;                /* --cwd PATH */
    uint64_t secrets_size;          /* --secrets-size BYTES */
    uint64_t shm_size;              /* --shm-size BYTES */
    int oom_score_adj;              /* --oom-score-adj N */
    const char *log_dir;            /* --log-dir DIR, NULL = none */
    const char *log_name;           /* --log-name NAME */
    uint64_t log_max_files;         /* --log-max-files N */
    uint64_t log_max_bytes;         /* --log-max-bytes N */
    const char *stdout_path;        /* --stdout PATH, NULL = none */
    const char *stderr_path;        /* --stderr PATH, NULL = none */
    const char *status_file;        /* --status-file PATH */
    const char *sandbox_log;        /* --sandbox-log PATH, NULL = keep the inherited stdout/stderr */
    bool exit_after_start;          /* --exit-after-start: B becomes our parent's child, A exits */
    char **argv;                    /* after "--": the task's command and arguments */
    size_t argc;
};

/*
 * Parses argv (argv[0] = the subcommand word "run" or "enter") into o.
 * Expands one "@FILE" argument in flag position (NUL-separated arguments).
 * The strings stay owned by argv or by the @FILE buffer (never freed: the process is short).
 * Returns 0, or -1 with e filled (step "parse_options", err 0 for a usage error).
 */
int options_parse(int argc, char **argv, struct sandbox_options *o, struct sandbox_error *e);

/*
 * `run @-`: reads fd to EOF: environment entries (KEY=VALUE), an empty entry, then the arguments
 * as in an @FILE, all NUL-terminated. Sets *envp and *argv (NULL-ended, into one heap buffer) and
 * *argc; *argc = 0 for an empty stream (a spare the driver never used). Returns 0 or -1 with e.
 */
int options_read_stream(int fd, int *argc, char ***argv, char ***envp, struct sandbox_error *e);

/*
 * A staged start (spare only): the stream may begin with the task's root part, the entry "@root",
 * `run`'s flags that build the task's root, and the entry "@end"; the rest of the stream then
 * follows as for `run @-` (environment, an empty entry, the task's identity flags, "--", the
 * command), so the spare opens what the start needs while the driver still works out who the task
 * runs as (the task dir is swapped only once the rest has come: the driver looks in it until then).
 * Bytes read past the root part (or all of a stream without one) are kept in *start.
 */
struct stream_start {
    char *rest;
    size_t rest_size;
};

/* Returns 1 with the root part's flags (*argc, *argv), 0 when the stream has none, -1 with e. */
int options_read_root_part(int fd, struct stream_start *start, int *argc, char ***argv, struct sandbox_error *e);

/* options_read_stream for the rest of a stream whose start is in *start. */
int options_read_stream_rest(int fd, const struct stream_start *start, int *argc, char ***argv, char ***envp,
                             struct sandbox_error *e);

/*
 * `run`, the root part's flags, then the rest's arguments: the argv of a staged start, refused
 * (-1 with e) when the rest has flags other than the task's identity (--uid, --gid, --groups,
 * --caps, --cwd, --oom-score-adj): the root is built by then (--seccomp too belongs to the root
 * part: its deny list file is out of reach after pivot_root).
 */
int options_merge_staged(int nroot, char **root, int nrest, char **rest, int *argc, char ***argv,
                         struct sandbox_error *e);

/* Prints o as canonical key=value lines in flag-table order (the --parse-only output). */
void options_print(const struct sandbox_options *o, FILE *out);

/* Writes value with bytes < 0x20, 0x7f and '\\' escaped (\n, \t, \\, \xHH); other bytes raw. */
void options_print_escaped(FILE *out, const char *value);

#endif
