/*
 * The task's root filesystem, built by the sandbox init (B) inside its own mount namespace.
 * Nothing here may change the host's mount table: mounts_make_private runs first.
 */
#ifndef CORRAL_MOUNTS_H
#define CORRAL_MOUNTS_H

#include "error.h"
#include "options.h"

/* MS_REC|MS_PRIVATE on "/" of the new mount namespace. */
int mounts_make_private(struct sandbox_error *e);

/*
 * Binds the task dir on itself and mounts everything under it (ro binds, /alloc, binds,
 * /secrets, /private, /proc, /sys, /dev). Returns an O_PATH fd of the new root in *root_fd.
 */
int mounts_build_root(const struct sandbox_options *o, int *root_fd, struct sandbox_error *e);

/* pivot_root into root_fd and detach the old root, or (--no-pivot-root) MS_MOVE + chroot. */
int mounts_enter_root(const struct sandbox_options *o, int root_fd, struct sandbox_error *e);

#endif
