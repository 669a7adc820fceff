/*
 * sql.c — running the store's SQL through a backend's driver (store/store.h): binding
 * values, reading rows into records, the transactions of operations, the schema's
 * migrations. Nothing here knows which database it talks to; the dialect says the rest.
 */
#include <stdarg.h>
#include <stdio.h>

#include "solidarity/alloc.h"
#define SOL_STORE_SQL_C /* the real sol__store_fail, not store.h's macro for the analyzer */
#include "store/store.h"

/* store.h: remember a message and return code. */
int
sol__store_fail(struct sol_store *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

/* store.h: bind args from parameter 1 on. */
int
sol__sql_bind_all(struct sol_store *s, struct sol__stmt *st, const struct sol__value *args, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = s->ops->bind(st, i + 1, &args[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Prepare sql and bind args; *st NULL on failure. */
static int
start(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
      struct sol__stmt **st)
{
    *st = NULL;
    int rc = s->ops->prepare(s, sql, SOL__LITERAL, st);
    if (rc == 0)
        rc = sol__sql_bind_all(s, *st, args, n);
    if (rc != 0 && *st) {
        s->ops->finish(*st);
        *st = NULL;
    }
    return rc;
}

/* store.h: a statement whose rows do not matter. */
int
sol__sql_run(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
             int64_t *changed)
{
    struct sol__stmt *st;
    int rc = start(s, sql, args, n, &st);
    if (rc != 0)
        return rc;
    while ((rc = s->ops->step(st)) == SOL__ROW)
        ;
    if (rc == SOL__DONE && changed)
        *changed = s->ops->changes(st);
    s->ops->finish(st);
    return rc;
}

/* store.h: the first column of the first row, as an integer. */
int
sol__sql_int(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
             int64_t *out)
{
    struct sol__stmt *st;
    int rc = start(s, sql, args, n, &st);
    if (rc != 0)
        return rc;
    rc = s->ops->step(st);
    if (rc == SOL__ROW) {
        struct sol__value v;
        sol__column(s, st, 0, SOL__INT, &v);
        *out = v.i;
        rc = 0;
    } else if (rc == SOL__DONE) {
        rc = SOL_ENOTFOUND;
    }
    s->ops->finish(st);
    return rc;
}

/* Read the current row of st into the record rec, as def says. false: out of memory. */
static bool
read_row(struct sol_store *s, struct sol__stmt *st, const struct sol__row *def, char *rec)
{
    /* The driver reads into slots (text and hashes as views), then they go into rec. */
    union slot {
        int64_t i;
        int n;
        bool b;
        struct sol_str v;
    } slots[SOL__ROW_MAX];
    struct sol__field as[SOL__ROW_MAX] = {{SOL__F_I64, 0}};
    int n = def->n_fields < SOL__ROW_MAX ? def->n_fields : SOL__ROW_MAX;
    for (int i = 0; i < n; i++) {
        enum sol__field_kind k = def->fields[i].kind;
        as[i].kind = k == SOL__F_TEXT ? SOL__F_STR : k == SOL__F_HASH32 ? SOL__F_BLOB : k;
        as[i].offset = (size_t)i * sizeof(union slot);
    }
    s->ops->columns(st, 0, n, as, slots);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        void *at = rec + def->fields[i].offset;
        switch (def->fields[i].kind) {
        case SOL__F_I64:
            *(int64_t *)at = slots[i].i;
            break;
        case SOL__F_INT:
            *(int *)at = slots[i].n;
            break;
        case SOL__F_BOOL:
            *(bool *)at = slots[i].b;
            break;
        case SOL__F_STR:
        case SOL__F_BLOB:
            *(struct sol_str *)at = slots[i].v;
            break;
        case SOL__F_TEXT:
            *(char **)at = slots[i].v.p ? sol_strndup(slots[i].v.p, slots[i].v.n) : NULL;
            ok = ok && (!slots[i].v.p || *(char **)at);
            break;
        case SOL__F_HASH32:
            if (slots[i].v.p && slots[i].v.n == 32)
                memcpy(at, slots[i].v.p, 32);
            break;
        }
    }
    return ok;
}

/* store.h: the first row into a record. */
int
sol__sql_get(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
             const struct sol__row *def, void *out)
{
    memset(out, 0, def->size);
    struct sol__stmt *st;
    int rc = start(s, sql, args, n, &st);
    if (rc != 0)
        return rc;
    rc = s->ops->step(st);
    if (rc == SOL__ROW) {
        rc = read_row(s, st, def, out) ? 0 : sol__store_fail(s, SOL_ENOMEM, "out of memory");
        if (rc != 0)
            def->clear(out);
    } else if (rc == SOL__DONE) {
        rc = SOL_ENOTFOUND;
    }
    s->ops->finish(st);
    return rc;
}

/* store.h: every row into an array of records. */
int
sol__sql_list(struct sol_store *s, const char *sql, const struct sol__value *args, int n,
              const struct sol__row *def, void **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    struct sol__stmt *st;
    int rc = start(s, sql, args, n, &st);
    if (rc != 0)
        return rc;
    char *v = NULL;
    size_t k = 0, cap = 0;
    while ((rc = s->ops->step(st)) == SOL__ROW) {
        if (k == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char *nv = sol_realloc(v, ncap * def->size);
            if (!nv) {
                rc = sol__store_fail(s, SOL_ENOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = ncap;
        }
        memset(v + k * def->size, 0, def->size);
        bool ok = read_row(s, st, def, v + k * def->size);
        k++;
        if (!ok) {
            rc = sol__store_fail(s, SOL_ENOMEM, "out of memory");
            break;
        }
    }
    s->ops->finish(st);
    if (rc != SOL__DONE) {
        def->list_free(v, k);
        return rc;
    }
    *out = v;
    *count = k;
    return 0;
}

/* store.h: start an operation that writes. */
int
sol__op_begin(struct sol_store *s, struct sol__op *op, bool several_statements)
{
    const struct sol__sql_dialect *d = s->ops->dialect;
    op->own = op->save = false;
    if (s->in_txn) {
        if (!several_statements && !d->failed_statement_dooms_transaction)
            return 0;
        op->save = true;
        return s->ops->exec(s, "SAVEPOINT sol_op");
    }
    if (!several_statements)
        return 0;
    op->own = true;
    return s->ops->exec(s, d->begin_sql);
}

/* store.h: end it. */
int
sol__op_end(struct sol_store *s, const struct sol__op *op, int rc)
{
    char msg[sizeof s->errmsg];
    if (op->own) {
        if (rc == 0 && (rc = s->ops->exec(s, "COMMIT")) == 0)
            return 0;
        memcpy(msg, s->errmsg, sizeof msg); /* the first error is the one to tell */
        s->ops->exec(s, "ROLLBACK");
        memcpy(s->errmsg, msg, sizeof msg);
        return rc;
    }
    if (op->save) {
        if (rc == 0)
            return s->ops->exec(s, "RELEASE SAVEPOINT sol_op");
        memcpy(msg, s->errmsg, sizeof msg);
        s->ops->exec(s, "ROLLBACK TO SAVEPOINT sol_op");
        s->ops->exec(s, "RELEASE SAVEPOINT sol_op");
        memcpy(s->errmsg, msg, sizeof msg);
    }
    return rc;
}

/* store.h: apply the migrations the database lacks, in one transaction. */
int
sol__schema_apply(struct sol_store *s, struct sol_error *err)
{
    const struct sol__sql_dialect *d = s->ops->dialect;
    int rc = s->ops->exec(s, d->schema_begin_sql);
    if (rc == 0)
        rc = s->ops->exec(s, "CREATE TABLE IF NOT EXISTS schema_version ("
                             "version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)");
    int64_t have = 0;
    if (rc == 0)
        rc = sol__sql_int(s, "SELECT coalesce(max(version), 0) FROM schema_version", SOL__NO_ARGS,
                          &have);
    if (rc == 0 && have > sol__schema_migration_count) {
        s->ops->exec(s, "ROLLBACK");
        return sol_error_set(err, SOL_EUNSUPPORTED,
                             "the store's schema version %d is newer than this program's (%d)",
                             (int)have, sol__schema_migration_count);
    }
    for (int v = (int)have; rc == 0 && v < sol__schema_migration_count; v++) {
        rc = s->ops->exec(s, d->migrations[v]);
        if (rc == 0)
            rc = sol__sql_run(s, "INSERT INTO schema_version (version, applied) VALUES (?1, ?2)",
                              SOL__ARGS(sol__int(v + 1), sol__int(sol_time_now())), NULL);
    }
    if (rc == 0)
        rc = s->ops->exec(s, "COMMIT");
    if (rc != 0) {
        char msg[sizeof s->errmsg];
        memcpy(msg, s->errmsg, sizeof msg);
        s->ops->exec(s, "ROLLBACK");
        return sol_error_set(err, rc, "cannot set up the store's schema: %s", msg);
    }
    s->schema_version = sol__schema_migration_count;
    return 0;
}
