/*
 * reader.c — JSON lines and concatenated JSON texts, one record at a time.
 *
 * The hot path of a scan: a large buffer is filled from the FILE* in blocks, each
 * record is found with memchr('\n') and parsed in place (the buffer keeps simdjson's
 * padding after its data, so no copy is needed), by one doc reused for every record.
 *
 * Two framings. JSON lines: one text per line, blank lines skipped; a bad line is an
 * error for that line only. Concatenated texts (pretty-printed, several lines each):
 * chosen when the first record is not complete on its first line; records are then
 * delimited by a scanner that follows strings and brackets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "solidarity/alloc.h"

#define READ_BLOCK ((size_t)1 << 20)

enum framing { FRAMING_UNKNOWN, FRAMING_LINES, FRAMING_TEXTS };

/* The state of a scan for the end of a text in the concatenated framing (text_scan()). */
enum { SCAN_BEFORE, SCAN_CONTAINER, SCAN_STRING, SCAN_SCALAR };

struct text_scan {
    size_t off;   /* bytes of s already scanned */
    size_t start; /* where the text starts in s (once state is not SCAN_BEFORE) */
    size_t depth;
    int state;
    bool escape;
};

struct sol_json_reader {
    FILE *f; /* NULL when reading from memory */
    struct sol_json_doc *doc;
    char *buf; /* FILE mode: the buffer (cap + padding bytes) */
    size_t cap;
    const char *data; /* the bytes at hand: buf, or the caller's memory */
    size_t len;       /* bytes at hand */
    size_t pos;       /* start of what is not yet consumed */
    size_t base;      /* stream offset of data[0] */
    bool eof;         /* no more bytes will come */
    bool io_error;
    int io_errno;
    bool skipping;      /* discarding the rest of an overlong line */
    bool started;       /* the byte order mark check is done */
    size_t line_start;  /* stream offset where the line at data[pos] begins */
    size_t line;        /* line number at data[pos] (1-based) */
    size_t record_line; /* line where the last record started */
    enum framing framing;
    struct text_scan scan; /* the concatenated framing's scan of the current text */
    size_t max_bytes;
};

static struct sol_json_reader *
reader_new(const struct sol_json_limits *limits)
{
    struct sol_json_reader *r = sol_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->doc = sol_json_doc_new(limits);
    if (!r->doc) {
        sol_free(r);
        return NULL;
    }
    r->max_bytes = sol__json_doc_limits(r->doc)->max_bytes;
    r->line = 1;
    return r;
}

/* A reader of f with a 1 MiB buffer that grows only for longer records (up to max_bytes). */
struct sol_json_reader *
sol_json_reader_new(FILE *f, const struct sol_json_limits *limits)
{
    struct sol_json_reader *r = reader_new(limits);
    if (!r)
        return NULL;
    r->f = f;
    r->cap = READ_BLOCK;
    r->buf = sol_malloc(r->cap + SOL__JSON_PADDING);
    if (!r->buf) {
        sol_json_reader_free(r);
        return NULL;
    }
    memset(r->buf, ' ', SOL__JSON_PADDING);
    r->data = r->buf;
    return r;
}

/* For tests: restart a FILE reader's buffer at cap bytes, so that records cross refills. */
int
sol__json_reader_buffer(struct sol_json_reader *r, size_t cap)
{
    if (!r->f || r->len || cap == 0)
        return SOL_EINVAL;
    char *p = sol_realloc(r->buf, cap + SOL__JSON_PADDING);
    if (!p)
        return SOL_ENOMEM;
    memset(p, ' ', SOL__JSON_PADDING);
    r->buf = p;
    r->data = p;
    r->cap = cap;
    return 0;
}

/* A reader of caller memory: records are parsed in place when simdjson's padding fits. */
struct sol_json_reader *
sol_json_reader_new_mem(const char *p, size_t n, const struct sol_json_limits *limits)
{
    struct sol_json_reader *r = reader_new(limits);
    if (!r)
        return NULL;
    r->data = p;
    r->len = n;
    r->eof = true;
    return r;
}

/* Free the reader, its doc and its buffer (not the FILE*). */
void
sol_json_reader_free(struct sol_json_reader *r)
{
    if (!r)
        return;
    sol_json_doc_free(r->doc);
    sol_free(r->buf);
    sol_free(r);
}

/* The line where the last record returned started. */
size_t
sol_json_reader_line(const struct sol_json_reader *r)
{
    return r->record_line;
}

/*
 * Read more bytes (FILE mode): move what is not consumed to the front, grow the
 * buffer when it is full, read. Returns false when nothing more can come (end of
 * file, read error, or out of memory: r->io_error).
 */
static bool
refill(struct sol_json_reader *r)
{
    if (r->eof)
        return false;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        size_t cap = r->cap * 2;
        char *p = sol_realloc(r->buf, cap + SOL__JSON_PADDING);
        if (!p) {
            r->io_error = true;
            r->io_errno = ENOMEM;
            r->eof = true;
            return false;
        }
        r->buf = p;
        r->data = p;
        r->cap = cap;
    }
    size_t k = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
    r->len += k;
    /* simdjson may read the padding after the data: keep it initialised. */
    memset(r->buf + r->len, ' ', SOL__JSON_PADDING);
    if (k == 0) {
        if (ferror(r->f)) {
            r->io_error = true;
            r->io_errno = errno;
        }
        r->eof = true;
        return false;
    }
    return true;
}

static bool
is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static size_t
count_lines(const char *p, size_t n)
{
    size_t c = 0;
    const char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

/*
 * In the concatenated framing, a resumable scan for the end of the JSON text that
 * starts (after white space) at the bytes s: it follows strings (with escapes) and
 * brackets only, and the parser checks the rest. The state survives refills: off is
 * where to go on, relative to s, which is the reader's data + pos.
 */
static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The end of the text (offset in s just after it), or 0 when the n bytes end first. */
static size_t
text_scan(struct text_scan *ts, const char *s, size_t n)
{
    for (size_t i = ts->off; i < n; i++) {
        char c = s[i];
        switch (ts->state) {
        case SCAN_BEFORE:
            if (is_ws(c))
                continue;
            ts->start = i;
            if (c == '{' || c == '[') {
                ts->depth = 1;
                ts->state = SCAN_CONTAINER;
            } else if (c == '"') {
                ts->depth = 0;
                ts->state = SCAN_STRING;
            } else if (c == '}' || c == ']' || c == ',' || c == ':') {
                return i + 1; /* a stray character: a record of its own, which fails */
            } else {
                ts->state = SCAN_SCALAR;
            }
            break;
        case SCAN_CONTAINER:
            if (c == '"')
                ts->state = SCAN_STRING;
            else if (c == '{' || c == '[')
                ts->depth++;
            else if ((c == '}' || c == ']') && --ts->depth == 0)
                return i + 1;
            break;
        case SCAN_STRING:
            if (ts->escape)
                ts->escape = false;
            else if (c == '\\')
                ts->escape = true;
            else if (c == '"') {
                if (ts->depth == 0)
                    return i + 1;
                ts->state = SCAN_CONTAINER;
            }
            break;
        default: /* SCAN_SCALAR: up to white space or a structural character */
            if (is_ws(c) || strchr("{}[],:\"", c))
                return i;
            break;
        }
    }
    ts->off = n;
    return 0;
}

/* Parse the record of n bytes at p, whose bytes may or may not be followed by padding. */
static int
parse_record(struct sol_json_reader *r, const char *p, size_t n, const struct sol_json **root,
             struct sol_error *err)
{
    bool padded = r->f != NULL || (size_t)(r->data + r->len - (p + n)) >= SOL__JSON_PADDING;
    if (padded)
        return sol__json_parse_padded(r->doc, p, n, root, err);
    return sol_json_parse(r->doc, p, n, root, err);
}

/*
 * The column (0-based) where the record at data offset start begins in its line:
 * its distance from r->line_start, which is kept in stream terms because the line's
 * beginning may have left the buffer.
 */
static size_t
record_column(const struct sol_json_reader *r, size_t start)
{
    return r->base + start - r->line_start;
}

/* Note that the line containing data offset pos (just after a newline) starts there. */
static void
note_newlines(struct sol_json_reader *r, size_t from, size_t to)
{
    const char *nl = memrchr(r->data + from, '\n', to - from);
    if (nl)
        r->line_start = r->base + (size_t)(nl - r->data) + 1;
}

/*
 * Turn an error inside the record at stream offset start, which begins on line line
 * at column column (0-based), into stream terms: offset and line in the stream, and
 * on the record's first line the column in the line rather than in the record.
 */
static int
stream_error(struct sol_error *err, int rc, size_t start, size_t line, size_t column)
{
    if (!err)
        return rc;
    if (err->line) {
        if (err->line == 1)
            err->column += (unsigned)column;
        err->offset += start;
        err->line += (unsigned)line - 1;
    } else {
        err->line = (unsigned)line;
        err->column = (unsigned)column + 1;
        err->offset = start;
    }
    return rc;
}

/* Does the record fail only because it ends too early (a pretty-printed text)? */
static bool
record_incomplete(struct sol_json_reader *r, const char *p, size_t n)
{
    struct sol__json_check c;
    memset(&c, 0, sizeof(c));
    c.max_depth = sol__json_doc_limits(r->doc)->max_depth;
    c.dup_node = SIZE_MAX;
    return sol__json_check(p, n, &c) != 0 && c.incomplete;
}

/*
 * Does the text that starts at r->pos, delimited as in the concatenated framing,
 * parse? (Reads more as needed; r->pos stays at the text's start.)
 */
static bool
first_text_parses(struct sol_json_reader *r)
{
    struct text_scan ts;
    memset(&ts, 0, sizeof(ts));
    size_t end;
    for (;;) {
        end = text_scan(&ts, r->data + r->pos, r->len - r->pos);
        if (end)
            break;
        if (r->len - r->pos > r->max_bytes)
            return false;
        if (!refill(r)) {
            end = r->len - r->pos;
            break;
        }
    }
    const struct sol_json *root;
    return parse_record(r, r->data + r->pos, end, &root, NULL) == 0;
}

static int
next_line(struct sol_json_reader *r, const struct sol_json **root, struct sol_str *raw,
          struct sol_error *err)
{
    for (;;) {
        const char *nl = NULL;
        for (;;) {
            nl = memchr(r->data + r->pos, '\n', r->len - r->pos);
            if (nl)
                break;
            if (r->len - r->pos > r->max_bytes && !r->skipping) {
                /* Too long to ever be a record: report it once, then discard. */
                r->record_line = r->line;
                r->skipping = true;
                size_t start = r->pos;
                sol_error_set(err, SOL_ELIMIT, "line longer than the limit of %zu bytes",
                              r->max_bytes);
                stream_error(err, SOL_ELIMIT, r->base + start, r->record_line,
                             record_column(r, start));
                r->pos = r->len;
                return SOL_ELIMIT;
            }
            if (r->skipping)
                r->pos = r->len;
            if (!refill(r))
                break;
        }
        size_t start = r->pos;
        size_t end = nl ? (size_t)(nl - r->data) : r->len;
        r->pos = nl ? end + 1 : end;
        size_t column = record_column(r, start);
        if (nl)
            r->line_start = r->base + r->pos;
        size_t line = r->line++;
        if (r->skipping) {
            r->skipping = false;
            continue;
        }
        if (start == end && !nl) {
            r->line--;
            if (r->io_error) {
                r->io_error = false;
                return sol_error_set(err, r->io_errno == ENOMEM ? SOL_ENOMEM : SOL_EIO,
                                     "read error: %s", strerror(r->io_errno));
            }
            return SOL_EEOF;
        }
        size_t n = end - start;
        const char *p = r->data + start;
        if (n > r->max_bytes) {
            /* Blank or not: the reader never holds more than max_bytes of one line. */
            r->record_line = line;
            sol_error_set(err, SOL_ELIMIT, "line longer than the limit of %zu bytes", r->max_bytes);
            return stream_error(err, SOL_ELIMIT, r->base + start, line, column);
        }
        if (n && p[n - 1] == '\r')
            n--;
        if (is_blank(p, n))
            continue;
        r->record_line = line;
        if (raw) {
            raw->p = p;
            raw->n = n;
        }
        int rc = parse_record(r, p, n, root, err);
        if (rc && r->framing == FRAMING_UNKNOWN && rc == SOL_ESYNTAX && nl &&
            record_incomplete(r, p, n)) {
            /*
             * The first text goes on past its line: concatenated texts, if the text
             * that starts here is whole and good. Otherwise these are JSON lines with
             * a bad first line, which must not swallow the good lines after it.
             */
            r->pos = start;
            r->line = line;
            r->line_start = r->base + start;
            if (first_text_parses(r)) {
                r->framing = FRAMING_TEXTS;
                return 1;
            }
            r->framing = FRAMING_LINES;
            continue;
        }
        r->framing = FRAMING_LINES;
        if (rc)
            return stream_error(err, rc, r->base + start, line, column);
        return 0;
    }
}

/* Step over bytes [from, to) of the data that belong to no record, or to a skipped one. */
static void
pass_over(struct sol_json_reader *r, size_t from, size_t to)
{
    r->line += count_lines(r->data + from, to - from);
    note_newlines(r, from, to);
}

static int
next_text(struct sol_json_reader *r, const struct sol_json **root, struct sol_str *raw,
          struct sol_error *err)
{
    for (;;) {
        struct text_scan *ts = &r->scan;
        size_t end;
        for (;;) {
            end = text_scan(ts, r->data + r->pos, r->len - r->pos);
            if (end)
                break;
            if (r->skipping || ts->state == SCAN_BEFORE) {
                /* Nothing here to keep: white space, or the rest of a text too long. */
                size_t keep = r->skipping ? r->len : r->pos + ts->off;
                pass_over(r, r->pos, keep);
                r->pos = keep;
                ts->off = 0;
            } else if (r->len - (r->pos + ts->start) > r->max_bytes) {
                /* A text too long (or never closed): report it, then skip to its end. */
                size_t start = r->pos + ts->start;
                pass_over(r, r->pos, start);
                r->record_line = r->line;
                sol_error_set(err, SOL_ELIMIT, "JSON text longer than the limit of %zu bytes",
                              r->max_bytes);
                stream_error(err, SOL_ELIMIT, r->base + start, r->line, record_column(r, start));
                pass_over(r, start, r->len);
                r->pos = r->len;
                ts->off = 0;
                r->skipping = true;
                return SOL_ELIMIT;
            }
            if (!refill(r)) {
                end = r->len - r->pos;
                break;
            }
        }
        bool skipped = r->skipping, started = ts->state != SCAN_BEFORE;
        size_t lead = started && !skipped ? ts->start : end;
        memset(ts, 0, sizeof(*ts));
        r->skipping = false;
        pass_over(r, r->pos, r->pos + lead);
        if (skipped) {
            r->pos += end;
            continue;
        }
        if (lead == end) {
            r->pos += end;
            if (r->io_error) {
                r->io_error = false;
                return sol_error_set(err, r->io_errno == ENOMEM ? SOL_ENOMEM : SOL_EIO,
                                     "read error: %s", strerror(r->io_errno));
            }
            return SOL_EEOF;
        }
        size_t start = r->pos + lead, n = end - lead;
        const char *p = r->data + start;
        size_t line = r->line, column = record_column(r, start);
        r->record_line = line;
        pass_over(r, start, r->pos + end);
        r->pos += end;
        if (n > r->max_bytes) {
            sol_error_set(err, SOL_ELIMIT, "JSON text longer than the limit of %zu bytes",
                          r->max_bytes);
            return stream_error(err, SOL_ELIMIT, r->base + start, line, column);
        }
        if (raw) {
            raw->p = p;
            raw->n = n;
        }
        int rc = parse_record(r, p, n, root, err);
        if (rc)
            return stream_error(err, rc, r->base + start, line, column);
        return 0;
    }
}

/* The next record, in the framing chosen at the first record (see json.h). */
int
sol_json_reader_next(struct sol_json_reader *r, const struct sol_json **root, struct sol_str *raw,
                     struct sol_error *err)
{
    *root = NULL;
    if (raw) {
        raw->p = NULL;
        raw->n = 0;
    }
    if (!r->started) {
        /* RFC 8259 §8.1 lets a parser ignore a byte order mark: Windows tools write one. */
        r->started = true;
        while (r->f && r->len < 3 && refill(r))
            ;
        if (r->len >= 3 && memcmp(r->data, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
    }
    if (r->framing != FRAMING_TEXTS) {
        int rc = next_line(r, root, raw, err);
        if (rc != 1)
            return rc;
    }
    return next_text(r, root, raw, err);
}
