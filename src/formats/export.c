/*
 * export.c — the walk every writer shares: the current versions a (policy-restricted)
 * filter selects, the indicators among them that are live, and their atoms.
 *
 * An indicator is left out when it is revoked or its valid_until is not after the
 * export's time (counted as revoked, expired), and counted and named as inexpressible
 * when its pattern is not STIX, does not parse, is not a disjunction of values
 * (sol_format_atoms()), or has a value the writer cannot carry: a writer takes all of an
 * indicator's values or none, because a part of a disjunction would match less than the
 * indicator says, and a sensor that alerts on less is not what was shared.
 */
#include <stdio.h>
#include <string.h>

#include "formats/formats.h"
#include "solidarity/alloc.h"
#include "solidarity/pattern.h"

/* formats.h (internal): name one inexpressible indicator in the report. */
void
sol__export_skip(struct sol_export_report *rep, struct sol_str id, struct sol_str name,
                 const char *why)
{
    rep->inexpressible++;
    if (rep->n_skipped >= SOL_EXPORT_NAMED)
        return;
    if (!rep->skipped) {
        rep->skipped = sol_calloc(SOL_EXPORT_NAMED, sizeof *rep->skipped);
        if (!rep->skipped)
            return;
    }
    struct sol_export_skip *k = &rep->skipped[rep->n_skipped++];
    snprintf(k->id, sizeof k->id, "%.*s", (int)id.n, id.p ? id.p : "");
    snprintf(k->name, sizeof k->name, "%.*s", (int)name.n, name.p ? name.p : "");
    snprintf(k->why, sizeof k->why, "%s", why);
}

static sol_time_t
time_member(const struct sol_json *obj, const char *key)
{
    struct sol_str s = sol_json_str(sol_json_get(obj, key));
    sol_time_t t = 0;
    if (!s.p || sol_time_parse(s.p, s.n, 0, &t, NULL, NULL) != 0)
        return 0;
    return t;
}

/* One indicator: live, parsed, its atoms accepted. */
static int
one_indicator(struct sol__walk *wk, const struct sol_json *obj, const struct sol_object_row *row,
              sol_time_t now)
{
    struct sol_export_report *rep = wk->rep;
    rep->indicators++;
    const struct sol_json *rv = sol_json_get(obj, "revoked");
    if (row->revoked || (sol_json_type(rv) == SOL_JSON_BOOL && rv->u.b)) {
        rep->revoked++;
        return 0;
    }
    sol_time_t until = time_member(obj, "valid_until");
    if (until && until <= now) {
        rep->expired++;
        return 0;
    }
    struct sol__indicator ind = {.obj = obj,
                                 .id = sol_json_str(sol_json_get(obj, "id")),
                                 .name = sol_json_str(sol_json_get(obj, "name")),
                                 .description = sol_json_str(sol_json_get(obj, "description")),
                                 .tlp = row->tlp,
                                 .confidence = -1,
                                 .valid_from = time_member(obj, "valid_from")};
    const struct sol_json *conf = sol_json_get(obj, "confidence");
    if (sol_json_type(conf) == SOL_JSON_INT)
        ind.confidence = (int)conf->u.i;
    struct sol_str pt = sol_json_str(sol_json_get(obj, "pattern_type"));
    struct sol_str pat = sol_json_str(sol_json_get(obj, "pattern"));
    if (!pat.p || (pt.p && !sol_str_eqc(pt, "stix"))) {
        sol__export_skip(rep, ind.id, ind.name, "the pattern is not a STIX pattern");
        return 0;
    }
    struct sol_pattern *p = NULL;
    unsigned ver = sol_str_eqc(sol_json_str(sol_json_get(obj, "spec_version")), "2.0") ? 20 : 21;
    struct sol_pattern_options po = {.stix_version = ver};
    int rc = sol_pattern_parse(pat.p, pat.n, &po, &p, NULL);
    if (rc == SOL_ENOMEM)
        return rc;
    if (rc != 0) {
        sol__export_skip(rep, ind.id, ind.name, "the pattern does not parse");
        return 0;
    }
    ind.pattern = p;
    struct sol_atom *atoms = NULL;
    size_t n = 0;
    const char *why = NULL;
    rc = sol_format_atoms(p, &atoms, &n, &why);
    if (rc == SOL_EUNSUPPORTED || (rc == 0 && n == 0)) {
        rc = 0;
        if (!why)
            why = "no value";
        if (wk->whole) {
            const char *why2 = NULL;
            rc = wk->whole(wk->ud, &ind, &why2);
            if (rc == 0 && !why2)
                rep->exported++;
            else if (rc == 0)
                sol__export_skip(rep, ind.id, ind.name, why2);
        } else {
            char msg[160];
            snprintf(msg, sizeof msg, "the pattern is not a list of values (%s)", why);
            sol__export_skip(rep, ind.id, ind.name, msg);
        }
        sol_pattern_free(p);
        return rc;
    }
    if (rc != 0) {
        sol_pattern_free(p);
        return rc;
    }
    bool all = true, selected = true;
    for (size_t i = 0; i < n && all; i++) {
        if (wk->o->only && !(wk->o->only & (1u << atoms[i].kind)))
            selected = false;
        else if (!wk->accept(wk->ud, &atoms[i], &why))
            all = false;
    }
    if (!selected && all) {
        rc = 0; /* not asked for: neither exported nor inexpressible */
    } else if (!all) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s", why ? why : "not expressible");
        sol__export_skip(rep, ind.id, ind.name, msg);
    } else {
        ind.atoms = atoms;
        ind.n_atoms = n;
        rc = wk->each(wk->ud, &ind);
        if (rc == 0)
            rep->exported++;
    }
    sol_free(atoms);
    sol_pattern_free(p);
    return rc;
}

/* formats.h (internal): walk the indicators (and other objects) a filter selects. */
int
sol__walk_indicators(struct sol__walk *wk, struct sol_error *err)
{
    struct sol_object_filter f = *wk->f;
    static const char *const indicator_only[] = {"indicator"};
    if (!wk->other && !f.n_types) {
        f.types = indicator_only;
        f.n_types = 1;
    }
    f.limit = 0;
    f.skip_json = false;
    sol_time_t now = wk->o && wk->o->now ? wk->o->now : sol_time_now();
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    if (!doc)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    struct sol_store_cursor *cur = NULL;
    int rc = sol_store_objects_query(wk->s, &f, &cur);
    if (rc != 0) {
        sol_json_doc_free(doc);
        return sol_error_set(err, rc, "%s", sol_store_errmsg(wk->s));
    }
    struct sol_object_row row;
    while ((rc = sol_store_cursor_next(cur, &row)) == 0) {
        wk->rep->objects++;
        const struct sol_json *obj;
        if (sol_json_parse(doc, row.json.p, row.json.n, &obj, NULL) != 0)
            continue; /* the store holds only JSON it parsed; nothing to do for a bug */
        if (sol_str_eqc(row.type, "indicator"))
            rc = one_indicator(wk, obj, &row, now);
        else if (wk->other)
            rc = wk->other(wk->ud, obj, &row);
        if (rc != 0)
            break;
    }
    if (rc == SOL_EEOF)
        rc = 0;
    else if (rc < 0 && err && !err->msg[0])
        sol_error_set(err, rc, "%s", rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(wk->s));
    sol_store_cursor_close(cur);
    sol_json_doc_free(doc);
    return rc;
}

/* formats.h: run a format's writer. */
int
sol_format_export(const struct sol_format *fmt, struct sol_store *s,
                  const struct sol_object_filter *f, const struct sol_export_options *o,
                  const struct sol_export_sink *out, struct sol_export_report *rep,
                  struct sol_error *err)
{
    memset(rep, 0, sizeof *rep);
    sol_error_clear(err);
    if (!fmt->write)
        return sol_error_set(err, SOL_EUNSUPPORTED, "the format '%s' cannot be exported",
                             fmt->name);
    struct sol_export_options defaults = {0};
    if (!o)
        o = &defaults;
    int rc = fmt->write(s, f, o, out, rep, err);
    if (rc != 0 && err && !err->msg[0])
        sol_error_set(err, rc, "%s", sol_strerror(rc));
    return rc;
}

static uint64_t
fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* formats.h (internal): add to a string set (open addressing, kept under 3/4 full). */
int
sol__strset_add(struct sol__strset *set, const char *s, size_t n)
{
    if ((set->n + 1) * 4 >= set->cap * 3) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        char **slot = sol_calloc(cap, sizeof *slot);
        if (!slot)
            return SOL_ENOMEM;
        for (size_t i = 0; i < set->cap; i++) {
            char *e = set->slot[i];
            if (!e)
                continue;
            size_t len = strlen(e);
            size_t j = fnv1a(e, len) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = e;
        }
        sol_free(set->slot);
        set->slot = slot;
        set->cap = cap;
    }
    size_t j = fnv1a(s, n) & (set->cap - 1);
    while (set->slot[j]) {
        if (strlen(set->slot[j]) == n && memcmp(set->slot[j], s, n) == 0)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    char *copy = sol_malloc(n + 1);
    if (!copy)
        return SOL_ENOMEM;
    memcpy(copy, s, n);
    copy[n] = 0;
    set->slot[j] = copy;
    set->n++;
    return 1;
}

bool
sol__strset_has(const struct sol__strset *set, const char *s, size_t n)
{
    if (!set->cap)
        return false;
    for (size_t j = fnv1a(s, n) & (set->cap - 1); set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (strlen(set->slot[j]) == n && memcmp(set->slot[j], s, n) == 0)
            return true;
    return false;
}

void
sol__strset_free(struct sol__strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        sol_free(set->slot[i]);
    sol_free(set->slot);
    memset(set, 0, sizeof *set);
}
