/* A tiny test harness: counters passed explicitly, a failing check prints file:line. */
#ifndef CORRAL_UNIT_TEST_H
#define CORRAL_UNIT_TEST_H

#include <stdbool.h>
#include <stdio.h>

struct unit {
    int passed;
    int failed;
};

#define EXPECT(u, cond)                                                            \
    do {                                                                           \
        if (cond) {                                                                \
            (u)->passed++;                                                         \
        } else {                                                                   \
            (u)->failed++;                                                         \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                          \
    } while (0)

void logs_tests(struct unit *u);   /* logs_test.c */
void status_tests(struct unit *u); /* status_test.c */
void seccomp_tests(struct unit *u); /* seccomp_test.c */

#endif
