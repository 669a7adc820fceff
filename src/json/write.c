/*
 * write.c — the JSON writer, string escaping, ES6 number form and RFC 8785 (JCS).
 *
 * Everything appends to a struct sol_buf, which remembers running out of memory
 * (->oom): writers check once at the end.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "solidarity/alloc.h"

/*
 * RFC 8785 §3.2.2.2: '"' and '\' escaped, U+0008 U+0009 U+000A U+000C U+000D as
 * \b \t \n \f \r, other controls below U+0020 as \u00xx (lower-case hex), every
 * other code point as itself. Invalid UTF-8 becomes U+FFFD, one per bad byte.
 */
void
sol_json_escape(struct sol_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    if (!sol_buf_reserve(out, n + 2))
        return;
    sol_buf_putc(out, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    size_t i = 0;
    while (i < n) {
        unsigned char b = u[i];
        if (b >= 0x20 && b != '"' && b != '\\' && b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0x80) {
            uint32_t cp;
            size_t len = sol_utf8_decode(s + i, n - i, &cp);
            if (len) {
                i += len;
                continue;
            }
        }
        sol_buf_append(out, s + run, i - run);
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (b) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            if (b < 0x20) {
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[b >> 4];
                esc[5] = hex[b & 15];
                elen = 6;
            } else {
                /* A byte that does not start valid UTF-8: U+FFFD in its place. */
                esc[0] = (char)0xEF;
                esc[1] = (char)0xBF;
                esc[2] = (char)0xBD;
                elen = 3;
            }
        }
        sol_buf_append(out, esc, elen);
        i++;
        run = i;
    }
    sol_buf_append(out, s + run, n - run);
    sol_buf_putc(out, '"');
}

/* Split "D.DDDe+XX" (or "De+XX") into its digits, without trailing zeros, and exponent X. */
static int
split_exponential(const char *buf, char digits[24], int *x)
{
    int k = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < 23)
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    *x = *p ? (int)strtol(p + 1, NULL, 10) : 0;
    return k;
}

/*
 * The shortest decimal digits that read back as d (> 0, finite): digits without a
 * point into digits (NUL-terminated), and the decimal exponent e such that
 * d = 0.DIGITS × 10^e. Returns the number of digits.
 *
 * For each precision p from 1 up, the correctly rounded p-digit value is the
 * closest candidate; when it does not read back as d, the p-digit value on the
 * other side of d may still (when d is a power of two, the values that read back
 * as d reach twice as far above d as below it), and nothing further away can.
 * The first p where one of the two reads back gives the shortest digits, and the
 * closest of them as ECMAScript asks.
 */
static int
shortest_digits(double d, char digits[24], int *e)
{
    char buf[48];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
        double v = strtod(buf, NULL);
        int x;
        if (v == d || prec == 17) {
            int k = split_exponential(buf, digits, &x);
            *e = x + 1;
            return k;
        }
        /* The neighbour: the mantissa as a prec-digit integer, one step towards d. */
        uint64_t m = 0;
        for (const char *p = buf; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                m = m * 10 + (uint64_t)(*p - '0');
        const char *ep = strchr(buf, 'e');
        x = ep ? (int)strtol(ep + 1, NULL, 10) : 0;
        m = v < d ? m + 1 : m - 1;
        if (m == 0)
            continue;
        int scale = x - prec + 1; /* d ~ m × 10^scale */
        snprintf(buf, sizeof(buf), "%" PRIu64 "e%d", m, scale);
        if (strtod(buf, NULL) == d) {
            int len = snprintf(buf, sizeof(buf), "%" PRIu64, m);
            int k = len;
            while (k > 1 && buf[k - 1] == '0')
                k--;
            memcpy(digits, buf, (size_t)k);
            digits[k] = '\0';
            *e = len + scale;
            return k;
        }
    }
    return 0; /* not reached: 17 digits always read back */
}

/*
 * RFC 8785 §3.2.2.3 (ECMAScript Number::toString): with the shortest digits
 * s (k of them) and n such that the value is s × 10^(n−k):
 *   k ≤ n ≤ 21        digits then n−k zeros             100, 1e20 → 100000000000000000000
 *   0 < n ≤ 21        digits with a point after n        1.5
 *   −6 < n ≤ 0        "0." then −n zeros then digits     0.000001
 *   otherwise         d[.ddd]e±(n−1)                     1e+21, 1e-7, 1.5e-7
 */
void
sol_json_format_double(struct sol_buf *out, double d)
{
    if (isnan(d) || isinf(d)) {
        sol_buf_puts(out, "null");
        return;
    }
    if (d == 0) {
        sol_buf_putc(out, '0'); /* also -0 */
        return;
    }
    char s[64];
    size_t len = 0;
    if (d < 0) {
        s[len++] = '-';
        d = -d;
    }
    char digits[24];
    int n;
    int k = shortest_digits(d, digits, &n);
    if (k <= n && n <= 21) {
        memcpy(s + len, digits, (size_t)k);
        len += (size_t)k;
        for (int i = k; i < n; i++)
            s[len++] = '0';
    } else if (0 < n && n <= 21) {
        memcpy(s + len, digits, (size_t)n);
        len += (size_t)n;
        s[len++] = '.';
        memcpy(s + len, digits + n, (size_t)(k - n));
        len += (size_t)(k - n);
    } else if (-6 < n && n <= 0) {
        s[len++] = '0';
        s[len++] = '.';
        for (int i = 0; i < -n; i++)
            s[len++] = '0';
        memcpy(s + len, digits, (size_t)k);
        len += (size_t)k;
    } else {
        s[len++] = digits[0];
        if (k > 1) {
            s[len++] = '.';
            memcpy(s + len, digits + 1, (size_t)(k - 1));
            len += (size_t)(k - 1);
        }
        len +=
            (size_t)snprintf(s + len, sizeof(s) - len, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    sol_buf_append(out, s, len);
}

/* The writer. */

/* Start writing into out (not owned by the writer). */
void
sol_jw_init(struct sol_json_writer *w, struct sol_buf *out, bool pretty)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->pretty = pretty;
}

#define JW_SLOTS 64 /* need_comma has JW_SLOTS + 1 entries; deeper levels share the last */

static inline bool *
slot(struct sol_json_writer *w, uint32_t depth)
{
    return &w->need_comma[depth < JW_SLOTS ? depth : JW_SLOTS];
}

static void
newline_indent(struct sol_json_writer *w)
{
    if (!w->pretty || w->depth > JW_SLOTS)
        return;
    sol_buf_putc(w->out, '\n');
    for (uint32_t i = 0; i < w->depth; i++)
        sol_buf_append(w->out, "  ", 2);
}

/* What comes before a value or a key: a comma, a new line in pretty mode. */
static void
before_item(struct sol_json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    bool *need = slot(w, w->depth);
    if (w->depth == 0) {
        if (*need)
            sol_buf_putc(w->out, '\n'); /* several top-level values: one per line */
    } else {
        if (*need)
            sol_buf_putc(w->out, ',');
        newline_indent(w);
    }
    *need = true;
}

static void
container_begin(struct sol_json_writer *w, char c)
{
    before_item(w);
    sol_buf_putc(w->out, c);
    w->depth++;
    *slot(w, w->depth) = false;
}

static void
container_end(struct sol_json_writer *w, char c)
{
    if (w->depth == 0)
        return; /* unbalanced: ignore rather than write garbage */
    bool had_items = *slot(w, w->depth);
    w->depth--;
    *slot(w, w->depth) = true;
    if (had_items)
        newline_indent(w);
    sol_buf_putc(w->out, c);
    w->after_key = false;
}

/* Containers: begin and end in matching pairs; an unmatched end is ignored. */
void
sol_jw_object_begin(struct sol_json_writer *w)
{
    container_begin(w, '{');
}

void
sol_jw_object_end(struct sol_json_writer *w)
{
    container_end(w, '}');
}

void
sol_jw_array_begin(struct sol_json_writer *w)
{
    container_begin(w, '[');
}

void
sol_jw_array_end(struct sol_json_writer *w)
{
    container_end(w, ']');
}

/* A member's key (escaped); the value written next belongs to it. */
void
sol_jw_keyn(struct sol_json_writer *w, const char *key, size_t n)
{
    before_item(w);
    sol_json_escape(w->out, key, n);
    if (w->pretty)
        sol_buf_append(w->out, ": ", 2);
    else
        sol_buf_putc(w->out, ':');
    w->after_key = true;
}

void
sol_jw_key(struct sol_json_writer *w, const char *key)
{
    sol_jw_keyn(w, key, strlen(key));
}

/* Scalars: each places its comma (and new line and indent when pretty) first. */
void
sol_jw_stringn(struct sol_json_writer *w, const char *s, size_t n)
{
    before_item(w);
    sol_json_escape(w->out, s, n);
}

void
sol_jw_string(struct sol_json_writer *w, const char *s)
{
    sol_jw_stringn(w, s, strlen(s));
}

void
sol_jw_int(struct sol_json_writer *w, int64_t i)
{
    before_item(w);
    char b[24];
    int len = snprintf(b, sizeof(b), "%" PRId64, i);
    sol_buf_append(w->out, b, (size_t)len);
}

void
sol_jw_uint(struct sol_json_writer *w, uint64_t u)
{
    before_item(w);
    char b[24];
    int len = snprintf(b, sizeof(b), "%" PRIu64, u);
    sol_buf_append(w->out, b, (size_t)len);
}

void
sol_jw_double(struct sol_json_writer *w, double d)
{
    before_item(w);
    /*
     * ES6 form prints 2^53 < d < 1e21 as an integer rounded to its shortest digits
     * ("1844674407370955300" for 1844674407370955264), which a reader that keeps
     * integers exact (ours) takes for a different number. All the digits read back
     * the same everywhere.
     */
    double a = fabs(d);
    if (a >= 9007199254740992.0 && a < 1e21 && d == floor(d)) {
        char b[32];
        int len = snprintf(b, sizeof(b), "%.0f", d);
        sol_buf_append(w->out, b, (size_t)len);
        return;
    }
    sol_json_format_double(w->out, d);
}

void
sol_jw_bool(struct sol_json_writer *w, bool b)
{
    before_item(w);
    if (b)
        sol_buf_append(w->out, "true", 4);
    else
        sol_buf_append(w->out, "false", 5);
}

void
sol_jw_null(struct sol_json_writer *w)
{
    before_item(w);
    sol_buf_append(w->out, "null", 4);
}

/* Already-serialised JSON, copied as it is: the caller vouches for it. */
void
sol_jw_raw(struct sol_json_writer *w, const char *json, size_t n)
{
    before_item(w);
    sol_buf_append(w->out, json, n);
}

/* A parsed value, members in their order; recursion bounded by the doc's depth limit. */
void
sol_jw_value(struct sol_json_writer *w, const struct sol_json *v)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *e;
    switch (sol_json_type(v)) {
    case SOL_JSON_NULL:
        sol_jw_null(w);
        break;
    case SOL_JSON_BOOL:
        sol_jw_bool(w, v->u.b);
        break;
    case SOL_JSON_INT:
        sol_jw_int(w, v->u.i);
        break;
    case SOL_JSON_UINT:
        sol_jw_uint(w, v->u.u);
        break;
    case SOL_JSON_DOUBLE:
        sol_jw_double(w, v->u.d);
        break;
    case SOL_JSON_STRING:
        sol_jw_stringn(w, v->u.s, v->n);
        break;
    case SOL_JSON_ARRAY:
        sol_jw_array_begin(w);
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &e))
            sol_jw_value(w, e);
        sol_jw_array_end(w);
        break;
    case SOL_JSON_OBJECT:
        sol_jw_object_begin(w);
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, &key, &e)) {
            sol_jw_keyn(w, key.p, key.n);
            sol_jw_value(w, e);
        }
        sol_jw_object_end(w);
        break;
    default:
        sol_jw_null(w);
    }
}

/* RFC 8785 (JCS). */

/*
 * The UTF-16 code unit of cp that sorts it: its own value in the BMP, its high
 * surrogate above (the low surrogate decides only between equal high ones, and
 * then code point order agrees).
 */
static inline uint32_t
utf16_first_unit(uint32_t cp)
{
    return cp < 0x10000 ? cp : 0xd800 + ((cp - 0x10000) >> 10);
}

/* RFC 8785 §3.2.3: compare two keys (valid UTF-8) by their UTF-16 code units. */
static int
utf16_compare(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an && j < bn) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[j];
        if (x < 0x80 && y < 0x80) {
            if (x != y)
                return x < y ? -1 : 1;
            i++;
            j++;
            continue;
        }
        uint32_t ca, cb;
        size_t la = sol_utf8_decode(a + i, an - i, &ca);
        size_t lb = sol_utf8_decode(b + j, bn - j, &cb);
        if (!la)
            ca = (unsigned char)a[i], la = 1;
        if (!lb)
            cb = (unsigned char)b[j], lb = 1;
        if (ca != cb) {
            uint32_t ua = utf16_first_unit(ca), ub = utf16_first_unit(cb);
            if (ua != ub)
                return ua < ub ? -1 : 1;
            return ca < cb ? -1 : 1;
        }
        i += la;
        j += lb;
    }
    if (i < an)
        return 1;
    if (j < bn)
        return -1;
    return 0;
}

static int
member_compare(const void *x, const void *y)
{
    const struct sol_json *a = *(const struct sol_json *const *)x;
    const struct sol_json *b = *(const struct sol_json *const *)y;
    return utf16_compare(a->u.s, a->n, b->u.s, b->n);
}

static int
canonical(struct sol_buf *out, const struct sol_json *v)
{
    switch (sol_json_type(v)) {
    case SOL_JSON_NULL:
        sol_buf_append(out, "null", 4);
        return 0;
    case SOL_JSON_BOOL:
        if (v->u.b)
            sol_buf_append(out, "true", 4);
        else
            sol_buf_append(out, "false", 5);
        return 0;
    case SOL_JSON_INT:
    case SOL_JSON_UINT:
    case SOL_JSON_DOUBLE:
        /* RFC 8785 §3.2.2.3: every number is an IEEE 754 double. */
        sol_json_format_double(out, sol_json_number(v));
        return 0;
    case SOL_JSON_STRING:
        sol_json_escape(out, v->u.s, v->n);
        return 0;
    case SOL_JSON_ARRAY: {
        sol_buf_putc(out, '[');
        const struct sol_json *e = v + 1;
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                sol_buf_putc(out, ',');
            int rc = canonical(out, e);
            if (rc)
                return rc;
            e += e->skip;
        }
        sol_buf_putc(out, ']');
        return 0;
    }
    case SOL_JSON_OBJECT: {
        /* RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their keys. */
        const struct sol_json *small[16];
        const struct sol_json **keys = small;
        if (v->n > 16) {
            keys = sol_malloc(v->n * sizeof(const struct sol_json *));
            if (!keys)
                return SOL_ENOMEM;
        }
        const struct sol_json *k = v + 1;
        for (uint32_t i = 0; i < v->n; i++) {
            keys[i] = k;
            k += 1 + k[1].skip;
        }
        qsort(keys, v->n, sizeof(const struct sol_json *), member_compare);
        sol_buf_putc(out, '{');
        int rc = 0;
        for (uint32_t i = 0; i < v->n && rc == 0; i++) {
            if (i)
                sol_buf_putc(out, ',');
            sol_json_escape(out, keys[i]->u.s, keys[i]->n);
            sol_buf_putc(out, ':');
            rc = canonical(out, keys[i] + 1);
        }
        sol_buf_putc(out, '}');
        if (keys != small)
            sol_free(keys);
        return rc;
    }
    default:
        return SOL_EINVAL;
    }
}

/* RFC 8785: the canonical form of v; SOL_ENOMEM when out (or a sort array) ran out of memory. */
int
sol_json_canonical(struct sol_buf *out, const struct sol_json *v)
{
    int rc = canonical(out, v);
    if (rc == 0 && out->oom)
        rc = SOL_ENOMEM;
    return rc;
}
