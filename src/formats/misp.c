/*
 * misp.c — MISP events in (draft-dulaunoy-misp-core-format), by solidarity's own mapping
 * (misp_map.c has the tables; docs/solidarity-formats.7 says it for people):
 *
 * - An event becomes a report when it is published (a STIX report is published
 *   intelligence, §4.14), else a grouping (context "suspicious-activity"); its id is
 *   report--<event uuid> (grouping--), created its date, modified its timestamp, name its
 *   info, and object_refs what its attributes and objects became. An event with nothing
 *   mapped makes no report (it could not have object_refs) and says so.
 * - An attribute with to_ids becomes an indicator (indicator--<attribute uuid>) whose
 *   pattern compares the attribute's value parts on one object; without to_ids it becomes
 *   observed-data (observed-data--<uuid>) and the SCOs its value describes, with their
 *   deterministic ids (§2.9). vulnerability, campaign-name and threat-actor become those
 *   SDOs; text, comment and other become notes on the event's report. first_seen and
 *   last_seen are the indicator's valid_from and valid_until (first_observed and
 *   last_observed); deleted is revoked. The MISP type and category are kept in the custom
 *   properties x_misp_type and x_misp_category, the comment in description.
 * - An object of a known template (file, domain-ip, email, url, ip-port, credential)
 *   becomes one indicator (when any of its attributes has to_ids) or observed-data,
 *   comparing every mapped attribute on one object (AND); x_misp_object names the template.
 * - Markings: distribution 0 (your organisation only) is TLP:RED, 1 (this community) and
 *   4 (a sharing group) TLP:AMBER, 2 (connected communities) TLP:GREEN, 3 (all
 *   communities) TLP:CLEAR; 5 inherits the event's; a tlp: tag (clear/white, green, amber,
 *   amber+strict, red) is its level; the strictest of them all wins. Other tags and the
 *   galaxy clusters become labels.
 * - Orgc, the creating organisation, becomes an identity (identity--<org uuid>) and the
 *   created_by_ref of everything the event makes.
 * - Sightings of type 0 (seen) become STIX sightings of the indicator, of type 1 (false
 *   positive) an opinion "strongly-disagree" on it, of type 2 (expiration) its valid_until.
 * - Every attribute that cannot be mapped is reported by its type (objects' attributes as
 *   "template/relation") and counted.
 *
 * Inputs: {"Event": {...}}, an Event's members alone, {"response": [...]} of events,
 * attributes or objects, {"response": {"Attribute": [...]}}, and a feed folder
 * (manifest.json, <uuid>.json, hashes.csv: each event listed in the manifest is read, and
 * its SHA-256 checked when the manifest gives one).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "formats/formats.h"
#include "formats/misp_map.h"
#include "solidarity/alloc.h"
#include "solidarity/stix.h"

/* What one event's content shares. */
struct ev {
    struct sol__import *im;
    const char *file;
    char created_by[128];
    int tlp;
    sol_time_t date, ts;
    char uuid[40];
    char report_id[128];
    struct sol_buf refs; /* object_refs: JSON strings joined by ',' */
    size_t n_refs;
    bool in_event;
};

static int
tlp_max(int a, int b)
{
    return a > b ? a : b;
}

/* A MISP number that may be a JSON string ("5") or number. -1 when absent or not one. */
static long long
misp_int(const struct sol_json *v)
{
    if (sol_json_type(v) == SOL_JSON_INT)
        return v->u.i;
    struct sol_str s = sol_json_str(v);
    if (!s.p || !s.n || s.n > 18)
        return -1;
    long long r = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!isdigit((unsigned char)s.p[i]))
            return -1;
        r = r * 10 + (s.p[i] - '0');
    }
    return r;
}

static bool
misp_bool(const struct sol_json *v)
{
    if (sol_json_type(v) == SOL_JSON_BOOL)
        return v->u.b;
    return misp_int(v) > 0 || sol_str_eqc(sol_json_str(v), "true");
}

/* MISP distribution levels as TLP (see the top of this file); 0: none or inherit. */
static int
distribution_tlp(const struct sol_json *v)
{
    switch (misp_int(v)) {
    case 0:
        return SOL_TLP_RED;
    case 1:
    case 4:
        return SOL_TLP_AMBER;
    case 2:
        return SOL_TLP_GREEN;
    case 3:
        return SOL_TLP_CLEAR;
    default:
        return 0;
    }
}

/* The strictest tlp: tag among tags; the others become labels (appended to labels). */
static int
tags_tlp(const struct sol_json *tags, const char **labels, size_t *nl, size_t max)
{
    int t = 0;
    struct sol_json_iter it;
    const struct sol_json *tag;
    sol_json_iter_init(&it, tags);
    while (sol_json_iter_next(&it, NULL, &tag)) {
        const struct sol_json *nm = sol_json_get(tag, "name");
        if (!sol_json_is_string(nm))
            nm = tag; /* a bare string */
        struct sol_str s = sol_json_str(nm);
        if (!s.p)
            continue;
        if (s.n > 4 && strncasecmp(s.p, "tlp:", 4) == 0) {
            enum sol_tlp l;
            if (sol_tlp_parse(s.p, &l) == 0) {
                t = tlp_max(t, (int)l);
                continue;
            }
        }
        if (*nl < max)
            labels[(*nl)++] = s.p;
    }
    return t;
}

static void
galaxy_labels(const struct sol_json *galaxies, const char **labels, size_t *nl, size_t max)
{
    struct sol_json_iter it, ic;
    const struct sol_json *g, *c;
    sol_json_iter_init(&it, galaxies);
    while (sol_json_iter_next(&it, NULL, &g)) {
        sol_json_iter_init(&ic, sol_json_get(g, "GalaxyCluster"));
        while (sol_json_iter_next(&ic, NULL, &c)) {
            struct sol_str s = sol_json_str(sol_json_get(c, "tag_name"));
            if (!s.p)
                s = sol_json_str(sol_json_get(c, "value"));
            if (s.p && *nl < max)
                labels[(*nl)++] = s.p;
        }
    }
}

/* MISP timestamps: seconds since the epoch, as a string or a number; 0 when absent or
 * past the year 9999 (which no RFC 3339 timestamp can carry). */
static sol_time_t
misp_seconds(const struct sol_json *v)
{
    long long s = misp_int(v);
    return s > 0 && s <= 253402300799LL ? (sol_time_t)s * 1000000 : 0;
}

/* first_seen / last_seen: ISO 8601 with an offset (RFC 3339); 0 when absent or bad. */
static sol_time_t
misp_iso(const struct sol_json *v)
{
    struct sol_str s = sol_json_str(v);
    sol_time_t t = 0;
    if (!s.p || sol_time_parse(s.p, s.n, SOL_TIME_ALLOW_LOWER, &t, NULL, NULL) != 0)
        return 0;
    return t;
}

/* "YYYY-MM-DD" at midnight UTC. */
static sol_time_t
misp_date(const struct sol_json *v)
{
    struct sol_str s = sol_json_str(v);
    char buf[40];
    sol_time_t t = 0;
    if (!s.p || s.n != 10)
        return 0;
    snprintf(buf, sizeof buf, "%.10sT00:00:00Z", s.p);
    return sol_time_parse(buf, 20, 0, &t, NULL, NULL) == 0 ? t : 0;
}

static bool
uuid_ok(struct sol_str s)
{
    struct sol_uuid u;
    return s.p && s.n == 36 && sol_uuid_parse(s.p, s.n, &u) == 0;
}

/* "type--<uuid>" from a MISP uuid (lower-cased), or a name-based one when it has none. */
static void
misp_id(char *out, size_t n, const char *type, struct sol_str uuid, const char *fallback,
        size_t fb_n)
{
    if (uuid_ok(uuid) && uuid.p) {
        char low[37];
        for (size_t i = 0; i < 36; i++)
            low[i] = (char)tolower((unsigned char)uuid.p[i]);
        low[36] = 0;
        snprintf(out, n, "%s--%s", type, low);
    } else {
        sol__made_id(out, n, type, fallback, fb_n);
    }
}

static void
add_ref(struct ev *e, const char *id)
{
    if (e->n_refs++)
        sol_buf_putc(&e->refs, ',');
    sol_json_escape(&e->refs, id, strlen(id));
}

/* A tiny tree of JSON members, to build an SCO from paths before writing it. */
struct tnode {
    char *key;
    enum { T_OBJ, T_STR, T_INT, T_IDS, T_LIST, T_FALSE } kind;
    char *s;
    long long i;
    struct tnode *kids;
    size_t n, cap;
};

static void
tn_free(struct tnode *t)
{
    for (size_t i = 0; i < t->n; i++)
        tn_free(&t->kids[i]);
    sol_free(t->kids);
    sol_free(t->key);
    sol_free(t->s);
}

static struct tnode *
tn_child(struct tnode *t, const char *key, size_t kn, int kind)
{
    for (size_t i = 0; key && i < t->n; i++) /* list elements (no key) are always new */
        if (t->kids[i].key && strlen(t->kids[i].key) == kn && memcmp(t->kids[i].key, key, kn) == 0)
            return &t->kids[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        struct tnode *k = sol_realloc(t->kids, cap * sizeof *k);
        if (!k)
            return NULL;
        t->kids = k;
        t->cap = cap;
    }
    struct tnode *c = &t->kids[t->n++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    if (key) {
        c->key = sol_malloc(kn + 1);
        if (c->key) {
            memcpy(c->key, key, kn);
            c->key[kn] = 0;
        }
    }
    return c;
}

static void
tn_write(struct sol_json_writer *w, const struct tnode *t)
{
    switch (t->kind) {
    case T_STR:
    case T_IDS:
        if (t->kind == T_IDS) {
            sol_jw_array_begin(w);
            for (size_t i = 0; i < t->n; i++)
                sol_jw_string(w, t->kids[i].s);
            sol_jw_array_end(w);
        } else {
            sol_jw_string(w, t->s ? t->s : "");
        }
        return;
    case T_INT:
        sol_jw_int(w, t->i);
        return;
    case T_FALSE:
        sol_jw_bool(w, false);
        return;
    case T_LIST:
        sol_jw_array_begin(w);
        for (size_t i = 0; i < t->n; i++)
            tn_write(w, &t->kids[i]);
        sol_jw_array_end(w);
        return;
    case T_OBJ:
        sol_jw_object_begin(w);
        for (size_t i = 0; i < t->n; i++) {
            sol_jw_key(w, t->kids[i].key);
            tn_write(w, &t->kids[i]);
        }
        sol_jw_object_end(w);
        return;
    }
}

/* The steps of one of our table's paths: keys (quoted or bare) and "[*]". */
struct steps {
    struct sol_str k[8];
    size_t n;
};

static bool
split_path(const char *path, struct sol_str *type, struct steps *st)
{
    const char *colon = strchr(path, ':');
    if (!colon)
        return false;
    *type = (struct sol_str){path, (size_t)(colon - path)};
    st->n = 0;
    const char *p = colon + 1;
    while (*p && st->n < 8) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (strncmp(p, "[*]", 3) == 0) {
            st->k[st->n++] = SOL_STR("[*]");
            p += 3;
            continue;
        }
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            if (!e)
                return false;
            st->k[st->n++] = (struct sol_str){p + 1, (size_t)(e - p - 1)};
            p = e + 1;
            continue;
        }
        const char *e = p;
        while (*e && *e != '.' && *e != '[')
            e++;
        st->k[st->n++] = (struct sol_str){p, (size_t)(e - p)};
        p = e;
    }
    return st->n > 0;
}

/* The SCO type a reference property points to, for a value. */
static const char *
ref_type(struct sol_str key, const char *value)
{
    bool net = false;
    int k = sol_ioc_detect(value, strlen(value), &net);
    if (sol_str_eqc(key, "parent_directory_ref"))
        return "directory";
    if (sol_str_eqc(key, "from_ref") || sol_str_eqc(key, "to_refs") ||
        sol_str_eqc(key, "cc_refs") || sol_str_eqc(key, "sender_ref"))
        return "email-addr";
    if (k == SOL_ATOM_IPV4)
        return "ipv4-addr";
    if (k == SOL_ATOM_IPV6)
        return "ipv6-addr";
    return sol_str_eqc(key, "resolves_to_refs") ? NULL : "domain-name";
}

/* What observed-data is made of: the SCOs written, their ids. */
struct scos {
    struct sol_buf json[8];
    char ids[8][128];
    size_t n;
    char err[160];
};

/* Write an SCO tree with its deterministic id (§2.9) into out (slot i of the set). */
static int
sco_finish(struct scos *sc, struct tnode *root, const char *type, int tlp)
{
    if (sc->n >= 8)
        return SOL_ELIMIT;
    struct sol_buf tmp, id;
    sol_buf_init(&tmp);
    sol_buf_init(&id);
    struct sol_json_writer w;
    sol_jw_init(&w, &tmp, false);
    struct tnode tt = {.kind = T_OBJ};
    struct tnode *ty = tn_child(&tt, "type", 4, T_STR);
    if (ty)
        ty->s = sol_strdup(type);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "type");
    sol_jw_string(&w, type);
    for (size_t i = 0; i < root->n; i++) {
        sol_jw_key(&w, root->kids[i].key);
        tn_write(&w, &root->kids[i]);
    }
    sol_jw_object_end(&w);
    tn_free(&tt);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *obj;
    int rc = SOL_ENOMEM;
    if (doc && !tmp.oom && sol_json_parse(doc, tmp.p, tmp.n, &obj, NULL) == 0) {
        rc = sol_stix_sco_id(obj, &id);
        if (rc == SOL_EUNSUPPORTED) {
            struct sol_uuid u;
            char t[37];
            sol_uuid_v4(&u);
            sol_uuid_format(&u, t);
            sol_buf_printf(&id, "%s--%s", type, t);
            rc = 0;
        }
    }
    sol_json_doc_free(doc);
    if (rc == 0) {
        struct sol_buf *o = &sc->json[sc->n];
        sol_buf_init(o);
        snprintf(sc->ids[sc->n], sizeof sc->ids[0], "%s", id.p);
        struct sol__common c = {.type = type, .id = id.p, .tlp = tlp, .confidence = -1};
        sol_jw_init(&w, o, false);
        sol__obj_begin(&w, &c);
        for (size_t i = 0; i < root->n; i++) {
            sol_jw_key(&w, root->kids[i].key);
            tn_write(&w, &root->kids[i]);
        }
        sol_jw_object_end(&w);
        sc->n++;
    }
    sol_buf_free(&tmp);
    sol_buf_free(&id);
    return rc;
}

/* A value part: a path and its value (integer or string). */
struct part {
    const char *path;
    const char *value;
    bool is_int;
};

/*
 * Build the SCOs that the comparisons parts[] describe (one main object, and the objects
 * its _ref and _refs properties point to). Returns 0, or SOL_EUNSUPPORTED with sc->err.
 */
static int
build_scos(struct scos *sc, const struct part *parts, size_t n, int tlp)
{
    struct tnode root = {.kind = T_OBJ};
    struct sol_str type = {NULL, 0};
    char mtype[64] = "";
    int rc = 0;
    bool v6 = false;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct steps st;
        struct sol_str t;
        if (!split_path(parts[i].path, &t, &st)) {
            rc = SOL_EUNSUPPORTED;
            break;
        }
        type = t;
        snprintf(mtype, sizeof mtype, "%.*s", (int)t.n, t.p);
        struct tnode *cur = &root;
        for (size_t k = 0; k < st.n && rc == 0 && cur; k++) {
            struct sol_str key = st.k[k];
            bool last = k + 1 == st.n;
            bool is_ref = key.n > 4 && (memcmp(key.p + key.n - 4, "_ref", 4) == 0 ||
                                        (key.n > 5 && memcmp(key.p + key.n - 5, "_refs", 5) == 0));
            if (is_ref && !last) {
                const char *rt = ref_type(key, parts[i].value);
                size_t rest = k + 1;
                if (rest < st.n && sol_str_eqc(st.k[rest], "[*]"))
                    rest++;
                if (!rt || rest + 1 != st.n) {
                    snprintf(sc->err, sizeof sc->err, "'%s' is not an address", parts[i].value);
                    rc = SOL_EUNSUPPORTED;
                    break;
                }
                if (strcmp(rt, "ipv6-addr") == 0)
                    v6 = true;
                struct tnode ref = {.kind = T_OBJ};
                struct tnode *leaf = tn_child(&ref, st.k[rest].p, st.k[rest].n, T_STR);
                if (leaf)
                    leaf->s = sol_strdup(parts[i].value);
                rc = sco_finish(sc, &ref, rt, tlp);
                tn_free(&ref);
                if (rc)
                    break;
                struct tnode *slot =
                    tn_child(cur, key.p, key.n, key.p[key.n - 1] == 's' ? T_IDS : T_STR);
                if (!slot)
                    break;
                if (slot->kind == T_IDS) {
                    struct tnode *e = tn_child(slot, NULL, 0, T_STR);
                    if (e)
                        e->s = sol_strdup(sc->ids[sc->n - 1]);
                } else {
                    sol_free(slot->s);
                    slot->s = sol_strdup(sc->ids[sc->n - 1]);
                }
                break;
            }
            if (last) {
                struct tnode *leaf = tn_child(cur, key.p, key.n, parts[i].is_int ? T_INT : T_STR);
                if (leaf && parts[i].is_int)
                    leaf->i = strtoll(parts[i].value, NULL, 10);
                else if (leaf)
                    leaf->s = sol_strdup(parts[i].value);
                break;
            }
            if (k + 1 < st.n && sol_str_eqc(st.k[k + 1], "[*]")) {
                struct tnode *list = tn_child(cur, key.p, key.n, T_LIST);
                cur = list ? (list->n ? &list->kids[0] : tn_child(list, NULL, 0, T_OBJ)) : NULL;
                k++;
                continue;
            }
            cur = tn_child(cur, key.p, key.n, T_OBJ);
        }
    }
    if (rc == 0 && type.p) {
        if (strcmp(mtype, "network-traffic") == 0) {
            struct tnode *pr = tn_child(&root, "protocols", 9, T_IDS);
            struct tnode *e = pr ? tn_child(pr, NULL, 0, T_STR) : NULL;
            if (e)
                e->s = sol_strdup(v6 ? "ipv6" : "ipv4");
        } else if (strcmp(mtype, "email-message") == 0) {
            (void)tn_child(&root, "is_multipart", 12, T_FALSE);
        }
        rc = sco_finish(sc, &root, mtype, tlp);
    }
    tn_free(&root);
    return rc;
}

static void
scos_free(struct scos *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        sol_buf_free(&sc->json[i]);
    sc->n = 0;
}

/* The pattern of comparisons on one object: [p1 = v1 AND p2 = v2 ...]. */
static void
parts_pattern(struct sol_buf *b, const struct part *parts, size_t n)
{
    sol_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sol_buf_puts(b, " AND ");
        sol_buf_puts(b, parts[i].path);
        sol_buf_puts(b, " = ");
        if (parts[i].is_int)
            sol_buf_puts(b, parts[i].value);
        else
            sol__pattern_string(b, parts[i].value, strlen(parts[i].value));
    }
    sol_buf_putc(b, ']');
}

/* Everything an attribute or object carries besides its value. */
struct meta {
    struct sol_str uuid;
    const char *fallback; /* for an id when there is no uuid */
    size_t fallback_n;
    sol_time_t ts, first_seen, last_seen, expires;
    int tlp;
    bool to_ids, deleted;
    const char *labels[64];
    size_t nl;
    struct sol_str comment, type, category, object_name;
    char where[300];
};

static void
write_misp_props(struct sol_json_writer *w, const struct meta *m)
{
    if (m->comment.n) {
        sol_jw_key(w, "description");
        sol_jw_stringn(w, m->comment.p, m->comment.n);
    }
    if (m->object_name.n) {
        sol_jw_key(w, "x_misp_object");
        sol_jw_stringn(w, m->object_name.p, m->object_name.n);
    } else if (m->type.n) {
        sol_jw_key(w, "x_misp_type");
        sol_jw_stringn(w, m->type.p, m->type.n);
    }
    if (m->category.n) {
        sol_jw_key(w, "x_misp_category");
        sol_jw_stringn(w, m->category.p, m->category.n);
    }
}

static int
emit_buf(struct ev *e, struct sol_buf *b, const char *where)
{
    return sol__emit(e->im, b, where);
}

/* The common properties of what an attribute or object makes: created is the event's day
 * when the attribute is not older (a stable created across updates), else its timestamp. */
static struct sol__common
meta_common(const struct ev *e, const struct meta *m)
{
    sol_time_t created = e->date && e->date <= m->ts ? e->date : m->ts;
    if (!created)
        created = e->ts ? e->ts : sol_time_now() / 1000 * 1000;
    struct sol__common c = {.created = created,
                            .modified = m->ts > created ? m->ts : created,
                            .created_by = e->created_by,
                            .tlp = m->tlp,
                            .labels = m->labels,
                            .n_labels = m->nl,
                            .confidence = -1,
                            .revoked = m->deleted};
    return c;
}

/* An indicator or observed-data with its SCOs for the comparisons parts[]. */
static int
emit_observable(struct ev *e, const struct meta *m, const struct part *parts, size_t n,
                const char *name)
{
    char id[128];
    struct sol__common c = meta_common(e, m);
    sol_time_t created = c.created;
    struct sol_buf json;
    sol_buf_init(&json);
    struct sol_json_writer w;
    int rc = 0;
    if (m->to_ids) {
        misp_id(id, sizeof id, "indicator", m->uuid, m->fallback, m->fallback_n);
        c.type = "indicator";
        c.id = id;
        struct sol_buf pat;
        sol_buf_init(&pat);
        parts_pattern(&pat, parts, n);
        sol_jw_init(&w, &json, false);
        sol__obj_begin(&w, &c);
        sol_jw_key(&w, "name");
        sol_jw_string(&w, name);
        write_misp_props(&w, m);
        sol_jw_key(&w, "pattern");
        sol_jw_stringn(&w, pat.p ? pat.p : "", pat.n);
        sol_jw_key(&w, "pattern_type");
        sol_jw_string(&w, "stix");
        sol_time_t from = m->first_seen ? m->first_seen : created;
        sol__jw_time(&w, "valid_from", from);
        sol_time_t until = m->last_seen;
        if (m->expires && (!until || m->expires < until))
            until = m->expires;
        if (until > from)
            sol__jw_time(&w, "valid_until", until);
        sol_jw_object_end(&w);
        sol_buf_free(&pat);
        rc = emit_buf(e, &json, m->where);
    } else {
        struct scos sc = {0};
        rc = build_scos(&sc, parts, n, m->tlp);
        if (rc == SOL_EUNSUPPORTED) {
            sol__note(e->im, SOL_NOTE_JUNK, m->where, NULL, "%s", sc.err[0] ? sc.err : "no SCO");
            scos_free(&sc);
            sol_buf_free(&json);
            return 0;
        }
        for (size_t i = 0; i < sc.n && rc == 0; i++)
            rc = emit_buf(e, &sc.json[i], m->where);
        if (rc == 0) {
            misp_id(id, sizeof id, "observed-data", m->uuid, m->fallback, m->fallback_n);
            c.type = "observed-data";
            c.id = id;
            sol_jw_init(&w, &json, false);
            sol__obj_begin(&w, &c);
            write_misp_props(&w, m);
            sol_time_t first = m->first_seen ? m->first_seen : created;
            sol_time_t last = m->last_seen > first ? m->last_seen : first;
            sol__jw_time(&w, "first_observed", first);
            sol__jw_time(&w, "last_observed", last);
            sol_jw_key(&w, "number_observed");
            sol_jw_int(&w, 1);
            sol_jw_key(&w, "object_refs");
            sol_jw_array_begin(&w);
            for (size_t i = sc.n; i-- > 0;) /* the main object first */
                sol_jw_string(&w, sc.ids[i]);
            sol_jw_array_end(&w);
            sol_jw_object_end(&w);
            rc = emit_buf(e, &json, m->where);
        }
        scos_free(&sc);
    }
    if (rc == 0)
        add_ref(e, id);
    sol_buf_free(&json);
    return rc;
}

/* Sightings of one attribute (its indicator id): see the top of this file. */
static int
sightings(struct ev *e, const struct sol_json *list, const char *indicator, int tlp,
          const char *where)
{
    struct sol_json_iter it;
    const struct sol_json *s;
    sol_json_iter_init(&it, list);
    int rc = 0;
    while (rc == 0 && sol_json_iter_next(&it, NULL, &s)) {
        long long type = misp_int(sol_json_get(s, "type"));
        sol_time_t at = misp_seconds(sol_json_get(s, "date_sighting"));
        if (!at || type == 2)
            continue; /* expiration: already the indicator's valid_until */
        const struct sol_json *org = sol_json_get(s, "Organisation");
        struct sol_str org_uuid = sol_json_str(sol_json_get(org, "uuid"));
        char key[400], id[128], where_id[128] = "";
        snprintf(key, sizeof key, "%s|%lld|%lld|%.*s|%.*s", indicator, type, (long long)at,
                 (int)org_uuid.n, org_uuid.p ? org_uuid.p : "",
                 (int)sol_json_str(sol_json_get(s, "source")).n,
                 sol_json_str(sol_json_get(s, "source")).p
                     ? sol_json_str(sol_json_get(s, "source")).p
                     : "");
        if (uuid_ok(org_uuid))
            misp_id(where_id, sizeof where_id, "identity", org_uuid, NULL, 0);
        struct sol_buf json;
        sol_buf_init(&json);
        struct sol_json_writer w;
        sol_jw_init(&w, &json, false);
        struct sol__common c = {.created = at,
                                .created_by = where_id[0] ? where_id : e->created_by,
                                .tlp = tlp,
                                .confidence = -1};
        if (type == 1) {
            sol__made_id(id, sizeof id, "opinion", key, strlen(key));
            c.type = "opinion";
            c.id = id;
            sol__obj_begin(&w, &c);
            sol_jw_key(&w, "explanation");
            sol_jw_string(&w, "reported as a false positive (a MISP sighting of type 1)");
            sol_jw_key(&w, "opinion");
            sol_jw_string(&w, "strongly-disagree");
            sol_jw_key(&w, "object_refs");
            sol_jw_array_begin(&w);
            sol_jw_string(&w, indicator);
            sol_jw_array_end(&w);
        } else {
            sol__made_id(id, sizeof id, "sighting", key, strlen(key));
            c.type = "sighting";
            c.id = id;
            sol__obj_begin(&w, &c);
            sol__jw_time(&w, "first_seen", at);
            sol__jw_time(&w, "last_seen", at);
            sol_jw_key(&w, "count");
            sol_jw_int(&w, 1);
            sol_jw_key(&w, "sighting_of_ref");
            sol_jw_string(&w, indicator);
            if (where_id[0]) {
                sol_jw_key(&w, "where_sighted_refs");
                sol_jw_array_begin(&w);
                sol_jw_string(&w, where_id);
                sol_jw_array_end(&w);
            }
        }
        sol_jw_object_end(&w);
        rc = emit_buf(e, &json, where);
        sol_buf_free(&json);
    }
    return rc;
}

/* The parts common to an attribute's and an object's meta. */
static void
fill_meta(struct ev *e, struct meta *m, const struct sol_json *a, int parent_tlp)
{
    m->uuid = sol_json_str(sol_json_get(a, "uuid"));
    m->ts = misp_seconds(sol_json_get(a, "timestamp"));
    m->first_seen = misp_iso(sol_json_get(a, "first_seen"));
    m->last_seen = misp_iso(sol_json_get(a, "last_seen"));
    m->deleted = misp_bool(sol_json_get(a, "deleted"));
    m->comment = sol_json_str(sol_json_get(a, "comment"));
    const struct sol_json *d = sol_json_get(a, "distribution");
    int t = misp_int(d) == 5 || !d ? parent_tlp : tlp_max(parent_tlp, distribution_tlp(d));
    t = tlp_max(t, tags_tlp(sol_json_get(a, "Tag"), m->labels, &m->nl, 64));
    galaxy_labels(sol_json_get(a, "Galaxy"), m->labels, &m->nl, 64);
    m->tlp = t;
    /* Sightings of type 2 set when the attribute expires. */
    struct sol_json_iter it;
    const struct sol_json *s;
    sol_json_iter_init(&it, sol_json_get(a, "Sighting"));
    while (sol_json_iter_next(&it, NULL, &s))
        if (misp_int(sol_json_get(s, "type")) == 2) {
            sol_time_t at = misp_seconds(sol_json_get(s, "date_sighting"));
            if (at && (!m->expires || at < m->expires))
                m->expires = at;
        }
    (void)e;
}

/* The value parts of a typed attribute as comparisons (misp_map.c). 0, or -1 with why. */
static int
attribute_parts(const struct misp_type_map *tm, struct sol_str value, char *store, size_t cap,
                struct part *parts, size_t *n, const char **why)
{
    size_t np = tm->paths[1] ? 2 : 1;
    if (value.n >= cap) {
        *why = "a value too long";
        return -1;
    }
    memcpy(store, value.p, value.n);
    store[value.n] = 0;
    char *v[2] = {store, NULL};
    if (np == 2) {
        char *bar = strchr(store, '|');
        if (!bar) {
            *why = "a composite value without '|'";
            return -1;
        }
        *bar = 0;
        v[1] = bar + 1;
    }
    static char paths[2][200];
    for (size_t i = 0; i < np; i++) {
        const char *path = tm->paths[i];
        parts[i].is_int = false;
        parts[i].value = v[i];
        if (tm->flags & MM_AS) {
            const char *d = v[i];
            if (strncasecmp(d, "AS", 2) == 0)
                d += 2;
            if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 10) {
                *why = "not an AS number";
                return -1;
            }
            parts[i].value = d;
            parts[i].is_int = true;
        }
        if (i == 1 && (tm->flags & MM_INT)) {
            if (!*v[i] || strspn(v[i], "0123456789") != strlen(v[i]) ||
                strtol(v[i], NULL, 10) > 65535) {
                *why = "not a port number";
                return -1;
            }
            parts[i].is_int = true;
        }
        if ((tm->flags & MM_IP) && strncmp(path, "ADDR:", 5) == 0) {
            bool net;
            int k = sol_ioc_detect(v[i], strlen(v[i]), &net);
            if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6) {
                *why = "not an IP address";
                return -1;
            }
            snprintf(paths[i], sizeof paths[i], "%s%s",
                     k == SOL_ATOM_IPV4 ? "ipv4-addr" : "ipv6-addr", path + 4);
            path = paths[i];
        }
        parts[i].path = path;
    }
    *n = np;
    return 0;
}

/* An SDO (vulnerability, campaign, threat-actor) or a note, from an attribute. */
static int
emit_sdo(struct ev *e, const struct misp_type_map *tm, const struct meta *m, struct sol_str value)
{
    char id[128];
    const char *type = tm->flags & MM_NOTE ? "note" : tm->sdo;
    if ((tm->flags & MM_NOTE) && !e->in_event) {
        sol__count_unmapped(e->im, "text outside an event");
        return 0;
    }
    misp_id(id, sizeof id, type, m->uuid, m->fallback, m->fallback_n);
    struct sol__common c = meta_common(e, m);
    c.type = type;
    c.id = id;
    struct sol_buf json;
    sol_buf_init(&json);
    struct sol_json_writer w;
    sol_jw_init(&w, &json, false);
    sol__obj_begin(&w, &c);
    if (tm->flags & MM_NOTE) {
        if (m->comment.n) {
            sol_jw_key(&w, "abstract");
            sol_jw_stringn(&w, m->comment.p, m->comment.n);
        }
        sol_jw_key(&w, "content");
        sol_jw_stringn(&w, value.p, value.n);
        sol_jw_key(&w, "object_refs");
        sol_jw_array_begin(&w);
        sol_jw_string(&w, e->report_id);
        sol_jw_array_end(&w);
        sol_jw_key(&w, "x_misp_type");
        sol_jw_stringn(&w, m->type.p, m->type.n);
    } else {
        sol_jw_key(&w, "name");
        sol_jw_stringn(&w, value.p, value.n);
        if (strcmp(type, "vulnerability") == 0 && value.n > 4 &&
            strncasecmp(value.p, "CVE-", 4) == 0) {
            sol_jw_key(&w, "external_references");
            sol_jw_array_begin(&w);
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "source_name");
            sol_jw_string(&w, "cve");
            sol_jw_key(&w, "external_id");
            sol_jw_stringn(&w, value.p, value.n);
            sol_jw_object_end(&w);
            sol_jw_array_end(&w);
        }
        if (m->comment.n) {
            sol_jw_key(&w, "description");
            sol_jw_stringn(&w, m->comment.p, m->comment.n);
        }
    }
    sol_jw_object_end(&w);
    int rc = emit_buf(e, &json, m->where);
    if (rc == 0 && !(tm->flags & MM_NOTE))
        add_ref(e, id);
    sol_buf_free(&json);
    return rc;
}

/* One attribute (Attribute[i] of an event, or of a response list). */
static int
attribute(struct ev *e, const struct sol_json *a, const char *where)
{
    struct sol_str type = sol_json_str(sol_json_get(a, "type"));
    struct sol_str value = sol_json_str(sol_json_get(a, "value"));
    if (!type.p || !value.p) {
        sol__note(e->im, SOL_NOTE_JUNK, where, NULL,
                  "an attribute without a string type and value");
        return 0;
    }
    struct meta m = {0};
    snprintf(m.where, sizeof m.where, "%s", where);
    fill_meta(e, &m, a, e->tlp);
    m.to_ids = misp_bool(sol_json_get(a, "to_ids"));
    m.type = type;
    m.category = sol_json_str(sol_json_get(a, "category"));
    char fb[600];
    int fbn = snprintf(fb, sizeof fb, "%s|%.*s|%.*s", e->uuid, (int)type.n, type.p,
                       (int)(value.n > 400 ? 400 : value.n), value.p);
    m.fallback = fb;
    m.fallback_n = (size_t)fbn < sizeof fb ? (size_t)fbn : sizeof fb - 1;
    char tname[64];
    snprintf(tname, sizeof tname, "%.*s", (int)type.n, type.p);
    const struct misp_type_map *tm = sol__misp_type(type.p, type.n);
    if (!tm) {
        sol__count_unmapped(e->im, tname);
        sol__note(e->im, SOL_NOTE_UNMAPPED, where, tname, "the MISP type '%s' has no STIX mapping",
                  tname);
        return 0;
    }
    if (tm->flags & (MM_SDO | MM_NOTE))
        return emit_sdo(e, tm, &m, value);
    struct part parts[2];
    size_t np = 0;
    char store[4096];
    const char *why = NULL;
    if (attribute_parts(tm, value, store, sizeof store, parts, &np, &why) != 0) {
        sol__note(e->im, SOL_NOTE_JUNK, where, NULL, "%s '%.*s': %s", tname,
                  (int)(value.n > 120 ? 120 : value.n), value.p, why);
        return 0;
    }
    char name[300];
    snprintf(name, sizeof name, "%.*s", (int)(value.n > 250 ? 250 : value.n), value.p);
    int rc = emit_observable(e, &m, parts, np, name);
    if (rc == 0 && m.to_ids) {
        char id[128];
        misp_id(id, sizeof id, "indicator", m.uuid, m.fallback, m.fallback_n);
        rc = sightings(e, sol_json_get(a, "Sighting"), id, m.tlp, where);
    }
    return rc;
}

/* One MISP object of a known template (see the top of this file). */
static int
object(struct ev *e, const struct sol_json *o, const char *where)
{
    struct sol_str name = sol_json_str(sol_json_get(o, "name"));
    const struct sol_json *attrs = sol_json_get(o, "Attribute");
    char oname[64];
    snprintf(oname, sizeof oname, "%.*s", (int)(name.n > 60 ? 60 : name.n), name.p ? name.p : "");
    const struct misp_template_map *tpl = name.p ? sol__misp_template(name.p, name.n) : NULL;
    struct meta m = {0};
    snprintf(m.where, sizeof m.where, "%s", where);
    fill_meta(e, &m, o, e->tlp);
    m.object_name = name;
    m.category = sol_json_str(sol_json_get(o, "meta-category"));
    m.fallback = where;
    m.fallback_n = strlen(where);
    struct part parts[16];
    char values[16][1024];
    char paths[16][200];
    size_t np = 0;
    struct sol_json_iter it;
    const struct sol_json *a;
    sol_json_iter_init(&it, attrs);
    char aw[400];
    for (size_t i = 0; sol_json_iter_next(&it, NULL, &a); i++) {
        snprintf(aw, sizeof aw, "%s.Attribute[%zu]", where, i);
        struct sol_str rel = sol_json_str(sol_json_get(a, "object_relation"));
        struct sol_str val = sol_json_str(sol_json_get(a, "value"));
        char key[140];
        snprintf(key, sizeof key, "%s/%.*s", oname, (int)(rel.n > 60 ? 60 : rel.n),
                 rel.p ? rel.p : "");
        const struct misp_relation_map *rm = NULL;
        for (size_t k = 0; tpl && rel.p && k < tpl->n_rel && !rm; k++)
            if (sol_str_eqc(rel, tpl->rel[k].relation))
                rm = &tpl->rel[k];
        if (!rm || !val.p || val.n >= sizeof values[0] || np == 16) {
            sol__count_unmapped(e->im, key);
            sol__note(e->im, SOL_NOTE_UNMAPPED, aw, key,
                      "the MISP object attribute '%s' has no STIX mapping", key);
            continue;
        }
        if (misp_bool(sol_json_get(a, "to_ids")))
            m.to_ids = true;
        sol_time_t ts = misp_seconds(sol_json_get(a, "timestamp"));
        if (ts > m.ts)
            m.ts = ts;
        memcpy(values[np], val.p, val.n);
        values[np][val.n] = 0;
        parts[np].value = values[np];
        parts[np].is_int = (rm->flags & MM_INT1) != 0;
        parts[np].path = rm->path;
        if (parts[np].is_int && strspn(values[np], "0123456789") != val.n) {
            sol__note(e->im, SOL_NOTE_JUNK, aw, NULL, "%s: '%s' is not a number", key, values[np]);
            continue;
        }
        if (rm->flags & MM_IP) {
            bool net;
            int k = sol_ioc_detect(val.p, val.n, &net);
            if (k != SOL_ATOM_IPV4 && k != SOL_ATOM_IPV6) {
                sol__note(e->im, SOL_NOTE_JUNK, aw, NULL, "%s: '%s' is not an IP address", key,
                          values[np]);
                continue;
            }
            (void)paths;
        }
        np++;
    }
    if (!tpl) {
        if (!np)
            sol__count_unmapped(e->im, oname[0] ? oname : "object without a name");
        return 0;
    }
    if (!np)
        return 0;
    char label[300];
    snprintf(label, sizeof label, "%s: %s", oname, parts[0].value);
    return emit_observable(e, &m, parts, np, label);
}

static int
emit_identity(struct ev *e, const struct sol_json *orgc)
{
    struct sol_str uuid = sol_json_str(sol_json_get(orgc, "uuid"));
    struct sol_str name = sol_json_str(sol_json_get(orgc, "name"));
    if (!uuid_ok(uuid))
        return 0;
    misp_id(e->created_by, sizeof e->created_by, "identity", uuid, NULL, 0);
    struct sol_buf json;
    sol_buf_init(&json);
    struct sol_json_writer w;
    sol_jw_init(&w, &json, false);
    /* A fixed version: the same organisation from many events is one object version. */
    struct sol__common c = {
        .type = "identity", .id = e->created_by, .created = 1000, .confidence = -1};
    sol__obj_begin(&w, &c);
    sol_jw_key(&w, "name");
    if (name.p && name.n)
        sol_jw_stringn(&w, name.p, name.n);
    else
        sol_jw_stringn(&w, uuid.p, uuid.n);
    sol_jw_key(&w, "identity_class");
    sol_jw_string(&w, "organization");
    sol_jw_object_end(&w);
    int rc = emit_buf(e, &json, "Orgc");
    sol_buf_free(&json);
    return rc;
}

/* One event: its members (the value of "Event"). */
static int
event(struct sol__import *im, const struct sol_json *ev, const char *where)
{
    struct ev e = {.im = im, .in_event = true};
    const struct sol_import_options *o = sol__import_options(im);
    snprintf(e.created_by, sizeof e.created_by, "%s", o->identity ? o->identity : "");
    sol_buf_init(&e.refs);
    struct sol_str uuid = sol_json_str(sol_json_get(ev, "uuid"));
    struct sol_str info = sol_json_str(sol_json_get(ev, "info"));
    snprintf(e.uuid, sizeof e.uuid, "%.*s", (int)(uuid.n > 36 ? 36 : uuid.n), uuid.p ? uuid.p : "");
    e.date = misp_date(sol_json_get(ev, "date"));
    e.ts = misp_seconds(sol_json_get(ev, "timestamp"));
    bool published = misp_bool(sol_json_get(ev, "published"));
    const char *labels[64];
    size_t nl = 0;
    e.tlp = tlp_max(distribution_tlp(sol_json_get(ev, "distribution")),
                    tags_tlp(sol_json_get(ev, "Tag"), labels, &nl, 64));
    galaxy_labels(sol_json_get(ev, "Galaxy"), labels, &nl, 64);
    if (!e.tlp)
        e.tlp = o->tlp;
    const char *rtype = published ? "report" : "grouping";
    misp_id(e.report_id, sizeof e.report_id, rtype, uuid, info.p ? info.p : where,
            info.p ? info.n : strlen(where));
    int rc = emit_identity(&e, sol_json_get(ev, "Orgc"));
    struct sol_json_iter it;
    const struct sol_json *a;
    char w[300];
    sol_json_iter_init(&it, sol_json_get(ev, "Attribute"));
    for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &a); i++) {
        snprintf(w, sizeof w, "%s%sAttribute[%zu]", where, *where ? "." : "", i);
        rc = attribute(&e, a, w);
    }
    sol_json_iter_init(&it, sol_json_get(ev, "Object"));
    for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &a); i++) {
        snprintf(w, sizeof w, "%s%sObject[%zu]", where, *where ? "." : "", i);
        rc = object(&e, a, w);
    }
    if (rc == 0 && !e.n_refs) {
        sol__note(im, SOL_NOTE_INFO, where, NULL, "the event '%.*s' has nothing mapped: no %s made",
                  (int)info.n, info.p ? info.p : "", rtype);
    } else if (rc == 0) {
        struct sol_buf json;
        sol_buf_init(&json);
        struct sol_json_writer jw;
        sol_jw_init(&jw, &json, false);
        sol_time_t created = e.date ? e.date : e.ts ? e.ts : sol_time_now() / 1000 * 1000;
        struct sol__common c = {.type = rtype,
                                .id = e.report_id,
                                .created = created,
                                .modified = e.ts,
                                .created_by = e.created_by,
                                .tlp = e.tlp,
                                .labels = labels,
                                .n_labels = nl,
                                .confidence = -1};
        sol__obj_begin(&jw, &c);
        sol_jw_key(&jw, "name");
        if (info.p && info.n)
            sol_jw_stringn(&jw, info.p, info.n);
        else
            sol_jw_string(&jw, "MISP event");
        if (published) {
            sol_time_t pub = misp_seconds(sol_json_get(ev, "publish_timestamp"));
            sol__jw_time(&jw, "published", pub ? pub : created);
        } else {
            sol_jw_key(&jw, "context");
            sol_jw_string(&jw, "suspicious-activity");
        }
        long long tl = misp_int(sol_json_get(ev, "threat_level_id"));
        if (tl >= 1 && tl <= 4) {
            sol_jw_key(&jw, "x_misp_threat_level");
            sol_jw_string(&jw, (const char *[]){"high", "medium", "low", "undefined"}[tl - 1]);
        }
        sol_jw_key(&jw, "object_refs");
        struct sol_buf arr;
        sol_buf_init(&arr);
        sol_buf_putc(&arr, '[');
        sol_buf_append(&arr, e.refs.p, e.refs.n);
        sol_buf_putc(&arr, ']');
        sol_jw_raw(&jw, arr.p, arr.n);
        sol_buf_free(&arr);
        sol_jw_object_end(&jw);
        rc = emit_buf(&e, &json, where[0] ? where : "Event");
        sol_buf_free(&json);
    }
    sol_buf_free(&e.refs);
    return rc;
}

/* Attributes or objects without an event ({"response": {"Attribute": [...]}}). */
static int
loose(struct sol__import *im, const struct sol_json *v, bool is_object, const char *where)
{
    struct ev e = {.im = im};
    const struct sol_import_options *o = sol__import_options(im);
    snprintf(e.created_by, sizeof e.created_by, "%s", o->identity ? o->identity : "");
    e.tlp = o->tlp;
    sol_buf_init(&e.refs);
    int rc = is_object ? object(&e, v, where) : attribute(&e, v, where);
    sol_buf_free(&e.refs);
    return rc;
}

/* Whatever the document holds: events, attributes, objects, in the shapes MISP writes. */
static int
document(struct sol__import *im, const struct sol_json *root, const char *name,
         struct sol_error *err)
{
    char w[300];
    const struct sol_json *r = sol_json_get(root, "response");
    if (r)
        root = r;
    if (sol_json_type(root) == SOL_JSON_OBJECT) {
        const struct sol_json *ev = sol_json_get(root, "Event");
        if (ev)
            return event(im, ev, "Event");
        if (sol_json_get(root, "info") || sol_json_get(root, "Orgc"))
            return event(im, root, "");
        int rc = 0;
        struct sol_json_iter it;
        const struct sol_json *a;
        sol_json_iter_init(&it, sol_json_get(root, "Attribute"));
        for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &a); i++) {
            snprintf(w, sizeof w, "Attribute[%zu]", i);
            rc = loose(im, a, false, w);
        }
        sol_json_iter_init(&it, sol_json_get(root, "Object"));
        for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &a); i++) {
            snprintf(w, sizeof w, "Object[%zu]", i);
            rc = loose(im, a, true, w);
        }
        return rc;
    }
    if (sol_json_type(root) != SOL_JSON_ARRAY)
        return sol_error_set(err, SOL_EINVALID, "%s: not a MISP event, nor a list of them", name);
    struct sol_json_iter it;
    const struct sol_json *x;
    sol_json_iter_init(&it, root);
    int rc = 0;
    for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &x); i++) {
        const struct sol_json *v;
        if ((v = sol_json_get(x, "Event"))) {
            snprintf(w, sizeof w, "response[%zu].Event", i);
            rc = event(im, v, w);
        } else if ((v = sol_json_get(x, "Attribute"))) {
            snprintf(w, sizeof w, "response[%zu].Attribute", i);
            rc = loose(im, v, false, w);
        } else if ((v = sol_json_get(x, "Object"))) {
            snprintf(w, sizeof w, "response[%zu].Object", i);
            rc = loose(im, v, true, w);
        } else {
            snprintf(w, sizeof w, "%s: response[%zu]", name, i);
            sol__note(im, SOL_NOTE_JUNK, w, NULL, "neither an Event, an Attribute nor an Object");
        }
    }
    return rc;
}

/* MISP JSON: "Event", "Attribute", "Object" or "response" near the start. */
int
sol__misp_detect(const char *path, const char *head, size_t n)
{
    (void)path;
    size_t i = 0;
    while (i < n && (isspace((unsigned char)head[i]) || (unsigned char)head[i] >= 0x80))
        i++;
    if (i >= n || (head[i] != '{' && head[i] != '['))
        return 0;
    if (memmem(head, n, "\"Event\"", 7) || memmem(head, n, "\"response\"", 10) ||
        memmem(head, n, "\"Attribute\"", 11) || memmem(head, n, "\"Orgc\"", 6))
        return 90;
    return 0;
}

/* A feed folder: manifest.json names the events; each is <uuid>.json beside it. */
static int
feed(struct sol__import *im, const char *dir, struct sol_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    struct sol_json_doc *mdoc = sol_json_doc_new(NULL), *edoc = sol_json_doc_new(NULL);
    const struct sol_json *manifest, *root;
    int rc = !mdoc || !edoc ? sol_error_set(err, SOL_ENOMEM, "out of memory") : 0;
    if (rc == 0 && (rc = sol_json_parse_file(mdoc, path, &manifest, err)) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", err->msg);
        sol_error_set(err, rc, "%s: %s (a MISP feed folder has a manifest.json)", path, msg);
    }
    if (rc == 0 && sol_json_type(manifest) != SOL_JSON_OBJECT)
        rc = sol_error_set(err, SOL_EINVALID, "%s: expected an object of events by uuid", path);
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *entry;
    if (rc == 0)
        sol_json_iter_init(&it, manifest);
    struct sol_buf data;
    sol_buf_init(&data);
    while (rc == 0 && sol_json_iter_next(&it, &key, &entry)) {
        char where[300];
        snprintf(where, sizeof where, "%s/%.*s.json", dir, (int)(key.n > 64 ? 64 : key.n), key.p);
        if (!uuid_ok(key)) {
            sol__note(im, SOL_NOTE_JUNK, path, NULL, "'%.*s' is not an event uuid",
                      (int)(key.n > 64 ? 64 : key.n), key.p);
            continue;
        }
        sol_buf_reset(&data);
        struct sol_error e2;
        sol_error_clear(&e2);
        if (sol_read_file(where, (size_t)1 << 30, &data, &e2) != 0) {
            sol__note(im, SOL_NOTE_JUNK, where, NULL,
                      "listed in the manifest but cannot be read: %s", e2.msg);
            continue;
        }
        struct sol_str want = sol_json_str(sol_json_get(entry, "integrity:sha256"));
        if (want.p) {
            unsigned char h[32];
            crypto_hash_sha256(h, (const unsigned char *)(data.p ? data.p : ""), data.n);
            struct sol_buf hex;
            sol_buf_init(&hex);
            sol_hex_encode(&hex, h, 32);
            bool same = hex.n == want.n && strncasecmp(hex.p, want.p, want.n) == 0;
            sol_buf_free(&hex);
            if (!same) {
                sol__note(im, SOL_NOTE_JUNK, where, NULL,
                          "its SHA-256 is not the manifest's integrity:sha256: not imported");
                continue;
            }
        }
        if (sol_json_parse(edoc, data.p ? data.p : "", data.n, &root, &e2) != 0) {
            char at[700];
            sol__note(im, SOL_NOTE_JUNK, where, NULL, "not JSON: %s",
                      sol_error_format(&e2, at, sizeof at));
            continue;
        }
        rc = document(im, root, where, err);
    }
    sol_buf_free(&data);
    sol_json_doc_free(mdoc);
    sol_json_doc_free(edoc);
    return rc;
}

int
sol__misp_read(const struct sol_format_input *in, const struct sol_import_options *o, void *imp,
               struct sol_error *err)
{
    (void)o;
    struct sol__import *im = imp;
    if (!in->p)
        return feed(im, in->path, err);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    const struct sol_json *root;
    int rc = sol_json_parse(doc, in->p, in->n, &root, err);
    if (rc == 0)
        rc = document(im, root, in->name, err);
    if (rc < 0 && err && !err->msg[0])
        sol_error_set(err, rc, "%s", sol_strerror(rc));
    sol_json_doc_free(doc);
    return rc;
}
