/*
 * The task's root filesystem, built by the sandbox init (B) inside its own mount namespace.
 * Nothing here may change the host's mount table: mounts_make_private runs first.
 */
#ifndef CORRAL_MOUNTS_H
#define CORRAL_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "options.h"

/* MS_REC|MS_PRIVATE on "/" of the new mount namespace. */
int mounts_make_private(struct sandbox_error *e);

/*
 * Binds the task dir on itself and mounts everything under it (ro binds, /alloc, binds,
 * /secrets, /private, /proc, /sys, /dev). Returns an O_PATH fd of the new root in *root_fd.
 */
int mounts_build_root(const struct sandbox_options *o, int *root_fd, struct sandbox_error *e);

/*
 * A root prepared by a spare (CONTRACT.md, "spare") before its task is known: an overlay with an
 * empty upper dir of its own, mounted at SPARE_DIR/root in the spare's mount namespace, with
 * every task-independent mount already on it (chroot_env, /proc, /sys, /dev).
 */
struct prepared_root {
    bool ready;         /* false: nothing prepared, the root is built at start as for run */
    int parent_dirfd;   /* O_PATH of the directory holding --spare-dir */
    const char *name;   /* --spare-dir's last component */
    int spare_dirfd;    /* O_PATH of --spare-dir (upper/, work/, root/) */
    int skel_fd;        /* the skeleton (the overlay's lower layer): its names are mounted already */
    int root_fd;        /* O_PATH of the overlay root */
    int upper_fd;       /* the overlay's upper dir (becomes the task dir) */
    size_t ro_bind_count; /* the spare's --ro-bind entries, mounted already */
    int host_fd;        /* entered ahead: a clone of the host's tree, B's root until the start (else -1) */
};

/*
 * Creates the spare dir and prepares the root in it for the spare's options. A failure that
 * only costs speed (no overlayfs, a filesystem without xattrs) leaves p->ready false and
 * returns 0; -1 when the spare dir itself cannot be made.
 */
int mounts_prepare(const struct sandbox_options *spare, struct prepared_root *p, struct sandbox_error *e);

/*
 * Makes the prepared root the task's: swaps the upper dir with --task-dir (RENAME_EXCHANGE, so the
 * task dir keeps its path and its entries move in), moves the overlay's work dir to
 * state_dirfd/root-work, and adds the task's own mounts (its top-level dirs, /alloc, volumes,
 * /secrets, /private). Returns 1 and the root in *root_fd, 0 when the task dir is on another
 * filesystem than the spare dir (the caller then builds the root as for run), -1 on failure.
 */
int mounts_finish_prepared(const struct sandbox_options *o, struct prepared_root *p, int state_dirfd, int *root_fd,
                           struct sandbox_error *e);

/*
 * After the start is on record (off the start path): removes what is left of the spare dir (the
 * emptied old task dir, the mount point) through the fds taken at prepare time, and closes them.
 */
void mounts_release_prepared(struct prepared_root *p);

/*
 * Enters a prepared root ahead of its task (not with --no-pivot-root): pivot_root into it and
 * detach the old root now, off the start's path (pivot_root walks every process of the host and
 * the detach waits for an RCU grace period: 0.1 to 0.2 ms here, bench/), keeping the host
 * reachable for the start through a clone of its tree (open_tree) that B chroots into. The start
 * then chroots into the prepared root (mounts_enter_prepared); the clone is let go with the
 * spare's leftovers. host is mounts_clone_host's, made before the prepared root was mounted (so
 * that the spare dir holds no mount point in it); taken or closed. Returns 0 (also when nothing
 * was prepared), -1 with e.
 */
int mounts_pivot_ahead(const struct sandbox_options *spare, struct prepared_root *p, int host, struct sandbox_error *e);

/* A clone of B's mount tree (the host's, made private), for mounts_pivot_ahead; -1 with e. */
int mounts_clone_host(struct sandbox_error *e);

/* For a root entered ahead: B's root becomes the task's root again (chroot), before C is cloned. */
int mounts_enter_prepared(struct prepared_root *p, struct sandbox_error *e);

/* A spare let go unused: unmounts its root and removes the whole spare dir. */
void mounts_discard_prepared(const struct sandbox_options *spare, struct prepared_root *p);

/* pivot_root into root_fd and detach the old root, or (--no-pivot-root) MS_MOVE + chroot. */
int mounts_enter_root(const struct sandbox_options *o, int root_fd, struct sandbox_error *e);

#endif
