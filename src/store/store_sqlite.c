/*
 * store_sqlite.c — the SQLite backend of the store (the default).
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
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"

#define BUSY_TIMEOUT_MS 15000
#define CACHE_SIZE      64

struct cached_stmt {
    char *sql;
    const char *literal; /* the caller's string when it is a literal (prep()), else NULL */
    uint64_t hash;       /* of sql */
    sqlite3_stmt *st;
    bool busy; /* held by an open cursor */
};

struct sq_store {
    struct sol_store base;
    sqlite3 *db;
    bool in_txn; /* a transaction opened by sol_store_begin() */
    int schema_version;
    char errmsg[512];
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

struct sq_cursor {
    struct sol_store_cursor base;
    sqlite3_stmt *st;
    int cache_slot; /* -1: the cursor's own statement, finalized on close */
    bool done;
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
    snprintf(q->errmsg, sizeof q->errmsg, "%s", q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
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

/* FNV-1a, to find a statement in the cache without comparing long SQL texts. */
static uint64_t
sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/*
 * A prepared statement for sql from the cache (prepared on first use), reset and with
 * its bindings cleared. NULL on failure (message in q->errmsg). literal is sql itself
 * when sql is a string literal, whose address then identifies it on later calls; NULL
 * for texts built at run time. Statements handed out here are returned with done().
 */
static sqlite3_stmt *
prep_cached(struct sq_store *q, const char *sql, const char *literal)
{
    if (literal) {
        for (size_t i = 0; i < q->n_cache; i++) {
            struct cached_stmt *c = &q->cache[i];
            if (c->literal == literal && !c->busy) {
                sqlite3_reset(c->st);
                sqlite3_clear_bindings(c->st);
                return c->st;
            }
        }
    }
    uint64_t h = sql_hash(sql);
    for (size_t i = 0; i < q->n_cache; i++) {
        struct cached_stmt *c = &q->cache[i];
        if (!c->busy && c->hash == h && strcmp(c->sql, sql) == 0) {
            sqlite3_reset(c->st);
            sqlite3_clear_bindings(c->st);
            if (literal)
                c->literal = literal;
            return c->st;
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_fail(q, rc);
        return NULL;
    }
    char *copy = sol_strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        snprintf(q->errmsg, sizeof q->errmsg, "out of memory");
        return NULL;
    }
    struct cached_stmt *slot = NULL;
    if (q->n_cache < CACHE_SIZE) {
        slot = &q->cache[q->n_cache++];
    } else {
        for (size_t k = 0; k < CACHE_SIZE && !slot; k++) {
            struct cached_stmt *c = &q->cache[(q->evict_next + k) % CACHE_SIZE];
            if (!c->busy)
                slot = c;
        }
        q->evict_next = (q->evict_next + 1) % CACHE_SIZE;
        if (!slot) { /* every slot held by a cursor: do not cache; done() finalizes it */
            sol_free(copy);
            return st;
        }
        sqlite3_finalize(slot->st);
        sol_free(slot->sql);
    }
    slot->sql = copy;
    slot->literal = literal;
    slot->hash = h;
    slot->st = st;
    slot->busy = false;
    return st;
}

/* A statement for a string literal (see prep_cached()). */
#define prep(q, sql) prep_cached((q), (sql), (sql))

/* The cache slot of st, or -1 when it is not cached. */
static int
slot_of(struct sq_store *q, sqlite3_stmt *st)
{
    for (size_t i = 0; i < q->n_cache; i++)
        if (q->cache[i].st == st)
            return (int)i;
    return -1;
}

/* Give back a statement from prep(). */
static void
done(struct sq_store *q, sqlite3_stmt *st)
{
    if (!st)
        return;
    if (slot_of(q, st) < 0)
        sqlite3_finalize(st);
    else
        sqlite3_reset(st);
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

/* A copy of text column i (NULL for SQL NULL). Sets *oom on allocation failure. */
static char *
col_dup(sqlite3_stmt *st, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *r = sol_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i));
    if (!r)
        *oom = true;
    return r;
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
 * Write transactions: a write outside sol_store_begin() takes the write lock itself
 * and commits before returning; inside one, it joins it.
 */
static int
wbegin(struct sq_store *q, bool *own)
{
    *own = !q->in_txn;
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

/* Apply the migrations the database does not have yet, all in one transaction. */
static int
migrate(struct sq_store *q, struct sol_error *err)
{
    int rc = sq_exec(q, "BEGIN IMMEDIATE");
    if (rc == 0)
        rc = sq_exec(q, "CREATE TABLE IF NOT EXISTS schema_version ("
                        "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)");
    int have = 0;
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "SELECT coalesce(max(version), 0) FROM schema_version");
        if (!st)
            rc = SOL_ESTORE;
        else if (sqlite3_step(st) == SQLITE_ROW)
            have = sqlite3_column_int(st, 0);
        done(q, st);
    }
    if (rc == 0 && have > sol__schema_migration_count) {
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        return sol_error_set(err, SOL_EUNSUPPORTED,
                             "the store's schema version %d is newer than this program's (%d)",
                             have, sol__schema_migration_count);
    }
    for (int v = have; rc == 0 && v < sol__schema_migration_count; v++) {
        rc = sq_exec(q, sol__schema_sqlite[v]);
        if (rc != 0)
            break;
        sqlite3_stmt *st = prep(q, "INSERT INTO schema_version (version, applied) VALUES (?1, ?2)");
        if (!st) {
            rc = SOL_ESTORE;
            break;
        }
        sqlite3_bind_int(st, 1, v + 1);
        sqlite3_bind_int64(st, 2, sol_time_now());
        rc = step_done(q, st);
    }
    if (rc == 0)
        rc = sq_exec(q, "COMMIT");
    if (rc != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", q->errmsg);
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        return sol_error_set(err, rc, "cannot set up the store's schema: %s", msg);
    }
    q->schema_version = sol__schema_migration_count;
    return 0;
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
        sol_error_set(err, code, "%s: cannot open the store: %s", path, q->errmsg);
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
        sol_error_set(err, r, "%s: cannot set up the store: %s", path, q->errmsg);
        sol_free(path);
        sq_close(&q->base);
        return r;
    }
    r = migrate(q, err);
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
        if (q->in_txn)
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

static const char *
sq_errmsg(struct sol_store *s)
{
    return sq(s)->errmsg;
}

static int
sq_schema_version(struct sol_store *s)
{
    return sq(s)->schema_version;
}

static int
sq_begin(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (q->in_txn)
        return SOL_EINVAL;
    int rc = sq_exec(q, "BEGIN IMMEDIATE");
    if (rc == 0)
        q->in_txn = true;
    return rc;
}

static int
sq_commit(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (!q->in_txn)
        return SOL_EINVAL;
    int rc = commit_txn(q);
    q->in_txn = false;
    return rc;
}

static int
sq_rollback(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (!q->in_txn)
        return SOL_EINVAL;
    q->in_txn = false;
    txc_forget(q);
    return sq_exec(q, "ROLLBACK");
}

/* ---- settings ---- */

static int
sq_setting_get(struct sol_store *s, const char *key, struct sol_buf *out)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT value FROM settings WHERE key = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, key);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        sol_buf_reset(out);
        if (sol_buf_reserve(out, n + 1)) {
            sol_buf_append(out, sqlite3_column_text(st, 0), n);
            out->p[out->n] = 0;
        }
        r = out->oom || !out->p ? SOL_ENOMEM : 0;
    } else {
        r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
    }
    done(q, st);
    return r;
}

static int
sq_setting_set(struct sol_store *s, const char *key, const char *value)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, key);
            bind_text(st, 2, value);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

/* ---- API roots ---- */

static int
sq_api_root_put(struct sol_store *s, const struct sol_api_root *r)
{
    struct sq_store *q = sq(s);
    if (!r->name || !*r->name || !r->title)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(
            q, "INSERT INTO api_roots (name, title, description, max_content_length) "
               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET title = excluded.title, "
               "description = excluded.description, "
               "max_content_length = excluded.max_content_length");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, r->name);
            bind_text(st, 2, r->title);
            bind_text(st, 3, r->description);
            sqlite3_bind_int64(st, 4,
                               r->max_content_length > 0 ? r->max_content_length
                                                         : SOL_DEFAULT_MAX_CONTENT_LENGTH);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static void
read_api_root(sqlite3_stmt *st, struct sol_api_root *r, bool *oom)
{
    r->name = col_dup(st, 0, oom);
    r->title = col_dup(st, 1, oom);
    r->description = col_dup(st, 2, oom);
    r->max_content_length = sqlite3_column_int64(st, 3);
}

static int
sq_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, "SELECT name, title, description, max_content_length "
                               "FROM api_roots WHERE name = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st), r = 0;
    bool oom = false;
    if (rc == SQLITE_ROW)
        read_api_root(st, out, &oom);
    else
        r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
    done(q, st);
    if (oom) {
        sol_api_root_clear(out);
        r = SOL_ENOMEM;
    }
    return r;
}

/*
 * Run a listing query (already bound) and collect its rows into a growing array of
 * records of size `size`, filling each with read(). Frees what it built on failure.
 */
static int
collect(struct sq_store *q, sqlite3_stmt *st, size_t size,
        void (*read)(sqlite3_stmt *, void *, bool *), void (*list_free)(void *, size_t), void **out,
        size_t *n)
{
    char *v = NULL;
    size_t count = 0, cap = 0;
    bool oom = false;
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char *nv = sol_realloc(v, ncap * size);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
            cap = ncap;
        }
        memset(v + count * size, 0, size);
        read(st, v + count * size, &oom);
        count++;
        if (oom)
            break;
    }
    if (oom)
        r = SOL_ENOMEM;
    else if (rc != SQLITE_DONE)
        r = sq_fail(q, rc);
    done(q, st);
    if (r != 0) {
        list_free(v, count);
        *out = NULL;
        *n = 0;
        return r;
    }
    *out = v;
    *n = count;
    return 0;
}

static void
read_api_root_v(sqlite3_stmt *st, void *p, bool *oom)
{
    read_api_root(st, p, oom);
}

static void
api_root_list_free_v(void *v, size_t n)
{
    sol_api_root_list_free(v, n);
}

static int
sq_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT name, title, description, max_content_length "
                               "FROM api_roots ORDER BY name");
    if (!st)
        return SOL_ESTORE;
    return collect(q, st, sizeof **out, read_api_root_v, api_root_list_free_v, (void **)out, n);
}

/* ---- collections ---- */

#define COLLECTION_COLUMNS                                                                         \
    "id, api_root, title, description, alias, media_types, default_tlp, created"

static void
read_collection(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_collection *c = p;
    c->id = col_dup(st, 0, oom);
    c->api_root = col_dup(st, 1, oom);
    c->title = col_dup(st, 2, oom);
    c->description = col_dup(st, 3, oom);
    c->alias = col_dup(st, 4, oom);
    c->media_types = col_dup(st, 5, oom);
    c->default_tlp = sqlite3_column_int(st, 6);
    c->created = sqlite3_column_int64(st, 7);
}

static void
collection_list_free_v(void *v, size_t n)
{
    sol_collection_list_free(v, n);
}

static int
sq_collection_put(struct sol_store *s, const struct sol_collection *c)
{
    struct sq_store *q = sq(s);
    if (!c->id || !*c->id || !c->api_root || !c->title)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st =
            prep(q, "INSERT INTO collections (" COLLECTION_COLUMNS ") "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
                    "api_root = excluded.api_root, title = excluded.title, "
                    "description = excluded.description, alias = excluded.alias, "
                    "media_types = excluded.media_types, default_tlp = excluded.default_tlp");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, c->id);
            bind_text(st, 2, c->api_root);
            bind_text(st, 3, c->title);
            bind_text(st, 4, c->description);
            bind_text(st, 5, c->alias && *c->alias ? c->alias : NULL);
            bind_text(st, 6, c->media_types);
            sqlite3_bind_int(st, 7, c->default_tlp > 0 ? c->default_tlp : 3);
            sqlite3_bind_int64(st, 8, c->created ? c->created : sol_time_now());
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static int
sq_collection_get(struct sol_store *s, const char *api_root, const char *id,
                  struct sol_collection *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, "SELECT " COLLECTION_COLUMNS " FROM collections "
                               "WHERE (?1 IS NULL OR api_root = ?1) AND (id = ?2 OR alias = ?2) "
                               "ORDER BY id = ?2 DESC LIMIT 1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, api_root);
    bind_text(st, 2, id);
    int rc = sqlite3_step(st), r = 0;
    bool oom = false;
    if (rc == SQLITE_ROW)
        read_collection(st, out, &oom);
    else
        r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
    done(q, st);
    if (oom) {
        sol_collection_clear(out);
        r = SOL_ENOMEM;
    }
    return r;
}

static int
sq_collection_list(struct sol_store *s, const char *api_root, struct sol_collection **out,
                   size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT " COLLECTION_COLUMNS " FROM collections "
                               "WHERE ?1 IS NULL OR api_root = ?1 ORDER BY created, id");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, api_root);
    return collect(q, st, sizeof **out, read_collection, collection_list_free_v, (void **)out, n);
}

static int
sq_api_root_delete(struct sol_store *s, const char *name)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        /* The collections' foreign key cascades: only an empty root may go. */
        sqlite3_stmt *st = prep(q, "DELETE FROM api_roots WHERE name = ?1 AND NOT EXISTS "
                                   "(SELECT 1 FROM collections WHERE api_root = ?1)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0) {
                struct sol_api_root r;
                rc = sq_api_root_get(s, name, &r);
                if (rc == 0) {
                    sol_api_root_clear(&r);
                    rc = SOL_ECONFLICT;
                }
            }
        }
    }
    return wend(q, own, rc);
}

static int
sq_collection_delete(struct sol_store *s, const char *api_root, const char *id)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM collections WHERE id = ?2 "
                                   "AND (?1 IS NULL OR api_root = ?1)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, api_root);
            bind_text(st, 2, id);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    return wend(q, own, rc);
}

static int
sq_collection_count(struct sol_store *s, const char *collection, int64_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT count(*) FROM objects "
                               "WHERE collection = (SELECT key FROM collections WHERE id = ?1)");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, collection);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        r = sq_fail(q, rc);
    done(q, st);
    return r;
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

static int
sq_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
              bool *added, sol_time_t *date_added)
{
    struct sq_store *q = sq(s);
    bool a = false;
    sol_time_t d = 0;
    if (!collection || !row || !row->id.n || !row->type.n || !row->json.n)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0)
        rc = add_locked(q, collection, row, &a, &d);
    rc = wend(q, own, rc);
    if (added)
        *added = rc == 0 && a;
    if (date_added)
        *date_added = rc == 0 ? d : 0;
    return rc;
}

/* The SQL of this backend, for the shared builders (store.h). */
static const struct sol__sql_dialect sq_dialect = {
    .name = "sqlite",
    .param = '?',
    .true_sql = "1",
    .false_sql = "0",
    .strpos = "instr",
    .index_hints = true,
    .latest_flag = true,
    .chunk = 0,
};

/* Bind a built query's parameters (copied: a cursor outlives the query and the filter). */
static int
bind_params(const struct sol__query *b, sqlite3_stmt *st)
{
    for (int i = 0; i < b->n_params; i++) {
        const struct sol__value *v = &b->params[i];
        int rc = v->type == SOL__TEXT
                     ? sqlite3_bind_text(st, i + 1, v->p, (int)v->n, SQLITE_TRANSIENT)
                     : sqlite3_bind_int64(st, i + 1, v->i);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* The key of a collection by id; -1 when there is none (its queries match nothing). */
static int
collection_key(struct sq_store *q, const char *id, int64_t *key)
{
    *key = -1;
    sqlite3_stmt *st = prep(q, "SELECT key FROM collections WHERE id = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *key = sqlite3_column_int64(st, 0);
    done(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(q, rc);
}

static int
sq_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                 struct sol_store_cursor **out)
{
    struct sq_store *q = sq(s);
    *out = NULL;
    if (!f || !f->collection)
        return SOL_EINVAL;
    int64_t key;
    struct sol__query b;
    int r0 = collection_key(q, f->collection, &key);
    if (r0 == 0)
        r0 = sol__filter_sql(&sq_dialect, f, key, SOL__FILTER_QUERY, &b);
    if (r0 != 0)
        return r0;
    struct sq_cursor *c = sol_calloc(1, sizeof *c);
    sqlite3_stmt *st = c ? prep_cached(q, b.sql.p, NULL) : NULL;
    int r = 0;
    if (!c)
        r = SOL_ENOMEM;
    else if (!st)
        r = SOL_ESTORE;
    else {
        int rc = bind_params(&b, st);
        if (rc != SQLITE_OK)
            r = sq_fail(q, rc);
    }
    sol__query_free(&b);
    if (r != 0) {
        done(q, st);
        sol_free(c);
        return r;
    }
    c->base.store = s;
    c->st = st;
    c->cache_slot = slot_of(q, st);
    if (c->cache_slot >= 0)
        q->cache[c->cache_slot].busy = true;
    *out = &c->base;
    return 0;
}

static struct sol_str
col_str(sqlite3_stmt *st, int i)
{
    struct sol_str r = {(const char *)sqlite3_column_text(st, i), 0};
    r.n = r.p ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return r;
}

static int
sq_cursor_next(struct sol_store_cursor *base, struct sol_object_row *row)
{
    struct sq_cursor *c = (struct sq_cursor *)base;
    if (c->done)
        return SOL_EEOF;
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE) {
        c->done = true;
        return SOL_EEOF;
    }
    if (rc != SQLITE_ROW) {
        c->done = true;
        return sq_fail(sq(base->store), rc);
    }
    memset(row, 0, sizeof *row);
    row->seq = sqlite3_column_int64(c->st, 0);
    row->date_added = sqlite3_column_int64(c->st, 1);
    row->id = col_str(c->st, 2);
    row->type = col_str(c->st, 3);
    row->spec_version = col_str(c->st, 4);
    row->version = sqlite3_column_int64(c->st, 5);
    row->tlp = sqlite3_column_int(c->st, 6);
    row->tlp_red_recipients = col_str(c->st, 7);
    row->revoked = sqlite3_column_int(c->st, 8) != 0;
    row->origin = col_str(c->st, 9);
    row->json = col_str(c->st, 10);
    return 0;
}

static void
sq_cursor_close(struct sol_store_cursor *base)
{
    struct sq_cursor *c = (struct sq_cursor *)base;
    struct sq_store *q = sq(base->store);
    if (c->cache_slot >= 0 && (size_t)c->cache_slot < q->n_cache &&
        q->cache[c->cache_slot].st == c->st) {
        q->cache[c->cache_slot].busy = false;
        sqlite3_reset(c->st);
    } else {
        sqlite3_finalize(c->st);
    }
    sol_free(c);
}

static int
sq_objects_delete(struct sol_store *s, const struct sol_object_filter *f, size_t *deleted)
{
    struct sq_store *q = sq(s);
    if (deleted)
        *deleted = 0;
    if (!f || !f->collection || !f->n_ids)
        return SOL_EINVAL;
    int64_t key;
    struct sol__query b;
    int r0 = collection_key(q, f->collection, &key);
    if (r0 == 0)
        r0 = sol__filter_sql(&sq_dialect, f, key, SOL__FILTER_DELETE, &b);
    if (r0 != 0)
        return r0;
    bool own;
    size_t ndel = 0;
    int r = wbegin(q, &own);
    if (r == 0) {
        /* Not cached: its text changes with every list of ids. */
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(q->db, b.sql.p, -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = bind_params(&b, st);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_DONE)
                ndel = (size_t)sqlite3_changes(q->db);
        }
        r = rc == SQLITE_DONE ? 0 : sq_fail(q, rc);
        sqlite3_finalize(st);
    }
    /* store/store.h sol__store_collection_state(): readers learn that something went. */
    if (deleted)
        *deleted = ndel;
    if (r == 0 && ndel) {
        sqlite3_stmt *st = prep(q, "UPDATE collections SET changes = changes + 1 WHERE key = ?1");
        if (!st)
            r = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, key);
            r = step_done(q, st);
        }
    }
    /* An id whose latest version went: the highest version left takes the flag. */
    for (size_t i = 0; r == 0 && i < f->n_ids; i++) {
        sqlite3_stmt *st =
            prep(q, "UPDATE objects SET latest = 1 WHERE seq = (SELECT seq FROM objects "
                    "INDEXED BY objects_version WHERE collection = ?1 AND id = ?2 "
                    "ORDER BY spec_version DESC, version DESC LIMIT 1) AND NOT EXISTS "
                    "(SELECT 1 FROM objects INDEXED BY objects_version WHERE collection = ?1 "
                    "AND id = ?2 AND latest > 0)");
        if (!st) {
            r = SOL_ESTORE;
            break;
        }
        sqlite3_bind_int64(st, 1, key);
        bind_text(st, 2, f->ids[i] ? f->ids[i] : "");
        r = step_done(q, st);
    }
    sol__query_free(&b);
    return wend(q, own, r);
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
    if (q->in_txn || !sqlite3_get_autocommit(q->db))
        return SOL_EINVAL;
    return sq_exec(q, "BEGIN DEFERRED");
}

static int
sq_read_end(struct sol_store *s)
{
    struct sq_store *q = sq(s);
    if (q->in_txn || sqlite3_get_autocommit(q->db))
        return SOL_EINVAL;
    return sq_exec(q, "COMMIT");
}

/* ---- status ---- */

static int
sq_status_put(struct sol_store *s, const struct sol_status *stt)
{
    struct sq_store *q = sq(s);
    if (!stt->id || !stt->status)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    sqlite3_stmt *st = NULL;
    if (rc == 0) {
        st = prep(q, "INSERT INTO status (id, status, request_timestamp, total_count, "
                     "success_count, failure_count, pending_count, owner, owner_user, "
                     "owner_partner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                     "ON CONFLICT (id) DO UPDATE SET "
                     "status = excluded.status, request_timestamp = excluded.request_timestamp, "
                     "total_count = excluded.total_count, success_count = excluded.success_count, "
                     "failure_count = excluded.failure_count, "
                     "pending_count = excluded.pending_count, owner = excluded.owner, "
                     "owner_user = excluded.owner_user, owner_partner = excluded.owner_partner");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, stt->id);
            bind_text(st, 2, stt->status);
            sqlite3_bind_int64(st, 3, stt->request_timestamp);
            sqlite3_bind_int64(st, 4, stt->total_count);
            sqlite3_bind_int64(st, 5, stt->success_count);
            sqlite3_bind_int64(st, 6, stt->failure_count);
            sqlite3_bind_int64(st, 7, stt->pending_count);
            bind_text(st, 8, stt->owner);
            sqlite3_bind_int64(st, 9, stt->owner_user_id);
            sqlite3_bind_int64(st, 10, stt->owner_partner_id);
            rc = step_done(q, st);
        }
    }
    if (rc == 0) {
        st = prep(q, "DELETE FROM status_entries WHERE status_id = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, stt->id);
            rc = step_done(q, st);
        }
    }
    const struct sol_status_entry *lists[3] = {stt->successes, stt->failures, stt->pendings};
    size_t counts[3] = {stt->n_successes, stt->n_failures, stt->n_pendings};
    for (int k = 0; k < 3 && rc == 0; k++) {
        for (size_t i = 0; i < counts[k] && rc == 0; i++) {
            st = prep(q, "INSERT INTO status_entries (status_id, kind, idx, object_id, version, "
                         "message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            if (!st) {
                rc = SOL_ESTORE;
                break;
            }
            bind_text(st, 1, stt->id);
            sqlite3_bind_int(st, 2, k);
            sqlite3_bind_int64(st, 3, (int64_t)i);
            bind_text(st, 4, lists[k][i].id ? lists[k][i].id : "");
            bind_text(st, 5, lists[k][i].version ? lists[k][i].version : "");
            bind_text(st, 6, lists[k][i].message);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static int
sq_status_get(struct sol_store *s, const char *id, struct sol_status *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, "SELECT id, status, request_timestamp, total_count, "
                               "success_count, failure_count, pending_count, owner, "
                               "owner_user, owner_partner FROM status WHERE id = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    bool oom = false;
    if (rc != SQLITE_ROW) {
        int r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
        done(q, st);
        return r;
    }
    out->id = col_dup(st, 0, &oom);
    out->status = col_dup(st, 1, &oom);
    out->request_timestamp = sqlite3_column_int64(st, 2);
    out->total_count = sqlite3_column_int64(st, 3);
    out->success_count = sqlite3_column_int64(st, 4);
    out->failure_count = sqlite3_column_int64(st, 5);
    out->pending_count = sqlite3_column_int64(st, 6);
    out->owner = col_dup(st, 7, &oom);
    out->owner_user_id = sqlite3_column_int64(st, 8);
    out->owner_partner_id = sqlite3_column_int64(st, 9);
    done(q, st);

    st = prep(q, "SELECT kind, object_id, version, message FROM status_entries "
                 "WHERE status_id = ?1 ORDER BY kind, idx");
    if (!st) {
        sol_status_clear(out);
        return SOL_ESTORE;
    }
    bind_text(st, 1, id);
    size_t caps[3] = {0, 0, 0};
    struct sol_status_entry **lists[3] = {&out->successes, &out->failures, &out->pendings};
    size_t *counts[3] = {&out->n_successes, &out->n_failures, &out->n_pendings};
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = sqlite3_column_int(st, 0);
        if (k < 0 || k > 2)
            continue;
        if (*counts[k] == caps[k]) {
            size_t ncap = caps[k] ? caps[k] * 2 : 8;
            struct sol_status_entry *nv = sol_realloc(*lists[k], ncap * sizeof *nv);
            if (!nv) {
                oom = true;
                break;
            }
            *lists[k] = nv;
            caps[k] = ncap;
        }
        struct sol_status_entry *e = &(*lists[k])[(*counts[k])++];
        e->id = col_dup(st, 1, &oom);
        e->version = col_dup(st, 2, &oom);
        e->message = col_dup(st, 3, &oom);
    }
    int r = oom ? SOL_ENOMEM : (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : sq_fail(q, rc);
    done(q, st);
    if (r != 0)
        sol_status_clear(out);
    return r;
}

static int
sq_status_expire(struct sol_store *s, sol_time_t before, size_t *removed)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM status WHERE request_timestamp < ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, before);
            rc = step_done(q, st);
            if (rc == 0 && removed)
                *removed = (size_t)sqlite3_changes(q->db);
        }
    }
    return wend(q, own, rc);
}

/* ---- partners ---- */

static int
sq_partner_add(struct sol_store *s, const char *name, const char *identity, int64_t *id)
{
    struct sq_store *q = sq(s);
    if (!name || !*name)
        return SOL_EINVAL;
    char made[64];
    if (!identity) {
        struct sol_uuid u;
        char text[37];
        sol_uuid_v4(&u);
        sol_uuid_format(&u, text);
        snprintf(made, sizeof made, "identity--%s", text);
        identity = made;
    } else {
        struct sol_uuid u;
        if (strncmp(identity, "identity--", 10) != 0 ||
            sol_uuid_parse(identity + 10, strlen(identity + 10), &u) != 0)
            return SOL_EINVAL;
    }
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st =
            prep(q, "INSERT INTO partners (name, identity, created) VALUES (?1, ?2, ?3)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            bind_text(st, 2, identity);
            sqlite3_bind_int64(st, 3, sol_time_now());
            rc = step_done(q, st);
            if (rc == 0 && id)
                *id = sqlite3_last_insert_rowid(q->db);
        }
    }
    return wend(q, own, rc);
}

static void
read_partner(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_partner *r = p;
    r->id = sqlite3_column_int64(st, 0);
    r->name = col_dup(st, 1, oom);
    r->identity = col_dup(st, 2, oom);
    r->created = sqlite3_column_int64(st, 3);
}

static void
partner_list_free_v(void *v, size_t n)
{
    sol_partner_list_free(v, n);
}

/* Run a one-row query (bound) and read it with read(); SOL_ENOTFOUND when no row. */
static int
get_one(struct sq_store *q, sqlite3_stmt *st, void *out,
        void (*read)(sqlite3_stmt *, void *, bool *), void (*clear)(void *))
{
    int rc = sqlite3_step(st), r = 0;
    bool oom = false;
    if (rc == SQLITE_ROW)
        read(st, out, &oom);
    else
        r = rc == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, rc);
    done(q, st);
    if (oom) {
        clear(out);
        r = SOL_ENOMEM;
    }
    return r;
}

static void
partner_clear_v(void *p)
{
    sol_partner_clear(p);
}

static int
sq_partner_get(struct sol_store *s, const char *name, struct sol_partner *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, "SELECT id, name, identity, created FROM partners "
                               "WHERE name = ?1 OR identity = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, name);
    return get_one(q, st, out, read_partner, partner_clear_v);
}

static int
sq_partner_get_by_id(struct sol_store *s, int64_t id, struct sol_partner *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, "SELECT id, name, identity, created FROM partners WHERE id = ?1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    return get_one(q, st, out, read_partner, partner_clear_v);
}

static int
sq_partner_list(struct sol_store *s, struct sol_partner **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT id, name, identity, created FROM partners ORDER BY name");
    if (!st)
        return SOL_ESTORE;
    return collect(q, st, sizeof **out, read_partner, partner_list_free_v, (void **)out, n);
}

static int
sq_partner_delete(struct sol_store *s, const char *name)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    int64_t pid = 0;
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "SELECT p.id, (SELECT count(*) FROM users u "
                                   "WHERE u.partner_id = p.id) FROM partners p WHERE p.name = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            int s2 = sqlite3_step(st);
            if (s2 == SQLITE_ROW) {
                pid = sqlite3_column_int64(st, 0);
                if (sqlite3_column_int64(st, 1) > 0)
                    rc = SOL_ECONFLICT;
            } else {
                rc = s2 == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, s2);
            }
            done(q, st);
        }
    }
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM grants WHERE partner_id = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, pid);
            rc = step_done(q, st);
        }
    }
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM partners WHERE id = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, pid);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

/* ---- users ---- */

#define USER_SELECT                                                                                \
    "SELECT u.id, u.name, u.partner_id, p.name, p.identity, u.clearance, u.is_admin, "             \
    "u.password_hash, u.created FROM users u JOIN partners p ON p.id = u.partner_id "

static void
read_user(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_user *u = p;
    u->id = sqlite3_column_int64(st, 0);
    u->name = col_dup(st, 1, oom);
    u->partner_id = sqlite3_column_int64(st, 2);
    u->partner_name = col_dup(st, 3, oom);
    u->partner_identity = col_dup(st, 4, oom);
    u->clearance = sqlite3_column_int(st, 5);
    u->is_admin = sqlite3_column_int(st, 6) != 0;
    u->password_hash = col_dup(st, 7, oom);
    u->created = sqlite3_column_int64(st, 8);
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
sq_user_add(struct sol_store *s, const struct sol_user *u, int64_t *id)
{
    struct sq_store *q = sq(s);
    if (!u->name || !*u->name || u->clearance < 1 || u->clearance > 5)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "INSERT INTO users (name, partner_id, clearance, is_admin, "
                                   "password_hash, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, u->name);
            sqlite3_bind_int64(st, 2, u->partner_id);
            sqlite3_bind_int(st, 3, u->clearance);
            sqlite3_bind_int(st, 4, u->is_admin);
            bind_text(st, 5, u->password_hash);
            sqlite3_bind_int64(st, 6, u->created ? u->created : sol_time_now());
            rc = step_done(q, st);
            if (rc == 0 && id)
                *id = sqlite3_last_insert_rowid(q->db);
        }
    }
    return wend(q, own, rc);
}

static int
sq_user_get(struct sol_store *s, const char *name, struct sol_user *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, USER_SELECT "WHERE u.name = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, name);
    return get_one(q, st, out, read_user, user_clear_v);
}

static int
sq_user_get_by_id(struct sol_store *s, int64_t id, struct sol_user *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, USER_SELECT "WHERE u.id = ?1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, id);
    return get_one(q, st, out, read_user, user_clear_v);
}

static int
sq_user_list(struct sol_store *s, int64_t partner_id, struct sol_user **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, USER_SELECT "WHERE ?1 = 0 OR u.partner_id = ?1 ORDER BY u.name");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, partner_id);
    return collect(q, st, sizeof **out, read_user, user_list_free_v, (void **)out, n);
}

static int
sq_user_update(struct sol_store *s, const struct sol_user *u)
{
    struct sq_store *q = sq(s);
    if (u->clearance < 1 || u->clearance > 5)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "UPDATE users SET clearance = ?2, is_admin = ?3, "
                                   "password_hash = coalesce(?4, password_hash) WHERE id = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, u->id);
            sqlite3_bind_int(st, 2, u->clearance);
            sqlite3_bind_int(st, 3, u->is_admin);
            bind_text(st, 4, u->password_hash);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    return wend(q, own, rc);
}

static int
sq_user_delete(struct sol_store *s, const char *name)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM grants WHERE user_id = "
                                   "(SELECT id FROM users WHERE name = ?1)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            rc = step_done(q, st);
        }
    }
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM users WHERE name = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    return wend(q, own, rc);
}

/* ---- tokens ---- */

#define TOKEN_SELECT                                                                               \
    "SELECT t.id, t.name, t.user_id, u.name, t.hash, t.created, t.last_used, t.revoked "           \
    "FROM tokens t JOIN users u ON u.id = t.user_id "

static void
read_token(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_token *t = p;
    t->id = sqlite3_column_int64(st, 0);
    t->name = col_dup(st, 1, oom);
    t->user_id = sqlite3_column_int64(st, 2);
    t->user_name = col_dup(st, 3, oom);
    const void *h = sqlite3_column_blob(st, 4);
    if (h && sqlite3_column_bytes(st, 4) == 32)
        memcpy(t->hash, h, 32);
    t->created = sqlite3_column_int64(st, 5);
    t->last_used = sqlite3_column_int64(st, 6);
    t->revoked = sqlite3_column_int(st, 7) != 0;
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
sq_token_add(struct sol_store *s, const struct sol_token *t, int64_t *id)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "INSERT INTO tokens (name, user_id, hash, created) "
                                   "VALUES (?1, ?2, ?3, ?4)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, t->name);
            sqlite3_bind_int64(st, 2, t->user_id);
            sqlite3_bind_blob(st, 3, t->hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, t->created ? t->created : sol_time_now());
            rc = step_done(q, st);
            if (rc == 0 && id)
                *id = sqlite3_last_insert_rowid(q->db);
        }
    }
    return wend(q, own, rc);
}

static int
sq_token_find(struct sol_store *s, const uint8_t hash[32], struct sol_token *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, TOKEN_SELECT "WHERE t.hash = ?1");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    return get_one(q, st, out, read_token, token_clear_v);
}

static int
sq_token_list(struct sol_store *s, int64_t user_id, struct sol_token **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, TOKEN_SELECT "WHERE ?1 = 0 OR t.user_id = ?1 ORDER BY t.id");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, user_id);
    return collect(q, st, sizeof **out, read_token, token_list_free_v, (void **)out, n);
}

/* UPDATE one row of a table by id with two int64 values; SOL_ENOTFOUND if no row. */
static int
update_by_id(struct sq_store *q, const char *sql, int64_t id, int64_t v)
{
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, sql);
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, v);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    return wend(q, own, rc);
}

static int
sq_token_revoke(struct sol_store *s, int64_t id)
{
    return update_by_id(sq(s), "UPDATE tokens SET revoked = ?2 WHERE id = ?1", id, 1);
}

static int
sq_token_touch(struct sol_store *s, int64_t id, sol_time_t at)
{
    struct sq_store *q = sq(s);
    /*
     * A bookkeeping write on the read path: it must not make a GET wait behind a bulk
     * import holding the write lock, so outside a transaction it does not wait at all.
     */
    if (!q->in_txn)
        sqlite3_busy_timeout(q->db, 0);
    int rc = update_by_id(q, "UPDATE tokens SET last_used = ?2 WHERE id = ?1", id, at);
    if (!q->in_txn)
        sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    return rc;
}

/* ---- grants ---- */

static int
sq_grant_add(struct sol_store *s, const struct sol_grant *g)
{
    struct sq_store *q = sq(s);
    if (!g->collection || (g->partner_id == 0) == (g->user_id == 0))
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "SELECT 1 FROM collections WHERE id = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, g->collection);
            int s2 = sqlite3_step(st);
            rc = s2 == SQLITE_ROW ? 0 : s2 == SQLITE_DONE ? SOL_ENOTFOUND : sq_fail(q, s2);
            done(q, st);
        }
    }
    if (rc == 0) {
        sqlite3_stmt *st =
            prep(q, "INSERT INTO grants (collection, partner_id, user_id, can_read, can_write) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (collection, partner_id, user_id) "
                    "DO UPDATE SET can_read = can_read OR excluded.can_read, "
                    "can_write = can_write OR excluded.can_write");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, g->collection);
            sqlite3_bind_int64(st, 2, g->partner_id);
            sqlite3_bind_int64(st, 3, g->user_id);
            sqlite3_bind_int(st, 4, g->can_read);
            sqlite3_bind_int(st, 5, g->can_write);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static int
sq_grant_remove(struct sol_store *s, const struct sol_grant *g)
{
    struct sq_store *q = sq(s);
    if (!g->collection || (g->partner_id == 0) == (g->user_id == 0))
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "UPDATE grants SET can_read = can_read AND NOT ?4, "
                                   "can_write = can_write AND NOT ?5 "
                                   "WHERE collection = ?1 AND partner_id = ?2 AND user_id = ?3");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, g->collection);
            sqlite3_bind_int64(st, 2, g->partner_id);
            sqlite3_bind_int64(st, 3, g->user_id);
            sqlite3_bind_int(st, 4, g->can_read);
            sqlite3_bind_int(st, 5, g->can_write);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    if (rc == 0)
        rc = sq_exec(q, "DELETE FROM grants WHERE can_read = 0 AND can_write = 0");
    return wend(q, own, rc);
}

static int
sq_grant_check(struct sol_store *s, const char *collection, int64_t user_id, int64_t partner_id,
               bool *can_read, bool *can_write)
{
    struct sq_store *q = sq(s);
    *can_read = *can_write = false;
    sqlite3_stmt *st = prep(q, "SELECT coalesce(max(can_read), 0), coalesce(max(can_write), 0) "
                               "FROM grants WHERE collection = ?1 AND "
                               "((user_id = ?2 AND partner_id = 0) OR "
                               "(partner_id = ?3 AND user_id = 0))");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, collection);
    sqlite3_bind_int64(st, 2, user_id ? user_id : -1);
    sqlite3_bind_int64(st, 3, partner_id ? partner_id : -1);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        *can_read = sqlite3_column_int(st, 0) != 0;
        *can_write = sqlite3_column_int(st, 1) != 0;
    } else {
        r = sq_fail(q, rc);
    }
    done(q, st);
    return r;
}

static void
read_grant(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_grant *g = p;
    g->collection = col_dup(st, 0, oom);
    g->partner_id = sqlite3_column_int64(st, 1);
    g->user_id = sqlite3_column_int64(st, 2);
    g->partner_name = col_dup(st, 3, oom);
    g->user_name = col_dup(st, 4, oom);
    g->can_read = sqlite3_column_int(st, 5) != 0;
    g->can_write = sqlite3_column_int(st, 6) != 0;
}

static void
grant_list_free_v(void *v, size_t n)
{
    sol_grant_list_free(v, n);
}

static int
sq_grant_list(struct sol_store *s, const char *collection, struct sol_grant **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT g.collection, g.partner_id, g.user_id, p.name, u.name, "
                               "g.can_read, g.can_write FROM grants g "
                               "LEFT JOIN partners p ON p.id = g.partner_id "
                               "LEFT JOIN users u ON u.id = g.user_id "
                               "WHERE ?1 IS NULL OR g.collection = ?1 "
                               "ORDER BY g.collection, g.user_id <> 0, p.name, u.name");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, collection);
    return collect(q, st, sizeof **out, read_grant, grant_list_free_v, (void **)out, n);
}

/* ---- peers ---- */

#define PEER_SELECT                                                                                \
    "SELECT id, name, url, partner, token, config_json, created, last_sync FROM peers "

static void
read_peer(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_peer *r = p;
    r->id = sqlite3_column_int64(st, 0);
    r->name = col_dup(st, 1, oom);
    r->url = col_dup(st, 2, oom);
    r->partner = col_dup(st, 3, oom);
    r->token = col_dup(st, 4, oom);
    r->config_json = col_dup(st, 5, oom);
    r->created = sqlite3_column_int64(st, 6);
    r->last_sync = sqlite3_column_int64(st, 7);
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
sq_peer_put(struct sol_store *s, const struct sol_peer *p)
{
    struct sq_store *q = sq(s);
    if (!p->name || !p->url)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(
            q, "INSERT INTO peers (name, url, partner, token, config_json, created, last_sync) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
               "url = excluded.url, partner = excluded.partner, token = excluded.token, "
               "config_json = excluded.config_json, last_sync = excluded.last_sync");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, p->name);
            bind_text(st, 2, p->url);
            bind_text(st, 3, p->partner);
            bind_text(st, 4, p->token);
            bind_text(st, 5, p->config_json);
            sqlite3_bind_int64(st, 6, p->created ? p->created : sol_time_now());
            sqlite3_bind_int64(st, 7, p->last_sync);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static int
sq_peer_get(struct sol_store *s, const char *name, struct sol_peer *out)
{
    struct sq_store *q = sq(s);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = prep(q, PEER_SELECT "WHERE name = ?1");
    if (!st)
        return SOL_ESTORE;
    bind_text(st, 1, name);
    return get_one(q, st, out, read_peer, peer_clear_v);
}

static int
sq_peer_list(struct sol_store *s, struct sol_peer **out, size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, PEER_SELECT "ORDER BY name");
    if (!st)
        return SOL_ESTORE;
    return collect(q, st, sizeof **out, read_peer, peer_list_free_v, (void **)out, n);
}

static int
sq_peer_delete(struct sol_store *s, const char *name)
{
    struct sq_store *q = sq(s);
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "DELETE FROM peers WHERE name = ?1");
        if (!st)
            rc = SOL_ESTORE;
        else {
            bind_text(st, 1, name);
            rc = step_done(q, st);
            if (rc == 0 && sqlite3_changes(q->db) == 0)
                rc = SOL_ENOTFOUND;
        }
    }
    return wend(q, own, rc);
}

/* ---- audit ---- */

static int
sq_audit(struct sol_store *s, const char *actor, const char *action, const char *target,
         const char *details_json)
{
    struct sq_store *q = sq(s);
    if (!actor || !action)
        return SOL_EINVAL;
    bool own;
    int rc = wbegin(q, &own);
    if (rc == 0) {
        sqlite3_stmt *st = prep(q, "INSERT INTO audit (at, actor, action, target, details) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!st)
            rc = SOL_ESTORE;
        else {
            sqlite3_bind_int64(st, 1, sol_time_now());
            bind_text(st, 2, actor);
            bind_text(st, 3, action);
            bind_text(st, 4, target);
            bind_text(st, 5, details_json);
            rc = step_done(q, st);
        }
    }
    return wend(q, own, rc);
}

static void
read_audit(sqlite3_stmt *st, void *p, bool *oom)
{
    struct sol_audit_entry *e = p;
    e->seq = sqlite3_column_int64(st, 0);
    e->at = sqlite3_column_int64(st, 1);
    e->actor = col_dup(st, 2, oom);
    e->action = col_dup(st, 3, oom);
    e->target = col_dup(st, 4, oom);
    e->details = col_dup(st, 5, oom);
}

static void
audit_list_free_v(void *v, size_t n)
{
    sol_audit_list_free(v, n);
}

static int
sq_audit_list(struct sol_store *s, int64_t after, size_t limit, struct sol_audit_entry **out,
              size_t *n)
{
    struct sq_store *q = sq(s);
    sqlite3_stmt *st = prep(q, "SELECT seq, at, actor, action, target, details FROM audit "
                               "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (!st)
        return SOL_ESTORE;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
    return collect(q, st, sizeof **out, read_audit, audit_list_free_v, (void **)out, n);
}

const struct sol__store_ops sol__store_sqlite_ops = {
    .name = "sqlite",
    .exists = sq_exists,
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .setting_get = sq_setting_get,
    .setting_set = sq_setting_set,
    .api_root_put = sq_api_root_put,
    .api_root_get = sq_api_root_get,
    .api_root_list = sq_api_root_list,
    .api_root_delete = sq_api_root_delete,
    .collection_put = sq_collection_put,
    .collection_get = sq_collection_get,
    .collection_list = sq_collection_list,
    .collection_delete = sq_collection_delete,
    .collection_count = sq_collection_count,
    .object_add = sq_object_add,
    .objects_query = sq_objects_query,
    .cursor_next = sq_cursor_next,
    .cursor_close = sq_cursor_close,
    .objects_delete = sq_objects_delete,
    .dir = sq_dir,
    .status_put = sq_status_put,
    .status_get = sq_status_get,
    .status_expire = sq_status_expire,
    .partner_add = sq_partner_add,
    .partner_get = sq_partner_get,
    .partner_get_by_id = sq_partner_get_by_id,
    .partner_list = sq_partner_list,
    .partner_delete = sq_partner_delete,
    .user_add = sq_user_add,
    .user_get = sq_user_get,
    .user_get_by_id = sq_user_get_by_id,
    .user_list = sq_user_list,
    .user_update = sq_user_update,
    .user_delete = sq_user_delete,
    .token_add = sq_token_add,
    .token_find = sq_token_find,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .token_touch = sq_token_touch,
    .grant_add = sq_grant_add,
    .grant_remove = sq_grant_remove,
    .grant_check = sq_grant_check,
    .grant_list = sq_grant_list,
    .peer_put = sq_peer_put,
    .peer_get = sq_peer_get,
    .peer_list = sq_peer_list,
    .peer_delete = sq_peer_delete,
    .audit = sq_audit,
    .audit_list = sq_audit_list,
    .collection_state = sq_collection_state,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
};
