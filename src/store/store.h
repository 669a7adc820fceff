/*
 * store/store.h — internals of the store: what a backend gives, and the machinery every
 * backend shares.
 *
 * The shape. include/solidarity/store.h's functions live in store.c, the one dispatcher:
 * it checks their arguments, fills defaults, mints identities, and then either runs the
 * operation's SQL (written once, in the portable SQL both dialects read) through the
 * backend's driver, or, for the few paths a backend does its own way for speed (adding
 * an object version), calls the backend. The SQL that selects object versions (the
 * visibility rule and the TAXII filters) comes from one builder, filter.c; the schema
 * from one description, schema/NNN_*.sql. A backend (store_sqlite.c, store_pg.c) only
 * talks to its database: a struct sol__store_ops of
 *   - a driver: open, close, exec, prepare, bind, step, column, changes, reset, finish,
 *     and the write transaction of sol_store_begin();
 *   - its dialect (struct sol__sql_dialect): how its SQL differs, as data;
 *   - object_add, the hot path of every ingest;
 *   - optional extras (NULL when absent): a read snapshot, the collection state of the
 *     TAXII answer cache, a bulk copy for `migrate`.
 * A third backend is a driver and an object_add: a few hundred lines.
 *
 * Adding an operation to the store (to every backend at once):
 *   1. declare it in include/solidarity/store.h (ownership and errors in its comment);
 *   2. write it in store.c: check the arguments, then run its SQL with sol__sql_run(),
 *      sol__sql_get() or sol__sql_list() (a row of a record is described once, by an
 *      X-macro of its columns: see USER_COLUMNS there), inside sol__op_begin() and
 *      sol__op_end() when it takes more than one statement;
 *   3. write the SQL both dialects read: numbered parameters (?1, which the PostgreSQL
 *      driver turns into $1), types PostgreSQL can infer from the columns they meet
 *      (coalesce(?1, col) rather than ?1 IS NULL), booleans compared as conditions
 *      (AND can_read), NULLS FIRST spelled out; where the dialects really differ, pick
 *      between two literals by a field of the dialect (d->row_lock);
 *   4. test it in tests/pg/test_store_conformance.c: it runs on both backends, and the
 *      differential check compares what they answered.
 * A new table or column is a new schema/NNN_*.sql (listed in meson.build).
 *
 * Ownership: a backend's handle starts with struct sol_store; a statement (struct
 * sol__stmt) is the backend's, from prepare to finish; values bound to it must stay
 * valid until it is reset or finished; values read from it until the next step.
 */
#ifndef SOLIDARITY_STORE_INTERNAL_H
#define SOLIDARITY_STORE_INTERNAL_H

#include <string.h>

#include "solidarity/store.h"

struct sol__store_ops;
struct sol__stmt;

/* The part of every backend's handle that store.c and the shared code use. */
struct sol_store {
    const struct sol__store_ops *ops;
    bool in_txn;        /* a transaction opened by sol_store_begin() */
    int schema_version; /* the migrations applied */
    char errmsg[512];   /* the last error's message (sol_store_errmsg()) */
};

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

static inline struct sol__value
sol__int(int64_t i)
{
    return (struct sol__value){.type = SOL__INT, .i = i};
}

static inline struct sol__value
sol__bool(bool b)
{
    return (struct sol__value){.type = SOL__BOOL, .i = b ? 1 : 0};
}

/* A NUL-terminated string; NULL is SQL NULL. */
static inline struct sol__value
sol__text(const char *s)
{
    return s ? (struct sol__value){.type = SOL__TEXT, .p = s, .n = strlen(s)}
             : (struct sol__value){.type = SOL__NULL};
}

/* A view; p NULL is SQL NULL. */
static inline struct sol__value
sol__str(struct sol_str s)
{
    return s.p ? (struct sol__value){.type = SOL__TEXT, .p = s.p, .n = s.n}
               : (struct sol__value){.type = SOL__NULL};
}

static inline struct sol__value
sol__blob(const void *p, size_t n)
{
    return (struct sol__value){.type = SOL__BLOB, .p = p, .n = n};
}

/* The parameters of a statement, and their count: sol__sql_run(s, sql, SOL__ARGS(a, b), ...). */
#define SOL__ARGS(...)                                                                             \
    (const struct sol__value[]){__VA_ARGS__},                                                      \
        (int)(sizeof((const struct sol__value[]){__VA_ARGS__}) / sizeof(struct sol__value))
#define SOL__NO_ARGS NULL, 0

/*
 * What the shared SQL (store.c's operations, filter.c's builder, the schema) needs to
 * know of a backend's SQL: the dialect, as data. A new backend describes its own.
 */
struct sol__sql_dialect {
    const char *name;
    char param;           /* parameters are written ?1 (SQLite) or $1 (PostgreSQL) */
    const char *true_sql; /* a true and a false condition: "1" / "0", "true" / "false" */
    const char *false_sql;
    const char *strpos; /* strpos(haystack, needle): "instr", "strpos" */
    bool index_hints;   /* INDEXED BY, and a unary + to keep an index out of a plan */
    bool row_lock;      /* SELECT ... FOR UPDATE locks rows (else the write lock did) */
    bool latest_flag;   /* objects.latest is kept (schema/003_latest.sql) */
    bool failed_statement_dooms_transaction; /* each operation needs its own savepoint */
    size_t chunk;                  /* rows a cursor asks for per statement; 0: all in one */
    const char *begin_sql;         /* a transaction of one operation that writes */
    const char *schema_begin_sql;  /* the transaction that applies migrations */
    const char *snapshot_sql;      /* a read-only transaction that sees one state */
    const char *analyze_sql;       /* fresh planner statistics after a bulk load, or NULL */
    const char *const *migrations; /* the schema rendered for it (sol__schema_*) */
    const char *teardown_sql;      /* drops the schema (sol__schema_teardown_*) */
};

/*
 * Where a column of a row lands in a record: its kind and the offset of its field.
 * int64_t, int, bool, struct sol_str views (text and blobs) are what a driver reads;
 * sql.c also copies text into char * fields and 32-byte hashes into uint8_t[32].
 */
enum sol__field_kind {
    SOL__F_I64,
    SOL__F_INT,
    SOL__F_BOOL,
    SOL__F_STR,
    SOL__F_BLOB,
    SOL__F_TEXT,  /* char *, a copy (sql.c) */
    SOL__F_HASH32 /* uint8_t[32] (sql.c) */
};
struct sol__field {
    enum sol__field_kind kind;
    size_t offset;
};

/* prepare()'s flags. */
#define SOL__LITERAL 1u
#define SOL__ONCE    2u

/* Step results of a driver. */
#define SOL__ROW  1
#define SOL__DONE 0

struct sol__store_ops {
    const char *name;
    const struct sol__sql_dialect *dialect;

    /* The connection. */
    bool (*exists)(const char *location);
    int (*open)(const char *location, struct sol_store **out, struct sol_error *err);
    void (*close)(struct sol_store *s);

    /* Statements without parameters or rows (several, separated by ';'). */
    int (*exec)(struct sol_store *s, const char *sql);
    /*
     * A statement for sql (parameters ?N in the dialect's spelling), from the backend's
     * cache when it has one; flags: SOL__LITERAL when sql is a string literal (its
     * address then names it), SOL__ONCE when its text will not come again (not worth
     * caching). Each statement prepared is given back with finish.
     */
    int (*prepare)(struct sol_store *s, const char *sql, unsigned flags, struct sol__stmt **out);
    /* Bind parameter i (1...) to v; v's bytes stay the caller's until reset or finish. */
    int (*bind)(struct sol__stmt *st, int i, const struct sol__value *v);
    /* Run or go on: SOL__ROW with a row to read, SOL__DONE at the end, or an error. */
    int (*step)(struct sol__stmt *st);
    /*
     * Columns first ... first + n - 1 (from 0) of the row into the record at rec, column
     * first + k as fields[k] says (SOL__F_I64, SOL__F_INT, SOL__F_BOOL: 0 for SQL NULL;
     * SOL__F_STR, SOL__F_BLOB: a view, {NULL, 0} for SQL NULL, valid until the next
     * step). A row at a time: one call per row of a page, not one per column.
     */
    void (*columns)(struct sol__stmt *st, int first, int n, const struct sol__field *fields,
                    void *rec);
    /* The rows the last run of a write statement changed. */
    int64_t (*changes)(struct sol__stmt *st);
    /* Ready to run again (the bindings are kept until bound anew). */
    void (*reset)(struct sol__stmt *st);
    void (*finish)(struct sol__stmt *st);

    /* sol_store_begin(): a transaction holding the write lock; commit and rollback. */
    int (*begin)(struct sol_store *s);
    int (*commit)(struct sol_store *s);
    int (*rollback)(struct sol_store *s);

    /* store.h sol_store_object_add(), arguments checked; added and date_added set. */
    int (*object_add)(struct sol_store *s, const char *collection, const struct sol_object_row *row,
                      bool *added, sol_time_t *date_added);

    /*
     * Optional, for sol_store_migrate(): a bulk copy of rows into a table (begin with its
     * column list, one call per row of n values, end with the caller's status, which
     * aborts the copy when not 0, and returns the first error); NULL: rows go in by
     * INSERT. And after rows came with their keys, making the next key the database
     * assigns to table.column go past them (NULL: the database does it by itself).
     */
    int (*copy_begin)(struct sol_store *s, const char *table, const char *columns);
    int (*copy_row)(struct sol_store *s, const struct sol__value *v, int n);
    int (*copy_end)(struct sol_store *s, int rc);
    int (*keys_restart)(struct sol_store *s, const char *table, const char *column);

    /* Optional: waiting for the write lock on (true) or off, outside transactions. */
    void (*lock_wait)(struct sol_store *s, bool wait);
    /* Optional: see sol__store_collection_state(). */
    int (*collection_state)(struct sol_store *s, const char *collection, int64_t state[4]);
    /* Optional (NULL: the store keeps no files of its own); see sol_store_dir(). */
    int (*dir)(struct sol_store *s, struct sol_buf *out);
    /* Optional: see sol__store_read_begin(). */
    int (*read_begin)(struct sol_store *s);
    int (*read_end)(struct sol_store *s);
};

/* One column of the current row of st as want (SOL__INT, SOL__BOOL, SOL__TEXT, SOL__BLOB). */
static inline void
sol__column(struct sol_store *s, struct sol__stmt *st, int i, enum sol__value_type want,
            struct sol__value *out)
{
    union {
        int64_t i;
        bool b;
        struct sol_str str;
    } u = {0};
    struct sol__field f = {want == SOL__INT    ? SOL__F_I64
                           : want == SOL__BOOL ? SOL__F_BOOL
                           : want == SOL__TEXT ? SOL__F_STR
                                               : SOL__F_BLOB,
                           0};
    s->ops->columns(st, i, 1, &f, &u);
    *out = (struct sol__value){.type = want};
    if (want == SOL__INT)
        out->i = u.i;
    else if (want == SOL__BOOL)
        out->i = u.b;
    else if (!u.str.p)
        out->type = SOL__NULL;
    else {
        out->p = u.str.p;
        out->n = u.str.n;
    }
}

/* Remember a message for sol_store_errmsg() and return code. */
int sol__store_fail(struct sol_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#if defined(__clang_analyzer__) && !defined(SOL_STORE_SQL_C)
/* For clang-tidy's analyzer, as error.h does for sol_error_set: the result is code. */
#define sol__store_fail(s, code, ...) (sol__store_fail((s), (code), __VA_ARGS__), (code))
#endif

/*
 * Running SQL through the driver (sql.c). Each prepares sql (a string literal), binds
 * the n values of args, runs it and gives the statement back; on failure it returns the
 * driver's code with the message in s->errmsg.
 *   run   a statement whose rows do not matter; *changed (may be NULL): rows changed;
 *   int   the first column of the first row as an integer; SOL_ENOTFOUND with no row;
 *   get   the first row into the record out (zeroed first), by the row description
 *         def; SOL_ENOTFOUND with no row;
 *   list  every row into an array of records (out, n; released by def->list_free).
 */
#define SOL__ROW_MAX 16 /* columns of a record at most */
struct sol__row {
    size_t size; /* of the record */
    const struct sol__field *fields;
    int n_fields; /* the columns of the SELECT, in order */
    void (*clear)(void *record);
    void (*list_free)(void *records, size_t n);
};
int sol__sql_run(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
                 int64_t *changed);
int sol__sql_int(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
                 int64_t *out);
int sol__sql_get(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
                 const struct sol__row *def, void *out);
int sol__sql_list(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
                  const struct sol__row *def, void **out, size_t *count);
/* Bind args (n values) to st from parameter 1 on. */
int sol__sql_bind_all(struct sol_store *s, struct sol__stmt *st, const struct sol__value *args,
                      int n);

/*
 * An operation that writes: outside sol_store_begin() one of several statements takes
 * its own transaction (one statement is atomic by itself); inside, it runs under a
 * savepoint when it has several statements or the dialect needs one, so that its
 * failure leaves the caller's transaction as it was. end commits or rolls back and
 * returns rc, or the first error of its own.
 */
struct sol__op {
    bool own, save;
};
int sol__op_begin(struct sol_store *s, struct sol__op *op, bool several_statements);
int sol__op_end(struct sol_store *s, const struct sol__op *op, int rc);

/*
 * Apply the migrations of s's dialect that its database lacks, in one transaction
 * (sql.c); a backend's open calls it. A database newer than this program is refused.
 */
int sol__schema_apply(struct sol_store *s, struct sol_error *err);

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

/* Run sql (statements without parameters or rows) on the store: for tools and benches. */
int sol__store_exec(struct sol_store *s, const char *sql);

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
/*
 * The SQL and parameters ("N=value" lines) a query cursor for f runs first on s: what
 * benchmarks give pgbench, and what EXPLAIN shows.
 */
int sol__store_filter_sql(struct sol_store *s, const struct sol_object_filter *f,
                          struct sol_buf *sql, struct sol_buf *params);

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
extern const char sol__schema_teardown_sqlite[];
extern const char sol__schema_teardown_pg[];

#endif
