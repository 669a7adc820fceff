/*
 * formats.h (internal) — what the format siblings share: the import context a reader
 * emits into, the STIX object writer they all use, and the export walk over indicators.
 */
#ifndef SOLIDARITY_FORMATS_INTERNAL_H
#define SOLIDARITY_FORMATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "solidarity/formats.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"

/* The import in progress (formats.c): a reader hands objects and notes to it. */
struct sol__import;

/*
 * Hand one STIX object (JSON text in json) to the sink, after the warninglist check.
 * Returns 0 or the sink's negative code; SOL_EINTERNAL when the text is not JSON (a bug).
 */
int sol__emit(struct sol__import *im, const struct sol_buf *json, const char *where);
/* The same for an object already parsed (the STIX reader). */
int sol__emit_parsed(struct sol__import *im, const struct sol_json *obj, const char *where);
void sol__note(struct sol__import *im, enum sol_import_note kind, const char *where,
               const char *key, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Tell the sink how many objects will come (when the reader knows). */
void sol__import_total(struct sol__import *im, size_t n);
/* Count one unmapped MISP attribute type (or object name) in the report. */
void sol__count_unmapped(struct sol__import *im, const char *type);
/* The options of the import. */
const struct sol_import_options *sol__import_options(const struct sol__import *im);

/* The properties every STIX object made here starts with. */
struct sol__common {
    const char *type;
    const char *id;      /* "type--uuid" */
    sol_time_t created;  /* 0: no created/modified (SCOs) */
    sol_time_t modified; /* 0: created */
    const char *created_by;
    int tlp; /* enum sol_tlp; 0: no marking */
    const char *const *labels;
    size_t n_labels;
    int confidence; /* -1: none */
    bool revoked;
};

/* Begin an object: {"type", "spec_version", "id", "created", "modified", ...; left open. */
void sol__obj_begin(struct sol_json_writer *w, const struct sol__common *c);
/* A timestamp member (STIX: milliseconds, or microseconds when it has them). */
void sol__jw_time(struct sol_json_writer *w, const char *key, sol_time_t t);
/* Append a STIX pattern string constant ('...' with \ and ' escaped, STIX 2.1 §9.2). */
void sol__pattern_string(struct sol_buf *b, const char *s, size_t n);
/* A v5 UUID id "type--uuid" from a name, in solidarity's namespace for made objects. */
void sol__made_id(char *out, size_t n, const char *type, const char *name, size_t name_n);

/* Make one indicator of a plain value (lists, CSV): pattern from kind or path. */
struct sol__plain {
    int kind;         /* enum sol_atom_kind, or SOL_ATOM_OTHER with path */
    const char *path; /* OTHER: "object-type:property" */
    const char *value;
    size_t value_n;
    bool network;
    const char *name;                   /* NULL: the value */
    const char *description;            /* may be NULL */
    sol_time_t valid_from, valid_until; /* 0: options' / none */
    const char *const *labels;
    size_t n_labels;
    int confidence; /* -1: the options' */
};
int sol__emit_plain(struct sol__import *im, const struct sol__plain *pl, const char *where);

/* The pattern text of one atom of kind (or path) = value, appended to b. */
void sol__atom_pattern(struct sol_buf *b, int kind, const char *path, const char *v, size_t n,
                       bool network);

/*
 * The export walk: every current object the filter selects, parsed. For indicators, the
 * walk checks revoked and valid_until, parses the pattern and finds its atoms; each one
 * expressible by the writer (accept() says, with why when not) goes to each(). Objects
 * that are not indicators go to other() when it is set.
 */
struct sol__indicator {
    const struct sol_json *obj;
    struct sol_str id, name, description;
    const struct sol_atom *atoms;
    size_t n_atoms;
    const struct sol_pattern *pattern; /* may be NULL (other pattern types) */
    int tlp;
    int confidence; /* -1: none */
    sol_time_t valid_from;
};
struct sol__walk {
    struct sol_store *s;
    const struct sol_object_filter *f;
    const struct sol_export_options *o;
    struct sol_export_report *rep;
    /* Whether the writer carries this atom; when not, why (static text). */
    bool (*accept)(void *ud, const struct sol_atom *a, const char **why);
    /* One indicator whose every atom is accepted. */
    int (*each)(void *ud, const struct sol__indicator *ind);
    /* An indicator none of whose patterns the atoms walk takes (MISP writes objects). */
    int (*whole)(void *ud, const struct sol__indicator *ind, const char **why);
    int (*other)(void *ud, const struct sol_json *obj, const struct sol_object_row *row);
    void *ud;
};
int sol__walk_indicators(struct sol__walk *wk, struct sol_error *err);
/* Name an indicator in the report as not expressible (the first SOL_EXPORT_NAMED). */
void sol__export_skip(struct sol_export_report *rep, struct sol_str id, struct sol_str name,
                      const char *why);

/* A buffered writer over an export sink. */
struct sol__out {
    const struct sol_export_sink *sink;
    struct sol_buf b;
    int rc;
};
void sol__out_init(struct sol__out *o, const struct sol_export_sink *sink);
int sol__out_part(struct sol__out *o, const char *name);
void sol__out_put(struct sol__out *o, const char *p, size_t n);
void sol__out_puts(struct sol__out *o, const char *s);
void sol__out_printf(struct sol__out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sol__out_finish(struct sol__out *o);

/* A pattern path as canonical text: keys bare when identifiers, else quoted. */
struct sol_pattern_path;
void sol__path_text(struct sol_buf *b, const struct sol_pattern_path *p);

/* A set of strings (owner names, values) for writers that must not repeat one. */
struct sol__strset {
    char **slot;
    size_t cap, n;
};
/* Add s (n bytes); returns 1 when it was new, 0 when already there, SOL_ENOMEM. */
int sol__strset_add(struct sol__strset *set, const char *s, size_t n);
bool sol__strset_has(const struct sol__strset *set, const char *s, size_t n);
void sol__strset_free(struct sol__strset *set);

/* The offset of the first byte of head that is no BOM or white space (detectors). */
size_t sol__skip_blank(const char *head, size_t n);

/* Each format's entry points (one sibling file each). */
int sol__ioc_detect(const char *path, const char *head, size_t n);
int sol__ioc_read(const struct sol_format_input *in, const struct sol_import_options *o, void *im,
                  struct sol_error *err);
int sol__list_write(struct sol_store *s, const struct sol_object_filter *f,
                    const struct sol_export_options *o, const struct sol_export_sink *out,
                    struct sol_export_report *rep, struct sol_error *err);
int sol__csv_detect(const char *path, const char *head, size_t n);
int sol__csv_read(const struct sol_format_input *in, const struct sol_import_options *o, void *im,
                  struct sol_error *err);
int sol__csv_write(struct sol_store *s, const struct sol_object_filter *f,
                   const struct sol_export_options *o, const struct sol_export_sink *out,
                   struct sol_export_report *rep, struct sol_error *err);
int sol__stix_detect(const char *path, const char *head, size_t n);
int sol__stix_read(const struct sol_format_input *in, const struct sol_import_options *o, void *im,
                   struct sol_error *err);
int sol__misp_detect(const char *path, const char *head, size_t n);
int sol__misp_read(const struct sol_format_input *in, const struct sol_import_options *o, void *im,
                   struct sol_error *err);
int sol__misp_write(struct sol_store *s, const struct sol_object_filter *f,
                    const struct sol_export_options *o, const struct sol_export_sink *out,
                    struct sol_export_report *rep, struct sol_error *err);
int sol__warninglist_detect(const char *path, const char *head, size_t n);
int sol__warninglist_read(const struct sol_format_input *in, const struct sol_import_options *o,
                          void *im, struct sol_error *err);
int sol__zeek_write(struct sol_store *s, const struct sol_object_filter *f,
                    const struct sol_export_options *o, const struct sol_export_sink *out,
                    struct sol_export_report *rep, struct sol_error *err);
int sol__suricata_write(struct sol_store *s, const struct sol_object_filter *f,
                        const struct sol_export_options *o, const struct sol_export_sink *out,
                        struct sol_export_report *rep, struct sol_error *err);
int sol__rpz_write(struct sol_store *s, const struct sol_object_filter *f,
                   const struct sol_export_options *o, const struct sol_export_sink *out,
                   struct sol_export_report *rep, struct sol_error *err);
extern const char *const sol__suricata_parts[];

#endif
