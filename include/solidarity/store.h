/*
 * store.h — the node's store: STIX object versions in collections under API roots,
 * status resources, partners, users, tokens, grants, peers and an append-only audit log.
 *
 * One interface, several backends: store.c is the only dispatcher; store_sqlite.c
 * (default, "sqlite:DIR" or a plain directory) and store_pg.c ("postgresql://...").
 *
 * Ownership: a sol_store is opened and closed by its caller; one handle may be used by
 * one thread at a time (open one handle per thread; SQLite in WAL mode lets them read
 * concurrently while one writes). Strings passed in are copied when kept. Strings and
 * JSON handed out by a cursor stay valid until the next call on that cursor, or until
 * sol_store_cursor_close(). Records filled by *_get functions own their strings until
 * the matching *_clear function.
 *
 * DRAFT by the lead: the store helper owns this file and may extend it; the TAXII
 * helper codes against it. Keep names stable once others use them.
 */
#ifndef SOLIDARITY_STORE_H
#define SOLIDARITY_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

struct sol_store;

/* Open (creating or migrating the schema) the store named by url. */
SOL_API int sol_store_open(const char *url, struct sol_store **out, struct sol_error *err);
SOL_API void sol_store_close(struct sol_store *s);

/* Transactions: all writes between begin and commit become durable together. */
SOL_API int sol_store_begin(struct sol_store *s);
SOL_API int sol_store_commit(struct sol_store *s);
SOL_API int sol_store_rollback(struct sol_store *s);

/* Node settings (identity id, default marking, cursor key, ...): a small key/value table. */
SOL_API int sol_store_setting_get(struct sol_store *s, const char *key, struct sol_buf *out);
SOL_API int sol_store_setting_set(struct sol_store *s, const char *key, const char *value);

/* TAXII 2.1 §4.2: API roots, addressed by their path name ("demo" for /demo/). */
struct sol_api_root {
    char *name, *title, *description;
    int64_t max_content_length;
};
SOL_API int sol_store_api_root_put(struct sol_store *s, const struct sol_api_root *r);
SOL_API int sol_store_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out);
SOL_API int sol_store_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n);
SOL_API void sol_api_root_clear(struct sol_api_root *r);

/* TAXII 2.1 §5.2: collections. default_tlp applies to objects without a TLP marking. */
struct sol_collection {
    char *id, *api_root, *title, *description, *alias;
    int default_tlp; /* enum sol_tlp */
    sol_time_t created;
};
SOL_API int sol_store_collection_put(struct sol_store *s, const struct sol_collection *c);
SOL_API int sol_store_collection_get(struct sol_store *s, const char *api_root, const char *id,
                                     struct sol_collection *out);
SOL_API int sol_store_collection_list(struct sol_store *s, const char *api_root,
                                      struct sol_collection **out, size_t *n);
SOL_API int sol_store_collection_delete(struct sol_store *s, const char *api_root, const char *id);
SOL_API void sol_collection_clear(struct sol_collection *c);

/*
 * An object version as stored: the raw JSON text as received, with what the filters
 * and the policy need. version is `modified`, else `created`, else date_added
 * (TAXII 2.1 §3.4.1 says what a version is for objects without them).
 */
struct sol_object_row {
    struct sol_str id, type, spec_version, json, origin;
    sol_time_t version;
    sol_time_t date_added; /* microseconds, strictly increasing per collection */
    int64_t seq;           /* tie-breaker of the keyset cursor */
    int tlp;               /* enum sol_tlp, after the collection default applied */
    struct sol_str tlp_red_recipients; /* comma-separated identity ids, for TLP:RED */
    bool revoked;
};

/*
 * Add one object version to a collection. Returns 0 and sets *added true when stored,
 * *added false when that (id, version) was already there (a no-op, not a duplicate).
 * row.date_added and row.seq are assigned by the store.
 */
SOL_API int sol_store_object_add(struct sol_store *s, const char *collection,
                                 const struct sol_object_row *row, bool *added,
                                 sol_time_t *date_added);

/* TAXII 2.1 §3.4: the filters of a GET on objects, manifest and versions. */
enum sol_version_match { SOL_VERSION_LAST = 1, SOL_VERSION_FIRST = 2, SOL_VERSION_ALL = 4 };
struct sol_object_filter {
    const char *collection;
    sol_time_t added_after; /* 0 = none; exclusive */
    bool has_added_after;
    const char *const *ids;   /* match[id], n_ids entries */
    size_t n_ids;
    const char *const *types; /* match[type] */
    size_t n_types;
    const char *const *spec_versions; /* match[spec_version]; none = latest of each object */
    size_t n_spec_versions;
    unsigned version_match;     /* bit set of sol_version_match; 0 = LAST */
    const sol_time_t *versions; /* explicit match[version] timestamps */
    size_t n_versions;
    /* keyset cursor: rows strictly after (after_date_added, after_seq) */
    bool has_after;
    sol_time_t after_date_added;
    int64_t after_seq;
    int max_tlp;                       /* enum sol_tlp the asker may see */
    const char *asker_identity;        /* for TLP:RED recipients; NULL = none */
    size_t limit;                      /* rows wanted; 0 = no limit */
};

struct sol_store_cursor;
SOL_API int sol_store_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                                    struct sol_store_cursor **out);
/* Next row: 0 with *row filled, SOL_EEOF at the end. */
SOL_API int sol_store_cursor_next(struct sol_store_cursor *c, struct sol_object_row *row);
SOL_API void sol_store_cursor_close(struct sol_store_cursor *c);

/* Delete versions matching the filter (ids required). *deleted counts rows removed. */
SOL_API int sol_store_objects_delete(struct sol_store *s, const struct sol_object_filter *f,
                                     size_t *deleted);

/* TAXII 2.1 §4.3: status resources, kept at least 24 hours. */
struct sol_status_entry {
    char *id;        /* object id */
    char *version;   /* RFC 3339 */
    char *message;   /* reason, for failures */
};
struct sol_status {
    char *id, *status; /* "pending" / "complete" */
    sol_time_t request_timestamp;
    int64_t total_count, success_count, failure_count, pending_count;
    struct sol_status_entry *successes, *failures, *pendings;
    size_t n_successes, n_failures, n_pendings;
    char *owner; /* user who made the request */
};
SOL_API int sol_store_status_put(struct sol_store *s, const struct sol_status *st);
SOL_API int sol_store_status_get(struct sol_store *s, const char *id, struct sol_status *out);
SOL_API void sol_status_clear(struct sol_status *st);

/* Append to the audit log (who, what, which object/collection, details as JSON text). */
SOL_API int sol_store_audit(struct sol_store *s, const char *actor, const char *action,
                            const char *target, const char *details_json);

#endif
