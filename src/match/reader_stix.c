/*
 * reader_stix.c — STIX bundles (or arrays of objects, or one object) of observed-data:
 * the whole document is read and parsed at open, and each observed-data is one
 * observation: its SCOs (embedded "objects", or "object_refs" to SCOs of the same
 * document) flattened into properties with dotted paths, at its first_observed.
 */
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/stix.h"

#define MAX_STIX ((size_t)1 << 30)

struct stix {
    struct sol_buf text;
    unsigned version;            /* as `validate` reads the document: 20 or 21 */
    const struct sol_json *list; /* the array of objects, or the one object */
    const struct sol_json *next;
    uint32_t left;
    size_t i;
};

/* An array, a bundle, an observed-data, or a line that is not JSON on its own (a
   document over several lines). */
static int
detect(const struct sol__mfirst *first)
{
    if (first->n && first->s[0] == '[')
        return 100;
    if (first->json) {
        struct sol_str type = sol_json_str(sol_json_get(first->json, "type"));
        return type.p && (sol_str_eqc(type, "bundle") || sol_str_eqc(type, "observed-data")) ? 90
                                                                                             : 0;
    }
    return first->n && first->s[0] == '{' ? 50 : 0;
}

static void
stix_free(struct sol_log_reader *r)
{
    struct stix *s = r->state;
    if (!s)
        return;
    sol_buf_free(&s->text);
    sol_free(s);
}

/* Read everything from the first line on, and parse it. */
static int
stix_open(struct sol_log_reader *r, struct sol_error *err)
{
    struct stix *s = sol_calloc(1, sizeof *s);
    if (!s)
        return SOL_ENOMEM;
    r->state = s;
    sol_buf_init(&s->text);
    size_t from = r->have_peeked ? r->line_at : r->start;
    if (r->have_peeked) {
        /* The line reader put a NUL where the newline was: put it back. */
        size_t e = r->line_at + r->line_n;
        if (e < r->end)
            r->buf[e] = e + 1 < r->end && r->buf[e + 1] == '\n' ? '\r' : '\n';
        r->have_peeked = false;
    }
    sol_buf_append(&s->text, r->buf + from, r->end - from);
    r->start = r->end;
    char chunk[65536];
    for (;;) {
        int k = sol__mreader_read(r, chunk, sizeof chunk);
        if (k < 0)
            return sol_error_set(err, SOL_EIO, "%s: read error", r->name);
        if (k == 0)
            break;
        if (s->text.n + (size_t)k > MAX_STIX)
            return sol_error_set(err, SOL_ELIMIT, "%s: larger than 1 GiB", r->name);
        sol_buf_append(&s->text, chunk, (size_t)k);
    }
    if (s->text.oom)
        return SOL_ENOMEM;
    r->bytes = s->text.n;
    struct sol_json_limits lim = {.max_bytes = MAX_STIX};
    sol_json_doc_free(r->doc);
    r->doc = sol_json_doc_new(&lim);
    if (!r->doc)
        return SOL_ENOMEM;
    struct sol_error jerr;
    memset(&jerr, 0, sizeof jerr);
    const struct sol_json *root;
    if (sol_json_parse(r->doc, s->text.p ? s->text.p : "", s->text.n, &root, &jerr) != 0) {
        sol_error_set(err, SOL_ESYNTAX, "%s: not JSON: %s", r->name, jerr.msg);
        if (err) {
            err->line = jerr.line;
            err->column = jerr.column;
        }
        return SOL_ESYNTAX;
    }
    s->version = sol_stix_detect_version(root);
    const struct sol_json *list = root;
    if (list->type == SOL_JSON_OBJECT) {
        struct sol_str t = sol_json_str(sol_json_get(list, "type"));
        if (t.p && sol_str_eqc(t, "bundle"))
            list = sol_json_get(list, "objects");
    }
    s->list = list;
    if (list && list->type == SOL_JSON_ARRAY) {
        s->next = list + 1;
        s->left = list->n;
    } else if (list && list->type == SOL_JSON_OBJECT) {
        s->next = list;
        s->left = 1;
    } else {
        return sol_error_set(err, SOL_ESYNTAX, "%s: not a STIX bundle or array of objects",
                             r->name);
    }
    return 0;
}

static const struct sol_json *
find(const struct stix *s, struct sol_str id)
{
    if (!s->list || s->list->type != SOL_JSON_ARRAY)
        return NULL;
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, s->list);
    while (sol_json_iter_next(&it, NULL, &v))
        if (sol_str_eq(sol_json_str(sol_json_get(v, "id")), id))
            return v;
    return NULL;
}

/* The SCOs of one observed-data, by the key its references name them with. */
struct objs {
    struct sol_str key[SOL_OBS_MAX_OBJECTS];
    const struct sol_json *val[SOL_OBS_MAX_OBJECTS];
    size_t n;
};

static int
ref(const struct objs *so, struct sol_str s)
{
    for (size_t i = 0; i < so->n; i++)
        if (sol_str_eq(so->key[i], s))
            return (int)i;
    return -1;
}

/* Flatten the members of an SCO into properties with dotted paths. */
static void
flatten(struct sol_obs *obs, int o, const struct objs *so, const struct sol_json *v, char *path,
        size_t pn, bool after_hashes, int depth)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *m;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &key, &m)) {
        if (pn == 0 && (sol_str_eqc(key, "type") || sol_str_eqc(key, "id") ||
                        sol_str_eqc(key, "spec_version")))
            continue;
        const char *k = key.p;
        size_t kn = key.n;
        const char *canon = after_hashes ? sol__mhash_canonical(k, kn) : NULL;
        if (canon) {
            k = canon;
            kn = strlen(canon);
        }
        if (pn + kn + 2 > 256)
            continue;
        size_t q = pn;
        if (q)
            path[q++] = '.';
        memcpy(path + q, k, kn);
        path[q + kn] = 0;
        bool is_ref = kn > 4 && (memcmp(k + kn - 4, "_ref", 4) == 0 ||
                                 (kn > 5 && memcmp(k + kn - 5, "_refs", 5) == 0));
        if (m->type == SOL_JSON_OBJECT) {
            if (depth < 6)
                flatten(obs, o, so, m, path, q + kn, kn == 6 && memcmp(k, "hashes", 6) == 0,
                        depth + 1);
            continue;
        }
        /* The path must outlive this call: copy it into the observation. */
        size_t plen = q + kn;
        if (plen + 1 > SOL_OBS_SCRATCH - obs->scratch_n) {
            obs->truncated = true;
            return;
        }
        char *pp = obs->scratch + obs->scratch_n;
        memcpy(pp, path, plen + 1);
        obs->scratch_n += plen + 1;
        const struct sol_json *items = m;
        uint32_t count = 1;
        if (m->type == SOL_JSON_ARRAY) {
            items = m + 1;
            count = m->n;
        }
        for (uint32_t i = 0; i < count; i++, items += items->skip) {
            const struct sol_json *e = items;
            if (e->type == SOL_JSON_STRING) {
                if (is_ref) {
                    int t = ref(so, sol_json_str(e));
                    if (t >= 0)
                        sol_obs_add_ref(obs, o, pp, t);
                } else {
                    sol_obs_add_str(obs, o, pp, e->u.s, e->n);
                }
            } else if (e->type == SOL_JSON_INT) {
                sol_obs_add_int(obs, o, pp, e->u.i);
            } else if (e->type == SOL_JSON_BOOL) {
                if (sol_obs_add_int(obs, o, pp, e->u.b) == 0)
                    obs->prop[obs->nprop - 1].kind = SOL_OBS_BOOL;
            }
        }
    }
}

/*
 * What `validate` refuses in how an observed-data reads as an observation (times,
 * number_observed, objects against object_refs: STIX 2.1 §4.14) is a bad record here,
 * with the validator's own words and path.
 */
static int
check(const struct stix *s, const struct sol_json *od, const char *where, struct sol_error *err)
{
    struct sol_stix_options opt = {.version = s->version};
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_observation(od, &opt, where, &rep);
    if (rc < 0) {
        sol_stix_report_free(&rep);
        return rc;
    }
    rc = 0;
    for (size_t i = 0; i < rep.n && !rc; i++) {
        if (rep.v[i].severity != SOL_STIX_ERROR)
            continue;
        rc = sol_error_set(err, SOL_ESYNTAX, "%s", rep.v[i].msg);
        if (err)
            snprintf(err->path, sizeof err->path, "%s", rep.v[i].path);
    }
    sol_stix_report_free(&rep);
    return rc;
}

static int
stix_next(struct sol_log_reader *r, struct sol_error *err)
{
    struct stix *s = r->state;
    while (s->left) {
        const struct sol_json *od = s->next;
        s->next += od->skip;
        s->left--;
        size_t at = s->i++;
        r->lineno = at + 1;
        if (!sol_str_eqc(sol_json_str(sol_json_get(od, "type")), "observed-data"))
            continue;
        char where[32];
        snprintf(where, sizeof where, "objects[%zu]", at);
        int rc = check(s, od, where, err);
        if (rc)
            return rc;
        struct objs so;
        so.n = 0;
        const struct sol_json *objects = sol_json_get(od, "objects");
        const struct sol_json *refs = sol_json_get(od, "object_refs");
        struct sol_json_iter it;
        struct sol_str key;
        const struct sol_json *v;
        if (objects && objects->type == SOL_JSON_OBJECT) {
            sol_json_iter_init(&it, objects);
            while (sol_json_iter_next(&it, &key, &v) && so.n < SOL_OBS_MAX_OBJECTS)
                if (v->type == SOL_JSON_OBJECT) {
                    so.key[so.n] = key;
                    so.val[so.n++] = v;
                }
        } else if (refs && refs->type == SOL_JSON_ARRAY) {
            sol_json_iter_init(&it, refs);
            while (sol_json_iter_next(&it, NULL, &v) && so.n < SOL_OBS_MAX_OBJECTS) {
                const struct sol_json *sco = find(s, sol_json_str(v));
                if (sco) {
                    so.key[so.n] = sol_json_str(v);
                    so.val[so.n++] = sco;
                }
            }
        }
        struct sol_str fo = sol_json_str(sol_json_get(od, "first_observed"));
        struct sol_str lo = sol_json_str(sol_json_get(od, "last_observed"));
        if (fo.p)
            (void)sol__mparse_time(fo.p, fo.n, false, 0, &r->obs.time);
        if (lo.p)
            (void)sol__mparse_time(lo.p, lo.n, false, 0, &r->obs.time_last);
        for (size_t i = 0; i < so.n; i++) {
            struct sol_str t = sol_json_str(sol_json_get(so.val[i], "type"));
            /* The type must outlive the call: keep it in the scratch space. */
            if (!t.p || t.n + 1 > SOL_OBS_SCRATCH - r->obs.scratch_n ||
                r->obs.nobj >= SOL_OBS_MAX_OBJECTS)
                break;
            char *tp = r->obs.scratch + r->obs.scratch_n;
            memcpy(tp, t.p, t.n);
            tp[t.n] = 0;
            r->obs.scratch_n += t.n + 1;
            sol_obs_add_object(&r->obs, tp);
        }
        char path[256];
        for (size_t i = 0; i < r->obs.nobj; i++)
            flatten(&r->obs, (int)i, &so, so.val[i], path, 0, false, 0);
        return 0;
    }
    return SOL_EEOF;
}

const struct sol__mlog_format sol__mlog_stix = {
    .id = SOL_LOG_STIX,
    .name = "stix",
    .detect = detect,
    .open = stix_open,
    .next = stix_next,
    .free = stix_free,
};
