/*
 * cache.c — the per-process cache of GET answers on manifest, objects, an object and
 * versions (server.c ep_list()).
 *
 * An entry is the 200 answer (body and X-TAXII-Date-Added-First/Last) of one request,
 * keyed by everything the answer depends on: the endpoint, the path, the query string as
 * sent (filters, next, limit), the Accept header, and the asker's visibility (clearance
 * and partner identity: store.h's policy). Grants are not in the key: whether the asker
 * may read the collection is checked on every request before the cache is asked.
 *
 * Validation: each entry holds the collection's state (store/store.h
 * sol__store_collection_state()) read before its query ran; a lookup first reads the
 * state again (one indexed SELECT) and uses the entry only when it is equal, so an add
 * or delete committed by any handle or process is seen at once. (A write that commits
 * between the state read and the query leaves an entry that is newer than its state:
 * never used, since the state has moved on.)
 *
 * Memory: bounded by max_bytes (keys, bodies and overhead); the least recently used
 * entries go first. Thread-safe: one mutex, held only to find, copy and link entries.
 */
#include <pthread.h>
#include <string.h>

#include "solidarity/alloc.h"
#include "taxii/taxii.h"

struct entry {
    struct entry *prev, *next; /* LRU list: head is the most recent */
    struct entry *chain;       /* hash bucket */
    uint64_t hash;
    char *key;
    size_t key_n;
    int64_t state[4];
    char *body;
    size_t body_n;
    char first[32], last[32];
    size_t bytes; /* what it counts against max_bytes */
};

struct taxii_cache {
    pthread_mutex_t mu;
    struct entry **buckets;
    size_t n_buckets, n_entries;
    struct entry *head, *tail;
    size_t bytes, max_bytes;
    size_t hits, misses;
};

/* FNV-1a */
static uint64_t
hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

struct taxii_cache *
sol__taxii_cache_new(size_t max_bytes)
{
    struct taxii_cache *c = sol_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->n_buckets = 65536;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by one */
    c->buckets = sol_calloc(c->n_buckets, sizeof(*c->buckets));
    if (!c->buckets || pthread_mutex_init(&c->mu, NULL) != 0) {
        sol_free(c->buckets);
        sol_free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    return c;
}

static void
entry_free(struct entry *e)
{
    sol_free(e->key);
    sol_free(e->body);
    sol_free(e);
}

void
sol__taxii_cache_free(struct taxii_cache *c)
{
    if (!c)
        return;
    for (struct entry *e = c->head, *n; e; e = n) {
        n = e->next;
        entry_free(e);
    }
    sol_free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    sol_free(c);
}

static void
lru_unlink(struct taxii_cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void
lru_push(struct taxii_cache *c, struct entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static struct entry **
find_slot(struct taxii_cache *c, const char *key, size_t n, uint64_t h)
{
    struct entry **p = &c->buckets[h % c->n_buckets];
    while (*p && !((*p)->hash == h && (*p)->key_n == n && memcmp((*p)->key, key, n) == 0))
        p = &(*p)->chain;
    return p;
}

/* Remove e from its bucket and the LRU list, and free it. */
static void
evict(struct taxii_cache *c, struct entry *e)
{
    struct entry **p = find_slot(c, e->key, e->key_n, e->hash);
    if (*p == e)
        *p = e->chain;
    lru_unlink(c, e);
    c->bytes -= e->bytes;
    c->n_entries--;
    entry_free(e);
}

bool
sol__taxii_cache_get(struct taxii_cache *c, const struct sol_buf *key, const int64_t state[4],
                     struct sol_taxii_response *resp)
{
    if (!c || key->oom)
        return false;
    uint64_t h = hash_bytes(key->p, key->n);
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    struct entry *e = *find_slot(c, key->p, key->n, h);
    if (e && memcmp(e->state, state, sizeof(e->state)) != 0) {
        evict(c, e); /* the collection changed: this answer is gone for good */
        e = NULL;
    }
    if (e) {
        sol_buf_reset(&resp->body);
        sol_buf_append(&resp->body, e->body, e->body_n);
        if (!resp->body.oom) {
            memcpy(resp->date_added_first, e->first, sizeof(e->first));
            memcpy(resp->date_added_last, e->last, sizeof(e->last));
            resp->status = 200;
            lru_unlink(c, e);
            lru_push(c, e);
            hit = true;
        }
    }
    if (hit)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void
sol__taxii_cache_put(struct taxii_cache *c, const struct sol_buf *key, const int64_t state[4],
                     const struct sol_taxii_response *resp)
{
    if (!c || key->oom || resp->body.oom || resp->status != 200)
        return;
    size_t bytes = sizeof(struct entry) + key->n + resp->body.n;
    if (bytes > c->max_bytes / 4) /* one answer never takes most of the cache */
        return;
    struct entry *e = sol_calloc(1, sizeof(*e));
    if (!e)
        return;
    e->key = sol_malloc(key->n ? key->n : 1);
    e->body = sol_malloc(resp->body.n ? resp->body.n : 1);
    if (!e->key || !e->body) {
        entry_free(e);
        return;
    }
    memcpy(e->key, key->p, key->n);
    e->key_n = key->n;
    if (resp->body.n)
        memcpy(e->body, resp->body.p, resp->body.n);
    e->body_n = resp->body.n;
    memcpy(e->state, state, sizeof(e->state));
    memcpy(e->first, resp->date_added_first, sizeof(e->first));
    memcpy(e->last, resp->date_added_last, sizeof(e->last));
    e->hash = hash_bytes(key->p, key->n);
    e->bytes = bytes;
    pthread_mutex_lock(&c->mu);
    struct entry *old = *find_slot(c, e->key, e->key_n, e->hash);
    if (old)
        evict(c, old);
    while (c->tail && c->bytes + bytes > c->max_bytes)
        evict(c, c->tail);
    struct entry **b = &c->buckets[e->hash % c->n_buckets];
    e->chain = *b;
    *b = e;
    lru_push(c, e);
    c->bytes += bytes;
    c->n_entries++;
    pthread_mutex_unlock(&c->mu);
}

void
sol__taxii_cache_stats(struct taxii_cache *c, size_t *hits, size_t *misses, size_t *bytes)
{
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->mu);
}
