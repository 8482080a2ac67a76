/*
 * corral-bench-stamp FILE: the benchmark payload. Its first action after execve is to read
 * CLOCK_MONOTONIC (shared by every namespace here); it writes that value in ns, decimal, into
 * FILE and exits 0. Built static, so no dynamic loader runs between execve and the reading.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (argc < 2) return 2;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return 3;
    if (write(fd, buf, (size_t)n) != n) return 4;
    return close(fd) == 0 ? 0 : 5;
}
