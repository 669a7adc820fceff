/*
 * test_stix_cases.c — the data-driven STIX validation tests: every *.test file in
 * tests/cases/stix/ (or the files and folders named on the command line) holds cases
 * separated by blank lines, each:
 *
 *   # what the case is about (STIX 2.1 §x)
 *   %%stix-version 2.0          (optional: validate as 2.0; "%%strict" for --strict)
 *   {"type": "indicator", ...}  (one JSON document on one line)
 *   error: indicator--...: pattern_type: required property missing
 *   warning: ...
 *
 * or "ok" instead of the finding lines when the document must validate cleanly. The
 * expected lines are the findings, in order, as sol_stix_finding_format() writes them
 * with their severity. One TAP line per case. With --print the runner prints what
 * each case gives instead (to write a new case, then read it closely before keeping it).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/util.h"

static bool print_mode;

struct case_block {
    const char *file;
    unsigned line;
    char title[200];
    struct sol_stix_options opt;
    char *json;
    char **expect;
    size_t nexpect;
};

static void
run_case(struct sol_json_doc *doc, struct case_block *cb)
{
    char name[400];
    snprintf(name, sizeof name, "%s:%u %s", cb->file, cb->line, cb->title);
    const struct sol_json *root;
    struct sol_error err;
    if (!cb->json && cb->nexpect == 0)
        return; /* a block of comments only */
    if (!cb->json) {
        printf("# no JSON line in the case\n");
        harness_report(name, 1);
        return;
    }
    if (sol_json_parse(doc, cb->json, strlen(cb->json), &root, &err) != 0) {
        printf("# the case's JSON does not parse: %s\n", err.msg);
        harness_report(name, 1);
        return;
    }
    struct sol_stix_report rep;
    sol_stix_report_init(&rep);
    int rc = sol_stix_validate_document(root, &cb->opt, &rep);
    int failed = rc < 0;
    char buf[1200];
    if (print_mode) {
        if (cb->title[0])
            printf("# %s\n", cb->title);
        if (cb->opt.version)
            printf("%%%%stix-version %s\n", cb->opt.version == 20 ? "2.0" : "2.1");
        if (cb->opt.strict)
            printf("%%%%strict\n");
        printf("%s\n", cb->json);
        for (size_t i = 0; i < rep.n; i++)
            printf("%s: %s\n", rep.v[i].severity == SOL_STIX_ERROR ? "error" : "warning",
                   sol_stix_finding_format(&rep.v[i], buf, sizeof buf));
        if (rep.n == 0)
            printf("ok\n");
        printf("\n");
        sol_stix_report_free(&rep);
        return;
    }
    bool want_ok = cb->nexpect == 1 && !strcmp(cb->expect[0], "ok");
    size_t want_n = want_ok ? 0 : cb->nexpect;
    for (size_t i = 0; i < rep.n || i < want_n; i++) {
        char got[1300] = "(nothing)";
        if (i < rep.n)
            snprintf(got, sizeof got, "%s: %s",
                     rep.v[i].severity == SOL_STIX_ERROR ? "error" : "warning",
                     sol_stix_finding_format(&rep.v[i], buf, sizeof buf));
        const char *want = i < want_n ? cb->expect[i] : "(nothing)";
        if (strcmp(got, want) != 0) {
            printf("# finding %zu:\n#   got:  %s\n#   want: %s\n", i + 1, got, want);
            failed = 1;
        }
    }
    /* The return value agrees with the findings. */
    if (rc >= 0 && (rc == 1) != (rep.errors > 0)) {
        printf("# returned %d with %zu errors\n", rc, rep.errors);
        failed = 1;
    }
    harness_report(name, failed);
    sol_stix_report_free(&rep);
}

static void
free_block(struct case_block *cb)
{
    free(cb->json);
    for (size_t i = 0; i < cb->nexpect; i++)
        free(cb->expect[i]);
    free(cb->expect);
    memset(cb, 0, sizeof *cb);
}

static void
run_file(struct sol_json_doc *doc, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("# cannot open %s\n", path);
        harness_report(path, 1);
        return;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    struct case_block cb;
    memset(&cb, 0, sizeof cb);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    bool open = false;
    for (;;) {
        len = getline(&line, &cap, f);
        lineno++;
        if (len >= 0)
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
        if (len < 0 || len == 0) {
            if (open) {
                run_case(doc, &cb);
                free_block(&cb);
                open = false;
            }
            if (len < 0)
                break;
            continue;
        }
        if (!open) {
            memset(&cb, 0, sizeof cb);
            cb.file = base;
            cb.line = lineno;
            open = true;
        }
        if (line[0] == '#') {
            if (!cb.title[0])
                snprintf(cb.title, sizeof cb.title, "%s", line + 1 + (line[1] == ' '));
        } else if (!strncmp(line, "%%stix-version 2.0", 18)) {
            cb.opt.version = 20;
        } else if (!strncmp(line, "%%stix-version 2.1", 18)) {
            cb.opt.version = 21;
        } else if (!strcmp(line, "%%strict")) {
            cb.opt.strict = true;
        } else if (!cb.json) {
            cb.json = strdup(line);
        } else {
            cb.expect = realloc(cb.expect, (cb.nexpect + 1) * sizeof *cb.expect);
            cb.expect[cb.nexpect++] = strdup(line);
        }
    }
    free(line);
    fclose(f);
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_path(struct sol_json_doc *doc, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        run_file(doc, path);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".test")) {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n] = malloc(strlen(path) + l + 2);
            sprintf(names[n], "%s/%s", path, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        run_file(doc, names[i]);
        free(names[i]);
    }
    free(names);
}

int
main(int argc, char **argv)
{
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "--print")) {
        print_mode = true;
        first = 2;
    }
    if (first >= argc)
        run_path(doc, "cases/stix");
    for (int i = first; i < argc; i++)
        run_path(doc, argv[i]);
    sol_json_doc_free(doc);
    if (print_mode)
        return 0;
    (void)harness_current_failed;
    return harness_done();
}
