/*
 * reader_csv.c — CSV (RFC 4180, one record per line) with a header line that names the
 * columns, through a mapping file. The separator is the first of ',', ';' and tab the
 * header holds.
 */
#include <ctype.h>
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

struct csv {
    struct sol__mcols c;
    char sep;
    char *buf; /* the current record's unquoted values */
    size_t cap;
};

/* Anything that is not JSON, when a mapping says what its columns are. */
static int
detect(const struct sol__mfirst *first)
{
    return first->mapping && !(first->n && first->s[0] == '{') ? 10 : 0;
}

static int
csv_open(struct sol_log_reader *r, struct sol_error *err)
{
    (void)err;
    struct csv *c = sol_calloc(1, sizeof *c);
    if (!c)
        return SOL_ENOMEM;
    c->sep = ',';
    /* An empty value is no value; so is Zeek's "(empty)", as ever. */
    snprintf(c->c.empty, sizeof c->c.empty, "(empty)");
    r->state = c;
    r->ln.ctx = &c->c;
    r->ln.lookup = sol__mcols_lookup;
    return 0;
}

static void
csv_free(struct sol_log_reader *r)
{
    struct csv *c = r->state;
    if (!c)
        return;
    sol__mcols_free(&c->c);
    sol_free(c->buf);
    sol_free(c);
}

/* Split the current line into c->c.cols, quotes undone (into c->buf). */
static int
split(struct sol_log_reader *r, struct csv *c, struct sol_error *err)
{
    if (c->cap < r->line_n + 1) {
        char *nb = sol_realloc(c->buf, r->line_n + 1);
        if (!nb)
            return SOL_ENOMEM;
        c->buf = nb;
        c->cap = r->line_n + 1;
    }
    const char *s = r->line;
    size_t n = r->line_n, i = 0, o = 0, k = 0;
    char sep = c->sep;
    for (;;) {
        size_t a = o;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return sol__mreader_bad_line(r, err, "a quoted field is not closed");
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        c->buf[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                c->buf[o++] = s[i++];
            }
            if (i < n && s[i] != sep)
                return sol__mreader_bad_line(r, err, "text after a closing quote");
        } else {
            while (i < n && s[i] != sep)
                c->buf[o++] = s[i++];
        }
        if (k < SOL__MCOLS_MAX) {
            c->c.cols[k] = c->buf + a;
            c->c.col_n[k] = o - a;
        }
        k++;
        if (i >= n)
            break;
        i++; /* the separator */
    }
    c->c.ncols = k;
    return 0;
}

/* The header: the column names, trimmed. */
static int
header(struct sol_log_reader *r, struct csv *c, struct sol_error *err)
{
    const char *sep = strpbrk(r->line, ",;\t");
    c->sep = (char)(sep ? *sep : ',');
    int rc = split(r, c, err);
    if (rc)
        return rc;
    size_t ncols = c->c.ncols;
    if (ncols > SOL__MCOLS_MAX)
        return sol__mreader_bad_line(r, err, "more than 512 columns");
    char **names = sol_calloc(ncols + 1, sizeof *names);
    if (!names)
        return SOL_ENOMEM;
    for (size_t i = 0; i < ncols; i++) {
        size_t a = 0, b = c->c.col_n[i];
        while (a < b && isspace((unsigned char)c->c.cols[i][a]))
            a++;
        while (b > a && isspace((unsigned char)c->c.cols[i][b - 1]))
            b--;
        if (!(names[i] = sol_strndup(c->c.cols[i] + a, b - a))) {
            for (size_t j = 0; j < i; j++)
                sol_free(names[j]);
            sol_free(names);
            return SOL_ENOMEM;
        }
    }
    return sol__mcols_set(&c->c, r->map, names, ncols);
}

/* The header line at the file's start (sol__mlog_open_part()). */
static int
csv_prime(struct sol_log_reader *r, struct sol_error *err)
{
    struct csv *c = r->state;
    int rc = sol__mreader_nonblank(r, err);
    return rc == SOL_EEOF ? 0 : rc ? rc : header(r, c, err);
}

static int
csv_next(struct sol_log_reader *r, struct sol_error *err)
{
    struct csv *c = r->state;
    int rc = sol__mreader_nonblank(r, err);
    if (rc)
        return rc;
    if (!c->c.nfields) {
        rc = header(r, c, err);
        if (rc)
            return rc;
        return csv_next(r, err);
    }
    rc = split(r, c, err);
    if (rc)
        return rc;
    if (c->c.ncols != c->c.nfields) {
        char what[64];
        snprintf(what, sizeof what, "%zu fields where the header names %zu", c->c.ncols,
                 c->c.nfields);
        return sol__mreader_bad_line(r, err, what);
    }
    for (size_t i = 0; i < c->c.ncols; i++) {
        if (c->c.rule_of[i] < 0)
            continue;
        for (int k = c->c.rule_of[i]; k >= 0; k = c->c.rule_next[k]) {
            const struct sol__mrule *rule = &r->map->rules[k];
            if (sol__mrule_apply(&r->ln, rule, c->c.cols[i], c->c.col_n[i], false, 0) < 0 &&
                rule->kind == SOL__MR_TIME)
                return sol__mreader_bad_line(r, err, "the time does not parse");
        }
    }
    return 0;
}

const struct sol__mlog_format sol__mlog_csv = {
    .id = SOL_LOG_CSV,
    .name = "csv",
    .needs_mapping = true,
    .detect = detect,
    .open = csv_open,
    .splittable = true,
    .prime = csv_prime,
    .next = csv_next,
    .free = csv_free,
};
