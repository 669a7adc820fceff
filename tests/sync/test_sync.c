/*
 * test_sync.c — the TAXII client and federation against real servers in this process:
 * node A serves TAXII (libmicrohttpd, src/http) from its store; node B pulls and pushes.
 * Also URL building, retries with backoff on a dead port, and 429 + Retry-After from a
 * small fake server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/http.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/sign.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "solidarity/sync.h"
#include "store/store.h"

void sol_sync_set_sleep_hook(void (*fn)(unsigned ms));

#define ID_A      "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define ID_B      "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
#define COL_A     "11111111-1111-4111-8111-111111111111"
#define COL_B_OWN "22222222-2222-4222-8222-222222222222"
#define GREEN     "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define AMBER     "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"

static char root[] = "/tmp/sol-sync-XXXXXX";
static char dir_a[300], dir_b[300];
static struct sol_store *sa, *sb;
static struct sol_http_server *srv;
static char url_a[64];
static char token_b_on_a[SOL_TOKEN_LEN + 1];

static unsigned sleeps[64];
static size_t n_sleeps;
static void
fake_sleep(unsigned ms)
{
    if (n_sleeps < 64)
        sleeps[n_sleeps] = ms;
    n_sleeps++;
}

static int
make_node(const char *dir, const char *identity, const char *self, struct sol_store **out)
{
    mkdir(dir, 0700);
    struct sol_error err;
    int rc = sol_store_open(dir, out, &err);
    if (rc != 0)
        return rc;
    struct sol_api_root r = {.name = (char *)"intel",
                             .title = (char *)"Intel",
                             .max_content_length = 4096}; /* small: several envelopes */
    rc = rc ? rc : sol_store_api_root_put(*out, &r);
    rc = rc ? rc : sol_store_setting_set(*out, SOL_SETTING_NODE_IDENTITY, identity);
    rc = rc ? rc : sol_store_partner_add(*out, self, identity, NULL);
    return rc;
}

static void
indicator(struct sol_buf *b, int i, const char *marking, const char *modified, bool revoked)
{
    sol_buf_printf(b,
                   "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                   "00000000-0000-4000-8000-%012d\",\"created\":\"2026-01-01T00:00:00.000Z\","
                   "\"modified\":\"%s\",\"name\":\"n%d\",\"pattern\":\"[ipv4-addr:value = "
                   "'10.0.%d.%d']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:"
                   "00:00Z\"%s,\"object_marking_refs\":[\"%s\"],\"created_by_ref\":\"" ID_A "\"}",
                   i, modified, i, i / 256, i % 256, revoked ? ",\"revoked\":true" : "", marking);
}

/* Ingest a list of objects (JSON array text) into a collection. */
static void
ingest(struct sol_store *s, const char *collection, const char *text)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *r = NULL;
    struct sol_error err;
    CHECK_INT(sol_json_parse(doc, text, strlen(text), &r, &err), 0);
    struct sol_ingest *in = NULL;
    struct sol_ingest_options o = {.collection = collection, .actor = "test", .origin = "import"};
    CHECK_INT(sol_ingest_begin(s, &o, &in, &err), 0);
    CHECK_INT(sol_ingest_document(in, r, NULL, NULL, &err), 0);
    CHECK_INT(sol_ingest_end(in), 0);
    sol_json_doc_free(doc);
}

static int64_t
count(struct sol_store *s, const char *collection)
{
    int64_t n = -1;
    CHECK_INT(sol_store_collection_count(s, collection, &n), 0);
    return n;
}

/* The latest version of id in a collection: its JSON copied into out; false if absent. */
static bool
latest(struct sol_store *s, const char *collection, const char *id, struct sol_buf *out,
       bool *revoked)
{
    const char *ids[1] = {id};
    struct sol_object_filter f = {
        .collection = collection, .ids = ids, .n_ids = 1, .max_tlp = SOL_TLP_RED};
    struct sol_store_cursor *c = NULL;
    CHECK_INT(sol_store_objects_query(s, &f, &c), 0);
    struct sol_object_row row;
    bool found = false;
    if (c && sol_store_cursor_next(c, &row) == 0) {
        found = true;
        sol_buf_reset(out);
        sol_buf_append(out, row.json.p, row.json.n);
        if (revoked)
            *revoked = row.revoked;
    }
    sol_store_cursor_close(c);
    return found;
}

static void
setup(void)
{
    snprintf(dir_a, sizeof dir_a, "%s/a", root);
    snprintf(dir_b, sizeof dir_b, "%s/b", root);
    CHECK_INT(make_node(dir_a, ID_A, "orgA", &sa), 0);
    CHECK_INT(make_node(dir_b, ID_B, "orgB", &sb), 0);
    /* A: a collection shared with orgB, whose user b reads and writes it */
    struct sol_collection ca = {.id = (char *)COL_A,
                                .api_root = (char *)"intel",
                                .title = (char *)"shared",
                                .default_tlp = SOL_TLP_AMBER};
    CHECK_INT(sol_store_collection_put(sa, &ca), 0);
    int64_t pb = 0, ub = 0;
    CHECK_INT(sol_store_partner_add(sa, "orgB", ID_B, &pb), 0);
    struct sol_user u = {.name = (char *)"b", .partner_id = pb, .clearance = SOL_TLP_AMBER};
    CHECK_INT(sol_store_user_add(sa, &u, &ub), 0);
    CHECK_INT(sol_access_token_issue(sa, ub, "sync", token_b_on_a, NULL), 0);
    struct sol_grant g = {
        .collection = (char *)COL_A, .partner_id = pb, .can_read = true, .can_write = true};
    CHECK_INT(sol_store_grant_add(sa, &g), 0);
    /* B knows orgA */
    CHECK_INT(sol_store_partner_add(sb, "orgA", ID_A, NULL), 0);
    /* 25 objects on A: 22 GREEN, 3 AMBER */
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    for (int i = 0; i < 25; i++) {
        if (i)
            sol_buf_putc(&b, ',');
        indicator(&b, i, i % 8 == 7 ? AMBER : GREEN, "2026-01-01T00:00:00.000Z", false);
    }
    sol_buf_putc(&b, ']');
    ingest(sa, COL_A, b.p);
    sol_buf_free(&b);
    CHECK_INT(count(sa, COL_A), 25);
    struct sol_http_options ho = {.store_url = dir_a, .listen = "127.0.0.1:0", .quiet = true};
    struct sol_error err;
    CHECK_INT(sol_http_start(&ho, &srv, &err), 0);
    snprintf(url_a, sizeof url_a, "http://127.0.0.1:%u/", srv ? sol_http_port(srv) : 0);
}

static void
test_url(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    const char *parts[] = {"collections", "a b/c", "objects"};
    const char *q[] = {"limit", "10",      "added_after", NULL,
                       "next",  "x+y=z&w", "match[id]",   "indicator--1,indicator--2"};
    sol_sync_url(&b, "http://h:1//", "intel", parts, 3, q, 4);
    CHECK_STR(b.p, "http://h:1/intel/collections/a%20b%2Fc/objects/?limit=10&next=x%2By%3Dz%26w"
                   "&match[id]=indicator--1%2Cindicator--2");
    sol_buf_reset(&b);
    sol_sync_url(&b, "https://h", "intel", NULL, 0, NULL, 0);
    CHECK_STR(b.p, "https://h/intel/");
    sol_buf_free(&b);
}

static void
test_peer_config(void)
{
    struct sol_error err;
    struct sol_peer_config c = {0};
    c.name = sol_strdup("bad name");
    c.url = sol_strdup(url_a);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), SOL_EINVAL);
    CHECK_STR(err.msg, "'bad name' is not a valid peer name (letters, digits, '_', '.', '-'; at "
                       "most 64)");
    sol_free(c.name);
    c.name = sol_strdup("a");
    c.direction = SOL_PEER_BOTH;
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), SOL_EINVAL);
    CHECK_STR(err.msg, "pushing needs --partner: the partner whose clearance decides what may go "
                       "to the peer");
    c.partner = sol_strdup("orgA");
    c.token = sol_strdup(token_b_on_a);
    c.page = 10;
    c.max_tlp = SOL_TLP_AMBER;
    c.reconcile = 3600;
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    CHECK_STR(c.into, COL_A); /* mirrors the partner's collection id */
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), SOL_EEXISTS);
    sol_peer_config_clear(&c);
    struct sol_peer_config got;
    CHECK_INT(sol_peer_get(sb, "a", &got, &err), 0);
    CHECK_STR(got.url, url_a);
    CHECK_STR(got.token, token_b_on_a);
    CHECK_INT(got.direction, SOL_PEER_BOTH);
    CHECK_INT(got.page, 10);
    CHECK_INT(got.max_tlp, SOL_TLP_AMBER);
    sol_peer_config_clear(&got);
    CHECK_INT(sol_peer_get(sb, "nobody", &got, &err), SOL_ENOTFOUND);
    CHECK_STR(err.msg, "there is no peer named nobody");
}

/* A pull cut after one page resumes after it: no loss, no duplicate. */
static void
test_pull_resume(void)
{
    struct sol_sync_options o = {.data_dir = dir_b, .max_pages = 1, .quiet = true};
    struct sol_sync_report rep;
    struct sol_error err;
    /* pull only for now: make the peer pull-only */
    struct sol_peer_config c;
    CHECK_INT(sol_peer_get(sb, "a", &c, &err), 0);
    c.direction = SOL_PEER_PULL;
    CHECK_INT(sol_peer_add(sb, &c, true, "test", &err), 0);
    sol_peer_config_clear(&c);
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pages, 1);
    CHECK_INT(rep.pulled_stored, 10);
    CHECK_INT(count(sb, COL_A), 10);
    struct sol_buf st;
    sol_buf_init(&st);
    CHECK_INT(sol_store_setting_get(sb, "peer.a.pull", &st), 0);
    CHECK(strstr(st.p, "\"next\":") != NULL);
    CHECK(strstr(st.p, "\"last\":") != NULL);
    /* a cursor the server no longer takes (a key change): go on from the last page */
    char *nx = strstr(st.p, "\"next\":\"");
    if (nx) {
        nx += 8;
        char *end = strchr(nx, '"');
        for (char *q = nx; end && q < end; q++)
            *q = 'A';
        CHECK_INT(sol_store_setting_set(sb, "peer.a.pull", st.p), 0);
    }
    o.max_pages = 0;
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pulled_stored, 15);
    CHECK_INT(rep.pulled_held, 0);
    CHECK_INT(rep.pages, 2);
    CHECK_INT(count(sb, COL_A), 25);
    CHECK_INT(sol_store_setting_get(sb, "peer.a.pull", &st), 0);
    CHECK(strstr(st.p, "\"next\":") == NULL);
    CHECK(strstr(st.p, "\"added_after\":") != NULL);
    /* nothing new: one empty page */
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pulled_stored, 0);
    CHECK_INT(count(sb, COL_A), 25);
    /* the origin is recorded */
    struct sol_buf j;
    sol_buf_init(&j);
    const char *ids[1] = {"indicator--00000000-0000-4000-8000-000000000003"};
    struct sol_object_filter f = {
        .collection = COL_A, .ids = ids, .n_ids = 1, .max_tlp = SOL_TLP_RED};
    struct sol_store_cursor *cur = NULL;
    CHECK_INT(sol_store_objects_query(sb, &f, &cur), 0);
    struct sol_object_row row;
    CHECK_INT(sol_store_cursor_next(cur, &row), 0);
    CHECK(sol_str_eqc(row.origin, "peer:a"));
    sol_store_cursor_close(cur);
    sol_buf_free(&j);
    sol_buf_free(&st);
}

/* What is above the clearance given to the peer is refused and audited. */
static void
test_clearance(void)
{
    struct sol_error err;
    struct sol_peer_config c = {0};
    c.name = sol_strdup("a-green");
    c.url = sol_strdup(url_a);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    c.token = sol_strdup(token_b_on_a);
    c.into = NULL;
    c.max_tlp = SOL_TLP_GREEN;
    c.direction = SOL_PEER_PULL;
    c.partner = sol_strdup("orgA"); /* A's objects are created by orgA: A speaks for it */
    struct sol_collection gc = {.id = (char *)"33333333-3333-4333-8333-333333333333",
                                .api_root = (char *)"intel",
                                .title = (char *)"green only",
                                .default_tlp = SOL_TLP_GREEN};
    CHECK_INT(sol_store_collection_put(sb, &gc), 0);
    c.into = sol_strdup(gc.id);
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true};
    struct sol_sync_report rep;
    CHECK_INT(sol_sync_peer(sb, "a-green", &o, &rep, &err), 0);
    CHECK_INT(rep.refused, 3);
    CHECK_INT(rep.pulled_stored, 22);
    CHECK_INT(count(sb, gc.id), 22);
    struct sol_audit_entry *v = NULL;
    size_t n = 0;
    CHECK_INT(sol_store_audit_list(sb, 0, 0, &v, &n), 0);
    size_t refusals = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].action, "sync.refuse") == 0 && strstr(v[i].details, "TLP:AMBER is above "
                                                                            "the clearance "
                                                                            "TLP:GREEN"))
            refusals++;
    CHECK_INT(refusals, 3);
    sol_audit_list_free(v, n);
    CHECK_INT(sol_peer_remove(sb, "a-green", "test", &err), 0);
    CHECK_INT(sol_peer_remove(sb, "a-green", "test", &err), SOL_ENOTFOUND);
}

/* A revocation arrives as a new version; a deletion by the manifest check. */
static void
test_revoke_delete(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    indicator(&b, 1, GREEN, "2026-02-01T00:00:00.000Z", true);
    sol_buf_putc(&b, ']');
    ingest(sa, COL_A, b.p);
    const char *gone[1] = {"indicator--00000000-0000-4000-8000-000000000002"};
    struct sol_object_filter df = {
        .collection = COL_A, .ids = gone, .n_ids = 1, .max_tlp = SOL_TLP_RED};
    size_t deleted = 0;
    CHECK_INT(sol_store_objects_delete(sa, &df, &deleted), 0);
    CHECK_INT(deleted, 1);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true, .force_reconcile = true};
    struct sol_sync_report rep;
    struct sol_error err;
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pulled_stored, 1);
    CHECK_INT(rep.deleted, 1);
    bool revoked = false;
    CHECK(latest(sb, COL_A, "indicator--00000000-0000-4000-8000-000000000001", &b, &revoked));
    CHECK(revoked);
    CHECK(!latest(sb, COL_A, gone[0], &b, NULL));
    sol_buf_free(&b);
}

/* B's sighting reaches A, signed by B; what came from A is not echoed back. */
static void
test_push(void)
{
    struct sol_error err;
    struct sol_peer_config c;
    CHECK_INT(sol_peer_get(sb, "a", &c, &err), 0);
    c.direction = SOL_PEER_BOTH;
    CHECK_INT(sol_peer_add(sb, &c, true, "test", &err), 0);
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true};
    struct sol_sync_report rep;
    /* orgA has no read grant on B's collection yet: nothing goes */
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), SOL_EDENIED);
    CHECK(strstr(rep.message, "partner orgA may not read the collection") != NULL);
    int64_t pa = 0;
    struct sol_partner p;
    CHECK_INT(sol_store_partner_get(sb, "orgA", &p), 0);
    pa = p.id;
    sol_partner_clear(&p);
    struct sol_grant g = {.collection = (char *)COL_A, .partner_id = pa, .can_read = true};
    CHECK_INT(sol_store_grant_add(sb, &g), 0);
    /* sightings by B: 12 of them (several envelopes of at most 4096 bytes) and one AMBER+STRICT
     * that orgA's clearance (AMBER) may not see */
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    for (int i = 0; i < 13; i++) {
        sol_buf_printf(&b,
                       "%s{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--"
                       "00000000-0000-4000-9000-%012d\",\"created\":\"2026-03-01T00:00:00.000Z\","
                       "\"modified\":\"2026-03-01T00:00:00.000Z\",\"sighting_of_ref\":"
                       "\"indicator--00000000-0000-4000-8000-%012d\",\"count\":%d,"
                       "\"where_sighted_refs\":[\"" ID_B "\"],\"created_by_ref\":\"" ID_B "\","
                       "\"object_marking_refs\":[\"%s\"]}",
                       i ? "," : "", i, i, i + 1,
                       i == 12 ? "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
                               : GREEN);
    }
    sol_buf_putc(&b, ']');
    ingest(sb, COL_A, b.p);
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pushed, 12);
    CHECK(rep.envelopes >= 2);
    CHECK_INT(rep.push_failed, 0);
    CHECK_INT(count(sa, COL_A), 25 + 1 - 1 + 12); /* +revoked version, -deleted, +sightings */
    /* signed by B on the way out */
    struct sol_buf pub;
    sol_buf_init(&pub);
    CHECK_INT(sol_store_setting_get(sb, SOL_SETTING_SIGN_PUBLIC, &pub), 0);
    uint8_t keys[1][32];
    CHECK_INT(sol_sign_public_parse(pub.p, pub.n, keys[0]), 0);
    CHECK(latest(sa, COL_A, "sighting--00000000-0000-4000-9000-000000000005", &b, NULL));
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *obj = NULL;
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &obj, &err), 0);
    enum sol_sign_verdict vd = 0;
    sol_sign_verify(obj, (const uint8_t(*)[32])keys, 1, &vd, NULL, 0, NULL);
    CHECK_INT(vd, SOL_SIGN_VALID);
    CHECK(!latest(sa, COL_A, "sighting--00000000-0000-4000-9000-000000000012", &b, NULL));
    /* again: nothing new to push; the pull brings the sightings back as held copies */
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pushed, 0);
    CHECK_INT(rep.quarantined, 0);
    CHECK_INT(rep.pulled_stored, 0);
    sol_json_doc_free(doc);
    sol_buf_free(&pub);
    sol_buf_free(&b);
}

/* A peer that holds A's key quarantines unsigned objects; a tampered one is caught. */
static void
test_signature_policy(void)
{
    struct sol_error err;
    struct sol_sign_key ka;
    CHECK_INT(sol_sign_node_key(sa, dir_a, &ka, &err), 0);
    /* a signed and a tampered object on A */
    struct sol_buf one, b;
    sol_buf_init(&one);
    sol_buf_init(&b);
    indicator(&one, 100, GREEN, "2026-01-01T00:00:00.000Z", false);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *obj = NULL;
    CHECK_INT(sol_json_parse(doc, one.p, one.n, &obj, &err), 0);
    sol_buf_putc(&b, '[');
    CHECK_INT(sol_sign_object(&ka, obj, &b, &err), 0);
    sol_buf_reset(&one);
    indicator(&one, 101, GREEN, "2026-01-01T00:00:00.000Z", false);
    CHECK_INT(sol_json_parse(doc, one.p, one.n, &obj, &err), 0);
    sol_buf_putc(&b, ',');
    size_t at = b.n;
    CHECK_INT(sol_sign_object(&ka, obj, &b, &err), 0);
    char *p = strstr(b.p + at, "10.0.0.101");
    CHECK(p != NULL);
    if (p)
        memcpy(p, "10.0.0.199", 10); /* tampered after signing */
    sol_buf_putc(&b, ']');
    /* A node of ours never keeps a signed object whose signature fails (issue #10, finding
     * 8): the tampered one is refused by A's ingest... */
    ingest(sa, COL_A, b.p);
    CHECK(!latest(sa, COL_A, "indicator--00000000-0000-4000-8000-000000000101", &one, NULL));
    /* ...so it is put there behind the ingest's back, as a node that does not check would
     * serve it, for B to catch. */
    const struct sol_json *pair = NULL;
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &pair, &err), 0);
    struct sol_json_iter pit;
    const struct sol_json *tampered = NULL, *e = NULL;
    sol_json_iter_init(&pit, pair);
    while (sol_json_iter_next(&pit, NULL, &e))
        tampered = e;
    struct sol_buf raw;
    sol_buf_init(&raw);
    struct sol_json_writer rw;
    sol_jw_init(&rw, &raw, false);
    sol_jw_value(&rw, tampered);
    struct sol_object_row trow = {.id = SOL_STR("indicator--00000000-0000-4000-8000-000000000101"),
                                  .type = SOL_STR("indicator"),
                                  .spec_version = SOL_STR("2.1"),
                                  .json = {raw.p, raw.n},
                                  .origin = SOL_STR("import"),
                                  .version = 1767225600000000LL,
                                  .tlp = SOL_TLP_GREEN};
    CHECK_INT(sol_store_object_add(sa, COL_A, &trow, NULL, NULL), 0);
    sol_buf_free(&raw);
    struct sol_peer_config c = {0};
    c.name = sol_strdup("a-signed");
    c.url = sol_strdup(url_a);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    c.token = sol_strdup(token_b_on_a);
    c.into = sol_strdup(COL_B_OWN);
    c.partner = sol_strdup("orgA");
    memcpy(c.keys[0], ka.public_key, 32);
    c.n_keys = 1;
    c.unsigned_policy = SOL_SIGN_QUARANTINE;
    struct sol_collection bc = {.id = (char *)COL_B_OWN,
                                .api_root = (char *)"intel",
                                .title = (char *)"signed only",
                                .default_tlp = SOL_TLP_AMBER};
    CHECK_INT(sol_store_collection_put(sb, &bc), 0);
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    CHECK(c.quarantine != NULL);
    char quarantine[64];
    snprintf(quarantine, sizeof quarantine, "%s", c.quarantine ? c.quarantine : "");
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true};
    struct sol_sync_report rep;
    CHECK_INT(sol_sync_peer(sb, "a-signed", &o, &rep, &err), 0);
    /* 1 signed by A, and B's own 12 sightings (B trusts its own key); the tampered one
     * and the unsigned rest go to quarantine */
    CHECK_INT(rep.pulled_stored, 1 + 12);
    CHECK_INT(rep.quarantined, 25 - 1 + 1); /* latest versions: -1 deleted, +1 tampered */
    CHECK(latest(sb, COL_B_OWN, "indicator--00000000-0000-4000-8000-000000000100", &one, NULL));
    CHECK(!latest(sb, COL_B_OWN, "indicator--00000000-0000-4000-8000-000000000101", &one, NULL));
    CHECK(latest(sb, quarantine, "indicator--00000000-0000-4000-8000-000000000101", &one, NULL));
    CHECK_INT(count(sb, COL_B_OWN), 13);
    CHECK_INT(count(sb, quarantine), (int64_t)rep.quarantined);
    /* refuse instead: nothing new stored, refusals audited */
    CHECK_INT(sol_peer_get(sb, "a-signed", &c, &err), 0);
    c.unsigned_policy = SOL_SIGN_REFUSE;
    CHECK_INT(sol_peer_add(sb, &c, true, "test", &err), 0);
    sol_peer_config_clear(&c);
    CHECK_INT(sol_store_setting_set(sb, "peer.a-signed.pull", "{}"), 0);
    CHECK_INT(sol_sync_peer(sb, "a-signed", &o, &rep, &err), 0);
    CHECK_INT(rep.quarantined, 0);
    CHECK(rep.refused > 0);
    CHECK_INT(rep.pulled_held, 13);
    CHECK_INT(rep.refused, 25);
    /* the same objects offline: one valid, one tampered, one unsigned; refuse the rest */
    const struct sol_json *list = NULL;
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &list, &err), 0);
    struct sol_buf three;
    sol_buf_init(&three);
    sol_buf_append(&three, b.p, b.n - 1); /* without the closing ']' */
    sol_buf_putc(&three, ',');
    indicator(&three, 102, GREEN, "2026-01-01T00:00:00.000Z", false);
    sol_buf_putc(&three, ']');
    struct sol_json_doc *d3 = sol_json_doc_new(NULL);
    CHECK_INT(sol_json_parse(d3, three.p, three.n, &list, &err), 0);
    struct sol_collection oc = {.id = (char *)"44444444-4444-4444-8444-444444444444",
                                .api_root = (char *)"intel",
                                .title = (char *)"offline",
                                .default_tlp = SOL_TLP_AMBER};
    CHECK_INT(sol_store_collection_put(sb, &oc), 0);
    uint8_t keys[1][32];
    memcpy(keys[0], ka.public_key, 32);
    struct sol_sync_import_options io = {.collection = oc.id,
                                         .keys = (const uint8_t(*)[32])keys,
                                         .n_keys = 1,
                                         .policy = SOL_SIGN_REFUSE};
    CHECK_INT(sol_sync_import_document(sb, &io, list, &rep, &err), 0);
    CHECK_INT(rep.pulled_stored, 1);
    CHECK_INT(rep.refused, 2);
    CHECK_INT(count(sb, oc.id), 1);
    io.policy = SOL_SIGN_ACCEPT; /* unsigned accepted; tampered still refused (no quarantine) */
    CHECK_INT(sol_sync_import_document(sb, &io, list, &rep, &err), 0);
    CHECK_INT(rep.pulled_stored, 1);
    CHECK_INT(rep.pulled_held, 1);
    CHECK_INT(rep.refused, 1);
    io.max_tlp = SOL_TLP_CLEAR; /* everything here is GREEN */
    CHECK_INT(sol_sync_import_document(sb, &io, list, &rep, &err), 0);
    CHECK_INT(rep.refused, 3);
    sol_json_doc_free(d3);
    sol_buf_free(&three);
    sol_sign_key_clear(&ka);
    sol_json_doc_free(doc);
    sol_buf_free(&one);
    sol_buf_free(&b);
}

/* A dead port: retried with exponential backoff, then a network error. */
static void
test_retry_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd); /* nobody listens there now */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    struct sol_error err;
    struct sol_peer_config c = {0};
    c.name = sol_strdup("dead");
    c.url = sol_strdup(url);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    c.direction = SOL_PEER_PULL;
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    sol_peer_config_clear(&c);
    n_sleeps = 0;
    sol_sync_set_sleep_hook(fake_sleep);
    struct sol_sync_options o = {
        .data_dir = dir_b, .quiet = true, .max_attempts = 4, .backoff_ms = 100};
    struct sol_sync_report rep;
    CHECK_INT(sol_sync_peer(sb, "dead", &o, &rep, &err), SOL_ENET);
    CHECK_INT(n_sleeps, 3);
    CHECK_INT(sleeps[0], 100);
    CHECK_INT(sleeps[1], 200);
    CHECK_INT(sleeps[2], 400);
    CHECK_INT(rep.retries, 3);
    CHECK(strstr(rep.message, "(after 4 attempts)") != NULL);
    sol_sync_set_sleep_hook(NULL);
}

/* A fake TAXII server: answers a fixed list of replies, one per connection, and keeps
 * the head of each request it got. Each answer is "status line and headers, a blank
 * line, body"; the fake adds Content-Length and Connection: close. */
struct fake {
    int fd;
    unsigned port;
    const char *const *answers;
    size_t n;
    char requests[8][2048];
};
static void *
fake_main(void *arg)
{
    struct fake *f = arg;
    for (size_t i = 0; i < f->n; i++) {
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            break;
        char buf[2047];
        ssize_t n = read(c, buf, sizeof buf);
        if (n > 0 && i < 8)
            memcpy(f->requests[i], buf, (size_t)n);
        /* answers are "head\r\n\r\nbody": the fake adds the framing headers */
        const char *a = f->answers[i];
        const char *sep = strstr(a, "\r\n\r\n");
        size_t head = sep ? (size_t)(sep - a) : strlen(a);
        const char *body = sep ? sep + 4 : "";
        char out[4096];
        int k =
            snprintf(out, sizeof out, "%.*s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     (int)head, a, strlen(body), body);
        ssize_t w = write(c, out, (size_t)k);
        (void)w;
        close(c);
    }
    return NULL;
}

static void
fake_start(struct fake *f, pthread_t *th)
{
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    CHECK_INT(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_INT(listen(f->fd, 4), 0);
    /* never hang the test run: accept gives up after a few seconds */
    struct timeval tv = {.tv_sec = 5};
    setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    getsockname(f->fd, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    pthread_create(th, NULL, fake_main, f);
}

static void
test_retry_after(void)
{
    static const char *const answers[] = {
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n\r\n",
        "HTTP/1.1 503 Service Unavailable\r\n\r\n",
        ("HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\n"
         "\r\n{\"more\":false}"),
    };
    static struct fake f;
    memset(&f, 0, sizeof f);
    f.answers = answers;
    f.n = 3;
    pthread_t th;
    fake_start(&f, &th);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", f.port);
    struct sol_error err;
    struct sol_peer_config c = {0};
    c.name = sol_strdup("busy");
    c.url = sol_strdup(url);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    c.user = sol_strdup("u");
    c.password = sol_strdup("p");
    c.direction = SOL_PEER_PULL;
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    sol_peer_config_clear(&c);
    n_sleeps = 0;
    sol_sync_set_sleep_hook(fake_sleep);
    struct sol_sync_options o = {
        .data_dir = dir_b, .quiet = true, .backoff_ms = 100, .max_pages = 1};
    struct sol_sync_report rep;
    CHECK_INT(sol_sync_peer(sb, "busy", &o, &rep, &err), 0);
    CHECK_INT(n_sleeps, 2);
    CHECK_INT(sleeps[0], 7000); /* Retry-After: 7 */
    CHECK_INT(sleeps[1], 200);  /* then the backoff goes on doubling */
    CHECK_INT(rep.pages, 1);
    sol_sync_set_sleep_hook(NULL);
    pthread_join(th, NULL);
    close(f.fd);
    /* TAXII 2.1 §1.6.8 media type, Basic credentials, §3.4 paging parameters */
    CHECK(strncmp(f.requests[2], "GET /intel/collections/" COL_A "/objects/?limit=500 HTTP/1.1",
                  sizeof("GET /intel/collections/" COL_A "/objects/?limit=500 HTTP/1.1") - 1) == 0);
    CHECK(strstr(f.requests[2], "Accept: application/taxii+json;version=2.1\r\n") != NULL);
    CHECK(strstr(f.requests[2], "Authorization: Basic dTpw\r\n") != NULL); /* u:p */
}

/*
 * TAXII 2.1 §3.7: more is optional and absent means false, so a peer's empty page may be
 * {} (medallion) or {"more": false}: both end the pull, with nothing stored and no error.
 */
static void
test_empty_envelopes(void)
{
    static const char *const forms[] = {"{}", "{\"more\":false}"};
    for (size_t i = 0; i < 2; i++) {
        char answer[256];
        snprintf(answer, sizeof answer,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\n"
                 "\r\n%s",
                 forms[i]);
        const char *answers[] = {answer};
        static struct fake f;
        memset(&f, 0, sizeof f);
        f.answers = answers;
        f.n = 1;
        pthread_t th;
        fake_start(&f, &th);
        char url[64], name[32];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/", f.port);
        snprintf(name, sizeof name, "empty%zu", i);
        struct sol_error err;
        struct sol_peer_config c = {0};
        c.name = sol_strdup(name);
        c.url = sol_strdup(url);
        c.api_root = sol_strdup("intel");
        c.collection = sol_strdup(COL_A);
        c.user = sol_strdup("u");
        c.password = sol_strdup("p");
        c.direction = SOL_PEER_PULL;
        CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
        sol_peer_config_clear(&c);
        struct sol_sync_options o = {.data_dir = dir_b, .quiet = true, .max_pages = 5};
        struct sol_sync_report rep;
        CHECK_INT(sol_sync_peer(sb, name, &o, &rep, &err), 0);
        CHECK_INT(rep.pages, 1);
        CHECK_INT(rep.pulled_stored, 0);
        CHECK_INT(rep.rejected, 0);
        pthread_join(th, NULL);
        close(f.fd);
    }
}

/* A push whose status is pending at first: the client follows it until complete (§4.3). */
static void
test_push_pending(void)
{
    static const char *const answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\n"
        "\r\n"
        "{\"title\":\"intel\",\"max_content_length\":100000}",
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/taxii+json;version=2.1\r\n"
        "\r\n"
        "{\"id\":\"2d086da7-4bdc-4f91-900e-d77486753710\",\"status\":\"pending\",\"total_count\":1}"
        "   ",
        "HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\n"
        "\r\n"
        "{\"id\":\"2d086da7-4bdc-4f91-900e-d77486753710\",\"status\":\"complete\",\"total_count\":"
        "1,"
        "\"success_count\":0,\"failure_count\":1,\"failures\":[{\"id\":\"x--1\",\"version\":\"v\","
        "\"message\":\"no thanks\"}],\"pending_count\":0}  ",
    };
    static struct fake f;
    memset(&f, 0, sizeof f);
    f.answers = answers;
    f.n = 3;
    pthread_t th;
    fake_start(&f, &th);
    /* one object in a collection of B that orgA may read */
    struct sol_collection pc = {.id = (char *)"55555555-5555-4555-8555-555555555555",
                                .api_root = (char *)"intel",
                                .title = (char *)"to push",
                                .default_tlp = SOL_TLP_GREEN};
    CHECK_INT(sol_store_collection_put(sb, &pc), 0);
    struct sol_partner p;
    CHECK_INT(sol_store_partner_get(sb, "orgA", &p), 0);
    struct sol_grant g = {.collection = pc.id, .partner_id = p.id, .can_read = true};
    sol_partner_clear(&p);
    CHECK_INT(sol_store_grant_add(sb, &g), 0);
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    /* B's own (an indicator created by orgA would not go back to orgA) */
    sol_buf_puts(&b,
                 "{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--"
                 "00000000-0000-4000-9000-000000000200\",\"created\":\"2026-03-01T00:00:00."
                 "000Z\",\"modified\":\"2026-03-01T00:00:00.000Z\",\"sighting_of_ref\":"
                 "\"indicator--00000000-0000-4000-8000-000000000001\",\"created_by_ref\":\"" ID_B
                 "\"}]");
    ingest(sb, pc.id, b.p);
    sol_buf_free(&b);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", f.port);
    struct sol_error err;
    struct sol_peer_config c = {0};
    c.name = sol_strdup("pending");
    c.url = sol_strdup(url);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(COL_A);
    c.token = sol_strdup("tok");
    c.partner = sol_strdup("orgA");
    c.into = sol_strdup(pc.id);
    c.direction = SOL_PEER_PUSH;
    CHECK_INT(sol_peer_add(sb, &c, false, "test", &err), 0);
    sol_peer_config_clear(&c);
    n_sleeps = 0;
    sol_sync_set_sleep_hook(fake_sleep);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true};
    struct sol_sync_report rep;
    CHECK_INT(sol_sync_peer(sb, "pending", &o, &rep, &err), 0);
    sol_sync_set_sleep_hook(NULL);
    pthread_join(th, NULL);
    close(f.fd);
    CHECK_INT(rep.envelopes, 1);
    CHECK_INT(rep.push_failed, 1);
    CHECK_INT(n_sleeps, 1); /* one wait before asking the status again */
    CHECK(strncmp(f.requests[0], "GET /intel/ HTTP/1.1", 20) == 0);
    CHECK(strncmp(f.requests[1], "POST /intel/collections/" COL_A "/objects/ HTTP/1.1",
                  sizeof("POST /intel/collections/" COL_A "/objects/ HTTP/1.1") - 1) == 0);
    CHECK(strstr(f.requests[1], "Content-Type: application/taxii+json;version=2.1\r\n") != NULL);
    CHECK(strstr(f.requests[1], "Authorization: Bearer tok\r\n") != NULL);
    CHECK(strncmp(f.requests[2], "GET /intel/status/2d086da7-4bdc-4f91-900e-d77486753710/ ", 55) ==
          0);
    /* the failure is audited and the state moved past it */
    struct sol_buf st;
    sol_buf_init(&st);
    CHECK_INT(sol_store_setting_get(sb, "peer.pending.push", &st), 0);
    CHECK(st.p && strstr(st.p, "\"seq\":") != NULL);
    sol_buf_free(&st);
    CHECK_INT(sol_peer_remove(sb, "pending", "test", &err), 0);
}

/* The background runner syncs only peers that are due. */
static void
test_run_due(void)
{
    struct sol_error err;
    CHECK_INT(sol_peer_remove(sb, "dead", "test", &err), 0);
    CHECK_INT(sol_peer_remove(sb, "busy", "test", &err), 0);
    struct sol_peer_config c;
    CHECK_INT(sol_peer_get(sb, "a", &c, &err), 0);
    c.every = 60;
    CHECK_INT(sol_peer_add(sb, &c, true, "test", &err), 0);
    sol_time_t last = c.last_sync;
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true};
    size_t n = 0;
    CHECK_INT(sol_sync_run_due(sb, last + 30 * 1000000LL, &o, &n), 0);
    CHECK_INT(n, 0);
    CHECK_INT(sol_sync_run_due(sb, last + 61 * 1000000LL, &o, &n), 0);
    CHECK_INT(n, 1);
}

/* The background syncer of `serve`: syncs a due peer, and stops at once when asked,
 * even in the middle of a long backoff. */
static void
test_thread(void)
{
    struct sol_error err;
    struct sol_peer_config c;
    CHECK_INT(sol_peer_get(sb, "a", &c, &err), 0);
    c.every = 1;
    c.last_sync = 0;
    CHECK_INT(sol_peer_add(sb, &c, true, "test", &err), 0);
    sol_peer_config_clear(&c);
    /* a second peer that only ever waits: a dead port, many tries, long backoff */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(a.sin_port));
    struct sol_peer_config d = {0};
    d.name = sol_strdup("zz-dead");
    d.url = sol_strdup(url);
    d.api_root = sol_strdup("intel");
    d.collection = sol_strdup(COL_A);
    d.direction = SOL_PEER_PULL;
    d.every = 1;
    CHECK_INT(sol_peer_add(sb, &d, false, "test", &err), 0);
    sol_peer_config_clear(&d);
    struct sol_sync_thread *t = NULL;
    CHECK_INT(sol_sync_thread_start(dir_b, dir_b, true, &t, &err), 0);
    bool synced = false;
    for (int i = 0; i < 200 && !synced; i++) {
        usleep(50000);
        CHECK_INT(sol_peer_get(sb, "a", &c, &err), 0);
        synced = c.last_sync != 0;
        sol_peer_config_clear(&c);
    }
    CHECK(synced);
    usleep(300000); /* by now the dead peer is in its backoff */
    sol_time_t t0 = sol_time_now();
    sol_sync_thread_stop(t);
    sol_time_t took = sol_time_now() - t0;
    if (took > 2000000)
        HARNESS_FAIL("stopping took %lld µs", (long long)took);
    CHECK_INT(sol_peer_remove(sb, "zz-dead", "test", &err), 0);
}

/*
 * Store fault injection: sb's backend with the statements of object queries (their SQL
 * starts "SELECT o.seq", src/store/filter.c) failing after fault_rows rows.
 */
static struct sol__store_ops faulty_ops;
static const struct sol__store_ops *real_ops;
static int fault_rows = -1;              /* rows read before the failure; -1: no failure */
static struct sol__stmt *query_stmts[8]; /* the object queries' statements, while held */

static int
faulty_prepare(struct sol_store *s, const char *sql, unsigned flags, struct sol__stmt **out)
{
    int rc = real_ops->prepare(s, sql, flags, out);
    for (size_t i = 0; rc == 0 && strncmp(sql, "SELECT o.seq", 12) == 0 && i < 8; i++) {
        if (!query_stmts[i]) {
            query_stmts[i] = *out;
            break;
        }
    }
    return rc;
}

static bool
is_query(struct sol__stmt *st)
{
    for (size_t i = 0; i < 8; i++)
        if (query_stmts[i] == st)
            return true;
    return false;
}

static int
faulty_step(struct sol__stmt *st)
{
    if (is_query(st) && fault_rows == 0)
        return SOL_ESTORE;
    if (is_query(st) && fault_rows > 0)
        fault_rows--;
    return real_ops->step(st);
}

static void
faulty_finish(struct sol__stmt *st)
{
    for (size_t i = 0; i < 8; i++)
        if (query_stmts[i] == st)
            query_stmts[i] = NULL;
    real_ops->finish(st);
}

/* The number after "key": in a JSON setting of sb; -1 if absent. */
static long long
setting_number(const char *setting, const char *key)
{
    struct sol_buf b;
    sol_buf_init(&b);
    long long v = -1;
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    if (sol_store_setting_get(sb, setting, &b) == 0 && b.p && strstr(b.p, k))
        v = strtoll(strstr(b.p, k) + strlen(k), NULL, 10);
    sol_buf_free(&b);
    return v;
}

/* A read of our own objects that fails in the middle of a page fails the sync: the
 * reconcile decides nothing and stays due, the push sends nothing and keeps its place. */
static void
test_read_fault(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    for (int i = 300; i < 302; i++)
        sol_buf_printf(&b,
                       "%s{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--"
                       "00000000-0000-4000-9000-%012d\",\"created\":\"2026-03-01T00:00:00.000Z\","
                       "\"modified\":\"2026-03-01T00:00:00.000Z\",\"sighting_of_ref\":"
                       "\"indicator--00000000-0000-4000-8000-000000000001\",\"created_by_ref\":"
                       "\"" ID_B "\",\"object_marking_refs\":[\"" GREEN "\"]}",
                       i > 300 ? "," : "", i);
    sol_buf_putc(&b, ']');
    ingest(sb, COL_A, b.p);
    long long reconciled = setting_number("peer.a.pull", "reconciled");
    long long pushed_seq = setting_number("peer.a.push", "seq");
    CHECK(reconciled > 0);
    CHECK(pushed_seq > 0);
    real_ops = sb->ops;
    faulty_ops = *real_ops;
    faulty_ops.prepare = faulty_prepare;
    faulty_ops.step = faulty_step;
    faulty_ops.finish = faulty_finish;
    sb->ops = &faulty_ops;
    struct sol_error err;
    struct sol_sync_report rep;
    struct sol_sync_options o = {.data_dir = dir_b, .quiet = true, .force_reconcile = true};
    fault_rows = 1;
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), SOL_ESTORE);
    CHECK(strstr(rep.message, "cannot read the objects to reconcile") != NULL);
    CHECK_INT(rep.deleted, 0);
    CHECK(setting_number("peer.a.pull", "reconciled") == reconciled);
    o.force_reconcile = false; /* reconciled recently: only the pull and the push run */
    fault_rows = 1;
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), SOL_ESTORE);
    CHECK(strstr(rep.message, "cannot read the objects to push") != NULL);
    CHECK_INT(rep.pushed, 0);
    CHECK(setting_number("peer.a.push", "seq") == pushed_seq);
    CHECK(!latest(sa, COL_A, "sighting--00000000-0000-4000-9000-000000000300", &b, NULL));
    sb->ops = real_ops;
    fault_rows = -1;
    CHECK_INT(sol_sync_peer(sb, "a", &o, &rep, &err), 0);
    CHECK_INT(rep.pushed, 2);
    CHECK(latest(sa, COL_A, "sighting--00000000-0000-4000-9000-000000000300", &b, NULL));
    CHECK(latest(sa, COL_A, "sighting--00000000-0000-4000-9000-000000000301", &b, NULL));
    sol_buf_free(&b);
}

int
main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    sol_access_set_weak_password_hashing(true);
    RUN(setup);
    RUN(test_url);
    RUN(test_peer_config);
    RUN(test_pull_resume);
    RUN(test_clearance);
    RUN(test_revoke_delete);
    RUN(test_push);
    RUN(test_signature_policy);
    RUN(test_retry_dead_port);
    RUN(test_retry_after);
    RUN(test_empty_envelopes);
    RUN(test_push_pending);
    RUN(test_run_due);
    RUN(test_thread);
    RUN(test_read_fault);
    sol_http_stop(srv);
    sol_store_close(sa);
    sol_store_close(sb);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return harness_done();
}
