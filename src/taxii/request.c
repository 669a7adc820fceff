/*
 * request.c — reading a TAXII request: the path into an endpoint, the query string into
 * filters (TAXII 2.1 §3.4), and the Accept and Content-Type headers (§1.6.8, §3.1).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "solidarity/alloc.h"
#include "taxii/taxii.h"

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 3986 §2.1: pct-encoded = "%" HEXDIG HEXDIG. A '+' stays a '+'. */
static bool
percent_decode(const char *s, size_t n, struct sol_buf *out)
{
    sol_buf_reset(out);
    sol_buf_reserve(out, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            sol_buf_putc(out, s[i]);
            continue;
        }
        if (i + 2 >= n)
            return false;
        int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        sol_buf_putc(out, (char)(hi * 16 + lo));
        i += 2;
    }
    sol_buf_putc(out, '\0');
    out->n--;
    return !out->oom;
}

/* Copy the segment seg (n bytes) into dst of TAXII_SEGMENT_MAX; false when too long. */
static bool
take_segment(char *dst, const char *seg, size_t n)
{
    if (n == 0 || n >= TAXII_SEGMENT_MAX)
        return false;
    memcpy(dst, seg, n);
    dst[n] = '\0';
    return true;
}

/*
 * path := "/" segment *( "/" segment ) [ "/" ]
 *
 * TAXII 2.1 §3.1 says request paths end in "/"; we accept them without it too and
 * collapse repeated slashes (MISP builds "//" URLs), answering directly rather than
 * redirecting, since a redirected POST can lose its body.
 */
int
sol__taxii_route(const char *path, struct taxii_route *rt, const char **why)
{
    memset(rt, 0, sizeof(*rt));
    struct sol_buf dec;
    sol_buf_init(&dec);
    int rc = SOL_ENOTFOUND;
    if (!path || path[0] != '/') {
        if (why)
            *why = "the path does not start with '/'";
        rc = SOL_ESYNTAX;
        goto out;
    }
    if (!percent_decode(path, strlen(path), &dec)) {
        if (why)
            *why = dec.oom ? "out of memory" : "the path has a malformed percent-escape";
        rc = dec.oom ? SOL_ENOMEM : SOL_ESYNTAX;
        goto out;
    }
    for (size_t i = 0; i < dec.n; i++) {
        if ((unsigned char)dec.p[i] < 0x20 || dec.p[i] == 0x7f) {
            if (why)
                *why = "the path holds a control character";
            rc = SOL_ESYNTAX;
            goto out;
        }
    }
    const char *seg[8];
    size_t len[8], nseg = 0;
    for (size_t i = 0; i < dec.n;) {
        while (i < dec.n && dec.p[i] == '/')
            i++;
        if (i >= dec.n)
            break;
        size_t start = i;
        while (i < dec.n && dec.p[i] != '/')
            i++;
        if (nseg == 8)
            goto out;
        seg[nseg] = dec.p + start;
        len[nseg++] = i - start;
    }
#define SEG_IS(k, lit) (len[k] == sizeof(lit) - 1 && memcmp(seg[k], lit, len[k]) == 0)
    if (nseg == 0)
        goto out;
    if (SEG_IS(0, "taxii2")) {
        if (nseg == 1) {
            rt->ep = TAXII_EP_DISCOVERY;
            rc = 0;
        }
        goto out; /* "taxii2" is never an API root name */
    }
    if (!take_segment(rt->api_root, seg[0], len[0]))
        goto out;
    if (nseg == 1) {
        rt->ep = TAXII_EP_API_ROOT;
    } else if (SEG_IS(1, "status")) {
        if (nseg != 3 || !take_segment(rt->status_id, seg[2], len[2]))
            goto out;
        rt->ep = TAXII_EP_STATUS;
    } else if (SEG_IS(1, "collections")) {
        if (nseg == 2) {
            rt->ep = TAXII_EP_COLLECTIONS;
        } else {
            if (!take_segment(rt->collection, seg[2], len[2]))
                goto out;
            if (nseg == 3)
                rt->ep = TAXII_EP_COLLECTION;
            else if (nseg == 4 && SEG_IS(3, "manifest"))
                rt->ep = TAXII_EP_MANIFEST;
            else if (nseg == 4 && SEG_IS(3, "objects"))
                rt->ep = TAXII_EP_OBJECTS;
            else if (nseg >= 5 && nseg <= 6 && SEG_IS(3, "objects") &&
                     take_segment(rt->object_id, seg[4], len[4])) {
                if (nseg == 5)
                    rt->ep = TAXII_EP_OBJECT;
                else if (SEG_IS(5, "versions"))
                    rt->ep = TAXII_EP_VERSIONS;
            }
        }
    }
#undef SEG_IS
    rc = rt->ep == TAXII_EP_NONE ? SOL_ENOTFOUND : 0;
out:
    sol_buf_free(&dec);
    return rc;
}

/* Release what sol__taxii_query_parse() allocated; q is zeroed and may be parsed into again. */
void
sol__taxii_query_free(struct taxii_query *q)
{
    if (!q)
        return;
    sol_free(q->next);
    char **lists[] = {q->ids, q->types, q->spec_versions};
    size_t ns[] = {q->n_ids, q->n_types, q->n_spec_versions};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < ns[k]; i++)
            sol_free(lists[k][i]);
        sol_free(lists[k]);
    }
    sol_free(q->versions);
    sol_free(q->raw_ids);
    sol_free(q->raw_types);
    sol_free(q->raw_spec_versions);
    sol_free(q->raw_versions);
    memset(q, 0, sizeof(*q));
}

static int query_fail(char *why, size_t why_n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
query_fail(char *why, size_t why_n, const char *fmt, ...)
{
    if (why && why_n) {
        va_list ap;
        va_start(ap, fmt);
        /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): a false positive */
        vsnprintf(why, why_n, fmt, ap);
        va_end(ap);
    }
    return SOL_ESYNTAX;
}

/*
 * list := value *( "," value )      (§3.4: comma-separated, no spaces, OR'd)
 *
 * Splits v into a new array of copies; empty items are an error.
 */
static int
split_list(const char *name, const char *v, char ***out, size_t *n, char *why, size_t why_n)
{
    if (!*v)
        return query_fail(why, why_n, "%s is empty", name);
    size_t count = 1;
    for (const char *p = v; *p; p++)
        count += *p == ',';
    if (count > 1000)
        return query_fail(why, why_n, "%s lists more than 1000 values", name);
    char **arr = sol_calloc(count, sizeof(*arr));
    if (!arr)
        return SOL_ENOMEM;
    *out = arr;
    const char *p = v;
    for (size_t i = 0; i < count; i++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            return query_fail(why, why_n, "%s has an empty value in its comma list", name);
        for (size_t k = 0; k < len; k++)
            if (p[k] == ' ')
                return query_fail(why, why_n,
                                  "%s has a space in '%.*s' (values are separated "
                                  "by ',' without spaces)",
                                  name, (int)len, p);
        arr[i] = sol_strndup(p, len);
        if (!arr[i])
            return SOL_ENOMEM;
        (*n)++;
        p = e ? e + 1 : p + len;
    }
    return 0;
}

/* Timestamps in requests: any fraction precision, 'Z' required (clients send added_after
 * with seconds only, or milliseconds, as well as with microseconds). */
static bool
parse_timestamp(const char *v, sol_time_t *out, const char **reason)
{
    unsigned prec = 0;
    return sol_time_parse(v, strlen(v), SOL_TIME_UTC_Z | SOL_TIME_ALLOW_LOWER, out, &prec,
                          reason) == 0;
}

/* §3.4.1 match[version]: "all" | "first" | "last" | timestamp, each at most once. */
static int
parse_versions(const char *v, struct taxii_query *q, char *why, size_t why_n)
{
    char **items = NULL;
    size_t n = 0;
    int rc = split_list("match[version]", v, &items, &n, why, why_n);
    if (rc == 0) {
        q->versions = sol_calloc(n, sizeof(*q->versions));
        if (!q->versions)
            rc = SOL_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned bit = 0;
        if (strcmp(items[i], "last") == 0)
            bit = SOL_VERSION_LAST;
        else if (strcmp(items[i], "first") == 0)
            bit = SOL_VERSION_FIRST;
        else if (strcmp(items[i], "all") == 0)
            bit = SOL_VERSION_ALL;
        if (bit) {
            if (q->version_match & bit)
                rc = query_fail(why, why_n, "match[version] names '%s' twice", items[i]);
            q->version_match |= bit;
            continue;
        }
        sol_time_t t;
        const char *reason = NULL;
        if (!parse_timestamp(items[i], &t, &reason)) {
            rc = query_fail(why, why_n,
                            "match[version] value '%s' is not all, first, last or a STIX "
                            "timestamp (%s)",
                            items[i], reason ? reason : "malformed");
            break;
        }
        for (size_t k = 0; k < q->n_versions; k++)
            if (q->versions[k] == t)
                rc =
                    query_fail(why, why_n, "match[version] names the version '%s' twice", items[i]);
        q->versions[q->n_versions++] = t;
    }
    /* §3.4.1: "all" MUST NOT be used with any other version parameter. */
    if (rc == 0 && (q->version_match & SOL_VERSION_ALL) &&
        (q->version_match != SOL_VERSION_ALL || q->n_versions))
        rc = query_fail(why, why_n, "match[version]=all cannot be combined with other values");
    for (size_t i = 0; i < n; i++)
        sol_free(items[i]);
    sol_free(items);
    q->has_version = true;
    return rc;
}

/*
 * query := [ param *( "&" param ) ]      param := name [ "=" value ]
 *
 * TAXII 2.1 §3.4: added_after, limit, next and each match[<field>] at most once;
 * malformed values are a 400.
 */
int
sol__taxii_query_parse(const char *query, struct taxii_query *q, char *why, size_t why_n)
{
    memset(q, 0, sizeof(*q));
    if (why && why_n)
        why[0] = '\0';
    if (!query || !*query)
        return 0;
    struct sol_buf name, value;
    sol_buf_init(&name);
    sol_buf_init(&value);
    int rc = 0;
    bool seen_added_after = false, seen_limit = false, seen_next = false;
    for (const char *p = query; rc == 0 && *p;) {
        const char *start = p, *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(start, '=', len);
        size_t nlen = eq ? (size_t)(eq - start) : len;
        const char *vp = eq ? eq + 1 : start + len;
        size_t vlen = eq ? len - nlen - 1 : 0;
        p = amp ? amp + 1 : p + len;
        if (len == 0)
            continue;
        if (!percent_decode(start, nlen, &name) || !percent_decode(vp, vlen, &value)) {
            rc = name.oom || value.oom
                     ? SOL_ENOMEM
                     : query_fail(why, why_n, "the query string has a malformed percent-escape");
            break;
        }
        if (strlen(name.p) != name.n || strlen(value.p) != value.n) {
            rc = query_fail(why, why_n, "the query string holds a NUL character");
            break;
        }
        const char *n = name.p, *v = value.p;
        if (strcmp(n, "added_after") == 0) {
            if (seen_added_after) {
                rc = query_fail(why, why_n, "added_after appears more than once");
                break;
            }
            seen_added_after = true;
            const char *reason = NULL;
            if (!parse_timestamp(v, &q->added_after, &reason)) {
                rc = query_fail(why, why_n, "added_after '%s' is not a timestamp (%s)", v,
                                reason ? reason : "malformed");
                break;
            }
            q->has_added_after = true;
        } else if (strcmp(n, "limit") == 0) {
            if (seen_limit) {
                rc = query_fail(why, why_n, "limit appears more than once");
                break;
            }
            seen_limit = true;
            size_t lim = 0;
            bool digits = *v != '\0';
            for (const char *d = v; *d; d++) {
                if (*d < '0' || *d > '9') {
                    digits = false;
                    break;
                }
                if (lim < 100000000)
                    lim = lim * 10 + (size_t)(*d - '0'); /* larger is capped anyway */
            }
            if (!digits || lim == 0) {
                rc = query_fail(why, why_n, "limit '%s' is not a positive integer", v);
                break;
            }
            q->has_limit = true;
            q->limit = lim;
        } else if (strcmp(n, "next") == 0) {
            if (seen_next) {
                rc = query_fail(why, why_n, "next appears more than once");
                break;
            }
            seen_next = true;
            if (*v) { /* an empty next is no next (MISP sends one on its first page) */
                q->next = sol_strdup(v);
                if (!q->next)
                    rc = SOL_ENOMEM;
            }
        } else if (strncmp(n, "match[", 6) == 0 && n[name.n - 1] == ']') {
            const char *field = n + 6;
            size_t flen = name.n - 7;
            char ***list = NULL;
            size_t *count = NULL;
            char **raw = NULL;
            if (flen == 2 && memcmp(field, "id", 2) == 0)
                list = &q->ids, count = &q->n_ids, raw = &q->raw_ids;
            else if (flen == 4 && memcmp(field, "type", 4) == 0)
                list = &q->types, count = &q->n_types, raw = &q->raw_types;
            else if (flen == 12 && memcmp(field, "spec_version", 12) == 0)
                list = &q->spec_versions, count = &q->n_spec_versions, raw = &q->raw_spec_versions;
            else if (flen == 7 && memcmp(field, "version", 7) == 0)
                raw = &q->raw_versions;
            else
                continue; /* §3.4: servers MAY ignore fields they do not understand */
            if (*raw) {
                rc = query_fail(why, why_n, "%s appears more than once", n);
                break;
            }
            *raw = sol_strdup(v);
            if (!*raw) {
                rc = SOL_ENOMEM;
                break;
            }
            if (list)
                rc = split_list(n, v, list, count, why, why_n);
            else
                rc = parse_versions(v, q, why, why_n);
        }
    }
    sol_buf_free(&name);
    sol_buf_free(&value);
    return rc;
}

/* Skip optional white space (RFC 7230 §3.2.3: OWS = *( SP / HTAB )). */
static const char *
ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* One media range or media type with the parameters we care about. */
struct media_range {
    struct sol_str type;    /* "application/taxii+json", trimmed */
    struct sol_str version; /* the version parameter, unquoted; {NULL,0} when absent */
    bool q_zero;            /* q=0: "not acceptable" */
};

/* The first c in [p, end), or NULL. */
static const char *
find_char(const char *p, const char *end, char c)
{
    return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

/*
 * media-range := type "/" subtype *( OWS ";" OWS parameter )
 * parameter   := token "=" ( token / quoted-string )        (RFC 7231 §3.1.1.1, §5.3.2)
 */
static void
parse_media_range(const char *p, const char *end, struct media_range *m)
{
    memset(m, 0, sizeof(*m));
    p = ows(p, end);
    const char *semi = find_char(p, end, ';');
    const char *tend = semi ? semi : end;
    while (tend > p && (tend[-1] == ' ' || tend[-1] == '\t'))
        tend--;
    m->type.p = p;
    m->type.n = (size_t)(tend - p);
    while (semi) {
        p = ows(semi + 1, end);
        semi = find_char(p, end, ';');
        const char *pend = semi ? semi : end;
        const char *eq = find_char(p, pend, '=');
        if (!eq)
            continue;
        const char *kend = eq;
        while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        const char *v = ows(eq + 1, pend);
        const char *vend = pend;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        if (vend - v >= 2 && *v == '"' && vend[-1] == '"')
            v++, vend--;
        size_t klen = (size_t)(kend - p);
        if (klen == 7 && strncasecmp(p, "version", 7) == 0) {
            m->version.p = v;
            m->version.n = (size_t)(vend - v);
        } else if (klen == 1 && (*p == 'q' || *p == 'Q')) {
            /* qvalue := ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
            bool zero = v < vend && *v == '0';
            for (const char *d = v + 1; zero && d < vend; d++)
                if (*d != '.' && *d != '0')
                    zero = false;
            m->q_zero = zero;
        }
    }
}

static bool
type_is(struct sol_str t, const char *lit)
{
    size_t n = strlen(lit);
    return t.n == n && strncasecmp(t.p, lit, n) == 0;
}

static bool
version_21_or_absent(struct sol_str v)
{
    return v.p == NULL || (v.n == 3 && memcmp(v.p, "2.1", 3) == 0);
}

/*
 * Accept := #( media-range [ weight ] )        (RFC 7231 §5.3.2)
 *
 * TAXII 2.1 §3.1: a type defined for the endpoint MUST NOT get a 406. We admit
 * application/taxii+json with version 2.1 or none (§1.6.8.2: none means the latest we
 * support), and "*" + "/" + "*" or application/ + "*" (curl, browsers), or no Accept
 * at all: the spec lets us serve these. Anything else, such as a TAXII 2.0 client's
 * types, gets a 406.
 */
bool
sol__taxii_accept_ok(const char *accept, bool stix_too)
{
    if (!accept)
        return true;
    const char *p = accept, *end = accept + strlen(accept);
    if (ows(p, end) == end)
        return true;
    while (p < end) {
        const char *comma = find_char(p, end, ',');
        const char *rend = comma ? comma : end;
        struct media_range m;
        parse_media_range(p, rend, &m);
        p = comma ? comma + 1 : end;
        if (m.q_zero)
            continue;
        if (type_is(m.type, "*/*") || type_is(m.type, "application/*"))
            return true;
        if (type_is(m.type, "application/taxii+json") && version_21_or_absent(m.version))
            return true;
        if (stix_too && type_is(m.type, "application/stix+json") && version_21_or_absent(m.version))
            return true;
    }
    return false;
}

/*
 * TAXII 2.1 §5.5: a POST body is application/taxii+json;version=2.1. We also take the
 * type without a version (§1.6.8.2: the latest, which is 2.1 here) and ignore a charset.
 */
bool
sol__taxii_content_type_ok(const char *content_type)
{
    if (!content_type)
        return false;
    struct media_range m;
    parse_media_range(content_type, content_type + strlen(content_type), &m);
    return type_is(m.type, "application/taxii+json") && version_21_or_absent(m.version);
}
