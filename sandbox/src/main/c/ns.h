/* Namespaces: the clone that creates the sandbox init (B), the hostname, and setns for enter. */
#ifndef CORRAL_NS_H
#define CORRAL_NS_H

#include <sys/types.h>

#include "error.h"
#include "options.h"

/* CLONE_NEW* flags for o: mount and UTS always, PID and IPC unless "host". */
int ns_clone_flags(const struct sandbox_options *o);

/* fork()-like clone into new namespaces: returns 0 in the child, its pid in the parent. */
pid_t ns_clone(int flags, struct sandbox_error *e);

/* In B: sets the hostname of the new UTS namespace. */
int ns_set_hostname(const char *hostname, struct sandbox_error *e);

/* For enter: the namespace fds and root of a running task, opened before joining any. */
struct ns_target {
    int ns_fds[5];  /* ipc, uts, net, pid, mnt: the order they are joined in */
    int root_fd;    /* /proc/PID/root */
};

int ns_open_target(pid_t pid, struct ns_target *t, struct sandbox_error *e);

/* Joins every namespace of t (skipping those we already share) and chroots into its root. */
int ns_join_target(struct ns_target *t, struct sandbox_error *e);

#endif
