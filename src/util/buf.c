/*
 * buf.c — growable byte buffers and whole-file reads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

void
sol_buf_init(struct sol_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void
sol_buf_free(struct sol_buf *b)
{
    sol_free(b->p);
    memset(b, 0, sizeof(*b));
}

void
sol_buf_reset(struct sol_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

bool
sol_buf_reserve(struct sol_buf *b, size_t more)
{
    if (b->oom)
        return false;
    if (more > (size_t)-1 / 2 - b->n) {
        b->oom = true;
        return false;
    }
    size_t need = b->n + more + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = sol_realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void
sol_buf_append(struct sol_buf *b, const void *p, size_t n)
{
    if (!sol_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void
sol_buf_puts(struct sol_buf *b, const char *s)
{
    sol_buf_append(b, s, strlen(s));
}

void
sol_buf_putc(struct sol_buf *b, char c)
{
    if (b->n + 1 < b->cap && !b->oom) {
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
        return;
    }
    sol_buf_append(b, &c, 1);
}

void
sol_buf_printf(struct sol_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int k = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k < sizeof(small)) {
        sol_buf_append(b, small, (size_t)k);
        return;
    }
    if (!sol_buf_reserve(b, (size_t)k))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

char *
sol_buf_steal(struct sol_buf *b, size_t *n)
{
    if (!b->p)
        sol_buf_append(b, "", 0);
    char *p = b->oom ? NULL : b->p;
    if (n)
        *n = b->oom ? 0 : b->n;
    if (b->oom)
        sol_free(b->p);
    memset(b, 0, sizeof(*b));
    return p;
}

int
sol_read_file(const char *path, size_t max_bytes, struct sol_buf *out, struct sol_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return sol_error_set(err, SOL_EIO, "cannot open: %s", strerror(errno));
    sol_buf_reset(out);
    int rc = 0;
    for (;;) {
        if (!sol_buf_reserve(out, 65536)) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory reading the file");
            break;
        }
        size_t k = fread(out->p + out->n, 1, out->cap - out->n - 1, f);
        out->n += k;
        out->p[out->n] = '\0';
        if (max_bytes && out->n > max_bytes) {
            rc = sol_error_set(err, SOL_ELIMIT, "file larger than the limit of %zu bytes",
                               max_bytes);
            break;
        }
        if (k == 0) {
            if (ferror(f))
                rc = sol_error_set(err, SOL_EIO, "read error: %s", strerror(errno));
            break;
        }
    }
    if (!is_stdin)
        fclose(f);
    return rc;
}
