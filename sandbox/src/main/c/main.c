#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "version") == 0) {
        puts("corral-sandbox 0.1.0");
        return 0;
    }
    fputs("usage: corral-sandbox run|probe|version\n", stderr);
    return 2;
}
