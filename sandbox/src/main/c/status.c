#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const STATE_NAMES[] = {"starting", "running", "exited", "failed"};

int64_t status_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail with a valid clock id and pointer */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void status_set_finished(struct task_status *s, int wait_status, const struct rusage *ru) {
    s->finished = true;
    s->finished_ns = status_now_ns();
    if (WIFSIGNALED(wait_status)) {
        s->signal = WTERMSIG(wait_status);
        s->exit_code = 128 + s->signal;
    } else {
        s->signal = 0;
        s->exit_code = WEXITSTATUS(wait_status);
    }
    s->utime_us = (int64_t)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec;
    s->stime_us = (int64_t)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
    s->maxrss_kb = ru->ru_maxrss;
}

#define APPEND(...)                                                   \
    do {                                                              \
        int n_ = snprintf(buf + len, size - len, __VA_ARGS__);        \
        if (n_ < 0 || (size_t)n_ >= size - len) return -1;            \
        len += (size_t)n_;                                            \
    } while (0)

int status_format(const struct task_status *s, char *buf, size_t size) {
    size_t len = 0;
    APPEND("version=%d\nstate=%s\n", STATUS_VERSION, STATE_NAMES[s->state]);
    APPEND("sandbox_pid=%ld\ninit_pid=%ld\ntask_pid=%ld\n", s->sandbox_pid, s->init_pid, s->task_pid);
    APPEND("exec_ok=%d\n", s->exec_ok ? 1 : 0);
    if (s->exec_ok) APPEND("started_ns=%" PRId64 "\n", s->started_ns);
    if (s->finished) {
        APPEND("exit_code=%d\nsignal=%d\nfinished_ns=%" PRId64 "\n", s->exit_code, s->signal, s->finished_ns);
        APPEND("utime_us=%" PRId64 "\nstime_us=%" PRId64 "\nmaxrss_kb=%" PRId64 "\n", s->utime_us,
               s->stime_us, s->maxrss_kb);
    }
    if (s->error.step[0] != '\0') {
        APPEND("failed_step=%s\nerrno=%d\nerror=", s->error.step, s->error.err);
        /* one line per key: a newline in a path must not start a forged key */
        for (const char *p = s->error.detail; *p; p++) APPEND("%c", *p == '\n' || *p == '\r' ? ' ' : *p);
        APPEND("\n");
    }
    return (int)len;
}

static int64_t parse_i64(const char *v) { return strtoll(v, NULL, 10); }

int status_parse(const char *text, struct task_status *s) {
    memset(s, 0, sizeof *s);
    bool versioned = false;
    const char *line = text;
    while (*line) {
        const char *end = strchrnul(line, '\n');
        const char *eq = memchr(line, '=', (size_t)(end - line));
        if (eq != NULL) {
            char key[32];
            char value[sizeof s->error.detail];
            size_t klen = (size_t)(eq - line);
            size_t vlen = (size_t)(end - eq - 1);
            if (klen < sizeof key && vlen < sizeof value) {
                memcpy(key, line, klen);
                key[klen] = '\0';
                memcpy(value, eq + 1, vlen);
                value[vlen] = '\0';
                if (strcmp(key, "version") == 0) {
                    versioned = parse_i64(value) == STATUS_VERSION;
                } else if (strcmp(key, "state") == 0) {
                    for (int i = 0; i < 4; i++) {
                        if (strcmp(value, STATE_NAMES[i]) == 0) s->state = (enum task_state)i;
                    }
                } else if (strcmp(key, "sandbox_pid") == 0) {
                    s->sandbox_pid = (long)parse_i64(value);
                } else if (strcmp(key, "init_pid") == 0) {
                    s->init_pid = (long)parse_i64(value);
                } else if (strcmp(key, "task_pid") == 0) {
                    s->task_pid = (long)parse_i64(value);
                } else if (strcmp(key, "exec_ok") == 0) {
                    s->exec_ok = parse_i64(value) == 1;
                } else if (strcmp(key, "started_ns") == 0) {
                    s->started_ns = parse_i64(value);
                } else if (strcmp(key, "exit_code") == 0) {
                    s->finished = true;
                    s->exit_code = (int)parse_i64(value);
                } else if (strcmp(key, "signal") == 0) {
                    s->signal = (int)parse_i64(value);
                } else if (strcmp(key, "finished_ns") == 0) {
                    s->finished_ns = parse_i64(value);
                } else if (strcmp(key, "utime_us") == 0) {
                    s->utime_us = parse_i64(value);
                } else if (strcmp(key, "stime_us") == 0) {
                    s->stime_us = parse_i64(value);
                } else if (strcmp(key, "maxrss_kb") == 0) {
                    s->maxrss_kb = parse_i64(value);
                } else if (strcmp(key, "failed_step") == 0) {
                    snprintf(s->error.step, sizeof s->error.step, "%.*s", (int)sizeof s->error.step - 1, value);
                } else if (strcmp(key, "errno") == 0) {
                    s->error.err = (int)parse_i64(value);
                } else if (strcmp(key, "error") == 0) {
                    snprintf(s->error.detail, sizeof s->error.detail, "%s", value);
                }
            }
        }
        line = *end ? end + 1 : end;
    }
    return versioned ? 0 : -1;
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int status_write(int dirfd, const char *name, const struct task_status *s, struct sandbox_error *e) {
    char text[2048];
    char tmp[300];
    int len = status_format(s, text, sizeof text);
    if (len < 0) FAIL(e, "status_file", EOVERFLOW, "format status");
    if (snprintf(tmp, sizeof tmp, "%s.tmp", name) >= (int)sizeof tmp) FAIL(e, "status_file", ENAMETOOLONG, "%s", name);
    /* O_NOFOLLOW: a symlink planted at NAME.tmp must not redirect a root write */
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) FAIL(e, "status_file", errno, "open %s", tmp);
    /*
     * Only a final record (exit code, failure) must survive a power loss. A "running" record is
     * not synced: a crash that loses it kills the task too. Its two fsyncs sat between the
     * task's exec and the driver seeing it (1-15 ms on this VM's disk under load: bench/).
     */
    bool durable = s->finished || s->state == STATE_FAILED;
    if (write_all(fd, text, (size_t)len) < 0 || (durable && fsync(fd) < 0)) {
        int err = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        FAIL(e, "status_file", err, "write %s", tmp);
    }
    if (close(fd) < 0) FAIL(e, "status_file", errno, "close %s", tmp);
    if (renameat(dirfd, tmp, dirfd, name) < 0) FAIL(e, "status_file", errno, "rename %s to %s", tmp, name);
    /* the rename is durable only once the directory itself is synced */
    if (durable && fsync(dirfd) < 0) FAIL(e, "status_file", errno, "fsync directory of %s", name);
    return 0;
}

int status_read(int dirfd, const char *name, struct task_status *s) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    char text[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, text + len, sizeof text - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len == sizeof text - 1) break;
    }
    close(fd);
    text[len] = '\0';
    return status_parse(text, s);
}

/* Opens the status file's directory on the host; B writes through this fd after pivot_root. */
int status_open_dir(const char *status_file, const char **name, struct sandbox_error *e) {
    char dir[PATH_MAX];
    const char *slash = strrchr(status_file, '/');
    size_t len = (size_t)(slash - status_file);
    if (slash[1] == '\0') FAIL(e, "status_file", EISDIR, "--status-file %s names a directory", status_file);
    if (len >= sizeof dir) FAIL(e, "status_file", ENAMETOOLONG, "%s", status_file);
    memcpy(dir, status_file, len);
    dir[len] = '\0';
    *name = slash + 1;
    int fd = open(len == 0 ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) FAIL(e, "status_file", errno, "open the directory of %s", status_file);
    return fd;
}

