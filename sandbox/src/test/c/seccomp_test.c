/* Unit tests of --seccomp parsing (the filter itself is tested on the kernel by the driver's ITs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "seccomp.h"
#include "unit_test.h"

static bool is_denied(const struct sandbox_options *o, const char *name) {
    int nr = seccomp_syscall_number(name);
    return nr >= 0 && ((o->seccomp_deny[nr / 64] >> (nr % 64)) & 1);
}

static int parse_seccomp(struct sandbox_options *o, struct sandbox_error *e, const char *value) {
    char *argv[] = {"run", "--seccomp", (char *)value, "--task-dir", "/t", "--status-file", "/s", "--", "/x", NULL};
    return options_parse(9, argv, o, e);
}

static void test_default(struct unit *u) {
    static struct sandbox_options o;
    struct sandbox_error e;
    char *argv[] = {"run", "--task-dir", "/t", "--status-file", "/s", "--", "/x", NULL};
    EXPECT(u, options_parse(7, argv, &o, &e) == 0);
    EXPECT(u, o.seccomp_mode == SECCOMP_DEFAULT && strcmp(seccomp_option_name(&o), "default") == 0);
    const char *deny[] = {"mount", "umount2", "pivot_root", "setns", "ptrace", "bpf", "keyctl", "init_module",
                          "kexec_load", "open_tree_attr", "fsopen", "userfaultfd", "io_uring_setup", "syslog"};
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++) EXPECT(u, is_denied(&o, deny[i]));
    /* clone and unshare are filtered by flags, not denied outright; ordinary calls stay allowed */
    const char *allow[] = {"read", "write", "execve", "clone", "unshare", "fork", "wait4", "chroot", "mbind"};
    for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++) EXPECT(u, !is_denied(&o, allow[i]));
}

static void test_unconfined(struct unit *u) {
    static struct sandbox_options o;
    struct sandbox_error e;
    EXPECT(u, parse_seccomp(&o, &e, "unconfined") == 0);
    EXPECT(u, o.seccomp_mode == SECCOMP_UNCONFINED && !is_denied(&o, "mount"));
    EXPECT(u, strcmp(seccomp_option_name(&o), "unconfined") == 0);
}

static void test_file(struct unit *u) {
    char path[] = "/tmp/corral-unit-seccomp.XXXXXX";
    int fd = mkstemp(path);
    EXPECT(u, fd >= 0);
    if (fd < 0) return;
    static const char content[] = "# my list\n\n  chmod \t\r\nfchmodat2\nmount";
    EXPECT(u, write(fd, content, sizeof content - 1) == (ssize_t)(sizeof content - 1));
    close(fd);
    static struct sandbox_options o;
    struct sandbox_error e;
    EXPECT(u, parse_seccomp(&o, &e, path) == 0);
    EXPECT(u, o.seccomp_mode == SECCOMP_DENY_FILE && strcmp(seccomp_option_name(&o), path) == 0);
    EXPECT(u, is_denied(&o, "chmod") && is_denied(&o, "fchmodat2") && is_denied(&o, "mount"));
    /* the file replaces the default list */
    EXPECT(u, !is_denied(&o, "ptrace") && !is_denied(&o, "read"));
    FILE *f = fopen(path, "a");
    fputs("\nchmdo\n", f);
    fclose(f);
    EXPECT(u, parse_seccomp(&o, &e, path) < 0);
    char want[128];
    snprintf(want, sizeof want, "%s:6: unknown x86_64 syscall \"chmdo\"", path);
    EXPECT(u, strstr(e.detail, want) != NULL);
    unlink(path);
    EXPECT(u, parse_seccomp(&o, &e, path) < 0 && strstr(e.detail, ": open") != NULL);
    EXPECT(u, parse_seccomp(&o, &e, "strict") < 0 && strstr(e.detail, "\"default\", \"unconfined\"") != NULL);
    EXPECT(u, parse_seccomp(&o, &e, "/etc/../x") < 0 && strstr(e.detail, "\"..\"") != NULL);
}

static void test_names(struct unit *u) {
    EXPECT(u, seccomp_syscall_number("read") == 0);
    EXPECT(u, seccomp_syscall_number("clone3") == 435);
    EXPECT(u, seccomp_syscall_number("open_tree_attr") == 467);
    EXPECT(u, seccomp_syscall_number("nope") == -1);
}

void seccomp_tests(struct unit *u) {
    test_default(u);
    test_unconfined(u);
    test_file(u);
    test_names(u);
}
