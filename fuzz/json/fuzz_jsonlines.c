/*
 * fuzz_jsonlines.c — the JSON-lines reader on arbitrary bytes.
 *
 * Reads the input from memory and through a FILE*: both must give the same records
 * (result, line, raw text) and end cleanly; a record's error is at or after the line
 * where the record started.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/json.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sol_json_limits lim = {4096, 64, false};
    struct sol_json_reader *m = sol_json_reader_new_mem((const char *)data, size, &lim);
    FILE *f = fmemopen((void *)(uintptr_t)data, size ? size : 1, "rb");
    if (size == 0 && f) {
        fclose(f);
        f = fopen("/dev/null", "rb");
    }
    struct sol_json_reader *r = f ? sol_json_reader_new(f, &lim) : NULL;
    ALWAYS(m != NULL);
    for (int n = 0;; n++) {
        const struct sol_json *a, *b;
        struct sol_str ra, rb;
        struct sol_error ea, eb;
        int rca = sol_json_reader_next(m, &a, &ra, &ea);
        if (r) {
            int rcb = sol_json_reader_next(r, &b, &rb, &eb);
            ALWAYS(rca == rcb);
            ALWAYS(sol_json_reader_line(m) == sol_json_reader_line(r));
            if (rca != SOL_EEOF) {
                ALWAYS(ra.n == rb.n && memcmp(ra.p, rb.p, ra.n) == 0);
                if (rca == 0)
                    ALWAYS(sol_json_equal(a, b));
                else
                    ALWAYS(ea.line == eb.line && ea.column == eb.column && ea.offset == eb.offset &&
                           strcmp(ea.msg, eb.msg) == 0);
            }
        }
        if (rca == SOL_EEOF)
            break;
        ALWAYS(rca == 0 || rca == SOL_ESYNTAX || rca == SOL_ELIMIT);
        ALWAYS(n <= (int)size + 1);
        if (rca != 0) {
            ALWAYS(ea.line >= sol_json_reader_line(m));
            ALWAYS(ea.offset <= size);
        }
    }
    sol_json_reader_free(m);
    sol_json_reader_free(r);
    if (f)
        fclose(f);
    return 0;
}
