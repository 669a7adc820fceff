/*
 * test_formats.c — the pieces of the formats module a person would get wrong: refanging,
 * the kind of a plain value, which patterns are lists of values, warninglist matching.
 */
#include <string.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/formats.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"

static const char *
refang(const char *s)
{
    static char out[256];
    struct sol_buf b;
    sol_buf_init(&b);
    sol_ioc_refang(s, strlen(s), &b);
    snprintf(out, sizeof out, "%s", b.p ? b.p : "");
    sol_buf_free(&b);
    return out;
}

static void
test_refang(void)
{
    CHECK_STR(refang("hxxp://evil[.]example/x"), "http://evil.example/x");
    CHECK_STR(refang("HXXPS[://]evil(.)example"), "https://evil.example");
    CHECK_STR(refang("user[at]mail{.}example"), "user@mail.example");
    CHECK_STR(refang("192.0.2[.]1"), "192.0.2.1");
    CHECK_STR(refang("evil[dot]example"), "evil.example");
    CHECK_STR(refang("host[:]8080"), "host:8080");
    /* "hxxp" is a scheme only at the start: a name containing it stays */
    CHECK_STR(refang("www.hxxp.example"), "www.hxxp.example");
    CHECK_STR(refang("plain.example"), "plain.example");
}

static int
kind(const char *s)
{
    bool net;
    return sol_ioc_detect(s, strlen(s), &net);
}

static void
test_detect(void)
{
    bool net = false;
    CHECK_INT(kind("192.0.2.1"), SOL_ATOM_IPV4);
    CHECK_INT(sol_ioc_detect("10.0.0.0/8", 10, &net), SOL_ATOM_IPV4);
    CHECK(net);
    CHECK_INT(kind("2001:db8::1"), SOL_ATOM_IPV6);
    CHECK_INT(kind("2001:db8::/32"), SOL_ATOM_IPV6);
    CHECK_INT(kind("10.0.0.0/33"), -1);
    CHECK_INT(kind("192.0.2.01"), -1); /* leading zeros: not an address */
    CHECK_INT(kind("http://evil.example/a?b=c"), SOL_ATOM_URL);
    CHECK_INT(kind("ftp://files.example/"), SOL_ATOM_URL);
    CHECK_INT(kind("http://"), -1);
    CHECK_INT(kind("someone@mail.example"), SOL_ATOM_EMAIL);
    CHECK_INT(kind("a@b@c.example"), -1);
    CHECK_INT(kind("d41d8cd98f00b204e9800998ecf8427e"), SOL_ATOM_MD5);
    CHECK_INT(kind("da39a3ee5e6b4b0d3255bfef95601890afd80709"), SOL_ATOM_SHA1);
    CHECK_INT(kind("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
              SOL_ATOM_SHA256);
    CHECK_INT(kind("evil.example"), SOL_ATOM_DOMAIN);
    CHECK_INT(kind("xn--80ak6aa92e.xn--p1ai"), SOL_ATOM_DOMAIN);
    CHECK_INT(kind("_dmarc.example.org"), SOL_ATOM_DOMAIN);
    CHECK_INT(kind("localhost"), -1);    /* one label */
    CHECK_INT(kind("example.123"), -1);  /* a numeric TLD */
    CHECK_INT(kind("-bad.example"), -1); /* a label starting with '-' */
    CHECK_INT(kind("ABSCarryLog"), -1);
    CHECK_INT(kind("deadbeef"), -1); /* hex, but no digest length */
}

/* The atoms of a pattern as "kind=value" joined by ' ', or "no: why". */
static const char *
atoms(const char *pattern)
{
    static char out[512];
    struct sol_pattern *p = NULL;
    if (sol_pattern_parse(pattern, strlen(pattern), NULL, &p, NULL) != 0)
        return "parse error";
    struct sol_atom *a = NULL;
    size_t n = 0;
    const char *why = NULL;
    int rc = sol_format_atoms(p, &a, &n, &why);
    out[0] = 0;
    if (rc != 0) {
        snprintf(out, sizeof out, "no: %s", why ? why : "?");
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(out);
            snprintf(out + l, sizeof out - l, "%s%s=%.*s%s", i ? " " : "",
                     sol_atom_kind_word(a[i].kind), (int)a[i].value.n, a[i].value.p,
                     a[i].network ? "(net)" : "");
        }
    }
    sol_free(a);
    sol_pattern_free(p);
    return out;
}

static void
test_atoms(void)
{
    CHECK_STR(atoms("[domain-name:value = 'a.example']"), "domain-name=a.example");
    CHECK_STR(atoms("[domain-name:value = 'a.example' OR url:value = 'http://b/']"),
              "domain-name=a.example url=http://b/");
    CHECK_STR(atoms("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')] OR [ipv6-addr:value = '::1']"),
              "ipv4-addr=192.0.2.1 ipv4-addr=192.0.2.2 ipv6-addr=::1");
    CHECK_STR(atoms("[ipv4-addr:value ISSUBSET '10.0.0.0/8']"), "ipv4-addr=10.0.0.0/8(net)");
    CHECK_STR(atoms("[ipv4-addr:value = '10.0.0.0/8']"), "ipv4-addr=10.0.0.0/8(net)");
    CHECK_STR(atoms("[file:hashes.'SHA-256' = "
                    "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' OR "
                    "file:hashes.sha256 = "
                    "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"),
              "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
              "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(atoms("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
              "md5=d41d8cd98f00b204e9800998ecf8427e");
    CHECK_STR(
        atoms("[x509-certificate:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"),
        "x509-sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK_STR(atoms("[process:name = 'x']"), "other=x");
    CHECK_STR(atoms("[autonomous-system:number = 174]"), "other=174");
    CHECK_STR(atoms("[file:name = 'a' AND file:size = 3]"),
              "no: AND joins comparisons on one object");
    CHECK_STR(atoms("[domain-name:value = 'a'] AND [url:value = 'b']"),
              "no: AND between observations");
    CHECK_STR(atoms("[domain-name:value = 'a'] FOLLOWEDBY [url:value = 'b']"), "no: FOLLOWEDBY");
    CHECK_STR(atoms("[domain-name:value = 'a'] WITHIN 5 SECONDS"), "no: WITHIN");
    CHECK_STR(atoms("[domain-name:value = 'a'] REPEATS 2 TIMES"), "no: REPEATS");
    CHECK_STR(atoms("[domain-name:value NOT = 'a']"), "no: NOT");
    CHECK_STR(atoms("[domain-name:value != 'a']"), "no: !=");
    CHECK_STR(atoms("[domain-name:value LIKE '%.a']"), "no: LIKE");
    CHECK_STR(atoms("[domain-name:value MATCHES '^a']"), "no: MATCHES");
    CHECK_STR(atoms("[domain-name:value ISSUBSET '10.0.0.0/8']"),
              "no: ISSUBSET on something other than an address");
}

static struct sol_warninglists *
lists(const char *json)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_warninglists *w = sol_warninglists_new();
    CHECK(sol_json_parse(doc, json, strlen(json), &root, NULL) == 0);
    struct sol_json_iter it;
    const struct sol_json *l;
    sol_json_iter_init(&it, root);
    while (sol_json_iter_next(&it, NULL, &l))
        CHECK_INT(sol_warninglists_add(w, l, NULL), 0);
    sol_json_doc_free(doc);
    return w;
}

static const char *
wl(const struct sol_warninglists *w, enum sol_atom_kind k, const char *v)
{
    const char *r = sol_warninglists_match(w, k, v, strlen(v));
    return r ? r : "-";
}

static void
test_warninglists(void)
{
    struct sol_warninglists *w = lists(
        "[{\"name\":\"nets\",\"type\":\"cidr\",\"list\":[\"10.0.0.0/8\",\"192.0.2.7\",\"2001:db8::/"
        "32\"],"
        "\"matching_attributes\":[\"ip-dst\"]},"
        "{\"name\":\"hosts\",\"type\":\"hostname\",\"list\":[\"example.com\",\".cdn.example\"],"
        "\"matching_attributes\":[\"domain\",\"url\"]},"
        "{\"name\":\"exact\",\"type\":\"string\",\"list\":[\"D41D8CD98F00B204E9800998ECF8427E\"],"
        "\"matching_attributes\":[\"md5\"]},"
        "{\"name\":\"sub\",\"type\":\"substring\",\"list\":[\"sinkhole\"],\"matching_attributes\":["
        "\"domain\"]},"
        "{\"name\":\"re\",\"type\":\"regex\",\"list\":[\"^test[0-9]+\\\\.lab$\"],\"matching_"
        "attributes\":[\"domain\"]}]");
    CHECK_STR(wl(w, SOL_ATOM_IPV4, "10.20.30.40"), "nets");
    CHECK_STR(wl(w, SOL_ATOM_IPV4, "10.1.0.0/16"), "nets");
    CHECK_STR(wl(w, SOL_ATOM_IPV4, "11.0.0.1"), "-");
    CHECK_STR(wl(w, SOL_ATOM_IPV4, "192.0.2.7"), "nets");
    CHECK_STR(wl(w, SOL_ATOM_IPV4, "192.0.2.8"), "-");
    CHECK_STR(wl(w, SOL_ATOM_IPV6, "2001:db8:1::1"), "nets");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "example.com"), "hosts");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "WWW.Example.COM"), "hosts");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "badexample.com"), "-");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "a.cdn.example"), "hosts");
    CHECK_STR(wl(w, SOL_ATOM_URL, "https://user@www.example.com:8443/x"), "hosts");
    CHECK_STR(wl(w, SOL_ATOM_URL, "https://evil.example/example.com"), "-");
    CHECK_STR(wl(w, SOL_ATOM_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "exact");
    CHECK_STR(wl(w, SOL_ATOM_SHA1, "d41d8cd98f00b204e9800998ecf8427e"), "-"); /* not its kind */
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "x.sinkhole.example"), "sub");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "test42.lab"), "re");
    CHECK_STR(wl(w, SOL_ATOM_DOMAIN, "test.lab"), "-");
    CHECK_STR(sol_warninglists_match_observed(w, SOL_STR("domain-name"), SOL_STR("value"),
                                              SOL_STR("cdn.example")),
              "hosts");
    size_t values = 0;
    CHECK_INT(sol_warninglists_count(w, &values), 5);
    CHECK_INT(values, 8);
    sol_warninglists_free(w);

    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    w = sol_warninglists_new();
    const char *bad = "{\"name\":\"x\",\"type\":\"glob\",\"list\":[]}";
    CHECK(sol_json_parse(doc, bad, strlen(bad), &root, NULL) == 0);
    CHECK_INT(sol_warninglists_add(w, root, &err), SOL_EINVALID);
    CHECK_STR(err.msg,
              "type: 'glob' is not a warninglist type (string, hostname, cidr, substring, regex)");
    const char *nolist = "{\"name\":\"x\"}";
    CHECK(sol_json_parse(doc, nolist, strlen(nolist), &root, NULL) == 0);
    CHECK_INT(sol_warninglists_add(w, root, &err), SOL_EINVALID);
    CHECK_STR(err.msg, "list: required, a list of strings");
    sol_warninglists_free(w);
    sol_json_doc_free(doc);
}

static void
test_table(void)
{
    size_t n;
    const struct sol_format *f = sol_formats(&n);
    CHECK(n >= 8);
    for (size_t i = 0; i < n; i++) {
        CHECK(f[i].read || f[i].write);
        CHECK(sol_format_find(f[i].name) == &f[i]);
        CHECK(!(f[i].flags & SOL_FORMAT_PARTS) || f[i].parts);
    }
    CHECK(sol_format_find("nope") == NULL);
    const char *misp = "{\"Event\": {\"info\": \"x\"}}";
    CHECK_STR(sol_format_detect("a.json", misp, strlen(misp))->name, "misp");
    const char *stix = "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": []}";
    CHECK_STR(sol_format_detect("a.json", stix, strlen(stix))->name, "stix");
    const char *list = "# a list\nevil.example\n";
    CHECK_STR(sol_format_detect("a.txt", list, strlen(list))->name, "list");
    const char *csv = "# exported\ndomain,comment\nevil.example,x\n";
    CHECK_STR(sol_format_detect("a.txt", csv, strlen(csv))->name, "csv");
    const char *wlist = "{\"name\": \"x\", \"description\": \"y\", \"list\": []}";
    CHECK_STR(sol_format_detect("a.json", wlist, strlen(wlist))->name, "warninglist");
}

int
main(void)
{
    RUN(test_refang);
    RUN(test_detect);
    RUN(test_atoms);
    RUN(test_warninglists);
    RUN(test_table);
    return harness_done();
}
