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
#include "solidarity/ingest.h"
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
    /* nor an admin: a status names objects an admin may not see */
    CHECK_INT(pf_taxii(&f, "GET", path, "admin", NULL, &r), 0);
    CHECK_INT(r.status, 404);
    free(env);
    sol_taxii_response_clear(&r);
    pf_close(&f);
}

/* POST one object as user; the status's first entry of kind ("successes"/"failures"). */
static int
post_one(struct pf *f, const char *user, const char *obj, const char *kind, char *message, size_t n)
{
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    char *env = envelope(obj);
    pf_taxii(f, "POST", OBJECTS, user, env, &r);
    free(env);
    int status = r.status;
    char path[64];
    message[0] = 0;
    snprintf(path, sizeof path, "%s.0.message", kind);
    body_value(&r, path, message, n);
    char count[32];
    snprintf(path, sizeof path, "%s_count", strcmp(kind, "successes") == 0 ? "success" : "failure");
    body_value(&r, path, count, sizeof count);
    sol_taxii_response_clear(&r);
    return status == 202 && strcmp(count, "1") == 0 ? 0 : -1;
}

/* The JSON of the latest version of id in the collection as the admin reads it, or "". */
static void
latest_json(struct pf *f, const char *collection, const char *id, char *out, size_t n)
{
    out[0] = 0;
    char path[256];
    snprintf(path, sizeof path, "/intel/collections/%s/objects/%s/", collection, id);
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    pf_taxii(f, "GET", path, "admin", NULL, &r);
    if (r.status == 200)
        body_value(&r, "objects.0", out, n);
    sol_taxii_response_clear(&r);
}

#define RED_ACME                                                                                   \
    ",\"object_marking_refs\":[\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"],"     \
    "\"x_solidarity_recipients\":[\"" PF_ACME "\"],\"created_by_ref\":\"" PF_THIRD "\""

/*
 * Finding 4: POSTing a copy of a version the poster may not see is answered as a new object
 * is: no "already held" (nor any other word) to tell that the node holds it.
 */
static void
test_already_held_is_no_oracle(void)
{
    struct pf f;
    if (pf_open(&f, backend) != 0) {
        HARNESS_FAIL("fixture");
        return;
    }
    char obj[2048], msg[600];
    /* the node holds a RED version naming acme, made by third (signed: third speaks) */
    char *red =
        pf_sign(&f.third_key, indicator(obj, sizeof obj, "00000000-0000-4000-8000-00000000b001",
                                        "2024-01-01T00:00:00.000Z", RED_ACME));
    CHECK_INT(pf_ingest(&f, PF_COL, red), 1);
    /* rita (acme, RED, named) sees it: a copy is "already held" for her */
    CHECK_INT(post_one(&f, "rita", red, "successes", msg, sizeof msg), 0);
    CHECK_STR(msg, "\"already held\"");
    /* walt (write-only) and amos (acme, AMBER) may not see it: their answer is a new object's */
    static const char *const blind[] = {"walt", "amos"};
    for (int i = 0; i < 2; i++) {
        CHECK_INT(post_one(&f, blind[i], red, "successes", msg, sizeof msg), 0);
        CHECK_STR(msg, "");
    }
    char fresh[2048];
    char *other =
        pf_sign(&f.third_key, indicator(fresh, sizeof fresh, "00000000-0000-4000-8000-00000000b002",
                                        "2024-01-01T00:00:00.000Z", RED_ACME));
    CHECK_INT(post_one(&f, "walt", other, "successes", msg, sizeof msg), 0);
    CHECK_STR(msg, ""); /* the same words for a new one */
    free(red);
    free(other);
    pf_close(&f);
}

/*
 * Finding 8: the write door checks who speaks. (a) a signed object altered after signing,
 * (b) an object in the name of another identity (the receiving node's own), unsigned or
 * signed by a key the node does not hold for it, (c) a later version of another's object:
 * each refused, with the reason in the status, nothing stored. What may pass passes: a
 * partner's object signed by its creator, and a creator's own new version.
 */
static void
test_who_speaks(void)
{
    struct pf f;
    if (pf_open(&f, backend) != 0) {
        HARNESS_FAIL("fixture");
        return;
    }
    char obj[2048], msg[600], held[4096];
    const char *base = "00000000-0000-4000-8000-00000000c0";
    char id[64];
    /* (a) a sighting signed by the outside author, then altered */
    snprintf(obj, sizeof obj,
             "{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--%s01\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
             "\"created_by_ref\":\"" PF_THIRD "\",\"count\":1,"
             "\"sighting_of_ref\":\"indicator--%s02\"}",
             base, base);
    char *signed_ = pf_sign(&f.third_key, obj);
    char *p = signed_ ? strstr(signed_, "\"count\":1") : NULL;
    CHECK(p != NULL);
    if (p)
        p[8] = '9';
    CHECK_INT(post_one(&f, "amos", signed_, "failures", msg, sizeof msg), 0);
    CHECK(strstr(msg, "its signature fails") != NULL);
    snprintf(id, sizeof id, "sighting--%s01", base);
    latest_json(&f, PF_COL, id, held, sizeof held);
    CHECK_STR(held, "");
    free(signed_);
    /* (b) an indicator in the name of the receiving node itself, unsigned */
    snprintf(id, sizeof id, "%s03", base);
    indicator(obj, sizeof obj, id, "2024-01-01T00:00:00.000Z",
              ",\"created_by_ref\":\"" PF_HOME "\"");
    CHECK_INT(post_one(&f, "amos", obj, "failures", msg, sizeof msg), 0);
    CHECK(strstr(msg, "created_by_ref " PF_HOME " is not the sender's partner " PF_ACME) != NULL);
    CHECK(strstr(msg, "no valid signature") != NULL);
    /* ... or signed by a key the node does not hold for it (third's) */
    char *wrong = pf_sign(&f.third_key, obj);
    CHECK_INT(post_one(&f, "amos", wrong, "failures", msg, sizeof msg), 0);
    free(wrong);
    char full[80];
    snprintf(full, sizeof full, "indicator--%s", id);
    latest_json(&f, PF_COL, full, held, sizeof held);
    CHECK_STR(held, "");
    /* an object by third, signed by third (whose key the node holds): acme may relay it */
    snprintf(id, sizeof id, "%s04", base);
    char *relayed = pf_sign(&f.third_key, indicator(obj, sizeof obj, id, "2024-01-01T00:00:00.000Z",
                                                    ",\"created_by_ref\":\"" PF_THIRD "\""));
    CHECK_INT(post_one(&f, "amos", relayed, "successes", msg, sizeof msg), 0);
    free(relayed);
    /* (c) acme's indicator: another partner may not revoke it; acme may */
    snprintf(id, sizeof id, "%s05", base);
    indicator(obj, sizeof obj, id, "2024-01-01T00:00:00.000Z",
              ",\"created_by_ref\":\"" PF_ACME "\"");
    CHECK_INT(post_one(&f, "amos", obj, "successes", msg, sizeof msg), 0);
    char later[2048];
    indicator(later, sizeof later, id, "2024-02-01T00:00:00.000Z",
              ",\"revoked\":true,\"created_by_ref\":\"" PF_ACME "\"");
    char *by_third = pf_sign(&f.third_key, later); /* whatever third signs, it is not acme */
    CHECK_INT(post_one(&f, "walt", by_third, "failures", msg, sizeof msg), 0);
    free(by_third);
    indicator(later, sizeof later, id, "2024-02-01T00:00:00.000Z",
              ",\"revoked\":true,\"created_by_ref\":\"" PF_THIRD "\"");
    by_third = pf_sign(&f.third_key, later); /* nor may third, in its own name */
    CHECK_INT(post_one(&f, "walt", by_third, "successes", msg, sizeof msg), 0);
    CHECK_STR(msg, ""); /* walt may not read the collection: told nothing */
    CHECK_INT(post_one(&f, "oscar", by_third, "failures", msg, sizeof msg), -1); /* no write */
    free(by_third);
    snprintf(full, sizeof full, "indicator--%s", id);
    latest_json(&f, PF_COL, full, held, sizeof held);
    CHECK(strstr(held, "revoked") == NULL);
    /* a partner that may read it is told why */
    struct sol_grant g = {.collection = (char *)PF_COL, .can_write = true};
    struct sol_partner other;
    CHECK_INT(sol_store_partner_get(f.s, "other", &other), 0);
    g.partner_id = other.id;
    sol_partner_clear(&other);
    CHECK_INT(sol_store_grant_add(f.s, &g), 0);
    indicator(later, sizeof later, id, "2024-02-01T00:00:00.000Z",
              ",\"revoked\":true,\"created_by_ref\":\"" PF_OTHER "\"");
    CHECK_INT(post_one(&f, "oscar", later, "failures", msg, sizeof msg), 0);
    CHECK(strstr(msg, "only the creator of indicator--") != NULL);
    CHECK(strstr(msg, "(" PF_ACME ") may add versions of it") != NULL);
    latest_json(&f, PF_COL, full, held, sizeof held);
    CHECK(strstr(held, "revoked") == NULL);
    indicator(later, sizeof later, id, "2024-02-01T00:00:00.000Z",
              ",\"revoked\":true,\"created_by_ref\":\"" PF_ACME "\"");
    CHECK_INT(post_one(&f, "amos", later, "successes", msg, sizeof msg), 0);
    latest_json(&f, PF_COL, full, held, sizeof held);
    CHECK(strstr(held, "\"revoked\":true") != NULL);
    /* every refusal is in the audit log */
    struct sol_audit_entry *v = NULL;
    size_t n = 0, refusals = 0;
    CHECK_INT(sol_store_audit_list(f.s, 0, 0, &v, &n), 0);
    for (size_t i = 0; i < n; i++)
        refusals += strcmp(v[i].action, "objects.refuse") == 0;
    sol_audit_list_free(v, n);
    CHECK_INT(refusals, 6);
    pf_close(&f);
}

/*
 * Finding 8, quarantine: a collection whose policy is quarantine keeps what fails aside
 * (not live, nobody granted) and says so in the status.
 */
static void
test_quarantine_per_collection(void)
{
    struct pf f;
    if (pf_open(&f, backend) != 0) {
        HARNESS_FAIL("fixture");
        return;
    }
    struct sol_error err;
    CHECK_INT(sol_collection_unverified_set(f.s, PF_COL, SOL_SIGN_QUARANTINE, "test", &err), 0);
    int policy = 0;
    char *q = NULL;
    CHECK_INT(sol_collection_unverified_get(f.s, PF_COL, &policy, &q), 0);
    CHECK_INT(policy, SOL_SIGN_QUARANTINE);
    CHECK(q != NULL);
    char obj[2048], msg[600], held[4096];
    indicator(obj, sizeof obj, "00000000-0000-4000-8000-00000000d001", "2024-01-01T00:00:00.000Z",
              ",\"created_by_ref\":\"" PF_HOME "\"");
    CHECK_INT(post_one(&f, "amos", obj, "failures", msg, sizeof msg), 0);
    CHECK(strncmp(msg, "\"quarantined: created_by_ref", 28) == 0);
    latest_json(&f, PF_COL, "indicator--00000000-0000-4000-8000-00000000d001", held, sizeof held);
    CHECK_STR(held, "");
    latest_json(&f, q ? q : "", "indicator--00000000-0000-4000-8000-00000000d001", held,
                sizeof held);
    CHECK(strstr(held, "d001") != NULL);
    free(q);
    pf_close(&f);
}

/*
 * Findings 3 and 8: what the node's own partner's users post is marked explicitly (the
 * collection's default when it has no TLP marking) and signed by the node, at ingest.
 */
static void
test_own_objects_marked_and_signed(void)
{
    struct pf f;
    if (pf_open(&f, backend) != 0) {
        HARNESS_FAIL("fixture");
        return;
    }
    char obj[2048], msg[600], held[4096];
    indicator(obj, sizeof obj, "00000000-0000-4000-8000-00000000e001", "2024-01-01T00:00:00.000Z",
              NULL);
    CHECK_INT(post_one(&f, "homer", obj, "successes", msg, sizeof msg), 0);
    latest_json(&f, PF_COL, "indicator--00000000-0000-4000-8000-00000000e001", held, sizeof held);
    CHECK(strstr(held, "\"object_marking_refs\":[\"marking-definition--55d920b0-5e8b-4f79-9ee9-"
                       "91f868d9b421\"]") != NULL); /* AMBER, the collection's default */
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *o = NULL;
    CHECK_INT(sol_json_parse(doc, held, strlen(held), &o, NULL), 0);
    enum sol_sign_verdict vd = SOL_SIGN_UNSIGNED;
    char signer[128];
    CHECK_INT(sol_sign_verify(o, (const uint8_t(*)[SOL_SIGN_PUBLIC_BYTES])f.node_key.public_key, 1,
                              &vd, NULL, 0, signer),
              0);
    CHECK_INT(vd, SOL_SIGN_VALID);
    CHECK_STR(signer, PF_HOME);
    /* a partner's object is neither marked nor signed by the node */
    indicator(obj, sizeof obj, "00000000-0000-4000-8000-00000000e002", "2024-01-01T00:00:00.000Z",
              NULL);
    CHECK_INT(post_one(&f, "amos", obj, "successes", msg, sizeof msg), 0);
    latest_json(&f, PF_COL, "indicator--00000000-0000-4000-8000-00000000e002", held, sizeof held);
    CHECK(strstr(held, "object_marking_refs") == NULL && strstr(held, "extensions") == NULL);
    sol_json_doc_free(doc);
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
    RUN(test_already_held_is_no_oracle);
    RUN(test_who_speaks);
    RUN(test_quarantine_per_collection);
    RUN(test_own_objects_marked_and_signed);
    return harness_done();
}
