/*
 * psi.h — checking a victim's observables against a partner's indicators without
 * exposing them: a private set intersection (ECDH-PSI) over ristretto255 with libsodium.
 *
 * The protocol (solidarity-assist(1), "PRIVATE SET INTERSECTION", says why it is safe):
 *   - An element is an observable of one kind (an IPv4 address, a domain name, a SHA-256
 *     digest...) in the normal form the scan engine keys its tables by (match.h: domain
 *     names in lower case without a trailing dot, addresses as their 4 or 16 bytes, hex
 *     digests as bytes...), hashed to 64 bytes with its kind: sol_psi_element().
 *   - The partner (the server) holds a secret scalar k per key epoch. Its set, for the
 *     asker, is the tags T(y) = H8(P(y)^k) of every element y of the indicators the asker
 *     may see, where P maps the 64-byte hash to a point (Elligator, libsodium's
 *     crypto_core_ristretto255_from_hash) and H8 is an 8-byte BLAKE2b of the point. The
 *     set is padded with tags derived from k to a multiple of SOL_PSI_PAD, sorted, and
 *     computed ahead of time (per epoch), so a check does not cost a pass over it.
 *   - The victim (the client) draws a scalar a for one check and sends P(x)^a for each of
 *     its elements x; the server answers (P(x)^a)^k in the same order, and counts them
 *     against the asker's partner's budget; the client computes ((P(x)^a)^k)^(1/a) =
 *     P(x)^k, its tag, and looks it up in the set it fetched (once per epoch and change).
 * The server sees only uniformly random points and learns how many there were; the
 * client learns which of its own elements are in the set, and the size of the set
 * rounded up to SOL_PSI_PAD.
 *
 * Messages (one framing for all three, every integer big-endian; sol_psi_msg_parse()):
 *   0  "SOLPSI"   6 bytes
 *   6  version    1 byte (1)
 *   7  type       1 byte (enum sol_psi_msg_type)
 *   8  epoch      4 bytes (EVAL_REQUEST: 0, or the epoch the client expects)
 *   12 count      4 bytes: points (EVAL_*) or tags (SET) that follow the header
 *   16 set_count  4 bytes: EVAL_RESPONSE and SET, the number of tags in the set
 *   20 digest     32 bytes: EVAL_RESPONSE and SET, BLAKE2b-256 of the epoch and the tags
 *   52 payload    count x 32 bytes (points), or count x 8 bytes (tags, strictly ascending)
 *
 * Ownership: functions fill caller-owned arrays; a parsed message points into the bytes it
 * was parsed from. A struct sol_psi_client holds a secret scalar: free it with
 * sol_psi_client_free(), which wipes it.
 */
#ifndef SOLIDARITY_PSI_H
#define SOLIDARITY_PSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/formats.h"
#include "solidarity/util.h"

#define SOL_PSI_ELEMENT    64          /* bytes of an element's hash */
#define SOL_PSI_POINT      32          /* bytes of a ristretto255 point */
#define SOL_PSI_SCALAR     32          /* bytes of a scalar */
#define SOL_PSI_HEADER     52          /* bytes of a message's header */
#define SOL_PSI_PAD        1024        /* the set's size is padded up to a multiple of this */
#define SOL_PSI_MAX_CHECK  100000      /* elements in one check */
#define SOL_PSI_MAX_SET    (64u << 20) /* tags in one set */
#define SOL_PSI_MEDIA_TYPE "application/vnd.solidarity.psi"

/*
 * The element of an observable: kind (the kinds of formats.h's atoms: ipv4-addr,
 * ipv6-addr, domain-name, url, email-addr, md5, sha1, sha256, sha512, file-name,
 * x509-sha1) and its text (n bytes), normalised as the scan engine normalises the values
 * of that object path (match.h), then hashed with the kind. Returns 0, or SOL_EINVALID
 * when the text cannot be a value of that kind (an address that does not parse, a
 * network) or the kind is SOL_ATOM_OTHER.
 */
SOL_API int sol_psi_element(enum sol_atom_kind kind, const char *value, size_t n,
                            uint8_t out[SOL_PSI_ELEMENT]);

/* A key epoch: a number and the server's secret scalar. */
struct sol_psi_key {
    uint32_t epoch;
    uint8_t scalar[SOL_PSI_SCALAR];
};

/* A fresh key for epoch. Returns 0, or SOL_ECRYPTO when libsodium cannot start. */
SOL_API int sol_psi_key_new(uint32_t epoch, struct sol_psi_key *out);
/* Wipe a key. */
SOL_API void sol_psi_key_clear(struct sol_psi_key *k);

/*
 * The tags of n elements under k (the server's precomputation), in threads when n is
 * large. Returns 0, or SOL_ECRYPTO (cannot happen for hashed elements).
 */
SOL_API int sol_psi_tags(const struct sol_psi_key *k, const uint8_t (*elements)[SOL_PSI_ELEMENT],
                         size_t n, uint64_t *tags);

/*
 * The set sent to an asker: tags (n of them, in any order, duplicates allowed) sorted,
 * without duplicates, padded with tags derived from k up to a multiple of SOL_PSI_PAD.
 * *out (sol_malloc'd) gets *out_n tags; digest gets BLAKE2b-256 of the epoch and them.
 */
SOL_API int sol_psi_set_finish(const struct sol_psi_key *k, const uint64_t *tags, size_t n,
                               uint64_t **out, size_t *out_n, uint8_t digest[32]);

/* Whether tag is in a sorted set of n tags. */
SOL_API bool sol_psi_set_has(const uint64_t *set, size_t n, uint64_t tag);

/*
 * The server's answer to n blinded points (32 bytes each, in): each raised to k, into out.
 * Returns 0, or SOL_EINVALID when a point is not a valid ristretto255 encoding (*bad, when
 * not NULL, gets its index).
 */
SOL_API int sol_psi_evaluate(const struct sol_psi_key *k, const uint8_t *in, size_t n, uint8_t *out,
                             size_t *bad);

/* The client's side of one check: a random scalar and its inverse. */
struct sol_psi_client;
SOL_API struct sol_psi_client *sol_psi_client_new(void);
SOL_API void sol_psi_client_free(struct sol_psi_client *c);
/* The blinded points of n elements (32 bytes each into out). Returns 0 or SOL_ECRYPTO. */
SOL_API int sol_psi_blind(const struct sol_psi_client *c,
                          const uint8_t (*elements)[SOL_PSI_ELEMENT], size_t n, uint8_t *out);
/*
 * The tags of the server's answer (n points) once unblinded. Returns 0, or SOL_EINVALID
 * when a point is not valid (*bad gets its index).
 */
SOL_API int sol_psi_unblind(const struct sol_psi_client *c, const uint8_t *points, size_t n,
                            uint64_t *tags, size_t *bad);

enum sol_psi_msg_type { SOL_PSI_EVAL_REQUEST = 1, SOL_PSI_EVAL_RESPONSE = 2, SOL_PSI_SET = 3 };

/* A message, parsed or to write: points and tags are views of count items. */
struct sol_psi_msg {
    enum sol_psi_msg_type type;
    uint32_t epoch, count, set_count;
    uint8_t digest[32];
    const uint8_t *points;    /* EVAL_*: count * 32 bytes */
    const uint64_t *tags;     /* SET, when writing: count tags (host order) */
    const uint8_t *tag_bytes; /* SET, when parsed: count * 8 bytes big-endian */
};

/*
 * Parse n bytes as a message. Checks the magic, the version, the type, that the length is
 * exactly the header and count items, the limits (SOL_PSI_MAX_CHECK points,
 * SOL_PSI_MAX_SET tags), set_count and that the tags are strictly ascending. Returns 0 or
 * SOL_ESYNTAX with err saying what is wrong and at which byte offset.
 */
SOL_API int sol_psi_msg_parse(const void *p, size_t n, struct sol_psi_msg *out,
                              struct sol_error *err);
/* The i-th tag of a parsed SET message. */
SOL_API uint64_t sol_psi_msg_tag(const struct sol_psi_msg *m, size_t i);
/* Append a message to out (header, then the points or tags). */
SOL_API void sol_psi_msg_write(struct sol_buf *out, const struct sol_psi_msg *m);

#endif
