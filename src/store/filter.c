/*
 * filter.c — the one builder of the SQL that selects object versions: the visibility rule
 * (TLP, TLP:RED recipients) and the TAXII filters of struct sol_object_filter, for every
 * backend, written through its dialect (store.h: struct sol__sql_dialect).
 *
 * The rule is access.c's sol_access_may_see() said in SQL: a version exists for the asker
 * when its tlp is at most their clearance, and, when it is TLP:RED, their partner's
 * identity is one of its red_recipients. tests/pg/test_policy_agreement.c holds the
 * two to the same answer on every clearance, marking and recipient list, on every store.
 *
 * Values go in as numbered parameters, so that one used in several places (the
 * collection, added_after, the policy) is bound once and the text of a query depends only
 * on the shape of its filter (the statement caches reuse its plan).
 */
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/stix.h"
#include "store/store.h"

/* The next parameter: its number (1...), or 1 when out of memory (b->oom set). */
static int
param(struct sol__query *b, struct sol__value v)
{
    if (b->n_params == b->cap_params) {
        int ncap = b->cap_params ? b->cap_params * 2 : 16;
        struct sol__value *np = sol_realloc(b->params, (size_t)ncap * sizeof *np);
        if (!np) {
            b->oom = true;
            return 1;
        }
        b->params = np;
        b->cap_params = ncap;
    }
    if (v.type == SOL__TEXT) { /* a cursor outlives the caller's filter: keep a copy */
        char *copy = sol_strndup(v.p, v.n);
        if (!copy) {
            b->oom = true;
            return 1;
        }
        v.p = copy;
    }
    b->params[b->n_params] = v;
    return ++b->n_params;
}

static int
param_int(struct sol__query *b, int64_t i)
{
    return param(b, (struct sol__value){.type = SOL__INT, .i = i});
}

static int
param_text(struct sol__query *b, const char *s)
{
    s = s ? s : "";
    return param(b, (struct sol__value){.type = SOL__TEXT, .p = s, .n = strlen(s)});
}

/* Parameter number k as the dialect writes it: ?k or $k. */
static void
put_param(struct sol__query *b, int k)
{
    sol_buf_printf(&b->sql, "%c%d", b->d->param, k);
}

/* " AND a.col IN (p, ...)" over a list of strings; returns the first parameter's number. */
static int
in_list(struct sol__query *b, const char *alias, const char *col, const char *const *v, size_t n)
{
    int first = b->n_params + 1;
    sol_buf_printf(&b->sql, " AND %s.%s IN (", alias, col);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sol_buf_puts(&b->sql, ", ");
        put_param(b, param_text(b, v[i]));
    }
    sol_buf_puts(&b->sql, ")");
    return first;
}

/* The parameters every evaluation of a row shares (0: not used). */
struct shared_params {
    int collection, added_after, max_tlp, asker;
};

static void policy_predicate(struct sol__query *b, const struct sol_object_filter *f,
                             const struct shared_params *p, const char *a);

/*
 * Step 1 of store.h's evaluation for the rows of alias a: the collection, added_after and
 * the policy (access.h "Policy"). o is the outer query's alias; the others are
 * correlated subqueries over the same collection.
 */
static void
base_predicate(struct sol__query *b, const struct sol_object_filter *f,
               const struct shared_params *p, const char *a)
{
    const struct sol__sql_dialect *d = b->d;
    bool outer = strcmp(a, "o") == 0;
    sol_buf_printf(&b->sql, "%s.collection = ", a);
    put_param(b, p->collection);
    /*
     * In the correlated subqueries the unary plus keeps SQLite from choosing the
     * date_added index over (collection, id, version): with it, every row rescanned the
     * rest of the collection and an added_after page took seconds at 1e5 objects.
     */
    if (f->has_added_after) {
        sol_buf_printf(&b->sql, " AND %s%s.date_added > ", !outer && d->index_hints ? "+" : "", a);
        put_param(b, p->added_after);
    }
    policy_predicate(b, f, p, a);
}

/*
 * The policy for the row of alias a: its TLP and TLP:RED recipients (access.h "Policy"),
 * levels printed from enum sol_tlp. None for the node's own checks
 * (unrestricted, store.h).
 */
static void
policy_predicate(struct sol__query *b, const struct sol_object_filter *f,
                 const struct shared_params *p, const char *a)
{
    const struct sol__sql_dialect *d = b->d;
    if (f->unrestricted)
        return;
    /* Above the asker's clearance, a version does not exist for them. */
    if (!p->max_tlp) {
        sol_buf_printf(&b->sql, " AND %s", d->false_sql);
    } else {
        sol_buf_printf(&b->sql, " AND %s.tlp <= ", a);
        put_param(b, p->max_tlp);
    }
    /* TLP:RED only to the partners named on the version, whole items of the list. */
    sol_buf_printf(&b->sql, " AND (%s.tlp < %d", a, (int)SOL_TLP_RED);
    if (p->asker) {
        sol_buf_printf(&b->sql, " OR %s(',' || %s.red_recipients || ',', ", d->strpos, a);
        put_param(b, p->asker);
        sol_buf_puts(&b->sql, ") > 0");
    }
    sol_buf_puts(&b->sql, ")");
}

/*
 * access.h "Policy": an object whose latest version (the highest version, then
 * spec_version) the asker may not see does not exist for them: no older version of it
 * is served. Where the latest flag is kept, only ids whose versions differ in visibility
 * (latest = 2, schema/003_latest.sql) need the lookup: for the others, whoever sees one
 * version sees the latest.
 */
static void
latest_visible(struct sol__query *b, const struct sol_object_filter *f,
               const struct shared_params *p)
{
    const struct sol__sql_dialect *d = b->d;
    if (f->unrestricted || !p->max_tlp)
        return;
    sol_buf_printf(&b->sql, " AND (%s(SELECT %s", d->latest_flag ? "o.latest < 2 OR " : "",
                   d->true_sql);
    policy_predicate(b, f, p, "h");
    sol_buf_printf(&b->sql,
                   " FROM objects h%s WHERE h.collection = o.collection AND h.id = o.id "
                   "ORDER BY h.version DESC, h.spec_version DESC LIMIT 1))",
                   d->index_hints ? " INDEXED BY objects_version" : "");
}

/*
 * Whether an asker's identity can be looked for among the recipients: an item of the
 * comma-separated list is never empty and holds no comma, so neither can match (and
 * access.c's listed() agrees: it never matches them either).
 */
static bool
searchable_identity(const char *id)
{
    return id && *id && !strchr(id, ',');
}

/* The WHERE clause of store.h's steps 1 to 4 over "objects o". */
static void
build_where(struct sol__query *b, const struct sol_object_filter *f, int64_t collection_key,
            enum sol__filter_use use)
{
    const struct sol__sql_dialect *d = b->d;
    bool with_cursor = use == SOL__FILTER_QUERY;
    struct shared_params p = {0};
    p.collection = param_int(b, collection_key);
    if (f->has_added_after)
        p.added_after = param_int(b, f->added_after);
    /* Without a clearance nothing is visible, and unrestricted has no policy: the
     * parameters would not be used. */
    if (f->max_tlp > 0 && !f->unrestricted)
        p.max_tlp = param_int(b, f->max_tlp);
    if (searchable_identity(f->asker_identity) && !f->unrestricted) {
        size_t n = strlen(f->asker_identity);
        char *asker = sol_malloc(n + 3);
        if (!asker) {
            b->oom = true;
            return;
        }
        asker[0] = ',';
        memcpy(asker + 1, f->asker_identity, n);
        asker[n + 1] = ',';
        asker[n + 2] = 0;
        p.asker = param_text(b, asker);
        sol_free(asker);
    }

    sol_buf_puts(&b->sql, " WHERE ");
    base_predicate(b, f, &p, "o");
    latest_visible(b, f, &p);
    if (f->n_types)
        in_list(b, "o", "type", f->types, f->n_types);
    if (f->n_ids)
        in_list(b, "o", "id", f->ids, f->n_ids);

    unsigned vm = f->version_match;
    if (!vm && !f->n_versions)
        vm = with_cursor ? SOL_VERSION_LAST : SOL_VERSION_ALL; /* a bare DELETE purges */
    /*
     * The default filter reads the maintained flag (schema/003_latest.sql): a row with
     * latest = 1 is its id's answer for anyone who sees it, latest = 0 never is, and
     * only the rows of ids whose versions differ in visibility (latest = 2) go through
     * the full evaluation below. Not with added_after: the answer among the versions
     * added after a time may be a version that is not the id's latest.
     */
    bool use_latest = d->latest_flag && with_cursor && !f->n_spec_versions &&
                      vm == SOL_VERSION_LAST && !f->n_versions && !f->has_added_after;
    if (use_latest)
        sol_buf_printf(&b->sql, " AND o.latest > 0 AND (o.latest = 1 OR (%s", d->true_sql);

    /* Step 2: match[spec_version], or the highest spec_version per object id. */
    int spec_first = 0, n_spec = (int)f->n_spec_versions;
    if (n_spec) {
        spec_first = in_list(b, "o", "spec_version", f->spec_versions, f->n_spec_versions);
    } else {
        sol_buf_puts(&b->sql, " AND o.spec_version = (SELECT max(x.spec_version) FROM objects x "
                              "WHERE x.id = o.id AND ");
        base_predicate(b, f, &p, "x");
        sol_buf_puts(&b->sql, ")");
    }

    /* Step 3: match[version] per object id among what remains. */
    if (!(vm & SOL_VERSION_ALL)) {
        sol_buf_printf(&b->sql, " AND (%s", d->false_sql);
        for (int k = 0; k < 2; k++) {
            unsigned bit = k == 0 ? SOL_VERSION_LAST : SOL_VERSION_FIRST;
            if (!(vm & bit))
                continue;
            sol_buf_printf(&b->sql,
                           " OR NOT EXISTS (SELECT 1 FROM objects y WHERE y.id = o.id "
                           "AND y.version %s o.version AND ",
                           bit == SOL_VERSION_LAST ? ">" : "<");
            base_predicate(b, f, &p, "y");
            if (n_spec) {
                sol_buf_puts(&b->sql, " AND y.spec_version IN (");
                for (int i = 0; i < n_spec; i++) {
                    if (i)
                        sol_buf_puts(&b->sql, ", ");
                    put_param(b, spec_first + i);
                }
                sol_buf_puts(&b->sql, ")");
            } else {
                sol_buf_puts(&b->sql, " AND y.spec_version = o.spec_version");
            }
            sol_buf_puts(&b->sql, ")");
        }
        if (f->n_versions) {
            sol_buf_puts(&b->sql, " OR o.version IN (");
            for (size_t i = 0; i < f->n_versions; i++) {
                if (i)
                    sol_buf_puts(&b->sql, ", ");
                put_param(b, param_int(b, f->versions[i]));
            }
            sol_buf_puts(&b->sql, ")");
        }
        sol_buf_puts(&b->sql, ")");
    }
    if (use_latest)
        sol_buf_puts(&b->sql, "))");

    /*
     * Step 4: the keyset cursor, rows strictly after (after_date_added, after_seq). A
     * dialect that reads in chunks always has it: each chunk starts after the last row of
     * the one before (INT64_MIN before the first). The first term bounds the index range;
     * the second breaks ties by seq.
     */
    if (with_cursor && (f->has_after || d->chunk)) {
        b->p_after_date_added = param_int(b, f->has_after ? f->after_date_added : INT64_MIN);
        b->p_after_seq = param_int(b, f->has_after ? f->after_seq : INT64_MIN);
        sol_buf_puts(&b->sql, " AND o.date_added >= ");
        put_param(b, b->p_after_date_added);
        sol_buf_puts(&b->sql, " AND (o.date_added > ");
        put_param(b, b->p_after_date_added);
        sol_buf_puts(&b->sql, " OR o.seq > ");
        put_param(b, b->p_after_seq);
        sol_buf_puts(&b->sql, ")");
    }
}

/* store.h: the SQL of a filter for a dialect. */
int
sol__filter_sql(const struct sol__sql_dialect *d, const struct sol_object_filter *f,
                int64_t collection_key, enum sol__filter_use use, struct sol__query *out)
{
    memset(out, 0, sizeof *out);
    out->d = d;
    sol_buf_init(&out->sql);
    /* By id: a few rows, sorted after; else walk date_added in order. */
    const char *hint = d->index_hints && (f->n_ids || use == SOL__FILTER_DELETE)
                           ? " INDEXED BY objects_version"
                           : "";
    if (use == SOL__FILTER_QUERY)
        sol_buf_printf(&out->sql,
                       "SELECT o.seq, o.date_added, o.id, o.type, o.spec_version, o.version, "
                       "o.tlp, o.red_recipients, o.revoked, o.origin, %s FROM objects o%s",
                       f->skip_json ? "NULL" : "o.json", hint);
    else
        sol_buf_printf(&out->sql, "DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects o%s",
                       hint);
    build_where(out, f, collection_key, use);
    if (use == SOL__FILTER_QUERY) {
        /*
         * Step 5. date_added is unique per collection (objects_added), so ordering by it
         * alone is the (date_added, seq) order, and lets the index walk the collection in
         * order and stop at the limit. A dialect that reads in chunks asks for the chunk
         * (or what is left of the limit) as a parameter, changed between chunks.
         */
        sol_buf_puts(&out->sql, " ORDER BY o.date_added");
        if (d->chunk) {
            size_t want = f->limit && f->limit < d->chunk ? f->limit : d->chunk;
            out->p_limit = param_int(out, (int64_t)want);
            sol_buf_puts(&out->sql, " LIMIT ");
            put_param(out, out->p_limit);
        } else if (f->limit) {
            sol_buf_printf(&out->sql, " LIMIT %zu", f->limit);
        }
    } else {
        sol_buf_puts(&out->sql, ")");
    }
    if (out->oom || out->sql.oom) {
        sol__query_free(out);
        return SOL_ENOMEM;
    }
    return 0;
}

/* store.h: release a built query. */
void
sol__query_free(struct sol__query *b)
{
    sol_buf_free(&b->sql);
    for (int i = 0; i < b->n_params; i++)
        if (b->params[i].type == SOL__TEXT)
            sol_free((void *)(uintptr_t)b->params[i].p);
    sol_free(b->params);
    memset(b, 0, sizeof *b);
}
