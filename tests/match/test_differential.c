/*
 * test_differential.c — the fast engine against the reference evaluator.
 *
 * Random indicator sets (every pattern form the index handles: equalities, IN, CIDR,
 * LIKE, MATCHES, AND/OR inside a bracket, negations and references that can only be
 * evaluated, OR and START/STOP over brackets, and patterns over several observations:
 * AND, FOLLOWEDBY, WITHIN, REPEATS) meet random observation streams.
 * Each observation is built twice, independently: as the scanner's sol_obs and as STIX
 * JSON for sol_pattern_match(). For patterns of one observation, the indicators the
 * scanner reports for each observation must be exactly those the reference matches on
 * that observation alone; for patterns of several, an indicator must be sighted in a
 * stream exactly when the reference matches the whole stream. A third of the
 * observations span an interval (as observed-data do), so that the time windows (WITHIN,
 * START/STOP, FOLLOWEDBY) are held to the reference's rule for intervals at their
 * boundaries too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/json.h"
#include "solidarity/match.h"
#include "solidarity/pattern.h"

static unsigned long rng_state = 1;

static unsigned
rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)((rng_state >> 33) % n);
}

static const char *const domains[] = {"a.example",    "b.example",    "c.example", "mail.a.example",
                                      "x1.evil.test", "x2.evil.test", "d0.test",   "d17.test"};
static const char *const ips[] = {"10.0.0.1", "10.0.0.2",   "10.0.1.7",
                                  "10.1.2.3", "192.0.2.10", "192.0.2.200"};
static const char *const hashes[] = {
    "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
    "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0"};
/* résumé.pdf composed (NFC) and decomposed (NFD): LIKE and MATCHES see both in NFC
   (§9.6.1), = compares code points as written (§9.6.2). */
static const char *const names[] = {"a.exe", "b.apk", "setup.msi", "r\xc3\xa9sum\xc3\xa9.pdf",
                                    "re\xcc\x81sume\xcc\x81.pdf"};
static const unsigned ports[] = {53, 80, 443, 8443};

#define PICK(a) a[rnd(sizeof a / sizeof a[0])]

/* One bracket's comparison expression, as text. */
static void
comparison(char *out, size_t n)
{
    switch (rnd(17)) {
    case 0:
    case 1:
        snprintf(out, n, "domain-name:value = '%s'", PICK(domains));
        break;
    case 2:
        snprintf(out, n, "ipv4-addr:value = '%s'", PICK(ips));
        break;
    case 3:
        snprintf(out, n, "file:hashes.MD5 = '%s'", PICK(hashes));
        break;
    case 4:
        snprintf(out, n, "ipv4-addr:value ISSUBSET '%s'",
                 rnd(2)   ? "10.0.0.0/16"
                 : rnd(2) ? "192.0.2.128/25"
                          : "10.0.0.0/31");
        break;
    case 5:
        snprintf(out, n, "domain-name:value LIKE '%s'",
                 rnd(2)   ? "%.evil.test"
                 : rnd(2) ? "_.example"
                          : "d%");
        break;
    case 6:
        snprintf(out, n, "domain-name:value MATCHES '%s'",
                 rnd(2)   ? "^x[0-9]\\\\."
                 : rnd(2) ? "example$"
                          : "a\\\\.ex");
        break;
    case 7:
        snprintf(out, n, "domain-name:value IN ('%s', '%s')", PICK(domains), PICK(domains));
        break;
    case 8:
        snprintf(out, n, "file:hashes.MD5 = '%s' AND file:name = '%s'", PICK(hashes), PICK(names));
        break;
    case 9:
        snprintf(out, n, "domain-name:value = '%s' OR ipv4-addr:value = '%s'", PICK(domains),
                 PICK(ips));
        break;
    case 10:
        snprintf(out, n, "domain-name:value != '%s'", PICK(domains));
        break;
    case 11:
        snprintf(out, n, "network-traffic:dst_port = %u AND network-traffic:dst_ref.value = '%s'",
                 ports[rnd(4)], PICK(ips));
        break;
    case 12:
        snprintf(out, n, "file:name = '%s' AND file:hashes.MD5 LIKE '%%%c'", PICK(names),
                 "0123456789abcdef"[rnd(16)]);
        break;
    case 14:
        snprintf(out, n, "file:name LIKE '%s'", rnd(2) ? "r_sum_.pdf" : "%%\xc3\xa9.pdf");
        break;
    case 15:
        snprintf(out, n, "file:name MATCHES '%s'",
                 rnd(2) ? "^r\xc3\xa9sum" : "^re\xcc\x81sume\xcc\x81\\\\.pdf$");
        break;
    case 16:
        snprintf(out, n, "file:name = '%s' AND file:hashes.MD5 = '%s'", PICK(names), PICK(hashes));
        break;
    default:
        snprintf(out, n, "domain-name:value = '%s' AND domain-name:value NOT LIKE 'x%%'",
                 PICK(domains));
        break;
    }
}

/* A pattern: one bracket mostly, sometimes several joined by observation operators. */
static bool
pattern(char *out, size_t n)
{
    char a[256], b[256];
    comparison(a, sizeof a);
    unsigned k = rnd(10);
    if (k < 6) {
        snprintf(out, n, "[%s]", a);
        return false;
    }
    comparison(b, sizeof b);
    if (rnd(4) == 0) {
        /* Forms over one observation at a time: OR across brackets, START/STOP. */
        if (rnd(2))
            snprintf(out, n, "[%s] OR [%s]", a, b);
        else
            snprintf(out, n, "[%s] START t'2024-06-10T06:13:%02uZ' STOP t'2024-06-10T06:14:%02uZ'",
                     a, 20 + rnd(40), rnd(60));
        return false;
    }
    switch (k) {
    case 6:
        snprintf(out, n, "[%s] AND [%s]", a, b);
        return true;
    case 7:
        snprintf(out, n, "[%s] FOLLOWEDBY [%s]", a, b);
        return true;
    case 8:
        snprintf(out, n, "([%s] FOLLOWEDBY [%s]) WITHIN %u SECONDS", a, b, 5 + rnd(20));
        return true;
    default:
        snprintf(out, n, "[%s] REPEATS %u TIMES", a, 2 + rnd(2));
        return true;
    }
}

/* Add a value object to both forms. */
static int
add_value(struct sol_obs *obs, struct sol_json_writer *w, int *k, const char *type, const char *v)
{
    int o = sol_obs_add_object(obs, type);
    sol_obs_add_str(obs, o, "value", v, strlen(v));
    char key[8];
    snprintf(key, sizeof key, "%d", (*k)++);
    sol_jw_key(w, key);
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_string(w, type);
    sol_jw_key(w, "value");
    sol_jw_string(w, v);
    sol_jw_object_end(w);
    return o;
}

/* One random observation, as sol_obs and as a 2.0-style objects dictionary. */
static void
observation(struct sol_obs *obs, struct sol_buf *json, sol_time_t t, sol_time_t last)
{
    sol_obs_reset(obs);
    obs->time = t;
    obs->time_last = last;
    sol_buf_reset(json);
    struct sol_json_writer w;
    sol_jw_init(&w, json, false);
    sol_jw_object_begin(&w);
    int k = 0;
    unsigned what = rnd(4);
    if (what == 0 || what == 3)
        add_value(obs, &w, &k, "domain-name", PICK(domains));
    if (what == 1 || what == 3)
        add_value(obs, &w, &k, "ipv4-addr", PICK(ips));
    if (what == 2) {
        const char *h = PICK(hashes), *nm = PICK(names);
        int o = sol_obs_add_object(obs, "file");
        sol_obs_add_str(obs, o, "hashes.MD5", h, strlen(h));
        sol_obs_add_str(obs, o, "name", nm, strlen(nm));
        sol_jw_key(&w, "0");
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "type");
        sol_jw_string(&w, "file");
        sol_jw_key(&w, "hashes");
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "MD5");
        sol_jw_string(&w, h);
        sol_jw_object_end(&w);
        sol_jw_key(&w, "name");
        sol_jw_string(&w, nm);
        sol_jw_object_end(&w);
        k++;
    }
    if (what == 1 && rnd(2)) {
        /* network-traffic to the address just added (object 0) */
        unsigned port = ports[rnd(4)];
        int o = sol_obs_add_object(obs, "network-traffic");
        sol_obs_add_ref(obs, o, "dst_ref", 0);
        sol_obs_add_int(obs, o, "dst_port", port);
        sol_jw_key(&w, "1");
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "type");
        sol_jw_string(&w, "network-traffic");
        sol_jw_key(&w, "dst_ref");
        sol_jw_string(&w, "0");
        sol_jw_key(&w, "dst_port");
        sol_jw_int(&w, port);
        sol_jw_object_end(&w);
    }
    sol_jw_object_end(&w);
}

#define NPAT   40
#define NOBS   24
#define ROUNDS 100

struct ref_obs {
    struct sol_json_doc *doc;
    struct sol_observation_object objs[8];
    struct sol_observation ob;
};

static int
to_ref(struct ref_obs *r, const struct sol_buf *json, sol_time_t t, sol_time_t last)
{
    const struct sol_json *root;
    if (sol_json_parse(r->doc, json->p, json->n, &root, NULL) != 0)
        return -1;
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    size_t k = 0;
    sol_json_iter_init(&it, root);
    while (sol_json_iter_next(&it, &key, &v) && k < 8) {
        r->objs[k].key = key;
        r->objs[k].value = v;
        k++;
    }
    sol_observation_sort_objects(r->objs, k);
    memset(&r->ob, 0, sizeof r->ob);
    r->ob.first_observed = t;
    r->ob.last_observed = last;
    r->ob.number_observed = 1;
    r->ob.objects = r->objs;
    r->ob.nobjects = k;
    return 0;
}

static bool
ref_match(const struct sol_pattern *p, const struct sol_observation *obs, size_t n)
{
    struct sol_pattern_result res;
    memset(&res, 0, sizeof res);
    int rc = sol_pattern_match(p, obs, n, NULL, &res, NULL);
    bool m = rc == 0 && res.matched;
    sol_pattern_result_free(&res);
    return m;
}

static void
test_differential(void)
{
    static struct sol_obs obs[NOBS];
    struct ref_obs ref[NOBS];
    struct sol_observation all[NOBS];
    struct sol_buf json;
    sol_buf_init(&json);
    for (int i = 0; i < NOBS; i++)
        ref[i].doc = sol_json_doc_new(NULL);
    long checks = 0, disagreements = 0, hits = 0;
    for (int round = 0; round < ROUNDS; round++) {
        rng_state = 1000 + (unsigned long)round;
        struct sol_match_index *idx = sol_match_index_new();
        struct sol_pattern *pats[NPAT];
        char text[NPAT][700];
        bool multi[NPAT];
        for (int i = 0; i < NPAT; i++) {
            multi[i] = pattern(text[i], sizeof text[i]);
            char id[64];
            snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i);
            struct sol_error err;
            int rc = sol_match_index_add(idx, id, NULL, text[i], strlen(text[i]), 0, 0, &err);
            if (rc)
                HARNESS_FAIL("%s: %s", text[i], err.msg);
            pats[i] = NULL;
            if (sol_pattern_parse(text[i], strlen(text[i]), NULL, &pats[i], &err) != 0)
                HARNESS_FAIL("reference parse %s: %s", text[i], err.msg);
        }
        struct sol_error err;
        CHECK_INT(sol_match_index_build(idx, &err), 0);
        struct sol_match_scanner *sc = sol_match_scanner_new(idx);
        sol_time_t t = (sol_time_t)1718000000 * 1000000;
        for (int k = 0; k < NOBS; k++) {
            t += (sol_time_t)rnd(6) * 1000000;
            /* A third span up to 15 s, in whole or half seconds, so that ends meet the
               windows' whole-second boundaries exactly. */
            sol_time_t tl = rnd(3) == 0 ? t + (sol_time_t)rnd(31) * 500000 : t;
            observation(&obs[k], &json, t, tl);
            if (to_ref(&ref[k], &json, t, tl) != 0)
                HARNESS_FAIL("observation JSON does not parse: %s", json.p);
            all[k] = ref[k].ob;
            sol_match_scan(sc, &obs[k]);
            size_t nl;
            const uint32_t *last = sol_match_scanner_last(sc, &nl);
            for (int i = 0; i < NPAT; i++) {
                if (multi[i] || !pats[i])
                    continue;
                bool engine = false;
                for (size_t j = 0; j < nl; j++)
                    engine = engine || last[j] == (uint32_t)i;
                bool reference = ref_match(pats[i], &ref[k].ob, 1);
                checks++;
                hits += reference;
                if (engine != reference && disagreements++ < 10)
                    printf("# round %d obs %d: %s: engine %d, reference %d on %s\n", round, k,
                           text[i], engine, reference, json.p);
            }
        }
        size_t nh;
        const struct sol_match_hit *h = sol_match_scanner_hits(sc, &nh);
        for (int i = 0; i < NPAT; i++) {
            if (!multi[i] || !pats[i])
                continue;
            bool engine = false;
            for (size_t j = 0; j < nh; j++)
                engine = engine || h[j].indicator == (uint32_t)i;
            bool reference = ref_match(pats[i], all, NOBS);
            checks++;
            hits += reference;
            if (engine != reference && disagreements++ < 10)
                printf("# round %d: %s: engine %d, reference %d over the stream\n", round, text[i],
                       engine, reference);
        }
        sol_match_scanner_free(sc);
        sol_match_index_free(idx);
        for (int i = 0; i < NPAT; i++)
            sol_pattern_free(pats[i]);
    }
    printf("# %ld comparisons, %ld reference matches, %ld disagreements\n", checks, hits,
           disagreements);
    CHECK(hits > checks / 20); /* the generator must produce matches, or this proves nothing */
    CHECK_INT(disagreements, 0);
    for (int i = 0; i < NOBS; i++)
        sol_json_doc_free(ref[i].doc);
    sol_buf_free(&json);
}

int
main(void)
{
    RUN(test_differential);
    return harness_done();
}
