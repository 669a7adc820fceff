/*
 * store_pg.c — the PostgreSQL backend of the store ("postgresql://..." or "postgres://...",
 * any libpq connection URI), for nodes that outgrow one machine: several `solidarity
 * serve` processes on several machines share one database and behave as one node. A
 * driver for the shared SQL of store.c and filter.c (store/store.h), and its own
 * object_add.
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
 * sol_store_begin() takes a transaction-level advisory lock, the counterpart of
 * SQLite's one write lock (store.h: begin takes the write lock at once): transactions
 * that read then write stay serialised across processes. Writes outside a transaction
 * lock only the rows they touch.
 *
 * Transactions: inside sol_store_begin() ... sol_store_commit(), an operation that fails
 * is rolled back to a savepoint taken before it (the dialect asks sql.c for one), so
 * that (as with SQLite) one failed statement does not doom the caller's transaction.
 * object_add skips the savepoint (it is the bulk path; the only errors it can meet are
 * the database's own failures).
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "store/store.h"
#include "store/store_pg.h"

#define CACHE_SIZE 128
/*
 * After a commit, when this handle has added that many object versions since it last
 * did, refresh the planner's statistics of objects: a bulk import into a fresh store
 * would otherwise leave page queries planned for an empty table until autovacuum's next
 * round (it costs a sample of 30000 rows, ~0.1 s, once per this many additions).
 */
#define ANALYZE_AFTER 50000
#define CURSOR_CHUNK  500
/* Transaction-level advisory locks: the schema migration lock ("solida") and the write
 * lock of sol_store_begin() ("solwr"). */
#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(126922397410401)"
#define WRITE_LOCK     "SELECT pg_advisory_xact_lock(126922397415282)"

/* The database server's clock in microseconds since 1970. */
#define NOW_US "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

struct cached_stmt {
    char *sql;           /* as the caller wrote it */
    const char *literal; /* the caller's string when it is a literal, else NULL */
    char name[16];
};

struct pg_store {
    struct sol_store base;
    PGconn *conn;
    bool in_copy;
    struct sol_buf copy_line;    /* a row of a COPY being written */
    int64_t added_since_analyze; /* object versions this handle added (ANALYZE_AFTER) */
    struct cached_stmt cache[CACHE_SIZE];
    size_t n_cache;
    unsigned next_name;
};

static struct pg_store *
pg(struct sol_store *s)
{
    return (struct pg_store *)s;
}

/* ---- parameters of this file's own statements ---- */

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
    return sol__store_fail(&q->base, code, "%s", msg);
}

/* Remember the server's message of a failed result and map its SQLSTATE to SOL_E*. */
static int
pg_fail(struct pg_store *q, const PGresult *res)
{
    char *m = q->base.errmsg;
    size_t cap = sizeof q->base.errmsg;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (primary)
        snprintf(m, cap, "%s", primary);
    else {
        snprintf(m, cap, "%s", q->conn ? PQerrorMessage(q->conn) : "");
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
            m[--n] = 0;
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

/* sql with the shared SQL's ?N parameters written $N (quoted text left alone). */
static char *
dollar_params(const char *sql)
{
    char *out = sol_strdup(sql);
    bool quoted = false;
    for (char *p = out; p && *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9')
            *p = '$';
    }
    return out;
}

/*
 * The prepared statement of sql (the caller's text, ?N or $N), preparing it on first
 * use; *name NULL (and *text the statement to run unnamed, owned by the caller) when the
 * cache is full or flags say SOL__ONCE.
 */
static int
stmt_name(struct pg_store *q, const char *sql, unsigned flags, const char **name, char **text)
{
    *name = NULL;
    *text = NULL;
    for (size_t i = 0; i < q->n_cache && (flags & SOL__LITERAL); i++) {
        if (q->cache[i].literal == sql) {
            *name = q->cache[i].name;
            return 0;
        }
    }
    for (size_t i = 0; i < q->n_cache && !(flags & SOL__ONCE); i++) {
        if (strcmp(q->cache[i].sql, sql) == 0) {
            if (flags & SOL__LITERAL)
                q->cache[i].literal = sql;
            *name = q->cache[i].name;
            return 0;
        }
    }
    char *converted = dollar_params(sql);
    if (!converted)
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    if (q->n_cache == CACHE_SIZE || (flags & SOL__ONCE)) {
        *text = converted;
        return 0;
    }
    struct cached_stmt *c = &q->cache[q->n_cache];
    c->sql = sol_strdup(sql);
    if (!c->sql) {
        sol_free(converted);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    c->literal = flags & SOL__LITERAL ? sql : NULL;
    snprintf(c->name, sizeof c->name, "sol%u", q->next_name++);
    PGresult *res = PQprepare(q->conn, c->name, converted, 0, NULL);
    sol_free(converted);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = pg_fail(q, res);
        PQclear(res);
        sol_free(c->sql);
        c->sql = NULL;
        return rc;
    }
    PQclear(res);
    q->n_cache++;
    *name = c->name;
    return 0;
}

/* The result of a run; NULL with *rc set when the server refused it. */
static PGresult *
checked(struct pg_store *q, PGresult *res, int *rc)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        *rc = pg_fail(q, res);
        PQclear(res);
        return NULL;
    }
    return res;
}

/*
 * Run sql ($N parameters) with this file's own parameters through the statement cache
 * (flags as the driver's prepare takes them). Returns the result (the caller PQclear()s
 * it) or NULL with *rc set.
 */
static PGresult *
pg_run(struct pg_store *q, const char *sql, unsigned flags, const struct args *a, int *rc)
{
    static const struct args none;
    if (!a)
        a = &none;
    const char *name;
    char *text;
    *rc = stmt_name(q, sql, flags, &name, &text);
    if (*rc != 0)
        return NULL;
    PGresult *res = name ? PQexecPrepared(q->conn, name, a->n, a->v, a->len, a->fmt, 0)
                         : PQexecParams(q->conn, text, a->n, NULL, a->v, a->len, a->fmt, 0);
    sol_free(text);
    return checked(q, res, rc);
}

static int64_t
col_i64(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? 0 : strtoll(PQgetvalue(res, r, c), NULL, 10);
}

/* ---- the driver (store.h) ---- */

/* A statement: its parameters until it runs, then its rows, all in memory. */
struct sol__stmt {
    struct pg_store *q;
    const char *name; /* the prepared statement's, or NULL: text runs unnamed */
    char *text;
    int n, cap; /* parameters bound, room for them */
    const char **v;
    int *len, *fmt;
    char (*num)[24]; /* the digits of integer parameters */
    bool *is_num;    /* v[i] is num[i] (set again before a run: num may have moved) */
    PGresult *res;
    int row, rows;
    bool ran;
    int64_t changes;
    uint8_t *blob; /* a bytea column decoded */
    size_t blob_cap;
};

static int
pgs_exec(struct sol_store *s, const char *sql)
{
    return pg_exec(pg(s), sql);
}

static int
pgs_prepare(struct sol_store *s, const char *sql, unsigned flags, struct sol__stmt **out)
{
    struct pg_store *q = pg(s);
    *out = NULL;
    struct sol__stmt *h = sol_calloc(1, sizeof *h);
    if (!h)
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    h->q = q;
    int rc = stmt_name(q, sql, flags, &h->name, &h->text);
    if (rc != 0) {
        sol_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

static int
pgs_bind(struct sol__stmt *h, int i, const struct sol__value *v)
{
    if (i > h->cap) {
        int ncap = i < 16 ? 16 : i * 2;
        const char **nv = sol_realloc(h->v, (size_t)ncap * sizeof *nv);
        if (nv)
            h->v = nv;
        int *nl = sol_realloc(h->len, (size_t)ncap * sizeof *nl);
        if (nl)
            h->len = nl;
        int *nf = sol_realloc(h->fmt, (size_t)ncap * sizeof *nf);
        if (nf)
            h->fmt = nf;
        char(*nn)[24] = sol_realloc(h->num, (size_t)ncap * sizeof *nn);
        if (nn)
            h->num = nn;
        bool *ni = sol_realloc(h->is_num, (size_t)ncap * sizeof *ni);
        if (ni)
            h->is_num = ni;
        if (!nv || !nl || !nf || !nn || !ni)
            return pg_msg(h->q, SOL_ENOMEM, "out of memory");
        h->cap = ncap;
    }
    for (; h->n < i; h->n++) { /* parameters skipped are NULL */
        h->v[h->n] = NULL;
        h->len[h->n] = h->fmt[h->n] = 0;
        h->is_num[h->n] = false;
    }
    int k = i - 1;
    h->len[k] = h->fmt[k] = 0;
    h->is_num[k] = v->type == SOL__INT;
    switch (v->type) {
    case SOL__INT:
        snprintf(h->num[k], sizeof h->num[k], "%" PRId64, v->i);
        break;
    case SOL__BOOL:
        h->v[k] = v->i ? "t" : "f";
        break;
    case SOL__TEXT:
    case SOL__BLOB:
        h->v[k] = v->p ? v->p : "";
        h->len[k] = (int)v->n;
        h->fmt[k] = 1;
        break;
    default:
        h->v[k] = NULL;
        break;
    }
    return 0;
}

static int
pgs_step(struct sol__stmt *h)
{
    if (!h->ran) {
        struct pg_store *q = h->q;
        for (int k = 0; k < h->n; k++)
            if (h->is_num[k])
                h->v[k] = h->num[k];
        PGresult *res = h->name
                            ? PQexecPrepared(q->conn, h->name, h->n, h->v, h->len, h->fmt, 0)
                            : PQexecParams(q->conn, h->text, h->n, NULL, h->v, h->len, h->fmt, 0);
        int rc = 0;
        h->res = checked(q, res, &rc);
        if (!h->res)
            return rc;
        h->ran = true;
        h->rows = PQntuples(h->res);
        h->row = -1;
        const char *t = PQcmdTuples(h->res);
        h->changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    return ++h->row < h->rows ? SOL__ROW : SOL__DONE;
}

static int
hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* bytea's hex form (\x0a1b...) decoded into the statement's scratch; {NULL, 0} if not. */
static struct sol_str
bytea(struct sol__stmt *h, const char *t, size_t n)
{
    if (n < 2 || t[0] != '\\' || t[1] != 'x' || n % 2)
        return (struct sol_str){NULL, 0};
    size_t bytes = (n - 2) / 2;
    if (bytes > h->blob_cap) {
        uint8_t *nb = sol_realloc(h->blob, bytes);
        if (!nb)
            return (struct sol_str){NULL, 0};
        h->blob = nb;
        h->blob_cap = bytes;
    }
    for (size_t k = 0; k < bytes; k++) {
        int hi = hex_digit(t[2 + 2 * k]), lo = hex_digit(t[3 + 2 * k]);
        h->blob[k] = (uint8_t)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
    }
    return (struct sol_str){(const char *)h->blob, bytes};
}

static void
pgs_columns(struct sol__stmt *h, int first, int n, const struct sol__field *fields, void *rec)
{
    for (int k = 0; k < n; k++) {
        int i = first + k;
        char *at = (char *)rec + fields[k].offset;
        bool null = PQgetisnull(h->res, h->row, i);
        const char *t = PQgetvalue(h->res, h->row, i);
        size_t len = (size_t)PQgetlength(h->res, h->row, i);
        switch (fields[k].kind) {
        case SOL__F_I64:
            *(int64_t *)at = null ? 0 : strtoll(t, NULL, 10);
            break;
        case SOL__F_INT:
            *(int *)at = null ? 0 : (int)strtol(t, NULL, 10);
            break;
        case SOL__F_BOOL:
            *(bool *)at = !null && (t[0] == 't' || t[0] == '1');
            break;
        case SOL__F_STR:
            *(struct sol_str *)at = null ? (struct sol_str){NULL, 0} : (struct sol_str){t, len};
            break;
        default: /* SOL__F_BLOB */
            *(struct sol_str *)at = null ? (struct sol_str){NULL, 0} : bytea(h, t, len);
            break;
        }
    }
}

static int64_t
pgs_changes(struct sol__stmt *h)
{
    return h->changes;
}

static void
pgs_reset(struct sol__stmt *h)
{
    PQclear(h->res);
    h->res = NULL;
    h->ran = false;
    h->rows = h->row = 0;
}

static void
pgs_finish(struct sol__stmt *h)
{
    PQclear(h->res);
    sol_free(h->text);
    sol_free(h->v);
    sol_free(h->len);
    sol_free(h->fmt);
    sol_free(h->num);
    sol_free(h->is_num);
    sol_free(h->blob);
    sol_free(h);
}

/* ---- open and close ---- */

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
     * session's times and text are UTC and UTF-8 whatever the server's defaults, bytea
     * comes as hex. No JIT: a page query's estimated cost over a large collection
     * crosses jit_above_cost, and compiling it takes ~50 ms where running it takes ~1 ms.
     */
    rc = pg_exec(q, "SET lock_timeout = '15s'; SET client_encoding = 'UTF8'; "
                    "SET TIME ZONE 'UTC'; SET application_name = 'solidarity'; SET jit = off; "
                    "SET bytea_output = 'hex'");
    if (rc != 0) {
        sol_error_set(err, rc, "cannot set up the store's connection: %s", q->base.errmsg);
        pgs_close(&q->base);
        return rc;
    }
    rc = sol__schema_apply(&q->base, err);
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
    sol_buf_free(&q->copy_line);
    if (q->conn) {
        if (q->base.in_txn)
            PQclear(PQexec(q->conn, "ROLLBACK"));
        PQfinish(q->conn);
    }
    sol_free(q);
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
    int rc = pg_exec(q, "BEGIN; " WRITE_LOCK);
    if (rc != 0)
        PQclear(PQexec(q->conn, "ROLLBACK"));
    return rc;
}

static int
pgs_commit(struct sol_store *s)
{
    struct pg_store *q = pg(s);
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
    return pg_exec(pg(s), "ROLLBACK");
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

/* store.h: add one object version (arguments checked by store.c). */
static int
pgs_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
               bool *added, sol_time_t *date_added)
{
    struct pg_store *q = pg(s);
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
    PGresult *res = pg_run(q, ADD_SQL, SOL__LITERAL, &a, &rc);
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
                     SOL__LITERAL, &b, &rc);
        if (!res)
            return rc;
        *date_added = PQntuples(res) ? col_i64(res, 0, 0) : 0;
        PQclear(res);
        *added = false;
        return 0;
    }
    q->added_since_analyze++;
    *added = true;
    *date_added = da;
    return 0;
}

/* ---- bulk copy (store.h: sol_store_migrate()) ---- */

/* COPY rows into table (columns: "a, b, c"), inside the caller's transaction. */
static int
pgs_copy_begin(struct sol_store *s, const char *table, const char *columns)
{
    struct pg_store *q = pg(s);
    struct sol_buf sql;
    sol_buf_init(&sql);
    sol_buf_printf(&sql, "COPY %s (%s) FROM STDIN", table, columns);
    if (sql.oom) {
        sol_buf_free(&sql);
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    }
    PGresult *res = PQexec(q->conn, sql.p);
    sol_buf_free(&sql);
    int rc = res && PQresultStatus(res) == PGRES_COPY_IN ? 0 : pg_fail(q, res);
    PQclear(res);
    if (rc == 0)
        q->in_copy = true;
    return rc;
}

/* Append bytes to a COPY line, escaped as its text format wants. */
static void
copy_escaped(struct sol_buf *line, const char *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        switch (v[k]) {
        case '\\':
            sol_buf_puts(line, "\\\\");
            break;
        case '\t':
            sol_buf_puts(line, "\\t");
            break;
        case '\n':
            sol_buf_puts(line, "\\n");
            break;
        case '\r':
            sol_buf_puts(line, "\\r");
            break;
        default:
            sol_buf_putc(line, v[k]);
        }
    }
}

/* One row of the COPY: n values, in the text format (NULL as \N, bytea as \\x...). */
static int
pgs_copy_row(struct sol_store *s, const struct sol__value *v, int n)
{
    struct pg_store *q = pg(s);
    struct sol_buf *line = &q->copy_line;
    sol_buf_reset(line);
    for (int i = 0; i < n; i++) {
        if (i)
            sol_buf_putc(line, '\t');
        switch (v[i].type) {
        case SOL__INT:
            sol_buf_printf(line, "%" PRId64, v[i].i);
            break;
        case SOL__BOOL:
            sol_buf_putc(line, v[i].i ? 't' : 'f');
            break;
        case SOL__TEXT:
            copy_escaped(line, v[i].p, v[i].n);
            break;
        case SOL__BLOB:
            sol_buf_puts(line, "\\\\x");
            sol_hex_encode(line, v[i].p, v[i].n);
            break;
        default:
            sol_buf_puts(line, "\\N");
            break;
        }
    }
    sol_buf_putc(line, '\n');
    if (line->oom)
        return pg_msg(q, SOL_ENOMEM, "out of memory");
    return PQputCopyData(q->conn, line->p, (int)line->n) == 1 ? 0 : pg_fail(q, NULL);
}

/* End the COPY (abort it when rc is not 0); returns the first error. */
static int
pgs_copy_end(struct sol_store *s, int rc)
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

/* After rows came with their keys: the identity of table.column goes past the highest. */
static int
pgs_keys_restart(struct sol_store *s, const char *table, const char *column)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
             "coalesce((SELECT max(%s) FROM %s), 0) + 1, false)",
             table, column, column, table);
    return pg_exec(pg(s), sql);
}

/* store_pg.h: the statement of one add, for benchmarks. */
const char *
sol__pg_add_sql(void)
{
    return ADD_SQL;
}

/* PostgreSQL's SQL, for the shared builders (store.h). */
static const struct sol__sql_dialect pg_dialect = {
    .name = "postgresql",
    .param = '$',
    .true_sql = "true",
    .false_sql = "false",
    .strpos = "strpos",
    .index_hints = false,
    .row_lock = true,
    .latest_flag = false,
    .failed_statement_dooms_transaction = true,
    .chunk = CURSOR_CHUNK,
    .begin_sql = "BEGIN",
    .schema_begin_sql = "BEGIN; " MIGRATION_LOCK,
    .snapshot_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .analyze_sql = "ANALYZE",
    .migrations = sol__schema_pg,
    .teardown_sql = sol__schema_teardown_pg,
};

const struct sol__store_ops sol__store_pg_ops = {
    .name = "postgresql",
    .dialect = &pg_dialect,
    .exists = pgs_exists,
    .open = pgs_open,
    .close = pgs_close,
    .exec = pgs_exec,
    .prepare = pgs_prepare,
    .bind = pgs_bind,
    .step = pgs_step,
    .columns = pgs_columns,
    .changes = pgs_changes,
    .reset = pgs_reset,
    .finish = pgs_finish,
    .begin = pgs_begin,
    .commit = pgs_commit,
    .rollback = pgs_rollback,
    .object_add = pgs_object_add,
    .copy_begin = pgs_copy_begin,
    .copy_row = pgs_copy_row,
    .copy_end = pgs_copy_end,
    .keys_restart = pgs_keys_restart,
};
