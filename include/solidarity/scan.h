/*
 * scan.h — the whole of `solidarity scan` as one library operation: load the
 * indicators (STIX files and collections of the node), build the index, read the logs
 * on a pool of threads, merge the hits, write them as a STIX bundle of sightings by the
 * node's identity, and add them to a collection of the node through the one ingest
 * path. The programs (`solidarity scan`, the web API) parse options and print.
 *
 * Ownership: the options and everything they point to are the caller's and must
 * outlive the call; the store, when given, stays open and is used from the calling
 * thread only. A struct sol_scan_result is filled by sol_scan_run() and owns what it
 * holds until sol_scan_result_free().
 *
 * Threads: the callbacks are called from the calling thread, except progress(), which
 * is called from a thread of the scan's own every half second while logs are read.
 * Every thread the scan starts has ended when sol_scan_run() returns, on success and on
 * every failure.
 */
#ifndef SOLIDARITY_SCAN_H
#define SOLIDARITY_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/match.h"
#include "solidarity/util.h"

struct sol_warninglists;
struct sol__scan_tlps;

struct sol_store;

/* How bad a notice is: a warning always deserves to be shown; information only when
   the user did not ask for quiet. */
enum sol_scan_notice_level { SOL_SCAN_INFO = 0, SOL_SCAN_WARNING = 1 };

struct sol_scan_options {
    /* Indicators: STIX bundles (or arrays of objects) in files, and collections of the
       node (by id or alias; needs store). At least one of the two. */
    const char *const *indicator_files;
    size_t n_indicator_files;
    const char *const *collections;
    size_t n_collections;
    /* Or an index built by the caller (sol_match_index_build()), used as it is: the
       files and collections above are then not read. */
    const struct sol_match_index *index;
    /* The node's store, or NULL when there is no node. */
    struct sol_store *store;
    /* The logs ("-" is standard input) and how to read them. */
    const char *const *logs;
    size_t n_logs;
    enum sol_log_format format;
    const struct sol_log_mapping *mapping;
    /* Who sighted: an identity id; NULL: the node's identity when there is a store and
       it has one, else one derived from the host name (then written into the bundle). */
    const char *identity;
    /* Also add the sightings to this collection of the node (id or alias; needs store),
       as actor (the audit log's "who"). */
    const char *store_to;
    const char *actor;
    bool with_observed_data; /* each sighting's first observation as SCOs and observed-data */
    /* Values known to be benign (formats.h): an indicator is matched only on its values on
       no list, and not at all when all are (each said through notice()). NULL: none. */
    const struct sol_warninglists *warninglists;
    unsigned context; /* detection context: the earliest hits kept per sighting
                         (log, line, offset, field, value, time; match.h); 0: none */
    /* When an indicator's validity is judged (match.h): at each event's time (the
       default), at any time (a retro-hunt), or at as_of. */
    enum sol_match_validity validity;
    sol_time_t as_of;
    unsigned threads; /* threads that read logs (a large plain log in parts); 0 means 1 */
    /* Patterns over several observations see all the logs as one time-ordered stream
       (Zeek's per-protocol logs of one period, several eve files), unless per_file: then
       each log is its own stream. */
    bool per_file;
    /* A plain log at least twice this large is read in parts of at least this many
       bytes, on several threads; gzip logs and standard input are cut into blocks of
       this size by one thread and matched by the others. 0: 16 MiB parts, 4 MiB blocks. */
    uint64_t part_size;
    sol_time_t now; /* the sightings' created/modified; 0: the current time */
    /*
     * access.h "Policy": every sighting (and its observed-data and SCOs) carries an explicit
     * TLP marking, the strictest of this (enum sol_tlp; 0: none of its own), the TLP of
     * the indicator it sights (its collection's default when it has none; TLP:AMBER for an
     * unmarked one from a file) and, with store_to, that collection's default.
     */
    int tlp;

    /*
     * Follow: the logs, read as they grow; each observation that completes a match calls
     * sighting() with that indicator's sighting so far (one JSON object, no newline).
     * Reading ends at the end of standard input, or when *stop becomes non-zero (checked
     * between lines and while waiting for more), or when sighting() returns non-zero
     * (then sol_scan_run() fails with SOL_EIO). No bundle is made and nothing stored.
     */
    bool follow;
    /* With follow, patterns over several observations wait this long in event time (µs;
       0: 60 s) for an earlier event from another log before going on without it. */
    sol_time_t reorder_window;
    const volatile sig_atomic_t *stop;
    int (*sighting)(void *ud, const char *json, size_t n);

    /* Messages for the operator (skipped indicators, bad lines, logs that cannot be
       read), each naming its file and line. */
    void (*notice)(void *ud, enum sol_scan_notice_level level, const char *msg);
    /* Progress while logs are read: events and uncompressed bytes so far, seconds since
       the start; called a last time with done set when reading ends. */
    void (*progress)(void *ud, uint64_t events, uint64_t bytes, double seconds, bool done);
    void *ud;
};

/* Where the identity that sighted came from. */
enum sol_scan_identity_origin {
    SOL_SCAN_IDENTITY_GIVEN = 0, /* options.identity */
    SOL_SCAN_IDENTITY_NODE,      /* the node's */
    SOL_SCAN_IDENTITY_DERIVED,   /* derived from the host name, written into the bundle */
};

struct sol_scan_result {
    uint64_t events;    /* observations read */
    uint64_t bad_lines; /* records that could not be read (each told through notice()) */
    uint64_t bytes;     /* uncompressed bytes read */
    size_t logs;        /* logs scanned */
    size_t failed_logs; /* logs that could not be opened or read to their end */
    uint64_t late;      /* follow: candidates that came after the reorder window */
    /* CPU seconds spent reading and matching: by the busiest thread, and by all. */
    double cpu_busiest, cpu_total;
    struct sol_match_index_stats index;
    char identity[128];
    enum sol_scan_identity_origin identity_origin;
    /* Matches outside the indicators' validity at the event's time, and those that were
       not counted (match.h); whatever the validity mode, nothing is dropped unsaid. */
    struct sol_match_counts counts;
    /* The hits, sorted by indicator; the index names them (sol_match_index_get()). */
    const struct sol_match_hit *hits;
    size_t nhits;
    const struct sol_match_index *idx;
    /* Observations left out of --with-observed-data because they could not be written
       as valid STIX (each sighting is written, without it). */
    size_t observations_left_out;
    /* The bundle of sightings (with a trailing newline); empty with follow. A sighting
       the store_to collection already holds (same indicator, identity and first hit)
       comes out as its next version: same id and created (STIX 2.1 §3.6). */
    struct sol_buf bundle;
    /* With store_to: what the ingest did, the collection's id, and why storing failed
       ("" when it did not). */
    size_t stored, rejected;
    char stored_in[128];
    char store_error[800];
    /* private */
    struct sol_match_index *own_idx;
    struct sol_match_scanner *own_sc;
    struct sol__scan_tlps *own_tlps; /* each indicator's TLP (run.c) */
};

/*
 * Run a scan as the options say, filling *res (free it with sol_scan_result_free()
 * whatever the return). Returns 0 when the scan was made, even when nothing was sighted,
 * some logs could not be read (res->failed_logs; each told through notice()) or storing
 * failed (res->store_error); a negative code, with err saying what (naming the file,
 * collection or log), when it could not be made: indicators that cannot be read, an
 * unknown collection, an index that does not build, no memory, a thread that cannot
 * start.
 */
SOL_API int sol_scan_run(const struct sol_scan_options *opt, struct sol_scan_result *res,
                         struct sol_error *err);
SOL_API void sol_scan_result_free(struct sol_scan_result *res);

#endif
