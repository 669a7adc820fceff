/*
 * test_transcripts.c — runs the TAXII request/response transcripts of
 * tests/cases/taxii/ (the files ending in .txt) in-process, each file against a fresh temporary
 * store with the fixture below (API roots, partners, users of each clearance, tokens, grants).
 *
 * A transcript is a list of steps; each step is a request and the checks on its answer:
 *
 *   # comment
 *   === the step's name
 *   GET /intel/collections/?match[type]=indicator
 *   Authorization: Bearer ${alice}
 *                                      (a blank line, then the body, if any)
 *   --- 200
 *   header Content-Type = application/taxii+json;version=2.1
 *   header X-TAXII-Date-Added-First present | absent
 *   json objects[0].id = "indicator--..."   (a JSON value, compared as JSON)
 *   json next absent | present
 *   count objects = 2                       (elements of a list; absent counts 0)
 *   contains some text                      (in the raw body)
 *   body {}                                 (the raw body, exactly)
 *   empty                                   (no body at all)
 *   set NAME = json PATH | header NAME      (then ${NAME} in later requests)
 *
 * Accept defaults to the TAXII 2.1 type and a POST's Content-Type too; a header line
 * with nothing after the colon sends no such header. ${user} is that user's API token,
 * ${basic_user} their Basic credentials.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "solidarity/taxii.h"

struct var {
    char name[64];
    char *value;
};
static struct var vars[64];
static size_t n_vars;

static void
var_set(const char *name, const char *value)
{
    for (size_t i = 0; i < n_vars; i++)
        if (strcmp(vars[i].name, name) == 0) {
            free(vars[i].value);
            vars[i].value = strdup(value);
            return;
        }
    if (n_vars == sizeof(vars) / sizeof(vars[0]))
        return;
    snprintf(vars[n_vars].name, sizeof(vars[n_vars].name), "%s", name);
    vars[n_vars++].value = strdup(value);
}

static const char *
var_get(const char *name, size_t n)
{
    for (size_t i = 0; i < n_vars; i++)
        if (strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0)
            return vars[i].value;
    return NULL;
}

static void
vars_clear(void)
{
    for (size_t i = 0; i < n_vars; i++)
        free(vars[i].value);
    n_vars = 0;
}

/* Replace ${name} in s; an unknown name stays as it is (and the step then fails). */
static char *
expand(const char *s)
{
    struct sol_buf b;
    sol_buf_init(&b);
    while (*s) {
        const char *d = strstr(s, "${");
        const char *e = d ? strchr(d, '}') : NULL;
        if (!d || !e) {
            sol_buf_puts(&b, s);
            break;
        }
        sol_buf_append(&b, s, (size_t)(d - s));
        const char *v = var_get(d + 2, (size_t)(e - d - 2));
        if (v)
            sol_buf_puts(&b, v);
        else
            sol_buf_append(&b, d, (size_t)(e - d + 1));
        s = e + 1;
    }
    sol_buf_putc(&b, '\0');
    return b.p;
}

/* A step as read from the file. */
struct step {
    char name[256];
    char method[16];
    char *target;
    struct sol_buf headers; /* "Name: value\n" lines, not yet expanded */
    struct sol_buf body;
    bool has_body;
    int want_status;
    struct sol_buf checks; /* lines */
    unsigned line;
};

static void
step_init(struct step *st)
{
    memset(st, 0, sizeof(*st));
    sol_buf_init(&st->headers);
    sol_buf_init(&st->body);
    sol_buf_init(&st->checks);
}

static void
step_free(struct step *st)
{
    free(st->target);
    sol_buf_free(&st->headers);
    sol_buf_free(&st->body);
    sol_buf_free(&st->checks);
}

/* Find a header in "Name: value\n" lines (case-insensitive name); *present tells absence. */
static char *
header_of(const char *lines, const char *name, bool *present)
{
    *present = false;
    size_t n = strlen(name);
    for (const char *p = lines; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t vn = (size_t)(p + len - v);
            *present = vn > 0;
            char *raw = strndup(v, vn);
            char *out = expand(raw);
            free(raw);
            return out;
        }
        p = nl ? nl + 1 : p + len;
    }
    return NULL;
}

/* path := segment ( "." segment | "[" n "]" )* */
static const struct sol_json *
json_path(const struct sol_json *v, const char *path)
{
    const char *p = path;
    while (v && *p) {
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[') {
            char *end = NULL;
            size_t i = (size_t)strtoul(p + 1, &end, 10);
            if (*end != ']')
                return NULL;
            p = end + 1;
            v = sol_json_type(v) == SOL_JSON_ARRAY ? sol_json_at(v, i) : NULL;
            continue;
        }
        size_t n = strcspn(p, ".[");
        v = sol_json_getn(v, p, n);
        p += n;
    }
    return v;
}

static const char *
resp_header(const struct sol_taxii_response *r, const char *name)
{
    if (strcasecmp(name, "Content-Type") == 0)
        return r->content_type;
    if (strcasecmp(name, "X-TAXII-Date-Added-First") == 0)
        return r->date_added_first[0] ? r->date_added_first : NULL;
    if (strcasecmp(name, "X-TAXII-Date-Added-Last") == 0)
        return r->date_added_last[0] ? r->date_added_last : NULL;
    if (strcasecmp(name, "WWW-Authenticate") == 0)
        return r->www_authenticate;
    if (strcasecmp(name, "Allow") == 0)
        return r->allow;
    return NULL;
}

/* Run the checks of st against resp; returns the number of failures (printed as TAP comments). */
static int
check_step(const struct step *st, const struct sol_taxii_response *resp)
{
    int fails = 0;
    if (resp->status != st->want_status) {
        printf("# line %u: status %d, expected %d\n", st->line, resp->status, st->want_status);
        fails++;
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    struct sol_error err;
    bool parsed = !resp->no_body && sol_json_parse(doc, resp->body.p ? resp->body.p : "",
                                                   resp->body.n, &root, &err) == 0;
    /* TAXII 2.1 §3.1: every TAXII response carries the TAXII type. */
    if (!resp->content_type || strcmp(resp->content_type, SOL_TAXII_MEDIA_TYPE) != 0) {
        printf("# line %u: Content-Type %s\n", st->line, resp->content_type);
        fails++;
    }
    if (resp->status >= 400) {
        /* §3.6.1: an error resource whose http_status equals the status */
        char code[16];
        snprintf(code, sizeof(code), "%d", resp->status);
        const struct sol_json *hs = parsed ? sol_json_get(root, "http_status") : NULL;
        if (!hs || !sol_str_eqc(sol_json_str(hs), code) || !sol_json_get(root, "title")) {
            printf("# line %u: not an error resource with http_status %s\n", st->line, code);
            fails++;
        }
    }
    char *checks = strdup(st->checks.p ? st->checks.p : "");
    for (char *line = strtok(checks, "\n"); line; line = strtok(NULL, "\n")) {
        char *l = expand(line);
        bool ok = true;
        if (strncmp(l, "header ", 7) == 0) {
            char *name = l + 7, *sp = strchr(name, ' ');
            if (sp)
                *sp = '\0';
            const char *have = resp_header(resp, name);
            const char *rest = sp ? sp + 1 : "present";
            if (strcmp(rest, "present") == 0)
                ok = have != NULL;
            else if (strcmp(rest, "absent") == 0)
                ok = have == NULL;
            else if (strncmp(rest, "= ", 2) == 0)
                ok = have && strcmp(have, rest + 2) == 0;
            else
                ok = false;
            if (!ok)
                printf("# line %u: header %s is '%s'; expected %s\n", st->line, name,
                       have ? have : "(absent)", rest);
        } else if (strncmp(l, "json ", 5) == 0 || strncmp(l, "count ", 6) == 0) {
            bool count = l[0] == 'c';
            char *path = l + (count ? 6 : 5), *sp = strchr(path, ' ');
            if (sp)
                *sp = '\0';
            const char *rest = sp ? sp + 1 : "";
            const struct sol_json *v = parsed ? json_path(root, path) : NULL;
            if (count) {
                long want = strncmp(rest, "= ", 2) == 0 ? strtol(rest + 2, NULL, 10) : -1;
                long have = v && sol_json_type(v) == SOL_JSON_ARRAY ? (long)v->n : 0;
                ok = have == want;
                if (!ok)
                    printf("# line %u: count %s = %ld, expected %ld\n", st->line, path, have, want);
            } else if (strcmp(rest, "present") == 0) {
                ok = v != NULL;
                if (!ok)
                    printf("# line %u: %s is absent\n", st->line, path);
            } else if (strcmp(rest, "absent") == 0) {
                ok = parsed && v == NULL;
                if (!ok)
                    printf("# line %u: %s is present\n", st->line, path);
            } else if (strncmp(rest, "= ", 2) == 0) {
                struct sol_json_doc *d2 = sol_json_doc_new(NULL);
                const struct sol_json *want = NULL;
                ok = v && sol_json_parse(d2, rest + 2, strlen(rest + 2), &want, &err) == 0 &&
                     sol_json_equal(v, want);
                if (!ok) {
                    struct sol_buf b;
                    sol_buf_init(&b);
                    if (v)
                        sol_json_canonical(&b, v);
                    printf("# line %u: %s is %s, expected %s\n", st->line, path,
                           v ? b.p : "(absent)", rest + 2);
                    sol_buf_free(&b);
                }
                sol_json_doc_free(d2);
            } else {
                ok = false;
                printf("# line %u: bad check '%s'\n", st->line, l);
            }
        } else if (strncmp(l, "contains ", 9) == 0) {
            ok = resp->body.p && strstr(resp->body.p, l + 9);
            if (!ok)
                printf("# line %u: the body lacks '%s'\n", st->line, l + 9);
        } else if (strncmp(l, "body ", 5) == 0) {
            ok = resp->body.p && strcmp(resp->body.p, l + 5) == 0;
            if (!ok)
                printf("# line %u: the body is '%s', not '%s'\n", st->line,
                       resp->body.p ? resp->body.p : "", l + 5);
        } else if (strcmp(l, "empty") == 0) {
            ok = resp->no_body;
            if (!ok)
                printf("# line %u: the response has a body\n", st->line);
        } else if (strncmp(l, "set ", 4) == 0) {
            char name[64], kind[16], what[256];
            if (sscanf(l + 4, "%63s = %15s %255s", name, kind, what) != 3) {
                ok = false;
            } else if (strcmp(kind, "json") == 0) {
                const struct sol_json *v = parsed ? json_path(root, what) : NULL;
                ok = sol_json_is_string(v);
                if (ok)
                    var_set(name, v->u.s);
            } else {
                const char *h = resp_header(resp, what);
                ok = h != NULL;
                if (ok)
                    var_set(name, h);
            }
            if (!ok)
                printf("# line %u: cannot set from '%s'\n", st->line, l);
        } else {
            ok = false;
            printf("# line %u: unknown check '%s'\n", st->line, l);
        }
        fails += !ok;
        free(l);
    }
    free(checks);
    if (fails)
        printf("# body: %.1500s\n", resp->body.p ? resp->body.p : "");
    sol_json_doc_free(doc);
    return fails;
}

static int
run_step(const struct sol_taxii_server *srv, struct sol_store *s, const struct step *st)
{
    char *target = expand(st->target);
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    bool has_accept, has_ct, has_auth;
    char *accept = header_of(st->headers.p, "Accept", &has_accept);
    char *ct = header_of(st->headers.p, "Content-Type", &has_ct);
    char *auth = header_of(st->headers.p, "Authorization", &has_auth);
    char *body = st->body.n ? expand(st->body.p) : NULL;
    struct sol_taxii_request req = {
        .method = st->method,
        .path = target,
        .query = q,
        .accept = accept ? (has_accept ? accept : NULL) : SOL_TAXII_MEDIA_TYPE,
        .content_type = ct ? (has_ct ? ct : NULL) : (body ? SOL_TAXII_MEDIA_TYPE : NULL),
        .authorization = has_auth ? auth : NULL,
        .body = body,
        .body_n = body ? strlen(body) : 0,
        .content_length = body ? (int64_t)strlen(body) : -1,
    };
    struct sol_taxii_response resp;
    sol_taxii_response_init(&resp);
    int rc = sol_taxii_handle(srv, s, &req, &resp);
    int fails = rc != 0;
    fails += check_step(st, &resp);
    sol_taxii_response_clear(&resp);
    free(target);
    free(accept);
    free(ct);
    free(auth);
    free(body);
    return fails;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void
run_file(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f) {
        harness_report(file, 1);
        return;
    }
    char tmp[] = "/tmp/sol-taxii-XXXXXX";
    struct sol_store *s = NULL;
    struct sol_taxii_server *srv = NULL;
    struct sol_error err;
    sol_error_clear(&err);
    if (!mkdtemp(tmp) || sol_store_open(tmp, &s, &err) < 0 || taxii_fixture_setup(s, var_set) < 0 ||
        sol_taxii_server_new(s, NULL, &srv, &err) < 0) {
        printf("# %s: fixture: %s\n", file, err.msg);
        harness_report(file, 1);
        fclose(f);
        sol_store_close(s);
        return;
    }
    char line[65536];
    unsigned lineno = 0;
    enum { NONE, HEAD, BODY, CHECKS } mode = NONE;
    struct step st;
    step_init(&st);
    bool have = false;
    for (;;) {
        bool eof = !fgets(line, sizeof(line), f);
        if (!eof)
            lineno++;
        size_t n = eof ? 0 : strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (eof || strncmp(line, "=== ", 4) == 0) {
            if (have) {
                char name[600];
                snprintf(name, sizeof(name), "%s: %s", file, st.name);
                harness_report(name, run_step(srv, s, &st) != 0 || mode != CHECKS);
            }
            step_free(&st);
            step_init(&st);
            have = false;
            if (eof)
                break;
            snprintf(st.name, sizeof(st.name), "%.200s", line + 4);
            st.line = lineno;
            have = true;
            mode = HEAD;
            if (!fgets(line, sizeof(line), f))
                break;
            lineno++;
            n = strlen(line);
            if (n && line[n - 1] == '\n')
                line[--n] = '\0';
            char *sp = strchr(line, ' ');
            if (sp) {
                *sp = '\0';
                snprintf(st.method, sizeof(st.method), "%.15s", line);
                st.target = strdup(sp + 1);
            } else {
                st.target = strdup("");
            }
            continue;
        }
        if (mode == NONE || (line[0] == '#' && mode != BODY))
            continue;
        if (strncmp(line, "--- ", 4) == 0) {
            st.want_status = atoi(line + 4);
            mode = CHECKS;
            continue;
        }
        if (mode == HEAD) {
            if (n == 0) {
                mode = BODY;
                st.has_body = true;
            } else {
                sol_buf_puts(&st.headers, line);
                sol_buf_putc(&st.headers, '\n');
            }
        } else if (mode == BODY) {
            sol_buf_puts(&st.body, line);
            sol_buf_putc(&st.body, '\n');
        } else if (mode == CHECKS && n) {
            sol_buf_puts(&st.checks, line);
            sol_buf_putc(&st.checks, '\n');
        }
    }
    step_free(&st);
    fclose(f);
    sol_taxii_server_free(srv);
    sol_store_close(s);
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    vars_clear();
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "cases/taxii";
    (void)harness_current_failed;
    sol_access_set_weak_password_hashing(true);
    DIR *d = opendir(dir);
    if (!d) {
        printf("not ok 1 - cannot open %s\n1..1\n", dir);
        return 1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (argc > 2 && !strstr(names[i], argv[2])) {
            free(names[i]);
            continue;
        }
        run_file(dir, names[i]);
        free(names[i]);
    }
    return harness_done();
}
