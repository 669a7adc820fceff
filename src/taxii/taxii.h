/*
 * taxii/taxii.h — what the files of the TAXII module share: routes, query filters,
 * content negotiation, cursors and errors.
 *
 * Ownership: a struct taxii_route holds copies of its path segments; a struct
 * taxii_query owns its strings until sol__taxii_query_free().
 */
#ifndef SOL_TAXII_INTERNAL_H
#define SOL_TAXII_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/error.h"
#include "solidarity/store.h"
#include "solidarity/taxii.h"
#include "solidarity/util.h"

/* The endpoints of TAXII 2.1 §3.1. */
enum taxii_endpoint {
    TAXII_EP_NONE = 0,
    TAXII_EP_DISCOVERY,   /* GET /taxii2/ (§4.1) */
    TAXII_EP_API_ROOT,    /* GET {root}/ (§4.2) */
    TAXII_EP_STATUS,      /* GET {root}/status/{id}/ (§4.3) */
    TAXII_EP_COLLECTIONS, /* GET {root}/collections/ (§5.1) */
    TAXII_EP_COLLECTION,  /* GET {root}/collections/{id}/ (§5.2) */
    TAXII_EP_MANIFEST,    /* GET .../manifest/ (§5.3) */
    TAXII_EP_OBJECTS,     /* GET, POST .../objects/ (§5.4, §5.5) */
    TAXII_EP_OBJECT,      /* GET, DELETE .../objects/{object-id}/ (§5.6, §5.7) */
    TAXII_EP_VERSIONS,    /* GET .../objects/{object-id}/versions/ (§5.8) */
};

#define TAXII_SEGMENT_MAX 320 /* a STIX id: up to 250 characters of type, "--", a UUID */

struct taxii_route {
    enum taxii_endpoint ep;
    char api_root[TAXII_SEGMENT_MAX];
    char collection[TAXII_SEGMENT_MAX];
    char object_id[TAXII_SEGMENT_MAX];
    char status_id[TAXII_SEGMENT_MAX];
};

/*
 * Split a raw request path into an endpoint and its parameters. Percent-escapes are
 * decoded, repeated slashes collapse, and the trailing slash is optional. Returns 0;
 * SOL_ENOTFOUND when the path names no endpoint; SOL_ESYNTAX with a reason in why when
 * the path's percent-encoding is malformed or decodes to a NUL or a control character.
 */
int sol__taxii_route(const char *path, struct taxii_route *rt, const char **why);

/* The filters of TAXII 2.1 §3.4 as a request gave them. */
struct taxii_query {
    bool has_added_after;
    sol_time_t added_after;
    bool has_limit;
    size_t limit;
    char *next; /* NULL when absent or empty */
    char **ids, **types, **spec_versions;
    size_t n_ids, n_types, n_spec_versions;
    bool has_version;
    unsigned version_match; /* enum sol_version_match bits */
    sol_time_t *versions;
    size_t n_versions;
    /* each match list as it was given, for the cursor's query hash */
    char *raw_ids, *raw_types, *raw_spec_versions, *raw_versions;
};

/*
 * Parse a query string (what follows '?', NULL for none) into q. Unknown parameters
 * and unknown match[...] fields are ignored (§3.4 lets servers ignore them). Returns 0,
 * SOL_ESYNTAX with a person's reason in why (why_n bytes) for a malformed or repeated
 * parameter (§3.4: 400), or SOL_ENOMEM. q must be freed with sol__taxii_query_free()
 * in every case.
 */
int sol__taxii_query_parse(const char *query, struct taxii_query *q, char *why, size_t why_n);
void sol__taxii_query_free(struct taxii_query *q);

/*
 * Content negotiation (§1.6.8, §3.1). accept_ok: whether an Accept header value (NULL
 * = absent) admits a TAXII 2.1 response; stix_too also admits
 * application/stix+json;version=2.1 (the manifest endpoint's defined type, §5.3).
 * content_type_ok: whether a POST's Content-Type is the TAXII 2.1 type.
 */
bool sol__taxii_accept_ok(const char *accept, bool stix_too);
bool sol__taxii_content_type_ok(const char *content_type);

/*
 * The `next` cursor (§3.4): the date_added and seq of the last row returned, encrypted
 * and authenticated (XChaCha20-Poly1305, a random nonce) with the hash of the query scope
 * (endpoint, API root, collection, object and every filter but limit and next) as
 * associated data, in base64url (cursor.c). A cursor is only valid with the query that
 * produced it, and shows nothing of the position it holds.
 */
#define TAXII_CURSOR_KEY_BYTES 32
void sol__taxii_cursor_scope(const struct taxii_route *rt, const struct taxii_query *q,
                             struct sol_buf *scope);
void sol__taxii_cursor_encode(const uint8_t key[TAXII_CURSOR_KEY_BYTES],
                              const struct sol_buf *scope, sol_time_t date_added, int64_t seq,
                              struct sol_buf *out);
/* Returns 0, or SOL_ESIGNATURE for a cursor that is malformed, forged or from another query. */
int sol__taxii_cursor_decode(const uint8_t key[TAXII_CURSOR_KEY_BYTES], const struct sol_buf *scope,
                             const char *text, sol_time_t *date_added, int64_t *seq);

/*
 * Fill resp with a TAXII error resource (§3.6.1): title from the status, the description
 * given, http_status as a string. Returns 0.
 */
int sol__taxii_error(struct sol_taxii_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cache.c: the per-process cache of GET answers (cache.c says what is keyed and how an
 * entry is validated). new returns NULL when out of memory (then nothing is cached:
 * every function takes NULL). get copies a current entry's body and X-TAXII-Date-Added
 * headers into resp (status 200) and returns true; put keeps resp when it is a 200.
 */
struct taxii_cache;
struct taxii_cache *sol__taxii_cache_new(size_t max_bytes);
void sol__taxii_cache_free(struct taxii_cache *c);
bool sol__taxii_cache_get(struct taxii_cache *c, const struct sol_buf *key, const int64_t state[4],
                          struct sol_taxii_response *resp);
void sol__taxii_cache_put(struct taxii_cache *c, const struct sol_buf *key, const int64_t state[4],
                          const struct sol_taxii_response *resp);
/* For tests: hits and misses so far, and the bytes held. */
void sol__taxii_cache_stats(struct taxii_cache *c, size_t *hits, size_t *misses, size_t *bytes);
/* The server's cache (NULL when it has none). */
struct taxii_cache *sol__taxii_server_cache(const struct sol_taxii_server *srv);

#endif
