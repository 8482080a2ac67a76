#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* "v1", "v2", "hybrid" or "none", from the cgroup mounts in /proc/self/mountinfo. */
static const char *cgroup_layout(void) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL) return "none";
    bool v1 = false, v2 = false;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        const char *sep = strstr(line, " - ");
        if (sep == NULL) continue;
        if (strncmp(sep + 3, "cgroup2 ", 8) == 0) v2 = true;
        else if (strncmp(sep + 3, "cgroup ", 7) == 0) v1 = true;
    }
    fclose(f);
    return v1 && v2 ? "hybrid" : v1 ? "v1" : v2 ? "v2" : "none";
}

static bool has_filesystem(const char *name) {
    FILE *f = fopen("/proc/filesystems", "re");
    if (f == NULL) return false;
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        char *tab = strrchr(line, '\t');
        const char *fs = tab != NULL ? tab + 1 : line;
        found = strncmp(fs, name, strlen(name)) == 0 && (fs[strlen(name)] == '\n' || fs[strlen(name)] == '\0');
    }
    fclose(f);
    return found;
}

/*
 * Tries the real thing in a throwaway child: new mount namespace, private "/", a tmpfs, the new
 * mount API on it, then pivot_root into it. Nothing is visible outside the child.
 */
static bool try_pivot_root(bool *mount_api) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return false;
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        char result[2] = {'0', '0'};
        close(p[0]);
        if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
            mount("tmpfs", "/tmp", "tmpfs", 0, "size=16k") == 0) {
            struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID};
            int tree = open_tree(AT_FDCWD, "/tmp", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
            if (tree >= 0 && mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0) result[1] = '1';
            if (chdir("/tmp") == 0 && syscall(SYS_pivot_root, ".", ".") == 0) result[0] = '1';
        }
        ssize_t n = write(p[1], result, 2);
        _exit(n == 2 ? 0 : 1);
    }
    close(p[1]);
    char result[2] = {'0', '0'};
    ssize_t n = read(p[0], result, 2);
    close(p[0]);
    waitpid(pid, NULL, 0);
    *mount_api = n == 2 && result[1] == '1';
    return n == 2 && result[0] == '1';
}

int probe_main(FILE *out) {
    struct sandbox_error e;
    bool root = geteuid() == 0;
    bool mount_api = false;
    bool pivot = root && try_pivot_root(&mount_api);
    fprintf(out, "pid_ns=%d\n", exists("/proc/self/ns/pid"));
    fprintf(out, "mount_ns=%d\n", exists("/proc/self/ns/mnt"));
    fprintf(out, "ipc_ns=%d\n", exists("/proc/self/ns/ipc"));
    fprintf(out, "uts_ns=%d\n", exists("/proc/self/ns/uts"));
    fprintf(out, "user_ns=%d\n", exists("/proc/self/ns/user"));
    fprintf(out, "cap_last_cap=%d\n", caps_last_cap(&e));
    fprintf(out, "cgroup=%s\n", cgroup_layout());
    fprintf(out, "pivot_root=%d\n", pivot);
    fprintf(out, "mount_api=%d\n", mount_api);
    fprintf(out, "overlayfs=%d\n", has_filesystem("overlay"));
    fprintf(out, "root=%d\n", root);
    return fflush(out) == 0 ? 0 : 125;
}
