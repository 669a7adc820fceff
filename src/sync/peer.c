/*
 * peer.c — peers: their configuration in the store's peers table (sync.h).
 *
 * Columns hold name, url, partner and token; everything else is config_json:
 *   {"api_root":..., "collection":..., "user":..., "password":..., "direction":"both",
 *    "into":..., "push_from":..., "quarantine":..., "max_tlp":"amber",
 *    "default_tlp":"green" (only when agreed), "every":60,
 *    "reconcile":3600, "keys":["base64",...], "unsigned":"quarantine", "page":500}
 */
#include <stdio.h>
#include <string.h>

#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "sync/sync_internal.h"

/* sync.h: release a configuration. */
void
sol_peer_config_clear(struct sol_peer_config *c)
{
    if (!c)
        return;
    char **strs[] = {&c->name,     &c->url,  &c->api_root,  &c->collection, &c->token,  &c->user,
                     &c->password, &c->into, &c->push_from, &c->quarantine, &c->partner};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        sol_free(*strs[i]);
    memset(c, 0, sizeof *c);
}

void
sol_peer_config_list_free(struct sol_peer_config *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        sol_peer_config_clear(&v[i]);
    sol_free(v);
}

/* sync.h: [A-Za-z0-9_.-]{1,64}, not starting with '-' or '.'. */
bool
sol_peer_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 || name[0] == '-' || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

void
sol__peer_origin(const char *name, char *out, size_t n)
{
    snprintf(out, n, "peer:%s", name);
}

static const char *
direction_word(unsigned d)
{
    return d == SOL_PEER_PULL ? "pull" : d == SOL_PEER_PUSH ? "push" : "both";
}

static void
key_str(struct sol_json_writer *w, const char *k, const char *v)
{
    if (!v)
        return;
    sol_jw_key(w, k);
    sol_jw_string(w, v);
}

/* The configuration as config_json. */
static int
peer_config_to_json(const struct sol_peer_config *c, struct sol_buf *out)
{
    struct sol_json_writer w;
    sol_jw_init(&w, out, false);
    sol_jw_object_begin(&w);
    key_str(&w, "api_root", c->api_root);
    key_str(&w, "collection", c->collection);
    key_str(&w, "user", c->user);
    key_str(&w, "password", c->password);
    key_str(&w, "direction", direction_word(c->direction));
    key_str(&w, "into", c->into);
    key_str(&w, "push_from", c->push_from);
    key_str(&w, "quarantine", c->quarantine);
    key_str(&w, "max_tlp", sol_tlp_word((enum sol_tlp)c->max_tlp));
    if (c->default_tlp)
        key_str(&w, "default_tlp", sol_tlp_word((enum sol_tlp)c->default_tlp));
    sol_jw_key(&w, "every");
    sol_jw_int(&w, c->every);
    sol_jw_key(&w, "reconcile");
    sol_jw_int(&w, c->reconcile);
    sol_jw_key(&w, "keys");
    sol_jw_array_begin(&w);
    for (size_t i = 0; i < c->n_keys; i++) {
        struct sol_buf k;
        sol_buf_init(&k);
        sol_sign_public_text(&k, c->keys[i]);
        sol_jw_string(&w, k.p ? k.p : "");
        sol_buf_free(&k);
    }
    sol_jw_array_end(&w);
    key_str(&w, "unsigned", sol_sign_policy_name((enum sol_sign_policy)c->unsigned_policy));
    sol_jw_key(&w, "page");
    sol_jw_uint(&w, c->page);
    sol_jw_object_end(&w);
    return out->oom ? SOL_ENOMEM : 0;
}

static char *
json_dup(const struct sol_json *obj, const char *key)
{
    struct sol_str s = sol_json_str(sol_json_get(obj, key));
    return s.p ? sol_strndup(s.p, s.n) : NULL;
}

/* Fill c from a stored peer record. */
static int
config_from_record(const struct sol_peer *p, struct sol_peer_config *c, struct sol_error *err)
{
    memset(c, 0, sizeof *c);
    c->name = sol_strdup(p->name);
    c->url = sol_strdup(p->url);
    c->partner = p->partner ? sol_strdup(p->partner) : NULL;
    c->token = p->token ? sol_strdup(p->token) : NULL;
    c->created = p->created;
    c->last_sync = p->last_sync;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    int rc = doc ? 0 : SOL_ENOMEM;
    if (rc == 0 && p->config_json)
        rc = sol_json_parse(doc, p->config_json, strlen(p->config_json), &root, err);
    if (rc == 0 && root) {
        c->api_root = json_dup(root, "api_root");
        c->collection = json_dup(root, "collection");
        c->user = json_dup(root, "user");
        c->password = json_dup(root, "password");
        c->into = json_dup(root, "into");
        c->push_from = json_dup(root, "push_from");
        c->quarantine = json_dup(root, "quarantine");
        struct sol_str d = sol_json_str(sol_json_get(root, "direction"));
        c->direction = sol_str_eqc(d, "pull")   ? SOL_PEER_PULL
                       : sol_str_eqc(d, "push") ? SOL_PEER_PUSH
                                                : SOL_PEER_BOTH;
        enum sol_tlp t = SOL_TLP_AMBER;
        const struct sol_json *mt = sol_json_get(root, "max_tlp");
        if (sol_json_is_string(mt))
            (void)sol_tlp_parse(mt->u.s, &t);
        c->max_tlp = (int)t;
        const struct sol_json *dt = sol_json_get(root, "default_tlp");
        enum sol_tlp agreed = SOL_TLP_NONE;
        if (sol_json_is_string(dt) && sol_tlp_parse(dt->u.s, &agreed) == 0)
            c->default_tlp = (int)agreed;
        c->every = (int64_t)sol_json_number(sol_json_get(root, "every"));
        c->reconcile = (int64_t)sol_json_number(sol_json_get(root, "reconcile"));
        c->page = (size_t)sol_json_number(sol_json_get(root, "page"));
        enum sol_sign_policy pol = SOL_SIGN_ACCEPT;
        const struct sol_json *up = sol_json_get(root, "unsigned");
        if (sol_json_is_string(up))
            (void)sol_sign_policy_parse(up->u.s, &pol);
        c->unsigned_policy = (int)pol;
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, sol_json_get(root, "keys"));
        while (sol_json_iter_next(&it, NULL, &v) && c->n_keys < SOL_PEER_MAX_KEYS) {
            if (sol_json_is_string(v) &&
                sol_sign_public_parse(v->u.s, v->n, c->keys[c->n_keys]) == 0)
                c->n_keys++;
        }
    }
    sol_json_doc_free(doc);
    if (rc == 0 && (!c->name || !c->url || (p->partner && !c->partner) || (p->token && !c->token)))
        rc = SOL_ENOMEM;
    if (rc != 0) {
        sol_peer_config_clear(c);
        return sol_error_set(err, rc, "peer %s: its stored configuration cannot be read", p->name);
    }
    return 0;
}

/* Make a local collection (id, title) in the default API root unless it exists. */
static int
ensure_collection(struct sol_store *s, const char *id, const char *title, const char *alias,
                  struct sol_error *err)
{
    struct sol_collection have;
    int rc = sol_store_collection_get(s, NULL, id, &have);
    if (rc == 0) {
        sol_collection_clear(&have);
        return 0;
    }
    if (rc != SOL_ENOTFOUND)
        return sol_error_set(err, rc, "%s: %s", id, sol_store_errmsg(s));
    char idb[64], rootb[128], titleb[256], aliasb[128];
    struct sol_buf def;
    sol_buf_init(&def);
    rc = sol_store_default_api_root(s, &def);
    snprintf(rootb, sizeof rootb, "%s", def.p ? def.p : "");
    sol_buf_free(&def);
    if (rc == SOL_ENOTFOUND)
        return sol_error_set(err, rc, "cannot make the collection %s: the node has no API root",
                             id);
    if (rc != 0)
        return sol_error_set(err, rc, "%s: %s", id, sol_store_errmsg(s));
    snprintf(idb, sizeof idb, "%s", id);
    snprintf(titleb, sizeof titleb, "%s", title);
    snprintf(aliasb, sizeof aliasb, "%s", alias ? alias : "");
    struct sol_collection c = {
        .id = idb,
        .api_root = rootb,
        .title = titleb,
        .alias = alias ? aliasb : NULL,
        .default_tlp = SOL_TLP_AMBER,
        .created = sol_time_now(),
    };
    rc = sol_store_collection_put(s, &c);
    if (rc != 0)
        return sol_error_set(err, rc, "cannot make the collection %s in the API root %s: %s", id,
                             rootb, sol_store_errmsg(s));
    return 0;
}

/* A collection id: the text itself when it is a UUID, else a UUIDv5 of the seed. */
static void
collection_id_for(const char *want, const char *seed, char out[37])
{
    struct sol_uuid u;
    if (want && sol_uuid_parse(want, strlen(want), &u) == 0) {
        sol_uuid_format(&u, out);
        return;
    }
    /* a fixed namespace for the collections federation makes */
    static const struct sol_uuid ns = {{0x5e, 0x1f, 0x0c, 0x2a, 0x7d, 0x44, 0x4b, 0x51, 0x9a, 0x3e,
                                        0x61, 0x0b, 0x2c, 0x8d, 0x90, 0x17}};
    sol_uuid_v5(&ns, seed, strlen(seed), &u);
    sol_uuid_format(&u, out);
}

/* sync.h: add or replace a peer. */
int
sol_peer_add(struct sol_store *s, struct sol_peer_config *c, bool replace, const char *actor,
             struct sol_error *err)
{
    if (!sol_peer_name_ok(c->name))
        return sol_error_set(err, SOL_EINVAL,
                             "'%s' is not a valid peer name (letters, digits, "
                             "'_', '.', '-'; at most 64)",
                             c->name ? c->name : "");
    if (!c->url || (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0))
        return sol_error_set(err, SOL_EINVAL, "the URL must start with http:// or https://");
    if (!c->api_root || !*c->api_root || !c->collection || !*c->collection)
        return sol_error_set(err, SOL_EINVAL, "the API root and the collection are required");
    if (c->token && c->user)
        return sol_error_set(err, SOL_EINVAL, "give a token or a user and password, not both");
    if (!c->direction)
        c->direction = SOL_PEER_PULL;
    if (!c->max_tlp)
        c->max_tlp = SOL_TLP_AMBER;
    if ((c->direction & SOL_PEER_PUSH) && !c->partner)
        return sol_error_set(err, SOL_EINVAL,
                             "pushing needs --partner: the partner whose "
                             "clearance decides what may go to the peer");
    struct sol_peer old;
    int rc = sol_store_peer_get(s, c->name, &old);
    if (rc == 0) {
        sol_peer_clear(&old);
        if (!replace)
            return sol_error_set(err, SOL_EEXISTS, "there is already a peer named %s", c->name);
    } else if (rc != SOL_ENOTFOUND) {
        return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    }
    if (c->partner) {
        struct sol_partner p;
        rc = sol_store_partner_get(s, c->partner, &p);
        if (rc == SOL_ENOTFOUND)
            return sol_error_set(err, rc, "there is no partner named %s", c->partner);
        if (rc != 0)
            return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
        sol_partner_clear(&p);
    }
    char seed[1024], id[37], title[200], alias[100];
    if (!c->into) {
        snprintf(seed, sizeof seed, "%s|%s|%s", c->url, c->api_root, c->collection);
        collection_id_for(c->collection, seed, id);
        snprintf(title, sizeof title, "from peer %s", c->name);
        rc = ensure_collection(s, id, title, NULL, err);
        if (rc != 0)
            return rc;
        c->into = sol_strdup(id);
    } else {
        struct sol_collection have;
        rc = sol_store_collection_get(s, NULL, c->into, &have);
        if (rc == SOL_ENOTFOUND)
            return sol_error_set(err, rc, "there is no local collection %s", c->into);
        if (rc != 0)
            return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
        sol_free(c->into);
        c->into = have.id; /* by id, even when given by alias */
        have.id = NULL;
        sol_collection_clear(&have);
    }
    if (c->push_from) {
        struct sol_collection have;
        rc = sol_store_collection_get(s, NULL, c->push_from, &have);
        if (rc == SOL_ENOTFOUND)
            return sol_error_set(err, rc, "there is no local collection %s", c->push_from);
        if (rc != 0)
            return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
        sol_free(c->push_from);
        c->push_from = have.id;
        have.id = NULL;
        sol_collection_clear(&have);
    }
    if (!c->quarantine && (c->n_keys || c->unsigned_policy == SOL_SIGN_QUARANTINE)) {
        snprintf(seed, sizeof seed, "quarantine|%s", c->name);
        collection_id_for(NULL, seed, id);
        snprintf(title, sizeof title, "quarantine of peer %s (not scanned, not shared)", c->name);
        snprintf(alias, sizeof alias, "quarantine-%s", c->name);
        rc = ensure_collection(s, id, title, alias, err);
        if (rc != 0)
            return rc;
        c->quarantine = sol_strdup(id);
    }
    if (!c->into ||
        (c->quarantine == NULL && (c->n_keys || c->unsigned_policy == SOL_SIGN_QUARANTINE)))
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    struct sol_buf cfg;
    sol_buf_init(&cfg);
    rc = peer_config_to_json(c, &cfg);
    if (rc != 0) {
        sol_buf_free(&cfg);
        return sol_error_set(err, rc, "out of memory");
    }
    struct sol_peer rec = {
        .name = c->name,
        .url = c->url,
        .partner = c->partner,
        .token = c->token,
        .config_json = cfg.p,
        .created = c->created ? c->created : sol_time_now(),
        .last_sync = c->last_sync,
    };
    rc = sol_store_peer_put(s, &rec);
    if (rc == 0) {
        struct sol_buf d;
        sol_buf_init(&d);
        struct sol_json_writer w;
        sol_jw_init(&w, &d, false);
        sol_jw_object_begin(&w);
        key_str(&w, "url", c->url);
        key_str(&w, "collection", c->collection);
        key_str(&w, "into", c->into);
        key_str(&w, "direction", direction_word(c->direction));
        key_str(&w, "max_tlp", sol_tlp_word((enum sol_tlp)c->max_tlp));
        key_str(&w, "partner", c->partner);
        sol_jw_object_end(&w);
        rc = sol_store_audit(s, actor ? actor : "unknown", replace ? "peer.replace" : "peer.add",
                             c->name, d.oom ? NULL : d.p);
        sol_buf_free(&d);
    }
    sol_buf_free(&cfg);
    if (rc != 0)
        return sol_error_set(err, rc, "cannot store the peer: %s", sol_store_errmsg(s));
    return 0;
}

/* sync.h: one peer. */
int
sol_peer_get(struct sol_store *s, const char *name, struct sol_peer_config *out,
             struct sol_error *err)
{
    memset(out, 0, sizeof *out);
    struct sol_peer p;
    int rc = sol_store_peer_get(s, name, &p);
    if (rc == SOL_ENOTFOUND)
        return sol_error_set(err, rc, "there is no peer named %s", name);
    if (rc != 0)
        return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    rc = config_from_record(&p, out, err);
    sol_peer_clear(&p);
    return rc;
}

/* sync.h: all peers. */
int
sol_peer_list(struct sol_store *s, struct sol_peer_config **out, size_t *n, struct sol_error *err)
{
    *out = NULL;
    *n = 0;
    struct sol_peer *v = NULL;
    size_t k = 0;
    int rc = sol_store_peer_list(s, &v, &k);
    if (rc != 0)
        return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    struct sol_peer_config *cv = k ? sol_calloc(k, sizeof *cv) : NULL;
    if (k && !cv) {
        sol_peer_list_free(v, k);
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < k; i++) {
        rc = config_from_record(&v[i], &cv[i], err);
        if (rc != 0) {
            sol_peer_config_list_free(cv, i);
            sol_peer_list_free(v, k);
            return rc;
        }
    }
    sol_peer_list_free(v, k);
    *out = cv;
    *n = k;
    return 0;
}

/* sync.h: remove a peer and its states. */
int
sol_peer_remove(struct sol_store *s, const char *name, const char *actor, struct sol_error *err)
{
    int rc = sol_store_begin(s);
    if (rc != 0)
        return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    rc = sol_store_peer_delete(s, name);
    if (rc == 0) {
        char key[128];
        snprintf(key, sizeof key, "peer.%s.pull", name);
        rc = sol_store_setting_set(s, key, "{}");
        snprintf(key, sizeof key, "peer.%s.push", name);
        if (rc == 0)
            rc = sol_store_setting_set(s, key, "{}");
    }
    if (rc == 0)
        rc = sol_store_audit(s, actor ? actor : "unknown", "peer.remove", name, NULL);
    if (rc == 0)
        rc = sol_store_commit(s);
    else
        sol_store_rollback(s);
    if (rc == SOL_ENOTFOUND)
        return sol_error_set(err, rc, "there is no peer named %s", name);
    if (rc != 0)
        return sol_error_set(err, rc, "%s", sol_store_errmsg(s));
    return 0;
}
