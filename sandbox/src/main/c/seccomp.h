/*
 * The task's seccomp filter (classic BPF, installed by the task child right before execve, after
 * no_new_privs): --seccomp default | unconfined | PATH. See CONTRACT.md, "Seccomp".
 */
#ifndef CORRAL_SECCOMP_H
#define CORRAL_SECCOMP_H

#include "error.h"

struct sandbox_options;

enum seccomp_mode {
    SECCOMP_DEFAULT = 0,    /* "default": Docker's default denials for an unprivileged container */
    SECCOMP_UNCONFINED = 1, /* "unconfined": no filter */
    SECCOMP_DENY_FILE = 2,  /* PATH: deny exactly the syscalls named in the file */
};

#define SECCOMP_MAX_NR 512 /* syscall numbers below this fit the deny bitmap */

/* Parses a --seccomp value into o (reads PATH now, on the host); -1 with e on error. */
int seccomp_parse_option(struct sandbox_options *o, const char *value, struct sandbox_error *e);

/* The --parse-only value: "default", "unconfined" or the PATH. */
const char *seccomp_option_name(const struct sandbox_options *o);

/*
 * Resolves the default deny list's names to numbers now (a linear search of the syscall table per
 * name, tens of microseconds): a spare does it while it prepares, so that parsing its task's
 * --seccomp default on the start path is a copy.
 */
void seccomp_warm(void);

/* Number of a syscall name on x86_64, or -1. */
int seccomp_syscall_number(const char *name);

/*
 * The BPF program o asks for, into out (room for SECCOMP_PROGRAM_MAX instructions); returns its
 * length. For tests; seccomp_install loads it.
 */
#define SECCOMP_PROGRAM_MAX (32 + 2 * SECCOMP_MAX_NR)
struct sock_filter;
int seccomp_program(const struct sandbox_options *o, struct sock_filter *out);

/* Installs the filter o asks for (nothing for unconfined); needs no_new_privs already set. */
int seccomp_install(const struct sandbox_options *o, struct sandbox_error *e);

#endif
