/* Capabilities: names, and the task-side reduction to exactly the requested set (raw syscalls). */
#ifndef CORRAL_CAPS_H
#define CORRAL_CAPS_H

#include <stdint.h>

#include "error.h"

#define CAPS_KNOWN_LAST 40 /* CAP_CHECKPOINT_RESTORE, the highest name this table knows */

/* "CAP_CHOWN" -> 0; -1 when unknown. Case-sensitive: Java sends the canonical upper-case form. */
int caps_from_name(const char *name);

/* 0 -> "CAP_CHOWN"; NULL when out of the table. */
const char *caps_name(int cap);

/* Reads /proc/sys/kernel/cap_last_cap; -1 with e filled on failure. */
int caps_last_cap(struct sandbox_error *e);

/*
 * In the task child while still uid 0 with full caps: drops every capability not in keep
 * from the bounding set and sets PR_SET_KEEPCAPS so permitted survives the uid change.
 */
int caps_drop_bounding(uint64_t keep, struct sandbox_error *e);

/*
 * After setresuid/setresgid: permitted = effective = inheritable = keep (capset), ambient = keep
 * (so a non-root uid gets them as effective after execve), then PR_SET_NO_NEW_PRIVS.
 */
int caps_apply(uint64_t keep, struct sandbox_error *e);

#endif
