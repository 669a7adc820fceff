/*
 * locate.c — a strict JSON checker (RFC 8259) that says where and why.
 *
 * simdjson reports only an error code; when a parse fails, this checker runs over
 * the same bytes to find the first error's offset and a message a person can act
 * on. It is iterative (an explicit stack of container kinds), so hostile nesting
 * cannot overflow the C stack, and it allocates nothing.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "solidarity/util.h"

struct checker {
    const unsigned char *p;
    size_t n;
    size_t i;
    size_t node; /* nodes counted so far, as the parser numbers them */
    struct sol__json_check *c;
};

static int fail(struct checker *k, int code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct checker *k, int code, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->c->msg, sizeof(k->c->msg), fmt, ap);
    va_end(ap);
    k->c->offset = offset;
    k->c->code = code;
    k->c->incomplete = offset >= k->n;
    return code;
}

static void
skip_ws(struct checker *k)
{
    /* RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D ) */
    while (k->i < k->n) {
        unsigned char b = k->p[k->i];
        if (b != ' ' && b != '\t' && b != '\n' && b != '\r')
            break;
        k->i++;
    }
}

/* Describe the byte at i for a message: "'x'", "byte 0xC3", or "end of input". */
static const char *
describe(const struct checker *k, size_t i, char *buf, size_t n)
{
    if (i >= k->n)
        snprintf(buf, n, "end of input");
    else if (k->p[i] >= 0x21 && k->p[i] < 0x7f)
        snprintf(buf, n, "'%c'", k->p[i]);
    else
        snprintf(buf, n, "byte 0x%02X", k->p[i]);
    return buf;
}

static int
hexval(unsigned char b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    if (b >= 'a' && b <= 'f')
        return b - 'a' + 10;
    if (b >= 'A' && b <= 'F')
        return b - 'A' + 10;
    return -1;
}

/* Four hex digits at i, or -1. */
static long
hex4(const struct checker *k, size_t i)
{
    if (i > k->n || k->n - i < 4)
        return -1;
    long v = 0;
    for (size_t j = 0; j < 4; j++) {
        int h = hexval(k->p[i + j]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/*
 * string = quotation-mark *char quotation-mark                      RFC 8259 §7
 * char = unescaped / escape ( %x22 / %x5C / %x2F / %x62 / %x66 / %x6E / %x72 / %x74 /
 *        %x75 4HEXDIG )
 * unescaped = %x20-21 / %x23-5B / %x5D-10FFFF   (as UTF-8, RFC 8259 §8.1)
 *
 * k->i is at the opening quote. When is_key and the key is the node the caller asked
 * about, it is reported as a duplicate.
 */
static int
check_string(struct checker *k, bool is_key)
{
    size_t start = k->i;
    size_t node = k->node++;
    k->i++;
    for (;;) {
        if (k->i >= k->n) {
            fail(k, SOL_ESYNTAX, start, "unterminated string");
            k->c->incomplete = true;
            return SOL_ESYNTAX;
        }
        unsigned char b = k->p[k->i];
        if (b == '"') {
            k->i++;
            break;
        }
        if (b == '\\') {
            size_t esc = k->i;
            if (k->i + 1 >= k->n) {
                fail(k, SOL_ESYNTAX, start, "unterminated string");
                k->c->incomplete = true;
                return SOL_ESYNTAX;
            }
            unsigned char e = k->p[k->i + 1];
            switch (e) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                k->i += 2;
                continue;
            case 'u':
                break;
            default:
                if (e >= 0x21 && e < 0x7f)
                    return fail(k, SOL_ESYNTAX, esc, "invalid escape '\\%c'", e);
                return fail(k, SOL_ESYNTAX, esc, "invalid escape: '\\' followed by byte 0x%02X", e);
            }
            long u = hex4(k, k->i + 2);
            if (u < 0)
                return fail(k, SOL_ESYNTAX, esc,
                            "invalid escape: \\u must be followed by four hex digits");
            k->i += 6;
            /* RFC 8259 §7: a code point above the BMP is a UTF-16 surrogate pair. */
            if (u >= 0xdc00 && u <= 0xdfff)
                return fail(k, SOL_ESYNTAX, esc, "lone surrogate \\u%04lX", u);
            if (u >= 0xd800 && u <= 0xdbff) {
                long lo = -1;
                if (k->i + 1 < k->n && k->p[k->i] == '\\' && k->p[k->i + 1] == 'u')
                    lo = hex4(k, k->i + 2);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return fail(k, SOL_ESYNTAX, esc, "lone surrogate \\u%04lX", u);
                k->i += 6;
            }
            continue;
        }
        if (b < 0x20)
            return fail(k, SOL_ESYNTAX, k->i,
                        "control character U+%04X in a string must be escaped", b);
        if (b < 0x80) {
            k->i++;
            continue;
        }
        uint32_t cp;
        size_t len = sol_utf8_decode((const char *)k->p + k->i, k->n - k->i, &cp);
        if (!len)
            return fail(k, SOL_ESYNTAX, k->i, "invalid UTF-8 byte 0x%02X in a string", b);
        k->i += len;
    }
    if (is_key && node == k->c->dup_node) {
        size_t len = k->i - start - 2;
        int shown = len > 64 ? 64 : (int)len;
        return fail(k, SOL_ESYNTAX, start, "duplicate key \"%.*s%s\"", shown,
                    (const char *)k->p + start + 1, len > 64 ? "..." : "");
    }
    return 0;
}

static bool
is_digit(unsigned char b)
{
    return b >= '0' && b <= '9';
}

/* Is the literal of len bytes at s (an integer, maybe negative) outside int64/uint64? */
static bool
integer_is_big(const unsigned char *s, size_t len)
{
    bool neg = s[0] == '-';
    if (neg) {
        s++;
        len--;
    }
    /* -9223372036854775808 is the least int64; 18446744073709551615 the most uint64. */
    const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
    size_t limlen = strlen(lim);
    if (len != limlen)
        return len > limlen;
    return memcmp(s, lim, len) > 0;
}

/* Does the number literal of len bytes at s overflow a double? */
static bool
number_overflows(const unsigned char *s, size_t len)
{
    char buf[400];
    if (len < sizeof(buf)) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        double d = strtod(buf, NULL);
        return isinf(d);
    }
    /*
     * A long literal: its magnitude is 10^(digits before the point after leading zeros,
     * plus the exponent). Far from the edge of the double range the answer is clear;
     * near it, the first significant digits decide.
     */
    size_t i = 0;
    if (s[i] == '-')
        i++;
    long mag = 0;
    bool seen = false;
    for (; i < len && is_digit(s[i]); i++) {
        if (s[i] != '0')
            seen = true;
        if (seen)
            mag++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++) {
            if (seen)
                continue;
            mag--;
            if (s[i] != '0')
                seen = true, mag++;
        }
    }
    if (!seen)
        return false;
    long exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (s[i] == '+' || s[i] == '-')
            eneg = s[i++] == '-';
        for (; i < len; i++)
            if (exp < 100000)
                exp = exp * 10 + (s[i] - '0');
        if (eneg)
            exp = -exp;
    }
    return mag + exp > 309;
}

/*
 * number = [ minus ] int [ frac ] [ exp ]                           RFC 8259 §6
 * int = zero / ( digit1-9 *DIGIT ); frac = "." 1*DIGIT; exp = e [ - / + ] 1*DIGIT
 */
static int
check_number(struct checker *k)
{
    size_t start = k->i;
    size_t node = k->node++;
    const unsigned char *p = k->p;
    size_t i = k->i;
    if (p[i] == '-')
        i++;
    if (i >= k->n || !is_digit(p[i]))
        return fail(k, SOL_ESYNTAX, start, "invalid number: expected a digit after '-'");
    if (p[i] == '0') {
        i++;
        if (i < k->n && is_digit(p[i]))
            return fail(k, SOL_ESYNTAX, start, "invalid number: leading zero");
    } else {
        while (i < k->n && is_digit(p[i]))
            i++;
    }
    bool integer = true;
    if (i < k->n && p[i] == '.') {
        integer = false;
        i++;
        if (i >= k->n || !is_digit(p[i]))
            return fail(k, SOL_ESYNTAX, start, "invalid number: expected a digit after '.'");
        while (i < k->n && is_digit(p[i]))
            i++;
    }
    if (i < k->n && (p[i] == 'e' || p[i] == 'E')) {
        integer = false;
        i++;
        if (i < k->n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= k->n || !is_digit(p[i]))
            return fail(k, SOL_ESYNTAX, start, "invalid number: expected a digit in the exponent");
        while (i < k->n && is_digit(p[i]))
            i++;
    }
    k->i = i;
    size_t len = i - start;
    if (number_overflows(p + start, len))
        return fail(k, SOL_ESYNTAX, start, "number %.*s%s is out of range",
                    len > 40 ? 40 : (int)len, (const char *)p + start, len > 40 ? "..." : "");
    if (integer && integer_is_big(p + start, len)) {
        struct sol__json_check *c = k->c;
        if (c->big_nodes && c->big_count < c->big_cap) {
            c->big_nodes[c->big_count] = node;
            c->big_ends[c->big_count] = i;
        }
        c->big_count++;
    }
    return 0;
}

/* true / false / null at k->i. */
static int
check_literal(struct checker *k)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t w = 0; w < 3; w++) {
        size_t len = strlen(words[w]);
        if (k->p[k->i] != (unsigned char)words[w][0])
            continue;
        if (k->n - k->i < len || memcmp(k->p + k->i, words[w], len) != 0)
            return fail(k, SOL_ESYNTAX, k->i, "invalid literal: expected '%s'", words[w]);
        k->i += len;
        k->node++;
        return 0;
    }
    return -1;
}

enum { IN_ARRAY = 1, IN_OBJECT = 2 };

/*
 * JSON-text = ws value ws                                           RFC 8259 §2
 * value = false / null / true / object / array / number / string
 * object = begin-object [ member *( value-separator member ) ] end-object   §4
 * member = string name-separator value
 * array = begin-array [ value *( value-separator value ) ] end-array       §5
 */
int
sol__json_check(const char *text, size_t n, struct sol__json_check *c)
{
    unsigned char stack[SOL__JSON_MAX_DEPTH_HARD + 1];
    size_t max_depth = c->max_depth;
    if (max_depth == 0 || max_depth > SOL__JSON_MAX_DEPTH_HARD)
        max_depth = SOL__JSON_MAX_DEPTH_HARD;
    size_t depth = 0;
    char what[32];
    struct checker k = {(const unsigned char *)text, n, 0, 0, c};
    c->code = 0;
    c->offset = 0;
    c->incomplete = false;
    c->msg[0] = '\0';
    c->big_count = 0;
    int rc;

    skip_ws(&k);
    if (k.i >= n) {
        fail(&k, SOL_ESYNTAX, k.i, "no JSON value: the input is empty");
        c->incomplete = false;
        return SOL_ESYNTAX;
    }
    if (n - k.i >= 3 && memcmp(k.p + k.i, "\xEF\xBB\xBF", 3) == 0)
        return fail(&k, SOL_ESYNTAX, k.i, "byte order mark (U+FEFF) before the JSON value");
    for (;;) {
        /* A value is expected at k.i. */
        skip_ws(&k);
        if (k.i >= n)
            return fail(&k, SOL_ESYNTAX, n, "unexpected end of input");
        unsigned char b = k.p[k.i];
        if (b == '{' || b == '[') {
            if (depth >= max_depth)
                return fail(&k, SOL_ELIMIT, k.i, "nesting deeper than %zu", max_depth);
            stack[depth++] = b == '{' ? IN_OBJECT : IN_ARRAY;
            k.node++;
            k.i++;
            skip_ws(&k);
            if (k.i >= n)
                return fail(&k, SOL_ESYNTAX, n, "unexpected end of input");
            if (k.p[k.i] == (b == '{' ? '}' : ']')) {
                k.i++;
                depth--;
                goto after_value;
            }
            if (b == '[')
                continue;
            if (k.p[k.i] != '"')
                return fail(&k, SOL_ESYNTAX, k.i,
                            "expected a string key or '}' after '{', found %s",
                            describe(&k, k.i, what, sizeof(what)));
            goto member;
        } else if (b == '"') {
            if ((rc = check_string(&k, false)))
                return rc;
        } else if (b == '-' || is_digit(b)) {
            if ((rc = check_number(&k)))
                return rc;
        } else if ((rc = check_literal(&k)) != 0) {
            if (rc != -1)
                return rc;
            return fail(&k, SOL_ESYNTAX, k.i, "expected a value, found %s",
                        describe(&k, k.i, what, sizeof(what)));
        }
    after_value:
        if (depth == 0) {
            skip_ws(&k);
            if (k.i < n)
                return fail(&k, SOL_ESYNTAX, k.i, "trailing characters after the JSON value");
            return 0;
        }
        skip_ws(&k);
        if (k.i >= n)
            return fail(&k, SOL_ESYNTAX, n, "unexpected end of input");
        b = k.p[k.i];
        if (stack[depth - 1] == IN_ARRAY) {
            if (b == ',') {
                k.i++;
                continue;
            }
            if (b == ']') {
                k.i++;
                depth--;
                goto after_value;
            }
            return fail(&k, SOL_ESYNTAX, k.i,
                        "expected ',' or ']' after an array element, found %s",
                        describe(&k, k.i, what, sizeof(what)));
        }
        if (b == '}') {
            k.i++;
            depth--;
            goto after_value;
        }
        if (b != ',')
            return fail(&k, SOL_ESYNTAX, k.i,
                        "expected ',' or '}' after an object member, found %s",
                        describe(&k, k.i, what, sizeof(what)));
        k.i++;
        skip_ws(&k);
        if (k.i >= n)
            return fail(&k, SOL_ESYNTAX, n, "unexpected end of input");
        if (k.p[k.i] != '"')
            return fail(&k, SOL_ESYNTAX, k.i, "expected a string key after ',', found %s",
                        describe(&k, k.i, what, sizeof(what)));
    member:
        if ((rc = check_string(&k, true)))
            return rc;
        skip_ws(&k);
        if (k.i >= n)
            return fail(&k, SOL_ESYNTAX, n, "unexpected end of input");
        if (k.p[k.i] != ':')
            return fail(&k, SOL_ESYNTAX, k.i, "expected ':' after an object key, found %s",
                        describe(&k, k.i, what, sizeof(what)));
        k.i++;
    }
}

int
sol__json_error_at(struct sol_error *err, int code, const char *p, size_t n, size_t offset,
                   const char *msg)
{
    if (!err)
        return code;
    sol_error_set(err, code, "%s", msg);
    if (offset > n)
        offset = n;
    unsigned line = 1;
    size_t line_start = 0;
    for (const char *q = p; offset && (q = memchr(q, '\n', (size_t)(p + offset - q))) != NULL;
         q++) {
        line++;
        line_start = (size_t)(q - p) + 1;
    }
    err->offset = offset;
    err->line = line;
    err->column = (unsigned)(offset - line_start + 1);
    return code;
}
