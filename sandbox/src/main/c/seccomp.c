/*
 * Seccomp for the task: a classic BPF program built from the parsed options and loaded with
 * prctl(PR_SET_SECCOMP) as the last step before execve (no libseccomp: the helper stays one
 * static binary without dependencies).
 *
 * The default profile denies, with EPERM, what Docker's default profile denies an unprivileged
 * container: new namespaces (clone/unshare with CLONE_NEW* flags, setns), the mount API, module
 * and kexec loading, keyrings, bpf, perf, ptrace and cross-process memory access, userfaultfd,
 * io_uring, swap, reboot, clock setting, raw port I/O, handle-based opens, quotas, syslog.
 * Every other syscall is allowed; the capability set still governs what they may do.
 */
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "options.h"
#include "syscalls_x86_64.h"

#define STEP "seccomp"
#define SECCOMP_FILE_MAX (1u << 20)

/* Denied entirely by the default profile (resolved through the name table, so that syscalls newer
 * than the build host's headers, such as open_tree_attr, are covered too). */
static const char *const DEFAULT_DENY[] = {
    /* namespaces (clone and unshare are filtered by flags below) */
    "setns",
    /* mounts, old and new API */
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "open_tree_attr", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr",
    /* kernel code and kernel state */
    "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
    "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "reboot", "swapon", "swapoff", "acct",
    "syslog", "_sysctl", "uselib", "lookup_dcookie", "nfsservctl", "quotactl", "quotactl_fd",
    "sethostname", "setdomainname", "vhangup",
    /* keyrings (not namespaced) */
    "keyctl", "add_key", "request_key",
    /* other processes' memory */
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    /* kernel attack surface Docker closes */
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* time, raw I/O, file handles */
    "settimeofday", "clock_settime", "clock_adjtime", "iopl", "ioperm", "open_by_handle_at",
};

/* CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (Docker's 0x7E020000). */
#define CLONE_NS_FLAGS 0x7E020000u
/* unshare also accepts CLONE_NEWTIME (0x80, which clone() reads as part of the exit signal). */
#define UNSHARE_NS_FLAGS (CLONE_NS_FLAGS | 0x80u)

#define X32_SYSCALL_BIT 0x40000000u
#define ARG0_LOW offsetof(struct seccomp_data, args[0]) /* x86_64 is little-endian: low 32 bits */

static void deny_set(struct sandbox_options *o, int nr) {
    o->seccomp_deny[nr / 64] |= UINT64_C(1) << (nr % 64);
}

static int denied(const struct sandbox_options *o, int nr) {
    return (o->seccomp_deny[nr / 64] >> (nr % 64)) & 1;
}

int seccomp_syscall_number(const char *name) {
    for (size_t i = 0; i < sizeof SYSCALLS_X86_64 / sizeof SYSCALLS_X86_64[0]; i++) {
        if (strcmp(SYSCALLS_X86_64[i].name, name) == 0) return SYSCALLS_X86_64[i].nr;
    }
    return -1;
}

/* PATH: one syscall name per line; blank lines and lines starting with '#' are ignored. */
static int read_deny_file(struct sandbox_options *o, const char *path, struct sandbox_error *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL(e, "parse_options", errno, "--seccomp %s: open", path);
    char *buf = malloc(SECCOMP_FILE_MAX + 1);
    if (buf == NULL) {
        close(fd);
        FAIL(e, "parse_options", ENOMEM, "--seccomp %s", path);
    }
    size_t size = 0;
    for (;;) {
        ssize_t n = read(fd, buf + size, SECCOMP_FILE_MAX - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            free(buf);
            FAIL(e, "parse_options", err, "--seccomp %s: read", path);
        }
        if (n == 0) break;
        size += (size_t)n;
        if (size == SECCOMP_FILE_MAX) {
            close(fd);
            free(buf);
            FAIL(e, "parse_options", 0, "--seccomp %s: larger than %u bytes", path, SECCOMP_FILE_MAX);
        }
    }
    close(fd);
    buf[size] = '\0';
    int line = 0;
    int rc = 0;
    for (char *p = buf; p != NULL && rc == 0;) {
        line++;
        char *nl = strchr(p, '\n');
        if (nl != NULL) *nl = '\0';
        while (*p == ' ' || *p == '\t') p++;
        char *last = p + strlen(p);
        while (last > p && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r')) *--last = '\0';
        if (*p != '\0' && *p != '#') {
            int nr = seccomp_syscall_number(p);
            if (nr < 0 || nr >= SECCOMP_MAX_NR) {
                sandbox_error_set(e, "parse_options", 0, "--seccomp %s:%d: unknown x86_64 syscall \"%s\"", path, line, p);
                rc = -1;
            } else {
                deny_set(o, nr);
            }
        }
        p = nl != NULL ? nl + 1 : NULL;
    }
    free(buf);
    return rc;
}

/* The default list as a bitmap, made once per process (seccomp_warm). */
static uint64_t default_deny[SECCOMP_MAX_NR / 64];
static bool default_deny_ready;
_Static_assert(sizeof default_deny == sizeof ((struct sandbox_options *)0)->seccomp_deny, "one bitmap size");

void seccomp_warm(void) {
    if (default_deny_ready) return;
    for (size_t i = 0; i < sizeof DEFAULT_DENY / sizeof DEFAULT_DENY[0]; i++) {
        int nr = seccomp_syscall_number(DEFAULT_DENY[i]);
        default_deny[nr / 64] |= UINT64_C(1) << (nr % 64);
    }
    default_deny_ready = true;
}

int seccomp_parse_option(struct sandbox_options *o, const char *value, struct sandbox_error *e) {
    memset(o->seccomp_deny, 0, sizeof o->seccomp_deny);
    o->seccomp_path = NULL;
    if (strcmp(value, "default") == 0) {
        o->seccomp_mode = SECCOMP_DEFAULT;
        seccomp_warm();
        memcpy(o->seccomp_deny, default_deny, sizeof default_deny);
        return 0;
    }
    if (strcmp(value, "unconfined") == 0) {
        o->seccomp_mode = SECCOMP_UNCONFINED;
        return 0;
    }
    if (value[0] != '/') {
        FAIL(e, "parse_options", 0, "--seccomp must be \"default\", \"unconfined\" or an absolute path, got \"%s\"",
             value);
    }
    o->seccomp_mode = SECCOMP_DENY_FILE;
    o->seccomp_path = value;
    return read_deny_file(o, value, e);
}

const char *seccomp_option_name(const struct sandbox_options *o) {
    switch (o->seccomp_mode) {
    case SECCOMP_UNCONFINED:
        return "unconfined";
    case SECCOMP_DENY_FILE:
        return o->seccomp_path;
    default:
        return "default";
    }
}

/* Denied numbers tested one by one at a leaf of the search tree (see deny_tree). */
#define DENY_LEAF 4

struct program {
    struct sock_filter insns[SECCOMP_PROGRAM_MAX];
    unsigned short len;
};

static void emit(struct program *p, unsigned short code, unsigned char jt, unsigned char jf, unsigned int k) {
    p->insns[p->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void ret(struct program *p, unsigned int action) {
    p->insns[p->len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
}

/* if (nr == n) { if (arg0 & mask) return EPERM; return ALLOW; }  (A holds nr before and after) */
static void deny_flags(struct program *p, int nr, unsigned int mask) {
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (unsigned int)nr);
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LOW);
    emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, mask);
    ret(p, SECCOMP_RET_ERRNO | EPERM);
    ret(p, SECCOMP_RET_ALLOW);
}

/*
 * The denied numbers nrs[0..count) (ascending) as a balanced search tree on nr (A holds it).
 * Why a tree: at every task start the kernel, besides compiling the filter, replays it for each
 * syscall number to precompute which ones it always allows (its seccomp action cache); a chain
 * of JEQs makes that replay linear in the list (60 us of the 90 us the default list's load took
 * here, bench/), the tree logarithmic: the load takes about 30 us. Each inner node is a JGE and a
 * JA to its upper half (a JA has a 32-bit offset, so no list outgrows the 255-instruction reach
 * of a conditional jump); each leaf tests up to DENY_LEAF numbers and ends in its own RETs.
 */
static void deny_tree(struct program *p, const int *nrs, int count) {
    if (count <= DENY_LEAF) {
        for (int j = 0; j < count; j++) {
            /* to the leaf's RET EPERM: past the rest of its JEQs and the RET ALLOW */
            emit(p, BPF_JMP | BPF_JEQ | BPF_K, (unsigned char)(count - j), 0, (unsigned int)nrs[j]);
        }
        ret(p, SECCOMP_RET_ALLOW);
        if (count > 0) ret(p, SECCOMP_RET_ERRNO | EPERM);
        return;
    }
    int mid = count / 2;
    emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, (unsigned int)nrs[mid]); /* nr >= nrs[mid]: the JA */
    unsigned short ja = p->len;
    emit(p, BPF_JMP | BPF_JA, 0, 0, 0);
    deny_tree(p, nrs, mid);
    p->insns[ja].k = (unsigned int)(p->len - ja - 1);
    deny_tree(p, nrs + mid, count - mid);
}

static void build(const struct sandbox_options *o, struct program *p) {
    p->len = 0;
    /* a foreign ABI (i386 via int 0x80, x32) would look up other numbers: kill rather than guess */
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
    emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    if (o->seccomp_mode == SECCOMP_DEFAULT) {
        deny_flags(p, seccomp_syscall_number("clone"), CLONE_NS_FLAGS);
        deny_flags(p, seccomp_syscall_number("unshare"), UNSHARE_NS_FLAGS);
        /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone */
        emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned int)seccomp_syscall_number("clone3"));
        ret(p, SECCOMP_RET_ERRNO | ENOSYS);
    }
    int nrs[SECCOMP_MAX_NR];
    int count = 0;
    for (int nr = 0; nr < SECCOMP_MAX_NR; nr++) {
        if (denied(o, nr)) nrs[count++] = nr;
    }
    deny_tree(p, nrs, count);
}

int seccomp_program(const struct sandbox_options *o, struct sock_filter *out) {
    static struct program p;
    build(o, &p);
    memcpy(out, p.insns, p.len * sizeof *out);
    return p.len;
}

int seccomp_install(const struct sandbox_options *o, struct sandbox_error *e) {
    if (o->seccomp_mode == SECCOMP_UNCONFINED) return 0;
    struct program p;
    build(o, &p);
    struct sock_fprog prog = {.len = p.len, .filter = p.insns};
    CHECK(e, STEP, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0), "PR_SET_SECCOMP (%u instructions)",
          (unsigned)p.len);
    return 0;
}
