/*
 * test_policy_agreement.c — the visibility rule in SQL (src/store/filter.c, what every
 * query of the store selects) and in C (access.c's sol_access_may_see(), what other
 * paths check) give the same answer, on the store named on the command line:
 *
 *   test_policy_agreement sqlite    a temporary SQLite directory
 *   test_policy_agreement pg        a throwaway PostgreSQL cluster ("# SKIP" without one)
 *
 * Every clearance (none, CLEAR ... RED) and partner identity (none, listed, not listed,
 * a prefix of a listed one, other case, one with a comma) asks for versions of every
 * marking (CLEAR ... RED) with every list of TLP:RED recipients, and for objects whose
 * versions differ in marking. For each asker and each shape of query (the default
 * answer, which reads the maintained latest flag where the store keeps one; the full
 * evaluation; all versions; the first; match[spec_version], match[type], match[id];
 * paging with the keyset cursor) the rows the store returns are exactly those the C
 * rule lets the asker see, of the objects whose latest version the C rule lets them see,
 * and of each object the version the filter picks among them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pg_cluster.h"
#include "solidarity/access.h"
#include "solidarity/solidarity.h"
#include "solidarity/stix.h"
#include "solidarity/store.h"

static char url[700];

/* Recipient lists as the store may hold them (ingest writes the first kinds). */
static const char *const lists[] = {
    "",
    "identity--a",
    "identity--b",
    "identity--a,identity--b",
    "identity--b,identity--a",
    "identity--ab",
    "xidentity--a",
    "identity--a,",
    ",identity--b",
    "identity--A",
};
#define N_LISTS (sizeof lists / sizeof lists[0])

/* The askers' partner identities ("" is a user without one). */
static const char *const askers[] = {
    "",
    "identity--a",
    "identity--b",
    "identity--c",
    "identity--ab",
    "identity--A",
    "identity--a,identity--b",
};
#define N_ASKERS (sizeof askers / sizeof askers[0])

/* Objects with two versions whose visibility differs (or not): v1 then v2. */
static const struct {
    int tlp1;
    const char *red1;
    int tlp2;
    const char *red2;
} pairs[] = {
    {SOL_TLP_GREEN, "", SOL_TLP_RED, "identity--a"},
    {SOL_TLP_RED, "identity--a", SOL_TLP_GREEN, ""},
    {SOL_TLP_AMBER, "", SOL_TLP_AMBER_STRICT, ""},
    {SOL_TLP_RED, "identity--a", SOL_TLP_RED, "identity--b"},
    {SOL_TLP_RED, "identity--a", SOL_TLP_RED, "identity--a"},
    {SOL_TLP_CLEAR, "", SOL_TLP_CLEAR, ""},
    {SOL_TLP_RED, "identity--b", SOL_TLP_CLEAR, ""},
};
#define N_PAIRS (sizeof pairs / sizeof pairs[0])

/* What was stored, to judge with the C rule. */
struct stored {
    char id[64], type[32];
    sol_time_t version;
    int tlp;
    const char *red;
};
static struct stored stored[5 * N_LISTS + 2 * N_PAIRS];
static size_t n_stored;

static struct sol_store *
open_store(const char *which)
{
    if (strcmp(which, "sqlite") == 0) {
        char dir[256];
        snprintf(dir, sizeof dir, "%.200s/policy-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 (int)getpid());
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
        if (system(cmd) != 0)
            return NULL;
        snprintf(url, sizeof url, "sqlite:%s", dir);
    } else if (pg_cluster_fresh_db("policy", url, sizeof url) != 0) {
        return NULL;
    }
    struct sol_store *s = NULL;
    struct sol_error err;
    if (sol_store_open(url, &s, &err) != 0)
        printf("# open %s: %s\n", url, err.msg);
    return s;
}

static void
remove_store(void)
{
    if (strncmp(url, "sqlite:", 7) == 0) {
        char cmd[800];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", url + 7);
        if (system(cmd) != 0)
            printf("# could not remove %s\n", url + 7);
    }
}

static int
add(struct sol_store *s, const char *type, const char *id, sol_time_t version, int tlp,
    const char *red)
{
    char json[256];
    snprintf(json, sizeof json, "{\"type\":\"%s\",\"id\":\"%s\"}", type, id);
    struct sol_object_row row = {
        .id = sol_str_c(id),
        .type = sol_str_c(type),
        .spec_version = SOL_STR("2.1"),
        .json = sol_str_c(json),
        .version = version,
        .tlp = tlp,
        .tlp_red_recipients = sol_str_c(red),
    };
    struct stored *st = &stored[n_stored++];
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->type, sizeof st->type, "%s", type);
    st->version = version;
    st->tlp = tlp;
    st->red = red;
    return sol_store_object_add(s, "c", &row, NULL, NULL);
}

static int
fill(struct sol_store *s)
{
    struct sol_api_root r = {.name = "intel", .title = "Intel", .max_content_length = 1000};
    struct sol_collection c = {.id = "c", .api_root = "intel", .title = "T", .default_tlp = 3};
    int rc = sol_store_api_root_put(s, &r);
    if (rc == 0)
        rc = sol_store_collection_put(s, &c);
    const sol_time_t v1 = 1700000000000000, v2 = v1 + 1000000;
    for (int tlp = SOL_TLP_CLEAR; rc == 0 && tlp <= SOL_TLP_RED; tlp++)
        for (size_t l = 0; rc == 0 && l < N_LISTS; l++) {
            char id[64];
            snprintf(id, sizeof id, "indicator--%d-%zu", tlp, l);
            rc = add(s, "indicator", id, v1, tlp, lists[l]);
        }
    for (size_t p = 0; rc == 0 && p < N_PAIRS; p++) {
        char id[64];
        snprintf(id, sizeof id, "malware--pair-%zu", p);
        rc = add(s, "malware", id, v1, pairs[p].tlp1, pairs[p].red1);
        if (rc == 0)
            rc = add(s, "malware", id, v2, pairs[p].tlp2, pairs[p].red2);
    }
    return rc;
}

/* The C rule on one stored version. */
static bool
c_may_see(const struct sol_principal *p, const struct stored *st)
{
    struct sol_object_row row = {.tlp = st->tlp, .tlp_red_recipients = sol_str_c(st->red)};
    return sol_access_may_see(p, &row);
}

/*
 * Whether the object of st exists for the asker (access.h): an object whose
 * latest version (the highest) they may not see does not, in any version.
 */
static bool
c_object_exists(const struct sol_principal *p, const struct stored *st)
{
    const struct stored *latest = st;
    for (size_t k = 0; k < n_stored; k++)
        if (strcmp(stored[k].id, st->id) == 0 && stored[k].version > latest->version)
            latest = &stored[k];
    return c_may_see(p, latest);
}

/* Write lines (freed) into out in byte order, one per line. A few hundred at most. */
static void
put_sorted(char **lines, size_t n, struct sol_buf *out)
{
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(lines[b], lines[a]) < 0) {
                char *t = lines[a];
                lines[a] = lines[b];
                lines[b] = t;
            }
    sol_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        sol_buf_printf(out, "%s\n", lines[i]);
        sol_free(lines[i]);
    }
}

enum pick { PICK_ALL, PICK_LAST, PICK_FIRST };

/*
 * What the filter should answer by the C rule: the visible versions, all of them or of
 * each object the last (first) among its visible ones, of the objects of type (NULL: any)
 * and id (NULL: any); "id@version" lines in byte order.
 */
static void
expected(const struct sol_principal *p, enum pick pick, const char *type, const char *id,
         struct sol_buf *out)
{
    char *lines[256];
    size_t n = 0;
    for (size_t i = 0; i < n_stored; i++) {
        const struct stored *st = &stored[i];
        if (!c_may_see(p, st) || !c_object_exists(p, st) || (type && strcmp(st->type, type) != 0) ||
            (id && strcmp(st->id, id) != 0))
            continue;
        bool chosen = true;
        for (size_t k = 0; pick != PICK_ALL && k < n_stored; k++) {
            const struct stored *o = &stored[k];
            if (k != i && strcmp(o->id, st->id) == 0 && c_may_see(p, o) &&
                (pick == PICK_LAST ? o->version > st->version : o->version < st->version))
                chosen = false;
        }
        if (!chosen)
            continue;
        lines[n] = sol_malloc(96);
        snprintf(lines[n], 96, "%s@%lld", st->id, (long long)st->version);
        n++;
    }
    put_sorted(lines, n, out);
}

/*
 * What the store answers to f, page by page (limit 0: one query), as expected() writes
 * it. Returns 0, or -1 when a query failed.
 */
static int
answered(struct sol_store *s, struct sol_object_filter f, size_t page, struct sol_buf *out)
{
    char *lines[256];
    size_t n = 0;
    f.limit = page;
    for (;;) {
        struct sol_store_cursor *c = NULL;
        if (sol_store_objects_query(s, &f, &c) != 0) {
            printf("# query: %s\n", sol_store_errmsg(s));
            return -1;
        }
        struct sol_object_row row;
        size_t got = 0;
        int rc;
        while ((rc = sol_store_cursor_next(c, &row)) == 0 && n < 256) {
            lines[n] = sol_malloc(96);
            snprintf(lines[n], 96, "%.*s@%lld", (int)row.id.n, row.id.p, (long long)row.version);
            n++;
            got++;
            f.has_after = true;
            f.after_date_added = row.date_added;
            f.after_seq = row.seq;
        }
        sol_store_cursor_close(c);
        if (rc != SOL_EEOF)
            return -1;
        if (!page || got < page)
            break;
    }
    put_sorted(lines, n, out);
    return 0;
}

static void
test_sql_rule_is_the_c_rule(const char *which)
{
    struct sol_store *s = open_store(which);
    CHECK(s != NULL);
    if (!s)
        return;
    n_stored = 0;
    CHECK_INT(fill(s), 0);
    static const char *const spec[] = {"2.1"};
    static const char *const types[] = {"malware"};
    static const char *const ids[] = {"malware--pair-0", "malware--pair-3", "indicator--5-1"};
    struct sol_buf want, have;
    sol_buf_init(&want);
    sol_buf_init(&have);
    int disagree = 0, asked = 0;
    for (int clearance = SOL_TLP_NONE; clearance <= SOL_TLP_RED; clearance++) {
        for (size_t a = 0; a < N_ASKERS; a++) {
            struct sol_principal p = {.clearance = clearance};
            snprintf(p.partner_identity, sizeof p.partner_identity, "%s", askers[a]);
            struct sol_object_filter base = {.collection = "c"};
            sol_access_filter(&p, &base);
            struct {
                const char *what;
                struct sol_object_filter f;
                enum pick pick;
                const char *type, *id;
                size_t page;
            } shapes[] = {
                {"default", base, PICK_LAST, NULL, NULL, 0},
                {"default, pages of 7", base, PICK_LAST, NULL, NULL, 7},
                {"added_after", base, PICK_LAST, NULL, NULL, 0},
                {"all versions", base, PICK_ALL, NULL, NULL, 0},
                {"first", base, PICK_FIRST, NULL, NULL, 0},
                {"spec_version", base, PICK_LAST, NULL, NULL, 0},
                {"type", base, PICK_LAST, "malware", NULL, 0},
            };
            shapes[2].f.has_added_after = true; /* after 0: every row, the full evaluation */
            shapes[3].f.version_match = SOL_VERSION_ALL;
            shapes[4].f.version_match = SOL_VERSION_FIRST;
            shapes[5].f.spec_versions = spec;
            shapes[5].f.n_spec_versions = 1;
            shapes[6].f.types = types;
            shapes[6].f.n_types = 1;
            for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
                expected(&p, shapes[k].pick, shapes[k].type, shapes[k].id, &want);
                asked++;
                if (answered(s, shapes[k].f, shapes[k].page, &have) != 0 ||
                    strcmp(want.p ? want.p : "", have.p ? have.p : "") != 0) {
                    if (disagree++ < 5)
                        printf("# clearance %d, identity '%s', %s:\n# C rule:\n%s# SQL:\n%s",
                               clearance, askers[a], shapes[k].what, want.p ? want.p : "",
                               have.p ? have.p : "");
                }
            }
            /* match[id]: each id alone, through the (collection, id, version) index. */
            for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
                struct sol_object_filter f = base;
                f.ids = &ids[i];
                f.n_ids = 1;
                f.version_match = SOL_VERSION_ALL;
                expected(&p, PICK_ALL, NULL, ids[i], &want);
                asked++;
                if (answered(s, f, 0, &have) != 0 ||
                    strcmp(want.p ? want.p : "", have.p ? have.p : "") != 0) {
                    if (disagree++ < 5)
                        printf("# clearance %d, identity '%s', id %s:\n# C rule:\n%s# SQL:\n%s",
                               clearance, askers[a], ids[i], want.p ? want.p : "",
                               have.p ? have.p : "");
                }
            }
        }
    }
    printf("# %d askers and query shapes, %zu versions: %d disagree\n", asked, n_stored, disagree);
    CHECK_INT(disagree, 0);
    CHECK(asked > 400);
    sol_buf_free(&want);
    sol_buf_free(&have);
    sol_store_close(s);
    remove_store();
}

static const char *which_store = "sqlite";

static void
test_agreement(void)
{
    test_sql_rule_is_the_c_rule(which_store);
}

int
main(int argc, char **argv)
{
    which_store = argc > 1 ? argv[1] : "sqlite";
    if (strcmp(which_store, "pg") == 0 && !pg_cluster_start()) {
        printf("ok 1 # SKIP %s\n1..1\n", pg_cluster_why);
        return 0;
    }
    fflush(stdout);
    RUN(test_agreement);
    return harness_done();
}
