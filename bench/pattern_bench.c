/*
 * pattern_bench.c — STIX Patterning: parse+check throughput and evaluation throughput,
 * each against a baseline measured in the same run.
 *
 *   bench_pattern [DATA-DIR]    (default: ../shared/data beside the source tree)
 *
 * 1. Parse and check the real indicator patterns of the shared test data (about 5,800;
 *    generated ones when the data is absent). Baseline: the lexer alone over the same
 *    texts, the floor any parser pays. Ratio = parse+check rate / lex-only rate.
 * 2. Evaluate a mixed set of patterns (equality, IN, LIKE, MATCHES, ISSUBSET, EXISTS,
 *    AND/FOLLOWEDBY with WITHIN, REPEATS) over a synthetic stream of observed-data.
 *    Baseline: a naive matcher that only compares each pattern's first string
 *    constant with every string value of every object (what the simplest indicator
 *    lookup does, without the language). Ratio = evaluator rate / naive rate, in
 *    (pattern, observation) pairs per second.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pattern/pattern.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"

#ifndef SOL_SOURCE_DIR
#define SOL_SOURCE_DIR "."
#endif

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **texts;
static size_t ntexts, captexts;

static void
add_text(const char *s, size_t n)
{
    if (ntexts == captexts) {
        captexts = captexts ? captexts * 2 : 1024;
        texts = realloc(texts, captexts * sizeof *texts);
    }
    texts[ntexts] = malloc(n + 1);
    memcpy(texts[ntexts], s, n);
    texts[ntexts][n] = '\0';
    ntexts++;
}

static void
collect(const struct sol_json *v, unsigned depth)
{
    if (depth > 32)
        return;
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *m;
    if (v->type == SOL_JSON_OBJECT) {
        const struct sol_json *pat = sol_json_get(v, "pattern");
        if (sol_json_is_string(pat) &&
            sol_str_eqc(sol_json_str(sol_json_get(v, "type")), "indicator"))
            add_text(pat->u.s, pat->n);
    }
    if (v->type == SOL_JSON_OBJECT || v->type == SOL_JSON_ARRAY) {
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, &key, &m))
            collect(m, depth + 1);
    }
}

static int
visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t l = strlen(path);
    if (flag != FTW_F ||
        !((l > 5 && !strcmp(path + l - 5, ".json")) || (l > 6 && !strcmp(path + l - 6, ".stix2"))))
        return 0;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    if (doc && sol_json_parse_file(doc, path, &root, &err) == 0)
        collect(root, 0);
    sol_json_doc_free(doc);
    return 0;
}

static void
bench_parse(const char *dir)
{
    nftw(dir, visit, 16, FTW_PHYS);
    const char *source = "real indicator patterns";
    if (ntexts == 0) {
        source = "generated patterns (no shared data)";
        char buf[256];
        for (int i = 0; i < 5000; i++) {
            int k = snprintf(
                buf, sizeof buf,
                i % 3 == 0 ? "[domain-name:value = 'host%d.example.com']"
                : i % 3 == 1
                    ? "[file:hashes.'SHA-256' = '%064d']"
                    : "[url:value = 'http://x%d.example/' OR ipv4-addr:value = '10.0.0.1']",
                i);
            add_text(buf, (size_t)k);
        }
    }
    size_t bytes = 0;
    for (size_t i = 0; i < ntexts; i++)
        bytes += strlen(texts[i]);
    int rounds = 0;
    double t0 = now(), t;
    size_t tokens = 0;
    do {
        tokens = 0;
        for (size_t i = 0; i < ntexts; i++) {
            struct sol__lexer lx;
            struct sol__token tok;
            sol__lex_init(&lx, texts[i], strlen(texts[i]));
            while (sol__lex_next(&lx, &tok) == 0 && tok.kind != SOL__T_EOF)
                tokens++;
        }
        rounds++;
    } while ((t = now() - t0) < 0.5);
    double lex_rate = (double)ntexts * rounds / t;
    rounds = 0;
    size_t bad = 0;
    t0 = now();
    do {
        for (size_t i = 0; i < ntexts; i++) {
            struct sol_pattern *p = NULL;
            struct sol_error err;
            if (sol_pattern_parse(texts[i], strlen(texts[i]), NULL, &p, &err))
                bad++;
            sol_pattern_free(p);
        }
        rounds++;
    } while ((t = now() - t0) < 1.0);
    double parse_rate = (double)ntexts * rounds / t;
    printf("parse+check: %zu %s (%zu bytes), %zu rejected\n", ntexts, source, bytes,
           bad / (size_t)rounds);
    printf("  parse+check  %12.0f patterns/s  (%.1f MB/s)\n", parse_rate,
           parse_rate * (double)bytes / (double)ntexts / 1e6);
    printf("  baseline     %12.0f patterns/s  (lexer only, %zu tokens)\n", lex_rate, tokens);
    printf("  ratio        %12.2f  (parse+check / lex only)\n", parse_rate / lex_rate);
}

static const char *eval_patterns[] = {
    "[domain-name:value = 'host17.example.com']",
    "[domain-name:value IN ('host3.example.com', 'host4.example.com', 'nothing.example')]",
    "[file:hashes.MD5 = '00000000000000000000000000000042']",
    "[file:name LIKE '%.exe' AND file:size > 100000]",
    "[url:value MATCHES '^https?://[a-z0-9.]+/login\\\\.php']",
    "[ipv4-addr:value ISSUBSET '10.1.0.0/16']",
    "[network-traffic:dst_ref.value = '10.1.2.3' AND network-traffic:dst_port = 443]",
    "[EXISTS file:hashes.'SHA-256']",
    ("([domain-name:value = 'host5.example.com'] FOLLOWEDBY [file:name = 'f7.exe']) WITHIN 600 "
     "SECONDS"),
    "[ipv4-addr:value = '10.1.0.9'] REPEATS 3 TIMES WITHIN 3600 SECONDS",
};

/* The first string constant of a comparison tree (for the naive baseline). */
static const struct sol_pattern_const *
first_string(const struct sol_pattern_cmp *c)
{
    if (c->kind == SOL_PCMP_TEST) {
        if (c->value.kind == SOL_PCONST_STRING)
            return &c->value;
        if (c->value.kind == SOL_PCONST_LIST && c->value.nitems &&
            c->value.items[0].kind == SOL_PCONST_STRING)
            return &c->value.items[0];
        return NULL;
    }
    for (size_t i = 0; i < c->nkids; i++) {
        const struct sol_pattern_const *k = first_string(c->kids[i]);
        if (k)
            return k;
    }
    return NULL;
}

static const struct sol_pattern_obs *
first_bracket(const struct sol_pattern_obs *o)
{
    while (o->kind != SOL_POBS_BRACKET)
        o = o->kids[0];
    return o;
}

static bool
naive_hit(const struct sol_json *v, struct sol_str s)
{
    struct sol_json_iter it;
    const struct sol_json *m;
    if (v->type == SOL_JSON_STRING)
        return sol_str_eq(sol_json_str(v), s);
    if (v->type != SOL_JSON_OBJECT && v->type != SOL_JSON_ARRAY)
        return false;
    sol_json_iter_init(&it, v);
    while (sol_json_iter_next(&it, NULL, &m))
        if (naive_hit(m, s))
            return true;
    return false;
}

static void
bench_eval(void)
{
    size_t nobs = 2000;
    struct sol_buf js;
    sol_buf_init(&js);
    sol_buf_putc(&js, '[');
    for (size_t i = 0; i < nobs; i++) {
        unsigned sec = (unsigned)(i * 7);
        sol_buf_printf(&js,
                       "%s{\"type\":\"observed-data\",\"id\":\"observed-data--%zu\","
                       "\"first_observed\":\"2020-01-01T%02u:%02u:%02uZ\",\"last_observed\":"
                       "\"2020-01-01T%02u:%02u:%02uZ\",\"number_observed\":1,\"objects\":{",
                       i ? "," : "", i, sec / 3600 % 24, sec / 60 % 60, sec % 60, sec / 3600 % 24,
                       sec / 60 % 60, sec % 60);
        switch (i % 4) {
        case 0:
            sol_buf_printf(
                &js, "\"0\":{\"type\":\"domain-name\",\"value\":\"host%zu.example.com\"}", i % 50);
            break;
        case 1:
            sol_buf_printf(&js,
                           "\"0\":{\"type\":\"file\",\"name\":\"f%zu.exe\",\"size\":%zu,"
                           "\"hashes\":{\"MD5\":\"%032zu\",\"SHA-256\":\"%064zu\"}}",
                           i % 20, i * 997 % 300000, i % 100, i);
            break;
        case 2:
            sol_buf_printf(
                &js,
                "\"0\":{\"type\":\"network-traffic\",\"dst_ref\":\"1\",\"dst_port\":%zu},"
                "\"1\":{\"type\":\"ipv4-addr\",\"value\":\"10.1.%zu.%zu\"}",
                i % 2 ? (size_t)443 : (size_t)80, i % 7, i % 13);
            break;
        default:
            sol_buf_printf(
                &js, "\"0\":{\"type\":\"url\",\"value\":\"http://site%zu.example/login.php\"}",
                i % 30);
            break;
        }
        sol_buf_puts(&js, "}}");
    }
    sol_buf_putc(&js, ']');
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err;
    if (sol_json_parse(doc, js.p, js.n, &root, &err)) {
        printf("evaluation: cannot parse the generated observations: %s\n", err.msg);
        return;
    }
    struct sol_observation_set *set = sol_observation_set_new();
    sol_observation_set_add_json(set, root, &err);
    sol_observation_set_finish(set, &err);
    size_t n;
    const struct sol_observation *obs = sol_observation_set_items(set, &n);
    size_t np = sizeof eval_patterns / sizeof eval_patterns[0];
    struct sol_pattern *pats[16];
    for (size_t i = 0; i < np; i++)
        if (sol_pattern_parse(eval_patterns[i], strlen(eval_patterns[i]), NULL, &pats[i], &err)) {
            printf("evaluation: pattern %zu: column %u: %s\n", i, err.column, err.msg);
            return;
        }
    size_t matched = 0, rounds = 0;
    double t0 = now(), t;
    do {
        for (size_t i = 0; i < np; i++) {
            struct sol_pattern_result res = {0};
            sol_pattern_match(pats[i], obs, n, NULL, &res, &err);
            matched += res.matched;
            sol_pattern_result_free(&res);
        }
        rounds++;
    } while ((t = now() - t0) < 1.0);
    double eval_rate = (double)(np * n) * (double)rounds / t;
    size_t hits = 0, nrounds = 0;
    t0 = now();
    do {
        for (size_t i = 0; i < np; i++) {
            const struct sol_pattern_const *c =
                first_string(first_bracket(sol_pattern_root(pats[i]))->cmp);
            if (!c)
                continue;
            for (size_t j = 0; j < n; j++)
                for (size_t k = 0; k < obs[j].nobjects; k++)
                    hits += naive_hit(obs[j].objects[k].value, c->bytes);
        }
        nrounds++;
    } while ((t = now() - t0) < 0.5);
    double naive_rate = (double)(np * n) * (double)nrounds / t;
    printf("evaluation: %zu patterns over %zu observed-data, %zu of them match\n", np, n,
           matched / rounds);
    printf("  evaluator    %12.0f pattern-observation pairs/s\n", eval_rate);
    printf("  baseline     %12.0f pairs/s  (naive: first string constant vs every value)\n",
           naive_rate);
    printf("  ratio        %12.2f  (evaluator / naive)\n", eval_rate / naive_rate);
    (void)hits;
    for (size_t i = 0; i < np; i++)
        sol_pattern_free(pats[i]);
    sol_observation_set_free(set);
    sol_json_doc_free(doc);
    sol_buf_free(&js);
}

int
main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : SOL_SOURCE_DIR "/../shared/data";
    bench_parse(dir);
    bench_eval();
    for (size_t i = 0; i < ntexts; i++)
        free(texts[i]);
    free(texts);
    return 0;
}
