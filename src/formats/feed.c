/*
 * feed.c — the exports served over HTTP for sensors' cron jobs:
 *
 *   GET /feeds/<collection>/<format>            zeek-intel, rpz, csv, list, misp
 *   GET /feeds/<collection>/suricata/<file>     solidarity.rules, domains.lst, ...
 *   ?only=domain-name,ipv4-addr                 only values of these kinds
 *
 * The same doors as TAXII: credentials (Basic, Bearer, Token; 401 without), a collection
 * the asker may not read does not exist (404, as an unknown one), and the TLP policy
 * through the one filter (sol_access_filter()), so a feed holds only what the asker may
 * see. The ETag is a hash of the body the asker gets (for an RPZ zone, without its SOA
 * serial, which is the time of the answer), so it says nothing the body does not, and an
 * If-None-Match that names it gets 304 without the body.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "formats/formats.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"

/* formats.h: an empty response. */
void
sol_feed_response_init(struct sol_feed_response *r)
{
    memset(r, 0, sizeof *r);
    sol_buf_init(&r->body);
}

/* formats.h: free a response's body. */
void
sol_feed_response_clear(struct sol_feed_response *r)
{
    sol_buf_free(&r->body);
    sol_feed_response_init(r);
}

static int
fail(struct sol_feed_response *r, int status, const char *msg)
{
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    sol_buf_reset(&r->body);
    sol_buf_puts(&r->body, msg);
    sol_buf_putc(&r->body, '\n');
    return 0;
}

/* The sink keeps the bytes of one part (or of the only one). */
struct keep {
    const char *want; /* NULL: the one part of a one-file format */
    bool in;
    struct sol_buf *body;
};

static int
keep_part(void *ud, const char *name)
{
    struct keep *k = ud;
    k->in = !k->want ? !name : name && strcmp(name, k->want) == 0;
    return 0;
}

static int
keep_write(void *ud, const void *p, size_t n)
{
    struct keep *k = ud;
    if (k->in)
        sol_buf_append(k->body, p, n);
    return k->body->oom ? SOL_ENOMEM : 0;
}

/* The kinds of ?only=a,b (bits); -1 when one is not a kind. */
static long
parse_only(const char *q)
{
    unsigned bits = 0;
    const char *p = q ? strstr(q, "only=") : NULL;
    if (!p)
        return 0;
    if (p != q && p[-1] != '&')
        return 0;
    p += 5;
    while (*p && *p != '&') {
        const char *e = p;
        while (*e && *e != ',' && *e != '&')
            e++;
        char word[64];
        if ((size_t)(e - p) >= sizeof word)
            return -1;
        memcpy(word, p, (size_t)(e - p));
        word[e - p] = 0;
        int k = sol_atom_kind_parse(word);
        if (k < 0)
            return -1;
        bits |= 1u << k;
        p = *e == ',' ? e + 1 : e;
    }
    return bits;
}

static const char *
content_type(const char *format)
{
    if (strcmp(format, "misp") == 0)
        return "application/json";
    if (strcmp(format, "csv") == 0)
        return "text/csv; charset=utf-8";
    if (strcmp(format, "rpz") == 0)
        return "text/dns";
    return "text/plain; charset=utf-8";
}

/* Whether an If-None-Match list names the tag (RFC 9110 §13.1.2; weak tags compare too). */
static bool
matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t n = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == 0 || p[n] == ',' || p[n] == ' '))
            return true;
        while (*p && *p != ',')
            p++;
    }
    return false;
}

/* formats.h: answer one feed request. */
int
sol_feed_handle(struct sol_store *s, const struct sol_feed_request *req,
                struct sol_feed_response *resp)
{
    sol_buf_reset(&resp->body);
    resp->etag[0] = 0;
    resp->challenge = false;
    snprintf(resp->principal, sizeof resp->principal, "-");
    const char *m = req->method ? req->method : "";
    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
        return fail(resp, 405, "feeds take GET and HEAD");
    /* /feeds/<collection>/<format>[/<part>] */
    char coll[128], format[32], part[64] = "";
    const char *p = req->path ? req->path : "";
    if (strncmp(p, "/feeds/", 7) != 0)
        return fail(resp, 404, "no such feed");
    p += 7;
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || (size_t)(slash - p) >= sizeof coll)
        return fail(resp, 404, "no such feed (/feeds/<collection>/<format>)");
    memcpy(coll, p, (size_t)(slash - p));
    coll[slash - p] = 0;
    p = slash + 1;
    slash = strchr(p, '/');
    size_t fl = slash ? (size_t)(slash - p) : strlen(p);
    if (!fl || fl >= sizeof format)
        return fail(resp, 404, "no such feed (/feeds/<collection>/<format>)");
    memcpy(format, p, fl);
    format[fl] = 0;
    if (slash && strlen(slash + 1) < sizeof part)
        snprintf(part, sizeof part, "%s", slash + 1);
    else if (slash)
        return fail(resp, 404, "no such feed");
    struct sol_principal who;
    int rc = sol_access_authenticate(s, req->authorization, &who);
    if (rc == SOL_EAUTH) {
        resp->challenge = true;
        return fail(resp, 401,
                    req->authorization && *req->authorization
                        ? "the credentials were not accepted"
                        : "feeds need credentials: Basic, Bearer or Token");
    }
    if (rc < 0)
        return fail(resp, rc == SOL_EBUSY ? 503 : 500, "the store failed");
    snprintf(resp->principal, sizeof resp->principal, "%s", who.name);
    const struct sol_format *fmt = sol_format_find(format);
    if (!fmt || !fmt->write)
        return fail(resp, 404,
                    "no such feed format (zeek-intel, suricata/<file>, rpz, csv, list, misp)");
    bool parts = (fmt->flags & SOL_FORMAT_PARTS) != 0, known = false;
    for (size_t i = 0; parts && fmt->parts[i]; i++)
        known = known || strcmp(fmt->parts[i], part) == 0;
    if (parts ? !known : part[0] != 0)
        return fail(resp, 404, parts ? "no such file in this feed" : "no such feed");
    long only = parse_only(req->query);
    if (only < 0)
        return fail(resp, 400,
                    "only= takes kinds: ipv4-addr, ipv6-addr, domain-name, url, "
                    "email-addr, md5, sha1, sha256, sha512, file-name, x509-sha1");
    struct sol_collection col;
    rc = sol_store_collection_get(s, NULL, coll, &col);
    if (rc < 0 && rc != SOL_ENOTFOUND)
        return fail(resp, 500, "the store failed");
    bool readable = rc == 0 && sol_access_can_read(s, &who, col.id);
    if (!readable) {
        if (rc == 0)
            sol_collection_clear(&col);
        return fail(resp, 404, "there is no collection with that name that you may read");
    }
    struct sol_object_filter f = {.collection = col.id};
    sol_access_filter(&who, &f);
    sol_time_t now = sol_time_now();
    struct sol_buf node;
    sol_buf_init(&node);
    struct sol_export_options o = {
        .now = now, .only = (unsigned)only, .collection_title = col.title};
    if (sol_store_setting_get(s, SOL_SETTING_NODE_NAME, &node) == 0)
        o.source = node.p;
    struct keep k = {.want = parts ? part : NULL, .body = &resp->body};
    struct sol_export_sink sink = {keep_part, keep_write, &k};
    struct sol_export_report rep;
    struct sol_error err;
    sol_error_clear(&err);
    rc = sol_format_export(fmt, s, &f, &o, &sink, &rep, &err);
    sol_export_report_free(&rep);
    sol_buf_free(&node);
    sol_collection_clear(&col);
    if (rc != 0)
        return fail(resp, rc == SOL_EBUSY ? 503 : 500, "the export failed");
    /* The ETag: BLAKE2b-128 of the body, without an RPZ zone's serial. */
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    const char *b = resp->body.p ? resp->body.p : "";
    size_t n = resp->body.n;
    const char *soa = strcmp(format, "rpz") == 0 ? strstr(b, " SOA ") : NULL;
    const char *serial = soa ? strstr(soa, "( ") : NULL;
    if (serial && (size_t)(serial + 12 - b) <= n) {
        serial += 2;
        crypto_generichash_update(&st, (const unsigned char *)b, (size_t)(serial - b));
        crypto_generichash_update(&st, (const unsigned char *)serial + 10,
                                  n - (size_t)(serial + 10 - b));
    } else {
        crypto_generichash_update(&st, (const unsigned char *)b, n);
    }
    crypto_generichash_final(&st, h, sizeof h);
    char hex[40];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(resp->etag, sizeof resp->etag, "\"%s\"", hex);
    resp->content_type = content_type(format);
    if (matches(req->if_none_match, resp->etag)) {
        sol_buf_reset(&resp->body);
        resp->status = 304;
        return 0;
    }
    resp->status = 200;
    return 0;
}
