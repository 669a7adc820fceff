/*
 * match/reader.h — internals of the log readers shared by reader.c and mapping.c.
 */
#ifndef SOLIDARITY_MATCH_READER_H
#define SOLIDARITY_MATCH_READER_H

#include "solidarity/match.h"

/* How a rule turns a field's value into STIX objects. */
enum sol__mrule_kind {
    SOL__MR_NONE = 0, /* recognised, not used */
    SOL__MR_TIME,     /* the event's time */
    SOL__MR_VALUE,    /* a value object (type "ip-or-domain": chosen by the text) */
    SOL__MR_REF,      /* a _ref of the line's object of type to an address object */
    SOL__MR_PROP,     /* a property of the line's one object of type */
    SOL__MR_URI,      /* a url:value from a path and the host in field aux */
    SOL__MR_LOWER,    /* as PROP, lower-cased */
    SOL__MR_HASHLEN,  /* a hash whose algorithm its length tells */
};

struct sol__mrule {
    char *field;
    char *type;
    char *path;
    uint8_t kind;
    const char *aux;
};

struct sol_log_mapping {
    const struct sol__mrule *rules;
    size_t n;
    bool owned;
    struct sol__mrule *owned_rules;
};

extern const struct sol_log_mapping sol__mzeek;
extern const struct sol_log_mapping sol__meve;

/* The objects of one line being built. */
struct sol__mline {
    struct sol_obs *obs;
    struct {
        const char *type;
        int obj;
    } typed[16];
    size_t ntyped;
    struct sol_str (*lookup)(struct sol__mline *ln, const char *field);
    void *ctx;
};

/* Apply rule r to one value (a string of n bytes, or a number). Returns 0 or -1 (full,
   or a time that does not parse). */
int sol__mrule_apply(struct sol__mline *ln, const struct sol__mrule *r, const char *s, size_t n,
                     bool is_number, double number);
int sol__mparse_time(const char *s, size_t n, bool is_number, double number, sol_time_t *out);

#endif
