/*
 * match/match.h — internals shared by the files of the matcher (prefix sol__m).
 *
 * norm.c      key spaces and value normalisation (domains, addresses, hash names)
 * exact.c     the exact-value hash table (keys in one arena)
 * lpm.c       longest-prefix tables for IPv4 and IPv6 networks
 * compile.c   indicators → compiled patterns → index
 * eval.c      comparison expressions on observations; multi-observation state
 * scan.c      the scanner
 * obs.c       observation building
 * reader*.c   log readers (reader.h), columns.c, mapping.c the mapping files
 * sighting.c  the sightings writer
 */
#ifndef SOLIDARITY_MATCH_INTERNAL_H
#define SOLIDARITY_MATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/match.h"

/* How the values of one (object type, property path) are normalised into keys. */
enum sol__mnorm {
    SOL__MNORM_PLAIN = 0, /* bytes as they are */
    SOL__MNORM_DOMAIN,    /* lower case, no trailing dot */
    SOL__MNORM_LOWER,     /* lower case (e-mail addresses) */
    SOL__MNORM_HASH,      /* lower-case hex as bytes when it is hex, else lower case */
    SOL__MNORM_IP,        /* ipv4-addr/ipv6-addr value: 4 or 16 bytes */
};

/* The normalisation of a canonical "type:path" (path dotted, hash names canonical). */
enum sol__mnorm sol__mnorm_of(const char *type, size_t type_n, const char *path, size_t path_n);

/*
 * The canonical name of a hash algorithm (its name in stix.h's table of hash algorithms:
 * "MD5", "SHA-1", "SHA-256", ...) for any of the spellings feeds use, or NULL when name
 * is not a known algorithm.
 */
const char *sol__mhash_canonical(const char *name, size_t n);

/*
 * Normalise value v (n bytes) of kind norm into out (cap bytes). Returns the key length,
 * or -1 when the value cannot be a key of that kind (an IP that does not parse, too long).
 */
int sol__mnorm_value(enum sol__mnorm norm, const char *v, size_t n, uint8_t *out, size_t cap);

/*
 * Parse an IPv4 or IPv6 address with an optional "/len". out gets 16 bytes (IPv4 in the
 * first 4), *v6 the family, *len the prefix length (32 or 128 when absent), *has_len
 * whether "/len" was given. Returns 0 or -1.
 */
int sol__mip_parse(const char *s, size_t n, uint8_t out[16], bool *v6, unsigned *len,
                   bool *has_len);

/* The 64-bit hash of a key space "type:path". */
uint64_t sol__mspace_hash(const char *type, size_t type_n, const char *path, size_t path_n);

/* Targets: what a key points at. */
#define SOL__MT_LIST 0x80000000u /* index into the list array */
#define SOL__MT_LEAF 0x40000000u /* a leaf (bracket) of a compiled pattern */
#define SOL__MT_MASK 0x3fffffffu /* otherwise: a simple indicator's number */

/* ---- exact.c ---- */
struct sol__mexact {
    uint64_t *slots; /* (tag32 << 32) | (arena offset + 1); 0 = empty */
    size_t cap, n;
    const uint64_t *space_hash; /* the owner's: hash of each key space, by number */
    uint8_t *arena;             /* entries: u32 target, u16 space, varint len, bytes */
    size_t arena_n, arena_cap;
    uint32_t *lists; /* [cap, count, targets...] */
    size_t lists_n, lists_cap;
    uint64_t *bloom; /* NULL until sol__mexact_build_bloom() */
    size_t nblocks;
};
void sol__mexact_init(struct sol__mexact *t);
/* Build the filter that answers most lookups of absent keys (after the last add). */
int sol__mexact_build_bloom(struct sol__mexact *t);
void sol__mexact_free(struct sol__mexact *t);
int sol__mexact_reserve(struct sol__mexact *t, size_t n);
/* Rehash into exactly cap slots (cap > n). */
int sol__mexact_resize(struct sol__mexact *t, size_t cap);
/* Add (space, key) → target. Returns 0, SOL_ENOMEM or SOL_ELIMIT (key too long). */
int sol__mexact_add(struct sol__mexact *t, uint16_t space, uint64_t space_hash, const uint8_t *key,
                    size_t n, uint32_t target);
/* The targets of (space, key): count, pointer set in *out (valid until the next add). */
size_t sol__mexact_find(const struct sol__mexact *t, uint16_t space, uint64_t space_hash,
                        const uint8_t *key, size_t n, const uint32_t **out, uint32_t *one);
/* The hash of (space, key), with its home slot prefetched; then find by that hash. */
uint64_t sol__mexact_hash(const struct sol__mexact *t, uint64_t space_hash, const uint8_t *key,
                          size_t n);
size_t sol__mexact_find_hashed(const struct sol__mexact *t, uint16_t space, uint64_t h,
                               const uint8_t *key, size_t n, const uint32_t **out, uint32_t *one);
size_t sol__mexact_bytes(const struct sol__mexact *t);
/* Add a target to a list-or-single slot value; shared with lpm.c. */
int sol__mlist_add(uint32_t **lists, size_t *lists_n, size_t *lists_cap, uint32_t *slot,
                   uint32_t target);
/* Expand a slot value into targets. */
size_t sol__mlist_get(const uint32_t *lists, uint32_t slot, const uint32_t **out, uint32_t *one);

/* ---- lpm.c ---- */
struct sol__mprefix {
    unsigned __int128 start, end;
    uint8_t len;
    uint32_t parent; /* UINT32_MAX: none */
    uint32_t target; /* single or SOL__MT_LIST */
};
struct sol__mlpm {
    bool v6;
    struct sol__mprefix *pfx;
    size_t npfx, cap;
    unsigned __int128 *istart; /* elementary intervals: start, deepest prefix */
    uint32_t *ipfx;
    size_t nint;
    uint32_t *top; /* IPv4: first interval for each /16 (65537 entries) */
    uint32_t *lists;
    size_t lists_n, lists_cap;
};
void sol__mlpm_init(struct sol__mlpm *t, bool v6);
void sol__mlpm_free(struct sol__mlpm *t);
int sol__mlpm_add(struct sol__mlpm *t, const uint8_t addr[16], unsigned len, uint32_t target);
int sol__mlpm_build(struct sol__mlpm *t);
/*
 * Call fn for every target of every prefix that contains addr and is no longer than
 * maxlen (deepest first).
 */
typedef void (*sol__mlpm_fn)(void *ud, uint32_t target, unsigned len);
void sol__mlpm_lookup(const struct sol__mlpm *t, const uint8_t addr[16], unsigned maxlen,
                      sol__mlpm_fn fn, void *ud);
size_t sol__mlpm_bytes(const struct sol__mlpm *t);

/* ---- The index (compile.c) ---- */

struct sol_pattern;
struct sol_pattern_cmp;

/* One indicator: 36 bytes, so that a million of them fit the memory budget. */
struct sol__mind {
    uint8_t uuid[16];
    uint32_t id_off;          /* 0: the id is "indicator--" and the uuid; else in the strings */
    uint32_t name_off;        /* 0: no name */
    uint32_t from_s, until_s; /* validity in whole seconds (from rounded down, until up);
                                 0 / UINT32_MAX: unbounded */
    uint32_t pat;             /* a compiled pattern (SOL__MIND_SIMPLE: the key alone decides),
                                 | SOL__MIND_DEAD when a later version replaced it */
};
#define SOL__MIND_SIMPLE 0x7fffffffu
#define SOL__MIND_DEAD   0x80000000u

/* A key space: one (object type, property path). */
struct sol__mspace {
    char *type, *path; /* owned, NUL-terminated */
    uint16_t type_n, path_n;
    uint8_t norm; /* enum sol__mnorm */
    bool exact, lpm;
    int32_t hs; /* index into ->hs of the first of nhs databases, or -1 */
    uint8_t nhs;
};

/* A bracket (observation expression of one observation) to confirm on candidates. */
struct sol__mleaf {
    uint32_t pat;
    const struct sol_pattern_cmp *cmp;
    struct sol_pattern *sub; /* the bracket alone as a pattern, for multi-observation
                                patterns; NULL: confirm with the whole pattern */
    bool fast;               /* a single test the scanner confirms itself */
    uint16_t fast_space;
};

struct sol__mpat {
    struct sol_pattern *p;
    uint32_t ind;
    uint32_t text_off;
    bool multi;        /* needs several observations */
    bool timed;        /* START/STOP: a bracket's match is not yet the pattern's */
    sol_time_t window; /* WITHIN at the root: older buffered observations cannot help */
};

struct sol__mregex { /* a LIKE or MATCHES term waiting for the Vectorscan compile */
    uint16_t space;
    uint32_t leaf;
    char *expr;
    unsigned flags;
};

struct sol__mhs {
    uint16_t space;
    void *db; /* hs_database_t */
    uint32_t *leaf_of;
    size_t n;
};

struct sol_match_index {
    struct sol__mind *ind;
    size_t nind, capind;
    char *strs;
    size_t strs_n, strs_cap;
    struct sol__mspace *spaces;
    uint64_t *space_hash;
    size_t nspaces, capspaces;
    uint32_t *spacemap; /* open addressing: space number + 1 by hash; 0 empty */
    size_t spacemap_cap;
    struct sol__mexact exact;
    struct sol__mlpm lpm4, lpm6;
    struct sol__mpat *pats;
    size_t npats, cappats;
    struct sol__mleaf *leaves;
    size_t nleaves, capleaves;
    uint32_t *always;
    size_t nalways, capalways;
    struct sol__mregex *rx;
    size_t nrx, caprx;
    struct sol__mhs *hs;
    size_t nhs;
    uint32_t *indicates; /* per indicator: string offset (0 none); NULL when none at all */
    /* Only while adding: */
    struct sol__mexact ids; /* indicator id → number */
    int64_t *modified;      /* per indicator, for versions */
    struct sol__mrel *rels;
    size_t nrels, caprels;
    struct sol__mexact names; /* malware/tool id → string offset */
    struct sol_match_index_stats stats;
    bool built;
};

struct sol__mrel {
    uint32_t ind;
    char *target;
};

/* The space number of (type, path), or -1 when no indicator uses it. */
int sol__mspace_find(const struct sol_match_index *idx, uint64_t hash, const char *type,
                     size_t type_n, const char *path, size_t path_n);

/* ---- Deferred correlation (scan.c; used by run.c) ----
 *
 * To see several logs (or parts of one) as one time-ordered stream, the scanners that
 * read them in parallel do not evaluate patterns over several observations: an
 * observation that satisfies one of their brackets becomes a candidate. Once every log is
 * read, the candidates of each stream are fed in time order to one scanner, which
 * evaluates them as a single reader of the merged stream would.
 */
struct sol__mcand {
    sol_time_t first, last;
    uint32_t pat;
    uint32_t stream; /* the stream it belongs to (run.c: all logs, or one) */
    uint64_t order;  /* read order, for candidates of the same time */
    char *json;      /* the observation's objects (owned) */
    size_t json_n;
    struct sol_match_context *ctx; /* where it was read (owned; its source is the
                                      making scanner's), or NULL */
};
/* Make candidates from now on, of stream, ordered from order_base. 0 or SOL_ENOMEM. Up
   to 64 MiB of them per scanner; more are counted as uncorrelated (sol_match_counts). */
int sol__mscan_defer(struct sol_match_scanner *sc, uint32_t stream, uint64_t order_base);
/* Take the candidates made so far: the caller owns them (sol__mcand_free()). */
struct sol__mcand *sol__mscan_take(struct sol_match_scanner *sc, size_t *n);
/* Evaluate c as the next observation, in time order, of a stream (sc must not defer). */
void sol__mscan_feed(struct sol_match_scanner *sc, const struct sol__mcand *c);
void sol__mcand_free(struct sol__mcand *c, size_t n);

/* ---- LIKE ---- */
/* STIX 2.1 §9.6.1: LIKE with '%' any run and '_' one code point (bytes when not UTF-8). */
bool sol__mlike(const char *s, size_t n, const char *pat, size_t pn);

#endif
