/*
 * sync.h — federation: partner nodes ("peers") synced over TAXII 2.1 with libcurl.
 *
 * A peer is a collection on a partner's TAXII server, tied to one of our partners
 * (store.h) and a clearance (max_tlp):
 *   pull: pages through the remote collection with added_after/next (TAXII 2.1 §3.4,
 *         §3.5), one page in memory at a time; every object goes through the ingest path
 *         (ingest.h) into the peer's local collection with origin "peer:<name>"; what the
 *         peer sends above its clearance is refused and audited; signatures are checked
 *         against the keys held for the peer (sign.h) and the per-peer policy says
 *         whether unsigned or wrongly signed objects are accepted, quarantined (stored in
 *         the peer's quarantine collection, which no one is granted and nothing scans)
 *         or refused. The resume state of a page is written in the same store
 *         transaction as its objects, so a killed sync resumes exactly after the last
 *         committed page.
 *   push: sends the versions of the local push collection that the peer's partner may
 *         see (access.h, as if the partner asked: TLP, TLP:RED recipients, the partner's
 *         read grant on the collection) and that did not come from this peer (unsigned
 *         ones signed by this node on the way out), in envelopes within the
 *         remote API root's max_content_length (TAXII 2.1 §5.5), follows each status
 *         resource (§4.3) until it is complete, and remembers the last version pushed.
 *   deletions: TAXII has no tombstones. After a pull that reached the end of the
 *         collection (at most every reconcile seconds) the node asks the partner's
 *         manifest for the ids it holds from the peer, a batch of ids at a time
 *         (match[id]); ids the partner no longer has (or no longer shows us) are deleted
 *         locally and audited ("sync.delete").
 *
 * Persistence (no schema of its own): the peer's configuration is the store's peers
 * table (store.h; config_json holds what has no column, secrets as given: the data
 * directory is 0700); the resume states are store settings "peer.<name>.pull" and
 * "peer.<name>.push" (JSON).
 *
 * Ownership: a struct sol_peer_config owns its strings (sol_peer_config_clear()).
 * Functions take a store handle owned by the caller and used by one thread.
 */
#ifndef SOLIDARITY_SYNC_H
#define SOLIDARITY_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/sign.h"
#include "solidarity/util.h"

struct sol_store;

enum sol_peer_direction { SOL_PEER_PULL = 1, SOL_PEER_PUSH = 2, SOL_PEER_BOTH = 3 };

#define SOL_PEER_DEFAULT_PAGE      500
#define SOL_PEER_DEFAULT_RECONCILE 3600 /* seconds between deletion checks */
#define SOL_PEER_MAX_KEYS          8

struct sol_peer_config {
    char *name;            /* [A-Za-z0-9_.-], at most 64 characters */
    char *url;             /* the TAXII server's base URL ("http://host:port/") */
    char *api_root;        /* the API root's path name on that server ("intel") */
    char *collection;      /* the remote collection's id */
    char *token;           /* Bearer token, or NULL */
    char *user, *password; /* Basic credentials, or NULL */
    unsigned direction;    /* enum sol_peer_direction */
    char *into;            /* the local collection pulled objects go to */
    char *push_from;       /* the local collection pushed from (NULL: into) */
    char *quarantine;      /* the local quarantine collection (NULL: none made yet) */
    int max_tlp;           /* enum sol_tlp: the clearance given to the peer on our side */
    int default_tlp;       /* enum sol_tlp agreed for the partner's unmarked objects; 0: none */
    int64_t every;         /* seconds between background syncs; 0 = only `solidarity sync` */
    int64_t reconcile;     /* seconds between deletion checks; 0 = after every full pull */
    char *partner;         /* the local partner the peer speaks for (required to push) */
    uint8_t keys[SOL_PEER_MAX_KEYS][SOL_SIGN_PUBLIC_BYTES]; /* the partner's public keys */
    size_t n_keys;
    int unsigned_policy; /* enum sol_sign_policy for unsigned / unknown-key objects */
    size_t page;         /* objects per page asked for (0 = SOL_PEER_DEFAULT_PAGE) */
    sol_time_t created, last_sync;
};

/* Release the strings of c; it is zeroed. NULL does nothing. */
SOL_API void sol_peer_config_clear(struct sol_peer_config *c);

/* Whether name is a valid peer name. */
SOL_API bool sol_peer_name_ok(const char *name);

/*
 * Add (or with replace, replace) a peer: checks it (name, URL scheme http/https, the
 * partner exists, the local collections exist), makes the local collection when into
 * is NULL (id = the remote collection's id, or a UUIDv5 of URL and collection when that
 * is not a UUID; in the node's default API root, store.h) and the quarantine collection
 * when the policy is quarantine or keys are held, fills those names into c, stores the
 * peer and audits
 * "peer.add". Returns 0, SOL_EEXISTS, SOL_EINVAL or SOL_ENOTFOUND with err saying why.
 */
SOL_API int sol_peer_add(struct sol_store *s, struct sol_peer_config *c, bool replace,
                         const char *actor, struct sol_error *err);

/* Read a peer by name (SOL_ENOTFOUND). */
SOL_API int sol_peer_get(struct sol_store *s, const char *name, struct sol_peer_config *out,
                         struct sol_error *err);

/* All peers by name; free with sol_peer_config_list_free(). */
SOL_API int sol_peer_list(struct sol_store *s, struct sol_peer_config **out, size_t *n,
                          struct sol_error *err);
SOL_API void sol_peer_config_list_free(struct sol_peer_config *v, size_t n);

/* Remove a peer and its sync states (the local collections stay); audits "peer.remove". */
SOL_API int sol_peer_remove(struct sol_store *s, const char *name, const char *actor,
                            struct sol_error *err);

/* How a sync behaves (zeros: defaults). */
struct sol_sync_options {
    const char *data_dir;    /* where the node's signing key lives (sign.h); required to push */
    unsigned max_attempts;   /* tries of one request on network errors, 5xx and 429; 0 = 6 */
    unsigned backoff_ms;     /* first wait between tries, doubled each time; 0 = 500 */
    unsigned max_backoff_ms; /* longest wait (Retry-After included); 0 = 30000 */
    long timeout_s;          /* per request; 0 = 60 */
    size_t max_pages;        /* stop a pull after this many pages (tests, benches); 0 = all */
    bool force_reconcile;    /* check deletions now whatever the interval */
    bool quiet;
    /* Called after each committed pull page and each completed push envelope. May be NULL. */
    void (*progress)(void *ud, const char *peer, const char *what, size_t n);
    void *ud;
    /*
     * Asked between pages and envelopes, during waits and transfers: when it returns
     * true the sync stops soon (SOL_EBUSY "stopped"), keeping what was committed. May be
     * NULL.
     */
    bool (*should_stop)(void *stop_ud);
    void *stop_ud;
};

/* What a sync did. */
struct sol_sync_report {
    size_t pages, pulled_stored, pulled_held, rejected, refused, quarantined;
    size_t pushed, push_failed, envelopes, deleted, retries;
    char message[512]; /* why it stopped, when it failed */
};

/*
 * Sync one peer now: pull and/or push as configured (pull first), then record
 * last_sync. Returns 0, or a negative code (SOL_ENET, SOL_ETIMEOUT, SOL_EAUTH,
 * SOL_EDENIED, store errors) with err and rep->message saying why; what was
 * committed before the failure stays, and the next sync resumes after it.
 */
SOL_API int sol_sync_peer(struct sol_store *s, const char *name, const struct sol_sync_options *o,
                          struct sol_sync_report *rep, struct sol_error *err);

/*
 * Sync every peer whose every > 0 and whose last_sync + every <= now. Failures are
 * audited ("sync.fail") and do not stop the others. *n_synced (may be NULL) counts the
 * peers synced. Returns 0 or a store error.
 */
SOL_API int sol_sync_run_due(struct sol_store *s, sol_time_t now, const struct sol_sync_options *o,
                             size_t *n_synced);

/*
 * The background syncer `solidarity serve` starts: a thread that opens its own store
 * handle from store_url and calls sol_sync_run_due() every second until stopped.
 * data_dir is where the signing key lives. Returns 0 or a negative code.
 */
struct sol_sync_thread;
SOL_API int sol_sync_thread_start(const char *store_url, const char *data_dir, bool quiet,
                                  struct sol_sync_thread **out, struct sol_error *err);
/*
 * Stop the thread: a sync in progress stops at once (an interrupted transfer or page is
 * not committed; the next sync resumes after the last committed one). NULL does nothing.
 */
SOL_API void sol_sync_thread_stop(struct sol_sync_thread *t);

/*
 * Check the signatures of a document about to be imported (offline exchange): for each
 * object, its verdict against keys and what policy makes of it. on_object is called for
 * each object with its index, the verdict and the action (0 accept, 1 quarantine,
 * 2 refuse: enum sol_sign_policy). Returns 0 or SOL_EINVALID when root is not a bundle,
 * envelope, list or object. See docs/solidarity-export.1 for how import uses it.
 */
SOL_API int
sol_sync_verify_document(const struct sol_json *root, const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES],
                         size_t n_keys, int policy,
                         void (*on_object)(void *ud, size_t index, const struct sol_json *obj,
                                           enum sol_sign_verdict v, int action, const char *why),
                         void *ud, struct sol_error *err);

/*
 * Import an offline bundle (export --format stix --signed) with the checks of a pull:
 * every object above max_tlp (0: no limit) is refused; each signature is checked against
 * keys (and this node's own key); what policy says to accept goes through the ingest
 * path into collection, what it says to quarantine into quarantine (NULL: refused
 * instead), refusals are audited ("sync.refuse"). All of it in one transaction.
 * origin (NULL: "import") is recorded on each version and names the actor.
 * rep counts what happened (pulled_stored / pulled_held are the objects stored / held).
 */
struct sol_sync_import_options {
    const char *collection, *quarantine, *origin;
    const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES];
    size_t n_keys; /* at most SOL_PEER_MAX_KEYS */
    int policy;    /* enum sol_sign_policy for unsigned / unknown-key objects */
    int max_tlp;   /* enum sol_tlp; 0 = no limit */
    /*
     * The partner that speaks (a peer's offline bundle): the ingest's provenance checks
     * (ingest.h) as for a pull. NULL: the node's operator vouches for the bundle.
     */
    const char *partner;
    int default_tlp; /* enum sol_tlp agreed for the partner's unmarked objects; 0: none */
};
SOL_API int sol_sync_import_document(struct sol_store *s, const struct sol_sync_import_options *o,
                                     const struct sol_json *root, struct sol_sync_report *rep,
                                     struct sol_error *err);

/*
 * The same, with the keys, clearance, policy and collections of the peer name (offline
 * exchange with a partner that is also a peer).
 */
SOL_API int sol_sync_import_from_peer(struct sol_store *s, const char *peer,
                                      const struct sol_json *root, struct sol_sync_report *rep,
                                      struct sol_error *err);

/* What policy does with a verdict: enum sol_sign_policy (accept, quarantine or refuse). */
SOL_API int sol_sync_sign_action(enum sol_sign_verdict v, int policy);

/*
 * Build the URL of a TAXII endpoint: base (with or without a trailing '/'), the API
 * root, then the path parts joined by '/', each percent-encoded, ending with '/',
 * then n_query query pairs (query[2i] the name, query[2i+1] the value, percent-encoded;
 * pairs with a NULL value are skipped).
 * Appends to out. Exposed for tests.
 */
SOL_API void sol_sync_url(struct sol_buf *out, const char *base, const char *api_root,
                          const char *const *parts, size_t n_parts, const char *const *query,
                          size_t n_query);

#endif
