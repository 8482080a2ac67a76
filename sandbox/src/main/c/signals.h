/* Signal plumbing shared by A (forwards to B), B (forwards to the task's group) and C (resets). */
#ifndef CORRAL_SIGNALS_H
#define CORRAL_SIGNALS_H

#include <signal.h>

#include "error.h"

/* Resets SIGCHLD to SIG_DFL and blocks every signal; they are then read from a signalfd. */
int signals_block_all(struct sandbox_error *e);

/* A signalfd (O_CLOEXEC) for every catchable signal; SIGKILL and SIGSTOP cannot be read. */
int signals_open_fd(struct sandbox_error *e);

/* Before exec in the task: every disposition back to SIG_DFL and an empty mask. */
int signals_reset(struct sandbox_error *e);

#endif
