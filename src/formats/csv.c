/*
 * csv.c — CSV (RFC 4180) with a header line, in and out.
 *
 * In: each column has a role, from a mapping (the scan mapping syntax, one
 * "COLUMN -> TARGET" a line, '#' comments) or else from its header name:
 *   a value column: TARGET is an object path ("domain-name:value", "file:hashes.MD5",
 *     "process:name"), a kind word ("domain-name", "md5", "ipv4-addr") or "auto" (each cell's
 *     kind detected as in plain lists); headers named like a kind ("domain", "domain_name",
 *     "ip_address", "url", "email", "md5", "sha256", ...) are value columns, and so is
 *     "value", whose kind is the row's "path" column when there is one (what the writer
 *     writes, so an export reads back);
 *   a meta column: name, description (or comment), valid_from (first_seen), valid_until
 *     (last_seen), labels (tags; separated by ';' or '|'), confidence, path.
 * Each non-empty value cell makes one indicator, with the row's meta. A cell that is no
 * value of its column's kind is reported with its line and column.
 *
 * Out: one row per value of every indicator whose pattern is a list of values:
 *   indicator_id,name,kind,path,value,tlp,valid_from,confidence
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"
#include "solidarity/stix.h"

enum role { R_IGNORE, R_VALUE, R_NAME, R_DESC, R_FROM, R_UNTIL, R_LABELS, R_CONF, R_PATH };

struct column {
    enum role role;
    int kind;   /* R_VALUE: enum sol_atom_kind, or -1 = auto */
    char *path; /* R_VALUE with SOL_ATOM_OTHER */
    char header[64];
};

static const struct {
    const char *name;
    enum role role;
    int kind;
} header_names[] = {
    {"name", R_NAME, 0},
    {"description", R_DESC, 0},
    {"comment", R_DESC, 0},
    {"valid_from", R_FROM, 0},
    {"first_seen", R_FROM, 0},
    {"valid_until", R_UNTIL, 0},
    {"last_seen", R_UNTIL, 0},
    {"labels", R_LABELS, 0},
    {"tags", R_LABELS, 0},
    {"confidence", R_CONF, 0},
    {"path", R_PATH, 0},
    {"value", R_VALUE, -1},
    {"indicator", R_VALUE, -1},
    {"ioc", R_VALUE, -1},
    {"domain", R_VALUE, SOL_ATOM_DOMAIN},
    {"domain_name", R_VALUE, SOL_ATOM_DOMAIN},
    {"hostname", R_VALUE, SOL_ATOM_DOMAIN},
    {"ip", R_VALUE, -1},
    {"ip_address", R_VALUE, -1},
    {"ip-src", R_VALUE, -1},
    {"ip-dst", R_VALUE, -1},
    {"ipv4", R_VALUE, SOL_ATOM_IPV4},
    {"ipv6", R_VALUE, SOL_ATOM_IPV6},
    {"url", R_VALUE, SOL_ATOM_URL},
    {"uri", R_VALUE, SOL_ATOM_URL},
    {"email", R_VALUE, SOL_ATOM_EMAIL},
    {"email_address", R_VALUE, SOL_ATOM_EMAIL},
    {"md5", R_VALUE, SOL_ATOM_MD5},
    {"sha1", R_VALUE, SOL_ATOM_SHA1},
    {"sha256", R_VALUE, SOL_ATOM_SHA256},
    {"sha512", R_VALUE, SOL_ATOM_SHA512},
    {"filename", R_VALUE, SOL_ATOM_FILENAME},
    {"hash", R_VALUE, -1},
    {"kind", R_IGNORE, 0},
    {"indicator_id", R_IGNORE, 0},
    {"id", R_IGNORE, 0},
    {"tlp", R_IGNORE, 0},
};

/* A value target: a kind word or path, or another object path, or "auto". */
static int
parse_target(struct column *c, const char *t, size_t n)
{
    char buf[256];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, t, n);
    buf[n] = 0;
    for (size_t i = 0; i < sizeof header_names / sizeof *header_names; i++)
        if (strcasecmp(buf, header_names[i].name) == 0 && header_names[i].role != R_VALUE &&
            header_names[i].role != R_IGNORE) {
            c->role = header_names[i].role;
            return 0;
        }
    c->role = R_VALUE;
    if (strcmp(buf, "auto") == 0) {
        c->kind = -1;
        return 0;
    }
    int k = sol_atom_kind_parse(buf);
    if (k >= 0 && k != SOL_ATOM_OTHER) {
        c->kind = k;
        return 0;
    }
    if (strncmp(buf, "file:hashes.", 12) == 0) {
        const char *h = buf + 12;
        static const struct {
            const char *n;
            int k;
        } hs[] = {{"md5", SOL_ATOM_MD5},        {"sha1", SOL_ATOM_SHA1},
                  {"sha-1", SOL_ATOM_SHA1},     {"sha256", SOL_ATOM_SHA256},
                  {"sha-256", SOL_ATOM_SHA256}, {"sha512", SOL_ATOM_SHA512},
                  {"sha-512", SOL_ATOM_SHA512}};
        for (size_t i = 0; i < sizeof hs / sizeof *hs; i++)
            if (strcasecmp(h, hs[i].n) == 0 ||
                (h[0] == '\'' && strncasecmp(h + 1, hs[i].n, strlen(hs[i].n)) == 0 &&
                 h[1 + strlen(hs[i].n)] == '\'')) {
                c->kind = hs[i].k;
                return 0;
            }
    }
    if (!strchr(buf, ':'))
        return -1;
    c->kind = SOL_ATOM_OTHER;
    c->path = sol_strdup(buf);
    return c->path ? 0 : SOL_ENOMEM;
}

static void
role_of_header(struct column *c, const char *h, size_t n)
{
    snprintf(c->header, sizeof c->header, "%.*s", (int)n, h);
    c->role = R_IGNORE;
    for (size_t i = 0; i < sizeof header_names / sizeof *header_names; i++)
        if (strlen(header_names[i].name) == n && strncasecmp(h, header_names[i].name, n) == 0) {
            c->role = header_names[i].role;
            c->kind = header_names[i].kind;
            return;
        }
    int k = sol_atom_kind_parse(c->header);
    if (k >= 0 && k != SOL_ATOM_OTHER) {
        c->role = R_VALUE;
        c->kind = k;
    }
}

/* One CSV record: fields as views into a buffer of unquoted text. */
struct record {
    struct sol_buf text;
    size_t *off, *len;
    size_t n, cap;
};

/*
 * record := field ( ',' field )* ( CRLF | LF | end )
 * field  := '"' ( [^"] | '""' )* '"' | [^,\r\n]*       (RFC 4180 §2)
 * Returns 1 with a record, 0 at the end, -1 on an unclosed quote (*p left at the end).
 */
static int
next_record(const char **pp, const char *end, size_t *line, struct record *r)
{
    const char *p = *pp;
    if (p >= end)
        return 0;
    sol_buf_reset(&r->text);
    r->n = 0;
    for (;;) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 16;
            size_t *o = sol_realloc(r->off, cap * sizeof *o);
            size_t *l = o ? sol_realloc(r->len, cap * sizeof *l) : NULL;
            if (!o || !l) {
                if (o)
                    r->off = o;
                return -2;
            }
            r->off = o, r->len = l, r->cap = cap;
        }
        size_t start = r->text.n;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    *pp = end;
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        sol_buf_putc(&r->text, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    (*line)++;
                sol_buf_putc(&r->text, *p++);
            }
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                p++; /* text after the closing quote is dropped */
        } else {
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                sol_buf_putc(&r->text, *p++);
        }
        r->off[r->n] = start;
        r->len[r->n++] = r->text.n - start;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
        break;
    }
    (*line)++;
    *pp = p;
    return 1;
}

static struct sol_str
field(const struct record *r, size_t i)
{
    if (i >= r->n)
        return (struct sol_str){"", 0};
    const char *s = r->text.p ? r->text.p + r->off[i] : "";
    size_t n = r->len[i];
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return (struct sol_str){s, n};
}

/*
 * A header line with a comma (after any '#' comment lines), no JSON: sure when the file is
 * named .csv or the header names a column we know.
 */
int
sol__csv_detect(const char *path, const char *head, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && isspace((unsigned char)head[i]))
            i++;
        if (i >= n || head[i] != '#')
            break;
        const char *eol = memchr(head + i, '\n', n - i);
        if (!eol)
            return 0;
        i = (size_t)(eol - head) + 1;
    }
    if (i < n && (head[i] == '{' || head[i] == '['))
        return 0;
    const char *eol = memchr(head + i, '\n', n - i);
    size_t len = eol ? (size_t)(eol - head) - i : n - i;
    if (!memchr(head + i, ',', len))
        return 0;
    size_t pl = strlen(path);
    if (pl > 4 && strcasecmp(path + pl - 4, ".csv") == 0)
        return 70;
    for (size_t k = 0; k < sizeof header_names / sizeof *header_names; k++) {
        size_t hl = strlen(header_names[k].name);
        for (size_t j = i; j + hl <= i + len; j++)
            if ((j == i || head[j - 1] == ',' || head[j - 1] == '"') &&
                strncasecmp(head + j, header_names[k].name, hl) == 0 &&
                (j + hl == i + len || head[j + hl] == ',' || head[j + hl] == '"' ||
                 head[j + hl] == '\r'))
                return 60;
    }
    return 0;
}

/* Parse a mapping: "COLUMN -> TARGET" lines; column names matched to the header. */
static int
apply_mapping(const char *text, struct column *cols, const struct record *hdr, const char *name,
              struct sol_error *err)
{
    for (size_t i = 0; i < hdr->n; i++)
        cols[i].role = R_IGNORE;
    const char *p = text;
    for (unsigned line = 1; *p; line++) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *a = p, *b = eol;
        p = *eol ? eol + 1 : eol;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a == b || *a == '#')
            continue;
        const char *arrow = NULL;
        for (const char *q = a; q + 1 < b && !arrow; q++)
            if (q[0] == '-' && q[1] == '>')
                arrow = q;
        if (!arrow)
            return sol_error_set(err, SOL_ESYNTAX, "mapping line %u: expected 'COLUMN -> TARGET'",
                                 line);
        const char *ce = arrow;
        while (ce > a && isspace((unsigned char)ce[-1]))
            ce--;
        const char *t = arrow + 2;
        while (t < b && isspace((unsigned char)*t))
            t++;
        size_t col = hdr->n;
        for (size_t i = 0; i < hdr->n; i++) {
            struct sol_str h = field(hdr, i);
            if (h.n == (size_t)(ce - a) && memcmp(h.p, a, h.n) == 0)
                col = i;
        }
        if (col == hdr->n)
            return sol_error_set(err, SOL_EINVALID,
                                 "mapping line %u: %s has no column '%.*s' in its header", line,
                                 name, (int)(ce - a), a);
        int rc = parse_target(&cols[col], t, (size_t)(b - t));
        if (rc == SOL_ENOMEM)
            return sol_error_set(err, rc, "out of memory");
        if (rc != 0)
            return sol_error_set(err, SOL_ESYNTAX,
                                 "mapping line %u: '%.*s' is not a target (an object path such as "
                                 "domain-name:value, a kind, auto, or name, description, "
                                 "valid_from, valid_until, labels, confidence)",
                                 line, (int)(b - t), t);
    }
    return 0;
}

static sol_time_t
cell_time(struct sol_str s)
{
    sol_time_t t = 0;
    if (s.n && sol_time_parse(s.p, s.n, SOL_TIME_ALLOW_LOWER, &t, NULL, NULL) == 0)
        return t;
    /* a bare date (YYYY-MM-DD): its midnight */
    char buf[40];
    if (s.n == 10 && snprintf(buf, sizeof buf, "%.10sT00:00:00Z", s.p) > 0 &&
        sol_time_parse(buf, 20, 0, &t, NULL, NULL) == 0)
        return t;
    return 0;
}

/* The reader (see the top of this file). */
int
sol__csv_read(const struct sol_format_input *in, const struct sol_import_options *o, void *imp,
              struct sol_error *err)
{
    struct sol__import *im = imp;
    const char *p = in->p, *end = in->p + in->n;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    struct record hdr = {0}, rec = {0};
    sol_buf_init(&hdr.text);
    sol_buf_init(&rec.text);
    struct sol_buf val, desc, name, labels_text;
    sol_buf_init(&val);
    sol_buf_init(&desc);
    sol_buf_init(&name);
    sol_buf_init(&labels_text);
    struct column *cols = NULL;
    size_t line = 1;
    int rc = 0;
    /* Leading comment lines before the header ("# source: ...") are skipped. */
    while (p < end && *p == '#') {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        p = eol ? eol + 1 : end;
        line++;
    }
    int got = next_record(&p, end, &line, &hdr);
    if (got <= 0) {
        rc = got == -2 ? sol_error_set(err, SOL_ENOMEM, "out of memory")
                       : sol_error_set(err, SOL_ESYNTAX, "%s: no header line", in->name);
        goto out;
    }
    cols = sol_calloc(hdr.n, sizeof *cols);
    if (!cols) {
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < hdr.n; i++) {
        struct sol_str h = field(&hdr, i);
        role_of_header(&cols[i], h.p, h.n);
    }
    if (o->mapping && (rc = apply_mapping(o->mapping, cols, &hdr, in->name, err)) != 0)
        goto out;
    size_t path_col = hdr.n, nvalue = 0;
    for (size_t i = 0; i < hdr.n; i++) {
        if (cols[i].role == R_PATH)
            path_col = i;
        nvalue += cols[i].role == R_VALUE;
    }
    if (!nvalue) {
        rc = sol_error_set(err, SOL_EINVALID,
                           "%s: no column holds indicators (name them in a mapping with "
                           "--mapping, e.g. 'domain_name -> domain-name:value')",
                           in->name);
        goto out;
    }
    char where[600];
    for (;;) {
        size_t rec_line = line;
        got = next_record(&p, end, &line, &rec);
        if (got == 0)
            break;
        if (got == -2) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            break;
        }
        if (got == -1) {
            snprintf(where, sizeof where, "%s:%zu", in->name, rec_line);
            sol__note(im, SOL_NOTE_JUNK, where, NULL, "a quoted field is not closed");
            break;
        }
        if (rec.n == 1 && field(&rec, 0).n == 0)
            continue; /* a blank line */
        if (field(&rec, 0).n && field(&rec, 0).p[0] == '#') {
            snprintf(where, sizeof where, "%s:%zu", in->name, rec_line);
            sol__note(im, SOL_NOTE_COMMENT, where, NULL, "a comment");
            continue;
        }
        struct sol__plain meta = {.confidence = -1};
        const char *labels[32];
        size_t nl = 0;
        sol_buf_reset(&desc);
        sol_buf_reset(&name);
        sol_buf_reset(&labels_text);
        for (size_t i = 0; i < hdr.n && i < rec.n; i++) {
            struct sol_str f = field(&rec, i);
            if (!f.n)
                continue;
            switch (cols[i].role) {
            case R_NAME:
                sol_buf_append(&name, f.p, f.n);
                meta.name = name.p;
                break;
            case R_DESC:
                sol_buf_append(&desc, f.p, f.n);
                meta.description = desc.p;
                break;
            case R_FROM:
                meta.valid_from = cell_time(f);
                break;
            case R_UNTIL:
                meta.valid_until = cell_time(f);
                break;
            case R_CONF: {
                char *e;
                char buf[16];
                snprintf(buf, sizeof buf, "%.*s", (int)(f.n < 15 ? f.n : 15), f.p);
                long c = strtol(buf, &e, 10);
                if (!*e && c >= 0 && c <= 100)
                    meta.confidence = (int)c;
                break;
            }
            case R_LABELS:
                sol_buf_append(&labels_text, f.p, f.n);
                sol_buf_putc(&labels_text, 0);
                break;
            default:
                break;
            }
        }
        /* labels: split on ';' and '|' (the text is ours to cut) */
        for (char *s = labels_text.p, *e = s ? s + labels_text.n : NULL; s && s < e && nl < 32;) {
            char *q = s;
            while (q < e && *q && *q != ';' && *q != '|')
                q++;
            bool last = q >= e || !*q;
            *q = 0;
            while (*s == ' ')
                s++;
            if (*s)
                labels[nl++] = s;
            s = q + 1;
            if (last)
                break;
        }
        meta.labels = labels;
        meta.n_labels = nl;
        for (size_t i = 0; i < hdr.n && i < rec.n && rc == 0; i++) {
            if (cols[i].role != R_VALUE)
                continue;
            struct sol_str f = field(&rec, i);
            if (!f.n)
                continue;
            snprintf(where, sizeof where, "%s:%zu (column %s)", in->name, rec_line, cols[i].header);
            sol_buf_reset(&val);
            sol_ioc_refang(f.p, f.n, &val);
            bool network = false;
            int detected = sol_ioc_detect(val.p, val.n, &network);
            int kind = cols[i].kind;
            const char *path = cols[i].path;
            char pathbuf[256];
            if (path_col < rec.n && field(&rec, path_col).n) {
                struct sol_str ps = field(&rec, path_col);
                snprintf(pathbuf, sizeof pathbuf, "%.*s", (int)ps.n, ps.p);
                int k = sol_atom_kind_parse(pathbuf);
                kind = k >= 0 ? k : SOL_ATOM_OTHER;
                path = pathbuf;
            }
            if (kind < 0) {
                kind = detected;
                if (kind < 0) {
                    sol__note(im, SOL_NOTE_JUNK, where, NULL, "'%.*s' is not an indicator",
                              (int)(val.n > 120 ? 120 : val.n), val.p);
                    continue;
                }
            } else if (kind != SOL_ATOM_OTHER && kind != SOL_ATOM_FILENAME && detected != kind &&
                       !(kind == SOL_ATOM_CERT_SHA1 && detected == SOL_ATOM_SHA1)) {
                sol__note(im, SOL_NOTE_JUNK, where, NULL, "'%.*s' is not a %s",
                          (int)(val.n > 120 ? 120 : val.n), val.p,
                          sol_atom_kind_word((enum sol_atom_kind)kind));
                continue;
            }
            struct sol__plain pl = meta;
            pl.kind = kind;
            pl.path = path;
            pl.value = val.p;
            pl.value_n = val.n;
            pl.network = network;
            rc = sol__emit_plain(im, &pl, where);
        }
        if (rc)
            break;
    }
out:
    for (size_t i = 0; cols && i < hdr.n; i++)
        sol_free(cols[i].path);
    sol_free(cols);
    sol_free(hdr.off);
    sol_free(hdr.len);
    sol_free(rec.off);
    sol_free(rec.len);
    sol_buf_free(&hdr.text);
    sol_buf_free(&rec.text);
    sol_buf_free(&val);
    sol_buf_free(&desc);
    sol_buf_free(&name);
    sol_buf_free(&labels_text);
    return rc;
}

/* RFC 4180 §2: a field with a comma, quote or line break is quoted, quotes doubled. */
static void
csv_field(struct sol__out *o, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        sol__out_put(o, s, n);
        return;
    }
    sol__out_put(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sol__out_put(o, "\"", 1);
        sol__out_put(o, s + i, 1);
    }
    sol__out_put(o, "\"", 1);
}

struct csv_state {
    struct sol__out out;
    struct sol_export_report *rep;
};

static bool
csv_accept(void *ud, const struct sol_atom *a, const char **why)
{
    (void)ud;
    (void)a;
    (void)why;
    return true; /* a CSV row names its path: every value can be written */
}

static int
csv_each(void *ud, const struct sol__indicator *ind)
{
    struct csv_state *cs = ud;
    char from[40] = "";
    if (ind->valid_from)
        sol_time_format(ind->valid_from, 3, from);
    for (size_t i = 0; i < ind->n_atoms; i++) {
        const struct sol_atom *a = &ind->atoms[i];
        csv_field(&cs->out, ind->id.p, ind->id.n);
        sol__out_put(&cs->out, ",", 1);
        csv_field(&cs->out, ind->name.p ? ind->name.p : "", ind->name.n);
        sol__out_put(&cs->out, ",", 1);
        sol__out_puts(&cs->out, sol_atom_kind_word(a->kind));
        sol__out_put(&cs->out, ",", 1);
        csv_field(&cs->out, a->path.p, a->path.n);
        sol__out_put(&cs->out, ",", 1);
        csv_field(&cs->out, a->value.p, a->value.n);
        sol__out_put(&cs->out, ",", 1);
        sol__out_puts(&cs->out, sol_tlp_name((enum sol_tlp)ind->tlp));
        sol__out_put(&cs->out, ",", 1);
        sol__out_puts(&cs->out, from);
        sol__out_put(&cs->out, ",", 1);
        if (ind->confidence >= 0)
            sol__out_printf(&cs->out, "%d", ind->confidence);
        sol__out_put(&cs->out, "\r\n", 2);
        cs->rep->entries++;
    }
    return cs->out.rc;
}

/* The writer (see the top of this file). */
int
sol__csv_write(struct sol_store *s, const struct sol_object_filter *f,
               const struct sol_export_options *o, const struct sol_export_sink *out,
               struct sol_export_report *rep, struct sol_error *err)
{
    struct csv_state cs = {.rep = rep};
    sol__out_init(&cs.out, out);
    sol__out_part(&cs.out, NULL);
    sol__out_puts(&cs.out, "indicator_id,name,kind,path,value,tlp,valid_from,confidence\r\n");
    struct sol__walk wk = {
        .s = s, .f = f, .o = o, .rep = rep, .accept = csv_accept, .each = csv_each, .ud = &cs};
    int rc = sol__walk_indicators(&wk, err);
    int frc = sol__out_finish(&cs.out);
    return rc ? rc : frc;
}
