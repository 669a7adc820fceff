/*
 * sighting.c — hits as STIX 2.1 sightings (§5.6 "sighting" SRO): one per indicator per
 * scan, with count, first_seen, last_seen, sighting_of_ref and where_sighted_refs, the
 * detection context of the first hits in a property extension, and optionally the first
 * observation as SCOs and an observed-data.
 *
 * Identifiers: a sighting is an SRO, which STIX 2.1 §2.9 says SHOULD use UUIDv4; so do
 * ours, and so does the observed-data (an SDO). A new version of a sighting the caller
 * already holds (opt->prior) keeps its id and its created (§3.6), with a later
 * modified; an unchanged one is written as it was. The SCOs get the deterministic
 * UUIDv5 ids of §2.9, as SCOs should.
 *
 * Everything written is valid STIX 2.1: each SCO and observed-data is checked with the
 * validator before it is written, what the logs left incomplete is completed only where
 * the observation itself says it (network-traffic protocols from its addresses and its
 * HTTP extension; §6.12), and an observation that still does not pass is left out (the
 * sighting is written without it, and counted) rather than written invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/stix.h"

static bool
ends_with(struct sol_str s, const char *suf)
{
    size_t k = strlen(suf);
    return s.n >= k && memcmp(s.p + s.n - k, suf, k) == 0;
}

/* object_marking_refs with one marking, when there is one. */
static void
write_marking(struct sol_json_writer *w, const char *marking)
{
    if (!marking)
        return;
    sol_jw_key(w, "object_marking_refs");
    sol_jw_array_begin(w);
    sol_jw_string(w, marking);
    sol_jw_array_end(w);
}

/* The index an in-observation reference names ("3"), or -1. */
static int
ref_index(const struct sol_json *v, size_t n)
{
    struct sol_str r = sol_json_str(v);
    if (!r.p || r.n == 0 || r.n > 2)
        return -1;
    int k = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.p[i] < '0' || r.p[i] > '9')
            return -1;
        k = k * 10 + (r.p[i] - '0');
    }
    return (size_t)k < n ? k : -1;
}

/* ---- SCOs ---- */

/* The type of the object a reference of o names (by its key), or "". */
static struct sol_str
ref_type(const struct sol_json *root, const struct sol_json *o, const char *key, size_t n)
{
    int k = ref_index(sol_json_get(o, key), n);
    const struct sol_json *t = root + 1;
    for (int i = 0; k >= 0 && i < k; i++)
        t += t->skip;
    struct sol_str s = k >= 0 ? sol_json_str(sol_json_get(t, "type")) : (struct sol_str){"", 0};
    return s.p ? s : (struct sol_str){"", 0};
}

/*
 * network-traffic's required protocols (§6.12), when the log did not name them, from what
 * the observation itself says, outer to inner: the IP version of its addresses, and TCP
 * and HTTP when it carries an HTTP request (the extension's protocol, which §6.12.2 says
 * SHOULD be listed). Nothing is written when nothing is known.
 */
static void
write_protocols(struct sol_json_writer *w, const struct sol_json *root, const struct sol_json *o,
                size_t n, bool http)
{
    const char *list[3];
    size_t k = 0;
    struct sol_str a = ref_type(root, o, "src_ref", n), b = ref_type(root, o, "dst_ref", n);
    if (sol_str_eqc(a, "ipv4-addr") || sol_str_eqc(b, "ipv4-addr"))
        list[k++] = "ipv4";
    else if (sol_str_eqc(a, "ipv6-addr") || sol_str_eqc(b, "ipv6-addr"))
        list[k++] = "ipv6";
    if (http) {
        list[k++] = "tcp";
        list[k++] = "http";
    }
    if (!k)
        return;
    sol_jw_key(w, "protocols");
    sol_jw_array_begin(w);
    for (size_t i = 0; i < k; i++)
        sol_jw_string(w, list[i]);
    sol_jw_array_end(w);
}

/* http-request-ext (§6.12.2) needs both its method (lower case) and its value. */
static bool
http_complete(const struct sol_json *ext)
{
    return sol_json_str(sol_json_get(ext, "request_method")).p &&
           sol_json_str(sol_json_get(ext, "request_value")).p;
}

static void
write_http_ext(struct sol_json_writer *w, const struct sol_json *ext)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_jw_object_begin(w);
    sol_json_iter_init(&it, ext);
    while (sol_json_iter_next(&it, &key, &v)) {
        sol_jw_keyn(w, key.p, key.n);
        struct sol_str m = sol_json_str(v);
        if (sol_str_eqc(key, "request_method") && m.p && m.n < 64) {
            char low[64];
            for (size_t i = 0; i < m.n; i++)
                low[i] = (char)(m.p[i] >= 'A' && m.p[i] <= 'Z' ? m.p[i] + 32 : m.p[i]);
            sol_jw_stringn(w, low, m.n);
        } else {
            sol_jw_value(w, v);
        }
    }
    sol_jw_object_end(w);
}

/* Write one SCO as STIX 2.1, its references as the ids of the objects they name. */
static void
write_sco(struct sol_json_writer *w, const struct sol_json *root, const struct sol_json *o,
          const char *id, char ids[][128], size_t n, const char *marking)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    bool traffic = sol_str_eqc(sol_json_str(sol_json_get(o, "type")), "network-traffic");
    const struct sol_json *ext = sol_json_get(o, "extensions");
    const struct sol_json *http = ext ? sol_json_get(ext, "http-request-ext") : NULL;
    bool http_ok = http && http_complete(http);
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_value(w, sol_json_get(o, "type"));
    sol_jw_key(w, "spec_version");
    sol_jw_string(w, "2.1");
    if (id) {
        sol_jw_key(w, "id");
        sol_jw_string(w, id);
    }
    if (traffic && !sol_json_get(o, "protocols"))
        write_protocols(w, root, o, n, http_ok);
    sol_json_iter_init(&it, o);
    while (sol_json_iter_next(&it, &key, &v)) {
        if (sol_str_eqc(key, "type"))
            continue;
        if (ends_with(key, "_ref")) {
            int k = ref_index(v, n);
            if (k >= 0 && ids[k][0]) {
                sol_jw_keyn(w, key.p, key.n);
                sol_jw_string(w, ids[k]);
            }
            continue;
        }
        if (ends_with(key, "_refs") && v->type == SOL_JSON_ARRAY) {
            sol_jw_keyn(w, key.p, key.n);
            sol_jw_array_begin(w);
            struct sol_json_iter e;
            const struct sol_json *x;
            sol_json_iter_init(&e, v);
            while (sol_json_iter_next(&e, NULL, &x)) {
                int k = ref_index(x, n);
                if (k >= 0 && ids[k][0])
                    sol_jw_string(w, ids[k]);
            }
            sol_jw_array_end(w);
            continue;
        }
        if (traffic && v == ext && http) {
            /* An incomplete HTTP request is left out, not written invalid. */
            if (!http_ok && v->n == 1)
                continue;
            sol_jw_keyn(w, key.p, key.n);
            sol_jw_object_begin(w);
            struct sol_json_iter e;
            struct sol_str ek;
            const struct sol_json *ev;
            sol_json_iter_init(&e, v);
            while (sol_json_iter_next(&e, &ek, &ev)) {
                if (ev == http && !http_ok)
                    continue;
                sol_jw_keyn(w, ek.p, ek.n);
                if (ev == http)
                    write_http_ext(w, ev);
                else
                    sol_jw_value(w, ev);
            }
            sol_jw_object_end(w);
            continue;
        }
        sol_jw_keyn(w, key.p, key.n);
        sol_jw_value(w, v);
    }
    write_marking(w, marking);
    sol_jw_object_end(w);
}

static bool
has_refs(const struct sol_json *o)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_json_iter_init(&it, o);
    while (sol_json_iter_next(&it, &key, &v))
        if (ends_with(key, "_ref") || ends_with(key, "_refs"))
            return true;
    return false;
}

static void
new_id(char *out, size_t n, const char *type)
{
    struct sol_uuid u;
    char t[37];
    sol_uuid_v4(&u);
    sol_uuid_format(&u, t);
    snprintf(out, n, "%s--%s", type, t);
}

/* The SCO ids a bundle holds already: an SCO seen in several observations is written
   once (its id is deterministic, and a bundle must not hold one id twice without
   versions, §3.6). */
struct idset {
    char **slot;
    size_t cap, n;
};

static uint64_t
str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* 1 when id was added, 0 when it was there, SOL_ENOMEM. */
static int
idset_add(struct idset *set, const char *id)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t nc = set->cap ? set->cap * 2 : 64;
        char **ns = sol_calloc(nc, sizeof *ns);
        if (!ns)
            return SOL_ENOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i])
                continue;
            size_t j = str_hash(set->slot[i]) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = set->slot[i];
        }
        sol_free(set->slot);
        set->slot = ns;
        set->cap = nc;
    }
    size_t j = str_hash(id) & (set->cap - 1);
    for (; set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (strcmp(set->slot[j], id) == 0)
            return 0;
    if (!(set->slot[j] = sol_strdup(id)))
        return SOL_ENOMEM;
    set->n++;
    return 1;
}

static void
idset_free(struct idset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        sol_free(set->slot[i]);
    sol_free(set->slot);
}

/* Whether every object of the JSON array text is valid STIX 2.1 (errors, not warnings). */
static int
all_valid(struct sol_json_doc *doc, const struct sol_buf *text)
{
    const struct sol_json *root;
    if (sol_json_parse(doc, text->p, text->n, &root, NULL) != 0)
        return 0;
    struct sol_stix_options opt = {.version = 21};
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_document(root, &opt, &rep);
    sol_stix_report_free(&rep);
    return rc < 0 ? rc : rc == 0;
}

/*
 * Write the SCOs of an observation (those not in written yet) and an observed-data
 * object over them to out, and its id into od_id. SCO ids are
 * the deterministic ones of STIX 2.1 §2.9 (objects without references first, so that the
 * others' ids can include theirs). Returns 1 when written, 0 when the observation
 * cannot be written as valid STIX, or SOL_ENOMEM.
 */
static int
write_observation(struct sol_json_writer *out, const struct sol_match_hit *h, const char *identity,
                  const char *ts, const char *marking, char *od_id, size_t od_n,
                  struct idset *written)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL), *one = sol_json_doc_new(NULL);
    const struct sol_json *root;
    int rc = SOL_ENOMEM;
    char(*ids)[128] = NULL;
    struct sol_buf b;
    sol_buf_init(&b);
    if (!doc || !one)
        goto out;
    if (sol_json_parse(doc, h->observation, strlen(h->observation), &root, NULL) != 0 ||
        root->type != SOL_JSON_ARRAY) {
        rc = 0;
        goto out;
    }
    size_t n = root->n;
    ids = sol_calloc(n ? n : 1, sizeof *ids);
    if (!ids)
        goto out;
    for (int pass = 0; pass < 2; pass++) {
        const struct sol_json *o = root + 1;
        for (size_t i = 0; i < n; i++, o += o->skip) {
            if (ids[i][0] || has_refs(o) != (pass == 1))
                continue;
            sol_buf_reset(&b);
            struct sol_json_writer tw;
            sol_jw_init(&tw, &b, false);
            write_sco(&tw, root, o, NULL, ids, n, NULL);
            const struct sol_json *sco;
            struct sol_buf id;
            sol_buf_init(&id);
            if (!b.oom && sol_json_parse(one, b.p, b.n, &sco, NULL) == 0 &&
                sol_stix_sco_id(sco, &id) == 0 && id.n < sizeof ids[i]) {
                memcpy(ids[i], id.p, id.n);
            } else {
                /* No id contributing properties: a random (version 4) id (§2.9). */
                struct sol_str type = sol_json_str(sol_json_get(o, "type"));
                char t[81];
                snprintf(t, sizeof t, "%.*s", (int)(type.n > 80 ? 80 : type.n),
                         type.p ? type.p : "x");
                new_id(ids[i], sizeof ids[i], t);
            }
            sol_buf_free(&id);
        }
    }
    new_id(od_id, od_n, "observed-data");
    char t[40];
    sol_time_format(h->observation_time, 6, t);
    sol_buf_reset(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_array_begin(&w);
    const struct sol_json *o = root + 1;
    for (size_t i = 0; i < n; i++, o += o->skip)
        write_sco(&w, root, o, ids[i], ids, n, marking);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "type");
    sol_jw_string(&w, "observed-data");
    sol_jw_key(&w, "spec_version");
    sol_jw_string(&w, "2.1");
    sol_jw_key(&w, "id");
    sol_jw_string(&w, od_id);
    sol_jw_key(&w, "created_by_ref");
    sol_jw_string(&w, identity);
    sol_jw_key(&w, "created");
    sol_jw_string(&w, ts);
    sol_jw_key(&w, "modified");
    sol_jw_string(&w, ts);
    sol_jw_key(&w, "first_observed");
    sol_jw_string(&w, t);
    sol_jw_key(&w, "last_observed");
    sol_jw_string(&w, t);
    sol_jw_key(&w, "number_observed");
    sol_jw_int(&w, 1);
    sol_jw_key(&w, "object_refs");
    sol_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++)
        sol_jw_string(&w, ids[i]);
    sol_jw_array_end(&w);
    write_marking(&w, marking);
    sol_jw_object_end(&w);
    sol_jw_array_end(&w);
    if (b.oom)
        goto out;
    rc = all_valid(one, &b);
    if (rc == 1) {
        /* Each object, but the SCOs the bundle holds already. */
        const struct sol_json *all;
        if (sol_json_parse(one, b.p, b.n, &all, NULL) != 0) {
            rc = SOL_ENOMEM;
            goto out;
        }
        const struct sol_json *x = all + 1;
        for (uint32_t i = 0; i < all->n && rc == 1; i++, x += x->skip) {
            char id[128];
            struct sol_str xs = sol_json_str(sol_json_get(x, "id"));
            snprintf(id, sizeof id, "%.*s", (int)(xs.n < 127 ? xs.n : 127), xs.p ? xs.p : "");
            int added = i + 1 == all->n ? 1 : idset_add(written, id);
            if (added < 0)
                rc = added;
            else if (added)
                sol_jw_value(out, x);
        }
    }
out:
    sol_free(ids);
    sol_buf_free(&b);
    sol_json_doc_free(doc);
    sol_json_doc_free(one);
    return rc;
}

/* ---- The detection context ---- */

static void
write_context(struct sol_json_writer *w, const struct sol_match_hit *h)
{
    sol_jw_key(w, "extensions");
    sol_jw_object_begin(w);
    sol_jw_key(w, SOL_SCAN_CONTEXT_EXTENSION_ID);
    sol_jw_object_begin(w);
    sol_jw_key(w, "extension_type");
    sol_jw_string(w, "property-extension");
    sol_jw_key(w, "detections");
    sol_jw_array_begin(w);
    for (uint32_t i = 0; i < h->ncontext; i++) {
        const struct sol_match_context *c = &h->context[i];
        char t[40];
        sol_time_format(c->time, 6, t);
        sol_jw_object_begin(w);
        sol_jw_key(w, "source");
        sol_jw_string(w, c->source);
        if (c->line) {
            sol_jw_key(w, "line");
            sol_jw_uint(w, c->line);
        }
        sol_jw_key(w, "byte_offset");
        sol_jw_uint(w, c->offset);
        sol_jw_key(w, "event_time");
        sol_jw_string(w, t);
        if (c->field[0]) {
            sol_jw_key(w, "field");
            sol_jw_string(w, c->field);
        }
        if (c->property[0]) {
            sol_jw_key(w, "property");
            sol_jw_string(w, c->property);
            sol_jw_key(w, "value");
            sol_jw_string(w, c->value);
        }
        sol_jw_object_end(w);
    }
    sol_jw_array_end(w);
    sol_jw_object_end(w);
    sol_jw_object_end(w);
}

/* ---- Sightings ---- */

/* The order sightings are written in. */
struct order {
    size_t hit;
    int tlp;
};

/* Stricter TLP first; otherwise as given (qsort is not stable: the index decides). */
static int
stricter_first(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->tlp != y->tlp)
        return x->tlp > y->tlp ? -1 : 1;
    return x->hit < y->hit ? -1 : x->hit > y->hit;
}

int
sol_match_write_sightings(const struct sol_match_index *idx, const struct sol_match_hit *hits,
                          size_t n, const struct sol_sighting_options *opt,
                          struct sol_json_writer *w)
{
    sol_time_t now = opt->now ? opt->now : sol_time_now();
    now -= now % 1000; /* written with milliseconds */
    char fs[40], ls[40];
    struct idset written = {NULL, 0, 0};
    /* Each sighting's TLP; with observations, the strictest are written first, so that an
       SCO that several share (written once) carries the strictest marking of them. */
    struct order *ord = sol_malloc((n ? n : 1) * sizeof *ord);
    if (!ord)
        return SOL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct sol_match_indicator ind;
        sol_match_index_get(idx, hits[i].indicator, &ind);
        int tlp = opt->tlp;
        int of = opt->indicator_tlp ? opt->indicator_tlp(opt->tlp_ud, ind.id) : 0;
        ord[i].hit = i;
        ord[i].tlp = of > tlp ? of : tlp;
    }
    if (opt->with_observed_data)
        qsort(ord, n, sizeof *ord, stricter_first);
    for (size_t oi = 0; oi < n; oi++) {
        const struct sol_match_hit *h = &hits[ord[oi].hit];
        if (!h->count)
            continue;
        struct sol_match_indicator ind;
        sol_match_index_get(idx, h->indicator, &ind);
        const char *marking = sol_tlp_marking_id((enum sol_tlp)ord[oi].tlp);
        sol_time_format(h->first_seen, 6, fs);
        sol_time_format(h->last_seen, 6, ls);
        uint64_t count = h->count > 999999999 ? 999999999 : h->count; /* §5.6: at most */
        struct sol_sighting_prior prior, v;
        memset(&prior, 0, sizeof prior);
        bool again = opt->prior && opt->prior(opt->ud, h, ind.id, &prior);
        memset(&v, 0, sizeof v);
        if (again) {
            /* §3.6: a new version keeps the id and created, and is modified later. */
            snprintf(v.id, sizeof v.id, "%s", prior.id);
            v.created = prior.created;
            bool same = prior.count == count && prior.last_seen == h->last_seen;
            v.modified = same ? prior.modified : now > prior.modified ? now : prior.modified + 1000;
            snprintf(v.observed_data_ref, sizeof v.observed_data_ref, "%s",
                     prior.observed_data_ref);
        } else {
            new_id(v.id, sizeof v.id, "sighting");
            v.created = v.modified = now;
        }
        v.count = count;
        v.last_seen = h->last_seen;
        char created[40], modified[40];
        sol_time_format(v.created, 3, created);
        sol_time_format(v.modified, 3, modified);
        if (opt->with_observed_data && h->observation && !v.observed_data_ref[0]) {
            int rc = write_observation(w, h, opt->identity_id, created, marking,
                                       v.observed_data_ref, sizeof v.observed_data_ref, &written);
            if (rc < 0) {
                idset_free(&written);
                sol_free(ord);
                return rc;
            }
            if (rc == 0) {
                v.observed_data_ref[0] = 0;
                if (opt->observations_left_out)
                    (*opt->observations_left_out)++;
            }
        }
        sol_jw_object_begin(w);
        sol_jw_key(w, "type");
        sol_jw_string(w, "sighting");
        sol_jw_key(w, "spec_version");
        sol_jw_string(w, "2.1");
        sol_jw_key(w, "id");
        sol_jw_string(w, v.id);
        sol_jw_key(w, "created");
        sol_jw_string(w, created);
        sol_jw_key(w, "modified");
        sol_jw_string(w, modified);
        sol_jw_key(w, "created_by_ref");
        sol_jw_string(w, opt->identity_id);
        sol_jw_key(w, "count");
        sol_jw_uint(w, count);
        sol_jw_key(w, "first_seen");
        sol_jw_string(w, fs);
        sol_jw_key(w, "last_seen");
        sol_jw_string(w, ls);
        sol_jw_key(w, "sighting_of_ref");
        sol_jw_string(w, ind.id);
        sol_jw_key(w, "where_sighted_refs");
        sol_jw_array_begin(w);
        sol_jw_string(w, opt->identity_id);
        sol_jw_array_end(w);
        if (v.observed_data_ref[0]) {
            sol_jw_key(w, "observed_data_refs");
            sol_jw_array_begin(w);
            sol_jw_string(w, v.observed_data_ref);
            sol_jw_array_end(w);
        }
        if (h->ncontext)
            write_context(w, h);
        write_marking(w, marking);
        sol_jw_object_end(w);
        if (opt->written)
            opt->written(opt->ud, h, &v);
    }
    idset_free(&written);
    sol_free(ord);
    return w->out->oom ? SOL_ENOMEM : 0;
}
