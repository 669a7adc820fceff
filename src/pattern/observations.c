/*
 * observations.c — observations for the evaluator, built from STIX JSON: observed-data
 * with embedded "objects" (STIX 2.0, deprecated in 2.1) or "object_refs" to SCOs found
 * anywhere in the files added (STIX 2.1 §4.14). Each observed-data must first pass the
 * validator's observation checks (sol_stix_validate_observation()), so that what
 * `validate` refuses is refused here with the same words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern/pattern.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"

struct indexed {
    struct sol_str id;
    const struct sol_json *obj;
};

struct pending {
    const struct sol_json *obj;
    char path[128];
};

struct sol_observation_set {
    struct indexed *index;
    size_t nindex, capindex;
    struct pending *pending;
    size_t npending, cappending;
    struct sol_observation *items;
    size_t nitems;
    struct sol_observation_object **objects; /* one array per item */
    size_t files;
    bool finished;
    int finish_rc; /* the result of the one finish; repeated calls return it */
};

static int
cmp_key(struct sol_str a, struct sol_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

static int
cmp_obj(const void *a, const void *b)
{
    return cmp_key(((const struct sol_observation_object *)a)->key,
                   ((const struct sol_observation_object *)b)->key);
}

static int
cmp_indexed(const void *a, const void *b)
{
    return cmp_key(((const struct indexed *)a)->id, ((const struct indexed *)b)->id);
}

void
sol_observation_sort_objects(struct sol_observation_object *objects, size_t n)
{
    if (n > 1)
        qsort(objects, n, sizeof *objects, cmp_obj);
}

struct sol_observation_set *
sol_observation_set_new(void)
{
    return sol_calloc(1, sizeof(struct sol_observation_set));
}

void
sol_observation_set_free(struct sol_observation_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nitems; i++)
        sol_free(s->objects[i]);
    sol_free(s->objects);
    sol_free(s->items);
    sol_free(s->index);
    sol_free(s->pending);
    sol_free(s);
}

/* The first error the validator finds in the observed-data od, as err. */
static int
check_observed_data(const struct sol_json *od, unsigned version, const char *path,
                    struct sol_error *err)
{
    struct sol_stix_options opt = {.version = version};
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_observation(od, &opt, path, &rep);
    if (rc == 1) {
        for (size_t i = 0; i < rep.n; i++) {
            if (rep.v[i].severity != SOL_STIX_ERROR)
                continue;
            rc = sol_error_set(err, SOL_EINVALID, "%s", rep.v[i].msg);
            if (err)
                snprintf(err->path, sizeof err->path, "%s", rep.v[i].path);
            break;
        }
    } else if (rc < 0) {
        rc = sol_error_set(err, rc, "out of memory");
    }
    sol_stix_report_free(&rep);
    return rc;
}

static int
add_object(struct sol_observation_set *s, const struct sol_json *o, const char *path,
           unsigned version, struct sol_error *err)
{
    if (sol_json_type(o) != SOL_JSON_OBJECT)
        return 0;
    const struct sol_json *id = sol_json_get(o, "id");
    if (sol_json_is_string(id)) {
        if (s->nindex == s->capindex) {
            size_t cap = s->capindex ? s->capindex * 2 : 64;
            struct indexed *v = sol_realloc(s->index, cap * sizeof *v);
            if (!v)
                return sol_error_set(err, SOL_ENOMEM, "out of memory");
            s->index = v;
            s->capindex = cap;
        }
        s->index[s->nindex].id = sol_json_str(id);
        s->index[s->nindex].obj = o;
        s->nindex++;
    }
    if (sol_str_eqc(sol_json_str(sol_json_get(o, "type")), "observed-data")) {
        int rc = check_observed_data(o, version, path, err);
        if (rc)
            return rc;
        if (s->npending == s->cappending) {
            size_t cap = s->cappending ? s->cappending * 2 : 16;
            struct pending *v = sol_realloc(s->pending, cap * sizeof *v);
            if (!v)
                return sol_error_set(err, SOL_ENOMEM, "out of memory");
            s->pending = v;
            s->cappending = cap;
        }
        s->pending[s->npending].obj = o;
        snprintf(s->pending[s->npending].path, sizeof s->pending[s->npending].path, "%s", path);
        s->npending++;
    }
    return 0;
}

/* Add a bundle, an array or one object; bundles and arrays may nest a few levels. */
static int
add_value(struct sol_observation_set *s, const struct sol_json *v, const char *prefix,
          unsigned depth, unsigned version, struct sol_error *err)
{
    const struct sol_json *list = v;
    char where[64];
    snprintf(where, sizeof where, "%s", prefix);
    if (sol_json_type(v) == SOL_JSON_OBJECT) {
        if (!sol_str_eqc(sol_json_str(sol_json_get(v, "type")), "bundle"))
            return add_object(s, v, prefix, version, err);
        list = sol_json_get(v, "objects");
        snprintf(where, sizeof where, "%s%sobjects", prefix, *prefix ? "." : "");
        if (!list)
            return 0;
    }
    if (sol_json_type(list) != SOL_JSON_ARRAY || depth > 4) {
        int rc = sol_error_set(err, SOL_EINVALID,
                               "expected a bundle, an array of STIX objects or an observed-data "
                               "object");
        if (err)
            snprintf(err->path, sizeof err->path, "%s", where);
        return rc;
    }
    struct sol_json_iter it;
    const struct sol_json *el;
    sol_json_iter_init(&it, list);
    size_t i = 0;
    while (sol_json_iter_next(&it, NULL, &el)) {
        char path[128];
        snprintf(path, sizeof path, "%s[%zu]", where, i++);
        int rc = sol_json_type(el) == SOL_JSON_ARRAY ||
                         (sol_json_type(el) == SOL_JSON_OBJECT &&
                          sol_str_eqc(sol_json_str(sol_json_get(el, "type")), "bundle"))
                     ? add_value(s, el, path, depth + 1, version, err)
                     : add_object(s, el, path, version, err);
        if (rc)
            return rc;
    }
    return 0;
}

int
sol_observation_set_add_json(struct sol_observation_set *s, const struct sol_json *root,
                             struct sol_error *err)
{
    if (s->finished)
        return sol_error_set(err, SOL_EINVAL, "the observation set is already finished");
    s->files++;
    /* The version as `validate` would read the document (stix.h). */
    return add_value(s, root, "", 0, sol_stix_detect_version(root), err);
}

static const struct sol_json *
lookup(const struct sol_observation_set *s, struct sol_str id)
{
    size_t lo = 0, hi = s->nindex;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(s->index[mid].id, id);
        if (c == 0)
            return s->index[mid].obj;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int
bad(struct sol_error *err, const char *path, const char *msg)
{
    int rc = sol_error_set(err, SOL_EINVALID, "%s", msg);
    if (err)
        snprintf(err->path, sizeof err->path, "%s", path);
    return rc;
}

static int
time_of(const struct sol_json *o, const char *key, sol_time_t *t, const char *path,
        struct sol_error *err)
{
    const struct sol_json *v = sol_json_get(o, key);
    char msg[120];
    if (!sol_json_is_string(v) || sol_time_parse(v->u.s, v->n, 0, t, NULL, NULL)) {
        snprintf(msg, sizeof msg, "observed-data needs %s as an RFC 3339 timestamp", key);
        return bad(err, path, msg);
    }
    return 0;
}

/* Index the ids, then build one observation per observed-data added. */
static int
finish(struct sol_observation_set *s, struct sol_error *err)
{
    if (s->nindex > 1)
        qsort(s->index, s->nindex, sizeof *s->index, cmp_indexed);
    s->items = sol_calloc(s->npending ? s->npending : 1, sizeof *s->items);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    s->objects = sol_calloc(s->npending ? s->npending : 1, sizeof *s->objects);
    if (!s->items || !s->objects)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->npending; i++) {
        const struct sol_json *od = s->pending[i].obj;
        const char *path = s->pending[i].path;
        struct sol_observation *o = &s->items[s->nitems];
        o->id = sol_json_str(sol_json_get(od, "id"));
        if (!o->id.p)
            o->id = SOL_STR("");
        int rc = time_of(od, "first_observed", &o->first_observed, path, err);
        if (!rc)
            rc = time_of(od, "last_observed", &o->last_observed, path, err);
        if (rc)
            return rc;
        if (o->last_observed < o->first_observed)
            return bad(err, path, "observed-data has last_observed before first_observed");
        const struct sol_json *no = sol_json_get(od, "number_observed");
        if (!no)
            o->number_observed = 1;
        else if (no->type == SOL_JSON_INT && no->u.i >= 1)
            o->number_observed = (uint64_t)no->u.i;
        else
            return bad(err, path, "observed-data needs number_observed as an integer >= 1");
        const struct sol_json *objs = sol_json_get(od, "objects");
        const struct sol_json *refs = sol_json_get(od, "object_refs");
        const struct sol_json *src = objs ? objs : refs;
        size_t cap = src ? src->n : 0;
        struct sol_observation_object *arr = sol_calloc(cap ? cap : 1, sizeof *arr);
        if (!arr)
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        s->objects[s->nitems] = arr;
        s->nitems++;
        size_t m = 0;
        struct sol_json_iter it;
        struct sol_str key;
        const struct sol_json *v;
        if (objs && objs->type == SOL_JSON_OBJECT) {
            sol_json_iter_init(&it, objs);
            while (sol_json_iter_next(&it, &key, &v)) {
                if (v->type != SOL_JSON_OBJECT)
                    continue;
                arr[m].key = key;
                arr[m].value = v;
                m++;
            }
        } else if (refs && refs->type == SOL_JSON_ARRAY) {
            sol_json_iter_init(&it, refs);
            while (sol_json_iter_next(&it, NULL, &v)) {
                if (!sol_json_is_string(v))
                    continue;
                const struct sol_json *target = lookup(s, sol_json_str(v));
                if (!target)
                    continue; /* §9.7.4: an object not found is not present */
                arr[m].key = sol_json_str(v);
                arr[m].value = target;
                m++;
            }
        }
        sol_observation_sort_objects(arr, m);
        o->objects = arr;
        o->nobjects = m;
    }
    return 0;
}

int
sol_observation_set_finish(struct sol_observation_set *s, struct sol_error *err)
{
    if (s->finished)
        return s->finish_rc
                   ? sol_error_set(err, s->finish_rc, "the observation set failed to build")
                   : 0;
    s->finished = true;
    s->finish_rc = finish(s, err);
    return s->finish_rc;
}

const struct sol_observation *
sol_observation_set_items(const struct sol_observation_set *s, size_t *n)
{
    *n = s->nitems;
    return s->items;
}
