/*
 * formats.h — the node's other languages: MISP, plain IOC lists, CSV and MISP warninglists
 * in; MISP, Zeek Intel, Suricata, DNS RPZ, CSV and plain lists out.
 *
 * Every format is a sibling file of src/formats/ behind one row of a table (name, detect,
 * read, write). Readers turn their input into STIX 2.1 objects handed to a sink, which in
 * `solidarity import` is the one ingest path (ingest.h). Writers read the current version
 * of the objects a store filter selects, the filter already restricted by the one policy
 * check (access.h: sol_access_filter()), so a writer never sees what the asker may not.
 *
 * Which indicators a writer can carry is decided on the parsed pattern (pattern.h), never on
 * its text: an indicator goes out only when its pattern is a disjunction of equality tests
 * that the target expresses exactly (sol_format_atoms()); the others are counted and named.
 * Revoked indicators and those whose valid_until has passed never go out.
 *
 * Ownership: the format table is static. Options are borrowed for the call. A struct
 * sol_import_report and a struct sol_export_report own their arrays until their _free.
 */
#ifndef SOLIDARITY_FORMATS_H
#define SOLIDARITY_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/store.h"
#include "solidarity/util.h"

struct sol_pattern;
struct sol_warninglists;

/*
 * Atoms: what a sensor format can carry. An atom is one equality test of a pattern
 * (`[domain-name:value = 'x']`), or an ISSUBSET test on an address (a network).
 */
#define SOL_ATOM_KINDS(X)                                                                          \
    X(IPV4, "ipv4-addr", "ipv4-addr:value")                                                        \
    X(IPV6, "ipv6-addr", "ipv6-addr:value")                                                        \
    X(DOMAIN, "domain-name", "domain-name:value")                                                  \
    X(URL, "url", "url:value")                                                                     \
    X(EMAIL, "email-addr", "email-addr:value")                                                     \
    X(MD5, "md5", "file:hashes.MD5")                                                               \
    X(SHA1, "sha1", "file:hashes.'SHA-1'")                                                         \
    X(SHA256, "sha256", "file:hashes.'SHA-256'")                                                   \
    X(SHA512, "sha512", "file:hashes.'SHA-512'")                                                   \
    X(FILENAME, "file-name", "file:name")                                                          \
    X(CERT_SHA1, "x509-sha1", "x509-certificate:hashes.'SHA-1'")                                   \
    X(OTHER, "other", "")

enum sol_atom_kind {
#define SOL__ATOM_ENUM(name, word, path) SOL_ATOM_##name,
    SOL_ATOM_KINDS(SOL__ATOM_ENUM)
#undef SOL__ATOM_ENUM
        SOL_ATOM_N
};

struct sol_atom {
    enum sol_atom_kind kind;
    struct sol_str path;  /* "domain-name:value" as the pattern names it (object:steps) */
    struct sol_str value; /* the constant's text (an integer constant: its digits) */
    bool network;         /* an address kind whose value is a CIDR network (or ISSUBSET) */
    bool integer;         /* the constant is an integer (value holds its digits) */
};

/* The word of a kind ("domain-name"), for --only and CSV; and back (-1 when unknown). */
SOL_API const char *sol_atom_kind_word(enum sol_atom_kind k);
SOL_API int sol_atom_kind_parse(const char *word);

/*
 * The atoms of a parsed pattern when it is a disjunction (OR of brackets, OR and IN inside
 * one) of '=' tests, IN lists and ISSUBSET on addresses, with no qualifier and no NOT:
 * such a pattern matches exactly when one of its atoms does. Returns 0 and fills *out
 * (views into p; free the array with sol_free()), or SOL_EUNSUPPORTED with why (static
 * text) naming what keeps it from being one: "AND", "WITHIN", "LIKE", ... or SOL_ENOMEM.
 */
SOL_API int sol_format_atoms(const struct sol_pattern *p, struct sol_atom **out, size_t *n,
                             const char **why);

/* Make plain text from a defanged indicator ("hxxp://evil[.]com" -> "http://evil.com"). */
SOL_API void sol_ioc_refang(const char *s, size_t n, struct sol_buf *out);

/*
 * Detect the kind of one plain value (already refanged): an IPv4 or IPv6 address or CIDR
 * network, a URL with a scheme, an e-mail address, an MD5/SHA-1/SHA-256/SHA-512 digest (by
 * length, hex digits) or a domain name. Returns the kind, or -1 when it is none of them.
 * *network is set for CIDR networks.
 */
SOL_API int sol_ioc_detect(const char *s, size_t n, bool *network);

/* Import. */
struct sol_import_options {
    int tlp;                   /* enum sol_tlp given to objects made without one; 0: none */
    const char *identity;      /* created_by_ref of objects made without one; NULL: none */
    sol_time_t valid_from;     /* plain lists and CSV; 0: now */
    const char *const *labels; /* labels added to the indicators made from lists and CSV */
    size_t n_labels;
    int confidence;      /* 0..100, or -1: none */
    int forced_kind;     /* plain lists: every value is of this enum sol_atom_kind; -1 */
    const char *mapping; /* CSV: mapping text (the scan mapping syntax), or NULL */
    const struct sol_warninglists *warninglists; /* NULL: none */
    bool refuse_warninglisted; /* true: such indicators are not handed to the sink */
    struct sol_store *store;   /* warninglist reader: the store that keeps the lists */
};

enum sol_import_note {
    SOL_NOTE_JUNK = 1,      /* a line or cell that is no indicator: where has its line */
    SOL_NOTE_COMMENT,       /* a comment line, skipped */
    SOL_NOTE_UNMAPPED,      /* a MISP attribute or object that has no STIX mapping */
    SOL_NOTE_WARNINGLISTED, /* an indicator on a warninglist (kept or refused) */
    SOL_NOTE_INFO           /* anything else the operator should know */
};

/* Where the objects of a reader go, and what it has to say. */
struct sol_import_sink {
    /* One STIX object (valid until the next call). A negative return stops the read. */
    int (*object)(void *ud, const struct sol_json *obj, const char *where);
    /* A note; where is "file:12" or "Event[0].Attribute[3]"; key is the MISP type for
     * UNMAPPED (so callers can count by type), the list name for WARNINGLISTED. */
    void (*note)(void *ud, enum sol_import_note kind, const char *where, const char *key,
                 const char *msg);
    void *ud;
    /* How many objects the reader will hand on, when it knows (a progress bar). May be NULL. */
    void (*total)(void *ud, size_t n);
};

struct sol_import_report {
    size_t objects;                /* handed to the sink */
    size_t junk, comments;         /* lines or cells */
    size_t unmapped;               /* MISP attributes without a mapping */
    size_t warninglisted, refused; /* indicators on a warninglist; of them, not handed on */
    struct sol_import_count {      /* unmapped, by MISP type (or object name) */
        char name[64];
        size_t count;
    } * by_type;
    size_t n_by_type;
};
SOL_API void sol_import_report_free(struct sol_import_report *r);

/* Export. */
enum sol_rpz_action { SOL_RPZ_NXDOMAIN = 0, SOL_RPZ_NODATA, SOL_RPZ_DROP, SOL_RPZ_PASSTHRU };

struct sol_export_options {
    sol_time_t now;       /* what "expired" is measured against; 0: now */
    unsigned only;        /* bit set of (1 << enum sol_atom_kind); 0: every kind */
    const char *source;   /* Zeek meta.source, MISP Orgc name, ...; NULL: "solidarity" */
    const char *rpz_zone; /* the RPZ zone's name; NULL: "rpz.solidarity." */
    enum sol_rpz_action rpz_action;
    uint32_t rpz_serial;          /* 0: the export's time in seconds */
    uint32_t sid_base;            /* Suricata: the first rule's sid; 0: 7100000 */
    const char *collection_title; /* for MISP events made per collection */
};

/* Why one indicator did not go out: what the report names. */
struct sol_export_skip {
    char id[128];
    char name[128];
    char why[160];
};

struct sol_export_report {
    size_t objects;    /* current versions read */
    size_t indicators; /* of them, indicators */
    size_t exported;   /* indicators (or objects, for MISP) that went out */
    size_t entries;    /* lines, records or attributes written */
    size_t revoked, expired, inexpressible;
    struct sol_export_skip *skipped; /* the first SOL_EXPORT_NAMED inexpressible ones */
    size_t n_skipped;
};
#define SOL_EXPORT_NAMED 100
SOL_API void sol_export_report_free(struct sol_export_report *r);

/*
 * Where a writer's bytes go. A writer of several files (Suricata: rules, datasets and
 * reputation) calls part() before each file with its name; a one-file writer calls it
 * once with NULL. Both return 0 or a negative code that stops the writer.
 */
struct sol_export_sink {
    int (*part)(void *ud, const char *name);
    int (*write)(void *ud, const void *p, size_t n);
    void *ud;
};

enum {
    SOL_FORMAT_READ = 1,  /* has a reader */
    SOL_FORMAT_WRITE = 2, /* has a writer */
    SOL_FORMAT_PARTS = 4, /* the writer writes several named files */
    SOL_FORMAT_DIR = 8    /* the reader may take a directory (a MISP feed) */
};

struct sol_format_input {
    const char *path; /* the file or directory; "-" is standard input */
    const char *name; /* for messages: the path, or "(stdin)" */
    const char *p;    /* the bytes of a file (NULL for a directory) */
    size_t n;
};

/* One row of the table. */
struct sol_format {
    const char *name;
    const char *summary;
    unsigned flags;
    const char *const *parts; /* SOL_FORMAT_PARTS: the names of the files, NULL-terminated */
    /* How sure (0..100) this is the format of the input's first bytes (head). */
    int (*detect)(const char *path, const char *head, size_t n);
    int (*read)(const struct sol_format_input *in, const struct sol_import_options *o, void *im,
                struct sol_error *err);
    int (*write)(struct sol_store *s, const struct sol_object_filter *f,
                 const struct sol_export_options *o, const struct sol_export_sink *out,
                 struct sol_export_report *rep, struct sol_error *err);
};

/* The table, in the order --help lists it. */
SOL_API const struct sol_format *sol_formats(size_t *n);
/* The format named name, or NULL. */
SOL_API const struct sol_format *sol_format_find(const char *name);
/*
 * The format of the input at path (a directory: a MISP feed), judged on its first bytes
 * and its name; NULL when no reader recognises it.
 */
SOL_API const struct sol_format *sol_format_detect(const char *path, const char *head, size_t n);

/*
 * Read path (a file, '-' for standard input, or a directory for formats that take one)
 * in format f (NULL: detect it) and hand each STIX object made to sink. Counts go to rep
 * (zeroed first). Returns 0 (notes do not fail a read), SOL_EIO when the input cannot be
 * read, SOL_ESYNTAX / SOL_EINVALID when it is not in the format (err says where), or
 * what the sink returned. *used (may be NULL) gets the format read.
 */
SOL_API int sol_format_import(const struct sol_format *f, const char *path,
                              const struct sol_import_options *o,
                              const struct sol_import_sink *sink, struct sol_import_report *rep,
                              const struct sol_format **used, struct sol_error *err);

/* The same for n bytes in memory named name (never a directory). */
SOL_API int sol_format_import_mem(const struct sol_format *f, const char *name, const char *p,
                                  size_t n, const struct sol_import_options *o,
                                  const struct sol_import_sink *sink, struct sol_import_report *rep,
                                  struct sol_error *err);

/*
 * Write what filter f selects (set it with sol_access_filter() for the asker) in format
 * fmt to out. Returns 0 or a negative code (err says why).
 */
SOL_API int sol_format_export(const struct sol_format *fmt, struct sol_store *s,
                              const struct sol_object_filter *f, const struct sol_export_options *o,
                              const struct sol_export_sink *out, struct sol_export_report *rep,
                              struct sol_error *err);

/*
 * Warninglists (the MISP warninglist format): lists of values known to be benign. Types
 * "string" (exact), "hostname" (the name and its subdomains), "cidr" (addresses within),
 * "substring" and "regex" (checked with PCRE2).
 */
struct sol_warninglists;
SOL_API struct sol_warninglists *sol_warninglists_new(void);
SOL_API void sol_warninglists_free(struct sol_warninglists *w);
/*
 * Add one list from its JSON (parsed). Returns 0, or SOL_EINVALID when it is not a
 * warninglist (err says which member is wrong). *name (may be NULL) gets its name.
 */
SOL_API int sol_warninglists_add(struct sol_warninglists *w, const struct sol_json *list,
                                 struct sol_error *err);
/* Load every warninglist kept in the store (added by `import --format warninglist`). */
SOL_API int sol_warninglists_load(struct sol_warninglists *w, struct sol_store *s,
                                  struct sol_error *err);
/* Keep one warninglist (its JSON text) in the store, replacing one of the same name. */
SOL_API int sol_warninglists_store(struct sol_store *s, const struct sol_json *list,
                                   struct sol_error *err);
/* How many lists and values are loaded. */
SOL_API size_t sol_warninglists_count(const struct sol_warninglists *w, size_t *values);
/*
 * The name of the first list on which the value of an atom of kind k is, or NULL. The
 * value is compared as the list's type says (domains in lower case).
 */
SOL_API const char *sol_warninglists_match(const struct sol_warninglists *w, enum sol_atom_kind k,
                                           const char *value, size_t n);
/* The same for a value seen in a log by its STIX object type and property (scan). */
SOL_API const char *sol_warninglists_match_observed(const struct sol_warninglists *w,
                                                    struct sol_str object_type,
                                                    struct sol_str property, struct sol_str value);

/*
 * The scan's warninglist check, decided when indicators are loaded: an indicator whose
 * pattern is a list of values (sol_format_atoms()) is matched only on its values that are
 * on no warninglist. Returns 0 (keep obj as it is), 1 (*out is obj with a pattern of the
 * other values, parsed into doc), 2 (every value is on a list: *list names the first;
 * raise no sighting of it), or SOL_ENOMEM. Other patterns are kept as they are.
 */
SOL_API int sol_warninglists_indicator(const struct sol_warninglists *w, const struct sol_json *obj,
                                       struct sol_json_doc *doc, const struct sol_json **out,
                                       const char **list);

/*
 * Feeds: the exports served over HTTP at /feeds/<collection>/<format>[/<part>], with the
 * same authentication, grants and TLP policy as TAXII, and ETag / If-None-Match. No
 * sockets here: src/http/ hands a request in and sends the response out.
 */
struct sol_feed_request {
    const char *method;        /* GET or HEAD */
    const char *path;          /* "/feeds/<collection>/<format>[/<part>]", raw */
    const char *query;         /* "only=domain-name,url", or NULL */
    const char *authorization; /* the Authorization header, or NULL */
    const char *if_none_match; /* the If-None-Match header, or NULL */
};
struct sol_feed_response {
    int status;
    const char *content_type; /* static */
    struct sol_buf body;
    char etag[72];       /* "\"<hex>\"", or "" */
    bool challenge;      /* 401: send WWW-Authenticate */
    char principal[128]; /* for the log */
};
SOL_API void sol_feed_response_init(struct sol_feed_response *r);
SOL_API void sol_feed_response_clear(struct sol_feed_response *r);
/* Answer one feed request against the store s (owned by the calling thread). */
SOL_API int sol_feed_handle(struct sol_store *s, const struct sol_feed_request *req,
                            struct sol_feed_response *resp);

#endif
