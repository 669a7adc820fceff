/*
 * run.c — sol_scan_run(): the whole scan operation (scan.h), in the order it happens:
 * who sights, the indicators, the index, the logs on a pool of threads (or one log
 * followed as it grows), the merge of every thread's hits, the bundle of sightings,
 * and storing it through the one ingest path.
 *
 * The pool: the calling thread is worker 0; each worker has its own scanner and takes
 * the next log until none is left or the pool is cancelled. Every failure after the
 * first thread starts cancels the pool and joins every thread that started (workers and
 * the progress thread) before anything they use is freed; merging happens only after
 * all of them have ended.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/formats.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/match.h"
#include "solidarity/scan.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "solidarity/util.h"

#define BAD_LINES_SHOWN 5
#define MSG             600

static void notice(const struct sol_scan_options *o, enum sol_scan_notice_level level,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
notice(const struct sol_scan_options *o, enum sol_scan_notice_level level, const char *fmt, ...)
{
    if (!o->notice)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->notice(o->ud, level, msg);
}

/* ---- Who sights ---- */

static void
derived_identity(char *out, size_t n)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    static const struct sol_uuid ns = {{0x3b, 0x51, 0x0e, 0x6f, 0x2c, 0x94, 0x4d, 0x1a, 0x8f, 0x27,
                                        0x40, 0x5e, 0x91, 0xc3, 0x6d, 0x02}};
    struct sol_uuid u;
    sol_uuid_v5(&ns, host, strlen(host), &u);
    char s[37];
    sol_uuid_format(&u, s);
    snprintf(out, n, "identity--%s", s);
}

static void
resolve_identity(const struct sol_scan_options *o, struct sol_scan_result *res)
{
    if (o->identity) {
        snprintf(res->identity, sizeof res->identity, "%s", o->identity);
        res->identity_origin = SOL_SCAN_IDENTITY_GIVEN;
        return;
    }
    if (o->store) {
        struct sol_buf v;
        sol_buf_init(&v);
        bool ok = sol_store_setting_get(o->store, SOL_SETTING_NODE_IDENTITY, &v) == 0 && v.n &&
                  v.n < sizeof res->identity;
        if (ok) {
            memcpy(res->identity, v.p, v.n);
            res->identity[v.n] = 0;
            res->identity_origin = SOL_SCAN_IDENTITY_NODE;
        }
        sol_buf_free(&v);
        if (ok)
            return;
    }
    derived_identity(res->identity, sizeof res->identity);
    res->identity_origin = SOL_SCAN_IDENTITY_DERIVED;
}

/* The identity object of a derived identity, for the bundle. */
static void
write_identity(struct sol_json_writer *w, const char *id, sol_time_t now)
{
    char ts[40], host[256] = "localhost", name[300];
    sol_time_format(now, 3, ts);
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    snprintf(name, sizeof name, "solidarity scan on %s", host);
    sol_jw_object_begin(w);
    sol_jw_key(w, "type");
    sol_jw_string(w, "identity");
    sol_jw_key(w, "spec_version");
    sol_jw_string(w, "2.1");
    sol_jw_key(w, "id");
    sol_jw_string(w, id);
    sol_jw_key(w, "created");
    sol_jw_string(w, ts);
    sol_jw_key(w, "modified");
    sol_jw_string(w, ts);
    sol_jw_key(w, "name");
    sol_jw_string(w, name);
    sol_jw_key(w, "identity_class");
    sol_jw_string(w, "system");
    sol_jw_object_end(w);
}

/* ---- The indicators ---- */

/* What the warninglist hook left out of one file or collection. */
struct wl_count {
    size_t dropped, narrowed;
    const char *first;
};

static void
wl_notice(const struct sol_scan_options *o, const char *where, const struct wl_count *c)
{
    if (c->dropped)
        notice(o, SOL_SCAN_INFO,
               "%s: %zu indicator%s not matched: every value is on a warninglist (first: '%s')",
               where, c->dropped, c->dropped == 1 ? "" : "s", c->first);
    if (c->narrowed)
        notice(o, SOL_SCAN_INFO,
               "%s: %zu indicator%s matched without their values on a warninglist", where,
               c->narrowed, c->narrowed == 1 ? "" : "s");
}

/*
 * Each indicator's TLP (scan.h, tlp): noted while indicators load, sorted once the index
 * is built, looked up for each sighting written. An indicator loaded twice keeps the
 * stricter.
 */
struct sol__scan_tlps {
    struct scan_tlp {
        char *id;
        int tlp;
    } * v;
    size_t n, cap;
    int floor; /* the stricter of options.tlp and the store_to collection's default */
};

static int
tlps_note(struct sol__scan_tlps *t, struct sol_str id, int tlp)
{
    if (!t || !id.p)
        return 0;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct scan_tlp *v = sol_realloc(t->v, cap * sizeof *v);
        if (!v)
            return SOL_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    if (!(t->v[t->n].id = sol_strndup(id.p, id.n)))
        return SOL_ENOMEM;
    t->v[t->n++].tlp = tlp;
    return 0;
}

/* The indicators of a document (a bundle, a list, one object), with their own TLP. */
static int
tlps_note_document(struct sol__scan_tlps *t, const struct sol_json *root)
{
    const struct sol_json *list = root;
    if (sol_json_type(root) == SOL_JSON_OBJECT && sol_json_get(root, "objects"))
        list = sol_json_get(root, "objects");
    bool one = sol_json_type(list) == SOL_JSON_OBJECT;
    struct sol_json_iter it;
    const struct sol_json *v = list;
    if (!one && sol_json_type(list) != SOL_JSON_ARRAY)
        return 0;
    sol_json_iter_init(&it, one ? NULL : list);
    int rc = 0;
    while (rc == 0 && (one || sol_json_iter_next(&it, NULL, &v))) {
        if (sol_str_eqc(sol_json_str(sol_json_get(v, "type")), "indicator")) {
            enum sol_tlp tlp = sol_stix_object_tlp(v);
            rc = tlps_note(t, sol_json_str(sol_json_get(v, "id")),
                           tlp ? (int)tlp : SOL_TLP_AMBER /* access.h: unmarked */);
        }
        if (one)
            break;
    }
    return rc;
}

static int
tlp_cmp(const void *a, const void *b)
{
    return strcmp(((const struct scan_tlp *)a)->id, ((const struct scan_tlp *)b)->id);
}

/* Sort the table, one entry per id with the stricter TLP. */
static void
tlps_sort(struct sol__scan_tlps *t)
{
    if (!t || !t->n)
        return;
    qsort(t->v, t->n, sizeof *t->v, tlp_cmp);
    size_t k = 0;
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(t->v[i].id, t->v[k].id) == 0) {
            if (t->v[i].tlp > t->v[k].tlp)
                t->v[k].tlp = t->v[i].tlp;
            sol_free(t->v[i].id);
        } else {
            t->v[++k] = t->v[i];
        }
    }
    t->n = k + 1;
}

/* sol_sighting_options.indicator_tlp */
static int
tlps_lookup(void *ud, const char *id)
{
    const struct sol__scan_tlps *t = ud;
    struct scan_tlp key = {.id = (char *)(uintptr_t)id};
    const struct scan_tlp *e = t && t->n ? bsearch(&key, t->v, t->n, sizeof *t->v, tlp_cmp) : NULL;
    return e ? e->tlp : SOL_TLP_AMBER; /* an indicator not loaded: the default's strictness */
}

static void
tlps_free(struct sol__scan_tlps *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        sol_free(t->v[i].id);
    sol_free(t->v);
    sol_free(t);
}

/*
 * The warninglist hook (formats.h: sol_warninglists_indicator()): each object of root goes
 * to the index, an indicator with values on a warninglist with those values left out, or
 * not at all when every value is on one. Without warninglists, the whole root at once.
 */
static int
add_objects(const struct sol_scan_options *o, struct sol_match_index *idx,
            const struct sol_json *root, struct wl_count *c, size_t *bad, struct sol_error *e)
{
    if (!o->warninglists)
        return sol_match_index_add_bundle(idx, root, bad, e);
    const struct sol_json *list = root;
    if (sol_str_eqc(sol_json_str(sol_json_get(root, "type")), "bundle"))
        list = sol_json_get(root, "objects");
    bool one = sol_json_type(list) == SOL_JSON_OBJECT;
    if (!one && sol_json_type(list) != SOL_JSON_ARRAY)
        return sol_match_index_add_bundle(idx, root, bad, e);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return SOL_ENOMEM;
    struct sol_json_iter it;
    const struct sol_json *v = list, *use;
    const char *wl;
    int rc = 0;
    sol_json_iter_init(&it, one ? NULL : list);
    while (rc == 0 && (one || sol_json_iter_next(&it, NULL, &v))) {
        int k = sol_warninglists_indicator(o->warninglists, v, doc, &use, &wl);
        if (k < 0)
            rc = k;
        else if (k == 2 && c->dropped++ == 0)
            c->first = wl; /* a list's name: the lists outlive the scan */
        c->narrowed += k == 1;
        if (k >= 0 && k != 2)
            rc = sol_match_index_add_bundle(idx, use, bad, e);
        if (one)
            break;
    }
    sol_json_doc_free(doc);
    return rc;
}

static int
load_file(const struct sol_scan_options *o, struct sol_match_index *idx,
          struct sol__scan_tlps *tlps, const char *path, struct sol_error *err)
{
    struct sol_json_limits lim = {.max_bytes = (size_t)2 << 30};
    struct sol_json_doc *doc = sol_json_doc_new(&lim);
    if (!doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    const struct sol_json *root;
    struct sol_error e;
    memset(&e, 0, sizeof e);
    int rc = sol_json_parse_file(doc, path, &root, &e);
    if (rc) {
        char buf[700];
        sol_json_doc_free(doc);
        return sol_error_set(err, rc, "%s: %s", path, sol_error_format(&e, buf, sizeof buf));
    }
    size_t bad = 0;
    memset(&e, 0, sizeof e);
    struct wl_count wc = {0};
    rc = add_objects(o, idx, root, &wc, &bad, &e);
    if (rc == 0)
        rc = tlps_note_document(tlps, root);
    sol_json_doc_free(doc);
    wl_notice(o, path, &wc);
    if (rc)
        return sol_error_set(err, rc, "%s: %s", path, e.msg[0] ? e.msg : sol_strerror(rc));
    if (bad)
        notice(o, SOL_SCAN_INFO, "%s: %zu indicator%s skipped (first: %s)", path, bad,
               bad == 1 ? "" : "s", e.msg);
    return 0;
}

/* The id of a collection named by id or alias, into out. */
static int
resolve_collection(struct sol_store *store, const char *name, char *out, size_t n,
                   struct sol_error *err)
{
    if (!store)
        return sol_error_set(err, SOL_EINVAL, "collection %s: there is no node (--data DIR)", name);
    struct sol_collection c;
    memset(&c, 0, sizeof c);
    int rc = sol_store_collection_get(store, NULL, name, &c);
    if (rc != 0)
        return sol_error_set(err, rc, "collection %s: %s", name,
                             rc == SOL_ENOTFOUND ? "no such collection" : sol_store_errmsg(store));
    snprintf(out, n, "%s", c.id);
    sol_collection_clear(&c);
    return 0;
}

/*
 * Call fn with each object of the given types in collection (latest versions, as the
 * node's own operator sees them); an object that does not parse is counted in *bad.
 * Stops at fn's first non-zero return, which it returns; else 0.
 */
static int
each_object(struct sol_store *store, const char *collection, const char *const *types,
            size_t ntypes, const char *identity,
            int (*fn)(void *ud, const struct sol_object_row *row, const struct sol_json *obj),
            void *ud, size_t *n, size_t *bad, struct sol_error *err)
{
    struct sol_object_filter f = {
        .collection = collection,
        .types = types,
        .n_types = ntypes,
        .version_match = SOL_VERSION_LAST,
        .max_tlp = SOL_TLP_RED,
        .asker_identity = identity,
    };
    struct sol_store_cursor *c = NULL;
    int rc = sol_store_objects_query(store, &f, &c);
    if (rc)
        return sol_error_set(err, rc, "collection %s: %s", collection, sol_store_errmsg(store));
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc) {
        sol_store_cursor_close(c);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    struct sol_object_row row;
    while ((rc = sol_store_cursor_next(c, &row)) == 0) {
        const struct sol_json *root;
        (*n)++;
        if (sol_json_parse(doc, row.json.p, row.json.n, &root, NULL) != 0)
            (*bad)++;
        else if ((rc = fn(ud, &row, root)) != 0)
            break;
    }
    sol_store_cursor_close(c);
    sol_json_doc_free(doc);
    if (rc != SOL_EEOF)
        return sol_error_set(err, rc, "collection %s: %s", collection,
                             rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(store));
    return 0;
}

struct adding {
    const struct sol_scan_options *o;
    struct sol_match_index *idx;
    struct sol__scan_tlps *tlps;
    struct wl_count wc;
    size_t bad;
    struct sol_error e;
};

/* One object of a collection to the index; an indicator's TLP is noted too. */
static int
add_one(void *ud, const struct sol_object_row *row, const struct sol_json *obj)
{
    struct adding *a = ud;
    if (add_objects(a->o, a->idx, obj, &a->wc, &a->bad, &a->e) == SOL_ENOMEM ||
        (sol_str_eqc(row->type, "indicator") && tlps_note(a->tlps, row->id, row->tlp) != 0))
        return SOL_ENOMEM;
    return 0;
}

/* The indicators (and the malware and tools they indicate) of a collection of the node,
   as the node's own operator sees them. */
static int
load_collection(const struct sol_scan_options *o, struct sol_match_index *idx,
                struct sol__scan_tlps *tlps, const char *name, const char *identity,
                struct sol_error *err)
{
    char collection[128];
    int rc = resolve_collection(o->store, name, collection, sizeof collection, err);
    if (rc)
        return rc;
    static const char *const types[] = {"indicator", "malware", "tool", "relationship"};
    struct adding a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.idx = idx;
    a.tlps = tlps;
    size_t n = 0;
    rc = each_object(o->store, collection, types, 4, identity, add_one, &a, &n, &a.bad, err);
    if (rc)
        return rc;
    if (!n)
        notice(o, SOL_SCAN_WARNING, "collection %s: no indicators", name);
    wl_notice(o, name, &a.wc);
    if (a.bad)
        notice(o, SOL_SCAN_INFO, "collection %s: %zu indicator%s skipped (first: %s)", collection,
               a.bad, a.bad == 1 ? "" : "s", a.e.msg);
    return 0;
}

static int
build_index(const struct sol_scan_options *o, struct sol_scan_result *res, struct sol_error *err)
{
    if (o->index) {
        res->idx = o->index;
        sol_match_index_stats(o->index, &res->index);
        if (!(res->own_tlps = sol_calloc(1, sizeof *res->own_tlps)))
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        res->own_tlps->floor = o->tlp;
        return 0;
    }
    struct sol_match_index *idx = res->own_idx = sol_match_index_new();
    struct sol__scan_tlps *tlps = res->own_tlps = sol_calloc(1, sizeof *tlps);
    if (!idx || !tlps)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    res->idx = idx;
    for (size_t i = 0; i < o->n_indicator_files; i++) {
        int rc = load_file(o, idx, tlps, o->indicator_files[i], err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < o->n_collections; i++) {
        int rc = load_collection(o, idx, tlps, o->collections[i], res->identity, err);
        if (rc)
            return rc;
    }
    tlps_sort(tlps);
    tlps->floor = o->tlp;
    if (o->store_to) {
        struct sol_collection c;
        if (o->store && sol_store_collection_get(o->store, NULL, o->store_to, &c) == 0) {
            if (c.default_tlp > tlps->floor)
                tlps->floor = c.default_tlp;
            sol_collection_clear(&c);
        }
    }
    struct sol_error e;
    memset(&e, 0, sizeof e);
    int rc = sol_match_index_build(idx, &e);
    if (rc)
        return sol_error_set(err, rc, "building the index: %s", e.msg);
    sol_match_index_stats(idx, &res->index);
    return 0;
}

/* ---- Reading logs ---- */

/* One log of the pool, and what reading it gave. */
/*
 * One unit of work: a log, or a part of one (a byte range of a large plain file, read
 * at line boundaries), and what reading it gave.
 */
struct job {
    const char *path;
    size_t log;          /* the log's index */
    uint64_t start, end; /* a part: [start, end); whole: 0, 0 */
    bool part;
    bool stream; /* gzip or a pipe: one thread reads it, blocks of it go to the others */
    uint64_t events, bad, bytes;
    bool failed;
    char error[MSG];
    char bad_shown[BAD_LINES_SHOWN][MSG];
    uint64_t bad_at[BAD_LINES_SHOWN]; /* where in the log, to tell them in order */
    size_t nbad_shown;
};

/* A block of a stream, waiting for a matcher thread (sol__mlog_open_block()). */
struct block {
    char *text; /* the stream's headers, then the block (taken by the block's reader) */
    size_t n, header_n;
    uint64_t header_lines, offset, first_line;
    size_t job;   /* the stream's job */
    uint64_t seq; /* its place in the stream */
    const struct sol__mlog_format *fmt;
    const struct sol_log_mapping *map;
};

struct pool {
    const struct sol_scan_options *opt;
    const struct sol_match_index *idx;
    struct job *jobs;
    size_t njobs, next_job;
    bool cancel; /* take no more jobs (under lock) */
    pthread_mutex_t lock;
    /* Blocks of streams (under lock): a queue, the streams still being read, and a
       condition for threads that wait for either. */
    struct block *q;
    size_t qhead, qn, qcap;
    size_t producers;
    pthread_cond_t more;
    size_t nthreads;
    /* progress */
    uint64_t events, bytes; /* atomics */
    pthread_cond_t wake;
    bool done; /* under lock */
    struct timespec start;
};

static FILE *
open_log(const char *path)
{
    return strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
}

static void
close_log(FILE *f)
{
    if (f && f != stdin)
        fclose(f);
}

/* How a bad record of log path is told: where (line, or path in a document) and why. */
static void
bad_record_text(char *out, size_t n, const char *path, const struct sol_error *err)
{
    /* Each part cut to its share of a message line (MSG bytes). */
    if (err->path[0])
        snprintf(out, n, "%.200s: %.100s: %.280s", path, err->path, err->msg);
    else if (err->line)
        snprintf(out, n, "%.200s:%u: %.380s", path, err->line, err->msg);
    else
        snprintf(out, n, "%.200s: %.390s", path, err->msg);
}

/* Keep the text of a bad record at offset at if it is among the first few of j by place
   (blocks of a stream come in any order). */
static void
keep_bad(struct job *j, const char *text, uint64_t at)
{
    size_t k = j->nbad_shown;
    if (k == BAD_LINES_SHOWN) {
        size_t last = 0;
        for (size_t i = 1; i < k; i++)
            if (j->bad_at[i] > j->bad_at[last])
                last = i;
        if (at >= j->bad_at[last])
            return;
        k = last;
    } else {
        j->nbad_shown++;
    }
    snprintf(j->bad_shown[k], MSG, "%s", text);
    j->bad_at[k] = at;
}

/* A bad record at offset at: remembered for the notices (the first few) and counted. */
static void
bad_record(struct job *j, const struct sol_error *err, uint64_t at)
{
    char text[MSG];
    bad_record_text(text, sizeof text, j->path, err);
    keep_bad(j, text, at);
    j->bad++;
}

/* Read r to its end into sc; what it gave goes to j (under the pool's lock when locked). */
static void
run_reader(struct pool *p, struct sol_match_scanner *sc, struct job *j, struct sol_log_reader *r,
           bool locked)
{
    struct job mine;
    struct job *to = locked ? &mine : j;
    if (locked) {
        memset(&mine, 0, sizeof mine);
        mine.path = j->path;
    }
    struct sol_error err;
    memset(&err, 0, sizeof err);
    const struct sol_obs *obs;
    uint64_t last_bytes = 0;
    for (;;) {
        int rc = sol_log_reader_next(r, &obs, &err);
        if (rc == SOL_EEOF)
            break;
        if (rc == SOL_ESYNTAX) {
            bad_record(to, &err, r->line_offset);
            continue;
        }
        if (rc) {
            snprintf(to->error, sizeof to->error, "%s: %s", j->path,
                     err.msg[0] ? err.msg : sol_strerror(rc));
            to->failed = true;
            break;
        }
        to->events++;
        sol_match_scan(sc, obs);
        if ((to->events & 4095) == 0) {
            uint64_t b = sol_log_reader_bytes(r);
            __atomic_add_fetch(&p->events, 4096, __ATOMIC_RELAXED);
            __atomic_add_fetch(&p->bytes, b - last_bytes, __ATOMIC_RELAXED);
            last_bytes = b;
        }
    }
    if (!locked) {
        to->bytes += sol_log_reader_bytes(r);
        return;
    }
    /* A block of a stream: its bytes are the stream's, counted by its reader thread. */
    pthread_mutex_lock(&p->lock);
    j->events += mine.events;
    j->bad += mine.bad;
    for (size_t k = 0; k < mine.nbad_shown; k++)
        keep_bad(j, mine.bad_shown[k], mine.bad_at[k]);
    if (mine.failed && !j->failed) {
        j->failed = true;
        memcpy(j->error, mine.error, MSG);
    }
    pthread_mutex_unlock(&p->lock);
}

/* Patterns over several observations see every log (or each log, per_file) as one
   time-ordered stream: correlated once all is read (correlate()). */
static int
defer(struct pool *p, struct sol_match_scanner *sc, const struct job *j, uint64_t order)
{
    return sol__mscan_defer(sc, p->opt->per_file ? (uint32_t)j->log : 0, order);
}

static void
run_job(struct pool *p, struct sol_match_scanner *sc, struct job *j, size_t ji)
{
    if (defer(p, sc, j, (uint64_t)ji << 44)) {
        snprintf(j->error, sizeof j->error, "%s: out of memory", j->path);
        j->failed = true;
        return;
    }
    FILE *f = open_log(j->path);
    if (!f) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->path, strerror(errno));
        j->failed = true;
        return;
    }
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = j->part ? sol__mlog_open_part(f, j->path, p->opt->format, p->opt->mapping, j->start,
                                           j->end, &r, &err)
                     : sol_log_reader_open(f, j->path, p->opt->format, p->opt->mapping, &r, &err);
    if (rc) {
        snprintf(j->error, sizeof j->error, "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        j->failed = true;
        close_log(f);
        return;
    }
    run_reader(p, sc, j, r, false);
    sol_log_reader_free(r);
    close_log(f);
}

/* Read one block of a stream (its text taken by its reader). */
static void
run_block(struct pool *p, struct sol_match_scanner *sc, struct block *b)
{
    struct job *j = &p->jobs[b->job];
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = defer(p, sc, j, ((uint64_t)b->job << 44) | (b->seq << 24));
    if (rc)
        sol_free(b->text);
    else
        rc = sol__mlog_open_block(j->path, b->fmt, b->map, b->text, b->header_n + b->n, b->header_n,
                                  b->header_lines, b->offset, b->first_line, &r, &err);
    if (rc) {
        pthread_mutex_lock(&p->lock);
        if (!j->failed)
            snprintf(j->error, sizeof j->error, "%s: %s", j->path,
                     err.msg[0] ? err.msg : sol_strerror(rc));
        j->failed = true;
        pthread_mutex_unlock(&p->lock);
        return;
    }
    run_reader(p, sc, j, r, true);
    sol_log_reader_free(r);
}

/* Under the lock: the next block, or false. */
static bool
dequeue(struct pool *p, struct block *out)
{
    if (!p->qn)
        return false;
    *out = p->q[p->qhead];
    p->qhead = (p->qhead + 1) % p->qcap;
    p->qn--;
    return true;
}

#define BLOCK_SIZE ((size_t)4 << 20)

/*
 * Job j is a stream: this thread reads it (decompressing) and cuts it into blocks, which
 * every thread matches; when the queue is full it matches one itself. A format that
 * cannot be read in parts (STIX) is read here whole.
 */
static void
run_stream(struct pool *p, struct sol_match_scanner *sc, struct job *j, size_t ji, size_t nthreads)
{
    FILE *f = open_log(j->path);
    if (!f) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->path, strerror(errno));
        j->failed = true;
        return;
    }
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    char *header = NULL;
    size_t header_n = 0;
    uint64_t header_lines = 0;
    int rc = sol__mlog_open_stream(f, j->path, p->opt->format, p->opt->mapping, &r, &header,
                                   &header_n, &header_lines, &err);
    if (rc || !header) {
        if (!rc && !defer(p, sc, j, (uint64_t)ji << 44)) {
            run_reader(p, sc, j, r, true);
        } else {
            pthread_mutex_lock(&p->lock);
            snprintf(j->error, sizeof j->error, "%s", err.msg[0] ? err.msg : sol_strerror(rc));
            j->failed = true;
            pthread_mutex_unlock(&p->lock);
        }
        sol_log_reader_free(r);
        sol_free(header);
        close_log(f);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->producers++;
    pthread_mutex_unlock(&p->lock);
    uint64_t seq = 0;
    for (;;) {
        struct block b = {NULL, 0, header_n, header_lines, 0, 0, ji, seq++, r->fmt, r->map};
        rc = sol__mreader_block(r, p->opt->part_size ? p->opt->part_size : BLOCK_SIZE, header_n,
                                &b.text, &b.n, &b.offset, &b.first_line);
        if (rc)
            break;
        memcpy(b.text, header, header_n);
        struct block mine;
        bool help = false;
        pthread_mutex_lock(&p->lock);
        if (p->cancel) {
            pthread_mutex_unlock(&p->lock);
            sol_free(b.text);
            break;
        }
        if (p->qn == p->qcap || p->qn >= 2 * nthreads) {
            /* Full: match the oldest block here rather than wait. */
            help = dequeue(p, &mine);
        }
        if (p->qn < p->qcap) {
            p->q[(p->qhead + p->qn) % p->qcap] = b;
            p->qn++;
            pthread_cond_signal(&p->more);
        } else {
            mine = b;
            help = true;
        }
        pthread_mutex_unlock(&p->lock);
        if (help)
            run_block(p, sc, &mine);
    }
    if (rc != SOL_EEOF) {
        pthread_mutex_lock(&p->lock);
        snprintf(j->error, sizeof j->error, "%s: %s", j->path,
                 rc == SOL_EIO ? "read error" : sol_strerror(rc));
        j->failed = true;
        pthread_mutex_unlock(&p->lock);
    }
    /* The blocks still queued are matched by whoever is free, this thread too. */
    pthread_mutex_lock(&p->lock);
    p->producers--;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&p->lock);
    j->bytes = sol_log_reader_bytes(r);
    pthread_mutex_unlock(&p->lock);
    sol_log_reader_free(r);
    sol_free(header);
    close_log(f);
}

struct worker {
    struct pool *pool;
    struct sol_match_scanner *sc;
    pthread_t th;
    bool started;
    double cpu; /* CPU seconds this thread spent on jobs */
};

static double
thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    double c0 = thread_cpu();
    pthread_mutex_lock(&p->lock);
    while (!p->cancel) {
        /* Blocks first, so that the queue (and its memory) stays short. */
        struct block b;
        if (dequeue(p, &b)) {
            pthread_mutex_unlock(&p->lock);
            run_block(p, w->sc, &b);
        } else if (p->next_job < p->njobs) {
            size_t i = p->next_job++;
            pthread_mutex_unlock(&p->lock);
            if (p->jobs[i].stream)
                run_stream(p, w->sc, &p->jobs[i], i, p->nthreads);
            else
                run_job(p, w->sc, &p->jobs[i], i);
        } else if (p->producers) {
            pthread_cond_wait(&p->more, &p->lock);
            continue;
        } else {
            break;
        }
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    w->cpu = thread_cpu() - c0;
    return NULL;
}

static void
cancel_pool(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->cancel = true;
    pthread_cond_broadcast(&p->more);
    pthread_mutex_unlock(&p->lock);
}

static double
since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Calls progress() every half second until the pool is done, then once more. */
static void *
progress_main(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->done) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &until);
        if (p->done)
            break;
        pthread_mutex_unlock(&p->lock);
        p->opt->progress(p->opt->ud, __atomic_load_n(&p->events, __ATOMIC_RELAXED),
                         __atomic_load_n(&p->bytes, __ATOMIC_RELAXED), since(&p->start), false);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

#define PART_SIZE ((uint64_t)16 << 20) /* scan.h part_size: the default */

/*
 * The units of work: each log whole, or, for a plain file large enough to keep several
 * threads busy, its parts (about two per thread, at least part_size each), so that one
 * large log uses every core.
 */
static struct job *
plan_jobs(const struct sol_scan_options *o, size_t nthreads, size_t *njobs)
{
    size_t cap = o->n_logs + 1, n = 0;
    struct job *jobs = sol_calloc(cap, sizeof *jobs);
    for (size_t i = 0; jobs && i < o->n_logs; i++) {
        uint64_t size = 0, parts = 1, min = o->part_size ? o->part_size : PART_SIZE;
        bool stdin_ = strcmp(o->logs[i], "-") == 0, stream = nthreads > 1 && stdin_;
        FILE *f = nthreads > 1 && !stdin_ ? fopen(o->logs[i], "rb") : NULL;
        if (f && sol__mlog_splittable_file(f, 2 * min, &size)) {
            parts = size / min;
            if (parts > 2 * nthreads)
                parts = 2 * nthreads;
        } else if (f) {
            /* gzip and pipes: one thread reads, the others match. */
            uint64_t any;
            stream = !sol__mlog_splittable_file(f, 0, &any);
        }
        if (f)
            fclose(f);
        if (n + parts > cap) {
            cap = (n + parts) * 2;
            struct job *v = sol_realloc(jobs, cap * sizeof *v);
            if (!v) {
                sol_free(jobs);
                return NULL;
            }
            jobs = v;
        }
        for (uint64_t k = 0; k < parts; k++) {
            struct job *j = &jobs[n++];
            memset(j, 0, sizeof *j);
            j->path = o->logs[i];
            j->log = i;
            j->part = parts > 1;
            j->stream = stream;
            j->start = size / parts * k;
            j->end = k + 1 == parts ? size : size / parts * (k + 1);
        }
    }
    *njobs = n;
    return jobs;
}

static int
cand_cmp(const void *a, const void *b)
{
    const struct sol__mcand *x = a, *y = b;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Patterns over several observations: the candidates every worker kept, in time order
 * within each stream (all logs as one, or each log: per_file), evaluated by one scanner
 * per stream as a reader of that merged stream would, and added to into.
 */
static int
correlate(const struct sol_scan_options *o, const struct sol_match_index *idx, struct worker *w,
          size_t nthreads, struct sol_match_scanner *into)
{
    size_t total = 0;
    struct sol__mcand **lists = sol_calloc(nthreads, sizeof *lists);
    size_t *counts = sol_calloc(nthreads, sizeof *counts);
    int rc = lists && counts ? 0 : SOL_ENOMEM;
    for (size_t t = 0; t < nthreads && !rc; t++) {
        lists[t] = sol__mscan_take(w[t].sc, &counts[t]);
        total += counts[t];
    }
    struct sol__mcand *all = !rc && total ? sol_malloc(total * sizeof *all) : NULL;
    if (!rc && total && !all)
        rc = SOL_ENOMEM;
    size_t k = 0;
    for (size_t t = 0; t < nthreads && all; t++) {
        if (counts[t])
            memcpy(all + k, lists[t], counts[t] * sizeof *all);
        k += counts[t];
    }
    if (all)
        qsort(all, total, sizeof *all, cand_cmp);
    for (size_t i = 0; i < total && !rc;) {
        struct sol_match_scanner *sc = sol_match_scanner_new(idx);
        if (!sc) {
            rc = SOL_ENOMEM;
            break;
        }
        sol_match_scanner_keep_observations(sc, o->with_observed_data);
        sol_match_scanner_set_validity(sc, o->validity, o->as_of);
        sol_match_scanner_keep_context(sc, o->context);
        uint32_t stream = all[i].stream;
        for (; i < total && all[i].stream == stream; i++)
            sol__mscan_feed(sc, &all[i]);
        if (sol_match_scanner_merge(into, sc) != 0)
            rc = SOL_ENOMEM;
        sol_match_scanner_free(sc);
    }
    /* The candidates' contents are freed once, through their lists. */
    for (size_t t = 0; lists && t < nthreads; t++)
        sol__mcand_free(lists[t], counts[t]);
    sol_free(all);
    sol_free(lists);
    sol_free(counts);
    return rc;
}

/* Each log's reading, told in order: its bad lines, the error that stopped it. */
static void
report_logs(const struct sol_scan_options *o, const struct job *jobs, size_t njobs,
            struct sol_scan_result *res)
{
    for (size_t i = 0; i < njobs;) {
        size_t log = jobs[i].log, shown = 0;
        uint64_t bad = 0;
        const char *error = NULL;
        for (; i < njobs && jobs[i].log == log; i++) {
            const struct job *j = &jobs[i];
            for (size_t k = 0; k < j->nbad_shown && shown < BAD_LINES_SHOWN; k++, shown++)
                notice(o, SOL_SCAN_WARNING, "%s", j->bad_shown[k]);
            bad += j->bad;
            if (j->failed && !error)
                error = j->error;
            res->events += j->events;
            res->bytes += j->bytes;
        }
        if (bad > shown)
            notice(o, SOL_SCAN_WARNING, "%s: %llu more bad lines", o->logs[log],
                   (unsigned long long)(bad - shown));
        if (error) {
            notice(o, SOL_SCAN_WARNING, "%s", error);
            res->failed_logs++;
        }
        res->bad_lines += bad;
    }
}

/*
 * Read every log on opt->threads threads (the caller's included) into one scanner,
 * which *out receives. Every thread started has been joined when this returns.
 */
static int
run_pool(const struct sol_scan_options *o, const struct sol_match_index *idx,
         struct sol_scan_result *res, struct sol_match_scanner **out, struct sol_error *err)
{
    size_t nthreads = o->threads ? o->threads : 1;
    struct pool p;
    memset(&p, 0, sizeof p);
    p.opt = o;
    p.idx = idx;
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    pthread_mutex_init(&p.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&p.more, NULL);
    int rc = 0;
    p.jobs = plan_jobs(o, nthreads, &p.njobs);
    bool streams = false;
    for (size_t i = 0; p.jobs && i < p.njobs; i++)
        streams = streams || p.jobs[i].stream;
    if (nthreads > p.njobs && !streams)
        nthreads = p.njobs ? p.njobs : 1;
    p.nthreads = nthreads;
    p.qcap = 2 * nthreads + 2;
    p.q = sol_calloc(p.qcap, sizeof *p.q);
    struct worker *w = sol_calloc(nthreads, sizeof *w);
    pthread_t progress_th;
    bool progress = false;
    if (!p.jobs || !w || !p.q) {
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
        goto out;
    }
    if (o->progress)
        progress = pthread_create(&progress_th, NULL, progress_main, &p) == 0;
    /* Each worker's scanner is made just before its thread starts, so that a failure
       finds some threads running: they are cancelled and joined like any other. */
    for (size_t t = 0; t < nthreads && !rc; t++) {
        w[t].pool = &p;
        w[t].sc = sol_match_scanner_new(idx);
        if (!w[t].sc) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            break;
        }
        sol_match_scanner_keep_observations(w[t].sc, o->with_observed_data);
        sol_match_scanner_set_validity(w[t].sc, o->validity, o->as_of);
        sol_match_scanner_keep_context(w[t].sc, o->context);
        if (t == 0)
            continue;
        if (pthread_create(&w[t].th, NULL, worker_main, &w[t]) != 0)
            rc = sol_error_set(err, SOL_ENOMEM, "cannot start a thread");
        else
            w[t].started = true;
    }
    if (rc)
        cancel_pool(&p);
    else
        worker_main(&w[0]);
    for (size_t t = 1; t < nthreads; t++)
        if (w[t].started)
            pthread_join(w[t].th, NULL);
    if (progress) {
        pthread_mutex_lock(&p.lock);
        p.done = true;
        pthread_cond_signal(&p.wake);
        pthread_mutex_unlock(&p.lock);
        pthread_join(progress_th, NULL);
        o->progress(o->ud, __atomic_load_n(&p.events, __ATOMIC_RELAXED),
                    __atomic_load_n(&p.bytes, __ATOMIC_RELAXED), since(&p.start), true);
    }
    /* Every thread has ended: correlate, merge, then report each log in order. */
    if (!rc && correlate(o, idx, w, nthreads, w[0].sc) != 0)
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    for (size_t t = 1; t < nthreads && !rc; t++)
        if (sol_match_scanner_merge(w[0].sc, w[t].sc) != 0)
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (!rc)
        report_logs(o, p.jobs, p.njobs, res);
    for (size_t t = 0; t < nthreads; t++) {
        res->cpu_total += w[t].cpu;
        if (w[t].cpu > res->cpu_busiest)
            res->cpu_busiest = w[t].cpu;
    }
    res->logs = o->n_logs;
out:
    for (size_t t = 0; w && t < nthreads; t++)
        if (t > 0 || rc)
            sol_match_scanner_free(w[t].sc);
    if (!rc)
        *out = w[0].sc;
    sol_free(w);
    sol_free(p.jobs);
    struct block b;
    while (p.q && dequeue(&p, &b)) /* left by a cancelled pool */
        sol_free(b.text);
    sol_free(p.q);
    pthread_cond_destroy(&p.more);
    pthread_cond_destroy(&p.wake);
    pthread_mutex_destroy(&p.lock);
    return rc;
}

/* ---- Earlier versions of the sightings ---- */

/* A sighting already written (or held by the node), by its indicator and first hit. */
struct prior {
    char indicator[128];
    sol_time_t first_seen;
    struct sol_sighting_prior p;
};

struct priors {
    struct prior *v;
    size_t n, cap;
};

static struct prior *
prior_find(const struct priors *ps, const char *indicator, sol_time_t first_seen)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].first_seen == first_seen && strcmp(ps->v[i].indicator, indicator) == 0)
            return &ps->v[i];
    return NULL;
}

static int
prior_put(struct priors *ps, const char *indicator, sol_time_t first_seen,
          const struct sol_sighting_prior *p)
{
    struct prior *x = prior_find(ps, indicator, first_seen);
    if (!x) {
        if (ps->n == ps->cap) {
            size_t nc = ps->cap ? ps->cap * 2 : 16;
            struct prior *nv = sol_realloc(ps->v, nc * sizeof *nv);
            if (!nv)
                return SOL_ENOMEM;
            ps->v = nv;
            ps->cap = nc;
        }
        x = &ps->v[ps->n++];
        snprintf(x->indicator, sizeof x->indicator, "%s", indicator);
        x->first_seen = first_seen;
    }
    x->p = *p;
    return 0;
}

struct prior_ctx {
    struct priors *ps;
    const struct sol_match_index *idx;
};

static bool
prior_of(void *ud, const struct sol_match_hit *h, const char *indicator,
         struct sol_sighting_prior *out)
{
    struct prior_ctx *c = ud;
    const struct prior *x = prior_find(c->ps, indicator, h->first_seen);
    if (x)
        *out = x->p;
    return x != NULL;
}

static void
prior_written(void *ud, const struct sol_match_hit *h, const struct sol_sighting_prior *s)
{
    struct prior_ctx *c = ud;
    struct sol_match_indicator ind;
    sol_match_index_get(c->idx, h->indicator, &ind);
    (void)prior_put(c->ps, ind.id, h->first_seen, s);
}

static sol_time_t
json_time(const struct sol_json *o, const char *key)
{
    struct sol_str s = sol_json_str(sol_json_get(o, key));
    sol_time_t t = 0;
    if (s.p)
        (void)sol_time_parse(s.p, s.n, 0, &t, NULL, NULL);
    return t;
}

struct loading {
    struct priors *ps;
    const char *identity;
};

/* One stored sighting by this identity, as a prior. */
static int
prior_one(void *ud, const struct sol_object_row *row, const struct sol_json *o)
{
    (void)row;
    struct loading *l = ud;
    struct sol_str by = sol_json_str(sol_json_get(o, "created_by_ref"));
    struct sol_str ind = sol_json_str(sol_json_get(o, "sighting_of_ref"));
    struct sol_str id = sol_json_str(sol_json_get(o, "id"));
    if (!by.p || !sol_str_eqc(by, l->identity) || !ind.p || ind.n >= 128 || !id.p || id.n >= 64)
        return 0;
    struct sol_sighting_prior p;
    memset(&p, 0, sizeof p);
    memcpy(p.id, id.p, id.n);
    p.created = json_time(o, "created");
    p.modified = json_time(o, "modified");
    p.last_seen = json_time(o, "last_seen");
    const struct sol_json *cnt = sol_json_get(o, "count");
    p.count = cnt && cnt->type == SOL_JSON_INT && cnt->u.i > 0 ? (uint64_t)cnt->u.i : 0;
    const struct sol_json *od = sol_json_get(o, "observed_data_refs");
    struct sol_str odr = od && od->type == SOL_JSON_ARRAY && od->n ? sol_json_str(od + 1)
                                                                   : (struct sol_str){NULL, 0};
    if (odr.p && odr.n < sizeof p.observed_data_ref)
        memcpy(p.observed_data_ref, odr.p, odr.n);
    char indicator[128];
    memcpy(indicator, ind.p, ind.n);
    indicator[ind.n] = 0;
    return prior_put(l->ps, indicator, json_time(o, "first_seen"), &p);
}

/* The node's own sightings in collection (by this identity), as priors. */
static int
load_priors(struct sol_store *store, const char *collection, const char *identity,
            struct priors *ps, struct sol_error *err)
{
    static const char *const types[] = {"sighting"};
    struct loading l = {ps, identity};
    size_t n = 0, bad = 0;
    return each_object(store, collection, types, 1, identity, prior_one, &l, &n, &bad, err);
}

/* Write the sightings of the hits that the last observation completed. */
static int
follow_sightings(const struct sol_scan_options *o, struct sol_match_scanner *sc,
                 const struct sol_match_index *idx, struct sol__scan_tlps *tlps,
                 const char *identity, struct priors *ps, struct sol_buf *b)
{
    struct prior_ctx pc = {ps, idx};
    struct sol_sighting_options so = {.identity_id = identity,
                                      .now = o->now,
                                      .with_observed_data = o->with_observed_data,
                                      .tlp = tlps->floor,
                                      .indicator_tlp = tlps_lookup,
                                      .tlp_ud = tlps,
                                      .prior = prior_of,
                                      .written = prior_written,
                                      .ud = &pc};
    size_t nl, nh;
    const uint32_t *last = sol_match_scanner_last(sc, &nl);
    const struct sol_match_hit *hits = sol_match_scanner_hits(sc, &nh);
    for (size_t i = 0; i < nl; i++)
        for (size_t k = 0; k < nh; k++) {
            if (hits[k].indicator != last[i])
                continue;
            sol_buf_reset(b);
            struct sol_json_writer w;
            sol_jw_init(&w, b, false);
            if (sol_match_write_sightings(idx, &hits[k], 1, &so, &w) != 0)
                return SOL_ENOMEM;
            if (o->sighting && o->sighting(o->ud, b->p, b->n) != 0)
                return SOL_EIO;
        }
    return 0;
}

/*
 * The streaming correlator of --follow: candidates of patterns over several observations
 * wait in a heap by time until no earlier one can still come (the newest event time
 * seen, less the reorder window), then go, in time order, to the scanner of their stream.
 */
struct follow_corr {
    struct sol__mcand *heap;
    size_t n, cap;
    struct sol_match_scanner **sc; /* per stream, made on first use */
    size_t nstreams;
    sol_time_t newest, released; /* the newest event time seen; the last released */
    uint64_t late;               /* candidates that came after a later one was released */
};

static bool
cand_before(const struct sol__mcand *a, const struct sol__mcand *b)
{
    return a->first != b->first ? a->first < b->first : a->order < b->order;
}

static int
corr_push(struct follow_corr *fc, const struct sol__mcand *c)
{
    if (fc->n == fc->cap) {
        size_t nc = fc->cap ? fc->cap * 2 : 64;
        struct sol__mcand *v = sol_realloc(fc->heap, nc * sizeof *v);
        if (!v)
            return SOL_ENOMEM;
        fc->heap = v;
        fc->cap = nc;
    }
    size_t i = fc->n++;
    while (i > 0 && cand_before(c, &fc->heap[(i - 1) / 2])) {
        fc->heap[i] = fc->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    fc->heap[i] = *c;
    if (c->first < fc->released)
        fc->late++;
    return 0;
}

static struct sol__mcand
corr_pop(struct follow_corr *fc)
{
    struct sol__mcand top = fc->heap[0], last = fc->heap[--fc->n];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= fc->n)
            break;
        if (k + 1 < fc->n && cand_before(&fc->heap[k + 1], &fc->heap[k]))
            k++;
        if (!cand_before(&fc->heap[k], &last))
            break;
        fc->heap[i] = fc->heap[k];
        i = k;
    }
    if (fc->n)
        fc->heap[i] = last;
    return top;
}

/* Release the candidates before until (all of them: until = INT64_MAX), printing the
   sightings their patterns complete. */
static int
corr_release(const struct sol_scan_options *o, const struct sol_match_index *idx,
             struct sol_scan_result *res, struct follow_corr *fc, sol_time_t until,
             struct priors *ps, struct sol_buf *b)
{
    int rc = 0;
    while (fc->n && fc->heap[0].first < until && !rc) {
        struct sol__mcand c = corr_pop(fc);
        fc->released = c.first;
        if (c.stream >= fc->nstreams) {
            size_t nn = c.stream + 1;
            struct sol_match_scanner **v = sol_realloc(fc->sc, nn * sizeof *v);
            if (!v) {
                sol_free(c.json);
                sol_free(c.ctx);
                return SOL_ENOMEM;
            }
            for (size_t i = fc->nstreams; i < nn; i++)
                v[i] = NULL;
            fc->sc = v;
            fc->nstreams = nn;
        }
        struct sol_match_scanner *sc = fc->sc[c.stream];
        if (!sc) {
            sc = fc->sc[c.stream] = sol_match_scanner_new(idx);
            if (!sc) {
                sol_free(c.json);
                sol_free(c.ctx);
                return SOL_ENOMEM;
            }
            sol_match_scanner_keep_observations(sc, o->with_observed_data);
            sol_match_scanner_set_validity(sc, o->validity, o->as_of);
            sol_match_scanner_keep_context(sc, o->context);
        }
        sol__mscan_feed(sc, &c);
        size_t nl;
        sol_match_scanner_last(sc, &nl);
        if (nl)
            rc = follow_sightings(o, sc, idx, res->own_tlps, res->identity, ps, b);
        /* The scanner copied what it keeps of the candidate. */
        sol_free(c.json);
        sol_free(c.ctx);
    }
    return rc;
}

/* One log being followed. */
struct followed {
    const char *path;
    FILE *f;
    struct sol_log_reader *r;
    bool done; /* standard input ended, or the log failed */
};

/*
 * The logs, read as they grow, in the calling thread: each event that completes a match
 * prints its sighting at once; patterns over several observations see all the logs as
 * one stream (or each its own, per_file), ordered within the reorder window.
 */
static int
run_follow(const struct sol_scan_options *o, const struct sol_match_index *idx,
           struct sol_scan_result *res, struct sol_match_scanner *sc, struct sol_error *err)
{
    res->logs = o->n_logs;
    sol_time_t window = o->reorder_window ? o->reorder_window : 60 * (sol_time_t)1000000;
    struct followed *lg = sol_calloc(o->n_logs, sizeof *lg);
    if (!lg)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    int rc = 0;
    size_t open = 0;
    for (size_t i = 0; i < o->n_logs && !rc; i++) {
        lg[i].path = o->logs[i];
        lg[i].done = true;
        if (!(lg[i].f = open_log(lg[i].path))) {
            notice(o, SOL_SCAN_WARNING, "%s: %s", lg[i].path, strerror(errno));
            res->failed_logs++;
            continue;
        }
        struct sol_error e;
        memset(&e, 0, sizeof e);
        int k = sol_log_reader_open(lg[i].f, lg[i].path, o->format, o->mapping, &lg[i].r, &e);
        if (k) {
            notice(o, SOL_SCAN_WARNING, "%s", e.msg[0] ? e.msg : sol_strerror(k));
            res->failed_logs++;
            rc = k == SOL_ENOMEM ? k : 0;
            continue;
        }
        if (lg[i].f != stdin)
            sol_log_reader_set_follow(lg[i].r, true);
        lg[i].done = false;
        open++;
    }
    struct sol_buf b;
    sol_buf_init(&b);
    struct priors ps = {NULL, 0, 0}; /* a sighting printed again keeps its id and created */
    struct follow_corr fc;
    memset(&fc, 0, sizeof fc);
    const struct sol_obs *obs;
    uint64_t order = 0;
    while (!rc && open && !(o->stop && *o->stop)) {
        bool any = false;
        for (size_t i = 0; i < o->n_logs && !rc; i++) {
            struct followed *l = &lg[i];
            /* A few hundred events of each log in turn, so that none waits for another. */
            for (int batch = 0; !l->done && batch < 256 && !rc; batch++) {
                struct sol_error e;
                memset(&e, 0, sizeof e);
                int k = sol_log_reader_next(l->r, &obs, &e);
                if (k == SOL_EEOF) {
                    if (l->f == stdin && feof(stdin)) {
                        l->done = true;
                        open--;
                    }
                    sol_log_reader_clear_eof(l->r);
                    break;
                }
                any = true;
                if (k == SOL_ESYNTAX) {
                    if (++res->bad_lines <= BAD_LINES_SHOWN) {
                        char msg[MSG];
                        bad_record_text(msg, sizeof msg, l->path, &e);
                        notice(o, SOL_SCAN_WARNING, "%s", msg);
                    }
                    continue;
                }
                if (k) {
                    notice(o, SOL_SCAN_WARNING, "%s: %s", l->path,
                           e.msg[0] ? e.msg : sol_strerror(k));
                    res->failed_logs++;
                    l->done = true;
                    open--;
                    break;
                }
                res->events++;
                if ((rc = sol__mscan_defer(sc, o->per_file ? (uint32_t)i : 0, order)) != 0)
                    break;
                if (sol_match_scan(sc, obs) &&
                    (rc = follow_sightings(o, sc, idx, res->own_tlps, res->identity, &ps, &b)))
                    break;
                order = (order + 1) & ((1ull << 44) - 1);
                if (obs->time > fc.newest)
                    fc.newest = obs->time;
                size_t nc;
                struct sol__mcand *cs = sol__mscan_take(sc, &nc);
                for (size_t c = 0; c < nc && !rc; c++)
                    rc = corr_push(&fc, &cs[c]);
                sol_free(cs); /* the contents now belong to the heap */
                if (!rc)
                    rc = corr_release(o, idx, res, &fc, fc.newest - window, &ps, &b);
            }
        }
        if (!any && !rc) {
            struct timespec ts = {0, 200000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (!rc)
        rc = corr_release(o, idx, res, &fc, INT64_MAX, &ps, &b);
    for (size_t i = 0; i < fc.nstreams; i++) {
        if (fc.sc[i] && !rc && sol_match_scanner_merge(sc, fc.sc[i]) != 0)
            rc = SOL_ENOMEM;
        sol_match_scanner_free(fc.sc[i]);
    }
    for (size_t i = 0; i < fc.n; i++) {
        sol_free(fc.heap[i].json);
        sol_free(fc.heap[i].ctx);
    }
    sol_free(fc.heap);
    sol_free(fc.sc);
    res->late = fc.late;
    for (size_t i = 0; i < o->n_logs; i++) {
        if (lg[i].r)
            res->bytes += sol_log_reader_bytes(lg[i].r);
        sol_log_reader_free(lg[i].r);
        if (lg[i].f)
            close_log(lg[i].f);
    }
    sol_free(lg);
    sol_free(ps.v);
    sol_buf_free(&b);
    if (rc)
        return sol_error_set(err, rc, "%s",
                             rc == SOL_ENOMEM ? "out of memory" : "cannot write a sighting");
    return 0;
}

/* ---- Sightings ---- */

static int
write_bundle(const struct sol_scan_options *o, struct sol_scan_result *res, struct priors *ps)
{
    struct sol_buf *b = &res->bundle;
    struct sol_json_writer w;
    sol_jw_init(&w, b, true);
    sol_time_t now = o->now ? o->now : sol_time_now();
    struct sol_uuid bu;
    sol_uuid_v4(&bu);
    char bid[64];
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): sol_uuid_format ends it */
    memcpy(bid, "bundle--", 8);
    sol_uuid_format(&bu, bid + 8);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "type");
    sol_jw_string(&w, "bundle");
    sol_jw_key(&w, "id");
    sol_jw_string(&w, bid);
    /* STIX 2.1 §8: objects is optional, and an empty list is not allowed (§2.12). */
    if (!res->nhits) {
        sol_jw_object_end(&w);
        sol_buf_putc(b, '\n');
        return b->oom ? SOL_ENOMEM : 0;
    }
    sol_jw_key(&w, "objects");
    sol_jw_array_begin(&w);
    if (res->identity_origin == SOL_SCAN_IDENTITY_DERIVED)
        write_identity(&w, res->identity, now);
    struct prior_ctx pc = {ps, res->idx};
    struct sol_sighting_options so = {.identity_id = res->identity,
                                      .now = now,
                                      .with_observed_data = o->with_observed_data,
                                      .tlp = res->own_tlps->floor,
                                      .indicator_tlp = tlps_lookup,
                                      .tlp_ud = res->own_tlps,
                                      .prior = ps->n ? prior_of : NULL,
                                      .ud = &pc,
                                      .observations_left_out = &res->observations_left_out};
    int rc = sol_match_write_sightings(res->idx, res->hits, res->nhits, &so, &w);
    sol_jw_array_end(&w);
    sol_jw_object_end(&w);
    sol_buf_putc(b, '\n');
    if (res->observations_left_out)
        notice(o, SOL_SCAN_WARNING,
               "%zu observation%s left out of --with-observed-data: not valid STIX 2.1 (their "
               "sightings are written without them)",
               res->observations_left_out, res->observations_left_out == 1 ? "" : "s");
    return rc || b->oom ? SOL_ENOMEM : 0;
}

/* The first object the ingest rejected, named, and why. */
struct rejected {
    char first[400];
    size_t n;
};

static void
on_ingested(void *ud, const struct sol_ingest_result *r)
{
    struct rejected *rj = ud;
    if (r->outcome == SOL_INGEST_REJECTED && rj->n++ == 0)
        snprintf(rj->first, sizeof rj->first, "first: %.120s: %.250s", r->id, r->message);
}

/* Add the bundle to a collection of the node, through the one ingest path. */
static void
store_sightings(const struct sol_scan_options *o, struct sol_scan_result *res)
{
    char *msg = res->store_error;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    if (resolve_collection(o->store, o->store_to, res->stored_in, sizeof res->stored_in, &err)) {
        snprintf(msg, sizeof res->store_error, "%s", err.msg);
        return;
    }
    const char *collection = res->stored_in;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    if (!doc || sol_json_parse(doc, res->bundle.p, res->bundle.n, &root, &err) != 0) {
        sol_json_doc_free(doc);
        snprintf(msg, sizeof res->store_error, "--store: %s",
                 err.msg[0] ? err.msg : "out of memory");
        return;
    }
    /* access.h "Policy": the node's sightings are its own: signed at ingest. */
    struct sol_sign_key key;
    bool signed_ = sol_sign_node_key(o->store, NULL, &key, &err) == 0;
    struct sol_ingest_options io = {.collection = collection,
                                    .actor = o->actor,
                                    .origin = "scan",
                                    .node_key = signed_ ? &key : NULL};
    struct sol_ingest *in = NULL;
    struct rejected rj = {{0}, 0};
    if (sol_ingest_begin(o->store, &io, &in, &err) != 0) {
        snprintf(msg, sizeof res->store_error, "--store %s: %s", collection, err.msg);
    } else if (sol_ingest_document(in, root, on_ingested, &rj, &err) != 0) {
        snprintf(msg, sizeof res->store_error, "--store %s: %s", collection, err.msg);
        sol_ingest_abort(in);
    } else {
        struct sol_ingest_stats st;
        sol_ingest_get_stats(in, &st);
        if (sol_ingest_end(in) != 0) {
            snprintf(msg, sizeof res->store_error, "--store %s: %s", collection,
                     sol_store_errmsg(o->store));
        } else {
            res->stored = st.stored;
            res->rejected = st.rejected;
            if (st.rejected)
                snprintf(msg, sizeof res->store_error, "--store %s: %zu object%s rejected (%s)",
                         collection, st.rejected, st.rejected == 1 ? "" : "s", rj.first);
        }
    }
    sol_sign_key_clear(&key);
    sol_json_doc_free(doc);
}

int
sol_scan_run(const struct sol_scan_options *o, struct sol_scan_result *res, struct sol_error *err)
{
    memset(res, 0, sizeof *res);
    sol_buf_init(&res->bundle);
    if (!o->n_logs)
        return sol_error_set(err, SOL_EINVAL, "no logs to scan");
    if (o->follow && o->store_to)
        return sol_error_set(err, SOL_EINVAL, "follow stores nothing");
    if (((o->n_collections && !o->index) || o->store_to) && !o->store)
        return sol_error_set(err, SOL_EINVAL, "collections need the node's store");
    resolve_identity(o, res);
    int rc = build_index(o, res, err);
    if (rc)
        return rc;
    if (o->follow) {
        res->own_sc = sol_match_scanner_new(res->idx);
        if (!res->own_sc)
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        sol_match_scanner_keep_observations(res->own_sc, o->with_observed_data);
        sol_match_scanner_set_validity(res->own_sc, o->validity, o->as_of);
        sol_match_scanner_keep_context(res->own_sc, o->context);
        rc = run_follow(o, res->idx, res, res->own_sc, err);
    } else {
        rc = run_pool(o, res->idx, res, &res->own_sc, err);
    }
    if (rc)
        return rc;
    sol_match_scanner_counts(res->own_sc, &res->counts);
    res->hits = sol_match_scanner_hits(res->own_sc, &res->nhits);
    if (!res->hits)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (o->follow)
        return 0;
    /* A sighting the collection holds already is continued, not repeated. */
    struct priors ps = {NULL, 0, 0};
    if (o->store_to && res->nhits) {
        /* A collection that cannot be read is told when storing (store_error). */
        char collection[128];
        struct sol_error e;
        if (resolve_collection(o->store, o->store_to, collection, sizeof collection, &e) == 0 &&
            load_priors(o->store, collection, res->identity, &ps, &e) == SOL_ENOMEM)
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    if (!rc && write_bundle(o, res, &ps) != 0)
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    sol_free(ps.v);
    if (rc)
        return rc;
    if (o->store_to && res->nhits)
        store_sightings(o, res);
    return 0;
}

void
sol_scan_result_free(struct sol_scan_result *res)
{
    if (!res)
        return;
    sol_buf_free(&res->bundle);
    sol_match_scanner_free(res->own_sc);
    sol_match_index_free(res->own_idx);
    tlps_free(res->own_tlps);
    res->own_sc = NULL;
    res->own_idx = NULL;
    res->own_tlps = NULL;
    res->idx = NULL;
    res->hits = NULL;
    res->nhits = 0;
}
