/*
 * test_psi.c — the private set intersection's arithmetic and messages (psi.h): elements in
 * the scan engine's normal form, known intersections of generated sets come out exactly,
 * and neither side's bytes carry the other's values that are not in the intersection.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/psi.h"

static bool
same_element(enum sol_atom_kind ka, const char *a, enum sol_atom_kind kb, const char *b)
{
    uint8_t x[SOL_PSI_ELEMENT], y[SOL_PSI_ELEMENT];
    if (sol_psi_element(ka, a, strlen(a), x) != 0 || sol_psi_element(kb, b, strlen(b), y) != 0)
        return false;
    return memcmp(x, y, sizeof x) == 0;
}

static void
test_elements_are_normalised_as_the_scan_engine_does(void)
{
    CHECK(same_element(SOL_ATOM_DOMAIN, "Evil.Example.COM.", SOL_ATOM_DOMAIN, "evil.example.com"));
    CHECK(same_element(SOL_ATOM_IPV6, "2001:db8::1", SOL_ATOM_IPV6, "2001:0DB8:0:0:0:0:0:1"));
    CHECK(same_element(SOL_ATOM_IPV4, "192.0.2.1", SOL_ATOM_IPV4, "192.0.2.1"));
    CHECK(same_element(SOL_ATOM_EMAIL, "Boss@Example.org", SOL_ATOM_EMAIL, "boss@example.org"));
    CHECK(same_element(
        SOL_ATOM_SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        SOL_ATOM_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    /* URLs compare as written (match.h): no case folding */
    CHECK(!same_element(SOL_ATOM_URL, "http://a.example/X", SOL_ATOM_URL, "http://a.example/x"));
    /* the kind is part of the element: the same text in two key spaces differs */
    CHECK(!same_element(SOL_ATOM_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                        SOL_ATOM_CERT_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    CHECK(!same_element(SOL_ATOM_DOMAIN, "a.example", SOL_ATOM_URL, "a.example"));
    uint8_t e[SOL_PSI_ELEMENT];
    CHECK_INT(sol_psi_element(SOL_ATOM_IPV4, "300.1.1.1", 9, e), SOL_EINVALID);
    CHECK_INT(sol_psi_element(SOL_ATOM_IPV4, "10.0.0.0/8", 10, e), SOL_EINVALID);
    CHECK_INT(sol_psi_element(SOL_ATOM_OTHER, "x", 1, e), SOL_EINVALID);
    CHECK_INT(sol_psi_element(SOL_ATOM_DOMAIN, "", 0, e), SOL_EINVALID);
}

/* ---- Generated sets ---- */

struct value {
    enum sol_atom_kind kind;
    char text[80];
};

/* The i-th value of a family (one seed per family): a domain, an address or a digest. */
static void
make_value(unsigned seed, unsigned i, struct value *v, bool shout)
{
    switch (i % 3) {
    case 0:
        v->kind = SOL_ATOM_DOMAIN;
        snprintf(v->text, sizeof v->text,
                 shout ? "Host%05u-%u.Family.EXAMPLE." : "host%05u-%u.family.example", i, seed);
        break;
    case 1:
        v->kind = SOL_ATOM_IPV4;
        snprintf(v->text, sizeof v->text, "10.%u.%u.%u", seed, i / 256, i % 256);
        break;
    default: {
        v->kind = SOL_ATOM_SHA256;
        uint8_t h[32];
        char in[32];
        snprintf(in, sizeof in, "%u/%u", seed, i);
        crypto_hash_sha256(h, (const uint8_t *)in, strlen(in));
        for (int k = 0; k < 32; k++)
            snprintf(v->text + 2 * k, 3, shout ? "%02X" : "%02x", h[k]);
        break;
    }
    }
}

/* Everything each side sent, in one place. */
struct transcript {
    struct sol_buf bytes;
};

struct run {
    size_t n_server, n_client;
    struct value *server, *client;
    bool *expected; /* per client value */
    bool *got;
    struct transcript t;
};

/* One check, end to end through the messages, as the server and the client do it. */
static void
run_protocol(struct run *r)
{
    struct sol_psi_key key;
    sol_psi_key_new(7, &key);
    /* the server's precomputation */
    uint8_t(*se)[SOL_PSI_ELEMENT] = malloc(r->n_server * SOL_PSI_ELEMENT);
    uint64_t *stags = malloc(r->n_server * sizeof *stags);
    for (size_t i = 0; i < r->n_server; i++)
        CHECK_INT(
            sol_psi_element(r->server[i].kind, r->server[i].text, strlen(r->server[i].text), se[i]),
            0);
    CHECK_INT(sol_psi_tags(&key, (const uint8_t(*)[SOL_PSI_ELEMENT])se, r->n_server, stags), 0);
    uint64_t *set = NULL;
    size_t set_n = 0;
    uint8_t digest[32];
    CHECK_INT(sol_psi_set_finish(&key, stags, r->n_server, &set, &set_n, digest), 0);
    CHECK_INT(set_n % SOL_PSI_PAD, 0);
    CHECK(set_n >= r->n_server);

    /* the client blinds */
    uint8_t(*ce)[SOL_PSI_ELEMENT] = malloc(r->n_client * SOL_PSI_ELEMENT);
    for (size_t i = 0; i < r->n_client; i++)
        CHECK_INT(
            sol_psi_element(r->client[i].kind, r->client[i].text, strlen(r->client[i].text), ce[i]),
            0);
    struct sol_psi_client *c = sol_psi_client_new();
    uint8_t *blinded = malloc(r->n_client * SOL_PSI_POINT);
    CHECK_INT(sol_psi_blind(c, (const uint8_t(*)[SOL_PSI_ELEMENT])ce, r->n_client, blinded), 0);
    struct sol_buf req;
    sol_buf_init(&req);
    sol_psi_msg_write(&req, &(struct sol_psi_msg){.type = SOL_PSI_EVAL_REQUEST,
                                                  .count = (uint32_t)r->n_client,
                                                  .points = blinded});
    sol_buf_append(&r->t.bytes, req.p, req.n);

    /* the server answers */
    struct sol_psi_msg m;
    struct sol_error err;
    CHECK_INT(sol_psi_msg_parse(req.p, req.n, &m, &err), 0);
    uint8_t *answer = malloc(r->n_client * SOL_PSI_POINT);
    CHECK_INT(sol_psi_evaluate(&key, m.points, m.count, answer, NULL), 0);
    struct sol_buf resp, setmsg;
    sol_buf_init(&resp);
    sol_buf_init(&setmsg);
    struct sol_psi_msg out = {.type = SOL_PSI_EVAL_RESPONSE,
                              .epoch = key.epoch,
                              .count = m.count,
                              .set_count = (uint32_t)set_n,
                              .points = answer};
    memcpy(out.digest, digest, 32);
    sol_psi_msg_write(&resp, &out);
    struct sol_psi_msg sm = {
        .type = SOL_PSI_SET, .epoch = key.epoch, .count = (uint32_t)set_n, .tags = set};
    memcpy(sm.digest, digest, 32);
    sol_psi_msg_write(&setmsg, &sm);
    sol_buf_append(&r->t.bytes, resp.p, resp.n);
    sol_buf_append(&r->t.bytes, setmsg.p, setmsg.n);

    /* the client unblinds and looks up */
    struct sol_psi_msg rm, rs;
    CHECK_INT(sol_psi_msg_parse(resp.p, resp.n, &rm, &err), 0);
    CHECK_INT(sol_psi_msg_parse(setmsg.p, setmsg.n, &rs, &err), 0);
    CHECK(memcmp(rm.digest, rs.digest, 32) == 0);
    uint64_t *ctags = malloc(r->n_client * sizeof *ctags);
    CHECK_INT(sol_psi_unblind(c, rm.points, rm.count, ctags, NULL), 0);
    uint64_t *received = malloc(rs.count * sizeof *received);
    for (size_t i = 0; i < rs.count; i++)
        received[i] = sol_psi_msg_tag(&rs, i);
    for (size_t i = 0; i < r->n_client; i++)
        r->got[i] = sol_psi_set_has(received, rs.count, ctags[i]);

    sol_psi_client_free(c);
    sol_psi_key_clear(&key);
    free(se), free(stags), sol_free(set), free(ce), free(blinded), free(answer), free(ctags);
    free(received);
    sol_buf_free(&req), sol_buf_free(&resp), sol_buf_free(&setmsg);
}

/* Whether the bytes carry any trace of value v: its text, its element, its point. */
static const char *
trace_of(const struct sol_buf *b, const struct value *v)
{
    if (memmem(b->p, b->n, v->text, strlen(v->text)))
        return "its text";
    uint8_t e[SOL_PSI_ELEMENT], p[SOL_PSI_POINT];
    sol_psi_element(v->kind, v->text, strlen(v->text), e);
    if (memmem(b->p, b->n, e, sizeof e))
        return "its hash";
    crypto_core_ristretto255_from_hash(p, e);
    if (memmem(b->p, b->n, p, sizeof p))
        return "its point";
    return NULL;
}

static void
test_known_intersections_and_transcripts(void)
{
    struct run r = {.n_server = 3000, .n_client = 700};
    r.server = calloc(r.n_server, sizeof *r.server);
    r.client = calloc(r.n_client, sizeof *r.client);
    r.expected = calloc(r.n_client, sizeof *r.expected);
    r.got = calloc(r.n_client, sizeof *r.got);
    sol_buf_init(&r.t.bytes);
    for (size_t i = 0; i < r.n_server; i++)
        make_value(1, (unsigned)i, &r.server[i], false);
    /* 123 of the client's values are the server's, some spelled differently */
    size_t shared = 0;
    for (size_t i = 0; i < r.n_client; i++) {
        if (i % 5 == 2 && shared < 123) {
            make_value(1, (unsigned)(i * 4), &r.client[i], i % 2 == 0);
            r.expected[i] = true;
            shared++;
        } else {
            make_value(2, (unsigned)i, &r.client[i], false);
        }
    }
    CHECK_INT(shared, 123);
    run_protocol(&r);
    size_t wrong = 0, found = 0;
    for (size_t i = 0; i < r.n_client; i++) {
        found += r.got[i];
        if (r.got[i] != r.expected[i] && wrong++ < 5)
            HARNESS_FAIL("%s: %s, expected %s", r.client[i].text, r.got[i] ? "in" : "out",
                         r.expected[i] ? "in" : "out");
    }
    CHECK_INT(found, 123);
    /* the bytes exchanged carry nothing of either side's values outside the intersection */
    size_t leaks = 0;
    for (size_t i = 0; i < r.n_client; i++) {
        const char *why = r.expected[i] ? NULL : trace_of(&r.t.bytes, &r.client[i]);
        if (why && leaks++ < 5)
            HARNESS_FAIL("the client's %s shows in the transcript (%s)", r.client[i].text, why);
    }
    for (size_t i = 0; i < r.n_server; i++) {
        bool in_client = i % 4 == 0 && i / 4 < r.n_client && r.expected[i / 4];
        const char *why = in_client ? NULL : trace_of(&r.t.bytes, &r.server[i]);
        if (why && leaks++ < 5)
            HARNESS_FAIL("the server's %s shows in the transcript (%s)", r.server[i].text, why);
    }
    CHECK_INT(leaks, 0);
    /* and the search can find what is there: a value sent in clear would have shown */
    struct sol_buf clear;
    sol_buf_init(&clear);
    sol_buf_puts(&clear, r.client[0].text);
    CHECK(trace_of(&clear, &r.client[0]) != NULL);
    sol_buf_free(&clear);
    sol_buf_free(&r.t.bytes);
    free(r.server), free(r.client), free(r.expected), free(r.got);
}

static void
test_empty_sets(void)
{
    struct run r = {.n_server = 0, .n_client = 3};
    r.server = calloc(1, sizeof *r.server);
    r.client = calloc(r.n_client, sizeof *r.client);
    r.expected = calloc(r.n_client, sizeof *r.expected);
    r.got = calloc(r.n_client, sizeof *r.got);
    sol_buf_init(&r.t.bytes);
    for (size_t i = 0; i < r.n_client; i++)
        make_value(3, (unsigned)i, &r.client[i], false);
    run_protocol(&r);
    for (size_t i = 0; i < r.n_client; i++)
        CHECK(!r.got[i]);
    sol_buf_free(&r.t.bytes);
    free(r.server), free(r.client), free(r.expected), free(r.got);
}

static void
test_padding_is_stable_under_one_key(void)
{
    struct sol_psi_key k;
    sol_psi_key_new(1, &k);
    uint64_t tags[3] = {5, 1, 5};
    uint64_t *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    uint8_t da[32], db[32];
    CHECK_INT(sol_psi_set_finish(&k, tags, 3, &a, &an, da), 0);
    CHECK_INT(sol_psi_set_finish(&k, tags, 3, &b, &bn, db), 0);
    CHECK_INT(an, SOL_PSI_PAD);
    CHECK(an == bn && memcmp(a, b, an * 8) == 0 && memcmp(da, db, 32) == 0);
    CHECK(sol_psi_set_has(a, an, 1) && sol_psi_set_has(a, an, 5));
    for (size_t i = 1; i < an; i++)
        CHECK(a[i] > a[i - 1]);
    struct sol_psi_key k2;
    sol_psi_key_new(2, &k2);
    uint64_t *c = NULL;
    size_t cn = 0;
    uint8_t dc[32];
    CHECK_INT(sol_psi_set_finish(&k2, tags, 3, &c, &cn, dc), 0);
    CHECK(memcmp(da, dc, 32) != 0); /* another epoch pads otherwise */
    sol_free(a), sol_free(b), sol_free(c);
}

static void
test_evaluate_refuses_what_is_not_a_point(void)
{
    struct sol_psi_key k;
    sol_psi_key_new(1, &k);
    uint8_t in[3 * SOL_PSI_POINT], out[3 * SOL_PSI_POINT];
    uint8_t e[SOL_PSI_ELEMENT];
    sol_psi_element(SOL_ATOM_DOMAIN, "a.example", 9, e);
    crypto_core_ristretto255_from_hash(in, e);
    memcpy(in + SOL_PSI_POINT, in, SOL_PSI_POINT);
    memset(in + 2 * SOL_PSI_POINT, 0xff, SOL_PSI_POINT);
    size_t bad = 0;
    CHECK_INT(sol_psi_evaluate(&k, in, 3, out, &bad), SOL_EINVALID);
    CHECK_INT(bad, 2);
    CHECK_INT(sol_psi_evaluate(&k, in, 2, out, &bad), 0);
}

static void
check_parse(const void *p, size_t n, const char *want)
{
    struct sol_psi_msg m;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_psi_msg_parse(p, n, &m, &err);
    if (!want) {
        CHECK_INT(rc, 0);
        return;
    }
    CHECK_INT(rc, SOL_ESYNTAX);
    CHECK_STR(err.msg, want);
}

static void
test_messages_are_checked(void)
{
    uint64_t tags[2] = {1, 2};
    struct sol_buf b;
    sol_buf_init(&b);
    sol_psi_msg_write(
        &b, &(struct sol_psi_msg){.type = SOL_PSI_SET, .epoch = 3, .count = 2, .tags = tags});
    check_parse(b.p, b.n, NULL);
    check_parse(b.p, 10, "a PSI message of 10 bytes: shorter than its 52-byte header");
    check_parse(b.p, b.n - 1,
                "a PSI message of 67 bytes, but its header announces 2 tags (68 bytes in all)");
    b.p[SOL_PSI_HEADER + 15] = 1; /* the second tag equals the first */
    check_parse(
        b.p, b.n,
        "byte 60: tag 1 is not above the one before it (a set is sorted, without duplicates)");
    b.p[16 + 3] = 9;
    check_parse(b.p, b.n, "byte 16: a set of 2 tags says it has 9");
    b.p[7] = 9;
    check_parse(b.p, b.n, "byte 7: unknown message type 9");
    b.p[6] = 2;
    check_parse(b.p, b.n, "byte 6: PSI version 2, expected 1");
    b.p[0] = 'X';
    check_parse(b.p, b.n, "byte 0: not a PSI message (no \"SOLPSI\")");
    sol_buf_reset(&b);
    uint8_t pts[SOL_PSI_POINT] = {0};
    sol_psi_msg_write(
        &b, &(struct sol_psi_msg){.type = SOL_PSI_EVAL_REQUEST, .count = 1, .points = pts});
    check_parse(b.p, b.n, NULL);
    b.p[12] = 0x7f; /* an absurd count */
    check_parse(b.p, b.n, "byte 12: 2130706433 points, more than the 100000 allowed");
    sol_buf_free(&b);
}

int
main(void)
{
    RUN(test_elements_are_normalised_as_the_scan_engine_does);
    RUN(test_known_intersections_and_transcripts);
    RUN(test_empty_sets);
    RUN(test_padding_is_stable_under_one_key);
    RUN(test_evaluate_refuses_what_is_not_a_point);
    RUN(test_messages_are_checked);
    return harness_done();
}
