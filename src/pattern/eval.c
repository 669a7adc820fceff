/*
 * eval.c — the reference evaluator of STIX Patterning (STIX 2.1 §9): plain and exact.
 *
 * Two stages. First every bracketed observation expression is evaluated against every
 * observation, giving each bracket its list of candidate observations (§9.5, §9.6,
 * §9.7). Then a backtracking search looks for one binding of the whole pattern: a
 * choice of observations for the brackets that respects the observation operators and
 * the qualifiers (§9.5.1, §9.5.2). An observed-data object with number_observed = k
 * stands for k observations (§9.1), so it can be chosen up to k times.
 *
 * Interval semantics: an observed-data's observations happen somewhere in
 * [first_observed, last_observed], and §9.1 says "It is not defined when the observations
 * occur within that time window". Where the standard leaves that choice we agree with the
 * OASIS reference matcher: a time constraint holds when some instant of each
 * observation's interval satisfies it, each constraint on its own:
 *   START x STOP y     every observation has an instant in [x, y):
 *                      first_observed < y and last_observed >= x
 *   WITHIN w           instants less than w apart (the bound is exclusive, §9.5.1):
 *                      max(first_observed) - min(last_observed) < w
 *   a FOLLOWEDBY b     a's instants at or before b's (§9.5.2):
 *                      max(first_observed of a) <= min(last_observed of b)
 * For observations of one instant (first = last, every log line) these are the plain
 * rules.
 *
 * The search is written in continuation-passing style: eval_obs(node, window, k) tries
 * each binding of node inside the time window and calls the continuation k for the rest
 * of the pattern. Every constraint above is a bound on each observation's first_observed
 * from above or on its last_observed from below, so qualifiers narrow the window instead
 * of filtering afterwards:
 *   START x STOP y     last_observed >= x, first_observed < y
 *   WITHIN w           an anchor L (some observation's last_observed): every
 *                      observation has last_observed >= L and first_observed < L + w, and
 *                      the binding's smallest last_observed is exactly L
 *   a FOLLOWEDBY b     once a is bound, b's observations have last_observed >= the
 *                      latest first_observed of a (and of every operand before b)
 * Each binding is then found once. REPEATS n over one bracket picks n observations in
 * ascending order (combinations, not permutations); over a group it orders the copies
 * by their first pick. The search counts its steps and stops with SOL_ELIMIT at
 * max_steps, so hostile inputs cost bounded time.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "stix/stix.h"

bool sol__parse_net(const char *s, size_t n, struct sol_pattern_net *net);

/* The time window an observation must reach into during one branch of the search. */
struct window {
    sol_time_t min_last; /* last_observed >= min_last */
    sol_time_t stop;     /* first_observed < stop */
};

/*
 * A value an object path reached, and where: the SCO that holds it (the root, or the
 * object a reference led to), its key, and the first step of the path inside it.
 */
struct reached {
    const struct sol_json *v;
    const struct sol_json *holder;
    struct sol_str holder_key;
    size_t from;
};

struct ev {
    const struct sol_pattern *pat;
    const struct sol_observation *obs;
    size_t nobs;
    uint64_t *used; /* units of each observation taken by the current partial binding */
    size_t **cand;  /* per bracket: candidate observations by first_observed, then index */
    size_t *ncand;
    uint8_t **isc;     /* per bracket: isc[b][i] when observation i is a candidate */
    sol_time_t *lasts; /* distinct last_observed values, ascending (WITHIN's anchors) */
    size_t nlasts;
    sol_time_t *span; /* per bracket: the longest last_observed - first_observed */
    size_t *stack;    /* the observations of the current partial binding, in pick order */
    size_t nstack, capstack;
    size_t only; /* when < nobs: only this observation may be picked */
    uint64_t steps, max_steps;
    bool over, nomem;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    unsigned regex_hits;
    struct reached *vals; /* values an object path reached */
    size_t nvals, capvals;
    struct sol_str root_key; /* the key of the SCO a bracket is being tried on */
    bool bad;                /* the input is invalid (err_msg says why): stop */
    char err_msg[480];
    uint8_t *scratch; /* decoded binary property values */
    size_t capscratch;
    struct sol_buf nfc; /* the NFC form of a string LIKE or MATCHES tests */
};

/* Comparison of one value with one constant */

enum { INCOMPAT = 2 };

static int
cmp_bytes(const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Compare an int64 and a double exactly (§9.2: "the full value must be compared"). */
static int
cmp_i64_double(int64_t i, double d)
{
    if (isnan(d))
        return INCOMPAT;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (i != ti)
        return i < ti ? -1 : 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int
flip(int c)
{
    return c == INCOMPAT ? c : -c;
}

/* Decode a _bin (base64) or _hex property value into ev->scratch. */
static bool
decode_prop(struct ev *e, const struct sol_pattern_path *path, struct sol_str s,
            struct sol_str *out)
{
    size_t need = s.n / 2 + s.n / 4 * 3 + 4;
    if (need > e->capscratch) {
        uint8_t *b = sol_realloc(e->scratch, need);
        if (!b) {
            e->nomem = true;
            return false;
        }
        e->scratch = b;
        e->capscratch = need;
    }
    long n = path->hex ? sol_hex_decode(s.p, s.n, e->scratch)
                       : (s.n ? sol_base64_decode(s.p, s.n, e->scratch) : 0);
    if (n < 0)
        return false;
    out->p = (const char *)e->scratch;
    out->n = (size_t)n;
    return true;
}

/* A string's code points as octets when all are below U+0100 (§9.6.4), into ev->scratch. */
static bool
latin1_of(struct ev *e, struct sol_str s, struct sol_str *out)
{
    if (s.n + 1 > e->capscratch) {
        uint8_t *b = sol_realloc(e->scratch, s.n + 1);
        if (!b) {
            e->nomem = true;
            return false;
        }
        e->scratch = b;
        e->capscratch = s.n + 1;
    }
    size_t m = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t cp;
        size_t k = sol_utf8_decode(s.p + i, s.n - i, &cp);
        if (!k || cp > 0xff)
            return false;
        e->scratch[m++] = (uint8_t)cp;
        i += k;
    }
    out->p = (const char *)e->scratch;
    out->n = m;
    return true;
}

/*
 * Order v against c: -1, 0, 1, or INCOMPAT when the types cannot be compared
 * (STIX 2.1 §9.2 "comparable data types", §9.6.2-§9.6.4).
 */
static int
order(struct ev *e, const struct sol_pattern_path *path, const struct sol_json *v,
      const struct sol_pattern_const *c)
{
    switch (c->kind) {
    case SOL_PCONST_STRING: {
        if (v->type != SOL_JSON_STRING)
            return INCOMPAT;
        struct sol_str s = sol_json_str(v);
        if (path->binary) {
            struct sol_str b;
            if (!c->latin1_ok || !decode_prop(e, path, s, &b))
                return INCOMPAT;
            return cmp_bytes(b.p, b.n, c->latin1.p, c->latin1.n);
        }
        /* UTF-8 byte order is code point order (§9.6.2). */
        return cmp_bytes(s.p, s.n, c->bytes.p, c->bytes.n);
    }
    case SOL_PCONST_INT:
        if (v->type == SOL_JSON_INT)
            return v->u.i < c->i ? -1 : v->u.i > c->i;
        if (v->type == SOL_JSON_UINT)
            return 1;
        if (v->type == SOL_JSON_DOUBLE)
            return flip(cmp_i64_double(c->i, v->u.d));
        return INCOMPAT;
    case SOL_PCONST_FLOAT:
        if (v->type == SOL_JSON_INT)
            return cmp_i64_double(v->u.i, c->f);
        if (v->type == SOL_JSON_UINT)
            return (double)v->u.u < c->f ? -1 : (double)v->u.u > c->f;
        if (v->type == SOL_JSON_DOUBLE)
            return v->u.d < c->f ? -1 : v->u.d > c->f ? 1 : v->u.d == c->f ? 0 : INCOMPAT;
        return INCOMPAT;
    case SOL_PCONST_BOOL:
        if (v->type != SOL_JSON_BOOL)
            return INCOMPAT;
        return v->u.b == c->b ? 0 : 1;
    case SOL_PCONST_BINARY:
    case SOL_PCONST_HEX: {
        if (v->type != SOL_JSON_STRING)
            return INCOMPAT;
        struct sol_str b;
        if (path->binary ? !decode_prop(e, path, sol_json_str(v), &b)
                         : !latin1_of(e, sol_json_str(v), &b))
            return INCOMPAT;
        return cmp_bytes(b.p, b.n, c->bytes.p, c->bytes.n);
    }
    case SOL_PCONST_TIMESTAMP: {
        if (v->type != SOL_JSON_STRING)
            return INCOMPAT;
        sol_time_t t;
        if (sol_time_parse(v->u.s, v->n, 0, &t, NULL, NULL))
            return INCOMPAT;
        return t < c->t ? -1 : t > c->t;
    }
    case SOL_PCONST_LIST:
        return INCOMPAT;
    }
    return INCOMPAT;
}

/*
 * SQL LIKE over code points (or octets when bytes): '%' is any run, '_' one code point
 * (STIX 2.1 §9.6.1). The pattern is split at '%' into segments: the first must match at
 * the start, the last at the end, and each middle one at its leftmost place after the
 * previous (leftmost is always safe for '%'-separated segments). Literal segments are
 * found with memmem, so the usual patterns run in linear time; a segment with '_' is
 * tried at each position, O(n * m) at worst, never exponential.
 */
static size_t
unit_len(const char *s, size_t n, bool bytes)
{
    if (bytes)
        return 1;
    uint32_t cp;
    size_t k = sol_utf8_decode(s, n, &cp);
    return k ? k : 1;
}

/* Match segment g (no '%') at s[pos]: the end position, or SIZE_MAX. */
static size_t
seg_at(const char *s, size_t sn, size_t pos, const char *g, size_t gn, bool bytes)
{
    size_t gi = 0;
    while (gi < gn) {
        if (pos >= sn)
            return SIZE_MAX;
        if (g[gi] == '_') {
            pos += unit_len(s + pos, sn - pos, bytes);
            gi++;
            continue;
        }
        size_t k = unit_len(g + gi, gn - gi, bytes);
        if (k > sn - pos || memcmp(s + pos, g + gi, k) != 0)
            return SIZE_MAX;
        pos += k;
        gi += k;
    }
    return pos;
}

/* The code points (or octets) a segment consumes. */
static size_t
seg_units(const char *g, size_t gn, bool bytes)
{
    size_t u = 0;
    for (size_t i = 0; i < gn; i += unit_len(g + i, gn - i, bytes))
        u++;
    return u;
}

static bool
like(const char *s, size_t sn, const char *p, size_t pn, bool bytes)
{
    const char *pct = memchr(p, '%', pn);
    if (!pct)
        return seg_at(s, sn, 0, p, pn, bytes) == sn;
    /* First segment: anchored at the start. */
    size_t pos = seg_at(s, sn, 0, p, (size_t)(pct - p), bytes);
    if (pos == SIZE_MAX)
        return false;
    const char *rest = pct + 1, *end = p + pn;
    for (;;) {
        const char *next = memchr(rest, '%', (size_t)(end - rest));
        if (!next) {
            /* Last segment: anchored at the end, starting at or after pos. */
            size_t gn = (size_t)(end - rest), units = seg_units(rest, gn, bytes);
            size_t start = sn;
            for (size_t u = 0; u < units; u++) {
                if (start == 0)
                    return false;
                start--;
                while (!bytes && start > 0 && ((unsigned char)s[start] & 0xc0) == 0x80)
                    start--;
            }
            return start >= pos && seg_at(s, sn, start, rest, gn, bytes) == sn;
        }
        size_t gn = (size_t)(next - rest);
        if (gn > 0) {
            if (!memchr(rest, '_', gn)) {
                const char *hit = memmem(s + pos, sn - pos, rest, gn);
                if (!hit)
                    return false;
                pos = (size_t)(hit - s) + gn;
            } else {
                size_t at = pos, e2 = SIZE_MAX;
                while (at <= sn && (e2 = seg_at(s, sn, at, rest, gn, bytes)) == SIZE_MAX) {
                    if (at == sn)
                        break;
                    at += unit_len(s + at, sn - at, bytes);
                }
                if (e2 == SIZE_MAX)
                    return false;
                pos = e2;
            }
        }
        rest = next + 1;
    }
}

static bool
net_within(const struct sol_pattern_net *a, const struct sol_pattern_net *b)
{
    /* Is network a inside network b? */
    if (a->family != b->family || a->prefix < b->prefix)
        return false;
    unsigned full = b->prefix / 8, rest = b->prefix % 8;
    if (memcmp(a->addr, b->addr, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((a->addr[full] & mask) != (b->addr[full] & mask))
            return false;
    }
    return true;
}

/* Does value v satisfy the test (before NOT)? */
static bool
test_value(struct ev *e, const struct sol_pattern_cmp *t, const struct sol_json *v)
{
    const struct sol_pattern_path *path = &t->path;
    switch (t->op) {
    case SOL_POP_EXISTS:
        return true;
    case SOL_POP_EQ:
    case SOL_POP_NE:
    case SOL_POP_LT:
    case SOL_POP_LE:
    case SOL_POP_GT:
    case SOL_POP_GE: {
        int o = order(e, path, v, &t->value);
        if (o == INCOMPAT)
            return t->op == SOL_POP_NE; /* §9.6.1: only != is true for incompatible types */
        switch (t->op) {
        case SOL_POP_EQ:
            return o == 0;
        case SOL_POP_NE:
            return o != 0;
        case SOL_POP_LT:
            return o < 0;
        case SOL_POP_LE:
            return o <= 0;
        case SOL_POP_GT:
            return o > 0;
        default:
            return o >= 0;
        }
    }
    case SOL_POP_IN:
        for (size_t i = 0; i < t->value.nitems; i++)
            if (order(e, path, v, &t->value.items[i]) == 0)
                return true;
        return false;
    case SOL_POP_LIKE: {
        if (v->type != SOL_JSON_STRING)
            return false;
        struct sol_str s = sol_json_str(v);
        if (path->binary) {
            struct sol_str b;
            if (!t->value.latin1_ok || !decode_prop(e, path, s, &b))
                return false;
            return like(b.p, b.n, t->value.latin1.p, t->value.latin1.n, true);
        }
        /* §9.6.1: both sides in NFC (the constant was normalised when parsed), so every
         * normal form of the same text matches. */
        sol_buf_reset(&e->nfc);
        if (sol_pattern_nfc(s.p, s.n, &e->nfc) == SOL_ENOMEM) {
            e->nomem = true;
            return false;
        }
        return like(e->nfc.p ? e->nfc.p : "", e->nfc.n, t->value.bytes.p, t->value.bytes.n, false);
    }
    case SOL_POP_MATCHES: {
        if (v->type != SOL_JSON_STRING)
            return false;
        struct sol_str s = sol_json_str(v);
        const pcre2_code *re = t->regex_utf;
        if (path->binary) {
            if (!decode_prop(e, path, s, &s))
                return false;
            re = t->regex_bytes;
        } else {
            /* §9.6.1: a string property is NFC normalized before MATCHES. */
            sol_buf_reset(&e->nfc);
            if (sol_pattern_nfc(s.p, s.n, &e->nfc) == SOL_ENOMEM) {
                e->nomem = true;
                return false;
            }
            s.p = e->nfc.p ? e->nfc.p : "";
            s.n = e->nfc.n;
        }
        if (!re)
            return false;
        int rc = pcre2_match(re, (PCRE2_SPTR)s.p, s.n, 0, 0, e->md, e->mctx);
        if (rc >= 0)
            return true;
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
            rc == PCRE2_ERROR_HEAPLIMIT)
            e->regex_hits++;
        return false;
    }
    case SOL_POP_ISSUBSET:
    case SOL_POP_ISSUPERSET: {
        struct sol_pattern_net net;
        if (v->type != SOL_JSON_STRING || !sol__parse_net(v->u.s, v->n, &net))
            return false;
        return t->op == SOL_POP_ISSUBSET ? net_within(&net, &t->net) : net_within(&t->net, &net);
    }
    }
    return false;
}

/* Find the object of an observation by key (binary search; objects are sorted). */
static const struct sol_json *
find_object(const struct sol_observation *o, struct sol_str key)
{
    size_t lo = 0, hi = o->nobjects;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_bytes(o->objects[mid].key.p, o->objects[mid].key.n, key.p, key.n);
        if (c == 0)
            return o->objects[mid].value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool
push_val(struct ev *e, const struct reached *r)
{
    if (e->nvals == e->capvals) {
        size_t cap = e->capvals ? e->capvals * 2 : 16;
        struct reached *a = sol_realloc(e->vals, cap * sizeof *a);
        if (!a) {
            e->nomem = true;
            return false;
        }
        e->vals = a;
        e->capvals = cap;
    }
    e->vals[e->nvals++] = *r;
    return true;
}

/*
 * Follow steps[i..] from v, collecting the values reached into ev->vals. is_ref says v
 * is a reference (the value of a _ref property or an element of a _refs list) that a
 * KEY step must dereference first (§9.7.4). at says which SCO holds v.
 */
static void
walk(struct ev *e, const struct sol_observation *o, const struct sol_pattern_path *path, size_t i,
     const struct sol_json *v, bool is_ref, struct reached at)
{
    if (e->nomem)
        return;
    if (i == path->nsteps) {
        at.v = v;
        push_val(e, &at);
        return;
    }
    const struct sol_pattern_step *st = &path->steps[i];
    if (st->kind == SOL_PSTEP_KEY) {
        if (is_ref) {
            if (v->type != SOL_JSON_STRING)
                return;
            struct sol_str key = sol_json_str(v);
            v = find_object(o, key);
            if (!v)
                return;
            at.holder = v;
            at.holder_key = key;
            at.from = i;
        }
        const struct sol_json *m = sol_json_getn(v, st->key.p, st->key.n);
        if (!m)
            return;
        bool ref = st->key.n >= 4 && memcmp(st->key.p + st->key.n - 4, "_ref", 4) == 0;
        bool refs = st->key.n >= 5 && memcmp(st->key.p + st->key.n - 5, "_refs", 5) == 0;
        if (refs && m->type == SOL_JSON_ARRAY) {
            /* The next step indexes the list; its elements are references. */
            if (i + 1 < path->nsteps && path->steps[i + 1].kind != SOL_PSTEP_KEY) {
                const struct sol_pattern_step *ix = &path->steps[i + 1];
                struct sol_json_iter it;
                const struct sol_json *el;
                sol_json_iter_init(&it, m);
                int64_t k = 0;
                while (sol_json_iter_next(&it, NULL, &el)) {
                    if (ix->kind == SOL_PSTEP_ANY || ix->index == k)
                        walk(e, o, path, i + 2, el, true, at);
                    k++;
                }
                return;
            }
        }
        walk(e, o, path, i + 1, m, ref, at);
        return;
    }
    if (v->type != SOL_JSON_ARRAY)
        return;
    struct sol_json_iter it;
    const struct sol_json *el;
    sol_json_iter_init(&it, v);
    int64_t k = 0;
    while (sol_json_iter_next(&it, NULL, &el)) {
        if (st->kind == SOL_PSTEP_ANY || st->index == k)
            walk(e, o, path, i + 1, el, false, at);
        k++;
    }
}

static bool
has_timestamp(const struct sol_pattern_const *c)
{
    if (c->kind == SOL_PCONST_TIMESTAMP)
        return true;
    for (size_t i = 0; c->kind == SOL_PCONST_LIST && i < c->nitems; i++)
        if (c->items[i].kind == SOL_PCONST_TIMESTAMP)
            return true;
    return false;
}

/*
 * A timestamp constant meets a value that is not a STIX timestamp (§2.16). §9.6.1 makes
 * that false (incompatible types) when the property is not a timestamp; but when §6
 * defines the property as a timestamp the input itself is invalid, as `validate` would
 * say, and the evaluation stops with the validator's reason (the OASIS matcher raises an
 * error there too). Returns true when it stopped.
 */
static bool
timestamp_refused(struct ev *e, const struct sol_pattern_cmp *t, const struct sol_observation *o,
                  const struct reached *r)
{
    if (!has_timestamp(&t->value))
        return false;
    char why[400];
    if (!sol__timestamp_invalid(r->v, why, sizeof why))
        return false;
    struct sol_str keys[32];
    size_t nkeys = 0;
    for (size_t i = r->from; i < t->path.nsteps && nkeys < 32; i++)
        if (t->path.steps[i].kind == SOL_PSTEP_KEY)
            keys[nkeys++] = t->path.steps[i].key;
    struct sol_str type = sol_json_str(sol_json_get(r->holder, "type"));
    if (sol__sco_property_kind(type, keys, nkeys, e->pat->version) != PK_TIMESTAMP)
        return false;
    struct sol_buf where;
    sol_buf_init(&where);
    for (size_t i = 0; i < nkeys; i++) {
        if (i)
            sol_buf_putc(&where, '.');
        sol_buf_append(&where, keys[i].p, keys[i].n);
    }
    snprintf(e->err_msg, sizeof e->err_msg, "%.*s: object %.*s: %s: %s",
             (int)(o->id.n ? o->id.n : 13), o->id.n ? o->id.p : "observed-data",
             (int)(r->holder_key.n > 100 ? 100 : r->holder_key.n), r->holder_key.p,
             where.p ? where.p : "", why);
    sol_buf_free(&where);
    e->bad = true;
    return true;
}

/*
 * One test against one root object: false when the path reaches nothing (§9.6: "MUST
 * evaluate to FALSE, regardless of the operators"), except that NOT EXISTS is then true.
 * With [*], the test holds when any value reached satisfies it (§9.7.2).
 */
static bool
eval_test(struct ev *e, const struct sol_pattern_cmp *t, const struct sol_observation *o,
          const struct sol_json *root)
{
    const struct sol_json *type = sol_json_get(root, "type");
    if (!type || !sol_str_eq(sol_json_str(type), t->path.object_type))
        return false;
    e->nvals = 0;
    struct reached at = {NULL, root, e->root_key, 0};
    walk(e, o, &t->path, 0, root, false, at);
    if (e->nvals == 0)
        return t->op == SOL_POP_EXISTS && t->negated;
    if (t->op == SOL_POP_EXISTS)
        return !t->negated;
    size_t n = e->nvals;
    bool any = false;
    for (size_t i = 0; i < n && !any; i++) {
        if (timestamp_refused(e, t, o, &e->vals[i]))
            return false;
        any = test_value(e, t, e->vals[i].v);
    }
    return t->negated ? !any : any;
}

/* Every comparison starts from the same SCO (root). */
static bool
eval_cmp_on(struct ev *e, const struct sol_pattern_cmp *c, const struct sol_observation *o,
            const struct sol_json *root)
{
    switch (c->kind) {
    case SOL_PCMP_TEST:
        return eval_test(e, c, o, root);
    case SOL_PCMP_AND:
        for (size_t i = 0; i < c->nkids; i++)
            if (!eval_cmp_on(e, c->kids[i], o, root))
                return false;
        return true;
    case SOL_PCMP_OR:
        for (size_t i = 0; i < c->nkids; i++)
            if (eval_cmp_on(e, c->kids[i], o, root))
                return true;
        return false;
    }
    return false;
}

/*
 * STIX 2.1 §9.5: one object satisfies the whole bracket. STIX 2.0 reads the same way
 * (the OASIS matcher's 2.0 tests: [person:name = 'alice' AND person:age > 10] does not
 * match alice aged 10 beside bob aged 15); only references resolve differently (by the
 * objects dictionary's keys), which find_object() does for both.
 */
static bool
bracket_matches(struct ev *e, const struct sol_pattern_cmp *c, const struct sol_observation *o)
{
    for (size_t i = 0; i < o->nobjects && !e->bad; i++) {
        e->root_key = o->objects[i].key;
        if (o->objects[i].value && eval_cmp_on(e, c, o, o->objects[i].value))
            return true;
    }
    return false;
}

/* The search */

struct k;
typedef bool (*k_fn)(struct ev *e, const struct k *k);

/* A continuation: what to do once a sub-pattern has been bound. */
struct k {
    k_fn fn;
    const struct k *next;
    const struct sol_pattern_obs *node;
    struct window w;
    size_t i;       /* the next operand (AND, FOLLOWEDBY) or copy (REPEATS) */
    size_t mark;    /* where this operand's picks start on the stack */
    sol_time_t t;   /* WITHIN anchor / FOLLOWEDBY threshold */
    size_t prevkey; /* REPEATS: the first pick of the previous copy */
};

static bool eval_obs(struct ev *e, const struct sol_pattern_obs *n, struct window w,
                     const struct k *k);

static bool
tick(struct ev *e)
{
    if (++e->steps > e->max_steps)
        e->over = true;
    return !e->over && !e->nomem;
}

static bool
eligible(const struct ev *e, size_t i, const struct window *w)
{
    const struct sol_observation *o = &e->obs[i];
    return o->last_observed >= w->min_last && o->first_observed < w->stop &&
           e->used[i] < o->number_observed && (e->only >= e->nobs || i == e->only);
}

static bool
push_pick(struct ev *e, size_t i)
{
    if (e->nstack == e->capstack) {
        size_t cap = e->capstack ? e->capstack * 2 : 32;
        size_t *s = sol_realloc(e->stack, cap * sizeof *s);
        if (!s) {
            e->nomem = true;
            return false;
        }
        e->stack = s;
        e->capstack = cap;
    }
    e->stack[e->nstack++] = i;
    e->used[i]++;
    return true;
}

static void
pop_pick(struct ev *e)
{
    e->used[e->stack[--e->nstack]]--;
}

/* The first position in bracket b's candidates whose first_observed is >= t. */
static size_t
first_at_or_after(const struct ev *e, const size_t *cand, size_t n, sol_time_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->obs[cand[mid]].first_observed < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Pick one candidate of bracket b inside the window (and, for REPEATS, with index
 * >= from), then continue with k. Candidates are sorted by first_observed, so the
 * window's bounds become a binary search and an early stop: an observation that reaches
 * min_last begins no earlier than min_last minus the bracket's longest span.
 */
static bool
pick_bracket(struct ev *e, const struct sol_pattern_obs *b, const struct window *w, size_t from,
             const struct k *k)
{
    if (e->only < e->nobs) {
        size_t i = e->only;
        if (!e->isc[b->bracket_index][i] || i < from || !eligible(e, i, w))
            return false;
        if (!tick(e) || !push_pick(e, i))
            return false;
        if (k->fn(e, k))
            return true;
        pop_pick(e);
        return false;
    }
    const size_t *cand = e->cand[b->bracket_index];
    size_t n = e->ncand[b->bracket_index];
    sol_time_t span = e->span[b->bracket_index];
    sol_time_t lo = w->min_last >= INT64_MIN + span ? w->min_last - span : INT64_MIN;
    for (size_t j = first_at_or_after(e, cand, n, lo); j < n; j++) {
        size_t i = cand[j];
        if (e->obs[i].first_observed >= w->stop)
            break; /* sorted by first_observed: nothing later fits */
        if (i < from || !eligible(e, i, w))
            continue;
        if (!tick(e) || !push_pick(e, i))
            return false;
        if (k->fn(e, k))
            return true;
        pop_pick(e);
        if (e->over || e->nomem)
            return false;
    }
    return false;
}

static bool
k_and(struct ev *e, const struct k *k)
{
    if (k->i == k->node->nkids)
        return k->next->fn(e, k->next);
    struct k nk = *k;
    nk.i = k->i + 1;
    return eval_obs(e, k->node->kids[k->i], k->w, &nk);
}

static sol_time_t
max_first_since(const struct ev *e, size_t mark)
{
    sol_time_t t = INT64_MIN;
    for (size_t i = mark; i < e->nstack; i++)
        if (e->obs[e->stack[i]].first_observed > t)
            t = e->obs[e->stack[i]].first_observed;
    return t;
}

static sol_time_t
min_last_since(const struct ev *e, size_t mark)
{
    sol_time_t t = INT64_MAX;
    for (size_t i = mark; i < e->nstack; i++)
        if (e->obs[e->stack[i]].last_observed < t)
            t = e->obs[e->stack[i]].last_observed;
    return t;
}

static bool fb_from(struct ev *e, const struct sol_pattern_obs *n, size_t i, struct window w,
                    sol_time_t after, const struct k *next);

/* After operand i of FOLLOWEDBY: what follows reaches the latest first_observed so far. */
static bool
k_fb(struct ev *e, const struct k *k)
{
    sol_time_t after = max_first_since(e, k->mark);
    if (k->t > after)
        after = k->t;
    return fb_from(e, k->node, k->i, k->w, after, k->next);
}

/*
 * Bind operands i.. of a FOLLOWEDBY chain in time order (§9.5.2): every observation of
 * operand i reaches `after`, the latest first_observed of the operands before it. The
 * chain is left-associative, ((a FOLLOWEDBY b) FOLLOWEDBY c), so c follows a and b both.
 */
static bool
fb_from(struct ev *e, const struct sol_pattern_obs *n, size_t i, struct window w, sol_time_t after,
        const struct k *next)
{
    struct window ow = w;
    if (after > ow.min_last)
        ow.min_last = after;
    if (i + 1 == n->nkids)
        return eval_obs(e, n->kids[i], ow, next);
    struct k nk = {k_fb, next, n, w, i + 1, e->nstack, after, 0};
    return eval_obs(e, n->kids[i], ow, &nk);
}

/* After the operand of WITHIN: its smallest last_observed must be exactly the anchor. */
static bool
k_within(struct ev *e, const struct k *k)
{
    if (min_last_since(e, k->mark) != k->t)
        return false;
    return k->next->fn(e, k->next);
}

static bool
k_repeat(struct ev *e, const struct k *k)
{
    const struct sol_pattern_obs *n = k->node;
    size_t key = k->prevkey;
    if (k->i > 0) {
        /* The copy just bound: order copies by their first pick to skip permutations. */
        key = e->stack[k->mark];
        if (key < k->prevkey)
            return false;
    }
    if (k->i == n->repeats)
        return k->next->fn(e, k->next);
    struct k nk = *k;
    nk.i = k->i + 1;
    nk.mark = e->nstack;
    nk.prevkey = key;
    const struct sol_pattern_obs *kid = n->kids[0];
    if (kid->kind == SOL_POBS_BRACKET) {
        /* Enough units left at or after key for the remaining copies? */
        uint64_t need = n->repeats - k->i, units = 0;
        const size_t *c = e->cand[kid->bracket_index];
        for (size_t j = 0; j < e->ncand[kid->bracket_index] && units < need; j++)
            if (c[j] >= key && eligible(e, c[j], &k->w))
                units += e->obs[c[j]].number_observed - e->used[c[j]];
        if (units < need)
            return false;
        struct k leaf = nk;
        /* Picks of one bracket: ascending (combinations with repetition). */
        return pick_bracket(e, kid, &k->w, key, &leaf);
    }
    return eval_obs(e, kid, k->w, &nk);
}

static bool
eval_obs(struct ev *e, const struct sol_pattern_obs *n, struct window w, const struct k *k)
{
    if (!tick(e))
        return false;
    switch (n->kind) {
    case SOL_POBS_BRACKET:
        return pick_bracket(e, n, &w, 0, k);
    case SOL_POBS_OR:
        for (size_t i = 0; i < n->nkids; i++) {
            if (eval_obs(e, n->kids[i], w, k))
                return true;
            if (e->over || e->nomem)
                return false;
        }
        return false;
    case SOL_POBS_AND: {
        struct k nk = {k_and, k, n, w, 1, 0, 0, 0};
        return eval_obs(e, n->kids[0], w, &nk);
    }
    case SOL_POBS_FOLLOWEDBY:
        return fb_from(e, n, 0, w, INT64_MIN, k);
    case SOL_POBS_STARTSTOP:
        /* Some instant of each observation in [start, stop) (§9.5.1). */
        if (n->start > w.min_last)
            w.min_last = n->start;
        if (n->stop < w.stop)
            w.stop = n->stop;
        return eval_obs(e, n->kids[0], w, k);
    case SOL_POBS_WITHIN:
        for (size_t j = 0; j < e->nlasts; j++) {
            sol_time_t t0 = e->lasts[j];
            /* A binding of the one allowed observation anchors at its own last_observed. */
            if (e->only < e->nobs && t0 != e->obs[e->only].last_observed)
                continue;
            if (t0 < w.min_last)
                continue;
            if (!tick(e))
                return false;
            struct window ww = w;
            ww.min_last = t0;
            if (t0 <= INT64_MAX - n->within_us && t0 + n->within_us < ww.stop)
                ww.stop = t0 + n->within_us;
            struct k nk = {k_within, k, n, w, 0, e->nstack, t0, 0};
            if (eval_obs(e, n->kids[0], ww, &nk))
                return true;
            if (e->over || e->nomem)
                return false;
        }
        return false;
    case SOL_POBS_REPEATS: {
        struct k nk = {k_repeat, k, n, w, 0, e->nstack, 0, 0};
        return k_repeat(e, &nk);
    }
    }
    return false;
}

/*
 * Can n match at all, ignoring time and distinctness? A cheap test that spares the
 * search from enumerating the bindings of some operands when another has none.
 */
static bool
feasible(const struct ev *e, const struct sol_pattern_obs *n)
{
    switch (n->kind) {
    case SOL_POBS_BRACKET:
        return e->ncand[n->bracket_index] > 0;
    case SOL_POBS_OR:
        for (size_t i = 0; i < n->nkids; i++)
            if (feasible(e, n->kids[i]))
                return true;
        return false;
    case SOL_POBS_REPEATS:
        if (n->kids[0]->kind == SOL_POBS_BRACKET) {
            uint64_t units = 0;
            const size_t *c = e->cand[n->kids[0]->bracket_index];
            for (size_t i = 0; i < e->ncand[n->kids[0]->bracket_index] && units < n->repeats; i++)
                units += e->obs[c[i]].number_observed;
            return units >= n->repeats;
        }
        return feasible(e, n->kids[0]);
    default:
        for (size_t i = 0; i < n->nkids; i++)
            if (!feasible(e, n->kids[i]))
                return false;
        return true;
    }
}

static bool
k_done(struct ev *e, const struct k *k)
{
    (void)e;
    (void)k;
    return true;
}

static int
cmp_time(const void *a, const void *b)
{
    sol_time_t x = *(const sol_time_t *)a, y = *(const sol_time_t *)b;
    return x < y ? -1 : x > y;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* qsort has no context argument: the observations being sorted, set just before. */
static _Thread_local const struct sol_observation *sort_obs;

static int
cmp_by_first(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    sol_time_t fx = sort_obs[x].first_observed, fy = sort_obs[y].first_observed;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    return x < y ? -1 : x > y;
}

static size_t
sort_unique(sol_time_t *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_time);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[m - 1])
            v[m++] = v[i];
    return m;
}

/* Does the tree under n have a node of kind k? */
static bool
uses(const struct sol_pattern_obs *n, enum sol_pattern_obs_kind k)
{
    if (n->kind == k)
        return true;
    for (size_t i = 0; i < n->nkids; i++)
        if (uses(n->kids[i], k))
            return true;
    return false;
}

/* Collect the brackets of the tree by their index. */
static void
collect_brackets(const struct sol_pattern_obs *n, const struct sol_pattern_obs **out)
{
    if (n->kind == SOL_POBS_BRACKET) {
        out[n->bracket_index] = n;
        return;
    }
    for (size_t i = 0; i < n->nkids; i++)
        collect_brackets(n->kids[i], out);
}

static void
ev_free(struct ev *e)
{
    if (e->cand)
        for (size_t i = 0; i < e->pat->nbrackets; i++)
            sol_free(e->cand[i]);
    if (e->isc)
        for (size_t i = 0; i < e->pat->nbrackets; i++)
            sol_free(e->isc[i]);
    sol_free(e->isc);
    sol_free(e->cand);
    sol_free(e->ncand);
    sol_free(e->used);
    sol_free(e->lasts);
    sol_free(e->span);
    sol_free(e->stack);
    sol_free(e->vals);
    sol_free(e->scratch);
    sol_buf_free(&e->nfc);
    if (e->md)
        pcre2_match_data_free(e->md);
    if (e->mctx)
        pcre2_match_context_free(e->mctx);
}

static bool
add_result(struct sol_pattern_result *res, size_t i, size_t *cap)
{
    if (res->nobs == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        size_t *v = sol_realloc(res->obs, c * sizeof *v);
        if (!v)
            return false;
        res->obs = v;
        *cap = c;
    }
    res->obs[res->nobs++] = i;
    return true;
}

int
sol_pattern_match(const struct sol_pattern *p, const struct sol_observation *obs, size_t n,
                  const struct sol_pattern_match_options *opt, struct sol_pattern_result *res,
                  struct sol_error *err)
{
    memset(res, 0, sizeof *res);
    if (!p || !p->root || (n && !obs))
        return sol_error_set(err, SOL_EINVAL, "no pattern or no observations");
    struct ev e;
    memset(&e, 0, sizeof e);
    e.pat = p;
    e.obs = obs;
    e.nobs = n;
    e.only = SIZE_MAX;
    e.max_steps = opt && opt->max_steps ? opt->max_steps : 10000000;
    uint32_t mlimit = opt && opt->regex_match_limit ? opt->regex_match_limit : 100000;
    int rc = 0;
    size_t nb = p->nbrackets;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    const struct sol_pattern_obs **brackets = sol_calloc(nb ? nb : 1, sizeof *brackets);
    e.cand = sol_calloc(nb ? nb : 1, sizeof *e.cand);
    e.ncand = sol_calloc(nb ? nb : 1, sizeof *e.ncand);
    e.isc = sol_calloc(nb ? nb : 1, sizeof *e.isc);
    e.used = sol_calloc(n ? n : 1, sizeof *e.used);
    e.lasts = sol_malloc((n ? n : 1) * sizeof *e.lasts);
    e.span = sol_calloc(nb ? nb : 1, sizeof *e.span);
    e.md = pcre2_match_data_create(1, NULL);
    e.mctx = pcre2_match_context_create(NULL);
    if (!brackets || !e.cand || !e.ncand || !e.isc || !e.used || !e.lasts || !e.span || !e.md ||
        !e.mctx) {
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
        goto out;
    }
    pcre2_set_match_limit(e.mctx, mlimit);
    pcre2_set_depth_limit(e.mctx, mlimit);
    pcre2_set_heap_limit(e.mctx, 20000); /* KiB */
    collect_brackets(p->root, brackets);

    /* Stage 1: the candidates of each bracket. */
    for (size_t b = 0; b < nb; b++) {
        e.cand[b] = sol_malloc((n ? n : 1) * sizeof **e.cand);
        e.isc[b] = sol_calloc(n ? n : 1, 1);
        if (!e.cand[b] || !e.isc[b]) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            if (obs[i].number_observed == 0 || obs[i].first_observed > obs[i].last_observed)
                continue;
            if (bracket_matches(&e, brackets[b]->cmp, &obs[i])) {
                e.cand[b][e.ncand[b]++] = i;
                e.isc[b][i] = 1;
                if (obs[i].last_observed - obs[i].first_observed > e.span[b])
                    e.span[b] = obs[i].last_observed - obs[i].first_observed;
            }
            if (e.nomem) {
                rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
                goto out;
            }
            if (e.bad) {
                rc = sol_error_set(err, SOL_EINVALID, "%s", e.err_msg);
                goto out;
            }
        }
    }
    sort_obs = obs;
    for (size_t b = 0; b < nb; b++)
        qsort(e.cand[b], e.ncand[b], sizeof *e.cand[b], cmp_by_first);
    /* The anchors of WITHIN, only when used. */
    if (uses(p->root, SOL_POBS_WITHIN)) {
        for (size_t i = 0; i < n; i++)
            e.lasts[i] = obs[i].last_observed;
        e.nlasts = sort_unique(e.lasts, n);
    }

    /* Stage 2: the search. */
    struct window all = {INT64_MIN, INT64_MAX};
    struct k done = {k_done, NULL, NULL, all, 0, 0, 0, 0};
    size_t cap = 0;
    if (!feasible(&e, p->root)) {
        /* Some operand every match needs has no candidate: nothing to search. */
    } else if (p->single) {
        /* Every binding is one observation: report each that binds. */
        for (size_t i = 0; i < n; i++) {
            e.only = i;
            e.nstack = 0;
            memset(e.used, 0, n * sizeof *e.used);
            if (eval_obs(&e, p->root, all, &done)) {
                if (!add_result(res, i, &cap)) {
                    rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
                    goto out;
                }
            }
            if (e.over || e.nomem)
                break;
        }
    } else if (eval_obs(&e, p->root, all, &done)) {
        if (e.nstack > 1)
            qsort(e.stack, e.nstack, sizeof *e.stack, cmp_size);
        for (size_t i = 0; i < e.nstack; i++) {
            if (i && e.stack[i] == e.stack[i - 1])
                continue;
            if (!add_result(res, e.stack[i], &cap)) {
                rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    if (e.nomem) {
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    } else if (e.over) {
        rc = sol_error_set(err, SOL_ELIMIT,
                           "the evaluation took more than %llu search steps; giving up",
                           (unsigned long long)e.max_steps);
        sol_free(res->obs);
        res->obs = NULL;
        res->nobs = 0;
    }
    res->matched = rc == 0 && res->nobs > 0;
out:
    res->regex_limit_hits = e.regex_hits;
    res->steps = e.steps;
    if (rc) {
        sol_free(res->obs);
        res->obs = NULL;
        res->nobs = 0;
        res->matched = false;
    }
    sol_free(brackets);
    ev_free(&e);
    return rc;
}

void
sol_pattern_result_free(struct sol_pattern_result *res)
{
    if (!res)
        return;
    sol_free(res->obs);
    memset(res, 0, sizeof *res);
}

int
sol_pattern_bracket_matches(const struct sol_pattern *p, const struct sol_pattern_obs *b,
                            const struct sol_observation *o)
{
    if (!p || !b || !o || b->kind != SOL_POBS_BRACKET || !b->cmp)
        return SOL_EINVAL;
    struct ev e;
    memset(&e, 0, sizeof e);
    e.pat = p;
    e.only = SIZE_MAX;
    e.md = pcre2_match_data_create(1, NULL);
    e.mctx = pcre2_match_context_create(NULL);
    int rc;
    if (!e.md || !e.mctx) {
        rc = SOL_ENOMEM;
    } else {
        pcre2_set_match_limit(e.mctx, 100000);
        pcre2_set_depth_limit(e.mctx, 100000);
        pcre2_set_heap_limit(e.mctx, 20000);
        rc = bracket_matches(&e, b->cmp, o) ? 1 : 0;
        if (e.nomem)
            rc = SOL_ENOMEM;
        else if (e.bad)
            rc = SOL_EINVALID;
    }
    ev_free(&e);
    return rc;
}
