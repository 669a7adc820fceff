/*
 * test_pattern_api.c — the pattern API beyond the case files: hostile inputs and
 * limits, allocation failures, the evaluation budget, the tree handed to the scan
 * engine, and observation sets built from JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/stix.h"
#include "solidarity/util.h"

static int
parse(const char *s, size_t n, const struct sol_pattern_options *o, struct sol_error *err)
{
    struct sol_pattern *p = NULL;
    int rc = sol_pattern_parse(s, n, o, &p, err);
    sol_pattern_free(p);
    return rc;
}

static void
test_deep_nesting(void)
{
    size_t n = 60000;
    char *s = malloc(n + 1);
    memset(s, '(', n);
    s[n] = '\0';
    struct sol_error err = {0};
    CHECK_INT(parse(s, n, NULL, &err), SOL_ELIMIT);
    CHECK_INT(err.column, 65);
    CHECK_STR(err.msg, "brackets and parentheses nest deeper than the limit of 64");
    /* Inside brackets too. */
    s[0] = '[';
    CHECK_INT(parse(s, n, NULL, &err), SOL_ELIMIT);
    CHECK_INT(err.column, 65);
    free(s);

    struct sol_pattern_options o = {0};
    o.max_depth = 2;
    CHECK_INT(parse("(([a:b = 1]))", 13, &o, &err), SOL_ELIMIT);
    CHECK_INT(err.column, 3);
    CHECK_INT(parse("([a:b = 1])", 11, &o, &err), 0);
}

static void
test_length_limit(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_puts(&b, "[a:b = '");
    while (b.n < 70000)
        sol_buf_puts(&b, "xxxxxxxxxx");
    sol_buf_puts(&b, "']");
    struct sol_error err = {0};
    CHECK_INT(parse(b.p, b.n, NULL, &err), SOL_ELIMIT);
    CHECK_INT(err.column, 0);
    CHECK(strstr(err.msg, "more than the limit of 65536") != NULL);
    struct sol_pattern_options o = {0};
    o.max_length = 1 << 20;
    CHECK_INT(parse(b.p, b.n, &o, &err), 0);
    sol_buf_free(&b);
}

/* Long chains are n-ary nodes: parsing and evaluating them is linear. */
static void
test_long_chains(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_puts(&b, "[a:b = 0");
    for (int i = 1; i < 4000; i++)
        sol_buf_printf(&b, " OR a:b = %d", i);
    sol_buf_puts(&b, "]");
    for (int i = 0; i < 300; i++)
        sol_buf_printf(&b, " OR [a:c = %d]", i);
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    clock_t t0 = clock();
    CHECK_INT(sol_pattern_parse(b.p, b.n, NULL, &p, &err), 0);
    if (p) {
        const struct sol_pattern_obs *root = sol_pattern_root(p);
        CHECK_INT(root->kind, SOL_POBS_OR);
        CHECK_INT(root->nkids, 301);
        CHECK_INT(root->kids[0]->kind, SOL_POBS_BRACKET);
        CHECK_INT(root->kids[0]->cmp->kind, SOL_PCMP_OR);
        CHECK_INT(root->kids[0]->cmp->nkids, 4000);
        CHECK_INT(root->kids[300]->bracket_index, 300);
    }
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    sol_pattern_free(p);
    sol_buf_free(&b);
}

static void
test_in_list_limit(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_puts(&b, "[a:b IN (0");
    for (int i = 1; i < 5000; i++)
        sol_buf_printf(&b, ",%d", i);
    sol_buf_puts(&b, ")]");
    struct sol_error err = {0};
    CHECK_INT(parse(b.p, b.n, NULL, &err), SOL_ELIMIT);
    CHECK_STR(err.msg, "an IN list has more than the limit of 4096 constants");
    struct sol_pattern_options o = {0};
    o.max_list = 10000;
    CHECK_INT(parse(b.p, b.n, &o, &err), 0);
    sol_buf_free(&b);
}

static void
test_odd_bytes(void)
{
    struct sol_error err = {0};
    CHECK_INT(parse(NULL, 0, NULL, &err), SOL_ESYNTAX);
    CHECK_INT(err.column, 1);
    CHECK_STR(err.msg, "expected '[' to start an observation expression");
    CHECK_INT(parse("[a:b = '\xff']", 12, NULL, &err), SOL_ESYNTAX);
    CHECK_INT(err.column, 9);
    CHECK_STR(err.msg, "invalid UTF-8: a pattern is Unicode text (§9.4)");
    /* A NUL inside a string is a code point like any other. */
    static const char nul[] = "[a:b = 'x\0y']";
    struct sol_pattern *p = NULL;
    CHECK_INT(sol_pattern_parse(nul, sizeof nul - 1, NULL, &p, &err), 0);
    if (p) {
        const struct sol_pattern_cmp *c = sol_pattern_root(p)->cmp;
        CHECK_INT(c->value.bytes.n, 3);
        CHECK(memcmp(c->value.bytes.p, "x\0y", 3) == 0);
    }
    sol_pattern_free(p);
    CHECK_INT(parse("[a:b = 1]\0", 10, NULL, &err), SOL_ESYNTAX);
    CHECK_STR(err.msg, "unexpected control character 0x00");
    /* NBSP and other Unicode white space separate tokens (§9.4). */
    const char *ws = "[a:b\xc2\xa0=\xe2\x80\x83"
                     "1]";
    CHECK_INT(parse(ws, strlen(ws), NULL, &err), 0);
    /* Line feeds and carriage returns are white space like any other (§9.4). */
    const char *lines = "[\n  file:name\r\n    =\n  'x'\n]\r\nAND\t[file:size = 1]\n";
    CHECK_INT(parse(lines, strlen(lines), NULL, &err), 0);
    const char *bad = "[file:name = 'x'\n  OR\n  file:size ! 1]";
    CHECK_INT(parse(bad, strlen(bad), NULL, &err), SOL_ESYNTAX);
    CHECK_INT(err.column, 35); /* columns count bytes from the start, lines included */
    CHECK_STR(err.msg, "expected '=' after '!'");
    /* NFC (with ICU): e + U+0301 composes to U+00E9; ASCII passes through. */
    struct sol_buf nb;
    sol_buf_init(&nb);
    const char *decomposed = "cafe\xcc\x81";
    int nrc = sol_pattern_nfc(decomposed, strlen(decomposed), &nb);
    if (nrc == SOL_EUNSUPPORTED) {
        CHECK_STRN(nb.p, nb.n, "cafe\xcc\x81");
    } else {
        CHECK_INT(nrc, 0);
        CHECK_STRN(nb.p, nb.n, "caf\xc3\xa9");
    }
    sol_buf_reset(&nb);
    CHECK_INT(sol_pattern_nfc("plain", 5, &nb), 0);
    CHECK_STRN(nb.p, nb.n, "plain");
    sol_buf_free(&nb);
    struct sol_pattern_options o = {0};
    o.stix_version = 22;
    CHECK_INT(parse("[a:b = 1]", 9, &o, &err), SOL_EINVAL);
}

/* The tree the scan engine compiles: one pattern walked by hand. */
static void
test_tree(void)
{
    const char *s = "([file:hashes.'SHA-256' = h'00ff' AND file:size IN (1, 2)] FOLLOWEDBY "
                    "[network-traffic:protocols[*] NOT LIKE 'x%']) WITHIN 2.5 SECONDS";
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    /* The tree owns its strings: the text may go away after parsing. */
    char *text = strdup(s);
    CHECK_INT(sol_pattern_parse(text, strlen(text), NULL, &p, &err), 0);
    memset(text, 'Z', strlen(text));
    free(text);
    if (!p)
        return;
    const struct sol_pattern_obs *w = sol_pattern_root(p);
    CHECK_INT(w->kind, SOL_POBS_WITHIN);
    CHECK_INT(w->within_us, 2500000);
    const struct sol_pattern_obs *fb = w->kids[0];
    CHECK_INT(fb->kind, SOL_POBS_FOLLOWEDBY);
    CHECK_INT(fb->nkids, 2);
    const struct sol_pattern_cmp *and = fb->kids[0]->cmp;
    CHECK_INT(and->kind, SOL_PCMP_AND);
    const struct sol_pattern_cmp *hash = and->kids[0];
    CHECK_INT(hash->op, SOL_POP_EQ);
    CHECK_STRN(hash->path.object_type.p, hash->path.object_type.n, "file");
    CHECK_INT(hash->path.nsteps, 2);
    CHECK_STRN(hash->path.steps[1].key.p, hash->path.steps[1].key.n, "SHA-256");
    CHECK_INT(hash->value.kind, SOL_PCONST_HEX);
    CHECK_INT(hash->value.bytes.n, 2);
    CHECK_INT((unsigned char)hash->value.bytes.p[1], 0xff);
    const struct sol_pattern_cmp *in = and->kids[1];
    CHECK_INT(in->value.kind, SOL_PCONST_LIST);
    CHECK_INT(in->value.nitems, 2);
    CHECK_INT(in->value.items[1].i, 2);
    const struct sol_pattern_cmp *like = fb->kids[1]->cmp;
    CHECK(like->negated);
    CHECK_INT(like->op, SOL_POP_LIKE);
    CHECK_INT(like->path.steps[1].kind, SOL_PSTEP_ANY);
    CHECK_INT(like->column, 72);
    CHECK_INT(fb->kids[1]->bracket_index, 1);
    CHECK_INT(sol_pattern_stix_version(p), 21);
    sol_pattern_free(p);
}

/* Every allocation failing in turn: clean errors, no leaks (ASan checks). */
static void
test_alloc_failures(void)
{
    const char *s = "([a:b MATCHES '^x' AND a:c IN ('a','b')] FOLLOWEDBY [a:d = 'x' OR a:e < 2] "
                    "REPEATS 2 TIMES) WITHIN 5 SECONDS";
    int ok = 0;
    for (long i = 0; i < 500 && !ok; i++) {
        sol_alloc_fail_after(i);
        struct sol_pattern *p = NULL;
        struct sol_error err = {0};
        int rc = sol_pattern_parse(s, strlen(s), NULL, &p, &err);
        sol_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            sol_pattern_free(p);
        } else {
            CHECK_INT(rc, SOL_ENOMEM);
            CHECK(p == NULL);
        }
    }
    CHECK(ok);

    /* The evaluator and the observation set, allocation by allocation. */
    const char *js = "[{\"type\":\"observed-data\",\"id\":\"o1\",\"first_observed\":"
                     "\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:00Z\","
                     "\"number_observed\":2,\"objects\":{\"0\":{\"type\":\"a\",\"b\":\"x\","
                     "\"c\":\"a\",\"e\":1,\"d\":\"x\"}}}]";
    const char *ps = "([a:b MATCHES '^x' AND a:c IN ('a','b')] FOLLOWEDBY [a:d = 'x' OR a:e < 2]) "
                     "WITHIN 5 SECONDS";
    ok = 0;
    for (long i = 0; i < 500 && !ok; i++) {
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root = NULL;
        struct sol_error err = {0};
        struct sol_pattern *p = NULL;
        sol_json_parse(doc, js, strlen(js), &root, &err);
        sol_pattern_parse(ps, strlen(ps), NULL, &p, &err);
        sol_alloc_fail_after(i);
        struct sol_observation_set *set = sol_observation_set_new();
        int rc = set ? sol_observation_set_add_json(set, root, &err) : SOL_ENOMEM;
        if (!rc)
            rc = sol_observation_set_finish(set, &err);
        struct sol_pattern_result res = {0};
        if (!rc) {
            size_t n;
            const struct sol_observation *obs = sol_observation_set_items(set, &n);
            rc = sol_pattern_match(p, obs, n, NULL, &res, &err);
        }
        sol_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            CHECK(res.matched);
        } else {
            CHECK_INT(rc, SOL_ENOMEM);
            CHECK(!res.matched);
        }
        sol_pattern_result_free(&res);
        sol_observation_set_free(set);
        sol_pattern_free(p);
        sol_json_doc_free(doc);
    }
    CHECK(ok);
}

static const char *obs_json =
    "[{\"type\":\"observed-data\",\"id\":\"od1\",\"first_observed\":\"2020-01-01T00:00:00Z\","
    "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,"
    "\"objects\":{\"0\":{\"type\":\"a\",\"x\":1,\"y\":1}}}]";

static void
test_eval_budget(void)
{
    /* Nine brackets that each match the nine observations, but a tenth needs one of
     * them too: the search must try the assignments, and the budget stops it. */
    struct sol_buf js, pat;
    sol_buf_init(&js);
    sol_buf_init(&pat);
    sol_buf_putc(&js, '[');
    for (int i = 0; i < 9; i++)
        sol_buf_printf(&js,
                       "%s{\"type\":\"observed-data\",\"id\":\"od%d\",\"first_observed\":"
                       "\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:00Z\","
                       "\"number_observed\":1,\"objects\":{\"0\":{\"type\":\"a\",\"x\":1%s}}}",
                       i ? "," : "", i, i == 0 ? ",\"y\":1" : "");
    sol_buf_putc(&js, ']');
    for (int i = 0; i < 9; i++)
        sol_buf_puts(&pat, "[a:x = 1] AND ");
    sol_buf_puts(&pat, "[a:y = 1]");
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err = {0};
    CHECK_INT(sol_json_parse(doc, js.p, js.n, &root, &err), 0);
    struct sol_observation_set *set = sol_observation_set_new();
    CHECK_INT(sol_observation_set_add_json(set, root, &err), 0);
    CHECK_INT(sol_observation_set_finish(set, &err), 0);
    size_t n = 0;
    const struct sol_observation *obs = sol_observation_set_items(set, &n);
    CHECK_INT(n, 9);
    struct sol_pattern *p = NULL;
    CHECK_INT(sol_pattern_parse(pat.p, pat.n, NULL, &p, &err), 0);
    struct sol_pattern_match_options mo = {0};
    mo.max_steps = 100000;
    struct sol_pattern_result res = {0};
    CHECK_INT(sol_pattern_match(p, obs, n, &mo, &res, &err), SOL_ELIMIT);
    CHECK(!res.matched);
    CHECK_STR(err.msg, "the evaluation took more than 100000 search steps; giving up");
    sol_pattern_result_free(&res);
    sol_pattern_free(p);
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
    sol_buf_free(&js);
    sol_buf_free(&pat);
}

/* A REPEATS that cannot be met fails at once, not after trying combinations. */
static void
test_repeats_fast_fail(void)
{
    struct sol_buf js;
    sol_buf_init(&js);
    sol_buf_putc(&js, '[');
    for (int i = 0; i < 999; i++)
        sol_buf_printf(&js,
                       "%s{\"type\":\"observed-data\",\"id\":\"od%d\",\"first_observed\":"
                       "\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:00Z\","
                       "\"number_observed\":1,\"objects\":{\"0\":{\"type\":\"a\",\"x\":1}}}",
                       i ? "," : "", i);
    sol_buf_putc(&js, ']');
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err = {0};
    CHECK_INT(sol_json_parse(doc, js.p, js.n, &root, &err), 0);
    struct sol_observation_set *set = sol_observation_set_new();
    sol_observation_set_add_json(set, root, &err);
    sol_observation_set_finish(set, &err);
    size_t n = 0;
    const struct sol_observation *obs = sol_observation_set_items(set, &n);
    struct sol_pattern *p = NULL;
    const char *s1 = "[a:x = 1] REPEATS 1000 TIMES";
    CHECK_INT(sol_pattern_parse(s1, strlen(s1), NULL, &p, &err), 0);
    struct sol_pattern_result res = {0};
    CHECK_INT(sol_pattern_match(p, obs, n, NULL, &res, &err), 0);
    CHECK(!res.matched);
    CHECK(res.steps < 10000);
    sol_pattern_result_free(&res);
    sol_pattern_free(p);
    const char *s2 = "[a:x = 1] REPEATS 999 TIMES";
    CHECK_INT(sol_pattern_parse(s2, strlen(s2), NULL, &p, &err), 0);
    CHECK_INT(sol_pattern_match(p, obs, n, NULL, &res, &err), 0);
    CHECK(res.matched);
    CHECK_INT(res.nobs, 999);
    sol_pattern_result_free(&res);
    sol_pattern_free(p);
    /* WITHIN over many observations that each match alone stays linear. */
    const char *s3 = "[a:x = 1] WITHIN 10 SECONDS";
    CHECK_INT(sol_pattern_parse(s3, strlen(s3), NULL, &p, &err), 0);
    CHECK_INT(sol_pattern_match(p, obs, n, NULL, &res, &err), 0);
    CHECK_INT(res.nobs, 999);
    CHECK(res.steps < 20000);
    sol_pattern_result_free(&res);
    sol_pattern_free(p);
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
    sol_buf_free(&js);
}

/*
 * Observed-data that `validate` refuses is refused when added, with the validator's own
 * path and message (stix.h, sol_stix_validate_observation()).
 */
static void
test_observation_errors(void)
{
#define OD "{\"type\":\"observed-data\",\"id\":\"observed-data--x\","
#define TIMES                                                                                      \
    "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:00Z\","
    const char *cases[][3] = {
        {"{\"type\":\"bundle\",\"objects\":[{\"type\":\"observed-data\",\"id\":\"x\"}]}",
         "objects[0].first_observed", "required property missing"},
        {"[" OD "\"first_observed\":\"2020-01-01T00:00:00Z\","
         "\"last_observed\":\"2019-01-01T00:00:00Z\",\"number_observed\":1,\"object_refs\":[]}]",
         "[0].last_observed", "must be later than or equal to first_observed (§4.14.1)"},
        {"[" OD TIMES "\"number_observed\":0,\"objects\":{}}]", "[0].number_observed",
         "value must be between 1 and 999999999 (§4.14)"},
        {"[" OD TIMES "\"objects\":{}}]", "[0].number_observed", "required property missing"},
        /* Both containers: the case; validate says the same. */
        {"[" OD TIMES "\"number_observed\":1,\"objects\":{},\"object_refs\":[\"file--1\"]}]", "[0]",
         "objects and object_refs must not both be present (§4.14)"},
        {"[" OD TIMES "\"number_observed\":1}]", "[0]",
         "one of objects or object_refs must be present (§4.14)"},
        /* Timestamps as STIX writes them: a date alone, an offset, a number. */
        {OD "\"first_observed\":\"2020-01-01\",\"last_observed\":\"2020-01-01T00:00:00Z\","
            "\"number_observed\":1,\"object_refs\":[]}",
         "first_observed",
         "'2020-01-01' is not a valid timestamp: expected 'T' between the date and the time "
         "(§2.16)"},
        {OD "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
            "\"2020-01-01T01:00:00+01:00\",\"number_observed\":1,\"object_refs\":[]}",
         "last_observed",
         "'2020-01-01T01:00:00+01:00' is not a valid timestamp: expected 'Z': timestamps must "
         "be in UTC (§2.16)"},
        {OD "\"first_observed\":1577836800,\"last_observed\":\"2020-01-01T00:00:00Z\","
            "\"number_observed\":1,\"object_refs\":[]}",
         "first_observed", "expected a timestamp string, found integer"},
    };
#undef OD
#undef TIMES
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root = NULL;
        struct sol_error err = {0};
        CHECK_INT(sol_json_parse(doc, cases[i][0], strlen(cases[i][0]), &root, &err), 0);
        struct sol_observation_set *set = sol_observation_set_new();
        CHECK_INT(sol_observation_set_add_json(set, root, &err), SOL_EINVALID);
        CHECK_STR(err.path, cases[i][1]);
        CHECK_STR(err.msg, cases[i][2]);
        /* validate refuses the same object for the same reason. */
        struct sol_stix_report rep;
        sol_stix_report_init(&rep);
        sol_stix_validate_document(root, NULL, &rep);
        bool same = false;
        for (size_t k = 0; k < rep.n; k++)
            same = same ||
                   (rep.v[k].severity == SOL_STIX_ERROR && strcmp(rep.v[k].msg, cases[i][2]) == 0);
        if (!same)
            HARNESS_FAIL("validate does not say '%s' of %s", cases[i][2], cases[i][0]);
        sol_stix_report_free(&rep);
        sol_observation_set_free(set);
        sol_json_doc_free(doc);
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err = {0};
    CHECK_INT(sol_json_parse(doc, "42", 2, &root, &err), 0);
    struct sol_observation_set *set = sol_observation_set_new();
    CHECK_INT(sol_observation_set_add_json(set, root, &err), SOL_EINVALID);
    sol_observation_set_free(set);
    /* One object that is not observed-data: no observations, no error. */
    CHECK_INT(sol_json_parse(doc, obs_json, strlen(obs_json), &root, &err), 0);
    set = sol_observation_set_new();
    CHECK_INT(sol_observation_set_add_json(set, root, &err), 0);
    CHECK_INT(sol_observation_set_finish(set, &err), 0);
    size_t n;
    sol_observation_set_items(set, &n);
    CHECK_INT(n, 1);
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
}

static void
test_warnings_api(void)
{
    struct sol_pattern_options o = {0};
    o.strict = true;
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    const char *s = "[foo:bar = 1] AND [file:nope = 2]";
    CHECK_INT(sol_pattern_parse(s, strlen(s), &o, &p, &err), 0);
    CHECK_INT(sol_pattern_warning_count(p), 2);
    unsigned col = 0;
    CHECK_STR(sol_pattern_warning(p, 0, &col), "unknown object type 'foo'");
    CHECK_INT(col, 2);
    CHECK_STR(sol_pattern_warning(p, 1, &col), "unknown property 'nope' of file");
    CHECK_INT(col, 25);
    CHECK(sol_pattern_warning(p, 2, &col) == NULL);
    sol_pattern_free(p);
    CHECK_INT(sol_pattern_warning_count(NULL), 0);
    sol_pattern_free(NULL);
    sol_pattern_result_free(NULL);
    sol_observation_set_free(NULL);
}

/* A random set of n observations of objects {type f, n a|b|c} as JSON text. */
static const char *
build_json(struct sol_buf *b, unsigned seed, size_t n, char *names, sol_time_t *firsts,
           sol_time_t *lasts, unsigned *counts)
{
    srand(seed);
    sol_buf_reset(b);
    sol_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        names[i] = (char)('a' + rand() % 3);
        firsts[i] = (sol_time_t)(rand() % 100) * 1000000;
        lasts[i] = firsts[i] + (rand() % 3 == 0 ? (sol_time_t)(rand() % 20) * 1000000 : 0);
        counts[i] = rand() % 4 == 0 ? 2 : 1;
        char f[40], l[40];
        sol_time_format(firsts[i], 0, f);
        sol_time_format(lasts[i], 0, l);
        sol_buf_printf(b,
                       "%s{\"type\":\"observed-data\",\"id\":\"o%zu\",\"first_observed\":\"%s\","
                       "\"last_observed\":\"%s\",\"number_observed\":%u,\"objects\":{\"0\":"
                       "{\"type\":\"f\",\"n\":\"%c\"}}}",
                       i ? "," : "", i, f, l, counts[i], names[i]);
    }
    sol_buf_putc(b, ']');
    return b->p;
}

static int
run_match(const char *pattern, const struct sol_observation *obs, size_t n)
{
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    if (sol_pattern_parse(pattern, strlen(pattern), NULL, &p, &err))
        return -1;
    struct sol_pattern_result res = {0};
    int rc = sol_pattern_match(p, obs, n, NULL, &res, &err);
    int m = rc ? -2 : res.matched;
    sol_pattern_result_free(&res);
    sol_pattern_free(p);
    return m;
}

/*
 * Differential: the search's fast paths against plain definitions on random small sets,
 * and both against brute force for FOLLOWEDBY and AND ... WITHIN.
 */
static void
test_differential(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    char names[12];
    sol_time_t firsts[12], lasts[12];
    unsigned counts[12];
    int disagreements = 0;
    for (unsigned seed = 1; seed <= 300; seed++) {
        size_t n = 2 + seed % 10;
        build_json(&b, seed, n, names, firsts, lasts, counts);
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root;
        struct sol_error err = {0};
        if (sol_json_parse(doc, b.p, b.n, &root, &err)) {
            HARNESS_FAIL("json: %s", err.msg);
            sol_json_doc_free(doc);
            break;
        }
        struct sol_observation_set *set = sol_observation_set_new();
        sol_observation_set_add_json(set, root, &err);
        sol_observation_set_finish(set, &err);
        size_t m;
        const struct sol_observation *obs = sol_observation_set_items(set, &m);
        /*
         * Brute force, with the rules of the OASIS matcher (some instant of each
         * observation's interval): a FOLLOWEDBY b when first(a) <= last(b); (a AND b)
         * WITHIN 10 SECONDS when max(first) - min(last) < 10 s; a FOLLOWEDBY b
         * FOLLOWEDBY c when b and c both reach first(a) and c reaches first(b); and
         * [a] START 20 s STOP 40 s when first < 40 s and last >= 20 s.
         */
        int fb = 0, within = 0, chain = 0, startstop = 0;
        for (size_t i = 0; i < n; i++) {
            if (names[i] == 'a' && firsts[i] < 40000000 && lasts[i] >= 20000000)
                startstop = 1;
            for (size_t j = 0; j < n; j++) {
                bool distinct = i != j || counts[i] >= 2;
                if (!distinct || names[i] != 'a' || names[j] != 'b')
                    continue;
                if (firsts[i] <= lasts[j])
                    fb = 1;
                sol_time_t hi = firsts[i] > firsts[j] ? firsts[i] : firsts[j];
                sol_time_t lo = lasts[i] < lasts[j] ? lasts[i] : lasts[j];
                if (hi - lo < 10000000)
                    within = 1;
                for (size_t l = 0; l < n; l++)
                    if (names[l] == 'c' && firsts[i] <= lasts[j] && hi <= lasts[l])
                        chain = 1;
            }
        }
        /* The exposed first stage agrees with whole-pattern matching of one bracket. */
        {
            const char *one = "[f:n = 'a' OR f:n = 'c']";
            struct sol_pattern *p1 = NULL;
            CHECK_INT(sol_pattern_parse(one, strlen(one), NULL, &p1, &err), 0);
            struct sol_pattern_result res = {0};
            CHECK_INT(sol_pattern_match(p1, obs, m, NULL, &res, &err), 0);
            size_t k = 0;
            for (size_t i = 0; i < m; i++) {
                int hit = sol_pattern_bracket_matches(p1, sol_pattern_root(p1), &obs[i]);
                bool listed = k < res.nobs && res.obs[k] == i;
                k += listed;
                if (hit != (int)listed || hit != (names[i] != 'b'))
                    disagreements++;
            }
            sol_pattern_result_free(&res);
            sol_pattern_free(p1);
        }
        int r1 = run_match("[f:n = 'a'] FOLLOWEDBY [f:n = 'b']", obs, m);
        int r2 = run_match("([f:n = 'a'] OR [f:n = 'a']) FOLLOWEDBY ([f:n = 'b'] OR [f:n = 'b'])",
                           obs, m);
        int r3 = run_match("([f:n = 'a'] AND [f:n = 'b']) WITHIN 10 SECONDS", obs, m);
        int r4 = run_match("[f:n = 'a'] REPEATS 2 TIMES", obs, m);
        int r5 = run_match("([f:n = 'a'] OR [f:n = 'a']) AND [f:n = 'a']", obs, m);
        int r6 = run_match("[f:n = 'a'] FOLLOWEDBY [f:n = 'b'] FOLLOWEDBY [f:n = 'c']", obs, m);
        int r7 = run_match("([f:n = 'a'] AND [f:n = 'a']) FOLLOWEDBY ([f:n = 'b'] OR [f:n = 'b']) "
                           "FOLLOWEDBY ([f:n = 'c'] OR [f:n = 'c'])",
                           obs, m);
        int r8 = run_match(
            "[f:n = 'a'] REPEATS 2 TIMES FOLLOWEDBY [f:n = 'b'] FOLLOWEDBY [f:n = 'c']", obs, m);
        int r9 = run_match("[f:n = 'a'] START t'1970-01-01T00:00:20Z' STOP t'1970-01-01T00:00:40Z'",
                           obs, m);
        if (r1 != fb || r2 != fb || r3 != within || r4 != r5 || r7 != r8 || r6 != chain ||
            r9 != startstop) {
            if (disagreements++ < 5)
                HARNESS_FAIL("seed %u: fb %d %d (brute %d), within %d (brute %d), repeats %d %d, "
                             "chain %d %d, chain of three %d (brute %d), start/stop %d (brute %d)",
                             seed, r1, r2, fb, r3, within, r4, r5, r7, r8, r6, chain, r9,
                             startstop);
        }
        sol_observation_set_free(set);
        sol_json_doc_free(doc);
    }
    CHECK_INT(disagreements, 0);
    sol_buf_free(&b);
}

/* Reference LIKE over code points (arrays of small ints; 0 '%', 1 '_'), by recursion. */
static bool
ref_like(const int *s, size_t sn, const int *p, size_t pn)
{
    if (pn == 0)
        return sn == 0;
    if (p[0] == 0)
        return ref_like(s, sn, p + 1, pn - 1) || (sn > 0 && ref_like(s + 1, sn - 1, p, pn));
    if (sn == 0)
        return false;
    if (p[0] == 1 || p[0] == s[0])
        return ref_like(s + 1, sn - 1, p + 1, pn - 1);
    return false;
}

/* LIKE against the recursive definition, on random short strings with a two-byte letter. */
static void
test_like_differential(void)
{
    static const char *const units[] = {"%", "_", "a", "b", "\xc3\xa9"};
    int bad = 0;
    srand(7);
    for (int round = 0; round < 3000; round++) {
        int ps[6], ss[6];
        size_t pn = (size_t)(rand() % 6), sn = (size_t)(rand() % 6);
        char pat[128], val[64] = "";
        size_t k = 0;
        k += (size_t)snprintf(pat + k, sizeof pat - k, "[f:n LIKE '");
        for (size_t i = 0; i < pn; i++) {
            ps[i] = rand() % 5;
            k += (size_t)snprintf(pat + k, sizeof pat - k, "%s", units[ps[i]]);
        }
        snprintf(pat + k, sizeof pat - k, "']");
        size_t v = 0;
        for (size_t i = 0; i < sn; i++) {
            ss[i] = 2 + rand() % 3;
            v += (size_t)snprintf(val + v, sizeof val - v, "%s", units[ss[i]]);
        }
        char js[256];
        snprintf(
            js, sizeof js,
            "{\"type\":\"observed-data\",\"id\":\"o\",\"first_observed\":\"2020-01-01T00:00:00Z\","
            "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,"
            "\"objects\":{\"0\":{\"type\":\"f\",\"n\":\"%s\"}}}",
            val);
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root;
        struct sol_error err = {0};
        struct sol_observation_set *set = sol_observation_set_new();
        sol_json_parse(doc, js, strlen(js), &root, &err);
        sol_observation_set_add_json(set, root, &err);
        sol_observation_set_finish(set, &err);
        size_t m;
        const struct sol_observation *obs = sol_observation_set_items(set, &m);
        int got = run_match(pat, obs, m);
        int want = ref_like(ss, sn, ps, pn);
        if (got != want && bad++ < 5)
            HARNESS_FAIL("%s on '%s': got %d, want %d", pat, val, got, want);
        sol_observation_set_free(set);
        sol_json_doc_free(doc);
    }
    CHECK_INT(bad, 0);
    /* A long value with a literal-segment pattern is linear (memmem), not quadratic. */
    size_t n = 1 << 20;
    char *big = malloc(n + 64);
    memset(big, 'a', n);
    struct sol_buf js;
    sol_buf_init(&js);
    sol_buf_puts(&js, "{\"type\":\"observed-data\",\"id\":\"o\",\"first_observed\":"
                      "\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:00Z\","
                      "\"number_observed\":1,\"objects\":{\"0\":{\"type\":\"f\",\"n\":\"");
    sol_buf_append(&js, big, n);
    sol_buf_puts(&js, "\"}}}");
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err = {0};
    CHECK_INT(sol_json_parse(doc, js.p, js.n, &root, &err), 0);
    struct sol_observation_set *set = sol_observation_set_new();
    sol_observation_set_add_json(set, root, &err);
    sol_observation_set_finish(set, &err);
    size_t m;
    const struct sol_observation *obs = sol_observation_set_items(set, &m);
    clock_t t0 = clock();
    CHECK_INT(run_match("[f:n LIKE '%aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab%']", obs, m), 0);
    CHECK_INT(run_match("[f:n LIKE 'a%aaaa%a']", obs, m), 1);
    CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
    sol_buf_free(&js);
    free(big);
}

/* Many observations: the window searches stay far below the budget. */
static void
test_scale(void)
{
    size_t n = 20000;
    struct sol_buf b;
    sol_buf_init(&b);
    sol_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        char t[40];
        sol_time_format((sol_time_t)i * 7000000, 0, t);
        sol_buf_printf(&b,
                       "%s{\"type\":\"observed-data\",\"id\":\"o%zu\",\"first_observed\":\"%s\","
                       "\"last_observed\":\"%s\",\"number_observed\":1,\"objects\":{\"0\":"
                       "{\"type\":\"f\",\"n\":\"%c\"}}}",
                       i ? "," : "", i, t, t, i < n / 2 ? 'b' : 'a');
    }
    sol_buf_putc(&b, ']');
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err = {0};
    CHECK_INT(sol_json_parse(doc, b.p, b.n, &root, &err), 0);
    struct sol_observation_set *set = sol_observation_set_new();
    sol_observation_set_add_json(set, root, &err);
    sol_observation_set_finish(set, &err);
    size_t m;
    const struct sol_observation *obs = sol_observation_set_items(set, &m);
    const char *pats[] = {
        "[f:n = 'a'] FOLLOWEDBY [f:n = 'b']",              /* every b is before every a: none */
        "[f:n = 'b'] FOLLOWEDBY [f:n = 'a']",              /* at once */
        "([f:n = 'a'] AND [f:n = 'b']) WITHIN 10 SECONDS", /* only around the middle */
        "[f:n = 'a'] REPEATS 3 TIMES WITHIN 15 SECONDS",   /* 3 a's are 14 s apart: yes */
        "[f:n = 'a'] REPEATS 4 TIMES WITHIN 15 SECONDS",   /* no */
    };
    int want[] = {0, 1, 1, 1, 0};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        struct sol_pattern *p = NULL;
        CHECK_INT(sol_pattern_parse(pats[i], strlen(pats[i]), NULL, &p, &err), 0);
        struct sol_pattern_result res = {0};
        int rc = sol_pattern_match(p, obs, m, NULL, &res, &err);
        if (rc)
            HARNESS_FAIL("%s: %s", pats[i], err.msg);
        CHECK_INT(res.matched, want[i]);
        if (res.steps > 2000000)
            HARNESS_FAIL("%s: %llu steps", pats[i], (unsigned long long)res.steps);
        sol_pattern_result_free(&res);
        sol_pattern_free(p);
    }
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
    sol_buf_free(&b);
}

int
main(void)
{
    RUN(test_deep_nesting);
    RUN(test_length_limit);
    RUN(test_long_chains);
    RUN(test_in_list_limit);
    RUN(test_odd_bytes);
    RUN(test_tree);
    RUN(test_alloc_failures);
    RUN(test_eval_budget);
    RUN(test_repeats_fast_fail);
    RUN(test_observation_errors);
    RUN(test_warnings_api);
    RUN(test_differential);
    RUN(test_scale);
    RUN(test_like_differential);
    return harness_done();
}
