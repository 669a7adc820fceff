/*
 * fuzz_conf.c — the configuration file parser (conf.h) on arbitrary bytes.
 *
 * Invariants: parsing never crashes; every key handed over is non-empty, of lower-case
 * letters, digits and '-', and every value is NUL-free and no longer than a line; a
 * rejected text has SOL_ESYNTAX or SOL_ELIMIT and a message, and a syntax error a line
 * number no greater than the text's lines.
 */
#include <stdint.h>
#include <string.h>

#include "solidarity/conf.h"

#define ALWAYS(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check_setting(void *ud, const char *key, const char *value, unsigned line, struct sol_error *err)
{
    (void)err;
    unsigned *settings = ud;
    ALWAYS(*key);
    for (const char *k = key; *k; k++)
        ALWAYS((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-');
    ALWAYS(strlen(value) <= SOL_CONF_MAX_LINE);
    ALWAYS(line >= 1);
    (*settings)++;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    unsigned settings = 0, lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_conf_parse(text, size, check_setting, &settings, &err);
    if (rc != 0) {
        ALWAYS(rc == SOL_ESYNTAX || rc == SOL_ELIMIT);
        ALWAYS(err.msg[0]);
        if (rc == SOL_ESYNTAX)
            ALWAYS(err.line >= 1 && err.line <= lines);
    }
    ALWAYS(settings <= lines);
    return 0;
}
