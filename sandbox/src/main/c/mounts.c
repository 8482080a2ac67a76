#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum walk_mode {
    WALK_EXISTING, /* every component must exist */
    WALK_DIR,      /* create missing components as directories */
    WALK_FILE,     /* create missing parents as directories and the last one as an empty file */
};

/* Host device nodes bind-mounted into the task's /dev (mknod is refused in some containers). */
static const char *const DEVICES[] = {"null", "zero", "full", "random", "urandom", "tty"};

/* Paths in the new /proc hidden behind /dev/null (files) or an empty read-only tmpfs (dirs). */
static const char *const MASKED[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                                     "/sys/firmware"};

/* Paths in the new /proc made read-only. */
static const char *const READ_ONLY[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"};

static const char *const DEV_LINKS[][2] = {
    {"ptmx", "pts/ptmx"},      {"fd", "/proc/self/fd"},        {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/* "/proc/self/fd/N": mount(2) follows it to exactly the object fd refers to, with no path walk. */
static const char *fd_path(char *buf, size_t size, int fd) {
    snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

/*
 * Resolves path (absolute, inside the task root) below root_fd one component at a time with
 * O_NOFOLLOW, creating what is missing per mode. Why: the task dir is writable by the task, so
 * a symlink it left behind (e.g. usr -> /etc) would otherwise redirect a mount or a mkdir to the
 * host. Returns an O_PATH fd, or -1 (errno ENOENT untouched for WALK_EXISTING, so callers can skip).
 */
static int walk(int root_fd, const char *path, enum walk_mode mode, const char *step, struct sandbox_error *e) {
    int cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0) FAIL(e, step, errno, "dup root fd");
    const char *p = path;
    char comp[256];
    while (*p) {
        while (*p == '/') p++;
        if (*p == '\0') break;
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        bool last = end[strspn(end, "/")] == '\0';
        if (len >= sizeof comp) {
            close(cur);
            FAIL(e, step, ENAMETOOLONG, "%s", path);
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        int next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && mode != WALK_EXISTING) {
            int rc;
            if (last && mode == WALK_FILE) {
                rc = openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (rc >= 0) close(rc);
            } else {
                rc = mkdirat(cur, comp, 0755);
            }
            if (rc < 0 && errno != EEXIST) {
                int err = errno;
                close(cur);
                FAIL(e, step, err, "create mount point %s (at \"%s\")", path, comp);
            }
            next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            int err = errno;
            close(cur);
            if (err == ENOENT && mode == WALK_EXISTING) {
                errno = ENOENT;
                return -1;
            }
            FAIL(e, step, err, "open %s (at \"%s\")", path, comp);
        }
        close(cur);
        cur = next;
        struct stat st;
        if (fstat(cur, &st) < 0) {
            int err = errno;
            close(cur);
            FAIL(e, step, err, "stat %s", path);
        }
        if (S_ISLNK(st.st_mode)) {
            close(cur);
            FAIL(e, step, ELOOP, "refusing to mount through the symlink \"%s\" in %s", comp, path);
        }
        if (!last && !S_ISDIR(st.st_mode)) {
            close(cur);
            FAIL(e, step, ENOTDIR, "%s (at \"%s\")", path, comp);
        }
        p = end;
    }
    return cur;
}

/*
 * Clones the mount tree at (dfd, path) recursively, applies attrs to every mount of the clone
 * before it is visible anywhere, and attaches it on target_fd. Why the new mount API: a
 * classic MS_BIND|MS_REC followed by MS_REMOUNT|MS_RDONLY only makes the top mount read-only,
 * leaving submounts writable, and leaves a window where the bind is writable.
 */
static int attach_tree(int dfd, const char *path, int target_fd, uint64_t attrs, const char *step,
                       const char *what, struct sandbox_error *e) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | (path[0] == '\0' ? AT_EMPTY_PATH : 0);
    int tree = open_tree(dfd, path, flags);
    if (tree < 0) {
        if (errno == ENOSYS) FAIL(e, step, errno, "open_tree %s (needs Linux >= 5.12)", what);
        FAIL(e, step, errno, "open_tree %s", what);
    }
    struct mount_attr attr = {.attr_set = attrs};
    if (attrs != 0 && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
        int err = errno;
        close(tree);
        FAIL(e, step, err, "mount_setattr %s", what);
    }
    if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
        int err = errno;
        close(tree);
        FAIL(e, step, err, "move_mount %s", what);
    }
    close(tree);
    return 0;
}

/*
 * --rootfs overlay: one private tmpfs, never attached anywhere (fsmount), holds the upper and
 * work dirs of every overlay; it lives exactly as long as the task's mount namespace, so the
 * task's changes are discarded with it, and its pages are charged to the task's memory cgroup
 * as the task writes them.
 */
static int open_overlay_scratch(struct sandbox_error *e) {
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) FAIL(e, "overlay_scratch", errno, "fsopen tmpfs");
    if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        int err = errno;
        close(fs);
        FAIL(e, "overlay_scratch", err, "create the overlay scratch tmpfs");
    }
    int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    int err = errno;
    close(fs);
    if (mnt < 0) FAIL(e, "overlay_scratch", err, "fsmount the overlay scratch tmpfs");
    return mnt;
}

/* Mounts overlay(lower = host dir src, upper/work in scratch/INDEX) at dst inside the root. */
static int overlay_one(int root_fd, int scratch, size_t index, const char *src, const char *dst,
                       struct sandbox_error *e) {
    char dir[32], upper[48], work[48];
    snprintf(dir, sizeof dir, "%zu", index);
    snprintf(upper, sizeof upper, "%zu/upper", index);
    snprintf(work, sizeof work, "%zu/work", index);
    CHECK(e, "mount_overlay", mkdirat(scratch, dir, 0755), "mkdir overlay scratch %s", dir);
    CHECK(e, "mount_overlay", mkdirat(scratch, upper, 0755), "mkdir overlay upper for %s", dst);
    CHECK(e, "mount_overlay", mkdirat(scratch, work, 0700), "mkdir overlay work for %s", dst);
    int lower = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (lower < 0) FAIL(e, "mount_overlay", errno, "open %s", src);
    int target = walk(root_fd, dst, WALK_DIR, "mount_overlay", e);
    if (target < 0) {
        close(lower);
        return -1;
    }
    /* fd paths, not the host paths: a ',' or ':' in a path would be read as an option separator */
    char options[256], where[64];
    snprintf(options, sizeof options, "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d/%s,workdir=/proc/self/fd/%d/%s",
             lower, scratch, upper, scratch, work);
    int rc = mount("overlay", fd_path(where, sizeof where, target), "overlay", MS_NOSUID | MS_NODEV, options);
    int err = errno;
    close(target);
    close(lower);
    if (rc < 0) FAIL(e, "mount_overlay", err, "overlay of %s at %s", src, dst);
    return 0;
}

/* Binds host src at dst inside the root; a missing src is skipped when skip_missing. */
static int bind_one(int root_fd, const char *src, const char *dst, uint64_t attrs, bool skip_missing,
                    const char *step, struct sandbox_error *e) {
    struct stat st;
    if (stat(src, &st) < 0) {
        if (errno == ENOENT && skip_missing) return 0;
        FAIL(e, step, errno, "stat %s", src);
    }
    int target = walk(root_fd, dst, S_ISDIR(st.st_mode) ? WALK_DIR : WALK_FILE, step, e);
    if (target < 0) return -1;
    char what[600];
    snprintf(what, sizeof what, "%s at %s", src, dst);
    int rc = attach_tree(AT_FDCWD, src, target, attrs, step, what, e);
    close(target);
    return rc;
}

#define SEED_MAX_DEPTH 8

static int copy_file(int from, int to, const char *name, const struct stat *st, const char *step,
                     struct sandbox_error *e) {
    int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) FAIL(e, step, errno, "open %s", name);
    int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        int err = errno;
        close(in);
        FAIL(e, step, err, "create %s", name);
    }
    char buf[16384];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno != EINTR) rc = -1;
            continue;
        }
        for (ssize_t done = 0; rc == 0 && done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR) rc = -1;
            if (w > 0) done += w;
        }
    }
    /* owner first: chown clears the mode's set-id bits, and the tmpfs is nosuid anyway */
    if (rc == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)) rc = -1;
    int err = errno;
    close(in);
    close(out);
    if (rc < 0) FAIL(e, step, err, "copy %s", name);
    return 0;
}

/*
 * Copies the tree below from (regular files, directories and symlinks as such; nothing else)
 * into to, keeping owner and mode. Why: Java renders secrets and templates into the host's
 * <task-dir>/secrets before the start, as Nomad's client does, but the task sees a private
 * tmpfs there; the files are carried into it before the task can run.
 */
static int copy_tree(int from, int to, int depth, const char *step, struct sandbox_error *e) {
    if (depth > SEED_MAX_DEPTH) FAIL(e, step, ELOOP, "more than %d nested directories", SEED_MAX_DEPTH);
    int scan = fcntl(from, F_DUPFD_CLOEXEC, 0);
    if (scan < 0) FAIL(e, step, errno, "dup");
    DIR *dir = fdopendir(scan);
    if (dir == NULL) {
        int err = errno;
        close(scan);
        FAIL(e, step, err, "read directory");
    }
    int rc = 0;
    struct dirent *d;
    while (rc == 0 && (d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
        /* covered by their own seeded tmpfs (mount_private_dirs) */
        if (strcmp(d->d_name, "secrets") == 0 || strcmp(d->d_name, "private") == 0) continue;
        struct stat st;
        if (fstatat(from, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            sandbox_error_set(e, step, errno, "stat %s", d->d_name);
            rc = -1;
        } else if (S_ISREG(st.st_mode)) {
            rc = copy_file(from, to, d->d_name, &st, step, e);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(from, d->d_name, target, sizeof target - 1);
            if (n >= 0) target[n] = '\0';
            if (n < 0 || symlinkat(target, to, d->d_name) < 0 ||
                fchownat(to, d->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
                sandbox_error_set(e, step, errno, "copy symlink %s", d->d_name);
                rc = -1;
            }
        } else if (S_ISDIR(st.st_mode)) {
            int sub_from = openat(from, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int sub_to = -1;
            if (sub_from >= 0 && mkdirat(to, d->d_name, 0700) == 0) {
                sub_to = openat(to, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            if (sub_to < 0) {
                sandbox_error_set(e, step, errno, "copy directory %s", d->d_name);
                rc = -1;
            } else {
                rc = copy_tree(sub_from, sub_to, depth + 1, step, e);
                if (rc == 0 && (fchown(sub_to, st.st_uid, st.st_gid) < 0 || fchmod(sub_to, st.st_mode & 07777) < 0)) {
                    sandbox_error_set(e, step, errno, "chown/chmod directory %s", d->d_name);
                    rc = -1;
                }
            }
            if (sub_from >= 0) close(sub_from);
            if (sub_to >= 0) close(sub_to);
        }
    }
    closedir(dir);
    return rc;
}

/* A private tmpfs at dst seeded with what the host's directory at dst held. */
static int mount_seeded_tmpfs(int root_fd, const char *dst, const char *data, const char *step,
                              struct sandbox_error *e) {
    int host = walk(root_fd, dst, WALK_DIR, step, e);
    if (host < 0) return -1;
    /* an O_PATH fd cannot be listed; this one still reads the host dir once it is covered */
    int old = openat(host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old < 0) {
        int err = errno;
        close(host);
        FAIL(e, step, err, "open %s", dst);
    }
    char buf[64];
    int rc = mount("tmpfs", fd_path(buf, sizeof buf, host), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data);
    int err = errno;
    close(host);
    if (rc < 0) {
        close(old);
        FAIL(e, step, err, "mount tmpfs at %s (%s)", dst, data);
    }
    int fresh = walk(root_fd, dst, WALK_EXISTING, step, e);
    if (fresh < 0) {
        close(old);
        FAIL(e, step, errno, "reopen %s", dst);
    }
    rc = copy_tree(old, fresh, 0, step, e);
    close(old);
    close(fresh);
    return rc;
}

/* Mounts a fresh filesystem (tmpfs, proc, ...) at dst inside the root, creating the dir. */
static int mount_fs(int root_fd, const char *dst, const char *type, unsigned long flags, const char *data,
                    const char *step, struct sandbox_error *e) {
    int target = walk(root_fd, dst, WALK_DIR, step, e);
    if (target < 0) return -1;
    char buf[64];
    int rc = mount(type, fd_path(buf, sizeof buf, target), type, flags, data);
    int err = errno;
    close(target);
    if (rc < 0) FAIL(e, step, err, "mount %s at %s (%s)", type, dst, data != NULL ? data : "");
    return 0;
}

/* The chroot_env of --rootfs overlay: directories get an overlay, files stay read-only binds. */
static int overlay_entries(const struct sandbox_options *o, int root, struct sandbox_error *e) {
    int scratch = open_overlay_scratch(e);
    if (scratch < 0) return -1;
    for (size_t i = 0; i < o->ro_bind_count; i++) {
        const struct bind_spec *b = &o->ro_binds[i];
        struct stat st;
        if (stat(b->src, &st) < 0) {
            int err = errno;
            if (err == ENOENT) continue; /* skipped, as for readonly */
            close(scratch);
            FAIL(e, "mount_overlay", err, "stat %s", b->src);
        }
        int rc = S_ISDIR(st.st_mode) ? overlay_one(root, scratch, i, b->src, b->dst, e)
                                     : bind_one(root, b->src, b->dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
                                                MOUNT_ATTR_NODEV, true, "mount_ro_bind", e);
        if (rc < 0) {
            close(scratch);
            return -1;
        }
    }
    close(scratch); /* every overlay holds its own reference to the scratch mount */
    return 0;
}

int mounts_make_private(struct sandbox_error *e) {
    /*
     * Why: the new mount namespace starts as a copy whose mounts stay in the host's peer
     * groups when "/" is shared (systemd makes it so), and every mount below would then
     * propagate back to the host.
     */
    CHECK(e, "make_private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private");
    return 0;
}

static int mask_paths(int root_fd, struct sandbox_error *e) {
    for (size_t i = 0; i < sizeof MASKED / sizeof MASKED[0]; i++) {
        int fd = walk(root_fd, MASKED[i], WALK_EXISTING, "mask_paths", e);
        if (fd < 0 && errno == ENOENT) continue; /* not in this kernel */
        if (fd < 0) return -1;
        struct stat st;
        int rc = fstat(fd, &st);
        if (rc == 0 && S_ISDIR(st.st_mode)) {
            char buf[64];
            rc = mount("tmpfs", fd_path(buf, sizeof buf, fd), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "size=0,mode=0555");
        } else if (rc == 0) {
            rc = attach_tree(AT_FDCWD, "/dev/null", fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                             "mask_paths", MASKED[i], e);
            if (rc < 0) {
                close(fd);
                return -1;
            }
        }
        int err = errno;
        close(fd);
        if (rc < 0) FAIL(e, "mask_paths", err, "mask %s", MASKED[i]);
    }
    return 0;
}

static int read_only_paths(int root_fd, struct sandbox_error *e) {
    for (size_t i = 0; i < sizeof READ_ONLY / sizeof READ_ONLY[0]; i++) {
        int fd = walk(root_fd, READ_ONLY[i], WALK_EXISTING, "proc_read_only", e);
        if (fd < 0 && errno == ENOENT) continue;
        if (fd < 0) return -1;
        /* a read-only bind of the path on itself */
        int rc = attach_tree(fd, "", fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                             "proc_read_only", READ_ONLY[i], e);
        close(fd);
        if (rc < 0) return -1;
    }
    return 0;
}

static int build_dev(const struct sandbox_options *o, int root_fd, struct sandbox_error *e) {
    if (mount_fs(root_fd, "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=0755,size=65536k",
                 "mount_dev", e) < 0) {
        return -1;
    }
    char path[64];
    for (size_t i = 0; i < sizeof DEVICES / sizeof DEVICES[0]; i++) {
        snprintf(path, sizeof path, "/dev/%s", DEVICES[i]);
        int target = walk(root_fd, path, WALK_FILE, "mount_dev", e);
        if (target < 0) return -1;
        /* no MOUNT_ATTR_NODEV here: that flag would make the node unusable */
        int rc = attach_tree(AT_FDCWD, path, target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "mount_dev", path, e);
        close(target);
        if (rc < 0) return -1;
    }
    if (mount_fs(root_fd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5",
                 "mount_devpts", e) < 0) {
        return -1;
    }
    char shm[64];
    snprintf(shm, sizeof shm, "mode=1777,size=%llu", (unsigned long long)o->shm_size);
    if (mount_fs(root_fd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm, "mount_shm", e) < 0) return -1;
    if (mount_fs(root_fd, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "mount_mqueue", e) < 0) {
        return -1;
    }
    int dev = walk(root_fd, "/dev", WALK_EXISTING, "mount_dev", e);
    if (dev < 0) FAIL(e, "mount_dev", errno, "reopen /dev");
    for (size_t i = 0; i < sizeof DEV_LINKS / sizeof DEV_LINKS[0]; i++) {
        if (symlinkat(DEV_LINKS[i][1], dev, DEV_LINKS[i][0]) < 0) {
            int err = errno;
            close(dev);
            FAIL(e, "mount_dev", err, "symlink /dev/%s", DEV_LINKS[i][0]);
        }
    }
    /*
     * /dev is the one task-visible mount without nodev: read-only, so that a task given
     * CAP_MKNOD (Nomad's default list has it) cannot create a node for a host disk there.
     * Not recursive: /dev/shm and /dev/pts stay writable.
     */
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    int rc = mount_setattr(dev, "", AT_EMPTY_PATH, &attr, sizeof attr);
    int err = errno;
    close(dev);
    if (rc < 0) FAIL(e, "mount_dev", err, "make /dev read-only");
    return 0;
}

/* A mount point in the skeleton for a bind of src at dst (a dir or a file, as src is); missing src: none. */
static int skeleton_point(int skel, const char *src, const char *dst, struct sandbox_error *e) {
    struct stat st;
    if (src != NULL && stat(src, &st) < 0) return 0; /* bind_one decides whether that is an error */
    int fd = walk(skel, dst, src == NULL || S_ISDIR(st.st_mode) ? WALK_DIR : WALK_FILE, "root_skeleton", e);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/*
 * Binds every directory at the top of the task dir (local, tmp, ...) over itself in the overlay.
 * Why: overlayfs caches what it has looked up, so a file the agent adds on the host while the task
 * runs (local/, a template, a "go" file) would stay invisible through the overlay; through a bind
 * the task sees the host directory itself. Only the root's own entries go through the overlay.
 */
static int bind_upper_dirs(int merged_fd, int upper, int skel, struct sandbox_error *e) {
    int merged = fcntl(merged_fd, F_DUPFD_CLOEXEC, 0);
    if (merged < 0) FAIL(e, "bind_root", errno, "dup the overlay root");
    int listing = dup(upper);
    DIR *dir = listing < 0 ? NULL : fdopendir(listing);
    if (dir == NULL) {
        int err = errno;
        if (listing >= 0) close(listing);
        close(merged);
        FAIL(e, "bind_root", err, "list the task dir");
    }
    int rc = 0;
    struct dirent *d;
    while (rc == 0 && (d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
        /* covered by their own seeded tmpfs (mount_private_dirs) */
        if (strcmp(d->d_name, "secrets") == 0 || strcmp(d->d_name, "private") == 0) continue;
        struct stat st;
        if (fstatat(upper, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) continue;
        /* a prepared root has its mounts at the skeleton's names already: the overlay shows the rest */
        if (skel >= 0 && fstatat(skel, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
        int target = openat(merged, d->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0) {
            rc = -1;
            sandbox_error_set(e, "bind_root", errno, "open %s in the overlay root", d->d_name);
            break;
        }
        rc = attach_tree(upper, d->d_name, target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "bind_root", d->d_name, e);
        close(target);
    }
    closedir(dir);
    close(merged);
    return rc;
}

/*
 * The task's "/" as an overlay: lower = a private tmpfs holding only the mount points (chroot_env
 * entries, /proc, /sys, /dev, /alloc, /secrets, /private, the volumes), upper = the host's task
 * dir, work dir beside it in the alloc dir. Why: the mount points then cost the host no inode
 * (issue 9: data_dir growth per task; before, 13 empty directories of 4 KiB each), while what the
 * task writes at its root still lands in its task dir, as in Nomad. Returns 1 when mounted, 0 when
 * this kernel or filesystem cannot (no overlay, an upper without xattrs or d_type, a task dir on
 * another filesystem than its parent): the caller then binds the task dir as before.
 */
/*
 * The overlay root's lower layer: a private 64 KiB tmpfs (fsmount, never attached anywhere) holding
 * only the mount points. Returns its mount fd, -2 when this kernel cannot make one (the caller
 * then binds the task dir instead), -1 with e on failure.
 */
static int make_skeleton(const struct sandbox_options *o, struct sandbox_error *e) {
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return -2;
    if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        close(fs);
        return -2;
    }
    int skel = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    close(fs);
    if (skel < 0) return -2;
    static const char *const POINTS[] = {"/proc", "/sys", "/dev", "/secrets", "/private", "/alloc"};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof POINTS / sizeof POINTS[0]; i++) {
        /* /alloc always: a spare does not know yet whether its task has one (an empty dir otherwise) */
        if (o->command == SANDBOX_RUN && o->alloc_dir == NULL && strcmp(POINTS[i], "/alloc") == 0) continue;
        rc = skeleton_point(skel, NULL, POINTS[i], e);
    }
    for (size_t i = 0; rc == 0 && i < o->ro_bind_count; i++) {
        rc = skeleton_point(skel, o->ro_binds[i].src, o->ro_binds[i].dst, e);
    }
    for (size_t i = 0; rc == 0 && i < o->bind_count; i++) rc = skeleton_point(skel, o->binds[i].src, o->binds[i].dst, e);
    if (rc < 0) {
        close(skel);
        return -1;
    }
    return skel;
}

/* Mounts overlay(lower = skel, upper, work) on the directory target (all fds). Returns mount's rc. */
static int mount_overlay_root(int skel, int upper, int work, int target) {
    /* fd paths, not host paths: a ',' or ':' in a path would be read as an option separator */
    char options[160], where[64];
    snprintf(options, sizeof options, "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d",
             skel, upper, work);
    return mount("overlay", fd_path(where, sizeof where, target), "overlay", MS_NOSUID | MS_NODEV, options);
}

/*
 * The task's "/" as an overlay: lower = the skeleton of mount points (chroot_env entries, /proc,
 * /sys, /dev, /alloc, /secrets, /private, the volumes), upper = the host's task dir, work dir beside
 * it in the alloc dir. Why: the mount points then cost the host no inode (issue 9: data_dir growth
 * per task; before, 13 empty directories of 4 KiB each), while what the task writes at its root
 * still lands in its task dir, as in Nomad. Returns 1 when mounted, 0 when this kernel or
 * filesystem cannot (no overlay, an upper without xattrs or d_type, a task dir on another
 * filesystem than its parent): the caller then binds the task dir as before.
 */
static int overlay_root(const struct sandbox_options *o, struct sandbox_error *e) {
    int skel = make_skeleton(o, e);
    if (skel == -2) return 0;
    if (skel < 0) return -1;
    /* the work dir: beside the task dir (overlay wants it on the upper's filesystem, outside it) */
    char work[PATH_MAX];
    const char *slash = strrchr(o->task_dir, '/');
    if (slash == NULL || slash == o->task_dir ||
        (size_t)snprintf(work, sizeof work, "%.*s/.%s.root-work", (int)(slash - o->task_dir), o->task_dir,
                         slash + 1) >= sizeof work) {
        close(skel);
        return 0;
    }
    if (mkdir(work, 0700) < 0 && errno != EEXIST) {
        close(skel);
        return 0;
    }
    int upper = open(o->task_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int workfd = open(work, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int target = open(o->task_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int rc = upper < 0 || workfd < 0 || target < 0 ? -1 : mount_overlay_root(skel, upper, workfd, target);
    close(skel);
    if (workfd >= 0) close(workfd);
    if (target >= 0) close(target);
    if (rc < 0) {
        if (upper >= 0) close(upper);
        return 0;
    }
    int merged = open(o->task_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (merged < 0) {
        int err = errno;
        close(upper);
        FAIL(e, "bind_root", err, "open the overlay root %s", o->task_dir);
    }
    rc = bind_upper_dirs(merged, upper, -1, e);
    close(merged);
    close(upper);
    return rc < 0 ? -1 : 1;
}

static int bind_root(const struct sandbox_options *o, int *root_fd, struct sandbox_error *e) {
    int overlaid = o->rootfs == ROOTFS_OVERLAY ? 0 : overlay_root(o, e);
    if (overlaid < 0) return -1;
    if (!overlaid) {
        /* pivot_root needs the new root to be a mount point: bind the task dir on itself */
        CHECK(e, "bind_root", mount(o->task_dir, o->task_dir, NULL, MS_BIND | MS_REC, NULL), "bind %s", o->task_dir);
    }
    int root = open(o->task_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) FAIL(e, "bind_root", errno, "open %s", o->task_dir);
    *root_fd = root;
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    /* artifacts fetched as root may carry set-uid bits: they must not count in the task */
    CHECK(e, "bind_root", mount_setattr(root, "", AT_EMPTY_PATH, &attr, sizeof attr), "nosuid,nodev on %s",
          o->task_dir);
    return 0;
}

/* The --ro-bind entries from index first on, as read-only binds (a missing SRC is skipped). */
static int bind_read_only(const struct sandbox_options *o, int root, size_t first, struct sandbox_error *e) {
    for (size_t i = first; i < o->ro_bind_count; i++) {
        if (bind_one(root, o->ro_binds[i].src, o->ro_binds[i].dst,
                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true, "mount_ro_bind", e) < 0) {
            return -1;
        }
    }
    return 0;
}

static int mount_chroot_env(const struct sandbox_options *o, int root, struct sandbox_error *e) {
    if (o->rootfs == ROOTFS_OVERLAY) return overlay_entries(o, root, e);
    return bind_read_only(o, root, 0, e);
}

/* /alloc and the host volumes (--bind), read-write. */
static int mount_volumes(const struct sandbox_options *o, int root, struct sandbox_error *e) {
    if (o->alloc_dir != NULL &&
        bind_one(root, o->alloc_dir, "/alloc", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false, "mount_alloc", e) < 0) {
        return -1;
    }
    for (size_t i = 0; i < o->bind_count; i++) {
        if (bind_one(root, o->binds[i].src, o->binds[i].dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false,
                     "mount_bind", e) < 0) {
            return -1;
        }
    }
    return 0;
}

static int mount_private_dirs(const struct sandbox_options *o, int root, struct sandbox_error *e) {
    char data[64];
    snprintf(data, sizeof data, "mode=0777,size=%llu", (unsigned long long)o->secrets_size);
    if (mount_seeded_tmpfs(root, "/secrets", data, "mount_secrets", e) < 0) return -1;
    return mount_seeded_tmpfs(root, "/private", data, "mount_private", e);
}

static int mount_proc_and_sys(int root, struct sandbox_error *e) {
    /* the proc of the new PID namespace, since B already lives in it */
    if (mount_fs(root, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "mount_proc", e) < 0) return -1;
    return mount_fs(root, "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "mount_sys", e);
}

int mounts_build_root(const struct sandbox_options *o, int *root_fd, struct sandbox_error *e) {
    if (bind_root(o, root_fd, e) < 0 ||
        mount_chroot_env(o, *root_fd, e) < 0 ||
        mount_volumes(o, *root_fd, e) < 0 ||
        mount_private_dirs(o, *root_fd, e) < 0 ||
        mount_proc_and_sys(*root_fd, e) < 0 ||
        mask_paths(*root_fd, e) < 0 ||
        read_only_paths(*root_fd, e) < 0 ||
        build_dev(o, *root_fd, e) < 0) {
        return -1;
    }
    return 0;
}

int mounts_enter_root(const struct sandbox_options *o, int root_fd, struct sandbox_error *e) {
    CHECK(e, "enter_root", fchdir(root_fd), "fchdir to %s", o->task_dir);
    if (o->no_pivot_root) {
        /* for roots pivot_root refuses (initramfs): move the root over "/" and chroot; the
         * host's mounts stay underneath, so this is weaker against CAP_SYS_CHROOT */
        CHECK(e, "move_root", mount(".", "/", NULL, MS_MOVE, NULL), "MS_MOVE %s to /", o->task_dir);
        CHECK(e, "chroot", chroot("."), "chroot %s", o->task_dir);
    } else {
        /* pivot_root(".", "."): the old root ends up stacked on the new one, no put_old dir */
        CHECK(e, "pivot_root", syscall(SYS_pivot_root, ".", "."), "pivot_root %s", o->task_dir);
        CHECK(e, "umount_old_root", umount2(".", MNT_DETACH), "detach the old root");
    }
    CHECK(e, "enter_root", chdir("/"), "chdir /");
    return 0;
}

/* ---- spare: the root prepared before the task is known ---- */

/* The directory holding --spare-dir DIR, into parent (PATH_MAX bytes); -1 with e for a DIR ending in '/'. */
static int spare_parent(const char *spare_dir, char *parent, struct sandbox_error *e) {
    const char *slash = strrchr(spare_dir, '/');
    size_t len = (size_t)(slash - spare_dir);
    if (slash[1] == '\0' || len >= PATH_MAX) FAIL(e, "spare_dir", EINVAL, "--spare-dir %s", spare_dir);
    memcpy(parent, spare_dir, len);
    parent[len] = '\0';
    if (len == 0) strcpy(parent, "/");
    return 0;
}

int mounts_prepare(const struct sandbox_options *spare, struct prepared_root *p, struct sandbox_error *e) {
    p->ready = false;
    p->parent_dirfd = p->spare_dirfd = p->skel_fd = p->root_fd = p->upper_fd = p->host_fd = -1;
    p->ro_bind_count = spare->ro_bind_count;
    char parent[PATH_MAX];
    if (spare_parent(spare->spare_dir, parent, e) < 0) return -1;
    p->name = strrchr(spare->spare_dir, '/') + 1;
    p->parent_dirfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (p->parent_dirfd < 0) FAIL(e, "spare_dir", errno, "open %s", parent);
    /* 0700 and new: nobody else may have planted anything in it */
    CHECK(e, "spare_dir", mkdirat(p->parent_dirfd, p->name, 0700), "mkdir %s", spare->spare_dir);
    p->spare_dirfd = openat(p->parent_dirfd, p->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (p->spare_dirfd < 0) FAIL(e, "spare_dir", errno, "open %s", spare->spare_dir);
    /* --rootfs overlay binds the task dir itself as the root: nothing to prepare but the namespaces */
    if (spare->rootfs == ROOTFS_OVERLAY) return 0;
    CHECK(e, "spare_dir", mkdirat(p->spare_dirfd, "upper", 0755), "mkdir %s/upper", spare->spare_dir);
    CHECK(e, "spare_dir", mkdirat(p->spare_dirfd, "work", 0700), "mkdir %s/work", spare->spare_dir);
    CHECK(e, "spare_dir", mkdirat(p->spare_dirfd, "root", 0755), "mkdir %s/root", spare->spare_dir);
    int skel = make_skeleton(spare, e);
    if (skel == -2) return 0;
    if (skel < 0) return -1;
    int upper = openat(p->spare_dirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int work = openat(p->spare_dirfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int target = openat(p->spare_dirfd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = upper < 0 || work < 0 || target < 0 ? -1 : mount_overlay_root(skel, upper, work, target);
    int err = errno;
    if (work >= 0) close(work);
    if (target >= 0) close(target);
    if (rc < 0) {
        close(skel);
        /* no overlayfs here, or no xattrs on this filesystem: the task's root is built at start */
        fprintf(stderr, "corral-sandbox: spare: no overlay root in %s (%s); building it at start\n",
                spare->spare_dir, strerror(err));
        if (upper >= 0) close(upper);
        return 0;
    }
    p->upper_fd = upper;
    p->skel_fd = skel;
    p->root_fd = openat(p->spare_dirfd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (p->root_fd < 0) FAIL(e, "spare_root", errno, "open the overlay root in %s", spare->spare_dir);
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    CHECK(e, "spare_root", mount_setattr(p->root_fd, "", AT_EMPTY_PATH, &attr, sizeof attr), "nosuid,nodev on the root");
    char data[64];
    snprintf(data, sizeof data, "mode=0777,size=%llu", (unsigned long long)spare->secrets_size);
    if (mount_chroot_env(spare, p->root_fd, e) < 0 ||
        mount_fs(p->root_fd, "/secrets", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, "mount_secrets", e) < 0 ||
        mount_fs(p->root_fd, "/private", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, "mount_private", e) < 0 ||
        mount_proc_and_sys(p->root_fd, e) < 0 ||
        mask_paths(p->root_fd, e) < 0 ||
        read_only_paths(p->root_fd, e) < 0 ||
        build_dev(spare, p->root_fd, e) < 0) {
        return -1;
    }
    p->ready = true;
    return 0;
}

/* Removes the tree name in dirfd (overlay work dirs only: a few empty directories). */
static int remove_tree(int dirfd, const char *name, int depth) {
    if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) return 0;
    if ((errno != ENOTEMPTY && errno != EEXIST) || depth > 8) {
        return unlinkat(dirfd, name, 0) == 0 ? 0 : -1; /* a file */
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return -1;
    }
    struct dirent *d;
    while ((d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
        if (d->d_type == DT_DIR) {
            remove_tree(fd, d->d_name, depth + 1);
        } else {
            unlinkat(fd, d->d_name, 0);
        }
    }
    closedir(dir);
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

/*
 * Moves every entry of from (the task dir the caller made: local/, secrets/, tmp/, artifacts)
 * into to (the overlay's upper dir, now at the task dir's path) and gives to from's owner and
 * mode. Nothing has been looked up through the overlay under these names yet, so it sees them
 * exactly as if they had been there at mount time.
 */
static int move_entries(int from, int to, struct sandbox_error *e) {
    struct stat st;
    CHECK(e, "spare_exchange", fstat(from, &st), "stat the task dir");
    CHECK(e, "spare_exchange", fchown(to, st.st_uid, st.st_gid), "chown the task dir");
    CHECK(e, "spare_exchange", fchmod(to, st.st_mode & 07777), "chmod the task dir");
    int listing = dup(from);
    DIR *dir = listing < 0 ? NULL : fdopendir(listing);
    if (dir == NULL) {
        int err = errno;
        if (listing >= 0) close(listing);
        FAIL(e, "spare_exchange", err, "list the task dir");
    }
    int rc = 0;
    struct dirent *d;
    while (rc == 0 && (d = readdir(dir)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
        if (renameat(from, d->d_name, to, d->d_name) < 0) {
            sandbox_error_set(e, "spare_exchange", errno, "move %s into the task's root", d->d_name);
            rc = -1;
        }
    }
    closedir(dir);
    return rc;
}

/* Copies what the host's task dir holds in name (secrets/, private/) into the prepared tmpfs there. */
static int seed(int root_fd, int upper, const char *name, const char *step, struct sandbox_error *e) {
    int from = openat(upper, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (from < 0 && errno == ENOENT) return 0;
    if (from < 0) FAIL(e, step, errno, "open the task dir's %s", name);
    int to = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (to < 0) {
        int err = errno;
        close(from);
        FAIL(e, step, err, "open /%s", name);
    }
    int rc = copy_tree(from, to, 0, step, e);
    close(from);
    close(to);
    return rc;
}

int mounts_finish_prepared(const struct sandbox_options *o, struct prepared_root *p, int state_dirfd, int *root_fd,
                           struct sandbox_error *e) {
    if (!p->ready) return 0;
    /*
     * The upper dir takes the task dir's path and the task dir moves into the spare dir, in one
     * atomic step: nobody ever sees the path missing. Not on one filesystem: build it as for run.
     */
    if (renameat2(p->spare_dirfd, "upper", AT_FDCWD, o->task_dir, RENAME_EXCHANGE) < 0) {
        if (errno == EXDEV && p->host_fd >= 0) {
            FAIL(e, "spare_exchange", EXDEV, "the task dir %s is on another filesystem than the spare's (the driver "
                 "starts such tasks with run)", o->task_dir);
        }
        if (errno == EXDEV) return 0;
        FAIL(e, "spare_exchange", errno, "exchange the prepared root with %s", o->task_dir);
    }
    int old = openat(p->spare_dirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (old < 0) FAIL(e, "spare_exchange", errno, "open the task dir's old inode");
    int rc = move_entries(old, p->upper_fd, e);
    close(old);
    if (rc < 0) return -1;
    /*
     * The work dir goes with the task's state, which the driver deletes with the task. An earlier
     * start of the task may have left one (its overlay is gone): only then is it removed here.
     */
    if (renameat2(p->spare_dirfd, "work", state_dirfd, "root-work", RENAME_NOREPLACE) < 0) {
        if (errno != EEXIST) FAIL(e, "spare_exchange", errno, "move the overlay work dir to the task's state dir");
        remove_tree(state_dirfd, "root-work", 0);
        CHECK(e, "spare_exchange", renameat(p->spare_dirfd, "work", state_dirfd, "root-work"),
              "move the overlay work dir to the task's state dir");
    }
    if (bind_upper_dirs(p->root_fd, p->upper_fd, p->skel_fd, e) < 0) return -1;
    /* the task's own --ro-bind entries (read-only volumes), after the spare's chroot_env */
    if (bind_read_only(o, p->root_fd, p->ro_bind_count, e) < 0) return -1;
    if (mount_volumes(o, p->root_fd, e) < 0 ||
        seed(p->root_fd, p->upper_fd, "secrets", "mount_secrets", e) < 0 ||
        seed(p->root_fd, p->upper_fd, "private", "mount_private", e) < 0) {
        return -1;
    }
    *root_fd = fcntl(p->root_fd, F_DUPFD_CLOEXEC, 0);
    if (*root_fd < 0) FAIL(e, "spare_root", errno, "dup the root fd");
    return 1;
}

void mounts_release_prepared(struct prepared_root *p) {
    /* through fds: the host's tree is no longer reachable by path once the task's root is entered */
    if (p->spare_dirfd >= 0) {
        unlinkat(p->spare_dirfd, "upper", AT_REMOVEDIR); /* the old task dir, emptied */
        unlinkat(p->spare_dirfd, "root", AT_REMOVEDIR);  /* no longer a mount point after pivot_root */
        if (p->parent_dirfd >= 0) unlinkat(p->parent_dirfd, p->name, AT_REMOVEDIR);
    }
    /* the host tree's clone goes last: the fds above were opened through it */
    int *fds[] = {&p->parent_dirfd, &p->spare_dirfd, &p->skel_fd, &p->root_fd, &p->upper_fd, &p->host_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0) close(*fds[i]);
        *fds[i] = -1;
    }
}

void mounts_discard_prepared(const struct sandbox_options *spare, struct prepared_root *p) {
    if (p->spare_dirfd >= 0) {
        char root[PATH_MAX];
        if ((size_t)snprintf(root, sizeof root, "%s/root", spare->spare_dir) < sizeof root) umount2(root, MNT_DETACH);
        remove_tree(p->spare_dirfd, "work", 0);
    }
    mounts_release_prepared(p);
}

/* Opens name in dirfd again, as a directory, into *fd (closing the old one); -1 with e. */
static int reopen_dir(int *fd, int dirfd, const char *name, int flags, struct sandbox_error *e) {
    int again = openat(dirfd, name, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (again < 0) FAIL(e, "spare_root", errno, "open %s through the host's tree", name);
    if (*fd >= 0) close(*fd);
    *fd = again;
    return 0;
}

int mounts_clone_host(struct sandbox_error *e) {
    int host = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
    if (host < 0) FAIL(e, "spare_root", errno, "clone the host's mount tree");
    return host;
}

int mounts_pivot_ahead(const struct sandbox_options *spare, struct prepared_root *p, int host, struct sandbox_error *e) {
    if (!p->ready || spare->no_pivot_root) {
        close(host);
        return 0;
    }
    p->host_fd = host;
    CHECK(e, "pivot_root", fchdir(p->root_fd), "fchdir to the prepared root");
    CHECK(e, "pivot_root", syscall(SYS_pivot_root, ".", "."), "pivot_root into the prepared root");
    CHECK(e, "umount_old_root", umount2(".", MNT_DETACH), "detach the old root");
    CHECK(e, "spare_root", fchdir(host), "fchdir to the host's tree");
    CHECK(e, "spare_root", chroot("."), "chroot to the host's tree");
    CHECK(e, "spare_root", chdir("/"), "chdir /");
    /*
     * What the start renames and binds from must be on the clone's mounts (renameat2 refuses two
     * mounts, open_tree a detached one): the spare dir, its parent and the upper dir, again.
     */
    char parent[PATH_MAX];
    if (spare_parent(spare->spare_dir, parent, e) < 0 ||
        reopen_dir(&p->parent_dirfd, AT_FDCWD, parent, O_PATH, e) < 0 ||
        reopen_dir(&p->spare_dirfd, p->parent_dirfd, p->name, O_PATH, e) < 0 ||
        reopen_dir(&p->upper_fd, p->spare_dirfd, "upper", O_RDONLY, e) < 0) {
        return -1;
    }
    return 0;
}

int mounts_enter_prepared(struct prepared_root *p, struct sandbox_error *e) {
    CHECK(e, "enter_root", fchdir(p->root_fd), "fchdir to the task's root");
    CHECK(e, "enter_root", chroot("."), "chroot to the task's root");
    CHECK(e, "enter_root", chdir("/"), "chdir /");
    return 0;
}
