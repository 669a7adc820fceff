/*
 * test_http.c — the HTTP adapter's address parsing and its plain-HTTP policy
 * (loopback-only plain HTTP unless the operator insists).
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"
#include "solidarity/http.h"

static void
check_listen(const char *s, int want_rc, bool want_loopback, int family, unsigned port)
{
    struct sockaddr_storage ss;
    unsigned len = 0;
    bool loopback = !want_loopback;
    struct sol_error err;
    sol_error_clear(&err);
    int rc = sol_http_parse_listen(s, &ss, &len, &loopback, &err);
    if (rc != want_rc) {
        HARNESS_FAIL("'%s': rc %d, expected %d (%s)", s, rc, want_rc, err.msg);
        return;
    }
    if (rc)
        return;
    if (loopback != want_loopback)
        HARNESS_FAIL("'%s': loopback %d", s, loopback);
    if (ss.ss_family != family)
        HARNESS_FAIL("'%s': family %d", s, ss.ss_family);
    unsigned got = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                     : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    if (got != port)
        HARNESS_FAIL("'%s': port %u", s, got);
}

static void
test_listen_addresses(void)
{
    check_listen("127.0.0.1:8400", 0, true, AF_INET, 8400);
    check_listen("127.1.2.3:1", 0, true, AF_INET, 1);
    check_listen("localhost:0", 0, true, AF_INET, 0);
    check_listen("[::1]:8443", 0, true, AF_INET6, 8443);
    check_listen("0.0.0.0:8400", 0, false, AF_INET, 8400);
    check_listen("192.0.2.10:443", 0, false, AF_INET, 443);
    check_listen("[::]:8400", 0, false, AF_INET6, 8400);
    check_listen("8400", SOL_ESYNTAX, false, 0, 0);
    check_listen(":8400", SOL_ESYNTAX, false, 0, 0);
    check_listen("127.0.0.1:", SOL_ESYNTAX, false, 0, 0);
    check_listen("127.0.0.1:65536", SOL_ESYNTAX, false, 0, 0);
    check_listen("127.0.0.1:80x", SOL_ESYNTAX, false, 0, 0);
    check_listen("::1:8400", SOL_ESYNTAX, false, 0, 0);
    check_listen("example.org:80", SOL_ESYNTAX, false, 0, 0);
    check_listen("[::1:80", SOL_ESYNTAX, false, 0, 0);
}

static void
test_plain_http_refused(void)
{
    struct sol_http_options o = {.store_url = "/nonexistent", .listen = "0.0.0.0:0"};
    struct sol_http_server *srv = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    CHECK_INT(sol_http_start(&o, &srv, &err), SOL_EDENIED);
    CHECK_STR(err.msg, "refusing to serve plain HTTP on the non-loopback address 0.0.0.0:0: "
                       "give --tls-cert and --tls-key, or --allow-plain-http");
    CHECK(srv == NULL);
    o.tls_cert = "cert.pem";
    CHECK_INT(sol_http_start(&o, &srv, &err), SOL_EINVAL);
    CHECK_STR(err.msg, "--tls-cert and --tls-key go together");
}

int
main(void)
{
    RUN(test_listen_addresses);
    RUN(test_plain_http_refused);
    return harness_done();
}
