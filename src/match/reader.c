/*
 * reader.c — the one dispatcher of the log readers (reader.h): input read through zlib
 * for gzip-compressed logs and straight from the descriptor otherwise, lines, and the
 * public sol_log_reader_* calls, which go to the format's row of the table. The line
 * buffer, the JSON document and the observation are reused from line to line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

#define MAX_LINE ((size_t)64 << 20)

static const struct sol__mlog_format *const formats[SOL_LOG_NFORMATS] = {
    NULL, /* SOL_LOG_AUTO: detected (reader_auto.c) */
#define X(e, f) &sol__mlog_##f,
    SOL_LOG_FORMAT_LIST(X)
#undef X
};

const struct sol__mlog_format *
sol__mlog_format(enum sol_log_format id)
{
    return (unsigned)id < SOL_LOG_NFORMATS ? formats[id] : NULL;
}

int
sol_log_format_parse(const char *name, enum sol_log_format *out)
{
    if (strcmp(name, "auto") == 0) {
        *out = SOL_LOG_AUTO;
        return 0;
    }
    for (size_t i = 1; i < SOL_LOG_NFORMATS; i++) {
        const struct sol__mlog_format *f = formats[i];
        bool hit = strcmp(name, f->name) == 0;
        for (const char *const *a = f->alias; a && *a && !hit; a++)
            hit = strcmp(name, *a) == 0;
        if (hit) {
            *out = f->id;
            return 0;
        }
    }
    return SOL_EINVAL;
}

const char *
sol_log_format_name(enum sol_log_format f)
{
    const struct sol__mlog_format *fmt = sol__mlog_format(f);
    return fmt ? fmt->name : "auto";
}

/* ---- Lines ---- */

int
sol__mreader_read(struct sol_log_reader *r, char *p, size_t n)
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
    int k = sol__mreader_read(r, r->buf + r->end, r->cap - r->end);
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

/* Take the n bytes at r->start as the current line. */
static void
take_line(struct sol_log_reader *r, size_t n, size_t consumed)
{
    r->line = r->buf + r->start;
    r->line_at = r->start;
    r->line_offset = r->bytes;
    r->start += consumed;
    r->bytes += consumed;
    if (n && r->line[n - 1] == '\r')
        n--;
    r->line[n] = 0;
    r->line_n = n;
    r->lineno++;
}

bool
sol__mreader_line(struct sol_log_reader *r)
{
    if (r->have_peeked) {
        r->have_peeked = false;
        return true;
    }
    if (r->limit && r->bytes >= r->limit)
        return false; /* the next line starts in the next part */
    size_t scan_from = r->start;
    for (;;) {
        char *nl = memchr(r->buf + scan_from, '\n', r->end - scan_from);
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            take_line(r, n, n + 1);
            return true;
        }
        size_t done = r->end - r->start;
        if (!fill(r)) {
            if (r->end > r->start && r->eof && !r->ioerr && !r->follow) {
                /* The last line without a newline. A growing file (--follow) may still
                   be writing it: leave it for later unless input has ended for good. */
                size_t n = r->end - r->start;
                take_line(r, n, n);
                return true;
            }
            return false;
        }
        scan_from = r->start + done;
    }
}

int
sol__mreader_nonblank(struct sol_log_reader *r, struct sol_error *err)
{
    do {
        if (!sol__mreader_line(r))
            return r->ioerr ? sol_error_set(err, SOL_EIO, "%s: read error", r->name) : SOL_EEOF;
    } while (r->line_n == 0);
    return 0;
}

int
sol__mreader_bad_line(struct sol_log_reader *r, struct sol_error *err, const char *what)
{
    sol_error_set(err, SOL_ESYNTAX, "%s", what);
    if (err) {
        err->line = (unsigned)r->lineno;
        err->column = 0;
    }
    return SOL_ESYNTAX;
}

bool
sol__mreader_starts(const char *s, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(s, pre, k) == 0;
}

/* ---- Opening ---- */

void
sol_log_reader_free(struct sol_log_reader *r)
{
    if (!r)
        return;
    if (r->fmt && r->fmt->free)
        r->fmt->free(r);
    if (r->gz)
        gzclose(r->gz);
    else if (r->fd >= 0)
        close(r->fd);
    sol_free(r->buf);
    sol_json_doc_free(r->doc);
    sol_free(r);
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

/* Read the first bytes; gzip input then reads through zlib from its start. */
static int
open_input(struct sol_log_reader *r, struct sol_error *err)
{
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
        if (!r->gz)
            return sol_error_set(err, SOL_EIO, "%s: cannot read it as gzip", r->name);
        r->fd = -1;
        gzbuffer(r->gz, 1 << 17);
    }
    return 0;
}

int
sol_log_reader_open(FILE *f, const char *name, enum sol_log_format fmt,
                    const struct sol_log_mapping *mapping, struct sol_log_reader **out,
                    struct sol_error *err)
{
    *out = NULL;
    const struct sol__mlog_format *given = NULL;
    if (fmt != SOL_LOG_AUTO && !(given = sol__mlog_format(fmt)))
        return sol_error_set(err, SOL_EINVAL, "%s: no such log format", name);
    if (given && given->needs_mapping && !mapping)
        return sol_error_set(err, SOL_EINVAL, "%s: the %s format needs a mapping (--mapping FILE)",
                             name, given->name);
    struct sol_log_reader *r = sol_calloc(1, sizeof *r);
    if (!r)
        return SOL_ENOMEM;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->map = mapping;
    r->cap = 1 << 20;
    r->buf = sol_malloc(r->cap + 1);
    r->doc = sol_json_doc_new(NULL);
    r->fd = -1;
    r->ln.obs = &r->obs;
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
    int rc = open_input(r, err);
    if (!rc && !given)
        rc = sol__mlog_detect(r, err);
    else
        r->fmt = given;
    /* A detected format with a built-in mapping reads through it; a mapping given
       serves the generic formats, or Zeek and eve when the format is given too. */
    if (!rc && r->fmt->mapping && (!r->map || !given))
        r->map = r->fmt->mapping;
    if (!rc) {
        rc = r->fmt->open(r, err);
        if (rc && r->fmt->free)
            r->fmt->free(r);
        r->state = rc ? NULL : r->state;
    }
    if (rc) {
        r->fmt = NULL;
        sol_log_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

bool
sol__mlog_splittable_file(FILE *f, uint64_t min_size, uint64_t *size)
{
    struct stat st;
    unsigned char head[2];
    int fd = fileno(f);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < min_size)
        return false;
    *size = (uint64_t)st.st_size;
    return pread(fd, head, 2, 0) == 2 && !(head[0] == 0x1f && head[1] == 0x8b);
}

int
sol__mlog_open_part(FILE *f, const char *name, enum sol_log_format fmt,
                    const struct sol_log_mapping *mapping, uint64_t start, uint64_t end,
                    struct sol_log_reader **out, struct sol_error *err)
{
    uint64_t size;
    if (!sol__mlog_splittable_file(f, 0, &size))
        return sol_error_set(err, SOL_EUNSUPPORTED, "%s: cannot be read in parts", name);
    int rc = sol_log_reader_open(f, name, fmt, mapping, out, err);
    if (rc)
        return rc;
    struct sol_log_reader *r = *out;
    r->limit = end;
    if (!r->fmt->splittable) {
        sol_log_reader_free(r);
        *out = NULL;
        return sol_error_set(err, SOL_EUNSUPPORTED, "%s: the %s format cannot be read in parts",
                             name, r->fmt->name);
    }
    if (start == 0)
        return 0;
    /* The headers, then the first line that starts at or after start. */
    r->limit = 0;
    rc = r->fmt->prime ? r->fmt->prime(r, err) : 0;
    if (!rc && lseek(r->fd, (off_t)(start - 1), SEEK_SET) != (off_t)(start - 1))
        rc = sol_error_set(err, SOL_EIO, "%s: cannot seek: %s", name, strerror(errno));
    if (rc) {
        sol_log_reader_free(r);
        *out = NULL;
        return rc;
    }
    r->start = r->end = 0;
    r->eof = r->have_peeked = false;
    r->bytes = start - 1;
    r->limit = end;
    r->lines_unknown = true;
    (void)sol__mreader_line(r); /* the end of the line before: at least its newline */
    r->origin = r->bytes;
    return 0;
}

/* Put the peeked line back: its newline restored, the next read starts at it. */
static void
unpeek(struct sol_log_reader *r)
{
    if (!r->have_peeked)
        return;
    size_t e = r->line_at + r->line_n;
    if (e < r->end)
        r->buf[e] = e + 1 < r->end && r->buf[e + 1] == '\n' ? '\r' : '\n';
    r->bytes -= r->start - r->line_at;
    r->start = r->line_at;
    r->lineno--;
    r->have_peeked = false;
}

int
sol__mlog_open_stream(FILE *f, const char *name, enum sol_log_format fmt,
                      const struct sol_log_mapping *mapping, struct sol_log_reader **out,
                      char **header, size_t *header_n, uint64_t *header_lines,
                      struct sol_error *err)
{
    *header = NULL;
    *header_n = 0;
    *header_lines = 0;
    int rc = sol_log_reader_open(f, name, fmt, mapping, out, err);
    if (rc || !(*out)->fmt->splittable)
        return rc;
    struct sol_log_reader *r = *out;
    if (r->fmt->prime && (rc = r->fmt->prime(r, err)) != 0)
        return rc;
    unpeek(r);
    /* The headers are what was read from the start; the buffer was not moved (headers
       are short, and only a buffer past half full is moved). */
    if (r->bytes != r->start || !(*header = sol_malloc(r->start + 1)))
        return r->bytes != r->start
                   ? sol_error_set(err, SOL_ELIMIT, "%s: headers longer than 512 KiB", name)
                   : SOL_ENOMEM;
    /* The line reader ended each line where its newline was: put the ends back. */
    for (size_t i = 0; i < r->start; i++) {
        char c = r->buf[i];
        (*header)[i] = c ? c : i + 1 < r->start && r->buf[i + 1] == '\n' ? '\r' : '\n';
    }
    *header_n = r->start;
    *header_lines = r->lineno;
    return 0;
}

int
sol__mreader_block(struct sol_log_reader *r, size_t want, size_t head, char **out, size_t *n,
                   uint64_t *offset, uint64_t *first_line)
{
    *out = NULL;
    size_t cut = 0;
    for (;;) {
        size_t have = r->end - r->start;
        if (have >= want || r->eof) {
            if (r->eof) {
                cut = have;
                break;
            }
            char *nl = memrchr(r->buf + r->start, '\n', have);
            if (nl) {
                cut = (size_t)(nl - (r->buf + r->start)) + 1;
                break;
            }
        }
        if (!fill(r) && !r->eof)
            return SOL_ENOMEM; /* a line longer than 64 MiB, or no memory */
    }
    if (r->ioerr)
        return SOL_EIO;
    if (!cut)
        return SOL_EEOF;
    char *b = sol_malloc(head + cut + 1);
    if (!b)
        return SOL_ENOMEM;
    memcpy(b + head, r->buf + r->start, cut);
    *out = b;
    *n = cut;
    *offset = r->bytes;
    *first_line = r->lineno + 1;
    for (const char *p = r->buf + r->start, *e = p + cut; (p = memchr(p, '\n', (size_t)(e - p)));
         p++)
        r->lineno++;
    if (r->buf[r->start + cut - 1] != '\n')
        r->lineno++;
    r->start += cut;
    r->bytes += cut;
    return 0;
}

int
sol__mlog_open_block(const char *name, const struct sol__mlog_format *fmt,
                     const struct sol_log_mapping *map, char *text, size_t n, size_t header_n,
                     uint64_t header_lines, uint64_t offset, uint64_t first_line,
                     struct sol_log_reader **out, struct sol_error *err)
{
    *out = NULL;
    struct sol_log_reader *r = sol_calloc(1, sizeof *r);
    if (!r) {
        sol_free(text);
        return SOL_ENOMEM;
    }
    snprintf(r->name, sizeof r->name, "%s", name);
    r->fd = -1;
    r->buf = text;
    r->cap = n;
    r->end = n;
    r->eof = true;
    r->fmt = fmt;
    r->map = map;
    r->bytes = offset - header_n;
    r->origin = offset;
    r->lineno = first_line - 1 - header_lines;
    r->ln.obs = &r->obs;
    r->doc = sol_json_doc_new(NULL);
    int rc = r->doc ? r->fmt->open(r, err) : SOL_ENOMEM;
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
    return r->fmt->id;
}

uint64_t
sol_log_reader_bytes(const struct sol_log_reader *r)
{
    return r->bytes > r->origin ? r->bytes - r->origin : 0;
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

int
sol_log_reader_next(struct sol_log_reader *r, const struct sol_obs **obs, struct sol_error *err)
{
    sol_obs_reset(&r->obs);
    r->ln.ntyped = 0;
    int rc = r->fmt->next(r, err);
    if (rc == 0) {
        r->obs.source = r->name;
        r->obs.line = r->lines_unknown ? 0 : r->lineno;
        r->obs.offset = r->line_offset;
        *obs = &r->obs;
    }
    return rc;
}
