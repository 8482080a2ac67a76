#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int ns_clone_flags(const struct sandbox_options *o) {
    int flags = CLONE_NEWNS | CLONE_NEWUTS;
    if (o->pid_mode == NS_PRIVATE) flags |= CLONE_NEWPID;
    if (o->ipc_mode == NS_PRIVATE) flags |= CLONE_NEWIPC;
    return flags;
}

pid_t ns_clone(int flags, struct sandbox_error *e) {
    /*
     * The raw syscall with no new stack behaves like fork(): the child continues here on a
     * copy of our stack. unshare() would not do: CLONE_NEWPID only applies to children, and
     * an unshared mount namespace would be shared with A, whose root pivot_root would move.
     * Caveat: glibc's cached tid of the child is stale, so the child must not use raise(),
     * abort() or pthread calls (it does not).
     */
    long pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0) FAIL(e, "clone", errno, "clone(namespaces 0x%x)", flags);
    return (pid_t)pid;
}

int ns_set_hostname(const char *hostname, struct sandbox_error *e) {
    CHECK(e, "sethostname", sethostname(hostname, strlen(hostname)), "sethostname %s", hostname);
    return 0;
}

static const char *const TARGET_NS[] = {"ipc", "uts", "net", "pid", "mnt"};

int ns_open_target(pid_t pid, struct ns_target *t, struct sandbox_error *e) {
    char path[64];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, TARGET_NS[i]);
        t->ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (t->ns_fds[i] < 0) FAIL(e, "enter_open_ns", errno, "open %s", path);
    }
    snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
    t->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->root_fd < 0) FAIL(e, "enter_open_root", errno, "open %s", path);
    return 0;
}

int ns_join_target(struct ns_target *t, struct sandbox_error *e) {
    char self[64];
    for (int i = 0; i < 5; i++) {
        struct stat theirs, ours;
        snprintf(self, sizeof self, "/proc/self/ns/%s", TARGET_NS[i]);
        /* setns into a namespace we are already in is harmless except for mnt, where it
         * would reset our root; comparing inodes keeps the common host-mode case cheap */
        if (fstat(t->ns_fds[i], &theirs) == 0 && stat(self, &ours) == 0 && theirs.st_ino == ours.st_ino &&
            theirs.st_dev == ours.st_dev) {
            continue;
        }
        CHECK(e, "enter_setns", setns(t->ns_fds[i], 0), "setns %s", TARGET_NS[i]);
    }
    /* setns(mnt) put us at the namespace's root, not the task's pivoted/chrooted root */
    CHECK(e, "enter_chroot", fchdir(t->root_fd), "fchdir to the task root");
    CHECK(e, "enter_chroot", chroot("."), "chroot to the task root");
    CHECK(e, "enter_chroot", chdir("/"), "chdir /");
    return 0;
}
