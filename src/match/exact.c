/*
 * exact.c — the exact-value table: open addressing (Robin Hood) over 8-byte
 * slots (a 32-bit tag of the key's hash and the offset of the key in one arena).
 *
 * Memory per key: a slot (8 bytes at load <= 0.8, so 10) plus the arena entry
 * (4-byte target, 2-byte key space, a 1- or 2-byte length, the normalised bytes).
 * The owner keeps the hash of each key space in ->space_hash, which rehashing needs.
 * A key with several targets points into a shared list array instead.
 */
#include <string.h>
#include <xxhash.h>

#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "match/match.h"

#define MAX_KEY 16383

void
sol__mexact_init(struct sol__mexact *t)
{
    memset(t, 0, sizeof *t);
}

void
sol__mexact_free(struct sol__mexact *t)
{
    sol_free(t->slots);
    sol_free(t->arena);
    sol_free(t->lists);
    sol_free(t->bloom);
    memset(t, 0, sizeof *t);
}

static inline uint64_t
key_hash(uint64_t space_hash, const uint8_t *key, size_t n)
{
    return XXH3_64bits_withSeed(key, n, space_hash);
}

/*
 * Robin Hood hashing: the 32-bit tag kept in the slot is also what places the key (its
 * home slot, by Lemire's multiply-shift), so an entry's distance from home is known from
 * the slot alone. Entries are kept in order of home along each run, so a lookup for an
 * absent key stops as soon as it meets an entry closer to its home than the probe is: a
 * few probes even at a load of 0.8, where plain linear probing needs a dozen.
 */
static inline size_t
home_of(uint32_t tag, size_t cap)
{
    return (size_t)(((uint64_t)tag * (uint64_t)cap) >> 32);
}

static inline size_t
distance(uint64_t slot, size_t j, size_t cap)
{
    size_t h = home_of((uint32_t)(slot >> 32), cap);
    return j >= h ? j - h : j + cap - h;
}

/* Place slot value e (not already present) into slots. */
static void
place(uint64_t *slots, size_t cap, uint64_t e)
{
    size_t j = home_of((uint32_t)(e >> 32), cap), d = 0;
    for (;;) {
        uint64_t s = slots[j];
        if (!s) {
            slots[j] = e;
            return;
        }
        size_t ds = distance(s, j, cap);
        if (ds < d) {
            slots[j] = e;
            e = s;
            d = ds;
        }
        j = j + 1 == cap ? 0 : j + 1;
        d++;
    }
}

static int
rehash(struct sol__mexact *t, size_t cap)
{
    uint64_t *ns = sol_calloc(cap, sizeof *ns);
    if (!ns)
        return SOL_ENOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i])
            place(ns, cap, t->slots[i]);
    sol_free(t->slots);
    t->slots = ns;
    t->cap = cap;
    return 0;
}

int
sol__mexact_resize(struct sol__mexact *t, size_t cap)
{
    if (cap < t->n + 1)
        return SOL_EINVAL;
    return rehash(t, cap);
}

int
sol__mexact_reserve(struct sol__mexact *t, size_t n)
{
    size_t want = n + n / 3 + 16;
    if (want <= t->cap)
        return 0;
    return rehash(t, want);
}

int
sol__mlist_add(uint32_t **lists, size_t *lists_n, size_t *lists_cap, uint32_t *slot,
               uint32_t target)
{
    uint32_t *l = *lists;
    if (!(*slot & SOL__MT_LIST)) {
        if (*slot == target)
            return 0;
        if (*lists_n + 6 > *lists_cap) {
            size_t nc = *lists_cap ? *lists_cap * 2 : 1024;
            l = sol_realloc(*lists, nc * sizeof *l);
            if (!l)
                return SOL_ENOMEM;
            *lists = l;
            *lists_cap = nc;
        }
        size_t at = *lists_n;
        l[at] = 4;
        l[at + 1] = 2;
        l[at + 2] = *slot;
        l[at + 3] = target;
        *lists_n += 6;
        *slot = SOL__MT_LIST | (uint32_t)at;
        return 0;
    }
    size_t at = *slot & ~SOL__MT_LIST;
    uint32_t cap = l[at], cnt = l[at + 1];
    for (uint32_t i = 0; i < cnt; i++)
        if (l[at + 2 + i] == target)
            return 0;
    if (cnt < cap) {
        l[at + 2 + cnt] = target;
        l[at + 1] = cnt + 1;
        return 0;
    }
    /* Move to a list twice as long at the end. */
    size_t need = 2 + (size_t)cap * 2;
    if (*lists_n + need > *lists_cap) {
        size_t nc = *lists_cap * 2 + need;
        l = sol_realloc(*lists, nc * sizeof *l);
        if (!l)
            return SOL_ENOMEM;
        *lists = l;
        *lists_cap = nc;
    }
    size_t nat = *lists_n;
    l[nat] = cap * 2;
    l[nat + 1] = cnt + 1;
    memcpy(l + nat + 2, l + at + 2, cnt * sizeof *l);
    l[nat + 2 + cnt] = target;
    *lists_n += need;
    *slot = SOL__MT_LIST | (uint32_t)nat;
    return 0;
}

size_t
sol__mlist_get(const uint32_t *lists, uint32_t slot, const uint32_t **out, uint32_t *one)
{
    if (slot & SOL__MT_LIST) {
        size_t at = slot & ~SOL__MT_LIST;
        *out = lists + at + 2;
        return lists[at + 1];
    }
    *one = slot;
    *out = one;
    return 1;
}

static inline bool
entry_is(const uint8_t *e, uint16_t space, const uint8_t *key, size_t n, size_t *hdr_out)
{
    uint16_t sp;
    memcpy(&sp, e + 4, 2);
    if (sp != space)
        return false;
    size_t kn = e[6], hdr = 7;
    if (kn & 0x80) {
        kn = (kn & 0x7f) | (size_t)e[7] << 7;
        hdr = 8;
    }
    *hdr_out = hdr;
    return kn == n && memcmp(e + hdr, key, n) == 0;
}

int
sol__mexact_add(struct sol__mexact *t, uint16_t space, uint64_t space_hash, const uint8_t *key,
                size_t n, uint32_t target)
{
    if (n > MAX_KEY)
        return SOL_ELIMIT;
    if (t->bloom) {
        /* The filter is built for a finished table; a new key needs it rebuilt. */
        sol_free(t->bloom);
        t->bloom = NULL;
        t->nblocks = 0;
    }
    if ((t->n + 1) * 4 > t->cap * 3) {
        int rc = rehash(t, t->cap ? t->cap * 2 : 1024);
        if (rc)
            return rc;
    }
    uint64_t h = key_hash(space_hash, key, n);
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t j = home_of(tag, t->cap), d = 0;; j = j + 1 == t->cap ? 0 : j + 1, d++) {
        uint64_t s = t->slots[j];
        if (!s || distance(s, j, t->cap) < d)
            break;
        if ((uint32_t)(s >> 32) == tag) {
            uint8_t *e = t->arena + ((uint32_t)s - 1);
            size_t hdr;
            if (entry_is(e, space, key, n, &hdr)) {
                uint32_t v;
                memcpy(&v, e, 4);
                int rc = sol__mlist_add(&t->lists, &t->lists_n, &t->lists_cap, &v, target);
                memcpy(e, &v, 4);
                return rc;
            }
        }
    }
    size_t need = 4 + 2 + 2 + n;
    if (t->arena_n + need > t->arena_cap) {
        size_t nc = t->arena_cap ? t->arena_cap * 2 : 65536;
        while (nc < t->arena_n + need)
            nc *= 2;
        if (nc > 0xfffffff0u)
            return SOL_ELIMIT;
        uint8_t *na = sol_realloc(t->arena, nc);
        if (!na)
            return SOL_ENOMEM;
        t->arena = na;
        t->arena_cap = nc;
    }
    uint8_t *e = t->arena + t->arena_n;
    memcpy(e, &target, 4);
    memcpy(e + 4, &space, 2);
    size_t hdr;
    if (n < 0x80) {
        e[6] = (uint8_t)n;
        hdr = 7;
    } else {
        e[6] = (uint8_t)(0x80 | (n & 0x7f));
        e[7] = (uint8_t)(n >> 7);
        hdr = 8;
    }
    memcpy(e + hdr, key, n);
    place(t->slots, t->cap, (uint64_t)tag << 32 | (uint64_t)(t->arena_n + 1));
    t->arena_n += hdr + n;
    t->n++;
    return 0;
}

/*
 * A blocked Bloom filter in front of the slots: one 64-byte block per key, three bits in
 * it, 8 bits per key. Nearly every lookup of a scan is for an absent key; the filter,
 * an eighth of the slots' size, answers most of them from cache, where the slots would
 * have cost a miss to memory. About 3 % of absent keys get through to the slots.
 */
static inline const uint64_t *
bloom_block(const struct sol__mexact *t, uint32_t tag)
{
    return t->bloom + 8 * (size_t)(((uint64_t)tag * (uint64_t)t->nblocks) >> 32);
}

static inline uint32_t
bloom_mix(uint32_t tag)
{
    return tag * 0x9e3779b1u ^ (tag >> 15);
}

static inline bool
bloom_maybe(const struct sol__mexact *t, uint32_t tag)
{
    const uint64_t *b = bloom_block(t, tag);
    uint32_t x = bloom_mix(tag);
    for (int k = 0; k < 3; k++) {
        unsigned bit = (x >> (9 * k)) & 511;
        if (!(b[bit >> 6] >> (bit & 63) & 1))
            return false;
    }
    return true;
}

int
sol__mexact_build_bloom(struct sol__mexact *t)
{
    sol_free(t->bloom);
    t->bloom = NULL;
    t->nblocks = 0;
    if (!t->n)
        return 0;
    size_t nb = t->n / 64 + 1;
    if (nb > 0xffffffffu)
        return 0;
    t->bloom = sol_calloc(nb * 8, sizeof *t->bloom);
    if (!t->bloom)
        return SOL_ENOMEM;
    t->nblocks = nb;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i])
            continue;
        uint32_t tag = (uint32_t)(t->slots[i] >> 32);
        uint64_t *b = t->bloom + 8 * (size_t)(((uint64_t)tag * (uint64_t)nb) >> 32);
        uint32_t x = bloom_mix(tag);
        for (int k = 0; k < 3; k++) {
            unsigned bit = (x >> (9 * k)) & 511;
            b[bit >> 6] |= (uint64_t)1 << (bit & 63);
        }
    }
    return 0;
}

uint64_t
sol__mexact_hash(const struct sol__mexact *t, uint64_t space_hash, const uint8_t *key, size_t n)
{
    uint64_t h = key_hash(space_hash, key, n);
    if (t->bloom)
        __builtin_prefetch(bloom_block(t, (uint32_t)(h >> 32)));
    else if (t->n)
        __builtin_prefetch(&t->slots[home_of((uint32_t)(h >> 32), t->cap)]);
    return h;
}

size_t
sol__mexact_find(const struct sol__mexact *t, uint16_t space, uint64_t space_hash,
                 const uint8_t *key, size_t n, const uint32_t **out, uint32_t *one)
{
    return sol__mexact_find_hashed(t, space, key_hash(space_hash, key, n), key, n, out, one);
}

size_t
sol__mexact_find_hashed(const struct sol__mexact *t, uint16_t space, uint64_t h, const uint8_t *key,
                        size_t n, const uint32_t **out, uint32_t *one)
{
    if (!t->n)
        return 0;
    uint32_t tag = (uint32_t)(h >> 32);
    if (t->bloom && !bloom_maybe(t, tag))
        return 0;
    for (size_t j = home_of(tag, t->cap), d = 0;; j = j + 1 == t->cap ? 0 : j + 1, d++) {
        uint64_t s = t->slots[j];
        if (!s || distance(s, j, t->cap) < d)
            return 0;
        if ((uint32_t)(s >> 32) == tag) {
            const uint8_t *e = t->arena + ((uint32_t)s - 1);
            size_t hdr;
            if (entry_is(e, space, key, n, &hdr)) {
                uint32_t v;
                memcpy(&v, e, 4);
                return sol__mlist_get(t->lists, v, out, one);
            }
        }
    }
}

size_t
sol__mexact_bytes(const struct sol__mexact *t)
{
    return t->cap * 8 + t->arena_n + t->lists_n * 4 + t->nblocks * 64;
}
