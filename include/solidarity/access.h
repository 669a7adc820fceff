/*
 * access.h — who is asking, and what they may do and see: authentication (passwords,
 * API tokens), per-collection grants and the TLP policy: an object above the asker's
 * clearance, or TLP:RED without the asker's partner among its recipients, does not exist
 * for them.
 *
 * Every door (TAXII, export, sync, web page) asks here; nothing leaves that should not.
 *
 * The policy ("Policy"), as decided for a sharing node:
 * - A user has a clearance (CLEAR < GREEN < AMBER < AMBER+STRICT < RED) and sees object
 *   versions whose effective TLP is at most that clearance. The effective TLP is the
 *   object's own TLP (the strictest of its object_marking_refs and of every granular
 *   marking, TLP 2.0 and 1.0 ids in any case, stored lower-cased), else its collection's
 *   default (AMBER unless the operator said otherwise; for a partner's unmarked object,
 *   the stricter of that and the default agreed with the partner), fixed when the
 *   version is stored.
 * - An object whose latest version the asker may not see does not exist for them: no
 *   older version of it is served (store.h).
 * - TLP:AMBER+STRICT (TLP 2.0: "restricted to the recipient's organization only"): the
 *   recipients are the organisations the node shares the collection with, i.e. the
 *   partners (and users) granted read on it; each user also needs clearance
 *   AMBER+STRICT or more, which an operator gives only to people bound to keep it
 *   inside their own organisation. Who may read the collection at all is decided by
 *   the grants (or being an admin, the node's own operator) before any object is read.
 * - TLP:RED ("for the eyes and ears of individual recipients only"): shown only to users
 *   with clearance RED whose partner is named on the version: its author
 *   (created_by_ref), the partners listed in the object's custom property
 *   "x_solidarity_recipients" (a list of identity ids), and the recipients the ingest
 *   caller names (ingest.h). The list is kept beside the version in the store, so the
 *   store filters in SQL and a page's limit counts visible rows only.
 * - Admins may read and write every collection (grants are not needed) but see objects
 *   by their clearance like everybody else.
 * - Answers never reveal what the asker may not see: not in lists, counts, headers,
 *   cursors (encrypted, taxii.h), "already held" or any other answer to a POST (ingest.h:
 *   hidden), nor in a status resource, which belongs to the user (by id and partner) who
 *   made the request.
 * - Provenance (ingest.h): who speaks through a door is checked (signatures, creators);
 *   what the node's own partner creates is marked explicitly and signed by the node.
 *
 * Tokens: "sol_" followed by 43 base64url characters (32 random bytes, no padding);
 * shown once, stored as their BLAKE2b-256 hash, compared in constant time.
 */
#ifndef SOLIDARITY_ACCESS_H
#define SOLIDARITY_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/store.h"
#include "solidarity/util.h"

/* A token's text length: "sol_" + 43 base64url characters. */
#define SOL_TOKEN_LEN 47

/* Who is asking: filled by sol_access_authenticate() (or sol_access_principal_of_user()). */
struct sol_principal {
    int64_t user_id;
    char name[128];
    int64_t partner_id;
    char partner_name[128];
    char partner_identity[128]; /* "identity--<uuid>" */
    int clearance;              /* enum sol_tlp */
    bool is_admin;
    int64_t token_id;        /* the token used, 0 for a password */
    sol_time_t user_created; /* when the user was made: with user_id, who they are for good */
};

/*
 * Authenticate the value of an HTTP Authorization header: "Basic base64(user:pass)",
 * "Bearer TOKEN" or "Token TOKEN" (scheme names in any case, RFC 7235 §2.1). Returns 0
 * and fills out; SOL_EAUTH when the header is missing (NULL or empty), malformed, names
 * an unknown scheme or user, the password is wrong or the token unknown or revoked;
 * another negative code on store errors. A used token's last_used is updated (at most
 * once a minute, so reads stay cheap). Every password is checked here (no guard): a
 * server uses sol_access_authenticate_from() below.
 */
SOL_API int sol_access_authenticate(struct sol_store *s, const char *authorization_header_value,
                                    struct sol_principal *out);

/*
 * The guard of password logins. Checking an argon2id password costs tens of milliseconds
 * of a core on purpose: a server cannot do it on every request of a client that sends
 * HTTP Basic on each one (taxii2-client, MISP and OpenCTI connectors do), and must not let
 * any sender make it do it without end. One guard per process, shared by every door that
 * takes passwords:
 * - A success is remembered for cache_ttl seconds, keyed by a keyed hash of the
 *   credential (the password itself is never kept) and bound to the user's id and to
 *   the stored password hash it was checked against. Every request still reads the user
 *   from the store, so a new password, a removed or changed user (clearance, admin) and
 *   grants (checked per request) take effect at once, in every process on one store
 *   (several `serve` on one PostgreSQL included). At most cache_entries are kept; the
 *   least recently used goes.
 * - Failed attempts are counted per source address and per user name (known or not), in
 *   leaky buckets: past fail_burst, attempts are refused without any hashing until one
 *   is forgiven every fail_refill seconds (SOL_ELIMIT with the seconds to wait). A
 *   remembered success is not refused: a client already logged in keeps working while its
 *   name is under attack. Each process counts on its own.
 * - At most `hashing` password checks run at once; a login that finds no slot free within
 *   50 ms is refused (SOL_EBUSY, retry after 1 s), so password hashing never takes more
 *   than that many cores.
 */
struct sol_access_guard_options {
    unsigned cache_entries; /* remembered successes (a multiple of 4); 0 = 1024 */
    unsigned cache_ttl;     /* seconds a success is remembered; 0 = 300 */
    unsigned fail_burst;    /* failed attempts allowed at once per address and per name; 0 = 10 */
    unsigned fail_refill;   /* seconds until one failed attempt is forgiven; 0 = 6 */
    unsigned hashing;       /* password checks at once; 0 = 1, or a quarter of 8+ CPUs */
};

/* What a guard did, for /metrics and tests. */
struct sol_access_guard_stats {
    uint64_t remembered; /* logins answered from memory, no hashing */
    uint64_t checked;    /* password checks run (argon2id) */
    uint64_t failed;     /* failed attempts counted */
    uint64_t limited;    /* attempts refused for too many failures (429) */
    uint64_t busy;       /* attempts refused for want of a password-check slot (503) */
};

struct sol_access_guard;

/* Make a guard (o may be NULL: defaults). Returns 0, SOL_ENOMEM or SOL_ECRYPTO. */
SOL_API int sol_access_guard_new(const struct sol_access_guard_options *o,
                                 struct sol_access_guard **out);
/* Free a guard, wiping what it remembers. NULL does nothing. */
SOL_API void sol_access_guard_free(struct sol_access_guard *g);
SOL_API void sol_access_guard_stats(struct sol_access_guard *g, struct sol_access_guard_stats *out);

/*
 * sol_access_authenticate() through guard g (NULL: no guard) for a request from remote
 * (the client's address as text; NULL or "" when unknown: then only the name is
 * limited). Besides its returns: SOL_ELIMIT when too many attempts failed for this
 * address or this name, and SOL_EBUSY when every password-check slot stayed busy; in
 * both cases *retry_after (may be NULL) gets the seconds to wait, else 0. Tokens are not
 * limited: they cost one hash lookup.
 */
SOL_API int sol_access_authenticate_from(struct sol_store *s, struct sol_access_guard *g,
                                         const char *authorization_header_value, const char *remote,
                                         struct sol_principal *out, unsigned *retry_after);

/* Fill out for the user named name (for local tools that act as a user). */
SOL_API int sol_access_principal_of_user(struct sol_store *s, const char *name,
                                         struct sol_principal *out);

/*
 * Whether the principal may read (Get Objects, manifest, versions) or write (Add and
 * Delete Objects) the collection (its id): an admin, or a grant to the user or their
 * partner. Store errors count as no.
 */
SOL_API bool sol_access_can_read(struct sol_store *s, const struct sol_principal *p,
                                 const char *collection);
SOL_API bool sol_access_can_write(struct sol_store *s, const struct sol_principal *p,
                                  const char *collection);

/*
 * Whether the principal may see this stored version (its tlp and tlp_red_recipients)
 * of an object in a collection they may read. The store applies the same rule in SQL
 * when the filter was set with sol_access_filter(); this is the check for other paths.
 */
SOL_API bool sol_access_may_see(const struct sol_principal *p, const struct sol_object_row *row);

/*
 * Set the policy fields of a store filter (max_tlp, asker_identity) for the principal.
 * Call it on every query made on someone's behalf.
 */
SOL_API void sol_access_filter(const struct sol_principal *p, struct sol_object_filter *f);

/*
 * Passwords: hash with argon2id (libsodium crypto_pwhash_str, interactive limits) into
 * out (NUL-terminated text, at most 128 bytes), and check one in constant time.
 * hash returns 0 or SOL_ENOMEM / SOL_ECRYPTO; verify returns true when it matches.
 */
SOL_API int sol_access_password_hash(const char *password, char out[128]);
SOL_API bool sol_access_password_verify(const char *hash, const char *password);

/*
 * For tests only: use libsodium's minimum argon2id cost (fast, weak) from now on when
 * on is true. Not thread-safe; never call it in a program.
 */
SOL_API void sol_access_set_weak_password_hashing(bool on);

/*
 * Issue an API token for a user: writes the token text (SOL_TOKEN_LEN characters and a
 * NUL) into token_out — show it once, it is not kept — and stores its hash with name
 * (may be NULL). *token_id may be NULL.
 */
SOL_API int sol_access_token_issue(struct sol_store *s, int64_t user_id, const char *name,
                                   char token_out[SOL_TOKEN_LEN + 1], int64_t *token_id);

/* The stored hash of a token's text (BLAKE2b-256). */
SOL_API void sol_access_token_hash(const char *token, size_t n, uint8_t out[32]);

#endif
