/*
 * fuzz_pattern.c — the pattern parser and checker on arbitrary bytes, then the dump.
 *
 * Invariants: parsing never crashes; a rejected text has an error code of the parser's
 * (SOL_ESYNTAX or SOL_ELIMIT), a message, and a column inside the text or just past it;
 * an accepted text dumps to a non-empty tree; strict parsing accepts exactly the same
 * texts, in both STIX versions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/error.h"
#include "solidarity/pattern.h"
#include "solidarity/util.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
one(const char *text, size_t size, unsigned version, bool strict)
{
    struct sol_pattern_options opt = {0};
    opt.stix_version = version;
    opt.strict = strict;
    struct sol_pattern *p = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = sol_pattern_parse(text, size, &opt, &p, &err);
    if (rc) {
        ALWAYS(p == NULL);
        ALWAYS(rc == SOL_ESYNTAX || rc == SOL_ELIMIT || rc == SOL_ENOMEM);
        ALWAYS(err.msg[0] != '\0');
        ALWAYS(err.column <= size + 1);
        ALWAYS(rc == SOL_ELIMIT || err.column >= 1);
        return rc;
    }
    ALWAYS(p != NULL);
    struct sol_buf out;
    sol_buf_init(&out);
    ALWAYS(sol_pattern_dump(p, &out) == 0);
    ALWAYS(out.n > 0 && out.p[out.n - 1] == '\n');
    for (size_t i = 0; i < sol_pattern_warning_count(p); i++) {
        unsigned col = 0;
        ALWAYS(sol_pattern_warning(p, i, &col) != NULL);
        ALWAYS(col >= 1 && col <= size);
    }
    sol_buf_free(&out);
    sol_pattern_free(p);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    int a = one(text, size, 21, false);
    int b = one(text, size, 21, true);
    /* strict may refuse what a plain parse accepts with a warning (AND across types) */
    ALWAYS(a == b || (a == 0 && b == SOL_ESYNTAX));
    int c = one(text, size, 20, false);
    int d = one(text, size, 20, true);
    ALWAYS(c == d);
    return 0;
}
