/*
 * sighting.c — hits as STIX 2.1 sightings (§5.1 "sighting" SRO): one per indicator per
 * scan, with count, first_seen, last_seen, sighting_of_ref and where_sighted_refs.
 */
#include <string.h>

#include <stdio.h>

#include "match/match.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/stix.h"

/* The namespace of our sighting ids (a UUIDv5 of "solidarity sighting"). */
static const struct sol_uuid sighting_ns = {{0x5d, 0x2a, 0x7c, 0x41, 0x8e, 0x0b, 0x4f, 0x6a, 0x9b,
                                             0x13, 0x6e, 0x52, 0xc4, 0x0d, 0x77, 0x19}};

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

/* Write one SCO as STIX 2.1, its references as the ids of the objects they name. */
static void
write_sco(struct sol_json_writer *w, const struct sol_json *o, const char *id, char ids[][128],
          size_t n, const char *marking)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_value(w, sol_json_get(o, "type"));
    sol_jw_key(w, "spec_version");
    sol_jw_string(w, "2.1");
    if (id) {
        sol_jw_key(w, "id");
        sol_jw_string(w, id);
    }
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

/*
 * Write the SCOs of an observation and an observed-data object over them; its id goes to
 * od_id. SCO ids are the deterministic ones of STIX 2.1 §2.9 (objects without
 * references first, so that the others' ids can include theirs).
 */
static int
write_observation(struct sol_json_writer *w, const struct sol_match_hit *h, const char *seed,
                  const char *identity, const char *ts, const char *marking, char *od_id)
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
        rc = SOL_EINVAL;
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
            write_sco(&tw, o, NULL, ids, n, NULL);
            const struct sol_json *sco;
            struct sol_buf id;
            sol_buf_init(&id);
            if (!b.oom && sol_json_parse(one, b.p, b.n, &sco, NULL) == 0 &&
                sol_stix_sco_id(sco, &id) == 0 && id.n < sizeof ids[i]) {
                memcpy(ids[i], id.p, id.n);
            } else {
                /* No id contributing properties: a random (version 4) id (§2.9). */
                struct sol_uuid u;
                char t[37];
                sol_uuid_v4(&u);
                sol_uuid_format(&u, t);
                struct sol_str type = sol_json_str(sol_json_get(o, "type"));
                snprintf(ids[i], sizeof ids[i], "%.*s--%s", (int)(type.n > 80 ? 80 : type.n),
                         type.p ? type.p : "x", t);
            }
            sol_buf_free(&id);
        }
    }
    const struct sol_json *o = root + 1;
    for (size_t i = 0; i < n; i++, o += o->skip)
        write_sco(w, o, ids[i], ids, n, marking);
    struct sol_uuid u;
    sol_uuid_v5(&sighting_ns, seed, strlen(seed), &u);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): sol_uuid_format ends it */
    memcpy(od_id, "observed-data--", 15);
    sol_uuid_format(&u, od_id + 15);
    char t[40];
    sol_time_format(h->observation_time, 6, t);
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_string(w, "observed-data");
    sol_jw_key(w, "spec_version");
    sol_jw_string(w, "2.1");
    sol_jw_key(w, "id");
    sol_jw_string(w, od_id);
    sol_jw_key(w, "created_by_ref");
    sol_jw_string(w, identity);
    sol_jw_key(w, "created");
    sol_jw_string(w, ts);
    sol_jw_key(w, "modified");
    sol_jw_string(w, ts);
    sol_jw_key(w, "first_observed");
    sol_jw_string(w, t);
    sol_jw_key(w, "last_observed");
    sol_jw_string(w, t);
    sol_jw_key(w, "number_observed");
    sol_jw_int(w, 1);
    sol_jw_key(w, "object_refs");
    sol_jw_array_begin(w);
    for (size_t i = 0; i < n; i++)
        sol_jw_string(w, ids[i]);
    sol_jw_array_end(w);
    write_marking(w, marking);
    sol_jw_object_end(w);
    rc = 0;
out:
    sol_free(ids);
    sol_buf_free(&b);
    sol_json_doc_free(doc);
    sol_json_doc_free(one);
    return rc;
}

int
sol_match_write_sightings(const struct sol_match_index *idx, const struct sol_match_hit *hits,
                          size_t n, const struct sol_sighting_options *opt,
                          struct sol_json_writer *w)
{
    sol_time_t now = opt->now ? opt->now : sol_time_now();
    char ts[40], fs[40], ls[40];
    sol_time_format(now, 3, ts);
    for (size_t i = 0; i < n; i++) {
        const struct sol_match_hit *h = &hits[i];
        struct sol_match_indicator ind;
        sol_match_index_get(idx, h->indicator, &ind);
        sol_time_format(h->first_seen, 6, fs);
        sol_time_format(h->last_seen, 6, ls);
        /* Same indicator, same node, same first hit: the same sighting, re-run or not. */
        char name[512];
        int nn = snprintf(name, sizeof name, "%s|%s|%s", ind.id, opt->identity_id, fs);
        struct sol_uuid u;
        sol_uuid_v5(&sighting_ns, name, nn > 0 ? (size_t)nn : 0, &u);
        char id[64];
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): sol_uuid_format ends it */
        memcpy(id, "sighting--", 10);
        sol_uuid_format(&u, id + 10);
        int tlp = opt->tlp;
        int of = opt->indicator_tlp ? opt->indicator_tlp(opt->tlp_ud, ind.id) : 0;
        if (of > tlp)
            tlp = of;
        const char *marking = sol_tlp_marking_id((enum sol_tlp)tlp);
        char od_id[64] = "";
        if (opt->with_observed_data && h->observation) {
            int rc = write_observation(w, h, name, opt->identity_id, ts, marking, od_id);
            if (rc == SOL_ENOMEM)
                return rc;
            if (rc)
                od_id[0] = 0;
        }
        sol_jw_object_begin(w);
        sol_jw_key(w, "type");
        sol_jw_string(w, "sighting");
        sol_jw_key(w, "spec_version");
        sol_jw_string(w, "2.1");
        sol_jw_key(w, "id");
        sol_jw_string(w, id);
        sol_jw_key(w, "created");
        sol_jw_string(w, ts);
        sol_jw_key(w, "modified");
        sol_jw_string(w, ts);
        sol_jw_key(w, "created_by_ref");
        sol_jw_string(w, opt->identity_id);
        sol_jw_key(w, "count");
        sol_jw_uint(w, h->count > 999999999 ? 999999999 : h->count); /* §5.1: at most 999999999 */
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
        if (od_id[0]) {
            sol_jw_key(w, "observed_data_refs");
            sol_jw_array_begin(w);
            sol_jw_string(w, od_id);
            sol_jw_array_end(w);
        }
        write_marking(w, marking);
        sol_jw_object_end(w);
    }
    return w->out->oom ? SOL_ENOMEM : 0;
}
