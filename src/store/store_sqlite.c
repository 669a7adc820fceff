/*
 * store_sqlite.c — the SQLite backend of the store (the default): a driver for the
 * shared SQL of store.c and filter.c (store/store.h), and its own object_add.
 *
 * One database file, DIR/store.db, in WAL mode: readers never block the writer nor each
 * other; writers (threads with their own handles, or other processes) queue on the
 * write lock, waiting up to BUSY_TIMEOUT_MS.
 *
 * Durability: synchronous=FULL. In WAL mode NORMAL syncs only at checkpoints, which
 * keeps every commit safe against a killed process (the WAL is in the OS's page cache)
 * but not against a power loss or a kernel crash: the last commits before it can
 * vanish. An acknowledged write must never be lost, so every commit fsyncs
 * the WAL before it returns. The cost is one fsync per transaction, which the bulk
 * paths amortise by batching (ingest.h: 1000 objects per commit for import).
 *
 * date_added: each add runs inside a write transaction taken with BEGIN IMMEDIATE (the
 * database's write lock), reads the collection's last_date_added and writes
 * max(now, last + 1 µs). Being under the lock, it is strictly increasing per collection
 * across threads and processes, whatever the clock does; the UNIQUE index on
 * (collection, date_added) makes it an invariant the database enforces too.
 *
 * Statements are prepared once per handle and kept in a small cache keyed by their SQL
 * text (queries built from filters included: the same shape of filter reuses its plan).
 * A statement handed out by the driver is held (busy) until it is finished.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 15000
#define CACHE_SIZE      64

struct sq_store;

/* A statement of the driver (store.h's struct sol__stmt). */
struct sol__stmt {
    struct sq_store *q;
    sqlite3_stmt *st;
    int64_t changes; /* of its last run */
    bool own;        /* not in the cache: finalized when finished */
};

struct cached_stmt {
    char *sql;
    const char *literal; /* the caller's string when it is a literal, else NULL */
    uint64_t hash;       /* of sql */
    sqlite3_stmt *st;
    bool busy;             /* handed out by the driver, not finished yet */
    struct sol__stmt held; /* the driver's handle of it, while busy */
};

struct sq_store {
    struct sol_store base;
    sqlite3 *db;
    struct cached_stmt cache[CACHE_SIZE];
    size_t n_cache, evict_next;
    /*
     * Inside a write transaction, the collection last added to: its last_date_added
     * and default TLP, read once and written back once at commit (no other writer
     * can change them while this one holds the write lock).
     */
    struct {
        char *id;
        int64_t key;
        sol_time_t last;
        int default_tlp;
        bool dirty;
    } txc;
};

static struct sq_store *
sq(struct sol_store *s)
{
    return (struct sq_store *)s;
}

/* Remember the database's message and map a SQLite result code to a SOL_E* code. */
static int
sq_fail(struct sq_store *q, int rc)
{
    snprintf(q->base.errmsg, sizeof q->base.errmsg, "%s",
             q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SOL_EBUSY;
    case SQLITE_NOMEM:
        return SOL_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
        return SOL_EIO;
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            return SOL_EEXISTS;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return SOL_ENOTFOUND;
        case SQLITE_CONSTRAINT_CHECK:
        case SQLITE_CONSTRAINT_NOTNULL:
            return SOL_EINVAL;
        default:
            return SOL_ECONFLICT;
        }
    default:
        return SOL_ESTORE;
    }
}

static int
sq_exec(struct sq_store *q, const char *sql)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_fail(q, rc);
}

/* To find a statement in the cache without comparing long SQL texts (a page's is ~1.5 kB). */
static uint64_t
sql_hash(const char *s)
{
    return XXH3_64bits(s, strlen(s));
}

/* The cache slot holding sql (reset, bindings cleared), or -1. */
static int
cache_find(struct sq_store *q, const char *sql, const char *literal)
{
    if (literal) {
        for (size_t i = 0; i < q->n_cache; i++) {
            struct cached_stmt *c = &q->cache[i];
            if (c->literal == literal && !c->busy)
                return (int)i;
        }
    }
    uint64_t h = sql_hash(sql);
    for (size_t i = 0; i < q->n_cache; i++) {
        struct cached_stmt *c = &q->cache[i];
        if (!c->busy && c->hash == h && strcmp(c->sql, sql) == 0) {
            if (literal)
                c->literal = literal;
            return (int)i;
        }
    }
    return -1;
}

/*
 * A prepared statement for sql, reset and with its bindings cleared: from the cache
 * (prepared and put there on first use; *slot its place), or, when cache is false or
 * every slot is held, prepared for this use only (*slot -1). literal is sql itself when
 * sql is a string literal, whose address then identifies it on later calls.
 */
static int
prep_slot(struct sq_store *q, const char *sql, const char *literal, bool cache, sqlite3_stmt **out,
          int *slot)
{
    *out = NULL;
    *slot = cache ? cache_find(q, sql, literal) : -1;
    if (*slot >= 0) {
        *out = q->cache[*slot].st;
        sqlite3_reset(*out);
        sqlite3_clear_bindings(*out);
        return 0;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(q->db, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc);
    *out = st;
    if (!cache)
        return 0;
    char *copy = sol_strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        *out = NULL;
        return sol__store_fail(&q->base, SOL_ENOMEM, "out of memory");
    }
    struct cached_stmt *c = NULL;
    if (q->n_cache < CACHE_SIZE) {
        c = &q->cache[q->n_cache++];
    } else {
        for (size_t k = 0; k < CACHE_SIZE && !c; k++) {
            struct cached_stmt *e = &q->cache[(q->evict_next + k) % CACHE_SIZE];
            if (!e->busy)
                c = e;
        }
        q->evict_next = (q->evict_next + 1) % CACHE_SIZE;
        if (!c) { /* every slot held: not cached, finalized after its use */
            sol_free(copy);
            return 0;
        }
        sqlite3_finalize(c->st);
        sol_free(c->sql);
    }
    *c = (struct cached_stmt){
        .sql = copy, .literal = literal, .hash = sql_hash(sql), .st = st, .busy = false};
    *slot = (int)(c - q->cache);
    return 0;
}

/* A cached statement for a string literal, for this file's own use; NULL on failure. */
static sqlite3_stmt *
prep(struct sq_store *q, const char *sql)
{
    sqlite3_stmt *st;
    int slot;
    return prep_slot(q, sql, sql, true, &st, &slot) == 0 ? st : NULL;
}

/* Give back a statement from prep(). */
static void
done(struct sq_store *q, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < q->n_cache; i++) {
        if (q->cache[i].st == st) {
            sqlite3_reset(st);
            return;
        }
    }
    sqlite3_finalize(st);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int
bind_str(sqlite3_stmt *st, int i, struct sol_str s)
{
    return s.p ? sqlite3_bind_text(st, i, s.p, (int)s.n, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows (or whose rows do not matter). */
static int
step_done(struct sq_store *q, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int r = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : sq_fail(q, rc);
    done(q, st);
    return r;
}

/* ---- the driver (store.h) ---- */

static int
sq_exec_v(struct sol_store *s, const char *sql)
{
    return sq_exec(sq(s), sql);
}

static int
sq_prepare(struct sol_store *s, const char *sql, unsigned flags, struct sol__stmt **out)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st;
    int slot;
    *out = NULL;
    int rc = prep_slot(q, sql, flags & SOL__LITERAL ? sql : NULL, !(flags & SOL__ONCE), &st, &slot);
    if (rc != 0)
        return rc;
    struct sol__stmt *h;
    if (slot >= 0) {
        q->cache[slot].busy = true;
        h = &q->cache[slot].held;
    } else if (!(h = sol_malloc(sizeof *h))) {
        sqlite3_finalize(st);
        return sol__store_fail(s, SOL_ENOMEM, "out of memory");
    }
    *h = (struct sol__stmt){.q = q, .st = st, .own = slot < 0};
    *out = h;
    return 0;
}

static int
sq_bind(struct sol__stmt *h, int i, const struct sol__value *v)
{
    int rc;
    switch (v->type) {
    case SOL__INT:
    case SOL__BOOL:
        rc = sqlite3_bind_int64(h->st, i, v->i);
        break;
    case SOL__TEXT:
        rc = sqlite3_bind_text(h->st, i, v->p ? v->p : "", (int)v->n, SQLITE_STATIC);
        break;
    case SOL__BLOB:
        rc = sqlite3_bind_blob(h->st, i, v->p, (int)v->n, SQLITE_STATIC);
        break;
    default:
        rc = sqlite3_bind_null(h->st, i);
        break;
    }
    return rc == SQLITE_OK ? 0 : sq_fail(h->q, rc);
}

static int
sq_step(struct sol__stmt *h)
{
    int rc = sqlite3_step(h->st);
    if (rc == SQLITE_ROW)
        return SOL__ROW;
    if (rc == SQLITE_DONE) {
        h->changes = sqlite3_changes64(h->q->db);
        return SOL__DONE;
    }
    return sq_fail(h->q, rc);
}

static void
sq_columns(struct sol__stmt *h, int first, int n, const struct sol__field *fields, void *rec)
{
    for (int k = 0; k < n; k++) {
        int i = first + k;
        char *at = (char *)rec + fields[k].offset;
        switch (fields[k].kind) {
        case SOL__F_I64:
            *(int64_t *)at = sqlite3_column_int64(h->st, i);
            break;
        case SOL__F_INT:
            *(int *)at = sqlite3_column_int(h->st, i);
            break;
        case SOL__F_BOOL:
            *(bool *)at = sqlite3_column_int(h->st, i) != 0;
            break;
        case SOL__F_STR: {
            struct sol_str *v = (struct sol_str *)at;
            v->p = (const char *)sqlite3_column_text(h->st, i);
            v->n = v->p ? (size_t)sqlite3_column_bytes(h->st, i) : 0;
            break;
        }
        default: { /* SOL__F_BLOB */
            struct sol_str *v = (struct sol_str *)at;
            v->p = sqlite3_column_blob(h->st, i);
            v->n = v->p ? (size_t)sqlite3_column_bytes(h->st, i) : 0;
            break;
        }
        }
    }
}

static int64_t
sq_changes(struct sol__stmt *h)
{
    return h->changes;
}

static void
sq_reset(struct sol__stmt *h)
{
    sqlite3_reset(h->st);
}

static void
sq_finish(struct sol__stmt *h)
{
    if (h->own) {
        sqlite3_finalize(h->st);
        sol_free(h);
        return;
    }
    sqlite3_reset(h->st);
    struct cached_stmt *c = (struct cached_stmt *)((char *)h - offsetof(struct cached_stmt, held));
    c->busy = false;
}

/* store.h: token_touch's bookkeeping write must not wait for the write lock. */
static void
sq_lock_wait(struct sol_store *s, bool wait)
{
    sqlite3_busy_timeout(sq(s)->db, wait ? BUSY_TIMEOUT_MS : 0);
}

/* ---- transactions ---- */

static void
txc_forget(struct sq_store *q)
{
    sol_free(q->txc.id);
    memset(&q->txc, 0, sizeof q->txc);
}

/* Write the cached last_date_added back (before a commit, or before switching collection). */
static int
txc_flush(struct sq_store *q)
{
    if (!q->txc.dirty)
        return 0;
    sqlite3_stmt *st = prep(q, "UPDATE collections SET last_date_added = ?2 WHERE key = ?1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, q->txc.key);
    sqlite3_bind_int64(st, 2, q->txc.last);
    int rc = step_done(q, st);
    if (rc == 0)
        q->txc.dirty = false;
    return rc;
}

/* COMMIT, with the cached collection state written first; ROLLBACK when that fails. */
static int
commit_txn(struct sq_store *q)
{
    int rc = txc_flush(q);
    if (rc == 0)
        rc = sq_exec(q, "COMMIT");
    if (rc != 0)
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    txc_forget(q);
    return rc;
}

/*
 * An object add outside sol_store_begin() takes the write lock itself and commits
 * before returning; inside one, it joins it.
 */
static int
wbegin(struct sq_store *q, bool *own)
{
    *own = !q->base.in_txn;
    return *own ? sq_exec(q, "BEGIN IMMEDIATE") : 0;
}

static int
wend(struct sq_store *q, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc == 0)
        return commit_txn(q);
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    txc_forget(q);
    return rc;
}

/* store.h: sol_store_begin() takes the database's write lock at once. */
static int
sq_begin(struct sol_store *s)
{
    return sq_exec(sq(s), "BEGIN IMMEDIATE");
}

static int
sq_commit(struct sol_store *s)
{
    return commit_txn(sq(s));
}

static int
sq_rollback(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    txc_forget(q);
    return sq_exec(q, "ROLLBACK");
}

/* ---- open and close ---- */

/* The database file of a location: "sqlite:DIR", "sqlite-file:PATH" or DIR. */
static char *
db_path(const char *location)
{
    if (strncmp(location, "sqlite-file:", 12) == 0)
        return sol_strdup(location + 12);
    if (strncmp(location, "sqlite:", 7) == 0)
        location += 7;
    size_t n = strlen(location) + sizeof "/store.db";
    char *p = sol_malloc(n);
    if (p)
        snprintf(p, n, "%s/store.db", location);
    return p;
}

static bool
sq_exists(const char *location)
{
    char *path = db_path(location);
    struct stat sb;
    bool r = path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    sol_free(path);
    return r;
}

static void sq_close(struct sol_store *s);

static int
sq_open(const char *location, struct sol_store **out, struct sol_error *err)
{
    struct sq_store *q = sol_calloc(1, sizeof *q);
    char *path = db_path(location);
    if (!q || !path) {
        sol_free(q);
        sol_free(path);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    q->base.ops = &sol__store_sqlite_ops;
    int rc = sqlite3_open_v2(path, &q->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK) {
        int code = sq_fail(q, rc);
        sol_error_set(err, code, "%s: cannot open the store: %s", path, q->base.errmsg);
        sol_free(path);
        sq_close(&q->base);
        return code;
    }
    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(q->db, 1);
    int r = sq_exec(q, "PRAGMA journal_mode = WAL");
    if (r == 0)
        r = sq_exec(q, "PRAGMA synchronous = FULL");
    if (r == 0)
        r = sq_exec(q, "PRAGMA foreign_keys = ON");
    if (r != 0) {
        sol_error_set(err, r, "%s: cannot set up the store: %s", path, q->base.errmsg);
        sol_free(path);
        sq_close(&q->base);
        return r;
    }
    r = sol__schema_apply(&q->base, err);
    if (r != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        if (err)
            sol_error_set(err, r, "%s: %s", path, msg);
        sol_free(path);
        sq_close(&q->base);
        return r;
    }
    sol_free(path);
    *out = &q->base;
    return 0;
}

static void
sq_close(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    for (size_t i = 0; i < q->n_cache; i++) {
        sqlite3_finalize(q->cache[i].st);
        sol_free(q->cache[i].sql);
    }
    if (q->db) {
        if (q->base.in_txn)
            sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(q->db);
    }
    txc_forget(q);
    sol_free(q);
}

/* store.h: the directory of the database file. */
static int
sq_dir(struct sol_store *s, struct sol_buf *out)
{
    const char *file = sqlite3_db_filename(sq(s)->db, "main");
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (!file || !*file)
        return SOL_EUNSUPPORTED; /* an in-memory database */
    if (slash)
        sol_buf_append(out, file, slash == file ? 1 : (size_t)(slash - file));
    else
        sol_buf_putc(out, '.');
    return out->oom ? SOL_ENOMEM : 0;
}

/* ---- objects ---- */

/* The date_added of a version already held, into *found; 0 when it is not there. */
static int
find_version(struct sq_store *q, int64_t collection, const struct sol_object_row *row,
             sol_time_t *found)
{
    sqlite3_stmt *st = row->version
                           ? prep(q, "SELECT date_added FROM objects "
                                     "WHERE collection = ?1 AND id = ?2 AND version = ?3")
                           : prep(q, "SELECT date_added FROM objects "
                                     "WHERE collection = ?1 AND id = ?2 AND versionless = 1 "
                                     "LIMIT 1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, collection);
    bind_str(st, 2, row->id);
    if (row->version)
        sqlite3_bind_int64(st, 3, row->version);
    int rc = sqlite3_step(st), r = 0;
    *found = 0;
    if (rc == SQLITE_ROW)
        *found = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        r = sq_fail(q, rc);
    done(q, st);
    return r;
}

/* The collection's last_date_added and default TLP, cached for the transaction. */
static int
collection_state(struct sq_store *q, const char *collection)
{
    if (q->txc.id && strcmp(q->txc.id, collection) == 0)
        return 0;
    int rc = txc_flush(q);
    if (rc != 0)
        return rc;
    txc_forget(q);
    sqlite3_stmt *st =
        prep(q, "SELECT key, last_date_added, default_tlp FROM collections WHERE id = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, collection);
    int s2 = sqlite3_step(st);
    if (s2 == SQLITE_ROW) {
        q->txc.key = sqlite3_column_int64(st, 0);
        q->txc.last = sqlite3_column_int64(st, 1);
        q->txc.default_tlp = sqlite3_column_int(st, 2);
    }
    done(q, st);
    if (s2 == SQLITE_DONE)
        return SOL_ENOTFOUND;
    if (s2 != SQLITE_ROW)
        return sq_fail(q, s2);
    q->txc.id = sol_strdup(collection);
    return q->txc.id ? 0 : SOL_ENOMEM;
}

/*
 * The objects.latest flag (schema/003_latest.sql says what it means): what the new
 * version gets (mine), and what must change on the id's other rows once it is stored.
 */
struct latest_state {
    int mine;
    int64_t demote_seq; /* the id's latest row, which the new version supersedes; 0: none */
    bool make_mixed;    /* the new version's visibility differs: every row becomes 2 */
};

/* Binary text order, as SQLite's BINARY collation compares (memcmp, then length). */
static int
text_cmp(const unsigned char *a, size_t an, struct sol_str b)
{
    size_t n = an < b.n ? an : b.n;
    int c = n ? memcmp(a, b.p, n) : 0;
    if (c == 0)
        c = an < b.n ? -1 : an > b.n ? 1 : 0;
    return c;
}

/* Before the insert: read the id's flagged row and decide what the new version gets. */
static int
latest_before(struct sq_store *q, int64_t collection, const struct sol_object_row *row,
              sol_time_t version, struct latest_state *ls)
{
    *ls = (struct latest_state){.mine = 1};
    sqlite3_stmt *st = prep(q, "SELECT seq, latest, spec_version, version, tlp, red_recipients "
                               "FROM objects INDEXED BY objects_version "
                               "WHERE collection = ?1 AND id = ?2 AND latest > 0 LIMIT 1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, collection);
    bind_str(st, 2, row->id);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        int tlp = row->tlp > 0 ? row->tlp : q->txc.default_tlp;
        struct sol_str red = row->tlp_red_recipients;
        struct sol_str spec = row->spec_version.n ? row->spec_version : sol_str_c("2.1");
        if (sqlite3_column_int(st, 1) == 2) {
            ls->mine = 2;
        } else if (sqlite3_column_int(st, 4) != tlp ||
                   (tlp == SOL_TLP_RED &&
                    text_cmp(sqlite3_column_text(st, 5), (size_t)sqlite3_column_bytes(st, 5),
                             red) != 0)) {
            ls->mine = 2;
            ls->make_mixed = true;
        } else {
            /* The default answer: highest spec_version, then highest version. */
            int c = text_cmp(sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2), spec);
            if (c == 0) /* an equal version is not stored: the insert does nothing */
                c = sqlite3_column_int64(st, 3) > version ? 1 : -1;
            if (c < 0)
                ls->demote_seq = sqlite3_column_int64(st, 0);
            else
                ls->mine = 0;
        }
    } else if (rc != SQLITE_DONE) {
        r = sq_fail(q, rc);
    }
    done(q, st);
    return r;
}

/* After the insert stored the new version: the changes latest_before() decided. */
static int
latest_after(struct sq_store *q, int64_t collection, const struct sol_object_row *row,
             const struct latest_state *ls)
{
    sqlite3_stmt *st;
    if (ls->make_mixed) {
        st = prep(q, "UPDATE objects SET latest = 2 WHERE collection = ?1 AND id = ?2");
        if (!st)
            return SOL_ESTORE;
        sqlite3_bind_int64(st, 1, collection);
        bind_str(st, 2, row->id);
        return step_done(q, st);
    }
    if (!ls->demote_seq)
        return 0;
    st = prep(q, "UPDATE objects SET latest = 0 WHERE seq = ?1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, ls->demote_seq);
    return step_done(q, st);
}

/* Inside the write transaction: add the version, or find the one already held. */
static int
add_locked(struct sq_store *q, const char *collection, const struct sol_object_row *row,
           bool *added, sol_time_t *date_added)
{
    int r = collection_state(q, collection);
    if (r != 0)
        return r;
    sol_time_t held = 0;
    if (!row->version) { /* versionless: held when any versionless row of the id is */
        r = find_version(q, q->txc.key, row, &held);
        if (r != 0)
            return r;
        if (held) {
            *added = false;
            *date_added = held;
            return 0;
        }
    }
    sol_time_t now = sol_time_now();
    sol_time_t da = now > q->txc.last ? now : q->txc.last + 1;
    struct latest_state ls;
    r = latest_before(q, q->txc.key, row, row->version ? row->version : da, &ls);
    if (r != 0)
        return r;
    /* A version already held conflicts on objects_version: nothing is written then. */
    sqlite3_stmt *st =
        prep(q, "INSERT INTO objects (collection, id, version, versionless, date_added, type, "
                "spec_version, tlp, red_recipients, revoked, origin, json, latest) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                "ON CONFLICT (collection, id, version) DO NOTHING");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, q->txc.key);
    bind_str(st, 2, row->id);
    sqlite3_bind_int64(st, 3, row->version ? row->version : da);
    sqlite3_bind_int(st, 4, row->version ? 0 : 1);
    sqlite3_bind_int64(st, 5, da);
    bind_str(st, 6, row->type);
    if (row->spec_version.n)
        bind_str(st, 7, row->spec_version);
    else
        bind_text(st, 7, "2.1");
    sqlite3_bind_int(st, 8, row->tlp > 0 ? row->tlp : q->txc.default_tlp);
    if (row->tlp_red_recipients.p)
        bind_str(st, 9, row->tlp_red_recipients);
    else
        bind_text(st, 9, "");
    sqlite3_bind_int(st, 10, row->revoked);
    bind_str(st, 11, row->origin);
    bind_str(st, 12, row->json);
    sqlite3_bind_int(st, 13, ls.mine);
    r = step_done(q, st);
    if (r != 0)
        return r;
    if (sqlite3_changes(q->db) == 0) {
        r = find_version(q, q->txc.key, row, &held);
        if (r != 0)
            return r;
        *added = false;
        *date_added = held;
        return 0;
    }
    r = latest_after(q, q->txc.key, row, &ls);
    if (r != 0)
        return r;
    q->txc.last = da;
    q->txc.dirty = true;
    *added = true;
    *date_added = da;
    return 0;
}

/* store.h: add one object version, under the write lock (arguments checked by store.c). */
static int
sq_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
              bool *added, sol_time_t *date_added)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0)
        rc = add_locked(q, collection, row, added, date_added);
    return wend(q, own, rc);
}

/*
 * store/store.h sol__store_collection_state(): adds move last_date_added (written at
 * their commit), deletes bump changes in their transaction; key and created tell apart
 * a collection deleted and made again under the same id.
 */
static int
sq_collection_state(struct sol_store *s, const char *collection, int64_t state[4])
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT key, created, last_date_added, changes "
                               "FROM collections WHERE id = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, collection);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < 4; i++)
            state[i] = sqlite3_column_int64(st, i);
    } else {
        r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
    }
    done(q, st);
    /* This handle's own uncommitted adds are not in the row yet. */
    if (r == 0 && q->txc.dirty && q->txc.key == state[0])
        state[2] = q->txc.last;
    return r;
}

/* store/store.h sol__store_read_begin(): a deferred transaction takes the WAL read lock
 * at its first read and keeps it, one lock (fcntl on the -shm file) for all of them. */
static int
sq_read_begin(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (q->base.in_txn || !sqlite3_get_autocommit(q->db))
        return SOL_EINVAL;
    return sq_exec(q, "BEGIN DEFERRED");
}

static int
sq_read_end(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (q->base.in_txn || sqlite3_get_autocommit(q->db))
        return SOL_EINVAL;
    return sq_exec(q, "COMMIT");
}

/* SQLite's SQL, for the shared builders (store.h). */
static const struct sol__sql_dialect sq_dialect = {
    .name = "sqlite",
    .param = '?',
    .true_sql = "1",
    .false_sql = "0",
    .strpos = "instr",
    .index_hints = true,
    .row_lock = false,
    .latest_flag = true,
    .failed_statement_dooms_transaction = false,
    .chunk = 0,
    .begin_sql = "BEGIN IMMEDIATE",
    .schema_begin_sql = "BEGIN IMMEDIATE",
    /* A deferred transaction: its snapshot is taken at its first read. */
    .snapshot_sql = "BEGIN DEFERRED",
    /* No ANALYZE: the queries are planned for SQLite without statistics (and checked so). */
    .analyze_sql = NULL,
    .migrations = sol__schema_sqlite,
    .teardown_sql = sol__schema_teardown_sqlite,
};

const struct sol__store_ops sol__store_sqlite_ops = {
    .name = "sqlite",
    .dialect = &sq_dialect,
    .exists = sq_exists,
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec_v,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .columns = sq_columns,
    .changes = sq_changes,
    .reset = sq_reset,
    .finish = sq_finish,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .object_add = sq_object_add,
    .lock_wait = sq_lock_wait,
    .collection_state = sq_collection_state,
    .dir = sq_dir,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
};
