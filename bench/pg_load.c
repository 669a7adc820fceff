/*
 * pg_load.c — the PostgreSQL store's side of bench/pg_bench.sh.
 *
 *   pg_load URL N SECONDS DIR
 *
 * Opens the store at URL (a fresh database), adds N indicator versions to one collection
 * through sol_store_object_add() in transactions of 1000 (the import path), then for
 * SECONDS runs the TAXII page query (100 objects after a keyset position in the middle
 * of the collection, the asker cleared AMBER) through the store API, reading every row.
 * Writes into DIR the page query's SQL (page.sql, parameters as :pN) and its values
 * (page.params, "N=value" lines) and the add statement's shape, so that the script can
 * run the same SQL under pgbench. Prints "import N objects/s" and "page N queries/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solidarity/solidarity.h"
#include "solidarity/store.h"
#include "store/store_pg.h"

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Write sql with each $N turned into pgbench's :pN. */
static int
write_pgbench_sql(const char *path, const char *sql)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (const char *p = sql; *p; p++) {
        if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            fputs(":p", f);
            continue;
        }
        fputc(*p, f);
    }
    fputs(";\n", f);
    return fclose(f);
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: pg_load URL N SECONDS DIR\n");
        return 2;
    }
    const char *url = argv[1], *dir = argv[4];
    long n = atol(argv[2]);
    double secs = atof(argv[3]);
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(url, &s, &err) != 0) {
        fprintf(stderr, "pg_load: %s\n", err.msg);
        return 1;
    }
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    struct sol_collection c = {
        .id = "bench", .api_root = "intel", .title = "Bench", .default_tlp = 2};
    if (sol_store_api_root_put(s, &r) != 0 || sol_store_collection_put(s, &c) != 0) {
        fprintf(stderr, "pg_load: %s\n", sol_store_errmsg(s));
        return 1;
    }

    /* Import: transactions of 1000, as `solidarity import` does. */
    sol_time_t *added = malloc((size_t)n * sizeof *added);
    int64_t *seqs = malloc((size_t)n * sizeof *seqs);
    if (!added || !seqs)
        return 1;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        if (i % 1000 == 0 && sol_store_begin(s) != 0)
            return 1;
        char id[64], json[512];
        snprintf(id, sizeof id, "indicator--%08lx-0000-4000-8000-%012lx", i, i * 7919);
        snprintf(
            json, sizeof json,
            "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
            "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
            "\"pattern\":\"[ipv4-addr:value = '10.%ld.%ld.%ld']\",\"pattern_type\":\"stix\","
            "\"valid_from\":\"2024-01-01T00:00:00Z\"}",
            id, (i >> 16) & 255, (i >> 8) & 255, i & 255);
        struct sol_object_row row = {.id = sol_str_c(id),
                                     .type = SOL_STR("indicator"),
                                     .spec_version = SOL_STR("2.1"),
                                     .json = sol_str_c(json),
                                     .version = 1704067200000000,
                                     .tlp = 2};
        if (sol_store_object_add(s, "bench", &row, NULL, &added[i]) != 0) {
            fprintf(stderr, "pg_load: add: %s\n", sol_store_errmsg(s));
            return 1;
        }
        if ((i % 1000 == 999 || i == n - 1) && sol_store_commit(s) != 0)
            return 1;
    }
    double t_import = now_s() - t0;
    printf("import %.0f objects/s (%ld in %.2f s)\n", (double)n / t_import, n, t_import);
    /* The statistics autovacuum would gather within a minute of such a load. */
    if (sol__store_exec(s, "ANALYZE objects") != 0)
        return 1;

    /* The page query: 100 objects after the middle of the collection. */
    struct sol_object_filter f = {.collection = "bench",
                                  .max_tlp = 3,
                                  .limit = 100,
                                  .has_after = true,
                                  .after_date_added = added[n / 2]};
    struct sol_store_cursor *cur = NULL;
    struct sol_object_row row;
    /* the seq of the middle row: the first row of a page after the one before it */
    f.after_date_added = added[n / 2 - 1];
    f.after_seq = 0;
    if (sol_store_objects_query(s, &f, &cur) != 0 || sol_store_cursor_next(cur, &row) != 0)
        return 1;
    f.after_date_added = row.date_added;
    f.after_seq = row.seq;
    sol_store_cursor_close(cur);
    struct sol_buf sql, params;
    sol_buf_init(&sql);
    sol_buf_init(&params);
    char path[1024];
    if (sol__store_filter_sql(s, &f, &sql, &params) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/page.sql", dir);
    write_pgbench_sql(path, sql.p);
    snprintf(path, sizeof path, "%s/page.params", dir);
    FILE *pf = fopen(path, "w");
    if (!pf)
        return 1;
    fputs(params.p, pf);
    fclose(pf);

    /*
     * The add statement, 50 per transaction, for pgbench; ids increase as the import's
     * do (a sequence the script creates), so both insert at the end of the indexes.
     */
    snprintf(path, sizeof path, "%s/add.sql", dir);
    FILE *af = fopen(path, "w");
    if (!af)
        return 1;
    fputs("BEGIN;\n", af);
    for (int k = 0; k < 50; k++) {
        struct sol_buf one;
        sol_buf_init(&one);
        for (const char *p = sol__pg_add_sql(); *p; p++) {
            if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
                int num = atoi(p + 1);
                while (p[1] >= '0' && p[1] <= '9')
                    p++;
                static const char *const value[] = {
                    NULL,          "'bench'", NULL,         "1704067200000000::bigint",
                    "'indicator'", "'2.1'",   "2::integer", "''",
                    "false",       "NULL",    ":pjson"};
                if (num == 2)
                    sol_buf_puts(&one, "('indicator--pgbench-' || "
                                       "lpad(nextval('pgbench_ids')::text, 12, '0'))");
                else if (num >= 1 && num <= 10)
                    sol_buf_puts(&one, value[num]);
                continue;
            }
            sol_buf_putc(&one, *p);
        }
        fprintf(af, "%s;\n", one.p);
        sol_buf_free(&one);
    }
    fputs("COMMIT;\n", af);
    fclose(af);
    /* Its JSON, passed as a pgbench variable (a literal's colons would read as variables). */
    snprintf(path, sizeof path, "%s/add.json", dir);
    FILE *jf = fopen(path, "w");
    if (!jf)
        return 1;
    fputs("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-"
          "0000-4000-8000-000000000000\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":"
          "\"2024-01-01T00:00:00.000Z\",\"pattern\":\"[ipv4-addr:value = '10.0.0.1']\","
          "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}",
          jf);
    fclose(jf);

    long queries = 0, rows = 0;
    t0 = now_s();
    while (now_s() - t0 < secs) {
        if (sol_store_objects_query(s, &f, &cur) != 0)
            return 1;
        while (sol_store_cursor_next(cur, &row) == 0)
            rows++;
        sol_store_cursor_close(cur);
        queries++;
    }
    double t_page = now_s() - t0;
    printf("page %.0f queries/s (%ld rows each)\n", (double)queries / t_page, rows / queries);
    sol_buf_free(&sql);
    sol_buf_free(&params);
    free(added);
    free(seqs);
    sol_store_close(s);
    return 0;
}
