/*
 * test_pg_concurrency.c — several processes on one PostgreSQL store, through the store
 * API (what several `solidarity serve` processes do to it):
 *
 *   - processes opening a fresh database at the same moment: the schema is created
 *     once (the migration advisory lock), every one of them opens it; a store made by
 *     the first migration is brought up to date, one ahead refused;
 *   - two writers adding to one collection at once (one in batches inside transactions,
 *     one statement by statement), a third killed -9 in the middle of a batch, and a
 *     reader paging with the keyset cursor all along: the reader sees every committed
 *     object exactly once, in strictly increasing (date_added, seq) order, and nothing
 *     of the killed batch; nothing lost, nothing duplicated.
 *
 * Starts one throwaway cluster (scripts/pg-test-cluster); "# SKIP" when it cannot.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pg_cluster.h"
#include "solidarity/solidarity.h"
#include "solidarity/store.h"
#include "store/store.h"

#define PER_WRITER       300
#define BATCH            25
#define KILLED_COMMITTED 40 /* what the killed writer commits before its doomed batch */

static char url[700];

static int
add_one(struct sol_store *s, const char *id, bool *added)
{
    char json[256];
    snprintf(json, sizeof json, "{\"type\":\"indicator\",\"id\":\"%s\"}", id);
    struct sol_object_row row = {
        .id = sol_str_c(id),
        .type = SOL_STR("indicator"),
        .spec_version = SOL_STR("2.1"),
        .json = sol_str_c(json),
        .version = 1577836800000000, /* 2020-01-01 */
        .tlp = 1,
    };
    return sol_store_object_add(s, "c", &row, added, NULL);
}

/* Open the store in a child, retrying briefly. */
static struct sol_store *
child_open(void)
{
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(url, &s, &err) != 0) {
        fprintf(stderr, "child open: %s\n", err.msg);
        return NULL;
    }
    return s;
}

/* Writer "A": PER_WRITER objects in transactions of BATCH. Exit status 0 when all added. */
static int
writer_batches(const char *prefix)
{
    struct sol_store *s = child_open();
    if (!s)
        return 1;
    int bad = 0;
    for (int i = 0; i < PER_WRITER; i += BATCH) {
        if (sol_store_begin(s) != 0) {
            fprintf(stderr, "begin: %s\n", sol_store_errmsg(s));
            bad++;
            continue;
        }
        for (int k = i; k < i + BATCH && k < PER_WRITER; k++) {
            char id[64];
            snprintf(id, sizeof id, "indicator--%s-%04d", prefix, k);
            bool added = false;
            if (add_one(s, id, &added) != 0 || !added)
                bad++;
        }
        if (sol_store_commit(s) != 0) {
            fprintf(stderr, "commit: %s\n", sol_store_errmsg(s));
            bad++;
        }
    }
    sol_store_close(s);
    return bad ? 1 : 0;
}

/* Writer "B": PER_WRITER objects, each its own statement (autocommit). */
static int
writer_single(const char *prefix)
{
    struct sol_store *s = child_open();
    if (!s)
        return 1;
    int bad = 0;
    for (int k = 0; k < PER_WRITER; k++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--%s-%04d", prefix, k);
        bool added = false;
        if (add_one(s, id, &added) != 0 || !added) {
            fprintf(stderr, "add %s: %s\n", id, sol_store_errmsg(s));
            bad++;
        }
    }
    sol_store_close(s);
    return bad ? 1 : 0;
}

/*
 * Writer "K": commits KILLED_COMMITTED objects, then opens a batch, adds some, tells
 * the parent (one byte on fd) and waits to be killed.
 */
static int
writer_killed(int fd)
{
    struct sol_store *s = child_open();
    if (!s)
        return 1;
    sol_store_begin(s);
    for (int k = 0; k < KILLED_COMMITTED; k++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--K-%04d", k);
        add_one(s, id, NULL);
    }
    sol_store_commit(s);
    sol_store_begin(s);
    for (int k = KILLED_COMMITTED; k < KILLED_COMMITTED + 50; k++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--K-%04d", k);
        add_one(s, id, NULL);
    }
    if (write(fd, "m", 1) != 1)
        return 1;
    for (;;)
        pause(); /* in the middle of the batch, holding its locks */
}

static void
test_concurrent_open_migrates_once(void)
{
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            struct sol_store *s = child_open();
            int ok = s && sol_store_schema_version(s) >= 1;
            sol_store_close(s);
            _exit(ok ? 0 : 1);
        }
    }
    int failed = 0;
    for (int i = 0; i < 4; i++) {
        int st = 0;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed++;
    }
    CHECK_INT(failed, 0);
}

struct seen {
    char **ids;
    size_t n, cap;
};

static void
test_writers_reader_and_kill(void)
{
    struct sol_store *s = NULL;
    struct sol_error err;
    CHECK_INT(sol_store_open(url, &s, &err), 0);
    if (!s)
        return;
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    CHECK_INT(sol_store_api_root_put(s, &r), 0);
    struct sol_collection c = {.id = "c", .api_root = "intel", .title = "C", .default_tlp = 1};
    CHECK_INT(sol_store_collection_put(s, &c), 0);

    int pipefd[2];
    CHECK_INT(pipe(pipefd), 0);
    pid_t a = fork();
    if (a == 0)
        _exit(writer_batches("A"));
    pid_t b = fork();
    if (b == 0)
        _exit(writer_single("B"));
    pid_t k = fork();
    if (k == 0) {
        close(pipefd[0]);
        _exit(writer_killed(pipefd[1]));
    }
    close(pipefd[1]);

    /* Page with the keyset cursor while they write. */
    struct seen seen = {0};
    struct sol_object_filter f = {.collection = "c", .max_tlp = 4, .limit = 37, .skip_json = true};
    bool out_of_order = false, writers_done = false, killed = false;
    int st_a = -1, st_b = -1, empty_after_done = 0, pages = 0;
    while (empty_after_done < 1 && pages < 100000) {
        if (!killed) {
            fd_set fds;
            FD_ZERO(&fds);
            FD_SET(pipefd[0], &fds);
            struct timeval tv = {0, 0};
            char ch;
            if (select(pipefd[0] + 1, &fds, NULL, NULL, &tv) == 1 && read(pipefd[0], &ch, 1) == 1) {
                kill(k, SIGKILL);
                waitpid(k, NULL, 0);
                killed = true;
            }
        }
        struct sol_store_cursor *cur = NULL;
        int rc = sol_store_objects_query(s, &f, &cur);
        if (rc != 0) {
            HARNESS_FAIL("query: %s", sol_store_errmsg(s));
            break;
        }
        struct sol_object_row row;
        int got = 0;
        while (sol_store_cursor_next(cur, &row) == 0) {
            if (f.has_after && !(row.date_added > f.after_date_added ||
                                 (row.date_added == f.after_date_added && row.seq > f.after_seq)))
                out_of_order = true;
            f.has_after = true;
            f.after_date_added = row.date_added;
            f.after_seq = row.seq;
            if (seen.n == seen.cap) {
                seen.cap = seen.cap ? seen.cap * 2 : 256;
                seen.ids = realloc(seen.ids, seen.cap * sizeof *seen.ids);
            }
            seen.ids[seen.n++] = strndup(row.id.p, row.id.n);
            got++;
        }
        sol_store_cursor_close(cur);
        pages++;
        if (!writers_done) {
            int st;
            if (st_a < 0 && waitpid(a, &st, WNOHANG) == a)
                st_a = st;
            if (st_b < 0 && waitpid(b, &st, WNOHANG) == b)
                st_b = st;
            writers_done = st_a >= 0 && st_b >= 0 && killed;
        } else if (got == 0) {
            empty_after_done++;
        }
        if (got == 0 && !writers_done)
            usleep(2000);
    }
    close(pipefd[0]);
    CHECK(killed);
    CHECK(WIFEXITED(st_a) && WEXITSTATUS(st_a) == 0);
    CHECK(WIFEXITED(st_b) && WEXITSTATUS(st_b) == 0);
    CHECK(!out_of_order);

    /* Exactly A's, B's, and the killed writer's committed objects; each once. */
    int want = 2 * PER_WRITER + KILLED_COMMITTED;
    CHECK_INT(seen.n, want);
    int count_a = 0, count_b = 0, count_k = 0, dups = 0, doomed = 0;
    qsort(seen.ids, seen.n, sizeof *seen.ids, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < seen.n; i++) {
        if (i && strcmp(seen.ids[i], seen.ids[i - 1]) == 0)
            dups++;
        if (strncmp(seen.ids[i], "indicator--A-", 13) == 0)
            count_a++;
        else if (strncmp(seen.ids[i], "indicator--B-", 13) == 0)
            count_b++;
        else if (strncmp(seen.ids[i], "indicator--K-", 13) == 0) {
            count_k++;
            if (atoi(seen.ids[i] + 13) >= KILLED_COMMITTED)
                doomed++;
        }
    }
    CHECK_INT(dups, 0);
    CHECK_INT(count_a, PER_WRITER);
    CHECK_INT(count_b, PER_WRITER);
    CHECK_INT(count_k, KILLED_COMMITTED);
    CHECK_INT(doomed, 0);
    int64_t n = 0;
    CHECK_INT(sol_store_collection_count(s, "c", &n), 0);
    CHECK_INT(n, want);
    printf("# %zu objects seen once each over %d pages\n", seen.n, pages);
    for (size_t i = 0; i < seen.n; i++)
        free(seen.ids[i]);
    free(seen.ids);

    /* The killed writer's locks went with its connection: writing goes on. */
    CHECK_INT(sol_store_begin(s), 0);
    bool added = false;
    CHECK_INT(add_one(s, "indicator--after", &added), 0);
    CHECK(added);
    CHECK_INT(sol_store_commit(s), 0);
    sol_store_close(s);
}

static int
raw_sql_at(const char *where, const char *sql)
{
    PGconn *c = PQconnectdb(where);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        printf("# %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

/*
 * A store made by the first migration only is brought up to date by the rest (the
 * schema's description rendered for PostgreSQL, store/store.h); one ahead is refused.
 */
static void
test_migrations(void)
{
    char old[700];
    CHECK_INT(pg_cluster_fresh_db("mig", old, sizeof old), 0);
    CHECK_INT(raw_sql_at(old, sol__schema_pg[0]), 0);
    CHECK_INT(raw_sql_at(old, "CREATE TABLE schema_version (version integer PRIMARY KEY, "
                              "applied bigint NOT NULL); INSERT INTO schema_version VALUES (1, 0)"),
              0);
    CHECK_INT(raw_sql_at(old, "SELECT 'objects_type'::regclass"), -1);
    struct sol_store *s = NULL;
    CHECK_INT(sol_store_open(old, &s, NULL), 0);
    CHECK_INT(sol_store_schema_version(s), sol__schema_migration_count);
    sol_store_close(s);
    CHECK_INT(raw_sql_at(old, "SELECT 'objects_type'::regclass"), 0);
    CHECK_INT(raw_sql_at(old, "SELECT latest FROM objects; SELECT changes FROM collections"), 0);
    CHECK_INT(raw_sql_at(old, "SELECT owner_user, owner_partner FROM status"), 0);
    CHECK_INT(raw_sql_at(old, "INSERT INTO schema_version VALUES (99, 0)"), 0);
    struct sol_error err;
    s = NULL;
    CHECK_INT(sol_store_open(old, &s, &err), SOL_EUNSUPPORTED);
    char want[128];
    snprintf(want, sizeof want, "the store's schema version 99 is newer than this program's (%d)",
             sol__schema_migration_count);
    CHECK_STR(err.msg, want);
    sol_store_close(s);
}

/* Recording a token's use does not wait behind a writer (store.h: token_touch). */
static void
test_token_touch_never_waits(void)
{
    struct sol_store *s = NULL, *w = NULL;
    CHECK_INT(sol_store_open(url, &s, NULL), 0);
    CHECK_INT(sol_store_open(url, &w, NULL), 0);
    if (!s || !w)
        return;
    int64_t p = 0, u = 0, t = 0;
    CHECK_INT(sol_store_partner_add(s, "touchers", NULL, &p), 0);
    struct sol_user user = {.name = "toucher", .partner_id = p, .clearance = 2};
    CHECK_INT(sol_store_user_add(s, &user, &u), 0);
    struct sol_token tok = {.name = "t", .user_id = u};
    memset(tok.hash, 0x5a, sizeof tok.hash);
    CHECK_INT(sol_store_token_add(s, &tok, &t), 0);
    /* A bulk import holding the write lock does not hold the token up. */
    CHECK_INT(sol_store_begin(w), 0);
    CHECK_INT(add_one(w, "indicator--touch", NULL), 0);
    CHECK_INT(sol_store_token_touch(s, t, 1234), 0);
    /* A writer holding the token's row: SOL_EBUSY at once, not after the lock timeout. */
    CHECK_INT(sol_store_token_revoke(w, t), 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(sol_store_token_touch(s, t, 5678), SOL_EBUSY);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 2000);
    CHECK_INT(sol_store_commit(w), 0);
    struct sol_token got;
    CHECK_INT(sol_store_token_find(s, tok.hash, &got), 0);
    CHECK_INT(got.last_used, 1234);
    CHECK(got.revoked);
    sol_token_clear(&got);
    sol_store_close(w);
    sol_store_close(s);
}

int
main(void)
{
    if (!pg_cluster_start()) {
        printf("ok 1 # SKIP %s\n1..1\n", pg_cluster_why);
        return 0;
    }
    if (pg_cluster_fresh_db("conc", url, sizeof url) != 0) {
        printf("not ok 1 - cannot make a database\n1..1\n");
        return 1;
    }
    fflush(stdout);
    RUN(test_concurrent_open_migrates_once);
    RUN(test_writers_reader_and_kill);
    RUN(test_token_touch_never_waits);
    RUN(test_migrations);
    return harness_done();
}
