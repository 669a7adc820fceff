/*
 * replay.c — runs a fuzz target over its stored corpus without libFuzzer, so that
 * `make test` replays every input found so far (under ASan and UBSan). Prints TAP:
 * one result per file. A crash fails the whole run, as it should.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        printf("1..0 # SKIP no corpus at %s\n", argv[1]);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    printf("1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            printf("not ok %zu - %s: cannot open\n", i + 1, names[i]);
            continue;
        }
        struct stat st;
        fstat(fileno(f), &st);
        size_t size = (size_t)st.st_size;
        uint8_t *buf = malloc(size ? size : 1);
        size_t got = fread(buf, 1, size, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        printf("ok %zu - %s\n", i + 1, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}
