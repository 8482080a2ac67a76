#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cgroup_open_procs(const char *const *dirs, size_t count, int *fds, struct sandbox_error *e) {
    char path[PATH_MAX];
    for (size_t i = 0; i < count; i++) {
        /*
         * Why "tasks" on v1: writing to cgroup.procs takes the global threadgroup rwsem for
         * writing, and the first writer after an idle spell waits a full RCU grace period
         * (about 10 ms at HZ=250, measured: bench/). Writing "0" (the writing thread) to v1
         * "tasks" skips that lock. The joiner is single-threaded (just forked), so moving its
         * only thread moves the whole process. v2 has no "tasks": cgroup.procs there.
         */
        if (snprintf(path, sizeof path, "%s/tasks", dirs[i]) >= (int)sizeof path) {
            FAIL(e, "cgroup_open", ENAMETOOLONG, "%s", dirs[i]);
        }
        fds[i] = open(path, O_WRONLY | O_CLOEXEC);
        if (fds[i] < 0 && errno == ENOENT) {
            if (snprintf(path, sizeof path, "%s/cgroup.procs", dirs[i]) >= (int)sizeof path) {
                FAIL(e, "cgroup_open", ENAMETOOLONG, "%s", dirs[i]);
            }
            fds[i] = open(path, O_WRONLY | O_CLOEXEC);
        }
        if (fds[i] < 0) FAIL(e, "cgroup_open", errno, "open %s", path);
    }
    return 0;
}

int cgroup_join(const int *fds, const char *const *dirs, size_t count, struct sandbox_error *e) {
    for (size_t i = 0; i < count; i++) {
        /* "0" means "the writer": our pid in the new PID namespace means nothing to the
         * cgroupfs of the host, and v1 and v2 both accept 0 */
        if (write(fds[i], "0", 1) != 1) FAIL(e, "cgroup_join", errno, "join %s", dirs[i]);
    }
    return 0;
}

int cgroup_set_oom_score_adj(int value, struct sandbox_error *e) {
    char buf[16];
    int len = snprintf(buf, sizeof buf, "%d", value);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) FAIL(e, "oom_score_adj", errno, "open /proc/self/oom_score_adj");
    ssize_t n = write(fd, buf, (size_t)len);
    int err = errno;
    close(fd);
    if (n != len) FAIL(e, "oom_score_adj", n < 0 ? err : EIO, "write %d to /proc/self/oom_score_adj", value);
    return 0;
}
