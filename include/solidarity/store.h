/*
 * store.h — the node's store: STIX object versions in collections under API roots,
 * status resources, partners, users, tokens, grants, peers and an append-only audit log.
 *
 * One interface, several backends: store.c is the only dispatcher (a struct of function
 * pointers per backend); store_sqlite.c (default: "sqlite:DIR", or a plain directory,
 * where the database is DIR/store.db) and store_pg.c ("postgresql://...", its own issue).
 *
 * Ownership: a sol_store is opened and closed by its caller; one handle may be used by
 * one thread at a time (open one handle per thread; SQLite in WAL mode lets them read
 * concurrently while one writes, and several processes may write: they wait for each
 * other up to a busy timeout). Strings passed in are copied when kept. Strings and JSON
 * handed out by a cursor stay valid until the next call on that cursor, or until
 * sol_store_cursor_close(). Records filled by *_get functions own their strings until
 * the matching *_clear function; arrays filled by *_list functions are released with
 * the matching *_list_free function.
 *
 * Durability: every function that writes commits before it returns (unless the caller
 * holds a transaction opened with sol_store_begin(), then at sol_store_commit()), and a
 * commit is on disk when it returns (SQLite: WAL with synchronous=FULL), so whatever was
 * acknowledged survives a kill -9 or a power loss.
 *
 * Errors: functions return 0 or a negative SOL_E* code: SOL_ENOTFOUND for a missing
 * record, SOL_EEXISTS for a duplicate name or id, SOL_EBUSY when another process held
 * the database locked longer than the busy timeout, SOL_ESTORE for anything else
 * the database refused (the backend's message is in sol_store_errmsg()).
 */
#ifndef SOLIDARITY_STORE_H
#define SOLIDARITY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

struct sol_store;

/* The name of the API root `solidarity init` creates: served at /intel/. */
#define SOL_DEFAULT_API_ROOT "intel"
/* The default max_content_length of an API root: 100 MiB. */
#define SOL_DEFAULT_MAX_CONTENT_LENGTH ((int64_t)100 * 1024 * 1024)

/*
 * Settings keys written by `solidarity init` (sol_store_setting_get()):
 *   node.name          the node's name
 *   node.identity      the node's STIX identity id ("identity--...")
 *   node.identity_json the node's STIX identity object, JSON text
 *   node.partner       the name of the node's own partner (its operator's organisation)
 *   taxii.cursor_key   64 hex digits: the key that encrypts and authenticates TAXII `next`
 *                      cursors
 */
#define SOL_SETTING_NODE_NAME          "node.name"
#define SOL_SETTING_NODE_IDENTITY      "node.identity"
#define SOL_SETTING_NODE_IDENTITY_JSON "node.identity_json"
#define SOL_SETTING_NODE_PARTNER       "node.partner"
#define SOL_SETTING_CURSOR_KEY         "taxii.cursor_key"

/*
 * Settings of TAXII discovery (`solidarity collection root default`, `solidarity serve
 * config`), read by every serve of the node at each discovery request; "" or absent: not
 * set.
 *   taxii.default_api_root  the API root discovery names as default
 *   taxii.public_url        the URL the node is reached at (behind a reverse proxy):
 *                           discovery then lists absolute URLs under it
 *   taxii.title, taxii.description, taxii.contact   what discovery says of the server
 */
#define SOL_SETTING_DEFAULT_API_ROOT  "taxii.default_api_root"
#define SOL_SETTING_PUBLIC_URL        "taxii.public_url"
#define SOL_SETTING_TAXII_TITLE       "taxii.title"
#define SOL_SETTING_TAXII_DESCRIPTION "taxii.description"
#define SOL_SETTING_TAXII_CONTACT     "taxii.contact"

/*
 * Open (creating or migrating the schema) the store named by url: "sqlite:DIR", a plain
 * directory DIR (the database is DIR/store.db; DIR must exist), or "sqlite-file:PATH"
 * for a database file. On failure returns a negative code and a message in err.
 */
SOL_API int sol_store_open(const char *url, struct sol_store **out, struct sol_error *err);
/*
 * The directory of a store kept in files (SQLite: the directory of store.db), where the
 * node's other files live too (its signing key, sign.h), appended to out. Returns 0, or
 * SOL_EUNSUPPORTED for a store kept by a database server (PostgreSQL), whose node keeps
 * its secrets in the database instead.
 */
SOL_API int sol_store_dir(struct sol_store *s, struct sol_buf *out);
/*
 * Move a node's store to another store: SQLite to PostgreSQL, PostgreSQL to SQLite (or
 * between two of a kind); both are named by URL as for sol_store_open(), and a SQLite
 * target's directory is made (mode 0700) when missing. Everything moves, table by table,
 * with its keys: settings, API roots, collections, object versions with their date_added
 * and seq (a client's added_after and next go on where they were), status resources,
 * partners, users, tokens, grants, peers and the audit log. The source is opened (and so
 * brought to this program's schema) and read in one snapshot: what is written to it
 * after the snapshot is not moved, so stop its writers first. The target must hold no
 * row, unless o->force, which drops its tables first. The rows go into the target in
 * one transaction; before it commits, every table is read back and compared with the
 * source row by row, column by column; a difference, or any error, rolls everything
 * back, leaving the target as it was (emptied when force dropped it).
 *
 * rep (may be NULL) gets the rows moved per table and the rows verified. On failure,
 * err says what and where (a table, an object version, a row's key). The source and
 * target are closed before it returns.
 */
#define SOL_MIGRATE_MAX_TABLES 32
struct sol_migrate_options {
    bool force; /* replace a target that is not empty */
    /*
     * Called in the target's transaction after the rows were copied and verified, before
     * the commit (what is kept beside a store rather than in it moves here: sign.h's
     * sol_sign_key_move()); a non-zero return, with err set, rolls everything back.
     * May be NULL.
     */
    int (*before_commit)(void *ud, struct sol_store *from, struct sol_store *to,
                         struct sol_error *err);
    void *ud;
};
struct sol_migrate_report {
    size_t n_tables;
    struct {
        char name[32];
        int64_t rows;
    } tables[SOL_MIGRATE_MAX_TABLES]; /* in the order they moved */
    int64_t rows_verified;            /* rows of every table found equal in both stores */
    int64_t objects_verified;         /* of them, object versions */
};
SOL_API int sol_store_migrate(const char *from_url, const char *to_url,
                              const struct sol_migrate_options *o, struct sol_migrate_report *rep,
                              struct sol_error *err);

/* Whether the store named by url already exists (its database file is there). */
SOL_API bool sol_store_exists(const char *url);
/* Close the store; NULL does nothing. An open transaction is rolled back. */
SOL_API void sol_store_close(struct sol_store *s);
/* The backend's last error message, for logs ("" when none). Valid until the next call. */
SOL_API const char *sol_store_errmsg(struct sol_store *s);
/* The schema version of an open store (the number of migrations applied). */
SOL_API int sol_store_schema_version(struct sol_store *s);

/*
 * Transactions: all writes between begin and commit become durable together, and
 * nothing of them is kept if the process dies before commit. begin takes the write
 * lock at once (SQLite: BEGIN IMMEDIATE), so date_added stays strictly increasing across
 * processes. Transactions do not nest: begin inside a transaction gives SOL_EINVAL.
 */
SOL_API int sol_store_begin(struct sol_store *s);
SOL_API int sol_store_commit(struct sol_store *s);
SOL_API int sol_store_rollback(struct sol_store *s);

/* Node settings (see the keys above): a small key/value table. get gives SOL_ENOTFOUND. */
SOL_API int sol_store_setting_get(struct sol_store *s, const char *key, struct sol_buf *out);
SOL_API int sol_store_setting_set(struct sol_store *s, const char *key, const char *value);
/* Remove a setting; SOL_ENOTFOUND when there is none. */
SOL_API int sol_store_setting_delete(struct sol_store *s, const char *key);

/* TAXII 2.1 §4.2: API roots, addressed by their path name ("intel" for /intel/). */
struct sol_api_root {
    char *name, *title, *description;
    int64_t max_content_length;
};
/* Create or replace an API root (by name). */
SOL_API int sol_store_api_root_put(struct sol_store *s, const struct sol_api_root *r);
SOL_API int sol_store_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out);
/* All API roots ordered by name; free with sol_api_root_list_free(). */
SOL_API int sol_store_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n);
/*
 * Remove an API root that holds no collection (`solidarity init`'s "intel" too): 0,
 * SOL_ENOTFOUND, or SOL_ECONFLICT when collections are in it (remove them first). A
 * default (taxii.default_api_root) that named it is cleared.
 */
SOL_API int sol_store_api_root_delete(struct sol_store *s, const char *name);
/*
 * The node's default API root, appended to out: the one taxii.default_api_root names
 * when it exists, else SOL_DEFAULT_API_ROOT when it exists, else the first by name.
 * SOL_ENOTFOUND when the node has none.
 */
SOL_API int sol_store_default_api_root(struct sol_store *s, struct sol_buf *out);
SOL_API void sol_api_root_clear(struct sol_api_root *r);
SOL_API void sol_api_root_list_free(struct sol_api_root *v, size_t n);

/*
 * TAXII 2.1 §5.2: collections. default_tlp applies to objects without a TLP marking
 * (AMBER unless the operator says otherwise). media_types NULL means
 * "application/stix+json;version=2.1". id is a UUID (without prefix), unique on the node.
 */
struct sol_collection {
    char *id, *api_root, *title, *description, *alias;
    char *media_types; /* comma-separated, or NULL */
    int default_tlp;   /* enum sol_tlp */
    sol_time_t created;
};
/*
 * Create or update a collection (by id; the API root must exist: SOL_ENOTFOUND; an alias
 * already used by another collection of the same API root: SOL_EEXISTS).
 */
SOL_API int sol_store_collection_put(struct sol_store *s, const struct sol_collection *c);
/* By API root and id or alias; api_root NULL looks in every API root. */
SOL_API int sol_store_collection_get(struct sol_store *s, const char *api_root, const char *id,
                                     struct sol_collection *out);
/* The collections of an API root (NULL: all), ordered by created then id. */
SOL_API int sol_store_collection_list(struct sol_store *s, const char *api_root,
                                      struct sol_collection **out, size_t *n);
/* Delete a collection with its objects and grants. */
SOL_API int sol_store_collection_delete(struct sol_store *s, const char *api_root, const char *id);
SOL_API void sol_collection_clear(struct sol_collection *c);
SOL_API void sol_collection_list_free(struct sol_collection *v, size_t n);
/* How many object versions a collection holds. */
SOL_API int sol_store_collection_count(struct sol_store *s, const char *collection, int64_t *n);

/*
 * An object version as stored: the raw JSON text as received, with what the filters
 * and the policy need. version is `modified`, else `created`; objects with neither
 * (SCOs) are passed with version 0 and stored with the date_added of their first add
 * as their version, as TAXII 2.1 §3.4.1 allows (and medallion does).
 *
 * Policy (access.h): tlp is the effective TLP, after the collection default
 * was applied, never SOL_TLP_NONE once stored. tlp_red_recipients lists the identity
 * ids of the partners a TLP:RED object may go to (comma-separated, no spaces); the
 * ingest path fills it (include/solidarity/ingest.h says from what).
 */
struct sol_object_row {
    struct sol_str id, type, spec_version, json, origin;
    sol_time_t version;
    sol_time_t date_added;             /* microseconds, strictly increasing per collection */
    int64_t seq;                       /* tie-breaker of the keyset cursor; unique in the store */
    int tlp;                           /* enum sol_tlp, after the collection default applied */
    struct sol_str tlp_red_recipients; /* comma-separated identity ids, for TLP:RED */
    bool revoked;
};

/*
 * Add one object version to a collection. Returns 0 and sets *added true when stored,
 * *added false when that (id, version) was already there (a no-op, not a duplicate:
 * *date_added is then the date_added of the version already held). row.date_added and
 * row.seq are ignored: the store assigns date_added = max(now, last + 1 µs) for the
 * collection inside the write transaction. added and date_added may be NULL.
 * SOL_ENOTFOUND when the collection does not exist.
 */
SOL_API int sol_store_object_add(struct sol_store *s, const char *collection,
                                 const struct sol_object_row *row, bool *added,
                                 sol_time_t *date_added);

/*
 * TAXII 2.1 §3.4: the filters of a GET on objects, manifest and versions, and of a
 * DELETE. Evaluated in this order (taxii-2.1.md §9.5), all in the database:
 *   1. the collection's versions; match[type], match[id]; added_after on date_added;
 *      the policy (max_tlp, TLP:RED recipients): a version the asker may not see does
 *      not exist for them, nor does any version of an object whose latest version
 *      (highest version, then spec_version) they may not see (access.h);
 *   2. match[spec_version], or by default per object id the highest spec_version among
 *      what remains;
 *   3. match[version] per object id over what remains (default last);
 *   4. the keyset cursor (rows strictly after (after_date_added, after_seq));
 *   5. ascending (date_added, seq) order, and limit.
 * So limit counts only rows the asker may see; ask for limit + 1 to learn "more".
 */
enum sol_version_match { SOL_VERSION_LAST = 1, SOL_VERSION_FIRST = 2, SOL_VERSION_ALL = 4 };
struct sol_object_filter {
    const char *collection;
    sol_time_t added_after; /* exclusive, when has_added_after */
    bool has_added_after;
    const char *const *ids; /* match[id], n_ids entries */
    size_t n_ids;
    const char *const *types; /* match[type] */
    size_t n_types;
    const char *const *spec_versions; /* match[spec_version]; none = latest of each object */
    size_t n_spec_versions;
    unsigned version_match;     /* bit set of sol_version_match; 0 with no versions = LAST */
    const sol_time_t *versions; /* explicit match[version] timestamps (OR'd with the bits) */
    size_t n_versions;
    /* keyset cursor: rows strictly after (after_date_added, after_seq) */
    bool has_after;
    sol_time_t after_date_added;
    int64_t after_seq;
    int max_tlp;                /* enum sol_tlp the asker may see; 0 = SOL_TLP_NONE sees nothing */
    const char *asker_identity; /* TLP:RED only when listed among the recipients; NULL = none */
    size_t limit;               /* rows wanted; 0 = no limit */
    bool skip_json;             /* rows come without json (manifest, versions: faster) */
    /*
     * No policy at all: every version, whatever its TLP (max_tlp and asker_identity are
     * ignored). Only for the node's own checks (the ingest's provenance), never for a
     * query made on someone's behalf.
     */
    bool unrestricted;
};

struct sol_store_cursor;
/*
 * Start a query; rows come one at a time from sol_store_cursor_next() in constant
 * memory. The cursor holds a read snapshot until closed; close it promptly.
 */
SOL_API int sol_store_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                                    struct sol_store_cursor **out);
/* Next row: 0 with *row filled (views valid until the next call), SOL_EEOF at the end. */
SOL_API int sol_store_cursor_next(struct sol_store_cursor *c, struct sol_object_row *row);
/* Close a cursor; NULL does nothing. */
SOL_API void sol_store_cursor_close(struct sol_store_cursor *c);

/*
 * Delete the versions the filter selects (same evaluation as a query; limit and the
 * cursor are ignored). A filter without version_match and versions deletes every
 * version of the objects (taxii-2.1.md §12: a bare DELETE purges). *deleted counts rows
 * removed (may be NULL).
 */
SOL_API int sol_store_objects_delete(struct sol_store *s, const struct sol_object_filter *f,
                                     size_t *deleted);

/* TAXII 2.1 §4.3: status resources, kept at least 24 hours. */
struct sol_status_entry {
    char *id;      /* object id */
    char *version; /* RFC 3339 */
    char *message; /* reason, for failures; may be NULL */
};
struct sol_status {
    char *id, *status; /* "pending" / "complete" */
    sol_time_t request_timestamp;
    int64_t total_count, success_count, failure_count, pending_count;
    struct sol_status_entry *successes, *failures, *pendings;
    size_t n_successes, n_failures, n_pendings;
    char *owner;              /* the name of the user who made the request (for people) */
    int64_t owner_user_id;    /* that user's id: what TAXII matches (0: unknown) */
    int64_t owner_partner_id; /* the partner the user belonged to then (0: unknown) */
};
/* Create or replace a status resource (by id). */
SOL_API int sol_store_status_put(struct sol_store *s, const struct sol_status *st);
SOL_API int sol_store_status_get(struct sol_store *s, const char *id, struct sol_status *out);
/* Remove status resources whose request_timestamp is before `before`. */
SOL_API int sol_store_status_expire(struct sol_store *s, sol_time_t before, size_t *removed);
SOL_API void sol_status_clear(struct sol_status *st);

/*
 * Partners: the organisations of the network, each a STIX identity. The node's own
 * organisation is a partner too (created by `solidarity init`).
 */
struct sol_partner {
    int64_t id;
    char *name;     /* unique short name, used on the command line */
    char *identity; /* "identity--<uuid>" */
    sol_time_t created;
};
/* Add a partner; identity NULL makes a new identity id. *id may be NULL. */
SOL_API int sol_store_partner_add(struct sol_store *s, const char *name, const char *identity,
                                  int64_t *id);
/* By name, or (when name starts with "identity--") by identity id. */
SOL_API int sol_store_partner_get(struct sol_store *s, const char *name, struct sol_partner *out);
SOL_API int sol_store_partner_get_by_id(struct sol_store *s, int64_t id, struct sol_partner *out);
SOL_API int sol_store_partner_list(struct sol_store *s, struct sol_partner **out, size_t *n);
/* Remove a partner; SOL_ECONFLICT while users still belong to it. */
SOL_API int sol_store_partner_delete(struct sol_store *s, const char *name);
SOL_API void sol_partner_clear(struct sol_partner *p);
SOL_API void sol_partner_list_free(struct sol_partner *v, size_t n);

/* Users: people and programs that log in. Each belongs to one partner. */
struct sol_user {
    int64_t id;
    char *name;
    int64_t partner_id;
    char *partner_name, *partner_identity; /* filled by get/list; ignored by add */
    int clearance;                         /* enum sol_tlp: the highest TLP they may see */
    bool is_admin;
    char *password_hash; /* libsodium crypto_pwhash_str (argon2id) text, or NULL: no password */
    sol_time_t created;
};
SOL_API int sol_store_user_add(struct sol_store *s, const struct sol_user *u, int64_t *id);
SOL_API int sol_store_user_get(struct sol_store *s, const char *name, struct sol_user *out);
SOL_API int sol_store_user_get_by_id(struct sol_store *s, int64_t id, struct sol_user *out);
/* Users of one partner (partner_id > 0) or all (0), ordered by name. */
SOL_API int sol_store_user_list(struct sol_store *s, int64_t partner_id, struct sol_user **out,
                                size_t *n);
/* Change clearance, admin flag and password hash (NULL keeps the old hash) of a user. */
SOL_API int sol_store_user_update(struct sol_store *s, const struct sol_user *u);
/* Remove a user with their tokens and grants. */
SOL_API int sol_store_user_delete(struct sol_store *s, const char *name);
SOL_API void sol_user_clear(struct sol_user *u);
SOL_API void sol_user_list_free(struct sol_user *v, size_t n);

/* API tokens: only a 32-byte hash of the token is stored (access.h makes and checks them). */
struct sol_token {
    int64_t id;
    char *name;
    int64_t user_id;
    char *user_name; /* filled by get/list */
    uint8_t hash[32];
    sol_time_t created, last_used; /* last_used 0: never */
    bool revoked;
};
SOL_API int sol_store_token_add(struct sol_store *s, const struct sol_token *t, int64_t *id);
/* The token whose hash is hash (revoked ones too: the caller checks). */
SOL_API int sol_store_token_find(struct sol_store *s, const uint8_t hash[32],
                                 struct sol_token *out);
/* Tokens of one user (user_id > 0) or all (0), ordered by id. */
SOL_API int sol_store_token_list(struct sol_store *s, int64_t user_id, struct sol_token **out,
                                 size_t *n);
SOL_API int sol_store_token_revoke(struct sol_store *s, int64_t id);
/*
 * Record a use (last_used = at). Outside a transaction it does not wait for the write
 * lock: SOL_EBUSY at once when another writer holds it (callers treat it as best effort).
 */
SOL_API int sol_store_token_touch(struct sol_store *s, int64_t id, sol_time_t at);
SOL_API void sol_token_clear(struct sol_token *t);
SOL_API void sol_token_list_free(struct sol_token *v, size_t n);

/*
 * Grants: read and write on one collection for a partner (all its users) or one user.
 * Exactly one of partner_id and user_id is non-zero.
 */
struct sol_grant {
    char *collection;
    int64_t partner_id, user_id;
    char *partner_name, *user_name; /* filled by list */
    bool can_read, can_write;
};
/* Add permissions (they add up to what the grant already gives). */
SOL_API int sol_store_grant_add(struct sol_store *s, const struct sol_grant *g);
/* Take permissions away (can_read / can_write true = remove it); an empty grant goes. */
SOL_API int sol_store_grant_remove(struct sol_store *s, const struct sol_grant *g);
/* What the grants of a user and their partner together give on a collection. */
SOL_API int sol_store_grant_check(struct sol_store *s, const char *collection, int64_t user_id,
                                  int64_t partner_id, bool *can_read, bool *can_write);
/* Grants on one collection (NULL: all): by collection, partners (by name) before users. */
SOL_API int sol_store_grant_list(struct sol_store *s, const char *collection,
                                 struct sol_grant **out, size_t *n);
SOL_API void sol_grant_list_free(struct sol_grant *v, size_t n);

/* Peers: partner nodes to sync with; config_json holds the rest of a peer's configuration
 * (sync.h's struct sol_peer_config reads and writes it). */
struct sol_peer {
    int64_t id;
    char *name, *url, *partner, *token, *config_json;
    sol_time_t created, last_sync;
};
SOL_API int sol_store_peer_put(struct sol_store *s, const struct sol_peer *p);
SOL_API int sol_store_peer_get(struct sol_store *s, const char *name, struct sol_peer *out);
SOL_API int sol_store_peer_list(struct sol_store *s, struct sol_peer **out, size_t *n);
SOL_API int sol_store_peer_delete(struct sol_store *s, const char *name);
SOL_API void sol_peer_clear(struct sol_peer *p);
SOL_API void sol_peer_list_free(struct sol_peer *v, size_t n);

/*
 * Append to the audit log (who, what, which object/collection, details as JSON text or
 * NULL). The log is append-only: the database refuses UPDATE and DELETE on it.
 */
SOL_API int sol_store_audit(struct sol_store *s, const char *actor, const char *action,
                            const char *target, const char *details_json);
struct sol_audit_entry {
    int64_t seq;
    sol_time_t at;
    char *actor, *action, *target, *details;
};
/* The audit entries after seq `after`, oldest first, at most limit (0: all). */
SOL_API int sol_store_audit_list(struct sol_store *s, int64_t after, size_t limit,
                                 struct sol_audit_entry **out, size_t *n);
SOL_API void sol_audit_list_free(struct sol_audit_entry *v, size_t n);

#endif
