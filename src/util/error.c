/*
 * error.c — the error table, messages and reports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SOL_ERROR_C /* the real sol_error_set, not error.h's macro for the analyzer */
#include "solidarity/error.h"

struct err_entry {
    int code;
    const char *name;
    const char *msg;
};

static const struct err_entry err_table[] = {
#define SOL__ERR_ROW(name, msg) {SOL_E##name, "SOL_E" #name, msg},
    SOL_ERRNO_MAP(SOL__ERR_ROW)
#undef SOL__ERR_ROW
};

static const struct err_entry *
err_find(int code)
{
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
        if (err_table[i].code == code)
            return &err_table[i];
    return NULL;
}

const char *
sol_strerror(int code)
{
    if (code == 0)
        return "success";
    const struct err_entry *e = err_find(code);
    return e ? e->msg : "unknown error";
}

const char *
sol_err_name(int code)
{
    if (code == 0)
        return "SOL_OK";
    const struct err_entry *e = err_find(code);
    return e ? e->name : "SOL_E?";
}

int
sol_error_set(struct sol_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    memset(err, 0, sizeof(*err));
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void
sol_error_clear(struct sol_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

char *
sol_error_format(const struct sol_error *err, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    const char *msg = err->msg[0] ? err->msg : sol_strerror(err->code);
    if (err->path[0])
        snprintf(buf, n, "%s: %s", err->path, msg);
    else if (err->line)
        snprintf(buf, n, "line %u, column %u: %s", err->line, err->column, msg);
    else
        snprintf(buf, n, "%s", msg);
    return buf;
}
