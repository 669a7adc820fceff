/*
 * fuzz_jsonlines.c — the JSON-lines reader on arbitrary bytes.
 *
 * Reads the input three ways: from memory, through a FILE* with the usual buffer,
 * and through a FILE* whose buffer starts at a few bytes (so records cross refills,
 * compactions and growth). All must give the same records (result, line, raw text,
 * error and its place) and end cleanly; a record's error is at or after the line
 * where the record started.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "solidarity/json.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *
open_bytes(const uint8_t *data, size_t size)
{
    if (size == 0)
        return fopen("/dev/null", "rb");
    return fmemopen((void *)(uintptr_t)data, size, "rb");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A small limit, so that overlong records happen. */
    struct sol_json_limits lim = {256, 64, false};
    struct sol_json_reader *r[3];
    FILE *f[3] = {NULL, open_bytes(data, size), open_bytes(data, size)};
    if (!f[1] || !f[2]) {
        if (f[1])
            fclose(f[1]);
        if (f[2])
            fclose(f[2]);
        return 0;
    }
    r[0] = sol_json_reader_new_mem((const char *)data, size, &lim);
    r[1] = sol_json_reader_new(f[1], &lim);
    r[2] = sol_json_reader_new(f[2], &lim);
    ALWAYS(r[0] && r[1] && r[2]);
    ALWAYS(sol__json_reader_buffer(r[2], 1 + (size ? data[0] % 13 : 0)) == 0);
    for (int n = 0;; n++) {
        const struct sol_json *v[3];
        struct sol_str raw[3];
        struct sol_error e[3];
        int rc[3];
        for (int i = 0; i < 3; i++)
            rc[i] = sol_json_reader_next(r[i], &v[i], &raw[i], &e[i]);
        for (int i = 1; i < 3; i++) {
            ALWAYS(rc[i] == rc[0]);
            ALWAYS(sol_json_reader_line(r[i]) == sol_json_reader_line(r[0]));
            if (rc[0] == SOL_EEOF)
                continue;
            ALWAYS(raw[i].n == raw[0].n &&
                   (raw[0].n == 0 || memcmp(raw[i].p, raw[0].p, raw[0].n) == 0));
            if (rc[0] == 0)
                ALWAYS(sol_json_equal(v[i], v[0]));
            else
                ALWAYS(e[i].line == e[0].line && e[i].column == e[0].column &&
                       e[i].offset == e[0].offset && strcmp(e[i].msg, e[0].msg) == 0);
        }
        if (rc[0] == SOL_EEOF)
            break;
        ALWAYS(rc[0] == 0 || rc[0] == SOL_ESYNTAX || rc[0] == SOL_ELIMIT);
        ALWAYS(n <= (int)size + 1);
        if (rc[0] != 0) {
            ALWAYS(e[0].line >= sol_json_reader_line(r[0]));
            ALWAYS(e[0].offset <= size);
        }
    }
    for (int i = 0; i < 3; i++) {
        sol_json_reader_free(r[i]);
        if (f[i])
            fclose(f[i]);
    }
    return 0;
}
