/*
 * push.c — sending this node's new versions to a peer (sync.h).
 *
 * What goes: the versions of the push collection, in date_added order after the last
 * one pushed, that the peer's partner may see as if it asked itself (access.h: the
 * clearance given to the peer, TLP:RED recipients, a read grant on the collection), and
 * that did not come from that peer nor were created by its partner (no echo). Unsigned
 * versions are signed by this
 * node on the way out (the stored version is not changed); versions signed by someone
 * already keep that signature (provenance stays with the author).
 *
 * How: envelopes within the remote API root's max_content_length (TAXII 2.1 §4.2),
 * POSTed (§5.5); the status resource is followed (§4.3) until complete. Only then is the
 * state ("peer.<name>.push": {"date_added": µs, "seq": n}) moved past the envelope, so a
 * failure or a kill sends the envelope again next time, where the versions the peer
 * already holds are no-ops. Objects the peer refused are audited ("sync.push.failed").
 */
#include <stdio.h>
#include <string.h>

#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/store.h"
#include "sync/sync_internal.h"

struct push_state {
    sol_time_t date_added;
    int64_t seq;
};

static int
state_load(struct sol_store *s, const char *peer, struct push_state *st)
{
    memset(st, 0, sizeof *st);
    char key[128];
    snprintf(key, sizeof key, "peer.%s.push", peer);
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_store_setting_get(s, key, &b);
    if (rc == 0) {
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root = NULL;
        if (doc && sol_json_parse(doc, b.p, b.n, &root, NULL) == 0) {
            const struct sol_json *d = sol_json_get(root, "date_added");
            const struct sol_json *q = sol_json_get(root, "seq");
            if (sol_json_type(d) == SOL_JSON_INT)
                st->date_added = d->u.i;
            if (sol_json_type(q) == SOL_JSON_INT)
                st->seq = q->u.i;
        }
        sol_json_doc_free(doc);
    }
    sol_buf_free(&b);
    return rc == SOL_ENOTFOUND ? 0 : rc;
}

static int
state_save(struct sol_store *s, const char *peer, const struct push_state *st)
{
    char key[128], val[128];
    snprintf(key, sizeof key, "peer.%s.push", peer);
    snprintf(val, sizeof val, "{\"date_added\":%lld,\"seq\":%lld}", (long long)st->date_added,
             (long long)st->seq);
    return sol_store_setting_set(s, key, val);
}

struct pusher {
    struct sol_store *s;
    const struct sol_peer_config *c;
    struct sol__taxii_client *cl;
    const struct sol_sync_options *o;
    struct sol_sync_report *rep;
    struct sol_json_doc *doc;
    struct sol__taxii_reply r;
    struct sol_buf url, env, one;
    size_t budget;
    char origin[80];
};

/* The remote API root's max_content_length (TAXII 2.1 §4.2.1). */
static int
remote_budget(struct pusher *p, struct sol_error *err)
{
    sol_buf_reset(&p->url);
    sol_sync_url(&p->url, p->c->url, p->c->api_root, NULL, 0, NULL, 0);
    int rc = sol__client_request(p->cl, p->url.p, NULL, 0, &p->r, &p->rep->retries, err);
    if (rc != 0)
        return rc;
    int64_t mcl = 0;
    const struct sol_json *root = NULL;
    if (p->r.status == 200 && sol_json_parse(p->doc, p->r.body.p, p->r.body.n, &root, NULL) == 0)
        mcl = (int64_t)sol_json_number(sol_json_get(root, "max_content_length"));
    if (mcl <= 0)
        mcl = 1 << 20; /* unknown: a conservative megabyte */
    /* The envelope's own braces and commas are counted; keep a margin for them. */
    p->budget = (size_t)mcl > 256 ? (size_t)mcl - 64 : (size_t)mcl;
    if (p->budget > ((size_t)16 << 20))
        p->budget = (size_t)16 << 20;
    return 0;
}

static int
audit_failures(struct pusher *p, const struct sol_json *failures)
{
    struct sol_json_iter it;
    const struct sol_json *v;
    sol_json_iter_init(&it, failures);
    int rc = 0;
    while (rc == 0 && sol_json_iter_next(&it, NULL, &v)) {
        p->rep->push_failed++;
        struct sol_buf d;
        sol_buf_init(&d);
        struct sol_json_writer w;
        sol_jw_init(&w, &d, false);
        sol_jw_object_begin(&w);
        sol_jw_key(&w, "peer");
        sol_jw_string(&w, p->c->name);
        sol_jw_key(&w, "failure");
        sol_jw_value(&w, v);
        sol_jw_object_end(&w);
        rc = d.oom ? SOL_ENOMEM
                   : sol_store_audit(p->s, p->origin, "sync.push.failed",
                                     p->c->push_from ? p->c->push_from : p->c->into, d.p);
        sol_buf_free(&d);
    }
    return rc;
}

/* POST the envelope and follow its status until complete (§4.3.1). */
static int
post_envelope(struct pusher *p, size_t n_objects, struct sol_error *err)
{
    const struct sol_peer_config *c = p->c;
    const char *parts[] = {"collections", c->collection, "objects"};
    sol_buf_reset(&p->url);
    sol_sync_url(&p->url, c->url, c->api_root, parts, 3, NULL, 0);
    int rc = sol__client_request(p->cl, p->url.p, p->env.p, p->env.n, &p->r, &p->rep->retries, err);
    if (rc != 0)
        return rc;
    if (p->r.status != 202 && p->r.status != 200 && p->r.status != 201) {
        char text[400];
        sol__reply_error_text(&p->r, text, sizeof text);
        int code = p->r.status == 401 ? SOL_EAUTH : p->r.status == 403 ? SOL_EDENIED : SOL_ENET;
        return sol_error_set(err, code, "%s: HTTP %ld%s%s", p->url.p, p->r.status,
                             text[0] ? ": " : "", text);
    }
    unsigned wait = 200;
    for (unsigned polls = 0;; polls++) {
        const struct sol_json *root = NULL;
        rc = sol_json_parse(p->doc, p->r.body.p ? p->r.body.p : "", p->r.body.n, &root, err);
        if (rc != 0)
            return rc;
        struct sol_str status = sol_json_str(sol_json_get(root, "status"));
        if (sol_str_eqc(status, "complete")) {
            rc = audit_failures(p, sol_json_get(root, "failures"));
            if (rc != 0)
                return sol_error_set(err, rc, "%s", sol_store_errmsg(p->s));
            int64_t ok = (int64_t)sol_json_number(sol_json_get(root, "success_count"));
            p->rep->pushed += ok > 0 ? (size_t)ok : 0;
            p->rep->envelopes++;
            (void)n_objects;
            return 0;
        }
        struct sol_str sid = sol_json_str(sol_json_get(root, "id"));
        if (!sid.p || sid.n > 100)
            return sol_error_set(err, SOL_EINVALID, "%s: the reply is not a status resource",
                                 p->url.p);
        if (polls >= 30)
            return sol_error_set(err, SOL_ETIMEOUT,
                                 "the peer's status %.*s is still %.*s after "
                                 "%u checks",
                                 (int)sid.n, sid.p, (int)status.n, status.p, polls);
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)sid.n, sid.p);
        const char *sp[] = {"status", id};
        sol_buf_reset(&p->url);
        sol_sync_url(&p->url, c->url, c->api_root, sp, 2, NULL, 0);
        sol__sleep_ms(wait);
        if (sol__client_stopping(p->cl))
            return sol_error_set(err, SOL_EBUSY, "stopped");
        wait = wait < 5000 ? wait * 2 : 5000;
        rc = sol__client_request(p->cl, p->url.p, NULL, 0, &p->r, &p->rep->retries, err);
        if (rc != 0)
            return rc;
        if (p->r.status != 200)
            return sol_error_set(err, SOL_ENET, "%s: HTTP %ld", p->url.p, p->r.status);
    }
}

/* sync_internal.h: push what is new. */
int
sol__push(struct sol_store *s, const struct sol_peer_config *c, struct sol__taxii_client *cl,
          const struct sol_sync_options *o, struct sol_sync_report *rep, struct sol_error *err)
{
    const char *from = c->push_from ? c->push_from : c->into;
    if (!c->partner)
        return sol_error_set(err, SOL_EINVAL, "peer %s: pushing needs a partner", c->name);
    struct sol_principal who;
    memset(&who, 0, sizeof who);
    struct sol_partner partner;
    int rc = sol_store_partner_get(s, c->partner, &partner);
    if (rc != 0)
        return sol_error_set(err, rc, "peer %s: partner %s: %s", c->name, c->partner,
                             rc == SOL_ENOTFOUND ? "no such partner" : sol_store_errmsg(s));
    /* The policy (access.h) as if the partner asked. */
    who.partner_id = partner.id;
    snprintf(who.name, sizeof who.name, "peer:%s", c->name);
    snprintf(who.partner_name, sizeof who.partner_name, "%s", partner.name);
    snprintf(who.partner_identity, sizeof who.partner_identity, "%s",
             partner.identity ? partner.identity : "");
    who.clearance = c->max_tlp;
    sol_partner_clear(&partner);
    /* access.h's can_read asks about a user; a peer speaks for a whole partner, so ask
     * the grants of the partner itself (user 0). */
    bool can_read = false, can_write = false;
    if (sol_store_grant_check(s, from, 0, who.partner_id, &can_read, &can_write) != 0)
        can_read = false;
    if (!can_read)
        return sol_error_set(err, SOL_EDENIED,
                             "peer %s: partner %s may not read the collection "
                             "%s here, so nothing of it is pushed (grant it "
                             "read first)",
                             c->name, c->partner, from);
    struct sol_sign_key key;
    rc = sol_sign_node_key(s, o ? o->data_dir : NULL, &key, err);
    if (rc != 0)
        return rc;
    struct push_state st;
    rc = state_load(s, c->name, &st);
    if (rc != 0) {
        sol_sign_key_clear(&key);
        return sol_error_set(err, rc, "cannot read the push state: %s", sol_store_errmsg(s));
    }
    struct pusher p = {.s = s, .c = c, .cl = cl, .o = o, .rep = rep};
    sol__peer_origin(c->name, p.origin, sizeof p.origin);
    sol__reply_init(&p.r);
    sol_buf_init(&p.url);
    sol_buf_init(&p.env);
    sol_buf_init(&p.one);
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    struct sol_json_limits lim = {.max_bytes = (size_t)256 << 20, .max_depth = 128};
    p.doc = sol_json_doc_new(&lim);
    struct sol_json_doc *odoc = sol_json_doc_new(&lim);
    rc = p.doc && odoc ? remote_budget(&p, err) : sol_error_set(err, SOL_ENOMEM, "out of memory");
    while (rc == 0) {
        if (sol__client_stopping(cl)) {
            rc = sol_error_set(err, SOL_EBUSY, "stopped");
            break;
        }
        struct sol_object_filter f = {
            .collection = from,
            .has_after = st.date_added != 0 || st.seq != 0,
            .after_date_added = st.date_added,
            .after_seq = st.seq,
            .version_match = SOL_VERSION_ALL,
            .limit = 500,
        };
        sol_access_filter(&who, &f);
        struct sol_store_cursor *cur = NULL;
        rc = sol_store_objects_query(s, &f, &cur);
        if (rc != 0) {
            rc = sol_error_set(err, rc, "%s", sol_store_errmsg(s));
            break;
        }
        struct push_state upto = st;
        size_t rows = 0, in_env = 0;
        bool full = false;
        sol_buf_reset(&p.env);
        sol_buf_puts(&p.env, "{\"objects\":[");
        struct sol_object_row row;
        int qrc = 0;
        while (!full && (qrc = sol_store_cursor_next(cur, &row)) == 0) {
            rows++;
            if (sol_str_eqc(row.origin, p.origin) || !sol_access_may_see(&who, &row)) {
                upto.date_added = row.date_added;
                upto.seq = row.seq;
                continue; /* from this peer (no echo), or not for it (checked twice) */
            }
            const struct sol_json *obj = NULL;
            struct sol_error perr;
            if (sol_json_parse(odoc, row.json.p, row.json.n, &obj, &perr) != 0) {
                upto.date_added = row.date_added;
                upto.seq = row.seq;
                continue; /* cannot happen for stored JSON; skip rather than stop */
            }
            if (who.partner_identity[0] &&
                sol_str_eqc(sol_json_str(sol_json_get(obj, "created_by_ref")),
                            who.partner_identity)) {
                /* the partner's own object (it may have reached us by another door) */
                upto.date_added = row.date_added;
                upto.seq = row.seq;
                continue;
            }
            sol_buf_reset(&p.one);
            enum sol_sign_verdict vd = SOL_SIGN_UNSIGNED;
            rc = sol__sign_verify(&sc, obj, NULL, 0, &vd, NULL, 0, NULL);
            if (rc != 0)
                break;
            if (vd == SOL_SIGN_UNSIGNED)
                rc = sol__sign_object(&sc, &key, obj, &p.one, err);
            else
                sol_buf_append(&p.one, row.json.p, row.json.n);
            if (rc != 0)
                break;
            if (p.env.n + p.one.n + 3 > p.budget) {
                if (in_env == 0) {
                    /* Alone it is too big for the peer: say so and go on. */
                    char d[300];
                    snprintf(d, sizeof d,
                             "{\"peer\":\"%s\",\"id\":\"%.*s\",\"reason\":\"larger "
                             "than the peer's max_content_length\"}",
                             c->name, (int)(row.id.n < 120 ? row.id.n : 120), row.id.p);
                    rep->push_failed++;
                    upto.date_added = row.date_added;
                    upto.seq = row.seq;
                    rc = sol_store_audit(s, p.origin, "sync.push.failed", from, d);
                    if (rc != 0)
                        break;
                    continue;
                }
                full = true; /* this row starts the next envelope */
                break;
            }
            if (in_env)
                sol_buf_putc(&p.env, ',');
            sol_buf_append(&p.env, p.one.p, p.one.n);
            in_env++;
            upto.date_added = row.date_added;
            upto.seq = row.seq;
        }
        /* A read that fails is not the end of the page: nothing of it is sent, and the
         * state stays where it was, so the next run starts from the same place. */
        if (rc == 0 && qrc != 0 && qrc != SOL_EEOF)
            rc =
                sol_error_set(err, qrc, "cannot read the objects to push: %s", sol_store_errmsg(s));
        sol_store_cursor_close(cur);
        if (rc != 0)
            break;
        sol_buf_puts(&p.env, "]}");
        if (p.env.oom || p.one.oom) {
            rc = sol_error_set(err, SOL_ENOMEM, "out of memory");
            break;
        }
        if (in_env) {
            rc = post_envelope(&p, in_env, err);
            if (rc != 0)
                break;
            if (o && o->progress)
                o->progress(o->ud, c->name, "envelope", in_env);
        }
        if (upto.date_added != st.date_added || upto.seq != st.seq) {
            rc = state_save(s, c->name, &upto);
            if (rc != 0) {
                rc = sol_error_set(err, rc, "%s", sol_store_errmsg(s));
                break;
            }
            st = upto;
        }
        if (rows == 0 || (!full && rows < 500))
            break;
    }
    sol_sign_key_clear(&key);
    sol__sign_scratch_free(&sc);
    sol_json_doc_free(odoc);
    sol_json_doc_free(p.doc);
    sol__reply_free(&p.r);
    sol_buf_free(&p.url);
    sol_buf_free(&p.env);
    sol_buf_free(&p.one);
    return rc;
}
