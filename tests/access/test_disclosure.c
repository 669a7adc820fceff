/*
 * test_disclosure.c — the disclosure matrix (issue #10): every door of the node, asked by
 * every kind of asker, about every marking case, on SQLite or PostgreSQL
 * (argv[1]: "sqlite" or "pg"; argv[2]: the solidarity program, for the doors that are
 * commands). access.h "Policy" is the rule: an object version the asker may not see does
 * not exist for them, nor does any version of an object whose latest version they may not
 * see; nothing of it may show in any list, count, header, cursor, answer or error.
 *
 * The fixture (policy_fixture.h) holds one collection with one object per marking case
 * (CASES below: TLP 2.0 and 1.0, unmarked, versions that differ in TLP, granular
 * markings, upper-case ids, TLP:RED recipients), all made and signed by the outside
 * partner "third", and the askers of pf_users (each clearance, a RED user of a partner
 * not named, no grant, write-only, a user-level grant, an admin, the node's own partner).
 * model_visible() is the rule written out a second time, as plainly as it can be said.
 *
 * Each door (DOORS below) is asked as each asker; what the answer reveals is reduced to
 * facts: the object versions it shows (by id and version, in bodies, headers, answers) and
 * anything else that must not be there (reveal_other()). A door's row says what the asker
 * must see: every visible version, the latest of each visible object, the first, or any
 * subset of them; a version outside it is a leak, and, for the first three, one missing
 * is a failure too (a door that answers nothing would otherwise pass). One TAP case per
 * door and asker, with the marking cases named in its comments.
 *
 * How to add a door (feeds, the web page's API, assistance...): write
 *     static bool door_NAME(struct matrix *m, const struct door *d, const struct pf_user *u)
 * that asks the door as u (in process where it can: src/taxii and the library have no
 * sockets; through the program or the HTTP server otherwise) and calls reveal_version()
 * for every object version the answer names and reveal_other() for anything else it must
 * not say, and returns whether the door is for u at all; then add a row
 * {"NAME", door_NAME, EXPECT_...} to DOORS. A TAXII-like list endpoint needs no function:
 * a row {"NAME", door_pages, EXPECT_..., "/path/", "query", is_manifest} pages through it.
 * It runs on both stores. Keep it to requests, not sleeps: the whole matrix takes seconds.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness.h"
#include "policy_fixture.h"
#include "solidarity/alloc.h"
#include "solidarity/http.h"
#include "solidarity/ingest.h"
#include "solidarity/json.h"
#include "solidarity/stix.h"
#include "solidarity/sync.h"

static const char *backend = "sqlite";
static const char *program = NULL; /* the solidarity program, for export */

/* ---- The marking cases ---- */

#define TLP2_CLEAR  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define TLP2_GREEN  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define TLP2_AMBER  "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define TLP2_STRICT "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
#define TLP2_RED    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define TLP1_WHITE  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define TLP1_GREEN  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define TLP1_AMBER  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
#define TLP1_RED    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"

#define MARKED(id)  ",\"object_marking_refs\":[\"" id "\"]"
#define NAMING(who) ",\"x_solidarity_recipients\":[\"" who "\"]"

struct version_spec {
    const char *modified;
    const char *extra;   /* JSON members: markings, recipients */
    int tlp;             /* what the rule makes of it */
    const char *red_for; /* the partner named besides third, the author; NULL: none */
};

struct case_spec {
    const char *name;
    const char *uuid;
    struct version_spec v[2];
    size_t n;
};

static const struct case_spec CASES[] = {
    {"TLP 2.0 CLEAR",
     "00000000-0000-4000-8000-00000000f001",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_CLEAR), SOL_TLP_CLEAR, NULL}},
     1},
    {"TLP 2.0 GREEN",
     "00000000-0000-4000-8000-00000000f002",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_GREEN), SOL_TLP_GREEN, NULL}},
     1},
    {"TLP 2.0 AMBER",
     "00000000-0000-4000-8000-00000000f003",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_AMBER), SOL_TLP_AMBER, NULL}},
     1},
    {"TLP 2.0 AMBER+STRICT",
     "00000000-0000-4000-8000-00000000f004",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_STRICT), SOL_TLP_AMBER_STRICT, NULL}},
     1},
    {"TLP 2.0 RED naming acme",
     "00000000-0000-4000-8000-00000000f005",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_RED) NAMING(PF_ACME), SOL_TLP_RED, PF_ACME}},
     1},
    {"TLP 1.0 WHITE",
     "00000000-0000-4000-8000-00000000f006",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP1_WHITE), SOL_TLP_CLEAR, NULL}},
     1},
    {"TLP 1.0 GREEN",
     "00000000-0000-4000-8000-00000000f007",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP1_GREEN), SOL_TLP_GREEN, NULL}},
     1},
    {"TLP 1.0 AMBER",
     "00000000-0000-4000-8000-00000000f008",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP1_AMBER), SOL_TLP_AMBER, NULL}},
     1},
    {"TLP 1.0 RED naming acme",
     "00000000-0000-4000-8000-00000000f009",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP1_RED) NAMING(PF_ACME), SOL_TLP_RED, PF_ACME}},
     1},
    {"unmarked: the collection's default, AMBER",
     "00000000-0000-4000-8000-00000000f00a",
     {{"2024-01-01T00:00:00.000Z", "", SOL_TLP_AMBER, NULL}},
     1},
    {"versions that differ: GREEN, then RED naming acme",
     "00000000-0000-4000-8000-00000000f00b",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_GREEN), SOL_TLP_GREEN, NULL},
      {"2024-02-01T00:00:00.000Z", MARKED(TLP2_RED) NAMING(PF_ACME), SOL_TLP_RED, PF_ACME}},
     2},
    {"versions that differ: RED naming acme, then GREEN",
     "00000000-0000-4000-8000-00000000f00c",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_RED) NAMING(PF_ACME), SOL_TLP_RED, PF_ACME},
      {"2024-02-01T00:00:00.000Z", MARKED(TLP2_GREEN), SOL_TLP_GREEN, NULL}},
     2},
    {"granular: a CLEAR object with a RED description naming acme",
     "00000000-0000-4000-8000-00000000f00d",
     {{"2024-01-01T00:00:00.000Z",
       MARKED(TLP2_CLEAR) NAMING(PF_ACME) ",\"description\":\"the secret part\","
                                          "\"granular_markings\":[{\"marking_ref\":\"" TLP2_RED
                                          "\",\"selectors\":[\"description\"]}]",
       SOL_TLP_RED, PF_ACME}},
     1},
    {"upper-case AMBER id",
     "00000000-0000-4000-8000-00000000f00e",
     {{"2024-01-01T00:00:00.000Z",
       MARKED("marking-definition--55D920B0-5E8B-4F79-9EE9-91F868D9B421"), SOL_TLP_AMBER, NULL}},
     1},
    {"upper-case RED id naming acme",
     "00000000-0000-4000-8000-00000000f00f",
     {{"2024-01-01T00:00:00.000Z",
       MARKED("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1") NAMING(PF_ACME),
       SOL_TLP_RED, PF_ACME}},
     1},
    {"RED naming other",
     "00000000-0000-4000-8000-00000000f010",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_RED) NAMING(PF_OTHER), SOL_TLP_RED, PF_OTHER}},
     1},
    {"RED naming no partner but its author",
     "00000000-0000-4000-8000-00000000f011",
     {{"2024-01-01T00:00:00.000Z", MARKED(TLP2_RED), SOL_TLP_RED, NULL}},
     1},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

/* ---- The rule, written out a second time ---- */

static const char *
identity_of(const char *partner)
{
    return strcmp(partner, "home") == 0    ? PF_HOME
           : strcmp(partner, "acme") == 0  ? PF_ACME
           : strcmp(partner, "other") == 0 ? PF_OTHER
                                           : PF_THIRD;
}

static bool
may_read(const struct pf_user *u)
{
    return u->admin ||
           (u->grant && (strcmp(u->grant, "partner") == 0 || strcmp(u->grant, "other-read") == 0 ||
                         strcmp(u->grant, "user-read") == 0));
}

static bool
may_write(const struct pf_user *u)
{
    return u->admin ||
           (u->grant && (strcmp(u->grant, "partner") == 0 || strcmp(u->grant, "user-write") == 0));
}

/* One version: clearance, and TLP:RED only to its author (third) and the partner named. */
static bool
model_version(const struct pf_user *u, const struct version_spec *v)
{
    if (v->tlp > u->clearance)
        return false;
    if (v->tlp < SOL_TLP_RED)
        return true;
    const char *me = identity_of(u->partner);
    return strcmp(me, PF_THIRD) == 0 || (v->red_for && strcmp(me, v->red_for) == 0);
}

/* Version k of case c, for u: nothing of an object whose latest version u may not see. */
static bool
model_visible(const struct pf_user *u, size_t c, size_t k)
{
    const struct case_spec *cs = &CASES[c];
    return may_read(u) && model_version(u, &cs->v[cs->n - 1]) && model_version(u, &cs->v[k]);
}

/* ---- What a door revealed ---- */

enum expect {
    EXPECT_ALL,    /* every version the asker may see */
    EXPECT_LATEST, /* the latest version of every object the asker may see */
    EXPECT_FIRST,  /* the first visible version of every object the asker may see */
    EXPECT_SUBSET  /* anything, as long as it is visible */
};

struct matrix {
    struct pf f;
    bool seen[N_CASES][2];
    struct sol_buf other; /* what must not have been said at all */
    /* the date_added of every version, to read the date-added headers */
    sol_time_t added[N_CASES][2];
    char status_of_rita[64]; /* a status resource rita made, naming RED versions */
    struct pf receiver;      /* a second node, for push */
    struct sol_http_server *http, *receiver_http;
    unsigned port, receiver_port;
};

static void
reveal_version(struct matrix *m, struct sol_str id, struct sol_str version)
{
    for (size_t c = 0; c < N_CASES; c++) {
        if (id.n != 11 + 36 || memcmp(id.p, "indicator--", 11) != 0 ||
            strncasecmp(id.p + 11, CASES[c].uuid, 36) != 0)
            continue;
        for (size_t k = 0; k < CASES[c].n; k++)
            if (!version.p || sol_str_eqc(version, CASES[c].v[k].modified))
                m->seen[c][k] = true;
        return;
    }
}

static void __attribute__((format(printf, 2, 3)))
reveal_other(struct matrix *m, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sol_buf_printf(&m->other, "%s%s", m->other.n ? "; " : "", msg);
}

/* A date_added header names the version added then. */
static void
reveal_date_added(struct matrix *m, const char *header)
{
    if (!header || !*header)
        return;
    sol_time_t t = 0;
    if (sol_time_parse(header, strlen(header), SOL_TIME_UTC_Z, &t, NULL, NULL) != 0) {
        reveal_other(m, "a date-added header that is no time: %s", header);
        return;
    }
    for (size_t c = 0; c < N_CASES; c++)
        for (size_t k = 0; k < CASES[c].n; k++)
            if (m->added[c][k] == t)
                m->seen[c][k] = true;
}

/* Every case id (in any case) found in a text: the object is known to exist. */
static void
reveal_ids_in(struct matrix *m, const char *text, size_t n)
{
    for (size_t c = 0; c < N_CASES; c++)
        if (memmem(text, n, CASES[c].uuid + 24, 12)) {
            for (size_t k = 0; k < CASES[c].n; k++)
                if (memmem(text, n, CASES[c].v[k].modified, 24) || CASES[c].n == 1)
                    m->seen[c][k] = true;
        }
}

/*
 * A door: ask() asks it as u and tells what it revealed; it returns false when the door
 * is not for u (then u must learn nothing through it), true when u must learn what the
 * row's expectation says. path, query and manifest are for door_pages().
 */
struct door {
    const char *name;
    bool (*ask)(struct matrix *m, const struct door *d, const struct pf_user *u);
    enum expect expect;
    const char *path, *query;
    bool manifest;
};

struct matrix;
static int fill_cases(struct matrix *m);

/* ---- Asking ---- */

#define COLLECTION "/intel/collections/" PF_COL

static const struct sol_json *
parse(struct sol_json_doc *doc, const struct sol_taxii_response *r)
{
    const struct sol_json *root = NULL;
    if (sol_json_parse(doc, r->body.p ? r->body.p : "", r->body.n, &root, NULL) != 0)
        return NULL;
    return root;
}

/*
 * GET a list endpoint (objects, manifest) page by page (limit 2, following next), as u;
 * each object or manifest record revealed by id and version, and the date-added headers.
 */
static void
get_pages(struct matrix *m, const struct pf_user *u, const char *path, const char *query,
          bool manifest)
{
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    char target[4096], next[512] = "";
    for (int page = 0; page < 100; page++) {
        snprintf(target, sizeof target, "%s?limit=2%s%s%s%s", path, query ? "&" : "",
                 query ? query : "", next[0] ? "&next=" : "", next);
        pf_taxii(&m->f, "GET", target, u->name, NULL, &r);
        if (r.status != 200) {
            if (r.status != 404 && r.status != 403)
                reveal_other(m, "%s: HTTP %d", target, r.status);
            break;
        }
        reveal_date_added(m, r.date_added_first);
        reveal_date_added(m, r.date_added_last);
        const struct sol_json *root = parse(doc, &r);
        struct sol_json_iter it;
        const struct sol_json *o;
        sol_json_iter_init(&it, sol_json_get(root, "objects"));
        while (sol_json_iter_next(&it, NULL, &o))
            reveal_version(m, sol_json_str(sol_json_get(o, "id")),
                           sol_json_str(sol_json_get(o, manifest ? "version" : "modified")));
        const struct sol_json *more = sol_json_get(root, "more");
        struct sol_str nx = sol_json_str(sol_json_get(root, "next"));
        if (!(sol_json_type(more) == SOL_JSON_BOOL && more->u.b) || !nx.p || nx.n >= sizeof next)
            break;
        memcpy(next, nx.p, nx.n);
        next[nx.n] = 0;
    }
    sol_json_doc_free(doc);
    sol_taxii_response_clear(&r);
}

/* A list endpoint, paged, with the row's query (struct door: path, query, manifest). */
static bool
door_pages(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    char path[256];
    snprintf(path, sizeof path, COLLECTION "%s", d->path);
    get_pages(m, u, path, d->query, d->manifest);
    return true;
}

/* match[id] one object at a time, and each version by its timestamp */
static bool
door_objects_by_match(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    char q[256];
    for (size_t c = 0; c < N_CASES; c++) {
        snprintf(q, sizeof q, "match[id]=indicator--%s", CASES[c].uuid);
        get_pages(m, u, COLLECTION "/objects/", q, false);
        for (size_t k = 0; k < CASES[c].n; k++) {
            snprintf(q, sizeof q, "match[id]=indicator--%s&match[version]=%s", CASES[c].uuid,
                     CASES[c].v[k].modified);
            get_pages(m, u, COLLECTION "/objects/", q, false);
        }
    }
    return true;
}

static bool
door_object_by_id(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    char path[256];
    for (size_t c = 0; c < N_CASES; c++) {
        snprintf(path, sizeof path, COLLECTION "/objects/indicator--%s/", CASES[c].uuid);
        get_pages(m, u, path, "match[version]=all", false);
    }
    return true;
}

static bool
door_versions(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    char path[256], id[64];
    for (size_t c = 0; c < N_CASES; c++) {
        snprintf(id, sizeof id, "indicator--%s", CASES[c].uuid);
        snprintf(path, sizeof path, COLLECTION "/objects/%s/versions/", id);
        pf_taxii(&m->f, "GET", path, u->name, NULL, &r);
        if (r.status != 200)
            continue;
        reveal_date_added(m, r.date_added_first);
        reveal_date_added(m, r.date_added_last);
        const struct sol_json *root = parse(doc, &r);
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, sol_json_get(root, "versions"));
        while (sol_json_iter_next(&it, NULL, &v))
            reveal_version(m, sol_str_c(id), sol_json_str(v));
    }
    sol_json_doc_free(doc);
    sol_taxii_response_clear(&r);
    return true;
}

/* The status of another user's request: a leak unless it is the asker's own. */
static bool
door_status(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    char path[128];
    snprintf(path, sizeof path, "/intel/status/%s/", m->status_of_rita);
    pf_taxii(&m->f, "GET", path, u->name, NULL, &r);
    if (r.status == 200 && strcmp(u->name, "rita") != 0)
        reveal_other(m, "rita's status resource");
    if (r.status == 200)
        reveal_ids_in(m, r.body.p, r.body.n);
    sol_taxii_response_clear(&r);
    return true;
}

/*
 * POST a copy of every version: the answer for each must be the one a new object gets,
 * unless the asker may see the version held ("already held" names it).
 */
static bool
door_post_answers(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    char obj[2048];
    for (size_t c = 0; c < N_CASES; c++)
        for (size_t k = 0; k < CASES[c].n; k++) {
            snprintf(obj, sizeof obj,
                     "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
                     "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"name\":\"x\","
                     "\"pattern\":\"[domain-name:value = 'x.example']\",\"pattern_type\":\"stix\","
                     "\"valid_from\":\"2024-01-01T00:00:00Z\",\"created_by_ref\":\"" PF_THIRD
                     "\"%s}",
                     CASES[c].uuid, CASES[c].v[k].modified, CASES[c].v[k].extra);
            char *signed_ = pf_sign(&m->f.third_key, obj);
            size_t n = strlen(signed_) + 16;
            char *env = malloc(n);
            snprintf(env, n, "{\"objects\":[%s]}", signed_);
            pf_taxii(&m->f, "POST", COLLECTION "/objects/", u->name, env, &r);
            free(env);
            free(signed_);
            if (r.status != 202) {
                if (may_write(u) || (r.status != 403 && r.status != 404))
                    reveal_other(m, "POST: HTTP %d", r.status);
                continue;
            }
            const struct sol_json *root = parse(doc, &r);
            if (sol_json_number(sol_json_get(root, "success_count")) != 1)
                reveal_other(m, "POST of a copy of %s: not a success", CASES[c].name);
            const struct sol_json *e = NULL;
            struct sol_json_iter it;
            sol_json_iter_init(&it, sol_json_get(root, "successes"));
            if (sol_json_iter_next(&it, NULL, &e) && sol_json_get(e, "message"))
                reveal_version(m, sol_json_str(sol_json_get(e, "id")),
                               sol_json_str(sol_json_get(e, "version")));
        }
    sol_json_doc_free(doc);
    sol_taxii_response_clear(&r);
    return may_write(u); /* "already held" is every visible version's answer, for a writer */
}

/*
 * DELETE every object as u: a 200 reveals that the object exists; an invisible version
 * deleted is a leak as well (checked in the store itself). What was deleted is put back
 * after (fill_cases()), for the next asker and the next doors.
 */
static bool
door_delete(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    char path[256], id[64];
    for (size_t c = 0; c < N_CASES; c++) {
        snprintf(id, sizeof id, "indicator--%s", CASES[c].uuid);
        snprintf(path, sizeof path, COLLECTION "/objects/%s/", id);
        pf_taxii(&m->f, "DELETE", path, u->name, NULL, &r);
        if (r.status == 200)
            m->seen[c][CASES[c].n - 1] = true; /* it exists */
        else if (r.status != 404 && r.status != 403)
            reveal_other(m, "DELETE: HTTP %d", r.status);
        /* what stayed: nothing the asker may not see may have gone */
        const char *ids[1] = {id};
        struct sol_object_filter fl = {.collection = PF_COL,
                                       .ids = ids,
                                       .n_ids = 1,
                                       .version_match = SOL_VERSION_ALL,
                                       .unrestricted = true,
                                       .skip_json = true};
        struct sol_store_cursor *cur = NULL;
        struct sol_object_row row;
        size_t left = 0, visible = 0;
        if (sol_store_objects_query(m->f.s, &fl, &cur) == 0) {
            while (sol_store_cursor_next(cur, &row) == 0)
                left++;
            sol_store_cursor_close(cur);
        }
        for (size_t k = 0; k < CASES[c].n; k++)
            visible += model_visible(u, c, k);
        if (left < CASES[c].n - (r.status == 200 ? visible : 0))
            reveal_other(m, "DELETE of %s removed a version the asker may not see", CASES[c].name);
    }
    sol_taxii_response_clear(&r);
    if (fill_cases(m) != 0)
        reveal_other(m, "the deleted cases could not be put back");
    return may_read(u) && may_write(u);
}

/*
 * export --for PARTNER --max-tlp CLEARANCE, as the operator does for a partner: asked for
 * the askers who stand for a partner (not a user-level grant, an admin, the node's own).
 */
static bool
for_a_partner(const struct pf_user *u)
{
    return !u->admin && strncmp(u->grant ? u->grant : "", "user-", 5) != 0 &&
           strcmp(u->partner, "home") != 0;
}

static bool
door_export(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    if (!program || !for_a_partner(u))
        return false;
    char out[128], cmd[2400];
    snprintf(out, sizeof out, "%s/sol-matrix-%d.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    snprintf(cmd, sizeof cmd,
             "'%s' --data '%s' export --format stix --collection %s --for %s --max-tlp %s "
             "--output '%s' 2>/dev/null",
             program, m->f.url, PF_COL, u->partner, sol_tlp_word((enum sol_tlp)u->clearance), out);
    int rc = system(cmd);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    const struct sol_json *root = NULL;
    if (rc == 0 && sol_json_parse_file(doc, out, &root, NULL) == 0) {
        struct sol_json_iter it;
        const struct sol_json *o;
        sol_json_iter_init(&it, sol_json_get(root, "objects"));
        while (sol_json_iter_next(&it, NULL, &o))
            reveal_version(m, sol_json_str(sol_json_get(o, "id")),
                           sol_json_str(sol_json_get(o, "modified")));
    } else if (may_read(u)) {
        reveal_other(m, "export failed (%d)", rc);
    }
    sol_json_doc_free(doc);
    unlink(out);
    return true;
}

/* What arrived in a collection of the receiving node, read without any policy. */
static void
reveal_received(struct matrix *m, const char *collection)
{
    struct sol_object_filter fl = {
        .collection = collection, .version_match = SOL_VERSION_ALL, .unrestricted = true};
    struct sol_store_cursor *cur = NULL;
    struct sol_object_row row;
    if (sol_store_objects_query(m->receiver.s, &fl, &cur) != 0) {
        reveal_other(m, "cannot read what was received");
        return;
    }
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    while (sol_store_cursor_next(cur, &row) == 0) {
        const struct sol_json *obj = NULL;
        if (sol_json_parse(doc, row.json.p, row.json.n, &obj, NULL) == 0)
            reveal_version(m, row.id, sol_json_str(sol_json_get(obj, "modified")));
    }
    sol_json_doc_free(doc);
    sol_store_cursor_close(cur);
}

/* A fresh collection on the receiving node, its own partner granted; its id into id. */
static int
receiver_collection(struct matrix *m, char id[37])
{
    struct sol_uuid uu;
    sol_uuid_v4(&uu);
    sol_uuid_format(&uu, id);
    struct sol_collection c = {.id = id,
                               .api_root = (char *)"intel",
                               .title = (char *)"received",
                               .default_tlp = SOL_TLP_AMBER};
    struct sol_partner home;
    int rc = sol_store_collection_put(m->receiver.s, &c);
    if (rc == 0)
        rc = sol_store_partner_get(m->receiver.s, "home", &home);
    if (rc != 0)
        return rc;
    struct sol_grant g = {
        .collection = id, .partner_id = home.id, .can_read = true, .can_write = true};
    sol_partner_clear(&home);
    return sol_store_grant_add(m->receiver.s, &g);
}

/*
 * push: what a peer of u's partner, given u's clearance, receives. The receiving node is
 * another fixture behind the HTTP server; what arrived is read from its store.
 */
static bool
door_push(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    if (!for_a_partner(u) || !m->receiver_http)
        return false; /* push goes to partners, not to users */
    char into[37], name[64], url[128];
    if (receiver_collection(m, into) != 0) {
        reveal_other(m, "receiver collection");
        return true;
    }
    snprintf(name, sizeof name, "to-%s-%s", u->partner, u->name);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", m->receiver_port);
    struct sol_peer_config c;
    memset(&c, 0, sizeof c);
    c.name = sol_strdup(name);
    c.url = sol_strdup(url);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(into);
    c.token = sol_strdup(pf_token(&m->receiver, "homer")); /* the receiver's own partner */
    c.into = sol_strdup(PF_COL);
    c.partner = sol_strdup(u->partner);
    c.direction = SOL_PEER_PUSH;
    c.max_tlp = u->clearance;
    struct sol_error err;
    if (sol_peer_add(m->f.s, &c, false, "test", &err) != 0) {
        reveal_other(m, "peer: %s", err.msg);
        sol_peer_config_clear(&c);
        return true;
    }
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.quiet = true, .max_attempts = 1};
    struct sol_sync_report rep;
    int rc = sol_sync_peer(m->f.s, name, &o, &rep, &err);
    if (rc != 0 && rc != SOL_EDENIED)
        reveal_other(m, "push: %s", err.msg);
    reveal_received(m, into);
    sol_peer_remove(m->f.s, name, "test", &err);
    return true;
}

/*
 * sync pull: another node pulls the collection from this node's HTTP server with u's
 * token, through the real client (pages, next cursors, added_after); what it stored is
 * what u's credentials let out.
 */
static bool
door_pull(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    if (!m->http)
        return false;
    char into[37], name[64], url[128];
    if (receiver_collection(m, into) != 0) {
        reveal_other(m, "receiver collection");
        return true;
    }
    snprintf(name, sizeof name, "from-%s", u->name);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", m->port);
    struct sol_peer_config c;
    memset(&c, 0, sizeof c);
    c.name = sol_strdup(name);
    c.url = sol_strdup(url);
    c.api_root = sol_strdup("intel");
    c.collection = sol_strdup(PF_COL);
    c.token = sol_strdup(pf_token(&m->f, u->name));
    c.into = sol_strdup(into);
    c.partner = sol_strdup(u->partner);
    c.direction = SOL_PEER_PULL;
    c.max_tlp = SOL_TLP_RED; /* the receiving side refuses nothing: what came is what left */
    c.page = 3;
    struct sol_error err;
    if (sol_peer_add(m->receiver.s, &c, false, "test", &err) != 0) {
        reveal_other(m, "peer: %s", err.msg);
        sol_peer_config_clear(&c);
        return true;
    }
    sol_peer_config_clear(&c);
    struct sol_sync_options o = {.quiet = true, .max_attempts = 1};
    struct sol_sync_report rep;
    int rc = sol_sync_peer(m->receiver.s, name, &o, &rep, &err);
    if (rc != 0 && may_read(u))
        reveal_other(m, "pull: %s", err.msg);
    if (rep.rejected || rep.refused || rep.quarantined)
        reveal_other(m, "pull: %zu rejected, %zu refused, %zu quarantined", rep.rejected,
                     rep.refused, rep.quarantined);
    reveal_received(m, into);
    sol_peer_remove(m->receiver.s, name, "test", &err);
    return true;
}

/* /metrics over HTTP, as u: only the node's admins; and nothing of any object in it. */
static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
    sol_buf_append(ud, p, size * n);
    return size * n;
}

static bool
door_metrics(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    (void)d;
    if (!m->http)
        return false;
    CURL *h = curl_easy_init();
    char url[128], auth[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/metrics", m->port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", pf_token(&m->f, u->name));
    struct curl_slist *hs = curl_slist_append(NULL, auth);
    struct sol_buf body;
    sol_buf_init(&body);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 && !u->admin)
        reveal_other(m, "/metrics answered someone who is not an admin");
    if (status != 200 && u->admin)
        reveal_other(m, "/metrics: HTTP %ld for an admin", status);
    if (body.n) {
        reveal_ids_in(m, body.p, body.n);
        if (memmem(body.p, body.n, PF_COL, 36) || memmem(body.p, body.n, "indicator", 9))
            reveal_other(m, "/metrics names a collection or an object");
    }
    sol_buf_free(&body);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return false; /* it names no object for anyone */
}

static const struct door DOORS[] = {
    {"GET objects, paged", door_pages, EXPECT_LATEST, "/objects/", NULL, false},
    {"GET objects match[version]=all, paged", door_pages, EXPECT_ALL, "/objects/",
     "match[version]=all", false},
    {"GET objects match[version]=first, paged", door_pages, EXPECT_FIRST, "/objects/",
     "match[version]=first", false},
    {"GET objects match[type]&match[spec_version]", door_pages, EXPECT_LATEST, "/objects/",
     "match[type]=indicator&match[spec_version]=2.1", false},
    {"GET objects added_after", door_pages, EXPECT_LATEST, "/objects/",
     "added_after=2000-01-01T00:00:00Z", false},
    {"GET objects match[id] and match[version]", door_objects_by_match, EXPECT_ALL},
    {"GET an object by id", door_object_by_id, EXPECT_ALL},
    {"GET versions", door_versions, EXPECT_ALL},
    {"GET manifest, paged", door_pages, EXPECT_ALL, "/manifest/", "match[version]=all", true},
    {"GET status of another's request", door_status, EXPECT_SUBSET},
    {"POST answers to copies (already held)", door_post_answers, EXPECT_ALL},
    {"DELETE", door_delete, EXPECT_LATEST},
    {"export --for the asker's partner", door_export, EXPECT_LATEST},
    {"sync pull with the asker's token", door_pull, EXPECT_LATEST},
    {"sync push to the asker's partner", door_push, EXPECT_ALL},
    {"/metrics", door_metrics, EXPECT_SUBSET},
};
#define N_DOORS (sizeof DOORS / sizeof DOORS[0])

/* ---- The cases in the store ---- */

/* Ingest every case's versions (signed by third: those the store holds already stay as
 * they are) and record their date_added. */
static int
fill_cases(struct matrix *m)
{
    char obj[2048];
    for (size_t k = 0; k < 2; k++)
        for (size_t c = 0; c < N_CASES; c++) {
            if (k >= CASES[c].n)
                continue;
            snprintf(obj, sizeof obj,
                     "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
                     "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"name\":\"x\","
                     "\"pattern\":\"[domain-name:value = 'x.example']\",\"pattern_type\":\"stix\","
                     "\"valid_from\":\"2024-01-01T00:00:00Z\",\"created_by_ref\":\"" PF_THIRD
                     "\"%s}",
                     CASES[c].uuid, CASES[c].v[k].modified, CASES[c].v[k].extra);
            char *signed_ = pf_sign(&m->f.third_key, obj);
            if (!signed_ || pf_ingest(&m->f, PF_COL, signed_) < 0) { /* held: put back */
                printf("# case %s: not stored\n", CASES[c].name);
                free(signed_);
                return -1;
            }
            free(signed_);
        }
    struct sol_object_filter f = {
        .collection = PF_COL, .version_match = SOL_VERSION_ALL, .unrestricted = true};
    struct sol_store_cursor *cur = NULL;
    if (sol_store_objects_query(m->f.s, &f, &cur) != 0)
        return -1;
    struct sol_object_row row;
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    while (sol_store_cursor_next(cur, &row) == 0) {
        const struct sol_json *o = NULL;
        if (sol_json_parse(doc, row.json.p, row.json.n, &o, NULL) != 0)
            continue;
        struct sol_str mod = sol_json_str(sol_json_get(o, "modified"));
        for (size_t c = 0; c < N_CASES; c++)
            for (size_t k = 0; k < CASES[c].n; k++)
                if (row.id.n == 47 && strncasecmp(row.id.p + 11, CASES[c].uuid, 36) == 0 &&
                    sol_str_eqc(mod, CASES[c].v[k].modified))
                    m->added[c][k] = row.date_added;
    }
    sol_json_doc_free(doc);
    sol_store_cursor_close(cur);
    return 0;
}

/* rita posts a copy of two RED versions: her status names them. */
static int
make_status(struct matrix *m)
{
    char obj[2048];
    snprintf(obj, sizeof obj,
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"name\":\"x\","
             "\"pattern\":\"[domain-name:value = 'x.example']\",\"pattern_type\":\"stix\","
             "\"valid_from\":\"2024-01-01T00:00:00Z\",\"created_by_ref\":\"" PF_THIRD "\"%s}",
             CASES[4].uuid, CASES[4].v[0].modified, CASES[4].v[0].extra);
    char *signed_ = pf_sign(&m->f.third_key, obj);
    size_t n = strlen(signed_) + 16;
    char *env = malloc(n);
    snprintf(env, n, "{\"objects\":[%s]}", signed_);
    struct sol_taxii_response r;
    sol_taxii_response_init(&r);
    pf_taxii(&m->f, "POST", COLLECTION "/objects/", "rita", env, &r);
    free(env);
    free(signed_);
    struct sol_json_doc *doc = sol_json_doc_new(NULL);
    struct sol_str id = sol_json_str(sol_json_get(parse(doc, &r), "id"));
    snprintf(m->status_of_rita, sizeof m->status_of_rita, "%.*s", (int)id.n, id.p ? id.p : "");
    int ok = r.status == 202 && m->status_of_rita[0] ? 0 : -1;
    if (ok != 0)
        printf("# rita's POST: HTTP %d %.*s\n", r.status, (int)r.body.n, r.body.p);
    sol_json_doc_free(doc);
    sol_taxii_response_clear(&r);
    return ok;
}

/* The HTTP servers: the node's (for /metrics) and the receiver's (for push). */
static int
start_http(struct matrix *m)
{
    struct sol_http_options o = {.store_url = m->f.url, .listen = "127.0.0.1:0", .quiet = true};
    struct sol_error err;
    if (sol_http_start(&o, &m->http, &err) != 0) {
        printf("# http: %s\n", err.msg);
        return -1;
    }
    m->port = sol_http_port(m->http);
    if (pf_open(&m->receiver, backend) != 0)
        return -1;
    o.store_url = m->receiver.url;
    if (sol_http_start(&o, &m->receiver_http, &err) != 0) {
        printf("# http: %s\n", err.msg);
        return -1;
    }
    m->receiver_port = sol_http_port(m->receiver_http);
    return 0;
}

/* ---- The matrix ---- */

static void
check_door(struct matrix *m, const struct door *d, const struct pf_user *u)
{
    memset(m->seen, 0, sizeof m->seen);
    sol_buf_reset(&m->other);
    bool asked = d->ask(m, d, u);
    struct sol_buf why;
    sol_buf_init(&why);
    for (size_t c = 0; c < N_CASES; c++) {
        bool first_done = false;
        for (size_t k = 0; k < CASES[c].n; k++) {
            bool vis = model_visible(u, c, k);
            bool want = false;
            switch (asked ? d->expect : EXPECT_SUBSET) {
            case EXPECT_ALL:
                want = vis;
                break;
            case EXPECT_LATEST:
                want = vis && k == CASES[c].n - 1;
                break;
            case EXPECT_FIRST:
                want = vis && !first_done;
                break;
            default:
                want = m->seen[c][k] && vis;
                break;
            }
            first_done |= vis;
            if (m->seen[c][k] && !vis)
                sol_buf_printf(&why, "\n#   leak: %s, version %s", CASES[c].name,
                               CASES[c].v[k].modified);
            else if (m->seen[c][k] && !want)
                sol_buf_printf(&why, "\n#   not this version: %s, %s", CASES[c].name,
                               CASES[c].v[k].modified);
            else if (!m->seen[c][k] && want)
                sol_buf_printf(&why, "\n#   missing: %s, version %s", CASES[c].name,
                               CASES[c].v[k].modified);
        }
    }
    if (m->other.n)
        sol_buf_printf(&why, "\n#   %s", m->other.p);
    char name[256];
    snprintf(name, sizeof name, "%s: %s as %s (%s)", backend, d->name, u->name, u->kind);
    if (why.n)
        printf("# %s:%s\n", name, why.p);
    harness_report(name, why.n != 0);
    sol_buf_free(&why);
}

int
main(int argc, char **argv)
{
    (void)harness_current_failed; /* every case is reported with harness_report() */
    if (argc > 1)
        backend = argv[1];
    if (argc > 2)
        program = argv[2];
    if (!pf_backend_start(backend))
        return 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static struct matrix m;
    sol_buf_init(&m.other);
    if (pf_open(&m.f, backend) != 0 || fill_cases(&m) != 0 || make_status(&m) != 0 ||
        start_http(&m) != 0) {
        printf("not ok 1 - the matrix's fixture\n1..1\n");
        return 1;
    }
    for (size_t d = 0; d < N_DOORS; d++)
        for (size_t i = 0; i < pf_n_users; i++)
            check_door(&m, &DOORS[d], &pf_users[i]);
    sol_http_stop(m.http);
    sol_http_stop(m.receiver_http);
    pf_close(&m.receiver);
    pf_close(&m.f);
    sol_buf_free(&m.other);
    curl_global_cleanup();
    return harness_done();
}
