/* C unit tests of corral-sandbox's pure parts; run by the Maven test phase, no root needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "options.h"
#include "unit_test.h"

static int parse(struct sandbox_options *o, struct sandbox_error *e, char **argv) {
    int argc = 0;
    while (argv[argc] != NULL) argc++;
    return options_parse(argc, argv, o, e);
}

static void test_defaults(struct unit *u) {
    static struct sandbox_options o;
    struct sandbox_error e;
    char *argv[] = {"run", "--task-dir", "/t", "--status-file", "/s", "--", "/bin/true", NULL};
    EXPECT(u, parse(&o, &e, argv) == 0);
    EXPECT(u, strcmp(o.hostname, "corral-task") == 0);
    EXPECT(u, o.uid == 65534 && o.gid == 65534);
    EXPECT(u, o.group_count == 0 && o.caps == 0);
    EXPECT(u, o.secrets_size == 1048576 && o.shm_size == 67108864);
    EXPECT(u, o.log_max_files == 10 && o.log_max_bytes == 10485760);
    EXPECT(u, strcmp(o.cwd, "/") == 0);
    EXPECT(u, o.pid_mode == NS_PRIVATE && o.ipc_mode == NS_PRIVATE && !o.no_pivot_root);
    EXPECT(u, o.argc == 1 && strcmp(o.argv[0], "/bin/true") == 0);
}

static void test_repeated_and_lists(struct unit *u) {
    static struct sandbox_options o;
    struct sandbox_error e;
    char *argv[] = {"run", "--task-dir", "/t", "--ro-bind", "/bin", "/bin", "--ro-bind", "/usr", "/usr",
                    "--groups", "5,0,4294967294", "--caps", "CAP_SETUID,CAP_CHOWN",
                    "--cgroup", "/sys/fs/cgroup/a", "--cgroup", "/sys/fs/cgroup/b", "--oom-score-adj", "-1000",
                    "--status-file", "/s", "--", "/bin/x", "--uid", "0", NULL};
    EXPECT(u, parse(&o, &e, argv) == 0);
    EXPECT(u, o.ro_bind_count == 2 && strcmp(o.ro_binds[1].dst, "/usr") == 0);
    EXPECT(u, o.group_count == 3 && o.groups[2] == 4294967294u);
    EXPECT(u, o.caps == ((1u << 0) | (1u << 7)));
    EXPECT(u, o.cgroup_count == 2 && strcmp(o.cgroups[1], "/sys/fs/cgroup/b") == 0);
    EXPECT(u, o.oom_score_adj == -1000);
    EXPECT(u, o.rootfs == ROOTFS_READONLY);
    /* flags after "--" belong to the command */
    EXPECT(u, o.argc == 3 && o.uid == 65534);
}

static void test_overlay(struct unit *u) {
    static struct sandbox_options o;
    struct sandbox_error e;
    char *argv[] = {"run", "--task-dir", "/t", "--rootfs", "overlay", "--status-file", "/s", "--", "/bin/x", NULL};
    EXPECT(u, parse(&o, &e, argv) == 0);
    EXPECT(u, o.rootfs == ROOTFS_OVERLAY);
    char buf[4096];
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    options_print(&o, mem);
    fclose(mem);
    EXPECT(u, strstr(buf, "\nrootfs=overlay\n") != NULL);
}

static void expect_error(struct unit *u, char **argv, const char *fragment, int line) {
    static struct sandbox_options o;
    struct sandbox_error e;
    int rc = parse(&o, &e, argv);
    bool ok = rc < 0 && strcmp(e.step, "parse_options") == 0 && strstr(e.detail, fragment) != NULL;
    if (!ok) fprintf(stderr, "  line %d: rc=%d detail=\"%s\", want \"%s\"\n", line, rc, e.detail, fragment);
    EXPECT(u, ok);
}

#define EXPECT_ERROR(u, fragment, ...)                                  \
    do {                                                                \
        char *argv_[] = {__VA_ARGS__, NULL};                            \
        expect_error((u), argv_, (fragment), __LINE__);                 \
    } while (0)

static void test_errors(struct unit *u) {
    EXPECT_ERROR(u, "unknown flag \"--nope\"", "run", "--nope", "--", "/x");
    EXPECT_ERROR(u, "--task-dir is required", "run", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "--task-dir must not be /", "run", "--task-dir", "//", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "--status-file is required", "run", "--task-dir", "/t", "--", "/x");
    EXPECT_ERROR(u, "missing \"-- COMMAND", "run", "--task-dir", "/t", "--status-file", "/s");
    EXPECT_ERROR(u, "missing \"-- COMMAND", "run", "--task-dir", "/t", "--status-file", "/s", "--");
    EXPECT_ERROR(u, "absolute path inside the task root", "run", "--task-dir", "/t", "--status-file", "/s", "--", "sh");
    EXPECT_ERROR(u, "must be absolute", "run", "--task-dir", "t", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "\"..\"", "run", "--task-dir", "/t", "--ro-bind", "/bin", "/../etc", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "DST must not be the root", "run", "--task-dir", "/t", "--bind", "/a", "//", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "--uid given twice", "run", "--uid", "1", "--uid", "2", "--", "/x");
    EXPECT_ERROR(u, "is not an id", "run", "--uid", "4294967295", "--", "/x");
    EXPECT_ERROR(u, "is not an id", "run", "--uid", "-1", "--", "/x");
    EXPECT_ERROR(u, "is not an id", "run", "--gid", "007", "--", "/x");
    EXPECT_ERROR(u, "is not a gid", "run", "--groups", "1,x", "--", "/x");
    EXPECT_ERROR(u, "bad list", "run", "--groups", "1,,2", "--", "/x");
    EXPECT_ERROR(u, "unknown capability \"CAP_NOPE\"", "run", "--caps", "CAP_KILL,CAP_NOPE", "--", "/x");
    EXPECT_ERROR(u, "unknown capability \"kill\"", "run", "--caps", "kill", "--", "/x");
    EXPECT_ERROR(u, "CAP_KILL given twice", "run", "--caps", "CAP_KILL,CAP_KILL", "--", "/x");
    EXPECT_ERROR(u, "--pid-mode must be \"private\" or \"host\", got \"shared\"", "run", "--pid-mode", "shared", "--", "/x");
    EXPECT_ERROR(u, "--rootfs must be \"readonly\" or \"overlay\", got \"tmpfs\"", "run", "--rootfs", "tmpfs", "--", "/x");
    EXPECT_ERROR(u, "-1000..1000", "run", "--oom-score-adj", "1001", "--", "/x");
    EXPECT_ERROR(u, "positive decimal", "run", "--log-max-files", "0", "--", "/x");
    EXPECT_ERROR(u, "--hostname needs 1 argument", "run", "--hostname");
    EXPECT_ERROR(u, "--ro-bind needs 2 arguments", "run", "--ro-bind", "/a");
    EXPECT_ERROR(u, "not a file name", "run", "--log-name", "a/b", "--", "/x");
    EXPECT_ERROR(u, "--log-dir needs --log-name", "run", "--task-dir", "/t", "--log-dir", "/l", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "mutually exclusive", "run", "--task-dir", "/t", "--log-dir", "/l", "--log-name", "n",
                 "--stdout", "/o", "--status-file", "/s", "--", "/x");
    EXPECT_ERROR(u, "unknown flag \"--task-dir\" for enter", "enter", "--task-dir", "/t", "--", "/x");
    EXPECT_ERROR(u, "--pid is required", "enter", "--", "/bin/sh");
    EXPECT_ERROR(u, "unknown subcommand", "exec", "--", "/bin/sh");
    EXPECT_ERROR(u, "@/nonexistent/args: open", "run", "@/nonexistent/args");
}

static void test_argfile(struct unit *u) {
    char path[] = "/tmp/corral-unit-args.XXXXXX";
    int fd = mkstemp(path);
    EXPECT(u, fd >= 0);
    if (fd < 0) return;
    static const char content[] = "--task-dir\0/t\0--hostname\0a\nb\0--status-file\0/s\0--\0/bin/echo\0\0x y";
    EXPECT(u, write(fd, content, sizeof content - 1) == (ssize_t)(sizeof content - 1));
    close(fd);
    char at[64];
    snprintf(at, sizeof at, "@%s", path);
    static struct sandbox_options o;
    struct sandbox_error e;
    char *argv[] = {"run", "--parse-only", at, NULL};
    EXPECT(u, parse(&o, &e, argv) == 0);
    EXPECT(u, o.parse_only && strcmp(o.hostname, "a\nb") == 0);
    /* an empty argument in the middle survives; a missing final NUL is tolerated */
    EXPECT(u, o.argc == 3 && o.argv[1][0] == '\0' && strcmp(o.argv[2], "x y") == 0);
    char buf[4096];
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    options_print(&o, mem);
    fclose(mem);
    EXPECT(u, strstr(buf, "hostname=a\\nb\n") != NULL);
    EXPECT(u, strstr(buf, "argv.1=\nargv.2=x y\n") != NULL);
    unlink(path);
}

static void test_escape(struct unit *u) {
    char buf[128];
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    options_print_escaped(mem, "a\\b\x01\x7f\xc3\xa9");
    fclose(mem);
    EXPECT(u, strcmp(buf, "a\\\\b\\x01\\x7f\xc3\xa9") == 0);
}

static void test_cap_names(struct unit *u) {
    EXPECT(u, caps_from_name("CAP_CHOWN") == 0);
    EXPECT(u, caps_from_name("CAP_CHECKPOINT_RESTORE") == 40);
    EXPECT(u, caps_from_name("CHOWN") == -1);
    for (int c = 0; c <= CAPS_KNOWN_LAST; c++) EXPECT(u, caps_from_name(caps_name(c)) == c);
    EXPECT(u, caps_name(41) == NULL);
}


/* A pipe holding `bytes` (written in two pieces, split at `cut`, as a driver writes a staged start). */
static int stream_pipe(const char *bytes, size_t len, size_t cut) {
    int p[2];
    if (pipe(p) < 0) return -1;
    if (write(p[1], bytes, cut) != (ssize_t)cut || write(p[1], bytes + cut, len - cut) != (ssize_t)(len - cut)) return -1;
    close(p[1]);
    return p[0];
}

static void test_staged_stream(struct unit *u) {
    static const char staged[] = "@root\0--task-dir\0/t\0--status-file\0/s\0@end\0"
                                 "PATH=/bin\0\0--uid\0" "7\0--cwd\0/w\0--\0/bin/echo\0hi";
    struct sandbox_error e;
    struct stream_start start;
    int nroot, n, argc;
    char **root, **rest, **env, **argv;
    /* cut inside the root part: the reader waits for its "@end" entry */
    int fd = stream_pipe(staged, sizeof staged - 1, 9);
    EXPECT(u, fd >= 0);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) == 1);
    EXPECT(u, nroot == 4 && strcmp(root[0], "--task-dir") == 0 && strcmp(root[3], "/s") == 0);
    EXPECT(u, options_read_stream_rest(fd, &start, &n, &rest, &env, &e) == 0);
    close(fd);
    EXPECT(u, strcmp(env[0], "PATH=/bin") == 0 && env[1] == NULL);
    EXPECT(u, n == 7 && strcmp(rest[4], "--") == 0 && strcmp(rest[6], "hi") == 0);
    EXPECT(u, options_merge_staged(nroot, root, n, rest, &argc, &argv, &e) == 0);
    static struct sandbox_options o;
    EXPECT(u, options_parse(argc, argv, &o, &e) == 0);
    EXPECT(u, strcmp(o.task_dir, "/t") == 0 && o.uid == 7 && strcmp(o.cwd, "/w") == 0 && o.argc == 2);

    /* after the root part only the task's identity and command: no flag that shapes the root */
    char *sneaky[] = {"--bind", "/etc", "/x", "--", "/bin/true"};
    EXPECT(u, options_merge_staged(nroot, root, 5, sneaky, &argc, &argv, &e) < 0);
    EXPECT(u, strstr(e.detail, "\"--bind\" after the root part") != NULL);

    /* a plain stream (run @-'s) is read whole as before */
    static const char plain[] = "A=1\0\0--task-dir\0/t\0--\0/x";
    fd = stream_pipe(plain, sizeof plain - 1, 3);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) == 0);
    EXPECT(u, options_read_stream_rest(fd, &start, &n, &rest, &env, &e) == 0 && n == 4);
    EXPECT(u, strcmp(env[0], "A=1") == 0 && strcmp(rest[3], "/x") == 0);
    close(fd);

    /* the first entry alone wakes the spare, which then reads without sleeping until the rest comes */
    fd = stream_pipe(staged, sizeof staged - 1, 6);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) == 1 && nroot == 4);
    EXPECT(u, (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0); /* blocking again for the rest */
    close(fd);
    fd = stream_pipe("@root", sizeof "@root", 6);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) == 0 && start.rest_size == 0); /* let go */
    close(fd);

    /* an empty stream lets a spare go; a root part cut short is an error */
    fd = stream_pipe("", 0, 0);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) == 0 && start.rest_size == 0);
    close(fd);
    static const char cut_short[] = "@root\0--task-dir\0/t\0";
    fd = stream_pipe(cut_short, sizeof cut_short - 1, 4);
    EXPECT(u, options_read_root_part(fd, &start, &nroot, &root, &e) < 0);
    EXPECT(u, strstr(e.detail, "without its \"@end\" entry") != NULL);
    close(fd);
}

int main(void) {
    struct unit u = {0, 0};
    test_defaults(&u);
    test_repeated_and_lists(&u);
    test_overlay(&u);
    test_errors(&u);
    test_argfile(&u);
    test_staged_stream(&u);
    test_escape(&u);
    test_cap_names(&u);
    logs_tests(&u);
    status_tests(&u);
    seccomp_tests(&u);
    printf("sandbox unit: %d passed, %d failed\n", u.passed, u.failed);
    return u.failed == 0 && u.passed > 0 ? 0 : 1;
}
