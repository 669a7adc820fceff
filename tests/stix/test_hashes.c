/*
 * test_hashes.c — the one table of hash algorithms (stix/stix.h) and the three doors that
 * read it: the validator (hashes dictionaries), the pattern checker (hash constants) and
 * the scan engine (canonical names). For every algorithm and a set of good and bad
 * values, the validator and the pattern checker must agree on what is a valid hash.
 */
#include <string.h>

#include "harness.h"
#include "match/match.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/stix.h"
#include "stix/stix.h"

#define S(lit) ((struct sol_str){lit, sizeof lit - 1})

/* STIX 2.1 §10.7 as the specification lists it, and the digests' lengths. */
static void
test_vocabulary(void)
{
    static const struct {
        const char *name;
        size_t hex;
    } want[] = {{"MD5", 32},      {"SHA-1", 40},     {"SHA-256", 64}, {"SHA-512", 128},
                {"SHA3-256", 64}, {"SHA3-512", 128}, {"SSDEEP", 0},   {"TLSH", 0}};
    size_t n21 = 0;
    for (int a = 1; a < SOL__HASH_COUNT; a++)
        if (sol__hash_algs[a].in_21) {
            CHECK(n21 < 8);
            if (n21 < 8) {
                CHECK_STR(sol__hash_algs[a].name, want[n21].name);
                CHECK_INT(sol__hash_algs[a].hex, want[n21].hex);
            }
            n21++;
        }
    CHECK_INT(n21, 8);
    CHECK_STR(sol__hash_algs[SOL__HASH_SSDEEP].name_20, "ssdeep");
    CHECK(sol__hash_algs[SOL__HASH_TLSH].name_20 == NULL);
    CHECK(!sol__hash_algs[SOL__HASH_RIPEMD_160].in_21);
    CHECK_INT(sol__hash_algs[SOL__HASH_SHA3_384].hex, 96);
}

static void
test_lookups(void)
{
    CHECK_INT(sol__hash_alg_exact(S("SHA-256")), SOL__HASH_SHA_256);
    CHECK_INT(sol__hash_alg_exact(S("sha-256")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_exact(S("ssdeep")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_exact(S("WHIRLPOOL")), SOL__HASH_WHIRLPOOL);
    CHECK_INT(sol__hash_alg_exact_20(S("ssdeep")), SOL__HASH_SSDEEP);
    CHECK_INT(sol__hash_alg_exact_20(S("TLSH")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_loose(S("sha256")), SOL__HASH_SHA_256);
    CHECK_INT(sol__hash_alg_loose(S("SHA_256")), SOL__HASH_SHA_256);
    CHECK_INT(sol__hash_alg_loose(S("SHA2-256")), SOL__HASH_SHA_256);
    CHECK_INT(sol__hash_alg_loose(S("sha3-256")), SOL__HASH_SHA3_256);
    CHECK_INT(sol__hash_alg_loose(S("Ssdeep")), SOL__HASH_SSDEEP);
    CHECK_INT(sol__hash_alg_loose(S("ripemd160")), SOL__HASH_RIPEMD_160);
    CHECK_INT(sol__hash_alg_loose(S("SHA")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_loose(S("SHA-2566")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_loose(S("--")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_loose(S("")), SOL__HASH_NONE);
    CHECK_INT(sol__hash_alg_of_hex_len(32), SOL__HASH_MD5);
    CHECK_INT(sol__hash_alg_of_hex_len(40), SOL__HASH_SHA_1);
    CHECK_INT(sol__hash_alg_of_hex_len(64), SOL__HASH_SHA_256);
    CHECK_INT(sol__hash_alg_of_hex_len(128), SOL__HASH_SHA_512);
    CHECK_INT(sol__hash_alg_of_hex_len(56), SOL__HASH_NONE); /* SHA-224 is not in 2.1 */
    CHECK_INT(sol__hash_alg_of_hex_len(0), SOL__HASH_NONE);
    /* the scan engine's canonical names come from the same table */
    CHECK_STR(sol__mhash_canonical("'sha-256'", 9), "SHA-256");
    CHECK_STR(sol__mhash_canonical("SHA2512", 7), "SHA-512");
    CHECK_STR(sol__mhash_canonical("sha 1", 5), "SHA-1");
    CHECK(sol__mhash_canonical("sha", 3) == NULL);
}

static void
test_values(void)
{
    CHECK(sol__hash_value_ok(SOL__HASH_MD5, S("d41d8cd98f00b204e9800998ecf8427e")));
    CHECK(sol__hash_value_ok(SOL__HASH_MD5, S("D41D8CD98F00B204E9800998ECF8427E")));
    CHECK(!sol__hash_value_ok(SOL__HASH_MD5, S("d41d8cd98f00b204e9800998ecf8427")));
    CHECK(!sol__hash_value_ok(SOL__HASH_MD5, S("g41d8cd98f00b204e9800998ecf8427e")));
    CHECK(sol__hash_value_ok(SOL__HASH_SSDEEP, S("3::")));
    CHECK(sol__hash_value_ok(SOL__HASH_SSDEEP, S("96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/"
                                                 "wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO")));
    CHECK(!sol__hash_value_ok(SOL__HASH_SSDEEP, S("3:abc")));
    CHECK(!sol__hash_value_ok(SOL__HASH_SSDEEP, S("3:a:b:c")));
    CHECK(!sol__hash_value_ok(SOL__HASH_SSDEEP, S(":a:b")));
    CHECK(!sol__hash_value_ok(SOL__HASH_SSDEEP, S("3:a=:b")));
    CHECK(sol__hash_value_ok(SOL__HASH_TLSH, S("T1"
                                               "0123456789012345678901234567890123456789"
                                               "012345678901234567890123456789")));
    CHECK(!sol__hash_value_ok(SOL__HASH_TLSH, S("T2"
                                                "0123456789012345678901234567890123456789"
                                                "012345678901234567890123456789")));
    CHECK(sol__hash_value_ok(SOL__HASH_MD6, S("anything")));
    CHECK(sol__hash_value_ok(SOL__HASH_NONE, S("anything")));
}

/* Whether the validator finds an error in a file whose hashes has alg: value. */
static bool
validator_refuses(struct sol_json_doc *doc, const char *alg, const char *value)
{
    char text[600];
    snprintf(text, sizeof text,
             "{\"type\":\"file\",\"spec_version\":\"2.1\",\"id\":\"file--"
             "78981e30-d204-5457-93c9-f7438ac0326a\",\"hashes\":{\"%s\":\"%s\"}}",
             alg, value);
    const struct sol_json *obj = NULL;
    struct sol_error err;
    if (sol_json_parse(doc, text, strlen(text), &obj, &err) != 0) {
        HARNESS_FAIL("cannot parse %s", text);
        return false;
    }
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    sol_stix_validate_object(obj, NULL, "", &rep);
    bool refused = rep.errors > 0;
    sol_stix_report_free(&rep);
    return refused;
}

/* Whether the pattern checker refuses [file:hashes.'alg' = 'value']. */
static bool
pattern_refuses(const char *alg, const char *value)
{
    char text[600];
    snprintf(text, sizeof text, "[file:hashes.'%s' = '%s']", alg, value);
    struct sol_pattern *p = NULL;
    struct sol_error err;
    int rc = sol_pattern_parse(text, strlen(text), NULL, &p, &err);
    sol_pattern_free(p);
    return rc != 0;
}

/* The two doors agree on every algorithm of 2.1's vocabulary, spelled as it spells them. */
static void
test_doors_agree(void)
{
    static const char *const values[] = {
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2"
        "877eec2f63b931bd47417a81a538327af927da3e",
        "3::",
        "3:abc",
        "T1012345678901234567890123456789012345678901234567890123456789012345678",
        "0123456789012345678901234567890123456789012345678901234567890123456789",
        "not a hash",
    };
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    for (int a = 1; a < SOL__HASH_COUNT; a++) {
        if (!sol__hash_algs[a].in_21)
            continue;
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            bool v = validator_refuses(doc, sol__hash_algs[a].name, values[i]);
            bool p = pattern_refuses(sol__hash_algs[a].name, values[i]);
            bool t = !sol__hash_value_ok((enum sol__hash_alg)a, sol_str_c(values[i]));
            if (v != t || p != t)
                HARNESS_FAIL("%s '%s': table %s, validator %s, pattern %s", sol__hash_algs[a].name,
                             values[i], t ? "refuses" : "accepts", v ? "refuses" : "accepts",
                             p ? "refuses" : "accepts");
        }
    }
    sol_json_doc_free(doc);
}

int
main(void)
{
    RUN(test_vocabulary);
    RUN(test_lookups);
    RUN(test_values);
    RUN(test_doors_agree);
    return harness_done();
}
