/*
 * validate.c — the STIX validator's engine: reports, paths, the checks of each
 * property kind, objects, bundles, documents, and STIX 2.0 detection.
 *
 * Each STIX object is walked member by member against its type's table (types.c):
 * a member found in the table is checked by its kind, a member not found is a custom
 * property (§11.1) and must follow the naming rules. Then required properties, the
 * rules shared by all objects (§3.2: modified >= created, identifier form, granular
 * marking selectors) and the type's own function run.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/pattern.h"
#include "stix/stix.h"

sol_stix_pattern_check_fn sol__pattern_checker;

/* Install the STIX Patterning checker the validator calls for indicators. */
void
sol_stix_set_pattern_checker(sol_stix_pattern_check_fn fn)
{
    sol__pattern_checker = fn;
}

/* Is a strict pattern warning about a name that follows the custom naming rules (an
 * object type starting "x-", a property starting "x_", STIX 2.1 §11.1, §11.2)? Those are
 * not findings of the validator (the pattern's own --strict still lists them). */
static bool
custom_name_warning(const char *msg)
{
    return strncmp(msg, "unknown object type 'x-", 23) == 0 ||
           strncmp(msg, "unknown property 'x_", 20) == 0;
}

/*
 * STIX 2.1 §9: the pattern must parse (src/pattern). Returns 0, 1 with why (invalid),
 * 2 with why (valid, with warnings), or SOL_ENOMEM. With strict, the warnings of the
 * pattern's own strict checks (unknown object types and properties, non-canonical
 * forms) are returned too; without it only the warnings every parse gives (patterns
 * that can never match).
 */
int
sol__pattern_check(const char *pattern, size_t n, unsigned stix_version, bool strict, char *why,
                   size_t why_n)
{
    struct sol_pattern_options po;
    memset(&po, 0, sizeof po);
    po.stix_version = stix_version;
    struct sol_pattern *p = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_pattern_parse(pattern, n, &po, &p, &err);
    if (rc == SOL_ENOMEM)
        return rc;
    if (rc) {
        if (err.column)
            snprintf(why, why_n, "column %u: %s", err.column, err.msg);
        else
            snprintf(why, why_n, "%s", err.msg[0] ? err.msg : sol_strerror(rc));
        return 1;
    }
    /* The strict parse adds warnings, and fails where a non-strict parse only warns (the
     * non-strict warnings then stand for it). */
    struct sol_pattern *sp = NULL;
    po.strict = true;
    sol_error_clear(&err);
    rc = strict ? sol_pattern_parse(pattern, n, &po, &sp, &err) : 1;
    if (rc == SOL_ENOMEM) {
        sol_pattern_free(p);
        return rc;
    }
    const struct sol_pattern *w = rc == 0 ? sp : p;
    size_t used = 0;
    if (why_n)
        why[0] = 0;
    for (size_t i = 0; i < sol_pattern_warning_count(w); i++) {
        unsigned col = 0;
        const char *msg = sol_pattern_warning(w, i, &col);
        if (custom_name_warning(msg) || used + 1 >= why_n)
            continue;
        int k = snprintf(why + used, why_n - used, "%scolumn %u: %s", used ? "; " : "", col, msg);
        if (k > 0)
            used = used + (size_t)k < why_n ? used + (size_t)k : why_n - 1;
    }
    sol_pattern_free(sp);
    sol_pattern_free(p);
    return used ? 2 : 0;
}

/* ---- Reports ---- */

/* An empty report. */
void
sol_stix_report_init(struct sol_stix_report *r)
{
    memset(r, 0, sizeof *r);
}

/* Release the findings of r. */
void
sol_stix_report_free(struct sol_stix_report *r)
{
    if (!r)
        return;
    sol_free(r->v);
    memset(r, 0, sizeof *r);
}

/*
 * The finding's object part (path up to object_path_len, and the id) and the rest:
 * "objects[12] (indicator--x): pattern_type: required property missing".
 */
char *
sol_stix_finding_format(const struct sol_stix_finding *f, char *buf, size_t n)
{
    size_t ol = f->object_path_len;
    if (ol > strlen(f->path))
        ol = strlen(f->path);
    const char *rest = f->path + ol;
    if (*rest == '.')
        rest++;
    char head[512];
    if (ol && f->object_id[0])
        snprintf(head, sizeof head, "%.*s (%s)", (int)ol, f->path, f->object_id);
    else if (ol)
        snprintf(head, sizeof head, "%.*s", (int)ol, f->path);
    else
        snprintf(head, sizeof head, "%s", f->object_id);
    if (head[0] && rest[0])
        snprintf(buf, n, "%s: %s: %s", head, rest, f->msg);
    else if (head[0] || rest[0])
        snprintf(buf, n, "%s: %s", head[0] ? head : rest, f->msg);
    else
        snprintf(buf, n, "%s", f->msg);
    return buf;
}

static void
add_finding(struct sol__vctx *c, enum sol_stix_severity sev, const char *msg)
{
    struct sol_stix_report *r = c->rep;
    if (c->syserr)
        return;
    if (c->opt && c->opt->strict)
        sev = SOL_STIX_ERROR;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct sol_stix_finding *v = sol_realloc(r->v, cap * sizeof *v);
        if (!v) {
            c->syserr = SOL_ENOMEM;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    struct sol_stix_finding *f = &r->v[r->n++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    snprintf(f->path, sizeof f->path, "%s", c->path);
    snprintf(f->object_id, sizeof f->object_id, "%s", c->obj_id);
    f->object_path_len = c->obj_pathlen < sizeof f->path ? c->obj_pathlen : 0;
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    if (sev == SOL_STIX_ERROR)
        r->errors++;
    else
        r->warnings++;
}

/* Record an error at the current path. */
void
sol__err(struct sol__vctx *c, const char *fmt, ...)
{
    char msg[sizeof(((struct sol_stix_finding *)0)->msg)];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): a false positive, va_start is above */
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    add_finding(c, SOL_STIX_ERROR, msg);
}

/* Record a warning at the current path. */
void
sol__warn(struct sol__vctx *c, const char *fmt, ...)
{
    char msg[sizeof(((struct sol_stix_finding *)0)->msg)];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): a false positive, va_start is above */
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    add_finding(c, SOL_STIX_WARNING, msg);
}

/* ---- Paths ---- */

/* Append ".key" (or "key" at the start) to the path; returns the length to restore. */
size_t
sol__push_key(struct sol__vctx *c, const char *key, size_t n)
{
    size_t old = c->pathlen;
    size_t room = sizeof c->path - 1 - c->pathlen; /* keep the NUL */
    if (n > 200)
        n = 200;
    if (c->pathlen && room > 0) {
        c->path[c->pathlen++] = '.';
        room--;
    }
    if (n > room)
        n = room;
    memcpy(c->path + c->pathlen, key, n);
    c->pathlen += n;
    c->path[c->pathlen] = '\0';
    return old;
}

/* Append "[i]" to the path; returns the length to restore. */
static size_t
push_index(struct sol__vctx *c, size_t i)
{
    size_t old = c->pathlen;
    char digits[24];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    size_t n = sizeof digits - k;
    if (c->pathlen + n + 2 < sizeof c->path) {
        c->path[c->pathlen++] = '[';
        memcpy(c->path + c->pathlen, digits + k, n);
        c->pathlen += n;
        c->path[c->pathlen++] = ']';
        c->path[c->pathlen] = '\0';
    }
    return old;
}

/* Restore the path to a length returned by a push. */
void
sol__pop(struct sol__vctx *c, size_t len)
{
    c->pathlen = len;
    c->path[len] = '\0';
}

static size_t
push_c(struct sol__vctx *c, const char *key)
{
    return sol__push_key(c, key, strlen(key));
}

/* ---- Small syntax checks ---- */

/* Whether obj (an object) has a member named key. */
bool
sol__has(const struct sol_json *obj, const char *key)
{
    return sol_json_get(obj, key) != NULL;
}

static const char *
type_name(const struct sol_json *v)
{
    switch (sol_json_type(v)) {
    case SOL_JSON_NULL:
        return "null";
    case SOL_JSON_BOOL:
        return "boolean";
    case SOL_JSON_INT:
    case SOL_JSON_UINT:
        return "integer";
    case SOL_JSON_DOUBLE:
        return "number";
    case SOL_JSON_STRING:
        return "string";
    case SOL_JSON_ARRAY:
        return "list";
    case SOL_JSON_OBJECT:
        return "object";
    default:
        return "nothing";
    }
}

/* STIX 2.1 §3.1, §7.3.2, §11.2.1: type names are 3–250 of a-z, 0-9 and hyphen, start
 * with a letter and never have two hyphens in a row. */
static bool
type_syntax_ok(const char *s, size_t n, const char **why)
{
    if (n < 3 || n > 250) {
        *why = "must be 3 to 250 characters long";
        return false;
    }
    if (!(s[0] >= 'a' && s[0] <= 'z')) {
        *why = "must begin with a letter a-z";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) {
            *why = "must contain only a-z, 0-9 and hyphen";
            return false;
        }
        if (ch == '-' && i > 0 && s[i - 1] == '-') {
            *why = "must not contain two hyphens in a row";
            return false;
        }
    }
    return true;
}

/* STIX 2.1 §11.1.1, §7.3.2: property names are 3–250 of a-z, 0-9 and underscore. */
static bool
prop_name_ok(const char *s, size_t n)
{
    if (n < 3 || n > 250)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static bool
is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool
is_alnum(char ch)
{
    return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

/*
 * RFC 5646 language tags, by their shape: subtags of 1–8 letters or digits separated
 * by hyphens; the first is 2–8 letters (a language) or "x"/"i" (private use,
 * grandfathered).
 */
bool
sol__lang_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t i = 0, first = 1;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '-')
            j++;
        size_t len = j - i;
        if (len < 1 || len > 8)
            return false;
        for (size_t k = i; k < j; k++)
            if (!is_alnum(s[k]) || (first && !is_alpha(s[k])))
                return false;
        if (first && len == 1 && !(s[i] == 'x' || s[i] == 'i' || s[i] == 'X' || s[i] == 'I'))
            return false;
        first = 0;
        if (j < n && j + 1 == n)
            return false; /* trailing hyphen */
        i = j + 1;
    }
    return true;
}

/* An IPv4 or IPv6 address, with an optional CIDR prefix (§6.8.1, §6.9.1). */
bool
sol__ip_value_ok(const char *s, size_t n, int family)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash++ = '\0';
        if (!*slash || strlen(slash) > 3)
            return false;
        int bits = 0;
        for (char *p = slash; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            bits = bits * 10 + (*p - '0');
        }
        if (bits > (family == 4 ? 32 : 128))
            return false;
    }
    unsigned char addr[16];
    return inet_pton(family == 4 ? AF_INET : AF_INET6, buf, addr) == 1;
}

/* The type part of "type--uuid", or {NULL, 0} when there is no "--". */
struct sol_str
sol__id_type(struct sol_str id)
{
    struct sol_str r = {NULL, 0};
    if (!id.p)
        return r;
    for (size_t i = 0; i + 1 < id.n; i++)
        if (id.p[i] == '-' && id.p[i + 1] == '-') {
            r.p = id.p;
            r.n = i;
            return r;
        }
    return r;
}

#define SHOWN(s) (int)((s).n > 80 ? 80 : (s).n), (s).p

/* ---- Values ---- */

static bool
expect(struct sol__vctx *c, const struct sol_json *v, enum sol_json_type t, const char *what)
{
    if (sol_json_type(v) == t)
        return true;
    sol__err(c, "expected %s, found %s", what, type_name(v));
    return false;
}

/* STIX 2.1 §2.16: YYYY-MM-DDTHH:mm:ss[.s+]Z; §3.2: created and modified to the millisecond. */
static bool
check_timestamp(struct sol__vctx *c, const struct sol_json *v, unsigned flags, sol_time_t *out)
{
    if (!expect(c, v, SOL_JSON_STRING, "a timestamp string"))
        return false;
    const char *why = NULL;
    unsigned prec = 0;
    sol_time_t t;
    if (sol_time_parse(v->u.s, v->n, SOL_TIME_UTC_Z, &t, &prec, &why) != 0) {
        sol__err(c, "'%.*s' is not a valid timestamp: %s (§2.16)", SHOWN(sol_json_str(v)), why);
        return false;
    }
    if ((flags & SP_MILLIS) && prec < 3) {
        sol__err(c, "'%.*s' must have at least millisecond precision (§3.2)",
                 SHOWN(sol_json_str(v)));
        /* Still usable for comparisons. */
    }
    if (out)
        *out = t;
    return true;
}

/* STIX 2.1: the member named later must not be before (strict: must be after) earlier. */
void
sol__check_order(struct sol__vctx *c, const struct sol_json *obj, const char *earlier,
                 const char *later, bool strict, const char *section)
{
    const struct sol_json *a = sol_json_get(obj, earlier), *b = sol_json_get(obj, later);
    if (!a || !b || !sol_json_is_string(a) || !sol_json_is_string(b))
        return;
    sol_time_t ta, tb;
    if (sol_time_parse(a->u.s, a->n, SOL_TIME_UTC_Z, &ta, NULL, NULL) != 0 ||
        sol_time_parse(b->u.s, b->n, SOL_TIME_UTC_Z, &tb, NULL, NULL) != 0)
        return;
    if (strict ? tb <= ta : tb < ta) {
        size_t old = push_c(c, later);
        sol__err(c, "must be %s %s (§%s)", strict ? "later than" : "later than or equal to",
                 earlier, section);
        sol__pop(c, old);
    }
}

/* Whether the type named by the identifier is allowed by spec ("identity", "@sdo @sco"). */
static bool
ref_type_allowed(struct sol_str type, const char *spec)
{
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 4 && memcmp(p, "@any", 4) == 0)
            return true;
        const struct sol__type_def *td = sol__stix_type_find(type.p, type.n);
        if (len == 4 && memcmp(p, "@sdo", 4) == 0 && (!td || td->cls == CLS_SDO))
            return true; /* custom types may be custom SDOs */
        if (len == 4 && memcmp(p, "@sco", 4) == 0 && (!td || td->cls == CLS_SCO))
            return true;
        if (len == 4 && memcmp(p, "@sro", 4) == 0 && td && td->cls == CLS_SRO)
            return true;
        if (len && len == type.n && memcmp(p, type.p, len) == 0)
            return true;
        p += len;
        while (*p == ' ')
            p++;
    }
    return false;
}

static const char *
ref_spec_words(const char *spec, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    const char *p = spec;
    while (*p && o + 1 < n) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *word = NULL;
        if (len == 4 && memcmp(p, "@sdo", 4) == 0)
            word = "an SDO";
        else if (len == 4 && memcmp(p, "@sco", 4) == 0)
            word = "an SCO";
        else if (len == 4 && memcmp(p, "@sro", 4) == 0)
            word = "an SRO";
        int k = snprintf(buf + o, n - o, "%s%.*s", o ? (e ? ", " : " or ") : "",
                         word ? (int)strlen(word) : (int)len, word ? word : p);
        if (k < 0 || (size_t)k >= n - o)
            break;
        o += (size_t)k;
        p += len;
        while (*p == ' ')
            p++;
    }
    return buf;
}

/* STIX 2.1 §2.9: "type--UUID" with an RFC 4122 UUID. Returns the UUID's version or 0. */
static unsigned
check_identifier_syntax(struct sol__vctx *c, struct sol_str id)
{
    struct sol_str t = sol__id_type(id);
    const char *why = NULL;
    struct sol_uuid u;
    if (!t.p || !type_syntax_ok(t.p, t.n, &why) || id.n != t.n + 2 + 36 ||
        sol_uuid_parse(id.p + t.n + 2, 36, &u) != 0) {
        sol__err(c, "'%.*s' is not a valid identifier: expected type--UUID (§2.9)", SHOWN(id));
        return 0;
    }
    if (!sol_uuid_rfc4122(&u) || sol_uuid_version(&u) < 1 || sol_uuid_version(&u) > 5) {
        sol__err(c, "'%.*s' is not a valid identifier: the UUID is not an RFC 4122 UUID (§2.9)",
                 SHOWN(id));
        return 0;
    }
    return sol_uuid_version(&u);
}

static void
check_ref(struct sol__vctx *c, const struct sol__prop *p, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_STRING, "an identifier string"))
        return;
    struct sol_str id = sol_json_str(v);
    if (c->container) {
        /* STIX 2.1 §2.13: inside an observable container, references are its keys. */
        if (!sol_json_getn(c->container, id.p, id.n))
            sol__err(c, "'%.*s' does not name an object in the observable container (§2.13)",
                     SHOWN(id));
        return;
    }
    if (!check_identifier_syntax(c, id))
        return;
    struct sol_str t = sol__id_type(id);
    const char *spec = p->arg ? (const char *)p->arg : "@any";
    if (!ref_type_allowed(t, spec)) {
        char words[160];
        sol__err(c, "must reference %s, not %.*s (§%s)", ref_spec_words(spec, words, sizeof words),
                 SHOWN(t), c->sect);
    }
}

static void check_value_inner(struct sol__vctx *c, const struct sol__prop *p,
                              const struct sol_json *v);

static void
check_list(struct sol__vctx *c, const struct sol__prop *p, const struct sol_json *v,
           enum sol__pk elem_kind)
{
    if (!expect(c, v, SOL_JSON_ARRAY, "a list"))
        return;
    /* STIX 2.1 §2.12: empty lists are prohibited. */
    if (v->n == 0) {
        sol__err(c, "empty list not allowed (§2.12)");
        return;
    }
    struct sol__prop ep = *p;
    ep.kind = (uint8_t)elem_kind;
    struct sol_json_iter it;
    const struct sol_json *e;
    size_t i = 0;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, NULL, &e)) {
        size_t old = push_index(c, i++);
        check_value_inner(c, &ep, e);
        sol__pop(c, old);
    }
}

static void
check_vocab(struct sol__vctx *c, const struct sol__vocab *voc, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_STRING, "a string"))
        return;
    struct sol_str s = sol_json_str(v);
    if (sol__vocab_has(voc, s.p, s.n))
        return;
    if (voc->closed)
        sol__err(c, "'%.*s' is not a value of %s (§%s)", SHOWN(s), voc->name, voc->section);
    else
        sol__warn(c, "'%.*s' is not in %s (§%s)", SHOWN(s), voc->name, voc->section);
}

static bool
all_hex(const char *s, size_t n, bool lower_only)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
              (!lower_only && ch >= 'A' && ch <= 'F')))
            return false;
    }
    return true;
}

/* STIX 2.1 §2.7 hashes, §10.7 hash-algorithm-ov. */
static void
check_hashes(struct sol__vctx *c, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_OBJECT, "a hashes dictionary"))
        return;
    if (v->n == 0) {
        sol__err(c, "empty dictionary not allowed (§2.3)");
        return;
    }
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *h;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &k, &h)) {
        size_t old = sol__push_key(c, k.p, k.n);
        bool name_ok = k.n >= 3 && k.n <= 250;
        for (size_t i = 0; name_ok && i < k.n; i++)
            name_ok = is_alnum(k.p[i]) || k.p[i] == '-' || k.p[i] == '_';
        if (!name_ok) {
            sol__err(c, "hash algorithm name must be 3 to 250 characters of a-z, A-Z, 0-9, "
                        "hyphen and underscore (§2.7)");
        } else if (!expect(c, h, SOL_JSON_STRING, "a string")) {
            /* reported */
        } else {
            struct sol_str hv = sol_json_str(h);
            /* STIX 2.0 Part 2 §6.3's names are accepted without warning in 2.0 mode; the
             * values of every algorithm spelled as the table names it are checked. */
            enum sol__hash_alg a = sol__hash_alg_exact(k);
            bool known =
                (a && sol__hash_algs[a].in_21) || (c->version == 20 && sol__hash_alg_exact_20(k));
            if (sol__hash_value_ok(a, hv)) {
                /* well-formed, or a form we do not know */
            } else if (sol__hash_algs[a].hex) {
                sol__err(c, "'%.*s' is not a valid %.*s hash: expected %zu hex digits (§10.7)",
                         SHOWN(hv), SHOWN(k), sol__hash_algs[a].hex);
            } else if (a == SOL__HASH_TLSH) {
                sol__err(c, "'%.*s' is not a valid TLSH hash: expected 70 hex digits (§10.7)",
                         SHOWN(hv));
            } else {
                sol__err(c, "'%.*s' is not a valid %s hash (§10.7)", SHOWN(hv),
                         sol__hash_algs[a].name);
            }
            /* §10.7 is an open vocabulary; x_ names are custom by §11.1.1's convention. */
            if (!known && !(k.n > 2 && k.p[0] == 'x' && k.p[1] == '_'))
                sol__warn(c, "hash algorithm '%.*s' is not in hash-algorithm-ov (§10.7)", SHOWN(k));
        }
        sol__pop(c, old);
    }
}

/*
 * STIX 2.1 §2.12: "Empty lists are prohibited in STIX and MUST NOT be used as a
 * substitute for omitting the property". Reports each empty list found in v (v itself
 * included), depth-bounded, as an error; except deeper inside a custom property (custom,
 * depth > 0), whose contents STIX does not type, where it is a warning: there the list is
 * neither a property nor one of STIX's lists, the OASIS validator accepts it, and MITRE
 * ATT&CK ships it, so refusing it would lose objects every other consumer takes. A
 * custom property whose own value is [] stands in for omitting it: an error, as the
 * OASIS validator says too.
 */
static void
check_no_empty_lists(struct sol__vctx *c, const struct sol_json *v, unsigned depth, bool custom)
{
    if (depth > 64)
        return;
    if (sol_json_type(v) == SOL_JSON_ARRAY) {
        if (v->n == 0 && custom && depth > 0) {
            sol__warn(c, "empty list in a custom property: omit it (§2.12)");
            return;
        }
        if (v->n == 0) {
            sol__err(c, "empty list not allowed (§2.12)");
            return;
        }
        struct sol_json_iter it;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        for (size_t i = 0; sol_json_iter_next(&it, NULL, &e); i++) {
            if (sol_json_type(e) != SOL_JSON_ARRAY && sol_json_type(e) != SOL_JSON_OBJECT)
                continue;
            size_t old = push_index(c, i);
            check_no_empty_lists(c, e, depth + 1, custom);
            sol__pop(c, old);
        }
    } else if (sol_json_type(v) == SOL_JSON_OBJECT) {
        struct sol_json_iter it;
        struct sol_str k;
        const struct sol_json *e;
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, &k, &e)) {
            if (sol_json_type(e) != SOL_JSON_ARRAY && sol_json_type(e) != SOL_JSON_OBJECT)
                continue;
            size_t old = sol__push_key(c, k.p, k.n);
            check_no_empty_lists(c, e, depth + 1, custom);
            sol__pop(c, old);
        }
    }
}

/* STIX 2.1 §2.3: dictionary keys are ASCII letters, digits, hyphen and underscore, <= 250. */
static void
check_dict(struct sol__vctx *c, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_OBJECT, "a dictionary"))
        return;
    if (v->n == 0) {
        sol__err(c, "empty dictionary not allowed (§2.3)");
        return;
    }
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &k, &e)) {
        bool ok = k.n >= 1 && k.n <= 250;
        for (size_t i = 0; ok && i < k.n; i++)
            ok = is_alnum(k.p[i]) || k.p[i] == '-' || k.p[i] == '_';
        if (!ok) {
            size_t old = sol__push_key(c, k.p, k.n);
            sol__err(c, "dictionary key must be 1 to 250 characters of a-z, A-Z, 0-9, hyphen "
                        "and underscore (§2.3)");
            sol__pop(c, old);
        }
        if (sol_json_type(e) == SOL_JSON_ARRAY || sol_json_type(e) == SOL_JSON_OBJECT) {
            size_t old = sol__push_key(c, k.p, k.n);
            check_no_empty_lists(c, e, 1, false);
            sol__pop(c, old);
        }
    }
}

/* STIX 2.1 §2.11 */
static void check_struct(struct sol__vctx *c, const struct sol__struct_def *d,
                         const struct sol_json *v);

static void
check_kill_chain_phase(struct sol__vctx *c, const struct sol_json *v)
{
    check_struct(c, &sol__kill_chain_phase_def, v);
    if (sol_json_type(v) != SOL_JSON_OBJECT)
        return;
    static const char *const names[] = {"kill_chain_name", "phase_name"};
    for (size_t i = 0; i < 2; i++) {
        struct sol_str s = sol_json_str(sol_json_get(v, names[i]));
        bool ok = true;
        for (size_t j = 0; j < s.n; j++)
            if ((s.p[j] >= 'A' && s.p[j] <= 'Z') || s.p[j] == ' ' || s.p[j] == '_')
                ok = false;
        if (!ok) {
            size_t old = push_c(c, names[i]);
            sol__warn(c, "should be lowercase with hyphens between words (§2.11)");
            sol__pop(c, old);
        }
    }
}

static bool
digits_after(struct sol_str s, size_t from, size_t min)
{
    if (s.n < from + min)
        return false;
    for (size_t i = from; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* STIX 2.1 §2.5 */
static void
check_external_reference(struct sol__vctx *c, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_OBJECT, "an external reference object"))
        return;
    static const struct sol__prop props[] = {
        {"source_name", PK_STRING, SP_REQ_BOTH, NULL, 0, 0},
        {"description", PK_STRING, 0, NULL, 0, 0},
        {"url", PK_STRING, 0, NULL, 0, 0},
        {"hashes", PK_HASHES, 0, NULL, 0, 0},
        {"external_id", PK_STRING, 0, NULL, 0, 0},
        {NULL, 0, 0, NULL, 0, 0},
    };
    static const struct sol__struct_def def = {"external-reference", "2.5", props, NULL, false};
    check_struct(c, &def, v);
    /* STIX 2.1 §2.5.2: one of description, url or external_id besides source_name. */
    if (!sol__has(v, "description") && !sol__has(v, "url") && !sol__has(v, "external_id"))
        sol__err(c, "at least one of description, url or external_id must be present (§2.5.2)");
    struct sol_str src = sol_json_str(sol_json_get(v, "source_name"));
    struct sol_str eid = sol_json_str(sol_json_get(v, "external_id"));
    if (!eid.p)
        return;
    /* STIX 2.1 §4.1.1: CAPEC ids are "CAPEC-[id]"; §4.19.1: CVE ids are exact CVE ids. */
    if (sol_str_eqc(src, "capec") &&
        !(eid.n > 6 && memcmp(eid.p, "CAPEC-", 6) == 0 && digits_after(eid, 6, 1))) {
        size_t old = push_c(c, "external_id");
        sol__err(c, "'%.*s' is not a CAPEC id (CAPEC-[id], §4.1.1)", SHOWN(eid));
        sol__pop(c, old);
    }
    if (sol_str_eqc(src, "cve") && !(eid.n >= 13 && memcmp(eid.p, "CVE-", 4) == 0 &&
                                     digits_after((struct sol_str){eid.p, 8}, 4, 4) &&
                                     eid.p[8] == '-' && digits_after(eid, 9, 4))) {
        size_t old = push_c(c, "external_id");
        sol__err(c, "'%.*s' is not a CVE id (CVE-YYYY-NNNN, §4.19.1)", SHOWN(eid));
        sol__pop(c, old);
    }
}

/*
 * STIX 2.1 §7.2.3.1 selectors: components separated by '.', each a property name or
 * dictionary key, or "[N]"; the selector must reach content present in the object.
 */
static const char *
resolve_selector(const struct sol_json *root, struct sol_str sel)
{
    const struct sol_json *cur = root;
    size_t i = 0;
    if (sel.n == 0)
        return "empty selector";
    while (i <= sel.n) {
        size_t j = i;
        while (j < sel.n && sel.p[j] != '.')
            j++;
        struct sol_str comp = {sel.p + i, j - i};
        if (comp.n == 0)
            return "empty component";
        if (comp.p[0] == '[') {
            if (comp.n < 3 || comp.p[comp.n - 1] != ']')
                return "a list index must be [N]";
            size_t idx = 0;
            for (size_t k = 1; k + 1 < comp.n; k++) {
                if (comp.p[k] < '0' || comp.p[k] > '9')
                    return "a list index must be a non-negative integer";
                if (idx > 100000000)
                    return "list index out of range";
                idx = idx * 10 + (size_t)(comp.p[k] - '0');
            }
            if (sol_json_type(cur) != SOL_JSON_ARRAY)
                return "a list index applied to something that is not a list";
            if (idx >= cur->n)
                return "list index out of range";
            cur = sol_json_at(cur, idx);
        } else {
            if (sol_json_type(cur) != SOL_JSON_OBJECT)
                return "a property name applied to something that is not an object";
            cur = sol_json_getn(cur, comp.p, comp.n);
            if (!cur)
                return "no such property";
        }
        if (j == sel.n)
            break;
        i = j + 1;
        if (i == sel.n)
            return "empty component";
    }
    return NULL;
}

/* STIX 2.1 §7.2.3 granular-marking */
static void
check_granular_marking(struct sol__vctx *c, const struct sol_json *v, const struct sol_json *root)
{
    if (!expect(c, v, SOL_JSON_OBJECT, "a granular marking object"))
        return;
    static const struct sol__prop props[] = {
        {"lang", PK_LANG, SP_ONLY21, NULL, 0, 0},
        {"marking_ref", PK_REF, SP_REQ20, "marking-definition", 0, 0},
        {"selectors", PK_STRING_LIST, SP_REQ_BOTH, NULL, 0, 0},
        {NULL, 0, 0, NULL, 0, 0},
    };
    static const struct sol__struct_def def = {"granular-marking", "7.2.3", props, NULL, false};
    check_struct(c, &def, v);
    if (c->version == 21) {
        bool lang = sol__has(v, "lang"), ref = sol__has(v, "marking_ref");
        if (lang == ref)
            sol__err(c, "exactly one of lang or marking_ref must be present (§7.2.3)");
    }
    const struct sol_json *sels = sol_json_get(v, "selectors");
    if (sol_json_type(sels) != SOL_JSON_ARRAY || !root)
        return;
    struct sol_json_iter it;
    const struct sol_json *s;
    size_t i = 0;
    sol_json_iter_init(&it, sels);
    while (sol_json_iter_next(&it, NULL, &s)) {
        struct sol_str sel = sol_json_str(s);
        const char *why = sel.p ? resolve_selector(root, sel) : NULL;
        if (why) {
            size_t o1 = push_c(c, "selectors");
            size_t o2 = push_index(c, i);
            sol__err(c, "'%.*s' does not select content of this object: %s (§7.2.3.1)", SHOWN(sel),
                     why);
            sol__pop(c, o2);
            sol__pop(c, o1);
        }
        i++;
    }
}

static void check_extensions(struct sol__vctx *c, const struct sol_json *v);

static void
check_value_inner(struct sol__vctx *c, const struct sol__prop *p, const struct sol_json *v)
{
    switch ((enum sol__pk)p->kind) {
    case PK_STRING:
        expect(c, v, SOL_JSON_STRING, "a string");
        break;
    case PK_TIMESTAMP:
        check_timestamp(c, v, p->flags, NULL);
        break;
    case PK_BOOL:
        expect(c, v, SOL_JSON_BOOL, "a boolean");
        break;
    case PK_INT: {
        enum sol_json_type t = sol_json_type(v);
        if (t != SOL_JSON_INT && t != SOL_JSON_UINT) {
            sol__err(c, "expected an integer, found %s", type_name(v));
            break;
        }
        double d = t == SOL_JSON_INT ? (double)v->u.i : (double)v->u.u;
        if (p->min != 0 || p->max != 0) {
            if (d < p->min || d > p->max)
                sol__err(c, "value must be between %.0f and %.0f (§%s)", p->min, p->max, c->sect);
        } else if (fabs(d) > 9007199254740991.0) {
            /* STIX 2.1 §2.10: integers fit in 54 bits. */
            sol__err(c, "integer out of the range -(2^53)+1 to (2^53)-1 (§2.10)");
        }
        break;
    }
    case PK_FLOAT:
        if (!sol_json_is_number(v)) {
            sol__err(c, "expected a number, found %s", type_name(v));
            break;
        }
        if ((p->min != 0 || p->max != 0) &&
            (sol_json_number(v) < p->min || sol_json_number(v) > p->max))
            sol__err(c, "value must be between %.1f and %.1f (§%s)", p->min, p->max, c->sect);
        break;
    case PK_REF:
        check_ref(c, p, v);
        break;
    case PK_REF_LIST:
        check_list(c, p, v, PK_REF);
        break;
    case PK_STRING_LIST:
        check_list(c, p, v, PK_STRING);
        break;
    case PK_OV:
        check_vocab(c, (const struct sol__vocab *)p->arg, v);
        break;
    case PK_OV_LIST:
        check_list(c, p, v, PK_OV);
        break;
    case PK_HASHES:
        check_hashes(c, v);
        break;
    case PK_KILL_CHAIN_LIST:
        check_list(c, p, v, PK_KILL_CHAIN);
        break;
    case PK_KILL_CHAIN:
        check_kill_chain_phase(c, v);
        break;
    case PK_EXTREF_LIST:
        check_list(c, p, v, PK_EXTREF);
        break;
    case PK_EXTREF:
        check_external_reference(c, v);
        break;
    case PK_DICT:
        check_dict(c, v);
        break;
    case PK_HEX:
        /* STIX 2.1 §2.8: an even number of 0-9 and a-f. */
        if (expect(c, v, SOL_JSON_STRING, "a hex string") &&
            (v->n % 2 != 0 || !all_hex(v->u.s, v->n, true)))
            sol__err(c, "'%.*s' is not hex: an even number of 0-9 and a-f (§2.8)",
                     SHOWN(sol_json_str(v)));
        break;
    case PK_BINARY:
        /* STIX 2.1 §2.1: base64 (RFC 4648). */
        if (expect(c, v, SOL_JSON_STRING, "a base64 string") && !sol_is_base64(v->u.s, v->n))
            sol__err(c, "not valid base64 (§2.1)");
        break;
    case PK_GRANULAR_LIST:
        check_list(c, p, v, PK_GRANULAR);
        break;
    case PK_GRANULAR:
        check_granular_marking(c, v, c->root);
        break;
    case PK_EXTENSIONS:
        check_extensions(c, v);
        break;
    case PK_STRUCT:
        check_struct(c, (const struct sol__struct_def *)p->arg, v);
        break;
    case PK_STRUCT_LIST:
        check_list(c, p, v, PK_STRUCT);
        break;
    case PK_LANG:
        if (expect(c, v, SOL_JSON_STRING, "a language code") && !sol__lang_ok(v->u.s, v->n))
            sol__err(c, "'%.*s' is not an RFC 5646 language code (§%s)", SHOWN(sol_json_str(v)),
                     c->sect);
        break;
    case PK_LANG_LIST:
        check_list(c, p, v, PK_LANG);
        break;
    case PK_RESERVED:
        sol__err(c, "reserved property must not be used (§3.8)");
        break;
    case PK_SPEC_VERSION:
        if (expect(c, v, SOL_JSON_STRING, "a string") && !sol_str_eqc(sol_json_str(v), "2.1"))
            sol__err(c, "must be \"2.1\", found '%.*s' (§3.2)", SHOWN(sol_json_str(v)));
        break;
    case PK_TYPE:
    case PK_ID:
    case PK_ANY:
        break;
    }
}

static const struct sol__prop *
find_prop(const struct sol__prop *props, struct sol_str name)
{
    if (name.n == 0)
        return NULL;
    for (const struct sol__prop *p = props; p && p->name; p++)
        if (p->name[0] == name.p[0] && strlen(p->name) == name.n &&
            memcmp(p->name, name.p, name.n) == 0)
            return p;
    return NULL;
}

static bool
in_version(const struct sol__vctx *c, const struct sol__prop *p)
{
    if (c->version == 20)
        return !(p->flags & SP_ONLY21);
    return !(p->flags & SP_ONLY20);
}

static bool
required(const struct sol__vctx *c, const struct sol__prop *p)
{
    return c->version == 20 ? (p->flags & SP_REQ20) != 0 : (p->flags & SP_REQ) != 0;
}

/* Check a nested object (an extension, a kill chain phase, a MIME part...) by its table. */
static void
check_struct(struct sol__vctx *c, const struct sol__struct_def *d, const struct sol_json *v)
{
    if (sol_json_type(v) != SOL_JSON_OBJECT) {
        sol__err(c, "expected a %s object, found %s", d->name, type_name(v));
        return;
    }
    size_t known = 0;
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &k, &e)) {
        const struct sol__prop *p = find_prop(d->props, k);
        size_t old = sol__push_key(c, k.p, k.n);
        if (p && in_version(c, p)) {
            const char *saved = c->sect;
            known++;
            c->sect = d->section;
            check_value_inner(c, p, e);
            c->sect = saved;
        } else if (!prop_name_ok(k.p, k.n)) {
            sol__err(c, "custom property name must be 3 to 250 characters of a-z, 0-9 and "
                        "underscore (§11.1.1)");
        } else {
            if (!(k.n > 2 && k.p[0] == 'x' && k.p[1] == '_') && !sol_str_eqc(k, "extension_type"))
                sol__warn(c, "custom property should start with x_ (§11.1.1)");
            check_no_empty_lists(c, e, 0, true);
        }
        sol__pop(c, old);
    }
    for (const struct sol__prop *p = d->props; p->name; p++) {
        if (in_version(c, p) && required(c, p) && !sol__has(v, p->name)) {
            size_t old = push_c(c, p->name);
            sol__err(c, "required property missing");
            sol__pop(c, old);
        }
    }
    /* e.g. STIX 2.1 §6.7.4: "MUST contain at least one property from this extension". */
    if (d->at_least_one && known == 0)
        sol__err(c, "must contain at least one property of %s (§%s)", d->name, d->section);
    if (d->check)
        d->check(c, v);
}

/* ---- Extensions (§3.2, §7.3, §11.3) ---- */

static void
check_extension_definition_instance(struct sol__vctx *c, struct sol_str key,
                                    const struct sol_json *v)
{
    const struct sol_json *et = sol_json_get(v, "extension_type");
    /* STIX 2.1 §3.2: with the extension facility, extension_type MUST be present. */
    if (!et) {
        size_t old = push_c(c, "extension_type");
        sol__err(c, "required property missing (§3.2)");
        sol__pop(c, old);
    } else {
        size_t old = push_c(c, "extension_type");
        check_vocab(c, &sol__vocab_extension_type_enum, et);
        sol__pop(c, old);
    }
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &k, &e)) {
        /* STIX 2.1 §7.3.2: extension property names. */
        if (!prop_name_ok(k.p, k.n)) {
            size_t old = sol__push_key(c, k.p, k.n);
            sol__err(c, "extension property name must be 3 to 250 characters of a-z, 0-9 and "
                        "underscore (§7.3.2)");
            sol__pop(c, old);
        }
    }
    if (sol_str_eqc(key, SOL__TLP2_EXTENSION_ID)) {
        /* The TLP 2.0 extension definition: tlp_2_0 is one of the five levels. */
        const struct sol_json *t = sol_json_get(v, "tlp_2_0");
        size_t old = push_c(c, "tlp_2_0");
        if (!t) {
            sol__err(c, "required property missing");
        } else if (expect(c, t, SOL_JSON_STRING, "a string")) {
            if (!sol__tlp2_word_ok(sol_json_str(t)))
                sol__err(c,
                         "'%.*s' is not a TLP 2.0 level (clear, green, amber, amber+strict, "
                         "red)",
                         SHOWN(sol_json_str(t)));
        }
        sol__pop(c, old);
    }
}

static void
check_extensions(struct sol__vctx *c, const struct sol_json *v)
{
    if (!expect(c, v, SOL_JSON_OBJECT, "a dictionary"))
        return;
    if (v->n == 0) {
        sol__err(c, "empty dictionary not allowed (§2.3)");
        return;
    }
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, &k, &e)) {
        size_t old = sol__push_key(c, k.p, k.n);
        const struct sol__ext_def *pre = NULL;
        if (c->td && c->td->exts)
            for (const struct sol__ext_def *x = c->td->exts; x->key; x++)
                if (sol_str_eqc(k, x->key))
                    pre = x;
        struct sol_str kt = sol__id_type(k);
        if (sol_json_type(e) != SOL_JSON_OBJECT) {
            sol__err(c, "expected an extension object, found %s", type_name(e));
        } else if (pre) {
            check_struct(c, pre->def, e);
        } else if (kt.p && sol_str_eqc(kt, "extension-definition")) {
            if (check_identifier_syntax(c, k))
                check_extension_definition_instance(c, k, e);
        } else if (c->td && c->td->cls == CLS_SCO) {
            /* STIX 2.1 §11.3.1: deprecated custom extensions of SCOs. */
            bool ok = k.n >= 3 && k.n <= 250;
            for (size_t i = 0; ok && i < k.n; i++)
                ok = (k.p[i] >= 'a' && k.p[i] <= 'z') || (k.p[i] >= '0' && k.p[i] <= '9') ||
                     k.p[i] == '-';
            if (!ok || k.n < 4 || memcmp(k.p + k.n - 4, "-ext", 4) != 0)
                sol__err(c, "custom extension name must be 3 to 250 characters of a-z, 0-9 and "
                            "hyphen, ending in -ext (§11.3.1)");
            else
                sol__warn(c, "custom extension (deprecated): use an extension-definition "
                             "(§11.3, §7.3)");
            if (e->n == 0)
                sol__err(c, "a custom extension must have at least one property (§11.3.1)");
        } else {
            sol__warn(c, "extension key should be the id of an extension-definition (§3.2)");
        }
        sol__pop(c, old);
    }
}

/* ---- Observable containers (§2.13, STIX 2.0) ---- */

static void validate_object(struct sol__vctx *c, const struct sol_json *obj, bool in_container);

/* STIX 2.1 §2.13: a dictionary of SCOs whose references are the dictionary's keys. */
void
sol__check_observable_container(struct sol__vctx *c, const struct sol_json *objects)
{
    if (!expect(c, objects, SOL_JSON_OBJECT, "an observable container dictionary"))
        return;
    if (objects->n == 0) {
        sol__err(c, "must contain at least one object (§4.14.1)");
        return;
    }
    struct sol__vctx sub = *c;
    sub.container = objects;
    sub.rep = c->rep;
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, objects);
    while (sol_json_iter_next(&it, &k, &e)) {
        size_t old = sol__push_key(&sub, k.p, k.n);
        validate_object(&sub, e, true);
        sol__pop(&sub, old);
    }
    c->syserr = sub.syserr;
}

/* ---- Objects ---- */

static const char *const common_names[] = {
    "type",
    "spec_version",
    "id",
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
    NULL,
};

static bool
is_common_name(struct sol_str k)
{
    for (const char *const *n = common_names; *n; n++)
        if (sol_str_eqc(k, *n))
            return true;
    return false;
}

static const char *
class_name(enum sol__class cls)
{
    switch (cls) {
    case CLS_SDO:
        return "SDO";
    case CLS_SRO:
        return "SRO";
    case CLS_SCO:
        return "SCO";
    case CLS_LANGUAGE_CONTENT:
        return "language-content";
    case CLS_MARKING_DEFINITION:
        return "marking-definition";
    case CLS_EXTENSION_DEFINITION:
        return "extension-definition";
    }
    return "";
}

static const struct sol__prop *
common_for(enum sol__class cls)
{
    switch (cls) {
    case CLS_SDO:
    case CLS_SRO:
        return sol__common_sdo;
    case CLS_SCO:
        return sol__common_sco;
    case CLS_LANGUAGE_CONTENT:
        return sol__common_language_content;
    case CLS_MARKING_DEFINITION:
        return sol__common_marking_definition;
    case CLS_EXTENSION_DEFINITION:
        return sol__common_extension_definition;
    }
    return sol__common_sdo;
}

/* Find an extension-definition instance in obj's extensions whose extension_type is one of
 * new-sdo/new-sco/new-sro (returns the class), and note toplevel-property-extensions. */
static enum sol__class
scan_extensions(struct sol__vctx *c, const struct sol_json *obj)
{
    enum sol__class cls = 0;
    const struct sol_json *ext = sol_json_get(obj, "extensions");
    if (sol_json_type(ext) != SOL_JSON_OBJECT)
        return 0;
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *e;
    sol_json_iter_init(&it, ext);
    while (sol_json_iter_next(&it, &k, &e)) {
        struct sol_str et = sol_json_str(sol_json_get(e, "extension_type"));
        if (sol_str_eqc(et, "toplevel-property-extension"))
            c->toplevel_ext = true;
        else if (sol_str_eqc(et, "new-sdo"))
            cls = CLS_SDO;
        else if (sol_str_eqc(et, "new-sco"))
            cls = CLS_SCO;
        else if (sol_str_eqc(et, "new-sro"))
            cls = CLS_SRO;
    }
    return cls;
}

static void
check_id(struct sol__vctx *c, const struct sol_json *obj, struct sol_str type, bool sco)
{
    const struct sol_json *idv = sol_json_get(obj, "id");
    if (!idv)
        return;
    size_t old = push_c(c, "id");
    if (expect(c, idv, SOL_JSON_STRING, "an identifier string")) {
        struct sol_str id = sol_json_str(idv);
        unsigned ver = check_identifier_syntax(c, id);
        struct sol_str it = sol__id_type(id);
        if (ver && !sol_str_eq(it, type)) {
            sol__err(c, "identifier type '%.*s' does not match the object's type '%.*s' (§2.9)",
                     SHOWN(it), SHOWN(type));
        } else if (ver && !sco) {
            /* STIX 2.1 §2.9: SDOs, SROs, meta objects and bundles SHOULD use UUIDv4
             * (STIX 2.0 said MUST). */
            if (ver != 4 && c->version == 20)
                sol__err(c, "the UUID must be version 4, not version %u (STIX 2.0 §2.7)", ver);
            else if (ver != 4)
                sol__warn(c, "the UUID should be version 4, not version %u (§2.9)", ver);
        } else if (ver && sco && c->td) {
            /* STIX 2.1 §2.9: SCOs SHOULD use UUIDv5 from their ID contributing properties. */
            struct sol_buf want;
            sol_buf_init(&want);
            int rc = sol_stix_sco_id(obj, &want);
            if (rc == SOL_ENOMEM || want.oom) {
                c->syserr = SOL_ENOMEM;
            } else if (rc == 0 && ver != 5) {
                sol__warn(c, "the UUID should be the deterministic version 5 one, %s (§2.9)",
                          want.p);
            } else if (rc == 0 && !sol_str_eq(id, (struct sol_str){want.p, want.n})) {
                sol__warn(c, "not the deterministic identifier of this object, %s (§2.9)", want.p);
            }
            sol_buf_free(&want);
        }
    }
    sol__pop(c, old);
}

static const char *const labels_required_20[] = {"indicator",    "malware", "report",
                                                 "threat-actor", "tool",    NULL};

static void
check_properties(struct sol__vctx *c, const struct sol_json *obj, const struct sol__prop *common,
                 const struct sol__prop *specific, enum sol__class cls, bool custom_type,
                 bool in_container)
{
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *v;
    sol_json_iter_init(&it, obj);
    while (sol_json_iter_next(&it, &k, &v)) {
        const struct sol__prop *p = find_prop(common, k);
        if (!p)
            p = find_prop(specific, k);
        if (p && !in_version(c, p) && !(c->version == 20 && sol_str_eqc(k, "spec_version")))
            p = NULL;
        size_t old = sol__push_key(c, k.p, k.n);
        c->sect = find_prop(common, k) ? "3.2" : (c->td ? c->td->section : "11.2");
        if (p) {
            if (sol_str_eqc(k, "spec_version") && c->version == 20) {
                /* STIX 2.0 objects carry no spec_version (only 2.0 bundles do). */
                sol__err(c, "not a property of STIX 2.0 objects");
            } else if (p->kind == PK_ID && in_container) {
                /* Container entries have no id. */
            } else {
                check_value_inner(c, p, v);
            }
        } else if (sol_str_eqc(k, "defanged") && cls != CLS_SCO) {
            sol__err(c, "must not be used on objects other than SCOs (§3.2)");
        } else if (!prop_name_ok(k.p, k.n)) {
            sol__err(c, "%s name must be 3 to 250 characters of a-z, 0-9 and underscore (%s)",
                     custom_type ? "property" : "custom property",
                     custom_type ? "§11.2.1" : "§11.1.1");
        } else if (sol_str_eqc(k, "severity") || sol_str_eqc(k, "username") ||
                   sol_str_eqc(k, "phone_number") || sol_str_eqc(k, "action")) {
            /* STIX 2.1 §3.8: reserved names MUST NOT be used. */
            sol__err(c, "reserved property name must not be used (§3.8)");
        } else if (is_common_name(k) && c->version == 21) {
            sol__warn(c, "common property not defined for %s objects (§3.2)", class_name(cls));
        } else {
            /* Properties of a custom object or of a toplevel-property-extension need no
             * prefix; other custom properties should have one. */
            if (!custom_type && !c->toplevel_ext && !(k.p[0] == 'x' && k.p[1] == '_'))
                sol__warn(c, "custom property should start with x_ (§11.1.1)");
            check_no_empty_lists(c, v, 0, true);
        }
        sol__pop(c, old);
    }
    const struct sol__prop *tables[2] = {common, specific};
    for (int t = 0; t < 2; t++) {
        for (const struct sol__prop *p = tables[t]; p && p->name; p++) {
            if (!in_version(c, p) || !required(c, p) || sol__has(obj, p->name))
                continue;
            if (in_container && p->kind == PK_ID)
                continue;
            size_t old = push_c(c, p->name);
            sol__err(c, "required property missing");
            sol__pop(c, old);
        }
    }
    if (c->version == 20 && c->td && !sol__has(obj, "labels")) {
        /* STIX 2.0: labels are required on these SDOs (they carry the vocabularies). */
        for (const char *const *n = labels_required_20; *n; n++)
            if (!strcmp(*n, c->td->type)) {
                size_t old = push_c(c, "labels");
                sol__err(c, "required property missing");
                sol__pop(c, old);
            }
    }
}

static void
validate_object(struct sol__vctx *c, const struct sol_json *obj, bool in_container)
{
    if (!in_container) {
        c->rep->objects++;
        c->obj_pathlen = c->pathlen;
        c->obj_id[0] = '\0';
    }
    c->td = NULL;
    c->toplevel_ext = false;
    if (sol_json_type(obj) != SOL_JSON_OBJECT) {
        sol__err(c, "expected a STIX object, found %s", type_name(obj));
        return;
    }
    struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
    if (id.p && !in_container)
        snprintf(c->obj_id, sizeof c->obj_id, "%.*s", (int)(id.n > 127 ? 127 : id.n), id.p);
    const struct sol_json *tv = sol_json_get(obj, "type");
    if (!tv) {
        size_t old = push_c(c, "type");
        sol__err(c, "required property missing");
        sol__pop(c, old);
        return;
    }
    if (!sol_json_is_string(tv)) {
        size_t old = push_c(c, "type");
        sol__err(c, "expected a string, found %s", type_name(tv));
        sol__pop(c, old);
        return;
    }
    struct sol_str type = sol_json_str(tv);
    const char *why = NULL;
    if (!type_syntax_ok(type.p, type.n, &why)) {
        size_t old = push_c(c, "type");
        sol__err(c, "'%.*s' is not a valid type name: %s (§3.1)", SHOWN(type), why);
        sol__pop(c, old);
        return;
    }
    if (sol_str_eqc(type, "bundle")) {
        sol__err(c, "a bundle must not be nested in a bundle (§8)");
        return;
    }
    const struct sol__type_def *td = sol__stix_type_find(type.p, type.n);
    if (td && !(td->versions & (c->version == 20 ? TV_20 : TV_21)))
        td = NULL;
    if (td && td->cls == CLS_SCO && c->version == 20 && !in_container) {
        sol__err(c, "STIX 2.0 has no top-level cyber observables: they go in an observed-data "
                    "objects dictionary");
        return;
    }
    if (in_container && (!td || td->cls != CLS_SCO)) {
        if (td)
            sol__err(c, "'%.*s' is not a cyber observable object (§2.13)", SHOWN(type));
        return;
    }
    const struct sol_json *saved_root = c->root;
    c->root = obj;
    enum sol__class ext_cls = scan_extensions(c, obj);
    if (td) {
        c->td = td;
        check_properties(c, obj, common_for(td->cls), td->props, td->cls, false, in_container);
        if (td->at_least_one) {
            size_t known = 0;
            for (const struct sol__prop *p = td->props; p->name; p++)
                if (in_version(c, p) && sol__has(obj, p->name))
                    known++;
            if (!known && !sol__has(obj, "extensions"))
                sol__err(c, "must contain at least one %s property (§%s)", td->type, td->section);
        }
    } else {
        /* A custom object: a new type by an extension-definition (§7.3), or the deprecated
         * custom objects of §11.2. */
        enum sol__class cls = ext_cls;
        if (!cls) {
            cls = sol__has(obj, "created") ? CLS_SDO : CLS_SCO;
            if (c->version == 20) {
                size_t old = push_c(c, "type");
                sol__warn(c, "'%.*s' is not a STIX 2.0 object type: a custom object", SHOWN(type));
                sol__pop(c, old);
            } else {
                size_t old = push_c(c, "type");
                sol__warn(c,
                          "custom object type '%.*s' (deprecated): define it with an "
                          "extension-definition of extension_type new-sdo, new-sco or new-sro "
                          "(§11.2, §7.3)",
                          SHOWN(type));
                if (!(type.n > 2 && type.p[0] == 'x' && type.p[1] == '-'))
                    sol__warn(c, "custom object type should start with x- (§11.2.1)");
                sol__pop(c, old);
            }
        }
        check_properties(c, obj, common_for(cls), NULL, cls, true, in_container);
        if (obj->n < 3 && !in_container)
            sol__err(c, "a custom object must have one or more properties of its own (§11.2.1)");
    }
    enum sol__class cls = td ? td->cls : (ext_cls ? ext_cls : CLS_SDO);
    if (!in_container)
        check_id(c, obj, type, td ? td->cls == CLS_SCO : cls == CLS_SCO);
    /* STIX 2.1 §3.2: modified MUST be later than or equal to created. */
    sol__check_order(c, obj, "created", "modified", false, "3.2");
    /* STIX 2.1 §3.2: a marking definition must not mark itself. */
    if (td && td->cls == CLS_MARKING_DEFINITION && id.p) {
        const struct sol_json *omr = sol_json_get(obj, "object_marking_refs");
        if (sol_json_type(omr) == SOL_JSON_ARRAY) {
            struct sol_json_iter it;
            const struct sol_json *e;
            size_t i = 0;
            sol_json_iter_init(&it, omr);
            for (; sol_json_iter_next(&it, NULL, &e); i++) {
                if (!sol_str_eq(sol_json_str(e), id))
                    continue;
                size_t o1 = push_c(c, "object_marking_refs");
                size_t o2 = push_index(c, i);
                sol__err(c, "must not reference the marking definition itself (§3.2)");
                sol__pop(c, o2);
                sol__pop(c, o1);
            }
        }
    }
    if (td && td->check)
        td->check(c, obj);
    c->root = saved_root;
}

/* ---- Documents ---- */

static bool
detect_20(const struct sol_json *root)
{
    const struct sol_json *objs = root;
    if (sol_json_type(root) == SOL_JSON_OBJECT) {
        struct sol_str sv = sol_json_str(sol_json_get(root, "spec_version"));
        struct sol_str t = sol_json_str(sol_json_get(root, "type"));
        if (sol_str_eqc(t, "bundle") && sol_str_eqc(sv, "2.0"))
            return true;
        if (sol_str_eqc(t, "bundle") && sol_str_eqc(sv, "2.1"))
            return false;
        objs = sol_json_get(root, "objects");
        if (!sol_str_eqc(t, "bundle") && t.p) {
            if (sol__has(root, "spec_version"))
                return sol_str_eqc(sv, "2.0");
            return sol__has(root, "created"); /* an SDO without spec_version */
        }
    }
    if (sol_json_type(objs) != SOL_JSON_ARRAY)
        return false;
    bool any_sdo_without = false;
    struct sol_json_iter it;
    const struct sol_json *o;
    sol_json_iter_init(&it, objs);
    while (sol_json_iter_next(&it, NULL, &o)) {
        struct sol_str sv = sol_json_str(sol_json_get(o, "spec_version"));
        if (sol_str_eqc(sv, "2.1"))
            return false;
        if (sol_str_eqc(sv, "2.0"))
            return true;
        if (!sol__has(o, "spec_version") && sol__has(o, "created"))
            any_sdo_without = true;
    }
    return any_sdo_without;
}

struct version_key {
    struct sol_str id, modified;
    size_t index;
};

static int
version_key_cmp(const void *a, const void *b)
{
    const struct version_key *x = a, *y = b;
    size_t n = x->id.n < y->id.n ? x->id.n : y->id.n;
    int r = memcmp(x->id.p, y->id.p, n);
    if (r || x->id.n != y->id.n)
        return r ? r : (x->id.n < y->id.n ? -1 : 1);
    n = x->modified.n < y->modified.n ? x->modified.n : y->modified.n;
    r = n ? memcmp(x->modified.p, y->modified.p, n) : 0;
    if (r || x->modified.n != y->modified.n)
        return r ? r : (x->modified.n < y->modified.n ? -1 : 1);
    return x->index < y->index ? -1 : x->index > y->index;
}

/* STIX 2.1 §3.6: a version is (id, modified); the same version twice is suspicious. */
static void
check_duplicates(struct sol__vctx *c, const struct sol_json *objs, const char *prefix)
{
    if (objs->n < 2)
        return;
    struct version_key *keys = sol_malloc(objs->n * sizeof *keys);
    if (!keys) {
        c->syserr = SOL_ENOMEM;
        return;
    }
    size_t n = 0, idx = 0;
    struct sol_json_iter it;
    const struct sol_json *o;
    sol_json_iter_init(&it, objs);
    for (; sol_json_iter_next(&it, NULL, &o); idx++) {
        struct sol_str id = sol_json_str(sol_json_get(o, "id"));
        if (!id.p)
            continue;
        keys[n].id = id;
        keys[n].modified = sol_json_str(sol_json_get(o, "modified"));
        keys[n].index = idx;
        n++;
    }
    qsort(keys, n, sizeof *keys, version_key_cmp);
    for (size_t i = 1; i < n; i++) {
        if (!sol_str_eq(keys[i].id, keys[i - 1].id) ||
            !sol_str_eq(keys[i].modified, keys[i - 1].modified))
            continue;
        size_t j = i;
        while (j > 0 && sol_str_eq(keys[j - 1].id, keys[i].id) &&
               sol_str_eq(keys[j - 1].modified, keys[i].modified))
            j--;
        c->pathlen = 0;
        c->path[0] = '\0';
        sol__push_key(c, prefix, strlen(prefix));
        push_index(c, keys[i].index);
        c->obj_pathlen = c->pathlen;
        snprintf(c->obj_id, sizeof c->obj_id, "%.*s",
                 (int)(keys[i].id.n > 127 ? 127 : keys[i].id.n), keys[i].id.p);
        sol__warn(c, "same id and %s as %s[%zu] (§3.6)",
                  keys[i].modified.p ? "modified" : "no modified", prefix, keys[j].index);
    }
    sol_free(keys);
    c->pathlen = 0;
    c->path[0] = '\0';
    c->obj_pathlen = 0;
    c->obj_id[0] = '\0';
}

static void
validate_objects(struct sol__vctx *c, const struct sol_json *objs, const char *prefix)
{
    struct sol_json_iter it;
    const struct sol_json *o;
    sol_json_iter_init(&it, objs);
    for (size_t i = 0; !c->syserr && sol_json_iter_next(&it, NULL, &o); i++) {
        c->pathlen = 0;
        c->path[0] = '\0';
        if (prefix[0])
            push_c(c, prefix);
        push_index(c, i);
        validate_object(c, o, false);
    }
    c->pathlen = 0;
    c->path[0] = '\0';
    c->obj_pathlen = 0;
    c->obj_id[0] = '\0';
    check_duplicates(c, objs, prefix);
}

/* STIX 2.1 §8 bundle; STIX 2.0 bundles also carry spec_version "2.0". */
static void
validate_bundle(struct sol__vctx *c, const struct sol_json *b)
{
    struct sol_str id = sol_json_str(sol_json_get(b, "id"));
    if (id.p)
        snprintf(c->obj_id, sizeof c->obj_id, "%.*s", (int)(id.n > 127 ? 127 : id.n), id.p);
    struct sol_json_iter it;
    struct sol_str k;
    const struct sol_json *v;
    sol_json_iter_init(&it, b);
    while (sol_json_iter_next(&it, &k, &v)) {
        size_t old = sol__push_key(c, k.p, k.n);
        if (sol_str_eqc(k, "type") || sol_str_eqc(k, "objects")) {
        } else if (sol_str_eqc(k, "id")) {
            if (expect(c, v, SOL_JSON_STRING, "an identifier string")) {
                unsigned ver = check_identifier_syntax(c, id);
                if (ver && !sol_str_eqc(sol__id_type(id), "bundle"))
                    sol__err(c,
                             "identifier type '%.*s' does not match the object's type "
                             "'bundle' (§2.9)",
                             SHOWN(sol__id_type(id)));
                else if (ver && ver != 4)
                    sol__warn(c, "the UUID should be version 4, not version %u (§2.9)", ver);
            }
        } else if (sol_str_eqc(k, "spec_version")) {
            if (c->version == 20) {
                if (expect(c, v, SOL_JSON_STRING, "a string") &&
                    !sol_str_eqc(sol_json_str(v), "2.0"))
                    sol__err(c, "must be \"2.0\" in a STIX 2.0 bundle, found '%.*s'",
                             SHOWN(sol_json_str(v)));
            } else {
                sol__warn(c, "not a property of STIX 2.1 bundles (§8.1)");
            }
        } else if (!prop_name_ok(k.p, k.n)) {
            sol__err(c, "custom property name must be 3 to 250 characters of a-z, 0-9 and "
                        "underscore (§11.1.1)");
        } else {
            /* §8.1 defines type, id and objects only (a bundle is not a STIX object and
             * has no common properties); anything else is a custom bundle property. */
            sol__warn(c, "custom property of a bundle: §8.1 defines only type, id and "
                         "objects");
            check_no_empty_lists(c, v, 0, true);
        }
        sol__pop(c, old);
    }
    if (!id.p && !sol__has(b, "id"))
        sol__err(c, "id: required property missing");
    if (c->version == 20 && !sol__has(b, "spec_version"))
        sol__err(c, "spec_version: required property missing");
    const struct sol_json *objs = sol_json_get(b, "objects");
    c->obj_id[0] = '\0';
    if (!objs)
        return;
    if (sol_json_type(objs) != SOL_JSON_ARRAY) {
        sol__err(c, "objects: expected a list, found %s", type_name(objs));
        return;
    }
    if (objs->n == 0) {
        sol__err(c, "objects: empty list not allowed (§2.12)");
        return;
    }
    validate_objects(c, objs, "objects");
}

static void
ctx_init(struct sol__vctx *c, const struct sol_stix_options *opt, struct sol_stix_report *rep,
         unsigned version)
{
    memset(c, 0, sizeof *c);
    c->sect = "3.2";
    c->opt = opt;
    c->rep = rep;
    c->version = version;
    rep->version = version;
}

static int
result(struct sol__vctx *c, size_t errors_before)
{
    if (c->syserr)
        return c->syserr;
    return c->rep->errors > errors_before ? 1 : 0;
}

/* Validate one STIX object (see stix.h). */
int
sol_stix_validate_object(const struct sol_json *obj, const struct sol_stix_options *opt,
                         const char *path, struct sol_stix_report *rep)
{
    struct sol__vctx c;
    unsigned version = opt && opt->version ? opt->version : (detect_20(obj) ? 20 : 21);
    ctx_init(&c, opt, rep, version);
    if (!opt || !opt->version)
        rep->detected_20 = rep->detected_20 || version == 20;
    size_t before = rep->errors;
    if (path && *path)
        push_c(&c, path);
    validate_object(&c, obj, false);
    return result(&c, before);
}

/* The STIX version validation would read root as (see stix.h). */
unsigned
sol_stix_detect_version(const struct sol_json *root)
{
    return detect_20(root) ? 20 : 21;
}

/* The properties of observed-data that say when and how often (see stix.h). */
static const char *const observation_props[] = {"first_observed", "last_observed",
                                                "number_observed", "objects"};

/* Check the observation frame of one observed-data object (see stix.h). */
int
sol_stix_validate_observation(const struct sol_json *od, const struct sol_stix_options *opt,
                              const char *path, struct sol_stix_report *rep)
{
    struct sol__vctx c;
    unsigned version = opt && opt->version ? opt->version : (detect_20(od) ? 20 : 21);
    ctx_init(&c, opt, rep, version);
    size_t before = rep->errors;
    if (path && *path)
        push_c(&c, path);
    c.obj_pathlen = c.pathlen;
    if (!expect(&c, od, SOL_JSON_OBJECT, "an observed-data object"))
        return result(&c, before);
    struct sol_str id = sol_json_str(sol_json_get(od, "id"));
    if (id.p)
        snprintf(c.obj_id, sizeof c.obj_id, "%.*s", (int)(id.n > 127 ? 127 : id.n), id.p);
    const struct sol__type_def *td = sol__stix_type_find("observed-data", 13);
    c.td = td;
    c.sect = td->section;
    for (size_t i = 0; i < sizeof observation_props / sizeof observation_props[0]; i++) {
        struct sol_str name = sol_str_c(observation_props[i]);
        const struct sol__prop *p = find_prop(td->props, name);
        if (!p || !in_version(&c, p))
            continue;
        const struct sol_json *v = sol_json_get(od, p->name);
        size_t old = push_c(&c, p->name);
        if (!v && required(&c, p))
            sol__err(&c, "required property missing");
        else if (v && p->kind != PK_ANY)
            check_value_inner(&c, p, v);
        sol__pop(&c, old);
    }
    sol__check_observation_frame(&c, od);
    return result(&c, before);
}

/* Whether v is not a STIX timestamp, with the validator's message (see stix.h). */
bool
sol__timestamp_invalid(const struct sol_json *v, char *msg, size_t msg_n)
{
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    struct sol__vctx c;
    ctx_init(&c, NULL, &rep, 21);
    bool bad = !check_timestamp(&c, v, 0, NULL);
    if (bad && msg_n)
        snprintf(msg, msg_n, "%s", rep.n ? rep.v[0].msg : "not a valid timestamp");
    sol_stix_report_free(&rep);
    return bad;
}

/* Validate a bundle, an object, a list of objects or a TAXII envelope (see stix.h). */
int
sol_stix_validate_document(const struct sol_json *root, const struct sol_stix_options *opt,
                           struct sol_stix_report *rep)
{
    struct sol__vctx c;
    unsigned version = opt && opt->version ? opt->version : (detect_20(root) ? 20 : 21);
    ctx_init(&c, opt, rep, version);
    if (!opt || !opt->version)
        rep->detected_20 = version == 20;
    size_t before = rep->errors;
    if (sol_json_type(root) == SOL_JSON_ARRAY) {
        if (root->n == 0)
            sol__err(&c, "empty list: no STIX objects");
        validate_objects(&c, root, "");
    } else if (sol_json_type(root) != SOL_JSON_OBJECT) {
        sol__err(&c, "expected a STIX bundle or object, found %s", type_name(root));
    } else {
        struct sol_str t = sol_json_str(sol_json_get(root, "type"));
        const struct sol_json *objs = sol_json_get(root, "objects");
        if (sol_str_eqc(t, "bundle")) {
            validate_bundle(&c, root);
        } else if (sol__has(root, "type")) {
            validate_object(&c, root, false);
        } else if (sol_json_type(objs) == SOL_JSON_ARRAY) {
            /* A TAXII envelope (TAXII 2.1 §3.7): its objects are STIX objects. */
            validate_objects(&c, objs, "objects");
        } else {
            sol__err(&c, "not a STIX bundle or object: type missing");
        }
    }
    return result(&c, before);
}
