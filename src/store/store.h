/*
 * store/store.h — internals of the store: the backend interface behind store.c.
 *
 * A backend is a struct sol__store_ops of function pointers, one per operation of
 * include/solidarity/store.h; store.c is the only file that calls through it. A
 * backend's handle starts with struct sol_store (its ops), its cursors with struct
 * sol_store_cursor.
 */
#ifndef SOLIDARITY_STORE_INTERNAL_H
#define SOLIDARITY_STORE_INTERNAL_H

#include "solidarity/store.h"

struct sol__store_ops;

struct sol_store {
    const struct sol__store_ops *ops;
};

struct sol_store_cursor {
    struct sol_store *store;
};

struct sol__store_ops {
    const char *name;
    bool (*exists)(const char *location);
    int (*open)(const char *location, struct sol_store **out, struct sol_error *err);
    void (*close)(struct sol_store *s);
    const char *(*errmsg)(struct sol_store *s);
    int (*schema_version)(struct sol_store *s);

    int (*begin)(struct sol_store *s);
    int (*commit)(struct sol_store *s);
    int (*rollback)(struct sol_store *s);

    int (*setting_get)(struct sol_store *s, const char *key, struct sol_buf *out);
    int (*setting_set)(struct sol_store *s, const char *key, const char *value);

    int (*api_root_put)(struct sol_store *s, const struct sol_api_root *r);
    int (*api_root_get)(struct sol_store *s, const char *name, struct sol_api_root *out);
    int (*api_root_list)(struct sol_store *s, struct sol_api_root **out, size_t *n);
    /* Delete the root named name when no collection is in it: 0, SOL_ENOTFOUND (no such
       root) or SOL_ECONFLICT (it holds collections), in one statement. */
    int (*api_root_delete)(struct sol_store *s, const char *name);

    int (*collection_put)(struct sol_store *s, const struct sol_collection *c);
    int (*collection_get)(struct sol_store *s, const char *api_root, const char *id,
                          struct sol_collection *out);
    int (*collection_list)(struct sol_store *s, const char *api_root, struct sol_collection **out,
                           size_t *n);
    int (*collection_delete)(struct sol_store *s, const char *api_root, const char *id);
    int (*collection_count)(struct sol_store *s, const char *collection, int64_t *n);

    int (*object_add)(struct sol_store *s, const char *collection, const struct sol_object_row *row,
                      bool *added, sol_time_t *date_added);
    int (*objects_query)(struct sol_store *s, const struct sol_object_filter *f,
                         struct sol_store_cursor **out);
    int (*cursor_next)(struct sol_store_cursor *c, struct sol_object_row *row);
    void (*cursor_close)(struct sol_store_cursor *c);
    int (*objects_delete)(struct sol_store *s, const struct sol_object_filter *f, size_t *deleted);

    int (*status_put)(struct sol_store *s, const struct sol_status *st);
    int (*status_get)(struct sol_store *s, const char *id, struct sol_status *out);
    int (*status_expire)(struct sol_store *s, sol_time_t before, size_t *removed);

    int (*partner_add)(struct sol_store *s, const char *name, const char *identity, int64_t *id);
    int (*partner_get)(struct sol_store *s, const char *name, struct sol_partner *out);
    int (*partner_get_by_id)(struct sol_store *s, int64_t id, struct sol_partner *out);
    int (*partner_list)(struct sol_store *s, struct sol_partner **out, size_t *n);
    int (*partner_delete)(struct sol_store *s, const char *name);

    int (*user_add)(struct sol_store *s, const struct sol_user *u, int64_t *id);
    int (*user_get)(struct sol_store *s, const char *name, struct sol_user *out);
    int (*user_get_by_id)(struct sol_store *s, int64_t id, struct sol_user *out);
    int (*user_list)(struct sol_store *s, int64_t partner_id, struct sol_user **out, size_t *n);
    int (*user_update)(struct sol_store *s, const struct sol_user *u);
    int (*user_delete)(struct sol_store *s, const char *name);

    int (*token_add)(struct sol_store *s, const struct sol_token *t, int64_t *id);
    int (*token_find)(struct sol_store *s, const uint8_t hash[32], struct sol_token *out);
    int (*token_list)(struct sol_store *s, int64_t user_id, struct sol_token **out, size_t *n);
    int (*token_revoke)(struct sol_store *s, int64_t id);
    int (*token_touch)(struct sol_store *s, int64_t id, sol_time_t at);

    int (*grant_add)(struct sol_store *s, const struct sol_grant *g);
    int (*grant_remove)(struct sol_store *s, const struct sol_grant *g);
    int (*grant_check)(struct sol_store *s, const char *collection, int64_t user_id,
                       int64_t partner_id, bool *can_read, bool *can_write);
    int (*grant_list)(struct sol_store *s, const char *collection, struct sol_grant **out,
                      size_t *n);

    int (*peer_put)(struct sol_store *s, const struct sol_peer *p);
    int (*peer_get)(struct sol_store *s, const char *name, struct sol_peer *out);
    int (*peer_list)(struct sol_store *s, struct sol_peer **out, size_t *n);
    int (*peer_delete)(struct sol_store *s, const char *name);

    int (*audit)(struct sol_store *s, const char *actor, const char *action, const char *target,
                 const char *details_json);
    int (*audit_list)(struct sol_store *s, int64_t after, size_t limit,
                      struct sol_audit_entry **out, size_t *n);

    /* Optional (NULL: unsupported); see sol__store_collection_state(). */
    int (*collection_state)(struct sol_store *s, const char *collection, int64_t state[4]);
    /* Optional (NULL: the store keeps no files of its own); see sol_store_dir(). */
    int (*dir)(struct sol_store *s, struct sol_buf *out);
    /* Optional (NULL: unsupported); see sol__store_read_begin(). */
    int (*read_begin)(struct sol_store *s);
    int (*read_end)(struct sol_store *s);
};

/*
 * A read snapshot: every read between begin and end sees one state of the database and
 * costs no lock of its own (SQLite: one deferred transaction instead of one per
 * statement). Only reads may be made in between. begin gives SOL_EUNSUPPORTED when the
 * backend has none (the reads then run as before) and SOL_EINVAL inside a transaction;
 * call end only after a begin that returned 0, with every cursor closed.
 */
int sol__store_read_begin(struct sol_store *s);
int sol__store_read_end(struct sol_store *s);

/*
 * The state of a collection's objects as four numbers that change whenever a committed
 * write (by any handle or process) adds or deletes one of its object versions, and
 * differ between a collection and another made later under the same id. For caches of
 * answers computed from the collection: read it before the query; an answer is current
 * while the state is equal. SOL_ENOTFOUND when there is no such collection,
 * SOL_EUNSUPPORTED when the backend does not track it (then do not cache).
 */
int sol__store_collection_state(struct sol_store *s, const char *collection, int64_t state[4]);

/*
 * A value for or from SQL: a parameter to bind, a column read. Text and blobs are views
 * (p, n) owned by whoever made the value.
 */
enum sol__value_type { SOL__NULL, SOL__INT, SOL__TEXT, SOL__BLOB, SOL__BOOL };
struct sol__value {
    enum sol__value_type type;
    int64_t i; /* SOL__INT, SOL__BOOL (0 or 1) */
    const char *p;
    size_t n; /* SOL__TEXT, SOL__BLOB */
};

/*
 * What the shared SQL builders need to know of a backend's SQL: the dialect, as data.
 * A new backend describes its own; nothing else in the builders changes.
 */
struct sol__sql_dialect {
    const char *name;
    char param;           /* parameters are written ?1 (SQLite) or $1 (PostgreSQL) */
    const char *true_sql; /* a true and a false condition: "1" / "0", "true" / "false" */
    const char *false_sql;
    const char *strpos; /* strpos(haystack, needle): "instr", "strpos" */
    bool index_hints;   /* INDEXED BY, and a unary + to keep an index out of a plan */
    bool latest_flag;   /* objects.latest is kept (schema/003_latest.sql) */
    size_t chunk;       /* rows a cursor asks for per statement; 0: all in one */
};

/*
 * A statement built by sol__filter_sql(): its text and its parameters (numbered from 1;
 * text parameters are copies the query owns). p_after_* and p_limit are the numbers of
 * the keyset and limit parameters, which a cursor reading in chunks changes between
 * statements (0 when the query has none).
 */
struct sol__query {
    const struct sol__sql_dialect *d;
    struct sol_buf sql;
    struct sol__value *params;
    int n_params, cap_params;
    int p_after_date_added, p_after_seq, p_limit;
    bool oom;
};

enum sol__filter_use {
    SOL__FILTER_QUERY,  /* the rows of sol_store_objects_query(), steps 1 to 5 of store.h */
    SOL__FILTER_DELETE, /* DELETE of what sol_store_objects_delete() selects */
};

/*
 * The SQL of a filter (include/solidarity/store.h, struct sol_object_filter) over the
 * collection whose key is collection_key (-1 when there is none: nothing matches), in
 * dialect d: the visibility rule and the TAXII filters, in the one builder (filter.c).
 * Returns 0 or SOL_ENOMEM; release out with sol__query_free().
 */
int sol__filter_sql(const struct sol__sql_dialect *d, const struct sol_object_filter *f,
                    int64_t collection_key, enum sol__filter_use use, struct sol__query *out);
void sol__query_free(struct sol__query *b);

/* The SQLite backend (store_sqlite.c). */
extern const struct sol__store_ops sol__store_sqlite_ops;
/* The PostgreSQL backend (store_pg.c): "postgresql://..." and "postgres://...". */
extern const struct sol__store_ops sol__store_pg_ops;

/*
 * The schema: one description, schema/NNN_*.sql applied in order, rendered for each
 * dialect by schema/embed.py into store_schema.c (its header says how the description
 * is written). To change the schema, add the next NNN_*.sql and list it in
 * src/store/meson.build; every backend applies it when it opens an older store.
 */
extern const char *const sol__schema_sqlite[]; /* the migrations as SQLite runs them */
extern const char *const sol__schema_pg[];     /* as PostgreSQL runs them */
extern const int sol__schema_migration_count;

/* The tables the migrations leave, with their columns, as `migrate` copies them. */
enum sol__schema_type {
    SOL__SCHEMA_TEXT,
    SOL__SCHEMA_INTEGER,
    SOL__SCHEMA_BOOLEAN,
    SOL__SCHEMA_BLOB
};
struct sol__schema_column {
    const char *name;
    enum sol__schema_type type;
    int key;       /* position in the primary key (1...), 0 when not part of it */
    bool identity; /* a key the database assigns (INTEGER PRIMARY KEY) */
    bool derived;  /* computed from other columns: not copied, made anew */
};
struct sol__schema_table {
    const char *name;
    const struct sol__schema_column *columns;
    int n_columns;
};
/* Parents before children (the order to create and fill them in). */
extern const struct sol__schema_table sol__schema_tables[];
extern const int sol__schema_table_count;
/* SQL that drops every table (and function) of the schema, children first. */
extern const char *const sol__schema_teardown_sqlite;
extern const char *const sol__schema_teardown_pg;

#endif
