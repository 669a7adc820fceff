/*
 * formats_bench.c — the formats' import and export speed, each next to its baseline
 * measured in the same run.
 *
 *   bench_formats [N] [M]     (default N = 20000 indicators to import, M = 1000000 to export)
 *
 * Import: the same N domain indicators as a STIX bundle, as one MISP event (N attributes
 * with to_ids) and as a plain list, each imported through sol_format_import_mem() into a
 * fresh SQLite store by the one ingest path (validate, mark, store, audit; transactions of
 * 1000), as `solidarity import` does. Figures: objects/s, and MISP and list against STIX.
 *
 * Export: M indicators put straight into a store, then the Zeek Intel writer over them
 * (every pattern parsed, its atoms checked, a line written) next to the bare walk the
 * writer starts from (the same query, each row's JSON parsed). Figures: seconds, ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solidarity/formats.h"
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

static double
cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
shell_on(const char *verb, const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s '%s'", verb, path);
    return system(cmd);
}

/* A fresh store in dir with one collection; returns its handle. */
static struct sol_store *
fresh(const char *dir)
{
    shell_on("rm -rf", dir);
    shell_on("mkdir -p", dir);
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(dir, &s, &err) != 0) {
        fprintf(stderr, "bench_formats: %s: %s\n", dir, err.msg);
        exit(2);
    }
    struct sol_api_root r = {.name = (char *)"intel", .title = (char *)"intel"};
    struct sol_collection c = {.id = (char *)"c0ffee00-0000-4000-8000-000000000001",
                               .api_root = (char *)"intel",
                               .title = (char *)"bench",
                               .default_tlp = SOL_TLP_AMBER};
    if (sol_store_api_root_put(s, &r) != 0 || sol_store_collection_put(s, &c) != 0) {
        fprintf(stderr, "bench_formats: %s\n", sol_store_errmsg(s));
        exit(2);
    }
    return s;
}

struct counting {
    struct sol_ingest *in;
    size_t objects;
};

static int
on_object(void *ud, const struct sol_json *obj, const char *where)
{
    struct counting *c = ud;
    struct sol_ingest_result res;
    c->objects++;
    return sol_ingest_object(c->in, obj, where, &res);
}

/* Import text in format name into a fresh store; objects/s. */
static double
import_rate(const char *dir, const char *name, const struct sol_buf *text, size_t *objects,
            double *cpu_us)
{
    struct sol_store *s = fresh(dir);
    struct sol_ingest_options o = {.collection = "c0ffee00-0000-4000-8000-000000000001",
                                   .actor = "bench",
                                   .origin = "import",
                                   .batch_size = 1000};
    struct counting c = {0};
    struct sol_error err;
    double t0 = now(), c0 = cpu();
    if (sol_ingest_begin(s, &o, &c.in, &err) != 0) {
        fprintf(stderr, "bench_formats: %s\n", err.msg);
        exit(2);
    }
    struct sol_import_sink sink = {on_object, NULL, &c, NULL};
    struct sol_import_report rep;
    struct sol_import_options io = {.confidence = -1,
                                    .forced_kind = -1,
                                    .identity = "identity--aaaaaaaa-0000-4000-8000-000000000001"};
    int rc = sol_format_import_mem(sol_format_find(name), name, text->p, text->n, &io, &sink, &rep,
                                   &err);
    struct sol_ingest_stats st;
    sol_ingest_get_stats(c.in, &st);
    if (rc != 0 || sol_ingest_end(c.in) != 0 || st.rejected) {
        fprintf(stderr, "bench_formats: %s: %s (%zu rejected)\n", name, err.msg, st.rejected);
        exit(2);
    }
    double t = now() - t0;
    *cpu_us = (cpu() - c0) * 1e6 / (double)(st.stored ? st.stored : 1);
    sol_import_report_free(&rep);
    sol_store_close(s);
    *objects = st.stored;
    return (double)st.stored / t;
}

static void
make_inputs(size_t n, struct sol_buf *stix, struct sol_buf *misp, struct sol_buf *list)
{
    sol_buf_puts(stix,
                 "{\"type\":\"bundle\",\"id\":\"bundle--6d3b5f8a-3c2e-4b8e-9a4e-4f2b8a2c1d00\","
                 "\"objects\":[");
    sol_buf_puts(misp, "{\"Event\":{\"uuid\":\"5f0e8b7a-1c2d-4e3f-9a8b-7c6d5e4f3a21\",\"info\":"
                       "\"bench\",\"date\":\"2021-07-18\",\"timestamp\":\"1626566400\","
                       "\"published\":true,\"Orgc\":{\"name\":\"bench\",\"uuid\":"
                       "\"aaaaaaaa-0000-4000-8000-000000000001\"},\"Attribute\":[");
    for (size_t i = 0; i < n; i++) {
        sol_buf_printf(stix,
                       "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                       "\"id\":\"indicator--%08zx-1111-4111-8111-111111111111\","
                       "\"created\":\"2021-07-18T00:00:00.000Z\",\"modified\":"
                       "\"2021-07-18T00:00:00.000Z\",\"name\":\"host%zu.example.com\","
                       "\"pattern\":\"[domain-name:value = 'host%zu.example.com']\","
                       "\"pattern_type\":\"stix\",\"valid_from\":\"2021-07-18T00:00:00Z\","
                       "\"created_by_ref\":\"identity--aaaaaaaa-0000-4000-8000-000000000001\"}",
                       i ? "," : "", i, i, i);
        sol_buf_printf(misp,
                       "%s{\"uuid\":\"%08zx-1111-4111-8111-111111111111\",\"type\":\"domain\","
                       "\"category\":\"Network activity\",\"value\":\"host%zu.example.com\","
                       "\"to_ids\":true,\"timestamp\":\"1626566400\"}",
                       i ? "," : "", i, i);
        sol_buf_printf(list, "host%zu.example.com\n", i);
    }
    sol_buf_puts(stix, "]}");
    sol_buf_puts(misp, "]}}");
}

static int
null_part(void *ud, const char *name)
{
    (void)ud, (void)name;
    return 0;
}

static int
null_write(void *ud, const void *p, size_t n)
{
    (void)p;
    *(size_t *)ud += n;
    return 0;
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    size_t m = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    char dir[] = "/tmp/sol-bench-formats-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char sub[600];
    struct sol_buf stix, misp, list;
    sol_buf_init(&stix);
    sol_buf_init(&misp);
    sol_buf_init(&list);
    make_inputs(n, &stix, &misp, &list);
    size_t o1, o2, o3;
    double c1, c2, c3;
    snprintf(sub, sizeof sub, "%s/import", dir);
    double r_stix = import_rate(sub, "stix", &stix, &o1, &c1);
    double r_misp = import_rate(sub, "misp", &misp, &o2, &c2);
    double r_list = import_rate(sub, "list", &list, &o3, &c3);
    printf("import of %zu domain indicators into SQLite through the ingest path (wall clock, "
           "and CPU per object):\n",
           n);
    printf("  STIX bundle (baseline)  %9.0f objects/s  %5.1f us CPU  (%zu objects)\n", r_stix, c1,
           o1);
    printf("  MISP event              %9.0f objects/s  %5.1f us CPU  (%zu objects: indicators, "
           "a report, an identity)  %.2fx STIX\n",
           r_misp, c2, o2, r_misp / r_stix);
    printf("  plain list              %9.0f objects/s  %5.1f us CPU  (%zu objects)  %.2fx STIX\n",
           r_list, c3, o3, r_list / r_stix);

    /* Export: m indicators straight into a store (not what is measured). */
    snprintf(sub, sizeof sub, "%s/export", dir);
    struct sol_store *s = fresh(sub);
    struct sol_buf json;
    sol_buf_init(&json);
    if (sol_store_begin(s) != 0)
        return 2;
    for (size_t i = 0; i < m; i++) {
        sol_buf_reset(&json);
        char id[80];
        snprintf(id, sizeof id, "indicator--%08zx-1111-4111-8111-111111111111", i);
        sol_buf_printf(&json,
                       "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                       "\"created\":\"2021-07-18T00:00:00.000Z\",\"modified\":"
                       "\"2021-07-18T00:00:00.000Z\",\"name\":\"host%zu\","
                       "\"pattern\":\"[%s = '%s%zu%s']\",\"pattern_type\":\"stix\","
                       "\"valid_from\":\"2021-07-18T00:00:00Z\"}",
                       id, i,
                       i % 3 == 0   ? "ipv4-addr:value"
                       : i % 3 == 1 ? "domain-name:value"
                                    : "url:value",
                       i % 3 == 0   ? "10."
                       : i % 3 == 1 ? "host"
                                    : "http://h.example/p",
                       i % 3 == 0 ? i % 256 : i,
                       i % 3 == 0   ? ".0.1"
                       : i % 3 == 1 ? ".example.com"
                                    : "");
        struct sol_object_row row = {.id = sol_str_c(id),
                                     .type = SOL_STR("indicator"),
                                     .spec_version = SOL_STR("2.1"),
                                     .json = {json.p, json.n},
                                     .origin = SOL_STR("bench"),
                                     .version = 1626566400000000,
                                     .tlp = SOL_TLP_AMBER};
        if (sol_store_object_add(s, "c0ffee00-0000-4000-8000-000000000001", &row, NULL, NULL) !=
            0) {
            fprintf(stderr, "bench_formats: %s\n", sol_store_errmsg(s));
            return 2;
        }
        if (i % 10000 == 9999 && (sol_store_commit(s) != 0 || sol_store_begin(s) != 0))
            return 2;
    }
    if (sol_store_commit(s) != 0)
        return 2;
    struct sol_object_filter f = {.collection = "c0ffee00-0000-4000-8000-000000000001",
                                  .max_tlp = SOL_TLP_AMBER};
    /* Baseline: the walk the writer starts from. */
    double t0 = now(), c0 = cpu();
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol_store_cursor *cur = NULL;
    size_t rows = 0;
    if (sol_store_objects_query(s, &f, &cur) != 0)
        return 2;
    struct sol_object_row row;
    const struct sol_json *obj;
    while (sol_store_cursor_next(cur, &row) == 0)
        rows += sol_json_parse(doc, row.json.p, row.json.n, &obj, NULL) == 0;
    sol_store_cursor_close(cur);
    sol_json_doc_free(doc);
    double t_walk = now() - t0, c_walk = cpu() - c0;
    size_t bytes = 0;
    struct sol_export_sink sink = {null_part, null_write, &bytes};
    struct sol_export_report rep;
    struct sol_error err;
    t0 = now();
    c0 = cpu();
    if (sol_format_export(sol_format_find("zeek-intel"), s, &f, NULL, &sink, &rep, &err) != 0) {
        fprintf(stderr, "bench_formats: %s\n", err.msg);
        return 2;
    }
    double t_zeek = now() - t0, c_zeek = cpu() - c0;
    printf("Zeek Intel export of %zu indicators (a third each addresses, domains, http URLs):\n",
           m);
    printf("  baseline: query and parse every row  %6.2f s, %6.2f s CPU (%zu rows)\n", t_walk,
           c_walk, rows);
    printf("  zeek-intel                            %6.2f s, %6.2f s CPU (%zu lines, %.1f MB)  "
           "%.2fx the baseline's time\n",
           t_zeek, c_zeek, rep.entries, bytes / 1e6, t_zeek / t_walk);
    sol_export_report_free(&rep);
    sol_store_close(s);
    sol_buf_free(&stix);
    sol_buf_free(&misp);
    sol_buf_free(&list);
    sol_buf_free(&json);
    shell_on("rm -rf", dir);
    return 0;
}
