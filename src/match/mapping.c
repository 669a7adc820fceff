/*
 * mapping.c — mapping files (log field → STIX object path), and how a rule turns one
 * field's value into objects. The built-in mappings are with their formats
 * (reader_zeek.c, reader_eve.c).
 */
#include <ctype.h>
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "stix/stix.h"

/* "hashes.<algorithm>" for each algorithm of stix.h's table (constant strings, as
 * observation paths must be); NULL for SOL__HASH_NONE. */
#define HASH_PATH(id, name, name_20, hex, alias) [SOL__HASH_##id] = "hashes." name,
static const char *const hash_paths[SOL__HASH_COUNT] = {SOL__HASH_ALGORITHMS_21(HASH_PATH)
                                                            SOL__HASH_ALGORITHMS_20(HASH_PATH)};
#undef HASH_PATH

void
sol_log_mapping_free(struct sol_log_mapping *m)
{
    if (!m || !m->owned)
        return;
    for (size_t i = 0; i < m->n; i++) {
        sol_free(m->owned_rules[i].field);
        sol_free(m->owned_rules[i].type);
        sol_free(m->owned_rules[i].path);
    }
    sol_free(m->owned_rules);
    sol_free(m);
}

static bool
valid_type(const char *s, size_t n)
{
    if (n < 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* The path with a hash algorithm after "hashes." in its canonical spelling. */
static char *
canonical_path(const char *p, size_t n)
{
    const char *h = NULL;
    for (size_t i = 0; i + 7 <= n; i++)
        if ((i == 0 || p[i - 1] == '.') && memcmp(p + i, "hashes.", 7) == 0)
            h = p + i + 7;
    if (h) {
        const char *canon = sol__mhash_canonical(h, (size_t)(p + n - h));
        if (canon) {
            size_t pre = (size_t)(h - p), cn = strlen(canon);
            char *r = sol_malloc(pre + cn + 1);
            if (r) {
                memcpy(r, p, pre);
                memcpy(r + pre, canon, cn + 1);
            }
            return r;
        }
    }
    return sol_strndup(p, n);
}

/*
 * mapping := ( rule? comment? "\n" )*
 * rule    := field ws* "->" ws* ( "time" | object-type ":" path )
 */
int
sol_log_mapping_parse(const char *text, size_t n, struct sol_log_mapping **out,
                      struct sol_error *err)
{
    *out = NULL;
    struct sol_log_mapping *m = sol_calloc(1, sizeof *m);
    if (!m)
        return SOL_ENOMEM;
    m->owned = true;
    size_t cap = 0;
    unsigned line = 0;
    for (size_t i = 0; i < n;) {
        const char *ls = text + i;
        const char *nl = memchr(ls, '\n', n - i);
        size_t ln = nl ? (size_t)(nl - ls) : n - i;
        i += ln + (nl ? 1 : 0);
        line++;
        const char *hash = memchr(ls, '#', ln);
        if (hash)
            ln = (size_t)(hash - ls);
        while (ln && isspace((unsigned char)ls[ln - 1]))
            ln--;
        size_t a = 0;
        while (a < ln && isspace((unsigned char)ls[a]))
            a++;
        if (a == ln)
            continue;
        const char *arrow = NULL;
        for (size_t k = a; k + 1 < ln; k++)
            if (ls[k] == '-' && ls[k + 1] == '>') {
                arrow = ls + k;
                break;
            }
        int rc = SOL_ESYNTAX;
        if (!arrow) {
            sol_error_set(err, rc, "line %u: expected 'field -> object-type:path'", line);
            goto fail;
        }
        size_t fe = (size_t)(arrow - ls);
        while (fe > a && isspace((unsigned char)ls[fe - 1]))
            fe--;
        size_t ts = (size_t)(arrow - ls) + 2;
        while (ts < ln && isspace((unsigned char)ls[ts]))
            ts++;
        if (fe == a) {
            sol_error_set(err, rc, "line %u: the field name is missing before '->'", line);
            goto fail;
        }
        struct sol__mrule r = {NULL, NULL, NULL, SOL__MR_PROP, NULL};
        const char *tgt = ls + ts;
        size_t tn = ln - ts;
        if (tn == 4 && memcmp(tgt, "time", 4) == 0) {
            r.kind = SOL__MR_TIME;
            r.type = sol_strdup("");
            r.path = sol_strdup("");
        } else {
            const char *colon = memchr(tgt, ':', tn);
            if (!colon || !valid_type(tgt, (size_t)(colon - tgt)) || colon + 1 == tgt + tn) {
                sol_error_set(
                    err, rc,
                    "line %u: expected 'object-type:path' or 'time' after '->', got '%.*s'", line,
                    (int)(tn > 80 ? 80 : tn), tgt);
                goto fail;
            }
            const char *p = colon + 1;
            size_t pn = (size_t)(tgt + tn - p);
            for (size_t k = 0; k < pn; k++)
                if (isspace((unsigned char)p[k])) {
                    sol_error_set(err, rc, "line %u: white space in the path '%.*s'", line, (int)pn,
                                  p);
                    goto fail;
                }
            r.type = sol_strndup(tgt, (size_t)(colon - tgt));
            r.path = canonical_path(p, pn);
            if (pn == 5 && memcmp(p, "value", 5) == 0)
                r.kind = SOL__MR_VALUE;
            else if (pn > 4 && memcmp(p + pn - 4, "_ref", 4) == 0)
                r.kind = SOL__MR_REF;
        }
        r.field = sol_strndup(ls + a, fe - a);
        if (!r.field || !r.type || !r.path) {
            sol_free(r.field);
            sol_free(r.type);
            sol_free(r.path);
            rc = SOL_ENOMEM;
            goto fail;
        }
        if (m->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct sol__mrule *nr = sol_realloc(m->owned_rules, nc * sizeof *nr);
            if (!nr) {
                sol_free(r.field);
                sol_free(r.type);
                sol_free(r.path);
                rc = SOL_ENOMEM;
                goto fail;
            }
            m->owned_rules = nr;
            m->rules = nr;
            cap = nc;
        }
        m->owned_rules[m->n++] = r;
        continue;
    fail:
        if (err)
            err->line = line;
        sol_log_mapping_free(m);
        return rc;
    }
    if (!m->n) {
        sol_log_mapping_free(m);
        return sol_error_set(err, SOL_ESYNTAX, "the mapping has no rules");
    }
    *out = m;
    return 0;
}

/* ---- Applying rules ---- */

static int
one_object(struct sol__mline *ln, const char *type)
{
    for (size_t i = 0; i < ln->ntyped; i++)
        if (ln->typed[i].type == type || strcmp(ln->typed[i].type, type) == 0)
            return ln->typed[i].obj;
    int o = sol_obs_add_object(ln->obs, type);
    if (o >= 0 && ln->ntyped < sizeof ln->typed / sizeof ln->typed[0]) {
        ln->typed[ln->ntyped].type = type;
        ln->typed[ln->ntyped].obj = o;
        ln->ntyped++;
    }
    return o;
}

static bool
looks_ip(const char *s, size_t n)
{
    uint8_t a[16];
    bool v6, has;
    unsigned len;
    return sol__mip_parse(s, n, a, &v6, &len, &has) == 0 && !has;
}

static bool
is_int_path(const char *path)
{
    switch (path[0]) {
    case 's':
        return strcmp(path, "src_port") == 0 || strcmp(path, "size") == 0;
    case 'd':
        return strcmp(path, "dst_port") == 0;
    default:
        return false;
    }
}

/* A value object for an address or name: IP text → ipv4/ipv6-addr, else domain-name. */
static int
address_object(struct sol_obs *obs, const char *s, size_t n)
{
    if (looks_ip(s, n))
        return sol_obs_value_object(obs, "ip", s, n, false);
    return sol_obs_value_object(obs, "domain-name", s, n, false);
}

/* Apply one rule; sol__mrule_apply() then names the field on what it added. */
static int
apply(struct sol__mline *ln, const struct sol__mrule *r, const char *s, size_t n, bool is_number,
      double number)
{
    struct sol_obs *obs = ln->obs;
    switch (r->kind) {
    case SOL__MR_NONE:
        return 0;
    case SOL__MR_TIME:
        return sol__mparse_time(s, n, is_number, number, &obs->time);
    case SOL__MR_VALUE:
        if (!n)
            return 0;
        if (r->type[0] != 'i' || r->type[1] != 'p')
            return sol_obs_value_object(obs, r->type, s, n, false) < 0 ? -1 : 0;
        if (strcmp(r->type, "ip-or-domain") == 0)
            return address_object(obs, s, n) < 0 ? -1 : 0;
        if (strcmp(r->type, "ipv4-addr") == 0 || strcmp(r->type, "ipv6-addr") == 0)
            return sol_obs_value_object(obs, looks_ip(s, n) ? "ip" : r->type, s, n, false) < 0 ? -1
                                                                                               : 0;
        return sol_obs_value_object(obs, r->type, s, n, false) < 0 ? -1 : 0;
    case SOL__MR_REF: {
        if (!n)
            return 0;
        int target = address_object(obs, s, n);
        int o = one_object(ln, r->type);
        if (target < 0 || o < 0)
            return -1;
        return sol_obs_add_ref(obs, o, r->path, target);
    }
    case SOL__MR_URI: {
        if (!n)
            return 0;
        if (n > 7 && (memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0))
            return sol_obs_value_object(obs, "url", s, n, false) < 0 ? -1 : 0;
        struct sol_str host = ln->lookup ? ln->lookup(ln, r->aux) : (struct sol_str){NULL, 0};
        if (!host.n)
            return 0;
        char buf[4096];
        int k = snprintf(buf, sizeof buf, "http://%.*s%s%.*s", (int)host.n, host.p,
                         s[0] == '/' ? "" : "/", (int)n, s);
        if (k < 0 || (size_t)k >= sizeof buf)
            return 0;
        return sol_obs_value_object(obs, "url", buf, (size_t)k, true) < 0 ? -1 : 0;
    }
    case SOL__MR_LOWER: {
        int o = one_object(ln, r->type);
        char buf[64];
        if (o < 0 || n >= sizeof buf)
            return o < 0 ? -1 : 0;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)tolower((unsigned char)s[i]);
        return sol_obs_add_strcopy(obs, o, r->path, buf, n);
    }
    case SOL__MR_HASHLEN: {
        /* Colons between bytes (Suricata) go; the length names the algorithm. */
        char buf[160];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof buf; i++)
            if (s[i] != ':')
                buf[k++] = (char)tolower((unsigned char)s[i]);
        const char *path = hash_paths[sol__hash_alg_of_hex_len(k)];
        if (!path)
            return 0;
        int o = one_object(ln, r->type);
        return o < 0 ? -1 : sol_obs_add_strcopy(obs, o, path, buf, k);
    }
    case SOL__MR_PROP:
    default: {
        if (!n && !is_number)
            return 0;
        int o = one_object(ln, r->type);
        if (o < 0)
            return -1;
        if (is_int_path(r->path)) {
            if (is_number)
                return sol_obs_add_int(obs, o, r->path, (int64_t)number);
            int64_t v = 0;
            for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9' || v > 100000000000000LL)
                    return 0;
                v = v * 10 + (s[i] - '0');
            }
            return sol_obs_add_int(obs, o, r->path, v);
        }
        if (is_number) {
            char buf[32];
            int k = snprintf(buf, sizeof buf, "%.17g", number);
            return sol_obs_add_strcopy(obs, o, r->path, buf, (size_t)k);
        }
        return sol_obs_add_str(obs, o, r->path, s, n);
    }
    }
}

int
sol__mrule_apply(struct sol__mline *ln, const struct sol__mrule *r, const char *s, size_t n,
                 bool is_number, double number)
{
    struct sol_obs *obs = ln->obs;
    uint32_t before = obs->nprop;
    int rc = apply(ln, r, s, n, is_number, number);
    for (uint32_t i = before; i < obs->nprop; i++)
        obs->prop[i].field = r->field;
    return rc;
}

/*
 * A log time: RFC 3339 (with "+0000" offsets as Suricata writes them), or seconds since
 * 1970 with a fraction (Zeek).
 */
int
sol__mparse_time(const char *s, size_t n, bool is_number, double number, sol_time_t *out)
{
    if (is_number) {
        if (!(number >= 0 && number < 1e11))
            return -1;
        *out = (sol_time_t)(number * 1e6 + 0.5);
        return 0;
    }
    if (!n)
        return 0;
    bool digits = true;
    for (size_t i = 0; i < n; i++)
        digits = digits && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.');
    if (digits) {
        double d = 0, scale = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '.') {
                scale = 1;
                continue;
            }
            if (scale > 0) {
                scale /= 10;
                d += (s[i] - '0') * scale;
            } else {
                d = d * 10 + (s[i] - '0');
            }
        }
        return sol__mparse_time(NULL, 0, true, d, out);
    }
    if (sol_time_parse(s, n, SOL_TIME_ALLOW_LOWER, out, NULL, NULL) == 0)
        return 0;
    /* "...+0000" → "...+00:00" */
    char buf[64];
    if (n >= 5 && n + 1 < sizeof buf && (s[n - 5] == '+' || s[n - 5] == '-')) {
        memcpy(buf, s, n - 2);
        buf[n - 2] = ':';
        memcpy(buf + n - 1, s + n - 2, 2);
        if (sol_time_parse(buf, n + 1, SOL_TIME_ALLOW_LOWER, out, NULL, NULL) == 0)
            return 0;
    }
    return -1;
}
