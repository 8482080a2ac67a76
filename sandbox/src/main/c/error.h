/* Failure record shared by every subsystem: which setup step failed, errno, detail. */
#ifndef CORRAL_ERROR_H
#define CORRAL_ERROR_H

#include <stdarg.h>

struct sandbox_error {
    char step[32];    /* setup step name, e.g. "pivot_root"; "" when nothing failed */
    int err;          /* errno of the failed call, 0 for a usage error */
    char detail[320]; /* one line: what was being done and strerror(err) */
};

/* Fills e (step, errno, printf-style detail with ": strerror" appended when errnum != 0). */
void sandbox_error_set(struct sandbox_error *e, const char *step, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records a failure into e and returns -1 from the calling function. */
#define FAIL(e, step, errnum, ...)                                   \
    do {                                                             \
        sandbox_error_set((e), (step), (errnum), __VA_ARGS__);       \
        return -1;                                                   \
    } while (0)

/* Evaluates a syscall-like expression; on a negative result records errno and returns -1. */
#define CHECK(e, step, expr, ...)                                    \
    do {                                                             \
        if ((expr) < 0) {                                            \
            int check_errno_ = errno;                                \
            sandbox_error_set((e), (step), check_errno_, __VA_ARGS__); \
            return -1;                                               \
        }                                                            \
    } while (0)

#endif
