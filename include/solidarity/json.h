/*
 * json.h — the JSON layer: a fast parser (simdjson behind a C API), a streaming
 * reader for JSON lines, and a writer with RFC 8785 canonical form (JCS).
 *
 * Threads: a doc (and a reader) is used by one thread at a time; different docs
 * may parse in different threads at once.
 *
 * Ownership: a struct sol_json_doc owns everything it parsed. The value handles it
 * hands out (const struct sol_json *) and the strings inside them stay valid until
 * the next sol_json_parse() on the same doc, or until sol_json_doc_free(). A doc can
 * be reused for many parses: after the first few it allocates nothing, which is what
 * the scan hot path needs (it keeps the memory of its largest parse until freed).
 * Strings are UTF-8, validated, with their length: they may contain NUL bytes, and
 * they are also NUL-terminated for convenience.
 *
 * A parsed value is a node in a flat array: its children follow it, and ->skip says
 * how many nodes its whole subtree takes, so the next sibling is v + v->skip. Object
 * members are stored as a string node (the key) followed by the value's subtree.
 * Walk with the functions below rather than by hand.
 */
#ifndef SOLIDARITY_JSON_H
#define SOLIDARITY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "solidarity/api.h"
#include "solidarity/error.h"
#include "solidarity/util.h"

enum sol_json_type {
    SOL_JSON_NULL = 1,
    SOL_JSON_BOOL,
    SOL_JSON_INT,    /* an integer literal that fits int64_t: ->u.i */
    SOL_JSON_UINT,   /* an integer literal above INT64_MAX that fits uint64_t: ->u.u */
    SOL_JSON_DOUBLE, /* a literal with a fraction or exponent, or an integer too big: ->u.d */
    SOL_JSON_STRING, /* ->u.s, ->n bytes */
    SOL_JSON_ARRAY,  /* ->n elements */
    SOL_JSON_OBJECT, /* ->n members */
};

struct sol_json {
    uint8_t type;  /* enum sol_json_type */
    bool big;      /* DOUBLE only: the literal was an integer too large for 64 bits */
    uint32_t n;    /* bytes of a string, elements of an array, members of an object */
    uint32_t skip; /* nodes in this value's subtree, itself included (>= 1) */
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        const char *s;
    } u;
};

/* Limits against hostile input. Zero fields take the defaults. */
struct sol_json_limits {
    size_t max_bytes;    /* largest document; default 256 MiB, hard maximum 3 GiB */
    size_t max_depth;    /* deepest nesting of arrays and objects; default 128, hard max 1024 */
    bool allow_dup_keys; /* default false: a repeated key in one object is an error */
};

struct sol_json_doc;

/* A new, empty document holder. NULL limits means the defaults. Returns NULL on no memory. */
SOL_API struct sol_json_doc *sol_json_doc_new(const struct sol_json_limits *limits);

/* Free a document and everything it parsed. NULL does nothing. */
SOL_API void sol_json_doc_free(struct sol_json_doc *doc);

/*
 * Parse n bytes at p (one JSON text: surrounding white space allowed, nothing else).
 * On success *root is the top value. On failure returns SOL_ESYNTAX (malformed JSON,
 * invalid UTF-8, trailing garbage, truncated input, duplicate key), SOL_ELIMIT (too
 * large, too deep) or SOL_ENOMEM, and err says what and where (offset, line, column).
 * The input is not kept: strings are copied into doc.
 */
SOL_API int sol_json_parse(struct sol_json_doc *doc, const char *p, size_t n,
                           const struct sol_json **root, struct sol_error *err);

/*
 * Read a whole file (path "-" is standard input) and parse it, as sol_json_parse().
 * A UTF-8 byte order mark at the start is skipped (RFC 8259 §8.1). SOL_EIO when the
 * file cannot be read ("cannot open: No such file or directory"): the message does
 * not repeat the path, which the caller knows.
 */
SOL_API int sol_json_parse_file(struct sol_json_doc *doc, const char *path,
                                const struct sol_json **root, struct sol_error *err);

/* The type of v, or 0 when v is NULL. */
static inline enum sol_json_type
sol_json_type(const struct sol_json *v)
{
    return v ? (enum sol_json_type)v->type : (enum sol_json_type)0;
}

/* The name of a type for messages: "string", "object", "integer", ... */
SOL_API const char *sol_json_type_name(enum sol_json_type t);

static inline bool
sol_json_is_string(const struct sol_json *v)
{
    return v && v->type == SOL_JSON_STRING;
}

static inline bool
sol_json_is_number(const struct sol_json *v)
{
    return v && (v->type == SOL_JSON_INT || v->type == SOL_JSON_UINT || v->type == SOL_JSON_DOUBLE);
}

/* The string of v as a view, or {NULL, 0} when v is not a string. */
static inline struct sol_str
sol_json_str(const struct sol_json *v)
{
    struct sol_str s = {NULL, 0};
    if (v && v->type == SOL_JSON_STRING) {
        s.p = v->u.s;
        s.n = v->n;
    }
    return s;
}

/* The number of v as a double (integers converted), 0 when v is not a number. */
SOL_API double sol_json_number(const struct sol_json *v);

/*
 * The member named key (NUL-terminated, or keylen bytes) of the object v, or NULL
 * when v is not an object or has no such member. Linear in the members.
 */
SOL_API const struct sol_json *sol_json_get(const struct sol_json *v, const char *key);
SOL_API const struct sol_json *sol_json_getn(const struct sol_json *v, const char *key,
                                             size_t keylen);

/* The i-th element of an array (linear in i), or NULL. */
SOL_API const struct sol_json *sol_json_at(const struct sol_json *v, size_t i);

/*
 * Iteration over an array's elements or an object's members:
 *
 *   struct sol_json_iter it;
 *   const struct sol_json *val; struct sol_str key;
 *   sol_json_iter_init(&it, v);
 *   while (sol_json_iter_next(&it, &key, &val)) ...
 *
 * key is {NULL, 0} for array elements; it may be NULL when not wanted.
 */
struct sol_json_iter {
    const struct sol_json *next;
    uint32_t left;
    bool object;
};
SOL_API void sol_json_iter_init(struct sol_json_iter *it, const struct sol_json *v);
SOL_API bool sol_json_iter_next(struct sol_json_iter *it, struct sol_str *key,
                                const struct sol_json **val);

/* Deep equality: same types (an INT equals a DOUBLE of the same value), members in any order. */
SOL_API bool sol_json_equal(const struct sol_json *a, const struct sol_json *b);

/*
 * JSON lines and concatenated JSON texts, read from a FILE* or memory in blocks,
 * one document at a time, in bounded memory (a line may not exceed max_bytes).
 * Blank lines are skipped. After an error in one record the reader goes on with the
 * next line, so a scan can count bad lines and continue.
 */
struct sol_json_reader;

/* Read from f (not closed by the reader). Returns NULL on no memory. */
SOL_API struct sol_json_reader *sol_json_reader_new(FILE *f, const struct sol_json_limits *limits);
/* Read from n bytes at p (not copied: they must outlive the reader). */
SOL_API struct sol_json_reader *sol_json_reader_new_mem(const char *p, size_t n,
                                                        const struct sol_json_limits *limits);
SOL_API void sol_json_reader_free(struct sol_json_reader *r);

/*
 * The next document. Returns 0 and sets *root (valid until the next call), SOL_EEOF at
 * the end, or an error for this record (SOL_ESYNTAX, SOL_ELIMIT for a record longer
 * than max_bytes, SOL_EIO on a read error, SOL_ENOMEM). err->line and err->column say
 * where in the stream the error is: for JSON lines, the record's line and the column
 * within it; for a text over several lines, the line of the error itself; err->offset
 * is the byte offset in the stream. The raw text of the record (without its newline)
 * is in *raw when raw is not NULL, valid until the next call.
 *
 * Framing: JSON lines (one text per line) unless the first record does not end on its
 * first line, in which case the stream is read as concatenated texts (pretty-printed
 * JSON one after another), delimited by following strings and brackets.
 */
SOL_API int sol_json_reader_next(struct sol_json_reader *r, const struct sol_json **root,
                                 struct sol_str *raw, struct sol_error *err);

/* The line number where the last record returned started (1-based). */
SOL_API size_t sol_json_reader_line(const struct sol_json_reader *r);

/*
 * The writer: appends JSON text to a struct sol_buf. Commas and colons are placed
 * for you; call in the order the text reads. Strings are escaped as RFC 8785 says
 * (and so round-trip): ", \, control characters as \b \f \n \r \t or \u00XX, every
 * other code point as itself. Invalid UTF-8 in a string is replaced by U+FFFD.
 * Doubles print in the shortest form that reads back to the same value (ES6 form,
 * as JCS requires), except that integral doubles from 2^53 to 1e21 print all their
 * digits (ES6 rounds them: 1844674407370955264 would print as 1844674407370955300,
 * which reads back as a different integer); NaN and infinities, which JSON cannot
 * carry, print as null. sol_json_canonical() and sol_json_format_double() keep the
 * pure ES6 form.
 */
struct sol_json_writer {
    struct sol_buf *out;
    uint32_t depth;
    bool pretty;
    bool need_comma[64 + 1]; /* deeper nesting than 64 still writes, without pretty indents */
    bool after_key;
};

SOL_API void sol_jw_init(struct sol_json_writer *w, struct sol_buf *out, bool pretty);
SOL_API void sol_jw_object_begin(struct sol_json_writer *w);
SOL_API void sol_jw_object_end(struct sol_json_writer *w);
SOL_API void sol_jw_array_begin(struct sol_json_writer *w);
SOL_API void sol_jw_array_end(struct sol_json_writer *w);
SOL_API void sol_jw_key(struct sol_json_writer *w, const char *key);
SOL_API void sol_jw_keyn(struct sol_json_writer *w, const char *key, size_t n);
SOL_API void sol_jw_string(struct sol_json_writer *w, const char *s);
SOL_API void sol_jw_stringn(struct sol_json_writer *w, const char *s, size_t n);
SOL_API void sol_jw_int(struct sol_json_writer *w, int64_t i);
SOL_API void sol_jw_uint(struct sol_json_writer *w, uint64_t u);
SOL_API void sol_jw_double(struct sol_json_writer *w, double d);
SOL_API void sol_jw_bool(struct sol_json_writer *w, bool b);
SOL_API void sol_jw_null(struct sol_json_writer *w);
/* Write a parsed value as it is (members in their order). */
SOL_API void sol_jw_value(struct sol_json_writer *w, const struct sol_json *v);
/* Write already-serialised JSON text as one value (trusted: not checked). */
SOL_API void sol_jw_raw(struct sol_json_writer *w, const char *json, size_t n);

/* Helpers for one string: append s escaped, with its quotes, to out. */
SOL_API void sol_json_escape(struct sol_buf *out, const char *s, size_t n);

/* Append the shortest round-trip ES6 form of d (RFC 8785 §3.2.2.3) to out. */
SOL_API void sol_json_format_double(struct sol_buf *out, double d);

/*
 * RFC 8785 (JCS): append the canonical form of v to out: no white space, members
 * sorted by their keys' UTF-16 code units, numbers in ES6 form. Integers beyond
 * 2^53 lose precision as JCS says (they are IEEE doubles there).
 */
SOL_API int sol_json_canonical(struct sol_buf *out, const struct sol_json *v);

#endif
