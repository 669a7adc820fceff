/*
 * misp_map.h — solidarity's mapping between MISP attribute types and object templates
 * and STIX 2.1 object paths: one table each way, read by the MISP reader and writer
 * (docs/solidarity-formats.7 lists it for people).
 */
#ifndef SOLIDARITY_MISP_MAP_H
#define SOLIDARITY_MISP_MAP_H

#include <stdbool.h>
#include <stddef.h>

enum {
    MM_IP = 1,    /* a value part that is an address: ipv4-addr or ipv6-addr by its form */
    MM_INT = 2,   /* the second part is an integer (a port) */
    MM_AS = 4,    /* "AS174" or "174": an integer */
    MM_SDO = 8,   /* not an observable: becomes an SDO of type sdo */
    MM_NOTE = 16, /* free text: becomes a note on the event's report */
    MM_INT1 = 32  /* the (only) value is an integer */
};

/*
 * One MISP attribute type: its value ('|'-separated parts for composite types) is the
 * STIX path paths[i] of one object. For MM_IP parts the path's "ADDR" stands for
 * ipv4-addr or ipv6-addr. category is the one the writer gives it.
 */
struct misp_type_map {
    const char *type;
    const char *paths[2];
    unsigned flags;
    const char *category;
    const char *sdo; /* MM_SDO: the SDO type */
};

/* One attribute of a MISP object template: its relation and the STIX path it maps to. */
struct misp_relation_map {
    const char *relation;
    const char *type; /* the MISP attribute type the writer gives it */
    const char *path;
    unsigned flags; /* MM_INT1, MM_IP */
};
struct misp_template_map {
    const char *name;
    const char *meta_category;
    const char *template_uuid;
    const struct misp_relation_map *rel;
    size_t n_rel;
};

const struct misp_type_map *sol__misp_type(const char *type, size_t n);
const struct misp_type_map *sol__misp_types(size_t *n);
const struct misp_template_map *sol__misp_template(const char *name, size_t n);
const struct misp_template_map *sol__misp_templates(size_t *n);

#endif
