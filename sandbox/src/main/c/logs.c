#include "logs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void log_file_name(char *buf, size_t size, const char *prefix, uint64_t index) {
    snprintf(buf, size, "%s%" PRIu64, prefix, index);
}

/* Parses the canonical decimal suffix of a log file name; -1 when name is not one of ours. */
static int parse_index(const char *name, const char *prefix, uint64_t *index) {
    size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) != 0) return -1;
    const char *digits = name + plen;
    if (*digits < '0' || *digits > '9' || (digits[0] == '0' && digits[1] != '\0')) return -1;
    if (strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 19) return -1;
    *index = strtoull(digits, NULL, 10);
    return 0;
}

static int open_index(struct log_rotator *r, struct sandbox_error *e) {
    char name[320];
    log_file_name(name, sizeof name, r->prefix, r->index);
    /* O_NOFOLLOW: the log dir is shared with the task (alloc/logs), a symlink there must not
     * turn the root-owned writer against another file */
    int fd = openat(r->dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) FAIL(e, "log_open", errno, "open log file %s", name);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        FAIL(e, "log_open", err, "fstat log file %s", name);
    }
    /* the task can write the log dir (alloc/logs): a hard link it made to another file must
     * not get root's appends either */
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
        close(fd);
        FAIL(e, "log_open", EINVAL, "log file %s is not a regular file with one link", name);
    }
    r->fd = fd;
    r->size = (uint64_t)st.st_size;
    return 0;
}

/* Deletes every index below the max_files most recent ones. */
static void prune(struct log_rotator *r) {
    if (r->index + 1 <= r->max_files) return;
    uint64_t keep_from = r->index + 1 - r->max_files;
    char name[320];
    for (; r->oldest < keep_from; r->oldest++) {
        log_file_name(name, sizeof name, r->prefix, r->oldest);
        unlinkat(r->dirfd, name, 0); /* ENOENT for gaps is expected */
    }
}

int log_open(struct log_rotator *r, int dirfd, const char *name, const char *stream, uint64_t max_files,
             uint64_t max_bytes, struct sandbox_error *e) {
    memset(r, 0, sizeof *r);
    r->dirfd = dirfd;
    r->fd = -1;
    r->max_files = max_files;
    r->max_bytes = max_bytes;
    if (snprintf(r->prefix, sizeof r->prefix, "%s.%s.", name, stream) >= (int)sizeof r->prefix) {
        FAIL(e, "log_open", ENAMETOOLONG, "log name %s", name);
    }
    int scan = dup(dirfd); /* closedir closes the fd it was given */
    if (scan < 0) FAIL(e, "log_open", errno, "dup log dir fd");
    DIR *dir = fdopendir(scan);
    if (dir == NULL) {
        int err = errno;
        close(scan);
        FAIL(e, "log_open", err, "read log dir");
    }
    rewinddir(dir);
    bool found = false;
    uint64_t lowest = 0, highest = 0;
    struct dirent *d;
    while ((d = readdir(dir)) != NULL) {
        uint64_t index;
        if (parse_index(d->d_name, r->prefix, &index) < 0) continue;
        if (!found || index < lowest) lowest = index;
        if (!found || index > highest) highest = index;
        found = true;
    }
    closedir(dir);
    r->index = found ? highest : 0;
    r->oldest = found ? lowest : 0;
    if (open_index(r, e) < 0) return -1;
    prune(r);
    return 0;
}

static int rotate(struct log_rotator *r, struct sandbox_error *e) {
    close(r->fd);
    r->fd = -1;
    r->index++;
    if (open_index(r, e) < 0) return -1;
    prune(r);
    return 0;
}

int log_write(struct log_rotator *r, const char *buf, size_t len, struct sandbox_error *e) {
    while (len > 0) {
        if (r->fd < 0 || r->size >= r->max_bytes) {
            if (r->fd < 0 ? open_index(r, e) < 0 : rotate(r, e) < 0) return -1;
            continue; /* an existing file reopened at the limit rotates again */
        }
        uint64_t room = r->max_bytes - r->size;
        size_t chunk = len < room ? len : (size_t)room;
        ssize_t n = write(r->fd, buf, chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) FAIL(e, "log_write", errno, "write %s%" PRIu64, r->prefix, r->index);
        r->size += (uint64_t)n;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

void log_close(struct log_rotator *r) {
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
}

/* --sandbox-log: our own stdout and stderr (and B's, which inherits them) append to PATH. */
int logs_redirect_output(const char *path) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    int ok = dup2(fd, 1) >= 0 && dup2(fd, 2) >= 0;
    int err = errno;
    close(fd);
    errno = err;
    return ok ? 0 : -1;
}

