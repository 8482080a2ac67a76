#include "proctitle.h"

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

char **proctitle_detach(int argc, char **argv, struct proctitle *area) {
    area->start = argc > 0 ? argv[0] : NULL;
    area->len = 0;
    char **copy = calloc((size_t)argc + 1, sizeof *copy);
    if (copy == NULL) return NULL;
    char *end = area->start;
    for (int i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i]);
        if (copy[i] == NULL) return NULL;
        /* only the contiguous run of strings the kernel placed is ours to overwrite */
        if (argv[i] == end) end += strlen(argv[i]) + 1;
    }
    area->len = (size_t)(end - area->start);
    return copy;
}

void proctitle_set(const struct proctitle *area, const char *const *words) {
    if (area->start == NULL || area->len == 0) return;
    size_t used = 0;
    for (const char *const *w = words; *w != NULL; w++) {
        size_t n = strlen(*w) + 1;
        if (used + n > area->len) break;
        memcpy(area->start + used, *w, n);
        used += n;
    }
    memset(area->start + used, 0, area->len - used);
    if (used > 0) {
        /* best effort: without it /proc/PID/cmdline shows trailing NULs, never the old argv */
        prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(area->start + used), 0, 0);
    }
}

void proctitle_env_area(char **envp, struct proctitle *area) {
    area->start = envp != NULL && envp[0] != NULL ? envp[0] : NULL;
    char *end = area->start;
    for (size_t i = 0; end != NULL && envp[i] != NULL; i++) {
        if (envp[i] == end) end += strlen(envp[i]) + 1;
    }
    area->len = area->start == NULL ? 0 : (size_t)(end - area->start);
}

int proctitle_set_env(const struct proctitle *area, char *const *envp) {
    size_t need = 0;
    for (size_t i = 0; envp[i] != NULL; i++) need += strlen(envp[i]) + 1;
    if (area->start == NULL || need > area->len) return -1;
    size_t used = 0;
    for (size_t i = 0; envp[i] != NULL; i++) {
        size_t n = strlen(envp[i]) + 1;
        memcpy(area->start + used, envp[i], n);
        used += n;
    }
    memset(area->start + used, 0, area->len - used);
    return 0;
}
