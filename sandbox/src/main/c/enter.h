/* `corral-sandbox enter`: run a command inside a running task (Nomad's alloc exec). */
#ifndef CORRAL_ENTER_H
#define CORRAL_ENTER_H

#include "options.h"

/* Returns the command's exit code (or 128+signal), or 125/126/127 when the helper failed. */
int enter_main(const struct sandbox_options *o);

#endif
