/*
 * match.h — the fast matcher behind `solidarity scan`: an index compiled from every
 * indicator, log readers that turn each line into one observation, a scanner that
 * matches observations against the index, and the sightings that come out of it.
 *
 * Ownership: a struct sol_match_index is built by its caller (sol_match_index_new(),
 * then _add_*(), then _build()) and freed with sol_match_index_free(); once built it is
 * read-only and may be shared by any number of scanners in any number of threads. A
 * struct sol_match_scanner belongs to one thread. A struct sol_log_reader owns its
 * buffers; the observation it hands out (and every string inside) stays valid until
 * the next call on the same reader. Strings passed in are copied when kept.
 *
 * Semantics the engine adds to STIX Patterning (STIX 2.1 §9), stated once here:
 * - domain-name:value, email-addr:value and hash values compare without regard to case
 *   (DNS and hex are case-insensitive); a trailing dot of a domain name is ignored. Log
 *   values are put in that form before any bracket is evaluated, so this holds for every
 *   pattern whose constants are written in lower case, as feeds write them.
 * - LIKE and MATCHES test that form of a value in Unicode NFC (§9.6.1), as the reference
 *   evaluator does, in the Vectorscan prefilter and in the confirmation alike; =, !=
 *   and IN compare code points as written (§9.6.2).
 * - Hash algorithm names are recognised under the spellings real feeds use
 *   ('SHA-256', 'SHA256', 'sha256') and mean the algorithm of hash-algorithm-ov.
 * - ipv4-addr:value / ipv6-addr:value '=' a CIDR string holds when the address lies in
 *   the network (the same as ISSUBSET), as feeds that write networks that way mean it.
 *   This applies to brackets of one test (nearly all indicators); a larger bracket is
 *   decided by the reference evaluator, which compares '=' as text.
 * - An indicator counts when it is not revoked and the event's time lies within
 *   [valid_from, valid_until): validity is judged at the time of each event, not at
 *   the time of the scan, so an old log is judged by the indicators valid back then.
 *   A scanner can instead judge it at any time (a retro-hunt: a new indicator against
 *   old logs) or at one given time (sol_match_scanner_set_validity()); either way it
 *   counts the matches outside the validity at the event's time, and those it dropped.
 *   An observation that spans an interval (observed-data) counts when some instant of
 *   it does, the rule the time windows of patterns follow too (pattern.h).
 */
#ifndef SOLIDARITY_MATCH_H
#define SOLIDARITY_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/util.h"

/* ---- Observations: the STIX objects one log line mentions, and a time. ---- */

#define SOL_OBS_MAX_OBJECTS 64
#define SOL_OBS_MAX_PROPS   256
#define SOL_OBS_SCRATCH     16384

enum sol_obs_kind {
    SOL_OBS_STR = 1, /* ->s, ->n bytes */
    SOL_OBS_INT,     /* ->i */
    SOL_OBS_REF,     /* ->i is the index of another object of the observation */
    SOL_OBS_BOOL,    /* ->i is 0 or 1 */
};

/*
 * One property value of one object. path is the property path in canonical dotted form
 * ("value", "hashes.SHA-256", "src_ref", "extensions.http-request-ext.request_method");
 * a list is several props with the same obj and path, in order.
 */
struct sol_obs_prop {
    uint16_t obj;
    uint8_t kind;
    uint16_t path_n;
    const char *path;
    const char *s;
    uint32_t n;
    int64_t i;
    const char *field; /* the log field it came from (a constant string), or NULL */
};

struct sol_obs_object {
    const char *type;
    uint16_t type_n;
};

struct sol_obs {
    sol_time_t time;      /* when it happened (0: unknown, the scan's time is used) */
    sol_time_t time_last; /* for an observation that spans an interval (STIX observed-data:
                             time is first_observed, this last_observed), its end; 0 or
                             not after time: the observation is the one instant time */
    /* Where it was read: the log as named to the reader, the line (for STIX input, the
       object's place in the document, from 1; 0 when not known) and the byte offset of
       the record's start in the uncompressed log (0 when not known). */
    const char *source;
    uint64_t line, offset;
    uint32_t nobj, nprop;
    bool truncated; /* objects, props or scratch space ran out: some values were dropped */
    struct sol_obs_object obj[SOL_OBS_MAX_OBJECTS];
    struct sol_obs_prop prop[SOL_OBS_MAX_PROPS];
    size_t scratch_n;
    char scratch[SOL_OBS_SCRATCH]; /* strings the reader had to build */
};

/* Empty obs for reuse (keeps nothing). */
SOL_API void sol_obs_reset(struct sol_obs *obs);
/*
 * Add an object of type (NUL-terminated, kept by pointer). Types and paths must be
 * constant strings, unchanged while any scanner may see them (scanners cache by pointer),
 * or strings in the observation's own scratch space. Returns its index, or -1 when full.
 */
SOL_API int sol_obs_add_object(struct sol_obs *obs, const char *type);
/* Add a string property (s is kept by pointer). Returns 0 or -1 when full. */
SOL_API int sol_obs_add_str(struct sol_obs *obs, int obj, const char *path, const char *s,
                            size_t n);
/* As sol_obs_add_str, copying s into the observation's scratch space first. */
SOL_API int sol_obs_add_strcopy(struct sol_obs *obs, int obj, const char *path, const char *s,
                                size_t n);
SOL_API int sol_obs_add_int(struct sol_obs *obs, int obj, const char *path, int64_t i);
SOL_API int sol_obs_add_ref(struct sol_obs *obs, int obj, const char *path, int target);
/*
 * The object of type with property "value" equal to s (n bytes), added when not yet in
 * obs (so that one address seen twice in a line is one object). Returns its index or -1.
 * ipv4-addr and ipv6-addr are chosen by the text: pass "ip" as type to detect.
 */
SOL_API int sol_obs_value_object(struct sol_obs *obs, const char *type, const char *s, size_t n,
                                 bool copy);

/* ---- The indicator index. ---- */

struct sol_match_index;

/* What one indicator is, for the summary and the sightings. Views into the index. */
struct sol_match_indicator {
    char id[256];          /* "indicator--..." (copied) */
    const char *name;      /* "" when none */
    const char *pattern;   /* the pattern text; "" for a one-equality pattern (not kept) */
    const char *indicates; /* names of the malware it indicates, ", "-separated, or "" */
    bool superseded;       /* a later version of the same id replaced it */
};

SOL_API struct sol_match_index *sol_match_index_new(void);
SOL_API void sol_match_index_free(struct sol_match_index *idx);

/*
 * Add every indicator of a STIX bundle (or array of objects, or single object) with
 * pattern_type "stix" and its "indicates" relationships to malware and tools. Revoked
 * indicators are skipped and counted. Indicators whose pattern does not parse are
 * skipped; the first is described in err and *bad (when not NULL) counts them.
 * Returns 0, or a negative code for a document that is not STIX at all.
 */
SOL_API int sol_match_index_add_bundle(struct sol_match_index *idx, const struct sol_json *root,
                                       size_t *bad, struct sol_error *err);

/*
 * Add one indicator by its parts (id "indicator--..."; name may be NULL; valid_from 0
 * and valid_until 0 mean no bound). Returns 0, SOL_ESYNTAX (bad pattern, err says where),
 * SOL_EUNSUPPORTED or SOL_ENOMEM.
 */
SOL_API int sol_match_index_add(struct sol_match_index *idx, const char *id, const char *name,
                                const char *pattern, size_t pattern_n, sol_time_t valid_from,
                                sol_time_t valid_until, struct sol_error *err);

/* Make room for n more indicators (saves rehashing when the count is known). */
SOL_API int sol_match_index_reserve(struct sol_match_index *idx, size_t n);

/* Compile what was added. After this the index is read-only. Returns 0 or an error. */
SOL_API int sol_match_index_build(struct sol_match_index *idx, struct sol_error *err);

/* Counts, for the summary and the benchmark. */
struct sol_match_index_stats {
    size_t indicators, exact_keys, cidr_prefixes, regex_terms, always_leaves, multi_patterns,
        revoked_skipped, bad_patterns;
    size_t bytes; /* memory held by the compiled index */
};
SOL_API void sol_match_index_stats(const struct sol_match_index *idx,
                                   struct sol_match_index_stats *out);
SOL_API size_t sol_match_index_count(const struct sol_match_index *idx);
SOL_API void sol_match_index_get(const struct sol_match_index *idx, size_t i,
                                 struct sol_match_indicator *out);

/* ---- Scanning. ---- */

struct sol_match_scanner;

/* Where one hit was read: the detection context a responder asks for. */
struct sol_match_context {
    const char *source; /* the log as named to its reader (owned by the scanner) */
    uint64_t line;      /* its line (sol_obs), 0 when not known */
    uint64_t offset;    /* the byte offset of the record in the uncompressed log */
    sol_time_t time;    /* the event's time */
    char field[64];     /* the log field whose value hit, "" when not known */
    char property[128]; /* that value's STIX object type and path ("domain-name:value") */
    char value[256];    /* the value (cut at 255 bytes), "" when not known */
};

/* One indicator's hits in a scan. */
struct sol_match_hit {
    uint32_t indicator; /* index for sol_match_index_get() */
    uint64_t count;
    sol_time_t first_seen, last_seen;
    /* With sol_match_scanner_keep_observations(): the STIX objects of the first
       observation that hit, as a JSON array (references as the index of the object they
       point to, "1"), and its time; else NULL. Owned by the scanner. */
    const char *observation;
    sol_time_t observation_time;
    /* With sol_match_scanner_keep_context(): where the earliest hits were read (at most
       the number asked for, in time order). Owned by the scanner. */
    const struct sol_match_context *context;
    uint32_t ncontext;
};

/* A scanner for one thread over a built index. NULL on no memory. */
SOL_API struct sol_match_scanner *sol_match_scanner_new(const struct sol_match_index *idx);
SOL_API void sol_match_scanner_free(struct sol_match_scanner *sc);

/*
 * Match one observation. Returns how many indicators it completed a match of (0 when
 * none); allocation-free once warm. The indicators it hit are available through
 * sol_match_scanner_last() until the next call.
 */
SOL_API size_t sol_match_scan(struct sol_match_scanner *sc, const struct sol_obs *obs);
SOL_API const uint32_t *sol_match_scanner_last(const struct sol_match_scanner *sc, size_t *n);

/* Keep the first observation of each indicator's hits (for observed-data in the
   sightings). Costs one copy per indicator sighted, none per event. */
SOL_API void sol_match_scanner_keep_observations(struct sol_match_scanner *sc, bool keep);

/*
 * Keep the detection context of each indicator's earliest n hits (0: none, the default):
 * the log, line and offset, event time, and the field, property and value that hit. The
 * value is known when a key of the value led to the indicator; for brackets evaluated
 * on every observation and for the completion of patterns over several observations
 * the field, property and value are "" when no key did. Costs a copy per kept hit.
 */
SOL_API void sol_match_scanner_keep_context(struct sol_match_scanner *sc, unsigned n);

/* How a scanner judges an indicator's validity [valid_from, valid_until). */
enum sol_match_validity {
    SOL_MATCH_VALID_AT_EVENT = 0, /* at the time of each event (the default) */
    SOL_MATCH_VALID_ANY,          /* at any time: every match counts (a retro-hunt) */
    SOL_MATCH_VALID_AS_OF,        /* at one given time, for every event */
};
SOL_API void sol_match_scanner_set_validity(struct sol_match_scanner *sc, enum sol_match_validity v,
                                            sol_time_t as_of);

/* What a scanner matched but judged apart (sol_match_scanner_merge() adds them up). */
struct sol_match_counts {
    uint64_t outside;      /* matches outside the indicator's validity at the event's time */
    uint64_t dropped;      /* matches not counted: the indicator was not valid when judged */
    uint64_t uncorrelated; /* observations left out of the correlation of logs (memory) */
};
SOL_API void sol_match_scanner_counts(const struct sol_match_scanner *sc,
                                      struct sol_match_counts *out);

/* The hits so far, sorted by indicator index; the array stays valid until the next scan. */
SOL_API const struct sol_match_hit *sol_match_scanner_hits(struct sol_match_scanner *sc, size_t *n);
/* Add the hits of other into sc (for merging threads). Returns 0 or SOL_ENOMEM. */
SOL_API int sol_match_scanner_merge(struct sol_match_scanner *sc,
                                    const struct sol_match_scanner *other);

/* ---- Log readers. ---- */

/*
 * The log formats, one row each: the enum's name and the reader that reads it
 * (src/match/reader_<reader>.c, behind the table of src/match/reader.h).
 */
#define SOL_LOG_FORMAT_LIST(X)                                                                     \
    X(ZEEK_TSV, zeek)                                                                              \
    X(ZEEK_JSON, zeek_json)                                                                        \
    X(EVE, eve)                                                                                    \
    X(JSONL, jsonl) /* generic JSON lines through a mapping */                                     \
    X(CSV, csv)     /* CSV with a header line through a mapping */                                 \
    X(STIX, stix)   /* STIX bundles of observed-data */

enum sol_log_format {
    SOL_LOG_AUTO = 0,
#define X(e, f) SOL_LOG_##e,
    SOL_LOG_FORMAT_LIST(X)
#undef X
        SOL_LOG_NFORMATS
};

/* A format by any of its names ("zeek", "zeek-json", "eve", "jsonl", "csv", "stix",
   "auto", and aliases such as "suricata"); returns 0 or SOL_EINVAL. */
SOL_API int sol_log_format_parse(const char *name, enum sol_log_format *out);
/* The format's name as sol_log_format_parse() takes it ("auto" for SOL_LOG_AUTO). */
SOL_API const char *sol_log_format_name(enum sol_log_format f);

/*
 * A mapping from log fields to STIX object paths, one rule a line:
 *   field -> object-type:path
 * e.g. "query -> domain-name:value", "id.resp_h -> ipv4-addr:value" (ipv6-addr is
 * chosen for an IPv6 text), "md5 -> file:hashes.MD5", and "ts -> time" for the event's
 * time (RFC 3339 or seconds since 1970). '#' starts a comment. Fields of one rule set
 * that name the same object type and are not "value" fill one object.
 */
struct sol_log_mapping;
SOL_API int sol_log_mapping_parse(const char *text, size_t n, struct sol_log_mapping **out,
                                  struct sol_error *err);
SOL_API void sol_log_mapping_free(struct sol_log_mapping *m);

struct sol_log_reader;

/*
 * Read a log from f (not closed; gzip is detected and inflated), in format fmt
 * (SOL_LOG_AUTO: detected from the first bytes). mapping may be NULL (the built-in
 * mappings serve Zeek and eve; jsonl and csv then need one). name is used in messages.
 * Returns 0, SOL_EINVAL (a format that needs a mapping), SOL_ESYNTAX (format not
 * recognised) or SOL_ENOMEM.
 */
SOL_API int sol_log_reader_open(FILE *f, const char *name, enum sol_log_format fmt,
                                const struct sol_log_mapping *mapping, struct sol_log_reader **out,
                                struct sol_error *err);
SOL_API void sol_log_reader_free(struct sol_log_reader *r);

/*
 * The next observation. Returns 0 and sets *obs, SOL_EEOF at the end, SOL_EIO on a read
 * error, or SOL_ESYNTAX for a bad line: err says which line and why, and the next call
 * goes on after it. Lines that carry nothing to match (Zeek headers) are skipped.
 * A line that mentions nothing matchable still yields an (empty) observation.
 */
SOL_API int sol_log_reader_next(struct sol_log_reader *r, const struct sol_obs **obs,
                                struct sol_error *err);
SOL_API enum sol_log_format sol_log_reader_format(const struct sol_log_reader *r);
/* Bytes consumed so far (uncompressed), for progress. */
SOL_API uint64_t sol_log_reader_bytes(const struct sol_log_reader *r);
/* When at end of input: forget it, so that a later _next() tries to read again
 * (for --follow on a growing file). */
SOL_API void sol_log_reader_clear_eof(struct sol_log_reader *r);
/* For a growing file: a last line without its newline is left for a later call (it is
   still being written) instead of being read as it is. */
SOL_API void sol_log_reader_set_follow(struct sol_log_reader *r, bool follow);

/* ---- Sightings. ---- */

/*
 * The extension that carries a sighting's detection context (STIX 2.1 §7.3, a property
 * extension; its definition is in solidarity-scan(1)):
 *   "extensions": {"extension-definition--24746a4d-8268-4df6-be61-306b2f59629d": {
 *     "extension_type": "property-extension",
 *     "detections": [{"source": "dns.log", "line": 12, "byte_offset": 1834,
 *                     "event_time": "...", "field": "query",
 *                     "property": "domain-name:value", "value": "evil.example"}, ...]}}
 * one entry per kept hit (sol_match_scanner_keep_context()), earliest first.
 */
#define SOL_SCAN_CONTEXT_EXTENSION_ID "extension-definition--24746a4d-8268-4df6-be61-306b2f59629d"

/* An earlier version of a sighting, which the next keeps the id and created of. */
struct sol_sighting_prior {
    char id[64];                  /* "sighting--..." */
    sol_time_t created, modified; /* milliseconds, as written */
    uint64_t count;               /* as written */
    sol_time_t last_seen;
    char observed_data_ref[80]; /* its observed-data, "" when none */
};

struct sol_sighting_options {
    const char *identity_id; /* where_sighted_refs; required */
    sol_time_t now;          /* created/modified; 0 = the current time */
    bool with_observed_data; /* also write each hit's observation (when kept) as SCOs and
                                an observed-data, named by observed_data_refs */
    /*
     * The TLP marking (access.h "Policy": what the node creates carries one, a sighting at
     * least the TLP of the indicator it sights): each sighting, its observed-data and SCOs
     * get the stricter of tlp and indicator_tlp(tlp_ud, the indicator's id) (enum sol_tlp;
     * indicator_tlp may be NULL). Both 0: no marking.
     */
    int tlp;
    int (*indicator_tlp)(void *tlp_ud, const char *indicator_id);
    void *tlp_ud;
    /* The earlier version of hit h's sighting (of indicator_id), when the caller holds
       one: fill *out and return true. NULL: there is none. */
    bool (*prior)(void *ud, const struct sol_match_hit *h, const char *indicator_id,
                  struct sol_sighting_prior *out);
    /* Told each sighting as it is written (e.g. to be the prior of the next). */
    void (*written)(void *ud, const struct sol_match_hit *h, const struct sol_sighting_prior *s);
    void *ud;
    /* When not NULL, counts the observations left out because they could not be
       written as valid STIX (their sightings are written without them). */
    size_t *observations_left_out;
};

/*
 * Append to w one STIX 2.1 sighting (§5.6) per hit with a count: count, first_seen,
 * last_seen, sighting_of_ref, where_sighted_refs, the detection context when the hit
 * has one, and with with_observed_data its first observation (its SCOs and an
 * observed-data, when they are valid STIX, before the sighting). A new sighting gets a
 * random (version 4) id (§2.9); a new version of a prior one keeps its id and created
 * (§3.6), and an unchanged one is written as it was. Returns 0 or SOL_ENOMEM.
 */
SOL_API int sol_match_write_sightings(const struct sol_match_index *idx,
                                      const struct sol_match_hit *hits, size_t n,
                                      const struct sol_sighting_options *opt,
                                      struct sol_json_writer *w);

#endif
