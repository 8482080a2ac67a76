/*
 * cgroup placement of the task. The init (B) opens each DIR/cgroup.procs while the host's
 * cgroupfs is still reachable; the task (C) joins by writing "0" into each before exec.
 * Creating the cgroups and setting limits is the Java driver's job.
 */
#ifndef CORRAL_CGROUP_H
#define CORRAL_CGROUP_H

#include <stddef.h>

#include "error.h"

/* Opens dirs[i]/cgroup.procs for writing (O_CLOEXEC) into fds[i]. */
int cgroup_open_procs(const char *const *dirs, size_t count, int *fds, struct sandbox_error *e);

/* Moves the calling process into every cgroup whose cgroup.procs fd is given. */
int cgroup_join(const int *fds, const char *const *dirs, size_t count, struct sandbox_error *e);

/* Writes value to /proc/self/oom_score_adj (before dropping CAP_SYS_RESOURCE). */
int cgroup_set_oom_score_adj(int value, struct sandbox_error *e);

#endif
