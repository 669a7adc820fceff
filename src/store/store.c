/*
 * store.c — the one dispatcher of the store: picks the backend from the URL and passes
 * every call through that backend's struct sol__store_ops. Also the functions that
 * release records, which do not depend on the backend.
 */
#include <string.h>

#include "solidarity/alloc.h"
#include "store/store.h"

/*
 * The backend for a URL and the location it names for that backend: "sqlite:X" and a
 * plain path go to SQLite. Returns NULL for a scheme no backend of this build serves.
 */
static const struct sol__store_ops *
backend_of(const char *url, const char **location)
{
    if (strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "sqlite-file:", 12) == 0) {
        *location = url;
        return &sol__store_sqlite_ops;
    }
    if (strncmp(url, "postgresql:", 11) == 0 || strncmp(url, "postgres:", 9) == 0) {
        *location = url;
        return &sol__store_pg_ops;
    }
    *location = url;
    return &sol__store_sqlite_ops;
}

/* store.h: open the store named by url with the backend its scheme names. */
int
sol_store_open(const char *url, struct sol_store **out, struct sol_error *err)
{
    *out = NULL;
    if (!url || !*url)
        return sol_error_set(err, SOL_EINVAL, "no store location given");
    const char *location = NULL;
    const struct sol__store_ops *ops = backend_of(url, &location);
    if (!ops)
        return sol_error_set(err, SOL_EUNSUPPORTED,
                             "%s: this build has no backend for this kind of store", url);
    return ops->open(location, out, err);
}

/* store.h: whether the store named by url exists. */
bool
sol_store_exists(const char *url)
{
    const char *location = NULL;
    const struct sol__store_ops *ops = url ? backend_of(url, &location) : NULL;
    return ops && ops->exists(location);
}

/* store.h: close; NULL does nothing. */
void
sol_store_close(struct sol_store *s)
{
    if (s)
        s->ops->close(s);
}

/* store.h: the backend's last message. */
const char *
sol_store_errmsg(struct sol_store *s)
{
    return s ? s->ops->errmsg(s) : "";
}

/* store.h: the directory of a store kept in files. */
int
sol_store_dir(struct sol_store *s, struct sol_buf *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    return s->ops->dir ? s->ops->dir(s, out) : SOL_EUNSUPPORTED;
}

/* store.h: the schema version. */
int
sol_store_schema_version(struct sol_store *s)
{
    return s ? s->ops->schema_version(s) : SOL_EINVAL;
}

/* store.h: the next row of a cursor. */
int
sol_store_cursor_next(struct sol_store_cursor *c, struct sol_object_row *row)
{
    if (!c)
        return SOL_EINVAL;
    return c->store->ops->cursor_next(c, row);
}

/* store.h: close a cursor; NULL does nothing. */
void
sol_store_cursor_close(struct sol_store_cursor *c)
{
    if (c)
        c->store->ops->cursor_close(c);
}

/*
 * The rest pass straight through to the backend; store.h documents each. A NULL store
 * is SOL_EINVAL.
 */

int
sol_store_begin(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->begin(s);
}

int
sol_store_commit(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->commit(s);
}

int
sol_store_rollback(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->rollback(s);
}

int
sol_store_setting_get(struct sol_store *s, const char *key, struct sol_buf *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->setting_get(s, key, out);
}

int
sol_store_setting_set(struct sol_store *s, const char *key, const char *value)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->setting_set(s, key, value);
}

int
sol_store_api_root_put(struct sol_store *s, const struct sol_api_root *r)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->api_root_put(s, r);
}

int
sol_store_api_root_get(struct sol_store *s, const char *name, struct sol_api_root *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->api_root_get(s, name, out);
}

int
sol_store_api_root_list(struct sol_store *s, struct sol_api_root **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->api_root_list(s, out, n);
}

int
sol_store_api_root_delete(struct sol_store *s, const char *name)
{
    if (!s || !name)
        return SOL_EINVAL;
    int rc = s->ops->api_root_delete(s, name);
    if (rc != 0)
        return rc;
    /* The default that named it names nothing now. */
    struct sol_buf def;
    sol_buf_init(&def);
    if (sol_store_setting_get(s, SOL_SETTING_DEFAULT_API_ROOT, &def) == 0 && def.p &&
        strcmp(def.p, name) == 0)
        (void)sol_store_setting_set(s, SOL_SETTING_DEFAULT_API_ROOT, "");
    sol_buf_free(&def);
    return 0;
}

int
sol_store_default_api_root(struct sol_store *s, struct sol_buf *out)
{
    if (!s || !out)
        return SOL_EINVAL;
    struct sol_buf def;
    sol_buf_init(&def);
    int rc = sol_store_setting_get(s, SOL_SETTING_DEFAULT_API_ROOT, &def);
    if (rc != 0 && rc != SOL_ENOTFOUND) {
        sol_buf_free(&def);
        return rc;
    }
    struct sol_api_root *roots = NULL;
    size_t n = 0;
    rc = sol_store_api_root_list(s, &roots, &n);
    if (rc != 0) {
        sol_buf_free(&def);
        return rc;
    }
    const char *pick = NULL;
    for (size_t i = 0; i < n && !pick; i++)
        if (def.p && strcmp(roots[i].name, def.p) == 0)
            pick = roots[i].name;
    for (size_t i = 0; i < n && !pick; i++)
        if (strcmp(roots[i].name, SOL_DEFAULT_API_ROOT) == 0)
            pick = roots[i].name;
    if (!pick && n)
        pick = roots[0].name; /* ordered by name */
    if (pick)
        sol_buf_puts(out, pick);
    rc = !pick ? SOL_ENOTFOUND : out->oom ? SOL_ENOMEM : 0;
    sol_api_root_list_free(roots, n);
    sol_buf_free(&def);
    return rc;
}

int
sol_store_collection_put(struct sol_store *s, const struct sol_collection *c)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->collection_put(s, c);
}

int
sol_store_collection_get(struct sol_store *s, const char *api_root, const char *id,
                         struct sol_collection *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->collection_get(s, api_root, id, out);
}

int
sol_store_collection_list(struct sol_store *s, const char *api_root, struct sol_collection **out,
                          size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->collection_list(s, api_root, out, n);
}

int
sol_store_collection_delete(struct sol_store *s, const char *api_root, const char *id)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->collection_delete(s, api_root, id);
}

int
sol_store_collection_count(struct sol_store *s, const char *collection, int64_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->collection_count(s, collection, n);
}

int
sol__store_collection_state(struct sol_store *s, const char *collection, int64_t state[4])
{
    if (!s || !collection)
        return SOL_EINVAL;
    if (!s->ops->collection_state)
        return SOL_EUNSUPPORTED;
    return s->ops->collection_state(s, collection, state);
}

int
sol__store_read_begin(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->read_begin ? s->ops->read_begin(s) : SOL_EUNSUPPORTED;
}

int
sol__store_read_end(struct sol_store *s)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->read_end ? s->ops->read_end(s) : SOL_EUNSUPPORTED;
}

int
sol_store_object_add(struct sol_store *s, const char *collection, const struct sol_object_row *row,
                     bool *added, sol_time_t *date_added)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->object_add(s, collection, row, added, date_added);
}

int
sol_store_objects_query(struct sol_store *s, const struct sol_object_filter *f,
                        struct sol_store_cursor **out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->objects_query(s, f, out);
}

int
sol_store_objects_delete(struct sol_store *s, const struct sol_object_filter *f, size_t *deleted)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->objects_delete(s, f, deleted);
}

int
sol_store_status_put(struct sol_store *s, const struct sol_status *st)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->status_put(s, st);
}

int
sol_store_status_get(struct sol_store *s, const char *id, struct sol_status *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->status_get(s, id, out);
}

int
sol_store_status_expire(struct sol_store *s, sol_time_t before, size_t *removed)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->status_expire(s, before, removed);
}

int
sol_store_partner_add(struct sol_store *s, const char *name, const char *identity, int64_t *id)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->partner_add(s, name, identity, id);
}

int
sol_store_partner_get(struct sol_store *s, const char *name, struct sol_partner *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->partner_get(s, name, out);
}

int
sol_store_partner_get_by_id(struct sol_store *s, int64_t id, struct sol_partner *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->partner_get_by_id(s, id, out);
}

int
sol_store_partner_list(struct sol_store *s, struct sol_partner **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->partner_list(s, out, n);
}

int
sol_store_partner_delete(struct sol_store *s, const char *name)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->partner_delete(s, name);
}

int
sol_store_user_add(struct sol_store *s, const struct sol_user *u, int64_t *id)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_add(s, u, id);
}

int
sol_store_user_get(struct sol_store *s, const char *name, struct sol_user *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_get(s, name, out);
}

int
sol_store_user_get_by_id(struct sol_store *s, int64_t id, struct sol_user *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_get_by_id(s, id, out);
}

int
sol_store_user_list(struct sol_store *s, int64_t partner_id, struct sol_user **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_list(s, partner_id, out, n);
}

int
sol_store_user_update(struct sol_store *s, const struct sol_user *u)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_update(s, u);
}

int
sol_store_user_delete(struct sol_store *s, const char *name)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->user_delete(s, name);
}

int
sol_store_token_add(struct sol_store *s, const struct sol_token *t, int64_t *id)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->token_add(s, t, id);
}

int
sol_store_token_find(struct sol_store *s, const uint8_t hash[32], struct sol_token *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->token_find(s, hash, out);
}

int
sol_store_token_list(struct sol_store *s, int64_t user_id, struct sol_token **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->token_list(s, user_id, out, n);
}

int
sol_store_token_revoke(struct sol_store *s, int64_t id)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->token_revoke(s, id);
}

int
sol_store_token_touch(struct sol_store *s, int64_t id, sol_time_t at)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->token_touch(s, id, at);
}

int
sol_store_grant_add(struct sol_store *s, const struct sol_grant *g)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->grant_add(s, g);
}

int
sol_store_grant_remove(struct sol_store *s, const struct sol_grant *g)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->grant_remove(s, g);
}

int
sol_store_grant_check(struct sol_store *s, const char *collection, int64_t user_id,
                      int64_t partner_id, bool *can_read, bool *can_write)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->grant_check(s, collection, user_id, partner_id, can_read, can_write);
}

int
sol_store_grant_list(struct sol_store *s, const char *collection, struct sol_grant **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->grant_list(s, collection, out, n);
}

int
sol_store_peer_put(struct sol_store *s, const struct sol_peer *p)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->peer_put(s, p);
}

int
sol_store_peer_get(struct sol_store *s, const char *name, struct sol_peer *out)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->peer_get(s, name, out);
}

int
sol_store_peer_list(struct sol_store *s, struct sol_peer **out, size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->peer_list(s, out, n);
}

int
sol_store_peer_delete(struct sol_store *s, const char *name)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->peer_delete(s, name);
}

int
sol_store_audit(struct sol_store *s, const char *actor, const char *action, const char *target,
                const char *details_json)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->audit(s, actor, action, target, details_json);
}

int
sol_store_audit_list(struct sol_store *s, int64_t after, size_t limit, struct sol_audit_entry **out,
                     size_t *n)
{
    if (!s)
        return SOL_EINVAL;
    return s->ops->audit_list(s, after, limit, out, n);
}

/* store.h: release the strings of a record (the record itself is the caller's). */
void
sol_api_root_clear(struct sol_api_root *r)
{
    if (!r)
        return;
    sol_free(r->name);
    sol_free(r->title);
    sol_free(r->description);
    memset(r, 0, sizeof *r);
}

/* store.h: release a list from sol_store_api_root_list(). */
void
sol_api_root_list_free(struct sol_api_root *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_api_root_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a collection record. */
void
sol_collection_clear(struct sol_collection *c)
{
    if (!c)
        return;
    sol_free(c->id);
    sol_free(c->api_root);
    sol_free(c->title);
    sol_free(c->description);
    sol_free(c->alias);
    sol_free(c->media_types);
    memset(c, 0, sizeof *c);
}

/* store.h: release a list from sol_store_collection_list(). */
void
sol_collection_list_free(struct sol_collection *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_collection_clear(&v[i]);
    sol_free(v);
}

static void
status_entries_free(struct sol_status_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sol_free(v[i].id);
        sol_free(v[i].version);
        sol_free(v[i].message);
    }
    sol_free(v);
}

/* store.h: release the strings and lists of a status record. */
void
sol_status_clear(struct sol_status *st)
{
    if (!st)
        return;
    sol_free(st->id);
    sol_free(st->status);
    sol_free(st->owner);
    status_entries_free(st->successes, st->n_successes);
    status_entries_free(st->failures, st->n_failures);
    status_entries_free(st->pendings, st->n_pendings);
    memset(st, 0, sizeof *st);
}

/* store.h: release the strings of a partner record. */
void
sol_partner_clear(struct sol_partner *p)
{
    if (!p)
        return;
    sol_free(p->name);
    sol_free(p->identity);
    memset(p, 0, sizeof *p);
}

/* store.h: release a list from sol_store_partner_list(). */
void
sol_partner_list_free(struct sol_partner *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_partner_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a user record. */
void
sol_user_clear(struct sol_user *u)
{
    if (!u)
        return;
    sol_free(u->name);
    sol_free(u->partner_name);
    sol_free(u->partner_identity);
    sol_free(u->password_hash);
    memset(u, 0, sizeof *u);
}

/* store.h: release a list from sol_store_user_list(). */
void
sol_user_list_free(struct sol_user *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_user_clear(&v[i]);
    sol_free(v);
}

/* store.h: release the strings of a token record. */
void
sol_token_clear(struct sol_token *t)
{
    if (!t)
        return;
    sol_free(t->name);
    sol_free(t->user_name);
    memset(t, 0, sizeof *t);
}

/* store.h: release a list from sol_store_token_list(). */
void
sol_token_list_free(struct sol_token *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_token_clear(&v[i]);
    sol_free(v);
}

/* store.h: release a list from sol_store_grant_list(). */
void
sol_grant_list_free(struct sol_grant *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sol_free(v[i].collection);
        sol_free(v[i].partner_name);
        sol_free(v[i].user_name);
    }
    sol_free(v);
}

/* store.h: release the strings of a peer record. */
void
sol_peer_clear(struct sol_peer *p)
{
    if (!p)
        return;
    sol_free(p->name);
    sol_free(p->url);
    sol_free(p->partner);
    sol_free(p->token);
    sol_free(p->config_json);
    memset(p, 0, sizeof *p);
}

/* store.h: release a list from sol_store_peer_list(). */
void
sol_peer_list_free(struct sol_peer *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_peer_clear(&v[i]);
    sol_free(v);
}

/* store.h: release a list from sol_store_audit_list(). */
void
sol_audit_list_free(struct sol_audit_entry *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sol_free(v[i].actor);
        sol_free(v[i].action);
        sol_free(v[i].target);
        sol_free(v[i].details);
    }
    sol_free(v);
}
