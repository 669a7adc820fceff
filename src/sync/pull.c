/*
 * pull.c — pulling a peer's collection page by page, and noticing its deletions (sync.h).
 *
 * One page at a time: GET objects with added_after and next (TAXII 2.1 §3.4, §3.5), parse
 * it, sort each object (its TLP against the peer's clearance, its signature against the
 * peer's keys and policy), ingest the quarantined ones (their own transaction, first:
 * they are idempotent), then the accepted ones, the audit of refusals and the new resume
 * state in one transaction. A kill at any point leaves either the page with its state or
 * neither, and a page fetched twice is "already held", never duplicated.
 *
 * State ("peer.<name>.pull"): {"added_after": T, "next": N, "last": L, "reconciled": µs}.
 * Within a run the server's next cursor walks the query started with added_after T; at
 * the end of a run T becomes the X-TAXII-Date-Added-Last of the last page, and next is
 * dropped. L is that header of the last committed page: when a server no longer takes
 * our cursor (400), the pull goes on with added_after L instead.
 */
#include <stdio.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "sync/sync_internal.h"

struct pull_state {
    char added_after[40];
    char last[40]; /* X-TAXII-Date-Added-Last of the last committed page */
    char next[1024];
    sol_time_t reconciled;
};

static void
state_key(const char *peer, const char *what, char *out, size_t n)
{
    snprintf(out, n, "peer.%s.%s", peer, what);
}

static int
state_load(struct sol_store *s, const char *peer, struct pull_state *st)
{
    memset(st, 0, sizeof *st);
    char key[128];
    state_key(peer, "pull", key, sizeof key);
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_store_setting_get(s, key, &b);
    if (rc == SOL_ENOTFOUND) {
        sol_buf_free(&b);
        return 0;
    }
    if (rc != 0) {
        sol_buf_free(&b);
        return rc;
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    if (doc && sol_json_parse(doc, b.p, b.n, &root, NULL) == 0) {
        struct sol_str a = sol_json_str(sol_json_get(root, "added_after"));
        struct sol_str nx = sol_json_str(sol_json_get(root, "next"));
        struct sol_str la = sol_json_str(sol_json_get(root, "last"));
        if (la.p && la.n < sizeof st->last)
            memcpy(st->last, la.p, la.n);
        if (a.p && a.n < sizeof st->added_after)
            memcpy(st->added_after, a.p, a.n);
        if (nx.p && nx.n < sizeof st->next)
            memcpy(st->next, nx.p, nx.n);
        st->reconciled = (sol_time_t)sol_json_number(sol_json_get(root, "reconciled"));
    }
    sol_json_doc_free(doc);
    sol_buf_free(&b);
    return 0;
}

/* Write the state (inside the caller's transaction when one is open). */
static int
state_save(struct sol_store *s, const char *peer, const struct pull_state *st)
{
    struct sol_buf b;
    sol_buf_init(&b);
    struct sol_json_writer w;
    sol_jw_init(&w, &b, false);
    sol_jw_object_begin(&w);
    if (st->added_after[0]) {
        sol_jw_key(&w, "added_after");
        sol_jw_string(&w, st->added_after);
    }
    if (st->next[0]) {
        sol_jw_key(&w, "next");
        sol_jw_string(&w, st->next);
    }
    if (st->last[0]) {
        sol_jw_key(&w, "last");
        sol_jw_string(&w, st->last);
    }
    sol_jw_key(&w, "reconciled");
    sol_jw_int(&w, st->reconciled);
    sol_jw_object_end(&w);
    char key[128];
    state_key(peer, "pull", key, sizeof key);
    int rc = b.oom ? SOL_ENOMEM : sol_store_setting_set(s, key, b.p);
    sol_buf_free(&b);
    return rc;
}

/* sync.h: what a verdict means under a policy. */
int
sol_sync_sign_action(enum sol_sign_verdict v, int policy)
{
    switch (v) {
    case SOL_SIGN_VALID:
        return SOL_SIGN_ACCEPT;
    case SOL_SIGN_BAD:
        /* A changed object is never taken as it is, whatever the policy for strangers. */
        return policy == SOL_SIGN_REFUSE ? SOL_SIGN_REFUSE : SOL_SIGN_QUARANTINE;
    case SOL_SIGN_UNSIGNED:
    case SOL_SIGN_UNKNOWN_KEY:
        break;
    }
    return policy;
}

/* sync.h: verify a document for import. */
int
sol_sync_verify_document(const struct sol_json *root, const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES],
                         size_t n_keys, int policy,
                         void (*on_object)(void *ud, size_t index, const struct sol_json *obj,
                                           enum sol_sign_verdict v, int action, const char *why),
                         void *ud, struct sol_error *err)
{
    const struct sol_json *list = NULL;
    if (sol_json_type(root) == SOL_JSON_ARRAY)
        list = root;
    else if (sol_json_type(root) == SOL_JSON_OBJECT && sol_json_get(root, "objects"))
        list = sol_json_get(root, "objects");
    else if (sol_json_type(root) != SOL_JSON_OBJECT)
        return sol_error_set(err, SOL_EINVALID,
                             "expected a STIX bundle, a list of objects or an object");
    if (list && sol_json_type(list) != SOL_JSON_ARRAY)
        return sol_error_set(err, SOL_EINVALID, "objects: expected a list");
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    char why[256];
    int rc = 0;
    struct sol_json_iter it;
    const struct sol_json *v = root;
    size_t i = 0;
    if (list)
        sol_json_iter_init(&it, list);
    while (list ? sol_json_iter_next(&it, NULL, &v) : i == 0) {
        enum sol_sign_verdict vd;
        int action;
        if (sol_sign_is_extension_definition(v)) {
            vd = SOL_SIGN_VALID; /* the definition is public text, never signed */
            action = SOL_SIGN_ACCEPT;
            snprintf(why, sizeof why, "the signature's extension-definition");
        } else {
            rc = sol__sign_verify(&sc, v, keys, n_keys, &vd, why, sizeof why, NULL);
            if (rc != 0)
                break;
            action = sol_sync_sign_action(vd, policy);
        }
        if (on_object)
            on_object(ud, i, v, vd, action, why);
        i++;
    }
    sol__sign_scratch_free(&sc);
    return rc == 0 ? 0 : sol_error_set(err, rc, "%s", sol_strerror(rc));
}

/* What became of an object of the page. */
enum sorted { S_MAIN = 0, S_QUARANTINE = 1, S_REFUSE = 2, S_SKIP = 3 };

struct page_ctx {
    struct sol_store *s;
    const struct sol_peer_config *c;
    /* the peer's keys and this node's own (our objects come back from peers we push to) */
    uint8_t keys[SOL_PEER_MAX_KEYS + 1][SOL_SIGN_PUBLIC_BYTES];
    size_t n_keys;
    struct sol_sync_report *rep;
    char origin[80];
    int into_default_tlp; /* the stricter of the collection's and the peer's agreed default */
    const char *red[1];
    size_t n_red;
    /* provenance (ingest.h): the peer's partner speaks; NULL who: the operator imports */
    const struct sol_principal *who;
    struct sol_trust *trust;
};

/*
 * The provenance context of a page: the keys held and, when someone speaks (a pull, a
 * peer's offline bundle; not the operator's own import), the asker: the peer's partner
 * (none when the peer has none), with the clearance given to the peer.
 */
static int
page_provenance(struct page_ctx *pc, bool speaks, const char *partner, struct sol_principal *who,
                struct sol_error *err)
{
    int rc = sol_trust_load(pc->s, &pc->trust, err);
    if (rc != 0 || !speaks)
        return rc;
    memset(who, 0, sizeof *who);
    snprintf(who->name, sizeof who->name, "%s", pc->origin);
    who->clearance = pc->c->max_tlp;
    pc->who = who;
    if (!partner)
        return 0; /* a peer for no partner speaks for no one: its objects are nobody's own */
    struct sol_partner p;
    rc = sol_store_partner_get(pc->s, partner, &p);
    if (rc != 0) {
        sol_trust_free(pc->trust);
        pc->trust = NULL;
        return sol_error_set(err, rc, "partner %s: %s", partner,
                             rc == SOL_ENOTFOUND ? "no such partner" : sol_store_errmsg(pc->s));
    }
    who->partner_id = p.id;
    snprintf(who->partner_name, sizeof who->partner_name, "%s", p.name);
    snprintf(who->partner_identity, sizeof who->partner_identity, "%s",
             p.identity ? p.identity : "");
    sol_partner_clear(&p);
    return 0;
}

static int
audit_refusal(struct page_ctx *pc, const struct sol_json *obj, const char *reason)
{
    struct sol_buf d;
    sol_buf_init(&d);
    struct sol_json_writer w;
    sol_jw_init(&w, &d, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "peer");
    sol_jw_string(&w, pc->c->name);
    sol_jw_key(&w, "id");
    struct sol_str id = sol_json_str(sol_json_get(obj, "id"));
    sol_jw_stringn(&w, id.p ? id.p : "", id.n);
    struct sol_str mod = sol_json_str(sol_json_get(obj, "modified"));
    if (mod.p) {
        sol_jw_key(&w, "modified");
        sol_jw_stringn(&w, mod.p, mod.n);
    }
    sol_jw_key(&w, "reason");
    sol_jw_string(&w, reason);
    sol_jw_object_end(&w);
    int rc =
        d.oom ? SOL_ENOMEM : sol_store_audit(pc->s, pc->origin, "sync.refuse", pc->c->into, d.p);
    sol_buf_free(&d);
    return rc;
}

/* Ingest the objects of the page sorted as `which` into collection; leaves *inp open. */
static int
ingest_sorted(struct page_ctx *pc, const struct sol_json *objects, const uint8_t *sorted,
              uint8_t which, const char *collection, struct sol_ingest **inp, struct sol_error *err)
{
    struct sol_ingest_options io = {
        .collection = collection,
        .actor = pc->origin,
        .origin = pc->origin,
        .red_recipients = pc->red,
        .n_red_recipients = pc->n_red,
        .batch_size = 0, /* one transaction: the page, with its state */
        .into_quarantine = which == S_QUARANTINE,
        .asker = pc->who,
        .trust = pc->trust,
        .default_tlp = pc->c->default_tlp,
        .unverified = pc->c->quarantine ? SOL_SIGN_QUARANTINE : SOL_SIGN_REFUSE,
        .quarantine = pc->c->quarantine,
    };
    int rc = sol_ingest_begin(pc->s, &io, inp, err);
    if (rc != 0)
        return rc;
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, objects);
    char path[48];
    for (size_t i = 0; sol_json_iter_next(&it, NULL, &v); i++) {
        if (sorted[i] != which)
            continue;
        snprintf(path, sizeof path, "objects[%zu]", i);
        struct sol_ingest_result res;
        rc = sol_ingest_object(*inp, v, path, &res);
        if (rc != 0)
            return sol_error_set(err, rc, "%s: %s", collection, sol_strerror(rc));
        if (res.outcome == SOL_INGEST_REJECTED) {
            pc->rep->rejected++;
            rc = audit_refusal(pc, v, res.message);
            if (rc != 0)
                return sol_error_set(err, rc, "%s", sol_store_errmsg(pc->s));
        } else if (which == S_QUARANTINE || res.outcome == SOL_INGEST_QUARANTINED) {
            pc->rep->quarantined++;
        } else if (res.outcome == SOL_INGEST_STORED) {
            pc->rep->pulled_stored++;
        } else {
            pc->rep->pulled_held++;
        }
    }
    return 0;
}

/*
 * Handle one parsed page: sort, quarantine, ingest, audit and save the state st (when not
 * NULL) in the transaction of the accepted objects.
 */
static int
handle_page(struct page_ctx *pc, struct sol_sign_scratch *sc, const struct sol_json *objects,
            const struct pull_state *st, struct sol_error *err)
{
    const struct sol_peer_config *c = pc->c;
    size_t n = objects ? objects->n : 0;
    uint8_t *sorted = sol_calloc(n ? n : 1, 1);
    if (!sorted)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    size_t n_quarantine = 0;
    struct sol_json_iter it;
    const struct sol_json *v;
    int rc = 0;
    if (n)
        sol_json_iter_init(&it, objects);
    for (size_t i = 0; n && sol_json_iter_next(&it, NULL, &v); i++) {
        if (sol_json_type(v) == SOL_JSON_OBJECT && sol_sign_is_extension_definition(v)) {
            sorted[i] = S_SKIP;
            continue;
        }
        int tlp = (int)sol_stix_object_tlp(v);
        if (tlp == SOL_TLP_NONE)
            tlp = pc->into_default_tlp;
        if (tlp > c->max_tlp) {
            sorted[i] = S_REFUSE;
            continue;
        }
        enum sol_sign_verdict vd = SOL_SIGN_UNSIGNED;
        rc = sol__sign_verify(sc, v, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])pc->keys, pc->n_keys,
                              &vd, NULL, 0, NULL);
        if (rc == 0 && vd == SOL_SIGN_UNKNOWN_KEY) {
            /* relayed: signed by its creator, whose key this node holds (sign.h: trust) */
            char by[128];
            struct sol_str cb = sol_json_str(sol_json_get(v, "created_by_ref"));
            snprintf(by, sizeof by, "%.*s", (int)(cb.n < 127 ? cb.n : 127), cb.p ? cb.p : "");
            enum sol_sign_verdict tv = SOL_SIGN_UNSIGNED;
            rc = cb.p ? sol_trust_verify(pc->trust, by, v, &tv, NULL, 0) : 0;
            if (tv == SOL_SIGN_VALID)
                vd = tv;
        }
        if (rc != 0)
            break;
        int action = sol_sync_sign_action(vd, c->unsigned_policy);
        if (action == SOL_SIGN_QUARANTINE && !c->quarantine)
            action = SOL_SIGN_REFUSE;
        sorted[i] = action == SOL_SIGN_ACCEPT       ? S_MAIN
                    : action == SOL_SIGN_QUARANTINE ? S_QUARANTINE
                                                    : S_REFUSE;
        if (sorted[i] == S_QUARANTINE)
            n_quarantine++;
    }
    if (rc != 0) {
        sol_free(sorted);
        return sol_error_set(err, rc, "%s", sol_strerror(rc));
    }
    struct sol_ingest *in = NULL;
    if (n_quarantine) {
        rc = ingest_sorted(pc, objects, sorted, S_QUARANTINE, c->quarantine, &in, err);
        if (rc == 0)
            rc = sol_ingest_end(in);
        else
            sol_ingest_abort(in);
        in = NULL;
        if (rc != 0) {
            sol_free(sorted);
            return err && err->msg[0]
                       ? rc
                       : sol_error_set(err, rc, "quarantine: %s", sol_store_errmsg(pc->s));
        }
    }
    rc = ingest_sorted(pc, objects, sorted, S_MAIN, c->into, &in, err);
    if (rc == 0) {
        /* The ingest's transaction is open when it wrote something; else open one, so the
         * refusals and the state still commit together. */
        bool open = sol_ingest_in_transaction(in);
        bool own = false;
        if (!open) {
            rc = sol_store_begin(pc->s);
            own = rc == 0;
        }
        if (n)
            sol_json_iter_init(&it, objects);
        for (size_t i = 0; rc == 0 && n && sol_json_iter_next(&it, NULL, &v); i++) {
            if (sorted[i] != S_REFUSE)
                continue;
            pc->rep->refused++;
            int tlp = (int)sol_stix_object_tlp(v);
            if (tlp == SOL_TLP_NONE)
                tlp = pc->into_default_tlp;
            char why[400];
            if (tlp > c->max_tlp) {
                snprintf(why, sizeof why, "%s is above the clearance %s given to the peer",
                         sol_tlp_name((enum sol_tlp)tlp), sol_tlp_name((enum sol_tlp)c->max_tlp));
            } else {
                enum sol_sign_verdict vd = SOL_SIGN_UNSIGNED;
                char vwhy[200] = "";
                rc = sol__sign_verify(sc, v, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])pc->keys,
                                      pc->n_keys, &vd, vwhy, sizeof vwhy, NULL);
                snprintf(why, sizeof why, "%s (policy %s): %s", sol_sign_verdict_name(vd),
                         sol_sign_policy_name((enum sol_sign_policy)c->unsigned_policy), vwhy);
            }
            if (rc == 0)
                rc = audit_refusal(pc, v, why);
        }
        if (rc == 0 && st)
            rc = state_save(pc->s, c->name, st);
        if (own) {
            if (rc == 0)
                rc = sol_store_commit(pc->s);
            else
                sol_store_rollback(pc->s);
        }
        if (rc == 0) {
            rc = sol_ingest_end(in); /* commits the page, its audits and its state */
        } else {
            sol_ingest_abort(in);
        }
        in = NULL;
        if (rc != 0)
            sol_error_set(err, rc, "cannot commit the page: %s", sol_store_errmsg(pc->s));
    } else {
        sol_ingest_abort(in);
    }
    sol_free(sorted);
    return rc;
}

static int
http_failure(const struct sol__taxii_reply *r, const char *url, struct sol_error *err)
{
    char text[400];
    sol__reply_error_text(r, text, sizeof text);
    int code = r->status == 401   ? SOL_EAUTH
               : r->status == 403 ? SOL_EDENIED
               : r->status == 404 ? SOL_ENOTFOUND
                                  : SOL_ENET;
    return sol_error_set(err, code, "%s: HTTP %ld%s%s", url, r->status, text[0] ? ": " : "", text);
}

static int
into_default_tlp(struct sol_store *s, const char *collection)
{
    struct sol_collection col;
    if (sol_store_collection_get(s, NULL, collection, &col) != 0)
        return SOL_TLP_AMBER;
    int t = col.default_tlp > 0 ? col.default_tlp : SOL_TLP_AMBER;
    sol_collection_clear(&col);
    return t;
}

/* sync_internal.h: pull every page the peer has for us. */
int
sol__pull(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
          const struct sol_sync_options *o, struct sol_sync_report *rep, struct sol_error *err)
{
    struct pull_state st;
    int rc = state_load(s, c->name, &st);
    if (rc != 0)
        return sol_error_set(err, rc, "cannot read the pull state: %s", sol_store_errmsg(s));
    struct page_ctx pc = {.s = s, .c = c, .rep = rep};
    sol__peer_origin(c->name, pc.origin, sizeof pc.origin);
    pc.into_default_tlp = into_default_tlp(s, c->into);
    if (c->default_tlp > pc.into_default_tlp) /* the stricter (access.h "Policy") */
        pc.into_default_tlp = c->default_tlp;
    struct sol_principal who;
    rc = page_provenance(&pc, true, c->partner, &who, err);
    if (rc != 0)
        return rc;
    memcpy(pc.keys, c->keys, c->n_keys * SOL_SIGN_PUBLIC_BYTES);
    pc.n_keys = c->n_keys;
    struct sol_buf own;
    sol_buf_init(&own);
    if (sol_store_setting_get(s, SOL_SETTING_SIGN_PUBLIC, &own) == 0 &&
        sol_sign_public_parse(own.p, own.n, pc.keys[pc.n_keys]) == 0)
        pc.n_keys++;
    sol_buf_free(&own);
    struct sol_partner partner;
    memset(&partner, 0, sizeof partner);
    if (c->partner && sol_store_partner_get(s, c->partner, &partner) == 0 && partner.identity) {
        pc.red[0] = partner.identity;
        pc.n_red = 1;
    }
    struct sol_json_limits lim = {.max_bytes = (size_t)256 << 20, .max_depth = 128};
    struct sol_json_doc *doc = sol_json_doc_new(&lim);
    struct sol__taxii_reply r;
    sol__reply_init(&r);
    struct sol_buf url;
    sol_buf_init(&url);
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", c->page ? c->page : (size_t)SOL_PEER_DEFAULT_PAGE);
    const char *parts[] = {"collections", c->collection, "objects"};
    bool retried_cursor = false;
    rc = doc ? 0 : sol_error_set(err, SOL_ENOMEM, "out of memory");
    for (size_t page = 0; rc == 0; page++) {
        if (o && o->max_pages && page >= o->max_pages)
            break;
        if (sol__client_stopping(cl)) {
            rc = sol_error_set(err, SOL_EBUSY, "stopped");
            break;
        }
        const char *q[] = {"limit",       limit,
                           "added_after", st.added_after[0] ? st.added_after : NULL,
                           "next",        st.next[0] ? st.next : NULL};
        sol_buf_reset(&url);
        sol_sync_url(&url, c->url, c->api_root, parts, 3, q, 3);
        if (url.oom) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            break;
        }
        rc = sol__client_request(cl, url.p, NULL, 0, &r, &rep->retries, err);
        if (rc != 0)
            break;
        if (r.status == 400 && st.next[0] && !retried_cursor) {
            /* The server no longer takes our cursor (restarted with a new key, or
             * another server): go on from the last page committed instead. */
            retried_cursor = true;
            st.next[0] = 0;
            if (st.last[0])
                memcpy(st.added_after, st.last, sizeof st.added_after);
            continue;
        }
        if (r.status != 200) {
            rc = http_failure(&r, url.p, err);
            break;
        }
        retried_cursor = false;
        const struct sol_json *root = NULL;
        rc = sol_json_parse(doc, r.body.p ? r.body.p : "", r.body.n, &root, err);
        if (rc != 0) {
            char m[600];
            snprintf(m, sizeof m, "%s: the reply is not JSON: %s", url.p, err ? err->msg : "");
            rc = sol_error_set(err, rc, "%s", m);
            break;
        }
        const struct sol_json *objects = sol_json_get(root, "objects");
        if (objects && sol_json_type(objects) != SOL_JSON_ARRAY) {
            rc = sol_error_set(err, SOL_EINVALID, "%s: objects is not a list", url.p);
            break;
        }
        const struct sol_json *more_v = sol_json_get(root, "more");
        bool more = sol_json_type(more_v) == SOL_JSON_BOOL && more_v->u.b;
        struct sol_str next = sol_json_str(sol_json_get(root, "next"));
        struct pull_state nst = st;
        if (r.date_added_last[0])
            snprintf(nst.last, sizeof nst.last, "%s", r.date_added_last);
        if (more && next.p && next.n < sizeof nst.next) {
            memcpy(nst.next, next.p, next.n);
            nst.next[next.n] = 0;
        } else {
            nst.next[0] = 0;
            if (r.date_added_last[0])
                snprintf(nst.added_after, sizeof nst.added_after, "%s", r.date_added_last);
        }
        if (more && !nst.next[0] && !r.date_added_last[0]) {
            rc = sol_error_set(err, SOL_EINVALID,
                               "%s: more is true without next or "
                               "X-TAXII-Date-Added-Last: cannot page",
                               url.p);
            break;
        }
        rc = handle_page(&pc, &sc, objects, &nst, err);
        if (rc != 0)
            break;
        st = nst;
        rep->pages++;
        if (o && o->progress)
            o->progress(o->ud, c->name, "page", objects ? objects->n : 0);
        if (!more)
            break;
    }
    sol__sign_scratch_free(&sc);
    sol_buf_free(&url);
    sol__reply_free(&r);
    sol_json_doc_free(doc);
    sol_partner_clear(&partner);
    sol_trust_free(pc.trust);
    return rc;
}

/* Ask the partner which of ids it still has; delete the others locally. */
static int
reconcile_batch(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
                struct sol_json_doc *doc, char **ids, size_t n, struct sol__taxii_reply *r,
                struct sol_sync_report *rep, const char *origin, const char *red_as,
                struct sol_error *err)
{
    struct sol_buf list, url;
    sol_buf_init(&list);
    sol_buf_init(&url);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sol_buf_putc(&list, ',');
        sol_buf_puts(&list, ids[i]);
    }
    const char *parts[] = {"collections", c->collection, "manifest"};
    const char *q[] = {"match[id]", list.p, "limit", "1000"};
    sol_sync_url(&url, c->url, c->api_root, parts, 3, q, 2);
    int rc = list.oom || url.oom ? sol_error_set(err, SOL_ENOMEM, "out of memory") : 0;
    if (rc == 0)
        rc = sol__client_request(cl, url.p, NULL, 0, r, &rep->retries, err);
    if (rc == 0 && r->status != 200)
        rc = http_failure(r, url.p, err);
    const struct sol_json *root = NULL;
    if (rc == 0)
        rc = sol_json_parse(doc, r->body.p ? r->body.p : "", r->body.n, &root, err);
    bool *seen = rc == 0 ? sol_calloc(n, sizeof *seen) : NULL;
    if (rc == 0 && !seen)
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (rc == 0) {
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, sol_json_get(root, "objects"));
        while (sol_json_iter_next(&it, NULL, &v)) {
            struct sol_str id = sol_json_str(sol_json_get(v, "id"));
            for (size_t i = 0; i < n; i++)
                if (sol_str_eqc(id, ids[i]))
                    seen[i] = true;
        }
        const struct sol_json *more = sol_json_get(root, "more");
        if (sol_json_type(more) == SOL_JSON_BOOL && more->u.b) {
            /* Should not happen with one record per id; be safe: delete nothing. */
            memset(seen, 1, n * sizeof *seen);
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (seen[i])
            continue;
        const char *one[1] = {ids[i]};
        struct sol_object_filter f = {.collection = c->into,
                                      .ids = one,
                                      .n_ids = 1,
                                      .max_tlp = SOL_TLP_RED,
                                      .asker_identity = red_as};
        rc = sol_store_begin(s);
        size_t deleted = 0;
        if (rc == 0)
            rc = sol_store_objects_delete(s, &f, &deleted);
        if (rc == 0) {
            char d[400];
            snprintf(d, sizeof d,
                     "{\"peer\":\"%s\",\"id\":\"%s\",\"versions\":%zu,"
                     "\"reason\":\"no longer in the partner's collection\"}",
                     c->name, ids[i], deleted);
            rc = sol_store_audit(s, origin, "sync.delete", c->into, d);
        }
        if (rc == 0)
            rc = sol_store_commit(s);
        else
            sol_store_rollback(s);
        if (rc != 0)
            rc = sol_error_set(err, rc, "cannot delete %s: %s", ids[i], sol_store_errmsg(s));
        else
            rep->deleted++;
    }
    sol_free(seen);
    sol_buf_free(&list);
    sol_buf_free(&url);
    return rc;
}

#define RECONCILE_BATCH 40

/* sync_internal.h: deletions, by asking the partner's manifest about what we hold. */
int
sol__reconcile(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
               const struct sol_sync_options *o, struct sol_sync_report *rep, struct sol_error *err)
{
    struct pull_state st;
    int rc = state_load(s, c->name, &st);
    if (rc != 0)
        return sol_error_set(err, rc, "cannot read the pull state: %s", sol_store_errmsg(s));
    sol_time_t now = sol_time_now();
    if (!(o && o->force_reconcile) && st.reconciled && now - st.reconciled < c->reconcile * 1000000)
        return 0;
    char origin[80];
    sol__peer_origin(c->name, origin, sizeof origin);
    /* TLP:RED versions from the peer list its partner among their recipients (pull adds
     * it), so asking as that partner reaches them too. */
    struct sol_partner partner;
    memset(&partner, 0, sizeof partner);
    const char *red_as = NULL;
    if (c->partner && sol_store_partner_get(s, c->partner, &partner) == 0)
        red_as = partner.identity;
    char *ids[RECONCILE_BATCH];
    size_t n = 0;
    bool has_after = false;
    sol_time_t after_da = 0;
    int64_t after_seq = 0;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol__taxii_reply r;
    sol__reply_init(&r);
    if (!doc)
        rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
    for (bool done = false; rc == 0 && !done;) {
        struct sol_object_filter f = {
            .collection = c->into,
            .has_after = has_after,
            .after_date_added = after_da,
            .after_seq = after_seq,
            .max_tlp = SOL_TLP_RED,
            .asker_identity = red_as,
            .skip_json = true,
            .limit = 1000,
        };
        struct sol_store_cursor *cur = NULL;
        rc = sol_store_objects_query(s, &f, &cur);
        if (rc != 0) {
            rc = sol_error_set(err, rc, "%s", sol_store_errmsg(s));
            break;
        }
        struct sol_object_row row;
        size_t seen_rows = 0;
        int qrc = 0;
        while (n < RECONCILE_BATCH && (qrc = sol_store_cursor_next(cur, &row)) == 0) {
            seen_rows++;
            has_after = true;
            after_da = row.date_added;
            after_seq = row.seq;
            if (!sol_str_eqc(row.origin, origin))
                continue;
            if (!(ids[n] = sol_strndup(row.id.p, row.id.n))) {
                rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
                break;
            }
            n++;
        }
        /* A failed read is not the end of our objects: stop without deciding anything. */
        if (rc == 0 && qrc != 0 && qrc != SOL_EEOF)
            rc = sol_error_set(err, qrc, "cannot read the objects to reconcile: %s",
                               sol_store_errmsg(s));
        sol_store_cursor_close(cur);
        if (rc != 0)
            break;
        if (seen_rows == 0 || (n < RECONCILE_BATCH && seen_rows < 1000))
            done = true;
        if (n == RECONCILE_BATCH || (done && n)) {
            rc = reconcile_batch(s, c, cl, doc, ids, n, &r, rep, origin, red_as, err);
            for (size_t i = 0; i < n; i++)
                sol_free(ids[i]);
            n = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        sol_free(ids[i]);
    sol__reply_free(&r);
    sol_json_doc_free(doc);
    sol_partner_clear(&partner);
    if (rc == 0) {
        /* Re-read: the pull of this run wrote its own state. */
        rc = state_load(s, c->name, &st);
        st.reconciled = now;
        if (rc == 0)
            rc = state_save(s, c->name, &st);
        if (rc != 0)
            rc = sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    }
    return rc;
}

/* sync.h: an offline bundle, checked as a pull would check it. */
int
sol_sync_import_document(struct sol_store *s, const struct sol_sync_import_options *io,
                         const struct sol_json *root, struct sol_sync_report *rep,
                         struct sol_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (!io || !io->collection)
        return sol_error_set(err, SOL_EINVAL, "no collection given");
    if (io->n_keys > SOL_PEER_MAX_KEYS)
        return sol_error_set(err, SOL_EINVAL, "at most %d keys", SOL_PEER_MAX_KEYS);
    const struct sol_json *list = NULL;
    if (sol_json_type(root) == SOL_JSON_ARRAY)
        list = root;
    else if (sol_json_type(root) == SOL_JSON_OBJECT && sol_json_get(root, "objects"))
        list = sol_json_get(root, "objects");
    if (!list || sol_json_type(list) != SOL_JSON_ARRAY)
        return sol_error_set(err, SOL_EINVALID,
                             "expected a STIX bundle, a TAXII envelope or a "
                             "list of objects");
    /* The checks of a pull, with a configuration made for this import. */
    struct sol_peer_config c;
    memset(&c, 0, sizeof c);
    char name[] = "import";
    c.name = name;
    c.into = (char *)(uintptr_t)io->collection;
    c.quarantine = (char *)(uintptr_t)io->quarantine;
    c.max_tlp = io->max_tlp ? io->max_tlp : SOL_TLP_RED;
    c.unsigned_policy = io->policy;
    memcpy(c.keys, io->keys, io->n_keys * SOL_SIGN_PUBLIC_BYTES);
    c.n_keys = io->n_keys;
    c.partner = (char *)(uintptr_t)io->partner;
    c.default_tlp = io->default_tlp;
    struct page_ctx pc = {.s = s, .c = &c, .rep = rep};
    snprintf(pc.origin, sizeof pc.origin, "%s", io->origin ? io->origin : "import");
    pc.into_default_tlp = into_default_tlp(s, io->collection);
    if (c.default_tlp > pc.into_default_tlp)
        pc.into_default_tlp = c.default_tlp;
    struct sol_principal who;
    int rc = page_provenance(&pc, io->partner != NULL, io->partner, &who, err);
    if (rc != 0)
        return rc;
    memcpy(pc.keys, io->keys, io->n_keys * SOL_SIGN_PUBLIC_BYTES);
    pc.n_keys = io->n_keys;
    struct sol_buf own;
    sol_buf_init(&own);
    if (sol_store_setting_get(s, SOL_SETTING_SIGN_PUBLIC, &own) == 0 &&
        sol_sign_public_parse(own.p, own.n, pc.keys[pc.n_keys]) == 0)
        pc.n_keys++;
    sol_buf_free(&own);
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    rc = handle_page(&pc, &sc, list, NULL, err);
    sol__sign_scratch_free(&sc);
    sol_trust_free(pc.trust);
    return rc;
}

/* sync.h: an offline bundle from a peer, with that peer's checks. */
int
sol_sync_import_from_peer(struct sol_store *s, const char *peer, const struct sol_json *root,
                          struct sol_sync_report *rep, struct sol_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct sol_peer_config c;
    int rc = sol_peer_get(s, peer, &c, err);
    if (rc != 0)
        return rc;
    char origin[80];
    sol__peer_origin(c.name, origin, sizeof origin);
    struct sol_sync_import_options io = {
        .collection = c.into,
        .quarantine = c.quarantine,
        .origin = origin,
        .keys = (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])c.keys,
        .n_keys = c.n_keys,
        .policy = c.unsigned_policy,
        .max_tlp = c.max_tlp,
        .partner = c.partner,
        .default_tlp = c.default_tlp,
    };
    rc = sol_sync_import_document(s, &io, root, rep, err);
    sol_peer_config_clear(&c);
    return rc;
}
