/*
 * Capabilities by raw syscalls (capset, prctl): no libcap, so the helper stays one static file.
 * Order in the task child: caps_drop_bounding (as uid 0) -> setgroups/setresgid/setresuid
 * (user.c) -> caps_apply.
 */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const CAP_NAMES[CAPS_KNOWN_LAST + 1] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int caps_from_name(const char *name) {
    for (int i = 0; i <= CAPS_KNOWN_LAST; i++) {
        if (strcmp(CAP_NAMES[i], name) == 0) return i;
    }
    return -1;
}

const char *caps_name(int cap) {
    return cap >= 0 && cap <= CAPS_KNOWN_LAST ? CAP_NAMES[cap] : NULL;
}

int caps_last_cap(struct sandbox_error *e) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL(e, "caps", errno, "open /proc/sys/kernel/cap_last_cap");
    char buf[16];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int err = errno;
    close(fd);
    if (n <= 0) FAIL(e, "caps", n < 0 ? err : EIO, "read /proc/sys/kernel/cap_last_cap");
    buf[n] = '\0';
    int last = atoi(buf);
    if (last <= 0 || last > 63) FAIL(e, "caps", 0, "cap_last_cap has a strange value \"%s\"", buf);
    return last;
}

int caps_drop_bounding(uint64_t keep, struct sandbox_error *e) {
    int last = caps_last_cap(e);
    if (last < 0) return -1;
    for (int c = 0; c <= CAPS_KNOWN_LAST && c <= 63; c++) {
        if ((keep & (UINT64_C(1) << c)) && c > last) {
            FAIL(e, "caps", EINVAL, "%s is not supported by this kernel (cap_last_cap=%d)", caps_name(c), last);
        }
    }
    for (int c = 0; c <= last; c++) {
        if (keep & (UINT64_C(1) << c)) continue;
        /* Needs CAP_SETPCAP in the effective set: done while still uid 0. */
        CHECK(e, "caps_bounding", prctl(PR_CAPBSET_DROP, c, 0, 0, 0), "PR_CAPBSET_DROP %d", c);
    }
    /* Without KEEPCAPS, setresuid from 0 to non-0 clears the permitted set we still need. */
    CHECK(e, "caps_keep", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "PR_SET_KEEPCAPS");
    return 0;
}

int caps_apply(uint64_t keep, struct sandbox_error *e) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++) {
        uint32_t word = (uint32_t)(keep >> (32 * i));
        data[i].effective = word;
        data[i].permitted = word;
        data[i].inheritable = word;
    }
    /*
     * Inheritable may only grow within the old permitted set; permitted is still full here
     * thanks to KEEPCAPS, so the new set is always a subset and capset needs no privilege.
     */
    CHECK(e, "capset", syscall(SYS_capset, &header, data), "capset");
    CHECK(e, "caps_ambient", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient");
    for (int c = 0; c <= CAPS_KNOWN_LAST; c++) {
        if (!(keep & (UINT64_C(1) << c))) continue;
        /* Ambient caps become the effective set of a non-root uid after execve. */
        CHECK(e, "caps_ambient", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0), "raise %s",
              caps_name(c));
    }
    CHECK(e, "no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS");
    return 0;
}
