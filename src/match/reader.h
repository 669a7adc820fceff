/*
 * match/reader.h — the log readers: one sibling file per format behind one table.
 *
 * reader.c        the one dispatcher: input (plain or gzip, files and pipes), lines, the
 *                 public sol_log_reader_* calls, and the table of formats
 * reader_auto.c   auto-detection: asks every format how sure it is of the first line
 * reader_zeek.c   Zeek TSV (and the built-in Zeek mapping, shared with Zeek JSON)
 * reader_zeek_json.c, reader_eve.c, reader_jsonl.c
 *                 JSON lines: Zeek JSON and Suricata eve through their built-in mappings,
 *                 any other through a mapping file; the JSON engine is reader_jsonl.c's
 * reader_csv.c    CSV with a header line, through a mapping file
 * reader_stix.c   STIX bundles of observed-data
 * columns.c       the columns of a line, shared by Zeek TSV and CSV
 * mapping.c       mapping files and how a rule turns a field's value into objects
 *
 * Adding a format: a new reader_<name>.c that defines sol__mlog_<name>, and its row in
 * SOL_LOG_FORMAT_LIST (match.h).
 *
 * Ownership: the reader owns its input buffer, its JSON document and the observation;
 * a format's own state (r->state) is made by its open() and freed by its free().
 */
#ifndef SOLIDARITY_MATCH_READER_H
#define SOLIDARITY_MATCH_READER_H

#include <zlib.h>

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

/* The built-in mappings (reader_zeek.c, reader_eve.c). */
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

/* ---- The reader every format shares (reader.c) ---- */

struct sol__mlog_format;

struct sol_log_reader {
    /* input */
    gzFile gz; /* gzip input; else plain reads from fd */
    int fd;
    char name[256];
    char *buf;
    size_t cap, start, end;
    bool eof, ioerr;
    bool follow; /* a last line without its newline is still being written: wait */
    /* the current line, NUL-terminated where its newline was */
    char *line;
    size_t line_n;
    bool have_peeked; /* detection read the first line: the next call returns it again */
    size_t lineno, line_at;
    uint64_t bytes, line_offset; /* bytes read before the current line */
    uint64_t limit;              /* a part of a file: no line starts at or after it (0: none) */
    uint64_t origin;             /* a part of a file: where its first line starts */
    bool lines_unknown;          /* a part that does not start the file: line numbers are not
                                    known (obs.line 0) */
    /* the format */
    const struct sol__mlog_format *fmt;
    const struct sol_log_mapping *map;
    void *state;              /* the format's own */
    struct sol_json_doc *doc; /* for the formats that parse JSON, and detection */
    /* output */
    struct sol_obs obs;
    struct sol__mline ln;
};

/* What detection knows of the first line that is not blank. */
struct sol__mfirst {
    const char *s; /* the line, leading white space skipped */
    size_t n;
    const struct sol_json *json; /* the line as a JSON object when it is one; else NULL */
    bool mapping;                /* a mapping was given */
};

/*
 * One log format. detect() says how surely the first line is of this format (0: not at
 * all; auto-detection takes the highest). open() makes r->state (the mapping, when the
 * format takes one, is already in r->map); next() fills r->obs from the next record and
 * returns 0, SOL_EEOF, SOL_EIO, SOL_ESYNTAX (a bad record: err says where, the next call
 * goes on after it) or SOL_ENOMEM; free() frees r->state.
 */
struct sol__mlog_format {
    enum sol_log_format id;
    const char *name;         /* as --format takes it */
    const char *const *alias; /* other names it is known by, NULL-terminated; may be NULL */
    const struct sol_log_mapping *mapping; /* built-in; NULL: none */
    bool needs_mapping;                    /* reads only through a mapping file */
    int (*detect)(const struct sol__mfirst *first);
    int (*open)(struct sol_log_reader *r, struct sol_error *err);
    /* A format whose records are lines that do not depend on the ones before, but for
       the headers at the file's start, can be read in parts: prime() (NULL: nothing to
       do) reads those headers, after open(), before the reader moves to its part. */
    bool splittable;
    int (*prime)(struct sol_log_reader *r, struct sol_error *err);
    int (*next)(struct sol_log_reader *r, struct sol_error *err);
    void (*free)(struct sol_log_reader *r);
};

#define X(e, f) extern const struct sol__mlog_format sol__mlog_##f;
SOL_LOG_FORMAT_LIST(X)
#undef X

/* The format of id (not SOL_LOG_AUTO). */
const struct sol__mlog_format *sol__mlog_format(enum sol_log_format id);

/*
 * A reader of the part [start, end) of a plain file (not gzip; f must be seekable): the
 * lines that start in that range, after the file's headers. The format is detected from
 * the file's start as for the whole file. SOL_EUNSUPPORTED when the file or its format
 * cannot be read in parts (then read it whole).
 */
int sol__mlog_open_part(FILE *f, const char *name, enum sol_log_format fmt,
                        const struct sol_log_mapping *mapping, uint64_t start, uint64_t end,
                        struct sol_log_reader **out, struct sol_error *err);
/* Whether f is a plain file of at least min_size bytes that could be read in parts
   (regular, not gzip-compressed); its size in *size. */
bool sol__mlog_splittable_file(FILE *f, uint64_t min_size, uint64_t *size);

/*
 * Reading one stream (gzip, a pipe, standard input) on several threads: a reader thread
 * opens it (sol__mlog_open_stream(): format, headers), then cuts what follows into
 * blocks at line boundaries (sol__mreader_block()), and matcher threads read each block
 * with a reader of its own (sol__mlog_open_block()).
 *
 * open_stream: as sol_log_reader_open(), then the headers of a splittable format are
 * read (*header, *header_n: their text, *header_lines: how many lines; the caller owns
 * the text). For a format that cannot be read in parts, *header is NULL: read the
 * stream through the reader as usual.
 */
int sol__mlog_open_stream(FILE *f, const char *name, enum sol_log_format fmt,
                          const struct sol_log_mapping *mapping, struct sol_log_reader **out,
                          char **header, size_t *header_n, uint64_t *header_lines,
                          struct sol_error *err);
/*
 * The input that follows, cut after a newline: at least want bytes (less at the end),
 * into a new buffer (the caller's) with head bytes free before it and one after. *n its
 * length, *offset where it starts in the log, *first_line the line it starts at.
 * Returns 0, SOL_EEOF at the end of input, SOL_EIO or SOL_ENOMEM.
 */
int sol__mreader_block(struct sol_log_reader *r, size_t want, size_t head, char **out, size_t *n,
                       uint64_t *offset, uint64_t *first_line);
/*
 * A reader of text (n bytes: the stream's header_n bytes of headers, then a block),
 * which it takes and frees, in the stream reader's format and mapping (r->fmt, r->map).
 * Offsets and lines are the block's place in the log.
 */
int sol__mlog_open_block(const char *name, const struct sol__mlog_format *fmt,
                         const struct sol_log_mapping *map, char *text, size_t n, size_t header_n,
                         uint64_t header_lines, uint64_t offset, uint64_t first_line,
                         struct sol_log_reader **out, struct sol_error *err);

/* Auto-detection (reader_auto.c): sets r->fmt from the first line that is not blank,
   which the next sol__mreader_line() returns again. */
int sol__mlog_detect(struct sol_log_reader *r, struct sol_error *err);

/* The next line into r->line / r->line_n (without "\n" or "\r\n", NUL-terminated);
   false at the end of input or on a read error (r->ioerr). */
bool sol__mreader_line(struct sol_log_reader *r);
/* The next line that is not empty; 0, SOL_EEOF or SOL_EIO (err says which log). */
int sol__mreader_nonblank(struct sol_log_reader *r, struct sol_error *err);
/* Up to n bytes of the input after what is buffered (the whole-document formats). */
int sol__mreader_read(struct sol_log_reader *r, char *p, size_t n);
/* SOL_ESYNTAX with what, at the current line. */
int sol__mreader_bad_line(struct sol_log_reader *r, struct sol_error *err, const char *what);
bool sol__mreader_starts(const char *s, size_t n, const char *pre);

/* ---- The JSON-lines engine (reader_jsonl.c), used by every JSON-lines format ---- */
int sol__mjson_open(struct sol_log_reader *r, struct sol_error *err);
int sol__mjson_next(struct sol_log_reader *r, struct sol_error *err);
void sol__mjson_free(struct sol_log_reader *r);

/* ---- Columns (columns.c), for Zeek TSV and CSV ---- */

#define SOL__MCOLS_MAX 512

struct sol__mcols {
    char **fields; /* the names, from the header */
    size_t nfields;
    bool *is_set;   /* Zeek: a set or vector, its items separated by setsep */
    int *rule_of;   /* the first mapping rule of each field, or -1 */
    int *rule_next; /* per rule: the next rule of the same field, or -1 */
    const char *cols[SOL__MCOLS_MAX];
    size_t col_n[SOL__MCOLS_MAX];
    size_t ncols;
    char unset[32], empty[32]; /* values that mean "no value" */
};

/* Take names (n of them, allocated, now owned by c) as the columns; each gets its rules
   (a field may feed several: rule_of[i], then rule_next[] until -1). */
int sol__mcols_set(struct sol__mcols *c, const struct sol_log_mapping *map, char **names, size_t n);
/* Split s at sep into c->cols (pointers into s); returns the count (may exceed the max). */
size_t sol__mcols_split(struct sol__mcols *c, const char *s, size_t n, char sep);
/* The value of field in the current record, or {NULL, 0} when unset or absent: the
   lookup of a line whose ln->ctx is the columns. */
struct sol_str sol__mcols_lookup(struct sol__mline *ln, const char *field);
void sol__mcols_free(struct sol__mcols *c);

#endif
