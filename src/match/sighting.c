/*
 * sighting.c — hits as STIX 2.1 sightings (§5.1 "sighting" SRO): one per indicator per
 * scan, with count, first_seen, last_seen, sighting_of_ref and where_sighted_refs.
 */
#include <string.h>

#include "match/match.h"
#include "solidarity/error.h"

/* The namespace of our sighting ids (a UUIDv5 of "solidarity sighting"). */
static const struct sol_uuid sighting_ns = {{0x5d, 0x2a, 0x7c, 0x41, 0x8e, 0x0b, 0x4f, 0x6a,
                                             0x9b, 0x13, 0x6e, 0x52, 0xc4, 0x0d, 0x77, 0x19}};

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
        memcpy(id, "sighting--", 10);
        sol_uuid_format(&u, id + 10);
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
        sol_jw_object_end(w);
    }
    return w->out->oom ? SOL_ENOMEM : 0;
}
