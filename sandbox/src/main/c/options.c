/*
 * The single flag table of corral-sandbox and the data-driven parser over it.
 * Row order is the canonical argv order the Java builder emits (see CONTRACT.md), and the
 * order of the --parse-only output. Defaults live in the table too, written as argv values,
 * and are applied through the same setters as the command line.
 */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "seccomp.h"

#define PARSE_STEP "parse_options"
#define ARGFILE_MAX (4u << 20) /* an @FILE larger than 4 MiB is certainly a mistake */

enum value_kind {
    V_BOOL,       /* no argument: sets a bool */
    V_PATH,       /* absolute path, stored as const char * */
    V_NAME,       /* non-empty, no '/' and no NUL: a file-name component */
    V_HOSTNAME,   /* 1..64 bytes */
    V_ID,         /* uid or gid: 0..4294967294 */
    V_PID,        /* 1..INT_MAX */
    V_SIZE,       /* 1..UINT64_MAX */
    V_OOM,        /* -1000..1000 */
    V_NS_MODE,    /* private | host */
    V_ROOTFS,     /* readonly */
    V_GROUPS,     /* comma-separated ids, may be empty */
    V_CAPS,       /* comma-separated CAP_X names, may be empty */
    V_SECCOMP,    /* default | unconfined | absolute PATH of a deny list (seccomp.c) */
    V_BIND_LIST,  /* two arguments SRC DST appended to a list */
    V_PATH_LIST,  /* one path appended to a list */
};

struct flag_def {
    const char *flag;   /* as written in argv */
    const char *key;    /* key in the --parse-only output */
    unsigned commands;  /* SANDBOX_RUN | SANDBOX_ENTER */
    enum value_kind kind;
    size_t offset;      /* field in struct sandbox_options */
    size_t count_offset; /* list length field, for list kinds */
    const char *def;    /* default in argv form; NULL = unset */
};

#define RUN SANDBOX_RUN
#define ENTER SANDBOX_ENTER
#define SPARE SANDBOX_SPARE
#define F(field) offsetof(struct sandbox_options, field)

static const struct flag_def FLAGS[] = {
    {"--parse-only", "parse_only", RUN | ENTER | SPARE, V_BOOL, F(parse_only), 0, NULL},
    {"--pid", "pid", ENTER, V_PID, F(target_pid), 0, NULL},
    {"--spare-dir", "spare_dir", SPARE, V_PATH, F(spare_dir), 0, NULL},
    {"--task-dir", "task_dir", RUN, V_PATH, F(task_dir), 0, NULL},
    {"--alloc-dir", "alloc_dir", RUN, V_PATH, F(alloc_dir), 0, NULL},
    {"--ro-bind", "ro_bind", RUN | SPARE, V_BIND_LIST, F(ro_binds), F(ro_bind_count), NULL},
    {"--bind", "bind", RUN, V_BIND_LIST, F(binds), F(bind_count), NULL},
    {"--rootfs", "rootfs", RUN | SPARE, V_ROOTFS, F(rootfs), 0, "readonly"},
    {"--hostname", "hostname", RUN, V_HOSTNAME, F(hostname), 0, "corral-task"},
    {"--pid-mode", "pid_mode", RUN, V_NS_MODE, F(pid_mode), 0, "private"},
    {"--ipc-mode", "ipc_mode", RUN, V_NS_MODE, F(ipc_mode), 0, "private"},
    {"--no-pivot-root", "no_pivot_root", RUN | SPARE, V_BOOL, F(no_pivot_root), 0, NULL},
    {"--uid", "uid", RUN | ENTER, V_ID, F(uid), 0, "65534"},
    {"--gid", "gid", RUN | ENTER, V_ID, F(gid), 0, "65534"},
    {"--groups", "groups", RUN | ENTER, V_GROUPS, F(groups), F(group_count), ""},
    {"--caps", "caps", RUN | ENTER, V_CAPS, F(caps), 0, ""},
    {"--seccomp", "seccomp", RUN | ENTER, V_SECCOMP, F(seccomp_mode), 0, "default"},
    {"--cgroup", "cgroup", RUN | ENTER, V_PATH_LIST, F(cgroups), F(cgroup_count), NULL},
    {"--cwd", "cwd", RUN | ENTER, V_PATH, F(cwd), 0, "/"},
    {"--secrets-size", "secrets_size", RUN | SPARE, V_SIZE, F(secrets_size), 0, "1048576"},
    {"--shm-size", "shm_size", RUN | SPARE, V_SIZE, F(shm_size), 0, "67108864"},
    {"--oom-score-adj", "oom_score_adj", RUN | ENTER, V_OOM, F(oom_score_adj), 0, "0"},
    {"--log-dir", "log_dir", RUN, V_PATH, F(log_dir), 0, NULL},
    {"--log-name", "log_name", RUN, V_NAME, F(log_name), 0, NULL},
    {"--log-max-files", "log_max_files", RUN, V_SIZE, F(log_max_files), 0, "10"},
    {"--log-max-bytes", "log_max_bytes", RUN, V_SIZE, F(log_max_bytes), 0, "10485760"},
    {"--stdout", "stdout", RUN, V_PATH, F(stdout_path), 0, NULL},
    {"--stderr", "stderr", RUN, V_PATH, F(stderr_path), 0, NULL},
    {"--status-file", "status_file", RUN, V_PATH, F(status_file), 0, NULL},
    {"--sandbox-log", "sandbox_log", RUN, V_PATH, F(sandbox_log), 0, NULL},
    {"--exit-after-start", "exit_after_start", RUN, V_BOOL, F(exit_after_start), 0, NULL},
};

#undef F
#undef RUN
#undef ENTER
#undef SPARE

#define FLAG_COUNT (sizeof FLAGS / sizeof FLAGS[0])

static void *field(struct sandbox_options *o, size_t offset) { return (char *)o + offset; }

static const void *cfield(const struct sandbox_options *o, size_t offset) {
    return (const char *)o + offset;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
    if (*s < '0' || *s > '9') return -1;
    if (s[0] == '0' && s[1] != '\0') return -1; /* canonical decimal only: no leading zeros */
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* Rejects relative paths and "." / ".." components (a DST must not walk out of the root). */
static int check_path(const char *flag, const char *s, struct sandbox_error *e) {
    if (s[0] != '/') FAIL(e, PARSE_STEP, 0, "%s: path must be absolute, got \"%s\"", flag, s);
    const char *p = s;
    while (*p) {
        while (*p == '/') p++;
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
            FAIL(e, PARSE_STEP, 0, "%s: path must not contain \".\" or \"..\", got \"%s\"", flag, s);
        }
        p = end;
    }
    return 0;
}

static int set_groups(struct sandbox_options *o, const struct flag_def *d, const char *s,
                      struct sandbox_error *e) {
    uint32_t *groups = field(o, d->offset);
    size_t *count = field(o, d->count_offset);
    *count = 0;
    if (*s == '\0') return 0;
    char buf[32];
    const char *p = s;
    for (;;) {
        const char *end = strchrnul(p, ',');
        size_t len = (size_t)(end - p);
        uint64_t v;
        if (len == 0 || len >= sizeof buf) FAIL(e, PARSE_STEP, 0, "%s: bad list \"%s\"", d->flag, s);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (parse_u64(buf, 0, UINT32_MAX - 1, &v) < 0) {
            FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not a gid (0..4294967294)", d->flag, buf);
        }
        if (*count == SANDBOX_MAX_GROUPS) {
            FAIL(e, PARSE_STEP, 0, "%s: more than %d groups", d->flag, SANDBOX_MAX_GROUPS);
        }
        groups[(*count)++] = (uint32_t)v;
        if (*end == '\0') return 0;
        p = end + 1;
    }
}

static int set_caps(struct sandbox_options *o, const struct flag_def *d, const char *s,
                    struct sandbox_error *e) {
    uint64_t *caps = field(o, d->offset);
    *caps = 0;
    if (*s == '\0') return 0;
    char buf[64];
    const char *p = s;
    for (;;) {
        const char *end = strchrnul(p, ',');
        size_t len = (size_t)(end - p);
        if (len == 0 || len >= sizeof buf) FAIL(e, PARSE_STEP, 0, "%s: bad list \"%s\"", d->flag, s);
        memcpy(buf, p, len);
        buf[len] = '\0';
        int cap = caps_from_name(buf);
        if (cap < 0) FAIL(e, PARSE_STEP, 0, "%s: unknown capability \"%s\" (want CAP_X names)", d->flag, buf);
        if (*caps & (UINT64_C(1) << cap)) FAIL(e, PARSE_STEP, 0, "%s: %s given twice", d->flag, buf);
        *caps |= UINT64_C(1) << cap;
        if (*end == '\0') return 0;
        p = end + 1;
    }
}

static int parse_mode(const char *s, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) return (int)i;
    }
    return -1;
}

static const char *const NS_MODES[] = {"private", "host"};
static const char *const ROOTFS_MODES[] = {"readonly", "overlay"};

/* Applies one flag's value(s) (args[0], and args[1] for two-argument flags) to o. */
static int set_value(struct sandbox_options *o, const struct flag_def *d, char **args,
                     struct sandbox_error *e) {
    const char *s = args[0];
    uint64_t v;
    switch (d->kind) {
    case V_BOOL:
        *(bool *)field(o, d->offset) = true;
        return 0;
    case V_PATH:
        if (check_path(d->flag, s, e) < 0) return -1;
        *(const char **)field(o, d->offset) = s;
        return 0;
    case V_NAME:
        if (*s == '\0' || strchr(s, '/') || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
            FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not a file name", d->flag, s);
        }
        *(const char **)field(o, d->offset) = s;
        return 0;
    case V_HOSTNAME:
        if (*s == '\0' || strlen(s) > 64) FAIL(e, PARSE_STEP, 0, "%s: must be 1..64 bytes", d->flag);
        *(const char **)field(o, d->offset) = s;
        return 0;
    case V_ID:
        /* 4294967295 is (uid_t)-1, which setresuid reads as "leave unchanged". */
        if (parse_u64(s, 0, UINT32_MAX - 1, &v) < 0) {
            FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not an id (0..4294967294)", d->flag, s);
        }
        *(uint32_t *)field(o, d->offset) = (uint32_t)v;
        return 0;
    case V_PID:
        if (parse_u64(s, 1, INT_MAX, &v) < 0) FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not a pid", d->flag, s);
        *(pid_t *)field(o, d->offset) = (pid_t)v;
        return 0;
    case V_SIZE:
        if (parse_u64(s, 1, UINT64_MAX, &v) < 0) {
            FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not a positive decimal number", d->flag, s);
        }
        *(uint64_t *)field(o, d->offset) = v;
        return 0;
    case V_OOM: {
        const char *digits = s[0] == '-' ? s + 1 : s;
        if (parse_u64(digits, s[0] == '-' ? 1 : 0, 1000, &v) < 0) {
            FAIL(e, PARSE_STEP, 0, "%s: \"%s\" is not in -1000..1000", d->flag, s);
        }
        *(int *)field(o, d->offset) = s[0] == '-' ? -(int)v : (int)v;
        return 0;
    }
    case V_NS_MODE: {
        int m = parse_mode(s, NS_MODES, 2);
        if (m < 0) FAIL(e, PARSE_STEP, 0, "%s must be \"private\" or \"host\", got \"%s\"", d->flag, s);
        *(int *)field(o, d->offset) = m;
        return 0;
    }
    case V_ROOTFS: {
        int m = parse_mode(s, ROOTFS_MODES, 2);
        if (m < 0) FAIL(e, PARSE_STEP, 0, "%s must be \"readonly\" or \"overlay\", got \"%s\"", d->flag, s);
        *(int *)field(o, d->offset) = m;
        return 0;
    }
    case V_GROUPS:
        return set_groups(o, d, s, e);
    case V_CAPS:
        return set_caps(o, d, s, e);
    case V_SECCOMP:
        if (s[0] == '/' && check_path(d->flag, s, e) < 0) return -1;
        return seccomp_parse_option(o, s, e);
    case V_BIND_LIST: {
        struct bind_spec *list = field(o, d->offset);
        size_t *count = field(o, d->count_offset);
        if (check_path(d->flag, args[0], e) < 0 || check_path(d->flag, args[1], e) < 0) return -1;
        if (strcmp(args[1], "/") == 0 || args[1][strspn(args[1], "/")] == '\0') {
            FAIL(e, PARSE_STEP, 0, "%s: DST must not be the root", d->flag);
        }
        if (*count == SANDBOX_MAX_BINDS) FAIL(e, PARSE_STEP, 0, "%s: more than %d", d->flag, SANDBOX_MAX_BINDS);
        list[*count].src = args[0];
        list[*count].dst = args[1];
        (*count)++;
        return 0;
    }
    case V_PATH_LIST: {
        const char **list = field(o, d->offset);
        size_t *count = field(o, d->count_offset);
        if (check_path(d->flag, s, e) < 0) return -1;
        if (*count == SANDBOX_MAX_CGROUPS) FAIL(e, PARSE_STEP, 0, "%s: more than %d", d->flag, SANDBOX_MAX_CGROUPS);
        list[(*count)++] = s;
        return 0;
    }
    }
    FAIL(e, PARSE_STEP, 0, "%s: unhandled kind", d->flag);
}

static int arity(const struct flag_def *d) {
    switch (d->kind) {
    case V_BOOL:
        return 0;
    case V_BIND_LIST:
        return 2;
    default:
        return 1;
    }
}

static bool repeatable(const struct flag_def *d) {
    return d->kind == V_BIND_LIST || d->kind == V_PATH_LIST;
}

/* Splits buf[0..size) at NUL bytes (a missing final NUL is tolerated) into a NULL-ended array. */
static int split_nul(char *buf, size_t size, char ***out, const char *what, struct sandbox_error *e) {
    buf[size] = '\0';
    size_t count = 0;
    for (size_t i = 0; i < size; i++) count += buf[i] == '\0';
    if (size > 0 && buf[size - 1] != '\0') count++;
    char **args = calloc(count + 1, sizeof *args);
    if (args == NULL) FAIL(e, PARSE_STEP, ENOMEM, "%s", what);
    size_t k = 0;
    for (size_t i = 0; i < size; i += strlen(buf + i) + 1) args[k++] = buf + i;
    *out = args;
    return (int)count;
}

/*
 * Reads FILE into one buffer and splits it at NUL bytes (each NUL ends an argument; a
 * missing final NUL is tolerated). Returns the number of arguments, or -1.
 */
static int read_argfile(const char *path, char ***out, struct sandbox_error *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL(e, PARSE_STEP, errno, "@%s: open", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        FAIL(e, PARSE_STEP, err, "@%s: fstat", path);
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)ARGFILE_MAX) {
        close(fd);
        FAIL(e, PARSE_STEP, 0, "@%s: not a regular file of at most %u bytes", path, ARGFILE_MAX);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (buf == NULL) {
        close(fd);
        FAIL(e, PARSE_STEP, ENOMEM, "@%s", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            close(fd);
            FAIL(e, PARSE_STEP, err, "@%s: read", path);
        }
        got += (size_t)n;
    }
    close(fd);
    return split_nul(buf, size, out, path, e);
}

/* Doubles a stream buffer of *cap + 1 bytes, up to ARGFILE_MAX; -1 with e. */
static int grow_stream_buffer(char **buf, size_t *cap, struct sandbox_error *e) {
    if (*cap >= ARGFILE_MAX) FAIL(e, PARSE_STEP, 0, "@-: more than %u bytes on stdin", ARGFILE_MAX);
    char *bigger = realloc(*buf, *cap * 2 + 1);
    if (bigger == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@-");
    *buf = bigger;
    *cap *= 2;
    return 0;
}

/* Reads fd to EOF after the first `size` bytes already in buf (a heap buffer of cap + 1 bytes). */
static int read_to_eof(int fd, char **bufp, size_t *sizep, size_t cap, struct sandbox_error *e) {
    for (;;) {
        if (*sizep == cap && grow_stream_buffer(bufp, &cap, e) < 0) return -1;
        ssize_t n = read(fd, *bufp + *sizep, cap - *sizep);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) FAIL(e, PARSE_STEP, errno, "@-: read stdin");
        if (n == 0) return 0;
        *sizep += (size_t)n;
    }
}

/* Splits a stream (environment, an empty entry, arguments) held in buf[0..size). */
static int split_stream(char *buf, size_t size, int *argc, char ***argv, char ***envp, struct sandbox_error *e) {
    if (size == 0) {
        *argc = 0;
        return 0;
    }
    char **all;
    int count = split_nul(buf, size, &all, "@-", e);
    if (count < 0) return -1;
    int sep = 0;
    while (sep < count && all[sep][0] != '\0') sep++;
    if (sep == count) FAIL(e, PARSE_STEP, 0, "@-: no empty entry ends the environment on stdin");
    for (int i = 0; i < sep; i++) {
        if (strchr(all[i], '=') == NULL) FAIL(e, PARSE_STEP, 0, "@-: environment entry \"%s\" has no '='", all[i]);
    }
    all[sep] = NULL; /* all[0..sep) is now the NULL-ended environment */
    *envp = all;
    *argv = all + sep + 1;
    *argc = count - sep - 1;
    return 0;
}

int options_read_stream(int fd, int *argc, char ***argv, char ***envp, struct sandbox_error *e) {
    struct stream_start none = {.rest = NULL, .rest_size = 0};
    return options_read_stream_rest(fd, &none, argc, argv, envp, e);
}

int options_read_stream_rest(int fd, const struct stream_start *start, int *argc, char ***argv, char ***envp,
                             struct sandbox_error *e) {
    size_t cap = 16384, size = start->rest_size;
    while (cap < size) cap *= 2;
    char *buf = malloc(cap + 1);
    if (buf == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@-");
    if (size > 0) memcpy(buf, start->rest, size);
    if (read_to_eof(fd, &buf, &size, cap, e) < 0) return -1;
    return split_stream(buf, size, argc, argv, envp, e);
}

#define ROOT_PART "@root"
#define ROOT_END "@end"

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void set_nonblocking(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && ((flags & O_NONBLOCK) != 0) != on) fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

int options_read_root_part(int fd, struct stream_start *start, int *argc, char ***argv, struct sandbox_error *e) {
    long long spin_until = 0;
    size_t cap = 16384, size = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@-");
    start->rest = buf;
    start->rest_size = 0;
    const size_t head = sizeof ROOT_PART; /* with its NUL */
    for (;;) {
        /* a stream without a root part: what was read is the start of it */
        if (size >= head && memcmp(buf, ROOT_PART, head) != 0) break;
        if (size > head) {
            /* the root part ends with the entry ROOT_END: look for it at each entry's start */
            for (size_t i = head; i < size;) {
                size_t len = strnlen(buf + i, size - i);
                if (i + len == size) break; /* this entry is not complete yet */
                if (strcmp(buf + i, ROOT_END) == 0) {
                    size_t end = i + len + 1;
                    char *rest = malloc(size - end + 1);
                    if (rest == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@-");
                    memcpy(rest, buf + end, size - end);
                    start->rest = rest;
                    start->rest_size = size - end;
                    set_nonblocking(fd, false);
                    if (i == head) {
                        *argc = 0;
                        *argv = NULL;
                        return 1;
                    }
                    int n = split_nul(buf + head, i - head, argv, "@- root part", e);
                    if (n < 0) return -1;
                    *argc = n;
                    return 1;
                }
                i += len + 1;
            }
        }
        if (size == cap) {
            if (grow_stream_buffer(&buf, &cap, e) < 0) return -1;
            start->rest = buf;
        }
        ssize_t n = read(fd, buf + size, cap - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (now_ns() < spin_until) continue;
            set_nonblocking(fd, false); /* the driver is slow today: wait in read as usual */
            continue;
        }
        if (n < 0) FAIL(e, PARSE_STEP, errno, "@-: read stdin");
        if (n == 0) {
            set_nonblocking(fd, false);
            if (size == head && memcmp(buf, ROOT_PART, head) == 0) {
                size = 0; /* only the wake-up: the driver let the spare go after all */
                break;
            }
            if (size >= head && memcmp(buf, ROOT_PART, head) == 0) {
                FAIL(e, PARSE_STEP, 0, "@-: the root part ended without its \"" ROOT_END "\" entry");
            }
            break; /* EOF: a short stream, or none (the driver let the spare go) */
        }
        if (size == 0 && (size_t)n <= head && memcmp(buf, ROOT_PART, (size_t)n) == 0) {
            /*
             * The root part's first entry comes alone, as a wake-up, while the driver makes the task's
             * state dir and cgroup: waking a process on an idle CPU of this VM took 70 us, so from here
             * until the rest comes (or 1 ms) read without sleeping.
             */
            spin_until = now_ns() + 1000000;
            set_nonblocking(fd, true);
        }
        size += (size_t)n;
    }
    set_nonblocking(fd, false);
    start->rest_size = size;
    return 0;
}

/* The flags a staged start's second part may carry: who the task runs as and how (not its root). */
static const char *const IDENTITY_FLAGS[] = {"--uid", "--gid", "--groups", "--caps", "--cwd", "--oom-score-adj"};

int options_merge_staged(int nroot, char **root, int nrest, char **rest, int *argc, char ***argv,
                         struct sandbox_error *e) {
    int i = 0;
    for (; i < nrest && strcmp(rest[i], "--") != 0; i++) {
        bool allowed = false;
        for (size_t k = 0; k < sizeof IDENTITY_FLAGS / sizeof IDENTITY_FLAGS[0]; k++) {
            if (strcmp(rest[i], IDENTITY_FLAGS[k]) == 0) allowed = true;
        }
        if (!allowed) {
            FAIL(e, PARSE_STEP, 0, "@-: \"%s\" after the root part: only the task's identity (--uid, --gid, --groups, "
                 "--caps, --cwd, --oom-score-adj) and command may follow it", rest[i]);
        }
        i++; /* each takes one value */
    }
    char **all = calloc((size_t)nroot + (size_t)nrest + 2, sizeof *all);
    if (all == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@-");
    all[0] = "run";
    if (nroot > 0) memcpy(all + 1, root, (size_t)nroot * sizeof *root);
    if (nrest > 0) memcpy(all + 1 + nroot, rest, (size_t)nrest * sizeof *rest);
    *argc = 1 + nroot + nrest;
    *argv = all;
    return 0;
}

static const struct flag_def *find_flag(const char *name, unsigned command) {
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        if ((FLAGS[i].commands & command) && strcmp(FLAGS[i].flag, name) == 0) return &FLAGS[i];
    }
    return NULL;
}

/* Builds argv with the first "@FILE" argument in flag position replaced by the file's arguments. */
static int expand_argfile(int argc, char **argv, int *out_argc, char ***out_argv,
                          struct sandbox_error *e) {
    *out_argc = argc;
    *out_argv = argv;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (argv[i][0] == '@') {
            char **file_args;
            int n = read_argfile(argv[i] + 1, &file_args, e);
            if (n < 0) return -1;
            char **merged = calloc((size_t)argc + (size_t)n, sizeof *merged);
            if (merged == NULL) FAIL(e, PARSE_STEP, ENOMEM, "@argfile");
            memcpy(merged, argv, (size_t)i * sizeof *argv);
            memcpy(merged + i, file_args, (size_t)n * sizeof *argv);
            memcpy(merged + i + n, argv + i + 1, (size_t)(argc - i - 1) * sizeof *argv);
            *out_argc = argc - 1 + n;
            *out_argv = merged;
            return 0;
        }
        const struct flag_def *d = find_flag(argv[i], SANDBOX_RUN | SANDBOX_ENTER | SANDBOX_SPARE);
        if (d != NULL) i += arity(d); /* values are never argfiles */
    }
    return 0;
}

static int check_required(const struct sandbox_options *o, struct sandbox_error *e) {
    if (o->command == SANDBOX_SPARE) {
        if (o->spare_dir == NULL) FAIL(e, PARSE_STEP, 0, "spare: --spare-dir is required");
        if (o->argc != 0) FAIL(e, PARSE_STEP, 0, "spare: takes no command (the task's comes on stdin)");
        return 0;
    }
    if (o->argc == 0) FAIL(e, PARSE_STEP, 0, "missing \"-- COMMAND [ARGS...]\"");
    if (o->command == SANDBOX_ENTER) {
        if (o->target_pid == 0) FAIL(e, PARSE_STEP, 0, "enter: --pid is required");
        return 0;
    }
    if (o->task_dir == NULL) FAIL(e, PARSE_STEP, 0, "run: --task-dir is required");
    if (o->task_dir[strspn(o->task_dir, "/")] == '\0') FAIL(e, PARSE_STEP, 0, "run: --task-dir must not be /");
    if (o->status_file == NULL) FAIL(e, PARSE_STEP, 0, "run: --status-file is required");
    if (o->argv[0][0] != '/') {
        FAIL(e, PARSE_STEP, 0, "run: the command must be an absolute path inside the task root, got \"%s\"",
             o->argv[0]);
    }
    if (o->log_dir != NULL && o->log_name == NULL) FAIL(e, PARSE_STEP, 0, "--log-dir needs --log-name");
    if (o->log_dir == NULL && o->log_name != NULL) FAIL(e, PARSE_STEP, 0, "--log-name needs --log-dir");
    if (o->log_dir != NULL && (o->stdout_path != NULL || o->stderr_path != NULL)) {
        FAIL(e, PARSE_STEP, 0, "--log-dir and --stdout/--stderr are mutually exclusive");
    }
    return 0;
}

int options_parse(int argc, char **argv, struct sandbox_options *o, struct sandbox_error *e) {
    memset(o, 0, sizeof *o);
    memset(e, 0, sizeof *e);
    if (argc < 1) FAIL(e, PARSE_STEP, 0, "missing subcommand");
    if (strcmp(argv[0], "run") == 0) {
        o->command = SANDBOX_RUN;
    } else if (strcmp(argv[0], "enter") == 0) {
        o->command = SANDBOX_ENTER;
    } else if (strcmp(argv[0], "spare") == 0) {
        o->command = SANDBOX_SPARE;
    } else {
        FAIL(e, PARSE_STEP, 0, "unknown subcommand \"%s\"", argv[0]);
    }
    bool seen[FLAG_COUNT] = {false};
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        char *def = (char *)FLAGS[i].def;
        if (def != NULL && (FLAGS[i].commands & o->command) && set_value(o, &FLAGS[i], &def, e) < 0) {
            return -1;
        }
    }
    if (expand_argfile(argc, argv, &argc, &argv, e) < 0) return -1;
    int i = 1;
    while (i < argc) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            o->argv = argv + i + 1;
            o->argc = (size_t)(argc - i - 1);
            return check_required(o, e);
        }
        const struct flag_def *d = find_flag(arg, o->command);
        if (d == NULL) {
            if (arg[0] == '@') FAIL(e, PARSE_STEP, 0, "only one @FILE is allowed");
            FAIL(e, PARSE_STEP, 0, "unknown flag \"%s\" for %s", arg, argv[0]);
        }
        size_t idx = (size_t)(d - FLAGS);
        if (seen[idx] && !repeatable(d)) FAIL(e, PARSE_STEP, 0, "%s given twice", d->flag);
        seen[idx] = true;
        int n = arity(d);
        if (i + n >= argc) FAIL(e, PARSE_STEP, 0, "%s needs %d argument%s", d->flag, n, n == 1 ? "" : "s");
        if (set_value(o, d, argv + i + 1, e) < 0) return -1;
        i += 1 + n;
    }
    o->argc = 0;
    return check_required(o, e);
}

void options_print_escaped(FILE *out, const char *value) {
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p == '\\') {
            fputs("\\\\", out);
        } else if (*p == '\n') {
            fputs("\\n", out);
        } else if (*p == '\t') {
            fputs("\\t", out);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(out, "\\x%02x", *p);
        } else {
            fputc(*p, out);
        }
    }
}

static void print_kv(FILE *out, const char *key, const char *value) {
    fprintf(out, "%s=", key);
    options_print_escaped(out, value != NULL ? value : "");
    fputc('\n', out);
}

static void print_flag(const struct sandbox_options *o, const struct flag_def *d, FILE *out) {
    const void *f = cfield(o, d->offset);
    switch (d->kind) {
    case V_BOOL:
        fprintf(out, "%s=%d\n", d->key, *(const bool *)f ? 1 : 0);
        return;
    case V_PATH:
    case V_NAME:
    case V_HOSTNAME:
        print_kv(out, d->key, *(const char *const *)f);
        return;
    case V_ID:
        fprintf(out, "%s=%" PRIu32 "\n", d->key, *(const uint32_t *)f);
        return;
    case V_PID:
        fprintf(out, "%s=%d\n", d->key, (int)*(const pid_t *)f);
        return;
    case V_SIZE:
        fprintf(out, "%s=%" PRIu64 "\n", d->key, *(const uint64_t *)f);
        return;
    case V_OOM:
        fprintf(out, "%s=%d\n", d->key, *(const int *)f);
        return;
    case V_NS_MODE:
        fprintf(out, "%s=%s\n", d->key, NS_MODES[*(const int *)f]);
        return;
    case V_ROOTFS:
        fprintf(out, "%s=%s\n", d->key, ROOTFS_MODES[*(const int *)f]);
        return;
    case V_GROUPS: {
        const uint32_t *groups = f;
        size_t count = *(const size_t *)cfield(o, d->count_offset);
        fprintf(out, "%s=", d->key);
        for (size_t i = 0; i < count; i++) fprintf(out, "%s%" PRIu32, i ? "," : "", groups[i]);
        fputc('\n', out);
        return;
    }
    case V_CAPS: {
        uint64_t caps = *(const uint64_t *)f;
        bool first = true;
        fprintf(out, "%s=", d->key);
        for (int c = 0; c <= CAPS_KNOWN_LAST; c++) {
            if (caps & (UINT64_C(1) << c)) {
                fprintf(out, "%s%s", first ? "" : ",", caps_name(c));
                first = false;
            }
        }
        fputc('\n', out);
        return;
    }
    case V_SECCOMP:
        print_kv(out, d->key, seccomp_option_name(o));
        return;
    case V_BIND_LIST: {
        const struct bind_spec *list = f;
        size_t count = *(const size_t *)cfield(o, d->count_offset);
        fprintf(out, "%s.count=%zu\n", d->key, count);
        for (size_t i = 0; i < count; i++) {
            fprintf(out, "%s.%zu.src=", d->key, i);
            options_print_escaped(out, list[i].src);
            fprintf(out, "\n%s.%zu.dst=", d->key, i);
            options_print_escaped(out, list[i].dst);
            fputc('\n', out);
        }
        return;
    }
    case V_PATH_LIST: {
        const char *const *list = f;
        size_t count = *(const size_t *)cfield(o, d->count_offset);
        fprintf(out, "%s.count=%zu\n", d->key, count);
        for (size_t i = 0; i < count; i++) {
            fprintf(out, "%s.%zu=", d->key, i);
            options_print_escaped(out, list[i]);
            fputc('\n', out);
        }
        return;
    }
    }
}

void options_print(const struct sandbox_options *o, FILE *out) {
    fprintf(out, "subcommand=%s\n", o->command == SANDBOX_RUN ? "run" : o->command == SANDBOX_SPARE ? "spare" : "enter");
    for (size_t i = 0; i < FLAG_COUNT; i++) {
        /* --parse-only itself is not an option of the sandbox, only of this printout */
        if ((FLAGS[i].commands & o->command) && FLAGS[i].offset != offsetof(struct sandbox_options, parse_only)) {
            print_flag(o, &FLAGS[i], out);
        }
    }
    fprintf(out, "argv.count=%zu\n", o->argc);
    for (size_t i = 0; i < o->argc; i++) {
        fprintf(out, "argv.%zu=", i);
        options_print_escaped(out, o->argv[i]);
        fputc('\n', out);
    }
}
