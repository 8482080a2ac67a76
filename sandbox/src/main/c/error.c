#include "error.h"

#include <stdio.h>
#include <string.h>

void sandbox_error_set(struct sandbox_error *e, const char *step, int errnum, const char *fmt, ...) {
    va_list ap;
    snprintf(e->step, sizeof e->step, "%s", step);
    e->err = errnum;
    va_start(ap, fmt);
    int n = vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        e->detail[0] = '\0';
        n = 0;
    }
    size_t used = (size_t)n < sizeof e->detail ? (size_t)n : sizeof e->detail - 1;
    if (errnum != 0) {
        snprintf(e->detail + used, sizeof e->detail - used, ": %s", strerror(errnum));
    }
}
