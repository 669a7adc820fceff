/*
 * test_tables.c — the matcher's building blocks: value normalisation, the exact-value
 * table (against a plain list), and the prefix tables (against a linear scan).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "match/match.h"
#include "solidarity/alloc.h"

static void
test_hash_names(void)
{
    CHECK_STR(sol__mhash_canonical("SHA-256", 7), "SHA-256");
    CHECK_STR(sol__mhash_canonical("SHA256", 6), "SHA-256");
    CHECK_STR(sol__mhash_canonical("sha256", 6), "SHA-256");
    CHECK_STR(sol__mhash_canonical("'SHA-1'", 7), "SHA-1");
    CHECK_STR(sol__mhash_canonical("sha3-256", 8), "SHA3-256");
    CHECK_STR(sol__mhash_canonical("md5", 3), "MD5");
    CHECK_STR(sol__mhash_canonical("ssdeep", 6), "SSDEEP");
    CHECK(sol__mhash_canonical("CRC32", 5) == NULL);
}

static int
norm(enum sol__mnorm k, const char *s, uint8_t *out)
{
    return sol__mnorm_value(k, s, strlen(s), out, 256);
}

static void
test_normalise(void)
{
    uint8_t a[256], b[256];
    int n = norm(SOL__MNORM_DOMAIN, "Evil.Example.COM.", a);
    CHECK_INT(n, 16);
    CHECK(memcmp(a, "evil.example.com", 16) == 0);
    CHECK_INT(norm(SOL__MNORM_IP, "10.1.2.3", a), 4);
    CHECK(a[0] == 10 && a[3] == 3);
    CHECK_INT(norm(SOL__MNORM_IP, "10.1.2.256", a), -1);
    CHECK_INT(norm(SOL__MNORM_IP, "10.1.2.3/24", a), -1);
    CHECK_INT(norm(SOL__MNORM_IP, "2001:DB8::1", a), 16);
    CHECK_INT(norm(SOL__MNORM_IP, "2001:db8:0:0:0:0:0:1", b), 16);
    CHECK(memcmp(a, b, 16) == 0);
    CHECK_INT(norm(SOL__MNORM_IP, "::ffff:1.2.3.4", a), 16);
    CHECK(a[10] == 0xff && a[12] == 1 && a[15] == 4);
    CHECK_INT(norm(SOL__MNORM_IP, "1:2:3:4:5:6:7:8:9", a), -1);
    CHECK_INT(norm(SOL__MNORM_HASH, "D41D8CD98F00B204E9800998ECF8427E", a), 17);
    CHECK_INT(norm(SOL__MNORM_HASH, "d41d8cd98f00b204e9800998ecf8427e", b), 17);
    CHECK(memcmp(a, b, 17) == 0);
    CHECK_INT(sol__mnorm_of("file", 4, "hashes.SHA-256", 14), SOL__MNORM_HASH);
    CHECK_INT(sol__mnorm_of("domain-name", 11, "value", 5), SOL__MNORM_DOMAIN);
    CHECK_INT(sol__mnorm_of("url", 3, "value", 5), SOL__MNORM_PLAIN);
}

static void
test_like(void)
{
    CHECK(sol__mlike("résumé.pdf", strlen("résumé.pdf"), "r_sum_.pdf", 10));
    CHECK(sol__mlike("a.evil.com", 10, "%.evil.com", 10));
    CHECK(!sol__mlike("evil.com", 8, "%.evil.com", 10));
    CHECK(sol__mlike("", 0, "%", 1));
    CHECK(!sol__mlike("abc", 3, "ab", 2));
    CHECK(sol__mlike("abcbc", 5, "a%bc", 4));
}

static void
test_exact_table(void)
{
    struct sol__mexact t;
    sol__mexact_init(&t);
    static const uint64_t space_hash[3] = {1000, 1001, 1002};
    t.space_hash = space_hash;
    enum { N = 50000 };
    char key[32];
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "host%u.example", i);
        CHECK_INT(sol__mexact_add(&t, (uint16_t)(i % 3), 1000 + i % 3, (const uint8_t *)key,
                                  (size_t)n, i),
                  0);
    }
    /* A second target for one key. */
    CHECK_INT(sol__mexact_add(&t, 0, 1000, (const uint8_t *)"host0.example", 13, 777777), 0);
    CHECK_INT(sol__mexact_add(&t, 0, 1000, (const uint8_t *)"host0.example", 13, 888888), 0);
    int bad = 0;
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "host%u.example", i);
        const uint32_t *tg;
        uint32_t one;
        size_t k = sol__mexact_find(&t, (uint16_t)(i % 3), 1000 + i % 3, (const uint8_t *)key,
                                    (size_t)n, &tg, &one);
        if (i == 0) {
            CHECK_INT(k, 3);
            CHECK(k == 3 && tg[0] == 0 && tg[1] == 777777 && tg[2] == 888888);
        } else if (k != 1 || tg[0] != i) {
            bad++;
        }
        /* The same bytes in another space are not the same key. */
        k = sol__mexact_find(&t, (uint16_t)((i + 1) % 3), 1000 + (i + 1) % 3,
                             (const uint8_t *)key, (size_t)n, &tg, &one);
        if (k != 0)
            bad++;
    }
    CHECK_INT(bad, 0);
    const uint32_t *tg;
    uint32_t one;
    CHECK_INT(sol__mexact_find(&t, 0, 1000, (const uint8_t *)"nothere", 7, &tg, &one), 0);
    /* With the filter: every key still found, and most absent ones stopped by it. */
    CHECK_INT(sol__mexact_build_bloom(&t), 0);
    int lost = 0;
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "host%u.example", i);
        if (sol__mexact_find(&t, (uint16_t)(i % 3), 1000 + i % 3, (const uint8_t *)key,
                             (size_t)n, &tg, &one) == 0)
            lost++;
    }
    CHECK_INT(lost, 0);
    CHECK_INT(sol__mexact_find(&t, 0, 1000, (const uint8_t *)"nothere", 7, &tg, &one), 0);
    sol__mexact_free(&t);
}

struct collect {
    uint32_t got[64];
    size_t n;
};

static void
collect_fn(void *ud, uint32_t target, unsigned len)
{
    (void)len;
    struct collect *c = ud;
    if (c->n < 64)
        c->got[c->n++] = target;
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void
test_lpm_against_linear(void)
{
    struct sol__mlpm t;
    sol__mlpm_init(&t, false);
    enum { P = 3000 };
    static uint32_t net[P];
    static unsigned plen[P];
    srand(7);
    for (uint32_t i = 0; i < P; i++) {
        unsigned len = 12 + (unsigned)(rand() % 21);
        if (i % 4 == 0)
            len = 8 + (unsigned)(rand() % 4); /* nested networks */
        if (i == 5)
            len = 0;
        uint32_t a = (uint32_t)rand() << 1 ^ (uint32_t)rand();
        a &= 0x0fffffffu; /* crowd them together so they overlap */
        if (i % 10 == 0)
            a = net[i / 2]; /* duplicates and nesting */
        uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
        net[i] = a & mask;
        plen[i] = len;
        uint8_t b[16] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
        CHECK_INT(sol__mlpm_add(&t, b, len, i), 0);
    }
    CHECK_INT(sol__mlpm_build(&t), 0);
    int bad = 0;
    for (int q = 0; q < 20000; q++) {
        uint32_t a = (uint32_t)rand() << 1 ^ (uint32_t)rand();
        if (q % 2)
            a &= 0x0fffffffu;
        if (q % 5 == 0)
            a = net[(size_t)rand() % P] + (uint32_t)(rand() % 3);
        uint8_t b[16] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
        struct collect c = {.n = 0};
        sol__mlpm_lookup(&t, b, 32, collect_fn, &c);
        uint32_t want[P];
        size_t nw = 0;
        for (uint32_t i = 0; i < P; i++) {
            uint32_t mask = plen[i] ? 0xffffffffu << (32 - plen[i]) : 0;
            if ((a & mask) == net[i])
                want[nw++] = i;
        }
        qsort(c.got, c.n, sizeof c.got[0], cmp_u32);
        if (nw > 64)
            nw = 64;
        if (c.n != nw || memcmp(c.got, want, nw * sizeof want[0]) != 0) {
            if (bad++ < 3)
                printf("# address %08x: %zu found, %zu expected\n", a, c.n, nw);
        }
    }
    CHECK_INT(bad, 0);
    sol__mlpm_free(&t);
}

static void
test_lpm_v6(void)
{
    struct sol__mlpm t;
    sol__mlpm_init(&t, true);
    uint8_t a[16];
    bool v6, has;
    unsigned len;
    CHECK_INT(sol__mip_parse("2001:db8::/32", 13, a, &v6, &len, &has), 0);
    CHECK(v6 && has && len == 32);
    CHECK_INT(sol__mlpm_add(&t, a, len, 1), 0);
    CHECK_INT(sol__mip_parse("2001:db8:dead:beef::/64", 23, a, &v6, &len, &has), 0);
    CHECK_INT(sol__mlpm_add(&t, a, len, 2), 0);
    CHECK_INT(sol__mlpm_add(&t, a, 0, 3), 0); /* ::/0 */
    CHECK_INT(sol__mlpm_build(&t), 0);
    struct collect c = {.n = 0};
    CHECK_INT(sol__mip_parse("2001:db8:dead:beef::1", 21, a, &v6, &len, &has), 0);
    sol__mlpm_lookup(&t, a, 128, collect_fn, &c);
    CHECK_INT(c.n, 3);
    CHECK(c.got[0] == 2 && c.got[1] == 1 && c.got[2] == 3);
    c.n = 0;
    sol__mlpm_lookup(&t, a, 40, collect_fn, &c); /* an observed /40 is inside the /32 only */
    CHECK_INT(c.n, 2);
    c.n = 0;
    CHECK_INT(sol__mip_parse("2001:db9::1", 11, a, &v6, &len, &has), 0);
    sol__mlpm_lookup(&t, a, 128, collect_fn, &c);
    CHECK_INT(c.n, 1);
    sol__mlpm_free(&t);
}

int
main(void)
{
    RUN(test_hash_names);
    RUN(test_normalise);
    RUN(test_like);
    RUN(test_exact_table);
    RUN(test_lpm_against_linear);
    RUN(test_lpm_v6);
    return harness_done();
}
