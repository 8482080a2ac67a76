/*
 * cgroup placement of the task. The init (B) opens each DIR/tasks (v1) or DIR/cgroup.procs
 * (v2) while the host's cgroupfs is still reachable; the task (C), still single-threaded,
 * joins by writing "0" into each before exec.
 * Creating the cgroups and setting limits is the Java driver's job.
 */
#ifndef CORRAL_CGROUP_H
#define CORRAL_CGROUP_H

#include <stddef.h>

#include "error.h"

/* Opens dirs[i]/tasks, or dirs[i]/cgroup.procs where there is no tasks file (v2), for writing (O_CLOEXEC) into fds[i]. */
int cgroup_open_procs(const char *const *dirs, size_t count, int *fds, struct sandbox_error *e);

/* Moves the calling (single-threaded) process into every cgroup whose fd is given. */
int cgroup_join(const int *fds, const char *const *dirs, size_t count, struct sandbox_error *e);

/* Writes value to /proc/self/oom_score_adj (before dropping CAP_SYS_RESOURCE). */
int cgroup_set_oom_score_adj(int value, struct sandbox_error *e);

#endif
