/*
 * test_access.c — authentication (Basic, Bearer, Token; wrong passwords, unknown and
 * revoked tokens), grants, and the TLP policy: a user of each clearance sees exactly
 * what they may, through the store's SQL filter and through sol_access_may_see() alike.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/solidarity.h"
#include "solidarity/stix.h"

/* A private directory for this run (several builds may run the tests at once). */
static char test_base[128];

static void
remove_test_base(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_base);
    if (test_base[0] && system(cmd) != 0)
        printf("# could not remove %s\n", test_base);
}

static const char *
base_dir(void)
{
    if (!test_base[0]) {
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(test_base, sizeof test_base, "%s/sol-test-XXXXXX", tmp);
        if (!mkdtemp(test_base))
            test_base[0] = 0;
        else
            atexit(remove_test_base);
    }
    return test_base;
}

static char dir_of_last[256];

static struct sol_store *
fresh(void)
{
    static int n;
    char dir[256], cmd[600];
    snprintf(dir, sizeof dir, "%s/access-%d", base_dir(), n++);
    snprintf(dir_of_last, sizeof dir_of_last, "%s", dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return NULL;
    struct sol_store *s = NULL;
    sol_store_open(dir, &s, NULL);
    return s;
}

static int64_t
user(struct sol_store *s, const char *name, int64_t partner, int clearance, const char *password)
{
    char hash[128];
    char namebuf[64];
    snprintf(namebuf, sizeof namebuf, "%s", name);
    struct sol_user u = {.name = namebuf, .partner_id = partner, .clearance = clearance};
    if (password) {
        CHECK_INT(sol_access_password_hash(password, hash), 0);
        u.password_hash = hash;
    }
    int64_t id = 0;
    CHECK_INT(sol_store_user_add(s, &u, &id), 0);
    return id;
}

static char *
basic(const char *userpass)
{
    static char out[256];
    struct sol_buf b;
    sol_buf_init(&b);
    sol_base64_encode(&b, userpass, strlen(userpass));
    snprintf(out, sizeof out, "Basic %s", b.p);
    sol_buf_free(&b);
    return out;
}

static void
test_passwords(void)
{
    char h[128];
    CHECK_INT(sol_access_password_hash("correct horse", h), 0);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(sol_access_password_verify(h, "correct horse"));
    CHECK(!sol_access_password_verify(h, "correct horse "));
    CHECK(!sol_access_password_verify(h, ""));
    CHECK(!sol_access_password_verify(NULL, "x"));
}

static void
test_authenticate(void)
{
    struct sol_store *s = fresh();
    int64_t p = 0;
    sol_store_partner_add(s, "acme", "identity--aaaaaaaa-0000-4000-8000-000000000001", &p);
    int64_t alice = user(s, "alice", p, SOL_TLP_AMBER, "s3cret:with:colons");
    user(s, "nopass", p, SOL_TLP_GREEN, NULL);
    struct sol_principal pr;

    CHECK_INT(sol_access_authenticate(s, basic("alice:s3cret:with:colons"), &pr), 0);
    CHECK_STR(pr.name, "alice");
    CHECK_STR(pr.partner_name, "acme");
    CHECK_STR(pr.partner_identity, "identity--aaaaaaaa-0000-4000-8000-000000000001");
    CHECK_INT(pr.clearance, SOL_TLP_AMBER);
    CHECK_INT(pr.token_id, 0);
    CHECK(!pr.is_admin);
    CHECK_INT(sol_access_authenticate(s, basic("alice:wrong"), &pr), SOL_EAUTH);
    CHECK_INT(pr.user_id, 0);
    CHECK_INT(sol_access_authenticate(s, basic("bob:s3cret:with:colons"), &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, basic("nopass:"), &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, basic("alice"), &pr), SOL_EAUTH); /* no colon */
    CHECK_INT(sol_access_authenticate(s, "Basic !!!!", &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, "Basic", &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, "", &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, NULL, &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, "Digest abc", &pr), SOL_EAUTH);

    char tok[SOL_TOKEN_LEN + 1];
    int64_t tid = 0;
    CHECK_INT(sol_access_token_issue(s, alice, "ci", tok, &tid), 0);
    CHECK_INT(strlen(tok), SOL_TOKEN_LEN);
    CHECK(strncmp(tok, "sol_", 4) == 0);
    CHECK(strspn(tok + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          43);
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), 0);
    CHECK_STR(pr.name, "alice");
    CHECK_INT(pr.token_id, tid);
    snprintf(hdr, sizeof hdr, "token   %s  ", tok); /* any case, extra blanks */
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), 0);
    snprintf(hdr, sizeof hdr, "BEARER %s", tok);
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), 0);
    struct sol_token *tl;
    size_t n;
    CHECK_INT(sol_store_token_list(s, alice, &tl, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(tl[0].last_used > 0); /* recorded */
        CHECK_STR(tl[0].name, "ci");
    }
    sol_token_list_free(tl, n);
    /* one character changed: unknown */
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    hdr[20] = hdr[20] == 'A' ? 'B' : 'A';
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), SOL_EAUTH);
    CHECK_INT(sol_access_authenticate(s, "Bearer sol_short", &pr), SOL_EAUTH);
    /* revoked */
    CHECK_INT(sol_store_token_revoke(s, tid), 0);
    snprintf(hdr, sizeof hdr, "Token %s", tok);
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), SOL_EAUTH);
    /* a token of a removed user */
    CHECK_INT(sol_access_token_issue(s, alice, NULL, tok, NULL), 0);
    snprintf(hdr, sizeof hdr, "Token %s", tok);
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), 0);
    CHECK_INT(sol_store_user_delete(s, "alice"), 0);
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), SOL_EAUTH);
    sol_store_close(s);
}

/* A writer holding the lock (a bulk import) does not make token logins wait or fail. */
static void
test_token_login_while_a_writer_holds_the_lock(void)
{
    struct sol_store *s = fresh();
    int64_t p = 0;
    sol_store_partner_add(s, "acme", NULL, &p);
    int64_t alice = user(s, "alice", p, SOL_TLP_GREEN, NULL);
    char tok[SOL_TOKEN_LEN + 1], hdr[128];
    CHECK_INT(sol_access_token_issue(s, alice, NULL, tok, NULL), 0);
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    struct sol_store *writer = NULL;
    CHECK_INT(sol_store_open(dir_of_last, &writer, NULL), 0);
    CHECK_INT(sol_store_begin(writer), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sol_principal pr;
    CHECK_INT(sol_access_authenticate(s, hdr, &pr), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(secs < 1.0);
    CHECK_INT(sol_store_token_touch(s, 1, 42), SOL_EBUSY);
    sol_store_rollback(writer);
    sol_store_close(writer);
    CHECK_INT(sol_store_token_touch(s, 1, 42), 0);
    sol_store_close(s);
}

/* guard.c's slot, taken by the test to make every check slot busy (access_internal.h). */
int sol__guard_hash_begin(struct sol_access_guard *g, const char *name, const char *password,
                          unsigned *retry_after);
void sol__guard_hash_end(struct sol_access_guard *g, const char *name, const char *password);

/*
 * The login guard: a success is remembered and checked again only when the stored
 * password, the user or the credential changes; failed attempts are limited per address
 * and per name; no free check slot means no check at all.
 */
static void
test_guard(void)
{
    struct sol_store *s = fresh();
    int64_t p = 0;
    sol_store_partner_add(s, "acme", "identity--aaaaaaaa-0000-4000-8000-000000000001", &p);
    user(s, "alice", p, SOL_TLP_AMBER, "open sesame");
    user(s, "bob", p, SOL_TLP_GREEN, "bob's");
    struct sol_access_guard_options o = {.fail_burst = 3, .fail_refill = 60, .hashing = 1};
    struct sol_access_guard *g = NULL;
    CHECK_INT(sol_access_guard_new(&o, &g), 0);
    struct sol_access_guard_stats st;
    struct sol_principal pr;
    unsigned wait = 99;

    /* Checked once, then remembered: no second argon2id. */
    CHECK_INT(
        sol_access_authenticate_from(s, g, basic("alice:open sesame"), "192.0.2.1", &pr, &wait), 0);
    CHECK_INT(wait, 0);
    CHECK_INT(
        sol_access_authenticate_from(s, g, basic("alice:open sesame"), "192.0.2.1", &pr, &wait), 0);
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.checked, 1);
    CHECK_INT(st.remembered, 1);
    /* The user is read on every request: a new clearance shows at once. */
    struct sol_user u;
    CHECK_INT(sol_store_user_get(s, "alice", &u), 0);
    u.clearance = SOL_TLP_RED;
    char *old_hash = u.password_hash;
    u.password_hash = NULL; /* keep it */
    CHECK_INT(sol_store_user_update(s, &u), 0);
    u.password_hash = old_hash;
    sol_user_clear(&u);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:open sesame"), NULL, &pr, NULL), 0);
    CHECK_INT(pr.clearance, SOL_TLP_RED);
    /* A new password: the old one is refused (checked again), the new one checked once. */
    CHECK_INT(sol_store_user_get(s, "alice", &u), 0);
    char h[128];
    CHECK_INT(sol_access_password_hash("new one", h), 0);
    sol_free(u.password_hash);
    u.password_hash = sol_strdup(h);
    CHECK_INT(sol_store_user_update(s, &u), 0);
    sol_user_clear(&u);
    CHECK_INT(
        sol_access_authenticate_from(s, g, basic("alice:open sesame"), "192.0.2.1", &pr, NULL),
        SOL_EAUTH);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:new one"), "192.0.2.1", &pr, NULL),
              0);
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.checked, 3);
    CHECK_INT(st.failed, 1);

    /* Failed attempts from one address: after the burst of 3, refused unchecked, with a
     * Retry-After, whatever the name, the right password included. */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("bob:x"), "198.51.100.7", &pr, NULL),
              SOL_EAUTH);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("nobody:x"), "198.51.100.7", &pr, NULL),
              SOL_EAUTH);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("bob:y"), "198.51.100.7", &pr, &wait),
              SOL_EAUTH);
    CHECK_INT(wait, 0);
    sol_access_guard_stats(g, &st);
    uint64_t checked = st.checked;
    CHECK_INT(sol_access_authenticate_from(s, g, basic("bob:bob's"), "198.51.100.7", &pr, &wait),
              SOL_ELIMIT);
    CHECK(wait > 0 && wait <= 60);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("carol:z"), "198.51.100.7", &pr, &wait),
              SOL_ELIMIT);
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.checked, checked); /* nothing hashed */
    CHECK_INT(st.limited, 2);
    /* bob's name took 2 failures (bob:x, bob:y): one more from another address fills it. */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("bob:z"), "203.0.113.9", &pr, NULL),
              SOL_EAUTH);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("bob:bob's"), "203.0.113.10", &pr, &wait),
              SOL_ELIMIT);
    CHECK(wait > 0);
    /* Another address and another name are not affected. */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:new one"), "203.0.113.10", &pr, NULL),
              0);
    /* A remembered success is not refused while its address is limited. */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:new one"), "198.51.100.7", &pr, NULL),
              0);
    /* Tokens are never limited. */
    char tok[SOL_TOKEN_LEN + 1], hdr[128];
    CHECK_INT(sol_access_token_issue(s, pr.user_id, "t", tok, NULL), 0);
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    CHECK_INT(sol_access_authenticate_from(s, g, hdr, "198.51.100.7", &pr, NULL), 0);

    /* No free check slot (a test holds the only one): refused at once. */
    CHECK_INT(sol__guard_hash_begin(g, "someone", "else", &wait), 0);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:guess"), "192.0.2.50", &pr, &wait),
              SOL_EBUSY);
    CHECK_INT(wait, 1);
    sol__guard_hash_end(g, "someone", "else");
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:guess"), "192.0.2.50", &pr, NULL),
              SOL_EAUTH);
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.busy, 1);

    /* A removed user: refused, remembered or not. */
    CHECK_INT(sol_store_user_delete(s, "alice"), 0);
    CHECK_INT(sol_access_authenticate_from(s, g, basic("alice:new one"), "192.0.2.1", &pr, NULL),
              SOL_EAUTH);
    sol_access_guard_free(g);
    sol_access_guard_free(NULL);
    sol_store_close(s);
}

void sol__guard_remember(struct sol_access_guard *g, const char *name, const char *password,
                         int64_t user_id, const char *password_hash);

struct same_login {
    struct sol_store *s;
    struct sol_access_guard *g;
    char header[256];
    int rc;
};

static void *
same_login_thread(void *arg)
{
    struct same_login *l = arg;
    struct sol_principal pr;
    l->rc = sol_access_authenticate_from(l->s, l->g, l->header, "192.0.2.3", &pr, NULL);
    return NULL;
}

/*
 * A request whose credential is being checked by another one waits for that check and
 * takes its answer, rather than being refused or checking it again: a client that opens
 * several connections at once is checked once.
 */
static void
test_guard_same_credential(void)
{
    struct sol_store *s = fresh();
    int64_t p = 0;
    sol_store_partner_add(s, "acme", "identity--aaaaaaaa-0000-4000-8000-000000000001", &p);
    int64_t alice = user(s, "alice", p, SOL_TLP_AMBER, "open sesame");
    struct sol_user u;
    CHECK_INT(sol_store_user_get(s, "alice", &u), 0);
    struct sol_access_guard_options o = {.hashing = 1};
    struct sol_access_guard *g = NULL;
    CHECK_INT(sol_access_guard_new(&o, &g), 0);
    unsigned wait = 0;
    /* "Another request" is checking alice's credential: it holds the only slot. */
    CHECK_INT(sol__guard_hash_begin(g, "alice", "open sesame", &wait), 0);
    struct same_login l = {.s = s, .g = g, .rc = 99};
    snprintf(l.header, sizeof l.header, "%s", basic("alice:open sesame"));
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, same_login_thread, &l), 0);
    struct timespec pause = {0, 100 * 1000000};
    nanosleep(&pause, NULL);
    /* That check succeeds and is remembered; the waiting request takes its answer. */
    sol__guard_remember(g, "alice", "open sesame", alice, u.password_hash);
    sol__guard_hash_end(g, "alice", "open sesame");
    pthread_join(t, NULL);
    CHECK_INT(l.rc, 0);
    struct sol_access_guard_stats st;
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.checked, 1);
    CHECK_INT(st.remembered, 1);
    CHECK_INT(st.busy, 0);
    sol_user_clear(&u);
    sol_access_guard_free(g);
    sol_store_close(s);
}

/* A bounded memory of successes: the least recently used goes, and is checked again. */
static void
test_guard_bounded(void)
{
    struct sol_store *s = fresh();
    int64_t p = 0;
    sol_store_partner_add(s, "acme", "identity--aaaaaaaa-0000-4000-8000-000000000001", &p);
    char name[16], pass[16], cred[40];
    for (int i = 1; i <= 5; i++) {
        snprintf(name, sizeof name, "u%d", i);
        snprintf(pass, sizeof pass, "p%d", i);
        user(s, name, p, SOL_TLP_GREEN, pass);
    }
    struct sol_access_guard_options o = {.cache_entries = 4}; /* one set of four ways */
    struct sol_access_guard *g = NULL;
    CHECK_INT(sol_access_guard_new(&o, &g), 0);
    struct sol_principal pr;
    for (int i = 1; i <= 4; i++) {
        snprintf(cred, sizeof cred, "u%d:p%d", i, i);
        CHECK_INT(sol_access_authenticate_from(s, g, basic(cred), NULL, &pr, NULL), 0);
    }
    CHECK_INT(sol_access_authenticate_from(s, g, basic("u1:p1"), NULL, &pr, NULL), 0); /* hit */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("u5:p5"), NULL, &pr, NULL), 0); /* u2 out */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("u1:p1"), NULL, &pr, NULL), 0); /* hit */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("u2:p2"), NULL, &pr, NULL), 0); /* again */
    struct sol_access_guard_stats st;
    sol_access_guard_stats(g, &st);
    CHECK_INT(st.checked, 6);
    CHECK_INT(st.remembered, 2);
    /* Another password of a remembered name is checked, not taken from memory. */
    CHECK_INT(sol_access_authenticate_from(s, g, basic("u1:p2"), NULL, &pr, NULL), SOL_EAUTH);
    sol_access_guard_free(g);
    sol_store_close(s);
}

static void
test_grants(void)
{
    struct sol_store *s = fresh();
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    sol_store_api_root_put(s, &r);
    char id1[] = "c1", id2[] = "c2", root[] = "intel", title[] = "T";
    struct sol_collection c = {.id = id1, .api_root = root, .title = title};
    sol_store_collection_put(s, &c);
    c.id = id2;
    sol_store_collection_put(s, &c);
    int64_t p = 0, q = 0;
    sol_store_partner_add(s, "acme", NULL, &p);
    sol_store_partner_add(s, "ngo", NULL, &q);
    user(s, "alice", p, 3, NULL);
    user(s, "bob", q, 3, NULL);
    int64_t root_id = user(s, "root", q, 5, NULL);
    struct sol_user ru;
    sol_store_user_get_by_id(s, root_id, &ru);
    ru.is_admin = true;
    sol_store_user_update(s, &ru);
    sol_user_clear(&ru);
    struct sol_principal a, b, adm;
    sol_access_principal_of_user(s, "alice", &a);
    sol_access_principal_of_user(s, "bob", &b);
    sol_access_principal_of_user(s, "root", &adm);
    struct sol_grant g = {.collection = "c1", .partner_id = p, .can_read = true};
    sol_store_grant_add(s, &g);
    struct sol_grant gb = {.collection = "c2", .user_id = b.user_id, .can_write = true};
    sol_store_grant_add(s, &gb);
    CHECK(sol_access_can_read(s, &a, "c1"));
    CHECK(!sol_access_can_write(s, &a, "c1"));
    CHECK(!sol_access_can_read(s, &a, "c2"));
    CHECK(!sol_access_can_read(s, &b, "c1"));
    CHECK(!sol_access_can_read(s, &b, "c2"));
    CHECK(sol_access_can_write(s, &b, "c2"));
    CHECK(sol_access_can_read(s, &adm, "c1") && sol_access_can_write(s, &adm, "c2"));
    CHECK(!sol_access_can_read(s, NULL, "c1"));
    sol_store_close(s);
}

/* Each clearance sees exactly the versions the policy allows, in SQL and in C alike. */
static void
test_each_clearance_sees_what_it_may(void)
{
    struct sol_store *s = fresh();
    struct sol_api_root r = {.name = "intel", .title = "Intel"};
    sol_store_api_root_put(s, &r);
    char id[] = "c", root[] = "intel", title[] = "T";
    struct sol_collection c = {.id = id, .api_root = root, .title = title};
    sol_store_collection_put(s, &c);
    int64_t p = 0, q = 0;
    const char *acme = "identity--aaaaaaaa-0000-4000-8000-000000000001";
    const char *ngo = "identity--bbbbbbbb-0000-4000-8000-000000000002";
    sol_store_partner_add(s, "acme", acme, &p);
    sol_store_partner_add(s, "ngo", ngo, &q);
    static const char *names[] = {"clear", "green", "amber", "strict", "red"};
    /* object i has TLP i+1; two RED ones: one for acme, one for ngo */
    for (int i = 0; i < 6; i++) {
        char oid[64], json[128];
        snprintf(oid, sizeof oid, "report--%d", i);
        snprintf(json, sizeof json, "{\"id\":\"%s\"}", oid);
        struct sol_object_row row = {.id = sol_str_c(oid),
                                     .type = SOL_STR("report"),
                                     .json = sol_str_c(json),
                                     .version = 1000000,
                                     .tlp = i < 5 ? i + 1 : 5,
                                     .tlp_red_recipients = sol_str_c(i == 4   ? acme
                                                                     : i == 5 ? ngo
                                                                              : "")};
        CHECK_INT(sol_store_object_add(s, "c", &row, NULL, NULL), 0);
    }
    /* expected visible ids per clearance, for a user of acme and of ngo */
    static const char *want_acme[] = {"0", "01", "012", "0123", "01234"};
    static const char *want_ngo[] = {"0", "01", "012", "0123", "01235"};
    for (int who = 0; who < 2; who++) {
        for (int cl = 1; cl <= 5; cl++) {
            char uname[64];
            snprintf(uname, sizeof uname, "%s-%s", who ? "ngo" : "acme", names[cl - 1]);
            user(s, uname, who ? q : p, cl, NULL);
            struct sol_principal pr;
            CHECK_INT(sol_access_principal_of_user(s, uname, &pr), 0);
            struct sol_object_filter f = {.collection = "c"};
            sol_access_filter(&pr, &f);
            struct sol_store_cursor *cur;
            CHECK_INT(sol_store_objects_query(s, &f, &cur), 0);
            char got[16] = "";
            size_t k = 0;
            struct sol_object_row row;
            int disagree = 0;
            while (sol_store_cursor_next(cur, &row) == 0 && k < 15) {
                got[k++] = row.id.p[8];
                if (!sol_access_may_see(&pr, &row))
                    disagree++;
            }
            got[k] = 0;
            sol_store_cursor_close(cur);
            const char *want = who ? want_ngo[cl - 1] : want_acme[cl - 1];
            if (strcmp(got, want) != 0)
                HARNESS_FAIL("%s sees \"%s\", expected \"%s\"", uname, got, want);
            CHECK_INT(disagree, 0);
            /* and may_see refuses what SQL filtered out */
            f.max_tlp = 5;
            f.asker_identity = NULL;
            f.version_match = SOL_VERSION_ALL;
            sol_store_objects_query(s, &f, &cur);
            size_t allowed = 0;
            while (sol_store_cursor_next(cur, &row) == 0)
                allowed += sol_access_may_see(&pr, &row);
            sol_store_cursor_close(cur);
            CHECK_INT(allowed, strlen(want) - (cl == 5)); /* the RED one is not in this list */
        }
    }
    struct sol_object_filter f = {.collection = "c"};
    sol_access_filter(NULL, &f);
    CHECK_INT(f.max_tlp, 0);
    sol_store_close(s);
}

int
main(void)
{
    sol_access_set_weak_password_hashing(true);
    RUN(test_passwords);
    RUN(test_authenticate);
    RUN(test_guard);
    RUN(test_guard_bounded);
    RUN(test_guard_same_credential);
    RUN(test_token_login_while_a_writer_holds_the_lock);
    RUN(test_grants);
    RUN(test_each_clearance_sees_what_it_may);
    return harness_done();
}
