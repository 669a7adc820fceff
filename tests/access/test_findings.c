/*
 * test_findings.c — the findings of issue #10 that are not one row of the disclosure
 * matrix (test_disclosure.c), each as the probe that found it, in process against the
 * policy fixture (policy_fixture.h), on SQLite or PostgreSQL (argv[1]: "sqlite", "pg").
 * Each test failed on the code before the fix it names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "policy_fixture.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"

static const char *backend = "sqlite";

/* A JSON value of a response body at a dotted path ("failures.0.message"), as text. */
static void
body_value(const struct sol_taxii_response *r, const char *path, char *out, size_t n)
{
    out[0] = 0;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *v = NULL;
    if (!doc || sol_json_parse(doc, r->body.p ? r->body.p : "", r->body.n, &v, NULL) != 0) {
        sol_json_doc_free(doc);
        return;
    }
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *part = strtok(copy, "."); part && v; part = strtok(NULL, ".")) {
        if (part[0] >= '0' && part[0] <= '9') {
            struct sol_json_iter it;
            const struct sol_json *e = NULL;
            long k = strtol(part, NULL, 10);
            sol_json_iter_init(&it, v);
            v = NULL;
            while (sol_json_iter_next(&it, NULL, &e))
                if (k-- == 0) {
                    v = e;
                    break;
                }
        } else {
            v = sol_json_get(v, part);
        }
    }
    if (v) {
        struct sol_buf b;
        sol_buf_init(&b);
        struct sol_json_writer w;
        sol_jw_init(&w, &b, false);
        sol_jw_value(&w, v);
        snprintf(out, n, "%s", b.p ? b.p : "");
        sol_buf_free(&b);
    }
    sol_json_doc_free(doc);
}

#define OBJECTS "/intel/collections/" PF_COL "/objects/"

static const char *
indicator(char *buf, size_t n, const char *uuid, const char *modified, const char *extra)
{
    snprintf(buf, n,
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"name\":\"x\","
             "\"pattern\":\"[domain-name:value = 'x.example']\",\"pattern_type\":\"stix\","
             "\"valid_from\":\"2024-01-01T00:00:00Z\"%s}",
             uuid, modified, extra ? extra : "");
    return buf;
}

static char *
envelope(const char *obj)
{
    size_t n = strlen(obj) + 32;
    char *e = malloc(n);
    snprintf(e, n, "{\"objects\":[%s]}", obj);
    return e;
}

/*
 * Finding 6: a status resource belongs to the user who made the request (their id and
 * partner), not to whoever has that name now; nor to a later user given the same id.
 */
static void
test_status_owner_by_id(void)
{
    struct pf f;
    if (pf_open(&f, backend) != 0) {
        HARNESS_FAIL("fixture");
        return;
    }
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    char obj[1024], sid[128], path[256];
    char *env = envelope(indicator(obj, sizeof obj, "00000000-0000-4000-8000-00000000a001",
                                   "2024-01-01T00:00:00.000Z", NULL));
    /* walt (third, write-only) is the last user made: SQLite gives his id to the next. */
    CHECK_INT(pf_taxii(&f, "POST", OBJECTS, "walt", env, &r), 0);
    CHECK_INT(r.status, 202);
    body_value(&r, "id", sid, sizeof sid);
    size_t n = strlen(sid);
    snprintf(path, sizeof path, "/intel/status/%.*s/", n > 2 ? (int)n - 2 : 0, sid + 1);
    CHECK_INT(pf_taxii(&f, "GET", path, "walt", NULL, &r), 0);
    CHECK_INT(r.status, 200);
    /* walt goes; someone else is made "walt", in another partner, then in the same one */
    static const char *const partners[] = {"other", "third"};
    for (int k = 0; k < 2; k++) {
        struct sol_user old;
        CHECK_INT(sol_store_user_get(f.s, "walt", &old), 0);
        int64_t old_id = old.id;
        sol_user_clear(&old);
        CHECK_INT(sol_store_user_delete(f.s, "walt"), 0);
        struct sol_partner p;
        CHECK_INT(sol_store_partner_get(f.s, partners[k], &p), 0);
        struct sol_user u = {.name = (char *)"walt", .partner_id = p.id, .clearance = SOL_TLP_RED};
        sol_partner_clear(&p);
        int64_t uid = 0;
        CHECK_INT(sol_store_user_add(f.s, &u, &uid), 0);
        if (k == 1 && strcmp(backend, "sqlite") == 0)
            CHECK_INT(uid, old_id); /* the id came back: only the time tells them apart */
        size_t i = 0;
        while (i < pf_n_users && strcmp(pf_users[i].name, "walt") != 0)
            i++;
        CHECK_INT(sol_access_token_issue(f.s, uid, "new", f.tokens[i], NULL), 0);
        CHECK_INT(pf_taxii(&f, "GET", path, "walt", NULL, &r), 0);
        CHECK_INT(r.status, 404);
        CHECK(!strstr(r.body.p ? r.body.p : "", "00000000-0000-4000-8000-00000000a001"));
    }
    /* an admin still reads it */
    CHECK_INT(pf_taxii(&f, "GET", path, "admin", NULL, &r), 0);
    CHECK_INT(r.status, 200);
    free(env);
    sol_taxii_response_clear(&r);
    pf_close(&f);
}

int
main(int argc, char **argv)
{
    if (argc > 1)
        backend = argv[1];
    if (!pf_backend_start(backend))
        return 0;
    RUN(test_status_owner_by_id);
    return harness_done();
}
