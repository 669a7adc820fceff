/*
 * sync.c — one sync of a peer, the due peers, and the background thread of `serve`
 * (sync.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "solidarity/alloc.h"
#include "solidarity/store.h"
#include "sync/sync_internal.h"

static void
audit_sync(struct sol_store *s, const struct sol_peer_config *c, const struct sol_sync_report *rep,
           int rc)
{
    char actor[80];
    sol__peer_origin(c->name, actor, sizeof actor);
    struct sol_buf d;
    sol_buf_init(&d);
    struct sol_json_writer w;
    sol_jw_init(&w, &d, false);
    sol_jw_object_begin(&w);
#define N(k) sol_jw_key(&w, #k), sol_jw_uint(&w, rep->k)
    N(pages);
    N(pulled_stored);
    N(pulled_held);
    N(rejected);
    N(refused);
    N(quarantined);
    N(pushed);
    N(push_failed);
    N(envelopes);
    N(deleted);
    N(retries);
#undef N
    if (rc != 0) {
        sol_jw_key(&w, "error");
        sol_jw_string(&w, rep->message);
    }
    sol_jw_object_end(&w);
    if (!d.oom)
        (void)sol_store_audit(s, actor, rc == 0 ? "sync" : "sync.fail", c->name, d.p);
    sol_buf_free(&d);
}

/* sync.h: sync one peer now. */
int
sol_sync_peer(struct sol_store *s, const char *name, const struct sol_sync_options *o,
              struct sol_sync_report *rep, struct sol_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct sol_error local;
    if (!err)
        err = &local;
    sol_error_clear(err);
    struct sol_peer_config c;
    int rc = sol_peer_get(s, name, &c, err);
    if (rc != 0) {
        snprintf(rep->message, sizeof rep->message, "%s", err->msg);
        return rc;
    }
    struct sol__taxii_client *cl = NULL;
    rc = sol__client_new(&c, o, &cl, err);
    if (rc == 0 && (c.direction & SOL_PEER_PULL)) {
        rc = sol__pull(s, &c, cl, o, rep, err);
        /* Deletions only after a pull that reached the end of the partner's collection. */
        if (rc == 0 && !(o && o->max_pages))
            rc = sol__reconcile(s, &c, cl, o, rep, err);
    }
    if (rc == 0 && (c.direction & SOL_PEER_PUSH))
        rc = sol__push(s, &c, cl, o, rep, err);
    sol__client_free(cl);
    if (rc != 0)
        snprintf(rep->message, sizeof rep->message, "%s",
                 err->msg[0] ? err->msg : sol_strerror(rc));
    /* Record the attempt either way, so a failing peer waits for its next turn. */
    struct sol_peer rec;
    if (sol_store_peer_get(s, name, &rec) == 0) {
        rec.last_sync = sol_time_now();
        (void)sol_store_peer_put(s, &rec);
        sol_peer_clear(&rec);
    }
    /* Every failure, and every sync that changed something, is audited; an idle
     * background sync every minute would only bury the log. */
    if (rc != 0 || rep->pages > 1 || rep->pulled_stored || rep->refused || rep->quarantined ||
        rep->rejected || rep->pushed || rep->push_failed || rep->deleted)
        audit_sync(s, &c, rep, rc);
    sol_peer_config_clear(&c);
    return rc;
}

/* sync.h: every peer that is due. */
int
sol_sync_run_due(struct sol_store *s, sol_time_t now, const struct sol_sync_options *o,
                 size_t *n_synced)
{
    if (n_synced)
        *n_synced = 0;
    struct sol_peer_config *v = NULL;
    size_t n = 0;
    int rc = sol_peer_list(s, &v, &n, NULL);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (v[i].every <= 0 || v[i].last_sync + v[i].every * 1000000 > now)
            continue;
        if (o && o->should_stop && o->should_stop(o->stop_ud))
            break;
        struct sol_sync_report rep;
        struct sol_error err;
        sol_error_clear(&err);
        int r = sol_sync_peer(s, v[i].name, o, &rep, &err);
        if (!(o && o->quiet)) {
            if (r == 0)
                fprintf(stderr,
                        "solidarity: sync: %s: %zu pulled, %zu pushed, %zu refused, "
                        "%zu quarantined, %zu deleted\n",
                        v[i].name, rep.pulled_stored, rep.pushed, rep.refused, rep.quarantined,
                        rep.deleted);
            else
                fprintf(stderr, "solidarity: sync: %s: %s\n", v[i].name, rep.message);
        }
        if (n_synced)
            (*n_synced)++;
    }
    sol_peer_config_list_free(v, n);
    return 0;
}

struct sol_sync_thread {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    char *store_url, *data_dir;
    bool quiet;
};

static bool
thread_stopping(void *ud)
{
    struct sol_sync_thread *t = ud;
    pthread_mutex_lock(&t->mu);
    bool stop = t->stop;
    pthread_mutex_unlock(&t->mu);
    return stop;
}

static void *
sync_main(void *arg)
{
    struct sol_sync_thread *t = arg;
    struct sol_sync_options o = {
        .data_dir = t->data_dir, .quiet = t->quiet, .should_stop = thread_stopping, .stop_ud = t};
    for (;;) {
        pthread_mutex_lock(&t->mu);
        if (!t->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
        }
        bool stop = t->stop;
        pthread_mutex_unlock(&t->mu);
        if (stop)
            break;
        struct sol_store *s = NULL;
        struct sol_error err;
        if (sol_store_open(t->store_url, &s, &err) != 0)
            continue;
        (void)sol_sync_run_due(s, sol_time_now(), &o, NULL);
        sol_store_close(s);
    }
    return NULL;
}

/* sync.h: start the background syncer. */
int
sol_sync_thread_start(const char *store_url, const char *data_dir, bool quiet,
                      struct sol_sync_thread **out, struct sol_error *err)
{
    *out = NULL;
    struct sol_sync_thread *t = sol_calloc(1, sizeof *t);
    if (!t)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    t->store_url = sol_strdup(store_url);
    t->data_dir = sol_strdup(data_dir ? data_dir : store_url);
    t->quiet = quiet;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (!t->store_url || !t->data_dir || pthread_create(&t->th, NULL, sync_main, t) != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        sol_free(t->store_url);
        sol_free(t->data_dir);
        sol_free(t);
        return sol_error_set(err, SOL_ENOMEM, "cannot start the sync thread");
    }
    *out = t;
    return 0;
}

/* sync.h: stop it. */
void
sol_sync_thread_stop(struct sol_sync_thread *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->th, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    sol_free(t->store_url);
    sol_free(t->data_dir);
    sol_free(t);
}
