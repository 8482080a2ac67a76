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

/*
 * The environment strings the kernel placed (what /proc/PID/environ reads, live from memory),
 * contiguous from start to start + len; len 0 when there is none.
 */
void proctitle_env_area(char **envp, struct proctitle *area);

/*
 * Overwrites the environment area with envp's entries (NUL-separated) and zeroes the rest, so that
 * /proc/PID/environ shows them. Returns -1, changing nothing, when they do not fit.
 */
int proctitle_set_env(const struct proctitle *area, char *const *envp);

#endif
