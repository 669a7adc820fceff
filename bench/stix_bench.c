/*
 * stix_bench.c — STIX validation throughput against parse-only with the same JSON layer,
 * in the same run.
 *
 * Inputs: a generated bundle shaped like the Amnesty/MVT indicator bundles (one malware,
 * indicators with file-hash, domain and URL patterns, one "indicates" relationship each,
 * about 16 MB), the real bundles named on the command line, and by default the largest
 * real bundles found under ../shared/data beside the source tree.
 *
 * For each input it prints objects/s and MB/s of parse-only, parse + validate (patterns
 * parsed by src/pattern, as `solidarity validate` does), and parse + validate without
 * the pattern parser, then the ratio of full validation to parse-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solidarity/json.h"
#include "solidarity/stix.h"

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

static void
uuid4ish(unsigned *x, char out[37])
{
    struct sol_uuid u;
    for (int i = 0; i < 16; i++) {
        *x = *x * 1103515245u + 12345u;
        u.b[i] = (uint8_t)(*x >> 16);
    }
    u.b[6] = (uint8_t)((u.b[6] & 0x0f) | 0x40);
    u.b[8] = (uint8_t)((u.b[8] & 0x3f) | 0x80);
    sol_uuid_format(&u, out);
}

/* A bundle of 1 malware, n indicators and n relationships. */
static void
generate(struct sol_buf *b, size_t n)
{
    unsigned x = 42;
    char mal[37], ind[37], rel[37];
    const char *t = "2024-12-16T10:00:00.000Z";
    uuid4ish(&x, mal);
    sol_buf_printf(b, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", mal);
    sol_buf_printf(b,
                   "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--%s\","
                   "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"NoviSpy\","
                   "\"description\":\"IOCs for NoviSpy\",\"is_family\":false}",
                   mal, t, t);
    for (size_t i = 0; i < n; i++) {
        uuid4ish(&x, ind);
        uuid4ish(&x, rel);
        char pattern[200];
        switch (i % 3) {
        case 0:
            snprintf(pattern, sizeof pattern,
                     "[file:hashes.sha256 = '%08x%08x%08x%08x%08x%08x%08x%08x']", x, x ^ 1u, x ^ 2u,
                     x ^ 3u, x ^ 4u, x ^ 5u, x ^ 6u, x ^ 7u);
            break;
        case 1:
            snprintf(pattern, sizeof pattern, "[domain-name:value = 'c2-%zu.example-%u.com']", i,
                     x % 997);
            break;
        default:
            snprintf(pattern, sizeof pattern, "[url:value = 'https://cdn%u.example.net/a/%zu.apk']",
                     x % 89, i);
        }
        sol_buf_printf(
            b,
            ",{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
            "\"created\":\"%s\",\"modified\":\"%s\",\"indicator_types\":[\"malicious-activity\"],"
            "\"pattern\":\"%s\",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\","
            "\"valid_from\":\"%s\"}",
            ind, t, t, pattern, t);
        sol_buf_printf(
            b,
            ",{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--%s\","
            "\"created\":\"%s\",\"modified\":\"%s\",\"relationship_type\":\"indicates\","
            "\"source_ref\":\"indicator--%s\",\"target_ref\":\"malware--%s\"}",
            rel, t, t, ind, mal);
    }
    sol_buf_puts(b, "]}");
}

static int
no_pattern_check(const char *p, size_t n, unsigned v, char *why, size_t why_n)
{
    (void)p;
    (void)n;
    (void)v;
    (void)why;
    (void)why_n;
    return 0;
}

/* Seconds per pass of parse (and validate when mode > 0) over text, best of a few. */
static double
measure(struct sol_json_doc *doc, const struct sol_buf *text, int mode, size_t *objects,
        size_t *errors)
{
    double best = 1e9;
    double budget = now() + 1.5;
    for (int rep = 0; rep < 20 && (rep < 2 || now() < budget); rep++) {
        double t0 = now();
        const struct sol_json *root;
        struct sol_error err;
        if (sol_json_parse(doc, text->p, text->n, &root, &err) != 0) {
            fprintf(stderr, "stix_bench: %s\n", err.msg);
            exit(1);
        }
        if (mode > 0) {
            struct sol_stix_report rep_;
            sol_stix_report_init(&rep_);
            sol_stix_set_pattern_checker(mode == 2 ? no_pattern_check : NULL);
            sol_stix_validate_document(root, NULL, &rep_);
            *objects = rep_.objects;
            *errors = rep_.errors;
            sol_stix_report_free(&rep_);
        }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    sol_stix_set_pattern_checker(NULL);
    return best;
}

static void
bench(struct sol_json_doc *doc, const char *name, const struct sol_buf *text)
{
    size_t objects = 0, errors = 0, o2 = 0, e2 = 0;
    double parse = measure(doc, text, 0, NULL, NULL);
    double full = measure(doc, text, 1, &objects, &errors);
    double nopat = measure(doc, text, 2, &o2, &e2);
    double mb = (double)text->n / 1e6;
    printf("%s: %.1f MB, %zu objects, %zu errors\n", name, mb, objects, errors);
    printf("  parse only:                  %9.0f objects/s  %7.1f MB/s  (baseline)\n",
           (double)objects / parse, mb / parse);
    printf("  parse + validate:            %9.0f objects/s  %7.1f MB/s  ratio %.2f of parse-only\n",
           (double)objects / full, mb / full, parse / full);
    printf("  parse + validate, no patterns:%8.0f objects/s  %7.1f MB/s  ratio %.2f\n",
           (double)objects / nopat, mb / nopat, parse / nopat);
}

int
main(int argc, char **argv)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol_buf b;
    sol_buf_init(&b);
    generate(&b, 40000);
    if (b.oom) {
        fprintf(stderr, "stix_bench: out of memory\n");
        return 1;
    }
    bench(doc, "generated indicator bundle", &b);
    sol_buf_free(&b);
    static const char *const defaults[] = {
        SOL_SOURCE_DIR "/../shared/data/amnesty/2023-03-29_android_campaign__malware.stix2",
        SOL_SOURCE_DIR "/../shared/data/amnesty/2021-07-18_nso__pegasus.stix2",
        SOL_SOURCE_DIR "/../shared/data/mitre-attack/mobile-attack-17.1.json",
        SOL_SOURCE_DIR "/tests/data/stix/oasis-schema-examples/poisonivy.json", NULL};
    const char *const *files = argc > 1 ? (const char *const *)argv + 1 : defaults;
    for (size_t i = 0; files[i]; i++) {
        struct sol_error err;
        sol_buf_init(&b);
        if (sol_read_file(files[i], (size_t)1 << 30, &b, &err) != 0) {
            if (argc > 1)
                fprintf(stderr, "stix_bench: %s: %s\n", files[i], err.msg);
            sol_buf_free(&b);
            continue;
        }
        const char *name = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
        bench(doc, name, &b);
        sol_buf_free(&b);
    }
    sol_json_doc_free(doc);
    return 0;
}
