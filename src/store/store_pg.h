/*
 * store/store_pg.h — what `solidarity migrate` needs of the PostgreSQL backend beyond
 * the store interface: copying whole tables with their ids and keys kept (COPY), and
 * reading rows back to verify them. Only for a store opened on "postgresql://..."
 * (sol__store_is_pg()); every function returns 0 or a negative SOL_E* code with the
 * server's message in sol_store_errmsg().
 */
#ifndef SOLIDARITY_STORE_PG_H
#define SOLIDARITY_STORE_PG_H

#include "store/store.h"

/* The PostgreSQL backend (store_pg.c; also declared beside the others in store.h). */
extern const struct sol__store_ops sol__store_pg_ops;

/* Whether s was opened by the PostgreSQL backend. */
bool sol__store_is_pg(struct sol_store *s);
/* *empty: no table of the schema holds a row. */
int sol__pg_is_empty(struct sol_store *s, bool *empty);
/* Drop every table of the schema and create it anew, empty (migrate --force). */
int sol__pg_reset(struct sol_store *s);
/*
 * COPY rows into table: begin with its column list ("a, b, c"), one call per row with
 * n values (NULL for SQL NULL; lengths in bytes), end with the caller's status (a non-zero
 * rc aborts the COPY) which returns the first error. Run inside sol_store_begin().
 */
int sol__pg_copy_begin(struct sol_store *s, const char *table, const char *columns);
int sol__pg_copy_row(struct sol_store *s, const char *const *values, const size_t *lengths,
                     size_t n);
int sol__pg_copy_end(struct sol_store *s, int rc);
/*
 * After copying rows with their ids: move the identity sequences past the highest id and
 * each collection's last_date_added up to its newest object, so that new rows go after.
 */
int sol__pg_restore_finish(struct sol_store *s);
/* Run sql (no parameters) and call fn (may be NULL) for each row; a non-zero return stops. */
int sol__pg_each_row(struct sol_store *s, const char *sql,
                     int (*fn)(void *arg, int ncols, const char *const *values, const int *lengths),
                     void *arg);
/*
 * The one statement of sol_store_object_add() (parameters: $1 collection, $2 id,
 * $3 version or NULL, $4 type, $5 spec_version, $6 tlp or NULL, $7 TLP:RED recipients,
 * $8 revoked, $9 origin, $10 json), for benchmarks.
 */
const char *sol__pg_add_sql(void);

#endif
