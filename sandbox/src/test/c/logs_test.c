/* Log rotation: naming from .0, split at exactly max_bytes, pruning, reuse of the highest index. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs.h"
#include "unit_test.h"

static long file_size(int dirfd, const char *name) {
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (long)st.st_size : -1;
}

static void write_file(int dirfd, const char *name, const char *content) {
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t n = write(fd, content, strlen(content));
        (void)n;
        close(fd);
    }
}

static void remove_all(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *ent;
    char path[512];
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' && (ent->d_name[1] == '\0' || strcmp(ent->d_name, "..") == 0)) continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void test_rotation(struct unit *u, int dirfd) {
    struct log_rotator r;
    struct sandbox_error e;
    EXPECT(u, log_open(&r, dirfd, "web", "stdout", 2, 10, &e) == 0);
    EXPECT(u, r.index == 0 && file_size(dirfd, "web.stdout.0") == 0);
    EXPECT(u, log_write(&r, "0123456789abcdefghijKLMNO", 25, &e) == 0);
    /* 25 bytes at 10 per file: .0 .1 .2, and with max_files 2 the .0 is gone */
    EXPECT(u, file_size(dirfd, "web.stdout.0") == -1);
    EXPECT(u, file_size(dirfd, "web.stdout.1") == 10);
    EXPECT(u, file_size(dirfd, "web.stdout.2") == 5);
    log_close(&r);
    /* a restart reuses the highest index and appends */
    EXPECT(u, log_open(&r, dirfd, "web", "stdout", 2, 10, &e) == 0);
    EXPECT(u, r.index == 2 && r.size == 5);
    EXPECT(u, log_write(&r, "xyz", 3, &e) == 0);
    EXPECT(u, file_size(dirfd, "web.stdout.2") == 8);
    EXPECT(u, log_write(&r, "12", 2, &e) == 0);
    EXPECT(u, file_size(dirfd, "web.stdout.2") == 10 && file_size(dirfd, "web.stdout.3") == -1);
    log_close(&r);
    /* reopened full: the next byte goes to a new file */
    EXPECT(u, log_open(&r, dirfd, "web", "stdout", 2, 10, &e) == 0);
    EXPECT(u, log_write(&r, "!", 1, &e) == 0);
    EXPECT(u, file_size(dirfd, "web.stdout.3") == 1 && file_size(dirfd, "web.stdout.1") == -1);
    log_close(&r);
}

static void test_foreign_names(struct unit *u, int dirfd) {
    write_file(dirfd, "api.stderr.07", "x");
    write_file(dirfd, "api.stderr.9x", "x");
    write_file(dirfd, ".api.stderr.fifo", "x");
    write_file(dirfd, "api.stdout.40", "x");
    write_file(dirfd, "api.stderr.4", "abcd");
    write_file(dirfd, "api.stderr.1", "a");
    struct log_rotator r;
    struct sandbox_error e;
    EXPECT(u, log_open(&r, dirfd, "api", "stderr", 10, 100, &e) == 0);
    EXPECT(u, r.index == 4 && r.size == 4 && r.oldest == 1);
    log_close(&r);
    /* max_files 2 at open prunes everything below index 3; other names are untouched */
    EXPECT(u, log_open(&r, dirfd, "api", "stderr", 2, 100, &e) == 0);
    EXPECT(u, file_size(dirfd, "api.stderr.1") == -1 && file_size(dirfd, "api.stderr.4") == 4);
    EXPECT(u, file_size(dirfd, "api.stderr.07") == 1 && file_size(dirfd, "api.stdout.40") == 1);
    log_close(&r);
}

static void test_symlink_refused(struct unit *u, int dirfd) {
    EXPECT(u, symlinkat("/etc/passwd", dirfd, "evil.stdout.0") == 0);
    struct log_rotator r;
    struct sandbox_error e;
    EXPECT(u, log_open(&r, dirfd, "evil", "stdout", 3, 100, &e) == -1);
    EXPECT(u, strcmp(e.step, "log_open") == 0 && strstr(e.detail, "evil.stdout.0") != NULL);
}

static void test_hard_link_refused(struct unit *u, int dirfd) {
    write_file(dirfd, "victim", "root-owned content");
    EXPECT(u, linkat(dirfd, "victim", dirfd, "hl.stdout.0", 0) == 0);
    struct log_rotator r;
    struct sandbox_error e;
    EXPECT(u, log_open(&r, dirfd, "hl", "stdout", 3, 100, &e) == -1);
    EXPECT(u, strstr(e.detail, "one link") != NULL);
    EXPECT(u, file_size(dirfd, "victim") == 18);
}

static void test_name(struct unit *u) {
    char buf[64];
    log_file_name(buf, sizeof buf, "task.stdout.", 12);
    EXPECT(u, strcmp(buf, "task.stdout.12") == 0);
}

void logs_tests(struct unit *u) {
    char dir[] = "/tmp/corral-unit-logs.XXXXXX";
    EXPECT(u, mkdtemp(dir) != NULL);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT(u, dirfd >= 0);
    if (dirfd >= 0) {
        test_rotation(u, dirfd);
        test_foreign_names(u, dirfd);
        test_symlink_refused(u, dirfd);
        test_hard_link_refused(u, dirfd);
        close(dirfd);
    }
    test_name(u);
    remove_all(dir);
}
