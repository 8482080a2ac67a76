/*
 * Rotated log files <name>.<stream>.N (N from 0), as Nomad's logmon names them: on start the
 * highest existing index is reused and appended to; a file never grows past max_bytes (writes
 * are split exactly at the limit); when more than max_files indexes exist the lowest are deleted.
 * Every file is opened with openat on a directory fd held from before pivot_root.
 */
#ifndef CORRAL_LOGS_H
#define CORRAL_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct log_rotator {
    int dirfd;           /* the log directory (not owned: shared by both streams) */
    char prefix[288];    /* "<name>.<stream>." */
    int fd;              /* the current file, -1 before log_open */
    uint64_t index;      /* the current file's N */
    uint64_t oldest;     /* lowest N that may still exist */
    uint64_t size;       /* bytes in the current file */
    uint64_t max_files;
    uint64_t max_bytes;
    int failing;         /* set after a failed write, so a full disk is reported once, not per write */
};

/* Writes "<prefix><index>" into buf. */
void log_file_name(char *buf, size_t size, const char *prefix, uint64_t index);

/* Finds the existing indexes, opens the highest (or 0) for append and prunes the excess. */
int log_open(struct log_rotator *r, int dirfd, const char *name, const char *stream, uint64_t max_files,
             uint64_t max_bytes, struct sandbox_error *e);

/* Appends buf, rotating as needed. On error the rest of buf is dropped. */
int log_write(struct log_rotator *r, const char *buf, size_t len, struct sandbox_error *e);

void log_close(struct log_rotator *r);

/* --sandbox-log: stdout and stderr of this process (and of what it forks) append to path (0600). */
int logs_redirect_output(const char *path);

#endif
