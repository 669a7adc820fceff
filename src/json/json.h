/*
 * json/json.h — internals shared by the files of the JSON layer (prefix sol__json).
 *
 * json.cc parses with simdjson and builds the node array; locate.c is the strict C
 * checker that finds where and why a text is not JSON (simdjson only says what);
 * reader.c splits streams into records; write.c is the writer and JCS.
 */
#ifndef SOLIDARITY_JSON_INTERNAL_H
#define SOLIDARITY_JSON_INTERNAL_H

#include <stddef.h>

#include "solidarity/json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes that must be readable after the input of sol__json_parse_padded (simdjson's). */
#define SOL__JSON_PADDING 64

/* The hard maxima behind struct sol_json_limits. */
#define SOL__JSON_MAX_BYTES_DEFAULT ((size_t)256 << 20)
#define SOL__JSON_MAX_BYTES_HARD    ((size_t)3 << 30)
#define SOL__JSON_MAX_DEPTH_DEFAULT 128
#define SOL__JSON_MAX_DEPTH_HARD    1024

/*
 * Parse n bytes at p, of which SOL__JSON_PADDING more bytes after p + n are readable
 * (their content does not matter). Otherwise as sol_json_parse().
 */
int sol__json_parse_padded(struct sol_json_doc *doc, const char *p, size_t n,
                           const struct sol_json **root, struct sol_error *err);

/* The limits a doc was made with (resolved). */
const struct sol_json_limits *sol__json_doc_limits(const struct sol_json_doc *doc);

/*
 * What the checker found. It counts nodes the way the parser builds them (each value
 * and each object key is one node, in document order), which lets the parser name a
 * node (a duplicate key) and learn which numbers are integers too big for 64 bits.
 */
struct sol__json_check {
    /* in */
    size_t max_depth;
    size_t
        dup_node; /* report the key that is node number dup_node as a duplicate; SIZE_MAX: none */
    size_t *big_nodes; /* when not NULL, nodes of big integer literals are stored here, */
    size_t *big_ends;  /* and the offsets just after them here, */
    size_t big_cap;    /* up to big_cap of them */
    /* out */
    size_t big_count; /* big integer literals seen (may exceed big_cap) */
    size_t offset;    /* where the first error is */
    bool incomplete;  /* the error is that the input ended too early */
    int code;         /* 0, SOL_ESYNTAX or SOL_ELIMIT */
    char msg[256];
};

/*
 * Check that n bytes at p are one JSON text (RFC 8259) with nesting no deeper than
 * c->max_depth. Returns 0 when they are, else c->code with c->offset and c->msg set
 * to the first error. Uses no heap memory and bounded stack.
 */
int sol__json_check(const char *p, size_t n, struct sol__json_check *c);

/* simdjson's parse of n padded bytes alone, without conversion (the benchmark's baseline). */
int sol__json_parse_simdjson_only(struct sol_json_doc *doc, const char *p, size_t n);

/*
 * For tests: give a FILE reader that has read nothing yet a buffer of cap bytes (it
 * still grows for longer records), so that small inputs exercise refills. Returns 0,
 * SOL_EINVAL (memory reader, or already reading) or SOL_ENOMEM.
 */
int sol__json_reader_buffer(struct sol_json_reader *r, size_t cap);

/* Fill err with code and msg at offset of the n bytes at p, computing line and column. */
int sol__json_error_at(struct sol_error *err, int code, const char *p, size_t n, size_t offset,
                       const char *msg);

#ifdef __cplusplus
}
#endif

#endif
