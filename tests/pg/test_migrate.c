/*
 * test_migrate.c — sol_store_migrate() both ways (store.h): a SQLite store holding some of
 * everything (versions of every TLP with RED recipients, versionless SCOs, a deleted
 * version, status entries, partners, users with password hashes, token hashes, grants,
 * peers, the audit log, the node's signing key) moves to PostgreSQL and back to a new
 * SQLite directory; the database it comes back to holds the very rows it left, every
 * column of every table, the derived latest flag included (computed anew on the way),
 * and the signing key is where each kind of store keeps it. A target that is not empty
 * is refused without force, replaced with it; a target that changes what it is given
 * fails the verification and keeps nothing. Needs a PostgreSQL cluster ("# SKIP"
 * without one).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pg_cluster.h"
#include "solidarity/access.h"
#include "solidarity/sign.h"
#include "solidarity/solidarity.h"
#include "solidarity/store.h"
#include "store/store.h"

static char base[256], pgurl[700];

static void
dir_of(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", base, name);
}

static int
add(struct sol_store *s, const char *id, const char *version, const char *spec, int tlp,
    const char *red)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"type\":\"x\",\"id\":\"%s\",\"modified\":\"%s\",\"n\":\"a\\tb\"}", id,
             version ? version : "");
    const char *dd = strstr(id, "--");
    char type[32];
    snprintf(type, sizeof type, "%.*s", (int)(dd - id), id);
    sol_time_t v = 0;
    if (version)
        sol_time_parse(version, strlen(version), 0, &v, NULL, NULL);
    struct sol_object_row row = {.id = sol_str_c(id),
                                 .type = sol_str_c(type),
                                 .spec_version = sol_str_c(spec),
                                 .json = sol_str_c(json),
                                 .origin = SOL_STR("test"),
                                 .version = v,
                                 .tlp = tlp,
                                 .tlp_red_recipients = sol_str_c(red),
                                 .revoked = tlp == 2};
    return sol_store_object_add(s, "c1", &row, NULL, NULL);
}

/* A store with some of everything; 0 or the first error. */
static int
fill(const char *url)
{
    struct sol_store *s = NULL;
    struct sol_error err;
    int rc = sol_store_open(url, &s, &err);
    if (rc != 0) {
        printf("# open %s: %s\n", url, err.msg);
        return rc;
    }
    struct sol_api_root r = {.name = "intel", .title = "Intel", .description = "d\xc3\xa9"};
    struct sol_collection c1 = {.id = "c1", .api_root = "intel", .title = "One", .alias = "one"};
    struct sol_collection c2 = {
        .id = "c2", .api_root = "intel", .title = "Two", .media_types = "a,b", .default_tlp = 5};
    int64_t p = 0, u = 0;
    rc = sol_store_setting_set(s, "node.name", "alpha");
    if (rc == 0)
        rc = sol_store_api_root_put(s, &r);
    if (rc == 0)
        rc = sol_store_collection_put(s, &c1);
    if (rc == 0)
        rc = sol_store_collection_put(s, &c2);
    static const char *const reds[] = {"", "identity--a", "identity--a,identity--b"};
    for (int i = 0; rc == 0 && i < 60; i++) {
        char id[64], v[40];
        snprintf(id, sizeof id, "indicator--%02d", i % 20);
        snprintf(v, sizeof v, "2020-01-%02dT00:00:00.000Z", 1 + i / 20);
        rc = add(s, id, v, i % 7 ? "2.1" : "2.0", 1 + i % 5, reds[i % 3]);
    }
    for (int i = 0; rc == 0 && i < 3; i++) {
        char id[64];
        snprintf(id, sizeof id, "ipv4-addr--%d", i);
        rc = add(s, id, NULL, "2.1", 2, "");
    }
    const char *gone[] = {"indicator--03"};
    struct sol_object_filter del = {.collection = "c1",
                                    .ids = gone,
                                    .n_ids = 1,
                                    .version_match = SOL_VERSION_LAST,
                                    .max_tlp = 5,
                                    .unrestricted = true};
    if (rc == 0)
        rc = sol_store_objects_delete(s, &del, NULL);
    struct sol_status_entry ok[2] = {{.id = "indicator--01", .version = "v1"},
                                     {.id = "indicator--02", .version = "v2", .message = "m"}};
    struct sol_status st = {.id = "st",
                            .status = "complete",
                            .request_timestamp = 5,
                            .total_count = 2,
                            .success_count = 2,
                            .successes = ok,
                            .n_successes = 2,
                            .owner = "bob",
                            .owner_user_id = 7};
    if (rc == 0)
        rc = sol_store_status_put(s, &st);
    if (rc == 0)
        rc = sol_store_partner_add(s, "acme", NULL, &p);
    char hash[128];
    if (rc == 0)
        rc = sol_access_password_hash("secret", hash);
    struct sol_user user = {
        .name = "bob", .partner_id = p, .clearance = 4, .is_admin = true, .password_hash = hash};
    if (rc == 0)
        rc = sol_store_user_add(s, &user, &u);
    struct sol_token tok = {.name = "t", .user_id = u};
    for (int i = 0; i < 32; i++)
        tok.hash[i] = (uint8_t)(i * 7 + 1);
    if (rc == 0)
        rc = sol_store_token_add(s, &tok, NULL);
    struct sol_grant g = {.collection = "c1", .partner_id = p, .can_read = true};
    if (rc == 0)
        rc = sol_store_grant_add(s, &g);
    struct sol_peer peer = {.name = "p", .url = "https://x.example/", .config_json = "{}"};
    if (rc == 0)
        rc = sol_store_peer_put(s, &peer);
    for (int i = 0; rc == 0 && i < 5; i++)
        rc = sol_store_audit(s, "test", "x.do", i % 2 ? "t" : NULL, i % 2 ? NULL : "{\"k\":1}");
    if (rc != 0)
        printf("# fill: %s (%s)\n", sol_strerror(rc), sol_store_errmsg(s));
    sol_store_close(s);
    return rc;
}

/*
 * Every row of every table of the SQLite store in dir, all columns (the derived ones
 * too), in primary key order, as text lines into out. Returns 0 or -1.
 */
static int
dump(const char *dir, struct sol_buf *out)
{
    char path[400];
    snprintf(path, sizeof path, "%s/store.db", dir);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (int t = 0; rc == 0 && t < sol__schema_table_count; t++) {
        const struct sol__schema_table *tab = &sol__schema_tables[t];
        char sql[1024];
        int n = snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY ", tab->name);
        for (int k = 1, first = 1; k <= 8; k++)
            for (int c = 0; c < tab->n_columns; c++)
                if (tab->columns[c].key == k) {
                    n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s", first ? "" : ", ",
                                  tab->columns[c].name);
                    first = 0;
                }
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            rc = -1;
            break;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            sol_buf_printf(out, "%s:", tab->name);
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                if (sqlite3_column_type(st, c) == SQLITE_BLOB)
                    sol_hex_encode(out, sqlite3_column_blob(st, c),
                                   (size_t)sqlite3_column_bytes(st, c));
                else if (sqlite3_column_type(st, c) == SQLITE_NULL)
                    sol_buf_puts(out, "NULL");
                else
                    sol_buf_puts(out, (const char *)sqlite3_column_text(st, c));
                sol_buf_putc(out, '|');
            }
            sol_buf_putc(out, '\n');
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

static int
move_key(void *ud, struct sol_store *from, struct sol_store *to, struct sol_error *err)
{
    (void)ud;
    return sol_sign_key_move(from, to, err);
}

static int
setting_of(const char *url, const char *key, struct sol_buf *out)
{
    struct sol_store *s = NULL;
    int rc = sol_store_open(url, &s, NULL);
    if (rc == 0)
        rc = sol_store_setting_get(s, key, out);
    sol_store_close(s);
    return rc;
}

static void
test_sqlite_to_postgresql_and_back(void)
{
    char a[300], b[300], aurl[320], burl[320];
    dir_of("a", a, sizeof a);
    dir_of("b", b, sizeof b); /* made by the migration */
    snprintf(aurl, sizeof aurl, "sqlite:%s", a);
    snprintf(burl, sizeof burl, "sqlite:%s", b);
    CHECK_INT(mkdir(a, 0700), 0);
    CHECK_INT(fill(aurl), 0);
    struct sol_sign_key k;
    struct sol_error err;
    CHECK_INT(sol_sign_key_load(a, true, NULL, &k, &err), 0);

    struct sol_migrate_options o = {.before_commit = move_key};
    struct sol_migrate_report rep;
    CHECK_INT(sol_store_migrate(aurl, pgurl, &o, &rep, &err), 0);
    printf("# to PostgreSQL: %s%lld rows verified, %lld object versions\n",
           rep.rows_verified ? "" : err.msg, (long long)rep.rows_verified,
           (long long)rep.objects_verified);
    CHECK_INT(rep.n_tables, sol__schema_table_count);
    CHECK_INT(rep.objects_verified, 62); /* 60 + 3 SCOs - 1 deleted */
    struct sol_buf b64;
    sol_buf_init(&b64);
    CHECK_INT(setting_of(pgurl, SOL_SETTING_SIGN_SECRET, &b64), 0);

    /* The keys the database assigns go past those that came. */
    struct sol_store *p = NULL;
    int64_t id = 0;
    CHECK_INT(sol_store_open(pgurl, &p, NULL), 0);
    CHECK_INT(sol_store_partner_add(p, "later", NULL, &id), 0);
    CHECK(id > 1);
    CHECK_INT(sol_store_partner_delete(p, "later"), 0);
    sol_store_close(p);

    /* Not onto a store that holds something. */
    CHECK_INT(sol_store_migrate(aurl, pgurl, NULL, NULL, &err), SOL_EEXISTS);
    CHECK(strstr(err.msg, "the target store is not empty") != NULL);

    CHECK_INT(sol_store_migrate(pgurl, burl, &o, &rep, &err), 0);
    printf("# back to SQLite: %s%lld rows verified\n", rep.rows_verified ? "" : err.msg,
           (long long)rep.rows_verified);
    struct sol_buf da, db;
    sol_buf_init(&da);
    sol_buf_init(&db);
    CHECK_INT(dump(a, &da), 0);
    CHECK_INT(dump(b, &db), 0);
    CHECK(da.n > 1000);
    CHECK(da.p && strstr(da.p, "objects:") && strstr(da.p, "tokens:") && strstr(da.p, "audit:"));
    /* What came back is what left, but for the key that moved to a file again. */
    CHECK_STR(db.p ? db.p : "", da.p ? da.p : "");
    struct sol_sign_key back;
    CHECK_INT(sol_sign_key_load(b, false, NULL, &back, &err), 0);
    CHECK(memcmp(back.secret_key, k.secret_key, sizeof k.secret_key) == 0);
    CHECK_INT(setting_of(burl, SOL_SETTING_SIGN_SECRET, &b64), SOL_ENOTFOUND);
    sol_sign_key_clear(&k);
    sol_sign_key_clear(&back);

    /* --force replaces the PostgreSQL store. */
    CHECK_INT(
        sol_store_migrate(burl, pgurl, &(struct sol_migrate_options){.force = true}, &rep, &err),
        0);
    sol_buf_free(&b64);
    sol_buf_free(&da);
    sol_buf_free(&db);
}

/* A target that changes what it is given: the verification says where; nothing stays. */
static void
test_a_difference_is_caught(void)
{
    char c[300], curl[320];
    dir_of("c", c, sizeof c);
    snprintf(curl, sizeof curl, "sqlite:%s", c);
    CHECK_INT(mkdir(c, 0700), 0);
    struct sol_store *s = NULL;
    CHECK_INT(sol_store_open(curl, &s, NULL), 0);
    sol_store_close(s);
    char path[400];
    snprintf(path, sizeof path, "%s/store.db", c);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "CREATE TRIGGER tamper AFTER INSERT ON objects "
                           "WHEN new.id = 'indicator--07' AND new.spec_version = '2.0' BEGIN "
                           "UPDATE objects SET json = '{}' WHERE seq = new.seq; END",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    struct sol_error err;
    CHECK_INT(sol_store_migrate(pgurl, curl, NULL, NULL, &err), SOL_ECONFLICT);
    printf("# %s\n", err.msg);
    CHECK(strstr(err.msg, "verifying: object version seq ") == err.msg);
    CHECK(strstr(err.msg, "differs between source and target (json)") != NULL);
    struct sol_buf d;
    sol_buf_init(&d);
    CHECK_INT(dump(c, &d), 0);
    CHECK_STR(d.p ? d.p : "", "");
    sol_buf_free(&d);
}

int
main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(base, sizeof base, "%s/sol-migrate-XXXXXX", tmp);
    if (!mkdtemp(base)) {
        printf("not ok 1 - mkdtemp\n1..1\n");
        return 1;
    }
    if (!pg_cluster_start()) {
        printf("ok 1 # SKIP %s\n1..1\n", pg_cluster_why);
        return 0;
    }
    if (pg_cluster_fresh_db("migrate", pgurl, sizeof pgurl) != 0) {
        printf("not ok 1 - cannot make a database\n1..1\n");
        return 1;
    }
    sol_access_set_weak_password_hashing(true);
    fflush(stdout);
    RUN(test_sqlite_to_postgresql_and_back);
    RUN(test_a_difference_is_caught);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", base);
    return harness_done();
}
