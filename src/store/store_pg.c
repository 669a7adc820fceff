/*
 * store_pg.c — the PostgreSQL backend of the store ("postgresql://..." or "postgres://...",
 * any libpq connection URI), for nodes that outgrow one machine: several `solidarity
 * serve` processes on several machines share one database and behave as one node.
 *
 * Nothing a server process keeps in memory is needed by another: objects, status
 * resources, settings (among them the key that authenticates TAXII `next` cursors),
 * users, tokens and peers' sync state all live in the database, and a query cursor is a
 * keyset position (date_added, seq) that any process can resume.
 *
 * Connections: one PGconn per sol_store handle (a handle is used by one thread at a
 * time, store.h), so a process that wants N concurrent queries opens N handles (the
 * HTTP server keeps a pool of handles, hence of connections). Statements are prepared once per
 * connection and cached by their SQL text (filter queries included: the same shape of filter reuses
 * its plan). Strings travel as binary-format parameters with their lengths, so views that are not
 * NUL-terminated (sol_str) go straight to the server without a copy.
 *
 * Schema: the migrations of schema/NNN_*.sql as rendered for PostgreSQL (store.h), applied
 * in one transaction under a transaction-level advisory lock, so that two processes
 * opening a fresh database at once do not both create it. schema_version records what
 * was applied.
 *
 * date_added, strictly increasing per collection with several writers in several
 * processes (TAXII 2.1 §3.3: objects are sorted by date_added; §3.4: added_after;
 * §3.5: `next`. A client pages forward over date_added, so an object committed later
 * must never carry a smaller key than one a reader already saw, or a reader paging
 * concurrently would skip it for ever):
 *
 *   Every add is one statement that first UPDATEs the collection's row,
 *   last_date_added = greatest(last_date_added + 1, now), and inserts the object with
 *   that value. The UPDATE takes the row lock of the collection and keeps it until the
 *   transaction ends, so writers to one collection are serialised: a second writer
 *   waits, then (READ COMMITTED re-reads the updated row) sees the first writer's
 *   committed value and goes above it. PostgreSQL marks a transaction committed
 *   (visible to new snapshots) before it releases its locks, so by the time a later
 *   writer can assign a key, every earlier key of the collection is already visible:
 *   commit order equals key order. A reader therefore never sees a row with key K
 *   while a row with a smaller key is still to commit, and the keyset cursor
 *   (date_added, seq) > (last seen) skips nothing. "now" is the database server's
 *   clock, so application servers with skewed clocks agree. The UNIQUE index on
 *   (collection, date_added) makes strict increase an invariant the database checks.
 *   seq comes from an identity sequence: unique, and within one collection increasing
 *   with date_added (it is drawn under the same lock); across collections it orders
 *   nothing, and no cursor needs it to.
 *
 * Cursors: a query cursor fetches its rows in chunks, each a fresh statement after the
 * last row handed out, so it holds no transaction or snapshot open however long the
 * caller takes; rows committed meanwhile with larger keys may appear, never rows before.
 *
 * sol_store_begin() takes a transaction-level advisory lock, the counterpart of
 * SQLite's one write lock (store.h: begin takes the write lock at once): transactions
 * that read then write stay serialised across processes. Writes outside a transaction
 * lock only the rows they touch.
 *
 * Transactions: inside sol_store_begin() ... sol_store_commit(), an operation that fails
 * is rolled back to a savepoint taken before it, so that (as with SQLite) one failed
 * statement does not doom the caller's transaction. object_add skips the savepoint (it
 * is the bulk path; the only errors it can meet are the database's own failures).
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"
#include "store/store_pg.h"

#define CACHE_SIZE 128
/*
 * After a commit, when this handle has added that many object versions since it last
 * did, refresh the planner's statistics of objects: a bulk import into a fresh store
 * would otherwise leave page queries planned for an empty table until autovacuum's next
 * round (it costs a sample of 30000 rows, ~0.1 s, once per this many additions).
 */
#define ANALYZE_AFTER      50000
#define CURSOR_CHUNK       500
#define MIGRATION_LOCK_KEY 0x736f6c696461LL /* "solida": the schema migration lock */
#define WRITE_LOCK_KEY     0x736f6c697772LL /* "solwr": sol_store_begin()'s write lock */

/* The database server's clock in microseconds since 1970. */
#define NOW_US "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

struct cached_stmt {
    char *sql;
    char name[16];
};

struct pg_store {
    struct sol_store base;
    PGconn *conn;
    bool in_txn; /* a transaction opened by sol_store_begin() */
    bool in_copy;
    int schema_version;
    int64_t added_since_analyze; /* object versions this handle added (ANALYZE_AFTER) */
    char errmsg[512];
    struct cached_stmt cache[CACHE_SIZE];
    size_t n_cache;
    unsigned next_name;
};

static struct pg_store *
pg(struct sol_store *s)
{
    return (struct pg_store *)s;
}

/* ---- parameters ---- */

/*
 * The parameters of one statement: text values go in binary format with their length
 * (no NUL needed, no copy), numbers in text format from the digits kept here.
 */
#define MAX_ARGS 16
struct args {
    const char *v[MAX_ARGS];
    int len[MAX_ARGS];
    int fmt[MAX_ARGS];
    char num[MAX_ARGS][24];
    int n;
};

static void
a_null(struct args *a)
{
    a->v[a->n] = NULL;
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

static void
a_bytes(struct args *a, const void *p, size_t n)
{
    a->v[a->n] = p;
    a->len[a->n] = (int)n;
    a->fmt[a->n] = 1;
    a->n++;
}

static void
a_text(struct args *a, const char *s)
{
    if (!s)
        a_null(a);
    else
        a_bytes(a, s, strlen(s));
}

/* A NUL-terminated string in text format: for parameters of other types (arrays). */
static void
a_ctext(struct args *a, const char *s)
{
    a->v[a->n] = s;
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

static void
a_str(struct args *a, struct sol_str s)
{
    if (!s.p)
        a_null(a);
    else
        a_bytes(a, s.p, s.n);
}

static void
a_int(struct args *a, int64_t v)
{
    snprintf(a->num[a->n], sizeof a->num[0], "%" PRId64, v);
    a->v[a->n] = a->num[a->n];
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

static void
a_bool(struct args *a, bool v)
{
    a->v[a->n] = v ? "t" : "f";
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    a->n++;
}

/* ---- errors and execution ---- */

/* Remember a message of ours (not the server's) and return code. */
static int
pg_msg(struct pg_store *q, int code, const char *msg)
{
    snprintf(q->errmsg, sizeof q->errmsg, "%s", msg);
    return code;
}

/* Remember the server's message of a failed result and map its SQLSTATE to SOL_E*. */
static int
pg_fail(struct pg_store *q, const PGresult *res)
{
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (primary)
        snprintf(q->errmsg, sizeof q->errmsg, "%s", primary);
    else {
        snprintf(q->errmsg, sizeof q->errmsg, "%s", q->conn ? PQerrorMessage(q->conn) : "");
        size_t n = strlen(q->errmsg);
        while (n && (q->errmsg[n - 1] == '\n' || q->errmsg[n - 1] == ' '))
            q->errmsg[--n] = 0;
    }
    if (!state)
        return q->conn && PQstatus(q->conn) == CONNECTION_BAD ? SOL_EIO : SOL_ESTORE;
    if (strcmp(state, "23505") == 0)
        return SOL_EEXISTS;
    if (strcmp(state, "23503") == 0)
        return SOL_ENOTFOUND;
    if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 || strncmp(state, "22", 2) == 0)
        return SOL_EINVAL;
    if (strncmp(state, "23", 2) == 0 || strcmp(state, "P0001") == 0)
        return SOL_ECONFLICT;
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "57014") == 0)
        return SOL_EBUSY;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return SOL_EIO;
    if (strcmp(state, "53200") == 0)
        return SOL_ENOMEM;
    return SOL_ESTORE;
}

/* Run SQL without parameters (several statements allowed). */
static int
pg_exec(struct pg_store *q, const char *sql)
{
    PGresult *res = PQexec(q->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : pg_fail(q, res);
    PQclear(res);
    return rc;
}

/* The prepared statement name of sql, preparing it on first use; NULL: run unnamed. */
static const char *
stmt_name(struct pg_store *q, const char *sql, int nparams, int *rc)
{
    *rc = 0;
    for (size_t i = 0; i < q->n_cache; i++)
        if (strcmp(q->cache[i].sql, sql) == 0)
            return q->cache[i].name;
    if (q->n_cache == CACHE_SIZE)
        return NULL;
    struct cached_stmt *c = &q->cache[q->n_cache];
    c->sql = sol_strdup(sql);
    if (!c->sql) {
        *rc = pg_msg(q, SOL_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(c->name, sizeof c->name, "sol%u", q->next_name++);
    PGresult *res = PQprepare(q->conn, c->name, sql, nparams, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        *rc = pg_fail(q, res);
        PQclear(res);
        sol_free(c->sql);
        c->sql = NULL;
        return NULL;
    }
    PQclear(res);
    q->n_cache++;
    return c->name;
}

/*
 * Run sql with n parameters (values, lengths, formats) through the statement cache.
 * Returns the result (the caller PQclear()s it) or NULL with *rc set.
 */
static PGresult *
pg_run_v(struct pg_store *q, const char *sql, int n, const char *const *v, const int *len,
         const int *fmt, int *rc)
{
    const char *name = stmt_name(q, sql, n, rc);
    if (*rc != 0)
        return NULL;
    PGresult *res = name ? PQexecPrepared(q->conn, name, n, v, len, fmt, 0)
                         : PQexecParams(q->conn, sql, n, NULL, v, len, fmt, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        *rc = pg_fail(q, res);
        PQclear(res);
        return NULL;
    }
    return res;
}

static PGresult *
pg_run(struct pg_store *q, const char *sql, const struct args *a, int *rc)
{
    static const struct args none;
    if (!a)
        a = &none;
    return pg_run_v(q, sql, a->n, a->v, a->len, a->fmt, rc);
}

/* Run a statement whose rows do not matter; *changed (may be NULL) gets the row count. */
static int
pg_do(struct pg_store *q, const char *sql, const struct args *a, int64_t *changed)
{
    int rc = 0;
    PGresult *res = pg_run(q, sql, a, &rc);
    if (!res)
        return rc;
    if (changed) {
        const char *t = PQcmdTuples(res);
        *changed = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return 0;
}

/* ---- reading columns ---- */

static char *
col_dup(const PGresult *res, int r, int c, bool *oom)
{
    if (PQgetisnull(res, r, c))
        return NULL;
    char *s = sol_strndup(PQgetvalue(res, r, c), (size_t)PQgetlength(res, r, c));
    if (!s)
        *oom = true;
    return s;
}

static int64_t
col_i64(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? 0 : strtoll(PQgetvalue(res, r, c), NULL, 10);
}

static bool
col_bool(const PGresult *res, int r, int c)
{
    return !PQgetisnull(res, r, c) && PQgetvalue(res, r, c)[0] == 't';
}

static struct sol_str
col_str(const PGresult *res, int r, int c)
{
    if (PQgetisnull(res, r, c))
        return (struct sol_str){NULL, 0};
    return (struct sol_str){PQgetvalue(res, r, c), (size_t)PQgetlength(res, r, c)};
}

/*
 * Run a listing query and collect its rows into a growing array of records of size
 * `size`, filling each with read(). Frees what it built on failure.
 */
static int
collect(struct pg_store *q, const char *sql, const struct args *a, size_t size,
        void (*read)(const PGresult *, int, void *, bool *), void (*list_free)(void *, size_t),
        void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rc = 0;
    PGresult *res = pg_run(q, sql, a, &rc);
    if (!res)
        return rc;
    int rows = PQntuples(res);
    char *v = rows ? sol_calloc((size_t)rows, size) : NULL;
    if (rows && !v) {
        PQclear(res);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    bool oom = false;
    for (int i = 0; i < rows && !oom; i++)
        read(res, i, v + (size_t)i * size, &oom);
    PQclear(res);
    if (oom) {
        list_free(v, (size_t)rows);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    *out = v;
    *n = (size_t)rows;
    return 0;
}

/* Run a one-row query and read it with read(); SOL_ENOTFOUND when there is no row. */
static int
get_one(struct pg_store *q, const char *sql, const struct args *a, void *out,
        void (*read)(const PGresult *, int, void *, bool *), void (*clear)(void *))
{
    int rc = 0;
    PGresult *res = pg_run(q, sql, a, &rc);
    if (!res)
        return rc;
    bool oom = false;
    if (PQntuples(res) == 0)
        rc = SOL_ENOTFOUND;
    else
        read(res, 0, out, &oom);
    PQclear(res);
    if (oom) {
        clear(out);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    return rc;
}

/* ---- transactions ---- */

/*
 * Write operations: outside sol_store_begin(), one that needs several statements opens
 * its own transaction (a single statement is atomic by itself); inside, each operation
 * runs under a savepoint so that its failure leaves the caller's transaction usable.
 */
struct op {
    bool own;  /* we opened a transaction */
    bool save; /* we took a savepoint */
};

static int
op_begin(struct pg_store *q, struct op *o, bool multi)
{
    o->own = o->save = false;
    if (q->in_txn) {
        o->save = true;
        return pg_exec(q, "SAVEPOINT sol_op");
    }
    if (multi) {
        o->own = true;
        return pg_exec(q, "BEGIN");
    }
    return 0;
}

static int
op_end(struct pg_store *q, const struct op *o, int rc)
{
    if (o->own) {
        if (rc == 0) {
            int c = pg_exec(q, "COMMIT");
            if (c == 0)
                return 0;
            rc = c;
        }
        PQclear(PQexec(q->conn, "ROLLBACK"));
        return rc;
    }
    if (o->save) {
        if (rc == 0)
            return pg_exec(q, "RELEASE SAVEPOINT sol_op");
        PQclear(PQexec(q->conn, "ROLLBACK TO SAVEPOINT sol_op"));
    }
    return rc;
}

/* ---- open, close, schema ---- */

static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connect to location; on failure returns the code and leaves the message in err. */
static int
pg_connect(const char *location, PGconn **out, struct sol_error *err)
{
    PGconn *conn = PQconnectdb(location);
    if (!conn)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = 0;
        PQfinish(conn);
        return sol_error_set(err, SOL_EIO, "cannot connect to the store: %s", msg);
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    *out = conn;
    return 0;
}

static bool
pgs_exists(const char *location)
{
    PGconn *conn = NULL;
    if (pg_connect(location, &conn, NULL) != 0)
        return false;
    PGresult *res = PQexec(conn, "SELECT to_regclass('schema_version') IS NOT NULL");
    bool r = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
             PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    PQfinish(conn);
    return r;
}

/*
 * Apply the migrations the database does not have yet, in one transaction that holds
 * the migration advisory lock: a second process opening the database at the same time
 * waits, then finds the schema there.
 */
static int
migrate(struct pg_store *q, struct sol_error *err)
{
    int rc = pg_exec(q, "BEGIN");
    if (rc == 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)",
                 (long long)MIGRATION_LOCK_KEY);
        rc = pg_exec(q, sql);
    }
    if (rc == 0)
        rc = pg_exec(q, "CREATE TABLE IF NOT EXISTS schema_version ("
                        "version integer PRIMARY KEY, applied bigint NOT NULL)");
    int have = 0;
    if (rc == 0) {
        PGresult *res =
            pg_run(q, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, &rc);
        if (res) {
            have = (int)col_i64(res, 0, 0);
            PQclear(res);
        }
    }
    if (rc == 0 && have > sol__schema_migration_count) {
        PQclear(PQexec(q->conn, "ROLLBACK"));
        return sol_error_set(err, SOL_EUNSUPPORTED,
                             "the store's schema version %d is newer than this program's (%d)",
                             have, sol__schema_migration_count);
    }
    for (int v = have; rc == 0 && v < sol__schema_migration_count; v++) {
        rc = pg_exec(q, sol__schema_pg[v]);
        if (rc != 0)
            break;
        struct args a = {0};
        a_int(&a, v + 1);
        a_int(&a, sol_time_now());
        rc = pg_do(q, "INSERT INTO schema_version (version, applied) VALUES ($1, $2)", &a, NULL);
    }
    if (rc == 0)
        rc = pg_exec(q, "COMMIT");
    if (rc != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", q->errmsg);
        PQclear(PQexec(q->conn, "ROLLBACK"));
        return sol_error_set(err, rc, "cannot set up the store's schema: %s", msg);
    }
    q->schema_version = sol__schema_migration_count;
    return 0;
}

static void pgs_close(struct sol_store *s);

static int
pgs_open(const char *location, struct sol_store **out, struct sol_error *err)
{
    struct pg_store *q = sol_calloc(1, sizeof *q);
    if (!q)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    q->base.ops = &sol__store_pg_ops;
    int rc = pg_connect(location, &q->conn, err);
    if (rc != 0) {
        sol_free(q);
        return rc;
    }
    /*
     * Waiting for a lock longer than this is SOL_EBUSY, as SQLite's busy timeout; the
     * session's times and text are UTC and UTF-8 whatever the server's defaults. No JIT:
     * a page query's estimated cost over a large collection crosses jit_above_cost, and
     * compiling it takes ~50 ms where running it takes ~1 ms.
     */
    rc = pg_exec(q, "SET lock_timeout = '15s'; SET client_encoding = 'UTF8'; "
                    "SET TIME ZONE 'UTC'; SET application_name = 'solidarity'; SET jit = off");
    if (rc != 0) {
        sol_error_set(err, rc, "cannot set up the store's connection: %s", q->errmsg);
        pgs_close(&q->base);
        return rc;
    }
    rc = migrate(q, err);
    if (rc != 0) {
        pgs_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return 0;
}

static void
pgs_close(struct sol_store *s)
{
    struct pg_store *q = pg(s);
    for (size_t i = 0; i < q->n_cache; i++)
        sol_free(q->cache[i].sql);
    if (q->conn) {
        if (q->in_txn)
            PQclear(PQexec(q->conn, "ROLLBACK"));
        PQfinish(q->conn);
    }
    sol_free(q);
}

static const char *
pgs_errmsg(struct sol_store *s)
{
    return pg(s)->errmsg;
}

static int
pgs_schema_version(struct sol_store *s)
{
    return pg(s)->schema_version;
}

/*
 * store.h: begin takes the write lock at once. SQLite has one write lock per database;
 * here a transaction-level advisory lock plays its part, so that callers that read then
 * write inside a transaction (the TAXII cursor key made on first use, an import batch)
 * see the same serialisation on both backends. Writes outside a transaction take only
 * the row locks they need, and readers never wait.
 */
static int
pgs_begin(struct sol_store *s)
{
    struct pg_store *q = pg(s);
    if (q->in_txn)
        return SOL_EINVAL;
    char sql[128];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)WRITE_LOCK_KEY);
    int rc = pg_exec(q, sql);
    if (rc == 0)
        q->in_txn = true;
    else
        PQclear(PQexec(q->conn, "ROLLBACK"));
    return rc;
}

static int
pgs_commit(struct sol_store *s)
{
    struct pg_store *q = pg(s);
    if (!q->in_txn)
        return SOL_EINVAL;
    q->in_txn = false;
    int rc = pg_exec(q, "COMMIT");
    if (rc != 0)
        PQclear(PQexec(q->conn, "ROLLBACK"));
    else if (q->added_since_analyze >= ANALYZE_AFTER) {
        q->added_since_analyze = 0;
        PQclear(PQexec(q->conn, "ANALYZE objects")); /* best effort */
    }
    return rc;
}

static int
pgs_rollback(struct sol_store *s)
{
    struct pg_store *q = pg(s);
    if (!q->in_txn)
        return SOL_EINVAL;
    q->in_txn = false;
    return pg_exec(q, "ROLLBACK");
}

/* ---- settings ---- */

static int
pgs_setting_get(struct sol_store *s, const char *key, struct sol_buf *out)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_text(&a, key);
    int rc = 0;
    PGresult *res = pg_run(q, "SELECT value FROM settings WHERE key = $1", &a, &rc);
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SOL_ENOTFOUND;
    }
    size_t n = (size_t)PQgetlength(res, 0, 0);
    sol_buf_reset(out);
    if (sol_buf_reserve(out, n + 1)) {
        sol_buf_append(out, PQgetvalue(res, 0, 0), n);
        out->p[out->n] = 0;
    }
    PQclear(res);
    return out->oom || !out->p ? SOL_ENOMEM : 0;
}

static int
pgs_setting_set(struct sol_store *s, const char *key, const char *value)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_text(&a, key);
    a_text(&a, value);
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO settings (key, value) VALUES ($1, $2) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   &a, NULL);
    return op_end(q, &o, rc);
}

/* ---- API roots ---- */

#define API_ROOT_SELECT "SELECT name, title, description, max_content_length FROM api_roots "

static void
read_api_root(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_api_root *x = p;
    x->name = col_dup(res, r, 0, oom);
    x->title = col_dup(res, r, 1, oom);
    x->description = col_dup(res, r, 2, oom);
    x->max_content_length = col_i64(res, r, 3);
}

static void
api_root_clear_v(void *p)
{
    sol_api_root_clear(p);
}

static void
api_root_list_free_v(void *v, size_t n)
{
    sol_api_root_list_free(v, n);
}

static int
pgs_api_root_put(struct sol_store *s, const struct sol_api_root *r)
{
    struct pg_store *q = pg(s);
    if (!r->name || !*r->name || !r->title)
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, r->name);
    a_text(&a, r->title);
    a_text(&a, r->description);
    a_int(&a, r->max_content_length > 0 ? r->max_content_length : SOL_DEFAULT_MAX_CONTENT_LENGTH);
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO api_roots (name, title, description, max_content_length) "
                   "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET "
                   "title = excluded.title, description = excluded.description, "
                   "max_content_length = excluded.max_content_length",
                   &a, NULL);
    return op_end(q, &o, rc);
}

static int
pgs_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, name);
    return get_one(pg(s), API_ROOT_SELECT "WHERE name = $1", &a, out, read_api_root,
                   api_root_clear_v);
}

static int
pgs_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n)
{
    return collect(pg(s), API_ROOT_SELECT "ORDER BY name", NULL, sizeof **out, read_api_root,
                   api_root_list_free_v, (void **)out, n);
}

/* ---- collections ---- */

#define COLLECTION_COLUMNS                                                                         \
    "id, api_root, title, description, alias, media_types, default_tlp, created"

static void
read_collection(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_collection *c = p;
    c->id = col_dup(res, r, 0, oom);
    c->api_root = col_dup(res, r, 1, oom);
    c->title = col_dup(res, r, 2, oom);
    c->description = col_dup(res, r, 3, oom);
    c->alias = col_dup(res, r, 4, oom);
    c->media_types = col_dup(res, r, 5, oom);
    c->default_tlp = (int)col_i64(res, r, 6);
    c->created = col_i64(res, r, 7);
}

static void
collection_clear_v(void *p)
{
    sol_collection_clear(p);
}

static void
collection_list_free_v(void *v, size_t n)
{
    sol_collection_list_free(v, n);
}

static int
pgs_collection_put(struct sol_store *s, const struct sol_collection *c)
{
    struct pg_store *q = pg(s);
    if (!c->id || !*c->id || !c->api_root || !c->title)
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, c->id);
    a_text(&a, c->api_root);
    a_text(&a, c->title);
    a_text(&a, c->description);
    a_text(&a, c->alias && *c->alias ? c->alias : NULL);
    a_text(&a, c->media_types);
    a_int(&a, c->default_tlp > 0 ? c->default_tlp : 3);
    a_int(&a, c->created ? c->created : sol_time_now());
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO collections (" COLLECTION_COLUMNS ") "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET "
                   "api_root = excluded.api_root, title = excluded.title, "
                   "description = excluded.description, alias = excluded.alias, "
                   "media_types = excluded.media_types, default_tlp = excluded.default_tlp",
                   &a, NULL);
    return op_end(q, &o, rc);
}

static int
pgs_collection_get(struct sol_store *s, const char *api_root, const char *id,
                   struct sol_collection *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, api_root);
    a_text(&a, id);
    return get_one(pg(s),
                   "SELECT " COLLECTION_COLUMNS " FROM collections "
                   "WHERE ($1::text IS NULL OR api_root = $1) AND (id = $2 OR alias = $2) "
                   "ORDER BY id = $2 DESC LIMIT 1",
                   &a, out, read_collection, collection_clear_v);
}

static int
pgs_collection_list(struct sol_store *s, const char *api_root, struct sol_collection **out,
                    size_t *n)
{
    struct args a = {0};
    a_text(&a, api_root);
    return collect(pg(s),
                   "SELECT " COLLECTION_COLUMNS " FROM collections "
                   "WHERE $1::text IS NULL OR api_root = $1 ORDER BY created, id",
                   &a, sizeof **out, read_collection, collection_list_free_v, (void **)out, n);
}

static int
pgs_api_root_delete(struct sol_store *s, const char *name)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_text(&a, name);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, false);
    /* The collections' foreign key cascades: only an empty root may go. */
    if (rc == 0)
        rc = pg_do(q,
                   "DELETE FROM api_roots WHERE name = $1 AND NOT EXISTS "
                   "(SELECT 1 FROM collections WHERE api_root = $1)",
                   &a, &changed);
    if (rc == 0 && changed == 0) {
        struct sol_api_root r;
        rc = pgs_api_root_get(s, name, &r);
        if (rc == 0) {
            sol_api_root_clear(&r);
            rc = SOL_ECONFLICT;
        }
    }
    return op_end(q, &o, rc);
}

static int
pgs_collection_delete(struct sol_store *s, const char *api_root, const char *id)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_text(&a, api_root);
    a_text(&a, id);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "DELETE FROM collections WHERE id = $2 AND ($1::text IS NULL OR api_root = $1)",
                   &a, &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return op_end(q, &o, rc);
}

static int
pgs_collection_count(struct sol_store *s, const char *collection, int64_t *n)
{
    struct args a = {0};
    a_text(&a, collection);
    int rc = 0;
    PGresult *res = pg_run(pg(s),
                           "SELECT count(*) FROM objects WHERE collection = "
                           "(SELECT key FROM collections WHERE id = $1)",
                           &a, &rc);
    if (!res)
        return rc;
    *n = col_i64(res, 0, 0);
    PQclear(res);
    return 0;
}

/* ---- objects ---- */

/*
 * One statement per add (see the comment at the top of the file): bump the
 * collection's last_date_added under its row lock, insert with that value unless the
 * version is already held. Returns (collection found, date_added inserted or NULL).
 * A versionless object (no modified, no created: SCOs) is stored with its date_added
 * as its version, TAXII 2.1 §3.4.1.
 */
#define ADD_SQL                                                                                    \
    "WITH c AS (UPDATE collections SET last_date_added = "                                         \
    "greatest(last_date_added + 1, " NOW_US ") WHERE id = $1 "                                     \
    "RETURNING key, last_date_added AS da, default_tlp), "                                         \
    "ins AS (INSERT INTO objects (collection, id, version, versionless, date_added, type, "        \
    "spec_version, tlp, red_recipients, revoked, origin, json) "                                   \
    "SELECT c.key, $2, coalesce($3::bigint, c.da), $3::bigint IS NULL, c.da, $4, $5, "             \
    "coalesce($6::integer, c.default_tlp), $7, $8, $9, $10 FROM c "                                \
    "ON CONFLICT DO NOTHING RETURNING date_added) "                                                \
    "SELECT (SELECT count(*) FROM c), (SELECT date_added FROM ins)"

static int
pgs_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
               bool *added, sol_time_t *date_added)
{
    struct pg_store *q = pg(s);
    if (added)
        *added = false;
    if (date_added)
        *date_added = 0;
    if (!collection || !row || !row->id.n || !row->type.n || !row->json.n)
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, collection);
    a_str(&a, row->id);
    if (row->version)
        a_int(&a, row->version);
    else
        a_null(&a);
    a_str(&a, row->type);
    if (row->spec_version.n)
        a_str(&a, row->spec_version);
    else
        a_text(&a, "2.1");
    if (row->tlp > 0)
        a_int(&a, row->tlp);
    else
        a_null(&a);
    if (row->tlp_red_recipients.p)
        a_str(&a, row->tlp_red_recipients);
    else
        a_text(&a, "");
    a_bool(&a, row->revoked);
    a_str(&a, row->origin);
    a_str(&a, row->json);
    int rc = 0;
    PGresult *res = pg_run(q, ADD_SQL, &a, &rc);
    if (!res)
        return rc;
    bool found = col_i64(res, 0, 0) > 0, inserted = !PQgetisnull(res, 0, 1);
    sol_time_t da = col_i64(res, 0, 1);
    PQclear(res);
    if (!found)
        return SOL_ENOTFOUND;
    if (!inserted) {
        /* Already held: the date_added of the version there. */
        struct args b = {0};
        a_text(&b, collection);
        a_str(&b, row->id);
        if (row->version)
            a_int(&b, row->version);
        else
            a_null(&b);
        res = pg_run(q,
                     "SELECT date_added FROM objects WHERE collection = "
                     "(SELECT key FROM collections WHERE id = $1) AND id = $2 AND "
                     "(version = $3::bigint OR ($3::bigint IS NULL AND versionless)) LIMIT 1",
                     &b, &rc);
        if (!res)
            return rc;
        da = PQntuples(res) ? col_i64(res, 0, 0) : 0;
        PQclear(res);
        if (date_added)
            *date_added = da;
        return 0;
    }
    q->added_since_analyze++;
    if (added)
        *added = true;
    if (date_added)
        *date_added = da;
    return 0;
}

/* The SQL of this backend, for the shared builders (store.h). */
static const struct sol__sql_dialect pg_dialect = {
    .name = "postgresql",
    .param = '$',
    .true_sql = "true",
    .false_sql = "false",
    .strpos = "strpos",
    .index_hints = false,
    .latest_flag = false,
    .chunk = CURSOR_CHUNK,
};

/* Run a built query with its parameters; returns the result or NULL with *rc set. */
static PGresult *
run_query(struct pg_store *q, const struct sol__query *b, int *rc)
{
    int n = b->n_params;
    const char **v = sol_calloc((size_t)n + 1, sizeof *v);
    int *len = sol_calloc((size_t)n + 1, sizeof *len);
    int *fmt = sol_calloc((size_t)n + 1, sizeof *fmt);
    char(*num)[24] = sol_calloc((size_t)n + 1, sizeof *num);
    PGresult *res = NULL;
    if (!v || !len || !fmt || !num) {
        *rc = pg_msg(q, SOL_ENOMEM, "out of memory");
    } else {
        for (int i = 0; i < n; i++) {
            const struct sol__value *p = &b->params[i];
            if (p->type == SOL__TEXT) {
                v[i] = p->p;
                len[i] = (int)p->n;
                fmt[i] = 1;
            } else {
                snprintf(num[i], sizeof num[i], "%" PRId64, p->i);
                v[i] = num[i];
            }
        }
        res = pg_run_v(q, b->sql.p, n, v, len, fmt, rc);
    }
    sol_free(v);
    sol_free(len);
    sol_free(fmt);
    sol_free(num);
    return res;
}

/* The key of a collection by id; -1 when there is none (its queries match nothing). */
static int
collection_key(struct pg_store *q, const char *id, int64_t *key)
{
    struct args a = {0};
    a_text(&a, id);
    int rc = 0;
    PGresult *res = pg_run(q, "SELECT key FROM collections WHERE id = $1", &a, &rc);
    if (!res)
        return rc;
    *key = PQntuples(res) ? col_i64(res, 0, 0) : -1;
    PQclear(res);
    return 0;
}

/*
 * A cursor is a keyset position, not server state: it fetches CURSOR_CHUNK rows at a
 * time with (date_added, seq) after the last row it handed out, so it needs no
 * transaction held open and uses constant memory however many rows match. Rows are
 * views into the current chunk's PGresult, valid until the next fetch.
 */
struct pg_cursor {
    struct sol_store_cursor base;
    struct sol__query q; /* the keyset and limit parameters change between chunks */
    PGresult *res;
    int row, rows;
    size_t limit, handed; /* limit 0: none */
    bool last_chunk, done;
};

static int
pgs_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                  struct sol_store_cursor **out)
{
    *out = NULL;
    if (!f || !f->collection)
        return SOL_EINVAL;
    int64_t key;
    int rc = collection_key(pg(s), f->collection, &key);
    if (rc != 0)
        return rc;
    struct pg_cursor *c = sol_calloc(1, sizeof *c);
    if (!c)
        return pg_msg(pg(s), SOL_ENOMEM, "out of memory");
    rc = sol__filter_sql(&pg_dialect, f, key, SOL__FILTER_QUERY, &c->q);
    if (rc != 0) {
        sol_free(c);
        return pg_msg(pg(s), rc, "out of memory");
    }
    c->base.store = s;
    c->limit = f->limit;
    c->row = c->rows = 0;
    *out = &c->base;
    return 0;
}

/* Fetch the next chunk after the last row handed out. */
static int
fetch_chunk(struct pg_cursor *c)
{
    struct pg_store *q = pg(c->base.store);
    int64_t want = CURSOR_CHUNK;
    if (c->limit && (int64_t)(c->limit - c->handed) < want)
        want = (int64_t)(c->limit - c->handed);
    c->q.params[c->q.p_limit - 1].i = want;
    if (c->res) {
        int last = c->rows - 1;
        c->q.params[c->q.p_after_date_added - 1].i = col_i64(c->res, last, 1);
        c->q.params[c->q.p_after_seq - 1].i = col_i64(c->res, last, 0);
        PQclear(c->res);
        c->res = NULL;
    }
    int rc = 0;
    c->res = run_query(q, &c->q, &rc);
    if (!c->res)
        return rc;
    c->rows = PQntuples(c->res);
    c->row = 0;
    c->last_chunk = c->rows < want;
    return 0;
}

static int
pgs_cursor_next(struct sol_store_cursor *base, struct sol_object_row *row)
{
    struct pg_cursor *c = (struct pg_cursor *)base;
    if (c->done)
        return SOL_EEOF;
    if (c->limit && c->handed >= c->limit) {
        c->done = true;
        return SOL_EEOF;
    }
    if (c->row >= c->rows) {
        if (c->res && c->last_chunk) {
            c->done = true;
            return SOL_EEOF;
        }
        int rc = fetch_chunk(c);
        if (rc != 0) {
            c->done = true;
            return rc;
        }
        if (c->rows == 0) {
            c->done = true;
            return SOL_EEOF;
        }
    }
    const PGresult *res = c->res;
    int r = c->row++;
    c->handed++;
    memset(row, 0, sizeof *row);
    row->seq = col_i64(res, r, 0);
    row->date_added = col_i64(res, r, 1);
    row->id = col_str(res, r, 2);
    row->type = col_str(res, r, 3);
    row->spec_version = col_str(res, r, 4);
    row->version = col_i64(res, r, 5);
    row->tlp = (int)col_i64(res, r, 6);
    row->tlp_red_recipients = col_str(res, r, 7);
    row->revoked = col_bool(res, r, 8);
    row->origin = col_str(res, r, 9);
    row->json = col_str(res, r, 10);
    return 0;
}

static void
pgs_cursor_close(struct sol_store_cursor *base)
{
    struct pg_cursor *c = (struct pg_cursor *)base;
    PQclear(c->res);
    sol__query_free(&c->q);
    sol_free(c);
}

static int
pgs_objects_delete(struct sol_store *s, const struct sol_object_filter *f, size_t *deleted)
{
    struct pg_store *q = pg(s);
    if (deleted)
        *deleted = 0;
    if (!f || !f->collection || !f->n_ids)
        return SOL_EINVAL;
    int64_t key;
    struct sol__query b;
    int rc = collection_key(q, f->collection, &key);
    if (rc == 0 && (rc = sol__filter_sql(&pg_dialect, f, key, SOL__FILTER_DELETE, &b)) != 0)
        return pg_msg(q, rc, "out of memory");
    if (rc != 0)
        return rc;
    struct op o;
    rc = op_begin(q, &o, false);
    if (rc == 0) {
        PGresult *res = run_query(q, &b, &rc);
        if (res) {
            if (deleted)
                *deleted = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
            PQclear(res);
        }
    }
    sol__query_free(&b);
    return op_end(q, &o, rc);
}

/* ---- status ---- */

/* Append s as one element of a PostgreSQL array literal ("{...}"); NULL as NULL. */
static void
array_elem(struct sol_buf *b, const char *s, bool first)
{
    if (!first)
        sol_buf_putc(b, ',');
    if (!s) {
        sol_buf_puts(b, "NULL");
        return;
    }
    sol_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sol_buf_putc(b, '\\');
        sol_buf_putc(b, *s);
    }
    sol_buf_putc(b, '"');
}

static int
pgs_status_put(struct sol_store *s, const struct sol_status *stt)
{
    struct pg_store *q = pg(s);
    if (!stt->id || !stt->status)
        return SOL_EINVAL;
    struct op o;
    int rc = op_begin(q, &o, true);
    if (rc == 0) {
        struct args a = {0};
        a_text(&a, stt->id);
        a_text(&a, stt->status);
        a_int(&a, stt->request_timestamp);
        a_int(&a, stt->total_count);
        a_int(&a, stt->success_count);
        a_int(&a, stt->failure_count);
        a_int(&a, stt->pending_count);
        a_text(&a, stt->owner);
        a_int(&a, stt->owner_user_id);
        a_int(&a, stt->owner_partner_id);
        rc = pg_do(q,
                   "INSERT INTO status (id, status, request_timestamp, total_count, "
                   "success_count, failure_count, pending_count, owner, owner_user, "
                   "owner_partner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                   "ON CONFLICT (id) DO UPDATE SET "
                   "status = excluded.status, request_timestamp = excluded.request_timestamp, "
                   "total_count = excluded.total_count, success_count = excluded.success_count, "
                   "failure_count = excluded.failure_count, "
                   "pending_count = excluded.pending_count, owner = excluded.owner, "
                   "owner_user = excluded.owner_user, owner_partner = excluded.owner_partner",
                   &a, NULL);
    }
    if (rc == 0) {
        struct args a = {0};
        a_text(&a, stt->id);
        rc = pg_do(q, "DELETE FROM status_entries WHERE status_id = $1", &a, NULL);
    }
    /* Every entry in one statement: the arrays unnest into rows. */
    const struct sol_status_entry *lists[3] = {stt->successes, stt->failures, stt->pendings};
    size_t counts[3] = {stt->n_successes, stt->n_failures, stt->n_pendings};
    if (rc == 0 && counts[0] + counts[1] + counts[2] > 0) {
        struct sol_buf kinds, idxs, ids, versions, messages;
        struct sol_buf *all[5] = {&kinds, &idxs, &ids, &versions, &messages};
        for (int i = 0; i < 5; i++) {
            sol_buf_init(all[i]);
            sol_buf_putc(all[i], '{');
        }
        bool first = true;
        for (int k = 0; k < 3; k++) {
            for (size_t i = 0; i < counts[k]; i++) {
                const struct sol_status_entry *e = &lists[k][i];
                sol_buf_printf(&kinds, "%s%d", first ? "" : ",", k);
                sol_buf_printf(&idxs, "%s%zu", first ? "" : ",", i);
                array_elem(&ids, e->id ? e->id : "", first);
                array_elem(&versions, e->version ? e->version : "", first);
                array_elem(&messages, e->message, first);
                first = false;
            }
        }
        bool oom = false;
        for (int i = 0; i < 5; i++) {
            sol_buf_putc(all[i], '}');
            oom |= all[i]->oom;
        }
        if (oom) {
            rc = pg_msg(q, SOL_ENOMEM, "out of memory");
        } else {
            struct args a = {0};
            a_text(&a, stt->id);
            for (int i = 0; i < 5; i++)
                a_ctext(&a, all[i]->p);
            rc = pg_do(q,
                       "INSERT INTO status_entries (status_id, kind, idx, object_id, version, "
                       "message) SELECT $1, k, i, o, v, m FROM unnest($2::integer[], "
                       "$3::bigint[], $4::text[], $5::text[], $6::text[]) AS u(k, i, o, v, m)",
                       &a, NULL);
        }
        for (int i = 0; i < 5; i++)
            sol_buf_free(all[i]);
    }
    return op_end(q, &o, rc);
}

static int
pgs_status_get(struct sol_store *s, const char *id, struct sol_status *out)
{
    struct pg_store *q = pg(s);
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, id);
    int rc = 0;
    PGresult *res = pg_run(q,
                           "SELECT id, status, request_timestamp, total_count, success_count, "
                           "failure_count, pending_count, owner, owner_user, owner_partner "
                           "FROM status WHERE id = $1",
                           &a, &rc);
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return SOL_ENOTFOUND;
    }
    bool oom = false;
    out->id = col_dup(res, 0, 0, &oom);
    out->status = col_dup(res, 0, 1, &oom);
    out->request_timestamp = col_i64(res, 0, 2);
    out->total_count = col_i64(res, 0, 3);
    out->success_count = col_i64(res, 0, 4);
    out->failure_count = col_i64(res, 0, 5);
    out->pending_count = col_i64(res, 0, 6);
    out->owner = col_dup(res, 0, 7, &oom);
    out->owner_user_id = col_i64(res, 0, 8);
    out->owner_partner_id = col_i64(res, 0, 9);
    PQclear(res);

    res = pg_run(q,
                 "SELECT kind, object_id, version, message FROM status_entries "
                 "WHERE status_id = $1 ORDER BY kind, idx",
                 &a, &rc);
    if (!res) {
        sol_status_clear(out);
        return rc;
    }
    int rows = PQntuples(res);
    size_t want[3] = {0, 0, 0};
    for (int r = 0; r < rows; r++) {
        int64_t k = col_i64(res, r, 0);
        if (k >= 0 && k <= 2)
            want[k]++;
    }
    struct sol_status_entry **lists[3] = {&out->successes, &out->failures, &out->pendings};
    size_t *counts[3] = {&out->n_successes, &out->n_failures, &out->n_pendings};
    for (int k = 0; k < 3 && !oom; k++)
        if (want[k] && !(*lists[k] = sol_calloc(want[k], sizeof **lists[k])))
            oom = true;
    for (int r = 0; r < rows && !oom; r++) {
        int64_t k = col_i64(res, r, 0);
        if (k < 0 || k > 2)
            continue;
        struct sol_status_entry *e = &(*lists[k])[(*counts[k])++];
        e->id = col_dup(res, r, 1, &oom);
        e->version = col_dup(res, r, 2, &oom);
        e->message = col_dup(res, r, 3, &oom);
    }
    PQclear(res);
    if (oom) {
        sol_status_clear(out);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    return 0;
}

static int
pgs_status_expire(struct sol_store *s, sol_time_t before, size_t *removed)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_int(&a, before);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q, "DELETE FROM status WHERE request_timestamp < $1", &a, &changed);
    if (removed)
        *removed = rc == 0 ? (size_t)changed : 0;
    return op_end(q, &o, rc);
}

/* ---- partners ---- */

#define PARTNER_SELECT "SELECT id, name, identity, created FROM partners "

static void
read_partner(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_partner *x = p;
    x->id = col_i64(res, r, 0);
    x->name = col_dup(res, r, 1, oom);
    x->identity = col_dup(res, r, 2, oom);
    x->created = col_i64(res, r, 3);
}

static void
partner_clear_v(void *p)
{
    sol_partner_clear(p);
}

static void
partner_list_free_v(void *v, size_t n)
{
    sol_partner_list_free(v, n);
}

/* Run an INSERT ... RETURNING id as one operation; *id (may be NULL) gets the id. */
static int
insert_returning(struct pg_store *q, const char *sql, const struct args *a, int64_t *id)
{
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0) {
        PGresult *res = pg_run(q, sql, a, &rc);
        if (res) {
            if (id)
                *id = PQntuples(res) ? col_i64(res, 0, 0) : 0;
            PQclear(res);
        }
    }
    return op_end(q, &o, rc);
}

static int
pgs_partner_add(struct sol_store *s, const char *name, const char *identity, int64_t *id)
{
    if (!name || !*name)
        return SOL_EINVAL;
    char made[64];
    if (!identity) {
        struct sol_uuid u;
        sol_uuid_v4(&u);
        char uuid[40];
        sol_uuid_format(&u, uuid);
        snprintf(made, sizeof made, "identity--%s", uuid);
        identity = made;
    } else {
        struct sol_uuid u;
        if (strncmp(identity, "identity--", 10) != 0 ||
            sol_uuid_parse(identity + 10, strlen(identity + 10), &u) != 0)
            return SOL_EINVAL;
    }
    struct args a = {0};
    a_text(&a, name);
    a_text(&a, identity);
    a_int(&a, sol_time_now());
    return insert_returning(pg(s),
                            "INSERT INTO partners (name, identity, created) VALUES ($1, $2, $3) "
                            "RETURNING id",
                            &a, id);
}

static int
pgs_partner_get(struct sol_store *s, const char *name, struct sol_partner *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, name);
    return get_one(pg(s), PARTNER_SELECT "WHERE name = $1 OR identity = $1 ORDER BY id LIMIT 1", &a,
                   out, read_partner, partner_clear_v);
}

static int
pgs_partner_get_by_id(struct sol_store *s, int64_t id, struct sol_partner *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_int(&a, id);
    return get_one(pg(s), PARTNER_SELECT "WHERE id = $1", &a, out, read_partner, partner_clear_v);
}

static int
pgs_partner_list(struct sol_store *s, struct sol_partner **out, size_t *n)
{
    return collect(pg(s), PARTNER_SELECT "ORDER BY name", NULL, sizeof **out, read_partner,
                   partner_list_free_v, (void **)out, n);
}

static int
pgs_partner_delete(struct sol_store *s, const char *name)
{
    struct pg_store *q = pg(s);
    struct op o;
    int rc = op_begin(q, &o, true);
    int64_t pid = 0;
    if (rc == 0) {
        struct args a = {0};
        a_text(&a, name);
        PGresult *res = pg_run(q,
                               "SELECT p.id, (SELECT count(*) FROM users u "
                               "WHERE u.partner_id = p.id) FROM partners p WHERE p.name = $1 "
                               "FOR UPDATE",
                               &a, &rc);
        if (res) {
            if (PQntuples(res) == 0)
                rc = SOL_ENOTFOUND;
            else if (col_i64(res, 0, 1) > 0)
                rc = SOL_ECONFLICT;
            else
                pid = col_i64(res, 0, 0);
            PQclear(res);
        }
    }
    struct args b = {0};
    a_int(&b, pid);
    if (rc == 0)
        rc = pg_do(q, "DELETE FROM grants WHERE partner_id = $1", &b, NULL);
    if (rc == 0)
        rc = pg_do(q, "DELETE FROM partners WHERE id = $1", &b, NULL);
    return op_end(q, &o, rc);
}

/* ---- users ---- */

#define USER_SELECT                                                                                \
    "SELECT u.id, u.name, u.partner_id, p.name, p.identity, u.clearance, u.is_admin, "             \
    "u.password_hash, u.created FROM users u JOIN partners p ON p.id = u.partner_id "

static void
read_user(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_user *u = p;
    u->id = col_i64(res, r, 0);
    u->name = col_dup(res, r, 1, oom);
    u->partner_id = col_i64(res, r, 2);
    u->partner_name = col_dup(res, r, 3, oom);
    u->partner_identity = col_dup(res, r, 4, oom);
    u->clearance = (int)col_i64(res, r, 5);
    u->is_admin = col_bool(res, r, 6);
    u->password_hash = col_dup(res, r, 7, oom);
    u->created = col_i64(res, r, 8);
}

static void
user_clear_v(void *p)
{
    sol_user_clear(p);
}

static void
user_list_free_v(void *v, size_t n)
{
    sol_user_list_free(v, n);
}

static int
pgs_user_add(struct sol_store *s, const struct sol_user *u, int64_t *id)
{
    if (!u->name || !*u->name || u->clearance < 1 || u->clearance > 5)
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, u->name);
    a_int(&a, u->partner_id);
    a_int(&a, u->clearance);
    a_bool(&a, u->is_admin);
    a_text(&a, u->password_hash);
    a_int(&a, u->created ? u->created : sol_time_now());
    return insert_returning(pg(s),
                            "INSERT INTO users (name, partner_id, clearance, is_admin, "
                            "password_hash, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                            &a, id);
}

static int
pgs_user_get(struct sol_store *s, const char *name, struct sol_user *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, name);
    return get_one(pg(s), USER_SELECT "WHERE u.name = $1", &a, out, read_user, user_clear_v);
}

static int
pgs_user_get_by_id(struct sol_store *s, int64_t id, struct sol_user *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_int(&a, id);
    return get_one(pg(s), USER_SELECT "WHERE u.id = $1", &a, out, read_user, user_clear_v);
}

static int
pgs_user_list(struct sol_store *s, int64_t partner_id, struct sol_user **out, size_t *n)
{
    struct args a = {0};
    a_int(&a, partner_id);
    return collect(pg(s), USER_SELECT "WHERE $1 = 0 OR u.partner_id = $1 ORDER BY u.name", &a,
                   sizeof **out, read_user, user_list_free_v, (void **)out, n);
}

static int
pgs_user_update(struct sol_store *s, const struct sol_user *u)
{
    struct pg_store *q = pg(s);
    if (u->clearance < 1 || u->clearance > 5)
        return SOL_EINVAL;
    struct args a = {0};
    a_int(&a, u->id);
    a_int(&a, u->clearance);
    a_bool(&a, u->is_admin);
    a_text(&a, u->password_hash);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "UPDATE users SET clearance = $2, is_admin = $3, "
                   "password_hash = coalesce($4, password_hash) WHERE id = $1",
                   &a, &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return op_end(q, &o, rc);
}

static int
pgs_user_delete(struct sol_store *s, const char *name)
{
    struct pg_store *q = pg(s);
    struct args a = {0};
    a_text(&a, name);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, true);
    if (rc == 0)
        rc = pg_do(q, "DELETE FROM grants WHERE user_id = (SELECT id FROM users WHERE name = $1)",
                   &a, NULL);
    if (rc == 0)
        rc = pg_do(q, "DELETE FROM users WHERE name = $1", &a, &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return op_end(q, &o, rc);
}

/* ---- tokens ---- */

#define TOKEN_SELECT                                                                               \
    "SELECT t.id, t.name, t.user_id, u.name, encode(t.hash, 'hex'), t.created, t.last_used, "      \
    "t.revoked FROM tokens t JOIN users u ON u.id = t.user_id "

static void
read_token(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_token *t = p;
    t->id = col_i64(res, r, 0);
    t->name = col_dup(res, r, 1, oom);
    t->user_id = col_i64(res, r, 2);
    t->user_name = col_dup(res, r, 3, oom);
    if (PQgetlength(res, r, 4) == 64)
        sol_hex_decode(PQgetvalue(res, r, 4), 64, t->hash);
    t->created = col_i64(res, r, 5);
    t->last_used = col_i64(res, r, 6);
    t->revoked = col_bool(res, r, 7);
}

static void
token_clear_v(void *p)
{
    sol_token_clear(p);
}

static void
token_list_free_v(void *v, size_t n)
{
    sol_token_list_free(v, n);
}

static int
pgs_token_add(struct sol_store *s, const struct sol_token *t, int64_t *id)
{
    struct args a = {0};
    a_text(&a, t->name);
    a_int(&a, t->user_id);
    a_bytes(&a, t->hash, 32);
    a_int(&a, t->created ? t->created : sol_time_now());
    return insert_returning(pg(s),
                            "INSERT INTO tokens (name, user_id, hash, created) "
                            "VALUES ($1, $2, $3::bytea, $4) RETURNING id",
                            &a, id);
}

static int
pgs_token_find(struct sol_store *s, const uint8_t hash[32], struct sol_token *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_bytes(&a, hash, 32);
    return get_one(pg(s), TOKEN_SELECT "WHERE t.hash = $1::bytea", &a, out, read_token,
                   token_clear_v);
}

static int
pgs_token_list(struct sol_store *s, int64_t user_id, struct sol_token **out, size_t *n)
{
    struct args a = {0};
    a_int(&a, user_id);
    return collect(pg(s), TOKEN_SELECT "WHERE $1 = 0 OR t.user_id = $1 ORDER BY t.id", &a,
                   sizeof **out, read_token, token_list_free_v, (void **)out, n);
}

/* One UPDATE by id as an operation; SOL_ENOTFOUND when no row has that id. */
static int
update_by_id(struct pg_store *q, const char *sql, const struct args *a)
{
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q, sql, a, &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return op_end(q, &o, rc);
}

static int
pgs_token_revoke(struct sol_store *s, int64_t id)
{
    struct args a = {0};
    a_int(&a, id);
    return update_by_id(pg(s), "UPDATE tokens SET revoked = true WHERE id = $1", &a);
}

static int
pgs_token_touch(struct sol_store *s, int64_t id, sol_time_t at)
{
    struct args a = {0};
    a_int(&a, id);
    a_int(&a, at);
    struct pg_store *q = pg(s);
    /*
     * store.h: bookkeeping on the read path never waits outside a transaction. A bulk
     * import does not hold this row (writes here lock rows, not the database), so only
     * a concurrent touch or revoke of the same token can: then SOL_EBUSY at once.
     */
    if (q->in_txn)
        return update_by_id(q, "UPDATE tokens SET last_used = $2 WHERE id = $1", &a);
    return update_by_id(q,
                        "UPDATE tokens SET last_used = $2 WHERE id = "
                        "(SELECT id FROM tokens WHERE id = $1 FOR UPDATE NOWAIT)",
                        &a);
}

/* ---- grants ---- */

static int
pgs_grant_add(struct sol_store *s, const struct sol_grant *g)
{
    struct pg_store *q = pg(s);
    if (!g->collection || (g->partner_id == 0) == (g->user_id == 0))
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, g->collection);
    a_int(&a, g->partner_id);
    a_int(&a, g->user_id);
    a_bool(&a, g->can_read);
    a_bool(&a, g->can_write);
    struct op o;
    int rc = op_begin(q, &o, false);
    /* The foreign key refuses a missing collection: SOL_ENOTFOUND. */
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO grants (collection, partner_id, user_id, can_read, can_write) "
                   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collection, partner_id, user_id) "
                   "DO UPDATE SET can_read = grants.can_read OR excluded.can_read, "
                   "can_write = grants.can_write OR excluded.can_write",
                   &a, NULL);
    return op_end(q, &o, rc);
}

static int
pgs_grant_remove(struct sol_store *s, const struct sol_grant *g)
{
    struct pg_store *q = pg(s);
    if (!g->collection || (g->partner_id == 0) == (g->user_id == 0))
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, g->collection);
    a_int(&a, g->partner_id);
    a_int(&a, g->user_id);
    a_bool(&a, g->can_read);
    a_bool(&a, g->can_write);
    struct op o;
    int64_t changed = 0;
    int rc = op_begin(q, &o, true);
    if (rc == 0)
        rc = pg_do(q,
                   "UPDATE grants SET can_read = can_read AND NOT $4, "
                   "can_write = can_write AND NOT $5 "
                   "WHERE collection = $1 AND partner_id = $2 AND user_id = $3",
                   &a, &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    if (rc == 0)
        rc = pg_exec(q, "DELETE FROM grants WHERE NOT can_read AND NOT can_write");
    return op_end(q, &o, rc);
}

static int
pgs_grant_check(struct sol_store *s, const char *collection, int64_t user_id, int64_t partner_id,
                bool *can_read, bool *can_write)
{
    *can_read = *can_write = false;
    struct args a = {0};
    a_text(&a, collection);
    a_int(&a, user_id ? user_id : -1);
    a_int(&a, partner_id ? partner_id : -1);
    int rc = 0;
    PGresult *res = pg_run(pg(s),
                           "SELECT coalesce(bool_or(can_read), false), "
                           "coalesce(bool_or(can_write), false) FROM grants WHERE collection = $1 "
                           "AND ((user_id = $2 AND partner_id = 0) OR "
                           "(partner_id = $3 AND user_id = 0))",
                           &a, &rc);
    if (!res)
        return rc;
    *can_read = col_bool(res, 0, 0);
    *can_write = col_bool(res, 0, 1);
    PQclear(res);
    return 0;
}

static void
read_grant(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_grant *g = p;
    g->collection = col_dup(res, r, 0, oom);
    g->partner_id = col_i64(res, r, 1);
    g->user_id = col_i64(res, r, 2);
    g->partner_name = col_dup(res, r, 3, oom);
    g->user_name = col_dup(res, r, 4, oom);
    g->can_read = col_bool(res, r, 5);
    g->can_write = col_bool(res, r, 6);
}

static void
grant_list_free_v(void *v, size_t n)
{
    sol_grant_list_free(v, n);
}

static int
pgs_grant_list(struct sol_store *s, const char *collection, struct sol_grant **out, size_t *n)
{
    struct args a = {0};
    a_text(&a, collection);
    /* store.h: partners' grants (by name) before users' (by name), as store_sqlite.c. */
    return collect(pg(s),
                   "SELECT g.collection, g.partner_id, g.user_id, p.name, u.name, "
                   "g.can_read, g.can_write FROM grants g "
                   "LEFT JOIN partners p ON p.id = g.partner_id "
                   "LEFT JOIN users u ON u.id = g.user_id "
                   "WHERE $1::text IS NULL OR g.collection = $1 "
                   "ORDER BY g.collection, g.user_id <> 0, p.name NULLS FIRST, "
                   "u.name NULLS FIRST",
                   &a, sizeof **out, read_grant, grant_list_free_v, (void **)out, n);
}

/* ---- peers ---- */

#define PEER_SELECT                                                                                \
    "SELECT id, name, url, partner, token, config_json, created, last_sync FROM peers "

static void
read_peer(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_peer *x = p;
    x->id = col_i64(res, r, 0);
    x->name = col_dup(res, r, 1, oom);
    x->url = col_dup(res, r, 2, oom);
    x->partner = col_dup(res, r, 3, oom);
    x->token = col_dup(res, r, 4, oom);
    x->config_json = col_dup(res, r, 5, oom);
    x->created = col_i64(res, r, 6);
    x->last_sync = col_i64(res, r, 7);
}

static void
peer_clear_v(void *p)
{
    sol_peer_clear(p);
}

static void
peer_list_free_v(void *v, size_t n)
{
    sol_peer_list_free(v, n);
}

static int
pgs_peer_put(struct sol_store *s, const struct sol_peer *p)
{
    struct pg_store *q = pg(s);
    if (!p->name || !p->url)
        return SOL_EINVAL;
    struct args a = {0};
    a_text(&a, p->name);
    a_text(&a, p->url);
    a_text(&a, p->partner);
    a_text(&a, p->token);
    a_text(&a, p->config_json);
    a_int(&a, p->created ? p->created : sol_time_now());
    a_int(&a, p->last_sync);
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO peers (name, url, partner, token, config_json, created, "
                   "last_sync) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE "
                   "SET url = excluded.url, partner = excluded.partner, token = excluded.token, "
                   "config_json = excluded.config_json, last_sync = excluded.last_sync",
                   &a, NULL);
    return op_end(q, &o, rc);
}

static int
pgs_peer_get(struct sol_store *s, const char *name, struct sol_peer *out)
{
    memset(out, 0, sizeof *out);
    struct args a = {0};
    a_text(&a, name);
    return get_one(pg(s), PEER_SELECT "WHERE name = $1", &a, out, read_peer, peer_clear_v);
}

static int
pgs_peer_list(struct sol_store *s, struct sol_peer **out, size_t *n)
{
    return collect(pg(s), PEER_SELECT "ORDER BY name", NULL, sizeof **out, read_peer,
                   peer_list_free_v, (void **)out, n);
}

static int
pgs_peer_delete(struct sol_store *s, const char *name)
{
    struct args a = {0};
    a_text(&a, name);
    return update_by_id(pg(s), "DELETE FROM peers WHERE name = $1", &a);
}

/* ---- audit ---- */

static int
pgs_audit(struct sol_store *s, const char *actor, const char *action, const char *target,
          const char *details_json)
{
    struct pg_store *q = pg(s);
    if (!actor || !action)
        return SOL_EINVAL;
    struct args a = {0};
    a_int(&a, sol_time_now());
    a_text(&a, actor);
    a_text(&a, action);
    a_text(&a, target);
    a_text(&a, details_json);
    struct op o;
    int rc = op_begin(q, &o, false);
    if (rc == 0)
        rc = pg_do(q,
                   "INSERT INTO audit (at, actor, action, target, details) "
                   "VALUES ($1, $2, $3, $4, $5)",
                   &a, NULL);
    return op_end(q, &o, rc);
}

static void
read_audit(const PGresult *res, int r, void *p, bool *oom)
{
    struct sol_audit_entry *e = p;
    e->seq = col_i64(res, r, 0);
    e->at = col_i64(res, r, 1);
    e->actor = col_dup(res, r, 2, oom);
    e->action = col_dup(res, r, 3, oom);
    e->target = col_dup(res, r, 4, oom);
    e->details = col_dup(res, r, 5, oom);
}

static void
audit_list_free_v(void *v, size_t n)
{
    sol_audit_list_free(v, n);
}

static int
pgs_audit_list(struct sol_store *s, int64_t after, size_t limit, struct sol_audit_entry **out,
               size_t *n)
{
    struct args a = {0};
    a_int(&a, after);
    if (limit)
        a_int(&a, (int64_t)limit);
    else
        a_null(&a);
    return collect(pg(s),
                   "SELECT seq, at, actor, action, target, details FROM audit "
                   "WHERE seq > $1 ORDER BY seq LIMIT $2::bigint",
                   &a, sizeof **out, read_audit, audit_list_free_v, (void **)out, n);
}

/* ---- store_pg.h: what `solidarity migrate` needs beyond the store interface ---- */

/* store_pg.h: whether s is a PostgreSQL store. */
bool
sol__store_is_pg(struct sol_store *s)
{
    return s && s->ops == &sol__store_pg_ops;
}

/* store_pg.h: whether every table of the schema is empty. */
int
sol__pg_is_empty(struct sol_store *s, bool *empty)
{
    struct pg_store *q = pg(s);
    struct sol_buf sql;
    sol_buf_init(&sql);
    sol_buf_puts(&sql, "SELECT ");
    for (int i = 0; i < sol__schema_table_count; i++)
        sol_buf_printf(&sql, "%sEXISTS (SELECT 1 FROM %s)", i ? " OR " : "",
                       sol__schema_tables[i].name);
    if (sql.oom) {
        sol_buf_free(&sql);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    int rc = 0;
    PGresult *res = pg_run(q, sql.p, NULL, &rc);
    sol_buf_free(&sql);
    if (!res)
        return rc;
    *empty = !col_bool(res, 0, 0);
    PQclear(res);
    return 0;
}

/* store_pg.h: drop the schema and create it anew (the audit log's trigger cannot stop it). */
int
sol__pg_reset(struct sol_store *s)
{
    struct pg_store *q = pg(s);
    int rc = pg_exec(q, sol__schema_teardown_pg);
    for (size_t i = 0; i < q->n_cache; i++)
        sol_free(q->cache[i].sql);
    q->n_cache = 0;
    if (rc == 0)
        rc = pg_exec(q, "DEALLOCATE ALL");
    if (rc != 0)
        return rc;
    struct sol_error err;
    rc = migrate(q, &err);
    if (rc != 0)
        return pg_msg(q, rc, err.msg);
    return 0;
}

/* store_pg.h: start COPY of rows into table (columns: a comma-separated list). */
int
sol__pg_copy_begin(struct sol_store *s, const char *table, const char *columns)
{
    struct pg_store *q = pg(s);
    char sql[1024];
    snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", table, columns);
    PGresult *res = PQexec(q->conn, sql);
    int rc = res && PQresultStatus(res) == PGRES_COPY_IN ? 0 : pg_fail(q, res);
    PQclear(res);
    if (rc == 0)
        q->in_copy = true;
    return rc;
}

/* store_pg.h: one row of the COPY: n values, NULL for SQL NULL (text format escaping). */
int
sol__pg_copy_row(struct sol_store *s, const char *const *values, const size_t *lengths, size_t n)
{
    struct pg_store *q = pg(s);
    struct sol_buf line;
    sol_buf_init(&line);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sol_buf_putc(&line, '\t');
        if (!values[i]) {
            sol_buf_puts(&line, "\\N");
            continue;
        }
        const char *v = values[i];
        for (size_t k = 0; k < lengths[i]; k++) {
            switch (v[k]) {
            case '\\':
                sol_buf_puts(&line, "\\\\");
                break;
            case '\t':
                sol_buf_puts(&line, "\\t");
                break;
            case '\n':
                sol_buf_puts(&line, "\\n");
                break;
            case '\r':
                sol_buf_puts(&line, "\\r");
                break;
            default:
                sol_buf_putc(&line, v[k]);
            }
        }
    }
    sol_buf_putc(&line, '\n');
    int rc = 0;
    if (line.oom)
        rc = pg_msg(q, SOL_ENOMEM, "out of memory");
    else if (PQputCopyData(q->conn, line.p, (int)line.n) != 1)
        rc = pg_fail(q, NULL);
    sol_buf_free(&line);
    return rc;
}

/* store_pg.h: end the COPY (abort it when rc is not 0); returns the first error. */
int
sol__pg_copy_end(struct sol_store *s, int rc)
{
    struct pg_store *q = pg(s);
    if (!q->in_copy)
        return rc ? rc : SOL_EINVAL;
    q->in_copy = false;
    if (PQputCopyEnd(q->conn, rc ? "aborted by the caller" : NULL) != 1 && rc == 0)
        rc = pg_fail(q, NULL);
    PGresult *res;
    while ((res = PQgetResult(q->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
            rc = pg_fail(q, res);
        PQclear(res);
    }
    return rc;
}

/*
 * store_pg.h: after rows were copied with their ids, move each identity sequence past
 * the highest id, and each collection's last_date_added up to its newest object.
 */
int
sol__pg_restore_finish(struct sol_store *s)
{
    static const char *const ids[][2] = {
        {"collections", "key"}, {"objects", "seq"}, {"partners", "id"}, {"users", "id"},
        {"tokens", "id"},       {"peers", "id"},    {"audit", "seq"},
    };
    struct pg_store *q = pg(s);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
                 "coalesce((SELECT max(%s) FROM %s), 0) + 1, false)",
                 ids[i][0], ids[i][1], ids[i][1], ids[i][0]);
        int rc = pg_exec(q, sql);
        if (rc != 0)
            return rc;
    }
    return pg_exec(q, "UPDATE collections c SET last_date_added = greatest(c.last_date_added, "
                      "coalesce((SELECT max(o.date_added) FROM objects o "
                      "WHERE o.collection = c.key), 0))");
}

/* store_pg.h: run a query and hand each row to fn (values as text, NULL for NULL). */
int
sol__pg_each_row(struct sol_store *s, const char *sql,
                 int (*fn)(void *arg, int ncols, const char *const *values, const int *lengths),
                 void *arg)
{
    struct pg_store *q = pg(s);
    int rc = 0;
    PGresult *res = pg_run(q, sql, NULL, &rc);
    if (!res)
        return rc;
    int cols = PQnfields(res), rows = PQntuples(res);
    const char **v = sol_calloc((size_t)cols + 1, sizeof *v);
    int *len = sol_calloc((size_t)cols + 1, sizeof *len);
    if (!v || !len)
        rc = pg_msg(q, SOL_ENOMEM, "out of memory");
    for (int r = 0; r < rows && rc == 0; r++) {
        for (int c = 0; c < cols; c++) {
            v[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
            len[c] = PQgetlength(res, r, c);
        }
        rc = fn ? fn(arg, cols, v, len) : 0;
    }
    sol_free(v);
    sol_free(len);
    PQclear(res);
    return rc;
}

/*
 * store_pg.h: the SQL a cursor for f runs for its first chunk (limit: f->limit, else the
 * chunk size), and its parameters as "N=value" lines, for benchmarks and EXPLAIN.
 */
int
sol__pg_filter_sql(struct sol_store *s, const struct sol_object_filter *f, struct sol_buf *sql,
                   struct sol_buf *params)
{
    if (!f || !f->collection)
        return SOL_EINVAL;
    int64_t key;
    struct sol__query b;
    int rc = collection_key(pg(s), f->collection, &key);
    if (rc == 0)
        rc = sol__filter_sql(&pg_dialect, f, key, SOL__FILTER_QUERY, &b);
    if (rc != 0)
        return rc;
    sol_buf_puts(sql, b.sql.p);
    for (int i = 0; i < b.n_params; i++) {
        if (b.params[i].type == SOL__TEXT)
            sol_buf_printf(params, "%d=%s\n", i + 1, b.params[i].p);
        else
            sol_buf_printf(params, "%d=%" PRId64 "\n", i + 1, b.params[i].i);
    }
    rc = sql->oom || params->oom ? SOL_ENOMEM : 0;
    sol__query_free(&b);
    return rc;
}

/* store_pg.h: the statement of one add, for benchmarks. */
const char *
sol__pg_add_sql(void)
{
    return ADD_SQL;
}

const struct sol__store_ops sol__store_pg_ops = {
    .name = "postgresql",
    .exists = pgs_exists,
    .open = pgs_open,
    .close = pgs_close,
    .errmsg = pgs_errmsg,
    .schema_version = pgs_schema_version,
    .begin = pgs_begin,
    .commit = pgs_commit,
    .rollback = pgs_rollback,
    .setting_get = pgs_setting_get,
    .setting_set = pgs_setting_set,
    .api_root_put = pgs_api_root_put,
    .api_root_get = pgs_api_root_get,
    .api_root_list = pgs_api_root_list,
    .api_root_delete = pgs_api_root_delete,
    .collection_put = pgs_collection_put,
    .collection_get = pgs_collection_get,
    .collection_list = pgs_collection_list,
    .collection_delete = pgs_collection_delete,
    .collection_count = pgs_collection_count,
    .object_add = pgs_object_add,
    .objects_query = pgs_objects_query,
    .cursor_next = pgs_cursor_next,
    .cursor_close = pgs_cursor_close,
    .objects_delete = pgs_objects_delete,
    .status_put = pgs_status_put,
    .status_get = pgs_status_get,
    .status_expire = pgs_status_expire,
    .partner_add = pgs_partner_add,
    .partner_get = pgs_partner_get,
    .partner_get_by_id = pgs_partner_get_by_id,
    .partner_list = pgs_partner_list,
    .partner_delete = pgs_partner_delete,
    .user_add = pgs_user_add,
    .user_get = pgs_user_get,
    .user_get_by_id = pgs_user_get_by_id,
    .user_list = pgs_user_list,
    .user_update = pgs_user_update,
    .user_delete = pgs_user_delete,
    .token_add = pgs_token_add,
    .token_find = pgs_token_find,
    .token_list = pgs_token_list,
    .token_revoke = pgs_token_revoke,
    .token_touch = pgs_token_touch,
    .grant_add = pgs_grant_add,
    .grant_remove = pgs_grant_remove,
    .grant_check = pgs_grant_check,
    .grant_list = pgs_grant_list,
    .peer_put = pgs_peer_put,
    .peer_get = pgs_peer_get,
    .peer_list = pgs_peer_list,
    .peer_delete = pgs_peer_delete,
    .audit = pgs_audit,
    .audit_list = pgs_audit_list,
};
