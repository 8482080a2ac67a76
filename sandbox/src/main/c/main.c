/* corral-sandbox: version | probe | run | enter. See sandbox/CONTRACT.md. */
#include <stdio.h>
#include <string.h>

#include "options.h"

static int usage(void) {
    fputs("usage: corral-sandbox version | probe | run [FLAGS|@FILE] -- CMD [ARGS...]"
          " | enter --pid HOSTPID [FLAGS] -- CMD [ARGS...]\n",
          stderr);
    return 125;
}

int main(int argc, char **argv) {
    if (argc < 2) return usage();
    if (strcmp(argv[1], "version") == 0) {
        printf("corral-sandbox %s\n", SANDBOX_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "enter") != 0) return usage();
    static struct sandbox_options options;
    struct sandbox_error error;
    if (options_parse(argc - 1, argv + 1, &options, &error) < 0) {
        fprintf(stderr, "corral-sandbox: %s\n", error.detail);
        return 125;
    }
    if (options.parse_only) {
        options_print(&options, stdout);
        return fflush(stdout) == 0 ? 0 : 125;
    }
    fputs("corral-sandbox: not implemented yet\n", stderr);
    return 125;
}
