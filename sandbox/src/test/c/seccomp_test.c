/* Unit tests of --seccomp parsing and of the BPF program (run here by a small interpreter; on the kernel by the driver ITs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "seccomp.h"
#include "syscalls_x86_64.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <errno.h>
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

/* Instructions the last run_bpf executed: what the kernel replays per syscall number at each load. */
static int bpf_steps;

/* Runs a classic BPF program (the instructions the filter uses) on one syscall: its return value. */
static unsigned run_bpf(const struct sock_filter *f, int len, unsigned arch, unsigned nr, unsigned arg0) {
    unsigned a = 0;
    bpf_steps = 0;
    for (int pc = 0; pc < len; pc++) {
        const struct sock_filter *i = &f[pc];
        bpf_steps++;
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            a = i->k == offsetof(struct seccomp_data, arch) ? arch : i->k == offsetof(struct seccomp_data, nr) ? nr : arg0;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i->k) ? i->jt : i->jf; break;
        case BPF_JMP | BPF_JA: pc += i->k; break;
        case BPF_RET | BPF_K: return i->k;
        default: return 0xdeadbeef;
        }
    }
    return 0xdeadbeef; /* fell off the end */
}

static void test_program(struct unit *u) {
    static struct sock_filter f[SECCOMP_PROGRAM_MAX];
    static struct sandbox_options o;
    struct sandbox_error e;
    EXPECT(u, parse_seccomp(&o, &e, "default") == 0);
    int len = seccomp_program(&o, f);
    const unsigned X86_64 = AUDIT_ARCH_X86_64, EPERM_ = SECCOMP_RET_ERRNO | EPERM;
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("read"), 0) == SECCOMP_RET_ALLOW);
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("mount"), 0) == EPERM_);
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("ptrace"), 0) == EPERM_);
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("clone"), 0x11) == SECCOMP_RET_ALLOW);
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("clone"), 0x10000000) == EPERM_); /* CLONE_NEWUSER */
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("clone3"), 0) == (SECCOMP_RET_ERRNO | ENOSYS));
    EXPECT(u, run_bpf(f, len, 0x40000003 /* i386 */, 39, 0) == SECCOMP_RET_KILL_PROCESS);
    EXPECT(u, run_bpf(f, len, X86_64, 0x40000000 | 39, 0) == SECCOMP_RET_KILL_PROCESS);
    /* every number below the bitmap's end, against the parsed list; the tree keeps each run short */
    int special[] = {seccomp_syscall_number("clone"), seccomp_syscall_number("unshare"), seccomp_syscall_number("clone3")};
    int deepest = 0;
    for (int nr = 0; nr < SECCOMP_MAX_NR; nr++) {
        unsigned want = ((o.seccomp_deny[nr / 64] >> (nr % 64)) & 1) ? EPERM_ : SECCOMP_RET_ALLOW;
        if (nr == special[0] || nr == special[1] || nr == special[2]) continue;
        if (run_bpf(f, len, X86_64, (unsigned)nr, 0) != want) {
            EXPECT(u, !"the default program answers as the deny list says");
            fprintf(stderr, "  wrong answer for syscall %d\n", nr);
        }
        if (bpf_steps > deepest) deepest = bpf_steps;
    }
    EXPECT(u, deepest <= 30); /* a chain of JEQs took over 70 */
    EXPECT(u, len < 200);
    /* a deny list longer than one chunk (a jump reaches 255 ahead): every known name but getpid */
    char path[] = "/tmp/corral-unit-seccomp-all.XXXXXX";
    int fd = mkstemp(path);
    EXPECT(u, fd >= 0);
    if (fd < 0) return;
    FILE *w = fdopen(fd, "w");
    size_t names = sizeof SYSCALLS_X86_64 / sizeof SYSCALLS_X86_64[0];
    for (size_t i = 0; i < names; i++) {
        if (strcmp(SYSCALLS_X86_64[i].name, "getpid") != 0) fprintf(w, "%s\n", SYSCALLS_X86_64[i].name);
    }
    fclose(w);
    EXPECT(u, parse_seccomp(&o, &e, path) == 0);
    unlink(path);
    len = seccomp_program(&o, f);
    EXPECT(u, names > 300);
    EXPECT(u, run_bpf(f, len, X86_64, seccomp_syscall_number("getpid"), 0) == SECCOMP_RET_ALLOW);
    EXPECT(u, len <= SECCOMP_PROGRAM_MAX);
    EXPECT(u, run_bpf(f, len, X86_64, 511, 0) == SECCOMP_RET_ALLOW); /* no such syscall: not listed */
    EXPECT(u, bpf_steps <= 40);
    for (size_t i = 0; i < names; i++) {
        if (strcmp(SYSCALLS_X86_64[i].name, "getpid") == 0) continue;
        if (run_bpf(f, len, X86_64, (unsigned)SYSCALLS_X86_64[i].nr, 0) != EPERM_) {
            EXPECT(u, !"every listed syscall is denied");
            fprintf(stderr, "  not denied: %s\n", SYSCALLS_X86_64[i].name);
        }
    }
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
    test_program(u);
}
