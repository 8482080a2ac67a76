/* `corral-sandbox probe`: what this kernel offers, as key=value lines (see CONTRACT.md). */
#ifndef CORRAL_PROBE_H
#define CORRAL_PROBE_H

#include <stdio.h>

int probe_main(FILE *out);

#endif
