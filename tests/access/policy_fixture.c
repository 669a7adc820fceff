/*
 * policy_fixture.c — the node the policy tests ask (policy_fixture.h says what is in it).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pg/pg_cluster.h"
#include "policy_fixture.h"
#include "solidarity/alloc.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/sync.h"

const struct pf_user pf_users[] = {
    {"admin", "home", SOL_TLP_RED, true, NULL, "admin"},
    {"homer", "home", SOL_TLP_RED, false, "partner", "the node's own partner"},
    {"clara", "acme", SOL_TLP_CLEAR, false, "partner", "clearance CLEAR"},
    {"gina", "acme", SOL_TLP_GREEN, false, "partner", "clearance GREEN"},
    {"amos", "acme", SOL_TLP_AMBER, false, "partner", "clearance AMBER"},
    {"stella", "acme", SOL_TLP_AMBER_STRICT, false, "partner", "clearance AMBER+STRICT"},
    {"rita", "acme", SOL_TLP_RED, false, "partner", "clearance RED, named"},
    {"oscar", "other", SOL_TLP_RED, false, "other-read", "RED of a partner not named"},
    {"eve", "third", SOL_TLP_RED, false, NULL, "no grant"},
    {"walt", "third", SOL_TLP_RED, false, "user-write", "write-only"},
    {"ursula", "third", SOL_TLP_AMBER, false, "user-read", "a user-level grant"},
};
const size_t pf_n_users = sizeof pf_users / sizeof pf_users[0];

static char sqlite_base[256];
static int n_stores;

static void
remove_sqlite_base(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_base);
    if (sqlite_base[0] && system(cmd) != 0)
        printf("# could not remove %s\n", sqlite_base);
}

bool
pf_backend_start(const char *backend)
{
    if (strcmp(backend, "pg") == 0) {
        if (!pg_cluster_start()) {
            printf("1..0 # SKIP %s\n", pg_cluster_why);
            return false;
        }
        return true;
    }
    snprintf(sqlite_base, sizeof sqlite_base, "%s/sol-policy-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(sqlite_base)) {
        printf("1..0 # SKIP cannot make a temporary directory\n");
        return false;
    }
    atexit(remove_sqlite_base);
    return true;
}

static int
fail(const char *what, int rc, struct sol_store *s)
{
    printf("# fixture: %s: %s (%s)\n", what, sol_strerror(rc), s ? sol_store_errmsg(s) : "");
    return -1;
}

static int64_t
partner_id(struct sol_store *s, const char *name)
{
    struct sol_partner p;
    if (sol_store_partner_get(s, name, &p) != 0)
        return 0;
    int64_t id = p.id;
    sol_partner_clear(&p);
    return id;
}

/* The fixture's content (policy_fixture.h). */
static int
fill(struct pf *f)
{
    struct sol_store *s = f->s;
    int rc = 0;
    rc = rc ? rc : sol_store_setting_set(s, SOL_SETTING_NODE_IDENTITY, PF_HOME);
    rc = rc ? rc : sol_store_setting_set(s, SOL_SETTING_NODE_PARTNER, "home");
    struct sol_api_root intel = {.name = (char *)"intel",
                                 .title = (char *)"Intelligence",
                                 .max_content_length = SOL_DEFAULT_MAX_CONTENT_LENGTH};
    rc = rc ? rc : sol_store_api_root_put(s, &intel);
    rc = rc ? rc : sol_store_partner_add(s, "home", PF_HOME, NULL);
    rc = rc ? rc : sol_store_partner_add(s, "acme", PF_ACME, NULL);
    rc = rc ? rc : sol_store_partner_add(s, "other", PF_OTHER, NULL);
    rc = rc ? rc : sol_store_partner_add(s, "third", PF_THIRD, NULL);
    struct sol_collection c = {.id = (char *)PF_COL,
                               .api_root = (char *)"intel",
                               .title = (char *)"Shared",
                               .alias = (char *)"shared",
                               .default_tlp = SOL_TLP_AMBER};
    rc = rc ? rc : sol_store_collection_put(s, &c);
    if (rc != 0)
        return fail("partners and collection", rc, s);
    static const char *const granted[] = {"home", "acme"};
    for (size_t i = 0; i < 2; i++) {
        struct sol_grant g = {.collection = (char *)PF_COL,
                              .partner_id = partner_id(s, granted[i]),
                              .can_read = true,
                              .can_write = true};
        if ((rc = sol_store_grant_add(s, &g)) != 0)
            return fail("grant", rc, s);
    }
    struct sol_grant og = {
        .collection = (char *)PF_COL, .partner_id = partner_id(s, "other"), .can_read = true};
    if ((rc = sol_store_grant_add(s, &og)) != 0)
        return fail("grant other", rc, s);
    for (size_t i = 0; i < pf_n_users; i++) {
        const struct pf_user *u = &pf_users[i];
        struct sol_user su = {.name = (char *)(uintptr_t)u->name,
                              .partner_id = partner_id(s, u->partner),
                              .clearance = u->clearance,
                              .is_admin = u->admin};
        int64_t uid = 0;
        if ((rc = sol_store_user_add(s, &su, &uid)) != 0)
            return fail(u->name, rc, s);
        if (u->grant && strncmp(u->grant, "user-", 5) == 0) {
            struct sol_grant g = {.collection = (char *)PF_COL,
                                  .user_id = uid,
                                  .can_read = strcmp(u->grant, "user-read") == 0,
                                  .can_write = strcmp(u->grant, "user-write") == 0};
            if ((rc = sol_store_grant_add(s, &g)) != 0)
                return fail("user grant", rc, s);
        }
        if ((rc = sol_access_token_issue(s, uid, "test", f->tokens[i], NULL)) != 0)
            return fail("token", rc, s);
    }
    /* The node's key, and the outside author's, held for partner third through a peer. */
    struct sol_error err;
    if ((rc = sol_sign_node_key(s, NULL, &f->node_key, &err)) != 0) {
        printf("# fixture: node key: %s\n", err.msg);
        return -1;
    }
    /* One key for third in the whole program: every node of a test knows it. */
    static struct sol_sign_key third;
    if (!third.signer[0]) {
        if (crypto_sign_keypair(third.public_key, third.secret_key) != 0)
            return fail("third's key", SOL_ECRYPTO, NULL);
        snprintf(third.signer, sizeof third.signer, "%s", PF_THIRD);
    }
    f->third_key = third;
    struct sol_peer_config pc = {.name = (char *)"thirdnode",
                                 .url = (char *)"http://127.0.0.1:9/",
                                 .api_root = (char *)"intel",
                                 .collection = (char *)PF_COL,
                                 .direction = SOL_PEER_PULL,
                                 .max_tlp = SOL_TLP_AMBER,
                                 .partner = (char *)"third",
                                 .n_keys = 1,
                                 .unsigned_policy = SOL_SIGN_ACCEPT};
    memcpy(pc.keys[0], f->third_key.public_key, SOL_SIGN_PUBLIC_BYTES);
    struct sol_peer_config copy = pc;
    copy.name = sol_strdup(pc.name);
    copy.url = sol_strdup(pc.url);
    copy.api_root = sol_strdup(pc.api_root);
    copy.collection = sol_strdup(pc.collection);
    copy.partner = sol_strdup(pc.partner);
    rc = sol_peer_add(s, &copy, false, "test", &err);
    sol_peer_config_clear(&copy);
    if (rc != 0) {
        printf("# fixture: peer: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int
pf_open(struct pf *f, const char *backend)
{
    memset(f, 0, sizeof *f);
    snprintf(f->backend, sizeof f->backend, "%s", backend);
    int k = n_stores++;
    if (strcmp(backend, "pg") == 0) {
        char name[32];
        snprintf(name, sizeof name, "policy_%d", k);
        if (pg_cluster_fresh_db(name, f->url, sizeof f->url) != 0)
            return -1;
    } else {
        snprintf(f->url, sizeof f->url, "%s/node-%d", sqlite_base, k);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", f->url);
        if (system(cmd) != 0)
            return -1;
    }
    struct sol_error err;
    if (sol_store_open(f->url, &f->s, &err) != 0) {
        printf("# open %s: %s\n", f->url, err.msg);
        return -1;
    }
    if (fill(f) != 0)
        return -1;
    if (sol_taxii_server_new(f->s, NULL, &f->srv, &err) != 0) {
        printf("# taxii server: %s\n", err.msg);
        return -1;
    }
    return 0;
}

void
pf_close(struct pf *f)
{
    sol_taxii_server_free(f->srv);
    sol_store_close(f->s);
    sol_sign_key_clear(&f->node_key);
    sol_sign_key_clear(&f->third_key);
    memset(f, 0, sizeof *f);
}

int
pf_reopen(struct pf *f)
{
    sol_store_close(f->s);
    f->s = NULL;
    struct sol_error err;
    if (sol_store_open(f->url, &f->s, &err) != 0) {
        printf("# reopen %s: %s\n", f->url, err.msg);
        return -1;
    }
    return 0;
}

const char *
pf_token(struct pf *f, const char *user)
{
    for (size_t i = 0; user && i < pf_n_users; i++)
        if (strcmp(pf_users[i].name, user) == 0)
            return f->tokens[i];
    return NULL;
}

int
pf_taxii(struct pf *f, const char *method, const char *target, const char *user, const char *body,
         struct sol_taxii_response *resp)
{
    char path[2048], auth[128];
    snprintf(path, sizeof path, "%s", target);
    char *q = strchr(path, '?');
    if (q)
        *q++ = 0;
    const char *token = pf_token(f, user);
    snprintf(auth, sizeof auth, "Bearer %s", token ? token : "");
    struct sol_taxii_request req = {
        .method = method,
        .path = path,
        .query = q,
        .accept = SOL_TAXII_MEDIA_TYPE,
        .content_type = body ? SOL_TAXII_MEDIA_TYPE : NULL,
        .authorization = token ? auth : NULL,
        .body = body,
        .body_n = body ? strlen(body) : 0,
        .content_length = body ? (int64_t)strlen(body) : -1,
    };
    return sol_taxii_handle(f->srv, f->s, &req, resp);
}

int
pf_ingest(struct pf *f, const char *collection, const char *json)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err;
    if (!doc || sol_json_parse(doc, json, strlen(json), &root, &err) != 0) {
        printf("# pf_ingest: not JSON: %s\n", doc ? err.msg : "out of memory");
        sol_json_doc_free(doc);
        return -1;
    }
    struct sol_ingest_options o = {.collection = collection, .actor = "test", .origin = "test"};
    struct sol_ingest *in = NULL;
    int rc = sol_ingest_begin(f->s, &o, &in, &err);
    if (rc == 0)
        rc = sol_ingest_document(in, root, NULL, NULL, &err);
    struct sol_ingest_stats st = {0};
    if (in)
        sol_ingest_get_stats(in, &st);
    if (rc != 0)
        printf("# pf_ingest: %s\n", err.msg);
    if (rc == 0)
        rc = sol_ingest_end(in);
    else
        sol_ingest_abort(in);
    sol_json_doc_free(doc);
    if (st.rejected)
        printf("# pf_ingest: %zu rejected\n", st.rejected);
    return rc == 0 ? (int)st.stored : -1;
}

char *
pf_sign(const struct sol_sign_key *k, const char *obj)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_buf out;
    sol_buf_init(&out);
    struct sol_error err;
    char *r = NULL;
    if (doc && sol_json_parse(doc, obj, strlen(obj), &root, &err) == 0 &&
        sol_sign_object(k, root, &out, &err) == 0)
        r = sol_buf_steal(&out, NULL);
    sol_buf_free(&out);
    sol_json_doc_free(doc);
    return r;
}
