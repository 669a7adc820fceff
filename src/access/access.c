/*
 * access.c — authentication, grants and the TLP policy (access.h says what is decided).
 *
 * Passwords are argon2id strings from libsodium (crypto_pwhash_str): the salt and the
 * cost travel inside them, so raising the cost later keeps old hashes readable. Tokens
 * are 32 random bytes; only their BLAKE2b-256 hash is stored, so the database alone
 * never lets anyone in, and the hash is the lookup key (a timing difference in the
 * index lookup can only tell an attacker about hashes, not about tokens).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "access/access_internal.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"
#include "solidarity/stix.h"

/* How often, at most, a token's last_used is written (µs): reads stay read-only. */
#define TOUCH_INTERVAL ((sol_time_t)60 * 1000000)

static bool weak_hashing;

/* access.h: tests only. */
void
sol_access_set_weak_password_hashing(bool on)
{
    weak_hashing = on;
}

static int
sodium_ready(void)
{
    return sodium_init() < 0 ? SOL_ECRYPTO : 0;
}

/* access.h: hash a password with argon2id. */
int
sol_access_password_hash(const char *password, char out[128])
{
    if (sodium_ready() != 0)
        return SOL_ECRYPTO;
    unsigned long long ops =
        weak_hashing ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = weak_hashing ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "password hash text fits 128 bytes");
    if (crypto_pwhash_str(out, password, strlen(password), ops, mem) != 0)
        return SOL_ENOMEM; /* libsodium fails here only when it cannot get the memory */
    return 0;
}

/* access.h: check a password against its hash in constant time. */
bool
sol_access_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || sodium_ready() != 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* access.h: BLAKE2b-256 of a token's text. */
void
sol_access_token_hash(const char *token, size_t n, uint8_t out[32])
{
    sodium_ready();
    crypto_generichash(out, 32, (const unsigned char *)token, n, NULL, 0);
}

/* access.h: make a token, store its hash, hand out its text once. */
int
sol_access_token_issue(struct sol_store *s, int64_t user_id, const char *name,
                       char token_out[SOL_TOKEN_LEN + 1], int64_t *token_id)
{
    if (sodium_ready() != 0)
        return SOL_ECRYPTO;
    uint8_t raw[32];
    char text[SOL_TOKEN_LEN + 1 - 4];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(token_out, SOL_TOKEN_LEN + 1, "sol_%s", text);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(text, sizeof text);
    struct sol_token t = {.name = (char *)(uintptr_t)name, .user_id = user_id};
    sol_access_token_hash(token_out, SOL_TOKEN_LEN, t.hash);
    int rc = sol_store_token_add(s, &t, token_id);
    if (rc != 0)
        sodium_memzero(token_out, SOL_TOKEN_LEN + 1);
    return rc;
}

/* Fill a principal from a user record. */
static void
principal_of(const struct sol_user *u, int64_t token_id, struct sol_principal *out)
{
    memset(out, 0, sizeof *out);
    out->user_id = u->id;
    snprintf(out->name, sizeof out->name, "%s", u->name ? u->name : "");
    out->partner_id = u->partner_id;
    snprintf(out->partner_name, sizeof out->partner_name, "%s",
             u->partner_name ? u->partner_name : "");
    snprintf(out->partner_identity, sizeof out->partner_identity, "%s",
             u->partner_identity ? u->partner_identity : "");
    out->clearance = u->clearance;
    out->is_admin = u->is_admin;
    out->token_id = token_id;
    out->user_created = u->created;
}

/* access.h: the principal of a named user. */
int
sol_access_principal_of_user(struct sol_store *s, const char *name, struct sol_principal *out)
{
    struct sol_user u;
    int rc = sol_store_user_get(s, name, &u);
    if (rc != 0)
        return rc;
    principal_of(&u, 0, out);
    sol_user_clear(&u);
    return 0;
}

/*
 * A hash to verify against when the user does not exist, so that an unknown name takes
 * as long as a wrong password and does not tell that the name is free.
 */
static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy_hash(void)
{
    if (sol_access_password_hash("not a password: no user has it", dummy_hash) != 0)
        dummy_hash[0] = 0;
}

/*
 * RFC 7617: "Basic" credentials, base64 of "user-id:password", through guard g (NULL:
 * every password is checked, nothing is limited). The user is read from the store on
 * every request, remembered or not, so the principal is always the current one.
 */
static int
auth_basic(struct sol_store *s, struct sol_access_guard *g, const char *remote, const char *cred,
           size_t n, struct sol_principal *out, unsigned *retry_after)
{
    if (n == 0 || n > 1024)
        return SOL_EAUTH;
    uint8_t *dec = sol_malloc(n / 4 * 3 + 4);
    if (!dec)
        return SOL_ENOMEM;
    long len = sol_base64_decode(cred, n, dec);
    if (len < 0) {
        sol_free(dec);
        return SOL_EAUTH;
    }
    dec[len] = 0;
    char *colon = memchr(dec, ':', (size_t)len);
    if (!colon || memchr(dec, 0, (size_t)len)) {
        sodium_memzero(dec, (size_t)len);
        sol_free(dec);
        return SOL_EAUTH;
    }
    *colon = 0;
    const char *name = (const char *)dec, *password = colon + 1;
    struct sol_user u;
    memset(&u, 0, sizeof u);
    int rc = sol_store_user_get(s, name, &u);
    if (rc != 0 && rc != SOL_ENOTFOUND)
        goto out;
    bool have_user = rc == 0, known = have_user && u.password_hash;
    for (int again = 0;; again++) {
        if (known && sol__guard_remembered(g, name, password, u.id, u.password_hash)) {
            principal_of(&u, 0, out);
            rc = 0;
            goto done;
        }
        /* Past too many failures, or with every check slot busy, no hashing at all. */
        rc = again ? 0 : sol__guard_admit(g, remote, name, retry_after);
        if (rc == 0)
            rc = sol__guard_hash_begin(g, name, password, retry_after);
        if (rc != 1 || again)
            break;
        /* The same credential was just checked by another request: its answer first. */
    }
    if (rc == 1)
        rc = SOL_EBUSY;
    if (rc != 0)
        goto done;
    if (!known) {
        /* As long as a wrong password, so that the answer does not tell the name is free. */
        pthread_once(&dummy_once, make_dummy_hash);
        if (dummy_hash[0])
            (void)sol_access_password_verify(dummy_hash, password);
        rc = SOL_EAUTH;
    } else if (sol_access_password_verify(u.password_hash, password)) {
        principal_of(&u, 0, out);
        sol__guard_remember(g, name, password, u.id, u.password_hash);
    } else {
        rc = SOL_EAUTH;
    }
    sol__guard_hash_end(g, name, password);
    if (rc == SOL_EAUTH)
        sol__guard_failed(g, remote, name);
done:
    if (have_user)
        sol_user_clear(&u);
out:
    sodium_memzero(dec, (size_t)len);
    sol_free(dec);
    return rc;
}

/* "Bearer" (RFC 6750) and "Token" credentials: one of our API tokens. */
static int
auth_token(struct sol_store *s, const char *cred, size_t n, struct sol_principal *out)
{
    if (n != SOL_TOKEN_LEN || memcmp(cred, "sol_", 4) != 0)
        return SOL_EAUTH;
    uint8_t hash[32];
    sol_access_token_hash(cred, n, hash);
    struct sol_token t;
    int rc = sol_store_token_find(s, hash, &t);
    if (rc == SOL_ENOTFOUND)
        return SOL_EAUTH;
    if (rc != 0)
        return rc;
    bool good = sodium_memcmp(hash, t.hash, 32) == 0 && !t.revoked;
    int64_t tid = t.id, uid = t.user_id;
    sol_time_t last = t.last_used;
    sol_token_clear(&t);
    if (!good)
        return SOL_EAUTH;
    struct sol_user u;
    rc = sol_store_user_get_by_id(s, uid, &u);
    if (rc == SOL_ENOTFOUND)
        return SOL_EAUTH;
    if (rc != 0)
        return rc;
    principal_of(&u, tid, out);
    sol_user_clear(&u);
    sol_time_t now = sol_time_now();
    if (now - last >= TOUCH_INTERVAL)
        (void)sol_store_token_touch(s, tid, now); /* best effort: a busy store must not deny */
    return 0;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* access.h: authenticate an Authorization header value, every password checked. */
int
sol_access_authenticate(struct sol_store *s, const char *value, struct sol_principal *out)
{
    return sol_access_authenticate_from(s, NULL, value, NULL, out, NULL);
}

/* access.h: authenticate an Authorization header value through a guard. */
int
sol_access_authenticate_from(struct sol_store *s, struct sol_access_guard *g, const char *value,
                             const char *remote, struct sol_principal *out, unsigned *retry_after)
{
    unsigned ignored;
    if (!retry_after)
        retry_after = &ignored;
    *retry_after = 0;
    memset(out, 0, sizeof *out);
    if (!value)
        return SOL_EAUTH;
    if (sodium_ready() != 0)
        return SOL_ECRYPTO;
    /* RFC 7235 §2.1: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ] */
    const char *p = value;
    while (is_space(*p))
        p++;
    const char *scheme = p;
    while (*p && !is_space(*p))
        p++;
    size_t scheme_n = (size_t)(p - scheme);
    while (is_space(*p))
        p++;
    const char *cred = p;
    size_t n = strlen(cred);
    while (n && is_space(cred[n - 1]))
        n--;
    if (scheme_n == 5 && strncasecmp(scheme, "basic", 5) == 0)
        return auth_basic(s, g, remote, cred, n, out, retry_after);
    if ((scheme_n == 6 && strncasecmp(scheme, "bearer", 6) == 0) ||
        (scheme_n == 5 && strncasecmp(scheme, "token", 5) == 0))
        return auth_token(s, cred, n, out);
    return SOL_EAUTH;
}

static void
grants_of(struct sol_store *s, const struct sol_principal *p, const char *collection, bool *r,
          bool *w)
{
    *r = *w = false;
    if (!p || !collection || p->user_id <= 0)
        return;
    if (p->is_admin) {
        *r = *w = true;
        return;
    }
    if (sol_store_grant_check(s, collection, p->user_id, p->partner_id, r, w) != 0)
        *r = *w = false;
}

/* access.h: may the principal read the collection? */
bool
sol_access_can_read(struct sol_store *s, const struct sol_principal *p, const char *collection)
{
    bool r, w;
    grants_of(s, p, collection, &r, &w);
    return r;
}

/* access.h: may the principal write the collection? */
bool
sol_access_can_write(struct sol_store *s, const struct sol_principal *p, const char *collection)
{
    bool r, w;
    grants_of(s, p, collection, &r, &w);
    return w;
}

/* Whether identity is one of the comma-separated ids in list (whole items only). */
static bool
listed(struct sol_str list, const char *identity)
{
    size_t n = strlen(identity);
    if (n == 0)
        return false;
    size_t i = 0;
    while (i < list.n) {
        size_t j = i;
        while (j < list.n && list.p[j] != ',')
            j++;
        if (j - i == n && memcmp(list.p + i, identity, n) == 0)
            return true;
        i = j + 1;
    }
    return false;
}

/* access.h: the TLP rule for one stored version. */
bool
sol_access_may_see(const struct sol_principal *p, const struct sol_object_row *row)
{
    if (!p || !row)
        return false;
    int tlp = row->tlp > 0 ? row->tlp : SOL_TLP_AMBER; /* unmarked: AMBER, the default */
    if (tlp > p->clearance)
        return false;
    if (tlp == SOL_TLP_RED)
        return listed(row->tlp_red_recipients, p->partner_identity);
    return true;
}

/* access.h: the policy fields of a store filter. */
void
sol_access_filter(const struct sol_principal *p, struct sol_object_filter *f)
{
    f->max_tlp = p ? p->clearance : SOL_TLP_NONE;
    f->asker_identity = p && p->partner_identity[0] ? p->partner_identity : NULL;
}
