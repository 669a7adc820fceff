/*
 * test_pattern_data.c — every STIX pattern of the real indicators in the shared test
 * data (../shared/data: *.json and *.stix2) must parse and check, and dump. One TAP
 * line per file; skipped when the data is absent.
 *
 * Usage: test_pattern_data [DATA-DIR]   (default $SOLIDARITY_TESTS/../../shared/data,
 *                                        else ../../shared/data from the tests directory)
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/util.h"

static size_t total_patterns, total_files;
static const char *data_root;

struct counts {
    size_t ok, bad;
};

static void
check_pattern(const struct sol_json *obj, const struct sol_json *pat, const char *file,
              struct counts *n)
{
    const struct sol_json *pt = sol_json_get(obj, "pattern_type");
    if (pt && !sol_str_eqc(sol_json_str(pt), "stix"))
        return;
    const struct sol_json *sv = sol_json_get(obj, "spec_version");
    struct sol_pattern_options opt = {0};
    opt.stix_version = sv && sol_str_eqc(sol_json_str(sv), "2.0") ? 20 : 21;
    if (!pt && !sv)
        opt.stix_version = 20; /* no pattern_type and no spec_version: a STIX 2.0 indicator */
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    if (sol_pattern_parse(pat->u.s, pat->n, &opt, &p, &err)) {
        n->bad++;
        if (n->bad <= 5)
            printf("# %s: %.200s\n#   column %u: %s\n", file, pat->u.s, err.column, err.msg);
        return;
    }
    struct sol_buf out;
    sol_buf_init(&out);
    if (sol_pattern_dump(p, &out) || out.n == 0) {
        n->bad++;
        printf("# %s: %.200s\n#   dump failed\n", file, pat->u.s);
    } else {
        total_patterns++;
        n->ok++;
    }
    sol_buf_free(&out);
    sol_pattern_free(p);
}

static void
walk(const struct sol_json *v, const char *file, struct counts *n, unsigned depth)
{
    if (depth > 64)
        return;
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *m;
    if (v->type == SOL_JSON_OBJECT) {
        const struct sol_json *pat = sol_json_get(v, "pattern");
        if (sol_json_is_string(pat) && sol_json_get(v, "type") &&
            sol_str_eqc(sol_json_str(sol_json_get(v, "type")), "indicator"))
            check_pattern(v, pat, file, n);
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, &key, &m))
            if (m->type == SOL_JSON_OBJECT || m->type == SOL_JSON_ARRAY)
                walk(m, file, n, depth + 1);
    } else if (v->type == SOL_JSON_ARRAY) {
        sol_json_iter_init(&it, v);
        while (sol_json_iter_next(&it, NULL, &m))
            if (m->type == SOL_JSON_OBJECT || m->type == SOL_JSON_ARRAY)
                walk(m, file, n, depth + 1);
    }
}

static int
visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag != FTW_F)
        return 0;
    size_t l = strlen(path);
    if (!(l > 5 && strcmp(path + l - 5, ".json") == 0) &&
        !(l > 6 && strcmp(path + l - 6, ".stix2") == 0))
        return 0;
    const char *rel = path + strlen(data_root);
    while (*rel == '/')
        rel++;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root;
    struct sol_error err = {0};
    char name[600];
    if (!doc || sol_json_parse_file(doc, path, &root, &err)) {
        snprintf(name, sizeof name, "%s # SKIP not JSON", rel);
        harness_report(name, 0);
        sol_json_doc_free(doc);
        return 0;
    }
    struct counts n = {0, 0};
    walk(root, rel, &n, 0);
    total_files++;
    snprintf(name, sizeof name, "%s: %zu patterns parse, %zu fail", rel, n.ok, n.bad);
    harness_report(name, n.bad != 0);
    sol_json_doc_free(doc);
    return 0;
}

int
main(int argc, char **argv)
{
    (void)harness_current_failed;
    char buf[1024];
    const char *dir = argc > 1 ? argv[1] : NULL;
    if (!dir) {
        const char *t = getenv("SOLIDARITY_TESTS");
        snprintf(buf, sizeof buf, "%s/../../shared/data", t && *t ? t : ".");
        dir = buf;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("ok 1 - real indicator patterns # SKIP %s is absent\n1..1\n", dir);
        return 0;
    }
    data_root = dir;
    nftw(dir, visit, 16, FTW_PHYS);
    printf("# %zu patterns in %zu files\n", total_patterns, total_files);
    return harness_done();
}
