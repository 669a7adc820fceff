/*
 * test_pattern_cases.c — runs the data-driven pattern cases (the .test files of
 * tests/cases/pattern), one TAP line per case (the way jq runs jq.test).
 *
 * A case is a block of lines ended by a blank line; '#' lines outside cases are comments.
 *
 *   %%VERSION 2.0          (optional) parse as STIX 2.0
 *   %%STRICT               (optional) parse with strict checks
 *   %%NFC                  (optional) skip the case when the build has no NFC (ICU)
 *   PATTERN                the whole line is the pattern text
 *   observations...        (optional) see below
 *   EXPECTATION            one of:
 *     valid                      the pattern parses (and any %%WARN lines hold)
 *     match                      it matches the observations
 *     match ID ID...             it matches, and exactly these observed-data ids are named
 *     no match                   it does not match
 *     %%FAIL column N: MESSAGE   parsing fails with exactly this column and message
 *     %%FAIL MESSAGE             parsing fails with this message (no column: a limit)
 *     %%ERROR MESSAGE            the pattern parses, but the observations are invalid input
 *                                (exit 2): reading or matching them fails with exactly
 *                                "PATH: MESSAGE" (or MESSAGE when there is no path)
 *     %%DUMP                     the following lines are the exact `pattern dump` output
 *   %%WARN column N: MESSAGE     (after valid/match/no match) a strict warning, in order
 *
 * Observations: "obs [id=ID] [first=TIME] [last=TIME] [n=N]" starts an observed-data
 * (ids default to obs1, obs2, ...; times to 2020-01-01T00:00:00Z; n to 1). The lines
 * after it are its SCOs, "TYPE key=value ...", keyed "0", "1", ... in its objects
 * (STIX 2.0 style; "@KEY TYPE ..." chooses the key). A value is JSON when it starts
 * with " [ or {, or is a number, true, false or null; otherwise it is a bare string up
 * to the next space. SCO lines before any "obs" line start obs1 implicitly. A line
 * starting with "json " is raw JSON added as it is (a bundle, an array or an object),
 * for STIX 2.1 object_refs cases.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/json.h"
#include "solidarity/pattern.h"
#include "solidarity/util.h"

struct builder {
    struct sol_buf json; /* a JSON array of observed-data (and raw objects) */
    bool in_obs;         /* an observed-data is open (its "objects" dict is open) */
    unsigned nobs;
    unsigned nsco;
    bool any; /* an element has been written to the array */
};

static void
b_close_obs(struct builder *b)
{
    if (b->in_obs) {
        sol_buf_puts(&b->json, "}}");
        b->in_obs = false;
    }
}

static void
b_sep(struct builder *b)
{
    if (b->any)
        sol_buf_putc(&b->json, ',');
    b->any = true;
}

/* The next word of s (up to a space), advancing *s. */
static size_t
word(const char **s, const char **w)
{
    while (**s == ' ')
        (*s)++;
    *w = *s;
    while (**s && **s != ' ')
        (*s)++;
    return (size_t)(*s - *w);
}

static void
b_open_obs(struct builder *b, const char *args)
{
    b_close_obs(b);
    b->nobs++;
    b->nsco = 0;
    char id[128], first[64] = "2020-01-01T00:00:00Z", last[64] = "", n[32] = "1";
    snprintf(id, sizeof id, "obs%u", b->nobs);
    const char *s = args, *w;
    size_t len;
    while ((len = word(&s, &w)) > 0) {
        char *dst = NULL;
        size_t cap = 0, skip = 0;
        if (len > 3 && strncmp(w, "id=", 3) == 0)
            dst = id, cap = sizeof id, skip = 3;
        else if (len > 6 && strncmp(w, "first=", 6) == 0)
            dst = first, cap = sizeof first, skip = 6;
        else if (len > 5 && strncmp(w, "last=", 5) == 0)
            dst = last, cap = sizeof last, skip = 5;
        else if (len > 2 && strncmp(w, "n=", 2) == 0)
            dst = n, cap = sizeof n, skip = 2;
        if (dst)
            snprintf(dst, cap, "%.*s", (int)(len - skip), w + skip);
    }
    if (!last[0])
        snprintf(last, sizeof last, "%s", first);
    b_sep(b);
    sol_buf_printf(&b->json,
                   "{\"type\":\"observed-data\",\"id\":\"%s\",\"first_observed\":\"%s\","
                   "\"last_observed\":\"%s\",\"number_observed\":%s,\"objects\":{",
                   id, first, last, n);
    b->in_obs = true;
}

static bool
is_json_literal(const char *w, size_t n)
{
    if ((n == 4 && !memcmp(w, "true", 4)) || (n == 5 && !memcmp(w, "false", 5)) ||
        (n == 4 && !memcmp(w, "null", 4)))
        return true;
    /* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    size_t i = 0;
    if (i < n && w[i] == '-')
        i++;
    if (i < n && w[i] == '0')
        i++;
    else if (i < n && w[i] >= '1' && w[i] <= '9')
        while (i < n && w[i] >= '0' && w[i] <= '9')
            i++;
    else
        return false;
    if (i < n && w[i] == '.') {
        size_t d = ++i;
        while (i < n && w[i] >= '0' && w[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (w[i] == 'e' || w[i] == 'E')) {
        i++;
        if (i < n && (w[i] == '+' || w[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && w[i] >= '0' && w[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* A JSON value at s: balanced brackets, strings skipped. Returns its length. */
static size_t
json_span(const char *s)
{
    int depth = 0;
    bool str = false;
    size_t i = 0;
    for (; s[i]; i++) {
        char c = s[i];
        if (str) {
            if (c == '\\' && s[i + 1])
                i++;
            else if (c == '"')
                str = false;
            if (!str && depth == 0)
                return i + 1;
            continue;
        }
        if (c == '"')
            str = true;
        else if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return i;
}

static void
b_sco(struct builder *b, const char *line)
{
    if (!b->in_obs)
        b_open_obs(b, "");
    const char *s = line, *w;
    char key[64];
    snprintf(key, sizeof key, "%u", b->nsco);
    size_t len = word(&s, &w);
    if (len && w[0] == '@') {
        snprintf(key, sizeof key, "%.*s", (int)(len - 1), w + 1);
        len = word(&s, &w);
    }
    if (b->nsco++)
        sol_buf_putc(&b->json, ',');
    sol_json_escape(&b->json, key, strlen(key));
    sol_buf_puts(&b->json, ":{\"type\":");
    sol_json_escape(&b->json, w, len);
    for (;;) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        const char *eq = strchr(s, '=');
        if (!eq)
            break;
        sol_buf_putc(&b->json, ',');
        sol_json_escape(&b->json, s, (size_t)(eq - s));
        sol_buf_putc(&b->json, ':');
        s = eq + 1;
        if (*s == '"' || *s == '[' || *s == '{') {
            size_t n = json_span(s);
            sol_buf_append(&b->json, s, n);
            s += n;
        } else {
            len = word(&s, &w);
            if (is_json_literal(w, len))
                sol_buf_append(&b->json, w, len);
            else
                sol_json_escape(&b->json, w, len);
        }
    }
    sol_buf_putc(&b->json, '}');
}

struct tcase {
    char file[256];
    unsigned line;
    unsigned version;
    bool strict;
    bool needs_nfc;
    char *pattern;
    struct builder obs;
    bool has_obs;
    char expect[4096];
    struct sol_buf dump;
    bool want_dump;
    char warns[16][512];
    unsigned nwarns;
};

static bool
have_nfc(void)
{
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_pattern_nfc("\xc3\xa9", 2, &b);
    sol_buf_free(&b);
    return rc != SOL_EUNSUPPORTED;
}

static int
run_case(struct tcase *c)
{
    char name[800];
    snprintf(name, sizeof name, "%s:%u: %.200s", c->file, c->line, c->pattern);
    if (c->needs_nfc && !have_nfc()) {
        char skip[900];
        snprintf(skip, sizeof skip, "%s # SKIP built without ICU (NFC)", name);
        harness_report(skip, 0);
        return 0;
    }
    int failed = 0;
    struct sol_pattern_options opt = {0};
    opt.stix_version = c->version;
    opt.strict = c->strict;
    struct sol_pattern *p = NULL;
    struct sol_error err = {0};
    int rc = sol_pattern_parse(c->pattern, strlen(c->pattern), &opt, &p, &err);
    if (strncmp(c->expect, "%%FAIL", 6) == 0) {
        char got[700];
        if (err.column)
            snprintf(got, sizeof got, "%%%%FAIL column %u: %s", err.column, err.msg);
        else
            snprintf(got, sizeof got, "%%%%FAIL %s", err.msg);
        if (rc == 0) {
            printf("# expected failure, but the pattern parsed\n");
            failed = 1;
        } else if (strcmp(got, c->expect) != 0) {
            printf("# got:      %s\n# expected: %s\n", got, c->expect);
            failed = 1;
        }
        sol_pattern_free(p);
        harness_report(name, failed);
        return failed;
    }
    if (rc) {
        printf("# parse failed: column %u: %s\n", err.column, err.msg);
        harness_report(name, 1);
        return 1;
    }
    size_t nw = sol_pattern_warning_count(p);
    if (nw != c->nwarns) {
        printf("# %zu warnings, expected %u\n", nw, c->nwarns);
        for (size_t i = 0; i < nw; i++) {
            unsigned col;
            const char *m = sol_pattern_warning(p, i, &col);
            printf("#   column %u: %s\n", col, m);
        }
        failed = 1;
    } else {
        for (size_t i = 0; i < nw; i++) {
            unsigned col;
            const char *m = sol_pattern_warning(p, i, &col);
            char got[700];
            snprintf(got, sizeof got, "column %u: %s", col, m);
            if (strcmp(got, c->warns[i]) != 0) {
                printf("# warning got:      %s\n# warning expected: %s\n", got, c->warns[i]);
                failed = 1;
            }
        }
    }
    if (c->want_dump) {
        struct sol_buf out;
        sol_buf_init(&out);
        sol_pattern_dump(p, &out);
        const char *want = c->dump.p ? c->dump.p : "";
        if (out.n != c->dump.n || memcmp(out.p, want, out.n) != 0) {
            printf("# dump got:\n%s# dump expected:\n%s", out.p ? out.p : "", want);
            failed = 1;
        }
        sol_buf_free(&out);
    } else if (strcmp(c->expect, "valid") != 0) {
        bool want_match = strncmp(c->expect, "match", 5) == 0;
        bool want_error = strncmp(c->expect, "%%ERROR ", 8) == 0;
        char got[1000];
        b_close_obs(&c->obs);
        sol_buf_putc(&c->obs.json, ']');
        struct sol_json_doc *doc = sol_json_doc_new(NULL);
        const struct sol_json *root = NULL;
        struct sol_observation_set *set = sol_observation_set_new();
        if (!doc || !set || sol_json_parse(doc, c->obs.json.p, c->obs.json.n, &root, &err) ||
            sol_observation_set_add_json(set, root, &err) ||
            sol_observation_set_finish(set, &err)) {
            snprintf(got, sizeof got, "%%%%ERROR %s%s%s", err.path, err.path[0] ? ": " : "",
                     err.msg);
            if (!want_error || strcmp(got, c->expect) != 0) {
                printf("# observations: %s\n# expected: %s\n# json: %s\n", got, c->expect,
                       c->obs.json.p);
                failed = 1;
            }
        } else {
            size_t n;
            const struct sol_observation *obs = sol_observation_set_items(set, &n);
            struct sol_pattern_result res = {0};
            rc = sol_pattern_match(p, obs, n, NULL, &res, &err);
            snprintf(got, sizeof got, "%%%%ERROR %s%s%s", err.path, err.path[0] ? ": " : "",
                     err.msg);
            if (want_error) {
                if (rc != SOL_EINVALID || strcmp(got, c->expect) != 0) {
                    printf("# got:      %s\n# expected: %s\n",
                           rc            ? got
                           : res.matched ? "match"
                                         : "no match",
                           c->expect);
                    failed = 1;
                }
            } else if (rc) {
                printf("# match failed: %s\n", err.msg);
                failed = 1;
            } else if (res.matched != want_match) {
                printf("# got %s, expected %s\n", res.matched ? "match" : "no match", c->expect);
                failed = 1;
            } else if (want_match && c->expect[5] == ' ') {
                struct sol_buf ids;
                sol_buf_init(&ids);
                sol_buf_puts(&ids, "match");
                for (size_t i = 0; i < res.nobs; i++) {
                    sol_buf_putc(&ids, ' ');
                    sol_buf_append(&ids, obs[res.obs[i]].id.p, obs[res.obs[i]].id.n);
                }
                if (strcmp(ids.p, c->expect) != 0) {
                    printf("# got:      %s\n# expected: %s\n", ids.p, c->expect);
                    failed = 1;
                }
                sol_buf_free(&ids);
            }
            sol_pattern_result_free(&res);
        }
        sol_observation_set_free(set);
        sol_json_doc_free(doc);
    }
    sol_pattern_free(p);
    harness_report(name, failed);
    return failed;
}

static void
reset_case(struct tcase *c)
{
    free(c->pattern);
    sol_buf_free(&c->obs.json);
    sol_buf_free(&c->dump);
    memset(c, 0, sizeof *c);
    sol_buf_init(&c->obs.json);
    sol_buf_putc(&c->obs.json, '[');
    sol_buf_init(&c->dump);
}

/* Run every case of one file; returns how many cases it had. */
static unsigned
run_file(const char *path, const char *shortname)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        harness_report(shortname, 1);
        return 0;
    }
    struct tcase c;
    memset(&c, 0, sizeof c);
    reset_case(&c);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0, cases = 0;
    enum { IDLE, BODY, DUMP, AFTER } state = IDLE;
    for (;;) {
        len = getline(&line, &cap, f);
        lineno++;
        bool eof = len < 0;
        if (!eof) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
        }
        if (eof || len == 0) {
            if (state != IDLE) {
                if (!c.expect[0]) {
                    printf("# %s:%u: a case without an expectation\n", shortname, c.line);
                    harness_report(shortname, 1);
                } else {
                    run_case(&c);
                }
                cases++;
                reset_case(&c);
                state = IDLE;
            }
            if (eof)
                break;
            continue;
        }
        if (state == IDLE) {
            if (line[0] == '#')
                continue;
            if (strcmp(line, "%%VERSION 2.0") == 0) {
                c.version = 20;
                continue;
            }
            if (strcmp(line, "%%STRICT") == 0) {
                c.strict = true;
                continue;
            }
            if (strcmp(line, "%%NFC") == 0) {
                c.needs_nfc = true;
                continue;
            }
            snprintf(c.file, sizeof c.file, "%s", shortname);
            c.line = lineno;
            c.pattern = strdup(line);
            state = BODY;
            continue;
        }
        if (state == DUMP) {
            sol_buf_append(&c.dump, line, (size_t)len);
            sol_buf_putc(&c.dump, '\n');
            continue;
        }
        if (strncmp(line, "%%WARN ", 7) == 0) {
            if (c.nwarns < 16)
                snprintf(c.warns[c.nwarns++], sizeof c.warns[0], "%s", line + 7);
            continue;
        }
        if (state == AFTER)
            continue;
        if (strcmp(line, "valid") == 0 || strcmp(line, "no match") == 0 ||
            strcmp(line, "match") == 0 || strncmp(line, "match ", 6) == 0 ||
            strncmp(line, "%%FAIL", 6) == 0 || strncmp(line, "%%ERROR ", 8) == 0) {
            snprintf(c.expect, sizeof c.expect, "%s", line);
            state = AFTER;
        } else if (strcmp(line, "%%DUMP") == 0) {
            snprintf(c.expect, sizeof c.expect, "%s", line);
            c.want_dump = true;
            state = DUMP;
        } else if (strncmp(line, "obs", 3) == 0 && (line[3] == ' ' || line[3] == '\0')) {
            b_open_obs(&c.obs, line + 3);
        } else if (strncmp(line, "json ", 5) == 0) {
            b_close_obs(&c.obs);
            b_sep(&c.obs);
            sol_buf_puts(&c.obs.json, line + 5);
        } else {
            b_sco(&c.obs, line);
        }
    }
    free(line);
    reset_case(&c);
    free(c.pattern);
    sol_buf_free(&c.obs.json);
    sol_buf_free(&c.dump);
    fclose(f);
    return cases;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    (void)harness_current_failed;
    const char *dir = argc > 1 ? argv[1] : "cases/pattern";
    DIR *d = opendir(dir);
    if (!d) {
        printf("# cannot open %s\n", dir);
        harness_report("open the case directory", 1);
        return harness_done();
    }
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".test") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        run_file(path, names[i]);
        free(names[i]);
    }
    return harness_done();
}
