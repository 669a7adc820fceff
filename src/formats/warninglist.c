/*
 * warninglist.c — MISP warninglists (draft-dulaunoy-misp-warninglists-format): lists of
 * values known to be benign (top sites, public resolvers, private networks, hashes of
 * empty files), kept in the node as suppression lists.
 *
 * A list has a name, a type and its values; matching_attributes (MISP attribute types)
 * says which kinds of indicators it applies to (all of them when it is absent). Types:
 *   string     the value itself (compared in lower case: hosts, hashes and TLDs are)
 *   hostname   the name or any name below it ("example.com" covers "www.example.com");
 *              for a URL, its host
 *   cidr       addresses and networks within the listed networks
 *   substring  values containing an entry; regex: values an entry (PCRE2) matches
 *
 * The node keeps each list's JSON in its settings ("warninglist:<name>", and the names in
 * "warninglists"), so that import and scan on any process of the node read the same lists.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"
#include "solidarity/pattern.h"

enum wl_type { WL_STRING, WL_HOSTNAME, WL_CIDR, WL_SUBSTRING, WL_REGEX };

struct net {
    unsigned char addr[16];
    int family, prefix;
};

struct wlist {
    char *name;
    enum wl_type type;
    unsigned kinds;           /* bit set of (1 << enum sol_atom_kind) */
    struct sol__strset exact; /* string, hostname, and single addresses of cidr lists */
    struct net *nets;
    size_t n_nets;
    char **subs; /* substring entries, or regex sources */
    pcre2_code **re;
    size_t n_subs;
    size_t values;
};

struct sol_warninglists {
    struct wlist *v;
    size_t n;
};

/* formats.h: an empty set of lists. */
struct sol_warninglists *
sol_warninglists_new(void)
{
    return sol_calloc(1, sizeof(struct sol_warninglists));
}

/* formats.h: free the lists. */
void
sol_warninglists_free(struct sol_warninglists *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        struct wlist *l = &w->v[i];
        sol_free(l->name);
        sol__strset_free(&l->exact);
        sol_free(l->nets);
        for (size_t k = 0; k < l->n_subs; k++) {
            sol_free(l->subs[k]);
            if (l->re)
                pcre2_code_free(l->re[k]);
        }
        sol_free(l->subs);
        sol_free(l->re);
    }
    sol_free(w->v);
    sol_free(w);
}

/* MISP attribute types of matching_attributes, as atom kinds. */
static unsigned
kinds_of_type(struct sol_str t)
{
    static const struct {
        const char *type;
        unsigned kinds;
    } map[] = {
        {"ip-src", 1u << SOL_ATOM_IPV4 | 1u << SOL_ATOM_IPV6},
        {"ip-dst", 1u << SOL_ATOM_IPV4 | 1u << SOL_ATOM_IPV6},
        {"ip-src|port", 1u << SOL_ATOM_IPV4 | 1u << SOL_ATOM_IPV6},
        {"ip-dst|port", 1u << SOL_ATOM_IPV4 | 1u << SOL_ATOM_IPV6},
        {"domain|ip", 1u << SOL_ATOM_DOMAIN | 1u << SOL_ATOM_IPV4 | 1u << SOL_ATOM_IPV6},
        {"hostname", 1u << SOL_ATOM_DOMAIN},
        {"domain", 1u << SOL_ATOM_DOMAIN},
        {"url", 1u << SOL_ATOM_URL},
        {"uri", 1u << SOL_ATOM_URL},
        {"link", 1u << SOL_ATOM_URL},
        {"email", 1u << SOL_ATOM_EMAIL},
        {"email-src", 1u << SOL_ATOM_EMAIL},
        {"email-dst", 1u << SOL_ATOM_EMAIL},
        {"md5", 1u << SOL_ATOM_MD5},
        {"filename|md5", 1u << SOL_ATOM_MD5},
        {"sha1", 1u << SOL_ATOM_SHA1},
        {"filename|sha1", 1u << SOL_ATOM_SHA1},
        {"sha256", 1u << SOL_ATOM_SHA256},
        {"filename|sha256", 1u << SOL_ATOM_SHA256},
        {"sha512", 1u << SOL_ATOM_SHA512},
        {"filename|sha512", 1u << SOL_ATOM_SHA512},
        {"filename", 1u << SOL_ATOM_FILENAME},
        {"x509-fingerprint-sha1", 1u << SOL_ATOM_CERT_SHA1},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (sol_str_eqc(t, map[i].type))
            return map[i].kinds;
    return 0;
}

static bool
parse_net(const char *s, size_t n, struct net *out)
{
    char buf[64];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash) {
        *slash = 0;
        char *e;
        long p = strtol(slash + 1, &e, 10);
        if (*e || p < 0 || p > 128)
            return false;
        prefix = (int)p;
    }
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1)
        out->family = 4, out->prefix = prefix < 0 ? 32 : prefix;
    else if (inet_pton(AF_INET6, buf, out->addr) == 1)
        out->family = 6, out->prefix = prefix < 0 ? 128 : prefix;
    else
        return false;
    return out->prefix <= (out->family == 4 ? 32 : 128);
}

/* Whether network a lies within network b. */
static bool
net_within(const struct net *a, const struct net *b)
{
    if (a->family != b->family || a->prefix < b->prefix)
        return false;
    int full = b->prefix / 8, rest = b->prefix % 8;
    if (memcmp(a->addr, b->addr, (size_t)full) != 0)
        return false;
    if (rest) {
        unsigned char m = (unsigned char)(0xff << (8 - rest));
        if ((a->addr[full] & m) != (b->addr[full] & m))
            return false;
    }
    return true;
}

static void
lower_into(char *dst, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)s[i]);
    dst[n] = 0;
}

/* formats.h: add one list. */
int
sol_warninglists_add(struct sol_warninglists *w, const struct sol_json *list, struct sol_error *err)
{
    struct sol_str name = sol_json_str(sol_json_get(list, "name"));
    struct sol_str type = sol_json_str(sol_json_get(list, "type"));
    const struct sol_json *values = sol_json_get(list, "list");
    if (sol_json_type(list) != SOL_JSON_OBJECT)
        return sol_error_set(err, SOL_EINVALID, "a warninglist is a JSON object");
    if (!name.p || !name.n)
        return sol_error_set(err, SOL_EINVALID, "name: required, a string");
    if (sol_json_type(values) != SOL_JSON_ARRAY)
        return sol_error_set(err, SOL_EINVALID, "list: required, a list of strings");
    enum wl_type t;
    if (!type.p || sol_str_eqc(type, "string"))
        t = WL_STRING;
    else if (sol_str_eqc(type, "hostname"))
        t = WL_HOSTNAME;
    else if (sol_str_eqc(type, "cidr"))
        t = WL_CIDR;
    else if (sol_str_eqc(type, "substring"))
        t = WL_SUBSTRING;
    else if (sol_str_eqc(type, "regex"))
        t = WL_REGEX;
    else
        return sol_error_set(err, SOL_EINVALID,
                             "type: '%.*s' is not a warninglist type (string, hostname, cidr, "
                             "substring, regex)",
                             (int)(type.n > 40 ? 40 : type.n), type.p);
    struct wlist *v = sol_realloc(w->v, (w->n + 1) * sizeof *v);
    if (!v)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    w->v = v;
    struct wlist *l = &w->v[w->n];
    memset(l, 0, sizeof *l);
    l->type = t;
    l->name = sol_malloc(name.n + 1);
    if (!l->name)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    memcpy(l->name, name.p, name.n);
    l->name[name.n] = 0;
    w->n++;
    struct sol_json_iter it;
    const struct sol_json *x;
    sol_json_iter_init(&it, sol_json_get(list, "matching_attributes"));
    while (sol_json_iter_next(&it, NULL, &x))
        l->kinds |= kinds_of_type(sol_json_str(x));
    if (!l->kinds)
        l->kinds = ~0u;
    size_t cap_subs = 0;
    char low[1024];
    sol_json_iter_init(&it, values);
    for (size_t i = 0; sol_json_iter_next(&it, NULL, &x); i++) {
        struct sol_str s = sol_json_str(x);
        if (!s.p || !s.n || s.n >= sizeof low)
            continue; /* MISP skips what it cannot read too */
        l->values++;
        int rc = 0;
        if (t == WL_CIDR) {
            struct net n;
            if (!parse_net(s.p, s.n, &n))
                continue;
            if (n.prefix == (n.family == 4 ? 32 : 128)) {
                char text[64];
                inet_ntop(n.family == 4 ? AF_INET : AF_INET6, n.addr, text, sizeof text);
                rc = sol__strset_add(&l->exact, text, strlen(text));
            } else {
                struct net *nv = sol_realloc(l->nets, (l->n_nets + 1) * sizeof *nv);
                if (!nv)
                    return sol_error_set(err, SOL_ENOMEM, "out of memory");
                l->nets = nv;
                l->nets[l->n_nets++] = n;
            }
        } else if (t == WL_STRING || t == WL_HOSTNAME) {
            size_t n = s.n;
            if (t == WL_HOSTNAME && s.p[0] == '.')
                s.p++, n--; /* ".example.com": the same as "example.com" below */
            if (n && s.p[n - 1] == '.')
                n--;
            lower_into(low, s.p, n);
            rc = sol__strset_add(&l->exact, low, n);
        } else {
            if (l->n_subs == cap_subs) {
                cap_subs = cap_subs ? cap_subs * 2 : 16;
                char **ns = sol_realloc(l->subs, cap_subs * sizeof(char *));
                /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers to compiled
                 * patterns */
                pcre2_code **nr = ns ? sol_realloc(l->re, cap_subs * sizeof(pcre2_code *)) : NULL;
                if (ns)
                    l->subs = ns;
                if (!ns || !nr)
                    return sol_error_set(err, SOL_ENOMEM, "out of memory");
                l->re = nr;
            }
            lower_into(low, s.p, s.n);
            l->re[l->n_subs] = NULL;
            if (t == WL_REGEX) {
                int ec;
                PCRE2_SIZE eo;
                l->re[l->n_subs] =
                    pcre2_compile((PCRE2_SPTR)s.p, s.n, PCRE2_CASELESS, &ec, &eo, NULL);
                if (!l->re[l->n_subs])
                    continue; /* a pattern PCRE2 does not take: skipped */
            }
            l->subs[l->n_subs] = sol_strdup(low);
            if (!l->subs[l->n_subs]) {
                if (l->re[l->n_subs])
                    pcre2_code_free(l->re[l->n_subs]);
                return sol_error_set(err, SOL_ENOMEM, "out of memory");
            }
            l->n_subs++;
        }
        if (rc < 0)
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    return 0;
}

/* formats.h: how many lists and values. */
size_t
sol_warninglists_count(const struct sol_warninglists *w, size_t *values)
{
    size_t v = 0;
    for (size_t i = 0; w && i < w->n; i++)
        v += w->v[i].values;
    if (values)
        *values = v;
    return w ? w->n : 0;
}

/* The host of a URL ("http://user@Host:8080/x" -> "host"), in low. */
static size_t
url_host(const char *v, size_t n, char *low, size_t cap)
{
    const char *p = memmem(v, n, "://", 3);
    if (!p)
        return 0;
    p += 3;
    const char *end = v + n, *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#')
        p++;
    const char *at = memchr(h, '@', (size_t)(p - h));
    if (at)
        h = at + 1;
    const char *colon = memchr(h, ':', (size_t)(p - h));
    if (colon && *h != '[')
        p = colon;
    size_t hn = (size_t)(p - h);
    if (hn == 0 || hn >= cap)
        return 0;
    lower_into(low, h, hn);
    return hn;
}

static bool
list_has(const struct wlist *l, enum sol_atom_kind k, const char *value, size_t n)
{
    char low[1024];
    if (n >= sizeof low)
        return false;
    if (l->type == WL_CIDR) {
        if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6)
            return false;
        struct net a;
        if (!parse_net(value, n, &a))
            return false;
        if (a.prefix == (a.family == 4 ? 32 : 128)) {
            char text[64];
            inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.addr, text, sizeof text);
            if (sol__strset_has(&l->exact, text, strlen(text)))
                return true;
        }
        for (size_t i = 0; i < l->n_nets; i++)
            if (net_within(&a, &l->nets[i]))
                return true;
        return false;
    }
    size_t ln = n;
    lower_into(low, value, n);
    if (k == SOL_ATOM_URL && (l->type == WL_STRING || l->type == WL_HOSTNAME)) {
        if (sol__strset_has(&l->exact, low, ln))
            return true;
        ln = url_host(value, n, low, sizeof low);
        if (!ln)
            return false;
    }
    if (l->type == WL_STRING || l->type == WL_HOSTNAME) {
        if (ln && low[ln - 1] == '.')
            ln--;
        if (sol__strset_has(&l->exact, low, ln))
            return true;
        if (l->type == WL_HOSTNAME)
            for (size_t i = 0; i < ln; i++)
                if (low[i] == '.' && sol__strset_has(&l->exact, low + i + 1, ln - i - 1))
                    return true;
        return false;
    }
    for (size_t i = 0; i < l->n_subs; i++) {
        if (l->type == WL_SUBSTRING && memmem(low, ln, l->subs[i], strlen(l->subs[i])))
            return true;
        if (l->type == WL_REGEX) {
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(l->re[i], NULL);
            int r = md ? pcre2_match(l->re[i], (PCRE2_SPTR)value, n, 0, 0, md, NULL) : -1;
            pcre2_match_data_free(md);
            if (r >= 0)
                return true;
        }
    }
    return false;
}

/* formats.h: the first list a value is on. */
const char *
sol_warninglists_match(const struct sol_warninglists *w, enum sol_atom_kind k, const char *value,
                       size_t n)
{
    for (size_t i = 0; w && i < w->n; i++)
        if ((w->v[i].kinds & (1u << k)) && list_has(&w->v[i], k, value, n))
            return w->v[i].name;
    return NULL;
}

/* formats.h: the same for a value seen in a log (object type and property). */
const char *
sol_warninglists_match_observed(const struct sol_warninglists *w, struct sol_str type,
                                struct sol_str prop, struct sol_str value)
{
    int k = -1;
    if (sol_str_eqc(prop, "value")) {
        if (sol_str_eqc(type, "ipv4-addr"))
            k = SOL_ATOM_IPV4;
        else if (sol_str_eqc(type, "ipv6-addr"))
            k = SOL_ATOM_IPV6;
        else if (sol_str_eqc(type, "domain-name"))
            k = SOL_ATOM_DOMAIN;
        else if (sol_str_eqc(type, "url"))
            k = SOL_ATOM_URL;
        else if (sol_str_eqc(type, "email-addr"))
            k = SOL_ATOM_EMAIL;
    } else if (sol_str_eqc(type, "file") && sol_str_eqc(prop, "name")) {
        k = SOL_ATOM_FILENAME;
    } else if (sol_str_eqc(type, "file") && prop.n > 7 && memcmp(prop.p, "hashes.", 7) == 0) {
        k = value.n == 32    ? SOL_ATOM_MD5
            : value.n == 40  ? SOL_ATOM_SHA1
            : value.n == 64  ? SOL_ATOM_SHA256
            : value.n == 128 ? SOL_ATOM_SHA512
                             : -1;
    }
    if (k < 0 || !value.p)
        return NULL;
    return sol_warninglists_match(w, (enum sol_atom_kind)k, value.p, value.n);
}

/* formats.h: the scan's check of one indicator (see there). */
int
sol_warninglists_indicator(const struct sol_warninglists *w, const struct sol_json *obj,
                           struct sol_json_doc *doc, const struct sol_json **out, const char **list)
{
    *out = obj;
    *list = NULL;
    struct sol_str pt = sol_json_str(sol_json_get(obj, "pattern_type"));
    struct sol_str pat = sol_json_str(sol_json_get(obj, "pattern"));
    if (!w || !w->n || !sol_str_eqc(sol_json_str(sol_json_get(obj, "type")), "indicator") ||
        !pat.p || (pt.p && !sol_str_eqc(pt, "stix")))
        return 0;
    struct sol_pattern *p = NULL;
    int rc = sol_pattern_parse(pat.p, pat.n, NULL, &p, NULL);
    if (rc)
        return rc == SOL_ENOMEM ? rc : 0; /* the index reports what does not parse */
    struct sol_atom *a = NULL;
    size_t n = 0;
    const char *why;
    rc = sol_format_atoms(p, &a, &n, &why);
    if (rc || !n) {
        sol_free(a);
        sol_pattern_free(p);
        return rc == SOL_ENOMEM ? rc : 0;
    }
    struct sol_buf kept;
    sol_buf_init(&kept);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        const char *hit = sol_warninglists_match(w, a[i].kind, a[i].value.p, a[i].value.n);
        if (hit) {
            if (!*list)
                *list = hit;
            continue;
        }
        if (nk++)
            sol_buf_puts(&kept, " OR ");
        sol_buf_putc(&kept, '[');
        sol_buf_append(&kept, a[i].path.p, a[i].path.n);
        sol_buf_puts(&kept, a[i].network && a[i].kind != SOL_ATOM_OTHER ? " ISSUBSET " : " = ");
        if (a[i].integer)
            sol_buf_append(&kept, a[i].value.p, a[i].value.n);
        else
            sol__pattern_string(&kept, a[i].value.p, a[i].value.n);
        sol_buf_putc(&kept, ']');
    }
    sol_free(a);
    sol_pattern_free(p);
    if (!*list) {
        rc = 0;
    } else if (!nk) {
        rc = 2;
    } else {
        /* The same object with the pattern of the values on no list. */
        struct sol_buf json;
        sol_buf_init(&json);
        struct sol_json_writer jw;
        sol_jw_init(&jw, &json, false);
        sol_jw_object_begin(&jw);
        struct sol_json_iter it;
        struct sol_str key;
        const struct sol_json *v;
        sol_json_iter_init(&it, obj);
        while (sol_json_iter_next(&it, &key, &v)) {
            sol_jw_keyn(&jw, key.p, key.n);
            if (sol_str_eqc(key, "pattern"))
                sol_jw_stringn(&jw, kept.p, kept.n);
            else
                sol_jw_value(&jw, v);
        }
        sol_jw_object_end(&jw);
        rc = json.oom || kept.oom ? SOL_ENOMEM : sol_json_parse(doc, json.p, json.n, out, NULL);
        if (rc == 0)
            rc = 1;
        else if (rc != SOL_ENOMEM)
            rc = 0, *out = obj;
        sol_buf_free(&json);
    }
    sol_buf_free(&kept);
    return rc;
}

#define INDEX_KEY "warninglists"

/* formats.h: keep a list in the store (and its name in the index). */
int
sol_warninglists_store(struct sol_store *s, const struct sol_json *list, struct sol_error *err)
{
    struct sol_warninglists *check = sol_warninglists_new();
    if (!check)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    int rc = sol_warninglists_add(check, list, err);
    sol_warninglists_free(check);
    if (rc)
        return rc;
    struct sol_str name = sol_json_str(sol_json_get(list, "name"));
    struct sol_buf key, text, index, newindex;
    sol_buf_init(&key);
    sol_buf_init(&text);
    sol_buf_init(&index);
    sol_buf_init(&newindex);
    sol_buf_printf(&key, "warninglist:%.*s", (int)name.n, name.p);
    struct sol_json_writer w;
    sol_jw_init(&w, &text, false);
    sol_jw_value(&w, list);
    rc = sol_store_begin(s);
    if (rc == 0) {
        int g = sol_store_setting_get(s, INDEX_KEY, &index);
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *names = NULL;
        if (g == 0 && doc && sol_json_parse(doc, index.p, index.n, &names, NULL) != 0)
            names = NULL;
        sol_jw_init(&w, &newindex, false);
        sol_jw_array_begin(&w);
        struct sol_json_iter it;
        const struct sol_json *x;
        sol_json_iter_init(&it, names);
        while (sol_json_iter_next(&it, NULL, &x))
            if (sol_json_is_string(x) && !sol_str_eq(sol_json_str(x), name))
                sol_jw_value(&w, x);
        sol_jw_stringn(&w, name.p, name.n);
        sol_jw_array_end(&w);
        sol_json_doc_free(doc);
        rc = key.oom || text.oom || newindex.oom ? SOL_ENOMEM : 0;
        if (rc == 0)
            rc = sol_store_setting_set(s, key.p, text.p);
        if (rc == 0)
            rc = sol_store_setting_set(s, INDEX_KEY, newindex.p);
        rc = rc == 0 ? sol_store_commit(s) : (sol_store_rollback(s), rc);
    }
    if (rc)
        sol_error_set(err, rc, "cannot keep the warninglist: %s", sol_store_errmsg(s));
    sol_buf_free(&key);
    sol_buf_free(&text);
    sol_buf_free(&index);
    sol_buf_free(&newindex);
    return rc;
}

/* formats.h: load every list the node keeps. */
int
sol_warninglists_load(struct sol_warninglists *wl, struct sol_store *s, struct sol_error *err)
{
    struct sol_buf index, text;
    sol_buf_init(&index);
    sol_buf_init(&text);
    int rc = sol_store_setting_get(s, INDEX_KEY, &index);
    if (rc == SOL_ENOTFOUND) {
        sol_buf_free(&index);
        return 0;
    }
    struct sol_json_doc *idoc = sol_json_doc_new(NULL), *ldoc = sol_json_doc_new(NULL);
    const struct sol_json *names = NULL, *list;
    if (rc == 0 && (!idoc || !ldoc))
        rc = SOL_ENOMEM;
    if (rc == 0 && sol_json_parse(idoc, index.p, index.n, &names, NULL) != 0)
        names = NULL;
    struct sol_json_iter it;
    const struct sol_json *x;
    sol_json_iter_init(&it, names);
    while (rc == 0 && sol_json_iter_next(&it, NULL, &x)) {
        struct sol_str n = sol_json_str(x);
        char key[400];
        snprintf(key, sizeof key, "warninglist:%.*s", (int)(n.n > 380 ? 380 : n.n), n.p);
        sol_buf_reset(&text);
        if (sol_store_setting_get(s, key, &text) != 0)
            continue;
        if (sol_json_parse(ldoc, text.p, text.n, &list, NULL) == 0)
            rc = sol_warninglists_add(wl, list, err);
    }
    if (rc && err && !err->msg[0])
        sol_error_set(err, rc, "cannot load the warninglists: %s", sol_strerror(rc));
    sol_json_doc_free(idoc);
    sol_json_doc_free(ldoc);
    sol_buf_free(&index);
    sol_buf_free(&text);
    return rc;
}

/* A JSON object with "list" and ("matching_attributes" or "type") near its start. */
int
sol__warninglist_detect(const char *path, const char *head, size_t n)
{
    (void)path;
    size_t i = 0;
    while (i < n && isspace((unsigned char)head[i]))
        i++;
    if (i >= n || head[i] != '{')
        return 0;
    if (memmem(head, n, "\"list\"", 6) &&
        (memmem(head, n, "\"matching_attributes\"", 21) || memmem(head, n, "\"description\"", 13)))
        return 85;
    return 0;
}

/* The reader: validate the list and keep it in the node; it makes no STIX object. */
int
sol__warninglist_read(const struct sol_format_input *in, const struct sol_import_options *o,
                      void *imp, struct sol_error *err)
{
    struct sol__import *im = imp;
    if (!o->store)
        return sol_error_set(err, SOL_EINVAL, "warninglists are kept in a node's store");
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    const struct sol_json *root;
    int rc = sol_json_parse(doc, in->p, in->n, &root, err);
    if (rc == 0)
        rc = sol_warninglists_store(o->store, root, err);
    if (rc == 0) {
        struct sol_warninglists *w = sol_warninglists_new();
        size_t values = 0;
        if (w && sol_warninglists_add(w, root, NULL) == 0)
            sol_warninglists_count(w, &values);
        sol_warninglists_free(w);
        struct sol_str name = sol_json_str(sol_json_get(root, "name"));
        struct sol_str type = sol_json_str(sol_json_get(root, "type"));
        sol__note(im, SOL_NOTE_INFO, in->name, NULL, "warninglist '%.*s' kept: %zu values (%.*s)",
                  (int)name.n, name.p, values, (int)(type.p ? type.n : 6),
                  type.p ? type.p : "string");
    }
    sol_json_doc_free(doc);
    return rc;
}
