/*
 * compile.c — from indicators to the index.
 *
 * A pattern that is one equality on one property ("[domain-name:value = 'x']", which is
 * nearly every indicator real feeds carry) is read by a small recogniser and becomes a
 * key alone: the key's equality is the match. Any other pattern is parsed by the
 * patterning module; each of its brackets yields candidate keys when every way it can be
 * true needs one of them (an equality or IN on a property, a network for ISSUBSET, a
 * LIKE or MATCHES for the Vectorscan prefilter), and otherwise joins the short list of
 * brackets evaluated on every observation. Candidates are then confirmed by evaluating
 * the bracket (scan.c).
 */
#include <hs/hs.h>
#include <pthread.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "match/match.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/pattern.h"

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t nc_ = (cap) ? (cap)*2 : 16;                                                     \
            void *np_ = sol_realloc((arr), nc_ * sizeof *(arr));                                   \
            if (!np_)                                                                              \
                return SOL_ENOMEM;                                                                 \
            (arr) = np_;                                                                           \
            (cap) = nc_;                                                                           \
        }                                                                                          \
    } while (0)

struct sol_match_index *
sol_match_index_new(void)
{
    struct sol_match_index *idx = sol_calloc(1, sizeof *idx);
    if (!idx)
        return NULL;
    sol__mexact_init(&idx->exact);
    sol__mexact_init(&idx->ids);
    sol__mexact_init(&idx->names);
    sol__mlpm_init(&idx->lpm4, false);
    sol__mlpm_init(&idx->lpm6, true);
    /* Offset 0 of the strings is the empty string. */
    idx->strs = sol_malloc(4096);
    if (!idx->strs) {
        sol_free(idx);
        return NULL;
    }
    idx->strs[0] = 0;
    idx->strs_n = 1;
    idx->strs_cap = 4096;
    return idx;
}

static void
free_adding(struct sol_match_index *idx)
{
    sol__mexact_free(&idx->ids);
    sol__mexact_free(&idx->names);
    sol_free(idx->modified);
    idx->modified = NULL;
    for (size_t i = 0; i < idx->nrels; i++)
        sol_free(idx->rels[i].target);
    sol_free(idx->rels);
    idx->rels = NULL;
    idx->nrels = idx->caprels = 0;
    for (size_t i = 0; i < idx->nrx; i++)
        sol_free(idx->rx[i].expr);
    sol_free(idx->rx);
    idx->rx = NULL;
    idx->nrx = idx->caprx = 0;
}

void
sol_match_index_free(struct sol_match_index *idx)
{
    if (!idx)
        return;
    free_adding(idx);
    sol__mexact_free(&idx->exact);
    sol__mlpm_free(&idx->lpm4);
    sol__mlpm_free(&idx->lpm6);
    for (size_t i = 0; i < idx->nspaces; i++) {
        sol_free(idx->spaces[i].type);
        sol_free(idx->spaces[i].path);
    }
    sol_free(idx->spaces);
    sol_free(idx->space_hash);
    sol_free(idx->spacemap);
    for (size_t i = 0; i < idx->npats; i++)
        sol_pattern_free(idx->pats[i].p);
    sol_free(idx->pats);
    for (size_t i = 0; i < idx->nleaves; i++)
        sol_pattern_free(idx->leaves[i].sub);
    sol_free(idx->leaves);
    sol_free(idx->always);
    for (size_t i = 0; i < idx->nhs; i++) {
        hs_free_database(idx->hs[i].db);
        sol_free(idx->hs[i].leaf_of);
    }
    sol_free(idx->hs);
    sol_free(idx->indicates);
    sol_free(idx->ind);
    sol_free(idx->strs);
    sol_free(idx);
}

/* Append a string to the arena; returns its offset, or 0 on no memory or when empty. */
static uint32_t
add_string(struct sol_match_index *idx, const char *s, size_t n)
{
    if (!n)
        return 0;
    if (idx->strs_n + n + 1 > idx->strs_cap) {
        size_t nc = idx->strs_cap * 2;
        while (nc < idx->strs_n + n + 1)
            nc *= 2;
        if (nc > 0xffffffffu)
            return 0;
        char *np = sol_realloc(idx->strs, nc);
        if (!np)
            return 0;
        idx->strs = np;
        idx->strs_cap = nc;
    }
    uint32_t off = (uint32_t)idx->strs_n;
    memcpy(idx->strs + off, s, n);
    idx->strs[off + n] = 0;
    idx->strs_n += n + 1;
    return off;
}

int
sol__mspace_find(const struct sol_match_index *idx, uint64_t hash, const char *type, size_t type_n,
                 const char *path, size_t path_n)
{
    if (!idx->spacemap_cap)
        return -1;
    size_t mask = idx->spacemap_cap - 1;
    for (size_t j = hash & mask;; j = (j + 1) & mask) {
        uint32_t v = idx->spacemap[j];
        if (!v)
            return -1;
        const struct sol__mspace *s = &idx->spaces[v - 1];
        if (idx->space_hash[v - 1] == hash && s->type_n == type_n && s->path_n == path_n &&
            memcmp(s->type, type, type_n) == 0 && memcmp(s->path, path, path_n) == 0)
            return (int)(v - 1);
    }
}

static int
spacemap_put(struct sol_match_index *idx, uint32_t sp)
{
    if ((idx->nspaces + 1) * 2 > idx->spacemap_cap) {
        size_t nc = idx->spacemap_cap ? idx->spacemap_cap * 2 : 64;
        uint32_t *nm = sol_calloc(nc, sizeof *nm);
        if (!nm)
            return SOL_ENOMEM;
        for (size_t i = 0; i < idx->spacemap_cap; i++) {
            uint32_t v = idx->spacemap[i];
            if (!v)
                continue;
            size_t j = idx->space_hash[v - 1] & (nc - 1);
            while (nm[j])
                j = (j + 1) & (nc - 1);
            nm[j] = v;
        }
        sol_free(idx->spacemap);
        idx->spacemap = nm;
        idx->spacemap_cap = nc;
    }
    size_t mask = idx->spacemap_cap - 1;
    size_t j = idx->space_hash[sp] & mask;
    while (idx->spacemap[j])
        j = (j + 1) & mask;
    idx->spacemap[j] = sp + 1;
    return 0;
}

/* The number of the space (type, path), made when new; -1 on no memory or too many. */
static int
space_get(struct sol_match_index *idx, const char *type, size_t type_n, const char *path,
          size_t path_n)
{
    uint64_t h = sol__mspace_hash(type, type_n, path, path_n);
    int sp = sol__mspace_find(idx, h, type, type_n, path, path_n);
    if (sp >= 0)
        return sp;
    if (idx->nspaces >= 65535 || type_n > 65535 || path_n > 65535)
        return -1;
    if (idx->nspaces == idx->capspaces) {
        size_t nc = idx->capspaces ? idx->capspaces * 2 : 16;
        struct sol__mspace *ns = sol_realloc(idx->spaces, nc * sizeof *ns);
        if (!ns)
            return -1;
        idx->spaces = ns;
        uint64_t *nh = sol_realloc(idx->space_hash, nc * sizeof *nh);
        if (!nh)
            return -1;
        idx->space_hash = nh;
        idx->capspaces = nc;
        idx->exact.space_hash = nh;
    }
    struct sol__mspace *s = &idx->spaces[idx->nspaces];
    memset(s, 0, sizeof *s);
    s->type = sol_strndup(type, type_n);
    s->path = sol_strndup(path, path_n);
    if (!s->type || !s->path) {
        sol_free(s->type);
        sol_free(s->path);
        return -1;
    }
    s->type_n = (uint16_t)type_n;
    s->path_n = (uint16_t)path_n;
    s->norm = (uint8_t)sol__mnorm_of(type, type_n, path, path_n);
    s->hs = -1;
    idx->space_hash[idx->nspaces] = h;
    sp = (int)idx->nspaces++;
    if (spacemap_put(idx, (uint32_t)sp) < 0) {
        idx->nspaces--;
        sol_free(s->type);
        sol_free(s->path);
        return -1;
    }
    return sp;
}

/*
 * Key a value of space sp to target: an exact key, or a network for the prefix table.
 * Returns 0, 1 when the value cannot be a key of that space (an address that does not
 * parse), or a negative code.
 */
static int
add_key(struct sol_match_index *idx, int sp, const char *v, size_t n, bool network_ok,
        uint32_t target)
{
    struct sol__mspace *s = &idx->spaces[sp];
    if (s->norm == SOL__MNORM_IP) {
        uint8_t a[16];
        bool v6, has_len;
        unsigned len;
        if (sol__mip_parse(v, n, a, &v6, &len, &has_len) < 0)
            return 1;
        bool want6 = s->type[1] == 'p' && s->type[3] == '6';
        if (v6 != want6)
            return 1;
        if (len == (v6 ? 128u : 32u)) {
            s->exact = true;
            idx->stats.exact_keys++;
            return sol__mexact_add(&idx->exact, (uint16_t)sp, idx->space_hash[sp], a, v6 ? 16 : 4,
                                   target);
        }
        if (!network_ok)
            return 1;
        s->lpm = true;
        idx->stats.cidr_prefixes++;
        return sol__mlpm_add(v6 ? &idx->lpm6 : &idx->lpm4, a, len, target);
    }
    uint8_t buf[1024];
    int kn = sol__mnorm_value((enum sol__mnorm)s->norm, v, n, buf, sizeof buf);
    if (kn < 0)
        return 1;
    s->exact = true;
    idx->stats.exact_keys++;
    return sol__mexact_add(&idx->exact, (uint16_t)sp, idx->space_hash[sp], buf, (size_t)kn, target);
}

/* ---- The recogniser of simple patterns ---- */

static bool
is_type_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool
is_prop_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static bool
ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

struct simple {
    const char *type;
    size_t type_n;
    char path[256];
    size_t path_n;
    const char *value;
    size_t value_n;
};

static void
skip_ws(const char *p, size_t n, size_t *i)
{
    while (*i < n && (p[*i] == ' ' || p[*i] == '\t' || p[*i] == '\n' || p[*i] == '\r'))
        (*i)++;
}

/*
 * simple := "[" type ":" key ("." key)* "=" "'" text "'" "]"   (white space between)
 * key    := name | "'" name "'";  text has no quote or backslash.
 * Keys that dereference (_ref, _refs), binary properties (_bin, _hex) and anything
 * else go to the full parser.
 */
static bool
recognise_simple(const char *p, size_t n, struct simple *out)
{
    size_t i = 0;
    skip_ws(p, n, &i);
    if (i >= n || p[i++] != '[')
        return false;
    skip_ws(p, n, &i);
    out->type = p + i;
    while (i < n && is_type_char(p[i]))
        i++;
    out->type_n = (size_t)(p + i - out->type);
    if (out->type_n < 3 || i >= n || p[i++] != ':')
        return false;
    out->path_n = 0;
    bool after_hashes = false;
    for (;;) {
        bool quoted = i < n && p[i] == '\'';
        if (quoted)
            i++;
        const char *k = p + i;
        while (i < n && is_prop_char(p[i]))
            i++;
        size_t kn = (size_t)(p + i - k);
        if (quoted) {
            if (i >= n || p[i] != '\'')
                return false;
            i++;
        }
        if (kn == 0 || ends_with(k, kn, "_ref") || ends_with(k, kn, "_refs") ||
            ends_with(k, kn, "_bin") || ends_with(k, kn, "_hex"))
            return false;
        if (!quoted && k[0] >= '0' && k[0] <= '9')
            return false;
        const char *canon = after_hashes ? sol__mhash_canonical(k, kn) : NULL;
        if (canon) {
            k = canon;
            kn = strlen(canon);
        }
        if (out->path_n + kn + 2 > sizeof out->path)
            return false;
        if (out->path_n)
            out->path[out->path_n++] = '.';
        memcpy(out->path + out->path_n, k, kn);
        out->path_n += kn;
        after_hashes = kn == 6 && memcmp(k, "hashes", 6) == 0;
        if (i < n && p[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (after_hashes)
        return false;
    skip_ws(p, n, &i);
    if (i >= n || p[i++] != '=')
        return false;
    skip_ws(p, n, &i);
    if (i >= n || p[i++] != '\'')
        return false;
    out->value = p + i;
    while (i < n && p[i] != '\'' && p[i] != '\\')
        i++;
    if (i >= n || p[i] != '\'')
        return false;
    out->value_n = (size_t)(p + i - out->value);
    i++;
    skip_ws(p, n, &i);
    if (i >= n || p[i++] != ']')
        return false;
    skip_ws(p, n, &i);
    return i == n;
}

/* ---- Full patterns ---- */

/* The canonical dotted path of a test, or false when it is not plain keys. */
static bool
plain_path(const struct sol_pattern_path *path, char *out, size_t cap, size_t *out_n)
{
    size_t n = 0;
    bool after_hashes = false;
    if (path->binary)
        return false;
    for (size_t i = 0; i < path->nsteps; i++) {
        const struct sol_pattern_step *st = &path->steps[i];
        if (st->kind != SOL_PSTEP_KEY)
            return false;
        const char *k = st->key.p;
        size_t kn = st->key.n;
        if (i + 1 < path->nsteps && (ends_with(k, kn, "_ref") || ends_with(k, kn, "_refs")))
            return false;
        const char *canon = after_hashes ? sol__mhash_canonical(k, kn) : NULL;
        if (canon) {
            k = canon;
            kn = strlen(canon);
        }
        if (n + kn + 2 > cap)
            return false;
        if (n)
            out[n++] = '.';
        memcpy(out + n, k, kn);
        n += kn;
        after_hashes = kn == 6 && memcmp(k, "hashes", 6) == 0;
    }
    out[n] = 0;
    *out_n = n;
    return n > 0;
}

/*
 * A regular expression matching at least what LIKE text matches (§9.6.1). A leading or
 * trailing '%' drops the anchor on its side rather than becoming ".*", which Vectorscan
 * compiles and runs much faster.
 */
static char *
like_to_regex(const char *s, size_t n)
{
    struct sol_buf b;
    sol_buf_init(&b);
    bool open_start = false, open_end = false;
    while (n && s[0] == '%') {
        s++;
        n--;
        open_start = true;
    }
    while (n && s[n - 1] == '%') {
        n--;
        open_end = true;
    }
    if (!open_start)
        sol_buf_puts(&b, "^");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%')
            sol_buf_puts(&b, ".*");
        else if (c == '_')
            sol_buf_puts(&b, "(?:[\\x00-\\x7f\\xc0-\\xff][\\x80-\\xbf]*)");
        else if (c < 0x20 || c >= 0x7f || strchr("\\^$.|?*+()[]{}/-", c))
            sol_buf_printf(&b, "\\x%02x", c);
        else
            sol_buf_putc(&b, (char)c);
    }
    if (!open_end)
        sol_buf_puts(&b, "$");
    if (b.oom) {
        sol_buf_free(&b);
        return NULL;
    }
    return sol_buf_steal(&b, NULL);
}

/* A key set under construction for one bracket. */
struct keyset {
    struct {
        int sp;
        const struct sol_pattern_const *c; /* a STRING constant */
        bool network_ok;
        int regex; /* 0, or SOL_POP_LIKE / SOL_POP_MATCHES */
    } k[64];
    size_t n;
};

/*
 * Collect keys such that every way cmp can be true needs one of them. Returns true with
 * keys appended, or false when cmp has no such set.
 */
static bool
collect_keys(struct sol_match_index *idx, const struct sol_pattern_cmp *cmp, struct keyset *ks)
{
    if (cmp->kind == SOL_PCMP_OR) {
        for (size_t i = 0; i < cmp->nkids; i++)
            if (!collect_keys(idx, cmp->kids[i], ks))
                return false;
        return true;
    }
    if (cmp->kind == SOL_PCMP_AND) {
        /* Any one operand's keys will do; prefer exact ones (cheapest to look up). */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < cmp->nkids; i++) {
                const struct sol_pattern_cmp *c = cmp->kids[i];
                bool regex =
                    c->kind == SOL_PCMP_TEST && (c->op == SOL_POP_LIKE || c->op == SOL_POP_MATCHES);
                if (pass == 0 && (c->kind != SOL_PCMP_TEST || regex))
                    continue;
                size_t save = ks->n;
                if (collect_keys(idx, c, ks))
                    return true;
                ks->n = save;
            }
        }
        return false;
    }
    if (cmp->negated)
        return false;
    char path[256];
    size_t path_n;
    if (!plain_path(&cmp->path, path, sizeof path, &path_n))
        return false;
    int sp = -1;
    const struct sol_pattern_const *vals = &cmp->value;
    size_t nvals = 1;
    bool network_ok = false;
    int regex = 0;
    switch (cmp->op) {
    case SOL_POP_EQ:
        break;
    case SOL_POP_IN:
        vals = cmp->value.items;
        nvals = cmp->value.nitems;
        break;
    case SOL_POP_ISSUBSET:
        network_ok = true;
        break;
    case SOL_POP_LIKE:
    case SOL_POP_MATCHES:
        regex = cmp->op;
        break;
    default:
        return false;
    }
    for (size_t i = 0; i < nvals; i++)
        if (vals[i].kind != SOL_PCONST_STRING)
            return false;
    sp = space_get(idx, cmp->path.object_type.p, cmp->path.object_type.n, path, path_n);
    if (sp < 0)
        return false;
    bool ip = idx->spaces[sp].norm == SOL__MNORM_IP;
    if (network_ok && !ip)
        return false;
    if (cmp->op == SOL_POP_EQ && ip)
        network_ok = true; /* '=' with a CIDR: see match.h */
    for (size_t i = 0; i < nvals; i++) {
        if (ks->n == sizeof ks->k / sizeof ks->k[0])
            return false;
        ks->k[ks->n].sp = sp;
        ks->k[ks->n].c = &vals[i];
        ks->k[ks->n].network_ok = network_ok;
        ks->k[ks->n].regex = regex;
        ks->n++;
    }
    return true;
}

/* Whether the pattern needs more than one observation for a match. */
static bool
needs_several(const struct sol_pattern_obs *o)
{
    switch (o->kind) {
    case SOL_POBS_BRACKET:
        return false;
    case SOL_POBS_OR:
    case SOL_POBS_WITHIN:
    case SOL_POBS_STARTSTOP:
        for (size_t i = 0; i < o->nkids; i++)
            if (needs_several(o->kids[i]))
                return true;
        return false;
    case SOL_POBS_REPEATS:
        return o->repeats > 1 || needs_several(o->kids[0]);
    default:
        return true;
    }
}

/* Whether START/STOP appears anywhere in the pattern. */
static bool
has_startstop(const struct sol_pattern_obs *o)
{
    if (o->kind == SOL_POBS_STARTSTOP)
        return true;
    for (size_t i = 0; o->kind != SOL_POBS_BRACKET && i < o->nkids; i++)
        if (has_startstop(o->kids[i]))
            return true;
    return false;
}

/* The text of the bracket that starts at byte column col ('[' there), or 0 length. */
static size_t
bracket_text(const char *p, size_t n, unsigned col, const char **start)
{
    if (col == 0 || col > n || p[col - 1] != '[')
        return 0;
    size_t i = col - 1, depth = 0;
    bool q = false;
    for (; i < n; i++) {
        char c = p[i];
        if (q) {
            if (c == '\\')
                i++;
            else if (c == '\'')
                q = false;
            continue;
        }
        if (c == '\'')
            q = true;
        else if (c == '[')
            depth++;
        else if (c == ']' && --depth == 0) {
            *start = p + col - 1;
            return i - (col - 1) + 1;
        }
    }
    return 0;
}

static int add_leaves(struct sol_match_index *idx, uint32_t pat, const struct sol_pattern_obs *o,
                      const char *text, size_t text_n, unsigned version);

static int
add_leaf(struct sol_match_index *idx, uint32_t pat, const struct sol_pattern_obs *o,
         const char *text, size_t text_n, unsigned version)
{
    GROW(idx->leaves, idx->nleaves, idx->capleaves);
    uint32_t leaf = (uint32_t)idx->nleaves;
    struct sol__mleaf *l = &idx->leaves[leaf];
    memset(l, 0, sizeof *l);
    l->pat = pat;
    l->cmp = o->cmp;
    idx->nleaves++;
    if (idx->pats[pat].multi) {
        const char *bs;
        size_t bn = bracket_text(text, text_n, o->column, &bs);
        struct sol_pattern_options opt = {.stix_version = version};
        if (bn)
            (void)sol_pattern_parse(bs, bn, &opt, &l->sub, NULL);
    }
    /* A single test the scanner can decide on its own. */
    const struct sol_pattern_cmp *c = o->cmp;
    char path[256];
    size_t path_n;
    if (c->kind == SOL_PCMP_TEST && !c->negated &&
        (c->op == SOL_POP_EQ || c->op == SOL_POP_IN || c->op == SOL_POP_LIKE ||
         c->op == SOL_POP_MATCHES || c->op == SOL_POP_ISSUBSET) &&
        plain_path(&c->path, path, sizeof path, &path_n)) {
        bool strings = true;
        if (c->op == SOL_POP_IN) {
            for (size_t i = 0; i < c->value.nitems; i++)
                strings = strings && c->value.items[i].kind == SOL_PCONST_STRING;
        } else {
            strings = c->value.kind == SOL_PCONST_STRING;
        }
        int sp = strings
                     ? space_get(idx, c->path.object_type.p, c->path.object_type.n, path, path_n)
                     : -1;
        if (sp >= 0 && (c->op != SOL_POP_MATCHES || c->regex_utf || c->regex_bytes)) {
            l->fast = true;
            l->fast_space = (uint16_t)sp;
        }
    }
    struct keyset ks;
    ks.n = 0;
    bool keyed = collect_keys(idx, o->cmp, &ks);
    if (keyed) {
        for (size_t i = 0; i < ks.n && keyed; i++) {
            const struct sol_pattern_const *k = ks.k[i].c;
            if (ks.k[i].regex) {
                GROW(idx->rx, idx->nrx, idx->caprx);
                struct sol__mregex *r = &idx->rx[idx->nrx];
                r->space = (uint16_t)ks.k[i].sp;
                r->leaf = leaf;
                if (ks.k[i].regex == SOL_POP_LIKE) {
                    r->expr = like_to_regex(k->bytes.p, k->bytes.n);
                    r->flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
                } else {
                    /* As the reference compiles it: from the constant's NFC form (§9.6.1). */
                    struct sol_buf nfc;
                    sol_buf_init(&nfc);
                    if (sol_pattern_nfc(k->bytes.p, k->bytes.n, &nfc) == SOL_ENOMEM) {
                        sol_buf_free(&nfc);
                        return SOL_ENOMEM;
                    }
                    r->expr = sol_strndup(nfc.p ? nfc.p : "", nfc.n);
                    sol_buf_free(&nfc);
                    r->flags = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER;
                    if (sol_utf8_check(k->bytes.p, k->bytes.n) == k->bytes.n)
                        r->flags |= HS_FLAG_UTF8;
                }
                if (!r->expr)
                    return SOL_ENOMEM;
                idx->nrx++;
                idx->stats.regex_terms++;
                continue;
            }
            int rc = add_key(idx, ks.k[i].sp, k->bytes.p, k->bytes.n, ks.k[i].network_ok,
                             SOL__MT_LEAF | leaf);
            if (rc < 0)
                return rc;
            /* A constant that can never be a key of its space (an address that does not
               parse) cannot match through the index: evaluate this bracket always. */
            if (rc == 1)
                keyed = false;
        }
    }
    if (!keyed) {
        GROW(idx->always, idx->nalways, idx->capalways);
        idx->always[idx->nalways++] = leaf;
        idx->stats.always_leaves++;
    }
    return 0;
}

static int
add_leaves(struct sol_match_index *idx, uint32_t pat, const struct sol_pattern_obs *o,
           const char *text, size_t text_n, unsigned version)
{
    if (o->kind == SOL_POBS_BRACKET)
        return add_leaf(idx, pat, o, text, text_n, version);
    for (size_t i = 0; i < o->nkids; i++) {
        int rc = add_leaves(idx, pat, o->kids[i], text, text_n, version);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- Indicators ---- */

static bool
canonical_indicator_id(const char *id, uint8_t uuid[16])
{
    size_t n = strlen(id);
    if (n != 11 + 36 || memcmp(id, "indicator--", 11) != 0)
        return false;
    struct sol_uuid u;
    if (sol_uuid_parse(id + 11, 36, &u) < 0)
        return false;
    char back[37];
    sol_uuid_format(&u, back);
    if (memcmp(back, id + 11, 36) != 0)
        return false;
    memcpy(uuid, u.b, 16);
    return true;
}

static uint32_t
to_seconds(sol_time_t t, bool up)
{
    if (t <= 0)
        return up ? UINT32_MAX : 0;
    int64_t s = t / 1000000;
    if (up && t % 1000000)
        s++;
    if (s >= (int64_t)UINT32_MAX)
        return UINT32_MAX - 1;
    return (uint32_t)s;
}

/* Add with a 'modified' for versions: a later version replaces an earlier one. */
static int
add_indicator(struct sol_match_index *idx, const char *id, const char *name, const char *pattern,
              size_t pattern_n, sol_time_t valid_from, sol_time_t valid_until, sol_time_t modified,
              unsigned version, struct sol_error *err)
{
    if (idx->built)
        return sol_error_set(err, SOL_EINVAL, "the index is already built");
    size_t id_n = strlen(id);
    static const uint64_t ids_space_hash[1] = {0x5eed};
    idx->ids.space_hash = ids_space_hash;
    const uint32_t *prev;
    uint32_t one;
    size_t k = sol__mexact_find(&idx->ids, 0, 0x5eed, (const uint8_t *)id, id_n, &prev, &one);
    uint32_t old = k ? prev[k - 1] : UINT32_MAX; /* the latest version is last */
    if (old != UINT32_MAX) {
        if (idx->modified[old] >= modified)
            return 0; /* we have this version or a later one */
    }
    if (idx->nind >= SOL__MT_MASK)
        return sol_error_set(err, SOL_ELIMIT, "too many indicators");
    if (idx->nind == idx->capind) {
        size_t nc = idx->capind ? idx->capind * 2 : 1024;
        struct sol__mind *ni = sol_realloc(idx->ind, nc * sizeof *ni);
        if (!ni)
            return SOL_ENOMEM;
        idx->ind = ni;
        int64_t *nm = sol_realloc(idx->modified, nc * sizeof *nm);
        if (!nm)
            return SOL_ENOMEM;
        idx->modified = nm;
        idx->capind = nc;
    }
    uint32_t me = (uint32_t)idx->nind;
    struct sol__mind *ind = &idx->ind[me];
    memset(ind, 0, sizeof *ind);
    if (!canonical_indicator_id(id, ind->uuid)) {
        ind->id_off = add_string(idx, id, id_n);
        if (!ind->id_off)
            return SOL_ENOMEM;
    }
    if (name && *name)
        ind->name_off = add_string(idx, name, strlen(name));
    ind->from_s = to_seconds(valid_from, false);
    ind->until_s = valid_until ? to_seconds(valid_until, true) : UINT32_MAX;

    struct simple s;
    if (recognise_simple(pattern, pattern_n, &s)) {
        int sp = space_get(idx, s.type, s.type_n, s.path, s.path_n);
        if (sp < 0)
            return SOL_ENOMEM;
        int rc = add_key(idx, sp, s.value, s.value_n, true, me);
        if (rc < 0)
            return sol_error_set(err, rc, "%s: %s", id, sol_strerror(rc));
        if (rc == 0) {
            ind->pat = SOL__MIND_SIMPLE;
            goto done;
        }
        /* Not a key of its space: let the full evaluator decide. */
    }
    {
        struct sol_pattern *p = NULL;
        struct sol_pattern_options opt = {.stix_version = version};
        struct sol_error perr;
        memset(&perr, 0, sizeof perr);
        int rc = sol_pattern_parse(pattern, pattern_n, &opt, &p, &perr);
        if (rc) {
            idx->stats.bad_patterns++;
            if (rc == SOL_ENOMEM)
                return rc;
            return sol_error_set(err, rc, "%s: pattern: column %u: %s", id, perr.column, perr.msg);
        }
        if (idx->npats == idx->cappats) {
            size_t nc = idx->cappats ? idx->cappats * 2 : 16;
            struct sol__mpat *np = sol_realloc(idx->pats, nc * sizeof *np);
            if (!np) {
                sol_pattern_free(p);
                return SOL_ENOMEM;
            }
            idx->pats = np;
            idx->cappats = nc;
        }
        uint32_t pat = (uint32_t)idx->npats++;
        struct sol__mpat *mp = &idx->pats[pat];
        const struct sol_pattern_obs *root = sol_pattern_root(p);
        mp->p = p;
        mp->ind = me;
        mp->text_off = add_string(idx, pattern, pattern_n);
        mp->multi = needs_several(root);
        mp->timed = has_startstop(root);
        mp->window = root->kind == SOL_POBS_WITHIN ? root->within_us : 0;
        if (mp->multi)
            idx->stats.multi_patterns++;
        ind->pat = pat;
        rc = add_leaves(idx, pat, root, pattern, pattern_n, version);
        if (rc)
            return rc;
    }
done:
    idx->nind++;
    idx->modified[me] = modified;
    if (old != UINT32_MAX)
        idx->ind[old].pat |= SOL__MIND_DEAD;
    return sol__mexact_add(&idx->ids, 0, 0x5eed, (const uint8_t *)id, id_n, me);
}

int
sol_match_index_reserve(struct sol_match_index *idx, size_t n)
{
    static const uint64_t ids_space_hash[1] = {0x5eed};
    idx->ids.space_hash = ids_space_hash;
    int rc = sol__mexact_reserve(&idx->ids, idx->ids.n + n);
    if (!rc)
        rc = sol__mexact_reserve(&idx->exact, idx->exact.n + n);
    if (!rc && idx->capind < idx->nind + n) {
        size_t nc = idx->nind + n;
        struct sol__mind *ni = sol_realloc(idx->ind, nc * sizeof *ni);
        if (!ni)
            return SOL_ENOMEM;
        idx->ind = ni;
        int64_t *nm = sol_realloc(idx->modified, nc * sizeof *nm);
        if (!nm)
            return SOL_ENOMEM;
        idx->modified = nm;
        idx->capind = nc;
    }
    return rc;
}

int
sol_match_index_add(struct sol_match_index *idx, const char *id, const char *name,
                    const char *pattern, size_t pattern_n, sol_time_t valid_from,
                    sol_time_t valid_until, struct sol_error *err)
{
    return add_indicator(idx, id, name, pattern, pattern_n, valid_from, valid_until, 0, 21, err);
}

static sol_time_t
json_time(const struct sol_json *o, const char *key)
{
    struct sol_str s = sol_json_str(sol_json_get(o, key));
    sol_time_t t = 0;
    if (s.p && sol_time_parse(s.p, s.n, 0, &t, NULL, NULL) == 0)
        return t;
    return 0;
}

static int
add_object(struct sol_match_index *idx, const struct sol_json *o, size_t *bad,
           struct sol_error *err, bool *reported)
{
    struct sol_str type = sol_json_str(sol_json_get(o, "type"));
    struct sol_str id = sol_json_str(sol_json_get(o, "id"));
    if (!type.p || !id.p)
        return 0;
    if (sol_str_eqc(type, "indicator")) {
        const struct sol_json *rv = sol_json_get(o, "revoked");
        if (rv && rv->type == SOL_JSON_BOOL && rv->u.b) {
            idx->stats.revoked_skipped++;
            return 0;
        }
        struct sol_str pt = sol_json_str(sol_json_get(o, "pattern_type"));
        if (pt.p && !sol_str_eqc(pt, "stix"))
            return 0;
        struct sol_str pat = sol_json_str(sol_json_get(o, "pattern"));
        if (!pat.p) {
            if (bad)
                (*bad)++;
            return 0;
        }
        struct sol_str name = sol_json_str(sol_json_get(o, "name"));
        struct sol_str sv = sol_json_str(sol_json_get(o, "spec_version"));
        unsigned version = sv.p ? 21 : 20;
        sol_time_t modified = json_time(o, "modified");
        struct sol_error e;
        memset(&e, 0, sizeof e);
        int rc = add_indicator(idx, id.p, name.p, pat.p, pat.n, json_time(o, "valid_from"),
                               json_time(o, "valid_until"), modified, version, &e);
        if (rc == SOL_ENOMEM)
            return rc;
        if (rc) {
            if (bad)
                (*bad)++;
            if (!*reported && err) {
                *err = e;
                *reported = true;
            }
        }
        return 0;
    }
    if (sol_str_eqc(type, "malware") || sol_str_eqc(type, "tool")) {
        struct sol_str name = sol_json_str(sol_json_get(o, "name"));
        if (!name.p)
            return 0;
        uint32_t off = add_string(idx, name.p, name.n);
        static const uint64_t names_space_hash[1] = {0x7a11};
        idx->names.space_hash = names_space_hash;
        if (off)
            return sol__mexact_add(&idx->names, 0, 0x7a11, (const uint8_t *)id.p, id.n, off);
        return 0;
    }
    if (sol_str_eqc(type, "relationship")) {
        struct sol_str rt = sol_json_str(sol_json_get(o, "relationship_type"));
        struct sol_str src = sol_json_str(sol_json_get(o, "source_ref"));
        struct sol_str dst = sol_json_str(sol_json_get(o, "target_ref"));
        if (!rt.p || !src.p || !dst.p || !sol_str_eqc(rt, "indicates"))
            return 0;
        GROW(idx->rels, idx->nrels, idx->caprels);
        /* Resolved at build time, since the indicator may come later. */
        char *both = sol_malloc(src.n + dst.n + 2);
        if (!both)
            return SOL_ENOMEM;
        memcpy(both, src.p, src.n);
        both[src.n] = 0;
        memcpy(both + src.n + 1, dst.p, dst.n);
        both[src.n + 1 + dst.n] = 0;
        idx->rels[idx->nrels].ind = UINT32_MAX;
        idx->rels[idx->nrels].target = both;
        idx->nrels++;
    }
    return 0;
}

int
sol_match_index_add_bundle(struct sol_match_index *idx, const struct sol_json *root, size_t *bad,
                           struct sol_error *err)
{
    const struct sol_json *list = root;
    if (sol_json_type(root) == SOL_JSON_OBJECT) {
        struct sol_str t = sol_json_str(sol_json_get(root, "type"));
        if (t.p && sol_str_eqc(t, "bundle"))
            list = sol_json_get(root, "objects");
        else if (!t.p)
            return sol_error_set(err, SOL_EINVALID, "not a STIX object or bundle");
    }
    bool reported = false;
    if (sol_json_type(list) == SOL_JSON_ARRAY) {
        if (sol_match_index_reserve(idx, list->n) != 0)
            return SOL_ENOMEM;
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, list);
        while (sol_json_iter_next(&it, NULL, &v)) {
            int rc = add_object(idx, v, bad, err, &reported);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (sol_json_type(list) == SOL_JSON_OBJECT)
        return add_object(idx, list, bad, err, &reported);
    return sol_error_set(err, SOL_EINVALID, "not a STIX object or bundle");
}

static int
resolve_relationships(struct sol_match_index *idx)
{
    if (!idx->nrels)
        return 0;
    idx->indicates = sol_calloc(idx->nind ? idx->nind : 1, sizeof *idx->indicates);
    if (!idx->indicates)
        return SOL_ENOMEM;
    static const uint64_t ids_space_hash[1] = {0x5eed};
    static const uint64_t names_space_hash[1] = {0x7a11};
    idx->ids.space_hash = ids_space_hash;
    idx->names.space_hash = names_space_hash;
    for (size_t r = 0; r < idx->nrels; r++) {
        const char *src = idx->rels[r].target;
        const char *dst = src + strlen(src) + 1;
        const uint32_t *tg, *nm;
        uint32_t one, one2;
        size_t nv =
            sol__mexact_find(&idx->ids, 0, 0x5eed, (const uint8_t *)src, strlen(src), &tg, &one);
        if (!nv)
            continue;
        if (!sol__mexact_find(&idx->names, 0, 0x7a11, (const uint8_t *)dst, strlen(dst), &nm,
                              &one2))
            continue;
        uint32_t ind = tg[nv - 1];
        const char *name = idx->strs + nm[0];
        uint32_t cur = idx->indicates[ind];
        if (!cur) {
            idx->indicates[ind] = nm[0];
            continue;
        }
        /* Already names one: join "a, b" unless it is there. */
        const char *have = idx->strs + cur;
        size_t hn = strlen(have), nn = strlen(name);
        if (strstr(have, name))
            continue;
        char *j = sol_malloc(hn + nn + 3);
        if (!j)
            return SOL_ENOMEM;
        snprintf(j, hn + nn + 3, "%s, %s", have, name);
        uint32_t off = add_string(idx, j, hn + nn + 2);
        sol_free(j);
        if (off)
            idx->indicates[ind] = off;
    }
    return 0;
}

/*
 * One Vectorscan database of some of a space's terms, compiled on its own thread. An
 * expression Vectorscan cannot take even as a prefilter is dropped and reported in
 * ->rejected: its bracket is then evaluated on every observation instead.
 */
struct rx_chunk {
    const struct sol__mregex *terms; /* this chunk's terms */
    size_t n;
    hs_database_t *db;
    uint32_t *leaf_of; /* Vectorscan id → leaf, for the terms compiled */
    size_t ncompiled;
    uint32_t *rejected; /* leaves */
    size_t nrejected;
    int rc;
};

static void *
compile_chunk(void *arg)
{
    struct rx_chunk *c = arg;
    const char **exprs = sol_calloc(c->n, sizeof *exprs);
    unsigned *flags = sol_calloc(c->n, sizeof *flags);
    unsigned *ids = sol_calloc(c->n, sizeof *ids);
    bool *skip = sol_calloc(c->n, sizeof *skip);
    c->leaf_of = sol_calloc(c->n, sizeof *c->leaf_of);
    c->rejected = sol_calloc(c->n, sizeof *c->rejected);
    if (!exprs || !flags || !ids || !skip || !c->leaf_of || !c->rejected) {
        c->rc = SOL_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t m = 0;
        for (size_t q = 0; q < c->n; q++) {
            if (skip[q])
                continue;
            exprs[m] = c->terms[q].expr;
            flags[m] = c->terms[q].flags;
            ids[m] = (unsigned)m;
            c->leaf_of[m] = c->terms[q].leaf;
            m++;
        }
        c->ncompiled = m;
        if (!m)
            break;
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi(exprs, flags, ids, (unsigned)m, HS_MODE_BLOCK, NULL, &c->db, &ce) ==
            HS_SUCCESS)
            break;
        int bad = ce ? ce->expression : -1;
        hs_free_compile_error(ce);
        if (bad < 0) {
            c->rc = SOL_EINTERNAL;
            break;
        }
        size_t q = 0, seen = 0;
        for (; q < c->n; q++)
            if (!skip[q] && (int)seen++ == bad)
                break;
        if (q == c->n) {
            c->rc = SOL_EINTERNAL;
            break;
        }
        skip[q] = true;
        c->rejected[c->nrejected++] = c->terms[q].leaf;
    }
out:
    sol_free(exprs);
    sol_free(flags);
    sol_free(ids);
    sol_free(skip);
    return NULL;
}

static int
add_always(struct sol_match_index *idx, uint32_t leaf)
{
    for (size_t a = 0; a < idx->nalways; a++)
        if (idx->always[a] == leaf)
            return 0;
    GROW(idx->always, idx->nalways, idx->capalways);
    idx->always[idx->nalways++] = leaf;
    idx->stats.always_leaves++;
    return 0;
}

static int
cmp_rx_space(const void *a, const void *b)
{
    const struct sol__mregex *x = a, *y = b;
    if (x->space != y->space)
        return x->space < y->space ? -1 : 1;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

#define RX_CHUNKS_MAX 8
#define RX_CHUNK_MIN  128 /* terms below which one thread compiles a space alone */

static int
compile_regexes(struct sol_match_index *idx, struct sol_error *err)
{
    if (!idx->nrx)
        return 0;
    /* One set of databases per key space: a value is scanned with its own space's only.
       A large set is split so that the machine's cores compile it together. */
    qsort(idx->rx, idx->nrx, sizeof *idx->rx, cmp_rx_space);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t maxchunks = cpus < 1 ? 1 : cpus > RX_CHUNKS_MAX ? RX_CHUNKS_MAX : (size_t)cpus;
    struct rx_chunk chunks[256];
    pthread_t th[256];
    bool started[256];
    size_t nchunks = 0;
    for (size_t i = 0; i < idx->nrx;) {
        size_t j = i;
        while (j < idx->nrx && idx->rx[j].space == idx->rx[i].space)
            j++;
        size_t n = j - i, k = n / RX_CHUNK_MIN;
        if (k < 1)
            k = 1;
        if (k > maxchunks)
            k = maxchunks;
        if (nchunks + k > sizeof chunks / sizeof chunks[0])
            return sol_error_set(err, SOL_ELIMIT, "LIKE and MATCHES on too many properties");
        for (size_t c = 0; c < k; c++) {
            size_t from = i + n * c / k, to = i + n * (c + 1) / k;
            memset(&chunks[nchunks], 0, sizeof chunks[0]);
            chunks[nchunks].terms = idx->rx + from;
            chunks[nchunks].n = to - from;
            nchunks++;
        }
        i = j;
    }
    for (size_t c = 0; c < nchunks; c++)
        started[c] = pthread_create(&th[c], NULL, compile_chunk, &chunks[c]) == 0;
    int rc = 0;
    for (size_t c = 0; c < nchunks; c++) {
        if (started[c])
            pthread_join(th[c], NULL);
        else
            compile_chunk(&chunks[c]);
        if (chunks[c].rc && !rc)
            rc = chunks[c].rc;
    }
    /* Install the databases: a space's chunks are consecutive in idx->hs. */
    if (!rc) {
        idx->hs = sol_calloc(nchunks, sizeof *idx->hs);
        if (!idx->hs)
            rc = SOL_ENOMEM;
    }
    for (size_t c = 0; c < nchunks && !rc; c++) {
        struct rx_chunk *ch = &chunks[c];
        for (size_t r = 0; r < ch->nrejected && !rc; r++)
            rc = add_always(idx, ch->rejected[r]);
        if (!ch->db)
            continue;
        uint16_t sp = ch->terms[0].space;
        struct sol__mhs *h = &idx->hs[idx->nhs];
        h->space = sp;
        h->db = ch->db;
        h->leaf_of = ch->leaf_of;
        h->n = ch->ncompiled;
        ch->db = NULL;
        ch->leaf_of = NULL;
        if (idx->spaces[sp].hs < 0)
            idx->spaces[sp].hs = (int32_t)idx->nhs;
        idx->spaces[sp].nhs++;
        idx->nhs++;
    }
    for (size_t c = 0; c < nchunks; c++) {
        if (chunks[c].db)
            hs_free_database(chunks[c].db);
        sol_free(chunks[c].leaf_of);
        sol_free(chunks[c].rejected);
    }
    if (rc == SOL_EINTERNAL)
        return sol_error_set(err, rc, "Vectorscan could not compile the patterns");
    return rc;
}

int
sol_match_index_build(struct sol_match_index *idx, struct sol_error *err)
{
    if (idx->built)
        return 0;
    int rc = resolve_relationships(idx);
    if (!rc)
        rc = sol__mlpm_build(&idx->lpm4);
    if (!rc)
        rc = sol__mlpm_build(&idx->lpm6);
    if (!rc)
        rc = compile_regexes(idx, err);
    if (rc)
        return rc == SOL_ENOMEM ? sol_error_set(err, rc, "out of memory building the index") : rc;
    free_adding(idx);
    /* Give back what the growth left over. */
    if (idx->nind && idx->nind < idx->capind) {
        struct sol__mind *ni = sol_realloc(idx->ind, idx->nind * sizeof *ni);
        if (ni) {
            idx->ind = ni;
            idx->capind = idx->nind;
        }
    }
    idx->exact.space_hash = idx->space_hash;
    /* Lookups are as fast at a load of 0.8 as lower, and the slots are a fifth of the
       memory per key: size the table to the keys it holds now. */
    if (idx->exact.n &&
        (sol__mexact_resize(&idx->exact, idx->exact.n + idx->exact.n / 4 + 16) != 0 ||
         sol__mexact_build_bloom(&idx->exact) != 0))
        return sol_error_set(err, SOL_ENOMEM, "out of memory building the index");
    idx->stats.indicators = 0;
    for (size_t i = 0; i < idx->nind; i++)
        if (!(idx->ind[i].pat & SOL__MIND_DEAD))
            idx->stats.indicators++;
    idx->built = true;
    return 0;
}

void
sol_match_index_stats(const struct sol_match_index *idx, struct sol_match_index_stats *out)
{
    *out = idx->stats;
    out->bytes = sizeof *idx + idx->nind * sizeof *idx->ind + idx->strs_n +
                 sol__mexact_bytes(&idx->exact) + sol__mlpm_bytes(&idx->lpm4) +
                 sol__mlpm_bytes(&idx->lpm6) + idx->nleaves * sizeof *idx->leaves +
                 idx->npats * sizeof *idx->pats + (idx->indicates ? idx->nind * 4 : 0);
}

size_t
sol_match_index_count(const struct sol_match_index *idx)
{
    return idx->nind;
}

void
sol_match_index_get(const struct sol_match_index *idx, size_t i, struct sol_match_indicator *out)
{
    const struct sol__mind *ind = &idx->ind[i];
    if (ind->id_off) {
        snprintf(out->id, sizeof out->id, "%s", idx->strs + ind->id_off);
    } else {
        struct sol_uuid u;
        memcpy(u.b, ind->uuid, 16);
        memcpy(out->id, "indicator--", 11);
        sol_uuid_format(&u, out->id + 11);
    }
    out->name = idx->strs + ind->name_off;
    out->indicates = idx->indicates ? idx->strs + idx->indicates[i] : "";
    uint32_t pat = ind->pat & ~SOL__MIND_DEAD;
    out->pattern = pat == SOL__MIND_SIMPLE ? "" : idx->strs + idx->pats[pat].text_off;
    out->superseded = (ind->pat & SOL__MIND_DEAD) != 0;
}
