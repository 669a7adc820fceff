/*
 * store.c — the one dispatcher of the store (store/store.h says the shape): every
 * function of include/solidarity/store.h checks its arguments, fills defaults and mints
 * identities here, then runs its SQL, written once for every backend, through the
 * backend's driver, or calls the backend's own path (adding object versions). The
 * functions that release records are here too; they do not depend on the backend.
 *
 * Records are read by row descriptions: an X-macro per record lists its columns once
 * (kind, field of the struct, SQL expression), and yields both the SELECT list and the
 * description of how each column lands in the struct.
 */
#include <stddef.h>
#include <stdio.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"

/* ---- rows of records ---- */

/* The SELECT list of a record's X-macro: the first column, then ", " before each. */
#define SQL_FIRST(kind, field, expr) expr
#define SQL_NEXT(kind, field, expr)  ", " expr
/* The description of where each column goes (REC names the record's struct). */
#define FIELD(kind, field, expr) {SOL__F_##kind, offsetof(REC, field)},

#define ROW_DEF(name, COLUMNS, clear_fn, list_free_fn)                                             \
    static const struct sol__field name##_fields[] = {COLUMNS(FIELD, FIELD)};                      \
    static void name##_clear_v(void *p)                                                            \
    {                                                                                              \
        clear_fn(p);                                                                               \
    }                                                                                              \
    static void name##_list_free_v(void *v, size_t n)                                              \
    {                                                                                              \
        list_free_fn(v, n);                                                                        \
    }                                                                                              \
    static const struct sol__row name##_row = {                                                    \
        sizeof(REC), name##_fields, (int)(sizeof name##_fields / sizeof name##_fields[0]),         \
        name##_clear_v, name##_list_free_v}

// clang-format off
#define API_ROOT_COLUMNS(FIRST, NEXT)                   \
    FIRST(TEXT, name, "name")                           \
    NEXT(TEXT, title, "title")                          \
    NEXT(TEXT, description, "description")              \
    NEXT(I64, max_content_length, "max_content_length")
// clang-format on
#define REC struct sol_api_root
ROW_DEF(api_root, API_ROOT_COLUMNS, sol_api_root_clear, sol_api_root_list_free);
#undef REC
#define API_ROOT_SELECT "SELECT " API_ROOT_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM api_roots "

// clang-format off
#define COLLECTION_COLUMNS(FIRST, NEXT)    \
    FIRST(TEXT, id, "id")                  \
    NEXT(TEXT, api_root, "api_root")       \
    NEXT(TEXT, title, "title")             \
    NEXT(TEXT, description, "description") \
    NEXT(TEXT, alias, "alias")             \
    NEXT(TEXT, media_types, "media_types") \
    NEXT(INT, default_tlp, "default_tlp")  \
    NEXT(I64, created, "created")
// clang-format on
#define REC struct sol_collection
ROW_DEF(collection, COLLECTION_COLUMNS, sol_collection_clear, sol_collection_list_free);
#undef REC
#define COLLECTION_SELECT "SELECT " COLLECTION_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM collections "

// clang-format off
#define PARTNER_COLUMNS(FIRST, NEXT) \
    FIRST(I64, id, "id")             \
    NEXT(TEXT, name, "name")         \
    NEXT(TEXT, identity, "identity") \
    NEXT(I64, created, "created")
// clang-format on
#define REC struct sol_partner
ROW_DEF(partner, PARTNER_COLUMNS, sol_partner_clear, sol_partner_list_free);
#undef REC
#define PARTNER_SELECT "SELECT " PARTNER_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM partners "

// clang-format off
#define USER_COLUMNS(FIRST, NEXT)                \
    FIRST(I64, id, "u.id")                       \
    NEXT(TEXT, name, "u.name")                   \
    NEXT(I64, partner_id, "u.partner_id")        \
    NEXT(TEXT, partner_name, "p.name")           \
    NEXT(TEXT, partner_identity, "p.identity")   \
    NEXT(INT, clearance, "u.clearance")          \
    NEXT(BOOL, is_admin, "u.is_admin")           \
    NEXT(TEXT, password_hash, "u.password_hash") \
    NEXT(I64, created, "u.created")
// clang-format on
#define REC struct sol_user
ROW_DEF(user, USER_COLUMNS, sol_user_clear, sol_user_list_free);
#undef REC
#define USER_SELECT                                                                                \
    "SELECT " USER_COLUMNS(SQL_FIRST,                                                              \
                           SQL_NEXT) " FROM users u JOIN partners p ON p.id = u.partner_id "

// clang-format off
#define TOKEN_COLUMNS(FIRST, NEXT)      \
    FIRST(I64, id, "t.id")              \
    NEXT(TEXT, name, "t.name")          \
    NEXT(I64, user_id, "t.user_id")     \
    NEXT(TEXT, user_name, "u.name")     \
    NEXT(HASH32, hash, "t.hash")        \
    NEXT(I64, created, "t.created")     \
    NEXT(I64, last_used, "t.last_used") \
    NEXT(BOOL, revoked, "t.revoked")
// clang-format on
#define REC struct sol_token
ROW_DEF(token, TOKEN_COLUMNS, sol_token_clear, sol_token_list_free);
#undef REC
#define TOKEN_SELECT                                                                               \
    "SELECT " TOKEN_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM tokens t JOIN users u ON u.id = "          \
                                                 "t.user_id "

static void
grant_clear(struct sol_grant *g)
{
    sol_free(g->collection);
    sol_free(g->partner_name);
    sol_free(g->user_name);
    memset(g, 0, sizeof *g);
}

// clang-format off
#define GRANT_COLUMNS(FIRST, NEXT)          \
    FIRST(TEXT, collection, "g.collection") \
    NEXT(I64, partner_id, "g.partner_id")   \
    NEXT(I64, user_id, "g.user_id")         \
    NEXT(TEXT, partner_name, "p.name")      \
    NEXT(TEXT, user_name, "u.name")         \
    NEXT(BOOL, can_read, "g.can_read")      \
    NEXT(BOOL, can_write, "g.can_write")
// clang-format on
#define REC struct sol_grant
ROW_DEF(grant, GRANT_COLUMNS, grant_clear, sol_grant_list_free);
#undef REC

// clang-format off
#define PEER_COLUMNS(FIRST, NEXT)          \
    FIRST(I64, id, "id")                   \
    NEXT(TEXT, name, "name")               \
    NEXT(TEXT, url, "url")                 \
    NEXT(TEXT, partner, "partner")         \
    NEXT(TEXT, token, "token")             \
    NEXT(TEXT, config_json, "config_json") \
    NEXT(I64, created, "created")          \
    NEXT(I64, last_sync, "last_sync")
// clang-format on
#define REC struct sol_peer
ROW_DEF(peer, PEER_COLUMNS, sol_peer_clear, sol_peer_list_free);
#undef REC
#define PEER_SELECT "SELECT " PEER_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM peers "

static void
audit_entry_clear(struct sol_audit_entry *e)
{
    sol_free(e->actor);
    sol_free(e->action);
    sol_free(e->target);
    sol_free(e->details);
    memset(e, 0, sizeof *e);
}

// clang-format off
#define AUDIT_COLUMNS(FIRST, NEXT) \
    FIRST(I64, seq, "seq")         \
    NEXT(I64, at, "at")            \
    NEXT(TEXT, actor, "actor")     \
    NEXT(TEXT, action, "action")   \
    NEXT(TEXT, target, "target")   \
    NEXT(TEXT, details, "details")
// clang-format on
#define REC struct sol_audit_entry
ROW_DEF(audit, AUDIT_COLUMNS, audit_entry_clear, sol_audit_list_free);
#undef REC

/* ---- the store ---- */

/*
 * The backend for a URL: "postgresql:" and "postgres:" go to PostgreSQL; "sqlite:X",
 * "sqlite-file:X" and a plain path to SQLite. The backend reads the URL itself.
 */
static const struct sol__store_ops *
backend_of(const char *url)
{
    if (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0)
        return &sol__store_pg_ops;
    return &sol__store_sqlite_ops;
}

/* store.h: open the store named by url with the backend its scheme names. */
int
sol_store_open(const char *url, struct sol_store **out, struct sol_error *err)
{
    if (out)
        *out = NULL;
    if (!url || !*url || !out)
        return sol_error_set(err, SOL_EINVAL, "no store location given");
    return backend_of(url)->open(url, out, err);
}

/* store.h: whether the store named by url exists. */
bool
sol_store_exists(const char *url)
{
    return url && *url && backend_of(url)->exists(url);
}

/* store.h: close; NULL does nothing. */
void
sol_store_close(struct sol_store *s)
{
    if (s)
        s->ops->close(s);
}

/* store.h: the last error's message. */
const char *
sol_store_errmsg(struct sol_store *s)
{
    return s ? s->errmsg : "";
}

/* store.h: the directory of a store kept in files. */
int
sol_store_dir(struct sol_store *s, struct sol_buf *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    return s->ops->dir ? s->ops->dir(s, out) : SOL_EUNSUPPORTED;
}

/* store.h: the schema version. */
int
sol_store_schema_version(struct sol_store *s)
{
    return s ? s->schema_version : SOL_EINVAL;
}

/* store.h: a transaction holding the write lock. */
int
sol_store_begin(struct sol_store *s)
{
    if (!s || s->in_txn)
        return SOL_EINVAL;
    int rc = s->ops->begin(s);
    if (rc == 0)
        s->in_txn = true;
    return rc;
}

int
sol_store_commit(struct sol_store *s)
{
    if (!s || !s->in_txn)
        return SOL_EINVAL;
    s->in_txn = false;
    return s->ops->commit(s);
}

int
sol_store_rollback(struct sol_store *s)
{
    if (!s || !s->in_txn)
        return SOL_EINVAL;
    s->in_txn = false;
    return s->ops->rollback(s);
}

/* store/store.h: the optional extras, SOL_EUNSUPPORTED where a backend has none. */
int
sol__store_collection_state(struct sol_store *s, const char *collection, int64_t state[4])
{
    if (!s || !collection)
        return SOL_EINVAL;
    if (!s->ops->collection_state)
        return SOL_EUNSUPPORTED;
    return s->ops->collection_state(s, collection, state);
}

int
sol__store_read_begin(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->read_begin ? s->ops->read_begin(s) : SOL_EUNSUPPORTED;
}

int
sol__store_read_end(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->read_end ? s->ops->read_end(s) : SOL_EUNSUPPORTED;
}

/* store/store.h: statements without parameters, for tools and benches. */
int
sol__store_exec(struct sol_store *s, const char *sql)
{
    return s && sql ? s->ops->exec(s, sql) : SOL_EINVAL;
}

/* ---- settings ---- */

/* store.h: a setting's value into out. */
int
sol_store_setting_get(struct sol_store *s, const char *key, struct sol_buf *out)
{
    if (!s || !key || !out)
        return SOL_EINVAL;
    struct sol__stmt *st;
    int rc = s->ops->prepare(s, "SELECT value FROM settings WHERE key = ?1", SOL__LITERAL, &st);
    if (rc != 0)
        return rc;
    struct sol__value k = sol__text(key), v;
    rc = s->ops->bind(st, 1, &k);
    if (rc == 0 && (rc = s->ops->step(st)) == SOL__ROW) {
        sol__column(s, st, 0, SOL__TEXT, &v);
        sol_buf_reset(out);
        if (sol_buf_reserve(out, v.n + 1)) {
            sol_buf_append(out, v.p, v.n);
            out->p[out->n] = 0;
        }
        rc = out->oom || !out->p ? sol__store_fail(s, SOL_ENOMEM, "out of memory") : 0;
    } else if (rc == SOL__DONE) {
        rc = SOL_ENOTFOUND;
    }
    s->ops->finish(st);
    return rc;
}

/* store.h: set a setting. */
int
sol_store_setting_set(struct sol_store *s, const char *key, const char *value)
{
    if (!s || !key || !value)
        return SOL_EINVAL;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          SOL__ARGS(sol__text(key), sol__text(value)), NULL);
    return sol__op_end(s, &op, rc);
}

/* store.h: remove a setting. */
int
sol_store_setting_delete(struct sol_store *s, const char *key)
{
    if (!s || !key)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM settings WHERE key = ?1", SOL__ARGS(sol__text(key)),
                          &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

/* ---- API roots ---- */

/* store.h: create or replace an API root. */
int
sol_store_api_root_put(struct sol_store *s, const struct sol_api_root *r)
{
    if (!s || !r || !r->name || !*r->name || !r->title)
        return SOL_EINVAL;
    int64_t max =
        r->max_content_length > 0 ? r->max_content_length : SOL_DEFAULT_MAX_CONTENT_LENGTH;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "INSERT INTO api_roots (name, title, description, max_content_length) "
                          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
                          "title = excluded.title, description = excluded.description, "
                          "max_content_length = excluded.max_content_length",
                          SOL__ARGS(sol__text(r->name), sol__text(r->title),
                                    sol__text(r->description), sol__int(max)),
                          NULL);
    return sol__op_end(s, &op, rc);
}

int
sol_store_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out)
{
    if (!s || !name || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, API_ROOT_SELECT "WHERE name = ?1", SOL__ARGS(sol__text(name)),
                        &api_root_row, out);
}

int
sol_store_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s, API_ROOT_SELECT "ORDER BY name", SOL__NO_ARGS, &api_root_row,
                         (void **)out, n);
}

/* store.h: remove an API root that holds no collection. */
int
sol_store_api_root_delete(struct sol_store *s, const char *name)
{
    if (!s || !name)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, true);
    /* The collections' foreign key cascades: only an empty root may go. */
    if (rc == 0)
        rc = sol__sql_run(s,
                          "DELETE FROM api_roots WHERE name = ?1 AND NOT EXISTS "
                          "(SELECT 1 FROM collections WHERE api_root = ?1)",
                          SOL__ARGS(sol__text(name)), &changed);
    if (rc == 0 && changed == 0) {
        struct sol_api_root r;
        rc = sol_store_api_root_get(s, name, &r);
        if (rc == 0) {
            sol_api_root_clear(&r);
            rc = SOL_ECONFLICT;
        }
    }
    /* The default that named it names nothing now. */
    struct sol_buf def;
    sol_buf_init(&def);
    if (rc == 0 && sol_store_setting_get(s, SOL_SETTING_DEFAULT_API_ROOT, &def) == 0 && def.p &&
        strcmp(def.p, name) == 0)
        rc = sol_store_setting_set(s, SOL_SETTING_DEFAULT_API_ROOT, "");
    sol_buf_free(&def);
    return sol__op_end(s, &op, rc);
}

/* store.h: the node's default API root. */
int
sol_store_default_api_root(struct sol_store *s, struct sol_buf *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    struct sol_buf def;
    sol_buf_init(&def);
    int rc = sol_store_setting_get(s, SOL_SETTING_DEFAULT_API_ROOT, &def);
    if (rc != 0 && rc != SOL_ENOTFOUND) {
        sol_buf_free(&def);
        return rc;
    }
    struct sol_api_root *roots = NULL;
    size_t n = 0;
    rc = sol_store_api_root_list(s, &roots, &n);
    if (rc != 0) {
        sol_buf_free(&def);
        return rc;
    }
    const char *pick = NULL;
    for (size_t i = 0; i < n && !pick; i++)
        if (def.p && strcmp(roots[i].name, def.p) == 0)
            pick = roots[i].name;
    for (size_t i = 0; i < n && !pick; i++)
        if (strcmp(roots[i].name, SOL_DEFAULT_API_ROOT) == 0)
            pick = roots[i].name;
    if (!pick && n)
        pick = roots[0].name; /* ordered by name */
    if (pick)
        sol_buf_puts(out, pick);
    rc = !pick ? SOL_ENOTFOUND : out->oom ? SOL_ENOMEM : 0;
    sol_api_root_list_free(roots, n);
    sol_buf_free(&def);
    return rc;
}

/* ---- collections ---- */

/* store.h: create or update a collection. */
int
sol_store_collection_put(struct sol_store *s, const struct sol_collection *c)
{
    if (!s || !c || !c->id || !*c->id || !c->api_root || !c->title)
        return SOL_EINVAL;
    const char *alias = c->alias && *c->alias ? c->alias : NULL;
    int tlp = c->default_tlp > 0 ? c->default_tlp : SOL_TLP_AMBER;
    sol_time_t created = c->created ? c->created : sol_time_now();
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(
            s,
            "INSERT INTO collections (id, api_root, title, description, alias, media_types, "
            "default_tlp, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO "
            "UPDATE SET api_root = excluded.api_root, title = excluded.title, "
            "description = excluded.description, alias = excluded.alias, "
            "media_types = excluded.media_types, default_tlp = excluded.default_tlp",
            SOL__ARGS(sol__text(c->id), sol__text(c->api_root), sol__text(c->title),
                      sol__text(c->description), sol__text(alias), sol__text(c->media_types),
                      sol__int(tlp), sol__int(created)),
            NULL);
    return sol__op_end(s, &op, rc);
}

/* store.h: by API root (NULL: any) and id or alias; an id wins over an alias. */
int
sol_store_collection_get(struct sol_store *s, const char *api_root, const char *id,
                         struct sol_collection *out)
{
    if (!s || !id || !out)
        return SOL_EINVAL;
    return sol__sql_get(s,
                        COLLECTION_SELECT
                        "WHERE api_root = coalesce(?1, api_root) "
                        "AND (id = ?2 OR alias = ?2) ORDER BY id = ?2 DESC LIMIT 1",
                        SOL__ARGS(sol__text(api_root), sol__text(id)), &collection_row, out);
}

int
sol_store_collection_list(struct sol_store *s, const char *api_root, struct sol_collection **out,
                          size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s,
                         COLLECTION_SELECT "WHERE api_root = coalesce(?1, api_root) "
                                           "ORDER BY created, id",
                         SOL__ARGS(sol__text(api_root)), &collection_row, (void **)out, n);
}

/* store.h: delete a collection (its objects and grants go with it: ON DELETE CASCADE). */
int
sol_store_collection_delete(struct sol_store *s, const char *api_root, const char *id)
{
    if (!s || !id)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "DELETE FROM collections WHERE id = ?2 AND api_root = coalesce(?1, "
                          "api_root)",
                          SOL__ARGS(sol__text(api_root), sol__text(id)), &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

int
sol_store_collection_count(struct sol_store *s, const char *collection, int64_t *n)
{
    if (!s || !collection || !n)
        return SOL_EINVAL;
    return sol__sql_int(s,
                        "SELECT count(*) FROM objects WHERE collection = "
                        "(SELECT key FROM collections WHERE id = ?1)",
                        SOL__ARGS(sol__text(collection)), n);
}

/* ---- objects (the queries are in filter.c) ---- */

/* store.h: add one object version; the backend's own path. */
int
sol_store_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
                     bool *added, sol_time_t *date_added)
{
    bool a = false;
    sol_time_t d = 0;
    int rc = SOL_EINVAL;
    if (s && collection && row && row->id.n && row->type.n && row->json.n)
        rc = s->ops->object_add(s, collection, row, &a, &d);
    if (added)
        *added = rc == 0 && a;
    if (date_added)
        *date_added = rc == 0 ? d : 0;
    return rc;
}

/* ---- status ---- */

#define STATUS_ENTRY_COLUMNS 6
#define STATUS_ENTRIES_MAX   64 /* rows per INSERT */

/*
 * INSERT k status entries in one statement (k a power of two up to STATUS_ENTRIES_MAX,
 * so that a handful of statement texts serve every count).
 */
static int
status_entries_insert(struct sol_store *s, const struct sol__value *v, int k)
{
    char sql[64 + STATUS_ENTRIES_MAX * 48];
    int n = snprintf(sql, sizeof sql,
                     "INSERT INTO status_entries (status_id, kind, idx, object_id, version, "
                     "message) VALUES ");
    char p = s->ops->dialect->param;
    for (int r = 0; r < k; r++) {
        int b = r * STATUS_ENTRY_COLUMNS;
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s(%c%d, %c%d, %c%d, %c%d, %c%d, %c%d)",
                      r ? ", " : "", p, b + 1, p, b + 2, p, b + 3, p, b + 4, p, b + 5, p, b + 6);
    }
    struct sol__stmt *st;
    int rc = s->ops->prepare(s, sql, 0, &st);
    if (rc != 0)
        return rc;
    rc = sol__sql_bind_all(s, st, v, k * STATUS_ENTRY_COLUMNS);
    if (rc == 0)
        rc = s->ops->step(st);
    s->ops->finish(st);
    return rc == SOL__DONE ? 0 : rc;
}

/* Every entry of st, in as few statements as the powers of two of their count take. */
static int
status_entries_put(struct sol_store *s, const struct sol_status *stt)
{
    const struct sol_status_entry *lists[3] = {stt->successes, stt->failures, stt->pendings};
    size_t counts[3] = {stt->n_successes, stt->n_failures, stt->n_pendings};
    struct sol__value v[STATUS_ENTRIES_MAX * STATUS_ENTRY_COLUMNS];
    int k = 0, rc = 0;
    for (int kind = 0; kind < 3 && rc == 0; kind++) {
        for (size_t i = 0; i < counts[kind] && rc == 0; i++) {
            const struct sol_status_entry *e = &lists[kind][i];
            struct sol__value *r = &v[k * STATUS_ENTRY_COLUMNS];
            r[0] = sol__text(stt->id);
            r[1] = sol__int(kind);
            r[2] = sol__int((int64_t)i);
            r[3] = sol__text(e->id ? e->id : "");
            r[4] = sol__text(e->version ? e->version : "");
            r[5] = sol__text(e->message);
            if (++k == STATUS_ENTRIES_MAX) {
                rc = status_entries_insert(s, v, k);
                k = 0;
            }
        }
    }
    for (int part = STATUS_ENTRIES_MAX / 2, done = 0; rc == 0 && part > 0; part /= 2) {
        if (k - done >= part) {
            rc = status_entries_insert(s, v + done * STATUS_ENTRY_COLUMNS, part);
            done += part;
        }
    }
    return rc;
}

/* store.h: create or replace a status resource. */
int
sol_store_status_put(struct sol_store *s, const struct sol_status *stt)
{
    if (!s || !stt || !stt->id || !stt->status)
        return SOL_EINVAL;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, true);
    if (rc == 0)
        rc = sol__sql_run(
            s,
            "INSERT INTO status (id, status, request_timestamp, total_count, success_count, "
            "failure_count, pending_count, owner, owner_user, owner_partner) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
            "ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
            "request_timestamp = excluded.request_timestamp, total_count = excluded.total_count, "
            "success_count = excluded.success_count, failure_count = excluded.failure_count, "
            "pending_count = excluded.pending_count, owner = excluded.owner, "
            "owner_user = excluded.owner_user, owner_partner = excluded.owner_partner",
            SOL__ARGS(sol__text(stt->id), sol__text(stt->status), sol__int(stt->request_timestamp),
                      sol__int(stt->total_count), sol__int(stt->success_count),
                      sol__int(stt->failure_count), sol__int(stt->pending_count),
                      sol__text(stt->owner), sol__int(stt->owner_user_id),
                      sol__int(stt->owner_partner_id)),
            NULL);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM status_entries WHERE status_id = ?1",
                          SOL__ARGS(sol__text(stt->id)), NULL);
    if (rc == 0)
        rc = status_entries_put(s, stt);
    return sol__op_end(s, &op, rc);
}

/* One entry of a status into its list; false: out of memory. */
static bool
status_entry_add(struct sol_status *out, int kind, size_t caps[3], const struct sol__value v[3])
{
    struct sol_status_entry **lists[3] = {&out->successes, &out->failures, &out->pendings};
    size_t *counts[3] = {&out->n_successes, &out->n_failures, &out->n_pendings};
    if (*counts[kind] == caps[kind]) {
        size_t ncap = caps[kind] ? caps[kind] * 2 : 8;
        struct sol_status_entry *nv = sol_realloc(*lists[kind], ncap * sizeof *nv);
        if (!nv)
            return false;
        *lists[kind] = nv;
        caps[kind] = ncap;
    }
    struct sol_status_entry *e = &(*lists[kind])[(*counts[kind])++];
    memset(e, 0, sizeof *e);
    char **to[3] = {&e->id, &e->version, &e->message};
    for (int i = 0; i < 3; i++) {
        if (v[i].type == SOL__NULL)
            continue;
        *to[i] = sol_strndup(v[i].p ? v[i].p : "", v[i].n);
        if (!*to[i])
            return false;
    }
    return true;
}

// clang-format off
#define STATUS_COLUMNS(FIRST, NEXT)                   \
    FIRST(TEXT, id, "id")                             \
    NEXT(TEXT, status, "status")                      \
    NEXT(I64, request_timestamp, "request_timestamp") \
    NEXT(I64, total_count, "total_count")             \
    NEXT(I64, success_count, "success_count")         \
    NEXT(I64, failure_count, "failure_count")         \
    NEXT(I64, pending_count, "pending_count")         \
    NEXT(TEXT, owner, "owner")                        \
    NEXT(I64, owner_user_id, "owner_user")            \
    NEXT(I64, owner_partner_id, "owner_partner")
// clang-format on
static void
status_list_free(struct sol_status *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_status_clear(&v[i]);
    sol_free(v);
}
#define REC struct sol_status
ROW_DEF(status, STATUS_COLUMNS, sol_status_clear, status_list_free);
#undef REC

/* store.h: a status resource with its entries. */
int
sol_store_status_get(struct sol_store *s, const char *id, struct sol_status *out)
{
    if (!s || !id || !out)
        return SOL_EINVAL;
    int rc =
        sol__sql_get(s, "SELECT " STATUS_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM status WHERE id = ?1",
                     SOL__ARGS(sol__text(id)), &status_row, out);
    if (rc != 0)
        return rc;
    struct sol__stmt *st;
    rc = s->ops->prepare(s,
                         "SELECT kind, object_id, version, message FROM status_entries "
                         "WHERE status_id = ?1 ORDER BY kind, idx",
                         SOL__LITERAL, &st);
    if (rc == 0) {
        struct sol__value k = sol__text(id);
        size_t caps[3] = {0, 0, 0};
        rc = s->ops->bind(st, 1, &k);
        while (rc == 0 && (rc = s->ops->step(st)) == SOL__ROW) {
            struct sol__value kind, v[3];
            sol__column(s, st, 0, SOL__INT, &kind);
            for (int i = 0; i < 3; i++)
                sol__column(s, st, i + 1, SOL__TEXT, &v[i]);
            if (kind.i < 0 || kind.i > 2)
                continue;
            rc = status_entry_add(out, (int)kind.i, caps, v)
                     ? 0
                     : sol__store_fail(s, SOL_ENOMEM, "out of memory");
        }
        s->ops->finish(st);
    }
    if (rc != SOL__DONE) {
        sol_status_clear(out);
        return rc;
    }
    return 0;
}

/* store.h: remove status resources older than before. */
int
sol_store_status_expire(struct sol_store *s, sol_time_t before, size_t *removed)
{
    if (removed)
        *removed = 0;
    if (!s)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM status WHERE request_timestamp < ?1",
                          SOL__ARGS(sol__int(before)), &changed);
    rc = sol__op_end(s, &op, rc);
    if (removed && rc == 0)
        *removed = (size_t)changed;
    return rc;
}

/* ---- partners ---- */

/* store.h: add a partner; its identity id made when not given, checked when given. */
int
sol_store_partner_add(struct sol_store *s, const char *name, const char *identity, int64_t *id)
{
    if (!s || !name || !*name)
        return SOL_EINVAL;
    char made[64];
    struct sol_uuid u;
    if (!identity) {
        char text[40];
        sol_uuid_v4(&u);
        sol_uuid_format(&u, text);
        snprintf(made, sizeof made, "identity--%s", text);
        identity = made;
    } else if (strncmp(identity, "identity--", 10) != 0 ||
               sol_uuid_parse(identity + 10, strlen(identity + 10), &u) != 0) {
        return SOL_EINVAL;
    }
    struct sol__op op;
    int64_t got = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_int(s,
                          "INSERT INTO partners (name, identity, created) VALUES (?1, ?2, ?3) "
                          "RETURNING id",
                          SOL__ARGS(sol__text(name), sol__text(identity), sol__int(sol_time_now())),
                          &got);
    rc = sol__op_end(s, &op, rc);
    if (id && rc == 0)
        *id = got;
    return rc;
}

/* store.h: by name, or by identity id. */
int
sol_store_partner_get(struct sol_store *s, const char *name, struct sol_partner *out)
{
    if (!s || !name || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, PARTNER_SELECT "WHERE name = ?1 OR identity = ?1 ORDER BY id LIMIT 1",
                        SOL__ARGS(sol__text(name)), &partner_row, out);
}

int
sol_store_partner_get_by_id(struct sol_store *s, int64_t id, struct sol_partner *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, PARTNER_SELECT "WHERE id = ?1", SOL__ARGS(sol__int(id)), &partner_row,
                        out);
}

int
sol_store_partner_list(struct sol_store *s, struct sol_partner **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s, PARTNER_SELECT "ORDER BY name", SOL__NO_ARGS, &partner_row,
                         (void **)out, n);
}

/* store.h: remove a partner and its grants; SOL_ECONFLICT while it has users. */
int
sol_store_partner_delete(struct sol_store *s, const char *name)
{
    if (!s || !name)
        return SOL_EINVAL;
    static const char *const find[2] = {
        "SELECT p.id, (SELECT count(*) FROM users u WHERE u.partner_id = p.id) "
        "FROM partners p WHERE p.name = ?1",
        "SELECT p.id, (SELECT count(*) FROM users u WHERE u.partner_id = p.id) "
        "FROM partners p WHERE p.name = ?1 FOR UPDATE",
    };
    struct sol__op op;
    int rc = sol__op_begin(s, &op, true);
    int64_t pid = 0;
    if (rc == 0) {
        struct sol__stmt *st;
        rc = s->ops->prepare(s, find[s->ops->dialect->row_lock], SOL__LITERAL, &st);
        if (rc == 0) {
            struct sol__value v = sol__text(name), users;
            rc = s->ops->bind(st, 1, &v);
            if (rc == 0 && (rc = s->ops->step(st)) == SOL__ROW) {
                sol__column(s, st, 0, SOL__INT, &v);
                sol__column(s, st, 1, SOL__INT, &users);
                pid = v.i;
                rc = users.i > 0 ? SOL_ECONFLICT : 0;
            } else if (rc == SOL__DONE) {
                rc = SOL_ENOTFOUND;
            }
            s->ops->finish(st);
        }
    }
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM grants WHERE partner_id = ?1", SOL__ARGS(sol__int(pid)),
                          NULL);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM partners WHERE id = ?1", SOL__ARGS(sol__int(pid)), NULL);
    return sol__op_end(s, &op, rc);
}

/* ---- users ---- */

static bool
clearance_ok(int clearance)
{
    return clearance >= SOL_TLP_CLEAR && clearance <= SOL_TLP_RED;
}

/* store.h: add a user. */
int
sol_store_user_add(struct sol_store *s, const struct sol_user *u, int64_t *id)
{
    if (!s || !u || !u->name || !*u->name || !clearance_ok(u->clearance))
        return SOL_EINVAL;
    struct sol__op op;
    int64_t got = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_int(s,
                          "INSERT INTO users (name, partner_id, clearance, is_admin, "
                          "password_hash, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                          SOL__ARGS(sol__text(u->name), sol__int(u->partner_id),
                                    sol__int(u->clearance), sol__bool(u->is_admin),
                                    sol__text(u->password_hash),
                                    sol__int(u->created ? u->created : sol_time_now())),
                          &got);
    rc = sol__op_end(s, &op, rc);
    if (id && rc == 0)
        *id = got;
    return rc;
}

int
sol_store_user_get(struct sol_store *s, const char *name, struct sol_user *out)
{
    if (!s || !name || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, USER_SELECT "WHERE u.name = ?1", SOL__ARGS(sol__text(name)), &user_row,
                        out);
}

int
sol_store_user_get_by_id(struct sol_store *s, int64_t id, struct sol_user *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, USER_SELECT "WHERE u.id = ?1", SOL__ARGS(sol__int(id)), &user_row, out);
}

int
sol_store_user_list(struct sol_store *s, int64_t partner_id, struct sol_user **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s, USER_SELECT "WHERE ?1 = 0 OR u.partner_id = ?1 ORDER BY u.name",
                         SOL__ARGS(sol__int(partner_id)), &user_row, (void **)out, n);
}

/* store.h: change a user's clearance, admin flag and (unless NULL) password hash. */
int
sol_store_user_update(struct sol_store *s, const struct sol_user *u)
{
    if (!s || !u || !clearance_ok(u->clearance))
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "UPDATE users SET clearance = ?2, is_admin = ?3, "
                          "password_hash = coalesce(?4, password_hash) WHERE id = ?1",
                          SOL__ARGS(sol__int(u->id), sol__int(u->clearance), sol__bool(u->is_admin),
                                    sol__text(u->password_hash)),
                          &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

/* store.h: remove a user with their grants (their tokens go by ON DELETE CASCADE). */
int
sol_store_user_delete(struct sol_store *s, const char *name)
{
    if (!s || !name)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, true);
    if (rc == 0)
        rc = sol__sql_run(
            s, "DELETE FROM grants WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            SOL__ARGS(sol__text(name)), NULL);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM users WHERE name = ?1", SOL__ARGS(sol__text(name)),
                          &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

/* ---- tokens ---- */

/* store.h: keep a token's hash. */
int
sol_store_token_add(struct sol_store *s, const struct sol_token *t, int64_t *id)
{
    if (!s || !t)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t got = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc =
            sol__sql_int(s,
                         "INSERT INTO tokens (name, user_id, hash, created) "
                         "VALUES (?1, ?2, ?3, ?4) RETURNING id",
                         SOL__ARGS(sol__text(t->name), sol__int(t->user_id), sol__blob(t->hash, 32),
                                   sol__int(t->created ? t->created : sol_time_now())),
                         &got);
    rc = sol__op_end(s, &op, rc);
    if (id && rc == 0)
        *id = got;
    return rc;
}

int
sol_store_token_find(struct sol_store *s, const uint8_t hash[32], struct sol_token *out)
{
    if (!s || !hash || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, TOKEN_SELECT "WHERE t.hash = ?1", SOL__ARGS(sol__blob(hash, 32)),
                        &token_row, out);
}

int
sol_store_token_list(struct sol_store *s, int64_t user_id, struct sol_token **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s, TOKEN_SELECT "WHERE ?1 = 0 OR t.user_id = ?1 ORDER BY t.id",
                         SOL__ARGS(sol__int(user_id)), &token_row, (void **)out, n);
}

/* One UPDATE of a row by id as an operation; SOL_ENOTFOUND when no row has that id. */
static int
update_by_id(struct sol_store *s, const char *sql, int64_t id, struct sol__value v)
{
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s, sql, SOL__ARGS(sol__int(id), v), &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

int
sol_store_token_revoke(struct sol_store *s, int64_t id)
{
    if (!s)
        return SOL_EINVAL;
    return update_by_id(s, "UPDATE tokens SET revoked = ?2 WHERE id = ?1", id, sol__bool(true));
}

/*
 * store.h: record a use. A bookkeeping write on the read path: outside a transaction it
 * must not make a GET wait behind a writer, so it does not wait for the write lock
 * (SQLite) or for the token's row (PostgreSQL, where writes lock rows): SOL_EBUSY at once.
 */
int
sol_store_token_touch(struct sol_store *s, int64_t id, sol_time_t at)
{
    if (!s)
        return SOL_EINVAL;
    bool nowait = !s->in_txn;
    if (nowait && s->ops->lock_wait)
        s->ops->lock_wait(s, false);
    int rc = update_by_id(s,
                          nowait && s->ops->dialect->row_lock
                              ? "UPDATE tokens SET last_used = ?2 WHERE id = "
                                "(SELECT id FROM tokens WHERE id = ?1 FOR UPDATE NOWAIT)"
                              : "UPDATE tokens SET last_used = ?2 WHERE id = ?1",
                          id, sol__int(at));
    if (nowait && s->ops->lock_wait)
        s->ops->lock_wait(s, true);
    return rc;
}

/* ---- grants ---- */

static bool
grant_ok(const struct sol_grant *g)
{
    return g && g->collection && (g->partner_id == 0) != (g->user_id == 0);
}

/* store.h: add permissions (a missing collection breaks the foreign key: SOL_ENOTFOUND). */
int
sol_store_grant_add(struct sol_store *s, const struct sol_grant *g)
{
    if (!s || !grant_ok(g))
        return SOL_EINVAL;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(
            s,
            "INSERT INTO grants (collection, partner_id, user_id, can_read, can_write) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (collection, partner_id, user_id) "
            "DO UPDATE SET can_read = grants.can_read OR excluded.can_read, "
            "can_write = grants.can_write OR excluded.can_write",
            SOL__ARGS(sol__text(g->collection), sol__int(g->partner_id), sol__int(g->user_id),
                      sol__bool(g->can_read), sol__bool(g->can_write)),
            NULL);
    return sol__op_end(s, &op, rc);
}

/* store.h: take permissions away; a grant left with none goes. */
int
sol_store_grant_remove(struct sol_store *s, const struct sol_grant *g)
{
    if (!s || !grant_ok(g))
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, true);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "UPDATE grants SET can_read = can_read AND NOT ?4, "
                          "can_write = can_write AND NOT ?5 "
                          "WHERE collection = ?1 AND partner_id = ?2 AND user_id = ?3",
                          SOL__ARGS(sol__text(g->collection), sol__int(g->partner_id),
                                    sol__int(g->user_id), sol__bool(g->can_read),
                                    sol__bool(g->can_write)),
                          &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM grants WHERE NOT can_read AND NOT can_write",
                          SOL__NO_ARGS, NULL);
    return sol__op_end(s, &op, rc);
}

/* store.h: what a user's grants and their partner's give together. */
int
sol_store_grant_check(struct sol_store *s, const char *collection, int64_t user_id,
                      int64_t partner_id, bool *can_read, bool *can_write)
{
    if (can_read)
        *can_read = false;
    if (can_write)
        *can_write = false;
    if (!s || !collection || !can_read || !can_write)
        return SOL_EINVAL;
#define GRANTS_OF                                                                                  \
    "SELECT 1 FROM grants WHERE collection = ?1 AND ((user_id = ?2 AND partner_id = 0) OR "        \
    "(partner_id = ?3 AND user_id = 0))"
    struct sol__stmt *st;
    int rc = s->ops->prepare(s,
                             "SELECT EXISTS (" GRANTS_OF " AND can_read), "
                             "EXISTS (" GRANTS_OF " AND can_write)",
                             SOL__LITERAL, &st);
#undef GRANTS_OF
    if (rc != 0)
        return rc;
    rc = sol__sql_bind_all(s, st,
                           SOL__ARGS(sol__text(collection), sol__int(user_id ? user_id : -1),
                                     sol__int(partner_id ? partner_id : -1)));
    if (rc == 0 && (rc = s->ops->step(st)) == SOL__ROW) {
        struct sol__value r, w;
        sol__column(s, st, 0, SOL__BOOL, &r);
        sol__column(s, st, 1, SOL__BOOL, &w);
        *can_read = r.i != 0;
        *can_write = w.i != 0;
        rc = 0;
    } else if (rc == SOL__DONE) {
        rc = sol__store_fail(s, SOL_ESTORE, "no row from a grant check");
    }
    s->ops->finish(st);
    return rc;
}

/* store.h: grants by collection, partners' (by name) before users' (by name). */
int
sol_store_grant_list(struct sol_store *s, const char *collection, struct sol_grant **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(
        s,
        "SELECT " GRANT_COLUMNS(
            SQL_FIRST, SQL_NEXT) " FROM grants g "
                                 "LEFT JOIN partners p ON p.id = g.partner_id "
                                 "LEFT JOIN users u ON u.id = g.user_id "
                                 "WHERE g.collection = coalesce(?1, g.collection) "
                                 "ORDER BY g.collection, g.user_id <> 0, p.name NULLS FIRST, "
                                 "u.name NULLS FIRST",
        SOL__ARGS(sol__text(collection)), &grant_row, (void **)out, n);
}

/* ---- peers ---- */

/* store.h: create or replace a peer (by name). */
int
sol_store_peer_put(struct sol_store *s, const struct sol_peer *p)
{
    if (!s || !p || !p->name || !p->url)
        return SOL_EINVAL;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(
            s,
            "INSERT INTO peers (name, url, partner, token, config_json, created, last_sync) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET "
            "url = excluded.url, partner = excluded.partner, token = excluded.token, "
            "config_json = excluded.config_json, last_sync = excluded.last_sync",
            SOL__ARGS(sol__text(p->name), sol__text(p->url), sol__text(p->partner),
                      sol__text(p->token), sol__text(p->config_json),
                      sol__int(p->created ? p->created : sol_time_now()), sol__int(p->last_sync)),
            NULL);
    return sol__op_end(s, &op, rc);
}

int
sol_store_peer_get(struct sol_store *s, const char *name, struct sol_peer *out)
{
    if (!s || !name || !out)
        return SOL_EINVAL;
    return sol__sql_get(s, PEER_SELECT "WHERE name = ?1", SOL__ARGS(sol__text(name)), &peer_row,
                        out);
}

int
sol_store_peer_list(struct sol_store *s, struct sol_peer **out, size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    return sol__sql_list(s, PEER_SELECT "ORDER BY name", SOL__NO_ARGS, &peer_row, (void **)out, n);
}

int
sol_store_peer_delete(struct sol_store *s, const char *name)
{
    if (!s || !name)
        return SOL_EINVAL;
    struct sol__op op;
    int64_t changed = 0;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s, "DELETE FROM peers WHERE name = ?1", SOL__ARGS(sol__text(name)),
                          &changed);
    if (rc == 0 && changed == 0)
        rc = SOL_ENOTFOUND;
    return sol__op_end(s, &op, rc);
}

/* ---- audit ---- */

/* store.h: append to the audit log. */
int
sol_store_audit(struct sol_store *s, const char *actor, const char *action, const char *target,
                const char *details_json)
{
    if (!s || !actor || !action)
        return SOL_EINVAL;
    struct sol__op op;
    int rc = sol__op_begin(s, &op, false);
    if (rc == 0)
        rc = sol__sql_run(s,
                          "INSERT INTO audit (at, actor, action, target, details) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          SOL__ARGS(sol__int(sol_time_now()), sol__text(actor), sol__text(action),
                                    sol__text(target), sol__text(details_json)),
                          NULL);
    return sol__op_end(s, &op, rc);
}

/* store.h: the entries after seq `after`, oldest first, at most limit (0: all). */
int
sol_store_audit_list(struct sol_store *s, int64_t after, size_t limit, struct sol_audit_entry **out,
                     size_t *n)
{
    if (!s || !out || !n)
        return SOL_EINVAL;
    int64_t lim = limit && limit < (size_t)INT64_MAX ? (int64_t)limit : INT64_MAX;
    return sol__sql_list(
        s,
        "SELECT " AUDIT_COLUMNS(SQL_FIRST, SQL_NEXT) " FROM audit "
                                                     "WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        SOL__ARGS(sol__int(after), sol__int(lim)), &audit_row, (void **)out, n);
}

/* ---- releasing records (store.h) ---- */

/* store.h: release the strings of a record (the record itself is the caller's). */
void
sol_api_root_clear(struct sol_api_root *r)
{
    if (!r)
        return;
    sol_free(r->name);
    sol_free(r->title);
    sol_free(r->description);
    memset(r, 0, sizeof *r);
}

/* store.h: release a list from sol_store_api_root_list(). */
void
sol_api_root_list_free(struct sol_api_root *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_api_root_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a collection record. */
void
sol_collection_clear(struct sol_collection *c)
{
    if (!c)
        return;
    sol_free(c->id);
    sol_free(c->api_root);
    sol_free(c->title);
    sol_free(c->description);
    sol_free(c->alias);
    sol_free(c->media_types);
    memset(c, 0, sizeof *c);
}

/* store.h: release a list from sol_store_collection_list(). */
void
sol_collection_list_free(struct sol_collection *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_collection_clear(&v[i]);
    sol_free(v);
}

static void
status_entries_free(struct sol_status_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sol_free(v[i].id);
        sol_free(v[i].version);
        sol_free(v[i].message);
    }
    sol_free(v);
}

/* store.h: release the strings and lists of a status record. */
void
sol_status_clear(struct sol_status *st)
{
    if (!st)
        return;
    sol_free(st->id);
    sol_free(st->status);
    sol_free(st->owner);
    status_entries_free(st->successes, st->n_successes);
    status_entries_free(st->failures, st->n_failures);
    status_entries_free(st->pendings, st->n_pendings);
    memset(st, 0, sizeof *st);
}

/* store.h: release the strings of a partner record. */
void
sol_partner_clear(struct sol_partner *p)
{
    if (!p)
        return;
    sol_free(p->name);
    sol_free(p->identity);
    memset(p, 0, sizeof *p);
}

/* store.h: release a list from sol_store_partner_list(). */
void
sol_partner_list_free(struct sol_partner *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_partner_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a user record. */
void
sol_user_clear(struct sol_user *u)
{
    if (!u)
        return;
    sol_free(u->name);
    sol_free(u->partner_name);
    sol_free(u->partner_identity);
    sol_free(u->password_hash);
    memset(u, 0, sizeof *u);
}

/* store.h: release a list from sol_store_user_list(). */
void
sol_user_list_free(struct sol_user *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_user_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a token record. */
void
sol_token_clear(struct sol_token *t)
{
    if (!t)
        return;
    sol_free(t->name);
    sol_free(t->user_name);
    memset(t, 0, sizeof *t);
}

/* store.h: release a list from sol_store_token_list(). */
void
sol_token_list_free(struct sol_token *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_token_clear(&v[i]);
    sol_free(v);
}

/* store.h: release a list from sol_store_grant_list(). */
void
sol_grant_list_free(struct sol_grant *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        grant_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a peer record. */
void
sol_peer_clear(struct sol_peer *p)
{
    if (!p)
        return;
    sol_free(p->name);
    sol_free(p->url);
    sol_free(p->partner);
    sol_free(p->token);
    sol_free(p->config_json);
    memset(p, 0, sizeof *p);
}

/* store.h: release a list from sol_store_peer_list(). */
void
sol_peer_list_free(struct sol_peer *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_peer_clear(&v[i]);
    sol_free(v);
}

/* store.h: release a list from sol_store_audit_list(). */
void
sol_audit_list_free(struct sol_audit_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        audit_entry_clear(&v[i]);
    sol_free(v);
}
