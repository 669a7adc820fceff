/*
 * test_cache.c — the TAXII GET answer cache (src/taxii/cache.c): a repeated GET is a
 * hit with the same bytes; an add or delete through another handle, a write by another
 * process, a grant taken away, a clearance changed, and another asker each get a fresh
 * answer, never the cached one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "solidarity/access.h"
#include "solidarity/solidarity.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"
#include "solidarity/taxii.h"
#include "taxii/taxii.h"

static char tmp[256];
static char tokens[16][2][160];
static size_t n_tokens;

static void
var_set(const char *name, const char *value)
{
    if (n_tokens < 16) {
        snprintf(tokens[n_tokens][0], sizeof(tokens[0][0]), "%s", name);
        snprintf(tokens[n_tokens][1], sizeof(tokens[0][1]), "%s", value);
        n_tokens++;
    }
}

static const char *
var(const char *name)
{
    for (size_t i = 0; i < n_tokens; i++)
        if (strcmp(tokens[i][0], name) == 0)
            return tokens[i][1];
    return "";
}

/* GET path?query as user; the status, the body into out. */
static int
get(const struct sol_taxii_server *srv, struct sol_store *s, const char *user, const char *path,
    const char *query, struct sol_buf *out)
{
    char auth[256];
    snprintf(auth, sizeof(auth), "Bearer %s", var(user));
    struct sol_taxii_request req = {.method = "GET",
                                    .path = path,
                                    .query = query,
                                    .accept = "application/taxii+json;version=2.1",
                                    .authorization = auth,
                                    .content_length = -1};
    struct sol_taxii_response resp;
    sol_taxii_response_init(&resp);
    sol_taxii_handle(srv, s, &req, &resp);
    sol_buf_reset(out);
    sol_buf_append(out, resp.body.p ? resp.body.p : "", resp.body.n);
    int status = resp.status;
    sol_taxii_response_clear(&resp);
    return status;
}

/* Add a GREEN indicator version to collection A through the store. */
static int
add(struct sol_store *s, const char *id, const char *modified, int tlp)
{
    char json[512];
    snprintf(json, sizeof(json),
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"modified\":\"%s\"}",
             id, modified);
    sol_time_t v = 0;
    sol_time_parse(modified, strlen(modified), 0, &v, NULL, NULL);
    struct sol_object_row row = {.id = sol_str_c(id),
                                 .type = SOL_STR("indicator"),
                                 .spec_version = SOL_STR("2.1"),
                                 .json = sol_str_c(json),
                                 .origin = SOL_STR("test"),
                                 .version = v,
                                 .tlp = tlp};
    return sol_store_object_add(s, COL_A, &row, NULL, NULL);
}

static size_t
hits(const struct sol_taxii_server *srv)
{
    size_t h = 0, m = 0, b = 0;
    sol__taxii_cache_stats(sol__taxii_server_cache(srv), &h, &m, &b);
    return h;
}

#define PATH_A "/intel/collections/" COL_A "/objects/"
#define ID1    "indicator--00000000-0000-4000-8000-0000000000e1"
#define ID2    "indicator--00000000-0000-4000-8000-0000000000e2"

static void
test_invalidation(void)
{
    struct sol_store *s = NULL, *other = NULL;
    struct sol_taxii_server *srv = NULL;
    struct sol_error err;
    snprintf(tmp, sizeof(tmp), "%s/sol-cache-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(tmp) != NULL);
    CHECK_INT(sol_store_open(tmp, &s, &err), 0);
    CHECK_INT(taxii_fixture_setup(s, var_set), 0);
    CHECK_INT(sol_taxii_server_new(s, NULL, &srv, &err), 0);
    CHECK(sol__taxii_server_cache(srv) != NULL);
    CHECK_INT(sol_store_open(tmp, &other, &err), 0); /* another handle, as another thread */

    struct sol_buf a, b;
    sol_buf_init(&a);
    sol_buf_init(&b);
    CHECK_INT(add(other, ID1, "2024-01-01T00:00:00.000Z", 2), 0);
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &a), 200);
    CHECK(strstr(a.p, ID1) != NULL);
    size_t h0 = hits(srv);
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &b), 200);
    CHECK_INT(hits(srv), h0 + 1); /* the same request again: a hit, the same bytes */
    CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);

    /* another query string, another answer */
    CHECK_INT(get(srv, s, "alice", PATH_A, "match[type]=report", &b), 200);
    CHECK(strstr(b.p, ID1) == NULL);

    /* an add through another handle: fresh */
    CHECK_INT(add(other, ID2, "2024-01-01T00:00:00.000Z", 2), 0);
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &a), 200);
    CHECK(strstr(a.p, ID2) != NULL);
    /* a new version of ID1 replaces the old one in the default answer */
    CHECK_INT(add(other, ID1, "2024-03-01T00:00:00.000Z", 2), 0);
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &a), 200);
    CHECK(strstr(a.p, "2024-03-01") != NULL);

    /* a delete through another handle: fresh (a query of its own, cached with ID2 first) */
    CHECK_INT(get(srv, s, "alice", PATH_A, "limit=50", &a), 200);
    CHECK(strstr(a.p, ID2) != NULL);
    const char *ids[] = {ID2};
    struct sol_object_filter f = {.collection = COL_A, .ids = ids, .n_ids = 1, .max_tlp = 5};
    size_t n = 0;
    CHECK_INT(sol_store_objects_delete(other, &f, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(get(srv, s, "alice", PATH_A, "limit=50", &a), 200);
    CHECK(strstr(a.p, ID2) == NULL);

    /* another process writes: fresh */
    CHECK_INT(get(srv, s, "alice", PATH_A, "limit=60", &a), 200);
    CHECK(strstr(a.p, "2024-05-05") == NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct sol_store *child = NULL;
        int rc = sol_store_open(tmp, &child, NULL);
        if (rc == 0)
            rc = add(child, ID2, "2024-05-05T00:00:00.000Z", 2);
        sol_store_close(child);
        _exit(rc == 0 ? 0 : 1);
    }
    int wst = 0;
    CHECK(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    CHECK_INT(get(srv, s, "alice", PATH_A, "limit=60", &a), 200);
    CHECK(strstr(a.p, "2024-05-05") != NULL);

    /* another asker of another clearance: not alice's answer (carol sees CLEAR only) */
    CHECK_INT(get(srv, s, "carol", PATH_A, "", &b), 200);
    CHECK(strstr(b.p, ID1) == NULL);

    /* a grant taken away: no cached answer, the collection is gone for her */
    CHECK_INT(get(srv, s, "bob", PATH_A, "", &b), 200);
    CHECK(strstr(b.p, ID1) != NULL);
    struct sol_user bob;
    CHECK_INT(sol_store_user_get(other, "bob", &bob), 0);
    struct sol_grant g = {.collection = (char *)COL_A, .user_id = bob.id, .can_read = true};
    CHECK_INT(sol_store_grant_remove(other, &g), 0);
    struct sol_grant gp = {
        .collection = (char *)COL_A, .partner_id = bob.partner_id, .can_read = true};
    sol_store_grant_remove(other, &gp);
    CHECK_INT(get(srv, s, "bob", PATH_A, "", &b), 404);

    /* a clearance lowered: the cached GREEN answer is not given */
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &a), 200);
    CHECK(strstr(a.p, ID1) != NULL);
    struct sol_user alice;
    CHECK_INT(sol_store_user_get(other, "alice", &alice), 0);
    alice.clearance = SOL_TLP_CLEAR;
    CHECK_INT(sol_store_user_update(other, &alice), 0);
    CHECK_INT(get(srv, s, "alice", PATH_A, "", &a), 200);
    CHECK(strstr(a.p, ID1) == NULL);
    sol_user_clear(&alice);
    sol_user_clear(&bob);

    sol_buf_free(&a);
    sol_buf_free(&b);
    sol_taxii_server_free(srv);
    sol_store_close(other);
    sol_store_close(s);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmp);
}

int
main(void)
{
    RUN(test_invalidation);
    return harness_done();
}
