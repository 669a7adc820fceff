/*
 * ingest.c — the one way in: validate → mark → store → audit (ingest.h).
 *
 * Objects are added inside store transactions of options.batch_size objects. The audit
 * entry of a batch is written in the same transaction as its objects, so the log and
 * the store can never disagree after a crash: either both are there or neither.
 */
#include <stdio.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"

struct sol_ingest {
    struct sol_store *s;
    struct sol_ingest_options o;
    int default_tlp;
    bool in_batch; /* a store transaction is open */
    bool failed;   /* a store error happened: only abort is left */
    size_t batch_n, batch_stored, batch_held, batch_rejected;
    sol_time_t batch_first, batch_last; /* date_added range of what the batch stored */
    struct sol_ingest_stats st;
    struct sol_buf json, recipients, details;
    char *collection; /* the collection's id (options may have named it by alias) */
};

/* ingest.h: start ingesting into a collection. */
int
sol_ingest_begin(struct sol_store *s, const struct sol_ingest_options *options,
                 struct sol_ingest **out, struct sol_error *err)
{
    *out = NULL;
    if (!s || !options || !options->collection)
        return sol_error_set(err, SOL_EINVAL, "no collection given");
    struct sol_collection c;
    int rc = sol_store_collection_get(s, NULL, options->collection, &c);
    if (rc == SOL_ENOTFOUND)
        return sol_error_set(err, rc, "%s: no such collection", options->collection);
    if (rc != 0)
        return sol_error_set(err, rc, "%s: %s", options->collection, sol_store_errmsg(s));
    struct sol_ingest *in = sol_calloc(1, sizeof *in);
    if (!in) {
        sol_collection_clear(&c);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    in->s = s;
    in->o = *options;
    in->default_tlp = c.default_tlp > 0 ? c.default_tlp : SOL_TLP_AMBER;
    in->collection = c.id;
    c.id = NULL;
    in->o.collection = in->collection;
    sol_collection_clear(&c);
    sol_buf_init(&in->json);
    sol_buf_init(&in->recipients);
    sol_buf_init(&in->details);
    *out = in;
    return 0;
}

static void
copy_str(char *dst, size_t n, struct sol_str s)
{
    size_t k = s.n < n - 1 ? s.n : n - 1;
    if (s.p)
        memcpy(dst, s.p, k);
    dst[s.p ? k : 0] = 0;
}

/* Append one recipient identity id to the comma-separated list, once. */
static void
add_recipient(struct sol_buf *b, struct sol_str id)
{
    if (id.n < 10 || memcmp(id.p, "identity--", 10) != 0 || memchr(id.p, ',', id.n))
        return;
    for (size_t i = 0; i < b->n;) { /* already there? */
        const char *comma = memchr(b->p + i, ',', b->n - i);
        size_t end = comma ? (size_t)(comma - b->p) : b->n;
        if (end - i == id.n && memcmp(b->p + i, id.p, id.n) == 0)
            return;
        i = end + 1;
    }
    if (b->n)
        sol_buf_putc(b, ',');
    sol_buf_append(b, id.p, id.n);
}

/*
 * access.h "Policy": who may receive a TLP:RED version: its author, the partners its
 * x_solidarity_recipients property names, and the caller's extra recipients.
 */
static void
red_recipients(struct sol_ingest *in, const struct sol_json *obj)
{
    sol_buf_reset(&in->recipients);
    add_recipient(&in->recipients, sol_json_str(sol_json_get(obj, "created_by_ref")));
    const struct sol_json *list = sol_json_get(obj, "x_solidarity_recipients");
    if (sol_json_type(list) == SOL_JSON_ARRAY) {
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, list);
        while (sol_json_iter_next(&it, NULL, &v))
            add_recipient(&in->recipients, sol_json_str(v));
    }
    for (size_t i = 0; i < in->o.n_red_recipients; i++)
        add_recipient(&in->recipients, sol_str_c(in->o.red_recipients[i]));
}

/* The audit entry of the batch, inside its transaction; then commit. */
static int
commit_batch(struct sol_ingest *in)
{
    if (!in->in_batch)
        return 0;
    int rc = 0;
    if (in->batch_stored) {
        char first[40], last[40];
        sol_time_format(in->batch_first, 6, first);
        sol_time_format(in->batch_last, 6, last);
        struct sol_json_writer w;
        sol_buf_reset(&in->details);
        sol_jw_init(&w, &in->details, false);
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "stored");
        sol_jw_uint(&w, in->batch_stored);
        sol_jw_key(&w, "held");
        sol_jw_uint(&w, in->batch_held);
        sol_jw_key(&w, "rejected");
        sol_jw_uint(&w, in->batch_rejected);
        sol_jw_key(&w, "date_added_first");
        sol_jw_string(&w, first);
        sol_jw_key(&w, "date_added_last");
        sol_jw_string(&w, last);
        if (in->o.origin) {
            sol_jw_key(&w, "origin");
            sol_jw_string(&w, in->o.origin);
        }
        sol_jw_object_end(&w);
        rc = in->details.oom ? SOL_ENOMEM
                             : sol_store_audit(in->s, in->o.actor ? in->o.actor : "unknown",
                                               "objects.add", in->o.collection, in->details.p);
    }
    if (rc == 0)
        rc = sol_store_commit(in->s);
    else
        sol_store_rollback(in->s);
    in->in_batch = false;
    if (rc != 0) {
        in->failed = true;
        return rc;
    }
    in->st.durable_stored += in->batch_stored;
    in->st.durable_held += in->batch_held;
    in->st.batches++;
    in->batch_n = in->batch_stored = in->batch_held = in->batch_rejected = 0;
    if (in->o.on_commit)
        in->o.on_commit(in->o.ud, &in->st);
    return 0;
}

/* Whether obj carries a provenance signature (sign.h). */
static bool
is_signed(const struct sol_json *obj)
{
    return sol_json_get(sol_json_get(obj, "extensions"), SOL_SIGN_EXTENSION_ID) != NULL;
}

/* Reject an object: fill the result and count it. */
static int
reject(struct sol_ingest *in, struct sol_ingest_result *res, const char *msg)
{
    res->outcome = SOL_INGEST_REJECTED;
    snprintf(res->message, sizeof res->message, "%s", msg);
    in->st.rejected++;
    if (in->in_batch)
        in->batch_rejected++;
    return 0;
}

/* ingest.h: validate, mark, store one object. */
int
sol_ingest_object(struct sol_ingest *in, const struct sol_json *obj, const char *path,
                  struct sol_ingest_result *res)
{
    memset(res, 0, sizeof *res);
    if (in->failed)
        return SOL_EINVAL;
    snprintf(res->path, sizeof res->path, "%s", path ? path : "");
    copy_str(res->id, sizeof res->id, sol_json_str(sol_json_get(obj, "id")));
    struct sol_str ver = sol_json_str(sol_json_get(obj, "modified"));
    if (!ver.p)
        ver = sol_json_str(sol_json_get(obj, "created"));
    copy_str(res->version, sizeof res->version, ver);

    /* 1. validate */
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_object(obj, &in->o.stix, path, &rep);
    if (rc < 0) {
        sol_stix_report_free(&rep);
        return rc;
    }
    if (rc > 0) {
        char msg[512] = "invalid STIX object";
        for (size_t i = 0; i < rep.n; i++) {
            if (rep.v[i].severity == SOL_STIX_ERROR ||
                (in->o.stix.strict && rep.v[i].severity == SOL_STIX_WARNING)) {
                sol_stix_finding_format(&rep.v[i], msg, sizeof msg);
                break;
            }
        }
        if (rep.errors > 1) {
            size_t k = strlen(msg);
            snprintf(msg + k, sizeof msg - k, " (and %zu more error%s)", rep.errors - 1,
                     rep.errors > 2 ? "s" : "");
        }
        sol_stix_report_free(&rep);
        return reject(in, res, msg);
    }
    unsigned version = rep.version;
    sol_stix_report_free(&rep);

    struct sol_stix_meta meta;
    if (sol_stix_meta(obj, &meta) != 0)
        return reject(in, res, "id and type must be strings");

    /* 2. mark: its own TLP, else the collection's default */
    int tlp = meta.tlp != SOL_TLP_NONE ? (int)meta.tlp : in->default_tlp;
    sol_buf_reset(&in->recipients);
    if (tlp == SOL_TLP_RED)
        red_recipients(in, obj);
    struct sol_json_writer w;
    sol_buf_reset(&in->json);
    sol_jw_init(&w, &in->json, false);
    /* Marking ids lower-cased once, here, so every reader of the stored
     * JSON (ours and the partners' tools) recognises them; a signed object stays as its
     * signer made it (the change would break the signature; its TLP is read regardless). */
    if (!is_signed(obj) && sol_stix_markings_need_normalising(obj))
        sol_stix_write_normalised(&w, obj);
    else
        sol_jw_value(&w, obj);
    if (in->json.oom || in->recipients.oom)
        return SOL_ENOMEM;

    /* STIX 2.0 objects carry no spec_version; neither do 2.1 SCOs in some producers. */
    struct sol_str spec = meta.spec_version;
    if (!spec.n)
        spec = version == 20 ? SOL_STR("2.0") : SOL_STR("2.1");
    struct sol_object_row row = {
        .id = meta.id,
        .type = meta.type,
        .spec_version = spec,
        .json = {in->json.p, in->json.n},
        .origin = sol_str_c(in->o.origin),
        .version = meta.has_modified  ? meta.modified
                   : meta.has_created ? meta.created
                                      : 0,
        .tlp = tlp,
        .tlp_red_recipients = {in->recipients.p ? in->recipients.p : "", in->recipients.n},
        .revoked = meta.revoked,
    };

    /* 3. store */
    if (!in->in_batch) {
        rc = sol_store_begin(in->s);
        if (rc != 0) {
            in->failed = true;
            return rc;
        }
        in->in_batch = true;
    }
    bool added = false;
    sol_time_t da = 0;
    rc = sol_store_object_add(in->s, in->o.collection, &row, &added, &da);
    if (rc != 0) {
        sol_store_rollback(in->s);
        in->in_batch = false;
        in->failed = true;
        return rc;
    }
    res->date_added = da;
    if (!res->version[0]) {
        char t[40];
        sol_time_format(row.version ? row.version : da, 6, t);
        snprintf(res->version, sizeof res->version, "%s", t);
    }
    in->batch_n++;
    if (added) {
        res->outcome = SOL_INGEST_STORED;
        in->st.stored++;
        if (!in->batch_stored)
            in->batch_first = da;
        in->batch_last = da;
        in->batch_stored++;
    } else {
        res->outcome = SOL_INGEST_HELD;
        snprintf(res->message, sizeof res->message, "already held");
        in->st.held++;
        in->batch_held++;
    }

    /* 4. audit, with the commit of a full batch */
    if (in->o.batch_size && in->batch_n >= in->o.batch_size)
        return commit_batch(in);
    return 0;
}

/* ingest.h: a bundle, an envelope, a list or one object. */
int
sol_ingest_document(struct sol_ingest *in, const struct sol_json *root,
                    void (*on_result)(void *ud, const struct sol_ingest_result *r), void *ud,
                    struct sol_error *err)
{
    const struct sol_json *list = NULL;
    const char *prefix = "";
    enum sol_json_type t = sol_json_type(root);
    if (t == SOL_JSON_ARRAY) {
        list = root;
    } else if (t == SOL_JSON_OBJECT) {
        struct sol_str type = sol_json_str(sol_json_get(root, "type"));
        const struct sol_json *objs = sol_json_get(root, "objects");
        if (sol_str_eqc(type, "bundle") || (!type.p && objs)) {
            /* STIX 2.1 §8: a bundle's objects; TAXII 2.1 §3.7: an envelope's */
            if (objs && sol_json_type(objs) != SOL_JSON_ARRAY)
                return sol_error_set(err, SOL_EINVALID, "objects: expected a list, found %s",
                                     sol_json_type_name(sol_json_type(objs)));
            if (!objs)
                return 0; /* an empty bundle */
            list = objs;
            prefix = "objects";
        }
    } else {
        return sol_error_set(err, SOL_EINVALID,
                             "expected a STIX bundle, a list of objects or an object, found %s",
                             t ? sol_json_type_name(t) : "nothing");
    }
    struct sol_ingest_result res;
    if (!list) {
        int rc = sol_ingest_object(in, root, "", &res);
        if (rc != 0)
            return sol_error_set(err, rc, "%s", sol_strerror(rc));
        if (on_result)
            on_result(ud, &res);
        return 0;
    }
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, list);
    char path[64];
    for (size_t i = 0; sol_json_iter_next(&it, NULL, &v); i++) {
        snprintf(path, sizeof path, "%s[%zu]", prefix, i);
        int rc = sol_ingest_object(in, v, path, &res);
        if (rc != 0)
            return sol_error_set(err, rc, "%s: %s", path, sol_strerror(rc));
        if (on_result)
            on_result(ud, &res);
    }
    return 0;
}

/* ingest.h: commit the batch in progress. */
int
sol_ingest_commit(struct sol_ingest *in)
{
    if (in->failed)
        return SOL_EINVAL;
    return commit_batch(in);
}

/* ingest.h: the counts so far. */
void
sol_ingest_get_stats(const struct sol_ingest *in, struct sol_ingest_stats *out)
{
    *out = in->st;
}

static void
ingest_free(struct sol_ingest *in)
{
    sol_buf_free(&in->json);
    sol_buf_free(&in->recipients);
    sol_buf_free(&in->details);
    sol_free(in->collection);
    sol_free(in);
}

/* ingest.h: commit and free. */
int
sol_ingest_end(struct sol_ingest *in)
{
    if (!in)
        return 0;
    int rc = in->failed ? SOL_EINVAL : commit_batch(in);
    if (in->in_batch)
        sol_store_rollback(in->s);
    ingest_free(in);
    return rc;
}

/* ingest.h: roll back what is pending and free. */
void
sol_ingest_abort(struct sol_ingest *in)
{
    if (!in)
        return;
    if (in->in_batch)
        sol_store_rollback(in->s);
    ingest_free(in);
}
