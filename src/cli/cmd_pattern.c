/*
 * cmd_pattern.c — solidarity pattern: check, dump and match STIX patterns (STIX 2.1 §9).
 *
 *   solidarity pattern check PATTERN          0 valid, 2 invalid (message with column)
 *   solidarity pattern dump PATTERN           the parsed tree, one line per node
 *   solidarity pattern match PATTERN FILE...  0 match (prints the observed-data ids),
 *                                             1 no match, 2 error
 * PATTERN "-" reads the pattern from standard input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/util.h"

static void
help(FILE *f)
{
    fprintf(f, "usage: solidarity pattern check [OPTIONS] PATTERN\n"
               "       solidarity pattern dump [OPTIONS] PATTERN\n"
               "       solidarity pattern match [OPTIONS] PATTERN FILE...\n\n"
               "Check, print and evaluate STIX patterns (STIX 2.1 section 9).\n"
               "PATTERN '-' reads the pattern from standard input. FILE holds STIX JSON:\n"
               "a bundle, an array of objects or one observed-data object; '-' is stdin.\n\n"
               "options:\n"
               "  --stix-version 2.0|2.1  the dialect of the pattern (default 2.1)\n"
               "  --strict                warn about unknown object types and properties,\n"
               "                          non-canonical forms (== <>) and a qualifier after\n"
               "                          several observation expressions (it qualifies the\n"
               "                          last alone); in 2.1 AND across object types\n"
               "                          becomes an error\n"
               "  --help                  this text\n\n"
               "exit status: check 0 valid, 2 invalid; match 0 match, 1 no match, 2 error\n"
               "(invalid pattern, or input that validate refuses).\n");
}

/* The pattern text of argument a ("-": all of standard input, without a final newline). */
static int
pattern_text(const char *a, struct sol_buf *out)
{
    if (strcmp(a, "-") != 0) {
        sol_buf_puts(out, a);
        return 0;
    }
    struct sol_error err = {0};
    if (sol_read_file("-", 1 << 20, out, &err)) {
        cli_error("pattern", "standard input: %s", err.msg);
        return -1;
    }
    while (out->n && (out->p[out->n - 1] == '\n' || out->p[out->n - 1] == '\r'))
        out->n--;
    return 0;
}

static void
print_warnings(const struct sol_pattern *p)
{
    for (size_t i = 0; i < sol_pattern_warning_count(p); i++) {
        unsigned col = 0;
        const char *msg = sol_pattern_warning(p, i, &col);
        cli_error("pattern", "warning: column %u: %s", col, msg);
    }
}

static int
match(const struct sol_pattern *pat, int nfiles, char **files)
{
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    struct sol_json_doc **docs = sol_calloc((size_t)nfiles, sizeof *docs);
    struct sol_observation_set *set = sol_observation_set_new();
    int rc = CLI_ERR;
    struct sol_error err = {0};
    if (!docs || !set) {
        cli_error("pattern", "out of memory");
        goto out;
    }
    for (int i = 0; i < nfiles; i++) {
        const struct sol_json *root;
        docs[i] = sol_json_doc_new(NULL);
        if (!docs[i]) {
            cli_error("pattern", "out of memory");
            goto out;
        }
        if (sol_json_parse_file(docs[i], files[i], &root, &err)) {
            char buf[700];
            cli_error("pattern", "%s: %s", files[i], sol_error_format(&err, buf, sizeof buf));
            goto out;
        }
        if (sol_observation_set_add_json(set, root, &err)) {
            char buf[700];
            cli_error("pattern", "%s: %s", files[i], sol_error_format(&err, buf, sizeof buf));
            goto out;
        }
    }
    if (sol_observation_set_finish(set, &err)) {
        char buf[700];
        cli_error("pattern", "%s", sol_error_format(&err, buf, sizeof buf));
        goto out;
    }
    size_t n;
    const struct sol_observation *obs = sol_observation_set_items(set, &n);
    struct sol_pattern_result res = {0};
    if (sol_pattern_match(pat, obs, n, NULL, &res, &err)) {
        cli_error("pattern", "%s", err.msg);
        goto out;
    }
    if (res.regex_limit_hits)
        cli_error("pattern",
                  "warning: %u regular expression matches hit the match limit and "
                  "counted as no match",
                  res.regex_limit_hits);
    for (size_t i = 0; i < res.nobs; i++) {
        const struct sol_observation *o = &obs[res.obs[i]];
        printf("%.*s\n", (int)o->id.n, o->id.p);
    }
    rc = res.matched ? CLI_OK : CLI_NO;
    sol_pattern_result_free(&res);
out:
    sol_observation_set_free(set);
    if (docs)
        for (int i = 0; i < nfiles; i++)
            sol_json_doc_free(docs[i]);
    sol_free(docs);
    return rc;
}

int
cli_cmd_pattern(int argc, char **argv)
{
    struct sol_pattern_options opt = {0};
    const char *args[3] = {NULL, NULL, NULL};
    char **files = NULL;
    int nargs = 0, nfiles = 0;
    files = calloc((size_t)argc + 1, sizeof *files);
    if (!files) {
        cli_error("pattern", "out of memory");
        return CLI_ERR;
    }
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (!dashdash && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            help(stdout);
            free(files);
            return CLI_OK;
        } else if (!dashdash && strcmp(a, "--strict") == 0) {
            opt.strict = true;
        } else if (!dashdash &&
                   (strcmp(a, "--stix-version") == 0 || strncmp(a, "--stix-version=", 15) == 0)) {
            const char *v = a[14] == '=' ? a + 15 : (i + 1 < argc ? argv[++i] : "");
            if (strcmp(v, "2.0") == 0 || strcmp(v, "20") == 0)
                opt.stix_version = 20;
            else if (strcmp(v, "2.1") == 0 || strcmp(v, "21") == 0)
                opt.stix_version = 21;
            else {
                free(files);
                return cli_usage("pattern", "--stix-version takes 2.0 or 2.1, not '%s'", v);
            }
        } else if (!dashdash && a[0] == '-' && a[1] != '\0') {
            free(files);
            return cli_usage("pattern", "unknown option '%s'", a);
        } else if (nargs < 2) {
            args[nargs++] = a;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nargs < 1) {
        free(files);
        return cli_usage("pattern", "expected check, dump or match");
    }
    const char *sub = args[0];
    bool is_check = strcmp(sub, "check") == 0, is_dump = strcmp(sub, "dump") == 0,
         is_match = strcmp(sub, "match") == 0;
    if (!is_check && !is_dump && !is_match) {
        free(files);
        return cli_usage("pattern", "unknown subcommand '%s' (check, dump or match)", sub);
    }
    if (nargs < 2 || (!is_match && nfiles) || (is_match && !nfiles)) {
        free(files);
        return cli_usage(
            "pattern",
            is_match ? "match takes a PATTERN and at least one FILE" : "%s takes one PATTERN", sub);
    }
    struct sol_buf text;
    sol_buf_init(&text);
    if (pattern_text(args[1], &text)) {
        sol_buf_free(&text);
        free(files);
        return CLI_ERR;
    }
    struct sol_pattern *pat = NULL;
    struct sol_error err = {0};
    int rc = sol_pattern_parse(text.p ? text.p : "", text.n, &opt, &pat, &err);
    sol_buf_free(&text);
    if (rc) {
        if (err.column)
            cli_error("pattern", "column %u: %s", err.column, err.msg);
        else
            cli_error("pattern", "%s", err.msg);
        free(files);
        return CLI_ERR;
    }
    print_warnings(pat);
    int status = CLI_OK;
    if (is_dump) {
        struct sol_buf out;
        sol_buf_init(&out);
        if (sol_pattern_dump(pat, &out)) {
            cli_error("pattern", "out of memory");
            status = CLI_ERR;
        } else {
            fwrite(out.p, 1, out.n, stdout);
        }
        sol_buf_free(&out);
    } else if (is_match) {
        status = match(pat, nfiles, files);
    }
    sol_pattern_free(pat);
    free(files);
    return status;
}
