/*
 * parse.c — the recursive-descent parser and the checks of STIX Patterning
 * (STIX 2.1 §9; STIX 2.0 behind stix_version 20), building the public tree of pattern.h.
 *
 * Binary operators of both levels come from one precedence table (op_levels below):
 * each level is parsed by one loop that gathers an n-ary node, so a chain of a thousand
 * ORs is one node, not a thousand nested ones. Recursion happens only through brackets
 * and parentheses, and their nesting is limited by options.max_depth.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "stix/stix.h"

/* Arena */

static void *
arena_alloc(struct sol__arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    struct sol__arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        /* Small first (most patterns are one short bracket), doubling up to 64 KiB. */
        size_t next = c ? (c->cap < 65536 ? c->cap * 2 : 65536) : 1024;
        size_t cap = n > next ? n : next;
        c = sol_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static void
arena_free(struct sol__arena *a)
{
    struct sol__arena_chunk *c = a->head;
    while (c) {
        struct sol__arena_chunk *next = c->next;
        sol_free(c);
        c = next;
    }
    a->head = NULL;
}

/* The parser */

struct parser {
    struct sol__lexer lx;
    struct sol__token tok; /* the current token (one token of look-ahead) */
    struct sol_pattern *pat;
    struct sol_pattern_options opt;
    size_t depth;
    struct sol_error *err;
    int rc; /* the first error; 0 while all is well */
    /* The last AND, OR or FOLLOWEDBY read in the current parenthesis (or the whole
       pattern), for the strict warning about what a qualifier binds to. */
    const char *group_op;
    size_t group_op_off;
};

static unsigned
col_of(size_t off)
{
    return (unsigned)(off + 1);
}

/* Record an error at byte offset off (the first one wins). Returns NULL for convenience. */
static void *fail_at(struct parser *p, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *
fail_at(struct parser *p, int code, size_t off, const char *fmt, ...)
{
    if (p->rc)
        return NULL;
    p->rc = code;
    if (p->err) {
        sol_error_clear(p->err);
        p->err->code = code;
        p->err->offset = off;
        p->err->line = 1;
        p->err->column = col_of(off);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static void *
oom(struct parser *p)
{
    return fail_at(p, SOL_ENOMEM, p->tok.off, "out of memory");
}

static void *
palloc(struct parser *p, size_t n)
{
    void *r = arena_alloc(&p->pat->arena, n);
    if (!r)
        oom(p);
    return r;
}

/* A person's view of the current token: "'and'", "a string", "end of pattern". */
static const char *
found(struct parser *p, char *buf, size_t n)
{
    const struct sol__token *t = &p->tok;
    switch (t->kind) {
    case SOL__T_IDENT:
    case SOL__T_INT:
    case SOL__T_FLOAT:
        if (t->len > 40)
            snprintf(buf, n, "'%.40s...'", p->lx.s + t->off);
        else
            snprintf(buf, n, "'%.*s'", (int)t->len, p->lx.s + t->off);
        return buf;
    default:
        return sol__tok_name(t->kind);
    }
}

/*
 * Fail at the current token with "expected <what>", adding ", found <token>" unless the
 * pattern has ended (then the column points just past its end).
 */
static void *expected(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void *
expected(struct parser *p, const char *fmt, ...)
{
    char what[300], fb[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (p->tok.kind == SOL__T_EOF)
        return fail_at(p, SOL_ESYNTAX, p->tok.off, "expected %s", what);
    return fail_at(p, SOL_ESYNTAX, p->tok.off, "expected %s, found %s", what,
                   found(p, fb, sizeof fb));
}

static void add_warning(struct parser *p, size_t off, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Record a warning at byte offset off whether or not options.strict is set. */
static void
add_warning(struct parser *p, size_t off, const char *fmt, va_list ap)
{
    struct sol_pattern *pat = p->pat;
    if (p->rc || pat->nwarnings >= 1000)
        return;
    if (pat->nwarnings == pat->capwarnings) {
        size_t cap = pat->capwarnings ? pat->capwarnings * 2 : 8;
        struct sol__warning *w = sol_realloc(pat->warnings, cap * sizeof *w);
        if (!w) {
            oom(p);
            return;
        }
        pat->warnings = w;
        pat->capwarnings = cap;
    }
    char msg[300];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *m = sol_strdup(msg);
    if (!m) {
        oom(p);
        return;
    }
    pat->warnings[pat->nwarnings].column = col_of(off);
    pat->warnings[pat->nwarnings].msg = m;
    pat->nwarnings++;
}

static void warn(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning of options.strict (unknown names, non-canonical forms): nothing otherwise. */
static void
warn(struct parser *p, size_t off, const char *fmt, ...)
{
    if (!p->opt.strict)
        return;
    va_list ap;
    va_start(ap, fmt);
    add_warning(p, off, fmt, ap);
    va_end(ap);
}

static void notice(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning given with or without options.strict: valid text that can never match. */
static void
notice(struct parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_warning(p, off, fmt, ap);
    va_end(ap);
}

static bool
advance(struct parser *p)
{
    if (p->rc)
        return false;
    if (sol__lex_next(&p->lx, &p->tok)) {
        fail_at(p, SOL_ESYNTAX, p->lx.err_off, "%s", p->lx.msg);
        return false;
    }
    return true;
}

static bool
is_kw(struct parser *p, const char *kw)
{
    size_t n = strlen(kw);
    return p->tok.kind == SOL__T_IDENT && p->tok.len == n &&
           memcmp(p->lx.s + p->tok.off, kw, n) == 0;
}

static struct sol_str
tok_text(struct parser *p)
{
    struct sol_str s = {p->lx.s + p->tok.off, p->tok.len};
    return s;
}

/* Enter a bracket or parenthesis, enforcing options.max_depth. */
static bool
enter(struct parser *p)
{
    if (++p->depth > p->opt.max_depth) {
        fail_at(p, SOL_ELIMIT, p->tok.off,
                "brackets and parentheses nest deeper than the limit of %zu", p->opt.max_depth);
        return false;
    }
    return true;
}

/*
 * The one precedence table of STIX 2.1 §9.5.3 (and §9.6 inside brackets), lowest first.
 * Parentheses bind tightest, then AND, then OR, then FOLLOWEDBY; all are left-associative,
 * and since each is associative in meaning, a chain of one operator becomes one n-ary node.
 */
struct op_level {
    const char *keyword;
    int obs_kind; /* enum sol_pattern_obs_kind, or 0 when not valid between observations */
    int cmp_kind; /* enum sol_pattern_cmp_kind, or 0 when not valid inside brackets */
};

static const struct op_level op_levels[] = {
    {"FOLLOWEDBY", SOL_POBS_FOLLOWEDBY, 0},
    {"OR", SOL_POBS_OR, SOL_PCMP_OR},
    {"AND", SOL_POBS_AND, SOL_PCMP_AND},
};
#define N_LEVELS (sizeof op_levels / sizeof op_levels[0])

/* A growable array of pointers used while gathering the operands of one n-ary node. */
struct ptrvec {
    void **v;
    size_t n, cap;
};

static bool
ptrvec_push(struct parser *p, struct ptrvec *pv, void *x)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 4;
        void **v = sol_realloc(pv->v, cap * sizeof *v);
        if (!v) {
            oom(p);
            return false;
        }
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = x;
    return true;
}

/* Copy the gathered operands into the arena. */
static void *const *
ptrvec_finish(struct parser *p, struct ptrvec *pv)
{
    void **r = palloc(p, pv->n * sizeof *r);
    if (r)
        memcpy(r, pv->v, pv->n * sizeof *r);
    sol_free(pv->v);
    pv->v = NULL;
    return (void *const *)r;
}

/* Constants */

static bool string_latin1(struct parser *p, struct sol_pattern_const *c);

/* Decode a string token's body (the escapes \\ and \') into the arena. */
static bool
decode_string(struct parser *p, const struct sol__token *t, struct sol_pattern_const *c)
{
    const char *s = p->lx.s + t->off + 1;
    size_t n = t->len - 2;
    char *out = palloc(p, n + 1);
    if (!out)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\')
            i++; /* the lexer allowed only \\ and \' */
        out[k++] = s[i];
    }
    out[k] = '\0';
    c->kind = SOL_PCONST_STRING;
    c->bytes.p = out;
    c->bytes.n = k;
    return string_latin1(p, c);
}

/* STIX 2.1 §9.6.4: a string of code points below U+0100 converts to octets. */
static bool
string_latin1(struct parser *p, struct sol_pattern_const *c)
{
    const char *out = c->bytes.p;
    size_t k = c->bytes.n;
    c->latin1_ok = false;
    char *l1 = palloc(p, k + 1);
    if (!l1)
        return false;
    size_t m = 0;
    bool ok = true;
    for (size_t i = 0; i < k;) {
        uint32_t cp;
        size_t len = sol_utf8_decode(out + i, k - i, &cp);
        if (len == 0 || cp > 0xff) {
            ok = false;
            break;
        }
        l1[m++] = (char)cp;
        i += len;
    }
    c->latin1_ok = ok;
    if (ok) {
        c->latin1.p = l1;
        c->latin1.n = m;
    }
    return true;
}

/* h'...': STIX 2.1 §9.2, an even number of hex digits. */
static bool
decode_hex(struct parser *p, const struct sol__token *t, struct sol_pattern_const *c)
{
    const char *s = p->lx.s + t->off + 2;
    size_t n = t->len - 3;
    bool warned = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool lower = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
        bool upper = ch >= 'A' && ch <= 'F';
        if (!lower && !upper) {
            fail_at(p, SOL_ESYNTAX, t->off + 2 + i,
                    "invalid hex constant: only the digits 0-9 and a-f may appear");
            return false;
        }
        if (upper && !warned) {
            warn(p, t->off + 2 + i, "hex constants should use the lower-case letters a-f");
            warned = true;
        }
    }
    if (n % 2) {
        fail_at(p, SOL_ESYNTAX, t->off, "invalid hex constant: an odd number of hex digits");
        return false;
    }
    uint8_t *out = palloc(p, n / 2 + 1);
    if (!out)
        return false;
    sol_hex_decode(s, n, out);
    c->kind = SOL_PCONST_HEX;
    c->bytes.p = (const char *)out;
    c->bytes.n = n / 2;
    return true;
}

/* b'...': STIX 2.1 §9.2, RFC 4648 base64; line feeds are ignored. */
static bool
decode_binary(struct parser *p, const struct sol__token *t, struct sol_pattern_const *c)
{
    const char *s = p->lx.s + t->off + 2;
    size_t n = t->len - 3;
    char *clean = palloc(p, n + 1);
    if (!clean)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n')
            clean[k++] = s[i];
    uint8_t *out = palloc(p, k / 4 * 3 + 1);
    if (!out)
        return false;
    long m = k ? sol_base64_decode(clean, k, out) : 0;
    if (m < 0) {
        fail_at(p, SOL_ESYNTAX, t->off, "invalid binary constant: not base64 (RFC 4648)");
        return false;
    }
    c->kind = SOL_PCONST_BINARY;
    c->bytes.p = (const char *)out;
    c->bytes.n = (size_t)m;
    return true;
}

/* The body of a t'...' (or, in STIX 2.0 START/STOP, a '...') as a timestamp. */
static bool
decode_time(struct parser *p, size_t off, const char *s, size_t n, struct sol_pattern_const *c)
{
    const char *why = NULL;
    unsigned prec = 0;
    /* RFC 3339 §5.6/§5.7 allow a leap second, 23:59:60 (UTC): read it as 23:59:59 plus
     * one second, i.e. the first instant of the next day (with its fraction kept). */
    char leap[64];
    bool is_leap = n >= 20 && n < sizeof leap && s[10] == 'T' && memcmp(s + 11, "23:59:60", 8) == 0;
    if (is_leap) {
        memcpy(leap, s, n);
        leap[17] = '5';
        leap[18] = '9';
        s = leap;
    }
    if (sol_time_parse(s, n, SOL_TIME_UTC_Z, &c->t, &prec, &why)) {
        fail_at(p, SOL_ESYNTAX, off, "invalid timestamp: %s", why ? why : "not RFC 3339");
        return false;
    }
    if (is_leap)
        c->t += 1000000;
    c->kind = SOL_PCONST_TIMESTAMP;
    c->t_digits = prec;
    return true;
}

static bool
decode_number(struct parser *p, const struct sol__token *t, struct sol_pattern_const *c)
{
    char buf[400];
    const char *s = p->lx.s + t->off;
    if (t->len >= sizeof buf) {
        fail_at(p, SOL_ESYNTAX, t->off, "number too long");
        return false;
    }
    memcpy(buf, s, t->len);
    buf[t->len] = '\0';
    if (buf[0] == '+') {
        fail_at(p, SOL_ESYNTAX, t->off, "a positive number is written without '+'");
        return false;
    }
    errno = 0;
    if (t->kind == SOL__T_INT) {
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE) {
            fail_at(p, SOL_ESYNTAX, t->off,
                    "integer constant out of range (-9223372036854775808 to 9223372036854775807)");
            return false;
        }
        c->kind = SOL_PCONST_INT;
        c->i = v;
        c->f = (double)v;
    } else {
        double v = strtod(buf, NULL);
        if (!isfinite(v)) {
            fail_at(p, SOL_ESYNTAX, t->off, "float constant out of range");
            return false;
        }
        c->kind = SOL_PCONST_FLOAT;
        c->f = v;
    }
    return true;
}

/*
 * constant := string | integer | float | 'true' | 'false' | h'hex' | b'base64' | t'timestamp'
 *
 * STIX 2.1 §9.2. Consumes the token.
 */
static bool
parse_constant(struct parser *p, struct sol_pattern_const *c, const char *for_what)
{
    const struct sol__token t = p->tok;
    c->column = col_of(t.off);
    bool ok;
    switch (t.kind) {
    case SOL__T_STRING:
        ok = decode_string(p, &t, c);
        break;
    case SOL__T_HEX:
        ok = decode_hex(p, &t, c);
        break;
    case SOL__T_BINARY:
        ok = decode_binary(p, &t, c);
        break;
    case SOL__T_TIME:
        ok = decode_time(p, t.off, p->lx.s + t.off + 2, t.len - 3, c);
        break;
    case SOL__T_INT:
    case SOL__T_FLOAT:
        ok = decode_number(p, &t, c);
        break;
    case SOL__T_IDENT:
        if (is_kw(p, "true") || is_kw(p, "false")) {
            c->kind = SOL_PCONST_BOOL;
            c->b = is_kw(p, "true");
            ok = true;
            break;
        }
        /* fall through */
    default:
        expected(p, "a constant %s", for_what);
        return false;
    }
    return ok && advance(p);
}

/* The group of a constant kind for IN's "homogeneous data type" rule (§9.6.1). */
static int
const_group(enum sol_pattern_const_kind k)
{
    switch (k) {
    case SOL_PCONST_INT:
    case SOL_PCONST_FLOAT:
        return 1;
    case SOL_PCONST_BINARY:
    case SOL_PCONST_HEX:
        return 2;
    default:
        return (int)k + 10;
    }
}

static const char *
const_article(enum sol_pattern_const_kind k)
{
    switch (k) {
    case SOL_PCONST_STRING:
        return "a string";
    case SOL_PCONST_INT:
        return "an integer";
    case SOL_PCONST_FLOAT:
        return "a float";
    case SOL_PCONST_BOOL:
        return "a boolean";
    case SOL_PCONST_BINARY:
        return "a binary constant";
    case SOL_PCONST_HEX:
        return "a hex constant";
    case SOL_PCONST_TIMESTAMP:
        return "a timestamp";
    case SOL_PCONST_LIST:
        return "a list";
    }
    return "a constant";
}

/*
 * set_constant := '(' [ constant ( ',' constant )* ] ')'
 *
 * STIX 2.1 §9.6.1 (IN): the constants are of one data type. The empty list is allowed
 * and matches nothing.
 */
static bool
parse_set(struct parser *p, struct sol_pattern_const *c)
{
    c->kind = SOL_PCONST_LIST;
    c->column = col_of(p->tok.off);
    size_t open = p->tok.off;
    if (p->tok.kind != SOL__T_LPAREN) {
        expected(p, "'(' to start the list of constants of IN");
        return false;
    }
    if (!advance(p))
        return false;
    size_t cap = 0, n = 0;
    struct sol_pattern_const *items = NULL;
    bool ok = true;
    if (p->tok.kind != SOL__T_RPAREN) {
        for (;;) {
            if (n == p->opt.max_list) {
                fail_at(p, SOL_ELIMIT, p->tok.off,
                        "an IN list has more than the limit of %zu constants", p->opt.max_list);
                ok = false;
                break;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct sol_pattern_const *v = sol_realloc(items, cap * sizeof *v);
                if (!v) {
                    oom(p);
                    ok = false;
                    break;
                }
                items = v;
            }
            memset(&items[n], 0, sizeof items[n]);
            if (!parse_constant(p, &items[n], "in the IN list")) {
                ok = false;
                break;
            }
            if (n > 0 && const_group(items[n].kind) != const_group(items[0].kind)) {
                fail_at(p, SOL_ESYNTAX, items[n].column - 1,
                        "the constants of an IN list must be of one type: %s after %s",
                        const_article(items[n].kind), const_article(items[0].kind));
                ok = false;
                break;
            }
            n++;
            if (p->tok.kind == SOL__T_COMMA) {
                if (!advance(p)) {
                    ok = false;
                    break;
                }
                continue;
            }
            if (p->tok.kind != SOL__T_RPAREN) {
                expected(p, "',' or ')' to close the list opened at column %u", col_of(open));
                ok = false;
                break;
            }
            break;
        }
    }
    if (ok && n) {
        struct sol_pattern_const *a = palloc(p, n * sizeof *a);
        if (a) {
            memcpy(a, items, n * sizeof *a);
            c->items = a;
            c->nitems = n;
        } else
            ok = false;
    }
    sol_free(items);
    return ok && advance(p);
}

/* Object paths */

static bool
str_ends(struct sol_str s, const char *suffix)
{
    size_t k = strlen(suffix);
    return s.n >= k && memcmp(s.p + s.n - k, suffix, k) == 0;
}

/* A property name given as IDENT or as a quoted string: its text into *out. */
static bool
parse_key(struct parser *p, struct sol_pattern_step *st, const char *what)
{
    st->kind = SOL_PSTEP_KEY;
    st->column = col_of(p->tok.off);
    if (p->tok.kind == SOL__T_IDENT) {
        struct sol_str k = tok_text(p);
        const char *dash = memchr(k.p, '-', k.n);
        if (dash) {
            fail_at(p, SOL_ESYNTAX, p->tok.off,
                    "a property name with '-' must be quoted, as in '%.*s'", (int)k.n, k.p);
            return false;
        }
        st->key = k;
        return advance(p);
    }
    if (p->tok.kind == SOL__T_STRING) {
        struct sol_pattern_const c = {0};
        if (!decode_string(p, &p->tok, &c))
            return false;
        st->key = c.bytes;
        return advance(p);
    }
    expected(p, "%s", what);
    return false;
}

/*
 * object_path := object_type ':' property step*
 * property    := name | quoted_name
 * step        := '.' ( name | quoted_name ) | '[' ( integer | '*' ) ']'
 *
 * STIX 2.1 §9.7: names containing '-' or '.' are quoted; [n] indexes a list and [*]
 * tries every element; keys after a _ref / _refs property dereference it (§9.7.4).
 */
static bool
parse_object_path(struct parser *p, struct sol_pattern_path *path)
{
    path->column = col_of(p->tok.off);
    if (p->tok.kind != SOL__T_IDENT) {
        expected(p, "an object path (object-type:property) or EXISTS");
        return false;
    }
    static const char *const reserved[] = {
        "AND",      "OR",         "NOT",    "FOLLOWEDBY", "LIKE",  "MATCHES",
        "ISSUBSET", "ISSUPERSET", "EXISTS", "IN",         "START", "STOP",
        "SECONDS",  "TIMES",      "WITHIN", "REPEATS",    "true",  "false"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (is_kw(p, reserved[i])) {
            expected(p, "an object path (object-type:property) or EXISTS");
            return false;
        }
    path->object_type = tok_text(p);
    size_t type_off = p->tok.off;
    if (!advance(p))
        return false;
    if (p->tok.kind != SOL__T_COLON) {
        expected(p, "':' after the object type '%.*s'", (int)path->object_type.n,
                 path->object_type.p);
        return false;
    }
    if (!advance(p))
        return false;
    struct sol_pattern_step steps[64];
    size_t n = 0;
    struct sol_pattern_step first = {0};
    if (!parse_key(p, &first, "a property name after ':'"))
        return false;
    steps[n++] = first;
    bool ok = true;
    for (;;) {
        struct sol_pattern_step st = {0};
        st.column = col_of(p->tok.off);
        if (p->tok.kind == SOL__T_DOT) {
            if (!advance(p) || !parse_key(p, &st, "a property name after '.'")) {
                ok = false;
                break;
            }
        } else if (p->tok.kind == SOL__T_LBRACK) {
            size_t open = p->tok.off;
            if (!advance(p)) {
                ok = false;
                break;
            }
            if (p->tok.kind == SOL__T_STAR) {
                st.kind = SOL_PSTEP_ANY;
            } else if (p->tok.kind == SOL__T_INT) {
                struct sol_pattern_const c = {0};
                if (!decode_number(p, &p->tok, &c)) {
                    ok = false;
                    break;
                }
                st.kind = SOL_PSTEP_INDEX;
                st.index = c.i;
                if (c.i < 0)
                    warn(p, p->tok.off, "a negative list index never matches (§9.7.2)");
            } else {
                expected(p, "a list index (an integer or '*') after '['");
                ok = false;
                break;
            }
            if (!advance(p)) {
                ok = false;
                break;
            }
            if (p->tok.kind != SOL__T_RBRACK) {
                expected(p, "']' to close the list index opened at column %u", col_of(open));
                ok = false;
                break;
            }
            if (!advance(p)) {
                ok = false;
                break;
            }
        } else {
            break;
        }
        if (n == 64) {
            fail_at(p, SOL_ELIMIT, st.column - 1, "an object path has more than 64 steps");
            ok = false;
            break;
        }
        steps[n++] = st;
    }
    if (!ok)
        return false;
    struct sol_pattern_step *a = palloc(p, n * sizeof *a);
    if (!a)
        return false;
    memcpy(a, steps, n * sizeof *a);
    path->steps = a;
    path->nsteps = n;
    for (size_t i = n; i-- > 0;) {
        if (a[i].kind == SOL_PSTEP_KEY) {
            path->hex = str_ends(a[i].key, "_hex");
            path->binary = path->hex || str_ends(a[i].key, "_bin");
            break;
        }
    }
    if (p->opt.strict) {
        if (!sol__sco_type_known(path->object_type))
            warn(p, type_off, "unknown object type '%.*s'", (int)path->object_type.n,
                 path->object_type.p);
        else if (!sol__sco_property_known(path->object_type, a[0].key))
            warn(p, a[0].column - 1, "unknown property '%.*s' of %.*s", (int)a[0].key.n, a[0].key.p,
                 (int)path->object_type.n, path->object_type.p);
    }
    return true;
}

/* ISSUBSET / ISSUPERSET constants: an IPv4 or IPv6 address with an optional /prefix. */
bool sol__parse_net(const char *s, size_t n, struct sol_pattern_net *net);

bool
sol__parse_net(const char *s, size_t n, struct sol_pattern_net *net)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return false;
        prefix = 0;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return false;
            prefix = prefix * 10 + (*d - '0');
        }
        if (slash[1] == '0' && slash[2])
            return false;
    }
    memset(net, 0, sizeof *net);
    if (inet_pton(AF_INET, buf, net->addr) == 1) {
        if (prefix > 32)
            return false;
        net->family = 4;
        net->prefix = (uint8_t)(prefix < 0 ? 32 : prefix);
        return true;
    }
    if (inet_pton(AF_INET6, buf, net->addr) == 1) {
        if (prefix > 128)
            return false;
        net->family = 6;
        net->prefix = (uint8_t)(prefix < 0 ? 128 : prefix);
        return true;
    }
    return false;
}

/* Compile the regular expression of MATCHES (STIX 2.1 §9.6.1: PCRE, DOTALL, search). */
static bool
compile_regex(struct parser *p, struct sol_pattern_cmp *c)
{
    struct sol_pattern *pat = p->pat;
    if (pat->nregexes + 2 > pat->capregexes) {
        size_t cap = pat->capregexes ? pat->capregexes * 2 : 8;
        void **v = sol_realloc(pat->regexes, cap * sizeof *v);
        if (!v) {
            oom(p);
            return false;
        }
        pat->regexes = v;
        pat->capregexes = cap;
    }
    int ec;
    PCRE2_SIZE eo;
    /* §9.6.1: string subjects are matched in NFC, so the regex's literal text is put in
     * NFC too (every normal form of the same text then matches); ->value keeps the text
     * as written, and the octet regex below uses it unchanged. */
    struct sol_buf nfc;
    sol_buf_init(&nfc);
    if (sol_pattern_nfc(c->value.bytes.p, c->value.bytes.n, &nfc) == SOL_ENOMEM) {
        sol_buf_free(&nfc);
        oom(p);
        return false;
    }
    pcre2_code *utf = pcre2_compile((PCRE2_SPTR)(nfc.p ? nfc.p : ""), nfc.n,
                                    PCRE2_DOTALL | PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
                                    &ec, &eo, NULL);
    sol_buf_free(&nfc);
    if (!utf) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(ec, msg, sizeof msg);
        fail_at(p, SOL_ESYNTAX, c->value.column - 1,
                "invalid regular expression for MATCHES: %s (at offset %zu of the regex)",
                (const char *)msg, (size_t)eo);
        return false;
    }
    pat->regexes[pat->nregexes++] = utf;
    c->regex_utf = utf;
    /* For _bin and _hex properties (§9.6.1: no UNICODE flag), matched over raw octets. */
    pcre2_code *bytes =
        pcre2_compile((PCRE2_SPTR)c->value.bytes.p, c->value.bytes.n, PCRE2_DOTALL, &ec, &eo, NULL);
    if (bytes) {
        pat->regexes[pat->nregexes++] = bytes;
        c->regex_bytes = bytes;
    }
    return true;
}

/* The hash algorithm an object path's last step names in a hashes dictionary (a KEY after
 * a KEY "hashes" or "..._hashes", STIX 2.1 §2.7), or an empty view. */
static struct sol_str
hash_algorithm(const struct sol_pattern_path *path)
{
    struct sol_str none = {"", 0};
    if (path->nsteps < 2)
        return none;
    const struct sol_pattern_step *dict = &path->steps[path->nsteps - 2];
    const struct sol_pattern_step *alg = &path->steps[path->nsteps - 1];
    if (dict->kind != SOL_PSTEP_KEY || alg->kind != SOL_PSTEP_KEY ||
        !(sol_str_eqc(dict->key, "hashes") || str_ends(dict->key, "_hashes")))
        return none;
    return alg->key;
}

/*
 * =, != and IN on a hashes dictionary entry of a known algorithm (§10.7): a string
 * constant that cannot be such a hash is an error (it could never match a valid object).
 * Algorithm names are those of 2.1's hash-algorithm-ov (stix.h's table) under any of
 * their spellings ("SHA256", "sha-256"); other names are not checked.
 */
static bool
check_hash_constants(struct parser *p, const struct sol_pattern_cmp *c)
{
    struct sol_str alg = hash_algorithm(&c->path);
    enum sol__hash_alg a = alg.n ? sol__hash_alg_loose(alg) : SOL__HASH_NONE;
    if (!sol__hash_algs[a].in_21)
        return true;
    const struct sol_pattern_const *v = &c->value;
    size_t n = 1;
    if (v->kind == SOL_PCONST_LIST) {
        n = v->nitems;
        v = v->items;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != SOL_PCONST_STRING || sol__hash_value_ok(a, v[i].bytes))
            continue;
        fail_at(p, SOL_ESYNTAX, v[i].column - 1, "'%.*s' is not a valid %s hash (STIX 2.1 §10.7)",
                (int)(v[i].bytes.n > 80 ? 80 : v[i].bytes.n), v[i].bytes.p, sol__hash_algs[a].name);
        return false;
    }
    return true;
}

/*
 * comparison_test := 'EXISTS' object_path
 *                  | 'NOT' 'EXISTS' object_path
 *                  | object_path 'NOT'? operator constant
 * operator        := '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES'
 *                  | 'ISSUBSET' | 'ISSUPERSET'
 *
 * STIX 2.1 §9.6.1: ordering needs an orderable constant (not a boolean); LIKE, MATCHES,
 * ISSUBSET and ISSUPERSET need a string; IN needs a list of one type.
 */
static struct sol_pattern_cmp *
parse_comparison_test(struct parser *p)
{
    struct sol_pattern_cmp *c = palloc(p, sizeof *c);
    if (!c)
        return NULL;
    c->kind = SOL_PCMP_TEST;
    c->column = col_of(p->tok.off);
    if (is_kw(p, "NOT") || is_kw(p, "EXISTS")) {
        if (is_kw(p, "NOT")) {
            c->negated = true;
            if (!advance(p))
                return NULL;
            if (!is_kw(p, "EXISTS"))
                return expected(
                    p, "EXISTS after NOT (NOT goes between the object path and the operator)");
        }
        if (!advance(p))
            return NULL;
        c->op = SOL_POP_EXISTS;
        if (!parse_object_path(p, &c->path))
            return NULL;
        return c;
    }
    if (!parse_object_path(p, &c->path))
        return NULL;
    if (is_kw(p, "NOT")) {
        c->negated = true;
        if (!advance(p))
            return NULL;
    }
    switch (p->tok.kind) {
    case SOL__T_EQ:
        c->op = SOL_POP_EQ;
        if (p->tok.len == 2) /* '==' */
            warn(p, p->tok.off, "'==' is not STIX: write '=' (§9.6.1)");
        break;
    case SOL__T_NE:
        c->op = SOL_POP_NE;
        if (p->lx.s[p->tok.off] == '<') /* '<>' */
            warn(p, p->tok.off, "'<>' is not STIX: write '!=' (§9.6.1)");
        break;
    case SOL__T_LT:
        c->op = SOL_POP_LT;
        break;
    case SOL__T_LE:
        c->op = SOL_POP_LE;
        break;
    case SOL__T_GT:
        c->op = SOL_POP_GT;
        break;
    case SOL__T_GE:
        c->op = SOL_POP_GE;
        break;
    case SOL__T_IDENT:
        if (is_kw(p, "IN"))
            c->op = SOL_POP_IN;
        else if (is_kw(p, "LIKE"))
            c->op = SOL_POP_LIKE;
        else if (is_kw(p, "MATCHES"))
            c->op = SOL_POP_MATCHES;
        else if (is_kw(p, "ISSUBSET"))
            c->op = SOL_POP_ISSUBSET;
        else if (is_kw(p, "ISSUPERSET"))
            c->op = SOL_POP_ISSUPERSET;
        break;
    default:
        break;
    }
    if (!c->op)
        return expected(p, "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, "
                           "ISSUBSET, ISSUPERSET)");
    if (!advance(p))
        return NULL;
    const char *opname = sol_pattern_op_name(c->op);
    char forwhat[64];
    snprintf(forwhat, sizeof forwhat, "after %s", opname);
    if (c->op == SOL_POP_IN) {
        if (!parse_set(p, &c->value) || !check_hash_constants(p, c))
            return NULL;
        return c;
    }
    if (!parse_constant(p, &c->value, forwhat))
        return NULL;
    if ((c->op == SOL_POP_EQ || c->op == SOL_POP_NE) && !check_hash_constants(p, c))
        return NULL;
    enum sol_pattern_const_kind k = c->value.kind;
    switch (c->op) {
    case SOL_POP_LT:
    case SOL_POP_LE:
    case SOL_POP_GT:
    case SOL_POP_GE:
        if (k == SOL_PCONST_BOOL)
            return fail_at(p, SOL_ESYNTAX, c->value.column - 1,
                           "%s cannot compare with a boolean: booleans have no order", opname);
        break;
    case SOL_POP_LIKE:
    case SOL_POP_MATCHES:
    case SOL_POP_ISSUBSET:
    case SOL_POP_ISSUPERSET:
        if (k != SOL_PCONST_STRING)
            return fail_at(p, SOL_ESYNTAX, c->value.column - 1,
                           "%s needs a string constant, found %s", opname, const_article(k));
        break;
    default:
        break;
    }
    if (c->op == SOL_POP_LIKE) {
        /* §9.6.1: "The string constant b MUST be NFC normalized prior to evaluation." */
        struct sol_buf nfc;
        sol_buf_init(&nfc);
        int nrc = sol_pattern_nfc(c->value.bytes.p, c->value.bytes.n, &nfc);
        if (nrc == SOL_ENOMEM) {
            sol_buf_free(&nfc);
            return oom(p);
        }
        if (nfc.n != c->value.bytes.n || (nfc.n && memcmp(nfc.p, c->value.bytes.p, nfc.n) != 0)) {
            char *copy = palloc(p, nfc.n + 1);
            if (!copy) {
                sol_buf_free(&nfc);
                return NULL;
            }
            memcpy(copy, nfc.p, nfc.n);
            c->value.bytes.p = copy;
            c->value.bytes.n = nfc.n;
            if (!string_latin1(p, &c->value)) {
                sol_buf_free(&nfc);
                return NULL;
            }
        }
        sol_buf_free(&nfc);
    }
    if (c->op == SOL_POP_MATCHES && !compile_regex(p, c))
        return NULL;
    if (c->op == SOL_POP_ISSUBSET || c->op == SOL_POP_ISSUPERSET) {
        if (!sol__parse_net(c->value.bytes.p, c->value.bytes.n, &c->net))
            return fail_at(p, SOL_ESYNTAX, c->value.column - 1,
                           "%s needs an IPv4 or IPv6 address or CIDR block, such as "
                           "'198.51.100.0/24'",
                           opname);
        const struct sol_pattern_step *last = &c->path.steps[c->path.nsteps - 1];
        if (last->kind != SOL_PSTEP_KEY || !sol_str_eqc(last->key, "value"))
            warn(p, c->path.column - 1,
                 "%s applies to the value property of ipv4-addr or ipv6-addr objects", opname);
    }
    return c;
}

static struct sol_pattern_cmp *parse_comparison_level(struct parser *p, size_t level);

/*
 * comparison_primary := '(' comparison_expression ')' | comparison_test
 */
static struct sol_pattern_cmp *
parse_comparison_primary(struct parser *p)
{
    if (p->tok.kind == SOL__T_LPAREN) {
        size_t open = p->tok.off;
        if (!enter(p) || !advance(p))
            return NULL;
        struct sol_pattern_cmp *c = parse_comparison_level(p, 1);
        if (!c)
            return NULL;
        if (p->tok.kind != SOL__T_RPAREN)
            return expected(p, "AND, OR or ')' to close the parenthesis opened at column %u",
                            col_of(open));
        p->depth--;
        if (!advance(p))
            return NULL;
        return c;
    }
    return parse_comparison_test(p);
}

/*
 * comparison_expression := comparison_and ( 'OR' comparison_and )*
 * comparison_and        := comparison_primary ( 'AND' comparison_primary )*
 *
 * STIX 2.1 §9.6: AND binds tighter than OR; both left to right. Levels come from
 * op_levels (FOLLOWEDBY has no comparison meaning and is skipped).
 */
static struct sol_pattern_cmp *
parse_comparison_level(struct parser *p, size_t level)
{
    while (level < N_LEVELS && !op_levels[level].cmp_kind)
        level++;
    if (level >= N_LEVELS)
        return parse_comparison_primary(p);
    struct sol_pattern_cmp *first = parse_comparison_level(p, level + 1);
    if (!first || !is_kw(p, op_levels[level].keyword))
        return first;
    struct ptrvec kids = {0};
    struct sol_pattern_cmp *node = palloc(p, sizeof *node);
    if (!node || !ptrvec_push(p, &kids, first))
        goto fail;
    node->kind = (enum sol_pattern_cmp_kind)op_levels[level].cmp_kind;
    node->column = first->column;
    while (is_kw(p, op_levels[level].keyword)) {
        if (!advance(p))
            goto fail;
        struct sol_pattern_cmp *next = parse_comparison_level(p, level + 1);
        if (!next || !ptrvec_push(p, &kids, next))
            goto fail;
    }
    node->nkids = kids.n;
    node->kids = (struct sol_pattern_cmp *const *)ptrvec_finish(p, &kids);
    return node->kids ? node : NULL;
fail:
    sol_free(kids.v);
    return NULL;
}

/* The object types a comparison expression can apply to (STIX 2.1 §9.5). */
struct typeset {
    struct sol_str *v;
    size_t n;
    bool any; /* cannot be known: treat as every type */
};

static bool
typeset_has(const struct typeset *t, struct sol_str s)
{
    for (size_t i = 0; i < t->n; i++)
        if (sol_str_eq(t->v[i], s))
            return true;
    return false;
}

static bool
typeset_add(struct parser *p, struct typeset *t, struct sol_str s)
{
    if (typeset_has(t, s))
        return true;
    struct sol_str *v = sol_realloc(t->v, (t->n + 1) * sizeof *v);
    if (!v) {
        oom(p);
        return false;
    }
    t->v = v;
    t->v[t->n++] = s;
    return true;
}

/*
 * Compute the object types of c into *out; for AND whose operands cannot all apply to
 * one object, fail under options.strict and warn otherwise (the bracket then never
 * matches). STIX 2.1 §9.5: "All operands of AND in an Observation Expression MUST be
 * satisfiable with the same object." STIX 2.0 had no such sentence, but evaluates AND on
 * one object too (as the OASIS matcher's 2.0 tests do): there it is always a warning.
 */
static bool
check_types(struct parser *p, const struct sol_pattern_cmp *c, struct typeset *out)
{
    if (c->kind == SOL_PCMP_TEST)
        return typeset_add(p, out, c->path.object_type);
    bool ok = true;
    for (size_t i = 0; i < c->nkids && ok; i++) {
        struct typeset k = {0};
        ok = check_types(p, c->kids[i], &k);
        if (ok && c->kind == SOL_PCMP_OR) {
            for (size_t j = 0; j < k.n && ok; j++)
                ok = typeset_add(p, out, k.v[j]);
        } else if (ok && i == 0) {
            for (size_t j = 0; j < k.n && ok; j++)
                ok = typeset_add(p, out, k.v[j]);
        } else if (ok) {
            size_t m = 0;
            struct sol_str before = out->n ? out->v[0] : (struct sol_str){"", 0};
            for (size_t j = 0; j < out->n; j++)
                if (typeset_has(&k, out->v[j]))
                    out->v[m++] = out->v[j];
            out->n = m;
            if (m == 0 && before.n && k.n) {
                struct sol_str now = k.v[0];
                if (p->opt.strict && p->pat->version >= 21) {
                    fail_at(p, SOL_ESYNTAX, c->kids[i]->column - 1,
                            "comparisons joined by AND must apply to the same object, but this "
                            "one is about %.*s and an earlier one about %.*s: join them with OR, "
                            "or use two observation expressions",
                            (int)now.n, now.p, (int)before.n, before.p);
                    ok = false;
                } else {
                    /* Accepted as other tools do, but one object has one type (§9.5). */
                    notice(p, c->kids[i]->column - 1,
                           "comparisons joined by AND apply to %.*s and to %.*s, but one object "
                           "has one type: this observation expression never matches%s",
                           (int)before.n, before.p, (int)now.n, now.p,
                           p->pat->version >= 21 ? " (§9.5)" : "");
                }
            }
        }
        sol_free(k.v);
    }
    return ok;
}

static struct sol_pattern_obs *parse_observation_level(struct parser *p, size_t level);

/*
 * qualifier := 'WITHIN' number 'SECONDS'
 *            | 'REPEATS' integer 'TIMES'
 *            | 'START' timestamp 'STOP' timestamp
 *
 * STIX 2.1 §9.5.1: WITHIN takes a positive number, REPEATS a positive integer, and an
 * observation expression has at most one qualifier of each type (a rule new in 2.1: the
 * STIX 2.0 dialect lets qualifiers of one type repeat, each over the one before). A
 * START not before STOP gives an empty window [START, STOP): accepted with a warning, it
 * never matches.
 */
static struct sol_pattern_obs *
parse_qualifier(struct parser *p, struct sol_pattern_obs *inner, unsigned *seen)
{
    struct sol_pattern_obs *q = palloc(p, sizeof *q);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    struct sol_pattern_obs **kids = palloc(p, sizeof *kids);
    if (!q || !kids)
        return NULL;
    kids[0] = inner;
    q->kids = kids;
    q->nkids = 1;
    q->column = col_of(p->tok.off);
    size_t kw_off = p->tok.off;
    const char *kw = is_kw(p, "WITHIN") ? "WITHIN" : is_kw(p, "REPEATS") ? "REPEATS" : "START";
    unsigned bit = kw[0] == 'W' ? 1 : kw[0] == 'R' ? 2 : 4;
    if ((*seen & bit) && p->pat->version >= 21)
        return fail_at(p, SOL_ESYNTAX, kw_off,
                       "a second %s qualifier: an observation expression may have only one of "
                       "each type (use parentheses to qualify a qualified expression)",
                       kw);
    *seen |= bit;
    if (!advance(p))
        return NULL;
    if (bit == 1) {
        q->kind = SOL_POBS_WITHIN;
        if (p->tok.kind != SOL__T_INT && p->tok.kind != SOL__T_FLOAT)
            return expected(p, "a number of seconds after WITHIN");
        struct sol_pattern_const c = {0};
        size_t off = p->tok.off;
        if (!decode_number(p, &p->tok, &c))
            return NULL;
        double secs = c.kind == SOL_PCONST_INT ? (double)c.i : c.f;
        if (!(secs > 0))
            return fail_at(p, SOL_ESYNTAX, off, "WITHIN needs a positive number of seconds");
        if (secs > 9.2e12)
            return fail_at(p, SOL_ESYNTAX, off, "WITHIN %.0f seconds is too long a window", secs);
        q->within_seconds = secs;
        q->within_us = c.kind == SOL_PCONST_INT ? c.i * 1000000 : (sol_time_t)llround(secs * 1e6);
        if (q->within_us < 1)
            q->within_us = 1;
        if (!advance(p))
            return NULL;
        if (!is_kw(p, "SECONDS"))
            return expected(p, "SECONDS after the WITHIN duration");
    } else if (bit == 2) {
        q->kind = SOL_POBS_REPEATS;
        size_t off = p->tok.off;
        if (p->tok.kind != SOL__T_INT)
            return expected(p, "a positive integer after REPEATS");
        struct sol_pattern_const c = {0};
        if (!decode_number(p, &p->tok, &c))
            return NULL;
        if (c.i <= 0)
            return fail_at(p, SOL_ESYNTAX, off, "REPEATS needs a positive integer");
        if ((uint64_t)c.i > p->opt.max_repeats)
            return fail_at(p, SOL_ELIMIT, off, "REPEATS %lld is more than the limit of %u",
                           (long long)c.i, (unsigned)p->opt.max_repeats);
        q->repeats = (uint32_t)c.i;
        if (!advance(p))
            return NULL;
        if (!is_kw(p, "TIMES"))
            return expected(p, "TIMES after the REPEATS count");
    } else {
        q->kind = SOL_POBS_STARTSTOP;
        struct sol_pattern_const a = {0}, b = {0};
        for (int i = 0; i < 2; i++) {
            struct sol_pattern_const *c = i ? &b : &a;
            const char *which = i ? "STOP" : "START";
            if (p->tok.kind == SOL__T_TIME) {
                if (!decode_time(p, p->tok.off, p->lx.s + p->tok.off + 2, p->tok.len - 3, c))
                    return NULL;
            } else if (p->tok.kind == SOL__T_STRING && p->pat->version == 20) {
                /* STIX 2.0 wrote START and STOP timestamps as plain strings. */
                if (!decode_time(p, p->tok.off, p->lx.s + p->tok.off + 1, p->tok.len - 2, c))
                    return NULL;
            } else {
                return expected(p, "a timestamp t'...' after %s", which);
            }
            c->column = col_of(p->tok.off);
            if (!advance(p))
                return NULL;
            if (i == 0 && !is_kw(p, "STOP"))
                return expected(p, "STOP after the START timestamp");
            if (i == 0 && !advance(p))
                return NULL;
        }
        /* §9.5.1: the window is [START, STOP); an empty one is accepted (as other tools
         * do) but nothing is ever observed in it. */
        if (a.t >= b.t)
            notice(p, b.column - 1,
                   "the STOP time is not later than the START time: this qualifier never "
                   "matches (§9.5.1)");
        q->start = a.t;
        q->stop = b.t;
        return q; /* the STOP timestamp was already consumed */
    }
    if (!advance(p))
        return NULL;
    return q;
}

/*
 * observation_primary := '[' comparison_expression ']' qualifier*
 *                      | '(' observation_expression ')' qualifier*
 */
static struct sol_pattern_obs *
parse_observation_primary(struct parser *p)
{
    struct sol_pattern_obs *node = NULL;
    size_t open = p->tok.off;
    if (p->tok.kind == SOL__T_LBRACK) {
        if (!enter(p) || !advance(p))
            return NULL;
        node = palloc(p, sizeof *node);
        if (!node)
            return NULL;
        node->kind = SOL_POBS_BRACKET;
        node->column = col_of(open);
        node->bracket_index = (uint32_t)p->pat->nbrackets++;
        struct sol_pattern_cmp *c = parse_comparison_level(p, 1);
        if (!c)
            return NULL;
        node->cmp = c;
        if (p->tok.kind != SOL__T_RBRACK) {
            if (p->tok.kind == SOL__T_EOF)
                return expected(p, "']' to close the observation expression opened at column %u",
                                col_of(open));
            return expected(
                p, "AND, OR or ']' to close the observation expression opened at column %u",
                col_of(open));
        }
        struct typeset ts = {0};
        bool ok = check_types(p, c, &ts);
        sol_free(ts.v);
        if (!ok)
            return NULL;
        p->depth--;
        if (!advance(p))
            return NULL;
    } else if (p->tok.kind == SOL__T_LPAREN) {
        if (!enter(p) || !advance(p))
            return NULL;
        const char *outer_op = p->group_op;
        size_t outer_off = p->group_op_off;
        p->group_op = NULL;
        node = parse_observation_level(p, 0);
        p->group_op = outer_op;
        p->group_op_off = outer_off;
        if (!node)
            return NULL;
        if (p->tok.kind != SOL__T_RPAREN)
            return expected(p,
                            "AND, OR, FOLLOWEDBY, a qualifier or ')' to close the parenthesis "
                            "opened at column %u",
                            col_of(open));
        p->depth--;
        if (!advance(p))
            return NULL;
    } else {
        return expected(p, "'[' to start an observation expression");
    }
    unsigned seen = 0;
    if (node->kind == SOL_POBS_BRACKET && p->group_op &&
        (is_kw(p, "WITHIN") || is_kw(p, "REPEATS") || is_kw(p, "START")))
        /* [A] FOLLOWEDBY [B] WITHIN 60 SECONDS reads as if WITHIN covered both, but a
         * qualifier qualifies the bracket or parenthesis just before it (§9.5). */
        warn(p, p->tok.off,
             "%.*s applies to the observation expression at column %u alone, not to the %s "
             "at column %u before it (a qualifier qualifies the bracket or parenthesis it "
             "follows, §9.5): put parentheses around what it should qualify",
             (int)p->tok.len, p->lx.s + p->tok.off, node->column, p->group_op,
             col_of(p->group_op_off));
    while (is_kw(p, "WITHIN") || is_kw(p, "REPEATS") || is_kw(p, "START")) {
        node = parse_qualifier(p, node, &seen);
        if (!node)
            return NULL;
    }
    return node;
}

/*
 * observation_expression := observation_or ( 'FOLLOWEDBY' observation_or )*
 * observation_or         := observation_and ( 'OR' observation_and )*
 * observation_and        := observation_primary ( 'AND' observation_primary )*
 *
 * STIX 2.1 §9.5.3: AND binds tighter than OR, OR tighter than FOLLOWEDBY, all left to right.
 */
static struct sol_pattern_obs *
parse_observation_level(struct parser *p, size_t level)
{
    if (level >= N_LEVELS)
        return parse_observation_primary(p);
    struct sol_pattern_obs *first = parse_observation_level(p, level + 1);
    if (!first || !is_kw(p, op_levels[level].keyword))
        return first;
    struct ptrvec kids = {0};
    struct sol_pattern_obs *node = palloc(p, sizeof *node);
    if (!node || !ptrvec_push(p, &kids, first))
        goto fail;
    node->kind = (enum sol_pattern_obs_kind)op_levels[level].obs_kind;
    node->column = first->column;
    while (is_kw(p, op_levels[level].keyword)) {
        p->group_op = op_levels[level].keyword;
        p->group_op_off = p->tok.off;
        if (!advance(p))
            goto fail;
        struct sol_pattern_obs *next = parse_observation_level(p, level + 1);
        if (!next || !ptrvec_push(p, &kids, next))
            goto fail;
    }
    node->nkids = kids.n;
    node->kids = (struct sol_pattern_obs *const *)ptrvec_finish(p, &kids);
    return node->kids ? node : NULL;
fail:
    sol_free(kids.v);
    return NULL;
}

/* Is every binding of o exactly one observation? */
static bool
single_observation(const struct sol_pattern_obs *o)
{
    switch (o->kind) {
    case SOL_POBS_BRACKET:
        return true;
    case SOL_POBS_WITHIN:
    case SOL_POBS_STARTSTOP:
        return single_observation(o->kids[0]);
    case SOL_POBS_OR:
        for (size_t i = 0; i < o->nkids; i++)
            if (!single_observation(o->kids[i]))
                return false;
        return true;
    default:
        return false;
    }
}

/* The most observations one binding of o needs, saturating at limit + 1. */
static uint64_t
binding_size(const struct sol_pattern_obs *o, uint64_t limit)
{
    uint64_t r = 0;
    switch (o->kind) {
    case SOL_POBS_BRACKET:
        return 1;
    case SOL_POBS_WITHIN:
    case SOL_POBS_STARTSTOP:
        return binding_size(o->kids[0], limit);
    case SOL_POBS_REPEATS:
        r = binding_size(o->kids[0], limit) * o->repeats;
        break;
    case SOL_POBS_OR:
        for (size_t i = 0; i < o->nkids; i++) {
            uint64_t k = binding_size(o->kids[i], limit);
            r = k > r ? k : r;
        }
        break;
    default:
        for (size_t i = 0; i < o->nkids && r <= limit; i++)
            r += binding_size(o->kids[i], limit);
        break;
    }
    return r > limit ? limit + 1 : r;
}

/*
 * pattern := observation_expression EOF
 */
int
sol_pattern_parse(const char *text, size_t n, const struct sol_pattern_options *opt,
                  struct sol_pattern **out, struct sol_error *err)
{
    *out = NULL;
    struct parser p;
    memset(&p, 0, sizeof p);
    if (opt)
        p.opt = *opt;
    if (!p.opt.stix_version)
        p.opt.stix_version = 21;
    if (p.opt.stix_version != 20 && p.opt.stix_version != 21)
        return sol_error_set(err, SOL_EINVAL, "unknown STIX version %u (20 or 21)",
                             p.opt.stix_version);
    if (!p.opt.max_length)
        p.opt.max_length = SOL_PATTERN_DEFAULT_MAX_LENGTH;
    if (!p.opt.max_depth)
        p.opt.max_depth = SOL_PATTERN_DEFAULT_MAX_DEPTH;
    if (p.opt.max_depth > 1000)
        p.opt.max_depth = 1000; /* the parser recurses per level: keep the stack bounded */
    if (!p.opt.max_list)
        p.opt.max_list = SOL_PATTERN_DEFAULT_MAX_LIST;
    if (!p.opt.max_repeats)
        p.opt.max_repeats = SOL_PATTERN_DEFAULT_MAX_REPEATS;
    p.err = err;
    if (!text)
        n = 0;
    if (n > p.opt.max_length)
        return sol_error_set(err, SOL_ELIMIT,
                             "the pattern is %zu bytes, more than the limit of %zu", n,
                             p.opt.max_length);
    struct sol_pattern *pat = sol_calloc(1, sizeof *pat);
    if (!pat)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    pat->version = p.opt.stix_version;
    pat->strict = p.opt.strict;
    p.pat = pat;
    size_t bad = sol_utf8_check(text ? text : "", n);
    if (bad < n) {
        fail_at(&p, SOL_ESYNTAX, bad, "invalid UTF-8: a pattern is Unicode text (§9.4)");
    } else {
        /* The tree's names are views of the text: keep a copy that lives with it. */
        char *copy = arena_alloc(&pat->arena, n + 1);
        if (!copy) {
            sol_pattern_free(pat);
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        }
        if (n)
            memcpy(copy, text, n);
        sol__lex_init(&p.lx, copy, n);
        if (advance(&p)) {
            if (p.tok.kind == SOL__T_EOF) {
                expected(&p, "'[' to start an observation expression");
            } else {
                pat->root = parse_observation_level(&p, 0);
                if (pat->root && p.tok.kind != SOL__T_EOF)
                    expected(&p, "AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the "
                                 "end of the pattern");
            }
        }
    }
    if (p.rc) {
        sol_pattern_free(pat);
        return p.rc;
    }
    /* The evaluator's search depth grows with the observations one binding needs. */
    uint64_t need = binding_size(pat->root, SOL_PATTERN_MAX_BINDING);
    if (need > SOL_PATTERN_MAX_BINDING) {
        sol_pattern_free(pat);
        return sol_error_set(err, SOL_ELIMIT,
                             "the pattern needs more than %d observations to match (REPEATS)",
                             SOL_PATTERN_MAX_BINDING);
    }
    pat->single = single_observation(pat->root);
    *out = pat;
    return 0;
}

void
sol_pattern_free(struct sol_pattern *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nregexes; i++)
        pcre2_code_free(p->regexes[i]);
    sol_free(p->regexes);
    for (size_t i = 0; i < p->nwarnings; i++)
        sol_free(p->warnings[i].msg);
    sol_free(p->warnings);
    arena_free(&p->arena);
    sol_free(p);
}

const struct sol_pattern_obs *
sol_pattern_root(const struct sol_pattern *p)
{
    return p->root;
}

unsigned
sol_pattern_stix_version(const struct sol_pattern *p)
{
    return p->version;
}

size_t
sol_pattern_warning_count(const struct sol_pattern *p)
{
    return p ? p->nwarnings : 0;
}

const char *
sol_pattern_warning(const struct sol_pattern *p, size_t i, unsigned *column)
{
    if (!p || i >= p->nwarnings)
        return NULL;
    if (column)
        *column = p->warnings[i].column;
    return p->warnings[i].msg;
}

const char *
sol_pattern_op_name(enum sol_pattern_op op)
{
    switch (op) {
    case SOL_POP_EQ:
        return "=";
    case SOL_POP_NE:
        return "!=";
    case SOL_POP_LT:
        return "<";
    case SOL_POP_LE:
        return "<=";
    case SOL_POP_GT:
        return ">";
    case SOL_POP_GE:
        return ">=";
    case SOL_POP_IN:
        return "IN";
    case SOL_POP_LIKE:
        return "LIKE";
    case SOL_POP_MATCHES:
        return "MATCHES";
    case SOL_POP_ISSUBSET:
        return "ISSUBSET";
    case SOL_POP_ISSUPERSET:
        return "ISSUPERSET";
    case SOL_POP_EXISTS:
        return "EXISTS";
    }
    return "?";
}

const char *
sol_pattern_obs_kind_name(enum sol_pattern_obs_kind k)
{
    switch (k) {
    case SOL_POBS_BRACKET:
        return "OBSERVATION";
    case SOL_POBS_AND:
        return "AND";
    case SOL_POBS_OR:
        return "OR";
    case SOL_POBS_FOLLOWEDBY:
        return "FOLLOWEDBY";
    case SOL_POBS_WITHIN:
        return "WITHIN";
    case SOL_POBS_REPEATS:
        return "REPEATS";
    case SOL_POBS_STARTSTOP:
        return "START-STOP";
    }
    return "?";
}

const char *
sol_pattern_const_kind_name(enum sol_pattern_const_kind k)
{
    switch (k) {
    case SOL_PCONST_STRING:
        return "string";
    case SOL_PCONST_INT:
        return "integer";
    case SOL_PCONST_FLOAT:
        return "float";
    case SOL_PCONST_BOOL:
        return "boolean";
    case SOL_PCONST_BINARY:
        return "binary";
    case SOL_PCONST_HEX:
        return "hex";
    case SOL_PCONST_TIMESTAMP:
        return "timestamp";
    case SOL_PCONST_LIST:
        return "list";
    }
    return "?";
}
