/*
 * migrate.c — moving a node's store to another store (include/solidarity/store.h,
 * sol_store_migrate()): SQLite to PostgreSQL, PostgreSQL to SQLite, or between two of a
 * kind, through the drivers, so that any pair of backends works the same way.
 *
 * What moves is what the schema's description says the tables hold (store/store.h,
 * sol__schema_tables): every table, parents before children, every column but the
 * derived ones (which the target computes anew), keys included, so that object
 * versions keep their date_added and seq (a client's added_after and next go on where
 * they were) and records their ids. The source is read in one snapshot, in chunks in
 * primary key order; the target is written in one transaction (a bulk copy where its
 * driver has one, INSERTs otherwise). Before that transaction commits, every table is
 * read back from the target and compared with the source row by row and column by
 * column, in the same order: a row missing, extra or different rolls everything back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"

#define CHUNK       1000 /* rows per statement when reading a table */
#define MAX_COLUMNS 32

/* One table as it moves: the columns copied, the primary key, its statements. */
struct mtable {
    const struct sol__schema_table *t;
    int col[MAX_COLUMNS]; /* indexes into t->columns of the columns copied */
    int n;
    int key[8]; /* indexes into col[] of the primary key, in key order */
    int n_key;
    struct sol_buf columns; /* "a, b, c" */
};

/* The last primary key read, owned (a chunk starts after it). */
struct last_key {
    struct sol__value v[8];
    struct sol_buf text[8];
    bool any;
};

struct migration {
    struct sol_store *from, *to;
    struct sol_error *err;
    struct sol_migrate_report *rep;
};

static int
mtable_init(struct mtable *m, const struct sol__schema_table *t)
{
    memset(m, 0, sizeof *m);
    m->t = t;
    sol_buf_init(&m->columns);
    for (int c = 0; c < t->n_columns && m->n < MAX_COLUMNS; c++) {
        if (t->columns[c].derived)
            continue;
        sol_buf_printf(&m->columns, "%s%s", m->n ? ", " : "", t->columns[c].name);
        m->col[m->n++] = c;
    }
    for (int pos = 1; pos <= 8; pos++)
        for (int k = 0; k < m->n; k++)
            if (t->columns[m->col[k]].key == pos)
                m->key[m->n_key++] = k;
    return m->columns.oom ? SOL_ENOMEM : m->n_key ? 0 : SOL_EINTERNAL;
}

static const struct sol__schema_column *
column_of(const struct mtable *m, int k)
{
    return &m->t->columns[m->col[k]];
}

/*
 * The statement that reads a chunk of the table, in primary key order, after the last
 * key when there is one: "... WHERE (k1, k2) > (?1, ?2) ORDER BY k1, k2 LIMIT n".
 */
static void
chunk_sql(const struct mtable *m, const struct sol__sql_dialect *d, bool after, struct sol_buf *b)
{
    sol_buf_reset(b);
    sol_buf_printf(b, "SELECT %s FROM %s", m->columns.p, m->t->name);
    if (after) {
        sol_buf_puts(b, " WHERE (");
        for (int i = 0; i < m->n_key; i++)
            sol_buf_printf(b, "%s%s", i ? ", " : "", column_of(m, m->key[i])->name);
        sol_buf_puts(b, ") > (");
        for (int i = 0; i < m->n_key; i++)
            sol_buf_printf(b, "%s%c%d", i ? ", " : "", d->param, i + 1);
        sol_buf_puts(b, ")");
    }
    sol_buf_puts(b, " ORDER BY ");
    for (int i = 0; i < m->n_key; i++)
        sol_buf_printf(b, "%s%s", i ? ", " : "", column_of(m, m->key[i])->name);
    sol_buf_printf(b, " LIMIT %d", CHUNK);
}

/* How a column of each schema type is read: integers as their text, to keep NULL. */
static enum sol__field_kind
read_kind(enum sol__schema_type t)
{
    return t == SOL__SCHEMA_BOOLEAN ? SOL__F_BOOL
           : t == SOL__SCHEMA_BLOB  ? SOL__F_BLOB
                                    : SOL__F_STR;
}

/* A row of a table as read: one slot per column copied. */
union slot {
    bool b;
    struct sol_str v;
};

static void
read_row(struct sol_store *s, struct sol__stmt *st, const struct mtable *m, union slot *row)
{
    struct sol__field f[MAX_COLUMNS];
    for (int k = 0; k < m->n; k++)
        f[k] = (struct sol__field){read_kind(column_of(m, k)->type), (size_t)k * sizeof *row};
    s->ops->columns(st, 0, m->n, f, row);
}

/* Column k of a row as a value to bind or copy. */
static struct sol__value
value_of(const struct mtable *m, const union slot *row, int k)
{
    switch (column_of(m, k)->type) {
    case SOL__SCHEMA_BOOLEAN:
        return sol__bool(row[k].b);
    case SOL__SCHEMA_BLOB:
        return row[k].v.p ? sol__blob(row[k].v.p, row[k].v.n)
                          : (struct sol__value){.type = SOL__NULL};
    case SOL__SCHEMA_INTEGER: {
        if (!row[k].v.p)
            return (struct sol__value){.type = SOL__NULL};
        char digits[32];
        size_t n = row[k].v.n < sizeof digits - 1 ? row[k].v.n : sizeof digits - 1;
        memcpy(digits, row[k].v.p, n);
        digits[n] = 0;
        return sol__int(strtoll(digits, NULL, 10));
    }
    default:
        return sol__str(row[k].v);
    }
}

/* Remember the primary key of a row (copied: the statement moves on). */
static int
keep_key(const struct mtable *m, const union slot *row, struct last_key *last)
{
    for (int i = 0; i < m->n_key; i++) {
        struct sol__value v = value_of(m, row, m->key[i]);
        if (v.type == SOL__TEXT || v.type == SOL__BLOB) {
            sol_buf_reset(&last->text[i]);
            sol_buf_append(&last->text[i], v.p, v.n);
            sol_buf_putc(&last->text[i], 0);
            if (last->text[i].oom)
                return SOL_ENOMEM;
            v.p = last->text[i].p;
        }
        last->v[i] = v;
    }
    last->any = true;
    return 0;
}

/* Start reading the next chunk of m from s after last. */
static int
chunk_start(struct sol_store *s, const struct mtable *m, const struct last_key *last,
            struct sol_buf *sql, struct sol__stmt **st)
{
    chunk_sql(m, s->ops->dialect, last->any, sql);
    if (sql->oom)
        return sol__store_fail(s, SOL_ENOMEM, "out of memory");
    int rc = s->ops->prepare(s, sql->p, 0, st);
    if (rc == 0 && last->any)
        rc = sol__sql_bind_all(s, *st, last->v, m->n_key);
    if (rc != 0 && *st) {
        s->ops->finish(*st);
        *st = NULL;
    }
    return rc;
}

/* The primary key of a row as text, for messages: "seq 42", "collection x, user_id 3". */
static void
key_text(const struct mtable *m, const union slot *row, char *out, size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < m->n_key && used < n; i++) {
        const union slot *v = &row[m->key[i]];
        int w = snprintf(out + used, n - used, "%s%s %.*s", i ? ", " : "",
                         column_of(m, m->key[i])->name,
                         v->v.p ? (int)(v->v.n > 80 ? 80 : v->v.n) : 4, v->v.p ? v->v.p : "NULL");
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Copy every row of one table from the source to the target. */
static int
copy_table(struct migration *g, const struct mtable *m, int64_t *rows)
{
    struct sol_store *from = g->from, *to = g->to;
    struct last_key last = {0};
    struct sol_buf sql, insert;
    sol_buf_init(&sql);
    sol_buf_init(&insert);
    for (int i = 0; i < 8; i++)
        sol_buf_init(&last.text[i]);
    bool bulk = to->ops->copy_begin != NULL;
    struct sol__stmt *ins = NULL;
    int rc = 0;
    if (bulk) {
        rc = to->ops->copy_begin(to, m->t->name, m->columns.p);
    } else {
        sol_buf_printf(&insert, "INSERT INTO %s (%s) VALUES (", m->t->name, m->columns.p);
        for (int k = 0; k < m->n; k++)
            sol_buf_printf(&insert, "%s%c%d", k ? ", " : "", to->ops->dialect->param, k + 1);
        sol_buf_puts(&insert, ")");
        rc = insert.oom ? SOL_ENOMEM : to->ops->prepare(to, insert.p, 0, &ins);
    }
    bool writing = rc != 0; /* where an error came from: the target, else the source */
    for (bool more = rc == 0; more && rc == 0;) {
        struct sol__stmt *st = NULL;
        rc = chunk_start(from, m, &last, &sql, &st);
        int64_t in_chunk = 0;
        union slot row[MAX_COLUMNS];
        struct sol__value v[MAX_COLUMNS];
        while (rc == 0 && (rc = from->ops->step(st)) == SOL__ROW) {
            read_row(from, st, m, row);
            for (int k = 0; k < m->n; k++)
                v[k] = value_of(m, row, k);
            if (bulk) {
                rc = to->ops->copy_row(to, v, m->n);
            } else {
                to->ops->reset(ins);
                rc = sol__sql_bind_all(to, ins, v, m->n);
                if (rc == 0 && (rc = to->ops->step(ins)) == SOL__ROW)
                    rc = sol__store_fail(to, SOL_EINTERNAL, "an INSERT gave rows");
            }
            writing = rc != 0;
            if (rc == 0)
                rc = keep_key(m, row, &last);
            in_chunk++;
            (*rows)++;
        }
        if (rc == SOL__DONE)
            rc = 0;
        more = in_chunk == CHUNK;
        if (st)
            from->ops->finish(st);
    }
    if (bulk) {
        int end = to->ops->copy_end(to, rc);
        if (rc == 0 && end != 0) {
            rc = end;
            writing = true;
        }
    }
    if (ins)
        to->ops->finish(ins);
    if (rc != 0)
        sol_error_set(g->err, rc, "%s %s: %s", writing ? "writing" : "reading", m->t->name,
                      rc == SOL_ENOMEM ? "out of memory"
                      : writing        ? sol_store_errmsg(to)
                                       : sol_store_errmsg(from));
    sol_buf_free(&sql);
    sol_buf_free(&insert);
    for (int i = 0; i < 8; i++)
        sol_buf_free(&last.text[i]);
    return rc;
}

/* Whether two slots of column k hold the same value. */
static bool
same(const struct mtable *m, int k, const union slot *a, const union slot *b)
{
    if (column_of(m, k)->type == SOL__SCHEMA_BOOLEAN)
        return a[k].b == b[k].b;
    if (!a[k].v.p || !b[k].v.p)
        return !a[k].v.p && !b[k].v.p;
    if (column_of(m, k)->type == SOL__SCHEMA_INTEGER)
        return value_of(m, a, k).i == value_of(m, b, k).i;
    return a[k].v.n == b[k].v.n && (a[k].v.n == 0 || memcmp(a[k].v.p, b[k].v.p, a[k].v.n) == 0);
}

/*
 * Read the table from both stores in primary key order, a chunk at a time, and compare
 * them row by row, column by column. *rows counts the rows found equal.
 */
static int
verify_table(struct migration *g, const struct mtable *m, int64_t *rows)
{
    struct sol_store *s[2] = {g->from, g->to};
    struct last_key last = {0};
    struct sol_buf sql[2];
    for (int i = 0; i < 2; i++)
        sol_buf_init(&sql[i]);
    for (int i = 0; i < 8; i++)
        sol_buf_init(&last.text[i]);
    int rc = 0;
    bool objects = strcmp(m->t->name, "objects") == 0;
    for (bool more = true; more && rc == 0;) {
        struct sol__stmt *st[2] = {NULL, NULL};
        for (int i = 0; i < 2 && rc == 0; i++)
            if ((rc = chunk_start(s[i], m, &last, &sql[i], &st[i])) != 0)
                sol_error_set(g->err, rc, "verifying %s: %s", m->t->name, sol_store_errmsg(s[i]));
        int64_t in_chunk = 0;
        while (rc == 0) {
            union slot row[2][MAX_COLUMNS];
            int step[2];
            for (int i = 0; i < 2; i++) {
                step[i] = s[i]->ops->step(st[i]);
                if (step[i] == SOL__ROW)
                    read_row(s[i], st[i], m, row[i]);
                else if (step[i] != SOL__DONE && rc == 0)
                    rc = sol_error_set(g->err, step[i], "verifying %s: %s", m->t->name,
                                       sol_store_errmsg(s[i]));
            }
            if (rc != 0 || (step[0] == SOL__DONE && step[1] == SOL__DONE))
                break;
            char key[256];
            if (step[0] != step[1]) {
                int have = step[0] == SOL__ROW ? 0 : 1;
                key_text(m, row[have], key, sizeof key);
                rc = sol_error_set(g->err, SOL_ECONFLICT,
                                   "verifying %s: the %s has a row (%s) the %s has not", m->t->name,
                                   have ? "target" : "source", key, have ? "source" : "target");
                break;
            }
            for (int k = 0; k < m->n && rc == 0; k++) {
                if (same(m, k, row[0], row[1]))
                    continue;
                key_text(m, row[0], key, sizeof key);
                if (objects)
                    rc = sol_error_set(g->err, SOL_ECONFLICT,
                                       "verifying: object version %s differs between source and "
                                       "target (%s)",
                                       key, column_of(m, k)->name);
                else
                    rc = sol_error_set(g->err, SOL_ECONFLICT,
                                       "verifying %s: the row (%s) differs between source and "
                                       "target (%s)",
                                       m->t->name, key, column_of(m, k)->name);
            }
            if (rc == 0 && (rc = keep_key(m, row[0], &last)) != 0)
                sol_error_set(g->err, rc, "out of memory");
            in_chunk++;
            (*rows)++;
        }
        more = in_chunk == CHUNK;
        for (int i = 0; i < 2; i++)
            if (st[i])
                s[i]->ops->finish(st[i]);
    }
    for (int i = 0; i < 2; i++)
        sol_buf_free(&sql[i]);
    for (int i = 0; i < 8; i++)
        sol_buf_free(&last.text[i]);
    return rc;
}

/* Whether every table of the schema is empty in s. */
static int
is_empty(struct sol_store *s, bool *empty)
{
    *empty = true;
    for (int t = 0; t < sol__schema_table_count && *empty; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", sol__schema_tables[t].name);
        struct sol__stmt *st;
        int rc = s->ops->prepare(s, sql, SOL__ONCE, &st);
        if (rc == 0) {
            rc = s->ops->step(st);
            s->ops->finish(st);
        }
        if (rc < 0)
            return rc;
        *empty = rc == SOL__DONE;
    }
    return 0;
}

/*
 * The latest flag of every object (schema/003_latest.sql says what it means), computed
 * from the rows: the flag is derived, so a migrated store gets it anew.
 */
static int
derive_latest(struct sol_store *s)
{
    const struct sol__sql_dialect *d = s->ops->dialect;
    int rc = sol__sql_run(s,
                          "UPDATE objects SET latest = 2 WHERE (collection, id) IN (SELECT "
                          "collection, id FROM objects GROUP BY collection, id HAVING "
                          "count(DISTINCT tlp) > 1 OR count(DISTINCT CASE WHEN tlp = ?1 THEN "
                          "red_recipients ELSE '' END) > 1)",
                          SOL__ARGS(sol__int(SOL_TLP_RED)), NULL);
    if (rc == 0)
        rc = sol__sql_run(s,
                          d->index_hints
                              ? "UPDATE objects SET latest = 1 WHERE latest = 0 AND seq IN (SELECT "
                                "(SELECT z.seq FROM objects z INDEXED BY objects_version WHERE "
                                "z.collection = g.collection AND z.id = g.id ORDER BY "
                                "z.spec_version DESC, z.version DESC LIMIT 1) FROM (SELECT "
                                "DISTINCT collection, id FROM objects) g)"
                              : "UPDATE objects SET latest = 1 WHERE latest = 0 AND seq IN (SELECT "
                                "(SELECT z.seq FROM objects z WHERE z.collection = g.collection "
                                "AND z.id = g.id ORDER BY z.spec_version DESC, z.version DESC "
                                "LIMIT 1) FROM (SELECT DISTINCT collection, id FROM objects) g)",
                          SOL__NO_ARGS, NULL);
    return rc;
}

/* The directory of a SQLite location ("sqlite:DIR" or DIR), made when missing. */
static int
make_dir(const char *url, struct sol_error *err)
{
    if (strncmp(url, "postgres", 8) == 0 || strncmp(url, "sqlite-file:", 12) == 0)
        return 0;
    const char *dir = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 0 : sol_error_set(err, SOL_EINVAL, "%s: not a directory", dir);
    if (mkdir(dir, 0700) != 0)
        return sol_error_set(err, SOL_EIO, "%s: cannot make the directory: %s", dir,
                             strerror(errno));
    return 0;
}

/* store.h: move a node's store to another. */
int
sol_store_migrate(const char *from_url, const char *to_url, const struct sol_migrate_options *o,
                  struct sol_migrate_report *rep, struct sol_error *err)
{
    static const struct sol_migrate_options none;
    struct sol_migrate_report ignored;
    if (!o)
        o = &none;
    if (!rep)
        rep = &ignored;
    memset(rep, 0, sizeof *rep);
    if (!from_url || !to_url)
        return sol_error_set(err, SOL_EINVAL, "no store given");
    if (strcmp(from_url, to_url) == 0)
        return sol_error_set(err, SOL_EINVAL, "the source and the target are the same store");
    if (sol__schema_table_count > SOL_MIGRATE_MAX_TABLES)
        return sol_error_set(err, SOL_EINTERNAL, "the schema has more tables than a report holds");
    if (!sol_store_exists(from_url))
        return sol_error_set(err, SOL_ENOTFOUND, "the source holds no store");
    struct sol_error e2;
    struct migration g = {.err = err, .rep = rep};
    /* Opening brings the source to this program's schema, which the target will have. */
    int rc = sol_store_open(from_url, &g.from, &e2);
    if (rc != 0)
        return sol_error_set(err, rc, "the source: %s", e2.msg);
    rc = make_dir(to_url, err);
    if (rc == 0 && (rc = sol_store_open(to_url, &g.to, &e2)) != 0)
        sol_error_set(err, rc, "%s", e2.msg);
    bool empty = false;
    if (rc == 0 && (rc = is_empty(g.to, &empty)) != 0)
        sol_error_set(err, rc, "checking the target: %s", sol_store_errmsg(g.to));
    if (rc == 0 && !empty) {
        if (!o->force) {
            rc = sol_error_set(err, SOL_EEXISTS,
                               "the target store is not empty; refusing to write over it "
                               "(--force replaces it)");
        } else if ((rc = g.to->ops->exec(g.to, g.to->ops->dialect->teardown_sql)) != 0) {
            sol_error_set(err, rc, "emptying the target: %s", sol_store_errmsg(g.to));
        } else { /* a fresh handle on the schema made anew */
            sol_store_close(g.to);
            g.to = NULL;
            if ((rc = sol_store_open(to_url, &g.to, &e2)) != 0)
                sol_error_set(err, rc, "emptying the target: %s", e2.msg);
        }
    }
    /* One snapshot of the source; one transaction on the target. */
    bool snapshot = false;
    if (rc == 0) {
        rc = g.from->ops->exec(g.from, g.from->ops->dialect->snapshot_sql);
        snapshot = rc == 0;
        if (rc != 0)
            sol_error_set(err, rc, "reading the source: %s", sol_store_errmsg(g.from));
    }
    if (rc == 0 && (rc = sol_store_begin(g.to)) != 0)
        sol_error_set(err, rc, "starting the transaction: %s", sol_store_errmsg(g.to));
    struct mtable m[SOL_MIGRATE_MAX_TABLES];
    int n = 0;
    for (; rc == 0 && n < sol__schema_table_count; n++) {
        if ((rc = mtable_init(&m[n], &sol__schema_tables[n])) != 0) {
            sol_error_set(err, rc, "%s: cannot describe the table", sol__schema_tables[n].name);
            n++;
            break;
        }
        snprintf(rep->tables[n].name, sizeof rep->tables[n].name, "%s", m[n].t->name);
        rep->n_tables++;
        rc = copy_table(&g, &m[n], &rep->tables[n].rows);
        for (int c = 0; rc == 0 && c < m[n].t->n_columns; c++)
            if (m[n].t->columns[c].identity && g.to->ops->keys_restart &&
                (rc = g.to->ops->keys_restart(g.to, m[n].t->name, m[n].t->columns[c].name)) != 0)
                sol_error_set(err, rc, "writing %s: %s", m[n].t->name, sol_store_errmsg(g.to));
    }
    if (rc == 0 && g.to->ops->dialect->latest_flag && (rc = derive_latest(g.to)) != 0)
        sol_error_set(err, rc, "computing the latest versions: %s", sol_store_errmsg(g.to));
    for (int t = 0; rc == 0 && t < n; t++) {
        int64_t rows = 0;
        rc = verify_table(&g, &m[t], &rows);
        rep->rows_verified += rows;
        if (strcmp(m[t].t->name, "objects") == 0)
            rep->objects_verified = rows;
        if (rc == 0 && rows != rep->tables[t].rows)
            rc = sol_error_set(err, SOL_ECONFLICT, "verifying %s: %lld rows compared, %lld copied",
                               m[t].t->name, (long long)rows, (long long)rep->tables[t].rows);
    }
    if (rc == 0 && o->before_commit && (rc = o->before_commit(o->ud, g.from, g.to, &e2)) != 0)
        sol_error_set(err, rc, "%s", e2.msg);
    if (rc == 0 && (rc = sol_store_commit(g.to)) != 0)
        sol_error_set(err, rc, "committing: %s", sol_store_errmsg(g.to));
    if (rc != 0 && g.to && g.to->in_txn)
        sol_store_rollback(g.to);
    if (snapshot)
        g.from->ops->exec(g.from, "COMMIT");
    /* Fresh statistics, so that the planner walks the indexes from the first query on. */
    if (rc == 0 && g.to->ops->dialect->analyze_sql)
        (void)g.to->ops->exec(g.to, g.to->ops->dialect->analyze_sql);
    for (int t = 0; t < n; t++)
        sol_buf_free(&m[t].columns);
    sol_store_close(g.from);
    sol_store_close(g.to);
    return rc;
}
