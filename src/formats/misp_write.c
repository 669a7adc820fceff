/*
 * misp_write.c — MISP events out: the reverse of misp.c's mapping, so that what came from
 * MISP goes back with every mapped attribute, and other STIX reads as MISP would write it.
 *
 * - Each report and grouping the asker may see becomes an event (uuid from its id, info
 *   its name, date its created day, timestamp its modified, published when it is a report,
 *   Orgc its creator), holding what its object_refs name; indicators and observed-data no
 *   report names go into one more event named after the collection.
 * - An indicator whose pattern is a list of values gives one attribute per value, with
 *   to_ids; one that compares several properties of one object (one bracket joined by
 *   AND) gives the composite attribute ("filename|md5") or the MISP object of the template
 *   (file, domain-ip, email, url, ip-port, credential) whose relations its paths are; any
 *   other pattern is named as inexpressible. Observed-data gives the same without to_ids,
 *   from its SCOs' properties. x_misp_type, x_misp_category and x_misp_object, when the
 *   object came from MISP, choose among types that share a path (ip-src and ip-dst).
 * - Notes give text attributes; vulnerability, campaign and threat-actor their attributes.
 * - TLP: the event's distribution and a tlp: tag (CLEAR 3, GREEN 2, AMBER and AMBER+STRICT
 *   1, RED 0), labels as tags; an attribute stricter or looser than its event carries its
 *   own distribution and tag.
 * One event is written as {"Event": {...}}, several as {"response": [{"Event": ...}, ...]}.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "formats/misp_map.h"
#include "solidarity/alloc.h"
#include "solidarity/pattern.h"
#include "solidarity/stix.h"

/* One object kept for the second pass. */
struct kept {
    char *id;
    char *json;
    size_t n;
    int tlp;
    struct sol_buf attrs;   /* MISP attributes it gives (JSON objects joined by ',') */
    struct sol_buf objects; /* MISP objects it gives */
    bool used;              /* named by a report */
};

struct mw {
    struct kept *v;
    size_t n, cap;
    bool sorted;
    struct sol_export_report *rep;
    const struct sol_export_options *o;
    const struct sol_object_filter *f;
    struct sol_json_doc *doc;
};

static int
kept_cmp(const void *a, const void *b)
{
    return strcmp(((const struct kept *)a)->id, ((const struct kept *)b)->id);
}

static struct kept *
find(struct mw *m, struct sol_str id)
{
    char key[160];
    if (!id.p || id.n >= sizeof key)
        return NULL;
    memcpy(key, id.p, id.n);
    key[id.n] = 0;
    struct kept k = {.id = key};
    return bsearch(&k, m->v, m->n, sizeof *m->v, kept_cmp);
}

static struct kept *
keep(struct mw *m, const struct sol_json *obj, int tlp, const char *json, size_t n)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct kept *v = sol_realloc(m->v, cap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
    struct kept *k = &m->v[m->n];
    memset(k, 0, sizeof *k);
    k->id = sol_malloc(id.n + 1);
    k->json = sol_malloc(n + 1);
    if (!k->id || !k->json) {
        sol_free(k->id);
        sol_free(k->json);
        return NULL;
    }
    if (id.n)
        memcpy(k->id, id.p, id.n);
    k->id[id.n] = 0;
    memcpy(k->json, json, n);
    k->json[n] = 0;
    k->n = n;
    k->tlp = tlp;
    sol_buf_init(&k->attrs);
    sol_buf_init(&k->objects);
    m->n++;
    return k;
}

/* One comparison: a path (canonical text) and a value (text; is_int for numbers). */
struct cmpv {
    char path[200];
    char value[2048];
    bool is_int;
};

static int
tlp_distribution(int tlp)
{
    switch (tlp) {
    case SOL_TLP_CLEAR:
        return 3;
    case SOL_TLP_GREEN:
        return 2;
    case SOL_TLP_RED:
        return 0;
    default:
        return 1;
    }
}

static const char *
tlp_tag(int tlp)
{
    static const char *const t[] = {NULL,        "tlp:clear",        "tlp:green",
                                    "tlp:amber", "tlp:amber+strict", "tlp:red"};
    return tlp >= 1 && tlp <= 5 ? t[tlp] : NULL;
}

static void
tags(struct sol_json_writer *w, int tlp, const struct sol_json *labels)
{
    sol_jw_key(w, "Tag");
    sol_jw_array_begin(w);
    if (tlp_tag(tlp)) {
        sol_jw_object_begin(w);
        sol_jw_key(w, "name");
        sol_jw_string(w, tlp_tag(tlp));
        sol_jw_object_end(w);
    }
    struct sol_json_iter it;
    const struct sol_json *l;
    sol_json_iter_init(&it, labels);
    while (sol_json_iter_next(&it, NULL, &l))
        if (sol_json_is_string(l)) {
            sol_jw_object_begin(w);
            sol_jw_key(w, "name");
            sol_jw_value(w, l);
            sol_jw_object_end(w);
        }
    sol_jw_array_end(w);
}

static void
seconds(struct sol_json_writer *w, const char *key, const struct sol_json *obj, const char *member)
{
    struct sol_str s = sol_json_str(sol_json_get(obj, member));
    sol_time_t t = 0;
    if (s.p)
        sol_time_parse(s.p, s.n, 0, &t, NULL, NULL);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)(t / 1000000));
    sol_jw_key(w, key);
    sol_jw_string(w, buf);
}

static void
uuid_of(struct sol_json_writer *w, struct sol_str id)
{
    const char *dd = id.p ? memmem(id.p, id.n, "--", 2) : NULL;
    sol_jw_key(w, "uuid");
    if (dd)
        sol_jw_stringn(w, dd + 2, id.n - (size_t)(dd + 2 - id.p));
    else
        sol_jw_string(w, "");
}

/* The common members of an attribute (type, category, value, to_ids, ...). */
static void
attribute(struct sol_buf *out, const struct sol_json *obj, const char *type, const char *category,
          const char *value, const char *relation, bool to_ids, int tlp, bool own_uuid,
          const char *extra_uuid_seed)
{
    if (out->n)
        sol_buf_putc(out, ',');
    struct sol_json_writer w;
    sol_jw_init(&w, out, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "type");
    sol_jw_string(&w, type);
    sol_jw_key(&w, "category");
    struct sol_str cat = sol_json_str(sol_json_get(obj, "x_misp_category"));
    if (cat.p && !relation)
        sol_jw_stringn(&w, cat.p, cat.n);
    else
        sol_jw_string(&w, category);
    if (relation) {
        sol_jw_key(&w, "object_relation");
        sol_jw_string(&w, relation);
    }
    sol_jw_key(&w, "value");
    sol_jw_string(&w, value);
    sol_jw_key(&w, "to_ids");
    sol_jw_bool(&w, to_ids);
    struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
    if (own_uuid) {
        uuid_of(&w, id);
    } else {
        char made[160];
        char seed[2400];
        int sn = snprintf(seed, sizeof seed, "%.*s|%s|%s|%s", (int)id.n, id.p, type, value,
                          extra_uuid_seed ? extra_uuid_seed : "");
        sol__made_id(made, sizeof made, "x", seed,
                     (size_t)sn < sizeof seed ? (size_t)sn : sizeof seed - 1);
        sol_jw_key(&w, "uuid");
        sol_jw_string(&w, made + 3);
    }
    seconds(&w, "timestamp", obj, "modified");
    struct sol_str d = sol_json_str(sol_json_get(obj, "description"));
    if (!relation && d.p) {
        sol_jw_key(&w, "comment");
        sol_jw_stringn(&w, d.p, d.n);
    }
    char dist[4];
    snprintf(dist, sizeof dist, "%d", tlp_distribution(tlp));
    sol_jw_key(&w, "distribution");
    sol_jw_string(&w, relation ? "5" : dist);
    if (!relation)
        tags(&w, tlp, sol_json_get(obj, "labels"));
    sol_jw_object_end(&w);
}

/* The MISP type of one path (x_misp_type chooses among types sharing the path). */
static const struct misp_type_map *
type_of_path(const char *path, const char *value, struct sol_str hint)
{
    size_t nt;
    const struct misp_type_map *t = sol__misp_types(&nt), *first = NULL;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].paths[1] || !t[i].paths[0])
            continue;
        char p[200];
        const char *tp = t[i].paths[0];
        if (strncmp(tp, "ADDR:", 5) == 0) {
            bool net;
            int k = sol_ioc_detect(value, strlen(value), &net);
            snprintf(p, sizeof p, "%s%s", k == SOL_ATOM_IPV6 ? "ipv6-addr" : "ipv4-addr", tp + 4);
            tp = p;
        }
        if (strcmp(tp, path) != 0)
            continue;
        if (hint.p && sol_str_eqc(hint, t[i].type))
            return &t[i];
        if (!first)
            first = &t[i];
    }
    return first;
}

/* A composite type whose two paths are these (in either order). */
static const struct misp_type_map *
composite(const struct cmpv *c, size_t n, struct sol_str hint, int *first)
{
    if (n != 2)
        return NULL;
    size_t nt;
    const struct misp_type_map *t = sol__misp_types(&nt), *found = NULL;
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].paths[1])
            continue;
        for (int o = 0; o < 2; o++) {
            char p0[200];
            const char *tp0 = t[i].paths[0];
            if (strstr(tp0, "ADDR")) {
                bool net;
                int k = sol_ioc_detect(c[o].value, strlen(c[o].value), &net);
                if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6)
                    continue;
                snprintf(p0, sizeof p0, "%s%s", k == SOL_ATOM_IPV6 ? "ipv6-addr" : "ipv4-addr",
                         tp0 + 4);
                tp0 = p0;
            }
            if (strcmp(tp0, c[o].path) == 0 && strcmp(t[i].paths[1], c[1 - o].path) == 0) {
                if ((t[i].flags & MM_IP) && strstr(t[i].paths[0], "network-traffic")) {
                    bool net;
                    int k = sol_ioc_detect(c[o].value, strlen(c[o].value), &net);
                    if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6)
                        continue; /* a host name: hostname|port */
                }
                if (hint.p && sol_str_eqc(hint, t[i].type)) {
                    *first = o;
                    return &t[i];
                }
                if (!found) {
                    found = &t[i];
                    *first = o;
                }
            }
        }
    }
    return found;
}

/* The template whose relations cover every path (x_misp_object first). */
static const struct misp_template_map *
template_of(const struct cmpv *c, size_t n, struct sol_str hint)
{
    size_t nt;
    const struct misp_template_map *t = sol__misp_templates(&nt);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nt; i++) {
            if (pass == 0 && !(hint.p && sol_str_eqc(hint, t[i].name)))
                continue;
            bool all = true;
            for (size_t k = 0; k < n && all; k++) {
                bool one = false;
                for (size_t r = 0; r < t[i].n_rel && !one; r++)
                    one = strcmp(t[i].rel[r].path, c[k].path) == 0;
                all = one;
            }
            if (all)
                return &t[i];
        }
    return NULL;
}

/*
 * Comparisons on one object (one bracket, AND) or several values (atoms) as MISP:
 * attributes or an object. Returns NULL, or why not.
 */
static const char *
give(struct kept *k, const struct sol_json *obj, const struct cmpv *c, size_t n, bool to_ids,
     bool conjunction)
{
    struct sol_str thint = sol_json_str(sol_json_get(obj, "x_misp_type"));
    struct sol_str ohint = sol_json_str(sol_json_get(obj, "x_misp_object"));
    bool own_uuid = true;
    if (!conjunction || n == 1) {
        for (size_t i = 0; i < n; i++) {
            const struct misp_type_map *tm = type_of_path(c[i].path, c[i].value, thint);
            if (!tm)
                return "a path no MISP attribute type stands for";
        }
        for (size_t i = 0; i < n; i++) {
            const struct misp_type_map *tm = type_of_path(c[i].path, c[i].value, thint);
            char v[2100];
            snprintf(v, sizeof v, "%s%s", tm->flags & MM_AS ? "AS" : "", c[i].value);
            attribute(&k->attrs, obj, tm->type, tm->category, v, NULL, to_ids, k->tlp,
                      own_uuid && n == 1 && !ohint.p, c[i].value);
        }
        return NULL;
    }
    int first = 0;
    const struct misp_type_map *tm = ohint.p ? NULL : composite(c, n, thint, &first);
    if (tm) {
        char v[4200];
        snprintf(v, sizeof v, "%s|%s", c[first].value, c[1 - first].value);
        attribute(&k->attrs, obj, tm->type, tm->category, v, NULL, to_ids, k->tlp, true, NULL);
        return NULL;
    }
    const struct misp_template_map *tpl = template_of(c, n, ohint);
    if (!tpl)
        return "an AND of properties no MISP object template holds";
    if (k->objects.n)
        sol_buf_putc(&k->objects, ',');
    struct sol_json_writer w;
    sol_jw_init(&w, &k->objects, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "name");
    sol_jw_string(&w, tpl->name);
    sol_jw_key(&w, "meta-category");
    sol_jw_string(&w, tpl->meta_category);
    sol_jw_key(&w, "template_uuid");
    sol_jw_string(&w, tpl->template_uuid);
    sol_jw_key(&w, "template_version");
    sol_jw_string(&w, "1");
    uuid_of(&w, sol_json_str(sol_json_get(obj, "id")));
    seconds(&w, "timestamp", obj, "modified");
    char dist[4];
    snprintf(dist, sizeof dist, "%d", tlp_distribution(k->tlp));
    sol_jw_key(&w, "distribution");
    sol_jw_string(&w, dist);
    struct sol_str d = sol_json_str(sol_json_get(obj, "description"));
    if (d.p) {
        sol_jw_key(&w, "comment");
        sol_jw_stringn(&w, d.p, d.n);
    }
    sol_jw_key(&w, "Attribute");
    struct sol_buf attrs;
    sol_buf_init(&attrs);
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < tpl->n_rel; r++)
            if (strcmp(tpl->rel[r].path, c[i].path) == 0) {
                const struct misp_type_map *am =
                    sol__misp_type(tpl->rel[r].type, strlen(tpl->rel[r].type));
                attribute(&attrs, obj, tpl->rel[r].type, am ? am->category : "Other", c[i].value,
                          tpl->rel[r].relation, to_ids, k->tlp, false, tpl->rel[r].relation);
                break;
            }
    sol_buf_putc(&attrs, ']');
    struct sol_buf arr;
    sol_buf_init(&arr);
    sol_buf_putc(&arr, '[');
    sol_buf_append(&arr, attrs.p, attrs.n);
    sol_jw_raw(&w, arr.p, arr.n);
    sol_buf_free(&arr);
    sol_buf_free(&attrs);
    sol_jw_object_end(&w);
    return NULL;
}

/* One bracket of '=' tests joined by AND: its comparisons. */
static const char *
conjunction(const struct sol_pattern *p, struct cmpv *c, size_t max, size_t *n)
{
    const struct sol_pattern_obs *o = sol_pattern_root(p);
    if (o->kind != SOL_POBS_BRACKET)
        return "several observations";
    const struct sol_pattern_cmp *e = o->cmp;
    size_t nk = e->kind == SOL_PCMP_AND ? e->nkids : 1;
    *n = 0;
    for (size_t i = 0; i < nk; i++) {
        const struct sol_pattern_cmp *t = e->kind == SOL_PCMP_AND ? e->kids[i] : e;
        if (t->kind != SOL_PCMP_TEST || t->op != SOL_POP_EQ || t->negated)
            return "a comparison other than '='";
        if (*n == max)
            return "too many comparisons";
        struct sol_buf b;
        sol_buf_init(&b);
        sol__path_text(&b, &t->path);
        snprintf(c[*n].path, sizeof c[*n].path, "%s", b.p ? b.p : "");
        sol_buf_free(&b);
        c[*n].is_int = t->value.kind == SOL_PCONST_INT;
        if (t->value.kind == SOL_PCONST_STRING)
            snprintf(c[*n].value, sizeof c[*n].value, "%.*s", (int)t->value.bytes.n,
                     t->value.bytes.p);
        else if (c[*n].is_int)
            snprintf(c[*n].value, sizeof c[*n].value, "%lld", (long long)t->value.i);
        else
            return "a constant MISP has no value for";
        (*n)++;
    }
    return NULL;
}

static bool
mw_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud, (void)a, (void)why;
    return true; /* each() decides on the whole indicator */
}

static struct kept *
keep_row(struct mw *m, const struct sol_json *obj, int tlp)
{
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_value(&w, obj);
    struct kept *k = b.oom ? NULL : keep(m, obj, tlp, b.p, b.n);
    sol_buf_free(&b);
    return k;
}

static int
mw_each(void *ud, const struct sol__indicator *ind)
{
    struct mw *m = ud;
    struct kept *k = keep_row(m, ind->obj, ind->tlp);
    if (!k)
        return SOL_ENOMEM;
    struct cmpv *c = sol_calloc(ind->n_atoms, sizeof *c);
    if (!c)
        return SOL_ENOMEM;
    for (size_t i = 0; i < ind->n_atoms; i++) {
        snprintf(c[i].path, sizeof c[i].path, "%.*s", (int)ind->atoms[i].path.n,
                 ind->atoms[i].path.p);
        snprintf(c[i].value, sizeof c[i].value, "%.*s", (int)ind->atoms[i].value.n,
                 ind->atoms[i].value.p);
    }
    const char *why = give(k, ind->obj, c, ind->n_atoms, true, false);
    sol_free(c);
    if (why) {
        m->rep->exported--;
        sol__export_skip(m->rep, ind->id, ind->name, why);
    }
    return 0;
}

static int
mw_whole(void *ud, const struct sol__indicator *ind, const char **why)
{
    struct mw *m = ud;
    if (!ind->pattern) {
        *why = "the pattern is not a STIX pattern";
        return 0;
    }
    struct cmpv c[16];
    size_t n = 0;
    *why = conjunction(ind->pattern, c, 16, &n);
    if (*why)
        return 0;
    struct kept *k = keep_row(m, ind->obj, ind->tlp);
    if (!k)
        return SOL_ENOMEM;
    *why = give(k, ind->obj, c, n, true, true);
    return 0;
}

static int
mw_other(void *ud, const struct sol_json *obj, const struct sol_object_row *row)
{
    struct mw *m = ud;
    struct sol_str t = sol_json_str(sol_json_get(obj, "type"));
    static const char *const wanted[] = {"report",   "grouping",    "observed-data",
                                         "note",     "identity",    "vulnerability",
                                         "campaign", "threat-actor"};
    bool want = sol_stix_is_sco_type(t);
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted && !want; i++)
        want = sol_str_eqc(t, wanted[i]);
    const struct sol_json *rv = sol_json_get(obj, "revoked");
    if (!want || row->revoked || (sol_json_type(rv) == SOL_JSON_BOOL && rv->u.b))
        return 0;
    return keep_row(m, obj, row->tlp) ? 0 : SOL_ENOMEM;
}

/* Flatten an SCO's properties into comparisons (the reverse of misp.c's build_scos). */
static void
flatten(struct mw *m, const struct sol_json *sco, const char *prefix, struct cmpv *c, size_t max,
        size_t *n, int depth)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_json_iter_init(&it, sco);
    while (sol_json_iter_next(&it, &key, &v) && *n < max && depth < 4) {
        static const char *const skip[] = {
            "type",     "id",          "spec_version", "object_marking_refs", "granular_markings",
            "defanged", "extensions_", "protocols",    "is_multipart"};
        bool sk = false;
        for (size_t i = 0; i < sizeof skip / sizeof *skip && !sk; i++)
            sk = sol_str_eqc(key, skip[i]);
        if (sk)
            continue;
        bool bare = key.n && !isdigit((unsigned char)key.p[0]);
        for (size_t i = 0; i < key.n && bare; i++)
            bare = isalnum((unsigned char)key.p[i]) || key.p[i] == '_';
        char path[200];
        snprintf(path, sizeof path, bare ? "%s%s%.*s" : "%s%s'%.*s'", prefix,
                 prefix[strlen(prefix) - 1] == ':' ? "" : ".", (int)key.n, key.p);
        bool ref = key.n > 4 && memcmp(key.p + key.n - 4, "_ref", 4) == 0;
        bool refs = key.n > 5 && memcmp(key.p + key.n - 5, "_refs", 5) == 0;
        if (ref || refs) {
            struct sol_json_iter ri;
            const struct sol_json *idv = v;
            if (refs)
                sol_json_iter_init(&ri, v);
            for (;;) {
                if (refs && !sol_json_iter_next(&ri, NULL, &idv))
                    break;
                struct kept *t = find(m, sol_json_str(idv));
                if (t) {
                    const struct sol_json *to;
                    struct sol_json_doc *d = sol_json_doc_new(NULL);
                    if (d && sol_json_parse(d, t->json, t->n, &to, NULL) == 0) {
                        char pre[220];
                        snprintf(pre, sizeof pre, "%s%s", path, refs ? "[*]" : "");
                        flatten(m, to, pre, c, max, n, depth + 1);
                    }
                    sol_json_doc_free(d);
                }
                if (!refs)
                    break;
            }
            continue;
        }
        if (sol_json_type(v) == SOL_JSON_OBJECT) {
            flatten(m, v, path, c, max, n, depth + 1);
        } else if (sol_json_type(v) == SOL_JSON_ARRAY) {
            struct sol_json_iter li;
            const struct sol_json *e;
            sol_json_iter_init(&li, v);
            char pre[220];
            snprintf(pre, sizeof pre, "%s[*]", path);
            while (sol_json_iter_next(&li, NULL, &e))
                if (sol_json_type(e) == SOL_JSON_OBJECT)
                    flatten(m, e, pre, c, max, n, depth + 1);
        } else if (sol_json_is_string(v) || sol_json_type(v) == SOL_JSON_INT) {
            snprintf(c[*n].path, sizeof c[*n].path, "%s", path);
            c[*n].is_int = sol_json_type(v) == SOL_JSON_INT;
            if (c[*n].is_int)
                snprintf(c[*n].value, sizeof c[*n].value, "%lld", (long long)v->u.i);
            else
                snprintf(c[*n].value, sizeof c[*n].value, "%.*s", (int)v->n, v->u.s);
            (*n)++;
        }
    }
}

/* Observed-data, notes and SDOs give their attributes (indicators were given already). */
static void
second_pass(struct mw *m, struct kept *k)
{
    const struct sol_json *obj;
    if (sol_json_parse(m->doc, k->json, k->n, &obj, NULL) != 0)
        return;
    struct sol_str t = sol_json_str(sol_json_get(obj, "type"));
    if (sol_str_eqc(t, "observed-data")) {
        const struct sol_json *refs = sol_json_get(obj, "object_refs");
        struct kept *main = find(m, sol_json_str(sol_json_at(refs, 0)));
        if (!main)
            return;
        struct sol_json_doc *d = sol_json_doc_new(NULL);
        const struct sol_json *sco;
        struct cmpv c[16];
        size_t n = 0;
        if (d && sol_json_parse(d, main->json, main->n, &sco, NULL) == 0) {
            char pre[80];
            struct sol_str st = sol_json_str(sol_json_get(sco, "type"));
            snprintf(pre, sizeof pre, "%.*s:", (int)st.n, st.p);
            flatten(m, sco, pre, c, 16, &n, 0);
        }
        sol_json_doc_free(d);
        /* parse again: flatten parsed into other docs, obj stays valid in m->doc */
        if (n && !give(k, obj, c, n, false, n > 1))
            m->rep->exported++;
        return;
    }
    struct sol_str mt = sol_json_str(sol_json_get(obj, "x_misp_type"));
    if (sol_str_eqc(t, "note")) {
        struct sol_str content = sol_json_str(sol_json_get(obj, "content"));
        char v[8192];
        snprintf(v, sizeof v, "%.*s", (int)content.n, content.p ? content.p : "");
        const char *type = mt.p && (sol_str_eqc(mt, "comment") || sol_str_eqc(mt, "other"))
                               ? (sol_str_eqc(mt, "comment") ? "comment" : "other")
                               : "text";
        attribute(&k->attrs, obj, type, "Other", v, NULL, false, k->tlp, true, NULL);
        m->rep->exported++;
        return;
    }
    const char *type = sol_str_eqc(t, "vulnerability")  ? "vulnerability"
                       : sol_str_eqc(t, "campaign")     ? "campaign-name"
                       : sol_str_eqc(t, "threat-actor") ? "threat-actor"
                                                        : NULL;
    if (type) {
        struct sol_str name = sol_json_str(sol_json_get(obj, "name"));
        char v[1024];
        snprintf(v, sizeof v, "%.*s", (int)name.n, name.p ? name.p : "");
        const struct misp_type_map *tm = sol__misp_type(type, strlen(type));
        attribute(&k->attrs, obj, type, tm ? tm->category : "Other", v, NULL, false, k->tlp, true,
                  NULL);
        m->rep->exported++;
    }
}

/* Write one event of the given members and the kept objects whose ids refs names. */
static void
event(struct mw *m, struct sol_json_writer *w, struct sol_str uuid_id, const char *info,
      const struct sol_json *obj, int tlp, struct kept **members, size_t nm)
{
    sol_jw_object_begin(w);
    sol_jw_key(w, "Event");
    sol_jw_object_begin(w);
    uuid_of(w, uuid_id);
    sol_jw_key(w, "info");
    sol_jw_string(w, info);
    char date[40] = "";
    struct sol_str created = sol_json_str(sol_json_get(obj, "created"));
    if (created.n >= 10)
        snprintf(date, sizeof date, "%.10s", created.p);
    else {
        char now[40];
        sol_time_format(m->o->now ? m->o->now : sol_time_now(), 0, now);
        snprintf(date, sizeof date, "%.10s", now);
    }
    sol_jw_key(w, "date");
    sol_jw_string(w, date);
    if (obj)
        seconds(w, "timestamp", obj, "modified");
    else {
        char ts[32];
        snprintf(ts, sizeof ts, "%lld",
                 (long long)((m->o->now ? m->o->now : sol_time_now()) / 1000000));
        sol_jw_key(w, "timestamp");
        sol_jw_string(w, ts);
    }
    sol_jw_key(w, "published");
    sol_jw_bool(w, sol_str_eqc(sol_json_str(sol_json_get(obj, "type")), "report"));
    struct sol_str tl = sol_json_str(sol_json_get(obj, "x_misp_threat_level"));
    sol_jw_key(w, "threat_level_id");
    sol_jw_string(w, sol_str_eqc(tl, "high")     ? "1"
                     : sol_str_eqc(tl, "medium") ? "2"
                     : sol_str_eqc(tl, "low")    ? "3"
                                                 : "4");
    sol_jw_key(w, "analysis");
    sol_jw_string(w, "2");
    char dist[4];
    snprintf(dist, sizeof dist, "%d", tlp_distribution(tlp));
    sol_jw_key(w, "distribution");
    sol_jw_string(w, dist);
    /* Orgc: the creator's identity when the collection holds it, else this node. */
    struct sol_str by = sol_json_str(sol_json_get(obj, "created_by_ref"));
    struct kept *idk = find(m, by);
    sol_jw_key(w, "Orgc");
    sol_jw_object_begin(w);
    const struct sol_json *ido = NULL;
    struct sol_json_doc *d = idk ? sol_json_doc_new(NULL) : NULL;
    if (d && sol_json_parse(d, idk->json, idk->n, &ido, NULL) != 0)
        ido = NULL;
    struct sol_str nm_ = sol_json_str(sol_json_get(ido, "name"));
    sol_jw_key(w, "name");
    if (nm_.p)
        sol_jw_stringn(w, nm_.p, nm_.n);
    else
        sol_jw_string(w, m->o->source ? m->o->source : "solidarity");
    if (by.p)
        uuid_of(w, by);
    sol_jw_object_end(w);
    sol_json_doc_free(d);
    tags(w, tlp, sol_json_get(obj, "labels"));
    struct sol_buf a, o;
    sol_buf_init(&a);
    sol_buf_init(&o);
    sol_buf_putc(&a, '[');
    sol_buf_putc(&o, '[');
    for (size_t i = 0; i < nm; i++) {
        if (members[i]->attrs.n) {
            if (a.n > 1)
                sol_buf_putc(&a, ',');
            sol_buf_append(&a, members[i]->attrs.p, members[i]->attrs.n);
        }
        if (members[i]->objects.n) {
            if (o.n > 1)
                sol_buf_putc(&o, ',');
            sol_buf_append(&o, members[i]->objects.p, members[i]->objects.n);
        }
        m->rep->entries++;
    }
    sol_buf_putc(&a, ']');
    sol_buf_putc(&o, ']');
    sol_jw_key(w, "Attribute");
    sol_jw_raw(w, a.p, a.n);
    sol_jw_key(w, "Object");
    sol_jw_raw(w, o.p, o.n);
    sol_buf_free(&a);
    sol_buf_free(&o);
    sol_jw_object_end(w);
    sol_jw_object_end(w);
}

int
sol__misp_write(struct sol_store *s, const struct sol_object_filter *f,
                const struct sol_export_options *o, const struct sol_export_sink *out,
                struct sol_export_report *rep, struct sol_error *err)
{
    struct mw m = {.rep = rep, .o = o, .f = f};
    m.doc = sol_json_doc_new(NULL);
    if (!m.doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    struct sol__walk wk = {.s = s,
                           .f = f,
                           .o = o,
                           .rep = rep,
                           .accept = mw_accept,
                           .each = mw_each,
                           .whole = mw_whole,
                           .other = mw_other,
                           .ud = &m};
    int rc = sol__walk_indicators(&wk, err);
    if (m.n)
        qsort(m.v, m.n, sizeof *m.v, kept_cmp);
    for (size_t i = 0; rc == 0 && i < m.n; i++)
        second_pass(&m, &m.v[i]);
    struct sol_buf body;
    sol_buf_init(&body);
    struct sol_json_writer w;
    sol_jw_init(&w, &body, false);
    size_t events = 0;
    struct kept **members = sol_calloc(m.n + 1, sizeof(struct kept *));
    struct sol_buf evs;
    sol_buf_init(&evs);
    struct sol_json_writer ew;
    sol_jw_init(&ew, &evs, false);
    sol_jw_array_begin(&ew);
    for (size_t i = 0; rc == 0 && members && i < m.n; i++) {
        const struct sol_json *obj;
        struct sol_json_doc *d = sol_json_doc_new(NULL);
        if (!d || sol_json_parse(d, m.v[i].json, m.v[i].n, &obj, NULL) != 0) {
            sol_json_doc_free(d);
            continue;
        }
        struct sol_str t = sol_json_str(sol_json_get(obj, "type"));
        if (sol_str_eqc(t, "report") || sol_str_eqc(t, "grouping")) {
            size_t nm = 0;
            struct sol_json_iter it;
            const struct sol_json *r;
            sol_json_iter_init(&it, sol_json_get(obj, "object_refs"));
            while (sol_json_iter_next(&it, NULL, &r)) {
                struct kept *k = find(&m, sol_json_str(r));
                if (k && (k->attrs.n || k->objects.n)) {
                    k->used = true;
                    members[nm++] = k;
                }
            }
            /* notes on this report belong to its event */
            for (size_t j = 0; j < m.n; j++) {
                if (m.v[j].used || !m.v[j].attrs.n || strncmp(m.v[j].id, "note--", 6) != 0)
                    continue;
                if (strstr(m.v[j].json, m.v[i].id)) {
                    m.v[j].used = true;
                    members[nm++] = &m.v[j];
                }
            }
            struct sol_str name = sol_json_str(sol_json_get(obj, "name"));
            char info[1024];
            snprintf(info, sizeof info, "%.*s", (int)name.n, name.p ? name.p : "");
            event(&m, &ew, sol_json_str(sol_json_get(obj, "id")), info, obj, m.v[i].tlp, members,
                  nm);
            events++;
        }
        sol_json_doc_free(d);
    }
    size_t left = 0;
    int strictest = 0;
    for (size_t i = 0; members && i < m.n; i++)
        if (!m.v[i].used && (m.v[i].attrs.n || m.v[i].objects.n)) {
            members[left++] = &m.v[i];
            if (m.v[i].tlp > strictest)
                strictest = m.v[i].tlp;
        }
    if (rc == 0 && left) {
        char id[128], info[300];
        sol__made_id(id, sizeof id, "x", f->collection ? f->collection : "",
                     f->collection ? strlen(f->collection) : 0);
        snprintf(info, sizeof info, "%s",
                 o->collection_title && *o->collection_title ? o->collection_title
                                                             : "solidarity export");
        event(&m, &ew, sol_str_c(id), info, NULL, strictest, members, left);
        events++;
    }
    sol_jw_array_end(&ew);
    if (!members && rc == 0)
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (rc == 0) {
        struct sol__out ow;
        sol__out_init(&ow, out);
        sol__out_part(&ow, NULL);
        if (events == 1) {
            /* [ {"Event": ...} ] -> {"Event": ...} */
            sol__out_put(&ow, evs.p + 1, evs.n - 2);
        } else {
            sol__out_puts(&ow, "{\"response\":");
            sol__out_put(&ow, evs.p, evs.n);
            sol__out_puts(&ow, "}");
        }
        sol__out_puts(&ow, "\n");
        rc = sol__out_finish(&ow);
    }
    sol_free(members);
    sol_buf_free(&evs);
    sol_buf_free(&body);
    for (size_t i = 0; i < m.n; i++) {
        sol_free(m.v[i].id);
        sol_free(m.v[i].json);
        sol_buf_free(&m.v[i].attrs);
        sol_buf_free(&m.v[i].objects);
    }
    sol_free(m.v);
    sol_json_doc_free(m.doc);
    return rc;
}
