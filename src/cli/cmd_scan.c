/*
 * cmd_scan.c — solidarity scan: match logs against every indicator and write the hits
 * as STIX sightings.
 *
 *   solidarity scan [--indicators FILE...] [--collection ID...] [--format F] [--mapping FILE]
 *                   [--output FILE] [--identity ID] [--store ID] [--with-observed-data]
 *                   [--follow] [--threads N] LOG...
 *
 * The sightings bundle goes to --output or standard output (and into a collection of the
 * node with --store); a summary goes to standard error. Exit 0 when anything was
 * sighted, 1 when nothing was, 2 on an error.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "solidarity/json.h"
#include "solidarity/match.h"
#include "solidarity/util.h"

#define MAX_FILES 4096
#define BAD_LINES_SHOWN 5

static void
help(FILE *f)
{
    fprintf(f,
            "usage: solidarity scan [--indicators FILE...] [--collection ID...] [--format F]\n"
            "                       [--mapping FILE] [--output FILE] [--identity ID]\n"
            "                       [--store ID] [--follow] [--threads N] LOG...\n\n"
            "Match logs against every indicator of the given STIX bundles and collections and\n"
            "write one STIX sighting per indicator sighted, as a bundle. LOG '-' reads\n"
            "standard input; gzip-compressed logs are read as they are.\n\n"
            "options:\n"
            "  --indicators FILE   a STIX bundle (or array of objects) with indicators\n"
            "  --collection ID     the indicators of a collection of this node (--data DIR)\n"
            "  --store ID          also add the sightings to that collection of this node\n"
            "  --format F          zeek, zeek-json, eve, jsonl, csv or stix (default: detect)\n"
            "  --mapping FILE      field -> object-type:path rules, for jsonl and csv\n"
            "  --output FILE       write the bundle there instead of standard output\n"
            "  --identity ID       the identity--... that sighted (default: the node's, when\n"
            "                      there is a node; else one derived from the host name,\n"
            "                      included in the bundle)\n"
            "  --follow            keep reading logs as they grow; print each sighting as one\n"
            "                      JSON line when it happens (stop with Ctrl-C)\n"
            "  --threads N         scan N logs at once (default 1)\n"
            "  --with-observed-data  add each sighting's first observation (its SCOs and an\n"
            "                      observed-data) and name it in observed_data_refs\n"
            "  --quiet, -q         no summary on standard error\n"
            "  --help, -h          this text\n\n"
            "exit status: 0 something sighted, 1 nothing sighted, 2 an error.\n");
}

struct job {
    const char *path;
    /* results */
    uint64_t events, bad, bytes;
    int rc;
    char error[600];
    char bad_shown[BAD_LINES_SHOWN][600];
    size_t nbad_shown;
};

struct scan_ctx {
    const struct sol_match_index *idx;
    enum sol_log_format format;
    const struct sol_log_mapping *mapping;
    struct job *jobs;
    size_t njobs;
    size_t next_job;
    pthread_mutex_t lock;
    uint64_t progress_events, progress_bytes;
    bool done;
};

/* The progress line on a terminal: every half second, until the scan is done. */
static void *
progress_main(void *arg)
{
    struct scan_ctx *cx = arg;
    time_t start = time(NULL);
    bool shown = false;
    while (!__atomic_load_n(&cx->done, __ATOMIC_RELAXED)) {
        struct timespec ts = {0, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (time(NULL) - start < 2)
            continue; /* short scans print nothing */
        uint64_t e = __atomic_load_n(&cx->progress_events, __ATOMIC_RELAXED);
        uint64_t b = __atomic_load_n(&cx->progress_bytes, __ATOMIC_RELAXED);
        fprintf(stderr, "\rscan: %llu events, %.1f MB, %lld s ", (unsigned long long)e,
                (double)b / 1e6, (long long)(time(NULL) - start));
        shown = true;
    }
    if (shown)
        fprintf(stderr, "\r\033[K");
    return NULL;
}

static void
run_job(struct scan_ctx *cx, struct sol_match_scanner *sc, struct job *j)
{
    FILE *f = strcmp(j->path, "-") == 0 ? stdin : fopen(j->path, "rb");
    if (!f) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->path, strerror(errno));
        j->rc = CLI_ERR;
        return;
    }
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = sol_log_reader_open(f, j->path, cx->format, cx->mapping, &r, &err);
    if (rc) {
        snprintf(j->error, sizeof j->error, "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        j->rc = CLI_ERR;
        if (f != stdin)
            fclose(f);
        return;
    }
    const struct sol_obs *obs;
    uint64_t last_bytes = 0;
    for (;;) {
        rc = sol_log_reader_next(r, &obs, &err);
        if (rc == SOL_EEOF)
            break;
        if (rc == SOL_ESYNTAX) {
            if (j->nbad_shown < BAD_LINES_SHOWN && err.line)
                snprintf(j->bad_shown[j->nbad_shown++], sizeof j->bad_shown[0], "%s:%u: %s",
                         j->path, err.line, err.msg);
            else if (j->nbad_shown < BAD_LINES_SHOWN)
                snprintf(j->bad_shown[j->nbad_shown++], sizeof j->bad_shown[0], "%s: %s",
                         j->path, err.msg);
            j->bad++;
            continue;
        }
        if (rc) {
            snprintf(j->error, sizeof j->error, "%s: %s", j->path,
                     err.msg[0] ? err.msg : sol_strerror(rc));
            j->rc = CLI_ERR;
            break;
        }
        j->events++;
        sol_match_scan(sc, obs);
        if ((j->events & 4095) == 0) {
            uint64_t b = sol_log_reader_bytes(r);
            __atomic_add_fetch(&cx->progress_events, 4096, __ATOMIC_RELAXED);
            __atomic_add_fetch(&cx->progress_bytes, b - last_bytes, __ATOMIC_RELAXED);
            last_bytes = b;
        }
    }
    j->bytes = sol_log_reader_bytes(r);
    sol_log_reader_free(r);
    if (f != stdin)
        fclose(f);
}

struct worker {
    struct scan_ctx *cx;
    struct sol_match_scanner *sc;
    pthread_t th;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->cx->lock);
        size_t i = w->cx->next_job++;
        pthread_mutex_unlock(&w->cx->lock);
        if (i >= w->cx->njobs)
            break;
        run_job(w->cx, w->sc, &w->cx->jobs[i]);
    }
    return NULL;
}

static int
load_indicators(struct sol_match_index *idx, const char *path, bool quiet)
{
    struct sol_json_limits lim = {.max_bytes = (size_t)2 << 30};
    struct sol_json_doc *doc = sol_json_doc_new(&lim);
    if (!doc) {
        cli_error("scan", "out of memory");
        return CLI_ERR;
    }
    const struct sol_json *root;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = sol_json_parse_file(doc, path, &root, &err);
    if (rc) {
        char buf[700];
        cli_error("scan", "%s: %s", path, sol_error_format(&err, buf, sizeof buf));
        sol_json_doc_free(doc);
        return CLI_ERR;
    }
    size_t bad = 0;
    memset(&err, 0, sizeof err);
    rc = sol_match_index_add_bundle(idx, root, &bad, &err);
    sol_json_doc_free(doc);
    if (rc) {
        cli_error("scan", "%s: %s", path, err.msg[0] ? err.msg : sol_strerror(rc));
        return CLI_ERR;
    }
    if (bad && !quiet)
        cli_error("scan", "%s: %zu indicator%s skipped (first: %s)", path, bad,
                  bad == 1 ? "" : "s", err.msg);
    return CLI_OK;
}

/* The id of a collection named by id or alias, into out; CLI_ERR (said) when none. */
static int
resolve_collection(struct sol_store *store, const char *name, char *out, size_t n)
{
    struct sol_collection c;
    memset(&c, 0, sizeof c);
    int rc = sol_store_collection_get(store, NULL, name, &c);
    if (rc != 0) {
        cli_error("scan", "collection %s: %s", name,
                  rc == SOL_ENOTFOUND ? "no such collection" : sol_store_errmsg(store));
        return CLI_ERR;
    }
    snprintf(out, n, "%s", c.id);
    sol_collection_clear(&c);
    return CLI_OK;
}

/* The indicators (and the malware and tools they indicate) of a collection of the node. */
static int
load_collection(struct sol_match_index *idx, struct sol_store *store, const char *name,
                const char *identity, bool quiet)
{
    char collection[128];
    if (resolve_collection(store, name, collection, sizeof collection) != CLI_OK)
        return CLI_ERR;
    static const char *const types[] = {"indicator", "malware", "tool", "relationship"};
    struct sol_object_filter f = {
        .collection = collection,
        .types = types,
        .n_types = 4,
        .version_match = SOL_VERSION_LAST,
        .max_tlp = SOL_TLP_RED,
        .asker_identity = identity, /* the node's own operator scans */
    };
    struct sol_store_cursor *c = NULL;
    if (sol_store_objects_query(store, &f, &c) != 0) {
        cli_error("scan", "collection %s: %s", collection, sol_store_errmsg(store));
        return CLI_ERR;
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc) {
        sol_store_cursor_close(c);
        cli_error("scan", "out of memory");
        return CLI_ERR;
    }
    struct sol_object_row row;
    size_t bad = 0, n = 0;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc;
    while ((rc = sol_store_cursor_next(c, &row)) == 0) {
        const struct sol_json *root;
        n++;
        if (sol_json_parse(doc, row.json.p, row.json.n, &root, NULL) != 0) {
            bad++;
            continue;
        }
        if (sol_match_index_add_bundle(idx, root, &bad, &err) == SOL_ENOMEM) {
            rc = SOL_ENOMEM;
            break;
        }
    }
    sol_store_cursor_close(c);
    sol_json_doc_free(doc);
    if (rc != SOL_EEOF) {
        cli_error("scan", "collection %s: %s", collection,
                  rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(store));
        return CLI_ERR;
    }
    if (!n)
        cli_error("scan", "collection %s: no indicators", name);
    if (bad && !quiet)
        cli_error("scan", "collection %s: %zu indicator%s skipped (first: %s)", collection, bad,
                  bad == 1 ? "" : "s", err.msg);
    return CLI_OK;
}

/* Add the sightings to a collection of the node, through the one ingest path. */
static int
store_sightings(struct sol_store *store, const char *name, const struct sol_buf *bundle)
{
    char collection[128];
    if (resolve_collection(store, name, collection, sizeof collection) != CLI_OK)
        return CLI_ERR;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    if (!doc || sol_json_parse(doc, bundle->p, bundle->n, &root, &err) != 0) {
        sol_json_doc_free(doc);
        cli_error("scan", "--store: %s", err.msg[0] ? err.msg : "out of memory");
        return CLI_ERR;
    }
    struct sol_ingest_options o = {.collection = collection, .actor = cli_actor(),
                                   .origin = "scan"};
    struct sol_ingest *in = NULL;
    int status = CLI_OK;
    if (sol_ingest_begin(store, &o, &in, &err) != 0) {
        cli_error("scan", "--store %s: %s", collection, err.msg);
        status = CLI_ERR;
    } else if (sol_ingest_document(in, root, NULL, NULL, &err) != 0) {
        cli_error("scan", "--store %s: %s", collection, err.msg);
        sol_ingest_abort(in);
        status = CLI_ERR;
    } else {
        struct sol_ingest_stats st;
        sol_ingest_get_stats(in, &st);
        if (sol_ingest_end(in) != 0) {
            cli_error("scan", "--store %s: %s", collection, sol_store_errmsg(store));
            status = CLI_ERR;
        } else if (st.rejected) {
            cli_error("scan", "--store %s: %zu object%s rejected", collection, st.rejected,
                      st.rejected == 1 ? "" : "s");
            status = CLI_ERR;
        } else if (!cli_globals.quiet) {
            fprintf(stderr, "scan: %zu sighting%s stored in collection %s\n", st.stored,
                    st.stored == 1 ? "" : "s", collection);
        }
    }
    sol_json_doc_free(doc);
    return status;
}

static void
default_identity(char *out, size_t n)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    static const struct sol_uuid ns = {{0x3b, 0x51, 0x0e, 0x6f, 0x2c, 0x94, 0x4d, 0x1a, 0x8f,
                                        0x27, 0x40, 0x5e, 0x91, 0xc3, 0x6d, 0x02}};
    struct sol_uuid u;
    sol_uuid_v5(&ns, host, strlen(host), &u);
    char s[37];
    sol_uuid_format(&u, s);
    snprintf(out, n, "identity--%s", s);
}

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

static volatile sig_atomic_t stop_follow;

static void
on_signal(int sig)
{
    (void)sig;
    stop_follow = 1;
}

/* --follow: one log, read as it grows; each event with hits prints its sightings. */
static int
follow(struct scan_ctx *cx, struct sol_match_scanner *sc, const char *path, const char *identity,
       bool with_od, FILE *out, uint64_t *events, uint64_t *bad)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error("scan", "%s: %s", path, strerror(errno));
        return CLI_ERR;
    }
    struct sol_log_reader *r = NULL;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    int rc = sol_log_reader_open(f, path, cx->format, cx->mapping, &r, &err);
    if (rc) {
        cli_error("scan", "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        if (f != stdin)
            fclose(f);
        return CLI_ERR;
    }
    if (f != stdin)
        sol_log_reader_set_follow(r, true);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_sighting_options so = {.identity_id = identity, .now = 0,
                                      .with_observed_data = with_od};
    const struct sol_obs *obs;
    while (!stop_follow) {
        rc = sol_log_reader_next(r, &obs, &err);
        if (rc == SOL_EEOF) {
            if (f == stdin && feof(stdin))
                break;
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
            sol_log_reader_clear_eof(r);
            continue;
        }
        if (rc == SOL_ESYNTAX) {
            (*bad)++;
            if (*bad <= BAD_LINES_SHOWN)
                cli_error("scan", "%s:%u: %s", path, err.line, err.msg);
            continue;
        }
        if (rc) {
            cli_error("scan", "%s: %s", path, err.msg[0] ? err.msg : sol_strerror(rc));
            break;
        }
        (*events)++;
        if (!sol_match_scan(sc, obs))
            continue;
        size_t nl, nh;
        const uint32_t *last = sol_match_scanner_last(sc, &nl);
        const struct sol_match_hit *hits = sol_match_scanner_hits(sc, &nh);
        for (size_t i = 0; i < nl; i++) {
            for (size_t k = 0; k < nh; k++) {
                if (hits[k].indicator != last[i])
                    continue;
                sol_buf_reset(&b);
                struct sol_json_writer w;
                sol_jw_init(&w, &b, false);
                sol_match_write_sightings(cx->idx, &hits[k], 1, &so, &w);
                fprintf(out, "%s\n", b.p);
                fflush(out);
            }
        }
    }
    sol_buf_free(&b);
    sol_log_reader_free(r);
    if (f != stdin)
        fclose(f);
    return CLI_OK;
}

static void
print_summary(const struct sol_match_index *idx, const struct sol_match_hit *hits, size_t n)
{
    if (!n)
        return;
    fprintf(stderr, "%-48s %-20s %8s  %-20s  %s\n", "indicator", "indicates", "hits",
            "first seen", "last seen");
    for (size_t i = 0; i < n; i++) {
        struct sol_match_indicator ind;
        sol_match_index_get(idx, hits[i].indicator, &ind);
        char fs[40], ls[40];
        sol_time_format(hits[i].first_seen, 0, fs);
        sol_time_format(hits[i].last_seen, 0, ls);
        fprintf(stderr, "%-48.48s %-20.20s %8llu  %-20s  %s\n", ind.name[0] ? ind.name : ind.id,
                ind.indicates[0] ? ind.indicates : "-", (unsigned long long)hits[i].count, fs,
                ls);
    }
}

static bool
progress_wanted(void)
{
    return isatty(2) && !cli_globals.quiet;
}

int
cli_cmd_scan(int argc, char **argv)
{
    const char *indicators[MAX_FILES];
    size_t nind = 0;
    const char *logs[MAX_FILES];
    size_t nlogs = 0;
    const char *collections[MAX_FILES];
    size_t ncollections = 0;
    const char *format = NULL, *mapping_path = NULL, *output = NULL, *identity_arg = NULL;
    const char *store_to = NULL;
    bool do_follow = false, quiet = cli_globals.quiet, with_od = false;
    long threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--indicators") == 0 && more) {
            if (nind == MAX_FILES)
                return cli_usage("scan", "too many --indicators");
            indicators[nind++] = argv[++i];
        } else if (strcmp(a, "--format") == 0 && more) {
            format = argv[++i];
        } else if (strcmp(a, "--mapping") == 0 && more) {
            mapping_path = argv[++i];
        } else if (strcmp(a, "--output") == 0 && more) {
            output = argv[++i];
        } else if (strcmp(a, "--identity") == 0 && more) {
            identity_arg = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && more) {
            char *end;
            threads = strtol(argv[++i], &end, 10);
            if (*end || threads < 1 || threads > 256)
                return cli_usage("scan", "--threads takes a number from 1 to 256");
        } else if (strcmp(a, "--with-observed-data") == 0) {
            with_od = true;
        } else if (strcmp(a, "--follow") == 0) {
            do_follow = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--collection") == 0 && more) {
            if (ncollections == MAX_FILES)
                return cli_usage("scan", "too many --collection");
            collections[ncollections++] = argv[++i];
        } else if (strcmp(a, "--store") == 0 && more) {
            store_to = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("scan", "unknown option '%s'", a);
        } else {
            if (nlogs == MAX_FILES)
                return cli_usage("scan", "too many logs");
            logs[nlogs++] = a;
        }
    }
    if (!nind && !ncollections)
        return cli_usage("scan", "no indicators: give --indicators FILE or --collection ID");
    if (do_follow && store_to)
        return cli_usage("scan", "--store cannot be used with --follow");
    if (!nlogs)
        return cli_usage("scan", "no logs to scan (give LOG..., or '-' for standard input)");
    if (do_follow && nlogs != 1)
        return cli_usage("scan", "--follow takes exactly one log");
    enum sol_log_format fmt = SOL_LOG_AUTO;
    if (format && sol_log_format_parse(format, &fmt) != 0)
        return cli_usage("scan", "unknown format '%s' (zeek, zeek-json, eve, jsonl, csv, stix)",
                         format);
    if (identity_arg && strncmp(identity_arg, "identity--", 10) != 0)
        return cli_usage("scan", "--identity takes an identity id (identity--...)");

    int status = CLI_ERR;
    struct sol_store *store = NULL;
    struct sol_log_mapping *mapping = NULL;
    struct sol_match_index *idx = NULL;
    struct worker *workers = NULL;
    struct job *jobs = NULL;
    FILE *out = NULL;
    if (mapping_path) {
        struct sol_buf text;
        sol_buf_init(&text);
        struct sol_error err;
        memset(&err, 0, sizeof err);
        int rc = sol_read_file(mapping_path, 1 << 20, &text, &err);
        if (!rc)
            rc = sol_log_mapping_parse(text.p ? text.p : "", text.n, &mapping, &err);
        sol_buf_free(&text);
        if (rc) {
            cli_error("scan", "%s: %s", mapping_path, err.msg);
            return CLI_ERR;
        }
    }
    idx = sol_match_index_new();
    if (!idx) {
        cli_error("scan", "out of memory");
        goto done;
    }
    char identity[128] = "";
    bool node_identity = false;
    if (ncollections || store_to || (!identity_arg && sol_store_exists(cli_globals.data_dir))) {
        if (cli_open_store("scan", &store) != CLI_OK)
            goto done;
        struct sol_buf v;
        sol_buf_init(&v);
        if (sol_store_setting_get(store, SOL_SETTING_NODE_IDENTITY, &v) == 0 && v.n &&
            v.n < sizeof identity) {
            memcpy(identity, v.p, v.n);
            identity[v.n] = 0;
            node_identity = true;
        }
        sol_buf_free(&v);
    }
    if (identity_arg)
        snprintf(identity, sizeof identity, "%s", identity_arg);
    else if (!node_identity)
        default_identity(identity, sizeof identity);
    for (size_t i = 0; i < nind; i++)
        if (load_indicators(idx, indicators[i], quiet) != CLI_OK)
            goto done;
    for (size_t i = 0; i < ncollections; i++)
        if (load_collection(idx, store, collections[i], identity, quiet) != CLI_OK)
            goto done;
    struct sol_error err;
    memset(&err, 0, sizeof err);
    if (sol_match_index_build(idx, &err) != 0) {
        cli_error("scan", "building the index: %s", err.msg);
        goto done;
    }
    if (output) {
        out = fopen(output, "w");
        if (!out) {
            cli_error("scan", "%s: %s", output, strerror(errno));
            goto done;
        }
    } else {
        out = stdout;
    }

    struct scan_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.idx = idx;
    cx.format = fmt;
    cx.mapping = mapping;
    pthread_mutex_init(&cx.lock, NULL);
    if ((size_t)threads > nlogs)
        threads = (long)nlogs;
    workers = sol_calloc((size_t)threads, sizeof *workers);
    jobs = sol_calloc(nlogs, sizeof *jobs);
    if (!workers || !jobs)
        goto done_ctx;
    for (long t = 0; t < threads; t++) {
        workers[t].cx = &cx;
        workers[t].sc = sol_match_scanner_new(idx);
        if (!workers[t].sc) {
            cli_error("scan", "out of memory");
            goto done_ctx;
        }
        sol_match_scanner_keep_observations(workers[t].sc, with_od);
    }
    uint64_t events = 0, bad = 0, bytes = 0;
    bool failed = false;
    if (do_follow) {
        if (follow(&cx, workers[0].sc, logs[0], identity, with_od, out, &events, &bad) != CLI_OK)
            failed = true;
    } else {
        for (size_t i = 0; i < nlogs; i++)
            jobs[i].path = logs[i];
        cx.jobs = jobs;
        cx.njobs = nlogs;
        for (long t = 1; t < threads; t++)
            if (pthread_create(&workers[t].th, NULL, worker_main, &workers[t]) != 0) {
                cli_error("scan", "cannot start a thread");
                goto done_ctx;
            }
        pthread_t progress_th;
        bool progress = progress_wanted() &&
                        pthread_create(&progress_th, NULL, progress_main, &cx) == 0;
        worker_main(&workers[0]);
        for (long t = 1; t < threads; t++) {
            pthread_join(workers[t].th, NULL);
            if (sol_match_scanner_merge(workers[0].sc, workers[t].sc) != 0) {
                cli_error("scan", "out of memory");
                goto done_ctx;
            }
        }
        if (progress) {
            __atomic_store_n(&cx.done, true, __ATOMIC_RELAXED);
            pthread_join(progress_th, NULL);
        }
        for (size_t i = 0; i < nlogs; i++) {
            struct job *j = &jobs[i];
            for (size_t k = 0; k < j->nbad_shown; k++)
                cli_error("scan", "%s", j->bad_shown[k]);
            if (j->bad > j->nbad_shown)
                cli_error("scan", "%s: %llu more bad lines", j->path,
                          (unsigned long long)(j->bad - j->nbad_shown));
            if (j->rc) {
                cli_error("scan", "%s", j->error);
                failed = true;
            }
            events += j->events;
            bad += j->bad;
            bytes += j->bytes;
        }
    }

    size_t nh = 0;
    const struct sol_match_hit *hits = sol_match_scanner_hits(workers[0].sc, &nh);
    if (!do_follow) {
        struct sol_buf b;
        sol_buf_init(&b);
        struct sol_json_writer w;
        sol_jw_init(&w, &b, true);
        sol_time_t now = sol_time_now();
        struct sol_uuid bu;
        sol_uuid_v4(&bu);
        char bid[64];
        memcpy(bid, "bundle--", 8);
        sol_uuid_format(&bu, bid + 8);
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "type");
        sol_jw_string(&w, "bundle");
        sol_jw_key(&w, "id");
        sol_jw_string(&w, bid);
        sol_jw_key(&w, "objects");
        sol_jw_array_begin(&w);
        bool derived = !identity_arg && !node_identity;
        if (derived && nh)
            write_identity(&w, identity, now);
        struct sol_sighting_options so = {.identity_id = identity, .now = now,
                                          .with_observed_data = with_od};
        sol_match_write_sightings(idx, hits, nh, &so, &w);
        sol_jw_array_end(&w);
        sol_jw_object_end(&w);
        sol_buf_putc(&b, '\n');
        if (b.oom || fwrite(b.p, 1, b.n, out) != b.n || fflush(out) != 0) {
            cli_error("scan", "%s: cannot write the sightings", output ? output : "stdout");
            failed = true;
        }
        if (store_to && nh && !b.oom && store_sightings(store, store_to, &b) != CLI_OK)
            failed = true;
        sol_buf_free(&b);
    }
    if (!quiet) {
        struct sol_match_index_stats st;
        sol_match_index_stats(idx, &st);
        fprintf(stderr,
                "scan: %llu events in %zu log%s (%llu bad line%s); %zu indicators (%zu exact keys, "
                "%zu networks, %zu regex, %zu evaluated always, %zu multi-observation); "
                "%zu sighted; identity %s%s\n",
                (unsigned long long)events, nlogs, nlogs == 1 ? "" : "s",
                (unsigned long long)bad, bad == 1 ? "" : "s", st.indicators, st.exact_keys, st.cidr_prefixes,
                st.regex_terms, st.always_leaves, st.multi_patterns, nh, identity,
                identity_arg ? "" : node_identity ? " (the node's)" : " (derived from the host name)");
        print_summary(idx, hits, nh);
    }
    (void)bytes;
    status = failed ? CLI_ERR : nh ? CLI_OK : CLI_NO;
done_ctx:
    if (workers)
        for (long t = 0; t < threads; t++)
            sol_match_scanner_free(workers[t].sc);
    pthread_mutex_destroy(&cx.lock);
done:
    if (out && out != stdout)
        fclose(out);
    sol_free(workers);
    sol_free(jobs);
    sol_match_index_free(idx);
    sol_log_mapping_free(mapping);
    sol_store_close(store);
    return status;
}
