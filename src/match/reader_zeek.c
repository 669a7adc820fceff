/*
 * reader_zeek.c — Zeek's TSV logs (the #separator, #fields and #types headers, sets and
 * vectors), and the built-in Zeek mapping that Zeek's JSON logs share.
 */
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "match/reader.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"

/* Zeek conn, dns, http, ssl, files, x509 (and smtp addresses); JSON and TSV alike. */
static const struct sol__mrule zeek_rules[] = {
    {"ts", "", "", SOL__MR_TIME, NULL},
    {"id.orig_h", "network-traffic", "src_ref", SOL__MR_REF, NULL},
    {"id.resp_h", "network-traffic", "dst_ref", SOL__MR_REF, NULL},
    {"id.orig_p", "network-traffic", "src_port", SOL__MR_PROP, NULL},
    {"id.resp_p", "network-traffic", "dst_port", SOL__MR_PROP, NULL},
    {"proto", "network-traffic", "protocols", SOL__MR_LOWER, NULL},
    {"query", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"answers", "ip-or-domain", "value", SOL__MR_VALUE, NULL},
    {"host", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"uri", "url", "value", SOL__MR_URI, "host"},
    {"uri", "network-traffic", "extensions.http-request-ext.request_value", SOL__MR_PROP, NULL},
    {"user_agent", "network-traffic", "extensions.http-request-ext.request_header.User-Agent",
     SOL__MR_PROP, NULL},
    {"method", "network-traffic", "extensions.http-request-ext.request_method", SOL__MR_PROP, NULL},
    {"server_name", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"subject", "x509-certificate", "subject", SOL__MR_PROP, NULL},
    {"issuer", "x509-certificate", "issuer", SOL__MR_PROP, NULL},
    {"cert_chain_fps", "x509-certificate", "hashes.*", SOL__MR_HASHLEN, NULL},
    {"certificate.subject", "x509-certificate", "subject", SOL__MR_PROP, NULL},
    {"certificate.issuer", "x509-certificate", "issuer", SOL__MR_PROP, NULL},
    {"certificate.serial", "x509-certificate", "serial_number", SOL__MR_PROP, NULL},
    {"fingerprint", "x509-certificate", "hashes.*", SOL__MR_HASHLEN, NULL},
    {"san.dns", "domain-name", "value", SOL__MR_VALUE, NULL},
    {"md5", "file", "hashes.MD5", SOL__MR_PROP, NULL},
    {"sha1", "file", "hashes.SHA-1", SOL__MR_PROP, NULL},
    {"sha256", "file", "hashes.SHA-256", SOL__MR_PROP, NULL},
    {"filename", "file", "name", SOL__MR_PROP, NULL},
    {"mime_type", "file", "mime_type", SOL__MR_PROP, NULL},
    {"total_bytes", "file", "size", SOL__MR_PROP, NULL},
    {"tx_hosts", "ip-or-domain", "value", SOL__MR_VALUE, NULL},
    {"rx_hosts", "ip-or-domain", "value", SOL__MR_VALUE, NULL},
    {"mailfrom", "email-addr", "value", SOL__MR_VALUE, NULL},
    {"rcptto", "email-addr", "value", SOL__MR_VALUE, NULL},
};

const struct sol_log_mapping sol__mzeek = {zeek_rules, sizeof zeek_rules / sizeof zeek_rules[0],
                                           false, NULL};

struct zeek {
    struct sol__mcols c;
    char sep, setsep;
};

static int
detect(const struct sol__mfirst *first)
{
    return sol__mreader_starts(first->s, first->n, "#separator") ? 100 : 0;
}

static int
zeek_open(struct sol_log_reader *r, struct sol_error *err)
{
    (void)err;
    struct zeek *z = sol_calloc(1, sizeof *z);
    if (!z)
        return SOL_ENOMEM;
    z->sep = '\t';
    z->setsep = ',';
    snprintf(z->c.unset, sizeof z->c.unset, "-");
    snprintf(z->c.empty, sizeof z->c.empty, "(empty)");
    r->state = z;
    r->ln.ctx = &z->c;
    r->ln.lookup = sol__mcols_lookup;
    return 0;
}

static void
zeek_free(struct sol_log_reader *r)
{
    struct zeek *z = r->state;
    if (!z)
        return;
    sol__mcols_free(&z->c);
    sol_free(z);
}

/* "\x09" → a tab: Zeek writes the separators escaped in its headers. */
static char
unescape_char(const char *s, size_t n)
{
    if (n == 4 && s[0] == '\\' && s[1] == 'x') {
        char h[3] = {s[2], s[3], 0};
        return (char)strtol(h, NULL, 16);
    }
    return (char)(n ? s[0] : '\t');
}

static int
header(struct sol_log_reader *r, struct zeek *z, struct sol_error *err)
{
    const char *s = r->line;
    size_t n = r->line_n;
    if (sol__mreader_starts(s, n, "#separator ")) {
        z->sep = unescape_char(s + 11, n - 11);
        return 0;
    }
    /* The other headers are separated by the separator itself. */
    struct sol__mcols *c = &z->c;
    size_t k = sol__mcols_split(c, s, n, z->sep);
    if (k < 2)
        return 0;
    struct sol_str key = {c->cols[0], c->col_n[0]};
    if (sol_str_eqc(key, "#set_separator")) {
        z->setsep = unescape_char(c->cols[1], c->col_n[1]);
    } else if (sol_str_eqc(key, "#unset_field")) {
        snprintf(c->unset, sizeof c->unset, "%.*s", (int)c->col_n[1], c->cols[1]);
    } else if (sol_str_eqc(key, "#empty_field")) {
        snprintf(c->empty, sizeof c->empty, "%.*s", (int)c->col_n[1], c->cols[1]);
    } else if (sol_str_eqc(key, "#fields")) {
        if (k - 1 > SOL__MCOLS_MAX)
            return sol__mreader_bad_line(r, err, "more than 512 fields");
        char **names = sol_calloc(k, sizeof *names);
        if (!names)
            return SOL_ENOMEM;
        for (size_t i = 1; i < k; i++)
            if (!(names[i - 1] = sol_strndup(c->cols[i], c->col_n[i]))) {
                for (size_t j = 0; j < i; j++)
                    sol_free(names[j]);
                sol_free(names);
                return SOL_ENOMEM;
            }
        return sol__mcols_set(c, r->map, names, k - 1);
    } else if (sol_str_eqc(key, "#types")) {
        for (size_t i = 1; i < k && i - 1 < c->nfields; i++)
            c->is_set[i - 1] = sol__mreader_starts(c->cols[i], c->col_n[i], "set[") ||
                               sol__mreader_starts(c->cols[i], c->col_n[i], "vector[");
    }
    return 0;
}

/* The headers at the file's start (sol__mlog_open_part()). */
static int
zeek_prime(struct sol_log_reader *r, struct sol_error *err)
{
    struct zeek *z = r->state;
    for (;;) {
        int rc = sol__mreader_nonblank(r, err);
        if (!rc && r->line[0] != '#')
            r->have_peeked = true; /* the first record: the next read returns it */
        if (rc || r->line[0] != '#')
            return rc == SOL_EEOF ? 0 : rc;
        if ((rc = header(r, z, err)) != 0)
            return rc;
    }
}

static int
zeek_next(struct sol_log_reader *r, struct sol_error *err)
{
    struct zeek *z = r->state;
    struct sol__mcols *c = &z->c;
    for (;;) {
        int rc = sol__mreader_nonblank(r, err);
        if (rc)
            return rc;
        if (r->line[0] != '#')
            break;
        rc = header(r, z, err);
        if (rc)
            return rc;
    }
    if (!c->nfields)
        return sol__mreader_bad_line(r, err, "a record before the #fields header");
    size_t k = sol__mcols_split(c, r->line, r->line_n, z->sep);
    if (k != c->nfields) {
        char what[64];
        snprintf(what, sizeof what, "%zu fields where #fields names %zu", k, c->nfields);
        return sol__mreader_bad_line(r, err, what);
    }
    c->ncols = k;
    for (size_t i = 0; i < k; i++) {
        if (c->rule_of[i] < 0)
            continue;
        struct sol_str v = {c->cols[i], c->col_n[i]};
        if (sol_str_eqc(v, c->unset) || sol_str_eqc(v, c->empty))
            continue;
        for (int ru = c->rule_of[i]; ru >= 0; ru = c->rule_next[ru]) {
            const struct sol__mrule *rule = &r->map->rules[ru];
            if (c->is_set[i]) {
                size_t a = 0;
                for (size_t j = 0; j <= v.n; j++)
                    if (j == v.n || v.p[j] == z->setsep) {
                        (void)sol__mrule_apply(&r->ln, rule, v.p + a, j - a, false, 0);
                        a = j + 1;
                    }
            } else if (sol__mrule_apply(&r->ln, rule, v.p, v.n, false, 0) < 0 &&
                       rule->kind == SOL__MR_TIME) {
                return sol__mreader_bad_line(r, err, "the time does not parse");
            }
        }
    }
    return 0;
}

static const char *const alias[] = {"zeek-tsv", NULL};

const struct sol__mlog_format sol__mlog_zeek = {
    .id = SOL_LOG_ZEEK_TSV,
    .name = "zeek",
    .alias = alias,
    .mapping = &sol__mzeek,
    .detect = detect,
    .open = zeek_open,
    .splittable = true,
    .prime = zeek_prime,
    .next = zeek_next,
    .free = zeek_free,
};
