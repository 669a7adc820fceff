/*
 * pattern.h — STIX Patterning (STIX 2.1 §9, and the STIX 2.0 dialect): parse and check
 * pattern text into a public syntax tree, print the tree, and evaluate a pattern against
 * a set of observations with the reference evaluator.
 *
 * Ownership: a struct sol_pattern owns its whole tree, every string in it and every
 * compiled regular expression; everything reachable from sol_pattern_root() stays valid
 * until sol_pattern_free(). The tree is read-only: walk it, never change it. A
 * struct sol_observation_set borrows the JSON values it is built from (they must outlive
 * it) and owns only its index. A struct sol_pattern_result owns its arrays; release them
 * with sol_pattern_result_free().
 *
 * Columns: every column in this module (errors, warnings, tree nodes) counts BYTES of the
 * pattern text from 1, like struct sol_error does everywhere else. The pattern text must be
 * UTF-8; for ASCII patterns (all the spec's examples) bytes and characters coincide.
 *
 * Thread safety: a parsed pattern may be evaluated by several threads at once.
 */
#ifndef SOLIDARITY_PATTERN_H
#define SOLIDARITY_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

struct sol_json;

/* Parsing options. Zero fields take the defaults (a NULL options pointer too). */
struct sol_pattern_options {
    unsigned stix_version; /* 20 or 21; 0 means 21 */
    bool strict;           /* report unknown object types and properties, and non-canonical
                              forms, as warnings (see sol_pattern_warning()); AND across
                              object types is an error rather than a warning */
    size_t max_length;     /* longest pattern text in bytes; default 65536 */
    size_t max_depth;      /* deepest nesting of brackets and parentheses; default 64,
                              at most 1000 */
    size_t max_list;       /* most constants in one IN list; default 4096 */
    uint32_t max_repeats;  /* largest REPEATS count; default 1000 */
};

#define SOL_PATTERN_DEFAULT_MAX_LENGTH  65536
#define SOL_PATTERN_DEFAULT_MAX_DEPTH   64
#define SOL_PATTERN_DEFAULT_MAX_LIST    4096
#define SOL_PATTERN_DEFAULT_MAX_REPEATS 1000
/* A pattern whose one match needs more observations than this is refused (SOL_ELIMIT). */
#define SOL_PATTERN_MAX_BINDING 1000

/*
 * The syntax tree.
 *
 * A pattern is a tree of observation expressions (struct sol_pattern_obs). Its leaves are
 * bracketed observation expressions ([ ... ]), each holding a tree of comparison
 * expressions (struct sol_pattern_cmp) whose leaves are single tests: object path,
 * operator, optional NOT, constant. AND/OR/FOLLOWEDBY chains of one operator are n-ary
 * (a AND b AND c is one node with three operands, in source order), so long chains do
 * not make deep trees. Parentheses leave no node of their own. A qualifier is a unary
 * node over the expression it qualifies; `[a] REPEATS 2 TIMES WITHIN 5 SECONDS` is
 * WITHIN(REPEATS([a])).
 *
 * What a compiler of this tree (the scan engine) must reproduce to agree with
 * sol_pattern_match(); sol_pattern_bracket_matches() is the reference for one bracket:
 *  - Every test of one bracket starts from the same SCO (§9.5), whose "type" equals
 *    path.object_type; in STIX 2.0 (sol_pattern_stix_version() == 20) too, as the OASIS
 *    matcher's 2.0 tests read it.
 *  - A path that reaches no value makes its test false whatever the operator and NOT;
 *    only NOT EXISTS is then true. With [*] (or a _refs list) a test holds when any
 *    value reached satisfies it; NOT negates that "any".
 *  - A KEY step after a "_ref" property, or after an element of a "_refs" list reached
 *    by [n] or [*], looks the id (2.1) or key (2.0) up among the observation's objects.
 *  - Types (§9.2, §9.6): a string constant compares by bytes (= code points); int and
 *    float by exact value; bool by = and != only; timestamp constants with string
 *    values that parse as RFC 3339; path.binary values (names ending _bin: base64,
 *    _hex: hex) are decoded and compared as octets with BINARY/HEX constants or with a
 *    STRING's latin1 form (not latin1_ok: incomparable); a BINARY/HEX constant against
 *    a plain string property uses the string's code points as octets. Incomparable
 *    means false, except that != is true.
 *  - LIKE: '%' any run, '_' one code point (octet for path.binary); no escape character;
 *    the constant is already in NFC and a string value is put in NFC too (sol_pattern_nfc(),
 *    so every normal form of the same text matches). MATCHES: PCRE2 search (unanchored)
 *    with regex_utf (UTF, UCP, DOTALL; compiled from the NFC form of the constant, while
 *    ->value keeps it as written) on the NFC form of string values (sol_pattern_nfc()) or
 *    regex_bytes (DOTALL) on decoded binary values; a match limit counts as no match.
 *  - Time: an observation happens at some instant of [first_observed, last_observed]
 *    (§9.1 leaves where open; like the OASIS matcher, each constraint may choose its
 *    own instant): WITHIN w needs max(first) - min(last) < w (exclusive, §9.5.1);
 *    START/STOP needs first < stop and last >= start for each observation; a
 *    FOLLOWEDBY b needs max(first of a) <= min(last of b), and a chain is
 *    left-associative, so every operand follows all before it. An observed-data counts
 *    number_observed times toward AND, FOLLOWEDBY and REPEATS, which bind distinct
 *    observations.
 */

/* Observation expression kinds (STIX 2.1 §9.5). */
enum sol_pattern_obs_kind {
    SOL_POBS_BRACKET = 1, /* [ comparison expression ]: ->cmp */
    SOL_POBS_AND,         /* distinct observations, all operands: ->kids */
    SOL_POBS_OR,          /* any one operand: ->kids */
    SOL_POBS_FOLLOWEDBY,  /* operands in time order: ->kids */
    SOL_POBS_WITHIN,      /* ->kids[0] within ->within_us microseconds */
    SOL_POBS_REPEATS,     /* ->kids[0] on ->repeats distinct observations */
    SOL_POBS_STARTSTOP    /* ->kids[0] observed in [->start, ->stop) */
};

/* Comparison expression kinds (STIX 2.1 §9.6). */
enum sol_pattern_cmp_kind {
    SOL_PCMP_AND = 1, /* ->kids, all true on the same object */
    SOL_PCMP_OR,      /* ->kids, any true */
    SOL_PCMP_TEST     /* ->path ->op ->negated ->value */
};

/* Comparison operators (STIX 2.1 §9.6.1). */
enum sol_pattern_op {
    SOL_POP_EQ = 1,
    SOL_POP_NE,
    SOL_POP_LT,
    SOL_POP_LE,
    SOL_POP_GT,
    SOL_POP_GE,
    SOL_POP_IN,         /* ->value is a LIST */
    SOL_POP_LIKE,       /* ->value is a STRING */
    SOL_POP_MATCHES,    /* ->value is a STRING; compiled forms in ->regex_utf / ->regex_bytes */
    SOL_POP_ISSUBSET,   /* ->value is a STRING holding an IP address or CIDR; ->net parsed */
    SOL_POP_ISSUPERSET, /* as ISSUBSET */
    SOL_POP_EXISTS      /* no ->value (kind 0) */
};

/* Constant kinds (STIX 2.1 §9.2). */
enum sol_pattern_const_kind {
    SOL_PCONST_STRING = 1, /* ->bytes: the unescaped UTF-8 text */
    SOL_PCONST_INT,        /* ->i */
    SOL_PCONST_FLOAT,      /* ->f */
    SOL_PCONST_BOOL,       /* ->b */
    SOL_PCONST_BINARY,     /* ->bytes: the decoded octets of b'...' */
    SOL_PCONST_HEX,        /* ->bytes: the decoded octets of h'...' */
    SOL_PCONST_TIMESTAMP,  /* ->t (microseconds), ->t_digits fraction digits written */
    SOL_PCONST_LIST        /* ->items, ->nitems (IN only; may be empty) */
};

struct sol_pattern_const {
    enum sol_pattern_const_kind kind;
    unsigned column;       /* where the constant starts in the pattern text */
    struct sol_str bytes;  /* STRING, BINARY, HEX: NUL-terminated too, may hold NULs */
    bool latin1_ok;        /* STRING: every code point < U+0100, so it converts to octets */
    struct sol_str latin1; /* STRING with latin1_ok: those octets (§9.6.4) */
    int64_t i;
    double f;
    bool b;
    sol_time_t t;
    unsigned t_digits;
    const struct sol_pattern_const *items;
    size_t nitems;
};

/* One step of an object path after the object type (STIX 2.1 §9.7). */
enum sol_pattern_step_kind {
    SOL_PSTEP_KEY = 1, /* .name or .'quoted name' (the first property too): ->key */
    SOL_PSTEP_INDEX,   /* [n]: ->index (may be negative; never matches then) */
    SOL_PSTEP_ANY      /* [*] */
};

struct sol_pattern_step {
    enum sol_pattern_step_kind kind;
    struct sol_str key;
    int64_t index;
    unsigned column;
};

/*
 * An object path: object_type ':' steps. steps[0] is always a KEY (the property name).
 * A KEY step applied to the value of a property whose name ends in "_ref" (or to an
 * element of a list whose name ends in "_refs") dereferences it first (§9.7.4).
 * binary is true when the last KEY ends in "_bin" or "_hex" (§9.6.4), hex for "_hex".
 */
struct sol_pattern_path {
    struct sol_str object_type;
    const struct sol_pattern_step *steps;
    size_t nsteps;
    bool binary;
    bool hex;
    unsigned column;
};

/* An IP network parsed from an ISSUBSET/ISSUPERSET constant: 4 or 16 octets and a prefix. */
struct sol_pattern_net {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix; /* 0..32 or 0..128 */
    uint8_t addr[16];
};

struct sol_pattern_cmp {
    enum sol_pattern_cmp_kind kind;
    unsigned column;
    struct sol_pattern_cmp *const *kids; /* AND, OR */
    size_t nkids;
    /* TEST: */
    enum sol_pattern_op op;
    bool negated; /* NOT before the operator */
    struct sol_pattern_path path;
    struct sol_pattern_const value;
    struct sol_pattern_net net; /* ISSUBSET, ISSUPERSET */
    const void *regex_utf;      /* MATCHES: pcre2_code * compiled with UTF|DOTALL, or NULL */
    const void *regex_bytes;    /* MATCHES: pcre2_code * compiled with DOTALL only, or NULL */
};

struct sol_pattern_obs {
    enum sol_pattern_obs_kind kind;
    unsigned column;
    struct sol_pattern_obs *const *kids; /* AND, OR, FOLLOWEDBY: nkids >= 2; qualifiers: 1 */
    size_t nkids;
    const struct sol_pattern_cmp *cmp; /* BRACKET */
    uint32_t bracket_index;            /* BRACKET: 0, 1, ... in source order */
    sol_time_t within_us;              /* WITHIN: > 0, microseconds (fractions kept) */
    double within_seconds;             /* WITHIN: as written */
    uint32_t repeats;                  /* REPEATS: >= 1 */
    sol_time_t start, stop;            /* STARTSTOP: start < stop, or (with a warning) an
                                          empty window that never matches */
};

struct sol_pattern;

/*
 * Parse and check n bytes of pattern text. On success *out is a new pattern (free it
 * with sol_pattern_free()). On failure *out is NULL and the result is SOL_ESYNTAX (the
 * text is not a valid pattern: err->column and err->msg say where and what, e.g.
 * "expected ']' to close the observation expression opened at column 1"), SOL_ELIMIT
 * (a limit of opt was exceeded) or SOL_ENOMEM. err->msg never repeats the column.
 */
SOL_API int sol_pattern_parse(const char *text, size_t n, const struct sol_pattern_options *opt,
                              struct sol_pattern **out, struct sol_error *err);

/* Free a pattern and its tree. NULL does nothing. */
SOL_API void sol_pattern_free(struct sol_pattern *p);

/* The root of the tree (never NULL for a parsed pattern). */
SOL_API const struct sol_pattern_obs *sol_pattern_root(const struct sol_pattern *p);

/* The STIX version the pattern was parsed for (20 or 21). */
SOL_API unsigned sol_pattern_stix_version(const struct sol_pattern *p);

/*
 * Warnings found while parsing: with options.strict, unknown names, non-canonical
 * forms ('==', '<>') and a qualifier after the last of several observation expressions
 * (it qualifies that one alone); always, valid text that can never match (comparisons
 * joined by AND on different object types, an error under strict in 2.1; START not
 * before STOP). How many,
 * and the i-th one's
 * message (owned by p) and column. Out of range returns NULL.
 */
SOL_API size_t sol_pattern_warning_count(const struct sol_pattern *p);
SOL_API const char *sol_pattern_warning(const struct sol_pattern *p, size_t i, unsigned *column);

/*
 * Append the tree to out, one node per line, two spaces of indent per level, for
 * golden tests and people. Returns 0 or SOL_ENOMEM.
 */
SOL_API int sol_pattern_dump(const struct sol_pattern *p, struct sol_buf *out);

/*
 * Observations (STIX 2.1 §9.1): one observed-data object stands for number_observed
 * observations between first_observed and last_observed.
 *
 * objects are the SCOs of the observation, sorted by key (bytes, shorter first; see
 * sol_observation_sort_objects()): for 2.0-style observed-data the keys of its "objects"
 * dictionary, for 2.1-style the ids listed in "object_refs" that were found. References
 * (_ref, _refs) resolve only among them (§9.7.4).
 */
struct sol_observation_object {
    struct sol_str key;
    const struct sol_json *value; /* a JSON object */
};

struct sol_observation {
    struct sol_str id; /* the observed-data id ("" when it has none) */
    sol_time_t first_observed, last_observed;
    uint64_t number_observed; /* >= 1 */
    const struct sol_observation_object *objects;
    size_t nobjects;
};

/* Sort objects by key as struct sol_observation requires. */
SOL_API void sol_observation_sort_objects(struct sol_observation_object *objects, size_t n);

/*
 * A set of observations built from parsed STIX JSON. The JSON values are borrowed and
 * must outlive the set.
 */
struct sol_observation_set;

/* A new empty set, or NULL on no memory. */
SOL_API struct sol_observation_set *sol_observation_set_new(void);

/* Free a set. NULL does nothing. */
SOL_API void sol_observation_set_free(struct sol_observation_set *s);

/*
 * Add the observed-data found in root: a bundle ({"type":"bundle","objects":[...]}), an
 * array of STIX objects, or one observed-data object. Every object with an id is indexed,
 * so that a later sol_observation_set_finish() can resolve 2.1 object_refs to SCOs given
 * in any file added before it. Each observed-data must pass sol_stix_validate_observation()
 * (stix.h; the version as the validator detects it in root): otherwise SOL_EINVALID with
 * the validator's first error, its JSON path in err->path. SOL_ENOMEM.
 */
SOL_API int sol_observation_set_add_json(struct sol_observation_set *s, const struct sol_json *root,
                                         struct sol_error *err);

/*
 * Resolve object_refs and build the observations. Call once after the last add.
 * An object_refs id without its object is skipped (that object is "not found", §9.7.4).
 */
SOL_API int sol_observation_set_finish(struct sol_observation_set *s, struct sol_error *err);

/* The observations of a finished set, in the order they were added. */
SOL_API const struct sol_observation *sol_observation_set_items(const struct sol_observation_set *s,
                                                                size_t *n);

/* The result of an evaluation. */
struct sol_pattern_result {
    bool matched;
    /*
     * Indexes into the observation array of the observations that satisfy the pattern,
     * ascending and without repeats. For a pattern whose every match is one observation
     * (brackets joined by OR, with START/STOP or WITHIN) it
     * is every such observation. For a pattern that may need several observations (AND,
     * FOLLOWEDBY, REPEATS) it is the observations of the first complete
     * binding found: a witness, not every possible one.
     */
    size_t *obs;
    size_t nobs;
    unsigned regex_limit_hits; /* MATCHES that hit PCRE2's match limit (counted as no match) */
    uint64_t steps;            /* search steps taken (for tests and benchmarks) */
};

/* Evaluation options: zero fields take the defaults. */
struct sol_pattern_match_options {
    uint64_t max_steps;         /* search budget; default 10,000,000; past it: SOL_ELIMIT */
    uint32_t regex_match_limit; /* PCRE2 match limit; default 100,000 */
};

/*
 * Evaluate p against n observations. Returns 0 with res filled (res->matched false when
 * nothing matched), SOL_ELIMIT when the search budget ran out (res->matched false),
 * SOL_EINVALID when the input is invalid where a comparison needs it valid (a timestamp
 * constant against a property STIX defines as a timestamp whose value is not one, as the
 * validator would say; err->msg names the observed-data, the object and the property),
 * or SOL_ENOMEM. res must be zeroed or previously freed; free it with
 * sol_pattern_result_free(). opt may be NULL.
 */
SOL_API int sol_pattern_match(const struct sol_pattern *p, const struct sol_observation *obs,
                              size_t n, const struct sol_pattern_match_options *opt,
                              struct sol_pattern_result *res, struct sol_error *err);

/*
 * Does observation o satisfy the bracketed observation expression b (a node of p's tree
 * of kind SOL_POBS_BRACKET)? Time, qualifiers and number_observed play no part: this is
 * the first stage of sol_pattern_match(), exposed so that a fast matcher can check
 * itself against the reference. Returns 1 or 0, or SOL_EINVAL / SOL_EINVALID (as
 * sol_pattern_match()) / SOL_ENOMEM.
 */
SOL_API int sol_pattern_bracket_matches(const struct sol_pattern *p,
                                        const struct sol_pattern_obs *b,
                                        const struct sol_observation *o);

/* Release the arrays of a result and zero it. NULL does nothing. */
SOL_API void sol_pattern_result_free(struct sol_pattern_result *res);

/*
 * Append the Unicode NFC form of n bytes of UTF-8 at s to out (STIX 2.1 §9.6.1 asks for
 * it on LIKE constants, which the parser applies, on MATCHES constants, and on the string
 * values LIKE and MATCHES test, which the evaluator applies). Returns 0; SOL_EUNSUPPORTED when this
 * build has no ICU, after appending s unchanged; SOL_ENOMEM.
 */
SOL_API int sol_pattern_nfc(const char *s, size_t n, struct sol_buf *out);

/* Names for messages and dumps: "=", "ISSUBSET", "FOLLOWEDBY", "string", ... */
SOL_API const char *sol_pattern_op_name(enum sol_pattern_op op);
SOL_API const char *sol_pattern_obs_kind_name(enum sol_pattern_obs_kind k);
SOL_API const char *sol_pattern_const_kind_name(enum sol_pattern_const_kind k);

#endif
