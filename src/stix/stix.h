/*
 * stix/stix.h — what the files of the STIX module share (prefix sol__).
 *
 * The validator is table-driven: each object type (types.c) lists its properties
 * with a kind (string, timestamp, reference, vocabulary, ...), and the engine
 * (validate.c) walks an object's members against that table. Rules that tie several
 * properties together are functions beside the tables.
 */
#ifndef SOLIDARITY_STIX_INTERNAL_H
#define SOLIDARITY_STIX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/json.h"
#include "solidarity/stix.h"

/* An open vocabulary (…-ov) or enumeration (…-enum) of §10. */
struct sol__vocab {
    const char *name;    /* "indicator-type-ov" */
    const char *section; /* "10.10" */
    bool closed;         /* an enumeration: values outside it are errors, not warnings */
    const char *const *values;
};

bool sol__vocab_has(const struct sol__vocab *v, const char *s, size_t n);

extern const struct sol__vocab sol__vocab_account_type_ov;                    /* §10.1 */
extern const struct sol__vocab sol__vocab_attack_motivation_ov;               /* §10.2 */
extern const struct sol__vocab sol__vocab_attack_resource_level_ov;           /* §10.3 */
extern const struct sol__vocab sol__vocab_encryption_algorithm_enum;          /* §10.4 */
extern const struct sol__vocab sol__vocab_extension_type_enum;                /* §10.5 */
extern const struct sol__vocab sol__vocab_grouping_context_ov;                /* §10.6 */
extern const struct sol__vocab sol__vocab_hash_algorithm_ov;                  /* §10.7 */
extern const struct sol__vocab sol__vocab_identity_class_ov;                  /* §10.8 */
extern const struct sol__vocab sol__vocab_implementation_language_ov;         /* §10.9 */
extern const struct sol__vocab sol__vocab_indicator_type_ov;                  /* §10.10 */
extern const struct sol__vocab sol__vocab_industry_sector_ov;                 /* §10.11 */
extern const struct sol__vocab sol__vocab_infrastructure_type_ov;             /* §10.12 */
extern const struct sol__vocab sol__vocab_malware_capabilities_ov;            /* §10.13 */
extern const struct sol__vocab sol__vocab_malware_result_ov;                  /* §10.14 */
extern const struct sol__vocab sol__vocab_malware_type_ov;                    /* §10.15 */
extern const struct sol__vocab sol__vocab_network_socket_address_family_enum; /* §10.16 */
extern const struct sol__vocab sol__vocab_network_socket_type_enum;           /* §10.17 */
extern const struct sol__vocab sol__vocab_opinion_enum;                       /* §10.18 */
extern const struct sol__vocab sol__vocab_pattern_type_ov;                    /* §10.19 */
extern const struct sol__vocab sol__vocab_processor_architecture_ov;          /* §10.20 */
extern const struct sol__vocab sol__vocab_region_ov;                          /* §10.21 */
extern const struct sol__vocab sol__vocab_report_type_ov;                     /* §10.22 */
extern const struct sol__vocab sol__vocab_threat_actor_type_ov;               /* §10.23 */
extern const struct sol__vocab sol__vocab_threat_actor_role_ov;               /* §10.24 */
extern const struct sol__vocab sol__vocab_threat_actor_sophistication_ov;     /* §10.25 */
extern const struct sol__vocab sol__vocab_tool_type_ov;                       /* §10.26 */
extern const struct sol__vocab sol__vocab_windows_integrity_level_enum;       /* §10.27 */
extern const struct sol__vocab sol__vocab_windows_pebinary_type_ov;           /* §10.28 */
extern const struct sol__vocab sol__vocab_windows_registry_datatype_enum;     /* §10.29 */
extern const struct sol__vocab sol__vocab_windows_service_start_type_enum;    /* §10.30 */
extern const struct sol__vocab sol__vocab_windows_service_type_enum;          /* §10.31 */
extern const struct sol__vocab sol__vocab_windows_service_status_enum;        /* §10.32 */

/* The kinds of property value the engine knows how to check. */
enum sol__pk {
    PK_STRING = 1,
    PK_TIMESTAMP,
    PK_BOOL,
    PK_INT,   /* integer within [min, max] */
    PK_FLOAT, /* number within [min, max] */
    PK_REF,   /* identifier; arg: the allowed types ("identity", "@sdo", "@sco", ...) */
    PK_REF_LIST,
    PK_STRING_LIST,
    PK_OV, /* open vocabulary or enumeration; arg: struct sol__vocab */
    PK_OV_LIST,
    PK_HASHES,          /* §2.7 */
    PK_KILL_CHAIN_LIST, /* §2.11 */
    PK_EXTREF_LIST,     /* §2.5 */
    PK_DICT,            /* §2.3 */
    PK_HEX,             /* §2.8 */
    PK_BINARY,          /* §2.1 */
    PK_GRANULAR_LIST,   /* §7.2.3 */
    PK_EXTENSIONS,      /* §3.2, §7.3 */
    PK_STRUCT,          /* a nested object; arg: struct sol__struct_def */
    PK_STRUCT_LIST,
    PK_LANG, /* RFC 5646 tag */
    PK_LANG_LIST,
    PK_RESERVED, /* must not be present (§3.8) */
    PK_ANY,      /* checked by the type's own function */
    PK_TYPE,
    PK_ID,
    PK_SPEC_VERSION,
    /* Element kinds of the lists above, reached through check_list(). */
    PK_KILL_CHAIN, /* §2.11 */
    PK_EXTREF,     /* §2.5 */
    PK_GRANULAR,   /* §7.2.3 */
};

/* Property flags. */
enum {
    SP_REQ = 1,     /* required in STIX 2.1 */
    SP_REQ20 = 2,   /* required in STIX 2.0 */
    SP_ONLY21 = 4,  /* not defined in STIX 2.0 */
    SP_ONLY20 = 8,  /* not defined in STIX 2.1 */
    SP_MILLIS = 16, /* timestamp with at least millisecond precision (§3.2) */
    SP_DEPRECATED = 32,
};
#define SP_REQ_BOTH (SP_REQ | SP_REQ20)

struct sol__vctx;
typedef void (*sol__check_fn)(struct sol__vctx *c, const struct sol_json *obj);

struct sol__prop {
    const char *name;
    uint8_t kind;  /* enum sol__pk */
    uint8_t flags; /* SP_* */
    const void *arg;
    double min, max; /* PK_INT, PK_FLOAT; both 0 means no range */
};

/* A nested object type: kill-chain-phase, email-mime-part-type, an SCO extension... */
struct sol__struct_def {
    const char *name;    /* "windows-pebinary-ext" */
    const char *section; /* "6.7.6" */
    const struct sol__prop *props;
    sol__check_fn check; /* NULL or extra rules */
    bool at_least_one;   /* "MUST contain at least one property from this ..." */
};

enum sol__class {
    CLS_SDO = 1,
    CLS_SRO,
    CLS_SCO,
    CLS_LANGUAGE_CONTENT,
    CLS_MARKING_DEFINITION,
    CLS_EXTENSION_DEFINITION,
};

/* Versions a type exists in. */
enum { TV_20 = 1, TV_21 = 2, TV_BOTH = 3 };

struct sol__ext_def {
    const char *key; /* "ntfs-ext" */
    const struct sol__struct_def *def;
};

struct sol__type_def {
    const char *type;
    uint8_t cls;      /* enum sol__class */
    uint8_t versions; /* TV_* */
    const char *section;
    const struct sol__prop *props; /* specific properties, ended by {NULL} */
    sol__check_fn check;
    const char *const *id_contrib;   /* SCOs: ID contributing properties (§3.4) */
    const struct sol__ext_def *exts; /* SCOs: predefined extensions */
    bool at_least_one;               /* SCOs that need one specific property */
};

/* The validation context. */
struct sol__vctx {
    const struct sol_stix_options *opt;
    struct sol_stix_report *rep;
    unsigned version; /* 20 or 21 */
    int syserr;       /* SOL_ENOMEM once allocation failed */
    char path[256];
    size_t pathlen;
    size_t obj_pathlen; /* where the object's own path ends */
    char obj_id[128];
    const struct sol__type_def *td;   /* type of the current object, or NULL */
    const struct sol_json *container; /* an observable container when validating inside one */
    bool toplevel_ext;                /* the object declares a toplevel-property-extension */
    const struct sol_json *root;      /* the object granular marking selectors start from */
    const char *sect;                 /* the section that defines the property being checked */
    unsigned depth;
};

const struct sol__type_def *sol__stix_type_find(const char *type, size_t n);
extern const struct sol__prop sol__common_sdo[];
extern const struct sol__prop sol__common_sco[];
extern const struct sol__prop sol__common_language_content[];
extern const struct sol__prop sol__common_marking_definition[];
extern const struct sol__prop sol__common_extension_definition[];
extern const struct sol__struct_def sol__kill_chain_phase_def;

/* Findings. fmt is printf-style; the path is the context's current path. */
void sol__err(struct sol__vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sol__warn(struct sol__vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Path handling: push returns the old length to give back to pop. */
size_t sol__push_key(struct sol__vctx *c, const char *key, size_t n);
void sol__pop(struct sol__vctx *c, size_t len);

/* Checks shared by the engine and the type functions. */
/* Compare two timestamp members: later must be >= (or > when strict) earlier. */
void sol__check_order(struct sol__vctx *c, const struct sol_json *obj, const char *earlier,
                      const char *later, bool strict, const char *section);
bool sol__has(const struct sol_json *obj, const char *key);
/* The type part of an identifier string ("indicator" of "indicator--..."), or {NULL,0}. */
struct sol_str sol__id_type(struct sol_str id);
bool sol__lang_ok(const char *s, size_t n);

/* Observed-data (types.c): the rules that decide how it is read as observations. */
void sol__check_observation_frame(struct sol__vctx *c, const struct sol_json *obj);

/*
 * The kind (enum sol__pk) of the property of an SCO of type type reached by keys: keys[0]
 * a property of the type (or "extensions", keys[1] a predefined extension and keys[2] its
 * property), later keys into nested objects. 0 when the type or a key is not in the
 * tables of §6 (custom properties, custom types).
 */
enum sol__pk sol__sco_property_kind(struct sol_str type, const struct sol_str *keys, size_t nkeys,
                                    unsigned version);

/*
 * Whether v is not a STIX timestamp (§2.16: a string, UTC with "Z"); when it is not, the
 * validator's own message for it goes into msg (msg_n bytes).
 */
bool sol__timestamp_invalid(const struct sol_json *v, char *msg, size_t msg_n);

/* Rules in other files: marking definitions (tlp.c), observable containers and IP
 * values (validate.c). */
void sol__check_marking_definition(struct sol__vctx *c, const struct sol_json *obj);
void sol__check_observable_container(struct sol__vctx *c, const struct sol_json *objects);
bool sol__ip_value_ok(const char *s, size_t n, int family);

/*
 * The TLP levels, once: X(level, word, name, TLP 2.0 marking-definition id, TLP 1.0 word,
 * TLP 1.0 marking-definition id), in the order of enum sol_tlp (stix.h; tlp.c checks it).
 * TLP 2.0 ids: the OASIS extension SOL__TLP2_EXTENSION_ID; TLP 1.0: STIX 2.1 §7.2.1.4,
 * which has no AMBER+STRICT (NULL) and calls CLEAR "white".
 */
#define SOL__TLP_LEVELS(X)                                                                         \
    X(SOL_TLP_CLEAR, "clear", "TLP:CLEAR",                                                         \
      "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "white",                         \
      "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9")                                  \
    X(SOL_TLP_GREEN, "green", "TLP:GREEN",                                                         \
      "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green",                         \
      "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da")                                  \
    X(SOL_TLP_AMBER, "amber", "TLP:AMBER",                                                         \
      "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber",                         \
      "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82")                                  \
    X(SOL_TLP_AMBER_STRICT, "amber+strict", "TLP:AMBER+STRICT",                                    \
      "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", NULL, NULL)                      \
    X(SOL_TLP_RED, "red", "TLP:RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",   \
      "red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed")

/* Whether a TLP 2.0 level word ("clear" ... "red", exact) names a level (tlp.c). */
bool sol__tlp2_word_ok(struct sol_str word);
#define SOL__TLP2_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/*
 * The hash algorithms, once: X(id, name, name_20, hex, alias).
 *   name     the spelling of STIX 2.1 §10.7 hash-algorithm-ov (SOL__HASH_ALGORITHMS_21,
 *            in the vocabulary's order), or of STIX 2.0 Part 2 §6.3 hash-algorithm-ov for
 *            the algorithms 2.1 dropped (SOL__HASH_ALGORITHMS_20)
 *   name_20  the spelling of STIX 2.0's vocabulary, NULL when it is not in it
 *   hex      the hex digits of a digest; 0 when a value is not a fixed-length hex string
 *            (SSDEEP and TLSH have their own forms, MD6 digests vary in length)
 *   alias    one more spelling feeds use, or NULL
 */
#define SOL__HASH_ALGORITHMS_21(X)                                                                 \
    X(MD5, "MD5", "MD5", 32, NULL)                                                                 \
    X(SHA_1, "SHA-1", "SHA-1", 40, NULL)                                                           \
    X(SHA_256, "SHA-256", "SHA-256", 64, "SHA2-256")                                               \
    X(SHA_512, "SHA-512", "SHA-512", 128, "SHA2-512")                                              \
    X(SHA3_256, "SHA3-256", "SHA3-256", 64, NULL)                                                  \
    X(SHA3_512, "SHA3-512", "SHA3-512", 128, NULL)                                                 \
    X(SSDEEP, "SSDEEP", "ssdeep", 0, NULL)                                                         \
    X(TLSH, "TLSH", NULL, 0, NULL)
#define SOL__HASH_ALGORITHMS_20(X)                                                                 \
    X(MD6, "MD6", "MD6", 0, NULL)                                                                  \
    X(RIPEMD_160, "RIPEMD-160", "RIPEMD-160", 40, NULL)                                            \
    X(SHA_224, "SHA-224", "SHA-224", 56, NULL)                                                     \
    X(SHA_384, "SHA-384", "SHA-384", 96, NULL)                                                     \
    X(SHA3_224, "SHA3-224", "SHA3-224", 56, NULL)                                                  \
    X(SHA3_384, "SHA3-384", "SHA3-384", 96, NULL)                                                  \
    X(WHIRLPOOL, "WHIRLPOOL", "WHIRLPOOL", 128, NULL)

enum sol__hash_alg {
    SOL__HASH_NONE = 0,
#define SOL__HASH_ENUM(id, name, name_20, hex, alias) SOL__HASH_##id,
    SOL__HASH_ALGORITHMS_21(SOL__HASH_ENUM) SOL__HASH_ALGORITHMS_20(SOL__HASH_ENUM)
#undef SOL__HASH_ENUM
        SOL__HASH_COUNT
};

struct sol__hash_alg_def {
    const char *name, *name_20, *alias;
    size_t hex;
    bool in_21; /* in STIX 2.1's hash-algorithm-ov */
};
/* Indexed by enum sol__hash_alg; row SOL__HASH_NONE is all zero (hashes.c). */
extern const struct sol__hash_alg_def sol__hash_algs[SOL__HASH_COUNT];

/* The algorithm whose name is exactly name (2.1's spelling, or 2.0's for the algorithms
 * 2.1 dropped), or SOL__HASH_NONE. */
enum sol__hash_alg sol__hash_alg_exact(struct sol_str name);
/* The algorithm whose STIX 2.0 spelling is exactly name, or SOL__HASH_NONE. */
enum sol__hash_alg sol__hash_alg_exact_20(struct sol_str name);
/* The algorithm name means under any spelling feeds use: its name, 2.0 name or alias,
 * in any case, with or without '-', '_' and ' ' ("sha256", "SHA_256", "SHA2-256"). */
enum sol__hash_alg sol__hash_alg_loose(struct sol_str name);
/* The first algorithm of 2.1's vocabulary whose digests have hex hex digits (MD5, SHA-1,
 * SHA-256, SHA-512), or SOL__HASH_NONE. */
enum sol__hash_alg sol__hash_alg_of_hex_len(size_t hex);
/* Whether v is a well-formed value of algorithm a (§10.7): its hex digits in either
 * case; SSDEEP blocksize:hash:hash; TLSH 70 hex digits, optionally after "T1". True for
 * SOL__HASH_NONE and for MD6, whose form is not fixed. */
bool sol__hash_value_ok(enum sol__hash_alg a, struct sol_str v);

/* The pattern checker hook (validate.c): NULL means sol__pattern_check, which parses
 * with src/pattern (STIX 2.1 §9). */
extern sol_stix_pattern_check_fn sol__pattern_checker;
int sol__pattern_check(const char *pattern, size_t n, unsigned stix_version, bool strict, char *why,
                       size_t why_n);

#endif
