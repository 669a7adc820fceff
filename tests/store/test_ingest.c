/*
 * test_ingest.c — the one way in: validation rejects with path and reason, marking
 * (collection default TLP, TLP:RED recipients), held duplicates, batches with on_commit,
 * one audit entry per committed batch, the document shapes (bundle, envelope, list, object).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/ingest.h"
#include "solidarity/solidarity.h"

/* A private directory for this run (several builds may run the tests at once). */
static char test_base[128];

static void
remove_test_base(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_base);
    if (test_base[0] && system(cmd) != 0)
        printf("# could not remove %s\n", test_base);
}

static const char *
base_dir(void)
{
    if (!test_base[0]) {
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(test_base, sizeof test_base, "%s/sol-test-XXXXXX", tmp);
        if (!mkdtemp(test_base))
            test_base[0] = 0;
        else
            atexit(remove_test_base);
    }
    return test_base;
}

static struct sol_store *
fresh(int default_tlp)
{
    static int n;
    char dir[256], cmd[600];
    snprintf(dir, sizeof dir, "%s/ingest-%d", base_dir(), n++);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return NULL;
    struct sol_store *s = NULL;
    sol_store_open(dir, &s, NULL);
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    sol_store_api_root_put(s, &r);
    char id[] = "c", root[] = "intel", title[] = "T", alias[] = "demo";
    struct sol_collection c = {
        .id = id, .api_root = root, .title = title, .alias = alias, .default_tlp = default_tlp};
    sol_store_collection_put(s, &c);
    return s;
}

#define IND(id, mod, extra)                                                                        \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" id "\","               \
    "\"created\":\"2020-01-01T00:00:00.000Z\",\"modified\":\"" mod "\","                           \
    "\"pattern\":\"[ipv4-addr:value = '10.0.0.1']\",\"pattern_type\":\"stix\","                    \
    "\"valid_from\":\"2020-01-01T00:00:00Z\"" extra "}"

static const char *RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
static const char *GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

struct seen {
    int results[4];
    char last_msg[512];
    char last_path[256];
    int commits;
    size_t durable;
};

static void
on_result(void *ud, const struct sol_ingest_result *r)
{
    struct seen *s = ud;
    s->results[r->outcome]++;
    if (r->outcome == SOL_INGEST_REJECTED) {
        snprintf(s->last_msg, sizeof s->last_msg, "%s", r->message);
        snprintf(s->last_path, sizeof s->last_path, "%s", r->path);
    }
}

static void
on_commit(void *ud, const struct sol_ingest_stats *st)
{
    struct seen *s = ud;
    s->commits++;
    s->durable = st->durable_stored + st->durable_held;
}

static int
ingest_text(struct sol_store *s, const char *text, struct seen *seen, size_t batch,
            const char *collection)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    int rc = sol_json_parse(doc, text, strlen(text), &root, &err);
    if (rc != 0) {
        printf("# parse: %s\n", err.msg);
        sol_json_doc_free(doc);
        return rc;
    }
    struct sol_ingest_options o = {.collection = collection,
                                   .actor = "tester",
                                   .origin = "test",
                                   .batch_size = batch,
                                   .on_commit = on_commit,
                                   .ud = seen};
    struct sol_ingest *in = NULL;
    rc = sol_ingest_begin(s, &o, &in, &err);
    if (rc == 0)
        rc = sol_ingest_document(in, root, on_result, seen, &err);
    if (rc != 0)
        printf("# ingest: %s\n", err.msg);
    int end = sol_ingest_end(in);
    sol_json_doc_free(doc);
    return rc ? rc : end;
}

static void
test_bundle_valid_invalid_held(void)
{
    struct sol_store *s = fresh(3);
    struct seen seen = {0};
    const char *bundle =
        "{\"type\":\"bundle\",\"id\":\"bundle--6d3b5f8a-3c2e-4b8e-9a4e-4f2b8a2c1d00\","
        "\"objects\":[" IND("11111111-1111-4111-8111-111111111111", "2020-01-01T00:00:00.000Z",
                            "") "," IND("22222222-2222-4222-8222-222222222222",
                                        "2020-01-01T00:00:00.000Z",
                                        "") ",{\"type\":\"indicator\",\"id\":\"indicator--33333333-"
                                            "3333-4333-8333-333333333333\"}"
                                            "," IND("11111111-1111-4111-8111-111111111111",
                                                    "2020-01-01T00:00:00.000Z", "") "]}";
    CHECK_INT(ingest_text(s, bundle, &seen, 2, "demo"), 0); /* by alias */
    CHECK_INT(seen.results[SOL_INGEST_STORED], 2);
    CHECK_INT(seen.results[SOL_INGEST_HELD], 1);
    CHECK_INT(seen.results[SOL_INGEST_REJECTED], 1);
    CHECK_STR(seen.last_path, "objects[2]");
    CHECK(strncmp(seen.last_msg,
                  "objects[2] (indicator--33333333-3333-4333-8333-333333333333): ", 62) == 0);
    printf("# rejected: %s\n", seen.last_msg);
    CHECK_INT(seen.commits, 2); /* a full batch of 2, then the rest at the end */
    CHECK_INT(seen.durable, 3);
    int64_t n = 0;
    sol_store_collection_count(s, "c", &n);
    CHECK_INT(n, 2);
    /* the same bundle again: everything held, nothing audited */
    memset(&seen, 0, sizeof seen);
    CHECK_INT(ingest_text(s, bundle, &seen, 0, "c"), 0);
    CHECK_INT(seen.results[SOL_INGEST_HELD], 3);
    struct sol_audit_entry *a;
    size_t na;
    CHECK_INT(sol_store_audit_list(s, 0, 0, &a, &na), 0);
    CHECK_INT(na, 1); /* one batch stored something */
    if (na == 1) {
        CHECK_STR(a[0].action, "objects.add");
        CHECK_STR(a[0].actor, "tester");
        CHECK_STR(a[0].target, "c");
        const char *want = "{\"stored\":2,\"held\":0,\"rejected\":0,\"date_added_first\":";
        CHECK(strncmp(a[0].details, want, strlen(want)) == 0);
    }
    sol_audit_list_free(a, na);
    sol_store_close(s);
}

static void
test_marking_and_red_recipients(void)
{
    struct sol_store *s = fresh(2); /* default GREEN */
    struct seen seen = {0};
    char text[4096];
    snprintf(
        text, sizeof text,
        "[" IND("11111111-1111-4111-8111-111111111111", "2020-01-01T00:00:00.000Z", "") "," IND(
            "22222222-2222-4222-8222-222222222222", "2020-01-01T00:00:00.000Z",
            ",\"object_marking_refs\":[\"%s\"],"
            "\"created_by_ref\":\"identity--aaaaaaaa-0000-4000-8000-000000000001\","
            "\"x_solidarity_recipients\":[\"identity--bbbbbbbb-0000-4000-8000-000000000002\","
            "\"not-an-identity\"]") "," IND("33333333-3333-4333-8333-333333333333",
                                            "2020-01-01T00:00:00.000Z",
                                            ",\"object_marking_refs\":[\"%s\"]") "]",
        RED, GREEN);
    CHECK_INT(ingest_text(s, text, &seen, 0, "c"), 0);
    CHECK_INT(seen.results[SOL_INGEST_STORED], 3);
    if (seen.results[SOL_INGEST_REJECTED])
        printf("# %s\n", seen.last_msg);
    struct sol_object_filter f = {.collection = "c",
                                  .max_tlp = 5,
                                  .asker_identity =
                                      "identity--bbbbbbbb-0000-4000-8000-000000000002"};
    struct sol_store_cursor *c;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    struct sol_object_row r;
    int tlps[3] = {0};
    char recips[256] = "";
    for (int i = 0; i < 3 && sol_store_cursor_next(c, &r) == 0; i++) {
        tlps[i] = r.tlp;
        if (r.tlp == 5)
            snprintf(recips, sizeof recips, "%.*s", (int)r.tlp_red_recipients.n,
                     r.tlp_red_recipients.p);
        if (i == 0) /* stored as received, compact */
            CHECK(r.json.n > 0 && r.json.p[0] == '{' &&
                  strstr(r.json.p, "\"pattern_type\":\"stix\""));
    }
    sol_store_cursor_close(c);
    CHECK_INT(tlps[0], 2); /* the collection's default */
    CHECK_INT(tlps[1], 5);
    CHECK_INT(tlps[2], 2);
    CHECK_STR(recips, "identity--aaaaaaaa-0000-4000-8000-000000000001,"
                      "identity--bbbbbbbb-0000-4000-8000-000000000002");
    sol_store_close(s);
}

/* issue #10, findings 1 and 2: granular markings count; upper-case ids are recognised and
 * stored lower-cased. */
#define BY ",\"created_by_ref\":\"identity--aaaaaaaa-0000-4000-8000-000000000001\""
static void
test_granular_and_upper_case(void)
{
    struct sol_store *s = fresh(1); /* default CLEAR: a miss would show as 1 */
    struct seen seen = {0};
    const char *text = "[" IND(
        "11111111-1111-4111-8111-111111111111", "2020-01-01T00:00:00.000Z",
        BY ",\"object_marking_refs\":[\"marking-definition--94868c89-83c2-464b-929b-"
           "a1a8aa3c8487\"],\"description\":\"the secret\",\"granular_markings\":["
           "{\"marking_ref\":\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
           "\"selectors\":[\"description\"]}]") "," IND("22222222-2222-4222-8222-"
                                                        "222222222222",
                                                        "2020-01-01T00:00:00.000Z",
                                                        BY ",\"object_marking_refs\":["
                                                           "\"marking-definition--E828B379-"
                                                           "4E03-4974-9AC4-E53A884C97C1\"]") "]";
    CHECK_INT(ingest_text(s, text, &seen, 0, "c"), 0);
    CHECK_INT(seen.results[SOL_INGEST_STORED], 2);
    /* Below RED, neither exists. */
    struct sol_object_filter f = {.collection = "c",
                                  .max_tlp = SOL_TLP_AMBER_STRICT,
                                  .asker_identity =
                                      "identity--aaaaaaaa-0000-4000-8000-000000000001"};
    struct sol_store_cursor *c;
    struct sol_object_row r;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    CHECK_INT(sol_store_cursor_next(c, &r), SOL_EEOF);
    sol_store_cursor_close(c);
    /* Their author, at RED, sees both as RED, the upper-case id stored in lower case. */
    f.max_tlp = SOL_TLP_RED;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    int n = 0;
    while (sol_store_cursor_next(c, &r) == 0) {
        n++;
        CHECK_INT(r.tlp, SOL_TLP_RED);
        CHECK(!memmem(r.json.p, r.json.n, "E828B379", 8));
        CHECK(memmem(r.json.p, r.json.n, "e828b379-4e03-4974-9ac4-e53a884c97c1", 36));
    }
    sol_store_cursor_close(c);
    CHECK_INT(n, 2);
    sol_store_close(s);
}

static void
test_document_shapes(void)
{
    struct sol_store *s = fresh(3);
    struct seen seen = {0};
    CHECK_INT(
        ingest_text(s, IND("11111111-1111-4111-8111-111111111111", "2020-01-01T00:00:00.000Z", ""),
                    &seen, 0, "c"),
        0);
    CHECK_INT(seen.results[SOL_INGEST_STORED], 1);
    CHECK_INT(ingest_text(s,
                          "{\"objects\":[" IND("11111111-1111-4111-8111-111111111111",
                                               "2021-01-01T00:00:00.000Z", "") "]}",
                          &seen, 0, "c"),
              0);
    CHECK_INT(seen.results[SOL_INGEST_STORED], 2); /* an envelope */
    CHECK_INT(
        ingest_text(s,
                    "{\"type\":\"bundle\",\"id\":\"bundle--6d3b5f8a-3c2e-4b8e-9a4e-4f2b8a2c1d00\"}",
                    &seen, 0, "c"),
        0);
    CHECK_INT(ingest_text(s, "42", &seen, 0, "c"), SOL_EINVALID);
    CHECK_INT(ingest_text(s, "[1]", &seen, 0, "c"), 0);
    CHECK_INT(seen.results[SOL_INGEST_REJECTED], 1);
    printf("# [1]: %s\n", seen.last_msg);
    struct sol_ingest *in = NULL;
    struct sol_error err;
    struct sol_ingest_options o = {.collection = "nope"};
    CHECK_INT(sol_ingest_begin(s, &o, &in, &err), SOL_ENOTFOUND);
    CHECK_STR(err.msg, "nope: no such collection");
    sol_store_close(s);
}

int
main(void)
{
    RUN(test_bundle_valid_invalid_held);
    RUN(test_marking_and_red_recipients);
    RUN(test_granular_and_upper_case);
    RUN(test_document_shapes);
    return harness_done();
}
