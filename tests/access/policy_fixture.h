/*
 * policy_fixture.h — the node the policy tests ask (test_disclosure.c, test_findings.c):
 * one store (SQLite, or a fresh schema of a throwaway PostgreSQL cluster), its partners,
 * a user of every kind of asker with a token, a collection, and the TAXII server in
 * process (src/taxii has no sockets).
 *
 * The node's own partner is "home" (its identity is the node's); "acme" is the partner
 * TLP:RED objects name, "other" a partner they do not name, "third" the outside author
 * of the objects and the partner of the askers without a partner grant.
 */
#ifndef SOL_TESTS_POLICY_FIXTURE_H
#define SOL_TESTS_POLICY_FIXTURE_H

#include <stdbool.h>

#include "solidarity/access.h"
#include "solidarity/sign.h"
#include "solidarity/store.h"
#include "solidarity/taxii.h"

#define PF_HOME  "identity--c0c0c0c0-0000-4000-8000-000000000003"
#define PF_ACME  "identity--a0a0a0a0-0000-4000-8000-000000000001"
#define PF_OTHER "identity--b0b0b0b0-0000-4000-8000-000000000002"
#define PF_THIRD "identity--d0d0d0d0-0000-4000-8000-000000000004"
#define PF_COL   "44444444-4444-4444-8444-444444444444" /* default AMBER */

/* The kinds of asker (issue #10): each clearance, a RED user of a partner not named, no
 * grant, write-only, a user-level grant, an admin, the node's own partner. */
struct pf_user {
    const char *name;
    const char *partner; /* "home", "acme", "other", "third" */
    int clearance;
    bool admin;
    const char *grant; /* "partner" (its partner reads and writes), "user-read", "user-write",
                          "other-read" (partner reads only), NULL: none */
    const char *kind;  /* what this asker stands for, in test names */
};
extern const struct pf_user pf_users[];
extern const size_t pf_n_users;

struct pf {
    char backend[16]; /* "sqlite" or "pg" */
    char url[600];
    struct sol_store *s;
    struct sol_taxii_server *srv;
    struct sol_sign_key node_key;  /* the node's own (home's) key */
    struct sol_sign_key third_key; /* the outside author's key, held for partner third */
    char tokens[16][SOL_TOKEN_LEN + 1];
};

/*
 * Start the backend for the program (backend "sqlite" or "pg"); false with a reason
 * printed as "# SKIP" when PostgreSQL cannot be started here.
 */
bool pf_backend_start(const char *backend);
/* A fresh store with the fixture in it, and the TAXII server. Returns 0 or -1 (TAP comment). */
int pf_open(struct pf *f, const char *backend);
void pf_close(struct pf *f);
/* Reopen the store handle (as another process would see it). */
int pf_reopen(struct pf *f);

/* The token of a user of pf_users (NULL: no Authorization header). */
const char *pf_token(struct pf *f, const char *user);

/*
 * One TAXII request as user (NULL: anonymous): method, path (with the query after '?',
 * if any) and body (NULL: none). resp must have been initialised; it is overwritten.
 */
int pf_taxii(struct pf *f, const char *method, const char *target, const char *user,
             const char *body, struct sol_taxii_response *resp);

/*
 * Ingest a document (a JSON list of objects) into collection as the node's own operator
 * would (import): origin "test", actor "test". Returns the number stored, or -1.
 */
int pf_ingest(struct pf *f, const char *collection, const char *json);

/* obj (JSON text) signed with k, into a malloc'd string (NULL on failure). */
char *pf_sign(const struct sol_sign_key *k, const char *obj);

#endif
