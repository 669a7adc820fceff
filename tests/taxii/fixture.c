/*
 * fixture.c — the store every TAXII test starts from: two API roots, three partners,
 * a user of each clearance with a token and grants, three collections. Used by the
 * transcript runner and, through taxii_fixture, by the integration script.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "solidarity/access.h"
#include "solidarity/stix.h"

struct user_spec {
    const char *name, *partner;
    int clearance;
    bool admin;
    bool read, write; /* on COL_A */
};

static const struct user_spec fixture_users[] = {
    {"admin", "home", SOL_TLP_RED, true, false, false},
    {"alice", "acme", SOL_TLP_AMBER, false, true, true},  /* reads and writes A and S */
    {"bob", "other", SOL_TLP_GREEN, false, true, false},  /* reads A */
    {"carol", "acme", SOL_TLP_CLEAR, false, true, false}, /* reads A, sees CLEAR only */
    {"stella", "acme", SOL_TLP_AMBER_STRICT, false, true, false},
    {"rita", "acme", SOL_TLP_RED, false, true, false},    /* acme is named on RED */
    {"eve", "other", SOL_TLP_RED, false, false, false},   /* no grants at all */
    {"oscar", "other", SOL_TLP_RED, false, true, false},  /* RED, but other's partner */
    {"walt", "other", SOL_TLP_AMBER, false, false, true}, /* writes A, cannot read */
};

int
taxii_fixture_setup(struct sol_store *s, void (*var_set)(const char *name, const char *value))
{
    int rc = 0;
    struct sol_api_root intel = {.name = (char *)"intel",
                                 .title = (char *)"Intelligence",
                                 .description = (char *)"the node's collections",
                                 .max_content_length = SOL_DEFAULT_MAX_CONTENT_LENGTH};
    struct sol_api_root small = {
        .name = (char *)"small", .title = (char *)"Small", .max_content_length = 700};
    rc = rc ? rc : sol_store_api_root_put(s, &intel);
    rc = rc ? rc : sol_store_api_root_put(s, &small);
    int64_t pid[3] = {0};
    rc = rc ? rc : sol_store_partner_add(s, "home", HOME, &pid[0]);
    rc = rc ? rc : sol_store_partner_add(s, "acme", ACME, &pid[1]);
    rc = rc ? rc : sol_store_partner_add(s, "other", OTHER, &pid[2]);
    struct sol_collection a = {.id = (char *)COL_A,
                               .api_root = (char *)"intel",
                               .title = (char *)"Demo",
                               .description = (char *)"spyware",
                               .alias = (char *)"demo",
                               .default_tlp = SOL_TLP_AMBER};
    struct sol_collection b = {.id = (char *)COL_B,
                               .api_root = (char *)"intel",
                               .title = (char *)"Hidden",
                               .default_tlp = SOL_TLP_AMBER};
    struct sol_collection sm = {.id = (char *)COL_S,
                                .api_root = (char *)"small",
                                .title = (char *)"Small one",
                                .default_tlp = SOL_TLP_GREEN};
    rc = rc ? rc : sol_store_collection_put(s, &a);
    rc = rc ? rc : sol_store_collection_put(s, &b);
    rc = rc ? rc : sol_store_collection_put(s, &sm);
    for (size_t i = 0; rc == 0 && i < sizeof(fixture_users) / sizeof(fixture_users[0]); i++) {
        const struct user_spec *u = &fixture_users[i];
        char pass[64], hash[128];
        snprintf(pass, sizeof(pass), "%s-pass", u->name);
        rc = sol_access_password_hash(pass, hash);
        int64_t partner = strcmp(u->partner, "home") == 0   ? pid[0]
                          : strcmp(u->partner, "acme") == 0 ? pid[1]
                                                            : pid[2];
        char uname[64];
        snprintf(uname, sizeof(uname), "%s", u->name);
        struct sol_user su = {.name = uname,
                              .partner_id = partner,
                              .clearance = u->clearance,
                              .is_admin = u->admin,
                              .password_hash = hash};
        int64_t uid = 0;
        rc = rc ? rc : sol_store_user_add(s, &su, &uid);
        if (rc == 0 && (u->read || u->write)) {
            struct sol_grant g = {.collection = (char *)COL_A,
                                  .user_id = uid,
                                  .can_read = u->read,
                                  .can_write = u->write};
            rc = sol_store_grant_add(s, &g);
            if (rc == 0 && strcmp(u->name, "alice") == 0) {
                g.collection = (char *)COL_S;
                rc = sol_store_grant_add(s, &g);
            }
        }
        char token[SOL_TOKEN_LEN + 1];
        rc = rc ? rc : sol_access_token_issue(s, uid, "test", token, NULL);
        if (rc == 0) {
            var_set(u->name, token);
            char up[128], key[80];
            snprintf(up, sizeof(up), "%s:%s", u->name, pass);
            struct sol_buf b64;
            sol_buf_init(&b64);
            sol_base64_encode(&b64, up, strlen(up));
            snprintf(key, sizeof(key), "basic_%s", u->name);
            var_set(key, b64.p);
            sol_buf_free(&b64);
        }
    }
    var_set("A", COL_A);
    var_set("B", COL_B);
    var_set("S", COL_S);
    var_set("ACME", ACME);
    var_set("OTHER", OTHER);
    return rc;
}
