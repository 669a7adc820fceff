/*
 * store/store_pg.h — what benchmarks need of the PostgreSQL backend beyond the store
 * interface: the text of its one-statement add, to run the same SQL through pgbench.
 */
#ifndef SOLIDARITY_STORE_PG_H
#define SOLIDARITY_STORE_PG_H

#include "store/store.h"

/*
 * The one statement of sol_store_object_add() (parameters: $1 collection, $2 id,
 * $3 version or NULL, $4 type, $5 spec_version, $6 tlp or NULL, $7 TLP:RED recipients,
 * $8 revoked, $9 origin, $10 json), for benchmarks.
 */
const char *sol__pg_add_sql(void);

#endif
