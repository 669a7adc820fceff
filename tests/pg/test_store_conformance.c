/*
 * test_store_conformance.c — one suite of store operations, run against the backend
 * named on the command line, so that every backend passes the same checks:
 *
 *   test_store_conformance sqlite       a temporary SQLite directory
 *   test_store_conformance pg           a throwaway PostgreSQL cluster (started once by
 *                                       scripts/pg-test-cluster; "# SKIP" when it cannot
 *                                       be), then the suite once more on SQLite and the
 *                                       two transcripts compared: the same operations on
 *                                       both backends give the same rows
 *   test_store_conformance URL          any store URL (an existing database, empty)
 *
 * Each case writes what it observed (rows, codes; never ids, clocks or seq, which differ
 * between backends by design) to a transcript; the differential check compares them.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pg_cluster.h"
#include "solidarity/solidarity.h"
#include "solidarity/store.h"
#include "store/store.h"

enum backend { BACKEND_SQLITE, BACKEND_PG, BACKEND_URL };

static enum backend backend;
static char url[600];  /* the store of the current case */
static char base[600]; /* the URL given on the command line */
static struct sol_buf transcript;
static int n_fresh;

/* Record one observation in the transcript. */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sol_buf_puts(&transcript, line);
    sol_buf_putc(&transcript, '\n');
}

/* A fresh, empty store for each case. */
static struct sol_store *
fresh(void)
{
    int k = n_fresh++;
    if (backend == BACKEND_SQLITE) {
        char dir[256];
        snprintf(dir, sizeof dir, "%.200s/conf-%d-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 (int)getpid(), k);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
        if (system(cmd) != 0)
            return NULL;
        snprintf(url, sizeof url, "sqlite:%s", dir);
    } else if (backend == BACKEND_PG) {
        char name[32];
        snprintf(name, sizeof name, "conf_%d", k);
        if (pg_cluster_fresh_db(name, url, sizeof url) != 0)
            return NULL;
    } else {
        snprintf(url, sizeof url, "%s", base);
    }
    struct sol_store *s = NULL;
    struct sol_error err;
    int rc = sol_store_open(url, &s, &err);
    if (rc != 0)
        printf("# open %s: %s\n", url, err.msg);
    return s;
}

static sol_time_t
ts(const char *s)
{
    sol_time_t t = 0;
    sol_time_parse(s, strlen(s), 0, &t, NULL, NULL);
    return t;
}

static void
setup_collection(struct sol_store *s, const char *id, int default_tlp)
{
    struct sol_api_root r = {.name = "intel", .title = "Intel", .max_content_length = 1000};
    CHECK_INT(sol_store_api_root_put(s, &r), 0);
    char idbuf[64], root[] = "intel", title[] = "T";
    snprintf(idbuf, sizeof idbuf, "%s", id);
    struct sol_collection c = {
        .id = idbuf, .api_root = root, .title = title, .default_tlp = default_tlp};
    CHECK_INT(sol_store_collection_put(s, &c), 0);
}

/* Add an object version; returns 1 added, 0 held already, negative: the error. */
static int
add_da(struct sol_store *s, const char *coll, const char *id, const char *version, const char *spec,
       int tlp, const char *recipients, sol_time_t *da)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"type\":\"x\",\"id\":\"%s\",\"modified\":\"%s\",\"note\":\"tab\\t \\\\ \xc3\xa9\"}",
             id, version ? version : "");
    const char *dd = strstr(id, "--");
    char type[64];
    snprintf(type, sizeof type, "%.*s", dd ? (int)(dd - id) : 0, id);
    struct sol_object_row row = {
        .id = sol_str_c(id),
        .type = sol_str_c(type),
        .spec_version = sol_str_c(spec ? spec : "2.1"),
        .json = sol_str_c(json),
        .origin = SOL_STR("test"),
        .version = version ? ts(version) : 0,
        .tlp = tlp,
        .tlp_red_recipients = sol_str_c(recipients),
    };
    bool added = false;
    int rc = sol_store_object_add(s, coll, &row, &added, da);
    if (rc != 0) {
        printf("# add %s: %s (%s)\n", id, sol_strerror(rc), sol_store_errmsg(s));
        return rc;
    }
    return added;
}

static int
add(struct sol_store *s, const char *coll, const char *id, const char *version, const char *spec,
    int tlp, const char *recipients)
{
    sol_time_t da;
    return add_da(s, coll, id, version, spec, tlp, recipients, &da);
}

/*
 * Run a query, write "id@version/spec" for each row into out, check the order is
 * strictly increasing in (date_added, seq), and note it in the transcript under label.
 */
static int
query(struct sol_store *s, const char *label, struct sol_object_filter *f, char *out, size_t n)
{
    struct sol_store_cursor *c = NULL;
    out[0] = 0;
    int rc = sol_store_objects_query(s, f, &c);
    if (rc != 0) {
        printf("# query: %s (%s)\n", sol_strerror(rc), sol_store_errmsg(s));
        note("%s: error %s", label, sol_err_name(rc));
        return -1;
    }
    struct sol_object_row row;
    int count = 0;
    size_t used = 0;
    sol_time_t last_da = 0;
    int64_t last_seq = 0;
    while ((rc = sol_store_cursor_next(c, &row)) == 0) {
        char t[40];
        sol_time_format(row.version, 3, t);
        used += (size_t)snprintf(out + used, n - used, "%s%.*s@%s/%.*s", count ? " " : "",
                                 (int)row.id.n, row.id.p, t + 5, (int)row.spec_version.n,
                                 row.spec_version.p);
        if (count &&
            !(row.date_added > last_da || (row.date_added == last_da && row.seq > last_seq)))
            HARNESS_FAIL("%s: rows out of (date_added, seq) order", label);
        last_da = row.date_added;
        last_seq = row.seq;
        if (!f->skip_json &&
            (!row.json.p || !strstr(row.json.p, "\"note\":\"tab\\t \\\\ \xc3\xa9\"")))
            HARNESS_FAIL("%s: json not returned as stored", label);
        if (row.version == row.date_added) /* versionless: the clock's, not comparable */
            snprintf(t, sizeof t, "(date_added)");
        note("%s: row %.*s %.*s %s tlp=%d red=%.*s revoked=%d origin=%.*s json=%zu", label,
             (int)row.id.n, row.id.p, (int)row.type.n, row.type.p, t, row.tlp,
             (int)row.tlp_red_recipients.n, row.tlp_red_recipients.p, row.revoked,
             (int)row.origin.n, row.origin.p, row.json.n);
        count++;
    }
    CHECK_INT(rc, SOL_EEOF);
    sol_store_cursor_close(c);
    note("%s: %d rows", label, count);
    return count;
}

/* ---- the suite ---- */

/* One "table.column" line into b (a callback of raw_columns()). */
static void
column_line(struct sol_buf *b, const char *table, const char *column)
{
    sol_buf_printf(b, "%s.%s\n", table, column);
}

/*
 * The tables and columns of the store's database itself (schema_version and SQLite's
 * own tables aside), one "table.column" line each, in byte order. 0, or -1.
 */
static int
raw_columns(const char *store_url, struct sol_buf *b)
{
    if (strncmp(store_url, "sqlite:", 7) == 0) {
        char path[700];
        snprintf(path, sizeof path, "%s/store.db", store_url + 7);
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_open(path, &db) == SQLITE_OK
                     ? sqlite3_prepare_v2(db,
                                          "SELECT m.name, p.name FROM sqlite_master m, "
                                          "pragma_table_info(m.name) p WHERE m.type = 'table' "
                                          "AND m.name NOT LIKE 'sqlite%' AND m.name <> "
                                          "'schema_version' ORDER BY 1, 2",
                                          -1, &st, NULL)
                     : SQLITE_ERROR;
        while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            column_line(b, (const char *)sqlite3_column_text(st, 0),
                        (const char *)sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : -1;
    }
    PGconn *c = PQconnectdb(store_url);
    PGresult *r = PQexec(c, "SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name <> "
                            "'schema_version' ORDER BY table_name::text COLLATE \"C\", "
                            "column_name::text COLLATE \"C\"");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    for (int i = 0; ok && i < PQntuples(r); i++)
        column_line(b, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static int
cmp_lines(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The schema's description (store/store.h) says exactly what the database holds. */
static void
check_schema_described(void)
{
    struct sol_buf have, want;
    sol_buf_init(&have);
    sol_buf_init(&want);
    CHECK_INT(raw_columns(url, &have), 0);
    char *lines[512];
    size_t n = 0;
    char text[600][80];
    for (int t = 0; t < sol__schema_table_count; t++)
        for (int c = 0; c < sol__schema_tables[t].n_columns && n < 512; c++, n++) {
            snprintf(text[n], sizeof text[n], "%s.%s", sol__schema_tables[t].name,
                     sol__schema_tables[t].columns[c].name);
            lines[n] = text[n];
        }
    qsort(lines, n, sizeof lines[0], cmp_lines);
    for (size_t i = 0; i < n; i++)
        sol_buf_printf(&want, "%s\n", lines[i]);
    CHECK_STR(have.p ? have.p : "", want.p ? want.p : "");
    sol_buf_free(&have);
    sol_buf_free(&want);
}

static void
test_open_and_schema(void)
{
    struct sol_store *s = fresh();
    CHECK(s != NULL);
    if (!s)
        return;
    int v = sol_store_schema_version(s);
    CHECK(v >= 1);
    sol_store_close(s);
    CHECK(sol_store_exists(url));
    s = NULL;
    CHECK_INT(sol_store_open(url, &s, NULL), 0); /* reopen: nothing to migrate */
    CHECK_INT(sol_store_schema_version(s), v);
    CHECK_INT(v, sol__schema_migration_count);
    sol_store_close(s);
    check_schema_described();
    note("schema ok");
}

static void
test_settings(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    struct sol_buf b;
    sol_buf_init(&b);
    CHECK_INT(sol_store_setting_get(s, SOL_SETTING_NODE_NAME, &b), SOL_ENOTFOUND);
    CHECK_INT(sol_store_setting_set(s, SOL_SETTING_NODE_NAME, "alpha"), 0);
    CHECK_INT(sol_store_setting_set(s, SOL_SETTING_NODE_NAME, "beta \xc3\xa9"), 0);
    CHECK_INT(sol_store_setting_get(s, SOL_SETTING_NODE_NAME, &b), 0);
    CHECK_STR(b.p, "beta \xc3\xa9");
    CHECK_INT(sol_store_setting_set(s, SOL_SETTING_CURSOR_KEY, "00ff"), 0);
    CHECK_INT(sol_store_setting_get(s, SOL_SETTING_CURSOR_KEY, &b), 0);
    CHECK_STR(b.p, "00ff");
    note("setting %s", b.p);
    sol_buf_free(&b);
    sol_store_close(s);
}

static void
test_roots_and_collections(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    struct sol_collection c = {.id = "c1", .api_root = "intel", .title = "T"};
    CHECK_INT(sol_store_collection_put(s, &c), SOL_ENOTFOUND); /* no API root yet */
    struct sol_api_root r = {.name = "intel", .title = "Intel", .description = "d"};
    CHECK_INT(sol_store_api_root_put(s, &r), 0);
    struct sol_api_root r2 = {.name = "beta", .title = "B", .max_content_length = 7};
    CHECK_INT(sol_store_api_root_put(s, &r2), 0);
    struct sol_api_root got;
    CHECK_INT(sol_store_api_root_get(s, "intel", &got), 0);
    CHECK_STR(got.title, "Intel");
    CHECK_STR(got.description, "d");
    CHECK_INT(got.max_content_length, SOL_DEFAULT_MAX_CONTENT_LENGTH);
    sol_api_root_clear(&got);
    CHECK_INT(sol_store_api_root_get(s, "nope", &got), SOL_ENOTFOUND);
    struct sol_api_root *roots;
    size_t nr;
    CHECK_INT(sol_store_api_root_list(s, &roots, &nr), 0);
    CHECK_INT(nr, 2);
    for (size_t i = 0; i < nr; i++)
        note("root %s %s %lld", roots[i].name, roots[i].title,
             (long long)roots[i].max_content_length);
    if (nr == 2)
        CHECK_STR(roots[0].name, "beta");
    sol_api_root_list_free(roots, nr);

    c.alias = "feed";
    c.media_types = "application/stix+json;version=2.1";
    CHECK_INT(sol_store_collection_put(s, &c), 0);
    struct sol_collection c2 = {
        .id = "c2", .api_root = "intel", .title = "U", .alias = "feed", .created = 5};
    CHECK_INT(sol_store_collection_put(s, &c2), SOL_EEXISTS); /* alias unique per API root */
    c2.alias = NULL;
    c2.default_tlp = 1;
    CHECK_INT(sol_store_collection_put(s, &c2), 0);
    struct sol_collection gc;
    CHECK_INT(sol_store_collection_get(s, "intel", "feed", &gc), 0);
    CHECK_STR(gc.id, "c1");
    CHECK_STR(gc.media_types, "application/stix+json;version=2.1");
    CHECK_INT(gc.default_tlp, 3); /* AMBER by default */
    sol_collection_clear(&gc);
    CHECK_INT(sol_store_collection_get(s, NULL, "c2", &gc), 0);
    CHECK_STR(gc.title, "U");
    CHECK(gc.alias == NULL);
    CHECK_INT(gc.default_tlp, 1);
    sol_collection_clear(&gc);
    CHECK_INT(sol_store_collection_get(s, "other", "c2", &gc), SOL_ENOTFOUND);
    struct sol_collection *list;
    size_t n;
    CHECK_INT(sol_store_collection_list(s, "intel", &list, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_STR(list[0].id, "c2"); /* created 5: first */
    for (size_t i = 0; i < n; i++)
        note("collection %s %s %s alias=%s tlp=%d", list[i].id, list[i].api_root, list[i].title,
             list[i].alias ? list[i].alias : "-", list[i].default_tlp);
    sol_collection_list_free(list, n);
    CHECK_INT(sol_store_collection_list(s, "beta", &list, &n), 0);
    CHECK_INT(n, 0);
    sol_collection_list_free(list, n);
    CHECK_INT(add(s, "c2", "indicator--1", "2020-01-01T00:00:00.000Z", NULL, 2, NULL), 1);
    CHECK_INT(sol_store_collection_delete(s, "intel", "c2"), 0);
    CHECK_INT(sol_store_collection_delete(s, "intel", "c2"), SOL_ENOTFOUND);
    int64_t count = -1;
    CHECK_INT(sol_store_collection_count(s, "c2", &count), 0);
    CHECK_INT(count, 0); /* its objects went with it */

    /* An API root goes only when empty; the default follows (store.h). */
    struct sol_buf def;
    sol_buf_init(&def);
    CHECK_INT(sol_store_default_api_root(s, &def), 0);
    CHECK_STR(def.p, "intel"); /* SOL_DEFAULT_API_ROOT while it exists */
    CHECK_INT(sol_store_setting_set(s, SOL_SETTING_DEFAULT_API_ROOT, "beta"), 0);
    sol_buf_reset(&def);
    CHECK_INT(sol_store_default_api_root(s, &def), 0);
    CHECK_STR(def.p, "beta");
    CHECK_INT(sol_store_api_root_delete(s, "intel"), SOL_ECONFLICT); /* c1 is in it */
    CHECK_INT(sol_store_api_root_get(s, "intel", &got), 0);
    sol_api_root_clear(&got);
    CHECK_INT(sol_store_api_root_delete(s, "beta"), 0);
    CHECK_INT(sol_store_api_root_delete(s, "beta"), SOL_ENOTFOUND);
    sol_buf_reset(&def);
    CHECK_INT(sol_store_setting_get(s, SOL_SETTING_DEFAULT_API_ROOT, &def), 0);
    CHECK_STR(def.p ? def.p : "", ""); /* the default that named beta is cleared */
    sol_buf_reset(&def);
    CHECK_INT(sol_store_default_api_root(s, &def), 0);
    CHECK_STR(def.p, "intel");
    CHECK_INT(sol_store_collection_delete(s, "intel", "c1"), 0);
    CHECK_INT(sol_store_api_root_delete(s, "intel"), 0);
    sol_buf_reset(&def);
    CHECK_INT(sol_store_default_api_root(s, &def), SOL_ENOTFOUND);
    note("roots removed: default %s", def.p ? def.p : "(none)");
    sol_buf_free(&def);
    sol_store_close(s);
}

static void
test_add_duplicate_and_date_added(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 3);
    sol_time_t d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0;
    CHECK_INT(add_da(s, "c", "indicator--a", "2020-01-01T00:00:00.000Z", NULL, 2, NULL, &d1), 1);
    CHECK_INT(add_da(s, "c", "indicator--a", "2020-01-01T00:00:00.000Z", NULL, 2, NULL, &d2), 0);
    CHECK_INT(d2, d1); /* a no-op gives the date_added of the version held */
    CHECK_INT(add_da(s, "c", "indicator--a", "2020-01-02T00:00:00.000Z", NULL, 2, NULL, &d3), 1);
    CHECK(d3 > d1);
    /* SCOs without a version: the first add's date_added is the version; re-adds are held. */
    CHECK_INT(add_da(s, "c", "ipv4-addr--x", NULL, NULL, 2, NULL, &d4), 1);
    CHECK_INT(add_da(s, "c", "ipv4-addr--x", NULL, NULL, 2, NULL, &d5), 0);
    CHECK_INT(d5, d4);
    CHECK(d4 > d3);
    struct sol_object_row row = {.id = SOL_STR("x"), .type = SOL_STR("x"), .json = SOL_STR("{}")};
    CHECK_INT(sol_store_object_add(s, "missing", &row, NULL, NULL), SOL_ENOTFOUND);
    row.json = (struct sol_str){NULL, 0};
    CHECK_INT(sol_store_object_add(s, "c", &row, NULL, NULL), SOL_EINVAL);
    int64_t n = 0;
    CHECK_INT(sol_store_collection_count(s, "c", &n), 0);
    CHECK_INT(n, 3);
    /* The collection default applies to objects without a TLP. */
    CHECK_INT(add(s, "c", "indicator--dflt", "2020-01-01T00:00:00.000Z", NULL, 0, NULL), 1);
    char out[2048];
    struct sol_object_filter f = {
        .collection = "c", .max_tlp = 3, .version_match = SOL_VERSION_ALL};
    CHECK_INT(query(s, "all", &f, out, sizeof out), 4);
    f.max_tlp = 2;
    CHECK_INT(query(s, "green", &f, out, sizeof out), 3);
    /* Strictly increasing even when adds come faster than the clock ticks. */
    sol_time_t last = 0;
    bool increasing = true;
    CHECK_INT(sol_store_begin(s), 0);
    for (int i = 0; i < 200; i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--fast%03d", i);
        sol_time_t da = 0;
        add_da(s, "c", id, "2020-01-01T00:00:00.000Z", NULL, 1, NULL, &da);
        if (da <= last)
            increasing = false;
        last = da;
    }
    CHECK_INT(sol_store_commit(s), 0);
    CHECK(increasing);
    sol_store_close(s);
}

/* The store.h filters, each checked and noted. */
static void
test_filters(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 3);
    setup_collection(s, "other", 3);
    const char *A = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const char *B = "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    char red[256];
    snprintf(red, sizeof red, "%s,%s", A, B);
    CHECK_INT(add(s, "c", "indicator--1", "2020-01-01T00:00:00.000Z", "2.1", 1, NULL), 1);
    CHECK_INT(add(s, "c", "indicator--1", "2020-01-02T00:00:00.000Z", "2.1", 1, NULL), 1);
    CHECK_INT(add(s, "c", "indicator--1", "2020-01-03T00:00:00.000Z", "2.0", 1, NULL), 1);
    CHECK_INT(add(s, "c", "malware--2", "2020-02-01T00:00:00.000Z", "2.1", 2, NULL), 1);
    CHECK_INT(add(s, "c", "malware--2", "2020-02-02T00:00:00.000Z", "2.1", 4, NULL), 1);
    CHECK_INT(add(s, "c", "report--3", "2020-03-01T00:00:00.000Z", "2.1", 5, red), 1);
    CHECK_INT(add(s, "c", "report--4", "2020-03-01T00:00:00.000Z", "2.1", 5, B), 1);
    CHECK_INT(add(s, "c", "indicator--5", "2020-04-01T00:00:00.000Z", "2.0", 3, NULL), 1);
    CHECK_INT(add(s, "other", "indicator--9", "2020-01-01T00:00:00.000Z", "2.1", 1, NULL), 1);

    char out[4096];
    struct sol_object_filter f = {.collection = "c", .max_tlp = 4};
    /* Default: the latest spec_version per object, then its last version. */
    CHECK_INT(query(s, "default", &f, out, sizeof out), 3);
    CHECK_STR(out, "indicator--1@01-02T00:00:00.000Z/2.1 malware--2@02-02T00:00:00.000Z/2.1 "
                   "indicator--5@04-01T00:00:00.000Z/2.0");
    f.version_match = SOL_VERSION_FIRST;
    CHECK_INT(query(s, "first", &f, out, sizeof out), 3);
    CHECK_STR(out, "indicator--1@01-01T00:00:00.000Z/2.1 malware--2@02-01T00:00:00.000Z/2.1 "
                   "indicator--5@04-01T00:00:00.000Z/2.0");
    f.version_match = SOL_VERSION_FIRST | SOL_VERSION_LAST;
    CHECK_INT(query(s, "first+last", &f, out, sizeof out), 5);
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, "all", &f, out, sizeof out), 5);
    const char *spec20[] = {"2.0"};
    f.spec_versions = spec20;
    f.n_spec_versions = 1;
    CHECK_INT(query(s, "spec 2.0 all", &f, out, sizeof out), 2);
    CHECK_STR(out, "indicator--1@01-03T00:00:00.000Z/2.0 indicator--5@04-01T00:00:00.000Z/2.0");
    const char *both[] = {"2.0", "2.1"};
    f.spec_versions = both;
    f.n_spec_versions = 2;
    f.version_match = 0;
    CHECK_INT(query(s, "spec both last", &f, out, sizeof out), 3);
    CHECK_STR(out, "indicator--1@01-03T00:00:00.000Z/2.0 malware--2@02-02T00:00:00.000Z/2.1 "
                   "indicator--5@04-01T00:00:00.000Z/2.0");
    f.spec_versions = NULL;
    f.n_spec_versions = 0;

    /* Explicit versions, alone and with the bits. */
    sol_time_t vs[] = {ts("2020-01-01T00:00:00.000Z"), ts("2020-02-01T00:00:00.000Z")};
    f.versions = vs;
    f.n_versions = 2;
    f.version_match = 0;
    CHECK_INT(query(s, "versions", &f, out, sizeof out), 2);
    CHECK_STR(out, "indicator--1@01-01T00:00:00.000Z/2.1 malware--2@02-01T00:00:00.000Z/2.1");
    f.version_match = SOL_VERSION_LAST;
    CHECK_INT(query(s, "versions+last", &f, out, sizeof out), 5);
    f.versions = NULL;
    f.n_versions = 0;
    f.version_match = 0;

    /* match[type], match[id]. */
    const char *types[] = {"malware", "report"};
    f.types = types;
    f.n_types = 2;
    CHECK_INT(query(s, "types", &f, out, sizeof out), 1);
    CHECK_STR(out, "malware--2@02-02T00:00:00.000Z/2.1");
    f.types = NULL;
    f.n_types = 0;
    const char *ids[] = {"indicator--1", "indicator--9", "nope"};
    f.ids = ids;
    f.n_ids = 3;
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, "ids", &f, out, sizeof out), 2);
    f.ids = NULL;
    f.n_ids = 0;
    f.version_match = 0;

    /* Policy: max_tlp hides versions, and every version of an object whose latest version
     * it hides (access.h): malware--2's AMBER+STRICT latest hides its GREEN first. */
    f.max_tlp = 2;
    CHECK_INT(query(s, "max green", &f, out, sizeof out), 1);
    CHECK_STR(out, "indicator--1@01-02T00:00:00.000Z/2.1");
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, "max green, all versions", &f, out, sizeof out), 2);
    f.version_match = 0;
    f.max_tlp = 4;
    CHECK_INT(query(s, "max amber+strict", &f, out, sizeof out), 3);
    f.max_tlp = 0;
    CHECK_INT(query(s, "tlp none", &f, out, sizeof out), 0);
    /* TLP:RED only to the recipients named. */
    f.max_tlp = 5;
    CHECK_INT(query(s, "red nobody", &f, out, sizeof out), 3);
    f.asker_identity = A;
    CHECK_INT(query(s, "red A", &f, out, sizeof out), 4);
    CHECK(strstr(out, "report--3") != NULL);
    CHECK(strstr(out, "report--4") == NULL);
    f.asker_identity = B;
    CHECK_INT(query(s, "red B", &f, out, sizeof out), 5);
    f.asker_identity = "identity--bbbbbbbb"; /* a prefix is not a recipient */
    CHECK_INT(query(s, "red prefix", &f, out, sizeof out), 3);
    f.asker_identity = NULL;
    f.max_tlp = 4;

    /* added_after on date_added, and skip_json. */
    struct sol_store_cursor *c = NULL;
    struct sol_object_filter all = {
        .collection = "c", .max_tlp = 5, .asker_identity = B, .version_match = SOL_VERSION_ALL};
    CHECK_INT(sol_store_objects_query(s, &all, &c), 0);
    struct sol_object_row row;
    sol_time_t third = 0;
    for (int i = 0; i < 3 && sol_store_cursor_next(c, &row) == 0; i++)
        third = row.date_added;
    sol_store_cursor_close(c);
    f.has_added_after = true;
    f.added_after = third;
    f.version_match = SOL_VERSION_ALL;
    /* (the third row: indicator--1's 2.0 version is not among them, malware--2's first is) */
    CHECK_INT(query(s, "added_after", &f, out, sizeof out), 2);
    CHECK_STR(out, "malware--2@02-02T00:00:00.000Z/2.1 indicator--5@04-01T00:00:00.000Z/2.0");
    f.skip_json = true;
    CHECK_INT(query(s, "skip_json", &f, out, sizeof out), 2);
    f.skip_json = false;
    f.has_added_after = false;

    /* limit counts only visible rows. */
    f.limit = 2;
    CHECK_INT(query(s, "limit", &f, out, sizeof out), 2);
    f.limit = 0;
    sol_store_close(s);
}

/* The keyset cursor across pages, with inserts between the pages. */
static void
test_paging_with_inserts(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 1);
    for (int i = 0; i < 5; i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--p%d", i);
        add(s, "c", id, "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
    }
    struct sol_object_filter f = {.collection = "c", .max_tlp = 1, .limit = 2};
    int seen = 0, pages = 0, next_new = 5;
    char all[2048] = "";
    for (;;) {
        struct sol_store_cursor *c = NULL;
        CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
        struct sol_object_row row;
        int got = 0;
        while (sol_store_cursor_next(c, &row) == 0) {
            f.has_after = true;
            f.after_date_added = row.date_added;
            f.after_seq = row.seq;
            size_t u = strlen(all);
            snprintf(all + u, sizeof all - u, "%.*s ", (int)row.id.n, row.id.p);
            got++;
        }
        sol_store_cursor_close(c);
        seen += got;
        pages++;
        if (got < 2 || pages > 20)
            break;
        if (next_new < 8) { /* a new object between the pages: it comes at the end */
            char id[64];
            snprintf(id, sizeof id, "indicator--p%d", next_new++);
            add(s, "c", id, "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
        }
    }
    CHECK_INT(seen, 8);
    CHECK_STR(all, "indicator--p0 indicator--p1 indicator--p2 indicator--p3 indicator--p4 "
                   "indicator--p5 indicator--p6 indicator--p7 ");
    note("paged %s in %d pages", all, pages);
    /* A cursor with no limit walks more rows than one fetch of the backend brings. */
    CHECK_INT(sol_store_begin(s), 0); /* the bulk path: one transaction */
    for (int i = 0; i < 1200; i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--bulk%04d", i);
        add(s, "c", id, "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
    }
    CHECK_INT(sol_store_commit(s), 0);
    struct sol_object_filter g = {.collection = "c", .max_tlp = 1, .skip_json = true};
    char *out = malloc(200000);
    CHECK_INT(query(s, "big", &g, out, 200000), 1208);
    free(out);
    sol_store_close(s);
}

static void
test_deletes(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 1);
    add(s, "c", "indicator--1", "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
    add(s, "c", "indicator--1", "2020-01-02T00:00:00.000Z", NULL, 1, NULL);
    add(s, "c", "indicator--1", "2020-01-03T00:00:00.000Z", NULL, 1, NULL);
    add(s, "c", "indicator--2", "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
    add(s, "c", "indicator--3", "2020-01-01T00:00:00.000Z", NULL, 5, "identity--x");
    const char *id1[] = {"indicator--1"};
    struct sol_object_filter f = {.collection = "c",
                                  .max_tlp = 4,
                                  .ids = id1,
                                  .n_ids = 1,
                                  .version_match = SOL_VERSION_FIRST};
    size_t deleted = 0;
    CHECK_INT(sol_store_objects_delete(s, &f, &deleted), 0);
    CHECK_INT(deleted, 1);
    sol_time_t v[] = {ts("2020-01-03T00:00:00.000Z")};
    f.version_match = 0;
    f.versions = v;
    f.n_versions = 1;
    CHECK_INT(sol_store_objects_delete(s, &f, &deleted), 0);
    CHECK_INT(deleted, 1);
    char out[1024];
    struct sol_object_filter q = {
        .collection = "c", .max_tlp = 4, .version_match = SOL_VERSION_ALL};
    CHECK_INT(query(s, "after deletes", &q, out, sizeof out), 2);
    CHECK_STR(out, "indicator--1@01-02T00:00:00.000Z/2.1 indicator--2@01-01T00:00:00.000Z/2.1");
    /* A bare delete purges every version; one the asker may not see is not deleted. */
    const char *id23[] = {"indicator--2", "indicator--3"};
    struct sol_object_filter d = {.collection = "c", .max_tlp = 4, .ids = id23, .n_ids = 2};
    CHECK_INT(sol_store_objects_delete(s, &d, &deleted), 0);
    CHECK_INT(deleted, 1);
    struct sol_object_filter none = {.collection = "c", .max_tlp = 4};
    CHECK_INT(sol_store_objects_delete(s, &none, &deleted), SOL_EINVAL);
    int64_t n = 0;
    CHECK_INT(sol_store_collection_count(s, "c", &n), 0);
    CHECK_INT(n, 2);
    note("deletes left %lld", (long long)n);
    sol_store_close(s);
}

static void
test_status(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    struct sol_status_entry ok[2] = {{.id = "indicator--1", .version = "2020-01-01T00:00:00Z"},
                                     {.id = "indicator--\"2\\", .version = "v2"}};
    struct sol_status_entry bad[1] = {{.id = "x--1", .version = "v", .message = "bad, {really}"}};
    struct sol_status st = {.id = "st-1",
                            .status = "pending",
                            .request_timestamp = ts("2020-01-01T00:00:00.000Z"),
                            .total_count = 4,
                            .success_count = 2,
                            .failure_count = 1,
                            .pending_count = 1,
                            .successes = ok,
                            .n_successes = 2,
                            .failures = bad,
                            .n_failures = 1,
                            .owner = "alice"};
    CHECK_INT(sol_store_status_put(s, &st), 0);
    struct sol_status got;
    CHECK_INT(sol_store_status_get(s, "st-1", &got), 0);
    CHECK_STR(got.status, "pending");
    CHECK_INT(got.total_count, 4);
    CHECK_INT(got.n_successes, 2);
    CHECK_INT(got.n_failures, 1);
    CHECK_INT(got.n_pendings, 0);
    if (got.n_successes == 2)
        CHECK_STR(got.successes[1].id, "indicator--\"2\\");
    if (got.n_failures == 1) {
        CHECK_STR(got.failures[0].message, "bad, {really}");
        CHECK(got.successes[0].message == NULL);
    }
    CHECK_STR(got.owner, "alice");
    note("status %s %s %lld/%lld/%lld/%lld", got.id, got.status, (long long)got.total_count,
         (long long)got.success_count, (long long)got.failure_count, (long long)got.pending_count);
    sol_status_clear(&got);
    st.status = "complete";
    st.n_failures = 0;
    st.n_successes = 1;
    CHECK_INT(sol_store_status_put(s, &st), 0); /* replaced, entries too */
    CHECK_INT(sol_store_status_get(s, "st-1", &got), 0);
    CHECK_STR(got.status, "complete");
    CHECK_INT(got.n_successes, 1);
    CHECK_INT(got.n_failures, 0);
    sol_status_clear(&got);
    struct sol_status st2 = {
        .id = "st-2", .status = "complete", .request_timestamp = ts("2030-01-01T00:00:00.000Z")};
    CHECK_INT(sol_store_status_put(s, &st2), 0);
    size_t removed = 0;
    CHECK_INT(sol_store_status_expire(s, ts("2025-01-01T00:00:00.000Z"), &removed), 0);
    CHECK_INT(removed, 1);
    CHECK_INT(sol_store_status_get(s, "st-1", &got), SOL_ENOTFOUND);
    CHECK_INT(sol_store_status_get(s, "st-2", &got), 0);
    sol_status_clear(&got);

    /* Many entries of every kind (the store writes them in statements of up to 64 rows). */
    enum { MANY = 101 };
    static struct sol_status_entry many[3][MANY];
    static char ids[3][MANY][48];
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < MANY; i++) {
            snprintf(ids[k][i], sizeof ids[k][i], "indicator--%d-%03d", k, i);
            many[k][i] = (struct sol_status_entry){
                .id = ids[k][i], .version = "v", .message = k == 1 ? "no" : NULL};
        }
    struct sol_status st3 = {.id = "st-3",
                             .status = "pending",
                             .request_timestamp = ts("2030-01-01T00:00:00.000Z"),
                             .successes = many[0],
                             .n_successes = MANY,
                             .failures = many[1],
                             .n_failures = MANY - 37,
                             .pendings = many[2],
                             .n_pendings = 3};
    CHECK_INT(sol_store_status_put(s, &st3), 0);
    CHECK_INT(sol_store_status_get(s, "st-3", &got), 0);
    CHECK_INT(got.n_successes, MANY);
    CHECK_INT(got.n_failures, MANY - 37);
    CHECK_INT(got.n_pendings, 3);
    bool in_order = got.n_successes == MANY && got.n_failures == MANY - 37 && got.n_pendings == 3;
    for (int i = 0; in_order && i < MANY; i++)
        in_order = strcmp(got.successes[i].id, ids[0][i]) == 0 &&
                   (i >= MANY - 37 || (strcmp(got.failures[i].id, ids[1][i]) == 0 &&
                                       strcmp(got.failures[i].message, "no") == 0)) &&
                   (i >= 3 || strcmp(got.pendings[i].id, ids[2][i]) == 0);
    CHECK(in_order);
    note("status st-3: %zu/%zu/%zu entries, %s", got.n_successes, got.n_failures, got.n_pendings,
         in_order ? "in order" : "out of order");
    sol_status_clear(&got);
    sol_store_close(s);
}

static void
test_partners_users_tokens_grants_peers(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 3);
    int64_t p1 = 0, p2 = 0, u1 = 0, u2 = 0, t1 = 0;
    const char *ident = "identity--11111111-1111-4111-8111-111111111111";
    CHECK_INT(sol_store_partner_add(s, "cert", ident, &p1), 0);
    CHECK_INT(sol_store_partner_add(s, "bank", NULL, &p2), 0);
    CHECK_INT(sol_store_partner_add(s, "cert", NULL, NULL), SOL_EEXISTS);
    CHECK_INT(sol_store_partner_add(s, "bad", "identity--nope", NULL), SOL_EINVAL);
    struct sol_partner pt;
    CHECK_INT(sol_store_partner_get(s, ident, &pt), 0);
    CHECK_STR(pt.name, "cert");
    CHECK_INT(pt.id, p1);
    sol_partner_clear(&pt);
    CHECK_INT(sol_store_partner_get_by_id(s, p2, &pt), 0);
    CHECK_STR(pt.name, "bank");
    CHECK(strncmp(pt.identity, "identity--", 10) == 0);
    sol_partner_clear(&pt);
    struct sol_partner *pl;
    size_t n;
    CHECK_INT(sol_store_partner_list(s, &pl, &n), 0);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        note("partner %s", pl[i].name);
    sol_partner_list_free(pl, n);

    struct sol_user u = {.name = "alice",
                         .partner_id = p1,
                         .clearance = 4,
                         .is_admin = true,
                         .password_hash = "$argon2id$x"};
    CHECK_INT(sol_store_user_add(s, &u, &u1), 0);
    CHECK_INT(sol_store_user_add(s, &u, NULL), SOL_EEXISTS);
    struct sol_user ub = {.name = "bob", .partner_id = p2, .clearance = 2};
    CHECK_INT(sol_store_user_add(s, &ub, &u2), 0);
    struct sol_user bad = {.name = "eve", .partner_id = 999, .clearance = 2};
    CHECK_INT(sol_store_user_add(s, &bad, NULL), SOL_ENOTFOUND);
    bad.clearance = 9;
    CHECK_INT(sol_store_user_add(s, &bad, NULL), SOL_EINVAL);
    struct sol_user gu;
    CHECK_INT(sol_store_user_get(s, "alice", &gu), 0);
    CHECK_STR(gu.partner_name, "cert");
    CHECK_STR(gu.partner_identity, ident);
    CHECK(gu.is_admin);
    CHECK_INT(gu.clearance, 4);
    CHECK_STR(gu.password_hash, "$argon2id$x");
    gu.clearance = 5;
    gu.is_admin = false;
    char *keep = gu.password_hash;
    gu.password_hash = NULL; /* keeps the old hash */
    CHECK_INT(sol_store_user_update(s, &gu), 0);
    gu.password_hash = keep;
    sol_user_clear(&gu);
    CHECK_INT(sol_store_user_get_by_id(s, u1, &gu), 0);
    CHECK_INT(gu.clearance, 5);
    CHECK(!gu.is_admin);
    CHECK_STR(gu.password_hash, "$argon2id$x");
    sol_user_clear(&gu);
    struct sol_user upd = {.id = 12345, .clearance = 1};
    CHECK_INT(sol_store_user_update(s, &upd), SOL_ENOTFOUND);
    struct sol_user *ul;
    CHECK_INT(sol_store_user_list(s, 0, &ul, &n), 0);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        note("user %s %s %d %d", ul[i].name, ul[i].partner_name, ul[i].clearance, ul[i].is_admin);
    sol_user_list_free(ul, n);
    CHECK_INT(sol_store_user_list(s, p2, &ul, &n), 0);
    CHECK_INT(n, 1);
    sol_user_list_free(ul, n);

    struct sol_token t = {.name = "ci", .user_id = u1, .created = 1000};
    for (int i = 0; i < 32; i++)
        t.hash[i] = (uint8_t)(i * 7 + (i == 5 ? 0 : 1)); /* includes a zero byte */
    CHECK_INT(sol_store_token_add(s, &t, &t1), 0);
    CHECK_INT(sol_store_token_add(s, &t, NULL), SOL_EEXISTS);
    struct sol_token gt;
    CHECK_INT(sol_store_token_find(s, t.hash, &gt), 0);
    CHECK_INT(gt.id, t1);
    CHECK_STR(gt.user_name, "alice");
    CHECK(memcmp(gt.hash, t.hash, 32) == 0);
    CHECK(!gt.revoked);
    CHECK_INT(gt.last_used, 0);
    sol_token_clear(&gt);
    CHECK_INT(sol_store_token_touch(s, t1, 777), 0);
    CHECK_INT(sol_store_token_revoke(s, t1), 0);
    CHECK_INT(sol_store_token_revoke(s, 99999), SOL_ENOTFOUND);
    struct sol_token *tl;
    CHECK_INT(sol_store_token_list(s, u1, &tl, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(tl[0].revoked);
        CHECK_INT(tl[0].last_used, 777);
        note("token %s %s revoked=%d last_used=%lld", tl[0].name, tl[0].user_name, tl[0].revoked,
             (long long)tl[0].last_used);
    }
    sol_token_list_free(tl, n);
    uint8_t other[32] = {0};
    CHECK_INT(sol_store_token_find(s, other, &gt), SOL_ENOTFOUND);

    struct sol_grant g = {.collection = "c", .partner_id = p2, .can_read = true};
    CHECK_INT(sol_store_grant_add(s, &g), 0);
    struct sol_grant gw = {.collection = "c", .user_id = u1, .can_write = true};
    CHECK_INT(sol_store_grant_add(s, &gw), 0);
    struct sol_grant gbad = {.collection = "nope", .user_id = u1, .can_read = true};
    CHECK_INT(sol_store_grant_add(s, &gbad), SOL_ENOTFOUND);
    struct sol_grant gboth = {.collection = "c", .user_id = u1, .partner_id = p1};
    CHECK_INT(sol_store_grant_add(s, &gboth), SOL_EINVAL);
    bool r = false, w = false;
    CHECK_INT(sol_store_grant_check(s, "c", u2, p2, &r, &w), 0);
    CHECK(r && !w);
    CHECK_INT(sol_store_grant_check(s, "c", u1, p1, &r, &w), 0);
    CHECK(!r && w);
    struct sol_grant *gl;
    CHECK_INT(sol_store_grant_list(s, NULL, &gl, &n), 0);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++)
        note("grant %s partner=%s user=%s r=%d w=%d", gl[i].collection,
             gl[i].partner_name ? gl[i].partner_name : "-", gl[i].user_name ? gl[i].user_name : "-",
             gl[i].can_read, gl[i].can_write);
    sol_grant_list_free(gl, n);
    g.can_read = true;
    CHECK_INT(sol_store_grant_remove(s, &g), 0); /* empty now: gone */
    CHECK_INT(sol_store_grant_remove(s, &g), SOL_ENOTFOUND);
    CHECK_INT(sol_store_grant_list(s, "c", &gl, &n), 0);
    CHECK_INT(n, 1);
    sol_grant_list_free(gl, n);

    CHECK_INT(sol_store_partner_delete(s, "bank"), SOL_ECONFLICT); /* bob belongs to it */
    CHECK_INT(sol_store_user_delete(s, "bob"), 0);
    CHECK_INT(sol_store_user_delete(s, "bob"), SOL_ENOTFOUND);
    CHECK_INT(sol_store_partner_delete(s, "bank"), 0);
    CHECK_INT(sol_store_partner_delete(s, "bank"), SOL_ENOTFOUND);
    CHECK_INT(sol_store_user_delete(s, "alice"), 0); /* with her tokens and grants */
    CHECK_INT(sol_store_token_list(s, 0, &tl, &n), 0);
    CHECK_INT(n, 0);
    sol_token_list_free(tl, n);
    CHECK_INT(sol_store_grant_list(s, NULL, &gl, &n), 0);
    CHECK_INT(n, 0);
    sol_grant_list_free(gl, n);

    struct sol_peer p = {.name = "nb",
                         .url = "https://nb.example/taxii2/",
                         .partner = "bank",
                         .token = "secret",
                         .config_json = "{\"collections\":[\"c\"]}"};
    CHECK_INT(sol_store_peer_put(s, &p), 0);
    p.last_sync = 42;
    CHECK_INT(sol_store_peer_put(s, &p), 0); /* update: the sync state */
    struct sol_peer gp;
    CHECK_INT(sol_store_peer_get(s, "nb", &gp), 0);
    CHECK_INT(gp.last_sync, 42);
    CHECK_STR(gp.config_json, "{\"collections\":[\"c\"]}");
    note("peer %s %s %s %lld", gp.name, gp.url, gp.token, (long long)gp.last_sync);
    sol_peer_clear(&gp);
    struct sol_peer *ppl;
    CHECK_INT(sol_store_peer_list(s, &ppl, &n), 0);
    CHECK_INT(n, 1);
    sol_peer_list_free(ppl, n);
    CHECK_INT(sol_store_peer_delete(s, "nb"), 0);
    CHECK_INT(sol_store_peer_delete(s, "nb"), SOL_ENOTFOUND);
    sol_store_close(s);
}

/* Try to change the audit log behind the store's back: the database must refuse. */
static int
raw_audit_tamper(const char *store_url, char *msg, size_t n)
{
    msg[0] = 0;
    if (strncmp(store_url, "sqlite:", 7) == 0) {
        char path[700];
        snprintf(path, sizeof path, "%s/store.db", store_url + 7);
        sqlite3 *db = NULL;
        if (sqlite3_open(path, &db) != SQLITE_OK)
            return -1;
        char *err = NULL;
        int rc = sqlite3_exec(db, "UPDATE audit SET actor = 'mallory'", NULL, NULL, &err);
        snprintf(msg, n, "%s", err ? err : "");
        sqlite3_free(err);
        int rc2 = sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL);
        sqlite3_close(db);
        return rc != SQLITE_OK && rc2 != SQLITE_OK ? 1 : 0;
    }
    PGconn *c = PQconnectdb(store_url);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return -1;
    }
    int refused = 0;
    const char *sql[] = {"UPDATE audit SET actor = 'mallory'", "DELETE FROM audit",
                         "TRUNCATE audit"};
    for (int i = 0; i < 3; i++) {
        PGresult *r = PQexec(c, sql[i]);
        if (PQresultStatus(r) == PGRES_FATAL_ERROR) {
            refused++;
            const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            snprintf(msg, n, "%s", m ? m : "");
        }
        PQclear(r);
    }
    PQfinish(c);
    return refused == 3 ? 1 : 0;
}

static void
test_audit(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    CHECK_INT(sol_store_audit(s, "alice", "user.add", "bob", "{\"clearance\":2}"), 0);
    CHECK_INT(sol_store_audit(s, "alice", "token.add", NULL, NULL), 0);
    CHECK_INT(sol_store_audit(s, "bob", "object.add", "indicator--1", NULL), 0);
    CHECK_INT(sol_store_audit(s, NULL, "x", NULL, NULL), SOL_EINVAL);
    struct sol_audit_entry *e;
    size_t n;
    CHECK_INT(sol_store_audit_list(s, 0, 0, &e, &n), 0);
    CHECK_INT(n, 3);
    int64_t second = n >= 2 ? e[1].seq : 0;
    for (size_t i = 0; i < n; i++)
        note("audit %s %s %s %s", e[i].actor, e[i].action, e[i].target ? e[i].target : "-",
             e[i].details ? e[i].details : "-");
    if (n == 3)
        CHECK(e[0].seq < e[1].seq && e[1].seq < e[2].seq && e[0].at > 0);
    sol_audit_list_free(e, n);
    CHECK_INT(sol_store_audit_list(s, second, 0, &e, &n), 0);
    CHECK_INT(n, 1);
    sol_audit_list_free(e, n);
    CHECK_INT(sol_store_audit_list(s, 0, 2, &e, &n), 0);
    CHECK_INT(n, 2);
    sol_audit_list_free(e, n);
    sol_store_close(s);
    char msg[256];
    CHECK_INT(raw_audit_tamper(url, msg, sizeof msg), 1);
    CHECK_STR(msg, "the audit log is append-only");
    s = NULL;
    CHECK_INT(sol_store_open(url, &s, NULL), 0);
    CHECK_INT(sol_store_audit_list(s, 0, 0, &e, &n), 0);
    CHECK_INT(n, 3);
    if (n == 3)
        CHECK_STR(e[0].actor, "alice");
    sol_audit_list_free(e, n);
    sol_store_close(s);
}

static void
test_transactions(void)
{
    struct sol_store *s = fresh();
    if (!s) {
        HARNESS_FAIL("cannot open a fresh store");
        return;
    }
    setup_collection(s, "c", 1);
    CHECK_INT(sol_store_commit(s), SOL_EINVAL);
    CHECK_INT(sol_store_begin(s), 0);
    CHECK_INT(sol_store_begin(s), SOL_EINVAL);
    CHECK_INT(add(s, "c", "indicator--t1", "2020-01-01T00:00:00.000Z", NULL, 1, NULL), 1);
    CHECK_INT(sol_store_setting_set(s, "k", "v"), 0);
    CHECK_INT(sol_store_rollback(s), 0);
    int64_t n = -1;
    CHECK_INT(sol_store_collection_count(s, "c", &n), 0);
    CHECK_INT(n, 0);
    struct sol_buf b;
    sol_buf_init(&b);
    CHECK_INT(sol_store_setting_get(s, "k", &b), SOL_ENOTFOUND);

    /* A failed operation inside a transaction leaves it usable. */
    int64_t p = 0;
    CHECK_INT(sol_store_partner_add(s, "cert", NULL, &p), 0);
    CHECK_INT(sol_store_begin(s), 0);
    CHECK_INT(add(s, "c", "indicator--t2", "2020-01-01T00:00:00.000Z", NULL, 1, NULL), 1);
    CHECK_INT(sol_store_partner_add(s, "cert", NULL, NULL), SOL_EEXISTS);
    CHECK_INT(add(s, "c", "indicator--t3", "2020-01-01T00:00:00.000Z", NULL, 1, NULL), 1);
    CHECK_INT(add(s, "c", "indicator--t3", "2020-01-01T00:00:00.000Z", NULL, 1, NULL), 0);
    CHECK_INT(sol_store_setting_set(s, "k", "w"), 0);
    CHECK_INT(sol_store_commit(s), 0);
    CHECK_INT(sol_store_collection_count(s, "c", &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(sol_store_setting_get(s, "k", &b), 0);
    CHECK_STR(b.p, "w");
    note("transactions: %lld objects, k=%s", (long long)n, b.p);
    sol_buf_free(&b);
    sol_store_close(s); /* a transaction left open at close is rolled back */
}

static const struct {
    const char *name;
    void (*fn)(void);
} suite[] = {
    {"open_and_schema", test_open_and_schema},
    {"settings", test_settings},
    {"roots_and_collections", test_roots_and_collections},
    {"add_duplicate_and_date_added", test_add_duplicate_and_date_added},
    {"filters", test_filters},
    {"paging_with_inserts", test_paging_with_inserts},
    {"deletes", test_deletes},
    {"status", test_status},
    {"partners_users_tokens_grants_peers", test_partners_users_tokens_grants_peers},
    {"audit", test_audit},
    {"transactions", test_transactions},
};

/*
 * Run every case on the current backend; report each as a TAP line prefixed by label,
 * or (quiet) only count the failures.
 */
static int
run_suite(const char *label, bool quiet)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof suite / sizeof suite[0]; i++) {
        harness_current_failed = 0;
        suite[i].fn();
        failed += harness_current_failed != 0;
        if (!quiet) {
            char name[128];
            snprintf(name, sizeof name, "%s: %s", label, suite[i].name);
            harness_report(name, harness_current_failed);
        }
    }
    harness_current_failed = 0;
    return failed;
}

/* Report the first line where two transcripts differ. */
static void
compare_transcripts(const char *a, const char *b)
{
    int line = 1;
    const char *pa = a, *pb = b;
    while (*pa && *pb) {
        const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
        size_t na = ea ? (size_t)(ea - pa) : strlen(pa), nb = eb ? (size_t)(eb - pb) : strlen(pb);
        if (na != nb || memcmp(pa, pb, na) != 0) {
            HARNESS_FAIL(
                "transcripts differ at line %d:\n#   postgresql: %.*s\n#   sqlite:     %.*s", line,
                (int)na, pa, (int)nb, pb);
            return;
        }
        pa += na + (ea ? 1 : 0);
        pb += nb + (eb ? 1 : 0);
        line++;
    }
    if (*pa || *pb)
        HARNESS_FAIL("transcripts differ in length after line %d", line);
}

static char *pg_transcript;

static void
test_same_rows_on_sqlite_and_postgresql(void)
{
    CHECK(pg_transcript != NULL && transcript.p != NULL);
    if (pg_transcript && transcript.p)
        compare_transcripts(pg_transcript, transcript.p);
}

int
main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "sqlite";
    sol_buf_init(&transcript);
    if (strcmp(which, "pg") != 0) {
        backend = strcmp(which, "sqlite") == 0 ? BACKEND_SQLITE : BACKEND_URL;
        snprintf(base, sizeof base, "%s", which);
        run_suite(which, false);
        sol_buf_free(&transcript);
        return harness_done();
    }
    if (!pg_cluster_start()) {
        printf("ok 1 # SKIP %s\n1..1\n", pg_cluster_why);
        return 0;
    }
    backend = BACKEND_PG;
    run_suite("postgresql", false);
    pg_transcript = sol_buf_steal(&transcript, NULL);
    /* The same suite on SQLite (its own registration reports its cases), then compare. */
    sol_buf_init(&transcript);
    backend = BACKEND_SQLITE;
    int sqlite_failed = run_suite("sqlite", true);
    if (sqlite_failed)
        printf("# %d cases failed on SQLite too: see test_store_conformance sqlite\n",
               sqlite_failed);
    RUN(test_same_rows_on_sqlite_and_postgresql);
    free(pg_transcript);
    sol_buf_free(&transcript);
    return harness_done();
}
