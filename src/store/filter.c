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
#include <stdarg.h>
#include <stddef.h>
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

/*
 * Append the strings given, up to a NULL, to the query's text. (Every page a client asks
 * for is built: plain appends, not printf.)
 */
static void
cat(struct sol__query *b, ...)
{
    va_list ap;
    va_start(ap, b);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        sol_buf_puts(&b->sql, s);
    va_end(ap);
}
#define CAT(b, ...) cat((b), __VA_ARGS__, (const char *)NULL)

/* Append a number in decimal. */
static void
put_number(struct sol_buf *buf, long long v)
{
    char digits[24], *p = digits + sizeof digits;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    *--p = 0;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    sol_buf_puts(buf, p);
}

/* Parameter number k as the dialect writes it: ?k or $k. */
static void
put_param(struct sol__query *b, int k)
{
    sol_buf_putc(&b->sql, b->d->param);
    put_number(&b->sql, k);
}

/* " AND a.col IN (p, ...)" over a list of strings; returns the first parameter's number. */
static int
in_list(struct sol__query *b, const char *alias, const char *col, const char *const *v, size_t n)
{
    int first = b->n_params + 1;
    CAT(b, " AND ", alias, ".", col, " IN (");
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
    CAT(b, a, ".collection = ");
    put_param(b, p->collection);
    /*
     * In the correlated subqueries the unary plus keeps SQLite from choosing the
     * date_added index over (collection, id, version): with it, every row rescanned the
     * rest of the collection and an added_after page took seconds at 1e5 objects.
     */
    if (f->has_added_after) {
        CAT(b, " AND ", !outer && d->index_hints ? "+" : "", a, ".date_added > ");
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
        CAT(b, " AND ", d->false_sql);
    } else {
        CAT(b, " AND ", a, ".tlp <= ");
        put_param(b, p->max_tlp);
    }
    /* TLP:RED only to the partners named on the version, whole items of the list. */
    CAT(b, " AND (", a, ".tlp < ");
    put_number(&b->sql, SOL_TLP_RED);
    if (p->asker) {
        CAT(b, " OR ", d->strpos, "(',' || ", a, ".red_recipients || ',', ");
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
    CAT(b, " AND (", d->latest_flag ? "o.latest < 2 OR " : "", "(SELECT ", d->true_sql);
    policy_predicate(b, f, p, "h");
    CAT(b, " FROM objects h", d->index_hints ? " INDEXED BY objects_version" : "",
        " WHERE h.collection = o.collection AND h.id = o.id "
        "ORDER BY h.version DESC, h.spec_version DESC LIMIT 1))");
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
        CAT(b, " AND o.latest > 0 AND (o.latest = 1 OR (", d->true_sql);

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
        CAT(b, " AND (", d->false_sql);
        for (int k = 0; k < 2; k++) {
            unsigned bit = k == 0 ? SOL_VERSION_LAST : SOL_VERSION_FIRST;
            if (!(vm & bit))
                continue;
            CAT(b, " OR NOT EXISTS (SELECT 1 FROM objects y WHERE y.id = o.id AND y.version ",
                bit == SOL_VERSION_LAST ? ">" : "<", " o.version AND ");
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
        CAT(out,
            "SELECT o.seq, o.date_added, o.id, o.type, o.spec_version, o.version, o.tlp, "
            "o.red_recipients, o.revoked, o.origin, ",
            f->skip_json ? "NULL" : "o.json", " FROM objects o", hint);
    else
        CAT(out, "DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects o", hint);
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
            sol_buf_puts(&out->sql, " LIMIT ");
            put_number(&out->sql, f->limit > (size_t)INT64_MAX ? INT64_MAX : (long long)f->limit);
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

/* The key of a collection by id; -1 when there is none (its filters match nothing). */
static int
collection_key(struct sol_store *s, const char *id, int64_t *key)
{
    int rc =
        sol__sql_int(s, "SELECT key FROM collections WHERE id = ?1", SOL__ARGS(sol__text(id)), key);
    if (rc == SOL_ENOTFOUND) {
        *key = -1;
        rc = 0;
    }
    return rc;
}

/*
 * A query cursor: one statement, read row by row. A dialect that reads in chunks (whose
 * driver holds a statement's rows in memory) runs it again for the next chunk, after the
 * last row handed out: the keyset cursor, so constant memory, and no transaction held
 * open however long the caller takes; rows committed meanwhile with larger keys may
 * appear, never rows before.
 */
struct sol_store_cursor {
    struct sol_store *s;
    struct sol__query q;
    struct sol__stmt *st;
    size_t limit, handed; /* limit 0: none */
    size_t want, in_chunk;
    int64_t last_date_added, last_seq;
    bool done;
};

/* store.h: start a query. */
int
sol_store_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                        struct sol_store_cursor **out)
{
    if (out)
        *out = NULL;
    if (!s || !f || !f->collection || !out)
        return SOL_EINVAL;
    const struct sol__sql_dialect *d = s->ops->dialect;
    int64_t key;
    int rc = collection_key(s, f->collection, &key);
    if (rc != 0)
        return rc;
    struct sol_store_cursor *c = sol_calloc(1, sizeof *c);
    if (!c)
        return sol__store_fail(s, SOL_ENOMEM, "out of memory");
    c->s = s;
    c->limit = f->limit;
    rc = sol__filter_sql(d, f, key, SOL__FILTER_QUERY, &c->q);
    if (rc != 0) {
        sol_free(c);
        return sol__store_fail(s, rc, "out of memory");
    }
    if (c->q.p_limit)
        c->want = (size_t)c->q.params[c->q.p_limit - 1].i;
    rc = s->ops->prepare(s, c->q.sql.p, 0, &c->st);
    if (rc == 0)
        rc = sol__sql_bind_all(s, c->st, c->q.params, c->q.n_params);
    if (rc != 0) {
        sol_store_cursor_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* The statement again, for the next chunk after the last row handed out. */
static int
next_chunk(struct sol_store_cursor *c)
{
    size_t want = c->s->ops->dialect->chunk;
    if (c->limit && c->limit - c->handed < want)
        want = c->limit - c->handed;
    c->q.params[c->q.p_limit - 1].i = (int64_t)want;
    c->q.params[c->q.p_after_date_added - 1].i = c->last_date_added;
    c->q.params[c->q.p_after_seq - 1].i = c->last_seq;
    c->want = want;
    c->in_chunk = 0;
    c->s->ops->reset(c->st);
    return sol__sql_bind_all(c->s, c->st, c->q.params, c->q.n_params);
}

/* Where the columns of a query's rows (sol__filter_sql()'s select list) go in a row. */
#define OBJECT_FIELD(kind, field)                                                                  \
    {                                                                                              \
        SOL__F_##kind, offsetof(struct sol_object_row, field)                                      \
    }
static const struct sol__field object_fields[] = {
    OBJECT_FIELD(I64, seq),          OBJECT_FIELD(I64, date_added),
    OBJECT_FIELD(STR, id),           OBJECT_FIELD(STR, type),
    OBJECT_FIELD(STR, spec_version), OBJECT_FIELD(I64, version),
    OBJECT_FIELD(INT, tlp),          OBJECT_FIELD(STR, tlp_red_recipients),
    OBJECT_FIELD(BOOL, revoked),     OBJECT_FIELD(STR, origin),
    OBJECT_FIELD(STR, json),
};
#undef OBJECT_FIELD

/* store.h: the next row. */
int
sol_store_cursor_next(struct sol_store_cursor *c, struct sol_object_row *row)
{
    if (!c || !row)
        return SOL_EINVAL;
    if (c->done)
        return SOL_EEOF;
    if (c->limit && c->handed >= c->limit) {
        c->done = true;
        return SOL_EEOF;
    }
    for (;;) {
        int rc = c->s->ops->step(c->st);
        if (rc == SOL__ROW)
            break;
        /* The end of a full chunk is not the end of the rows. */
        if (rc == SOL__DONE && c->q.p_limit && c->in_chunk == c->want && c->want)
            rc = next_chunk(c);
        else if (rc == SOL__DONE)
            rc = SOL_EEOF;
        if (rc != 0) {
            c->done = true;
            return rc;
        }
    }
    /* Every field of the row is a column of the query. */
    c->s->ops->columns(c->st, 0, (int)(sizeof object_fields / sizeof object_fields[0]),
                       object_fields, row);
    c->in_chunk++;
    c->handed++;
    c->last_date_added = row->date_added;
    c->last_seq = row->seq;
    return 0;
}

/* store.h: close a cursor; NULL does nothing. */
void
sol_store_cursor_close(struct sol_store_cursor *c)
{
    if (!c)
        return;
    if (c->st)
        c->s->ops->finish(c->st);
    sol__query_free(&c->q);
    sol_free(c);
}

/*
 * An id whose flagged version went: the highest version left takes the flag
 * (schema/003_latest.sql), unless a row of the id still has it.
 */
static const char *const relatch_sql[2] = {
    "UPDATE objects SET latest = 1 WHERE seq = (SELECT seq FROM objects INDEXED BY "
    "objects_version WHERE collection = ?1 AND id = ?2 ORDER BY spec_version DESC, version DESC "
    "LIMIT 1) AND NOT EXISTS (SELECT 1 FROM objects INDEXED BY objects_version WHERE "
    "collection = ?1 AND id = ?2 AND latest > 0)",
    "UPDATE objects SET latest = 1 WHERE seq = (SELECT seq FROM objects WHERE collection = ?1 "
    "AND id = ?2 ORDER BY spec_version DESC, version DESC LIMIT 1) AND NOT EXISTS (SELECT 1 "
    "FROM objects WHERE collection = ?1 AND id = ?2 AND latest > 0)",
};

/* store.h: delete what a filter selects. */
int
sol_store_objects_delete(struct sol_store *s, const struct sol_object_filter *f, size_t *deleted)
{
    if (deleted)
        *deleted = 0;
    if (!s || !f || !f->collection || !f->n_ids)
        return SOL_EINVAL;
    const struct sol__sql_dialect *d = s->ops->dialect;
    int64_t key;
    struct sol__query b;
    int rc = collection_key(s, f->collection, &key);
    if (rc != 0)
        return rc;
    if ((rc = sol__filter_sql(d, f, key, SOL__FILTER_DELETE, &b)) != 0)
        return sol__store_fail(s, rc, "out of memory");
    struct sol__op op;
    int64_t n = 0;
    rc = sol__op_begin(s, &op, true);
    if (rc == 0) {
        struct sol__stmt *st = NULL;
        rc = s->ops->prepare(s, b.sql.p, SOL__ONCE, &st);
        if (rc == 0)
            rc = sol__sql_bind_all(s, st, b.params, b.n_params);
        if (rc == 0 && (rc = s->ops->step(st)) == SOL__DONE)
            n = s->ops->changes(st);
        if (st)
            s->ops->finish(st);
    }
    /* store/store.h sol__store_collection_state(): readers learn that something went. */
    if (rc == 0 && n)
        rc = sol__sql_run(s, "UPDATE collections SET changes = changes + 1 WHERE key = ?1",
                          SOL__ARGS(sol__int(key)), NULL);
    for (size_t i = 0; rc == 0 && n && d->latest_flag && i < f->n_ids; i++)
        rc = sol__sql_run(s, relatch_sql[d->index_hints ? 0 : 1],
                          SOL__ARGS(sol__int(key), sol__text(f->ids[i] ? f->ids[i] : "")), NULL);
    sol__query_free(&b);
    rc = sol__op_end(s, &op, rc);
    if (deleted && rc == 0)
        *deleted = (size_t)n;
    return rc;
}

/* store.h: the SQL and parameters a cursor for f runs first. */
int
sol__store_filter_sql(struct sol_store *s, const struct sol_object_filter *f, struct sol_buf *sql,
                      struct sol_buf *params)
{
    if (!s || !f || !f->collection)
        return SOL_EINVAL;
    int64_t key;
    struct sol__query b;
    int rc = collection_key(s, f->collection, &key);
    if (rc == 0)
        rc = sol__filter_sql(s->ops->dialect, f, key, SOL__FILTER_QUERY, &b);
    if (rc != 0)
        return rc;
    sol_buf_puts(sql, b.sql.p);
    for (int i = 0; i < b.n_params; i++) {
        if (b.params[i].type == SOL__TEXT)
            sol_buf_printf(params, "%d=%s\n", i + 1, b.params[i].p);
        else
            sol_buf_printf(params, "%d=%lld\n", i + 1, (long long)b.params[i].i);
    }
    rc = sql->oom || params->oom ? SOL_ENOMEM : 0;
    sol__query_free(&b);
    return rc;
}
