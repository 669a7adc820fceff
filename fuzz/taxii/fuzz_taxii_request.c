/*
 * fuzz_taxii_request.c — libFuzzer target over the TAXII request path: method, URL with
 * its query string, headers and body go through sol_taxii_handle() in-process against a
 * store made once per process with the TAXII tests' fixture (users, grants, collections).
 *
 * Input: "METHOD TARGET\n" then "Name: value\n" header lines (Accept, Content-Type,
 * Authorization; "${alice}" and the like expand to the fixture's credentials), an empty
 * line, then the body. Every response must be a TAXII one: the TAXII Content-Type, and a
 * JSON error resource whose http_status is the status for every 4xx and 5xx.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../tests/taxii/fixture.h"
#include "solidarity/access.h"
#include "solidarity/json.h"
#include "solidarity/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sol_store *store;
static struct sol_taxii_server *server;
static char tmpdir[] = "/tmp/sol-fuzz-taxii-XXXXXX";
static char tokens[4][96]; /* alice, bob, admin: "Bearer <token>" */

static void
remember(const char *name, const char *value)
{
    int k = strcmp(name, "alice") == 0   ? 0
            : strcmp(name, "bob") == 0   ? 1
            : strcmp(name, "admin") == 0 ? 2
                                         : -1;
    if (k >= 0)
        snprintf(tokens[k], sizeof(tokens[k]), "Bearer %s", value);
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
teardown(void)
{
    sol_taxii_server_free(server);
    sol_store_close(store);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
setup(void)
{
    if (server)
        return 0;
    sol_access_set_weak_password_hashing(true);
    if (!mkdtemp(tmpdir) || sol_store_open(tmpdir, &store, NULL) < 0 ||
        taxii_fixture_setup(store, remember) < 0 ||
        sol_taxii_server_new(store, NULL, &server, NULL) < 0)
        abort();
    atexit(teardown);
    return 0;
}

/* A header's value, with "${alice}", "${bob}", "${admin}" expanded. */
static const char *
header_value(char *v)
{
    if (strcmp(v, "${alice}") == 0)
        return tokens[0];
    if (strcmp(v, "${bob}") == 0)
        return tokens[1];
    if (strcmp(v, "${admin}") == 0)
        return tokens[2];
    return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct sol_taxii_request req = {.method = "GET", .path = "/", .content_length = -1};
    char *p = buf, *end = buf + size;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *line = p;
    if (nl)
        *nl = '\0';
    p = nl ? nl + 1 : end;
    char *sp = strchr(line, ' ');
    if (sp) {
        *sp = '\0';
        req.method = line;
        req.path = sp + 1;
        char *q = strchr(sp + 1, '?');
        if (q) {
            *q = '\0';
            req.query = q + 1;
        }
    }
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        line = p;
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : end;
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (strcasecmp(line, "Accept") == 0)
            req.accept = header_value(v);
        else if (strcasecmp(line, "Content-Type") == 0)
            req.content_type = header_value(v);
        else if (strcasecmp(line, "Authorization") == 0)
            req.authorization = header_value(v);
    }
    req.body = p;
    req.body_n = (size_t)(end - p);
    req.content_length = (int64_t)req.body_n;
    struct sol_taxii_response resp;
    sol_taxii_response_init(&resp);
    if (sol_taxii_handle(server, store, &req, &resp) == 0) {
        if (strcmp(resp.content_type, SOL_TAXII_MEDIA_TYPE) != 0)
            abort();
        if (resp.status >= 400) {
            struct sol_json_doc *doc = sol_json_doc_new(NULL);
            const struct sol_json *root = NULL;
            char code[8];
            snprintf(code, sizeof(code), "%d", resp.status);
            if (sol_json_parse(doc, resp.body.p, resp.body.n, &root, NULL) != 0 ||
                !sol_str_eqc(sol_json_str(sol_json_get(root, "http_status")), code))
                abort();
            sol_json_doc_free(doc);
        }
    }
    sol_taxii_response_clear(&resp);
    free(buf);
    return 0;
}
