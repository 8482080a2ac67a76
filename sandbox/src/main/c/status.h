/* The status file: key=value lines, replaced atomically (PATH.tmp, fsync, rename, fsync dir). */
#ifndef CORRAL_STATUS_H
#define CORRAL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "error.h"

#define STATUS_VERSION 1

enum task_state {
    STATE_STARTING = 0, /* never written: nothing is known yet */
    STATE_RUNNING,      /* the task exec'd */
    STATE_EXITED,       /* the task ended (exit code or signal) */
    STATE_FAILED,       /* the helper failed (before exec, at exec, or its init was killed) */
};

struct task_status {
    enum task_state state;
    long sandbox_pid;     /* A, host pid */
    long init_pid;        /* B, host pid */
    long task_pid;        /* C, pid inside the task's PID namespace; 0 = not forked */
    int64_t started_ns;   /* CLOCK_REALTIME when exec was seen to succeed; 0 = never */
    bool exec_ok;
    bool finished;        /* exit_code .. maxrss_kb are known */
    int exit_code;        /* code, or 128+signal */
    int signal;           /* 0 if the task was not killed by a signal */
    int64_t finished_ns;
    int64_t utime_us, stime_us, maxrss_kb;
    struct sandbox_error error; /* error.step[0] != 0: failed_step, errno, error */
};

/* CLOCK_REALTIME in nanoseconds. */
int64_t status_now_ns(void);

/* Fills the finish fields from a wait status and the task's rusage. */
void status_set_finished(struct task_status *s, int wait_status, const struct rusage *ru);

/* Renders s as the file's text into buf; returns the length or -1 if it does not fit. */
int status_format(const struct task_status *s, char *buf, size_t size);

/* Tolerant reader: unknown keys and malformed lines are ignored. Returns 0 if version=1 was seen. */
int status_parse(const char *text, struct task_status *s);

/* Atomically replaces NAME in dirfd with s (NAME.tmp + fsync + rename + fsync of the dir). */
int status_write(int dirfd, const char *name, const struct task_status *s, struct sandbox_error *e);

/* Reads and parses NAME in dirfd; -1 when absent or unreadable. */
int status_read(int dirfd, const char *name, struct task_status *s);

/* Opens the directory of status_file (the status file's name in *name); B writes through it after pivot_root. */
int status_open_dir(const char *status_file, const char **name, struct sandbox_error *e);

#endif
