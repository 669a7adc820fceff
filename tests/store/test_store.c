/*
 * test_store.c — the store API on SQLite: schema, records, object versions and every
 * filter of struct sol_object_filter, the keyset cursor under concurrent inserts,
 * strictly increasing date_added across processes, the append-only audit log.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "solidarity/solidarity.h"
#include "solidarity/store.h"
#include "store/store.h"

static char dir[256];

/* A fresh store directory for each test. */
/* A private directory for this run (several builds may run the tests at once). */
static char test_base[128];

static void
remove_test_base(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_base);
    if (test_base[0] && system(cmd) != 0)
        printf("# could not remove %s\n", test_base);
}

static const char *
base_dir(void)
{
    if (!test_base[0]) {
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(test_base, sizeof test_base, "%s/sol-test-XXXXXX", tmp);
        if (!mkdtemp(test_base))
            test_base[0] = 0;
        else
            atexit(remove_test_base);
    }
    return test_base;
}

static struct sol_store *
fresh(void)
{
    static int n;
    snprintf(dir, sizeof dir, "%s/store-%d", base_dir(), n++);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return NULL;
    struct sol_store *s = NULL;
    struct sol_error err;
    int rc = sol_store_open(dir, &s, &err);
    if (rc != 0)
        printf("# open: %s\n", err.msg);
    return s;
}

static void
setup_collection(struct sol_store *s, const char *id, int default_tlp)
{
    struct sol_api_root r = {.name = "intel", .title = "Intel", .max_content_length = 1000};
    sol_store_api_root_put(s, &r);
    char idbuf[64], root[] = "intel", title[] = "T";
    snprintf(idbuf, sizeof idbuf, "%s", id);
    struct sol_collection c = {
        .id = idbuf, .api_root = root, .title = title, .default_tlp = default_tlp};
    CHECK_INT(sol_store_collection_put(s, &c), 0);
}

static sol_time_t
ts(const char *s)
{
    sol_time_t t = 0;
    sol_time_parse(s, strlen(s), 0, &t, NULL, NULL);
    return t;
}

/* Add an object version; returns whether it was added. */
static bool
add(struct sol_store *s, const char *coll, const char *id, const char *version, const char *spec,
    int tlp, const char *recipients)
{
    char json[256];
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"modified\":\"%s\"}", id, version ? version : "");
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
    sol_time_t da = 0;
    int rc = sol_store_object_add(s, coll, &row, &added, &da);
    if (rc != 0)
        printf("# add %s: %s (%s)\n", id, sol_strerror(rc), sol_store_errmsg(s));
    return added;
}

/* Run a query and write "id@version" lines, one per row, into out. */
static int
query(struct sol_store *s, struct sol_object_filter *f, char *out, size_t n)
{
    struct sol_store_cursor *c = NULL;
    out[0] = 0;
    if (!f->max_tlp)
        f->max_tlp = 4;
    int rc = sol_store_objects_query(s, f, &c);
    if (rc != 0) {
        printf("# query: %s (%s)\n", sol_strerror(rc), sol_store_errmsg(s));
        return -1;
    }
    struct sol_object_row row;
    int count = 0;
    size_t used = 0;
    while (sol_store_cursor_next(c, &row) == 0) {
        char t[40];
        sol_time_format(row.version, 3, t);
        used += (size_t)snprintf(out + used, n - used, "%s%.*s@%s", count ? " " : "", (int)row.id.n,
                                 row.id.p, t + 11);
        count++;
    }
    sol_store_cursor_close(c);
    return count;
}

static void
test_open_and_schema(void)
{
    struct sol_store *s = fresh();
    CHECK(s != NULL);
    CHECK_INT(sol_store_schema_version(s), 5);
    sol_store_close(s);
    CHECK(sol_store_exists(dir));
    CHECK(!sol_store_exists("/nonexistent/dir"));
    s = NULL;
    CHECK_INT(sol_store_open(dir, &s, NULL), 0); /* reopen: nothing to migrate */
    CHECK_INT(sol_store_schema_version(s), 5);
    sol_store_close(s);
    struct sol_error err;
    CHECK_INT(sol_store_open("/nonexistent/dir", &s, &err), SOL_EIO);
    CHECK(strstr(err.msg, "/nonexistent/dir/store.db: cannot open the store") == err.msg);
}

/* Run SQL on the test store's database directly, as another program would. */
static int
raw_sql(const char *sql)
{
    char path[300];
    snprintf(path, sizeof path, "%s/store.db", dir);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/*
 * A store made by an older program (the first migration only, from the schema's
 * description: store/store.h) is migrated when opened; a newer one is refused.
 */
static void
test_migrations(void)
{
    struct sol_store *s = fresh();
    sol_store_close(s);
    char path[300];
    snprintf(path, sizeof path, "%s/store.db", dir);
    remove(path);
    CHECK_INT(raw_sql(sol__schema_sqlite[0]), SQLITE_OK);
    CHECK_INT(raw_sql("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                      "applied INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 0)"),
              SQLITE_OK);
    CHECK_INT(raw_sql("SELECT latest FROM objects"), SQLITE_ERROR);
    s = NULL;
    CHECK_INT(sol_store_open(dir, &s, NULL), 0);
    CHECK_INT(sol_store_schema_version(s), sol__schema_migration_count);
    sol_store_close(s);
    CHECK_INT(raw_sql("CREATE INDEX objects_type ON objects(collection)"), SQLITE_ERROR);
    CHECK_INT(raw_sql("SELECT latest FROM objects; SELECT changes FROM collections"), SQLITE_OK);
    CHECK_INT(raw_sql("SELECT owner_user, owner_partner FROM status"), SQLITE_OK);
    CHECK_INT(raw_sql("INSERT INTO schema_version VALUES (99, 0)"), SQLITE_OK);
    struct sol_error err;
    CHECK_INT(sol_store_open(dir, &s, &err), SOL_EUNSUPPORTED);
    char want[400];
    snprintf(want, sizeof want,
             "%s/store.db: the store's schema version 99 is newer than this program's (%d)", dir,
             sol__schema_migration_count);
    CHECK_STR(err.msg, want);
}

static void
test_settings_roots_collections(void)
{
    struct sol_store *s = fresh();
    struct sol_buf b;
    sol_buf_init(&b);
    CHECK_INT(sol_store_setting_get(s, "node.name", &b), SOL_ENOTFOUND);
    CHECK_INT(sol_store_setting_set(s, "node.name", "alpha"), 0);
    CHECK_INT(sol_store_setting_set(s, "node.name", "beta"), 0);
    CHECK_INT(sol_store_setting_get(s, "node.name", &b), 0);
    CHECK_STR(b.p, "beta");
    sol_buf_free(&b);

    struct sol_collection c = {.id = "c1", .api_root = "intel", .title = "T"};
    CHECK_INT(sol_store_collection_put(s, &c), SOL_ENOTFOUND); /* no API root yet */
    struct sol_api_root r = {.name = "intel", .title = "Intel", .description = "d"};
    CHECK_INT(sol_store_api_root_put(s, &r), 0);
    struct sol_api_root got;
    CHECK_INT(sol_store_api_root_get(s, "intel", &got), 0);
    CHECK_STR(got.title, "Intel");
    CHECK_INT(got.max_content_length, SOL_DEFAULT_MAX_CONTENT_LENGTH);
    sol_api_root_clear(&got);
    CHECK_INT(sol_store_api_root_get(s, "nope", &got), SOL_ENOTFOUND);

    c.alias = "feed";
    CHECK_INT(sol_store_collection_put(s, &c), 0);
    struct sol_collection c2 = {.id = "c2", .api_root = "intel", .title = "U", .alias = "feed"};
    CHECK_INT(sol_store_collection_put(s, &c2), SOL_EEXISTS); /* alias unique per API root */
    c2.alias = NULL;
    CHECK_INT(sol_store_collection_put(s, &c2), 0);
    struct sol_collection gc;
    CHECK_INT(sol_store_collection_get(s, "intel", "feed", &gc), 0);
    CHECK_STR(gc.id, "c1");
    CHECK_INT(gc.default_tlp, 3); /* AMBER by default */
    sol_collection_clear(&gc);
    CHECK_INT(sol_store_collection_get(s, NULL, "c2", &gc), 0);
    CHECK_STR(gc.title, "U");
    sol_collection_clear(&gc);
    CHECK_INT(sol_store_collection_get(s, "other", "c2", &gc), SOL_ENOTFOUND);
    struct sol_collection *list;
    size_t n;
    CHECK_INT(sol_store_collection_list(s, "intel", &list, &n), 0);
    CHECK_INT(n, 2);
    sol_collection_list_free(list, n);
    CHECK(add(s, "c2", "indicator--1", "2020-01-01T00:00:00.000Z", NULL, 2, NULL));
    CHECK_INT(sol_store_collection_delete(s, "intel", "c2"), 0);
    CHECK_INT(sol_store_collection_delete(s, "intel", "c2"), SOL_ENOTFOUND);
    int64_t count = -1;
    CHECK_INT(sol_store_collection_count(s, "c2", &count), 0);
    CHECK_INT(count, 0); /* its objects went with it */
    sol_store_close(s);
}

static void
test_add_duplicate_and_date_added(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    CHECK(add(s, "c", "indicator--a", "2020-01-01T00:00:00.000Z", NULL, 2, NULL));
    CHECK(!add(s, "c", "indicator--a", "2020-01-01T00:00:00.000Z", NULL, 2, NULL));
    CHECK(add(s, "c", "indicator--a", "2020-01-02T00:00:00.000Z", NULL, 2, NULL));
    /* SCOs without a version: the first add's date_added is the version, re-adds are held. */
    CHECK(add(s, "c", "ipv4-addr--x", NULL, NULL, 2, NULL));
    CHECK(!add(s, "c", "ipv4-addr--x", NULL, NULL, 2, NULL));
    struct sol_object_row row = {.id = SOL_STR("x"), .type = SOL_STR("x"), .json = SOL_STR("{}")};
    CHECK_INT(sol_store_object_add(s, "missing", &row, NULL, NULL), SOL_ENOTFOUND);
    int64_t n = 0;
    sol_store_collection_count(s, "c", &n);
    CHECK_INT(n, 3);

    /* Many adds in one transaction, within the same clock tick: strictly increasing. */
    CHECK_INT(sol_store_begin(s), 0);
    CHECK_INT(sol_store_begin(s), SOL_EINVAL);
    for (int i = 0; i < 500; i++) {
        char id[64];
        snprintf(id, sizeof id, "malware--%d", i);
        add(s, "c", id, "2021-01-01T00:00:00.000Z", NULL, 2, NULL);
    }
    CHECK_INT(sol_store_commit(s), 0);
    struct sol_object_filter f = {
        .collection = "c", .version_match = SOL_VERSION_ALL, .max_tlp = 5, .skip_json = true};
    struct sol_store_cursor *c;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    struct sol_object_row r;
    sol_time_t last = 0;
    int64_t last_seq = 0;
    int rows = 0, bad = 0;
    while (sol_store_cursor_next(c, &r) == 0) {
        if (r.date_added <= last || r.seq <= last_seq || r.json.p)
            bad++;
        last = r.date_added;
        last_seq = r.seq;
        rows++;
    }
    CHECK_INT(sol_store_cursor_next(c, &r), SOL_EEOF);
    sol_store_cursor_close(c);
    CHECK_INT(rows, 503);
    CHECK_INT(bad, 0);

    /* A rolled-back transaction leaves nothing. */
    CHECK_INT(sol_store_begin(s), 0);
    CHECK(add(s, "c", "malware--rolled", "2021-01-01T00:00:00.000Z", NULL, 2, NULL));
    CHECK_INT(sol_store_rollback(s), 0);
    sol_store_collection_count(s, "c", &n);
    CHECK_INT(n, 503);
    sol_store_close(s);
}

static void
test_filters(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    char out[2048];
    /* indicator--1: three versions; malware--2: one; tool--3: spec 2.0 and 2.1 versions */
    add(s, "c", "indicator--1", "2020-01-01T00:00:01.000Z", NULL, 2, NULL);
    add(s, "c", "malware--2", "2020-01-01T00:00:05.000Z", NULL, 2, NULL);
    add(s, "c", "indicator--1", "2020-01-01T00:00:03.000Z", NULL, 2, NULL);
    add(s, "c", "indicator--1", "2020-01-01T00:00:02.000Z", NULL, 2, NULL);
    add(s, "c", "tool--3", "2020-01-01T00:00:07.000Z", "2.0", 2, NULL);
    add(s, "c", "tool--3", "2020-01-01T00:00:06.000Z", "2.1", 2, NULL);

    struct sol_object_filter f = {.collection = "c"};
    /* default: last version, latest spec_version; ascending date_added */
    CHECK_INT(query(s, &f, out, sizeof out), 3);
    CHECK_STR(out, "malware--2@00:00:05.000Z indicator--1@00:00:03.000Z tool--3@00:00:06.000Z");

    f.version_match = SOL_VERSION_FIRST;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:01.000Z malware--2@00:00:05.000Z tool--3@00:00:06.000Z");
    f.version_match = SOL_VERSION_FIRST | SOL_VERSION_LAST;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:01.000Z malware--2@00:00:05.000Z "
                   "indicator--1@00:00:03.000Z tool--3@00:00:06.000Z");
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, &f, out, sizeof out), 5); /* tool 2.0 hidden by the spec default */

    /* explicit version timestamps, alone and with a keyword */
    sol_time_t v[2] = {ts("2020-01-01T00:00:02.000Z"), ts("2020-01-01T00:00:07.000Z")};
    f.version_match = 0;
    f.versions = v;
    f.n_versions = 2;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:02.000Z"); /* tool@07 is 2.0: not the latest spec */
    f.version_match = SOL_VERSION_LAST;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "malware--2@00:00:05.000Z indicator--1@00:00:03.000Z "
                   "indicator--1@00:00:02.000Z tool--3@00:00:06.000Z");
    f.versions = NULL;
    f.n_versions = 0;

    /* match[spec_version]: the version match then runs over what remains */
    const char *sv20[] = {"2.0"}, *svboth[] = {"2.0", "2.1"};
    f.version_match = 0;
    f.spec_versions = sv20;
    f.n_spec_versions = 1;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "tool--3@00:00:07.000Z");
    f.spec_versions = svboth;
    f.n_spec_versions = 2;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "malware--2@00:00:05.000Z indicator--1@00:00:03.000Z tool--3@00:00:07.000Z");
    f.spec_versions = NULL;
    f.n_spec_versions = 0;

    /* match[type], match[id] */
    const char *types[] = {"malware", "tool"}, *ids[] = {"indicator--1", "nothing--9"};
    f.types = types;
    f.n_types = 2;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "malware--2@00:00:05.000Z tool--3@00:00:06.000Z");
    f.types = NULL;
    f.n_types = 0;
    f.ids = ids;
    f.n_ids = 2;
    f.version_match = SOL_VERSION_ALL;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:01.000Z indicator--1@00:00:03.000Z "
                   "indicator--1@00:00:02.000Z");
    f.ids = NULL;
    f.n_ids = 0;
    f.version_match = 0;

    /* added_after: the default last is the newest among versions added after it */
    struct sol_object_filter all = {
        .collection = "c", .version_match = SOL_VERSION_ALL, .max_tlp = 5, .skip_json = true};
    struct sol_store_cursor *c;
    sol_store_objects_query(s, &all, &c);
    struct sol_object_row r;
    sol_time_t das[6] = {0};
    for (int i = 0; i < 6 && sol_store_cursor_next(c, &r) == 0; i++)
        das[i] = r.date_added;
    sol_store_cursor_close(c);
    f.has_added_after = true;
    f.added_after = das[2]; /* after indicator--1@03 */
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:02.000Z tool--3@00:00:06.000Z");
    f.has_added_after = false;

    /* limit and the keyset cursor */
    f.limit = 2;
    CHECK_INT(query(s, &f, out, sizeof out), 2);
    CHECK_STR(out, "malware--2@00:00:05.000Z indicator--1@00:00:03.000Z");
    f.has_after = true;
    f.after_date_added = das[2];
    f.after_seq = 3;
    query(s, &f, out, sizeof out);
    CHECK_STR(out, "tool--3@00:00:06.000Z");
    sol_store_close(s);
}

static void
test_policy_in_sql(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    char out[2048];
    add(s, "c", "report--clear", "2020-01-01T00:00:00.000Z", NULL, 1, NULL);
    add(s, "c", "report--green", "2020-01-01T00:00:00.000Z", NULL, 2, NULL);
    add(s, "c", "report--default", "2020-01-01T00:00:00.000Z", NULL, 0, NULL); /* AMBER */
    add(s, "c", "report--strict", "2020-01-01T00:00:00.000Z", NULL, 4, NULL);
    add(s, "c", "report--red", "2020-01-01T00:00:00.000Z", NULL, 5,
        "identity--aaaaaaaa-0000-4000-8000-000000000001,identity--bbbbbbbb-0000-4000-8000-"
        "000000000002");
    /* access.h: an object whose latest version the asker may not see does not
     * exist for them: no older version of it is served */
    add(s, "c", "report--green", "2020-01-01T00:00:09.000Z", NULL, 5, "identity--x");

    struct sol_object_filter f = {.collection = "c", .max_tlp = 2};
    CHECK_INT(query(s, &f, out, sizeof out), 1);
    CHECK_STR(out, "report--clear@00:00:00.000Z");
    f.version_match = SOL_VERSION_ALL; /* not through another door either */
    CHECK_INT(query(s, &f, out, sizeof out), 1);
    f.version_match = SOL_VERSION_FIRST;
    CHECK_INT(query(s, &f, out, sizeof out), 1);
    f.version_match = 0;
    f.has_added_after = true;
    CHECK_INT(query(s, &f, out, sizeof out), 1);
    f.has_added_after = false;
    f.max_tlp = 3;
    CHECK_INT(query(s, &f, out, sizeof out), 2);
    f.max_tlp = 4;
    CHECK_INT(query(s, &f, out, sizeof out), 3);
    f.max_tlp = 5;
    CHECK_INT(query(s, &f, out, sizeof out), 3); /* RED without being a recipient: none */
    f.asker_identity = "identity--bbbbbbbb-0000-4000-8000-000000000002";
    CHECK_INT(query(s, &f, out, sizeof out), 4);
    f.asker_identity = "identity--bbbbbbbb-0000-4000-8000-00000000000"; /* a prefix is not it */
    CHECK_INT(query(s, &f, out, sizeof out), 3);
    f.asker_identity = "identity--x";
    CHECK_INT(query(s, &f, out, sizeof out), 4);
    CHECK(strstr(out, "report--green@00:00:00.000Z") == NULL); /* sees the RED newer version */
    CHECK(strstr(out, "report--green@00:00:09.000Z") != NULL);
    f.version_match = SOL_VERSION_ALL; /* and both versions of it */
    CHECK_INT(query(s, &f, out, sizeof out), 5);
    f.version_match = 0;
    /* the node's own checks see everything */
    f.asker_identity = NULL;
    f.max_tlp = 0;
    f.unrestricted = true;
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, &f, out, sizeof out), 6);
    f.unrestricted = false;
    f.version_match = 0;
    /* limit counts visible rows only */
    f.asker_identity = NULL;
    f.max_tlp = 1;
    f.limit = 1;
    f.version_match = SOL_VERSION_ALL;
    CHECK_INT(query(s, &f, out, sizeof out), 1);
    f.max_tlp = -1; /* nothing at all */
    f.limit = 0;
    struct sol_store_cursor *c;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    struct sol_object_row r;
    CHECK_INT(sol_store_cursor_next(c, &r), SOL_EEOF);
    sol_store_cursor_close(c);
    sol_store_close(s);
}

static void
test_delete(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    char out[2048];
    add(s, "c", "indicator--1", "2020-01-01T00:00:01.000Z", NULL, 2, NULL);
    add(s, "c", "indicator--1", "2020-01-01T00:00:02.000Z", NULL, 2, NULL);
    add(s, "c", "indicator--1", "2020-01-01T00:00:03.000Z", NULL, 2, NULL);
    add(s, "c", "indicator--2", "2020-01-01T00:00:01.000Z", NULL, 2, NULL);
    const char *ids[] = {"indicator--1"};
    struct sol_object_filter f = {
        .collection = "c", .ids = ids, .n_ids = 1, .max_tlp = 5, .version_match = SOL_VERSION_LAST};
    size_t n = 99;
    CHECK_INT(sol_store_objects_delete(s, &f, &n), 0);
    CHECK_INT(n, 1);
    struct sol_object_filter q = {.collection = "c", .version_match = SOL_VERSION_ALL};
    query(s, &q, out, sizeof out);
    CHECK_STR(out, "indicator--1@00:00:01.000Z indicator--1@00:00:02.000Z "
                   "indicator--2@00:00:01.000Z");
    f.version_match = 0; /* a bare delete purges every version */
    CHECK_INT(sol_store_objects_delete(s, &f, &n), 0);
    CHECK_INT(n, 2);
    query(s, &q, out, sizeof out);
    CHECK_STR(out, "indicator--2@00:00:01.000Z");
    f.n_ids = 0;
    CHECK_INT(sol_store_objects_delete(s, &f, &n), SOL_EINVAL);
    /* re-adding a deleted version stores it again, with a new date_added */
    CHECK(add(s, "c", "indicator--1", "2020-01-01T00:00:03.000Z", NULL, 2, NULL));
    sol_store_close(s);
}

/*
 * Paging with the keyset cursor while another handle adds objects between pages:
 * every object that existed at the start is seen exactly once, in order.
 */
static void
test_paging_with_concurrent_inserts(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    CHECK_INT(sol_store_begin(s), 0);
    for (int i = 0; i < 300; i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--%03d", i);
        add(s, "c", id, "2020-01-01T00:00:00.000Z", NULL, 2, NULL);
    }
    sol_store_commit(s);
    struct sol_store *w = NULL;
    CHECK_INT(sol_store_open(dir, &w, NULL), 0);
    int seen[400] = {0};
    int pages = 0, rows = 0, order_bad = 0;
    struct sol_object_filter f = {.collection = "c", .max_tlp = 5, .limit = 7};
    sol_time_t last = 0;
    for (;;) {
        struct sol_store_cursor *c;
        if (sol_store_objects_query(s, &f, &c) != 0)
            break;
        struct sol_object_row r;
        int got = 0;
        while (sol_store_cursor_next(c, &r) == 0) {
            int k = atoi(r.id.p + strlen("indicator--"));
            if (k >= 0 && k < 400)
                seen[k]++;
            if (r.date_added <= last)
                order_bad++;
            last = r.date_added;
            f.has_after = true;
            f.after_date_added = r.date_added;
            f.after_seq = r.seq;
            got++;
            rows++;
        }
        sol_store_cursor_close(c);
        pages++;
        if (got == 0)
            break;
        /* another writer adds new objects and new versions of ones already paged */
        if (pages <= 10) {
            char id[64];
            snprintf(id, sizeof id, "indicator--%03d", 299 + pages);
            add(w, "c", id, "2020-01-01T00:00:00.000Z", NULL, 2, NULL);
        }
    }
    int missing = 0, repeated = 0;
    for (int i = 0; i < 310; i++) {
        if (seen[i] == 0)
            missing++;
        if (seen[i] > 1)
            repeated++;
    }
    CHECK_INT(missing, 0);
    CHECK_INT(repeated, 0);
    CHECK_INT(order_bad, 0);
    CHECK_INT(rows, 310);
    sol_store_close(w);
    sol_store_close(s);
}

/* Two processes add to one collection at once: nothing lost, date_added strictly increasing. */
static void
test_concurrent_writers(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    sol_store_close(s);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            struct sol_store *w = NULL;
            if (sol_store_open(dir, &w, NULL) != 0)
                _exit(3);
            int bad = 0;
            for (int i = 0; i < 200; i++) {
                char id[64];
                snprintf(id, sizeof id, "indicator--p%d-%d", k, i);
                if (!add(w, "c", id, "2020-01-01T00:00:00.000Z", NULL, 2, NULL))
                    bad++;
            }
            sol_store_close(w);
            _exit(bad ? 1 : 0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_INT(sol_store_open(dir, &s, NULL), 0);
    int64_t n = 0;
    sol_store_collection_count(s, "c", &n);
    CHECK_INT(n, 400);
    struct sol_object_filter f = {.collection = "c", .max_tlp = 5, .skip_json = true};
    struct sol_store_cursor *c;
    sol_store_objects_query(s, &f, &c);
    struct sol_object_row r;
    sol_time_t last = 0;
    int bad = 0, rows = 0;
    while (sol_store_cursor_next(c, &r) == 0) {
        if (r.date_added <= last)
            bad++;
        last = r.date_added;
        rows++;
    }
    sol_store_cursor_close(c);
    CHECK_INT(rows, 400);
    CHECK_INT(bad, 0);
    sol_store_close(s);
}

static void
test_status(void)
{
    struct sol_store *s = fresh();
    struct sol_status_entry ok[2] = {{"indicator--1", "2020-01-01T00:00:00.000Z", NULL},
                                     {"indicator--2", "2020-01-01T00:00:00.000Z", "already held"}};
    struct sol_status_entry bad[1] = {{"unknown", "", "objects[2]: id: required property missing"}};
    struct sol_status st = {.id = "s1",
                            .status = "complete",
                            .request_timestamp = 1000,
                            .total_count = 3,
                            .success_count = 2,
                            .failure_count = 1,
                            .successes = ok,
                            .n_successes = 2,
                            .failures = bad,
                            .n_failures = 1,
                            .owner = "alice"};
    CHECK_INT(sol_store_status_put(s, &st), 0);
    CHECK_INT(sol_store_status_put(s, &st), 0); /* replace */
    struct sol_status got;
    CHECK_INT(sol_store_status_get(s, "s1", &got), 0);
    CHECK_STR(got.status, "complete");
    CHECK_INT(got.total_count, 3);
    CHECK_INT(got.n_successes, 2);
    CHECK_INT(got.n_failures, 1);
    CHECK_INT(got.n_pendings, 0);
    CHECK_STR(got.successes[1].message, "already held");
    CHECK(got.successes[0].message == NULL);
    CHECK_STR(got.failures[0].message, "objects[2]: id: required property missing");
    CHECK_STR(got.owner, "alice");
    sol_status_clear(&got);
    size_t removed = 0;
    CHECK_INT(sol_store_status_expire(s, 999, &removed), 0);
    CHECK_INT(removed, 0);
    CHECK_INT(sol_store_status_expire(s, 1001, &removed), 0);
    CHECK_INT(removed, 1);
    CHECK_INT(sol_store_status_get(s, "s1", &got), SOL_ENOTFOUND);
    sol_store_close(s);
}

static void
test_partners_users_tokens_grants(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    int64_t p1 = 0, p2 = 0;
    CHECK_INT(sol_store_partner_add(s, "acme", NULL, &p1), 0);
    CHECK_INT(sol_store_partner_add(s, "acme", NULL, NULL), SOL_EEXISTS);
    CHECK_INT(sol_store_partner_add(s, "bad", "identity--nope", NULL), SOL_EINVAL);
    CHECK_INT(
        sol_store_partner_add(s, "ngo", "identity--bbbbbbbb-0000-4000-8000-000000000002", &p2), 0);
    struct sol_partner p;
    CHECK_INT(sol_store_partner_get(s, "identity--bbbbbbbb-0000-4000-8000-000000000002", &p), 0);
    CHECK_STR(p.name, "ngo");
    sol_partner_clear(&p);
    CHECK_INT(sol_store_partner_get(s, "acme", &p), 0);
    CHECK(strncmp(p.identity, "identity--", 10) == 0 && strlen(p.identity) == 46);
    sol_partner_clear(&p);

    struct sol_user u = {.name = "alice", .partner_id = p1, .clearance = 3, .password_hash = "h"};
    int64_t uid = 0;
    CHECK_INT(sol_store_user_add(s, &u, &uid), 0);
    CHECK_INT(sol_store_user_add(s, &u, NULL), SOL_EEXISTS);
    struct sol_user bad = {.name = "bob", .partner_id = 999, .clearance = 3};
    CHECK_INT(sol_store_user_add(s, &bad, NULL), SOL_ENOTFOUND);
    struct sol_user gu;
    CHECK_INT(sol_store_user_get(s, "alice", &gu), 0);
    CHECK_STR(gu.partner_name, "acme");
    CHECK_INT(gu.clearance, 3);
    CHECK_STR(gu.password_hash, "h");
    gu.clearance = 5;
    gu.is_admin = true;
    sol_free(gu.password_hash);
    gu.password_hash = NULL; /* keeps the old hash */
    CHECK_INT(sol_store_user_update(s, &gu), 0);
    sol_user_clear(&gu);
    CHECK_INT(sol_store_user_get_by_id(s, uid, &gu), 0);
    CHECK_INT(gu.clearance, 5);
    CHECK(gu.is_admin);
    CHECK_STR(gu.password_hash, "h");
    sol_user_clear(&gu);
    CHECK_INT(sol_store_partner_delete(s, "acme"), SOL_ECONFLICT);

    struct sol_token t = {.name = "ci", .user_id = uid};
    memset(t.hash, 7, 32);
    int64_t tid = 0;
    CHECK_INT(sol_store_token_add(s, &t, &tid), 0);
    struct sol_token gt;
    uint8_t h[32];
    memset(h, 7, 32);
    CHECK_INT(sol_store_token_find(s, h, &gt), 0);
    CHECK_STR(gt.user_name, "alice");
    CHECK(!gt.revoked);
    sol_token_clear(&gt);
    CHECK_INT(sol_store_token_touch(s, tid, 12345), 0);
    CHECK_INT(sol_store_token_revoke(s, tid), 0);
    CHECK_INT(sol_store_token_revoke(s, 999), SOL_ENOTFOUND);
    CHECK_INT(sol_store_token_find(s, h, &gt), 0);
    CHECK(gt.revoked);
    CHECK_INT(gt.last_used, 12345);
    sol_token_clear(&gt);
    memset(h, 8, 32);
    CHECK_INT(sol_store_token_find(s, h, &gt), SOL_ENOTFOUND);

    bool r = true, w = true;
    CHECK_INT(sol_store_grant_check(s, "c", uid, p1, &r, &w), 0);
    CHECK(!r && !w);
    struct sol_grant g = {.collection = "c", .partner_id = p1, .can_read = true};
    CHECK_INT(sol_store_grant_add(s, &g), 0);
    struct sol_grant gw = {.collection = "c", .user_id = uid, .can_write = true};
    CHECK_INT(sol_store_grant_add(s, &gw), 0);
    CHECK_INT(sol_store_grant_check(s, "c", uid, p1, &r, &w), 0);
    CHECK(r && w);
    CHECK_INT(sol_store_grant_check(s, "c", 0, p2, &r, &w), 0);
    CHECK(!r && !w);
    struct sol_grant both = {.collection = "c", .partner_id = p1, .user_id = uid};
    CHECK_INT(sol_store_grant_add(s, &both), SOL_EINVAL);
    struct sol_grant nocoll = {.collection = "zz", .partner_id = p1, .can_read = true};
    CHECK_INT(sol_store_grant_add(s, &nocoll), SOL_ENOTFOUND);
    struct sol_grant *gl;
    size_t n;
    CHECK_INT(sol_store_grant_list(s, "c", &gl, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(gl[0].partner_name, "acme"); /* partners first, then users */
        CHECK_STR(gl[1].user_name, "alice");
    }
    sol_grant_list_free(gl, n);
    struct sol_grant rm = {.collection = "c", .partner_id = p1, .can_read = true};
    CHECK_INT(sol_store_grant_remove(s, &rm), 0);
    CHECK_INT(sol_store_grant_remove(s, &rm), SOL_ENOTFOUND);
    CHECK_INT(sol_store_grant_check(s, "c", uid, p1, &r, &w), 0);
    CHECK(!r && w);

    CHECK_INT(sol_store_user_delete(s, "alice"), 0);
    CHECK_INT(sol_store_user_delete(s, "alice"), SOL_ENOTFOUND);
    struct sol_token *tl;
    CHECK_INT(sol_store_token_list(s, 0, &tl, &n), 0);
    CHECK_INT(n, 0); /* the user's tokens went with them */
    sol_token_list_free(tl, n);
    CHECK_INT(sol_store_grant_list(s, NULL, &gl, &n), 0);
    CHECK_INT(n, 0);
    sol_grant_list_free(gl, n);
    CHECK_INT(sol_store_partner_delete(s, "acme"), 0);

    struct sol_peer peer = {.name = "north", .url = "https://north.example/taxii2/"};
    CHECK_INT(sol_store_peer_put(s, &peer), 0);
    struct sol_peer gp;
    CHECK_INT(sol_store_peer_get(s, "north", &gp), 0);
    CHECK_STR(gp.url, "https://north.example/taxii2/");
    sol_peer_clear(&gp);
    CHECK_INT(sol_store_peer_delete(s, "north"), 0);
    CHECK_INT(sol_store_peer_delete(s, "north"), SOL_ENOTFOUND);
    sol_store_close(s);
}

static void
test_audit_append_only(void)
{
    struct sol_store *s = fresh();
    CHECK_INT(sol_store_audit(s, "admin", "user.add", "alice", "{\"partner\":\"acme\"}"), 0);
    CHECK_INT(sol_store_audit(s, "admin", "grant.add", "c", NULL), 0);
    struct sol_audit_entry *v;
    size_t n;
    CHECK_INT(sol_store_audit_list(s, 0, 0, &v, &n), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(v[0].action, "user.add");
        CHECK_STR(v[0].details, "{\"partner\":\"acme\"}");
        CHECK(v[1].details == NULL);
    }
    sol_audit_list_free(v, n);
    sol_store_close(s);
    /* Another program (here the sqlite3 library directly) cannot rewrite it either. */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "sqlite3 '%s/store.db' \"UPDATE audit SET actor = 'x'\" 2>&1 | "
             "grep -q 'the audit log is append-only'",
             dir);
    if (system("command -v sqlite3 >/dev/null") == 0) {
        CHECK_INT(system(cmd), 0);
        snprintf(cmd, sizeof cmd,
                 "sqlite3 '%s/store.db' \"DELETE FROM audit\" 2>&1 | "
                 "grep -q 'the audit log is append-only'",
                 dir);
        CHECK_INT(system(cmd), 0);
    }
}

/*
 * The default filter answers from the maintained latest flag (schema/003_latest.sql);
 * added_after = 0 selects the same rows through the full evaluation. Random versions
 * (spec_version 2.0/2.1, every TLP, RED recipients), versionless adds and deletes of
 * the first, last or a given version: for every asker both must answer the same, before
 * and after a store migrated from schema 2 backfills the flag.
 */
static int
compare_default_with_full(struct sol_store *s, const char *step)
{
    static const char *const askers[] = {NULL, "identity--a", "identity--b"};
    int bad = 0;
    for (int tlp = 1; tlp <= 5; tlp++) {
        for (int a = 0; a < 3; a++) {
            char fast[4096], full[4096];
            struct sol_object_filter f = {
                .collection = "c", .max_tlp = tlp, .asker_identity = askers[a]};
            int n1 = query(s, &f, fast, sizeof fast);
            f.has_added_after = true; /* added_after 0: every row, the full evaluation */
            int n2 = query(s, &f, full, sizeof full);
            if (n1 != n2 || strcmp(fast, full) != 0) {
                printf("# %s, max_tlp %d, asker %s:\n#  flag: %s\n#  full: %s\n", step, tlp,
                       askers[a] ? askers[a] : "none", fast, full);
                bad++;
            }
        }
    }
    return bad;
}

static void
test_latest_flag(void)
{
    struct sol_store *s = fresh();
    setup_collection(s, "c", 3);
    static const char *const reds[] = {"", "identity--a", "identity--b", "identity--a,identity--b"};
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 300 && !bad; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        char id[32], ver[40], step[128];
        snprintf(id, sizeof id, "indicator--%u", r % 7);
        snprintf(ver, sizeof ver, "2020-01-01T00:00:%02u.000Z", (r >> 3) % 12);
        if ((r >> 7) % 9 == 0) { /* a delete of the first, last, one or all versions */
            const char *ids[] = {id};
            sol_time_t v = ts(ver);
            struct sol_object_filter f = {.collection = "c",
                                          .ids = ids,
                                          .n_ids = 1,
                                          .max_tlp = 5,
                                          .asker_identity = "identity--a"};
            unsigned k = (r >> 11) % 4;
            f.version_match = k == 0 ? SOL_VERSION_FIRST : k == 1 ? SOL_VERSION_LAST : 0;
            if (k == 2) {
                f.versions = &v;
                f.n_versions = 1;
            }
            CHECK_INT(sol_store_objects_delete(s, &f, NULL), 0);
            snprintf(step, sizeof step, "step %d: delete %s (%u)", i, id, k);
        } else {
            bool versionless = (r >> 11) % 10 == 0;
            int tlp = (int)((r >> 14) % 6); /* 0: the collection's default */
            /* most objects keep one visibility; some change it between versions */
            if ((r >> 17) % 3)
                tlp = (int)(r % 7) % 6;
            add(s, "c", id, versionless ? NULL : ver, (r >> 20) % 4 ? "2.1" : "2.0", tlp,
                reds[(r >> 22) % 4]);
            snprintf(step, sizeof step, "step %d: add %s %s", i, id, versionless ? "-" : ver);
        }
        bad += compare_default_with_full(s, step);
    }
    CHECK_INT(bad, 0);
    sol_store_close(s);
    /* a store of schema 2 (no flag) is backfilled by the migration */
    CHECK_INT(raw_sql("ALTER TABLE objects DROP COLUMN latest; "
                      "ALTER TABLE collections DROP COLUMN changes; "
                      "ALTER TABLE status DROP COLUMN owner_user; "
                      "ALTER TABLE status DROP COLUMN owner_partner; "
                      "DELETE FROM schema_version WHERE version >= 3"),
              SQLITE_OK);
    s = NULL;
    CHECK_INT(sol_store_open(dir, &s, NULL), 0);
    CHECK_INT(compare_default_with_full(s, "after the migration"), 0);
    /* and one that was wrong is not silently trusted: the test itself can fail */
    sol_store_close(s);
    CHECK_INT(raw_sql("UPDATE objects SET latest = 1"), SQLITE_OK);
    CHECK_INT(sol_store_open(dir, &s, NULL), 0);
    CHECK(compare_default_with_full(s, "flag forced (expected to differ)") > 0);
    sol_store_close(s);
}

int
main(void)
{
    RUN(test_open_and_schema);
    RUN(test_migrations);
    RUN(test_settings_roots_collections);
    RUN(test_add_duplicate_and_date_added);
    RUN(test_filters);
    RUN(test_policy_in_sql);
    RUN(test_delete);
    RUN(test_latest_flag);
    RUN(test_paging_with_concurrent_inserts);
    RUN(test_concurrent_writers);
    RUN(test_status);
    RUN(test_partners_users_tokens_grants);
    RUN(test_audit_append_only);
    return harness_done();
}
