/*
 * ingest_bench.c — bulk ingest into the SQLite store next to a bare parse-and-insert.
 *
 *   bench_ingest [N]     (default 100000 objects)
 *
 * Both sides start from the same bundle text in memory, parse it with the same JSON
 * layer, and write to a fresh SQLite database in WAL mode with synchronous=FULL, in
 * transactions of 1000 objects:
 *   baseline: parse, serialise each object, INSERT (id, json) into a bare table;
 *   ingest:   parse, then sol_ingest_document(): validate every object with the STIX
 *             validator, mark it, store it as a version (duplicate check, date_added,
 *             indexes for paging and id lookups), audit each batch.
 * The target: ingest ≥ 0.8× the baseline's objects/s.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A bundle of n indicators and relationships, like the spyware bundles that ship. */
static void
make_bundle(struct sol_buf *b, size_t n)
{
    sol_buf_puts(b, "{\"type\":\"bundle\",\"id\":\"bundle--6d3b5f8a-3c2e-4b8e-9a4e-4f2b8a2c1d00\","
                    "\"objects\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sol_buf_putc(b, ',');
        if (i % 2 == 0)
            sol_buf_printf(
                b,
                "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                "\"id\":\"indicator--%08zx-1111-4111-8111-111111111111\","
                "\"created\":\"2021-07-18T00:00:00.000Z\",\"modified\":\"2021-07-18T00:00:00."
                "000Z\","
                "\"name\":\"spyware domain %zu\",\"indicator_types\":[\"malicious-activity\"],"
                "\"pattern\":\"[domain-name:value = 'host%zu.example.com']\","
                "\"pattern_type\":\"stix\",\"valid_from\":\"2021-07-18T00:00:00Z\","
                "\"created_by_ref\":\"identity--aaaaaaaa-0000-4000-8000-000000000001\"}",
                i, i, i);
        else
            sol_buf_printf(b,
                           "{\"type\":\"relationship\",\"spec_version\":\"2.1\","
                           "\"id\":\"relationship--%08zx-2222-4222-8222-222222222222\","
                           "\"created\":\"2021-07-18T00:00:00.000Z\",\"modified\":\"2021-07-18T00:"
                           "00:00.000Z\","
                           "\"relationship_type\":\"indicates\","
                           "\"source_ref\":\"indicator--%08zx-1111-4111-8111-111111111111\","
                           "\"target_ref\":\"malware--bbbbbbbb-0000-4000-8000-000000000002\"}",
                           i, i - 1);
    }
    sol_buf_puts(b, "]}");
}

/* mkdir -p or rm -rf of a path without quotes in it (ours, from mkdtemp). */
static int
shell_on(const char *verb, const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s'", verb, path);
    return system(cmd);
}

/*
 * Parse, serialise each object, insert (id, json) into a bare table; with validate,
 * also run the STIX validator on each object first (to show what the store itself adds).
 */
static double
baseline(const struct sol_buf *text, const char *dir, bool validate, size_t *count)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bare%d.db", dir, validate);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                 "CREATE TABLE objects (id TEXT NOT NULL, json TEXT NOT NULL)",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO objects (id, json) VALUES (?1, ?2)", -1, &st, NULL);
    double t0 = now();
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    if (sol_json_parse(doc, text->p, text->n, &root, NULL) != 0)
        return -1;
    struct sol_buf out;
    sol_buf_init(&out);
    struct sol_json_iter it;
    const struct sol_json *obj;
    sol_json_iter_init(&it, sol_json_get(root, "objects"));
    size_t n = 0;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (sol_json_iter_next(&it, NULL, &obj)) {
        if (validate) {
            struct sol_stix_report rep;
            sol_stix_report_init(&rep);
            int bad = sol_stix_validate_object(obj, NULL, "objects[0]", &rep);
            sol_stix_report_free(&rep);
            if (bad)
                return -1;
        }
        struct sol_json_writer w;
        sol_buf_reset(&out);
        sol_jw_init(&w, &out, false);
        sol_jw_value(&w, obj);
        struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
        sqlite3_bind_text(st, 1, id.p, (int)id.n, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, out.p, (int)out.n, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
        if (++n % 1000 == 0) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double t = now() - t0;
    sol_buf_free(&out);
    sol_json_doc_free(doc);
    sqlite3_finalize(st);
    sqlite3_close(db);
    *count = n;
    return t;
}

/* The real thing: parse, then the one ingest path into the store. */
static double
ingest(const struct sol_buf *text, const char *dir, size_t *count)
{
    char path[512];
    snprintf(path, sizeof path, "%s/node", dir);
    shell_on("mkdir -p", path);
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(path, &s, &err) != 0) {
        fprintf(stderr, "bench_ingest: %s\n", err.msg);
        return -1;
    }
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    sol_store_api_root_put(s, &r);
    char id[] = "bench", root_name[] = "intel", title[] = "bench";
    struct sol_collection c = {.id = id, .api_root = root_name, .title = title};
    sol_store_collection_put(s, &c);
    double t0 = now();
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    if (sol_json_parse(doc, text->p, text->n, &root, NULL) != 0)
        return -1;
    struct sol_ingest_options o = {
        .collection = "bench", .actor = "bench", .origin = "bench", .batch_size = 1000};
    struct sol_ingest *in;
    if (sol_ingest_begin(s, &o, &in, &err) != 0 ||
        sol_ingest_document(in, root, NULL, NULL, &err) != 0) {
        fprintf(stderr, "bench_ingest: %s\n", err.msg);
        return -1;
    }
    struct sol_ingest_stats st;
    sol_ingest_get_stats(in, &st);
    sol_ingest_end(in);
    double t = now() - t0;
    sol_json_doc_free(doc);
    sol_store_close(s);
    *count = st.stored;
    if (st.rejected)
        fprintf(stderr, "bench_ingest: %zu objects rejected\n", st.rejected);
    return t;
}

static double
cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 100000;
    struct sol_buf text;
    sol_buf_init(&text);
    make_bundle(&text, n);
    /*
     * Both sides wait on fsync, and the disk is shared: take the best of three runs of
     * each, interleaved, and show the CPU time beside the wall time.
     */
    double best_b = 0, best_v = 0, best_i = 0, cpu_b = 0, cpu_v = 0, cpu_i = 0;
    for (int round = 0; round < 3; round++) {
        char dir[] = "/tmp/bench-ingest-XXXXXX";
        if (!mkdtemp(dir))
            return 2;
        size_t nb = 0, nv = 0, ni = 0;
        double c0 = cpu_seconds();
        double tb = baseline(&text, dir, false, &nb);
        double c1 = cpu_seconds();
        double tv = baseline(&text, dir, true, &nv);
        double c2 = cpu_seconds();
        double ti = ingest(&text, dir, &ni);
        double c3 = cpu_seconds();
        shell_on("rm -rf", dir);
        if (tb <= 0 || tv <= 0 || ti <= 0 || nb != n || nv != n || ni != n) {
            fprintf(stderr, "bench_ingest: a run failed (%zu, %zu and %zu of %zu objects)\n", nb,
                    nv, ni, n);
            return 1;
        }
        if (nb / tb > best_b) {
            best_b = nb / tb;
            cpu_b = c1 - c0;
        }
        if (nv / tv > best_v) {
            best_v = nv / tv;
            cpu_v = c2 - c1;
        }
        if (ni / ti > best_i) {
            best_i = ni / ti;
            cpu_i = c3 - c2;
        }
    }
    sol_buf_free(&text);
    printf("%zu objects, best of 3, WAL + synchronous=FULL, 1000 objects per commit\n", n);
    printf("ingest into the store (validate, mark, store, audit): %8.0f objects/s (%.2f s CPU)\n",
           best_i, cpu_i);
    printf("baseline: bare parse-and-insert into SQLite:          %8.0f objects/s (%.2f s CPU)\n",
           best_b, cpu_b);
    printf("ratio: %.2f (target >= 0.80)\n", best_i / best_b);
    printf("for reference, parse-validate-and-insert:             %8.0f objects/s (%.2f s CPU);"
           " the store's own share: ratio %.2f\n",
           best_v, cpu_v, best_i / best_v);
    return 0;
}
