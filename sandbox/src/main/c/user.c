#include "user.h"

#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "options.h"

int user_switch(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t group_count, struct sandbox_error *e) {
    gid_t list[SANDBOX_MAX_GROUPS];
    for (size_t i = 0; i < group_count; i++) list[i] = (gid_t)groups[i];
    /* an empty list clears root's supplementary groups, which would otherwise be kept */
    CHECK(e, "setgroups", setgroups(group_count, list), "setgroups (%zu groups)", group_count);
    CHECK(e, "setgid", setresgid(gid, gid, gid), "setresgid %u", (unsigned)gid);
    CHECK(e, "setuid", setresuid(uid, uid, uid), "setresuid %u", (unsigned)uid);
    return 0;
}
