/*
 * scan.c — matching observations against the index.
 *
 * For each string property of an observation the scanner finds its key space (a small
 * cache in front of the index's map), looks the normalised value up in the exact table,
 * the prefix tables and the space's Vectorscan database, and gets targets: indicators
 * whose key alone decides, or brackets to confirm. A bracket that is a single test is
 * confirmed here; any other is confirmed by the reference evaluator on the observation
 * converted to STIX objects, so that the two cannot disagree. Patterns over several
 * observations keep a bounded buffer of the observations that satisfied one of their
 * brackets and are evaluated by the reference evaluator on that buffer.
 *
 * Time: an observation is the instant obs->time, or the interval [time, time_last] of an
 * observed-data. Its time goes to the reference evaluator as [first_observed,
 * last_observed], so windows follow the evaluator's rule for intervals (some instant of
 * each, pattern.h), which for an instant is the plain rule.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "match/match.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/pattern.h"

#define MULTI_CAP  32
#define LAST_CAP   256
#define CACHE_SIZE 256

struct multi_entry {
    sol_time_t first, last;
    struct sol_buf text;
    struct sol_json_doc *doc;
    struct sol_observation_object objs[SOL_OBS_MAX_OBJECTS];
    size_t nobj;
};

/* The observations that satisfied a bracket of one multi-observation pattern. */
struct multi_state {
    size_t n, head;
    uint64_t last_event;
    struct multi_entry e[MULTI_CAP];
};

/* A cache of key spaces by (type, path). Readers hand out the same strings again and
   again; the cache also keeps copies, since a pointer may come back with other text. */
struct space_cache {
    const char *type, *path;
    uint16_t type_n, path_n;
    int sp;
    char tcopy[32], pcopy[64];
};

struct hitslot {
    uint32_t key; /* indicator + 1; 0 = empty */
    struct sol_match_hit h;
};

static void context_free(struct sol_match_scanner *sc);

struct sol_match_scanner {
    const struct sol_match_index *idx;
    uint64_t event;
    sol_time_t now, t, t_last; /* the observation's [t, t_last] */
    const struct sol_obs *obs;
    uint64_t *leaf_seen; /* per leaf: the event it was last decided in */
    uint32_t last[LAST_CAP];
    size_t nlast, completed;
    struct space_cache cache[CACHE_SIZE];
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    /* The observation as STIX objects, made when a bracket needs the reference. */
    uint64_t json_event;
    bool json_ok;
    struct sol_buf json;
    struct sol_buf nfc_scan, nfc_test; /* NFC forms for the prefilter and for confirming */
    struct sol_json_doc *doc;
    struct sol_observation_object objs[SOL_OBS_MAX_OBJECTS];
    size_t nobj;
    struct multi_state **multi; /* per pattern, made on first use */
    struct hitslot *hits;
    size_t hits_cap, hits_n;
    bool keep; /* keep each hit's first observation */
    struct sol_match_hit *sorted;
    bool oom;
    /* Validity (match.h): judged at the event's time, at any time, or at as_of. */
    enum sol_match_validity validity;
    sol_time_t as_of;
    uint32_t dropped_now[LAST_CAP]; /* indicators not counted in this observation */
    size_t ndropped_now;
    struct sol_match_counts counts;
    /* Detection context: how many hits to keep, the property whose key led to the
       target being decided now (NULL: none), and the log names seen. */
    unsigned keep_context;
    const struct sol_obs_prop *trigger;
    char **sources;
    size_t nsources;
    /* Deferred correlation (match.h internals): observations that satisfy a bracket of a
       pattern over several observations become candidates instead of being evaluated. */
    bool defer;
    uint32_t stream;
    uint64_t order_base;
    uint64_t *cand_event; /* per pattern: the event it was last made a candidate in */
    struct sol__mcand *cands;
    size_t ncands, capcands, cand_bytes;
    const struct sol__mcand *feeding; /* the candidate sol__mscan_feed() evaluates */
};

static const char *const obj_keys[SOL_OBS_MAX_OBJECTS] = {
    "0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63"};

struct sol_match_scanner *
sol_match_scanner_new(const struct sol_match_index *idx)
{
    struct sol_match_scanner *sc = sol_calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->idx = idx;
    sc->now = sol_time_now();
    sol_buf_init(&sc->json);
    sol_buf_init(&sc->nfc_scan);
    sol_buf_init(&sc->nfc_test);
    sc->leaf_seen = sol_calloc(idx->nleaves + 1, sizeof *sc->leaf_seen);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    sc->multi = sol_calloc(idx->npats + 1, sizeof *sc->multi);
    sc->doc = sol_json_doc_new(NULL);
    sc->md = pcre2_match_data_create(32, NULL);
    sc->mctx = pcre2_match_context_create(NULL);
    if (!sc->leaf_seen || !sc->multi || !sc->doc || !sc->md || !sc->mctx)
        goto fail;
    pcre2_set_match_limit(sc->mctx, 100000);
    for (size_t i = 0; i < idx->nhs; i++)
        if (hs_alloc_scratch(idx->hs[i].db, &sc->scratch) != HS_SUCCESS)
            goto fail;
    for (size_t i = 0; i < CACHE_SIZE; i++)
        sc->cache[i].sp = -2;
    return sc;
fail:
    sol_match_scanner_free(sc);
    return NULL;
}

void
sol_match_scanner_free(struct sol_match_scanner *sc)
{
    if (!sc)
        return;
    if (sc->multi) {
        for (size_t i = 0; i < sc->idx->npats; i++) {
            struct multi_state *m = sc->multi[i];
            if (!m)
                continue;
            for (size_t k = 0; k < MULTI_CAP; k++) {
                sol_buf_free(&m->e[k].text);
                sol_json_doc_free(m->e[k].doc);
            }
            sol_free(m);
        }
    }
    sol_free(sc->multi);
    sol_free(sc->leaf_seen);
    sol_buf_free(&sc->json);
    sol_buf_free(&sc->nfc_scan);
    sol_buf_free(&sc->nfc_test);
    sol_json_doc_free(sc->doc);
    if (sc->md)
        pcre2_match_data_free(sc->md);
    if (sc->mctx)
        pcre2_match_context_free(sc->mctx);
    if (sc->scratch)
        hs_free_scratch(sc->scratch);
    for (size_t i = 0; i < sc->hits_cap; i++) {
        sol_free((void *)(uintptr_t)sc->hits[i].h.observation);
        sol_free((void *)(uintptr_t)sc->hits[i].h.context);
    }
    sol__mcand_free(sc->cands, sc->ncands);
    sol_free(sc->cand_event);
    context_free(sc);
    sol_free(sc->hits);
    sol_free(sc->sorted);
    sol_free(sc);
}

/* ---- Hits ---- */

static struct sol_match_hit *
hit_slot(struct sol_match_scanner *sc, uint32_t ind)
{
    if ((sc->hits_n + 1) * 4 > sc->hits_cap * 3) {
        size_t nc = sc->hits_cap ? sc->hits_cap * 2 : 256;
        struct hitslot *nh = sol_calloc(nc, sizeof *nh);
        if (!nh) {
            sc->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < sc->hits_cap; i++) {
            if (!sc->hits[i].key)
                continue;
            size_t j = (size_t)(uint32_t)(sc->hits[i].key * 2654435761u) & (nc - 1);
            while (nh[j].key)
                j = (j + 1) & (nc - 1);
            nh[j] = sc->hits[i];
        }
        sol_free(sc->hits);
        sc->hits = nh;
        sc->hits_cap = nc;
    }
    uint32_t key = ind + 1;
    size_t j = (size_t)(uint32_t)(key * 2654435761u) & (sc->hits_cap - 1);
    while (sc->hits[j].key && sc->hits[j].key != key)
        j = (j + 1) & (sc->hits_cap - 1);
    if (!sc->hits[j].key) {
        sc->hits[j].key = key;
        sc->hits[j].h.indicator = ind;
        sc->hits[j].h.count = 0;
        sc->hits[j].h.observation = NULL;
        sc->hits[j].h.context = NULL;
        sc->hits[j].h.ncontext = 0;
        sc->hits_n++;
    }
    return &sc->hits[j].h;
}

static bool make_json(struct sol_match_scanner *sc);

/* Keep text as the observation of hit h (replacing an older one). */
static void
keep_observation(struct sol_match_scanner *sc, struct sol_match_hit *h, const char *text, size_t n,
                 sol_time_t t)
{
    char *copy = sol_strndup(text, n);
    if (!copy) {
        sc->oom = true;
        return;
    }
    sol_free((void *)(uintptr_t)h->observation);
    h->observation = copy;
    h->observation_time = t;
}

/* ---- Detection context ---- */

static void
context_free(struct sol_match_scanner *sc)
{
    for (size_t i = 0; i < sc->nsources; i++)
        sol_free(sc->sources[i]);
    sol_free(sc->sources);
    sc->sources = NULL;
    sc->nsources = 0;
}

/* The scanner's own copy of a log's name (logs are few: a list will do). */
static const char *
intern_source(struct sol_match_scanner *sc, const char *name)
{
    if (!name)
        return "";
    for (size_t i = sc->nsources; i-- > 0;)
        if (strcmp(sc->sources[i], name) == 0)
            return sc->sources[i];
    char **ns = sol_realloc(sc->sources, (sc->nsources + 1) * sizeof *ns);
    if (!ns) {
        sc->oom = true;
        return NULL;
    }
    sc->sources = ns;
    if (!(ns[sc->nsources] = sol_strdup(name))) {
        sc->oom = true;
        return NULL;
    }
    return ns[sc->nsources++];
}

/*
 * Add c to h's kept contexts, in time order, keeping the earliest keep_context (the
 * source must be the scanner's own). An earlier hit may arrive later when threads or
 * interval observations are merged.
 */
/* The order of kept contexts: by time, then log and place, so that what is kept does
   not depend on the order threads and parts were read in. */
static bool
context_before(const struct sol_match_context *a, const struct sol_match_context *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    int c = strcmp(a->source, b->source);
    if (c)
        return c < 0;
    return a->offset < b->offset;
}

static void
add_context(struct sol_match_scanner *sc, struct sol_match_hit *h,
            const struct sol_match_context *c)
{
    unsigned max = sc->keep_context;
    if (h->ncontext == max && !context_before(c, &h->context[max - 1]))
        return;
    struct sol_match_context *v = (struct sol_match_context *)(uintptr_t)h->context;
    if (!v) {
        v = sol_malloc(max * sizeof *v);
        if (!v) {
            sc->oom = true;
            return;
        }
        h->context = v;
    }
    uint32_t at = h->ncontext < max ? h->ncontext : max - 1;
    while (at > 0 && context_before(c, &v[at - 1])) {
        v[at] = v[at - 1];
        at--;
    }
    v[at] = *c;
    if (h->ncontext < max)
        h->ncontext++;
}

static void
copy_text(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

/* The context of the current observation, and of the value that led here; false when
   out of memory. */
static bool
fill_context(struct sol_match_scanner *sc, struct sol_match_context *c, sol_time_t t)
{
    c->source = intern_source(sc, sc->obs->source);
    if (!c->source)
        return false;
    c->line = sc->obs->line;
    c->offset = sc->obs->offset;
    c->time = t;
    c->field[0] = c->property[0] = c->value[0] = 0;
    const struct sol_obs_prop *p = sc->trigger;
    if (p) {
        const struct sol_obs_object *o = &sc->obs->obj[p->obj];
        if (p->field)
            copy_text(c->field, sizeof c->field, p->field, strlen(p->field));
        snprintf(c->property, sizeof c->property, "%.*s:%.*s", (int)o->type_n, o->type,
                 (int)p->path_n, p->path);
        copy_text(c->value, sizeof c->value, p->s ? p->s : "", p->n);
    }
    return true;
}

static void
capture_context(struct sol_match_scanner *sc, struct sol_match_hit *h, sol_time_t t)
{
    if (h->ncontext == sc->keep_context && t > h->context[h->ncontext - 1].time)
        return;
    struct sol_match_context c;
    if (fill_context(sc, &c, t))
        add_context(sc, h, &c);
}

/* Whether text at time t should replace h's kept observation: the earliest, and of
   those at one time the least text, so that the choice does not depend on read order. */
static bool
earlier_observation(const struct sol_match_hit *h, sol_time_t t, const char *text)
{
    if (!h->observation || t < h->observation_time)
        return true;
    return t == h->observation_time && strcmp(text, h->observation) < 0;
}

static void
record(struct sol_match_scanner *sc, uint32_t ind, uint64_t count, sol_time_t first,
       sol_time_t last)
{
    struct sol_match_hit *h = hit_slot(sc, ind);
    if (!h)
        return;
    /* The earliest observation, whatever the order logs are read in (as merge keeps). */
    if (sc->keep && sc->feeding && earlier_observation(h, sc->t, sc->feeding->json))
        keep_observation(sc, h, sc->feeding->json, sc->feeding->json_n, sc->t);
    else if (sc->keep && !sc->feeding && sc->obs &&
             (!h->observation || sc->t <= h->observation_time) && make_json(sc) &&
             earlier_observation(h, sc->t, sc->json.p))
        keep_observation(sc, h, sc->json.p, sc->json.n, sc->t);
    if (sc->keep_context && sc->feeding && sc->feeding->ctx) {
        struct sol_match_context c = *sc->feeding->ctx;
        if ((c.source = intern_source(sc, c.source)) != NULL)
            add_context(sc, h, &c);
    } else if (sc->keep_context && sc->obs) {
        capture_context(sc, h, sc->t);
    }
    if (!h->count || first < h->first_seen)
        h->first_seen = first;
    if (!h->count || last > h->last_seen)
        h->last_seen = last;
    h->count += count;
}

/*
 * Is indicator mi live (not replaced) and valid at some instant of [first, last]? Its
 * validity is [from_s, until_s) in whole seconds (from rounded down, until up).
 */
static bool
valid_during(const struct sol__mind *mi, sol_time_t first, sol_time_t last)
{
    if (mi->pat & SOL__MIND_DEAD)
        return false;
    int64_t first_s = first / 1000000, last_s = last / 1000000;
    return last_s >= (int64_t)mi->from_s &&
           (mi->until_s == UINT32_MAX || first_s < (int64_t)mi->until_s);
}

/*
 * Whether a match of indicator ind over [first, last] counts, as the scanner's validity
 * mode judges it; a match outside the indicator's validity at the event's own time is
 * counted as such in every mode, and one that does not count as dropped, so that the
 * summary can say what was left out.
 */
static bool
counts(struct sol_match_scanner *sc, uint32_t ind, sol_time_t first, sol_time_t last)
{
    const struct sol__mind *mi = &sc->idx->ind[ind];
    if (mi->pat & SOL__MIND_DEAD)
        return false;
    bool in_time = valid_during(mi, first, last);
    bool ok = sc->validity == SOL_MATCH_VALID_ANY     ? true
              : sc->validity == SOL_MATCH_VALID_AS_OF ? valid_during(mi, sc->as_of, sc->as_of)
                                                      : in_time;
    if (!in_time)
        sc->counts.outside++;
    if (!ok)
        sc->counts.dropped++;
    return ok;
}

/* An indicator matched this observation: count it once per observation. */
static void
indicator_hit(struct sol_match_scanner *sc, uint32_t ind)
{
    for (size_t i = 0; i < sc->nlast; i++)
        if (sc->last[i] == ind)
            return;
    for (size_t i = 0; i < sc->ndropped_now; i++)
        if (sc->dropped_now[i] == ind)
            return;
    if (!counts(sc, ind, sc->t, sc->t_last)) {
        if (sc->ndropped_now < LAST_CAP)
            sc->dropped_now[sc->ndropped_now++] = ind;
        return;
    }
    if (sc->nlast < LAST_CAP)
        sc->last[sc->nlast++] = ind;
    sc->completed++;
    record(sc, ind, 1, sc->t, sc->t_last);
}

/* ---- The observation as STIX objects ---- */

/* Compare paths component by component ('.' sorts before every other byte). */
static int
path_cmp(const struct sol_obs_prop *a, const struct sol_obs_prop *b)
{
    size_t n = a->path_n < b->path_n ? a->path_n : b->path_n;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a->path[i], y = (unsigned char)b->path[i];
        if (x == y)
            continue;
        if (x == '.')
            return -1;
        if (y == '.')
            return 1;
        return x < y ? -1 : 1;
    }
    return (int)a->path_n - (int)b->path_n;
}

static bool
is_list_path(const char *p, size_t n)
{
    return (n >= 5 && memcmp(p + n - 5, "_refs", 5) == 0) ||
           (n >= 9 && memcmp(p + n - 9, "protocols", 9) == 0);
}

/*
 * A value as the index sees it: hashes, domain names and e-mail addresses in their
 * normal form (match.h), so that a bracket confirmed by the reference evaluator and a
 * one-equality pattern decided by its key agree on them.
 */
#define SEEN_MAX 1024

/*
 * The form of a string value every bracket sees (match.h): of norm DOMAIN, LOWER and
 * HASH in lower case, a domain name without its trailing dot; else as it is. Returns the
 * value itself or buf (SEEN_MAX bytes), with its length in *out_n.
 */
static const char *
seen_form(enum sol__mnorm norm, const char *s, size_t n, char *buf, size_t *out_n)
{
    *out_n = n;
    if (norm == SOL__MNORM_PLAIN || norm == SOL__MNORM_IP || n > SEEN_MAX)
        return s ? s : "";
    if (norm == SOL__MNORM_DOMAIN && n > 0 && s[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    *out_n = n;
    return buf;
}

static void
write_string(struct sol_json_writer *w, const struct sol_obs_object *o,
             const struct sol_obs_prop *p)
{
    enum sol__mnorm norm = sol__mnorm_of(o->type, o->type_n, p->path, p->path_n);
    char buf[SEEN_MAX];
    size_t n;
    const char *v = seen_form(norm, p->s, p->n, buf, &n);
    sol_jw_stringn(w, v, n);
}

/*
 * What LIKE and MATCHES test (STIX 2.1 §9.6.1: the string in Unicode NFC, as the
 * reference evaluator puts it): the value in the form every bracket sees, then in NFC
 * into nfc when it is not ASCII (ASCII is its own NFC). Returns it, length in *out_n.
 */
static const char *
like_form(struct sol_match_scanner *sc, enum sol__mnorm norm, const struct sol_obs_prop *p,
          struct sol_buf *nfc, char *buf, size_t *out_n)
{
    size_t n;
    const char *v = seen_form(norm, p->s, p->n, buf, &n);
    *out_n = n;
    size_t i = 0;
    while (i < n && (unsigned char)v[i] < 0x80)
        i++;
    if (i == n)
        return v;
    sol_buf_reset(nfc);
    if (sol_pattern_nfc(v, n, nfc) == SOL_ENOMEM) {
        sc->oom = true;
        return v;
    }
    *out_n = nfc->n;
    return nfc->p ? nfc->p : "";
}

static void
write_value(struct sol_json_writer *w, const struct sol_obs_object *o, const struct sol_obs_prop *p)
{
    switch (p->kind) {
    case SOL_OBS_INT:
        sol_jw_int(w, p->i);
        break;
    case SOL_OBS_BOOL:
        sol_jw_bool(w, p->i != 0);
        break;
    case SOL_OBS_REF:
        sol_jw_string(w, p->i >= 0 && p->i < SOL_OBS_MAX_OBJECTS ? obj_keys[p->i] : "");
        break;
    default:
        write_string(w, o, p);
        break;
    }
}

static void
write_object(struct sol_json_writer *w, const struct sol_obs *obs, uint32_t o)
{
    const struct sol_obs_prop *ps[SOL_OBS_MAX_PROPS];
    size_t n = 0;
    for (uint32_t i = 0; i < obs->nprop; i++)
        if (obs->prop[i].obj == o)
            ps[n++] = &obs->prop[i];
    /* Insertion sort: stable, and objects have a handful of properties. */
    for (size_t i = 1; i < n; i++) {
        const struct sol_obs_prop *x = ps[i];
        size_t j = i;
        while (j > 0 && path_cmp(ps[j - 1], x) > 0) {
            ps[j] = ps[j - 1];
            j--;
        }
        ps[j] = x;
    }
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_stringn(w, obs->obj[o].type, obs->obj[o].type_n);
    struct sol_str open[16];
    size_t nopen = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ps[j]->path_n == ps[i]->path_n &&
               memcmp(ps[j]->path, ps[i]->path, ps[i]->path_n) == 0)
            j++;
        /* Split the path; an empty one (a property named "") is one empty component. */
        struct sol_str comp[16];
        size_t nc = 0;
        const char *p = ps[i]->path, *end = p + ps[i]->path_n;
        do {
            const char *dot = memchr(p, '.', (size_t)(end - p));
            const char *e = dot ? dot : end;
            comp[nc].p = p;
            comp[nc].n = (size_t)(e - p);
            nc++;
            p = dot ? dot + 1 : end;
        } while (p < end && nc < 16);
        size_t common = 0;
        while (common < nopen && common + 1 < nc && sol_str_eq(open[common], comp[common]))
            common++;
        while (nopen > common) {
            sol_jw_object_end(w);
            nopen--;
        }
        while (nopen + 1 < nc) {
            sol_jw_keyn(w, comp[nopen].p, comp[nopen].n);
            sol_jw_object_begin(w);
            open[nopen] = comp[nopen];
            nopen++;
        }
        sol_jw_keyn(w, comp[nc - 1].p, comp[nc - 1].n);
        if (j - i > 1 || is_list_path(ps[i]->path, ps[i]->path_n)) {
            sol_jw_array_begin(w);
            for (size_t k = i; k < j; k++)
                write_value(w, &obs->obj[o], ps[k]);
            sol_jw_array_end(w);
        } else {
            write_value(w, &obs->obj[o], ps[i]);
        }
        i = j;
    }
    while (nopen--)
        sol_jw_object_end(w);
    sol_jw_object_end(w);
}

/* Parse text (a JSON array of objects) into doc and objs; returns the count or -1. */
static int
parse_objects(struct sol_json_doc *doc, const struct sol_buf *text,
              struct sol_observation_object *objs)
{
    const struct sol_json *root;
    if (sol_json_parse(doc, text->p, text->n, &root, NULL) != 0)
        return -1;
    struct sol_json_iter it;
    const struct sol_json *v;
    size_t k = 0;
    sol_json_iter_init(&it, root);
    while (sol_json_iter_next(&it, NULL, &v) && k < SOL_OBS_MAX_OBJECTS) {
        objs[k].key = sol_str_c(obj_keys[k]);
        objs[k].value = v;
        k++;
    }
    return (int)k;
}

static bool
make_json(struct sol_match_scanner *sc)
{
    if (sc->json_event == sc->event)
        return sc->json_ok;
    sc->json_event = sc->event;
    sc->json_ok = false;
    sol_buf_reset(&sc->json);
    struct sol_json_writer w;
    sol_jw_init(&w, &sc->json, false);
    sol_jw_array_begin(&w);
    for (uint32_t o = 0; o < sc->obs->nobj; o++)
        write_object(&w, sc->obs, o);
    sol_jw_array_end(&w);
    if (sc->json.oom) {
        sc->oom = true;
        return false;
    }
    int k = parse_objects(sc->doc, &sc->json, sc->objs);
    if (k < 0)
        return false;
    sc->nobj = (size_t)k;
    sc->json_ok = true;
    return true;
}

static bool
reference_match(struct sol_match_scanner *sc, const struct sol_pattern *p)
{
    if (!make_json(sc))
        return false;
    struct sol_observation ob = {
        .id = {"", 0},
        .first_observed = sc->t,
        .last_observed = sc->t_last,
        .number_observed = 1,
        .objects = sc->objs,
        .nobjects = sc->nobj,
    };
    struct sol_pattern_result res;
    memset(&res, 0, sizeof res);
    int rc = sol_pattern_match(p, &ob, 1, NULL, &res, NULL);
    bool m = rc == 0 && res.matched;
    sol_pattern_result_free(&res);
    return m;
}

/* ---- Single tests ---- */

static bool
ip_in(const char *v, size_t n, const struct sol_pattern_net *net, bool want6)
{
    uint8_t a[16];
    bool v6, has_len;
    unsigned len;
    if (sol__mip_parse(v, n, a, &v6, &len, &has_len) < 0 || v6 != want6)
        return false;
    if ((net->family == 6) != v6 || len < net->prefix)
        return false;
    unsigned full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(a, net->addr, full) != 0)
        return false;
    if (rest) {
        uint8_t m = (uint8_t)(0xff << (8 - rest));
        if ((a[full] & m) != (net->addr[full] & m))
            return false;
    }
    return true;
}

static bool
const_equal(const struct sol__mspace *s, const struct sol_obs_prop *p,
            const struct sol_pattern_const *c)
{
    if (s->norm == SOL__MNORM_IP) {
        struct sol_pattern_net net;
        bool v6, has_len;
        unsigned len;
        memset(&net, 0, sizeof net);
        if (sol__mip_parse(c->bytes.p, c->bytes.n, net.addr, &v6, &len, &has_len) < 0)
            return false;
        net.family = v6 ? 6 : 4;
        net.prefix = (uint8_t)len;
        return ip_in(p->s, p->n, &net, s->type[3] == '6');
    }
    if (s->norm == SOL__MNORM_PLAIN)
        return p->n == c->bytes.n && memcmp(p->s, c->bytes.p, p->n) == 0;
    uint8_t a[1024], b[1024];
    int an = sol__mnorm_value((enum sol__mnorm)s->norm, p->s, p->n, a, sizeof a);
    int bn = sol__mnorm_value((enum sol__mnorm)s->norm, c->bytes.p, c->bytes.n, b, sizeof b);
    return an >= 0 && an == bn && memcmp(a, b, (size_t)an) == 0;
}

static bool
test_value(struct sol_match_scanner *sc, const struct sol__mspace *s,
           const struct sol_pattern_cmp *c, const struct sol_obs_prop *p)
{
    switch (c->op) {
    case SOL_POP_EQ:
        return const_equal(s, p, &c->value);
    case SOL_POP_IN:
        for (size_t i = 0; i < c->value.nitems; i++)
            if (const_equal(s, p, &c->value.items[i]))
                return true;
        return false;
    case SOL_POP_LIKE:
    case SOL_POP_MATCHES: {
        char buf[SEEN_MAX];
        size_t n;
        const char *v = like_form(sc, (enum sol__mnorm)s->norm, p, &sc->nfc_test, buf, &n);
        if (c->op == SOL_POP_LIKE)
            return sol__mlike(v, n, c->value.bytes.p, c->value.bytes.n);
        bool utf = sol_utf8_check(v, n) == n;
        const pcre2_code *re = utf && c->regex_utf ? c->regex_utf : c->regex_bytes;
        if (!re)
            return false;
        int rc = pcre2_match(re, (PCRE2_SPTR)v, n, 0, 0, sc->md, sc->mctx);
        return rc >= 0;
    }
    case SOL_POP_ISSUBSET:
        return ip_in(p->s, p->n, &c->net, s->type[3] == '6');
    default:
        return false;
    }
}

static bool
fast_confirm(struct sol_match_scanner *sc, const struct sol__mleaf *l)
{
    const struct sol__mspace *s = &sc->idx->spaces[l->fast_space];
    const struct sol_obs *obs = sc->obs;
    for (uint32_t i = 0; i < obs->nprop; i++) {
        const struct sol_obs_prop *p = &obs->prop[i];
        if (p->kind != SOL_OBS_STR || p->path_n != s->path_n ||
            memcmp(p->path, s->path, s->path_n) != 0)
            continue;
        const struct sol_obs_object *o = &obs->obj[p->obj];
        if (o->type_n != s->type_n || memcmp(o->type, s->type, s->type_n) != 0)
            continue;
        if (test_value(sc, s, l->cmp, p))
            return true;
    }
    return false;
}

/* ---- Several observations ---- */

/*
 * The observation text (its objects as JSON, n bytes), over [sc->t, sc->t_last], as the
 * next observation of pattern pat: buffered, and the pattern evaluated over the buffer.
 * Observations must come in time order.
 */
static void
multi_feed_text(struct sol_match_scanner *sc, uint32_t pat, const char *text, size_t n)
{
    const struct sol__mpat *mp = &sc->idx->pats[pat];
    struct multi_state *m = sc->multi[pat];
    if (!m) {
        m = sc->multi[pat] = sol_calloc(1, sizeof *m);
        if (!m) {
            sc->oom = true;
            return;
        }
    }
    if (m->last_event == sc->event)
        return;
    m->last_event = sc->event;
    /*
     * Forget what is too old to help, and the oldest when full. Under a WITHIN w at the
     * root an observation that ended at last can pair only with one that begins before
     * last + w (pattern.h); observations arrive in time order.
     */
    while (m->n && mp->window > 0 && m->e[m->head].last + mp->window < sc->t) {
        m->head = (m->head + 1) % MULTI_CAP;
        m->n--;
    }
    if (m->n == MULTI_CAP) {
        m->head = (m->head + 1) % MULTI_CAP;
        m->n--;
    }
    struct multi_entry *e = &m->e[(m->head + m->n) % MULTI_CAP];
    if (!e->doc && !(e->doc = sol_json_doc_new(NULL))) {
        sc->oom = true;
        return;
    }
    sol_buf_reset(&e->text);
    sol_buf_append(&e->text, text, n);
    int k = e->text.oom ? -1 : parse_objects(e->doc, &e->text, e->objs);
    if (k < 0)
        return;
    e->nobj = (size_t)k;
    e->first = sc->t;
    e->last = sc->t_last;
    m->n++;

    struct sol_observation ob[MULTI_CAP];
    for (size_t i = 0; i < m->n; i++) {
        const struct multi_entry *x = &m->e[(m->head + i) % MULTI_CAP];
        ob[i].id.p = "";
        ob[i].id.n = 0;
        ob[i].first_observed = x->first;
        ob[i].last_observed = x->last;
        ob[i].number_observed = 1;
        ob[i].objects = x->objs;
        ob[i].nobjects = x->nobj;
    }
    struct sol_pattern_result res;
    memset(&res, 0, sizeof res);
    int rc = sol_pattern_match(mp->p, ob, m->n, NULL, &res, NULL);
    bool matched = rc == 0 && res.matched;
    sol_time_t first = sc->t, last = sc->t_last;
    for (size_t i = 0; matched && i < res.nobs; i++) {
        if (res.obs[i] >= m->n)
            continue;
        if (ob[res.obs[i]].first_observed < first)
            first = ob[res.obs[i]].first_observed;
        if (ob[res.obs[i]].last_observed > last)
            last = ob[res.obs[i]].last_observed;
    }
    sol_pattern_result_free(&res);
    if (!matched)
        return;
    /* A completed match consumes its observations: the next needs new ones. */
    m->n = 0;
    m->head = 0;
    uint32_t ind = mp->ind;
    if (!counts(sc, ind, sc->t, sc->t_last)) /* judged when the match completes */
        return;
    if (sc->nlast < LAST_CAP)
        sc->last[sc->nlast++] = ind;
    sc->completed++;
    record(sc, ind, 1, first, last);
}

#define CAND_BYTES_MAX ((size_t)64 << 20)

/* Keep the current observation as a candidate of pattern pat (deferred correlation). */
static void
defer_multi(struct sol_match_scanner *sc, uint32_t pat)
{
    if (sc->cand_event[pat] == sc->event)
        return;
    sc->cand_event[pat] = sc->event;
    if (!make_json(sc))
        return;
    if (sc->cand_bytes > CAND_BYTES_MAX) {
        sc->counts.uncorrelated++;
        return;
    }
    if (sc->ncands == sc->capcands) {
        size_t nc = sc->capcands ? sc->capcands * 2 : 64;
        struct sol__mcand *v = sol_realloc(sc->cands, nc * sizeof *v);
        if (!v) {
            sc->oom = true;
            return;
        }
        sc->cands = v;
        sc->capcands = nc;
    }
    struct sol__mcand *c = &sc->cands[sc->ncands];
    memset(c, 0, sizeof *c);
    c->first = sc->t;
    c->last = sc->t_last;
    c->pat = pat;
    c->stream = sc->stream;
    c->order = sc->order_base + sc->event;
    c->json_n = sc->json.n;
    c->json = sol_strndup(sc->json.p, sc->json.n);
    if (sc->keep_context && sc->obs) {
        c->ctx = sol_malloc(sizeof *c->ctx);
        if (c->ctx && !fill_context(sc, c->ctx, sc->t)) {
            sol_free(c->ctx);
            c->ctx = NULL;
        }
    }
    if (!c->json || (sc->keep_context && sc->obs && !c->ctx)) {
        sol_free(c->json);
        sol_free(c->ctx);
        sc->oom = true;
        return;
    }
    sc->ncands++;
    sc->cand_bytes += sizeof *c + c->json_n + (c->ctx ? sizeof *c->ctx : 0);
}

static void
multi_feed(struct sol_match_scanner *sc, uint32_t pat)
{
    if (sc->defer) {
        defer_multi(sc, pat);
        return;
    }
    struct multi_state *m = sc->multi[pat];
    if ((m && m->last_event == sc->event) || !make_json(sc))
        return;
    multi_feed_text(sc, pat, sc->json.p, sc->json.n);
}

static void
leaf_candidate(struct sol_match_scanner *sc, uint32_t leaf)
{
    if (sc->leaf_seen[leaf] == sc->event)
        return;
    sc->leaf_seen[leaf] = sc->event;
    const struct sol__mleaf *l = &sc->idx->leaves[leaf];
    const struct sol__mpat *mp = &sc->idx->pats[l->pat];
    bool ok;
    if (l->fast)
        ok = fast_confirm(sc, l);
    else if (l->sub)
        ok = reference_match(sc, l->sub);
    else if (mp->multi)
        ok = true; /* the evaluation over the buffer decides */
    else
        ok = reference_match(sc, mp->p);
    if (!ok)
        return;
    if (mp->multi)
        multi_feed(sc, l->pat);
    else if (!mp->timed || ((l->fast || l->sub) ? reference_match(sc, mp->p) : true))
        indicator_hit(sc, mp->ind);
}

static void
target(struct sol_match_scanner *sc, uint32_t t)
{
    if (t & SOL__MT_LEAF)
        leaf_candidate(sc, t & SOL__MT_MASK);
    else
        indicator_hit(sc, t);
}

struct lpm_ud {
    struct sol_match_scanner *sc;
};

static void
lpm_fn(void *ud, uint32_t t, unsigned len)
{
    (void)len;
    target(((struct lpm_ud *)ud)->sc, t);
}

struct hs_ctx {
    struct sol_match_scanner *sc;
    const struct sol__mhs *h;
};

static int
hs_collect(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
           void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct hs_ctx *c = ctx;
    if (id < c->h->n)
        leaf_candidate(c->sc, c->h->leaf_of[id]);
    return 0;
}

/* One string property's lookups, prepared in a first pass so that the cache misses of
   all of an observation's lookups overlap. */
struct lookup {
    const struct sol_obs_prop *p;
    int sp;
    uint8_t len; /* IP: prefix length of the value; 0: not an address */
    bool v6, exact;
    uint16_t kn;
    uint64_t h;
    uint8_t key[256];
};

static void
scan_lookups(struct sol_match_scanner *sc, struct lookup *lk, size_t n)
{
    const struct sol_match_index *idx = sc->idx;
    for (size_t i = 0; i < n; i++) {
        struct lookup *l = &lk[i];
        const struct sol__mspace *s = &idx->spaces[l->sp];
        const uint32_t *tg;
        uint32_t one;
        sc->trigger = l->p;
        if (l->exact) {
            size_t k = sol__mexact_find_hashed(&idx->exact, (uint16_t)l->sp, l->h, l->key, l->kn,
                                               &tg, &one);
            for (size_t j = 0; j < k; j++)
                target(sc, tg[j]);
        }
        if (l->len && s->lpm) {
            struct lpm_ud ud = {sc};
            sol__mlpm_lookup(l->v6 ? &idx->lpm6 : &idx->lpm4, l->key, l->len, lpm_fn, &ud);
        }
        if (s->hs >= 0) {
            /* The prefilter sees what the confirmation tests (like_form). */
            char buf[SEEN_MAX];
            size_t vn;
            const char *v = like_form(sc, (enum sol__mnorm)s->norm, l->p, &sc->nfc_scan, buf, &vn);
            for (int k = 0; k < s->nhs; k++) {
                struct hs_ctx c = {sc, &idx->hs[s->hs + k]};
                hs_scan(c.h->db, v, (unsigned)vn, 0, sc->scratch, hs_collect, &c);
            }
        }
    }
}

static int
space_of(struct sol_match_scanner *sc, const struct sol_obs_object *o, const struct sol_obs_prop *p)
{
    uintptr_t k = ((uintptr_t)o->type >> 3) ^ ((uintptr_t)p->path * 31u);
    struct space_cache *c = &sc->cache[(k ^ (k >> 11)) & (CACHE_SIZE - 1)];
    if (c->type == o->type && c->path == p->path && c->sp != -2 && c->type_n == o->type_n &&
        c->path_n == p->path_n) {
        /* Strings in the observation's scratch space change from line to line; all
           others are constant (match.h), so the same pointer is the same text. */
        uintptr_t lo = (uintptr_t)sc->obs->scratch, hi = lo + SOL_OBS_SCRATCH;
        uintptr_t t = (uintptr_t)o->type, q = (uintptr_t)p->path;
        bool moving = (t >= lo && t < hi) || (q >= lo && q < hi);
        if (!moving || (memcmp(c->tcopy, o->type, o->type_n) == 0 &&
                        memcmp(c->pcopy, p->path, p->path_n) == 0))
            return c->sp;
    }
    uint64_t h = sol__mspace_hash(o->type, o->type_n, p->path, p->path_n);
    int sp = sol__mspace_find(sc->idx, h, o->type, o->type_n, p->path, p->path_n);
    if (o->type_n <= sizeof c->tcopy && p->path_n <= sizeof c->pcopy) {
        c->type = o->type;
        c->path = p->path;
        c->type_n = o->type_n;
        c->path_n = p->path_n;
        memcpy(c->tcopy, o->type, o->type_n);
        memcpy(c->pcopy, p->path, p->path_n);
        c->sp = sp;
    }
    return sp;
}

size_t
sol_match_scan(struct sol_match_scanner *sc, const struct sol_obs *obs)
{
    const struct sol_match_index *idx = sc->idx;
    sc->event++;
    sc->obs = obs;
    sc->nlast = 0;
    sc->ndropped_now = 0;
    sc->completed = 0;
    sc->t = obs->time ? obs->time : sc->now;
    sc->t_last = obs->time && obs->time_last > sc->t ? obs->time_last : sc->t;
    struct lookup lk[16];
    size_t nlk = 0;
    for (uint32_t i = 0; i < obs->nprop; i++) {
        const struct sol_obs_prop *p = &obs->prop[i];
        if (p->kind != SOL_OBS_STR)
            continue;
        int sp = space_of(sc, &obs->obj[p->obj], p);
        if (sp < 0)
            continue;
        const struct sol__mspace *s = &idx->spaces[sp];
        struct lookup *l = &lk[nlk];
        l->p = p;
        l->sp = sp;
        l->len = 0;
        l->exact = false;
        if (s->norm == SOL__MNORM_IP) {
            bool has_len;
            unsigned len;
            if (sol__mip_parse(p->s, p->n, l->key, &l->v6, &len, &has_len) == 0) {
                l->len = (uint8_t)len;
                if (s->exact && len == (l->v6 ? 128u : 32u)) {
                    l->exact = true;
                    l->kn = l->v6 ? 16 : 4;
                }
            }
        } else if (s->exact) {
            int kn = sol__mnorm_value((enum sol__mnorm)s->norm, p->s, p->n, l->key, sizeof l->key);
            if (kn >= 0) {
                l->exact = true;
                l->kn = (uint16_t)kn;
            }
        }
        if (l->exact)
            l->h = sol__mexact_hash(&idx->exact, idx->space_hash[sp], l->key, l->kn);
        if ((l->exact || l->len || s->hs >= 0) && ++nlk == sizeof lk / sizeof lk[0]) {
            scan_lookups(sc, lk, nlk);
            nlk = 0;
        }
    }
    scan_lookups(sc, lk, nlk);
    sc->trigger = NULL;
    for (size_t i = 0; i < idx->nalways; i++)
        leaf_candidate(sc, idx->always[i]);
    return sc->completed;
}

const uint32_t *
sol_match_scanner_last(const struct sol_match_scanner *sc, size_t *n)
{
    *n = sc->nlast;
    return sc->last;
}

static int
cmp_hit(const void *a, const void *b)
{
    const struct sol_match_hit *x = a, *y = b;
    return x->indicator < y->indicator ? -1 : x->indicator > y->indicator;
}

const struct sol_match_hit *
sol_match_scanner_hits(struct sol_match_scanner *sc, size_t *n)
{
    sol_free(sc->sorted);
    sc->sorted = sol_malloc((sc->hits_n + 1) * sizeof *sc->sorted);
    if (!sc->sorted) {
        *n = 0;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < sc->hits_cap; i++)
        if (sc->hits[i].key)
            sc->sorted[k++] = sc->hits[i].h;
    qsort(sc->sorted, k, sizeof *sc->sorted, cmp_hit);
    *n = k;
    return sc->sorted;
}

int
sol_match_scanner_merge(struct sol_match_scanner *sc, const struct sol_match_scanner *other)
{
    const struct sol_obs *saved = sc->obs;
    sc->obs = NULL; /* record() must not take this scanner's last observation */
    for (size_t i = 0; i < other->hits_cap; i++) {
        const struct hitslot *s = &other->hits[i];
        if (!s->key)
            continue;
        struct sol_match_hit *h = hit_slot(sc, s->h.indicator);
        bool earlier = h && s->h.observation &&
                       earlier_observation(h, s->h.observation_time, s->h.observation);
        record(sc, s->h.indicator, s->h.count, s->h.first_seen, s->h.last_seen);
        /* record() may have grown the table: look the slot up again. */
        h = hit_slot(sc, s->h.indicator);
        if (h && earlier)
            keep_observation(sc, h, s->h.observation, strlen(s->h.observation),
                             s->h.observation_time);
        for (uint32_t k = 0; h && sc->keep_context && k < s->h.ncontext; k++) {
            struct sol_match_context c = s->h.context[k];
            if ((c.source = intern_source(sc, c.source)) != NULL)
                add_context(sc, h, &c);
        }
    }
    sc->counts.outside += other->counts.outside;
    sc->counts.dropped += other->counts.dropped;
    sc->counts.uncorrelated += other->counts.uncorrelated;
    sc->obs = saved;
    return sc->oom ? SOL_ENOMEM : 0;
}

void
sol_match_scanner_keep_observations(struct sol_match_scanner *sc, bool keep)
{
    sc->keep = keep;
}

/* ---- Deferred correlation (match.h internals) ---- */

void
sol__mcand_free(struct sol__mcand *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sol_free(c[i].json);
        sol_free(c[i].ctx);
    }
    sol_free(c);
}

int
sol__mscan_defer(struct sol_match_scanner *sc, uint32_t stream, uint64_t order_base)
{
    if (!sc->cand_event &&
        !(sc->cand_event = sol_calloc(sc->idx->npats + 1, sizeof *sc->cand_event)))
        return SOL_ENOMEM;
    sc->defer = true;
    sc->stream = stream;
    sc->order_base = order_base;
    return 0;
}

struct sol__mcand *
sol__mscan_take(struct sol_match_scanner *sc, size_t *n)
{
    struct sol__mcand *v = sc->cands;
    *n = sc->ncands;
    sc->cands = NULL;
    sc->ncands = sc->capcands = sc->cand_bytes = 0;
    return v;
}

void
sol__mscan_feed(struct sol_match_scanner *sc, const struct sol__mcand *c)
{
    sc->event++;
    sc->obs = NULL;
    sc->nlast = 0;
    sc->ndropped_now = 0;
    sc->completed = 0;
    sc->trigger = NULL;
    sc->t = c->first;
    sc->t_last = c->last > c->first ? c->last : c->first;
    sc->feeding = c;
    multi_feed_text(sc, c->pat, c->json, c->json_n);
    sc->feeding = NULL;
}

void
sol_match_scanner_keep_context(struct sol_match_scanner *sc, unsigned n)
{
    sc->keep_context = n;
}

void
sol_match_scanner_set_validity(struct sol_match_scanner *sc, enum sol_match_validity v,
                               sol_time_t as_of)
{
    sc->validity = v;
    sc->as_of = as_of;
}

void
sol_match_scanner_counts(const struct sol_match_scanner *sc, struct sol_match_counts *out)
{
    *out = sc->counts;
}
