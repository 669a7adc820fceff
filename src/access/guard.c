/*
 * guard.c — the guard of password logins (access.h says what it decides).
 *
 * Three small tables behind one mutex, each bounded:
 *  - remembered successes: a keyed BLAKE2b of "name\0password" (the key is random per
 *    guard, so the table is useless outside this process), the user's id, a keyed digest
 *    of the stored password hash the password was checked against, and when it expires;
 *    4-way set-associative by the digest, least recently used out, so a lookup compares
 *    four entries whatever the size.
 *  - failed attempts: leaky buckets keyed by a 64-bit keyed hash of "a:ADDRESS" or
 *    "u:NAME", 8-way set-associative; a full set gives up its emptiest bucket, so a flood
 *    of fresh addresses cannot push out the address being limited without filling it.
 *  - password-check slots: at most `hashing` checks at once, and the credentials being
 *    checked now, so that parallel requests with one credential (a client opening
 *    several connections) wait for its one check instead of each running their own.
 *    Nobody else waits: a worker thread that waited for a slot would stall every
 *    connection it serves, so a login that finds no slot free is refused at once.
 * Times are CLOCK_MONOTONIC, so a change of the wall clock neither unblocks nor blocks.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access/access_internal.h"
#include "solidarity/access.h"
#include "solidarity/alloc.h"

#define DEFAULT_ENTRIES 1024
#define DEFAULT_TTL     300 /* seconds */
#define DEFAULT_BURST   10
#define DEFAULT_REFILL  6 /* seconds per failed attempt forgiven */
#define CACHE_WAYS      4
#define LIMIT_SETS      512
#define LIMIT_WAYS      8
#define SAME_WAIT_MS    1000 /* how long a login waits for the check of its own credential */
#define MAX_HASHING     64

struct remembered {
    uint8_t cred[32];   /* keyed BLAKE2b-256 of "name\0password"; all zero: empty */
    uint8_t stored[16]; /* keyed BLAKE2b-128 of the stored password hash */
    int64_t user_id;
    int64_t expires;   /* monotonic µs */
    int64_t last_used; /* monotonic µs, for least-recently-used replacement */
};

struct bucket {
    uint64_t key; /* 0: empty */
    double level; /* failed attempts not yet forgiven, as of `at` */
    int64_t at;   /* monotonic µs */
};

struct sol_access_guard {
    struct sol_access_guard_options o;
    uint8_t key[32];
    pthread_mutex_t lock;
    pthread_cond_t slot_free;
    unsigned hashing_now;
    uint8_t in_flight[MAX_HASHING][32]; /* the credentials being checked now; zero: free */
    struct remembered *cache;           /* cache_sets * CACHE_WAYS */
    unsigned cache_sets;
    struct bucket *buckets; /* LIMIT_SETS * LIMIT_WAYS */
    struct sol_access_guard_stats stats;
};

static int64_t
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* access.h: make a guard (zero options take the defaults). */
int
sol_access_guard_new(const struct sol_access_guard_options *o, struct sol_access_guard **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return SOL_ECRYPTO;
    struct sol_access_guard *g = sol_calloc(1, sizeof(*g));
    if (!g)
        return SOL_ENOMEM;
    if (o)
        g->o = *o;
    if (!g->o.cache_entries)
        g->o.cache_entries = DEFAULT_ENTRIES;
    if (!g->o.cache_ttl)
        g->o.cache_ttl = DEFAULT_TTL;
    if (!g->o.fail_burst)
        g->o.fail_burst = DEFAULT_BURST;
    if (!g->o.fail_refill)
        g->o.fail_refill = DEFAULT_REFILL;
    if (!g->o.hashing) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        g->o.hashing = cpus >= 8 ? (unsigned)(cpus / 4) : 1;
    }
    if (g->o.hashing > MAX_HASHING)
        g->o.hashing = MAX_HASHING;
    g->cache_sets = (g->o.cache_entries + CACHE_WAYS - 1) / CACHE_WAYS;
    g->o.cache_entries = g->cache_sets * CACHE_WAYS;
    g->cache = sol_calloc(g->o.cache_entries, sizeof(*g->cache));
    g->buckets = sol_calloc((size_t)LIMIT_SETS * LIMIT_WAYS, sizeof(*g->buckets));
    if (!g->cache || !g->buckets) {
        sol_free(g->cache);
        sol_free(g->buckets);
        sol_free(g);
        return SOL_ENOMEM;
    }
    randombytes_buf(g->key, sizeof(g->key));
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->slot_free, NULL);
    *out = g;
    return 0;
}

/* access.h: free a guard and wipe what it remembers; NULL does nothing. */
void
sol_access_guard_free(struct sol_access_guard *g)
{
    if (!g)
        return;
    sodium_memzero(g->cache, g->o.cache_entries * sizeof(*g->cache));
    sodium_memzero(g->key, sizeof(g->key));
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->slot_free);
    sol_free(g->cache);
    sol_free(g->buckets);
    sol_free(g);
}

/* access.h: the counters. */
void
sol_access_guard_stats(struct sol_access_guard *g, struct sol_access_guard_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    *out = g->stats;
    pthread_mutex_unlock(&g->lock);
}

static void
cred_digest(const struct sol_access_guard *g, const char *name, const char *password,
            uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, g->key, sizeof(g->key), 32);
    crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&st, (const unsigned char *)password, strlen(password));
    crypto_generichash_final(&st, out, 32);
}

/* The set of ways a credential digest may live in. */
static struct remembered *
cache_set(const struct sol_access_guard *g, const uint8_t cred[32])
{
    uint32_t h;
    memcpy(&h, cred, sizeof(h));
    return &g->cache[(size_t)(h % g->cache_sets) * CACHE_WAYS];
}

static void
stored_digest(const struct sol_access_guard *g, const char *password_hash, uint8_t out[16])
{
    crypto_generichash(out, 16, (const unsigned char *)password_hash, strlen(password_hash), g->key,
                       sizeof(g->key));
}

/* Whether this credential was checked against this very stored hash of this user lately. */
bool
sol__guard_remembered(struct sol_access_guard *g, const char *name, const char *password,
                      int64_t user_id, const char *password_hash)
{
    if (!g || !password_hash)
        return false;
    uint8_t cred[32], stored[16];
    cred_digest(g, name, password, cred);
    stored_digest(g, password_hash, stored);
    int64_t now = now_us();
    bool hit = false;
    pthread_mutex_lock(&g->lock);
    struct remembered *set = cache_set(g, cred);
    for (unsigned i = 0; i < CACHE_WAYS && !hit; i++) {
        struct remembered *r = &set[i];
        if (r->expires <= now || sodium_memcmp(r->cred, cred, 32) != 0)
            continue;
        /* The same credential, checked against another stored hash or for another user
         * (a new password, a user removed and made again): forget it. */
        if (r->user_id != user_id || sodium_memcmp(r->stored, stored, 16) != 0) {
            sodium_memzero(r, sizeof(*r));
            break;
        }
        r->last_used = now;
        hit = true;
    }
    if (hit)
        g->stats.remembered++;
    pthread_mutex_unlock(&g->lock);
    sodium_memzero(cred, sizeof(cred));
    return hit;
}

/* Remember a credential just checked against password_hash. */
void
sol__guard_remember(struct sol_access_guard *g, const char *name, const char *password,
                    int64_t user_id, const char *password_hash)
{
    if (!g || !password_hash)
        return;
    struct remembered e;
    cred_digest(g, name, password, e.cred);
    stored_digest(g, password_hash, e.stored);
    e.user_id = user_id;
    int64_t now = now_us();
    e.expires = now + (int64_t)g->o.cache_ttl * 1000000;
    e.last_used = now;
    pthread_mutex_lock(&g->lock);
    struct remembered *set = cache_set(g, e.cred);
    unsigned victim = 0;
    for (unsigned i = 0; i < CACHE_WAYS; i++) {
        struct remembered *r = &set[i];
        if (sodium_memcmp(r->cred, e.cred, 32) == 0 || r->expires <= now) {
            victim = i;
            break;
        }
        if (r->last_used < set[victim].last_used)
            victim = i;
    }
    set[victim] = e;
    pthread_mutex_unlock(&g->lock);
    sodium_memzero(&e, sizeof(e));
}

static uint64_t
limit_key(const struct sol_access_guard *g, char kind, const char *what)
{
    crypto_generichash_state st;
    uint8_t h[8];
    crypto_generichash_init(&st, g->key, sizeof(g->key), sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
    crypto_generichash_update(&st, (const unsigned char *)what, strlen(what));
    crypto_generichash_final(&st, h, sizeof(h));
    uint64_t k;
    memcpy(&k, h, sizeof(k));
    return k ? k : 1;
}

/* The level of bucket b now, after forgiving what time has forgiven. */
static double
level_now(const struct sol_access_guard *g, const struct bucket *b, int64_t now)
{
    double forgiven = (double)(now - b->at) / 1e6 / (double)g->o.fail_refill;
    double l = b->level - forgiven;
    return l > 0 ? l : 0;
}

/* The bucket of key (made, replacing its set's emptiest, when make). Under the lock. */
static struct bucket *
bucket_of(struct sol_access_guard *g, uint64_t key, bool make, int64_t now)
{
    struct bucket *set = &g->buckets[(key >> 32) % LIMIT_SETS * LIMIT_WAYS];
    struct bucket *emptiest = &set[0];
    double lowest = -1;
    for (unsigned i = 0; i < LIMIT_WAYS; i++) {
        if (set[i].key == key)
            return &set[i];
        double l = set[i].key ? level_now(g, &set[i], now) : 0;
        if (lowest < 0 || l < lowest) {
            lowest = l;
            emptiest = &set[i];
        }
    }
    if (!make)
        return NULL;
    emptiest->key = key;
    emptiest->level = 0;
    emptiest->at = now;
    return emptiest;
}

/* Seconds until one more attempt is allowed under bucket b (0: allowed now). */
static unsigned
wait_of(const struct sol_access_guard *g, const struct bucket *b, int64_t now)
{
    if (!b)
        return 0;
    double over = level_now(g, b, now) - ((double)g->o.fail_burst - 1);
    if (over <= 0)
        return 0;
    double secs = over * (double)g->o.fail_refill;
    unsigned w = (unsigned)secs;
    return (double)w < secs ? w + 1 : (w ? w : 1);
}

/*
 * May a password attempt from remote for name go ahead? 0, or SOL_ELIMIT with the seconds
 * to wait in *retry_after (the longer of the address's and the name's).
 */
int
sol__guard_admit(struct sol_access_guard *g, const char *remote, const char *name,
                 unsigned *retry_after)
{
    *retry_after = 0;
    if (!g)
        return 0;
    int64_t now = now_us();
    uint64_t ka = remote && *remote ? limit_key(g, 'a', remote) : 0;
    uint64_t ku = limit_key(g, 'u', name);
    pthread_mutex_lock(&g->lock);
    unsigned wa = ka ? wait_of(g, bucket_of(g, ka, false, now), now) : 0;
    unsigned wu = wait_of(g, bucket_of(g, ku, false, now), now);
    unsigned w = wa > wu ? wa : wu;
    if (w)
        g->stats.limited++;
    pthread_mutex_unlock(&g->lock);
    *retry_after = w;
    return w ? SOL_ELIMIT : 0;
}

/* A password attempt from remote for name failed: count it against both. */
void
sol__guard_failed(struct sol_access_guard *g, const char *remote, const char *name)
{
    if (!g)
        return;
    int64_t now = now_us();
    uint64_t keys[2] = {limit_key(g, 'u', name), remote && *remote ? limit_key(g, 'a', remote) : 0};
    pthread_mutex_lock(&g->lock);
    g->stats.failed++;
    for (int i = 0; i < 2; i++) {
        if (!keys[i])
            continue;
        struct bucket *b = bucket_of(g, keys[i], true, now);
        b->level = level_now(g, b, now) + 1;
        b->at = now;
    }
    pthread_mutex_unlock(&g->lock);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* The in-flight entry of cred, or -1. Under the lock. */
static int
in_flight_of(const struct sol_access_guard *g, const uint8_t cred[32])
{
    for (unsigned i = 0; i < g->o.hashing; i++)
        if (!all_zero(g->in_flight[i], 32) && sodium_memcmp(g->in_flight[i], cred, 32) == 0)
            return (int)i;
    return -1;
}

/*
 * Take a password-check slot for name and password. 0: checking, give the slot back with
 * sol__guard_hash_end(); SOL_EAGAIN-like 1: the same credential was being checked by
 * another request and that check is over, so look in the memory again first; SOL_EBUSY
 * (with *retry_after 1) when every slot is taken.
 */
int
sol__guard_hash_begin(struct sol_access_guard *g, const char *name, const char *password,
                      unsigned *retry_after)
{
    *retry_after = 0;
    if (!g)
        return 0;
    uint8_t cred[32];
    cred_digest(g, name, password, cred);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until); /* pthread_cond_timedwait's default clock */
    until.tv_sec += SAME_WAIT_MS / 1000;
    until.tv_nsec += (long)(SAME_WAIT_MS % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    int rc = 0;
    pthread_mutex_lock(&g->lock);
    if (in_flight_of(g, cred) >= 0) {
        /* Wait for that check (bounded), then let the caller look in the memory again. */
        while (in_flight_of(g, cred) >= 0)
            if (pthread_cond_timedwait(&g->slot_free, &g->lock, &until) != 0)
                break;
        rc = in_flight_of(g, cred) >= 0 ? SOL_EBUSY : 1;
    } else if (g->hashing_now >= g->o.hashing) {
        rc = SOL_EBUSY;
    } else {
        for (unsigned i = 0; i < g->o.hashing; i++)
            if (all_zero(g->in_flight[i], 32)) {
                memcpy(g->in_flight[i], cred, 32);
                break;
            }
        g->hashing_now++;
        g->stats.checked++;
    }
    if (rc == SOL_EBUSY) {
        g->stats.busy++;
        *retry_after = 1;
    }
    pthread_mutex_unlock(&g->lock);
    sodium_memzero(cred, sizeof(cred));
    return rc;
}

/* Give back the slot taken for name and password. */
void
sol__guard_hash_end(struct sol_access_guard *g, const char *name, const char *password)
{
    if (!g)
        return;
    uint8_t cred[32];
    cred_digest(g, name, password, cred);
    pthread_mutex_lock(&g->lock);
    int i = in_flight_of(g, cred);
    if (i >= 0)
        sodium_memzero(g->in_flight[i], 32);
    g->hashing_now--;
    pthread_cond_broadcast(&g->slot_free);
    pthread_mutex_unlock(&g->lock);
    sodium_memzero(cred, sizeof(cred));
}
