/*
 * test_util.c — timestamps, UUIDs, SHA-1, base64, hex, UTF-8, buffers, errors.
 */
#include "harness.h"
#include "solidarity/solidarity.h"

static void
test_time_parse(void)
{
    sol_time_t t;
    unsigned prec;
    const char *why = NULL;
    const char *s = "2016-05-12T08:17:27.000Z";
    CHECK_INT(sol_time_parse(s, strlen(s), SOL_TIME_UTC_Z, &t, &prec, &why), 0);
    CHECK_INT(t, 1463041047000000LL);
    CHECK_INT(prec, 3);
    s = "1970-01-01T00:00:00Z";
    CHECK_INT(sol_time_parse(s, strlen(s), SOL_TIME_UTC_Z, &t, &prec, &why), 0);
    CHECK_INT(t, 0);
    s = "2000-02-29T23:59:59.123456789Z";
    CHECK_INT(sol_time_parse(s, strlen(s), 0, &t, &prec, &why), 0);
    CHECK_INT(prec, 9);
    CHECK_INT(t % 1000000, 123456);
    s = "2001-02-29T00:00:00Z";
    CHECK_INT(sol_time_parse(s, strlen(s), 0, &t, NULL, &why), SOL_ESYNTAX);
    CHECK_STR(why, "day out of range for the month");
    s = "2016-05-12T08:17:27+02:00";
    CHECK_INT(sol_time_parse(s, strlen(s), SOL_TIME_UTC_Z, &t, NULL, &why), SOL_ESYNTAX);
    CHECK_STR(why, "expected 'Z': timestamps must be in UTC");
    CHECK_INT(sol_time_parse(s, strlen(s), 0, &t, NULL, &why), 0);
    CHECK_INT(t, 1463033847000000LL);
    s = "2016-05-12T08:17:27.1Z";
    CHECK_INT(sol_time_parse(s, strlen(s), SOL_TIME_MILLIS, &t, NULL, &why), SOL_ESYNTAX);
    s = "2016-05-12 08:17:27Z";
    CHECK_INT(sol_time_parse(s, strlen(s), 0, &t, NULL, &why), SOL_ESYNTAX);
    s = "2016-05-12T08:17:27Zx";
    CHECK_INT(sol_time_parse(s, strlen(s), 0, &t, NULL, &why), SOL_ESYNTAX);
}

static void
test_time_format(void)
{
    char buf[32];
    sol_time_format(1463041047123456LL, 3, buf);
    CHECK_STR(buf, "2016-05-12T08:17:27.123Z");
    sol_time_format(1463041047123456LL, 6, buf);
    CHECK_STR(buf, "2016-05-12T08:17:27.123456Z");
    sol_time_format(0, 0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    sol_time_format(-1, 6, buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999999Z");
}

static void
test_sha1_uuid(void)
{
    uint8_t h[20];
    struct sol_buf b;
    sol_buf_init(&b);
    sol_sha1("abc", 3, h);
    sol_hex_encode(&b, h, 20);
    CHECK_STR(b.p, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sol_buf_reset(&b);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sol_sha1(two, strlen(two), h);
    sol_hex_encode(&b, h, 20);
    CHECK_STR(b.p, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    sol_buf_free(&b);

    /* STIX 2.1 §2.9: the SCO namespace, and the example id of an ipv4-addr. */
    struct sol_uuid ns, u;
    const char *nss = "00abedb4-aa42-466c-9c01-fed23315a9b7";
    CHECK_INT(sol_uuid_parse(nss, 36, &ns), 0);
    const char *name = "{\"value\":\"198.51.100.3\"}";
    sol_uuid_v5(&ns, name, strlen(name), &u);
    char txt[37];
    sol_uuid_format(&u, txt);
    CHECK_INT(sol_uuid_version(&u), 5);
    CHECK(sol_uuid_rfc4122(&u));
    sol_uuid_v4(&u);
    CHECK_INT(sol_uuid_version(&u), 4);
    CHECK(sol_uuid_rfc4122(&u));
    CHECK_INT(sol_uuid_parse("not-a-uuid", 10, &u), SOL_ESYNTAX);
}

static void
test_base64_hex(void)
{
    uint8_t out[16];
    CHECK_INT(sol_base64_decode("aGVsbG8=", 8, out), 5);
    CHECK(memcmp(out, "hello", 5) == 0);
    CHECK_INT(sol_base64_decode("aGVsbG8", 7, out), -1);
    CHECK_INT(sol_base64_decode("aG=sbG8=", 8, out), -1);
    CHECK(sol_is_base64("aGk=", 4));
    CHECK(!sol_is_base64("a k=", 4));
    struct sol_buf b;
    sol_buf_init(&b);
    sol_base64_encode(&b, "hello", 5);
    CHECK_STR(b.p, "aGVsbG8=");
    sol_buf_free(&b);
    CHECK_INT(sol_hex_decode("00ff", 4, out), 2);
    CHECK_INT(out[1], 255);
    CHECK_INT(sol_hex_decode("0g", 2, out), -1);
}

static void
test_utf8(void)
{
    CHECK_INT(sol_utf8_check("r\xc3\xa9sum\xc3\xa9", 8), 8);
    CHECK_INT(sol_utf8_check("a\xc0\xafz", 4), 1);     /* overlong */
    CHECK_INT(sol_utf8_check("a\xed\xa0\x80z", 5), 1); /* surrogate */
    CHECK_INT(sol_utf8_check("\xf4\x90\x80\x80", 4), 0);
    uint32_t cp;
    CHECK_INT(sol_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
    CHECK_INT(cp, 0x20ac);
}

static void
test_errors_and_alloc(void)
{
    CHECK_STR(sol_strerror(SOL_ENOMEM), "out of memory");
    CHECK_STR(sol_err_name(SOL_ESYNTAX), "SOL_ESYNTAX");
    struct sol_error e;
    sol_error_set(&e, SOL_ESYNTAX, "expected %s", "']'");
    e.line = 3;
    e.column = 7;
    char buf[128];
    CHECK_STR(sol_error_format(&e, buf, sizeof(buf)), "line 3, column 7: expected ']'");
    sol_alloc_fail_after(0);
    CHECK(sol_malloc(10) == NULL);
    sol_alloc_fail_after(-1);
    void *p = sol_malloc(10);
    CHECK(p != NULL);
    sol_free(p);
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_printf(&b, "%d-%s", 42, "x");
    CHECK_STR(b.p, "42-x");
    sol_buf_free(&b);
}

int
main(void)
{
    RUN(test_time_parse);
    RUN(test_time_format);
    RUN(test_sha1_uuid);
    RUN(test_base64_hex);
    RUN(test_utf8);
    RUN(test_errors_and_alloc);
    return harness_done();
}
