/*
 * stix.h — STIX 2.1 objects: validation against the OASIS specification, TLP
 * markings, the metadata the store and TAXII need, and deterministic SCO ids.
 *
 * Ownership: every function here only reads the parsed JSON it is given. Views it
 * returns (struct sol_str in struct sol_stix_meta) point into that JSON and stay
 * valid as long as the document does. A struct sol_stix_report owns its findings;
 * release them with sol_stix_report_free().
 *
 * Sections cited ("§3.2") are those of STIX Version 2.1, OASIS Standard, 10 June
 * 2021, with its Errata 01.
 */
#ifndef SOLIDARITY_STIX_H
#define SOLIDARITY_STIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/util.h"

enum sol_stix_severity { SOL_STIX_ERROR = 1, SOL_STIX_WARNING = 2 };

/* One thing the validator found wrong (an error) or doubtful (a warning). */
struct sol_stix_finding {
    enum sol_stix_severity severity;
    char path[256];           /* where in the document: "objects[12].pattern", "" for the root */
    char object_id[128];      /* the id of the object it concerns ("indicator--..."), or "" */
    char msg[384];            /* what: "required property missing" */
    unsigned object_path_len; /* path[0..object_path_len) is the object's own path */
};

/* The findings of one validation run. */
struct sol_stix_report {
    struct sol_stix_finding *v;
    size_t n, cap;
    size_t errors, warnings; /* counted after --strict promotion */
    size_t objects;          /* STIX objects looked at */
    unsigned version;        /* the version the document was validated as: 20 or 21 */
    bool detected_20;        /* the input itself says STIX 2.0 */
};

/* An empty report. */
SOL_API void sol_stix_report_init(struct sol_stix_report *r);
/* Release the findings of r; it can be reused after sol_stix_report_init(). */
SOL_API void sol_stix_report_free(struct sol_stix_report *r);

/*
 * Format one finding as people read it: "objects[12] (indicator--...): pattern: msg",
 * without the severity. Writes at most n bytes including the NUL; returns buf.
 */
SOL_API char *sol_stix_finding_format(const struct sol_stix_finding *f, char *buf, size_t n);

struct sol_stix_options {
    unsigned version; /* 0 = detect (2.1 unless the input says 2.0), 20, 21 */
    bool strict;      /* warnings count as errors */
};

/*
 * Validate one STIX object; findings are appended to rep with paths prefixed by path
 * ("" or "objects[3]"). opt may be NULL (detect, not strict). Returns 0 if no errors,
 * 1 if errors, < 0 (SOL_ENOMEM) on system error.
 */
SOL_API int sol_stix_validate_object(const struct sol_json *obj, const struct sol_stix_options *opt,
                                     const char *path, struct sol_stix_report *rep);

/*
 * Validate a bundle, a single object, or a JSON array of objects (a TAXII envelope's
 * "objects" too). Same returns as sol_stix_validate_object().
 */
SOL_API int sol_stix_validate_document(const struct sol_json *root,
                                       const struct sol_stix_options *opt,
                                       struct sol_stix_report *rep);

/*
 * The STIX version validation reads root as when not told (20 or 21): 2.1 unless the
 * input says 2.0 (a 2.0 bundle, or SDOs with created and no spec_version).
 */
SOL_API unsigned sol_stix_detect_version(const struct sol_json *root);

/*
 * Check what decides how an observed-data object (§4.14) is read as observations, with
 * the validator's own rules and messages: first_observed and last_observed valid
 * timestamps (§2.16), last not before first (§4.14.1), number_observed in range, and in
 * STIX 2.1 exactly one of objects and object_refs (2.0: objects). Nothing else of the
 * object or its SCOs is checked. `pattern match` and the scan's STIX reader refuse what
 * this refuses, as `validate` does. Same returns and paths as sol_stix_validate_object().
 */
SOL_API int sol_stix_validate_observation(const struct sol_json *od,
                                          const struct sol_stix_options *opt, const char *path,
                                          struct sol_stix_report *rep);

/*
 * The hook for STIX Patterning syntax (§9): checks pattern (n bytes) and returns 0 when
 * it is well formed, 2 when it is well formed but has warnings (why holds them, "; "
 * between; the validator reports them as one warning, an error under strict), else
 * another non-zero value with a reason in why (why_n bytes). The validator
 * calls it for indicators with pattern_type "stix" (and every STIX 2.0 indicator). By
 * default patterns are parsed with sol_pattern_parse() (pattern.h); a checker installed
 * with sol_stix_set_pattern_checker() replaces that, and NULL restores the default. A
 * checker may return SOL_ENOMEM, which makes the validation fail with it.
 */
typedef int (*sol_stix_pattern_check_fn)(const char *pattern, size_t n, unsigned stix_version,
                                         char *why, size_t why_n);
/* Install a pattern checker (NULL: back to the default). Not thread-safe: call at start-up. */
SOL_API void sol_stix_set_pattern_checker(sol_stix_pattern_check_fn fn);

enum sol_tlp {
    SOL_TLP_NONE = 0,
    SOL_TLP_CLEAR = 1,
    SOL_TLP_GREEN = 2,
    SOL_TLP_AMBER = 3,
    SOL_TLP_AMBER_STRICT = 4,
    SOL_TLP_RED = 5
};

/*
 * The TLP level a marking-definition id stands for (TLP 2.0 and 1.0 fixed ids), or
 * SOL_TLP_NONE. The id is compared without regard to case (UUIDs are case-insensitive on
 * input, RFC 4122 §3).
 */
SOL_API enum sol_tlp sol_tlp_of_marking_ref(struct sol_str marking_id);
/*
 * An object's TLP for sharing (access.h): the strictest TLP among its
 * object_marking_refs and the marking_ref of every one of its granular_markings
 * (STIX 2.1 §7.2.2, §7.2.3); SOL_TLP_NONE when it has none.
 */
SOL_API enum sol_tlp sol_stix_object_tlp(const struct sol_json *obj);
/* "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"; "" for NONE. */
SOL_API const char *sol_tlp_name(enum sol_tlp t);
/* "clear", "green", "amber", "amber+strict", "red"; "none" for NONE. */
SOL_API const char *sol_tlp_word(enum sol_tlp t);
/*
 * Parse "clear", "white", "green", "amber", "amber+strict", "red", with or without
 * "TLP:", any case. Returns 0 or SOL_EINVAL.
 */
SOL_API int sol_tlp_parse(const char *s, enum sol_tlp *out);
/* The fixed marking-definition id of a TLP 2.0 level ("marking-definition--..."), or NULL. */
SOL_API const char *sol_tlp_marking_id(enum sol_tlp t);

/*
 * Whether any marking reference of obj (object_marking_refs, granular_markings[].marking_ref)
 * has an upper-case letter.
 */
SOL_API bool sol_stix_markings_need_normalising(const struct sol_json *obj);
/*
 * Write obj to w as it is (members in their order) but with its marking references in lower
 * case: the form the ingest path stores (marking ids are normalised at ingest).
 */
SOL_API void sol_stix_write_normalised(struct sol_json_writer *w, const struct sol_json *obj);

/*
 * What the store and TAXII need from an object. Strings point into obj. Times are
 * microseconds; has_modified is false for objects without "modified" (SCOs,
 * marking-definitions).
 */
struct sol_stix_meta {
    struct sol_str id, type, spec_version;
    sol_time_t created, modified;
    bool has_created, has_modified, revoked;
    enum sol_tlp tlp;
};
/* Fill out from obj. Returns 0, or SOL_EINVALID when id or type is missing or not a string. */
SOL_API int sol_stix_meta(const struct sol_json *obj, struct sol_stix_meta *out);

/*
 * STIX 2.1 §2.9: the deterministic id of an SCO (UUIDv5 in the STIX namespace over the
 * JCS of its id-contributing properties). out gets "type--uuid" appended. Returns 0,
 * SOL_EUNSUPPORTED for an unknown type or one without id contributing properties
 * present (then a v4 is correct), SOL_EINVALID when obj has no string type, or
 * SOL_ENOMEM.
 */
SOL_API int sol_stix_sco_id(const struct sol_json *sco, struct sol_buf *out);

/* Whether type names one of the 18 SCOs, 19 SDOs or 2 SROs of STIX 2.1. */
SOL_API bool sol_stix_is_sco_type(struct sol_str type);
SOL_API bool sol_stix_is_sdo_type(struct sol_str type);
SOL_API bool sol_stix_is_sro_type(struct sol_str type);

#endif
