/*
 * server.c — the TAXII 2.1 endpoints (§4, §5): routing, negotiation, policy, and the
 * resources they answer with.
 *
 * Order of checks for every request: the path names an endpoint (404), the method is one
 * of the endpoint's (405), the Accept header admits TAXII 2.1 (406), the credentials
 * (401; discovery is public unless configured otherwise), the API root and collection
 * exist and the asker may see the collection (404: existence would leak otherwise), the
 * right the endpoint needs (403), then the endpoint's own checks (400, 413, 415, 422).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "store/store.h"
#include "taxii/taxii.h"

struct sol_taxii_server {
    struct sol_taxii_config cfg;
    char *title, *description, *contact, *public_url; /* NULL: the node's setting, if any */
    uint8_t key[TAXII_CURSOR_KEY_BYTES];
    struct sol_sign_key node_key;   /* signs what the node's own partner posts (ingest.h) */
    struct taxii_cache *cache;      /* GET answers (cache.c); NULL: none */
    struct sol_access_guard *guard; /* password logins (access.h) */
};

/* The bound of the GET answer cache of one server (one process, usually). */
#define CACHE_BYTES ((size_t)64 * 1024 * 1024)

/* Statuses are kept a week: TAXII 2.1 §4.3 asks for at least 24 hours. */
#define STATUS_RETENTION ((sol_time_t)7 * 24 * 3600 * 1000000)

static int
load_key(struct sol_store *s, uint8_t key[TAXII_CURSOR_KEY_BYTES])
{
    struct sol_buf hex;
    sol_buf_init(&hex);
    int rc = sol_store_setting_get(s, SOL_SETTING_CURSOR_KEY, &hex);
    if (rc == SOL_ENOTFOUND) {
        /* First use: make one, unless another process made it in the meantime. */
        uint8_t fresh[TAXII_CURSOR_KEY_BYTES];
        randombytes_buf(fresh, sizeof(fresh));
        struct sol_buf text;
        sol_buf_init(&text);
        sol_hex_encode(&text, fresh, sizeof(fresh));
        sodium_memzero(fresh, sizeof(fresh));
        rc = sol_store_begin(s);
        if (rc == 0) {
            rc = sol_store_setting_get(s, SOL_SETTING_CURSOR_KEY, &hex);
            if (rc == SOL_ENOTFOUND)
                rc = sol_store_setting_set(s, SOL_SETTING_CURSOR_KEY, text.p);
            rc = rc == 0 ? sol_store_commit(s) : (sol_store_rollback(s), rc);
        }
        sodium_memzero(text.p, text.n);
        sol_buf_free(&text);
        if (rc == 0)
            rc = sol_store_setting_get(s, SOL_SETTING_CURSOR_KEY, &hex);
    }
    if (rc == 0 && (hex.n != (size_t)2 * TAXII_CURSOR_KEY_BYTES ||
                    sol_hex_decode(hex.p, hex.n, key) != TAXII_CURSOR_KEY_BYTES))
        rc = SOL_EINVALID;
    if (hex.p)
        sodium_memzero(hex.p, hex.n);
    sol_buf_free(&hex);
    return rc;
}

/*
 * Copy the configuration (defaults for zero fields) and load or create the cursor key.
 * The store is only used during the call. Errors: SOL_ENOMEM, SOL_ECRYPTO, store errors,
 * SOL_EINVALID for a stored key that is not 64 hex digits; err says which.
 */
int
sol_taxii_server_new(struct sol_store *s, const struct sol_taxii_config *cfg,
                     struct sol_taxii_server **out, struct sol_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return sol_error_set(err, SOL_ECRYPTO, "libsodium could not be initialised");
    struct sol_taxii_server *srv = sol_calloc(1, sizeof(*srv));
    if (!srv)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (cfg)
        srv->cfg = *cfg;
    if (!srv->cfg.default_page)
        srv->cfg.default_page = SOL_TAXII_DEFAULT_PAGE;
    if (!srv->cfg.max_page)
        srv->cfg.max_page = SOL_TAXII_MAX_PAGE;
    if (srv->cfg.default_page > srv->cfg.max_page)
        srv->cfg.default_page = srv->cfg.max_page;
    if (srv->cfg.max_content_length <= 0)
        srv->cfg.max_content_length = SOL_TAXII_MAX_CONTENT;
    if (!srv->cfg.max_objects)
        srv->cfg.max_objects = SOL_TAXII_MAX_OBJECTS;
    const char *given[4] = {cfg ? cfg->title : NULL, cfg ? cfg->description : NULL,
                            cfg ? cfg->contact : NULL, cfg ? cfg->public_url : NULL};
    char **kept[4] = {&srv->title, &srv->description, &srv->contact, &srv->public_url};
    for (int i = 0; i < 4; i++) {
        if (!given[i] || !*given[i])
            continue;
        if (i == 3) {
            struct sol_buf u;
            sol_buf_init(&u);
            int prc = sol_taxii_public_url(given[i], &u, err);
            if (prc < 0) {
                sol_buf_free(&u);
                sol_taxii_server_free(srv);
                return prc;
            }
            *kept[i] = sol_buf_steal(&u, NULL);
        } else {
            *kept[i] = sol_strdup(given[i]);
        }
        if (!*kept[i]) {
            sol_taxii_server_free(srv);
            return sol_error_set(err, SOL_ENOMEM, "out of memory");
        }
    }
    int rc = sol_access_guard_new(&srv->cfg.guard, &srv->guard);
    if (rc < 0) {
        sol_taxii_server_free(srv);
        return sol_error_set(err, rc, "cannot make the login guard: %s", sol_strerror(rc));
    }
    rc = load_key(s, srv->key);
    if (rc < 0) {
        sol_taxii_server_free(srv);
        return sol_error_set(err, rc, "cannot load or create the TAXII cursor key (%s): %s",
                             SOL_SETTING_CURSOR_KEY, sol_strerror(rc));
    }
    /* access.h "Policy": objects the node's own partner posts are signed at ingest. */
    rc = sol_sign_node_key(s, NULL, &srv->node_key, err);
    if (rc < 0) {
        sol_taxii_server_free(srv);
        return rc;
    }
    srv->cache = sol__taxii_cache_new(CACHE_BYTES); /* NULL: answers are not cached */
    *out = srv;
    return 0;
}

struct taxii_cache *
sol__taxii_server_cache(const struct sol_taxii_server *srv)
{
    return srv ? srv->cache : NULL;
}

/* Wipe the key and free the server; NULL does nothing. */
void
sol_taxii_server_free(struct sol_taxii_server *srv)
{
    if (!srv)
        return;
    sodium_memzero(srv->key, sizeof(srv->key));
    sol_sign_key_clear(&srv->node_key);
    sol__taxii_cache_free(srv->cache);
    sol_access_guard_free(srv->guard);
    sol_free(srv->title);
    sol_free(srv->description);
    sol_free(srv->contact);
    sol_free(srv->public_url);
    sol_free(srv);
}

/* The login guard, shared with the process's other doors (taxii.h). */
struct sol_access_guard *
sol_taxii_server_guard(const struct sol_taxii_server *srv)
{
    return srv ? srv->guard : NULL;
}

/* The max_content_length for API roots that set none (the configured one). */
int64_t
sol_taxii_max_content_length(const struct sol_taxii_server *srv)
{
    return srv->cfg.max_content_length;
}

/* Everything one request needs while it is handled. */
struct ctx {
    const struct sol_taxii_server *srv;
    struct sol_store *s;
    const struct sol_taxii_request *req;
    struct sol_taxii_response *resp;
    struct taxii_route rt;
    struct sol_principal who;
    bool authenticated;
    struct sol_api_root root;
    struct sol_collection col;
    bool can_read, can_write;
};

static int
store_failure(struct ctx *c, int rc)
{
    if (rc == SOL_EBUSY)
        return sol__taxii_error(c->resp, 503, "the store is busy; try again in a moment");
    return sol__taxii_error(c->resp, 500, "the store failed (%s)", sol_strerror(rc));
}

static void
timestamp6(sol_time_t t, char buf[32])
{
    sol_time_format(t, 6, buf);
}

/*
 * Timestamps of a page, written as quoted JSON strings (object versions as STIX
 * timestamps: milliseconds unless they have finer digits; date_added with 6 digits). Rows of a page
 * mostly share their second, so the "YYYY-MM-DDTHH:MM:SS" head is formatted once per second and
 * only the fraction per row (manifests and versions are mostly timestamps).
 */
struct ts_writer {
    int64_t secs;
    bool valid;
    char head[24]; /* '"' and the 19 characters of the head */
};

static void
write_timestamp(struct sol_json_writer *w, struct ts_writer *tw, sol_time_t t, unsigned digits)
{
    int64_t secs = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
    int64_t us = t - secs * 1000000;
    if (!tw->valid || tw->secs != secs) {
        char full[40];
        size_t n = sol_time_format(secs * 1000000, 0, full);
        if (n != 20) { /* a year outside 0000-9999: no fast path */
            char ts[40];
            sol_time_format(t, digits, ts);
            sol_jw_string(w, ts);
            return;
        }
        tw->head[0] = '"';
        memcpy(tw->head + 1, full, 19);
        tw->secs = secs;
        tw->valid = true;
    }
    char out[40];
    memcpy(out, tw->head, 20);
    size_t n = 20;
    if (digits) {
        out[n++] = '.';
        int64_t v = digits == 3 ? us / 1000 : us;
        for (unsigned k = digits; k-- > 0; v /= 10)
            out[n + k] = (char)('0' + v % 10);
        n += digits;
    }
    out[n++] = 'Z';
    out[n++] = '"';
    sol_jw_raw(w, out, n);
}

/* A STIX id as a JSON string: raw when it holds only characters that need no escape. */
static void
write_id(struct sol_json_writer *w, struct sol_str id)
{
    bool plain = id.n < 300;
    for (size_t i = 0; plain && i < id.n; i++) {
        char ch = id.p[i];
        plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    }
    if (!plain) {
        sol_jw_stringn(w, id.p, id.n);
        return;
    }
    char out[304];
    out[0] = '"';
    memcpy(out + 1, id.p, id.n);
    out[id.n + 1] = '"';
    sol_jw_raw(w, out, id.n + 2);
}

/* §4.2: the API root named in the path; 404 when there is none. */
static int
load_root(struct ctx *c)
{
    int rc = sol_store_api_root_get(c->s, c->rt.api_root, &c->root);
    if (rc == SOL_ENOTFOUND)
        return sol__taxii_error(c->resp, 404, "there is no API root '%s' on this server",
                                c->rt.api_root),
               1;
    if (rc < 0)
        return store_failure(c, rc), 1;
    if (c->root.max_content_length <= 0)
        c->root.max_content_length = c->srv->cfg.max_content_length;
    return 0;
}

/*
 * §5: the collection of the path (its id, or its alias), and the asker's rights on it.
 * One the asker can neither read nor write does not exist for them (404 rather than
 * 403 where existence itself would leak). Returns 0, or 1 with resp set.
 */
static int
load_collection(struct ctx *c)
{
    if (load_root(c))
        return 1;
    int rc = sol_store_collection_get(c->s, c->root.name, c->rt.collection, &c->col);
    if (rc < 0 && rc != SOL_ENOTFOUND)
        return store_failure(c, rc), 1;
    if (rc == 0) {
        c->can_read = sol_access_can_read(c->s, &c->who, c->col.id);
        /* A reader's GET needs no write right: one grant lookup fewer per page. */
        bool need_write = c->rt.ep == TAXII_EP_COLLECTION || !c->can_read ||
                          strcmp(c->req->method, "POST") == 0 ||
                          strcmp(c->req->method, "DELETE") == 0;
        c->can_write = need_write && sol_access_can_write(c->s, &c->who, c->col.id);
    }
    if (rc == SOL_ENOTFOUND || (!c->can_read && !c->can_write))
        return sol__taxii_error(c->resp, 404,
                                "there is no collection '%s' in the API root '%s' that you "
                                "may see",
                                c->rt.collection, c->rt.api_root),
               1;
    return 0;
}

static void
write_opt_string(struct sol_json_writer *w, const char *key, const char *v)
{
    if (v && *v) {
        sol_jw_key(w, key);
        sol_jw_string(w, v);
    }
}

/*
 * A public URL as discovery uses it: http or https, a host, no query, fragment or blank;
 * appended to out with exactly one '/' at the end (taxii.h).
 */
int
sol_taxii_public_url(const char *url, struct sol_buf *out, struct sol_error *err)
{
    size_t n = url ? strlen(url) : 0;
    const char *rest = NULL;
    if (n > 8 && strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (n > 7 && strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    if (!rest || !*rest || *rest == '/')
        return sol_error_set(err, SOL_ESYNTAX,
                             "'%s' is not a public URL: http:// or https://, a host and an "
                             "optional path",
                             url ? url : "");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == '"' || *p == '\\' ||
            (unsigned char)*p >= 0x7f)
            return sol_error_set(err, SOL_ESYNTAX,
                                 "'%s' is not a public URL: no blanks, query or fragment "
                                 "(percent-encode what needs it)",
                                 url);
    while (n && url[n - 1] == '/')
        n--;
    sol_buf_append(out, url, n);
    sol_buf_putc(out, '/');
    return out->oom ? sol_error_set(err, SOL_ENOMEM, "out of memory") : 0;
}

/*
 * What discovery says of the server: the serve option when given (c->srv), else the
 * node's setting (store.h), else fallback; into buf, for the length of the request.
 */
static const char *
discovery_text(struct ctx *c, const char *given, const char *setting, struct sol_buf *buf,
               const char *fallback)
{
    if (given)
        return given;
    if (sol_store_setting_get(c->s, setting, buf) == 0 && buf->p && *buf->p)
        return buf->p;
    return fallback;
}

/*
 * §4.1: GET /taxii2/. URLs are relative ("/intel/", §4.1.1) unless the node has a public
 * URL (serve --public-url, or taxii.public_url): behind a reverse proxy, clients are then
 * given absolute URLs under it. default is the node's default API root (store.h).
 */
static int
ep_discovery(struct ctx *c)
{
    struct sol_api_root *roots = NULL;
    size_t n = 0;
    int rc = sol_store_api_root_list(c->s, &roots, &n);
    if (rc < 0)
        return store_failure(c, rc);
    struct sol_buf title, description, contact, public_setting, base, def, url;
    sol_buf_init(&title);
    sol_buf_init(&description);
    sol_buf_init(&contact);
    sol_buf_init(&public_setting);
    sol_buf_init(&base);
    sol_buf_init(&def);
    sol_buf_init(&url);
    const char *pub =
        discovery_text(c, c->srv->public_url, SOL_SETTING_PUBLIC_URL, &public_setting, NULL);
    /* A stored URL that is not one (set by hand) is not used: relative URLs then. */
    if (pub && sol_taxii_public_url(pub, &base, NULL) != 0)
        sol_buf_reset(&base);
    struct sol_json_writer w;
    sol_jw_init(&w, &c->resp->body, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "title");
    sol_jw_string(&w, discovery_text(c, c->srv->title, SOL_SETTING_TAXII_TITLE, &title,
                                     "solidarity TAXII 2.1 server"));
    write_opt_string(
        &w, "description",
        discovery_text(c, c->srv->description, SOL_SETTING_TAXII_DESCRIPTION, &description, NULL));
    write_opt_string(&w, "contact",
                     discovery_text(c, c->srv->contact, SOL_SETTING_TAXII_CONTACT, &contact, NULL));
    if (n) {
        rc = sol_store_default_api_root(c->s, &def);
        if (rc < 0 && rc != SOL_ENOTFOUND) {
            sol_jw_object_end(&w);
            store_failure(c, rc);
            goto out;
        }
        /* §4.1.1: default is one of api_roots; a relative URL starts with one "/". */
        sol_buf_reset(&url);
        if (base.n)
            sol_buf_append(&url, base.p, base.n);
        else
            sol_buf_putc(&url, '/');
        sol_buf_printf(&url, "%s/", def.p ? def.p : roots[0].name);
        sol_jw_key(&w, "default");
        sol_jw_string(&w, url.p);
        sol_jw_key(&w, "api_roots");
        sol_jw_array_begin(&w);
        for (size_t i = 0; i < n; i++) {
            sol_buf_reset(&url);
            if (base.n)
                sol_buf_append(&url, base.p, base.n);
            else
                sol_buf_putc(&url, '/');
            sol_buf_printf(&url, "%s/", roots[i].name);
            sol_jw_string(&w, url.p);
        }
        sol_jw_array_end(&w);
    }
    sol_jw_object_end(&w);
    c->resp->status = 200;
out:
    sol_api_root_list_free(roots, n);
    sol_buf_free(&title);
    sol_buf_free(&description);
    sol_buf_free(&contact);
    sol_buf_free(&public_setting);
    sol_buf_free(&base);
    sol_buf_free(&def);
    sol_buf_free(&url);
    return 0;
}

/* §4.2: GET {api-root}/ */
static int
ep_api_root(struct ctx *c)
{
    if (load_root(c))
        return 0;
    struct sol_json_writer w;
    sol_jw_init(&w, &c->resp->body, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "title");
    sol_jw_string(&w, c->root.title && *c->root.title ? c->root.title : c->root.name);
    write_opt_string(&w, "description", c->root.description);
    sol_jw_key(&w, "versions");
    sol_jw_array_begin(&w);
    sol_jw_string(&w, SOL_TAXII_MEDIA_TYPE);
    sol_jw_array_end(&w);
    sol_jw_key(&w, "max_content_length");
    sol_jw_int(&w, c->root.max_content_length);
    sol_jw_object_end(&w);
    c->resp->status = 200;
    return 0;
}

static void
write_status_entries(struct sol_json_writer *w, const char *key, const struct sol_status_entry *v,
                     size_t n)
{
    if (!n) /* TAXII 2.1 §2: an empty list is omitted */
        return;
    sol_jw_key(w, key);
    sol_jw_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        sol_jw_object_begin(w);
        sol_jw_key(w, "id");
        sol_jw_string(w, v[i].id ? v[i].id : "");
        sol_jw_key(w, "version");
        sol_jw_string(w, v[i].version ? v[i].version : "");
        write_opt_string(w, "message", v[i].message);
        sol_jw_object_end(w);
    }
    sol_jw_array_end(w);
}

/* §4.3.1: the status resource. */
static void
write_status(struct sol_buf *out, const struct sol_status *st)
{
    char ts[32];
    struct sol_json_writer w;
    sol_jw_init(&w, out, false);
    sol_jw_object_begin(&w);
    sol_jw_key(&w, "id");
    sol_jw_string(&w, st->id);
    sol_jw_key(&w, "status");
    sol_jw_string(&w, st->status);
    if (st->request_timestamp) {
        timestamp6(st->request_timestamp, ts);
        sol_jw_key(&w, "request_timestamp");
        sol_jw_string(&w, ts);
    }
    sol_jw_key(&w, "total_count");
    sol_jw_int(&w, st->total_count);
    sol_jw_key(&w, "success_count");
    sol_jw_int(&w, st->success_count);
    write_status_entries(&w, "successes", st->successes, st->n_successes);
    sol_jw_key(&w, "failure_count");
    sol_jw_int(&w, st->failure_count);
    write_status_entries(&w, "failures", st->failures, st->n_failures);
    sol_jw_key(&w, "pending_count");
    sol_jw_int(&w, st->pending_count);
    write_status_entries(&w, "pendings", st->pendings, st->n_pendings);
    sol_jw_object_end(&w);
}

/*
 * Whether the principal made the request of a status: the same user (by id: names are
 * reused), in the same partner, who existed when the request was made (SQLite may give
 * a removed user's id to a new one, whose created time is then later).
 */
static bool
status_owner(const struct sol_status *st, const struct sol_principal *who)
{
    return st->owner_user_id > 0 && st->owner_user_id == who->user_id &&
           st->owner_partner_id == who->partner_id && who->user_created <= st->request_timestamp;
}

/*
 * §4.3: GET {api-root}/status/{status-id}/. Only the user who made the request may read a
 * status; for anyone else, admins included, it does not exist (it names objects and
 * versions, and an admin sees objects by clearance and TLP:RED recipients like everyone).
 */
static int
ep_status(struct ctx *c)
{
    if (load_root(c))
        return 0;
    struct sol_status st;
    memset(&st, 0, sizeof(st));
    int rc = sol_store_status_get(c->s, c->rt.status_id, &st);
    if (rc < 0 && rc != SOL_ENOTFOUND)
        return store_failure(c, rc);
    if (rc == SOL_ENOTFOUND || !status_owner(&st, &c->who) ||
        st.request_timestamp < sol_time_now() - STATUS_RETENTION) {
        sol_status_clear(&st);
        return sol__taxii_error(c->resp, 404,
                                "there is no status '%s' in the API root '%s' that you may "
                                "see (statuses are kept for 7 days)",
                                c->rt.status_id, c->rt.api_root);
    }
    write_status(&c->resp->body, &st);
    sol_status_clear(&st);
    c->resp->status = 200;
    return 0;
}

/* §5.2.1: the collection resource, with this asker's can_read and can_write. */
static void
write_collection(struct sol_json_writer *w, const struct sol_collection *col, bool can_read,
                 bool can_write)
{
    sol_jw_object_begin(w);
    sol_jw_key(w, "id");
    sol_jw_string(w, col->id);
    sol_jw_key(w, "title");
    sol_jw_string(w, col->title && *col->title ? col->title : col->id);
    write_opt_string(w, "description", col->description);
    write_opt_string(w, "alias", col->alias);
    sol_jw_key(w, "can_read");
    sol_jw_bool(w, can_read);
    sol_jw_key(w, "can_write");
    sol_jw_bool(w, can_write);
    sol_jw_key(w, "media_types");
    sol_jw_array_begin(w);
    const char *mt = col->media_types && *col->media_types ? col->media_types
                                                           : "application/stix+json;version=2.1";
    for (const char *p = mt; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n)
            sol_jw_stringn(w, p, n);
        p = comma ? comma + 1 : p + n;
    }
    sol_jw_array_end(w);
    sol_jw_object_end(w);
}

/* §5.1: GET {api-root}/collections/ — only the collections the asker may use. */
static int
ep_collections(struct ctx *c)
{
    if (load_root(c))
        return 0;
    struct sol_collection *v = NULL;
    size_t n = 0;
    int rc = sol_store_collection_list(c->s, c->root.name, &v, &n);
    if (rc < 0)
        return store_failure(c, rc);
    struct sol_json_writer w;
    sol_jw_init(&w, &c->resp->body, false);
    sol_jw_object_begin(&w);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        bool r = sol_access_can_read(c->s, &c->who, v[i].id);
        bool wr = sol_access_can_write(c->s, &c->who, v[i].id);
        if (!r && !wr)
            continue;
        if (!any) {
            sol_jw_key(&w, "collections");
            sol_jw_array_begin(&w);
            any = true;
        }
        write_collection(&w, &v[i], r, wr);
    }
    if (any)
        sol_jw_array_end(&w);
    sol_jw_object_end(&w);
    sol_collection_list_free(v, n);
    c->resp->status = 200;
    return 0;
}

/* §5.2: GET {api-root}/collections/{id}/ */
static int
ep_collection(struct ctx *c)
{
    if (load_collection(c))
        return 0;
    struct sol_json_writer w;
    sol_jw_init(&w, &c->resp->body, false);
    write_collection(&w, &c->col, c->can_read, c->can_write);
    c->resp->status = 200;
    return 0;
}

/*
 * The filter of a GET on §5.3, §5.4, §5.6, §5.8 or a DELETE (§5.7) from the query,
 * keeping only the parameters the endpoint defines (the others are ignored).
 */
static void
build_filter(struct ctx *c, const struct taxii_query *q, const char *const *oid,
             struct sol_object_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->collection = c->col.id;
    enum taxii_endpoint ep = c->rt.ep;
    if (ep != TAXII_EP_OBJECT || strcmp(c->req->method, "DELETE") != 0) {
        f->has_added_after = q->has_added_after;
        f->added_after = q->added_after;
    }
    if (ep == TAXII_EP_OBJECTS || ep == TAXII_EP_MANIFEST) {
        f->ids = (const char *const *)q->ids;
        f->n_ids = q->n_ids;
        f->types = (const char *const *)q->types;
        f->n_types = q->n_types;
    } else {
        f->ids = oid;
        f->n_ids = 1;
    }
    f->spec_versions = (const char *const *)q->spec_versions;
    f->n_spec_versions = q->n_spec_versions;
    if (ep == TAXII_EP_VERSIONS) {
        f->version_match = SOL_VERSION_ALL; /* §5.8: every version */
    } else {
        f->version_match = q->version_match;
        f->versions = q->versions;
        f->n_versions = q->n_versions;
    }
    sol_access_filter(&c->who, f);
}

/* Whether the object oid has any version in the collection the asker may see. */
static int
object_exists(struct ctx *c, const char *const *oid, bool *exists)
{
    struct sol_object_filter f;
    memset(&f, 0, sizeof(f));
    f.collection = c->col.id;
    f.ids = oid;
    f.n_ids = 1;
    f.version_match = SOL_VERSION_ALL;
    f.limit = 1;
    f.skip_json = true;
    sol_access_filter(&c->who, &f);
    struct sol_store_cursor *cur = NULL;
    int rc = sol_store_objects_query(c->s, &f, &cur);
    if (rc < 0)
        return rc;
    struct sol_object_row row;
    rc = sol_store_cursor_next(cur, &row);
    sol_store_cursor_close(cur);
    *exists = rc == 0;
    return rc == SOL_EEOF ? 0 : rc;
}

static int
parse_query(struct ctx *c, struct taxii_query *q)
{
    char why[512];
    int rc = sol__taxii_query_parse(c->req->query, q, why, sizeof(why));
    if (rc == SOL_ENOMEM)
        return sol__taxii_error(c->resp, 500, "out of memory"), 1;
    if (rc < 0)
        return sol__taxii_error(c->resp, 400, "%s", why), 1;
    return 0;
}

/*
 * §5.3 manifest, §5.4 objects, §5.6 an object, §5.8 versions: one page of rows in
 * ascending date_added order (§3.3), with more/next (§3.4, §3.5) and the
 * X-TAXII-Date-Added-First/Last headers (§3.2) on non-empty pages.
 */
static void ep_list_run(struct ctx *c);

static int
ep_list(struct ctx *c)
{
    if (load_collection(c))
        return 0;
    if (!c->can_read)
        return sol__taxii_error(c->resp, 403, "you may not read the collection '%s'", c->col.id);
    /*
     * cache.c: the answer depends on the path, the query string, Accept and what the
     * asker may see; the collection's state, read before the query, validates it.
     */
    struct sol_buf ckey;
    sol_buf_init(&ckey);
    int64_t state[4];
    bool cacheable = c->srv->cache && sol__store_collection_state(c->s, c->col.id, state) == 0;
    if (cacheable) {
        sol_buf_printf(&ckey, "%d\n%s\n%s\n%s\n%d %d\n%s", (int)c->rt.ep, c->req->path,
                       c->req->query ? c->req->query : "", c->req->accept ? c->req->accept : "",
                       c->who.clearance, c->who.is_admin, c->who.partner_identity);
        if (sol__taxii_cache_get(c->srv->cache, &ckey, state, c->resp)) {
            sol_buf_free(&ckey);
            return 0;
        }
    }
    ep_list_run(c);
    if (cacheable)
        sol__taxii_cache_put(c->srv->cache, &ckey, state, c->resp);
    sol_buf_free(&ckey);
    return 0;
}

/* ep_list() without the cache: the query, and the page written into c->resp. */
static void
ep_list_run(struct ctx *c)
{
    struct taxii_query q;
    if (parse_query(c, &q)) {
        sol__taxii_query_free(&q);
        return;
    }
    const char *oid_v[1] = {c->rt.object_id};
    struct sol_object_filter f;
    build_filter(c, &q, oid_v, &f);
    size_t limit = q.has_limit ? q.limit : c->srv->cfg.default_page;
    if (limit > c->srv->cfg.max_page)
        limit = c->srv->cfg.max_page;
    f.limit = limit + 1; /* one more than the page: "more" */
    f.skip_json = c->rt.ep == TAXII_EP_MANIFEST || c->rt.ep == TAXII_EP_VERSIONS;
    struct sol_buf scope, next;
    sol_buf_init(&scope);
    sol_buf_init(&next);
    sol__taxii_cursor_scope(&c->rt, &q, &scope);
    int rc = 0;
    if (q.next) {
        if (sol__taxii_cursor_decode(c->srv->key, &scope, q.next, &f.after_date_added,
                                     &f.after_seq) != 0) {
            sol__taxii_error(c->resp, 400,
                             "next is not a cursor this server issued for this query (was it "
                             "changed, or sent with other filters than the first page?)");
            goto out;
        }
        f.has_after = true;
    }
    struct sol_store_cursor *cur = NULL;
    rc = sol_store_objects_query(c->s, &f, &cur);
    if (rc < 0) {
        store_failure(c, rc);
        goto out;
    }
    struct sol_json_writer w;
    sol_jw_init(&w, &c->resp->body, false);
    sol_jw_object_begin(&w);
    const char *list_key = c->rt.ep == TAXII_EP_VERSIONS ? "versions" : "objects";
    size_t count = 0;
    bool more = false;
    sol_time_t first = 0, last = 0;
    int64_t last_seq = 0;
    struct ts_writer tw_added = {0}, tw_version = {0};
    struct sol_object_row row;
    while ((rc = sol_store_cursor_next(cur, &row)) == 0) {
        if (count == limit) {
            more = true;
            break;
        }
        if (count == 0) {
            first = row.date_added;
            sol_jw_key(&w, list_key);
            sol_jw_array_begin(&w);
        }
        last = row.date_added;
        last_seq = row.seq;
        count++;
        switch (c->rt.ep) {
        case TAXII_EP_VERSIONS:
            write_timestamp(&w, &tw_version, row.version, row.version % 1000 == 0 ? 3 : 6);
            break;
        case TAXII_EP_MANIFEST: /* §5.3.1: one record per version */
            sol_jw_object_begin(&w);
            sol_jw_key(&w, "id");
            write_id(&w, row.id);
            sol_jw_key(&w, "date_added");
            write_timestamp(&w, &tw_added, row.date_added, 6);
            sol_jw_key(&w, "version");
            write_timestamp(&w, &tw_version, row.version, row.version % 1000 == 0 ? 3 : 6);
            sol_jw_key(&w, "media_type");
            if (!row.spec_version.n || sol_str_eqc(row.spec_version, "2.1")) {
                static const char mt21[] = "\"application/stix+json;version=2.1\"";
                sol_jw_raw(&w, mt21, sizeof(mt21) - 1);
            } else {
                char mt[64];
                snprintf(mt, sizeof(mt), "application/stix+json;version=%.*s",
                         (int)row.spec_version.n, row.spec_version.p);
                sol_jw_string(&w, mt);
            }
            sol_jw_object_end(&w);
            break;
        default:
            sol_jw_raw(&w, row.json.p, row.json.n);
            break;
        }
    }
    sol_store_cursor_close(cur);
    if (rc < 0 && rc != SOL_EEOF) {
        store_failure(c, rc);
        goto out;
    }
    if (count)
        sol_jw_array_end(&w);
    /*
     * §3.7: more is optional and absent means false, so {} and {"more": false} say the
     * same. An empty page is {} as medallion sends it (taxii2-client reads both); a page
     * with objects says more either way.
     */
    if (count) {
        sol_jw_key(&w, "more");
        sol_jw_bool(&w, more);
    }
    if (more) {
        /* Whenever more is true, give next: a client told more without next asks for the
         * first page again, forever. */
        sol__taxii_cursor_encode(c->srv->key, &scope, last, last_seq, &next);
        sol_jw_key(&w, "next");
        sol_jw_string(&w, next.p);
    }
    sol_jw_object_end(&w);
    if (count == 0 && !q.next && (c->rt.ep == TAXII_EP_OBJECT || c->rt.ep == TAXII_EP_VERSIONS)) {
        /* §5.6, §5.8: an object the collection does not hold (for this asker) is a 404;
         * one whose versions the filters all exclude is an empty 200. */
        bool exists = false;
        rc = object_exists(c, oid_v, &exists);
        if (rc < 0) {
            store_failure(c, rc);
            goto out;
        }
        if (!exists) {
            sol__taxii_error(c->resp, 404, "there is no object '%s' in the collection '%s'",
                             c->rt.object_id, c->col.id);
            goto out;
        }
    }
    if (c->resp->body.oom) {
        sol__taxii_error(c->resp, 500, "out of memory");
        goto out;
    }
    if (count) {
        timestamp6(first, c->resp->date_added_first);
        timestamp6(last, c->resp->date_added_last);
    }
    c->resp->status = 200;
out:
    sol_buf_free(&scope);
    sol_buf_free(&next);
    sol__taxii_query_free(&q);
}

/*
 * ep_list() inside one read snapshot (store/store.h): the API root, the collection, the
 * grants, the cache's state and the page all see one state of the store, and SQLite
 * takes its read lock once instead of once per statement.
 */
static void
ep_list_snapshot(struct ctx *c)
{
    bool snap = sol__store_read_begin(c->s) == 0;
    ep_list(c);
    if (snap)
        (void)sol__store_read_end(c->s); /* a read-only transaction: nothing to lose */
}

/* §5.7: DELETE .../objects/{object-id}/ — needs both rights; a bare DELETE removes all versions. */
static int
ep_delete(struct ctx *c)
{
    if (load_collection(c))
        return 0;
    if (!c->can_read || !c->can_write)
        return sol__taxii_error(c->resp, 403,
                                "deleting from the collection '%s' needs both "
                                "read and write rights",
                                c->col.id);
    struct taxii_query q;
    if (parse_query(c, &q)) {
        sol__taxii_query_free(&q);
        return 0;
    }
    const char *oid_v[1] = {c->rt.object_id};
    struct sol_object_filter f;
    build_filter(c, &q, oid_v, &f);
    bool exists = false;
    int rc = object_exists(c, oid_v, &exists);
    if (rc < 0) {
        store_failure(c, rc);
    } else if (!exists) {
        sol__taxii_error(c->resp, 404, "there is no object '%s' in the collection '%s'",
                         c->rt.object_id, c->col.id);
    } else {
        size_t deleted = 0;
        rc = sol_store_begin(c->s);
        if (rc == 0)
            rc = sol_store_objects_delete(c->s, &f, &deleted);
        if (rc == 0) {
            char target[2 * TAXII_SEGMENT_MAX], details[64];
            snprintf(target, sizeof(target), "%s/%s", c->col.id, c->rt.object_id);
            snprintf(details, sizeof(details), "{\"versions\":%zu}", deleted);
            rc = sol_store_audit(c->s, c->who.name, "objects.delete", target, details);
        }
        rc = rc == 0 ? sol_store_commit(c->s) : (sol_store_rollback(c->s), rc);
        if (rc < 0) {
            store_failure(c, rc);
        } else {
            c->resp->status = 200;
            c->resp->no_body = true;
        }
    }
    sol__taxii_query_free(&q);
    return 0;
}

/* Results of a POST, as status-details lists. */
struct post_results {
    struct sol_status_entry *ok, *bad;
    size_t n_ok, n_bad;
};

static int
add_entry(struct sol_status_entry **v, size_t *n, const char *id, const char *version,
          const char *message)
{
    struct sol_status_entry *nv = sol_realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv)
        return SOL_ENOMEM;
    *v = nv;
    struct sol_status_entry *e = &nv[(*n)++];
    e->id = sol_strdup(id && *id ? id : "unknown");
    e->version = sol_strdup(version ? version : "");
    e->message = message ? sol_strdup(message) : NULL;
    if (!e->id || !e->version || (message && !e->message))
        return SOL_ENOMEM;
    return 0;
}

static void
free_entries(struct sol_status_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sol_free(v[i].id);
        sol_free(v[i].version);
        sol_free(v[i].message);
    }
    sol_free(v);
}

/*
 * §5.5: POST .../objects/ — an envelope (or a bundle, which some clients post) of STIX objects.
 * Each valid object goes through the one ingest path; invalid ones are failures with
 * their reason. The work is done before answering, so the status is "complete" and is
 * only written once everything acknowledged in it is durable.
 */
static int
ep_post(struct ctx *c)
{
    const struct sol_taxii_request *req = c->req;
    if (load_collection(c))
        return 0;
    if (!c->can_write)
        return sol__taxii_error(c->resp, 403, "you may not add objects to the collection '%s'",
                                c->col.id);
    if (!sol__taxii_content_type_ok(req->content_type))
        return sol__taxii_error(
            c->resp, 415, "the body must be sent as %s (Content-Type was %s%s%s)",
            SOL_TAXII_MEDIA_TYPE, req->content_type ? "'" : "",
            req->content_type ? req->content_type : "absent", req->content_type ? "'" : "");
    int64_t max = c->root.max_content_length;
    if (req->body_truncated || (int64_t)req->body_n > max ||
        (req->content_length >= 0 && req->content_length > max))
        return sol__taxii_error(c->resp, 413,
                                "the body is larger than this API root's max_content_length "
                                "of %lld bytes",
                                (long long)max);
    struct sol_json_limits lim = {.max_bytes = (size_t)max + 1, .max_depth = 64};
    struct sol_json_doc *doc = sol_json_doc_new(&lim);
    if (!doc)
        return sol__taxii_error(c->resp, 500, "out of memory");
    const struct sol_json *root = NULL;
    struct sol_error jerr;
    sol_error_clear(&jerr);
    int rc = sol_json_parse(doc, req->body ? req->body : "", req->body_n, &root, &jerr);
    if (rc == SOL_ENOMEM) {
        sol_json_doc_free(doc);
        return sol__taxii_error(c->resp, 500, "out of memory");
    }
    if (rc < 0) {
        char msg[600];
        sol_error_format(&jerr, msg, sizeof(msg));
        sol_json_doc_free(doc);
        return sol__taxii_error(c->resp, 422, "the body is not valid JSON: %s", msg);
    }
    const struct sol_json *objects = sol_json_get(root, "objects");
    if (sol_json_type(root) != SOL_JSON_OBJECT || sol_json_type(objects) != SOL_JSON_ARRAY) {
        sol_json_doc_free(doc);
        return sol__taxii_error(c->resp, 422,
                                "the body must be a TAXII envelope: a JSON "
                                "object whose \"objects\" is a list of STIX "
                                "objects (TAXII 2.1 §3.7)");
    }
    if (objects->n == 0) {
        sol_json_doc_free(doc);
        return sol__taxii_error(c->resp, 422, "the envelope's \"objects\" list is empty");
    }
    if (objects->n > c->srv->cfg.max_objects) {
        size_t n = objects->n;
        sol_json_doc_free(doc);
        return sol__taxii_error(c->resp, 413,
                                "the envelope holds %zu objects; this server "
                                "takes at most %zu per request",
                                n, c->srv->cfg.max_objects);
    }
    sol_time_t now = sol_time_now();
    /* ingest.h "Provenance": the keys held and the default agreed with the poster's partner
     * are read now (peers change while a server runs). */
    struct sol_trust *trust = NULL;
    struct sol_error ierr;
    sol_error_clear(&ierr);
    rc = sol_trust_load(c->s, &trust, &ierr);
    if (rc < 0) {
        sol_json_doc_free(doc);
        return store_failure(c, rc);
    }
    /* access.h "Policy": the poster's partner may receive the TLP:RED versions it sent. */
    const char *poster[1] = {c->who.partner_identity};
    struct sol_ingest_options opt = {
        .collection = c->col.id,
        .actor = c->who.name,
        .origin = "taxii",
        .red_recipients = poster,
        .n_red_recipients = c->who.partner_identity[0] ? 1 : 0,
        .asker = &c->who,
        .trust = trust,
        .node_key = &c->srv->node_key,
        .default_tlp = sol_trust_default_tlp(trust, c->who.partner_identity),
    };
    struct sol_ingest *in = NULL;
    rc = sol_ingest_begin(c->s, &opt, &in, &ierr);
    struct post_results pr = {0};
    struct sol_json_iter it;
    const struct sol_json *obj;
    size_t i = 0;
    sol_json_iter_init(&it, objects);
    while (rc == 0 && sol_json_iter_next(&it, NULL, &obj)) {
        char path[32];
        snprintf(path, sizeof(path), "objects[%zu]", i++);
        struct sol_ingest_result res;
        memset(&res, 0, sizeof(res));
        rc = sol_ingest_object(in, obj, path, &res);
        if (rc < 0)
            break;
        /* access.h "Policy": an answer about versions the poster may not see (hidden) is
         * the answer a new object gets: nothing tells that they exist. */
        if (res.hidden)
            rc = add_entry(&pr.ok, &pr.n_ok, res.id, res.version, NULL);
        else if (res.outcome == SOL_INGEST_REJECTED || res.outcome == SOL_INGEST_QUARANTINED)
            rc = add_entry(&pr.bad, &pr.n_bad, res.id, res.version, res.message);
        else
            rc = add_entry(&pr.ok, &pr.n_ok, res.id, res.version,
                           res.outcome == SOL_INGEST_HELD ? "already held" : NULL);
    }
    sol_trust_free(trust);
    if (rc == 0) {
        rc = sol_ingest_end(in); /* everything is durable when this returns 0 */
    } else if (in) {
        sol_ingest_abort(in);
    }
    sol_json_doc_free(doc);
    if (rc < 0) {
        free_entries(pr.ok, pr.n_ok);
        free_entries(pr.bad, pr.n_bad);
        return rc == SOL_ENOMEM ? sol__taxii_error(c->resp, 500, "out of memory")
                                : store_failure(c, rc);
    }
    struct sol_uuid u;
    char sid[37];
    sol_uuid_v4(&u);
    sol_uuid_format(&u, sid);
    struct sol_status st = {
        .id = sid,
        .status = (char *)"complete",
        .request_timestamp = now,
        .total_count = (int64_t)(pr.n_ok + pr.n_bad),
        .success_count = (int64_t)pr.n_ok,
        .failure_count = (int64_t)pr.n_bad,
        .successes = pr.ok,
        .n_successes = pr.n_ok,
        .failures = pr.bad,
        .n_failures = pr.n_bad,
        .owner = c->who.name,
        .owner_user_id = c->who.user_id,
        .owner_partner_id = c->who.partner_id,
    };
    rc = sol_store_status_put(c->s, &st);
    if (rc == 0) {
        size_t removed = 0;
        (void)sol_store_status_expire(c->s, now - STATUS_RETENTION, &removed);
        write_status(&c->resp->body, &st);
        c->resp->status = 202; /* §5.5 */
    } else {
        store_failure(c, rc);
    }
    free_entries(pr.ok, pr.n_ok);
    free_entries(pr.bad, pr.n_bad);
    return 0;
}

static const char *
allowed_methods(enum taxii_endpoint ep)
{
    switch (ep) {
    case TAXII_EP_OBJECTS:
        return "GET, HEAD, POST";
    case TAXII_EP_OBJECT:
        return "GET, HEAD, DELETE";
    default:
        return "GET, HEAD";
    }
}

static bool
method_allowed(enum taxii_endpoint ep, const char *m)
{
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return true;
    if (strcmp(m, "POST") == 0)
        return ep == TAXII_EP_OBJECTS;
    if (strcmp(m, "DELETE") == 0)
        return ep == TAXII_EP_OBJECT;
    return false;
}

/* RFC 7235 §4.1: the schemes we accept, for every 401. */
#define WWW_AUTHENTICATE "Basic realm=\"solidarity\", Bearer realm=\"solidarity\", Token"

/*
 * Answer one request (see the order of checks at the top of this file). resp's body
 * is replaced; everything the request borrowed is released before returning.
 */
int
sol_taxii_handle(const struct sol_taxii_server *srv, struct sol_store *s,
                 const struct sol_taxii_request *req, struct sol_taxii_response *resp)
{
    sol_buf_reset(&resp->body);
    resp->status = 500;
    resp->content_type = SOL_TAXII_MEDIA_TYPE;
    resp->no_body = false;
    resp->date_added_first[0] = resp->date_added_last[0] = '\0';
    resp->www_authenticate = resp->allow = NULL;
    resp->retry_after[0] = '\0';
    snprintf(resp->principal, sizeof(resp->principal), "-");

    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.srv = srv;
    c.s = s;
    c.req = req;
    c.resp = resp;
    const char *why = NULL;
    int rc = sol__taxii_route(req->path, &c.rt, &why);
    if (rc == SOL_ENOMEM)
        return sol__taxii_error(resp, 500, "out of memory");
    if (rc == SOL_ESYNTAX)
        return sol__taxii_error(resp, 400, "%s", why);
    if (rc < 0)
        return sol__taxii_error(resp, 404,
                                "there is no TAXII endpoint at this path (discovery "
                                "is at /taxii2/)");
    const char *method = req->method ? req->method : "";
    if (!method_allowed(c.rt.ep, method)) {
        sol__taxii_error(resp, 405, "%s is not a method of this endpoint; it takes %s", method,
                         allowed_methods(c.rt.ep));
        resp->allow = allowed_methods(c.rt.ep);
        return 0;
    }
    if (!sol__taxii_accept_ok(req->accept, c.rt.ep == TAXII_EP_MANIFEST))
        return sol__taxii_error(resp, 406,
                                "this server answers in %s only; the Accept header admits "
                                "none of it (it was '%s')",
                                SOL_TAXII_MEDIA_TYPE, req->accept);
    bool need_auth = c.rt.ep != TAXII_EP_DISCOVERY || srv->cfg.private_discovery ||
                     (req->authorization && *req->authorization);
    if (need_auth) {
        unsigned wait = 0;
        rc = sol_access_authenticate_from(s, srv->guard, req->authorization, req->remote_addr,
                                          &c.who, &wait);
        if (rc == SOL_ELIMIT || rc == SOL_EBUSY) {
            /* RFC 6585 §4 and RFC 9110 §10.2.3: say when to come back; no password was
             * checked. A token is never refused this way. */
            snprintf(resp->retry_after, sizeof(resp->retry_after), "%u", wait ? wait : 1);
            if (rc == SOL_ELIMIT)
                return sol__taxii_error(resp, 429,
                                        "too many failed logins from this address or for this "
                                        "user; try again in %u seconds",
                                        wait);
            return sol__taxii_error(resp, 503,
                                    "every password check is busy; try again in a moment, or "
                                    "use an API token");
        }
        if (rc == SOL_EAUTH) {
            sol__taxii_error(resp, 401, "%s",
                             req->authorization && *req->authorization
                                 ? "the credentials were not accepted"
                                 : "this endpoint needs credentials: Basic, Bearer or Token");
            resp->www_authenticate = WWW_AUTHENTICATE;
            return 0;
        }
        if (rc < 0)
            return store_failure(&c, rc);
        c.authenticated = true;
        snprintf(resp->principal, sizeof(resp->principal), "%s", c.who.name);
    }
    switch (c.rt.ep) {
    case TAXII_EP_DISCOVERY:
        ep_discovery(&c);
        break;
    case TAXII_EP_API_ROOT:
        ep_api_root(&c);
        break;
    case TAXII_EP_STATUS:
        ep_status(&c);
        break;
    case TAXII_EP_COLLECTIONS:
        ep_collections(&c);
        break;
    case TAXII_EP_COLLECTION:
        ep_collection(&c);
        break;
    case TAXII_EP_MANIFEST:
    case TAXII_EP_VERSIONS:
        ep_list_snapshot(&c);
        break;
    case TAXII_EP_OBJECTS:
        if (strcmp(method, "POST") == 0)
            ep_post(&c);
        else
            ep_list_snapshot(&c);
        break;
    case TAXII_EP_OBJECT:
        if (strcmp(method, "DELETE") == 0)
            ep_delete(&c);
        else
            ep_list_snapshot(&c);
        break;
    default:
        sol__taxii_error(resp, 404, "there is no TAXII endpoint at this path");
        break;
    }
    sol_api_root_clear(&c.root);
    sol_collection_clear(&c.col);
    if (resp->body.oom) {
        sol_buf_free(&resp->body);
        sol_buf_init(&resp->body);
        sol__taxii_error(resp, 500, "out of memory");
        return resp->body.oom ? SOL_ENOMEM : 0;
    }
    return 0;
}
