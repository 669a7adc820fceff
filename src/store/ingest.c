/*
 * ingest.c — the one way in: validate → mark → store → audit (ingest.h).
 *
 * Objects are added inside store transactions of options.batch_size objects. The audit
 * entry of a batch is written in the same transaction as its objects, so the log and
 * the store can never disagree after a crash: either both are there or neither.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
    struct sol_buf json, recipients, details, own;
    char *collection; /* the collection's id (options may have named it by alias) */
    /* provenance (ingest.h) */
    char node_identity[128];  /* the node's own partner; "" when the store has none */
    char speaker[128];        /* the partner that speaks through this door */
    int unverified;           /* SOL_SIGN_REFUSE or SOL_SIGN_QUARANTINE */
    char *quarantine;         /* the quarantine collection's id, or NULL */
    struct sol_json_doc *doc; /* held versions and marked objects, parsed again */
};

/* Whether two identity ids name the same identity (UUIDs are case-insensitive). */
static bool
same_identity(struct sol_str a, const char *b)
{
    return a.p && b && a.n == strlen(b) && strncasecmp(a.p, b, a.n) == 0;
}

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
    if (options->default_tlp > in->default_tlp && options->default_tlp <= SOL_TLP_RED)
        in->default_tlp = options->default_tlp;
    in->collection = c.id;
    c.id = NULL;
    in->o.collection = in->collection;
    sol_collection_clear(&c);
    sol_buf_init(&in->json);
    sol_buf_init(&in->recipients);
    sol_buf_init(&in->details);
    sol_buf_init(&in->own);
    struct sol_buf id;
    sol_buf_init(&id);
    rc = sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &id);
    if (rc == 0 && id.n < sizeof in->node_identity)
        memcpy(in->node_identity, id.p, id.n + 1);
    sol_buf_free(&id);
    rc = rc == SOL_ENOTFOUND ? 0 : rc;
    const char *speaker = options->asker ? options->asker->partner_identity : in->node_identity;
    snprintf(in->speaker, sizeof in->speaker, "%s", speaker);
    if (rc == 0 && options->unverified) {
        in->unverified = options->unverified;
        if (options->quarantine && !(in->quarantine = sol_strdup(options->quarantine)))
            rc = SOL_ENOMEM;
    } else if (rc == 0) {
        rc = sol_collection_unverified_get(s, in->collection, &in->unverified, &in->quarantine);
    }
    if (rc == 0 && !(in->doc = sol_json_doc_new(NULL)))
        rc = SOL_ENOMEM;
    if (rc != 0) {
        sol_error_set(err, rc, "%s: %s", in->collection,
                      rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(s));
        sol_ingest_abort(in);
        return rc;
    }
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

/* The batch's transaction, opened when the first write of the batch comes. */
static int
open_batch(struct sol_ingest *in)
{
    if (in->in_batch)
        return 0;
    int rc = sol_store_begin(in->s);
    if (rc != 0) {
        in->failed = true;
        return rc;
    }
    in->in_batch = true;
    return 0;
}

/* A store error inside the batch: it is rolled back, and only abort is left. */
static int
store_failed(struct sol_ingest *in, int rc)
{
    sol_store_rollback(in->s);
    in->in_batch = false;
    in->failed = true;
    return rc;
}

/* What the provenance checks decided for one object (ingest.h, a to d). */
struct provenance {
    bool failed;   /* a, b or c: refuse or quarantine */
    bool hidden;   /* the failure concerns versions the asker may not see */
    bool own;      /* d: mark (when unmarked) and sign it */
    char why[800]; /* why it failed */
};

/*
 * The creator of the latest version the collection holds of id, whatever its TLP
 * (*found false when it holds none), and whether the asker may see that version.
 */
static int
held_creator(struct sol_ingest *in, struct sol_str id, bool *found, char creator[128],
             bool *visible)
{
    *found = *visible = false;
    creator[0] = 0;
    char idz[256];
    copy_str(idz, sizeof idz, id);
    const char *ids[1] = {idz};
    struct sol_object_filter f = {.collection = in->collection,
                                  .ids = ids,
                                  .n_ids = 1,
                                  .version_match = SOL_VERSION_LAST,
                                  .unrestricted = true,
                                  .limit = 1};
    struct sol_store_cursor *cur = NULL;
    int rc = sol_store_objects_query(in->s, &f, &cur);
    if (rc != 0)
        return rc;
    struct sol_object_row row;
    rc = sol_store_cursor_next(cur, &row);
    if (rc == 0) {
        *found = true;
        *visible = in->o.asker && sol_access_can_read(in->s, in->o.asker, in->collection) &&
                   sol_access_may_see(in->o.asker, &row);
        const struct sol_json *held = NULL;
        if (sol_json_parse(in->doc, row.json.p, row.json.n, &held, NULL) == 0)
            copy_str(creator, 128, sol_json_str(sol_json_get(held, "created_by_ref")));
    }
    sol_store_cursor_close(cur);
    return rc == SOL_EEOF ? 0 : rc;
}

/* ingest.h "Provenance": a to d for obj. */
static int
check_provenance(struct sol_ingest *in, const struct sol_json *obj, struct sol_str id,
                 struct provenance *pv)
{
    memset(pv, 0, sizeof *pv);
    if (in->o.into_quarantine)
        return 0; /* what failed elsewhere is kept here as it came, to be looked at */
    struct sol_str by = sol_json_str(sol_json_get(obj, "created_by_ref"));
    char creator[128], why[256];
    copy_str(creator, sizeof creator, by);
    bool has_sig = is_signed(obj);
    enum sol_sign_verdict vd = SOL_SIGN_UNSIGNED;
    /* a. checked against the key the signature names: a changed object fails whoever signed */
    if (has_sig) {
        int rc = sol_sign_verify(obj, NULL, 0, &vd, why, sizeof why, NULL);
        if (rc != 0)
            return rc;
        if (vd == SOL_SIGN_BAD) {
            pv->failed = true;
            snprintf(pv->why, sizeof pv->why, "its signature fails: %s", why);
            return 0;
        }
    }
    /* b. speaking in someone else's name needs their signature */
    if (in->o.asker && by.p && !same_identity(by, in->speaker)) {
        int rc = sol_trust_verify(in->o.trust, creator, obj, &vd, why, sizeof why);
        if (rc != 0)
            return rc;
        if (vd != SOL_SIGN_VALID) {
            pv->failed = true;
            snprintf(pv->why, sizeof pv->why,
                     "created_by_ref %s is not the sender's partner%s%s, and the object carries "
                     "no valid signature by it (%s)",
                     creator, in->speaker[0] ? " " : "", in->speaker, why);
            return 0;
        }
    }
    /* c. STIX 2.1 §3.6: only the creator versions an object */
    if (in->o.asker) {
        bool found = false, visible = false;
        char held[128];
        int rc = held_creator(in, id, &found, held, &visible);
        if (rc != 0)
            return rc;
        if (found && strcasecmp(held, creator) != 0) {
            pv->failed = true;
            pv->hidden = !visible;
            snprintf(pv->why, sizeof pv->why,
                     "only the creator of %.*s (%s) may add versions of it; others make a "
                     "derived object (STIX 2.1 §3.6)",
                     (int)(id.n < 120 ? id.n : 120), id.p, held[0] ? held : "anonymous");
            return 0;
        }
    }
    /* d. the node's own partner's objects: unless the node signed them already */
    bool speaker_is_node = in->node_identity[0] && strcasecmp(in->speaker, in->node_identity) == 0;
    pv->own = speaker_is_node && (by.p ? same_identity(by, in->node_identity) : !has_sig);
    if (pv->own && has_sig) {
        int rc = sol_trust_verify(in->o.trust, in->node_identity, obj, &vd, NULL, 0);
        if (rc != 0)
            return rc;
        pv->own = vd != SOL_SIGN_VALID;
    }
    return 0;
}

/*
 * d: obj as stored for the node's own partner: its marking ids lower-cased, the TLP
 * marking of tlp added when it has none (in object_marking_refs), then signed with the
 * node's key when there is one. The JSON text goes to in->json.
 */
static int
mark_and_sign(struct sol_ingest *in, const struct sol_json *obj, bool add_marking, int tlp)
{
    sol_buf_reset(&in->own);
    struct sol_json_writer w;
    sol_jw_init(&w, &in->own, false);
    sol_stix_write_normalised(&w, obj);
    const struct sol_json *norm = NULL;
    if (in->own.oom || sol_json_parse(in->doc, in->own.p, in->own.n, &norm, NULL) != 0)
        return SOL_ENOMEM;
    sol_buf_reset(&in->json);
    sol_jw_init(&w, &in->json, false);
    const char *marking = sol_tlp_marking_id((enum sol_tlp)tlp);
    bool added = !add_marking || !marking;
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_jw_object_begin(&w);
    sol_json_iter_init(&it, norm);
    while (sol_json_iter_next(&it, &key, &v)) {
        sol_jw_keyn(&w, key.p, key.n);
        if (added || !sol_str_eqc(key, "object_marking_refs") ||
            sol_json_type(v) != SOL_JSON_ARRAY) {
            sol_jw_value(&w, v);
            continue;
        }
        struct sol_json_iter li;
        const struct sol_json *e;
        sol_jw_array_begin(&w);
        sol_json_iter_init(&li, v);
        while (sol_json_iter_next(&li, NULL, &e))
            sol_jw_value(&w, e);
        sol_jw_string(&w, marking);
        sol_jw_array_end(&w);
        added = true;
    }
    if (!added) {
        sol_jw_key(&w, "object_marking_refs");
        sol_jw_array_begin(&w);
        sol_jw_string(&w, marking);
        sol_jw_array_end(&w);
    }
    sol_jw_object_end(&w);
    if (in->json.oom)
        return SOL_ENOMEM;
    if (!in->o.node_key)
        return 0;
    const struct sol_json *marked = NULL;
    if (sol_json_parse(in->doc, in->json.p, in->json.n, &marked, NULL) != 0)
        return SOL_ENOMEM;
    sol_buf_reset(&in->own);
    struct sol_error err;
    int rc = sol_sign_object(in->o.node_key, marked, &in->own, &err);
    if (rc != 0)
        return rc;
    sol_buf_reset(&in->json);
    sol_buf_append(&in->json, in->own.p, in->own.n);
    return in->json.oom ? SOL_ENOMEM : 0;
}

/* A refusal or a quarantine, audited in the batch's transaction. */
static int
audit_unverified(struct sol_ingest *in, const struct sol_ingest_result *res, const char *action)
{
    struct sol_json_writer w;
    sol_buf_reset(&in->details);
    sol_jw_init(&w, &in->details, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "id");
    sol_jw_string(&w, res->id);
    sol_jw_key(&w, "version");
    sol_jw_string(&w, res->version);
    if (in->speaker[0]) {
        sol_jw_key(&w, "sender");
        sol_jw_string(&w, in->speaker);
    }
    sol_jw_key(&w, "reason");
    sol_jw_string(&w, res->message);
    if (in->o.origin) {
        sol_jw_key(&w, "origin");
        sol_jw_string(&w, in->o.origin);
    }
    sol_jw_object_end(&w);
    if (in->details.oom)
        return SOL_ENOMEM;
    return sol_store_audit(in->s, in->o.actor ? in->o.actor : "unknown", action, in->collection,
                           in->details.p);
}

/*
 * Whether the asker may see the version (id, version) the collection already holds
 * (finding 4 of issue #10: "already held" must not tell about versions they may not see).
 */
static int
held_visible(struct sol_ingest *in, struct sol_str id, sol_time_t version, bool *visible)
{
    *visible = false;
    if (!sol_access_can_read(in->s, in->o.asker, in->collection))
        return 0;
    char idz[256];
    copy_str(idz, sizeof idz, id);
    const char *ids[1] = {idz};
    struct sol_object_filter f = {.collection = in->collection,
                                  .ids = ids,
                                  .n_ids = 1,
                                  .version_match = SOL_VERSION_ALL,
                                  .skip_json = true};
    sol_access_filter(in->o.asker, &f);
    struct sol_store_cursor *cur = NULL;
    int rc = sol_store_objects_query(in->s, &f, &cur);
    if (rc != 0)
        return rc;
    struct sol_object_row row;
    while ((rc = sol_store_cursor_next(cur, &row)) == 0)
        if (!version || row.version == version) {
            *visible = true;
            break;
        }
    sol_store_cursor_close(cur);
    return rc == SOL_EEOF || rc == 0 ? 0 : rc;
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

    /* who speaks (ingest.h "Provenance") */
    struct provenance pv;
    rc = check_provenance(in, obj, meta.id, &pv);
    if (rc == SOL_ENOMEM)
        return rc;
    if (rc != 0)
        return store_failed(in, rc);

    /* 2. mark: its own TLP, else the collection's default */
    int tlp = meta.tlp != SOL_TLP_NONE ? (int)meta.tlp : in->default_tlp;
    sol_buf_reset(&in->recipients);
    if (tlp == SOL_TLP_RED)
        red_recipients(in, obj);
    struct sol_json_writer w;
    sol_buf_reset(&in->json);
    sol_jw_init(&w, &in->json, false);
    /* Marking definitions say how to read markings, and SCOs are facts nobody creates
     * (they carry no created_by_ref, their ids come from their values): neither is ours. */
    if (pv.own && !sol_str_eqc(meta.type, "marking-definition") &&
        !sol_stix_is_sco_type(meta.type)) {
        /* access.h "Policy": what the node creates carries its marking, and its signature */
        rc = mark_and_sign(in, obj, meta.tlp == SOL_TLP_NONE, tlp);
        if (rc != 0)
            return rc;
    } else if (!is_signed(obj) && sol_stix_markings_need_normalising(obj)) {
        /* access.h "Policy": marking ids lower-cased once, here, so every reader of the
         * stored JSON (ours and the partners' tools) recognises them; a signed object stays
         * as its signer made it (its TLP is read regardless). */
        sol_stix_write_normalised(&w, obj);
    } else {
        sol_jw_value(&w, obj);
    }
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

    /* 3. store (a refused object is only audited; a quarantined one goes aside) */
    if ((rc = open_batch(in)) != 0)
        return rc;
    in->batch_n++;
    if (pv.failed) {
        bool quarantine = in->unverified == SOL_SIGN_QUARANTINE && in->quarantine;
        snprintf(res->message, sizeof res->message, "%s%.490s", quarantine ? "quarantined: " : "",
                 pv.why);
        res->hidden = pv.hidden;
        if (quarantine) {
            rc = sol_store_object_add(in->s, in->quarantine, &row, NULL, NULL);
            if (rc != 0)
                return store_failed(in, rc);
        }
        res->outcome = quarantine ? SOL_INGEST_QUARANTINED : SOL_INGEST_REJECTED;
        in->st.rejected++;
        in->st.quarantined += quarantine;
        in->batch_rejected++;
        rc = audit_unverified(in, res, quarantine ? "objects.quarantine" : "objects.refuse");
        if (rc != 0)
            return store_failed(in, rc);
    } else {
        bool added = false;
        sol_time_t da = 0;
        rc = sol_store_object_add(in->s, in->o.collection, &row, &added, &da);
        if (rc != 0)
            return store_failed(in, rc);
        res->date_added = da;
        if (!res->version[0]) {
            char t[40];
            sol_time_format(row.version ? row.version : da, 6, t);
            snprintf(res->version, sizeof res->version, "%s", t);
        }
        if (added) {
            res->outcome = SOL_INGEST_STORED;
            in->st.stored++;
            if (!in->batch_stored)
                in->batch_first = da;
            in->batch_last = da;
            in->batch_stored++;
        } else {
            res->outcome = SOL_INGEST_HELD;
            in->st.held++;
            in->batch_held++;
            bool visible = true;
            if (in->o.asker && (rc = held_visible(in, meta.id, row.version, &visible)) != 0)
                return store_failed(in, rc);
            res->hidden = !visible;
            if (visible)
                snprintf(res->message, sizeof res->message, "already held");
        }
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

/* ingest.h: is the batch's transaction open? */
bool
sol_ingest_in_transaction(const struct sol_ingest *in)
{
    return in && in->in_batch;
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
    sol_buf_free(&in->own);
    sol_json_doc_free(in->doc);
    sol_free(in->quarantine);
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

/* The settings keys of a collection's policy for unverified objects. */
static void
unverified_keys(const char *collection, char policy[160], char quarantine[160])
{
    snprintf(policy, 160, "collection.%s.unverified", collection);
    snprintf(quarantine, 160, "collection.%s.quarantine", collection);
}

/* ingest.h: a collection's policy for objects whose provenance fails. */
int
sol_collection_unverified_get(struct sol_store *s, const char *collection, int *policy,
                              char **quarantine)
{
    *policy = SOL_SIGN_REFUSE;
    *quarantine = NULL;
    char kp[160], kq[160];
    unverified_keys(collection, kp, kq);
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_store_setting_get(s, kp, &b);
    enum sol_sign_policy p = SOL_SIGN_REFUSE;
    if (rc == 0 && sol_sign_policy_parse(b.p, &p) == 0 && p == SOL_SIGN_QUARANTINE) {
        sol_buf_reset(&b);
        rc = sol_store_setting_get(s, kq, &b);
        if (rc == 0) {
            *policy = SOL_SIGN_QUARANTINE;
            if (!(*quarantine = sol_strdup(b.p)))
                rc = SOL_ENOMEM;
        }
    }
    sol_buf_free(&b);
    return rc == SOL_ENOTFOUND ? 0 : rc;
}

/* ingest.h: set it, making the quarantine collection when needed. */
int
sol_collection_unverified_set(struct sol_store *s, const char *collection, int policy,
                              const char *actor, struct sol_error *err)
{
    if (policy != SOL_SIGN_REFUSE && policy != SOL_SIGN_QUARANTINE)
        return sol_error_set(err, SOL_EINVAL,
                             "the policy for unverified objects is refuse or "
                             "quarantine");
    struct sol_collection c;
    int rc = sol_store_collection_get(s, NULL, collection, &c);
    if (rc != 0)
        return sol_error_set(err, rc, "%s: %s", collection,
                             rc == SOL_ENOTFOUND ? "no such collection" : sol_store_errmsg(s));
    char kp[160], kq[160], qid[37] = "";
    unverified_keys(c.id, kp, kq);
    rc = sol_store_begin(s);
    if (rc == 0 && policy == SOL_SIGN_QUARANTINE) {
        struct sol_buf b;
        sol_buf_init(&b);
        rc = sol_store_setting_get(s, kq, &b);
        if (rc == 0 && b.n < sizeof qid)
            memcpy(qid, b.p, b.n + 1);
        sol_buf_free(&b);
        if (rc == SOL_ENOTFOUND) {
            /* A fixed namespace for the collections the ingest makes. */
            static const struct sol_uuid ns = {{0x8b, 0x6e, 0x3f, 0x12, 0x4c, 0x9a, 0x4d, 0x07,
                                                0xa1, 0x55, 0x2e, 0x90, 0x6b, 0x31, 0xc8, 0x4f}};
            char seed[160], title[300], alias[160];
            snprintf(seed, sizeof seed, "quarantine|%s", c.id);
            struct sol_uuid u;
            sol_uuid_v5(&ns, seed, strlen(seed), &u);
            sol_uuid_format(&u, qid);
            snprintf(title, sizeof title,
                     "quarantine of collection %s (not scanned, not shared): objects whose "
                     "provenance failed",
                     c.alias ? c.alias : c.id);
            snprintf(alias, sizeof alias, "quarantine-%s", c.alias ? c.alias : c.id);
            struct sol_collection q = {.id = qid,
                                       .api_root = c.api_root,
                                       .title = title,
                                       .alias = alias,
                                       .default_tlp = SOL_TLP_RED,
                                       .created = sol_time_now()};
            rc = sol_store_collection_put(s, &q);
            if (rc == 0)
                rc = sol_store_setting_set(s, kq, qid);
        }
    }
    if (rc == 0)
        rc = sol_store_setting_set(s, kp, sol_sign_policy_name((enum sol_sign_policy)policy));
    if (rc == 0) {
        char details[400];
        snprintf(details, sizeof details, "{\"unverified\":\"%s\"%s%s%s}",
                 sol_sign_policy_name((enum sol_sign_policy)policy),
                 qid[0] ? ",\"quarantine\":\"" : "", qid, qid[0] ? "\"" : "");
        rc = sol_store_audit(s, actor ? actor : "unknown", "collection.unverified", c.id, details);
    }
    if (rc == 0)
        rc = sol_store_commit(s);
    else
        sol_store_rollback(s);
    if (rc != 0)
        sol_error_set(err, rc, "%s: %s", c.id, sol_store_errmsg(s));
    sol_collection_clear(&c);
    return rc;
}
