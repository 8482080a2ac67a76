/* Status file: format per state, tolerant parsing, atomic replace. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "status.h"
#include "unit_test.h"

static void test_format_running(struct unit *u) {
    struct task_status s = {.state = STATE_RUNNING, .sandbox_pid = 10, .init_pid = 11, .task_pid = 2,
                            .exec_ok = true, .started_ns = 123};
    char buf[2048];
    EXPECT(u, status_format(&s, buf, sizeof buf) > 0);
    EXPECT(u, strcmp(buf, "version=1\nstate=running\nsandbox_pid=10\ninit_pid=11\ntask_pid=2\nexec_ok=1\n"
                          "started_ns=123\n") == 0);
}

static void test_format_failed(struct unit *u) {
    struct task_status s = {.state = STATE_FAILED, .sandbox_pid = 10, .init_pid = 11, .task_pid = 2};
    sandbox_error_set(&s.error, "execve", 2, "execve /bin/no\nstate=exited");
    char buf[2048];
    EXPECT(u, status_format(&s, buf, sizeof buf) > 0);
    EXPECT(u, strstr(buf, "exec_ok=0\nfailed_step=execve\nerrno=2\nerror=execve /bin/no state=exited: No such file or "
                          "directory\n") != NULL);
    EXPECT(u, strstr(buf, "started_ns") == NULL && strstr(buf, "exit_code") == NULL);
    struct task_status back;
    EXPECT(u, status_parse(buf, &back) == 0);
    EXPECT(u, back.state == STATE_FAILED && back.error.err == 2 && strcmp(back.error.step, "execve") == 0);
    EXPECT(u, !back.finished);
}

static void test_finished(struct unit *u) {
    struct task_status s = {.state = STATE_EXITED, .exec_ok = true};
    struct rusage ru = {.ru_utime = {.tv_sec = 1, .tv_usec = 5}, .ru_stime = {.tv_usec = 7}, .ru_maxrss = 900};
    status_set_finished(&s, 15 /* killed by SIGTERM */, &ru);
    EXPECT(u, s.signal == 15 && s.exit_code == 143);
    EXPECT(u, s.utime_us == 1000005 && s.stime_us == 7 && s.maxrss_kb == 900);
    status_set_finished(&s, 3 << 8 /* exit(3) */, &ru);
    EXPECT(u, s.signal == 0 && s.exit_code == 3);
}

static void test_parse_tolerant(struct unit *u) {
    struct task_status s;
    EXPECT(u, status_parse("garbage\nstate=exited\nfuture_key=1\nversion=1\nexit_code=143\nsignal=15\n=\n", &s) == 0);
    EXPECT(u, s.state == STATE_EXITED && s.exit_code == 143 && s.signal == 15 && s.finished);
    EXPECT(u, status_parse("state=exited\n", &s) == -1);
    EXPECT(u, status_parse("version=2\n", &s) == -1);
}

static void test_write_atomic(struct unit *u) {
    char dir[] = "/tmp/corral-unit-status.XXXXXX";
    EXPECT(u, mkdtemp(dir) != NULL);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct task_status s = {.state = STATE_RUNNING, .sandbox_pid = 1, .exec_ok = true, .started_ns = 5};
    struct sandbox_error e;
    EXPECT(u, status_write(dirfd, "st", &s, &e) == 0);
    s.state = STATE_EXITED;
    s.finished = true;
    s.exit_code = 7;
    EXPECT(u, status_write(dirfd, "st", &s, &e) == 0);
    struct task_status back;
    EXPECT(u, status_read(dirfd, "st", &back) == 0);
    EXPECT(u, back.state == STATE_EXITED && back.exit_code == 7 && back.started_ns == 5);
    struct stat st;
    EXPECT(u, fstatat(dirfd, "st.tmp", &st, 0) == -1);
    /* a symlink planted at the temporary name must not be followed */
    EXPECT(u, symlinkat("/tmp/corral-unit-status-target", dirfd, "st.tmp") == 0);
    EXPECT(u, status_write(dirfd, "st", &s, &e) == -1 && strcmp(e.step, "status_file") == 0);
    EXPECT(u, stat("/tmp/corral-unit-status-target", &st) == -1);
    unlinkat(dirfd, "st.tmp", 0);
    unlinkat(dirfd, "st", 0);
    close(dirfd);
    rmdir(dir);
}

void status_tests(struct unit *u) {
    test_format_running(u);
    test_format_failed(u);
    test_finished(u);
    test_parse_tolerant(u);
    test_write_atomic(u);
}
