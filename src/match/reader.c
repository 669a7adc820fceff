/*
 * reader.c — log readers: each line of a Zeek log (TSV or JSON), a Suricata eve.json,
 * JSON lines or CSV through a mapping becomes one observation; a STIX bundle gives one
 * observation per observed-data. Input is read through zlib, so gzip-compressed logs
 * and plain ones read alike. The line buffer, the JSON document and the observation
 * are reused from line to line.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

#define MAX_LINE ((size_t)64 << 20)
#define MAX_STIX ((size_t)1 << 30)
#define MAX_COLS 512

/* A rule reachable from a member name: the whole field, or its part before a dot. */
struct dispatch {
    const char *key;
    uint16_t key_n;
    uint16_t rule;
    int16_t rest; /* -1: the member is the field; else where the rest of the field starts */
    int32_t next;
};

struct sol_log_reader {
    gzFile gz; /* gzip input; else plain reads from fd */
    int fd;
    char name[256];
    enum sol_log_format fmt;
    const struct sol_log_mapping *map;
    /* input */
    char *buf;
    size_t cap, start, end;
    bool eof, ioerr;
    bool follow; /* a last line without its newline is still being written: wait */
    char *line;
    size_t line_n;
    bool have_peeked;
    size_t lineno, line_at;
    uint64_t bytes;
    /* output */
    struct sol_obs obs;
    struct sol__mline ln;
    struct sol_json_doc *doc;
    const struct sol_json *root;
    /* Zeek TSV and CSV: the columns */
    char sep, setsep;
    char unset[32], empty[32];
    char **fields;
    size_t nfields;
    bool *is_set;
    int *rule_of;
    const char *cols[MAX_COLS];
    size_t col_n[MAX_COLS];
    size_t ncols;
    char *csvbuf;
    size_t csvcap;
    /* JSON: the rules by the member name they start at */
    struct dispatch *dent;
    size_t ndent;
    int32_t dhead[256];
    /* STIX */
    struct sol_buf stix_text;
    const struct sol_json *stix_list;
    const struct sol_json *stix_next;
    uint32_t stix_left;
    size_t stix_i;
};

int
sol_log_format_parse(const char *name, enum sol_log_format *out)
{
    static const struct {
        const char *n;
        enum sol_log_format f;
    } names[] = {{"zeek", SOL_LOG_ZEEK_TSV},       {"zeek-tsv", SOL_LOG_ZEEK_TSV},
                 {"zeek-json", SOL_LOG_ZEEK_JSON}, {"eve", SOL_LOG_EVE},
                 {"suricata", SOL_LOG_EVE},        {"jsonl", SOL_LOG_JSONL},
                 {"json", SOL_LOG_JSONL},          {"csv", SOL_LOG_CSV},
                 {"stix", SOL_LOG_STIX},           {"auto", SOL_LOG_AUTO}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].n) == 0) {
            *out = names[i].f;
            return 0;
        }
    return SOL_EINVAL;
}

const char *
sol_log_format_name(enum sol_log_format f)
{
    switch (f) {
    case SOL_LOG_ZEEK_TSV:
        return "zeek";
    case SOL_LOG_ZEEK_JSON:
        return "zeek-json";
    case SOL_LOG_EVE:
        return "eve";
    case SOL_LOG_JSONL:
        return "jsonl";
    case SOL_LOG_CSV:
        return "csv";
    case SOL_LOG_STIX:
        return "stix";
    default:
        return "auto";
    }
}

/* ---- Lines ---- */

/* Read up to n bytes: through zlib for gzip input, straight from the file otherwise. */
static int
read_some(struct sol_log_reader *r, char *p, size_t n)
{
    if (n > (1u << 30))
        n = 1u << 30;
    if (r->gz)
        return gzread(r->gz, p, (unsigned)n);
    for (;;) {
        ssize_t k = read(r->fd, p, n);
        if (k >= 0 || errno != EINTR)
            return (int)k;
    }
}

static bool
fill(struct sol_log_reader *r)
{
    if (r->eof)
        return false;
    if (r->start > 0 && r->start == r->end) {
        r->start = r->end = 0;
    } else if (r->start > r->cap / 2) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < 65536) {
        if (r->cap >= MAX_LINE + 65536)
            return false;
        size_t nc = r->cap * 2;
        char *nb = sol_realloc(r->buf, nc + 1);
        if (!nb)
            return false;
        r->buf = nb;
        r->cap = nc;
    }
    int k = read_some(r, r->buf + r->end, r->cap - r->end);
    if (k < 0) {
        r->ioerr = true;
        r->eof = true;
        return false;
    }
    if (k == 0) {
        r->eof = true;
        return false;
    }
    r->end += (size_t)k;
    return true;
}

/* The next line without its end ("\n" or "\r\n"), NUL-terminated; false at the end. */
static bool
next_line(struct sol_log_reader *r)
{
    if (r->have_peeked) {
        r->have_peeked = false;
        return true;
    }
    size_t scan_from = r->start;
    for (;;) {
        char *nl = memchr(r->buf + scan_from, '\n', r->end - scan_from);
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            r->line = r->buf + r->start;
            r->line_at = r->start;
            r->start += n + 1;
            r->bytes += n + 1;
            if (n && r->line[n - 1] == '\r')
                n--;
            r->line[n] = 0;
            r->line_n = n;
            r->lineno++;
            return true;
        }
        size_t done = r->end - r->start;
        if (!fill(r)) {
            if (r->end > r->start && r->eof && !r->ioerr && !r->follow) {
                /* The last line without a newline. A growing file (--follow) may still
                   be writing it: leave it for later unless input has ended for good. */
                size_t n = r->end - r->start;
                r->line = r->buf + r->start;
                r->line_at = r->start;
                r->start = r->end;
                r->bytes += n;
                if (n && r->line[n - 1] == '\r')
                    n--;
                r->line[n] = 0;
                r->line_n = n;
                r->lineno++;
                return true;
            }
            return false;
        }
        scan_from = r->start + done;
    }
}

/* ---- Opening and detection ---- */

void
sol_log_reader_free(struct sol_log_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    else if (r->fd >= 0)
        close(r->fd);
    sol_free(r->buf);
    sol_json_doc_free(r->doc);
    for (size_t i = 0; i < r->nfields; i++)
        sol_free(r->fields[i]);
    sol_free(r->fields);
    sol_free(r->is_set);
    sol_free(r->rule_of);
    sol_free(r->csvbuf);
    sol_free(r->dent);
    sol_buf_free(&r->stix_text);
    sol_free(r);
}

static bool
starts(const char *s, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(s, pre, k) == 0;
}

static int read_stix(struct sol_log_reader *r, struct sol_error *err);

static int
detect(struct sol_log_reader *r, struct sol_error *err)
{
    /* The first line that is not blank. */
    do {
        if (!next_line(r)) {
            if (r->ioerr)
                return sol_error_set(err, SOL_EIO, "%s: read error", r->name);
            /* Empty input: any format reads nothing from it. */
            r->fmt = r->map ? SOL_LOG_JSONL : SOL_LOG_ZEEK_JSON;
            return 0;
        }
    } while (r->line_n == 0);
    r->have_peeked = true;
    const char *s = r->line;
    size_t n = r->line_n;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (starts(s, n, "#separator")) {
        r->fmt = SOL_LOG_ZEEK_TSV;
        return 0;
    }
    if (starts(s, n, "[")) {
        r->fmt = SOL_LOG_STIX;
        return 0;
    }
    if (starts(s, n, "{")) {
        const struct sol_json *root;
        if (sol_json_parse(r->doc, r->line, r->line_n, &root, NULL) != 0) {
            r->fmt = SOL_LOG_STIX; /* a JSON document over several lines */
            return 0;
        }
        struct sol_str type = sol_json_str(sol_json_get(root, "type"));
        if (sol_json_get(root, "event_type"))
            r->fmt = SOL_LOG_EVE;
        else if (type.p && (sol_str_eqc(type, "bundle") || sol_str_eqc(type, "observed-data")))
            r->fmt = SOL_LOG_STIX;
        else if (sol_json_get(root, "ts") &&
                 (sol_json_get(root, "uid") || sol_json_get(root, "id.orig_h") ||
                  sol_json_get(root, "_path") || sol_json_get(root, "fuid") ||
                  sol_json_get(root, "certificate.subject")))
            r->fmt = SOL_LOG_ZEEK_JSON;
        else if (r->map)
            r->fmt = SOL_LOG_JSONL;
        else
            return sol_error_set(err, SOL_EINVAL,
                                 "%s: JSON lines that are neither Zeek nor eve need a mapping "
                                 "(--mapping FILE)",
                                 r->name);
        return 0;
    }
    if (r->map) {
        r->fmt = SOL_LOG_CSV;
        return 0;
    }
    return sol_error_set(err, SOL_ESYNTAX,
                         "%s: cannot tell the log format from its first line (give --format)",
                         r->name);
}

/*
 * gzip on a pipe whose first two bytes were read already: a thread copies them and the
 * rest of the pipe into a new pipe that zlib reads.
 */
struct replay {
    int from, to;
    unsigned char head[2];
};

static void *
replay_main(void *arg)
{
    struct replay *rp = arg;
    char buf[65536];
    bool ok = write(rp->to, rp->head, 2) == 2;
    while (ok) {
        ssize_t k = read(rp->from, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        for (ssize_t o = 0; o < k;) {
            ssize_t w = write(rp->to, buf + o, (size_t)(k - o));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                ok = false;
                break;
            }
            o += w;
        }
    }
    close(rp->from);
    close(rp->to);
    sol_free(rp);
    return NULL;
}

static gzFile
gz_from_pipe(struct sol_log_reader *r)
{
    int p[2];
    if (pipe(p) != 0)
        return NULL;
    struct replay *rp = sol_malloc(sizeof *rp);
    if (!rp) {
        close(p[0]);
        close(p[1]);
        return NULL;
    }
    rp->from = r->fd;
    rp->to = p[1];
    memcpy(rp->head, r->buf, 2);
    pthread_t th;
    if (pthread_create(&th, NULL, replay_main, rp) != 0) {
        sol_free(rp);
        close(p[0]);
        close(p[1]);
        return NULL;
    }
    pthread_detach(th);
    r->end = 0;
    return gzdopen(p[0], "rb");
}

int
sol_log_reader_open(FILE *f, const char *name, enum sol_log_format fmt,
                    const struct sol_log_mapping *mapping, struct sol_log_reader **out,
                    struct sol_error *err)
{
    *out = NULL;
    if ((fmt == SOL_LOG_JSONL || fmt == SOL_LOG_CSV) && !mapping)
        return sol_error_set(err, SOL_EINVAL, "%s: the %s format needs a mapping (--mapping FILE)",
                             name, sol_log_format_name(fmt));
    struct sol_log_reader *r = sol_calloc(1, sizeof *r);
    if (!r)
        return SOL_ENOMEM;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->map = mapping;
    r->cap = 1 << 20;
    r->buf = sol_malloc(r->cap + 1);
    r->doc = sol_json_doc_new(NULL);
    sol_buf_init(&r->stix_text);
    r->fd = -1;
    if (!r->buf || !r->doc) {
        sol_log_reader_free(r);
        return SOL_ENOMEM;
    }
    int fno = fileno(f);
    r->fd = fno >= 0 ? dup(fno) : -1;
    if (r->fd < 0) {
        sol_log_reader_free(r);
        return sol_error_set(err, SOL_EIO, "%s: cannot read it: %s", name,
                             fno < 0 ? "not a file" : strerror(errno));
    }
    /* The first bytes say gzip or not; they stay in the buffer either way. */
    while (r->end < 2) {
        ssize_t k = read(r->fd, r->buf + r->end, 2 - r->end);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        r->end += (size_t)k;
    }
    if (r->end == 2 && (unsigned char)r->buf[0] == 0x1f && (unsigned char)r->buf[1] == 0x8b) {
        /* zlib reads from the start: give it the two bytes back by seeking, or, on a
           pipe, by handing it a descriptor whose first bytes we replay. */
        if (lseek(r->fd, 0, SEEK_SET) == 0) {
            r->end = 0;
            r->gz = gzdopen(r->fd, "rb");
        } else {
            r->gz = gz_from_pipe(r);
        }
        if (!r->gz) {
            sol_log_reader_free(r);
            return sol_error_set(err, SOL_EIO, "%s: cannot read it as gzip", name);
        }
        r->fd = -1;
        gzbuffer(r->gz, 1 << 17);
    }
    r->sep = '\t';
    r->setsep = ',';
    snprintf(r->unset, sizeof r->unset, "-");
    snprintf(r->empty, sizeof r->empty, "(empty)");
    r->ln.obs = &r->obs;
    r->ln.ctx = r;
    r->fmt = fmt;
    int rc = 0;
    if (fmt == SOL_LOG_AUTO)
        rc = detect(r, err);
    /* A detected Zeek or eve log reads through the built-in mapping; a mapping given
       serves the generic formats, or Zeek and eve when the format is given too. */
    if (!rc && (!r->map || fmt == SOL_LOG_AUTO)) {
        if (r->fmt == SOL_LOG_ZEEK_TSV || r->fmt == SOL_LOG_ZEEK_JSON)
            r->map = &sol__mzeek;
        else if (r->fmt == SOL_LOG_EVE)
            r->map = &sol__meve;
    }
    if (!rc && r->fmt == SOL_LOG_STIX)
        rc = read_stix(r, err);
    if (rc) {
        sol_log_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

enum sol_log_format
sol_log_reader_format(const struct sol_log_reader *r)
{
    return r->fmt;
}

uint64_t
sol_log_reader_bytes(const struct sol_log_reader *r)
{
    return r->bytes;
}

void
sol_log_reader_set_follow(struct sol_log_reader *r, bool follow)
{
    r->follow = follow;
}

void
sol_log_reader_clear_eof(struct sol_log_reader *r)
{
    if (r->eof && !r->ioerr) {
        r->eof = false;
        if (r->gz)
            gzclearerr(r->gz);
    }
}

/* ---- JSON lines ---- */

static void emit_json(struct sol_log_reader *r, const struct sol__mrule *rule,
                      const struct sol_json *v);

static void
visit(struct sol_log_reader *r, const struct sol__mrule *rule, const struct sol_json *v,
      const char *name, size_t n)
{
    if (v->type == SOL_JSON_ARRAY) {
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &e))
            visit(r, rule, e, name, n);
        return;
    }
    if (v->type != SOL_JSON_OBJECT)
        return;
    const struct sol_json *m = sol_json_getn(v, name, n);
    if (m) {
        emit_json(r, rule, m);
        return;
    }
    /* "dns.rrname": a dotted name may be a path into nested objects. */
    for (size_t i = 0; i < n; i++) {
        if (name[i] != '.')
            continue;
        m = sol_json_getn(v, name, i);
        if (m) {
            visit(r, rule, m, name + i + 1, n - i - 1);
            return;
        }
    }
}

static void
emit_json(struct sol_log_reader *r, const struct sol__mrule *rule, const struct sol_json *v)
{
    switch (v->type) {
    case SOL_JSON_STRING:
        (void)sol__mrule_apply(&r->ln, rule, v->u.s, v->n, false, 0);
        break;
    case SOL_JSON_INT:
    case SOL_JSON_UINT:
    case SOL_JSON_DOUBLE:
        (void)sol__mrule_apply(&r->ln, rule, NULL, 0, true, sol_json_number(v));
        break;
    case SOL_JSON_ARRAY: {
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &e))
            if (e->type != SOL_JSON_ARRAY)
                emit_json(r, rule, e);
        break;
    }
    default:
        break;
    }
}

static const struct sol_json *
find_json(const struct sol_json *v, const char *name, size_t n)
{
    if (!v || v->type != SOL_JSON_OBJECT)
        return NULL;
    const struct sol_json *m = sol_json_getn(v, name, n);
    if (m)
        return m;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '.' && (m = sol_json_getn(v, name, i)) != NULL)
            return find_json(m, name + i + 1, n - i - 1);
    return NULL;
}

static struct sol_str
lookup_json(struct sol__mline *ln, const char *field)
{
    struct sol_log_reader *r = ln->ctx;
    return sol_json_str(find_json(r->root, field, strlen(field)));
}

static int
bad_line(struct sol_log_reader *r, struct sol_error *err, const char *what)
{
    sol_error_set(err, SOL_ESYNTAX, "%s", what);
    if (err) {
        err->line = (unsigned)r->lineno;
        err->column = 0;
    }
    return SOL_ESYNTAX;
}

/* Length and the two end bytes: cheap, and enough to tell log field names apart. */
static unsigned
dispatch_hash(const char *s, size_t n)
{
    if (!n)
        return 0;
    return ((unsigned)n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1]) & 255;
}

static int
dispatch_add(struct sol_log_reader *r, size_t *cap, const char *key, size_t n, size_t rule,
             int rest)
{
    if (n > 65535 || rule > 65535 || rest > 32767)
        return 0;
    if (r->ndent == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct dispatch *nd = sol_realloc(r->dent, nc * sizeof *nd);
        if (!nd)
            return SOL_ENOMEM;
        r->dent = nd;
        *cap = nc;
    }
    unsigned h = dispatch_hash(key, n);
    struct dispatch *d = &r->dent[r->ndent];
    d->key = key;
    d->key_n = (uint16_t)n;
    d->rule = (uint16_t)rule;
    d->rest = (int16_t)rest;
    d->next = r->dhead[h];
    r->dhead[h] = (int32_t)r->ndent++;
    return 0;
}

/* Index the rules by member name, so that a line's members are looked at once each. */
static int
build_dispatch(struct sol_log_reader *r)
{
    size_t cap = 0;
    for (size_t i = 0; i < 256; i++)
        r->dhead[i] = -1;
    for (size_t i = 0; i < r->map->n; i++) {
        const char *f = r->map->rules[i].field;
        size_t n = strlen(f);
        int rc = dispatch_add(r, &cap, f, n, i, -1);
        for (size_t j = 0; j < n && !rc; j++)
            if (f[j] == '.')
                rc = dispatch_add(r, &cap, f, j, i, (int)j + 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int
next_json(struct sol_log_reader *r, struct sol_error *err)
{
    do {
        if (!next_line(r))
            return r->ioerr ? sol_error_set(err, SOL_EIO, "%s: read error", r->name) : SOL_EEOF;
    } while (r->line_n == 0);
    struct sol_error jerr; /* filled by the parser on failure only; not cleared per line */
    if (sol_json_parse(r->doc, r->line, r->line_n, &r->root, &jerr) != 0) {
        sol_error_set(err, SOL_ESYNTAX, "not JSON: %s", jerr.msg);
        if (err) {
            err->line = (unsigned)r->lineno;
            err->column = jerr.column;
        }
        return SOL_ESYNTAX;
    }
    if (r->root->type != SOL_JSON_OBJECT)
        return bad_line(r, err, "expected a JSON object");
    r->ln.lookup = lookup_json;
    if (!r->dent && build_dispatch(r) != 0)
        return SOL_ENOMEM;
    /* Members are a key node and the value's subtree, in a row (json.h). */
    const struct sol_json *m = r->root + 1;
    for (uint32_t i = 0; i < r->root->n; i++) {
        const struct sol_json *k = m, *v = m + 1;
        m = v + v->skip;
        /* No rule takes a boolean or a null: skip them without looking at their keys. */
        if (v->type == SOL_JSON_BOOL || v->type == SOL_JSON_NULL)
            continue;
        struct sol_str key = {k->u.s, k->n};
        for (int32_t e = r->dhead[dispatch_hash(key.p, key.n)]; e >= 0; e = r->dent[e].next) {
            const struct dispatch *d = &r->dent[e];
            if (d->key_n != key.n || memcmp(d->key, key.p, key.n) != 0)
                continue;
            const struct sol__mrule *rule = &r->map->rules[d->rule];
            if (d->rest < 0)
                emit_json(r, rule, v);
            else
                visit(r, rule, v, rule->field + d->rest, strlen(rule->field) - (size_t)d->rest);
        }
    }
    return 0;
}

/* ---- Zeek TSV ---- */

/* "\x09" → a tab: Zeek writes the separators escaped in its headers. */
static char
unescape_char(const char *s, size_t n)
{
    if (n == 4 && s[0] == '\\' && s[1] == 'x') {
        char h[3] = {s[2], s[3], 0};
        return (char)strtol(h, NULL, 16);
    }
    return n ? s[0] : '\t';
}

static int
set_columns(struct sol_log_reader *r, char **names, size_t n)
{
    for (size_t i = 0; i < r->nfields; i++)
        sol_free(r->fields[i]);
    sol_free(r->fields);
    sol_free(r->is_set);
    sol_free(r->rule_of);
    r->fields = names;
    r->nfields = n;
    r->is_set = sol_calloc(n + 1, sizeof *r->is_set);
    r->rule_of = sol_calloc(n + 1, sizeof *r->rule_of);
    if (!r->is_set || !r->rule_of)
        return SOL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r->rule_of[i] = -1;
        for (size_t k = 0; k < r->map->n; k++)
            if (strcmp(r->map->rules[k].field, names[i]) == 0) {
                r->rule_of[i] = (int)k;
                break;
            }
    }
    return 0;
}

/* Split the current line at sep into r->cols (pointers into the line). */
static size_t
split(struct sol_log_reader *r, const char *s, size_t n, char sep)
{
    size_t k = 0, a = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == sep) {
            if (k < MAX_COLS) {
                r->cols[k] = s + a;
                r->col_n[k] = i - a;
            }
            k++;
            a = i + 1;
        }
    }
    return k;
}

static int
zeek_header(struct sol_log_reader *r, struct sol_error *err)
{
    const char *s = r->line;
    size_t n = r->line_n;
    if (starts(s, n, "#separator ")) {
        r->sep = unescape_char(s + 11, n - 11);
        return 0;
    }
    /* The other headers are separated by the separator itself. */
    size_t k = split(r, s, n, r->sep);
    if (k < 2)
        return 0;
    struct sol_str key = {r->cols[0], r->col_n[0]};
    if (sol_str_eqc(key, "#set_separator")) {
        r->setsep = unescape_char(r->cols[1], r->col_n[1]);
    } else if (sol_str_eqc(key, "#unset_field")) {
        snprintf(r->unset, sizeof r->unset, "%.*s", (int)r->col_n[1], r->cols[1]);
    } else if (sol_str_eqc(key, "#empty_field")) {
        snprintf(r->empty, sizeof r->empty, "%.*s", (int)r->col_n[1], r->cols[1]);
    } else if (sol_str_eqc(key, "#fields")) {
        if (k - 1 > MAX_COLS)
            return bad_line(r, err, "more than 512 fields");
        char **names = sol_calloc(k, sizeof *names);
        if (!names)
            return SOL_ENOMEM;
        for (size_t i = 1; i < k; i++)
            if (!(names[i - 1] = sol_strndup(r->cols[i], r->col_n[i]))) {
                for (size_t j = 0; j < i; j++)
                    sol_free(names[j]);
                sol_free(names);
                return SOL_ENOMEM;
            }
        return set_columns(r, names, k - 1);
    } else if (sol_str_eqc(key, "#types")) {
        for (size_t i = 1; i < k && i - 1 < r->nfields; i++)
            r->is_set[i - 1] = starts(r->cols[i], r->col_n[i], "set[") ||
                               starts(r->cols[i], r->col_n[i], "vector[");
    }
    return 0;
}

static struct sol_str
lookup_cols(struct sol__mline *ln, const char *field)
{
    struct sol_log_reader *r = ln->ctx;
    struct sol_str none = {NULL, 0};
    for (size_t i = 0; i < r->nfields && i < r->ncols; i++)
        if (strcmp(r->fields[i], field) == 0) {
            struct sol_str v = {r->cols[i], r->col_n[i]};
            if (sol_str_eqc(v, r->unset) || sol_str_eqc(v, r->empty))
                return none;
            return v;
        }
    return none;
}

static int
next_zeek(struct sol_log_reader *r, struct sol_error *err)
{
    for (;;) {
        if (!next_line(r))
            return r->ioerr ? sol_error_set(err, SOL_EIO, "%s: read error", r->name) : SOL_EEOF;
        if (r->line_n == 0)
            continue;
        if (r->line[0] == '#') {
            int rc = zeek_header(r, err);
            if (rc)
                return rc;
            continue;
        }
        break;
    }
    if (!r->nfields)
        return bad_line(r, err, "a record before the #fields header");
    size_t k = split(r, r->line, r->line_n, r->sep);
    if (k != r->nfields) {
        char what[64];
        snprintf(what, sizeof what, "%zu fields where #fields names %zu", k, r->nfields);
        return bad_line(r, err, what);
    }
    r->ncols = k;
    r->ln.lookup = lookup_cols;
    for (size_t i = 0; i < k; i++) {
        if (r->rule_of[i] < 0)
            continue;
        struct sol_str v = {r->cols[i], r->col_n[i]};
        if (sol_str_eqc(v, r->unset) || sol_str_eqc(v, r->empty))
            continue;
        const struct sol__mrule *rule = &r->map->rules[r->rule_of[i]];
        if (r->is_set[i]) {
            size_t a = 0;
            for (size_t j = 0; j <= v.n; j++)
                if (j == v.n || v.p[j] == r->setsep) {
                    (void)sol__mrule_apply(&r->ln, rule, v.p + a, j - a, false, 0);
                    a = j + 1;
                }
        } else if (sol__mrule_apply(&r->ln, rule, v.p, v.n, false, 0) < 0 &&
                   rule->kind == SOL__MR_TIME) {
            return bad_line(r, err, "the time does not parse");
        }
    }
    return 0;
}

/* ---- CSV (RFC 4180, one record per line) ---- */

static int
split_csv(struct sol_log_reader *r, struct sol_error *err)
{
    if (r->csvcap < r->line_n + 1) {
        char *nb = sol_realloc(r->csvbuf, r->line_n + 1);
        if (!nb)
            return SOL_ENOMEM;
        r->csvbuf = nb;
        r->csvcap = r->line_n + 1;
    }
    const char *s = r->line;
    size_t n = r->line_n, i = 0, o = 0, k = 0;
    char sep = r->sep;
    for (;;) {
        size_t a = o;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return bad_line(r, err, "a quoted field is not closed");
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        r->csvbuf[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                r->csvbuf[o++] = s[i++];
            }
            if (i < n && s[i] != sep)
                return bad_line(r, err, "text after a closing quote");
        } else {
            while (i < n && s[i] != sep)
                r->csvbuf[o++] = s[i++];
        }
        if (k < MAX_COLS) {
            r->cols[k] = r->csvbuf + a;
            r->col_n[k] = o - a;
        }
        k++;
        if (i >= n)
            break;
        i++; /* the separator */
    }
    r->ncols = k;
    return 0;
}

static int
next_csv(struct sol_log_reader *r, struct sol_error *err)
{
    do {
        if (!next_line(r))
            return r->ioerr ? sol_error_set(err, SOL_EIO, "%s: read error", r->name) : SOL_EEOF;
    } while (r->line_n == 0);
    if (!r->nfields) {
        /* The header: its separator is the first of ',', ';', '\t' it holds. */
        const char *c = strpbrk(r->line, ",;\t");
        r->sep = c ? *c : ',';
        int rc = split_csv(r, err);
        if (rc)
            return rc;
        if (r->ncols > MAX_COLS)
            return bad_line(r, err, "more than 512 columns");
        char **names = sol_calloc(r->ncols + 1, sizeof *names);
        if (!names)
            return SOL_ENOMEM;
        for (size_t i = 0; i < r->ncols; i++) {
            size_t a = 0, b = r->col_n[i];
            while (a < b && isspace((unsigned char)r->cols[i][a]))
                a++;
            while (b > a && isspace((unsigned char)r->cols[i][b - 1]))
                b--;
            if (!(names[i] = sol_strndup(r->cols[i] + a, b - a))) {
                for (size_t j = 0; j < i; j++)
                    sol_free(names[j]);
                sol_free(names);
                return SOL_ENOMEM;
            }
        }
        rc = set_columns(r, names, r->ncols);
        if (rc)
            return rc;
        return next_csv(r, err);
    }
    int rc = split_csv(r, err);
    if (rc)
        return rc;
    if (r->ncols != r->nfields) {
        char what[64];
        snprintf(what, sizeof what, "%zu fields where the header names %zu", r->ncols, r->nfields);
        return bad_line(r, err, what);
    }
    snprintf(r->unset, sizeof r->unset, "%s", "");
    r->ln.lookup = lookup_cols;
    for (size_t i = 0; i < r->ncols; i++) {
        if (r->rule_of[i] < 0)
            continue;
        const struct sol__mrule *rule = &r->map->rules[r->rule_of[i]];
        if (sol__mrule_apply(&r->ln, rule, r->cols[i], r->col_n[i], false, 0) < 0 &&
            rule->kind == SOL__MR_TIME)
            return bad_line(r, err, "the time does not parse");
    }
    return 0;
}

/* ---- STIX observed-data ---- */

static int
read_stix(struct sol_log_reader *r, struct sol_error *err)
{
    /* Everything from the first line on. */
    size_t from = r->have_peeked ? r->line_at : r->start;
    if (r->have_peeked) {
        /* next_line() put a NUL where the newline was: put it back. */
        size_t e = r->line_at + r->line_n;
        if (e < r->end)
            r->buf[e] = e + 1 < r->end && r->buf[e + 1] == '\n' ? '\r' : '\n';
        r->have_peeked = false;
    }
    sol_buf_append(&r->stix_text, r->buf + from, r->end - from);
    r->start = r->end;
    char chunk[65536];
    for (;;) {
        int k = read_some(r, chunk, sizeof chunk);
        if (k < 0)
            return sol_error_set(err, SOL_EIO, "%s: read error", r->name);
        if (k == 0)
            break;
        if (r->stix_text.n + (size_t)k > MAX_STIX)
            return sol_error_set(err, SOL_ELIMIT, "%s: larger than 1 GiB", r->name);
        sol_buf_append(&r->stix_text, chunk, (size_t)k);
    }
    if (r->stix_text.oom)
        return SOL_ENOMEM;
    r->bytes = r->stix_text.n;
    struct sol_json_limits lim = {.max_bytes = MAX_STIX};
    sol_json_doc_free(r->doc);
    r->doc = sol_json_doc_new(&lim);
    if (!r->doc)
        return SOL_ENOMEM;
    struct sol_error jerr;
    memset(&jerr, 0, sizeof jerr);
    if (sol_json_parse(r->doc, r->stix_text.p ? r->stix_text.p : "", r->stix_text.n, &r->root,
                       &jerr) != 0) {
        sol_error_set(err, SOL_ESYNTAX, "%s: not JSON: %s", r->name, jerr.msg);
        if (err) {
            err->line = jerr.line;
            err->column = jerr.column;
        }
        return SOL_ESYNTAX;
    }
    const struct sol_json *list = r->root;
    if (list->type == SOL_JSON_OBJECT) {
        struct sol_str t = sol_json_str(sol_json_get(list, "type"));
        if (t.p && sol_str_eqc(t, "bundle"))
            list = sol_json_get(list, "objects");
    }
    r->stix_list = list;
    if (list && list->type == SOL_JSON_ARRAY) {
        r->stix_next = list + 1;
        r->stix_left = list->n;
    } else if (list && list->type == SOL_JSON_OBJECT) {
        r->stix_next = list;
        r->stix_left = 1;
    } else {
        return sol_error_set(err, SOL_ESYNTAX, "%s: not a STIX bundle or array of objects",
                             r->name);
    }
    return 0;
}

static const struct sol_json *
stix_find(const struct sol_log_reader *r, struct sol_str id)
{
    if (!r->stix_list || r->stix_list->type != SOL_JSON_ARRAY)
        return NULL;
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, r->stix_list);
    while (sol_json_iter_next(&it, NULL, &v))
        if (sol_str_eq(sol_json_str(sol_json_get(v, "id")), id))
            return v;
    return NULL;
}

struct stix_objs {
    struct sol_str key[SOL_OBS_MAX_OBJECTS];
    const struct sol_json *val[SOL_OBS_MAX_OBJECTS];
    size_t n;
};

static int
stix_ref(const struct stix_objs *so, struct sol_str s)
{
    for (size_t i = 0; i < so->n; i++)
        if (sol_str_eq(so->key[i], s))
            return (int)i;
    return -1;
}

/* Flatten the members of an SCO into properties with dotted paths. */
static void
flatten(struct sol_obs *obs, int o, const struct stix_objs *so, const struct sol_json *v,
        char *path, size_t pn, bool after_hashes, int depth)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *m;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &key, &m)) {
        if (pn == 0 && (sol_str_eqc(key, "type") || sol_str_eqc(key, "id") ||
                        sol_str_eqc(key, "spec_version")))
            continue;
        const char *k = key.p;
        size_t kn = key.n;
        const char *canon = after_hashes ? sol__mhash_canonical(k, kn) : NULL;
        if (canon) {
            k = canon;
            kn = strlen(canon);
        }
        if (pn + kn + 2 > 256)
            continue;
        size_t q = pn;
        if (q)
            path[q++] = '.';
        memcpy(path + q, k, kn);
        path[q + kn] = 0;
        bool is_ref = kn > 4 && (memcmp(k + kn - 4, "_ref", 4) == 0 ||
                                 (kn > 5 && memcmp(k + kn - 5, "_refs", 5) == 0));
        if (m->type == SOL_JSON_OBJECT) {
            if (depth < 6)
                flatten(obs, o, so, m, path, q + kn, kn == 6 && memcmp(k, "hashes", 6) == 0,
                        depth + 1);
            continue;
        }
        /* The path must outlive this call: copy it into the observation. */
        size_t plen = q + kn;
        if (plen + 1 > SOL_OBS_SCRATCH - obs->scratch_n) {
            obs->truncated = true;
            return;
        }
        char *pp = obs->scratch + obs->scratch_n;
        memcpy(pp, path, plen + 1);
        obs->scratch_n += plen + 1;
        const struct sol_json *items = m;
        uint32_t count = 1;
        if (m->type == SOL_JSON_ARRAY) {
            items = m + 1;
            count = m->n;
        }
        for (uint32_t i = 0; i < count; i++, items += items->skip) {
            const struct sol_json *e = items;
            if (e->type == SOL_JSON_STRING) {
                if (is_ref) {
                    int t = stix_ref(so, sol_json_str(e));
                    if (t >= 0)
                        sol_obs_add_ref(obs, o, pp, t);
                } else {
                    sol_obs_add_str(obs, o, pp, e->u.s, e->n);
                }
            } else if (e->type == SOL_JSON_INT) {
                sol_obs_add_int(obs, o, pp, e->u.i);
            } else if (e->type == SOL_JSON_BOOL) {
                struct sol_obs_prop *p;
                if (sol_obs_add_int(obs, o, pp, e->u.b) == 0) {
                    p = &obs->prop[obs->nprop - 1];
                    p->kind = SOL_OBS_BOOL;
                }
            }
        }
    }
}

static int
next_stix(struct sol_log_reader *r, struct sol_error *err)
{
    while (r->stix_left) {
        const struct sol_json *od = r->stix_next;
        r->stix_next += od->skip;
        r->stix_left--;
        size_t at = r->stix_i++;
        r->lineno = at + 1;
        if (!sol_str_eqc(sol_json_str(sol_json_get(od, "type")), "observed-data"))
            continue;
        struct stix_objs so;
        so.n = 0;
        const struct sol_json *objects = sol_json_get(od, "objects");
        const struct sol_json *refs = sol_json_get(od, "object_refs");
        struct sol_json_iter it;
        struct sol_str key;
        const struct sol_json *v;
        if (objects && objects->type == SOL_JSON_OBJECT) {
            sol_json_iter_init(&it, objects);
            while (sol_json_iter_next(&it, &key, &v) && so.n < SOL_OBS_MAX_OBJECTS)
                if (v->type == SOL_JSON_OBJECT) {
                    so.key[so.n] = key;
                    so.val[so.n++] = v;
                }
        } else if (refs && refs->type == SOL_JSON_ARRAY) {
            sol_json_iter_init(&it, refs);
            while (sol_json_iter_next(&it, NULL, &v) && so.n < SOL_OBS_MAX_OBJECTS) {
                const struct sol_json *sco = stix_find(r, sol_json_str(v));
                if (sco) {
                    so.key[so.n] = sol_json_str(v);
                    so.val[so.n++] = sco;
                }
            }
        } else {
            char what[64];
            snprintf(what, sizeof what, "objects[%zu]", at);
            sol_error_set(err, SOL_ESYNTAX, "%s: observed-data without objects or object_refs",
                          what);
            if (err)
                snprintf(err->path, sizeof err->path, "objects[%zu]", at);
            return SOL_ESYNTAX;
        }
        struct sol_str fo = sol_json_str(sol_json_get(od, "first_observed"));
        struct sol_str lo = sol_json_str(sol_json_get(od, "last_observed"));
        if (fo.p)
            (void)sol__mparse_time(fo.p, fo.n, false, 0, &r->obs.time);
        if (lo.p)
            (void)sol__mparse_time(lo.p, lo.n, false, 0, &r->obs.time_last);
        for (size_t i = 0; i < so.n; i++) {
            struct sol_str t = sol_json_str(sol_json_get(so.val[i], "type"));
            /* The type must outlive the call: keep it in the scratch space. */
            if (!t.p || t.n + 1 > SOL_OBS_SCRATCH - r->obs.scratch_n ||
                r->obs.nobj >= SOL_OBS_MAX_OBJECTS)
                break;
            char *tp = r->obs.scratch + r->obs.scratch_n;
            memcpy(tp, t.p, t.n);
            tp[t.n] = 0;
            r->obs.scratch_n += t.n + 1;
            sol_obs_add_object(&r->obs, tp);
        }
        char path[256];
        for (size_t i = 0; i < r->obs.nobj; i++)
            flatten(&r->obs, (int)i, &so, so.val[i], path, 0, false, 0);
        return 0;
    }
    return SOL_EEOF;
}

int
sol_log_reader_next(struct sol_log_reader *r, const struct sol_obs **obs, struct sol_error *err)
{
    sol_obs_reset(&r->obs);
    r->ln.ntyped = 0;
    int rc;
    switch (r->fmt) {
    case SOL_LOG_ZEEK_TSV:
        rc = next_zeek(r, err);
        break;
    case SOL_LOG_CSV:
        rc = next_csv(r, err);
        break;
    case SOL_LOG_STIX:
        rc = next_stix(r, err);
        break;
    default:
        rc = next_json(r, err);
        break;
    }
    if (rc == 0)
        *obs = &r->obs;
    return rc;
}
