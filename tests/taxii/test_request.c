/*
 * test_request.c — the parts of the TAXII server that need no store: routes, query
 * filters, content negotiation and the `next` cursor.
 */
#include <sodium.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "taxii/taxii.h"

static void
test_routes(void)
{
    struct taxii_route rt;
    const char *why = NULL;
    CHECK_INT(sol__taxii_route("/taxii2/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_DISCOVERY);
    CHECK_INT(sol__taxii_route("/taxii2", &rt, &why), 0); /* lenient: no trailing slash */
    CHECK_INT(rt.ep, TAXII_EP_DISCOVERY);
    CHECK_INT(sol__taxii_route("/intel/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_API_ROOT);
    CHECK_STR(rt.api_root, "intel");
    CHECK_INT(sol__taxii_route("/intel/status/abc/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_STATUS);
    CHECK_STR(rt.status_id, "abc");
    CHECK_INT(sol__taxii_route("/intel/collections/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_COLLECTIONS);
    CHECK_INT(sol__taxii_route("//intel//collections/c1", &rt, &why), 0); /* MISP's "//" */
    CHECK_INT(rt.ep, TAXII_EP_COLLECTION);
    CHECK_STR(rt.collection, "c1");
    CHECK_INT(sol__taxii_route("/intel/collections/c1/manifest/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_MANIFEST);
    CHECK_INT(sol__taxii_route("/intel/collections/c1/objects/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_OBJECTS);
    CHECK_INT(sol__taxii_route("/intel/collections/c1/objects/indicator--1/", &rt, &why), 0);
    CHECK_INT(rt.ep, TAXII_EP_OBJECT);
    CHECK_STR(rt.object_id, "indicator--1");
    CHECK_INT(sol__taxii_route("/intel/collections/c1/objects/indicator--1/versions", &rt, &why),
              0);
    CHECK_INT(rt.ep, TAXII_EP_VERSIONS);
    CHECK_INT(sol__taxii_route("/intel/collections/c%31/objects/x%2Dy/", &rt, &why), 0);
    CHECK_STR(rt.collection, "c1");
    CHECK_STR(rt.object_id, "x-y");
    CHECK_INT(sol__taxii_route("/", &rt, &why), SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/taxii2/x/", &rt, &why), SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/intel/nothing/", &rt, &why), SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/intel/status/", &rt, &why), SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/intel/collections/c1/objects/o/versions/x", &rt, &why),
              SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/a/b/c/d/e/f/g/h/i/", &rt, &why), SOL_ENOTFOUND);
    CHECK_INT(sol__taxii_route("/intel/%zz/", &rt, &why), SOL_ESYNTAX);
    CHECK_STR(why, "the path has a malformed percent-escape");
    CHECK_INT(sol__taxii_route("/intel/%0a/", &rt, &why), SOL_ESYNTAX);
    CHECK_STR(why, "the path holds a control character");
    CHECK_INT(sol__taxii_route("/intel/%", &rt, &why), SOL_ESYNTAX);
    CHECK_INT(sol__taxii_route("intel/", &rt, &why), SOL_ESYNTAX);
}

static int
parse(const char *qs, struct taxii_query *q, char *why)
{
    return sol__taxii_query_parse(qs, q, why, 256);
}

static void
test_query_ok(void)
{
    struct taxii_query q;
    char why[256];
    CHECK_INT(parse(NULL, &q, why), 0);
    CHECK(!q.has_limit && !q.has_added_after && !q.next);
    sol__taxii_query_free(&q);

    CHECK_INT(parse("added_after=2016-01-01T01:01:01.123456Z&limit=5&match%5Btype%5D=indicator,"
                    "malware&match[id]=a--1&match[spec_version]=2.0,2.1&x=1&match[foo]=bar",
                    &q, why),
              0);
    CHECK(q.has_added_after);
    CHECK_INT(q.added_after, 1451610061123456LL);
    CHECK_INT(q.limit, 5);
    CHECK_INT(q.n_types, 2);
    CHECK_STR(q.types[1], "malware");
    CHECK_INT(q.n_ids, 1);
    CHECK_INT(q.n_spec_versions, 2);
    CHECK_INT(q.version_match, 0);
    sol__taxii_query_free(&q);

    /* Clients send added_after with seconds only, or milliseconds. */
    CHECK_INT(parse("added_after=2016-01-01T01:01:01Z", &q, why), 0);
    CHECK_INT(q.added_after, 1451610061000000LL);
    sol__taxii_query_free(&q);

    CHECK_INT(parse("match[version]=first,2018-03-02T01:01:01.123Z,last", &q, why), 0);
    CHECK_INT(q.version_match, SOL_VERSION_FIRST | SOL_VERSION_LAST);
    CHECK_INT(q.n_versions, 1);
    CHECK_INT(q.versions[0], 1519952461123000LL);
    sol__taxii_query_free(&q);

    CHECK_INT(parse("match[version]=all", &q, why), 0);
    CHECK_INT(q.version_match, SOL_VERSION_ALL);
    sol__taxii_query_free(&q);

    /* An empty next is no next (MISP); a huge limit is capped later, not an error. */
    CHECK_INT(parse("next=&limit=99999999999999999999", &q, why), 0);
    CHECK(q.next == NULL);
    CHECK(q.limit >= 100000000);
    sol__taxii_query_free(&q);
}

static void
check_fail(const char *qs, const char *msg)
{
    struct taxii_query q;
    char why[256];
    int rc = parse(qs, &q, why);
    if (rc != SOL_ESYNTAX)
        HARNESS_FAIL("'%s' parsed (%d), expected a syntax error", qs, rc);
    else if (strcmp(why, msg) != 0)
        HARNESS_FAIL("'%s': \"%s\", expected \"%s\"", qs, why, msg);
    sol__taxii_query_free(&q);
}

static void
test_query_errors(void)
{
    check_fail("limit=0", "limit '0' is not a positive integer");
    check_fail("limit=-1", "limit '-1' is not a positive integer");
    check_fail("limit=ten", "limit 'ten' is not a positive integer");
    check_fail("limit=1&limit=2", "limit appears more than once");
    check_fail("added_after=yesterday",
               "added_after 'yesterday' is not a timestamp (expected a year as YYYY-)");
    check_fail("added_after=2016-01-01T00:00:00Z&added_after=2016-01-01T00:00:00Z",
               "added_after appears more than once");
    check_fail("match[type]=a&match[type]=b", "match[type] appears more than once");
    check_fail("match[type]=a,,b", "match[type] has an empty value in its comma list");
    check_fail("match[type]=", "match[type] is empty");
    check_fail("match[id]=a,%20b",
               "match[id] has a space in ' b' (values are separated by ',' without spaces)");
    check_fail("match[version]=all,last",
               "match[version]=all cannot be combined with other values");
    check_fail("match[version]=last,last", "match[version] names 'last' twice");
    check_fail("match[version]=2016-01-01T00:00:00.1Z,2016-01-01T00:00:00.100Z",
               "match[version] names the version '2016-01-01T00:00:00.100Z' twice");
    check_fail("match[version]=newest",
               "match[version] value 'newest' is not all, first, last or a STIX timestamp "
               "(expected a year as YYYY-)");
    check_fail("next=a&next=b", "next appears more than once");
    check_fail("limit=%zz", "the query string has a malformed percent-escape");
    check_fail("limit=1%00", "the query string holds a NUL character");
}

static void
test_accept(void)
{
    CHECK(sol__taxii_accept_ok("application/taxii+json;version=2.1", false));
    CHECK(sol__taxii_accept_ok("application/taxii+json; version=\"2.1\"", false));
    CHECK(sol__taxii_accept_ok("Application/TAXII+JSON", false));
    CHECK(sol__taxii_accept_ok(NULL, false));
    CHECK(sol__taxii_accept_ok("", false));
    CHECK(sol__taxii_accept_ok("*/*", false));
    CHECK(sol__taxii_accept_ok("text/html, application/*;q=0.5", false));
    CHECK(sol__taxii_accept_ok("text/html, application/taxii+json;version=2.1;q=0.9", false));
    CHECK(!sol__taxii_accept_ok("application/taxii+json;version=2.1;q=0", false));
    CHECK(!sol__taxii_accept_ok("application/taxii+json;version=2.0", false));
    CHECK(!sol__taxii_accept_ok("application/vnd.oasis.taxii+json; version=2.0", false));
    CHECK(!sol__taxii_accept_ok("application/json", false));
    CHECK(!sol__taxii_accept_ok("application/stix+json;version=2.1", false));
    CHECK(sol__taxii_accept_ok("application/stix+json;version=2.1", true));

    CHECK(sol__taxii_content_type_ok("application/taxii+json;version=2.1"));
    CHECK(sol__taxii_content_type_ok("application/taxii+json"));
    CHECK(sol__taxii_content_type_ok("application/taxii+json; charset=utf-8; version=2.1"));
    CHECK(!sol__taxii_content_type_ok("application/taxii+json;version=2.0"));
    CHECK(!sol__taxii_content_type_ok("application/json"));
    CHECK(!sol__taxii_content_type_ok("application/stix+json;version=2.1"));
    CHECK(!sol__taxii_content_type_ok(NULL));
}

static void
test_cursor(void)
{
    uint8_t key[TAXII_CURSOR_KEY_BYTES], other[TAXII_CURSOR_KEY_BYTES];
    memset(key, 7, sizeof(key));
    memset(other, 8, sizeof(other));
    struct taxii_route rt;
    const char *why;
    sol__taxii_route("/intel/collections/c1/objects/", &rt, &why);
    struct taxii_query q1, q2;
    char err[256];
    CHECK_INT(parse("match[type]=indicator&limit=2", &q1, err), 0);
    CHECK_INT(parse("match[type]=malware&limit=2", &q2, err), 0);
    struct sol_buf s1, s2, text;
    sol_buf_init(&s1);
    sol_buf_init(&s2);
    sol_buf_init(&text);
    sol__taxii_cursor_scope(&rt, &q1, &s1);
    sol__taxii_cursor_scope(&rt, &q2, &s2);
    sol__taxii_cursor_encode(key, &s1, 1700000000123456LL, 42, &text);
    CHECK_INT(text.n, 76); /* 57 bytes in base64url without padding */
    for (size_t i = 0; i < text.n; i++)
        CHECK(text.p[i] != '+' && text.p[i] != '/' && text.p[i] != '=');
    /* issue #10, finding 5: the position is encrypted, not only authenticated: neither
     * seq nor date_added shows in the cursor's bytes, and the same position gives
     * another cursor each time. */
    uint8_t raw[128];
    size_t rn = 0;
    CHECK_INT(sodium_base642bin(raw, sizeof raw, text.p, text.n, NULL, &rn, NULL,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING),
              0);
    static const uint8_t seq_be[8] = {0, 0, 0, 0, 0, 0, 0, 42};
    static const uint8_t da_be[8] = {0x00, 0x06, 0x0a, 0x24, 0x18, 0x20, 0x22, 0x40};
    CHECK(rn > 8 && !memmem(raw, rn, seq_be, 8) && !memmem(raw, rn, da_be, 6));
    struct sol_buf again;
    sol_buf_init(&again);
    sol__taxii_cursor_encode(key, &s1, 1700000000123456LL, 42, &again);
    CHECK(again.n == text.n && strcmp(again.p, text.p) != 0);
    sol_buf_free(&again);
    sol_time_t d = 0;
    int64_t seq = 0;
    CHECK_INT(sol__taxii_cursor_decode(key, &s1, text.p, &d, &seq), 0);
    CHECK_INT(d, 1700000000123456LL);
    CHECK_INT(seq, 42);
    /* another query, another key, a changed character, a truncated cursor: refused */
    CHECK_INT(sol__taxii_cursor_decode(key, &s2, text.p, &d, &seq), SOL_ESIGNATURE);
    CHECK_INT(sol__taxii_cursor_decode(other, &s1, text.p, &d, &seq), SOL_ESIGNATURE);
    text.p[5] = text.p[5] == 'A' ? 'B' : 'A';
    CHECK_INT(sol__taxii_cursor_decode(key, &s1, text.p, &d, &seq), SOL_ESIGNATURE);
    text.p[10] = '\0';
    CHECK_INT(sol__taxii_cursor_decode(key, &s1, text.p, &d, &seq), SOL_ESIGNATURE);
    CHECK_INT(sol__taxii_cursor_decode(key, &s1, "!!!", &d, &seq), SOL_ESIGNATURE);
    CHECK_INT(sol__taxii_cursor_decode(key, &s1, "", &d, &seq), SOL_ESIGNATURE);
    /* limit is not part of the scope: a client may change it between pages */
    struct taxii_query q3;
    CHECK_INT(parse("match[type]=indicator&limit=7", &q3, err), 0);
    struct sol_buf s3;
    sol_buf_init(&s3);
    sol__taxii_cursor_scope(&rt, &q3, &s3);
    CHECK(s3.n == s1.n && memcmp(s3.p, s1.p, s1.n) == 0);
    sol_buf_free(&s1);
    sol_buf_free(&s2);
    sol_buf_free(&s3);
    sol_buf_free(&text);
    sol__taxii_query_free(&q1);
    sol__taxii_query_free(&q2);
    sol__taxii_query_free(&q3);
}

/* Every allocation failing in turn: no crash, no leak. */
static void
test_query_alloc_failures(void)
{
    for (long n = 0; n < 40; n++) {
        struct taxii_query q;
        char why[256];
        sol_alloc_fail_after(n);
        int rc = parse("match[type]=a,b,c&match[id]=x&next=abc&match[version]=last,"
                       "2016-01-01T00:00:00Z&match[spec_version]=2.1",
                       &q, why);
        sol_alloc_fail_after(-1);
        CHECK(rc == 0 || rc == SOL_ENOMEM);
        sol__taxii_query_free(&q);
    }
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_routes);
    RUN(test_query_ok);
    RUN(test_query_errors);
    RUN(test_accept);
    RUN(test_cursor);
    RUN(test_query_alloc_failures);
    return harness_done();
}
