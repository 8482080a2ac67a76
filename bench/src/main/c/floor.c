/*
 * corral-bench-floor: the physical limit for starting an isolated task, and a fork+exec timer
 * for peers. Every timed iteration prints one line "exit_ns execd_ns" (execd_ns is -1 without
 * --stamp) on stdout; warm-up iterations print nothing.
 *
 *   floor ns    [--cgroup NAME] [--stamp FILE] -n N -w W --rootfs DIR --task DIR -- CMD [ARGS...]
 *       clone(NEWNS|NEWPID|NEWIPC|NEWUTS), rbind the prepared root, pivot_root, mount /proc,
 *       setgroups/setgid/setuid 65534, execve. With --cgroup: before the clone, create
 *       NAME/iN in the memory, cpu, pids and cpuset v1 hierarchies with limits; the child joins
 *       them before exec; they are removed after the exit is timed (not part of the time).
 *       The root is prepared once, in a private mount namespace of this process: read-only
 *       binds of /bin /etc /lib /lib64 /sbin /usr plus DIR/task = --task (rw). The host never
 *       sees a mount, so there is nothing to clean up.
 *   floor spawn [--stamp FILE] -n N -w W -- CMD [ARGS...]
 *       fork + execvp CMD and wait: what hyperfine -N measures, for the peers (bwrap, crun, ...).
 *       The payload's stdout is /dev/null in both modes.
 *
 * With --stamp FILE the payload is expected to write CLOCK_MONOTONIC ns (decimal) into FILE as
 * its first action (corral-bench-stamp does); execd_ns is that value minus the start time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CG_COUNT 4
static const char *const CG_CONTROLLERS[CG_COUNT] = {"memory", "cpu", "pids", "cpuset"};
static const char *const RO_DIRS[] = {"/bin", "/etc", "/lib", "/lib64", "/sbin", "/usr"};

struct opts {
    int ns;              /* 1: ns mode, 0: spawn mode */
    long iterations;     /* -n */
    long warmup;         /* -w */
    const char *rootfs;  /* --rootfs */
    const char *task;    /* --task */
    const char *cgroup;  /* --cgroup parent name, NULL: none */
    const char *stamp;   /* --stamp file written by the payload */
    char **argv;         /* the payload */
};

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("corral-bench-floor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", strerror(errno));
    va_end(ap);
    exit(2);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void write_file(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die("open %s", path);
    ssize_t n = write(fd, value, strlen(value));
    if (n != (ssize_t)strlen(value)) die("write %s to %s", value, path);
    close(fd);
}

static void copy_file(const char *from, const char *to) {
    char buf[256];
    int fd = open(from, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open %s", from);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) die("read %s", from);
    buf[n] = '\0';
    write_file(to, buf);
}

/* The payload's stdout goes to /dev/null (as with hyperfine -N): ours carries the results. */
static void quiet_stdout(void) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 1) < 0) _exit(120);
    close(fd);
}

/* ---- cgroup v1: 4 controllers, one directory each ---- */

static void cg_path(char *out, size_t len, const char *ctl, const char *parent, long i, const char *file) {
    if (i < 0) {
        snprintf(out, len, "/sys/fs/cgroup/%s/%s%s%s", ctl, parent, file ? "/" : "", file ? file : "");
    } else {
        snprintf(out, len, "/sys/fs/cgroup/%s/%s/i%ld%s%s", ctl, parent, i, file ? "/" : "", file ? file : "");
    }
}

static void cg_parent_create(const char *parent) {
    char p[512], q[512];
    for (int c = 0; c < CG_COUNT; c++) {
        cg_path(p, sizeof p, CG_CONTROLLERS[c], parent, -1, NULL);
        if (mkdir(p, 0755) < 0 && errno != EEXIST) die("mkdir %s", p);
    }
    /* a new v1 cpuset starts empty and refuses tasks until cpus and mems are set */
    cg_path(p, sizeof p, "cpuset", parent, -1, "cpuset.cpus");
    copy_file("/sys/fs/cgroup/cpuset/cpuset.cpus", p);
    cg_path(p, sizeof p, "cpuset", parent, -1, "cpuset.mems");
    copy_file("/sys/fs/cgroup/cpuset/cpuset.mems", p);
    (void)q;
}

static void cg_parent_remove(const char *parent) {
    char p[512];
    for (int c = 0; c < CG_COUNT; c++) {
        cg_path(p, sizeof p, CG_CONTROLLERS[c], parent, -1, NULL);
        if (rmdir(p) < 0 && errno != ENOENT) fprintf(stderr, "corral-bench-floor: rmdir %s: %s\n", p, strerror(errno));
    }
}

/* Creates the iteration's cgroups with limits; fills procs[] with open cgroup.procs fds. */
static void cg_create(const char *parent, long i, int procs[CG_COUNT]) {
    char p[512], src[512];
    for (int c = 0; c < CG_COUNT; c++) {
        cg_path(p, sizeof p, CG_CONTROLLERS[c], parent, i, NULL);
        if (mkdir(p, 0755) < 0) die("mkdir %s", p);
    }
    cg_path(p, sizeof p, "memory", parent, i, "memory.limit_in_bytes");
    write_file(p, "268435456");
    cg_path(p, sizeof p, "cpu", parent, i, "cpu.shares");
    write_file(p, "512");
    cg_path(p, sizeof p, "cpu", parent, i, "cpu.cfs_quota_us");
    write_file(p, "50000");
    cg_path(p, sizeof p, "pids", parent, i, "pids.max");
    write_file(p, "128");
    cg_path(src, sizeof src, "cpuset", parent, -1, "cpuset.cpus");
    cg_path(p, sizeof p, "cpuset", parent, i, "cpuset.cpus");
    copy_file(src, p);
    cg_path(src, sizeof src, "cpuset", parent, -1, "cpuset.mems");
    cg_path(p, sizeof p, "cpuset", parent, i, "cpuset.mems");
    copy_file(src, p);
    for (int c = 0; c < CG_COUNT; c++) {
        cg_path(p, sizeof p, CG_CONTROLLERS[c], parent, i, "cgroup.procs");
        procs[c] = open(p, O_WRONLY | O_CLOEXEC);
        if (procs[c] < 0) die("open %s", p);
    }
}

static void cg_remove(const char *parent, long i, int procs[CG_COUNT]) {
    char p[512];
    for (int c = 0; c < CG_COUNT; c++) {
        close(procs[c]);
        cg_path(p, sizeof p, CG_CONTROLLERS[c], parent, i, NULL);
        if (rmdir(p) < 0) die("rmdir %s", p);
    }
}

/* ---- the root, prepared once in our private mount namespace ---- */

static void prepare_root(const struct opts *o) {
    char p[512];
    if (unshare(CLONE_NEWNS) < 0) die("unshare(CLONE_NEWNS)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make / private");
    for (size_t k = 0; k < sizeof RO_DIRS / sizeof RO_DIRS[0]; k++) {
        snprintf(p, sizeof p, "%s%s", o->rootfs, RO_DIRS[k]);
        if (mkdir(p, 0755) < 0 && errno != EEXIST) die("mkdir %s", p);
        if (mount(RO_DIRS[k], p, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind %s", RO_DIRS[k]);
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) die("remount ro %s", p);
    }
    snprintf(p, sizeof p, "%s/task", o->rootfs);
    if (mkdir(p, 0755) < 0 && errno != EEXIST) die("mkdir %s", p);
    if (mount(o->task, p, NULL, MS_BIND, NULL) < 0) die("bind %s", o->task);
    snprintf(p, sizeof p, "%s/proc", o->rootfs);
    if (mkdir(p, 0555) < 0 && errno != EEXIST) die("mkdir %s", p);
}

struct child_args {
    const struct opts *o;
    int *procs; /* NULL without cgroup */
};

/* The child: exactly the design's steps, nothing else. Failures exit 120+step. */
static int child_main(void *arg) {
    const struct child_args *a = arg;
    const struct opts *o = a->o;
    quiet_stdout();
    if (a->procs) {
        for (int c = 0; c < CG_COUNT; c++) {
            if (write(a->procs[c], "0", 1) != 1) _exit(121);
        }
    }
    if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) _exit(122);
    if (chdir(o->rootfs) < 0) _exit(122);
    if (syscall(SYS_pivot_root, ".", ".") < 0) _exit(123);
    if (umount2(".", MNT_DETACH) < 0) _exit(123);
    if (chdir("/") < 0) _exit(123);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) _exit(124);
    gid_t none[1] = {65534};
    if (setgroups(0, none) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) _exit(125);
    execv(o->argv[0], o->argv);
    _exit(127);
}

static long long read_stamp(const char *file) {
    char buf[64];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unlink(file);
    if (n <= 0) return -1;
    buf[n] = '\0';
    return atoll(buf);
}

static char child_stack[256 * 1024] __attribute__((aligned(16)));

static void one(const struct opts *o, long i, int print) {
    int procs[CG_COUNT];
    struct child_args a = {.o = o, .procs = NULL};
    if (o->stamp) unlink(o->stamp);
    long long t0 = now_ns();
    pid_t pid;
    if (o->ns) {
        if (o->cgroup) {
            cg_create(o->cgroup, i, procs);
            a.procs = procs;
        }
        pid = clone(child_main, child_stack + sizeof child_stack,
                    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, &a);
        if (pid < 0) die("clone");
    } else {
        pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            quiet_stdout();
            execvp(o->argv[0], o->argv);
            _exit(127);
        }
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) die("waitpid");
    long long t1 = now_ns();
    if (o->ns && o->cgroup) cg_remove(o->cgroup, i, procs);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "corral-bench-floor: iteration %ld: payload status 0x%x\n", i, st);
        exit(3);
    }
    long long execd = -1;
    if (o->stamp) {
        long long s = read_stamp(o->stamp);
        if (s < 0) {
            fprintf(stderr, "corral-bench-floor: iteration %ld: no stamp in %s\n", i, o->stamp);
            exit(3);
        }
        execd = s - t0;
    }
    if (print) printf("%lld %lld\n", t1 - t0, execd);
}

int main(int argc, char **argv) {
    struct opts o = {.iterations = 100, .warmup = 10};
    if (argc < 2) goto usage;
    if (strcmp(argv[1], "ns") == 0) o.ns = 1;
    else if (strcmp(argv[1], "spawn") != 0) goto usage;
    int k = 2;
    for (; k < argc && strcmp(argv[k], "--") != 0; k++) {
        if (k + 1 >= argc) goto usage;
        const char *v = argv[k + 1];
        if (strcmp(argv[k], "-n") == 0) o.iterations = atol(v);
        else if (strcmp(argv[k], "-w") == 0) o.warmup = atol(v);
        else if (strcmp(argv[k], "--rootfs") == 0) o.rootfs = v;
        else if (strcmp(argv[k], "--task") == 0) o.task = v;
        else if (strcmp(argv[k], "--cgroup") == 0) o.cgroup = v;
        else if (strcmp(argv[k], "--stamp") == 0) o.stamp = v;
        else goto usage;
        k++;
    }
    if (k >= argc - 1) goto usage;
    o.argv = argv + k + 1;
    if (o.ns && (!o.rootfs || !o.task)) goto usage;
    if (o.ns) prepare_root(&o);
    if (o.ns && o.cgroup) cg_parent_create(o.cgroup);
    for (long i = 0; i < o.warmup + o.iterations; i++) one(&o, i, i >= o.warmup);
    if (o.ns && o.cgroup) cg_parent_remove(o.cgroup);
    return fflush(stdout) == 0 ? 0 : 1;
usage:
    fputs("usage: corral-bench-floor ns|spawn [-n N] [-w W] [--rootfs DIR --task DIR] [--cgroup NAME] [--stamp FILE] -- CMD [ARGS...]\n", stderr);
    return 2;
}
