/* Credentials of the task: numeric ids only (Java resolves names; no NSS in the helper). */
#ifndef CORRAL_USER_H
#define CORRAL_USER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* setgroups, setresgid, setresuid, in that order (each needs the privilege the next drops). */
int user_switch(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t group_count, struct sandbox_error *e);

#endif
