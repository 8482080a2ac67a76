/*
 * The command line other processes see (/proc/PID/cmdline, ps): the sandbox's argv names host
 * paths (task dir, status file, cgroups), which a task must not learn from its PID 1.
 */
#ifndef CORRAL_PROCTITLE_H
#define CORRAL_PROCTITLE_H

#include <stddef.h>

/* The original argv strings, contiguous in memory from start to start + len. */
struct proctitle {
    char *start;
    size_t len;
};

/* Copies argv (array and strings) to the heap, returns the copy (NULL on ENOMEM) and fills area. */
char **proctitle_detach(int argc, char **argv, struct proctitle *area);

/* Overwrites the area with the NUL-separated words (NULL-terminated list), zeroes the rest and,
 * where the kernel lets us (CAP_SYS_RESOURCE), ends the visible command line after them. */
void proctitle_set(const struct proctitle *area, const char *const *words);

#endif
