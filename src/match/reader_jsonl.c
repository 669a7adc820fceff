/*
 * reader_jsonl.c — JSON lines through a mapping file, and the JSON-lines engine that
 * Zeek JSON and Suricata eve read through as well: one JSON object a line, whose members
 * go to the mapping's rules through a table indexed by member name, so that each member
 * of a line is looked at once.
 */
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

/* A rule reachable from a member name: the whole field, or its part before a dot. */
struct dispatch {
    const char *key;
    uint16_t key_n;
    uint16_t rule;
    int16_t rest; /* -1: the member is the field; else where the rest of the field starts */
    int32_t next;
};

struct jsonl {
    const struct sol_json *root; /* the current line */
    struct dispatch *dent;
    size_t ndent, cap;
    int32_t dhead[256];
};

static void emit(struct sol_log_reader *r, const struct sol__mrule *rule, const struct sol_json *v);

/* Apply rule to the member name (n bytes, a dotted path) of v and of the objects in v. */
static void
visit(struct sol_log_reader *r, const struct sol__mrule *rule, const struct sol_json *v,
      const char *name, size_t n)
{
    if (v->type == SOL_JSON_ARRAY) {
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &e))
            visit(r, rule, e, name, n);
        return;
    }
    if (v->type != SOL_JSON_OBJECT)
        return;
    const struct sol_json *m = sol_json_getn(v, name, n);
    if (m) {
        emit(r, rule, m);
        return;
    }
    /* "dns.rrname": a dotted name may be a path into nested objects. */
    for (size_t i = 0; i < n; i++) {
        if (name[i] != '.')
            continue;
        m = sol_json_getn(v, name, i);
        if (m) {
            visit(r, rule, m, name + i + 1, n - i - 1);
            return;
        }
    }
}

static void
emit(struct sol_log_reader *r, const struct sol__mrule *rule, const struct sol_json *v)
{
    switch (v->type) {
    case SOL_JSON_STRING:
        (void)sol__mrule_apply(&r->ln, rule, v->u.s, v->n, false, 0);
        break;
    case SOL_JSON_INT:
    case SOL_JSON_UINT:
    case SOL_JSON_DOUBLE:
        (void)sol__mrule_apply(&r->ln, rule, NULL, 0, true, sol_json_number(v));
        break;
    case SOL_JSON_ARRAY: {
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &e))
            if (e->type != SOL_JSON_ARRAY)
                emit(r, rule, e);
        break;
    }
    default:
        break;
    }
}

static const struct sol_json *
find(const struct sol_json *v, const char *name, size_t n)
{
    if (!v || v->type != SOL_JSON_OBJECT)
        return NULL;
    const struct sol_json *m = sol_json_getn(v, name, n);
    if (m)
        return m;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '.' && (m = sol_json_getn(v, name, i)) != NULL)
            return find(m, name + i + 1, n - i - 1);
    return NULL;
}

static struct sol_str
lookup(struct sol__mline *ln, const char *field)
{
    struct jsonl *j = ln->ctx;
    return sol_json_str(find(j->root, field, strlen(field)));
}

/* Length and the two end bytes: cheap, and enough to tell log field names apart. */
static unsigned
dispatch_hash(const char *s, size_t n)
{
    if (!n)
        return 0;
    return ((unsigned)n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1]) & 255;
}

static int
dispatch_add(struct jsonl *j, const char *key, size_t n, size_t rule, int rest)
{
    if (n > 65535 || rule > 65535 || rest > 32767)
        return 0;
    if (j->ndent == j->cap) {
        size_t nc = j->cap ? j->cap * 2 : 64;
        struct dispatch *nd = sol_realloc(j->dent, nc * sizeof *nd);
        if (!nd)
            return SOL_ENOMEM;
        j->dent = nd;
        j->cap = nc;
    }
    unsigned h = dispatch_hash(key, n);
    struct dispatch *d = &j->dent[j->ndent];
    d->key = key;
    d->key_n = (uint16_t)n;
    d->rule = (uint16_t)rule;
    d->rest = (int16_t)rest;
    d->next = j->dhead[h];
    j->dhead[h] = (int32_t)j->ndent++;
    return 0;
}

int
sol__mjson_open(struct sol_log_reader *r, struct sol_error *err)
{
    (void)err;
    struct jsonl *j = sol_calloc(1, sizeof *j);
    if (!j)
        return SOL_ENOMEM;
    r->state = j;
    r->ln.ctx = j;
    r->ln.lookup = lookup;
    /* Index the rules by member name. */
    for (size_t i = 0; i < 256; i++)
        j->dhead[i] = -1;
    for (size_t i = 0; i < r->map->n; i++) {
        const char *f = r->map->rules[i].field;
        size_t n = strlen(f);
        int rc = dispatch_add(j, f, n, i, -1);
        for (size_t k = 0; k < n && !rc; k++)
            if (f[k] == '.')
                rc = dispatch_add(j, f, k, i, (int)k + 1);
        if (rc)
            return rc;
    }
    return 0;
}

void
sol__mjson_free(struct sol_log_reader *r)
{
    struct jsonl *j = r->state;
    if (!j)
        return;
    sol_free(j->dent);
    sol_free(j);
}

int
sol__mjson_next(struct sol_log_reader *r, struct sol_error *err)
{
    struct jsonl *j = r->state;
    int rc = sol__mreader_nonblank(r, err);
    if (rc)
        return rc;
    struct sol_error jerr; /* filled by the parser on failure only; not cleared per line */
    if (sol_json_parse(r->doc, r->line, r->line_n, &j->root, &jerr) != 0) {
        sol_error_set(err, SOL_ESYNTAX, "not JSON: %s", jerr.msg);
        if (err) {
            err->line = (unsigned)r->lineno;
            err->column = jerr.column;
        }
        return SOL_ESYNTAX;
    }
    if (j->root->type != SOL_JSON_OBJECT)
        return sol__mreader_bad_line(r, err, "expected a JSON object");
    /* Members are a key node and the value's subtree, in a row (json.h). */
    const struct sol_json *m = j->root + 1;
    for (uint32_t i = 0; i < j->root->n; i++) {
        const struct sol_json *k = m, *v = m + 1;
        m = v + v->skip;
        /* No rule takes a boolean or a null: skip them without looking at their keys. */
        if (v->type == SOL_JSON_BOOL || v->type == SOL_JSON_NULL)
            continue;
        struct sol_str key = {k->u.s, k->n};
        for (int32_t e = j->dhead[dispatch_hash(key.p, key.n)]; e >= 0; e = j->dent[e].next) {
            const struct dispatch *d = &j->dent[e];
            if (d->key_n != key.n || memcmp(d->key, key.p, key.n) != 0)
                continue;
            const struct sol__mrule *rule = &r->map->rules[d->rule];
            if (d->rest < 0)
                emit(r, rule, v);
            else
                visit(r, rule, v, rule->field + d->rest, strlen(rule->field) - (size_t)d->rest);
        }
    }
    return 0;
}

/* Any JSON object, when a mapping says what its members are. */
static int
detect(const struct sol__mfirst *first)
{
    return first->json && first->mapping ? 10 : 0;
}

static const char *const alias[] = {"json", NULL};

const struct sol__mlog_format sol__mlog_jsonl = {
    .id = SOL_LOG_JSONL,
    .name = "jsonl",
    .alias = alias,
    .needs_mapping = true,
    .detect = detect,
    .open = sol__mjson_open,
    .splittable = true,
    .next = sol__mjson_next,
    .free = sol__mjson_free,
};
