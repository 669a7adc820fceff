/*
 * sign.h — provenance: Ed25519 signatures (libsodium crypto_sign) over the RFC 8785
 * canonical JSON (JCS) of STIX objects, carried in a STIX 2.1 property extension.
 *
 * Where the signature lives (STIX 2.1 §7.3): in the object's "extensions" dictionary,
 * under the fixed extension-definition id SOL_SIGN_EXTENSION_ID:
 *
 *   "extensions": {
 *     "extension-definition--c175aa7e-f86c-4595-b68a-41090a3f571d": {
 *       "extension_type": "property-extension",
 *       "signer": "identity--...",        the signing node's identity
 *       "public_key": "<base64 of 32 bytes>",
 *       "algorithm": "ed25519",
 *       "signature": "<base64 of 64 bytes>"
 *     }
 *   }
 *
 * What is signed: the JCS form of the whole object with that extension entry present
 * but without its "signature" member (so signer, key and algorithm are covered too).
 * Any other change (a member, a value, a marking) breaks the signature; white space and
 * member order do not, since JCS removes them. Signing does not touch "modified": the
 * signature is carried alongside the version it vouches for, and an object re-signed
 * by someone else is still the same (id, modified) version for the store.
 *
 * A verifier never trusts the public_key written in the object: it compares it with
 * the keys it holds for the partner (peer add --key) and verifies with the one held.
 *
 * Keys: each node has one key pair, made on first use and kept with its store, where
 * every process of the node finds it: for a store in a data directory (SQLite), in
 * DIR/signing.key (mode 0600 in the owner-only directory, the 64-byte libsodium secret
 * key in base64 on one line); for a store on a database server (PostgreSQL), in the
 * store setting SOL_SETTING_SIGN_SECRET (the same text), protected as the database is:
 * only the role the node connects as may read it (solidarity-serve(1) says how to keep
 * it so). Its public half is also written to the store setting SOL_SETTING_SIGN_PUBLIC.
 *
 * Ownership: functions append to caller-owned buffers and read caller-owned JSON.
 */
#ifndef SOLIDARITY_SIGN_H
#define SOLIDARITY_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/util.h"

struct sol_store;

/* The extension-definition of the signature (generated once for this project; fixed). */
#define SOL_SIGN_EXTENSION_ID "extension-definition--c175aa7e-f86c-4595-b68a-41090a3f571d"
/* The identity that created that extension-definition (the solidarity project). */
#define SOL_SIGN_EXTENSION_AUTHOR "identity--d56e5daf-e153-4a87-96a1-c7cfacc0b5af"
/* The store setting with the node's public key (base64). */
#define SOL_SETTING_SIGN_PUBLIC "node.sign_public_key"
/* The file of the node's secret key inside the data directory. */
#define SOL_SIGN_KEY_FILE "signing.key"
/* The store setting with the secret key of a node on a database server (base64). */
#define SOL_SETTING_SIGN_SECRET "node.sign_secret_key"

#define SOL_SIGN_PUBLIC_BYTES 32
#define SOL_SIGN_SECRET_BYTES 64
#define SOL_SIGN_BYTES        64
/* base64 of the 32-byte public key: 44 characters. */
#define SOL_SIGN_PUBLIC_TEXT 44

/* A node's signing key: the secret key and who signs with it. */
struct sol_sign_key {
    uint8_t public_key[SOL_SIGN_PUBLIC_BYTES];
    uint8_t secret_key[SOL_SIGN_SECRET_BYTES];
    char signer[128]; /* "identity--..." */
};

/*
 * Load the node's key from DIR/signing.key, making it (mode 0600, O_EXCL) when it does
 * not exist and create is true. signer (may be NULL) is copied into the key. Returns
 * 0, SOL_ENOTFOUND (no key and !create), SOL_EIO, SOL_EINVALID (the file is not a
 * key) or SOL_ECRYPTO, with err saying why.
 */
SOL_API int sol_sign_key_load(const char *data_dir, bool create, const char *signer,
                              struct sol_sign_key *out, struct sol_error *err);

/*
 * The node's key: loads (or makes) it where the store keeps it (see above; data_dir, when
 * not NULL, names the directory of the key file of a store kept in files), with the
 * node's identity (setting node.identity) as signer, and records the public key in the
 * setting SOL_SETTING_SIGN_PUBLIC when it is not there yet.
 */
SOL_API int sol_sign_node_key(struct sol_store *s, const char *data_dir, struct sol_sign_key *out,
                              struct sol_error *err);

/*
 * Move the node's key from where the store `from` keeps it to where `to` does (see
 * "Keys" above: a file beside a store kept in files, a setting of a database server's),
 * for sol_store_migrate()'s before_commit: from DIR/signing.key into the setting, or
 * from the setting (which the move copied with the others) into TO_DIR/signing.key,
 * removing the copied setting. A node that never signed has no key: 0. A different key
 * already in the target's file is SOL_EEXISTS.
 */
SOL_API int sol_sign_key_move(struct sol_store *from, struct sol_store *to, struct sol_error *err);

/* Wipe the secret key in memory. */
SOL_API void sol_sign_key_clear(struct sol_sign_key *k);

/* Append the base64 text of a public key (44 characters) to out. */
SOL_API void sol_sign_public_text(struct sol_buf *out, const uint8_t pk[SOL_SIGN_PUBLIC_BYTES]);

/* Parse the base64 text of a public key (n bytes). Returns 0 or SOL_ESYNTAX. */
SOL_API int sol_sign_public_parse(const char *s, size_t n, uint8_t pk[SOL_SIGN_PUBLIC_BYTES]);

/*
 * Append to out the JSON text of obj (a STIX object) signed with k: its members in
 * their order, with the signature extension added to "extensions" (replacing one that
 * was there). Returns 0, SOL_EINVALID when obj is not an object or its "extensions" is
 * not one, SOL_ENOMEM or SOL_ECRYPTO.
 */
SOL_API int sol_sign_object(const struct sol_sign_key *k, const struct sol_json *obj,
                            struct sol_buf *out, struct sol_error *err);

/* What a verification found. */
enum sol_sign_verdict {
    SOL_SIGN_VALID = 1,       /* signed by one of the keys given, and intact */
    SOL_SIGN_UNSIGNED = 2,    /* no signature extension */
    SOL_SIGN_UNKNOWN_KEY = 3, /* well formed, but by a key not among those given */
    SOL_SIGN_BAD = 4          /* malformed, another algorithm, or the signature fails */
};

/* "valid", "unsigned", "unknown key", "bad signature". */
SOL_API const char *sol_sign_verdict_name(enum sol_sign_verdict v);

/*
 * Verify the signature of obj against the n_keys keys in keys (none: every well
 * formed signature is SOL_SIGN_UNKNOWN_KEY). Sets *verdict, and why (why_n bytes, may
 * be NULL) for anything but VALID. When signer is not NULL it receives the signature's
 * signer (up to 128 bytes, "" when unsigned). Returns 0, or SOL_ENOMEM.
 */
SOL_API int sol_sign_verify(const struct sol_json *obj,
                            const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES], size_t n_keys,
                            enum sol_sign_verdict *verdict, char *why, size_t why_n,
                            char signer[128]);

/*
 * Sign every object of a document (a bundle, an envelope, a list or one object) and
 * append a STIX 2.1 bundle (§8) of the signed objects to out, starting with the
 * signature's extension-definition object (so a reader can resolve the extension).
 * The extension-definition itself is not signed. Returns 0 or as sol_sign_object().
 */
SOL_API int sol_sign_document(const struct sol_sign_key *k, const struct sol_json *root,
                              struct sol_buf *out, struct sol_error *err);

/*
 * The JSON text of the extension-definition object (STIX 2.1 §7.3) of the signature
 * extension (a static string).
 */
SOL_API const char *sol_sign_extension_definition(void);

/*
 * For an import of signed bundles: how each object of a document is to be treated,
 * given the keys the importer trusts and its policy for objects that are not validly
 * signed by one of them.
 */
enum sol_sign_policy {
    SOL_SIGN_ACCEPT = 0,     /* store everything; verdicts are only reported */
    SOL_SIGN_QUARANTINE = 1, /* not validly signed: into the quarantine collection */
    SOL_SIGN_REFUSE = 2      /* not validly signed: refused (audited) */
};
/* Parse "accept", "quarantine", "refuse". Returns 0 or SOL_EINVAL. */
SOL_API int sol_sign_policy_parse(const char *s, enum sol_sign_policy *out);
SOL_API const char *sol_sign_policy_name(enum sol_sign_policy p);

/* Whether obj is the signature's extension-definition (it is never signed itself). */
SOL_API bool sol_sign_is_extension_definition(const struct sol_json *obj);

/*
 * What this node trusts about the partners' nodes (access.h "Policy", provenance): the
 * public keys it holds for each partner identity (its own, and those given with `peer
 * add --key` for the peer's partner) and the default TLP agreed with each (`peer add
 * --default-tlp`). Loaded from the store when a door needs it (peers change while a
 * server runs); owned by its caller.
 */
struct sol_trust;

/* An empty trust (SOL_ENOMEM: NULL). */
SOL_API struct sol_trust *sol_trust_new(void);
/*
 * The node's trust: its own public key (setting SOL_SETTING_SIGN_PUBLIC) under its identity
 * (setting node.identity), and every peer's keys and default TLP under its partner's
 * identity. Returns 0 or a negative code with err saying why.
 */
SOL_API int sol_trust_load(struct sol_store *s, struct sol_trust **out, struct sol_error *err);
SOL_API void sol_trust_free(struct sol_trust *t);
/* Hold a key for identity. Returns 0, SOL_EINVAL or SOL_ENOMEM. */
SOL_API int sol_trust_add_key(struct sol_trust *t, const char *identity,
                              const uint8_t pk[SOL_SIGN_PUBLIC_BYTES]);
/* Record the default TLP agreed with identity (enum sol_tlp; the strictest given wins). */
SOL_API int sol_trust_set_default_tlp(struct sol_trust *t, const char *identity, int tlp);
/* The default TLP agreed with identity, or 0 (none). */
SOL_API int sol_trust_default_tlp(const struct sol_trust *t, const char *identity);
/*
 * Whether obj speaks for identity: its signature is valid, made with a key this trust holds
 * for identity, and names identity as signer. *verdict as sol_sign_verify() gives it against
 * those keys (VALID, UNSIGNED, UNKNOWN_KEY, BAD), with why for anything but VALID. t NULL
 * holds no keys. Returns 0 or SOL_ENOMEM.
 */
SOL_API int sol_trust_verify(const struct sol_trust *t, const char *identity,
                             const struct sol_json *obj, enum sol_sign_verdict *verdict, char *why,
                             size_t why_n);

#endif
