/*
 * ingest.h — the one way in: validate → mark → store → audit.
 *
 * Every door that adds STIX objects to the store goes through here: `solidarity import`,
 * TAXII Add Objects (POST), federation pulls. For each object:
 *   1. validate it with the STIX validator (sol_stix_validate_object(); errors reject it,
 *      warnings do not), then check who speaks (provenance, below);
 *   2. mark it: its effective TLP is its own TLP marking (sol_stix_object_tlp(): the
 *      strictest of its object_marking_refs and granular markings, ids in any case), else
 *      the collection's default; TLP:RED recipients are its created_by_ref, the identity
 *      ids in its "x_solidarity_recipients" list, and options.red_recipients (access.h,
 *      "Policy"); the JSON is stored as received (re-serialised compactly, members in their
 *      order) with its marking ids lower-cased (not in a signed object, whose signature
 *      covers them); the default is not written into a partner's object, which would change
 *      it without a new `modified`;
 *   3. store it (a version already held is "held", not an error: TAXII 2.1 §5.5);
 *   4. audit: one audit entry per committed batch ("objects.add", the collection, the
 *      actor, counts and the date_added range, which names exactly the versions added).
 *
 * Provenance (access.h "Policy"). The speaker is the partner of options.asker (the
 * poster, or the peer's partner for a sync), or, without an asker, the node's own operator
 * (import, scan), who speaks for the node's own partner (setting node.identity). With C the
 * object's created_by_ref:
 *   a. a signed object whose signature fails (changed after signing, malformed) is never
 *      live;
 *   b. with an asker, an object whose C is not the speaker's partner must carry a valid
 *      signature by C, with a key held for C (options.trust, sign.h); the node's own
 *      operator vouches for what they import;
 *   c. with an asker, a new version of an object the collection holds is accepted only
 *      from its creator: its C must be the C of the version held (STIX 2.1 §3.6: others
 *      make a derived object); an object without created_by_ref has no creator to keep;
 *   d. what the node's own partner creates (the speaker is the node's partner, and C is
 *      the node's identity, or absent on an unsigned object; not SCOs, which nobody
 *      creates, nor marking definitions) gets an explicit TLP marking (its effective TLP,
 *      in object_marking_refs) and, with options.node_key, the node's signature, before
 *      it is stored.
 * An object that fails a, b or c is refused, or stored in the quarantine collection
 * (options.unverified, else the collection's setting: sol_collection_unverified_get();
 * refuse by default), and either way is a failure whose message says why, audited as
 * "objects.refuse" or "objects.quarantine". When the only reason concerns versions the
 * asker may not see (c), or a version already held is one they may not see, the result
 * says hidden: a door must answer as it would for a new object stored (access.h "Policy": answers
 * never reveal what the asker may not see).
 *
 * Unmarked objects take the stricter of the collection's default TLP and
 * options.default_tlp (a peer's agreed default: sign.h, sol_trust_default_tlp()).
 *
 * Batches: objects go into the store in transactions of options.batch_size objects; a
 * batch is durable when its commit returns, and on_commit is called then. Nothing is
 * acknowledged before that: a caller reports an object as stored only after the
 * commit of its batch (TAXII: build the status after sol_ingest_end()).
 *
 * TAXII POST, in short:
 *   sol_ingest_begin(store, &(struct sol_ingest_options){.collection = id,
 *                    .actor = principal.name, .origin = "taxii"}, &in, &err);
 *   for each object of the envelope: sol_ingest_object(in, obj, "objects[i]", &res)
 *       -> res.outcome STORED / HELD (successes) or REJECTED (failures, res.message);
 *   sol_ingest_end(in) == 0 -> everything is durable; then answer 202 with the status.
 * (or sol_ingest_document() on the parsed envelope, with a callback per object.)
 *
 * Ownership: a struct sol_ingest is made by sol_ingest_begin() and freed by
 * sol_ingest_end() or sol_ingest_abort(); it does not own the store. Options strings
 * must outlive it.
 */
#ifndef SOLIDARITY_INGEST_H
#define SOLIDARITY_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/access.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

struct sol_ingest_stats {
    size_t stored, held, rejected;       /* objects handled so far */
    size_t quarantined;                  /* of the rejected, those kept in quarantine */
    size_t durable_stored, durable_held; /* of them, in committed batches */
    size_t batches;                      /* batches committed */
};

struct sol_ingest_options {
    const char *collection; /* the collection's id (required) */
    const char *actor;      /* who, for the audit log (a user name, "import", "peer:x") */
    const char *origin;     /* stored with each version ("import", "taxii", "peer:x") */
    const char *const *red_recipients; /* more TLP:RED recipient identity ids */
    size_t n_red_recipients;
    struct sol_stix_options stix; /* validator options (0s: detect version, not strict) */
    /* Provenance (above). asker NULL: the node's own operator. */
    const struct sol_principal *asker;
    const struct sol_trust *trust;       /* the keys held (NULL: none) */
    const struct sol_sign_key *node_key; /* signs the node's own objects (NULL: unsigned) */
    int unverified;         /* SOL_SIGN_QUARANTINE or SOL_SIGN_REFUSE; 0: the collection's */
    const char *quarantine; /* the quarantine collection (NULL: the collection's) */
    int default_tlp;        /* enum sol_tlp; unmarked objects take at least this; 0: none */
    bool into_quarantine;   /* collection is a quarantine: no provenance check, nothing signed */
    size_t batch_size;      /* objects per transaction; 0 = one transaction for all */
    /* Called after each batch is durable, with the totals so far. May be NULL. */
    void (*on_commit)(void *ud, const struct sol_ingest_stats *st);
    void *ud;
};

enum sol_ingest_outcome {
    SOL_INGEST_STORED = 1,     /* a new version, stored (durable once its batch commits) */
    SOL_INGEST_HELD = 2,       /* that (id, version) was already in the collection */
    SOL_INGEST_REJECTED = 3,   /* invalid, or refused (provenance): message says why */
    SOL_INGEST_QUARANTINED = 4 /* provenance failed: stored in the quarantine collection */
};

/* What became of one object. */
struct sol_ingest_result {
    enum sol_ingest_outcome outcome;
    char id[128];      /* the object's id ("" when it has none that is a string) */
    char version[40];  /* RFC 3339: modified, else created, else date_added; "" if none */
    char path[256];    /* where in the document ("objects[3]") */
    char message[512]; /* rejected: why ("objects[3].pattern: required property missing") */
    sol_time_t date_added;
    bool hidden; /* the reason concerns what the asker may not see: answer as for STORED */
};

struct sol_ingest;

/*
 * Start ingesting into options->collection (SOL_ENOTFOUND when it does not exist).
 * The options are copied; their strings must outlive the ingest.
 */
SOL_API int sol_ingest_begin(struct sol_store *s, const struct sol_ingest_options *options,
                             struct sol_ingest **out, struct sol_error *err);

/*
 * Ingest one object (path names it in messages, may be NULL). Returns 0 when the object
 * was handled, whatever its outcome (in *res); a negative code on a store error, after
 * which the current batch is rolled back (its objects are not stored) and the ingest
 * can only be aborted.
 */
SOL_API int sol_ingest_object(struct sol_ingest *in, const struct sol_json *obj, const char *path,
                              struct sol_ingest_result *res);

/*
 * Ingest a whole document: a bundle, a TAXII envelope (an object with "objects"), a
 * JSON array of objects, or a single object. on_result (may be NULL) is called for each
 * object. Returns 0, SOL_EINVALID when root is none of these (nothing ingested; err
 * says why), or a store error as sol_ingest_object().
 */
SOL_API int sol_ingest_document(struct sol_ingest *in, const struct sol_json *root,
                                void (*on_result)(void *ud, const struct sol_ingest_result *r),
                                void *ud, struct sol_error *err);

/* Commit the batch in progress now (it becomes durable; on_commit is called). */
SOL_API int sol_ingest_commit(struct sol_ingest *in);

/*
 * Whether the batch's store transaction is open (a caller may add its own writes to it, to
 * be committed with the batch by sol_ingest_end()).
 */
SOL_API bool sol_ingest_in_transaction(const struct sol_ingest *in);

/* The counts so far. */
SOL_API void sol_ingest_get_stats(const struct sol_ingest *in, struct sol_ingest_stats *out);

/* Commit what is pending and free the ingest; returns the commit's result. NULL: 0. */
SOL_API int sol_ingest_end(struct sol_ingest *in);

/* Roll back what is pending (not yet committed) and free the ingest. NULL does nothing. */
SOL_API void sol_ingest_abort(struct sol_ingest *in);

/*
 * What happens to a collection's objects whose provenance fails (above): *policy is
 * SOL_SIGN_REFUSE (the default) or SOL_SIGN_QUARANTINE, with the quarantine collection's
 * id in *quarantine (malloc'd; NULL when none). Kept in the store settings
 * "collection.<id>.unverified" and "collection.<id>.quarantine".
 */
SOL_API int sol_collection_unverified_get(struct sol_store *s, const char *collection, int *policy,
                                          char **quarantine);
/*
 * Set it; quarantine makes the collection's quarantine collection when it has none (alias
 * "quarantine-<alias or id>", default TLP RED, granted to no one and never scanned).
 * Audited ("collection.unverified") as actor. Returns 0 or a negative code, err saying why.
 */
SOL_API int sol_collection_unverified_set(struct sol_store *s, const char *collection, int policy,
                                          const char *actor, struct sol_error *err);

#endif
