/*
 * A hostile task for the escape suite: each subcommand tries one attack and prints one
 * "name=OK" (the call succeeded) or "name=EPERM" (its errno name) line per attempt.
 * Compiled statically by the test into the task's local/ directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long rc) {
    if (rc < 0) {
        printf("%s=%s\n", what, strerrorname_np(errno));
    } else {
        printf("%s=OK\n", what);
    }
    fflush(stdout);
}

/* Every fd the process holds, except the one reading the directory. */
static int fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return 1;
    struct dirent *e;
    const char *sep = "";
    printf("fds=");
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
        printf("%s%s", sep, e->d_name);
        sep = ",";
    }
    printf("\n");
    closedir(d);
    return 0;
}

/*
 * The syscalls the default seccomp profile denies, each with arguments that make the kernel
 * fail harmlessly with something other than EPERM when no filter stops the call, even for a
 * task holding every capability. So EPERM here means: the filter said no.
 */
static int syscalls(void) {
    const unsigned long bad = 0x2000; /* CLONE_PTRACE: invalid for unshare -> EINVAL */
    const struct { const char *name; unsigned long flag; } ns[] = {
        {"NEWNS", CLONE_NEWNS}, {"NEWUTS", CLONE_NEWUTS}, {"NEWIPC", CLONE_NEWIPC}, {"NEWUSER", CLONE_NEWUSER},
        {"NEWPID", CLONE_NEWPID}, {"NEWNET", CLONE_NEWNET}, {"NEWCGROUP", CLONE_NEWCGROUP}, {"NEWTIME", 0x80},
    };
    char name[64];
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        snprintf(name, sizeof name, "unshare_%s", ns[i].name);
        report(name, syscall(SYS_unshare, ns[i].flag | bad));
        if (ns[i].flag == 0x80) continue; /* clone() reads 0x80 as part of the exit signal */
        snprintf(name, sizeof name, "clone_%s", ns[i].name);
        /* CLONE_SIGHAND without CLONE_VM: EINVAL before any namespace is made */
        report(name, syscall(SYS_clone, ns[i].flag | CLONE_SIGHAND, 0, 0, 0, 0));
    }
    report("clone3", syscall(435, NULL, 0));
    report("setns", syscall(SYS_setns, -1, 0));
    report("mount", syscall(SYS_mount, NULL, NULL, NULL, 0, NULL));
    report("umount2", syscall(SYS_umount2, NULL, 0));
    report("pivot_root", syscall(SYS_pivot_root, NULL, NULL));
    report("move_mount", syscall(429, -1, "", -1, "", 0));
    report("open_tree", syscall(428, -1, NULL, 0));
    report("open_tree_attr", syscall(467, -1, NULL, 0, NULL, 0));
    report("fsopen", syscall(430, NULL, 0));
    report("fsconfig", syscall(431, -1, 0, NULL, NULL, 0));
    report("fsmount", syscall(432, -1, 0, 0));
    report("fspick", syscall(433, -1, NULL, 0));
    report("mount_setattr", syscall(442, -1, NULL, 0, NULL, 0));
    report("init_module", syscall(SYS_init_module, NULL, 0, NULL));
    report("finit_module", syscall(SYS_finit_module, -1, NULL, 0));
    report("delete_module", syscall(SYS_delete_module, NULL, 0));
    report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL));
    report("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0xdead0000UL));
    report("bpf", syscall(SYS_bpf, -1, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("keyctl", syscall(SYS_keyctl, -1, 0, 0, 0, 0));
    report("add_key", syscall(SYS_add_key, NULL, NULL, NULL, 0, 0));
    report("request_key", syscall(SYS_request_key, NULL, NULL, NULL, 0));
    report("ptrace", syscall(SYS_ptrace, PTRACE_PEEKDATA, 0, NULL, NULL));
    report("process_vm_readv", syscall(SYS_process_vm_readv, 0, NULL, 0, NULL, 0, 0));
    report("process_vm_writev", syscall(SYS_process_vm_writev, 0, NULL, 0, NULL, 0, 0));
    report("kcmp", syscall(SYS_kcmp, 0, 0, 99, 0, 0));
    report("pidfd_getfd", syscall(438, -1, 0, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 0xffffffffUL));
    report("io_uring_setup", syscall(425, 0, NULL));
    report("io_uring_enter", syscall(426, -1, 0, 0, 0, NULL, 0));
    report("io_uring_register", syscall(427, -1, 0, NULL, 0));
    report("swapon", syscall(SYS_swapon, NULL, 0));
    report("swapoff", syscall(SYS_swapoff, NULL));
    report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
    report("acct", syscall(SYS_acct, "/nonexistent/acct"));
    report("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
    report("clock_settime", syscall(SYS_clock_settime, -1, NULL));
    report("clock_adjtime", syscall(SYS_clock_adjtime, -1, NULL));
    report("iopl", syscall(SYS_iopl, 4));
    report("ioperm", syscall(SYS_ioperm, 0, 0, 1));
    report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
    report("quotactl", syscall(SYS_quotactl, 0, NULL, 0, NULL));
    report("quotactl_fd", syscall(443, -1, 0, 0, NULL));
    report("syslog", syscall(SYS_syslog, -1, NULL, 0));
    report("sethostname", syscall(SYS_sethostname, NULL, 1000));
    report("setdomainname", syscall(SYS_setdomainname, NULL, 1000));
    report("lookup_dcookie", syscall(SYS_lookup_dcookie, 0, NULL, 0));
    report("vhangup", syscall(SYS_vhangup));
    /* allowed by every profile: a plain fork through the raw clone syscall */
    long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid((pid_t)pid, NULL, 0);
    report("fork", pid);
    return 0;
}

/* The classic chroot escape (needs CAP_SYS_CHROOT): chroot into a subdir while the cwd stays
 * outside it, walk up with "..", chroot("."). Then look for a host path. */
static int chroot_escape(const char *host_path) {
    mkdir("/tmp/escape", 0755);
    report("chroot_sub", chroot("/tmp/escape"));
    for (int i = 0; i < 64; i++) {
        if (chdir("..") < 0) break;
    }
    report("chroot_dot", chroot("."));
    report("host_path", access(host_path, F_OK));
    return 0;
}

static void print_status_line(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, strlen(key)) == 0) fputs(line, stdout);
    }
    if (f != NULL) fclose(f);
}

/* Tries every way to gain capabilities or root. */
static int caps(void) {
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0xff, sizeof d);
    report("capset_all", syscall(SYS_capset, &h, d));
    report("ambient_sys_admin", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 21, 0, 0));
    report("setuid0", setresuid(0, 0, 0));
    report("clear_no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) < 0 ? -1 : (long)prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) - 1);
    print_status_line("CapEff");
    print_status_line("CapBnd");
    print_status_line("NoNewPrivs");
    return 0;
}

/* For the setuid test: who am I, and can I read a root-only file. */
static int ids(void) {
    printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
    report("read_shadow", open("/etc/shadow", O_RDONLY));
    print_status_line("CapEff");
    return 0;
}

static int ptrace_attack(pid_t pid) {
    report("ptrace_attach", ptrace(PTRACE_ATTACH, pid, NULL, NULL));
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    report("process_vm_readv", process_vm_readv(pid, &local, 1, &remote, 1, 0));
    return 0;
}

static int write_file(const char *path) {
    int fd = open(path, O_WRONLY);
    report("open_write", fd);
    if (fd >= 0) report("write", write(fd, "1", 1));
    return 0;
}

static int create_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    report("create", fd);
    return 0;
}

static int mknod_attack(const char *path) {
    /* block device 8:0 (the first SCSI disk) */
    report("mknod", mknod(path, S_IFBLK | 0666, makedev(8, 0)));
    report("open_dev", open(path, O_RDONLY));
    return 0;
}

static int kernel(void) {
    report("mount_tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
    report("umount_proc", umount2("/proc", MNT_DETACH));
    report("remount_usr_rw", mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL));
    report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
    report("unshare_user", unshare(CLONE_NEWUSER));
    report("unshare_mnt", unshare(CLONE_NEWNS));
    report("unshare_net", unshare(CLONE_NEWNET));
    int fd = open("/proc/self/ns/mnt", O_RDONLY);
    report("setns_mnt", fd < 0 ? -1 : setns(fd, 0));
    report("init_module", syscall(SYS_init_module, "\x7f" "ELF", 4, ""));
    int null = open("/dev/null", O_RDONLY);
    report("finit_module", syscall(SYS_finit_module, null, "", 0));
    report("delete_module", syscall(SYS_delete_module, "ext4", O_NONBLOCK));
    report("sethostname", sethostname("pwned", 5));
    return 0;
}

/* Allocates and touches MB mebibytes, reporting progress every 16 MiB. */
static int eat(long mb) {
    for (long i = 1; i <= mb; i++) {
        char *p = malloc(1 << 20);
        if (p == NULL) {
            report("malloc", -1);
            return 1;
        }
        memset(p, (int)i, 1 << 20);
        if (i % 16 == 0) printf("ate=%ld\n", i);
        fflush(stdout);
    }
    printf("survived\n");
    return 0;
}

/* Forks until the kernel says no; every child ignores the polite signals and sleeps forever. */
static _Noreturn void forkbomb(const char *marker) {
    long forked = 0;
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) pause();
        }
        if (pid < 0) break;
        forked++;
        if (forked > 100000) break;
    }
    printf("forked=%ld errno=%s\n", forked, strerrorname_np(errno));
    fflush(stdout);
    close(open(marker, O_WRONLY | O_CREAT, 0644));
    for (;;) pause();
}

/* Opens fds until the kernel refuses, then proves the process still works. */
static int exhaust_fds(void) {
    long opened = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) break;
        opened++;
    }
    int err = errno;
    printf("opened=%ld errno=%s\n", opened, strerrorname_np(err));
    close(3);
    report("reopen", open("/dev/null", O_RDONLY));
    return 0;
}

/* Connects to a unix socket by path (the agent's API or plugin socket, say). */
static int connect_unix(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) return 2;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    report("socket", fd);
    report("connect", fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof a));
    return 0;
}

/* getpid through the i386 ABI (int 0x80, syscall 20): the default filter kills on a foreign ABI. */
static int int80(void) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("int80=%s\n", ret > 0 ? "OK" : "failed");
    return 0;
}

/* getpid through the x32 ABI (syscall number with bit 30 set). */
static int x32(void) {
    report("x32", syscall(0x40000000L | 39));
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *cmd = argv[1];
    if (strcmp(cmd, "fds") == 0) return fds();
    if (strcmp(cmd, "syscalls") == 0) return syscalls();
    if (strcmp(cmd, "chroot-escape") == 0 && argc == 3) return chroot_escape(argv[2]);
    if (strcmp(cmd, "caps") == 0) return caps();
    if (strcmp(cmd, "ids") == 0) return ids();
    if (strcmp(cmd, "ptrace") == 0 && argc == 3) return ptrace_attack(atoi(argv[2]));
    if (strcmp(cmd, "kill") == 0 && argc == 4) {
        report("kill", kill(atoi(argv[2]), atoi(argv[3])));
        return 0;
    }
    if (strcmp(cmd, "write") == 0 && argc == 3) return write_file(argv[2]);
    if (strcmp(cmd, "create") == 0 && argc == 3) return create_file(argv[2]);
    if (strcmp(cmd, "mknod") == 0 && argc == 3) return mknod_attack(argv[2]);
    if (strcmp(cmd, "kernel") == 0) return kernel();
    if (strcmp(cmd, "eat") == 0 && argc == 3) return eat(atol(argv[2]));
    if (strcmp(cmd, "forkbomb") == 0 && argc == 3) forkbomb(argv[2]);
    if (strcmp(cmd, "exhaust-fds") == 0) return exhaust_fds();
    if (strcmp(cmd, "connect-unix") == 0 && argc == 3) return connect_unix(argv[2]);
    if (strcmp(cmd, "int80") == 0) return int80();
    if (strcmp(cmd, "x32") == 0) return x32();
    fprintf(stderr, "attack: unknown subcommand %s\n", cmd);
    return 2;
}
